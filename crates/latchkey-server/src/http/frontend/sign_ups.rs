//! Sign-up attempts: username sign-up and passkey-first sign-up.

use axum::extract::{Path, State};
use axum::response::Response;
use latchkey_core::auth::SignUpInput;

use crate::http::dto::{AttemptBody, ClientQuery, Envelope, PrepareBody, SignUp, SignUpBody};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Caller};
use crate::http::router::paths;
use crate::state::AppState;

/// Sign up with a username, or start a passkey-first sign-up
#[utoipa::path(
    post,
    path = paths::SIGN_UPS,
    params(ClientQuery),
    request_body = SignUpBody,
    security(("client_cookie" = []), ("client_token" = []), ()),
    responses((status = 200, body = Envelope<SignUp>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    State(state): State<AppState>,
    mut caller: Caller,
    Body(body): Body<SignUpBody>,
) -> Result<Response, ApiError> {
    caller.limit(&state).await?;
    let client = caller.client(&state);
    let input = SignUpInput {
        strategy: body.strategy.into_inner(),
        username: body.username.into_inner(),
        email_address: body.email_address.into_inner(),
        first_name: body.first_name.into_inner(),
        last_name: body.last_name.into_inner(),
    };
    let answer = state
        .auth
        .create_sign_up(&client, input, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| SignUp::from(&view)))
}

/// Mail a code that proves the sign-up's email address
#[utoipa::path(
    post,
    path = paths::SIGN_UP_PREPARE,
    params(("id" = String, Path, description = "The client's sign-up"), ClientQuery),
    request_body = PrepareBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SignUp>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn prepare_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<PrepareBody>,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let answer = state
        .auth
        .prepare_sign_up_verification(client, &id, body.strategy.as_deref(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| SignUp::from(&view)))
}

/// Finish a passkey-first sign-up, or prove its email address with the mailed code
#[utoipa::path(
    post,
    path = paths::SIGN_UP_ATTEMPT,
    params(("id" = String, Path, description = "The client's sign-up"), ClientQuery),
    request_body = AttemptBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SignUp>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn attempt_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<AttemptBody>,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let answer = state
        .auth
        .attempt_sign_up(client, &id, body.first_factor(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| SignUp::from(&view)))
}
