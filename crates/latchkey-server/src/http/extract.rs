//! Extractors: the form fields of a body (JSON or urlencoded) and the caller (client
//! token from cookie or bearer header, origin check, request context).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, ORIGIN, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use cookie::{Cookie, SameSite};
use latchkey_core::model::{Client, RequestClient};
use latchkey_core::{Error, RequestContext};
use serde_json::{Map, Value, json};
use std::net::{IpAddr, SocketAddr};

use super::error::ApiError;
use super::resources;
use crate::state::AppState;

/// Bodies above this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// The cookie that holds a browser's client token on a plain-HTTP (development) server.
pub const CLIENT_COOKIE: &str = "__client";
/// The client cookie behind HTTPS. Browsers accept a `__Host-` cookie only when it is
/// `Secure`, host-only and for `Path=/`, so no sibling subdomain can plant or shadow it;
/// the unprefixed name is then neither set nor read.
pub const HOST_CLIENT_COOKIE: &str = "__Host-__client";
/// How long a browser keeps the client cookie: a year.
const CLIENT_COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

/// The client cookie's name on this server.
fn client_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies {
        HOST_CLIENT_COOKIE
    } else {
        CLIENT_COOKIE
    }
}

/// The fields of a request body, from JSON or `application/x-www-form-urlencoded`.
#[derive(Debug, Default)]
pub struct Fields(Map<String, Value>);

impl Fields {
    /// A field as text: strings as they are, numbers and booleans printed, and objects
    /// (a credential sent as JSON) as their JSON.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.0.get(name)? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    /// Parses a body of the given content type.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Self, Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Fields::default());
        }
        let mime = content_type
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime == "application/json" || mime.ends_with("+json") {
            return match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => Ok(Fields(map)),
                Ok(_) => Err(Error::RequestBodyInvalid(
                    "the JSON body must be an object".into(),
                )),
                Err(e) => Err(Error::RequestBodyInvalid(e.to_string())),
            };
        }
        if mime.is_empty() || mime == "application/x-www-form-urlencoded" {
            let map = form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            return Ok(Fields(map));
        }
        Err(Error::RequestBodyInvalid(format!(
            "unsupported content type {mime}"
        )))
    }
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| Error::RequestBodyTooLarge)?;
        Ok(Fields::parse(content_type.as_deref(), &bytes)?)
    }
}

