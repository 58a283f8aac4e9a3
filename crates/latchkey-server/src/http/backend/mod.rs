//! The Backend API (`/backend/v1`): for the customer's servers, authenticated with a
//! secret key. Lists are `{ data, total_count }`; single resources are bare.

pub mod audit_events;
pub mod mail;
pub mod sessions;
pub mod users;

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use latchkey_core::Error;
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
