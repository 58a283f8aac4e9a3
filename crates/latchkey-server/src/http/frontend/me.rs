//! `/v1/me`: the signed-in user, their sessions and their passkeys.

use axum::extract::{Path, State};
use axum::response::Response;
use latchkey_core::model::Session;
use serde_json::Value;

use crate::http::error::ApiError;
use crate::http::extract::{Caller, Fields};
use crate::http::resources;
use crate::state::AppState;

async fn current(state: &AppState, caller: &Caller) -> Result<Session, ApiError> {
    Ok(state
        .auth
        .current_session(caller.client.as_ref(), caller.session_id.as_deref())
        .await?)
}

/// `GET /v1/me`
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let user = state.auth.me(&session).await?;
    caller.respond(&state, resources::user(&user)).await
}

/// `GET /v1/me/sessions`
pub async fn sessions(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let sessions = state.auth.my_sessions(&session).await?;
    caller
        .respond(
            &state,
            Value::Array(sessions.iter().map(resources::session).collect()),
        )
        .await
}

/// `POST /v1/me/sessions/{id}/revoke`
pub async fn revoke_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let view = state
        .auth
        .revoke_my_session(&session, &id, &caller.ctx)
        .await?;
    caller.respond(&state, resources::session(&view)).await
}

/// `POST /v1/me/passkeys`
pub async fn create_passkey(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    caller.limit(&state).await?;
    let view = state.auth.create_passkey(&session).await?;
    caller.respond(&state, resources::passkey_view(&view)).await
}

/// `POST /v1/me/passkeys/{id}/attempt_verification`
pub async fn attempt_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let view = state
        .auth
        .attempt_passkey(
            &session,
            &id,
            fields.text("strategy").as_deref(),
            fields.text("public_key_credential").as_deref(),
            &caller.ctx,
        )
        .await?;
    caller.respond(&state, resources::passkey_view(&view)).await
}

/// `PATCH /v1/me/passkeys/{id}`
pub async fn rename_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let view = state
        .auth
        .rename_passkey(&session, &id, fields.text("name").as_deref(), &caller.ctx)
        .await?;
    caller.respond(&state, resources::passkey_view(&view)).await
}

/// `DELETE /v1/me/passkeys/{id}`
pub async fn delete_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    state
        .auth
        .delete_passkey(&session.user_id, &id, Some(&session.id), &caller.ctx)
        .await?;
    caller
        .respond(&state, resources::deleted("passkey", &id))
        .await
}
