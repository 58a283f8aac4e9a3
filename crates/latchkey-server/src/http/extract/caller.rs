//! The caller of a Frontend call: their client token (from the cookie or a bearer
//! header), the origin check against login CSRF, and the request's context.

use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION, ORIGIN, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::auth::{Answer, Surface};
use latchkey_core::model::{Client, RequestClient};
use latchkey_core::{Error, RequestContext};
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};

use super::Query;
use super::cookie::{client_cookie, client_cookie_name, cookie};
use crate::http::dto::{self, Envelope, SessionQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

/// Who is calling: their client (if any), how they authenticate and where from.
pub struct Caller {
    pub client: Option<Client>,
    pub ctx: RequestContext,
    /// `?_is_native=1` or a bearer token: the client token travels in `Authorization`.
    native: bool,
    /// Whether the call signs in to the application or to the dashboard.
    surface: Surface,
    /// A client made for this request, and the token to hand out with the response.
    new_client: Option<(RequestClient, String)>,
    /// `?_latchkey_session_id=`
    pub session_id: Option<String>,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Query(query) = Query::<SessionQuery>::parse(parts.uri.query())?;
        let surface = surface(parts);
        let bearer = bearer_token(&parts.headers);
        let cookie = cookie(&parts.headers, client_cookie_name(state, surface));
        let native = bearer.is_some() || matches!(query._is_native.as_deref(), Some("1" | "true"));
        let ctx = request_context(parts, state);
        let origin = ctx.origin.as_deref();
        let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if surface == Surface::Dashboard {
            // The dashboard is a same-origin page on a cookie: no client tokens in
            // headers, no call from another origin, and every change names this
            // server as its Origin.
            let own = state.auth.settings().own_origin();
            let foreign = origin.is_some_and(|o| o != own);
            if native || foreign || (changes_state && origin.is_none()) {
                return Err(Error::OriginInvalid.into());
            }
        } else if changes_state && bearer.is_none() {
            let allowed = origin.is_some_and(|o| state.auth.allows_web_origin(o));
            // A cookie-authenticated change needs an allowed Origin; a foreign Origin is
            // refused even before a cookie exists (login CSRF).
            if !allowed && (cookie.is_some() || origin.is_some()) {
                return Err(Error::OriginInvalid.into());
            }
        }
        let client = match (&bearer, &cookie) {
            (Some(token), _) => Some(
                state
                    .auth
                    .find_client(surface, token)
                    .await?
                    .ok_or(Error::AuthenticationInvalid)?,
            ),
            // Native callers never use the cookie: they get a client token of their own.
            (None, Some(token)) if !native => state.auth.find_client(surface, token).await?,
            (None, _) => None,
        };
        Ok(Caller {
            client,
            ctx,
            native,
            surface,
            new_client: None,
            session_id: query._latchkey_session_id.or(query._clerk_session_id),
        })
    }
}

impl Caller {
    /// The client the request acts for: the caller's, or, for a caller without one, a
    /// new client that the use case stores with its first write and whose token goes out
    /// with the response.
    pub fn client(&mut self, state: &AppState) -> RequestClient {
        if let Some((client, _)) = &self.new_client {
            return client.clone();
        }
        if let Some(client) = &self.client {
            return RequestClient::Stored(client.clone());
        }
        let (client, token) = state.auth.new_client(self.surface);
        self.client = Some(client.client().clone());
        self.new_client = Some((client.clone(), token));
        client
    }

    /// Counts a ceremony start against the caller's IP and client (`429` past the limits).
    pub async fn limit(&self, state: &AppState) -> Result<(), ApiError> {
        let settings = state.auth.settings();
        let ip = self.ctx.ip.as_ref().map(|ip| format!("ip:{ip}"));
        let client = self.client.as_ref().map(|c| format!("client:{}", c.id));
        let counted: Vec<(&str, u32)> = [
            (ip.as_deref(), settings.ceremonies_per_ip_per_minute),
            (client.as_deref(), settings.ceremonies_per_client_per_minute),
        ]
        .into_iter()
        .filter_map(|(key, per_minute)| Some((key?, per_minute)))
        .collect();
        Ok(state.auth.rate_limit(&counted).await?)
    }

    /// The caller's existing client, or 401.
    pub fn existing_client(&self) -> Result<&Client, ApiError> {
        self.client
            .as_ref()
            .ok_or(ApiError(Error::AuthenticationInvalid))
    }

    /// `{ response, client }` of a use case's answer, its result shown by `to_dto`,
    /// handing out a new client token as a cookie or, for native callers, in
    /// `Authorization`.
    pub fn respond<T, D: Serialize>(
        &self,
        state: &AppState,
        answer: Answer<T>,
        to_dto: impl FnOnce(T) -> D,
    ) -> Response {
        let body = Envelope {
            response: to_dto(answer.response),
            client: answer.client.as_ref().map(dto::Client::from),
        };
        self.with_token(axum::Json(body).into_response(), state)
    }

    /// Adds the new client token to a response.
    fn with_token(&self, mut response: Response, state: &AppState) -> Response {
        if let Some((_, token)) = &self.new_client {
            let headers = response.headers_mut();
            if self.native {
                if let Ok(value) = HeaderValue::from_str(token) {
                    headers.insert(AUTHORIZATION, value);
                }
            } else {
                let name = client_cookie_name(state, self.surface);
                let cookie = client_cookie(self.surface, name, token, state.secure_cookies);
                if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                    headers.append(header::SET_COOKIE, value);
                }
            }
        }
        response
    }
}

/// Who made the request and from where, for audit events and mail.
pub fn request_context(parts: &Parts, state: &AppState) -> RequestContext {
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    RequestContext {
        ip: peer.map(|peer| client_ip(peer, &parts.headers, &state.trusted_proxies).to_string()),
        user_agent: header(USER_AGENT).map(str::to_owned),
        origin: header(ORIGIN).map(str::to_owned),
        // Kept short: it only picks the language of mail.
        accept_language: header(ACCEPT_LANGUAGE).map(|v| v.chars().take(128).collect()),
        actor: None,
    }
}

/// The surface a request was routed to: the dashboard's routes carry it as an extension.
pub fn surface(parts: &Parts) -> Surface {
    parts
        .extensions
        .get::<Surface>()
        .copied()
        .unwrap_or(Surface::App)
}

/// The client's IP: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For` (read right to left).
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    hops.into_iter()
        .rev()
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
}

/// `Authorization: Bearer <token>` or a bare token.
fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .unwrap_or(value)
        .trim();
    (!token.is_empty()).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.0.0.1"),
        );
        let peer: IpAddr = "192.0.2.1".parse().expect("ip");
        assert_eq!(
            client_ip(peer, &headers, &[proxy]),
            peer,
            "untrusted peer: header ignored"
        );
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]).to_string(),
            "203.0.113.7",
            "nearest untrusted hop"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }
}
