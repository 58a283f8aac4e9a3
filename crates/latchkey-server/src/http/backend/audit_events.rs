//! Security events, newest first.

use axum::Json;
use axum::extract::State;

use super::Administrator;
use crate::http::dto::{self, AuditEvent, EventListQuery, Page};
use crate::http::error::ApiError;
use crate::http::extract::Query;
use crate::http::router::paths;
use crate::state::AppState;

/// Security events, newest first
#[utoipa::path(
    get,
    path = paths::AUDIT_EVENTS,
    params(EventListQuery),
    security(("secret_key" = [])),
    responses((status = 200, body = Page<AuditEvent>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    _: Administrator,
    State(state): State<AppState>,
    Query(q): Query<EventListQuery>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let page = dto::requests::page(q.limit.as_deref(), q.offset.as_deref())?;
    let (events, total_count) = state
        .auth
        .list_audit_events(q.user_id.as_deref(), page)
        .await?;
    Ok(Json(Page {
        data: events.iter().map(AuditEvent::from).collect(),
        total_count,
    }))
}
