//! `/v1/environment` and `/v1/client`.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use crate::http::error::ApiError;
use crate::http::extract::Caller;
use crate::state::AppState;

/// `GET /v1/environment`: what the SDK needs to know of the configuration (not enveloped).
pub async fn environment(State(state): State<AppState>) -> Json<Value> {
    let s = state.auth.settings();
    Json(json!({
        "auth_config": {
            "passkey": {
                "enabled": s.passkey_enabled,
                "allow_autofill": s.passkey_enabled,
                "max_per_user": s.max_passkeys_per_user,
            },
            "sign_up": {
                "username": s.sign_up_with_username,
                "email_address": s.sign_up_with_username,
                "passkey": s.sign_up_with_passkey && s.passkey_enabled,
            },
        },
        "display_config": { "application_name": s.application_name, "rp_id": s.rp_id },
    }))
}

/// `GET /v1/client`: the caller's client, or null before one exists.
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let client = match &caller.client {
        Some(client) => state
            .auth
            .client_view(&client.id)
            .await?
            .map(|v| crate::http::resources::client(&v)),
        None => None,
    };
    caller.respond(&state, client.unwrap_or(Value::Null)).await
}

/// `DELETE /v1/client`: ends every session of the client.
pub async fn delete(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    state.auth.end_client(client, &caller.ctx).await?;
    let view = state.auth.client_view(&client.id).await?;
    caller
        .respond(
            &state,
            view.map(|v| crate::http::resources::client(&v))
                .unwrap_or(Value::Null),
        )
        .await
}
