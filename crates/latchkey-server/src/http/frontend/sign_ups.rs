//! `/v1/client/sign_ups`: username sign-up and passkey-first sign-up.

use axum::extract::{Path, State};
use axum::response::Response;
use latchkey_core::auth::SignUpInput;

use crate::http::error::ApiError;
use crate::http::extract::{Caller, Fields};
use crate::http::resources;
use crate::state::AppState;

/// `POST /v1/client/sign_ups`
pub async fn create(
    State(state): State<AppState>,
    mut caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    caller.limit(&state).await?;
    let client = caller.client(&state);
    let input = SignUpInput {
        strategy: fields.text("strategy"),
        username: fields.text("username"),
        email_address: fields.text("email_address"),
        first_name: fields.text("first_name"),
        last_name: fields.text("last_name"),
    };
    let view = state
        .auth
        .create_sign_up(&client, input, &caller.ctx)
        .await?;
    let created = view.sign_up.created_session_id.as_deref();
    caller
        .respond_signed_in(&state, resources::sign_up(&view), created)
        .await
}

/// `POST /v1/client/sign_ups/{id}/attempt_verification`
pub async fn attempt_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let view = state
        .auth
        .attempt_sign_up(
            client,
            &id,
            fields.text("strategy").as_deref(),
            fields.text("public_key_credential").as_deref(),
            &caller.ctx,
        )
        .await?;
    let created = view.sign_up.created_session_id.as_deref();
    caller
        .respond_signed_in(&state, resources::sign_up(&view), created)
        .await
}
