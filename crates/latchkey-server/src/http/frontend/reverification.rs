//! Step-up: the signed-in user proves a factor again for one of the client's sessions.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::dto::{
    AttemptBody, ClientQuery, Envelope, PrepareBody, SessionVerification, VerifyBody,
};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Caller};
use crate::http::router::paths;
use crate::state::AppState;

/// Start a step-up of the session
#[utoipa::path(
    post,
    path = paths::SESSION_VERIFY,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    request_body = VerifyBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SessionVerification>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn start(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(_body): Body<VerifyBody>,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let answer = state.auth.start_session_verification(client, &id).await?;
    Ok(caller.respond(&state, answer, |view| SessionVerification::from(&view)))
}

/// Prepare the step-up's factor: passkey request options, or a code by mail
#[utoipa::path(
    post,
    path = paths::SESSION_VERIFY_PREPARE,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    request_body = PrepareBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SessionVerification>))
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
        .prepare_session_verification(
            client,
            &id,
            body.strategy.as_deref(),
            body.email_address_id.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |view| SessionVerification::from(&view)))
}

/// Prove the step-up's factor with a passkey's assertion or the mailed code
#[utoipa::path(
    post,
    path = paths::SESSION_VERIFY_ATTEMPT,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    request_body = AttemptBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<SessionVerification>))
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
        .attempt_session_verification(client, &id, body.first_factor(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| SessionVerification::from(&view)))
}
