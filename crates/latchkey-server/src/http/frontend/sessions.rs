//! The client's sessions: touch, tokens and sign-out.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use latchkey_core::model::SessionStatus;

use crate::http::dto::{ClientQuery, Envelope, Session, Token};
use crate::http::error::ApiError;
use crate::http::extract::Caller;
use crate::http::router::paths;
use crate::state::AppState;

/// Make the session the client's active one
#[utoipa::path(
    post,
    path = paths::SESSION_TOUCH,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Session>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn touch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let answer = state
        .auth
        .touch_session(caller.existing_client()?, &id)
        .await?;
    Ok(caller.respond(&state, answer, |view| Session::from(&view)))
}

/// Mint a session token (JWT)
///
/// A bare token, not enveloped.
#[utoipa::path(
    post,
    path = paths::SESSION_TOKENS,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Token))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn tokens(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let jwt = state.auth.session_token(client, &id, &caller.ctx).await?;
    Ok(Json(Token::new(jwt)).into_response())
}

/// Sign out of the session
#[utoipa::path(
    post,
    path = paths::SESSION_END,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Session>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    sign_out(state, id, caller, SessionStatus::Ended).await
}

/// Remove the session (the vendor's sign-out of one session)
///
/// Like `end`, but the session's status becomes `removed`.
#[utoipa::path(
    post,
    path = paths::SESSION_REMOVE,
    params(("id" = String, Path, description = "A session of the client"), ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Session>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    sign_out(state, id, caller, SessionStatus::Removed).await
}

/// Signs the caller's session `id` out, leaving it `status`.
async fn sign_out(
    state: AppState,
    id: String,
    caller: Caller,
    status: SessionStatus,
) -> Result<Response, ApiError> {
    let answer = state
        .auth
        .end_session(caller.existing_client()?, &id, status, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| Session::from(&view)))
}
