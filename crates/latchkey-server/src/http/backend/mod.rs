//! The Backend API (`/backend/v1`): for the customer's servers, authenticated with a
//! secret key. Lists are `{ data, total_count }`; single resources are bare.

pub mod audit_events;
pub mod sessions;
pub mod users;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use latchkey_core::Error;
use latchkey_core::store::Page;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::error::ApiError;
use crate::state::AppState;

/// Proof that the request carries one of the configured secret keys.
pub struct SecretKey;

impl FromRequestParts<AppState> for SecretKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let presented = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(Error::AuthenticationInvalid)?;
        let hash: [u8; 32] = Sha256::digest(presented.trim().as_bytes()).into();
        // Compare against every key in constant time, so timing tells nothing.
        let matched = state.backend_key_hashes.iter().fold(0u8, |found, key| {
            found | key.as_slice().ct_eq(&hash[..]).unwrap_u8()
        });
        if matched == 1 {
            Ok(SecretKey)
        } else {
            Err(Error::AuthenticationInvalid.into())
        }
    }
}

/// The query parameters of a list call. As in the Frontend API, a parameter given twice
/// counts once, with its first value, and a query the fields cannot be read from is
/// answered with the API's error body (never the framework's plain-text rejection).
pub struct ListQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ListQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut fields = Map::new();
        for (name, value) in form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            fields
                .entry(name.into_owned())
                .or_insert_with(|| Value::String(value.into_owned()));
        }
        serde_json::from_value(Value::Object(fields))
            .map(ListQuery)
            .map_err(|e| ApiError(Error::RequestBodyInvalid(format!("query: {e}"))))
    }
}

/// `limit` (default 10, at most 500) and `offset` of a list.
#[derive(Debug, Deserialize)]
pub struct Paging {
    limit: Option<String>,
    offset: Option<String>,
}

impl Paging {
    /// The validated page.
    pub fn page(&self) -> Result<Page, Error> {
        let number = |param: &'static str, raw: &Option<String>, default: i64, max: i64| match raw {
            None => Ok(default),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or(Error::FormParamValueInvalid {
                    param,
                    reason: format!("must be a number from 0 to {max}"),
                }),
        };
        Ok(Page {
            limit: number("limit", &self.limit, 10, 500)?,
            offset: number("offset", &self.offset, 0, i64::MAX)?,
        })
    }
}