/// Who is calling: their client (if any), how they authenticate and where from.
pub struct Caller {
    pub client: Option<Client>,
    pub ctx: RequestContext,
    /// `?_is_native=1` or a bearer token: the client token travels in `Authorization`.
    native: bool,
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
        let query = parts.uri.query().unwrap_or("");
        let param = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let bearer = bearer_token(&parts.headers);
        let cookie = cookie(&parts.headers, client_cookie_name(state));
        let native =
            bearer.is_some() || param("_is_native").is_some_and(|v| v == "1" || v == "true");
        let origin = parts
            .headers
            .get(ORIGIN)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let changes_state = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if changes_state && bearer.is_none() {
            let allowed = origin
                .as_deref()
                .is_some_and(|o| state.web_origins.iter().any(|a| a == o));
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
                    .find_client(token)
                    .await?
                    .ok_or(Error::AuthenticationInvalid)?,
            ),
            // Native callers never use the cookie: they get a client token of their own.
            (None, Some(token)) if !native => state.auth.find_client(token).await?,
            (None, _) => None,
        };
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip =
            peer.map(|peer| client_ip(peer, &parts.headers, &state.trusted_proxies).to_string());
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Caller {
            client,
            ctx: RequestContext {
                ip,
                user_agent,
                origin,
            },
            native,
            new_client: None,
            session_id: param("_latchkey_session_id"),
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
        let (client, token) = state.auth.new_client();
        self.client = Some(client.client().clone());
        self.new_client = Some((client.clone(), token));
        client
    }

    /// Counts a ceremony start against the caller's IP and client (`429` past the limits).
    pub async fn limit(&self, state: &AppState) -> Result<(), ApiError> {
        let limits = &state.config.rate_limit;
        let ip = self.ctx.ip.as_ref().map(|ip| format!("ip:{ip}"));
        let client = self.client.as_ref().map(|c| format!("client:{}", c.id));
        let counted: Vec<(&str, u32)> = [
            (ip.as_deref(), limits.per_ip_per_minute),
            (client.as_deref(), limits.per_client_per_minute),
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

    /// `{ response, client }` with the caller's current client, handing out a new
    /// client token as a cookie or, for native callers, in `Authorization`.
    pub async fn respond(&self, state: &AppState, response: Value) -> Result<Response, ApiError> {
        self.respond_signed_in(state, response, None).await
    }

    /// [`Caller::respond`] for an attempt that may have created a session: that session
    /// carries a fresh token as its `last_active_token`, as the vendor's API does, so the
    /// client needs no call of its own to mint one.
    pub async fn respond_signed_in(
        &self,
        state: &AppState,
        response: Value,
        created_session_id: Option<&str>,
    ) -> Result<Response, ApiError> {
        let mut view = match &self.client {
            Some(client) => state.auth.client_view(&client.id).await?,
            None => None,
        };
        if let (Some(view), Some(id)) = (view.as_mut(), created_session_id)
            && let Some(session) = view.sessions.iter_mut().find(|s| s.session.id == id)
        {
            session.token = Some(state.auth.sign_session_token(&session.session, &self.ctx)?);
        }
        let client = view.as_ref().map(resources::client);
        let body = json!({ "response": response, "client": client });
        Ok(self.with_token(axum::Json(body).into_response(), state))
    }

    /// Adds the new client token to a response.
    pub fn with_token(&self, mut response: Response, state: &AppState) -> Response {
        if let Some((_, token)) = &self.new_client {
            let headers = response.headers_mut();
            if self.native {
                if let Ok(value) = HeaderValue::from_str(token) {
                    headers.insert(AUTHORIZATION, value);
                }
            } else {
                let cookie = client_cookie(client_cookie_name(state), token, state.secure_cookies);
                if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                    headers.append(header::SET_COOKIE, value);
                }
            }
        }
        response
    }
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

/// The client cookie carrying `token`: sent to every path, hidden from scripts, kept
/// on top-level navigations from other sites, for a year, and only over HTTPS when the
/// server is reached over HTTPS.
fn client_cookie(name: &'static str, token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((name, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(CLIENT_COOKIE_MAX_AGE_SECS))
        .secure(secure)
        .build()
}

/// The value of a cookie; an empty value is no value.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
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

    #[test]
    fn the_client_cookie_is_built_and_read_back() {
        let attributes = |cookie: &Cookie| {
            let text = cookie.to_string();
            let mut parts: Vec<String> = text.split("; ").map(str::to_owned).collect();
            parts[1..].sort();
            parts
        };
        let plain = client_cookie(CLIENT_COOKIE, "tok_1", false);
        assert_eq!(
            attributes(&plain),
            [
                "__client=tok_1",
                "HttpOnly",
                "Max-Age=31536000",
                "Path=/",
                "SameSite=Lax"
            ]
        );
        let secure = client_cookie(HOST_CLIENT_COOKIE, "tok_2", true);
        assert_eq!(
            attributes(&secure),
            [
                "__Host-__client=tok_2",
                "HttpOnly",
                "Max-Age=31536000",
                "Path=/",
                "SameSite=Lax",
                "Secure"
            ]
        );
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark; __client="));
        headers.append(
            COOKIE,
            HeaderValue::from_static(" a=1;; __client=tok_3 ; b=2"),
        );
        assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&headers, "__client"), None, "the first is empty");
        assert_eq!(cookie(&headers, HOST_CLIENT_COOKIE), None);
        headers.remove(COOKIE);
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&plain.stripped().to_string()).expect("value"),
        );
        assert_eq!(cookie(&headers, CLIENT_COOKIE).as_deref(), Some("tok_1"));
    }

    #[test]
    fn bodies_parse_as_json_or_form() {
        let json = Fields::parse(
            Some("application/json"),
            br#"{"username":"ada","n":1,"o":{"a":1}}"#,
        )
        .expect("json");
        assert_eq!(json.text("username").as_deref(), Some("ada"));
        assert_eq!(json.text("n").as_deref(), Some("1"));
        assert_eq!(json.text("o").as_deref(), Some(r#"{"a":1}"#));
        let form = Fields::parse(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"username=ada+l&x=%7B%7D",
        )
        .expect("form");
        assert_eq!(form.text("username").as_deref(), Some("ada l"));
        assert_eq!(form.text("x").as_deref(), Some("{}"));
        assert!(Fields::parse(Some("application/json"), b"[1]").is_err());
        assert!(Fields::parse(Some("application/json"), b"{").is_err());
        assert!(Fields::parse(Some("text/plain"), b"hello").is_err());
        assert!(Fields::parse(Some("application/json"), b"").is_ok());
    }
}
