//! The signed-in user, their sessions and their passkeys.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use latchkey_core::model;

use crate::http::dto::kinds::DeletedKind;
use crate::http::dto::{
    ActiveSession, AttemptBody, DeletedObject, Envelope, Passkey, RenameBody, Session,
    SessionQuery, UpdateMeBody, User,
};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Caller};
use crate::http::router::paths;
use crate::state::AppState;

pub(super) async fn current(state: &AppState, caller: &Caller) -> Result<model::Session, ApiError> {
    Ok(state
        .auth
        .current_session(caller.client.as_ref(), caller.session_id.as_deref())
        .await?)
}

/// The signed-in user
#[utoipa::path(
    get,
    path = paths::ME,
    params(SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<User>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state.auth.me(&session).await?;
    Ok(caller.respond(&state, answer, |user| User::from(&user)))
}

/// Change the signed-in user: their primary email address
#[utoipa::path(
    patch,
    path = paths::ME,
    params(SessionQuery),
    request_body = UpdateMeBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<User>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<UpdateMeBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .update_me(
            &session,
            body.primary_email_address_id.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |user| User::from(&user)))
}

/// The user's live sessions on every client
#[utoipa::path(
    get,
    path = paths::MY_SESSIONS,
    params(SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Vec<Session>>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn sessions(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state.auth.my_sessions(&session).await?;
    Ok(caller.respond(&state, answer, |sessions| {
        sessions.iter().map(Session::from).collect::<Vec<_>>()
    }))
}

/// The user's active devices
///
/// The signed-in user's live sessions on every client, the most recently active first,
/// each with the browser, device and IP address it was made from. Not enveloped: a bare
/// array, as the vendor's `<UserProfile/>` reads it.
#[utoipa::path(
    get,
    path = paths::MY_ACTIVE_SESSIONS,
    params(SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Vec<ActiveSession>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn active_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ActiveSession>>, ApiError> {
    let session = current(&state, &caller).await?;
    let sessions = state.auth.my_active_sessions(&session).await?;
    Ok(Json(sessions.iter().map(ActiveSession::from).collect()))
}

/// Revoke one of the user's sessions
#[utoipa::path(
    post,
    path = paths::MY_SESSION_REVOKE,
    params(("id" = String, Path, description = "A session of the user"), SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Session>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn revoke_session(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .revoke_my_session(&session, &id, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| Session::from(&view)))
}

/// Start a passkey registration
#[utoipa::path(
    post,
    path = paths::MY_PASSKEYS,
    params(SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Passkey>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create_passkey(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    caller.limit(&state).await?;
    let answer = state.auth.create_passkey(&session).await?;
    Ok(caller.respond(&state, answer, |view| Passkey::from(&view)))
}

/// Verify and name the new passkey
#[utoipa::path(
    post,
    path = paths::MY_PASSKEY_ATTEMPT,
    params(("id" = String, Path, description = "A passkey of the user"), SessionQuery),
    request_body = AttemptBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Passkey>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn attempt_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<AttemptBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .attempt_passkey(
            &session,
            &id,
            body.strategy.as_deref(),
            body.public_key_credential.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |view| Passkey::from(&view)))
}

/// Rename a passkey
#[utoipa::path(
    patch,
    path = paths::MY_PASSKEY,
    params(("id" = String, Path, description = "A passkey of the user"), SessionQuery),
    request_body = RenameBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Passkey>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn rename_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<RenameBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .rename_passkey(&session, &id, body.name.as_deref(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| Passkey::from(&view)))
}

/// Delete a passkey
#[utoipa::path(
    delete,
    path = paths::MY_PASSKEY,
    params(("id" = String, Path, description = "A passkey of the user"), SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<DeletedObject>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn delete_passkey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .delete_my_passkey(&session, &id, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |()| {
        DeletedObject::new(DeletedKind::Passkey, id)
    }))
}
