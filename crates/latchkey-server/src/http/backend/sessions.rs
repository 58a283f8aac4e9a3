//! `/backend/v1/sessions`

use axum::Json;
use axum::extract::{Path, State};
use latchkey_core::{Error, RequestContext};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListQuery, Paging, SecretKey};
use crate::http::error::ApiError;
use crate::http::resources;
use crate::state::AppState;

/// Query of the session list.
#[derive(Debug, Deserialize)]
pub struct SessionQuery {
    user_id: Option<String>,
    status: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

const STATUSES: [&str; 7] = [
    "active",
    "pending",
    "ended",
    "expired",
    "removed",
    "revoked",
    "abandoned",
];

/// `GET /backend/v1/sessions?user_id=&status=`: filtered by stored status.
pub async fn list(
    _: SecretKey,
    State(state): State<AppState>,
    ListQuery(q): ListQuery<SessionQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(status) = q.status.as_deref().filter(|s| !STATUSES.contains(s)) {
        return Err(Error::FormParamValueInvalid {
            param: "status",
            reason: format!("unknown status {status}"),
        }
        .into());
    }
    let (sessions, total) = state
        .auth
        .list_sessions(q.user_id.as_deref(), q.status.as_deref(), q.paging.page()?)
        .await?;
    let mut data = Vec::with_capacity(sessions.len());
    for session in sessions {
        data.push(resources::session(&state.auth.session_view(session).await?));
    }
    Ok(Json(json!({ "data": data, "total_count": total })))
}

/// `GET /backend/v1/sessions/{id}`
pub async fn get(
    _: SecretKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = state.auth.get_session(&id).await?;
    Ok(Json(resources::session(
        &state.auth.session_view(session).await?,
    )))
}

/// `POST /backend/v1/sessions/{id}/revoke`
pub async fn revoke(
    _: SecretKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let session = state.auth.get_session(&id).await?;
    Ok(Json(resources::session(
        &state
            .auth
            .revoke(session, &RequestContext::default())
            .await?,
    )))
}

/// `GET /backend/v1/jwks`
pub async fn jwks(_: SecretKey, State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    Ok(Json(state.auth.jwks()?))
}
