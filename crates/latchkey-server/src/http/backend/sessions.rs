//! Sessions: list, get, revoke, and the keys that sign their tokens.

use axum::Json;
use axum::extract::{Path, State};
use latchkey_core::Error;

use super::Administrator;
use crate::http::dto::{self, BackendSession, Jwks, Page, SessionListQuery};
use crate::http::error::ApiError;
use crate::http::extract::Query;
use crate::http::router::paths;
use crate::state::AppState;

const STATUSES: [&str; 7] = [
    "active",
    "pending",
    "ended",
    "expired",
    "removed",
    "revoked",
    "abandoned",
];

/// List sessions
///
/// Filtered by stored status.
#[utoipa::path(
    get,
    path = paths::SESSIONS,
    params(SessionListQuery),
    security(("secret_key" = [])),
    responses((status = 200, body = Page<BackendSession>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    _: Administrator,
    State(state): State<AppState>,
    Query(q): Query<SessionListQuery>,
) -> Result<Json<Page<BackendSession>>, ApiError> {
    if let Some(status) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(Error::FormParamValueInvalid {
            param: "status",
            reason: format!("unknown status {status}"),
        }
        .into());
    }
    let page = dto::requests::page(q.limit.as_deref(), q.offset.as_deref())?;
    let (sessions, total_count) = state
        .auth
        .list_sessions(q.user_id.as_deref(), q.status.as_deref(), page)
        .await?;
    let mut data = Vec::with_capacity(sessions.len());
    for session in sessions {
        data.push(BackendSession::from(
            &state.auth.session_view(session).await?,
        ));
    }
    Ok(Json(Page { data, total_count }))
}

/// Get a session
#[utoipa::path(
    get,
    path = paths::SESSION,
    params(("id" = String, Path, description = "A session")),
    security(("secret_key" = [])),
    responses((status = 200, body = BackendSession))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(
    _: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BackendSession>, ApiError> {
    let session = state.auth.get_session(&id).await?;
    Ok(Json(BackendSession::from(
        &state.auth.session_view(session).await?,
    )))
}

/// Revoke a session
#[utoipa::path(
    post,
    path = paths::SESSION_REVOKE,
    params(("id" = String, Path, description = "A session")),
    security(("secret_key" = [])),
    responses((status = 200, body = BackendSession))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn revoke(
    admin: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<BackendSession>, ApiError> {
    let session = state.auth.get_session(&id).await?;
    let view = state.auth.revoke(session, &admin.ctx).await?;
    Ok(Json(BackendSession::from(&view)))
}

/// The session token signing keys
#[utoipa::path(
    get,
    path = paths::BACKEND_JWKS,
    security(("secret_key" = [])),
    responses((status = 200, body = Jwks))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jwks(_: Administrator, State(state): State<AppState>) -> Result<Json<Jwks>, ApiError> {
    Ok(Json(Jwks::from_value(state.auth.jwks()?)?))
}
