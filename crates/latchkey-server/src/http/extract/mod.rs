//! Extractors: a typed body (JSON or urlencoded), a typed query string and the caller
//! (client token from cookie or bearer header, origin check, request context).

mod body;
mod caller;
mod cookie;

pub use body::{Body, MAX_BODY_BYTES};
pub use caller::{Caller, surface};
pub use cookie::{CLIENT_COOKIE, HOST_CLIENT_COOKIE};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use latchkey_core::Error;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::error::ApiError;

/// A typed query string. As in the Frontend API, a parameter given twice counts once,
/// with its first value, and a query the fields cannot be read from is answered with the
/// API's error body (never the framework's plain-text rejection).
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> Query<T> {
    /// Reads the query of a request.
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut fields = Map::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            fields
                .entry(name.into_owned())
                .or_insert_with(|| Value::String(value.into_owned()));
        }
        serde_json::from_value(Value::Object(fields))
            .map(Query)
            .map_err(|e| ApiError(Error::RequestBodyInvalid(format!("query: {e}"))))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::parse(parts.uri.query())
    }
}
