//! `/v1/client/sign_ins`: discoverable, autofill and identifier-first passkey sign-in.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::error::ApiError;
use crate::http::extract::{Caller, Fields};
use crate::http::resources;
use crate::state::AppState;

/// `POST /v1/client/sign_ins`
pub async fn create(
    State(state): State<AppState>,
    mut caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    caller.limit(&state).await?;
    let client = caller.client(&state);
    let view = state
        .auth
        .create_sign_in(
            &client,
            fields.text("strategy").as_deref(),
            fields.text("identifier").as_deref(),
            &caller.ctx,
        )
        .await?;
    caller.respond(&state, resources::sign_in(&view)).await
}

/// `POST /v1/client/sign_ins/{id}/prepare_first_factor`
pub async fn prepare_first_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let view = state
        .auth
        .prepare_sign_in(client, &id, fields.text("strategy").as_deref())
        .await?;
    caller.respond(&state, resources::sign_in(&view)).await
}

/// `POST /v1/client/sign_ins/{id}/attempt_first_factor`
pub async fn attempt_first_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let view = state
        .auth
        .attempt_sign_in(
            client,
            &id,
            fields.text("strategy").as_deref(),
            fields.text("public_key_credential").as_deref(),
            &caller.ctx,
        )
        .await?;
    let created = view.sign_in.created_session_id.as_deref();
    caller
        .respond_signed_in(&state, resources::sign_in(&view), created)
        .await
}
