//! Sign-in attempts: discoverable, autofill and identifier-first passkey sign-in, and
//! sign-in (or recovery) with a code by mail.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::dto::{AttemptBody, ClientQuery, Envelope, PrepareBody, SignIn, SignInBody};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Caller};
use crate::http::router::paths;
use crate::state::AppState;

/// Start a discoverable or identifier-first sign-in
#[utoipa::path(
    post,
    path = paths::SIGN_INS,
    params(ClientQuery),
    request_body = SignInBody,
    security(("client_cookie" = []), ("client_token" = []), ()),
    responses((status = 200, body = Envelope<SignIn>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    State(state): State<AppState>,
    mut caller: Caller,
    Body(body): Body<SignInBody>,
) -> Result<Response, ApiError> {
    caller.limit(&state).await?;
    let client = caller.client(&state);
    let answer = state
        .auth
        .create_sign_in(
            &client,
            body.strategy.as_deref(),
            body.identifier.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |view| SignIn::from(&view)))
}

/// Request options allowing the identified user's passkeys, or a code by mail
#[utoipa::path(
    post,
    path = paths::SIGN_IN_PREPARE,
    params(("id" = String, Path, description = "The client's sign-in"), ClientQuery),
    request_body = PrepareBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SignIn>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn prepare_first_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<PrepareBody>,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let answer = state
        .auth
        .prepare_sign_in(
            client,
            &id,
            body.strategy.as_deref(),
            body.email_address_id.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |view| SignIn::from(&view)))
}

/// Verify the assertion (or the mailed code) and create a session
#[utoipa::path(
    post,
    path = paths::SIGN_IN_ATTEMPT,
    params(("id" = String, Path, description = "The client's sign-in"), ClientQuery),
    request_body = AttemptBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SignIn>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn attempt_first_factor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<AttemptBody>,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let answer = state
        .auth
        .attempt_sign_in(client, &id, body.first_factor(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| SignIn::from(&view)))
}
