//! The Backend API (`/backend/v1`): for the customer's servers, authenticated with a
//! secret key, and for the dashboard's operators (`/dashboard/backend/v1`). Lists are
//! `{ data, total_count }`; single resources are bare.

pub mod audit_events;
pub mod live_settings;
pub mod mail;
pub mod operators;
pub mod overview;
pub mod sessions;
pub mod users;

use axum::extract::FromRequestParts;
use axum::http::Method;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use latchkey_core::auth::Surface;
use latchkey_core::{Error, RequestContext};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::http::error::ApiError;
use crate::http::extract::{Caller, surface};
use crate::state::AppState;

/// Who may call the Backend API: the holder of a secret key, or, through the dashboard
/// (`/dashboard/backend/v1`), an operator signed in there, whom the context names as the
/// actor of the audit events the call records.
pub struct Administrator {
    pub ctx: RequestContext,
}

impl FromRequestParts<AppState> for Administrator {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if surface(parts) == Surface::Dashboard {
            let caller = Caller::from_request_parts(parts, state).await?;
            let change = !matches!(parts.method, Method::GET | Method::HEAD);
            let client = caller.existing_client()?;
            let (operator, _) = state.auth.operator(client, change).await?;
            let ctx = RequestContext {
                actor: Some(operator.id),
                ..caller.ctx
            };
            return Ok(Administrator { ctx });
        }
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
            Ok(Administrator {
                ctx: RequestContext::default(),
            })
        } else {
            Err(Error::AuthenticationInvalid.into())
        }
    }
}
