//! The axum extractor: the session of the request, from its bearer token or `__session`
//! cookie.

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::claims::Claims;
use crate::error::VerifyError;
use crate::verifier::Verifier;

/// The cookie in which Latchkey's browser SDK keeps the current session token, on the
/// app's own origin.
pub const SESSION_COOKIE: &str = "__session";

/// The verified session of a request.
///
/// The token is read from `Authorization: Bearer <jwt>` or, when the request has no
/// bearer token, from the `__session` cookie, and verified with the [`Verifier`] that the
/// router state provides through [`FromRef`]. Without a valid session the request is
/// answered with a [`SessionRejection`]: `401` and
/// `{"errors":[{"code":"authentication_invalid","message":…,"long_message":…}]}`.
///
/// `Option<Session>` never rejects for a missing or invalid token (it is `None`, i.e.
/// signed out); it still answers `503` when the JWKS cannot be had.
///
/// ```no_run
/// use axum::{Json, Router, routing::get};
/// use latchkey_verify::{Session, Verifier, VerifierConfig};
/// use serde_json::{Value, json};
///
/// async fn me(Session(claims): Session) -> Json<Value> {
///     Json(json!({ "user_id": claims.sub, "session_id": claims.sid }))
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let verifier = Verifier::new(VerifierConfig::new("http://localhost:8080"))?;
/// let app: Router = Router::new().route("/api/me", get(me)).with_state(verifier);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session(pub Claims);

/// Why [`Session`] refused a request; answers as an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionRejection {
    /// No bearer token and no `__session` cookie: `401`.
    #[error("no session token: send Authorization: Bearer <token> or the __session cookie")]
    Missing,
    /// The token was refused: `401`, or `503` when the JWKS could not be fetched
    /// ([`VerifyError::Jwks`]) since that is no fault of the caller's.
    #[error(transparent)]
    Invalid(VerifyError),
}

impl SessionRejection {
    /// The status this rejection answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(VerifyError::Jwks(_) | VerifyError::InvalidConfig(_)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, message) = if status == StatusCode::UNAUTHORIZED {
            ("authentication_invalid", "You are not signed in.")
        } else {
            ("jwks_unavailable", "Sessions cannot be verified right now.")
        };
        let body = json!({ "errors": [{
            "code": code,
            "message": message,
            "long_message": self.to_string(),
        }]});
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3: a 401 for a bearer-protected resource names the scheme.
            let challenge = match self {
                Self::Missing => HeaderValue::from_static("Bearer"),
                Self::Invalid(_) => HeaderValue::from_static("Bearer error=\"invalid_token\""),
            };
            response.headers_mut().insert(WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl<S> FromRequestParts<S> for Session
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let verifier = Verifier::from_ref(state);
        let token = token(&parts.headers).ok_or(SessionRejection::Missing)?;
        verifier
            .verify(token)
            .await
            .map(Session)
            .map_err(SessionRejection::Invalid)
    }
}

impl<S> OptionalFromRequestParts<S> for Session
where
    Verifier: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(session) => Ok(Some(session)),
            Err(rejection) if rejection.status() == StatusCode::UNAUTHORIZED => Ok(None),
            Err(rejection) => Err(rejection),
        }
    }
}

/// The bearer token, else the `__session` cookie.
fn token(headers: &HeaderMap) -> Option<&str> {
    bearer(headers).or_else(|| session_cookie(headers))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get_all(AUTHORIZATION).iter().find_map(|value| {
        let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    })
}

fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    // HTTP/2 may split cookies over several `Cookie` headers (RFC 9113 §8.2.3).
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            let value = value.trim().trim_matches('"');
            (name.trim() == SESSION_COOKIE && !value.is_empty()).then_some(value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn bearer_wins_over_the_cookie() {
        let map = headers(&[
            ("authorization", "Bearer a.b.c"),
            ("cookie", "__session=d.e.f"),
        ]);
        assert_eq!(token(&map), Some("a.b.c"));
        let map = headers(&[("authorization", "bearer   a.b.c ")]);
        assert_eq!(token(&map), Some("a.b.c"));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let map = headers(&[
            ("authorization", "Basic dXNlcjpwYXNz"),
            ("cookie", "theme=dark"),
            ("cookie", "a=1; __session=d.e.f; b=2"),
        ]);
        assert_eq!(token(&map), Some("d.e.f"));
    }

    #[test]
    fn no_token_in_empty_or_other_values() {
        for map in [
            headers(&[]),
            headers(&[("authorization", "Bearer ")]),
            headers(&[("authorization", "Bearer")]),
            headers(&[("cookie", "__session=; x__session=a.b.c; __sessionx=a.b.c")]),
        ] {
            assert_eq!(token(&map), None, "{map:?}");
        }
    }
}
