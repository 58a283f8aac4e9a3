//! `/backend/v1/audit_events`: security events, newest first.

use axum::Json;
use axum::extract::State;
use latchkey_core::model::AuditEvent;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListQuery, Paging, SecretKey};
use crate::http::error::ApiError;
use crate::state::AppState;

/// Query of the event list.
#[derive(Debug, Deserialize)]
pub struct EventQuery {
    user_id: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

fn event(e: &AuditEvent) -> Value {
    json!({
        "object": "audit_event",
        "id": e.id,
        "type": e.kind,
        "user_id": e.user_id,
        "passkey_id": e.passkey_id,
        "session_id": e.session_id,
        "ip": e.ip,
        "user_agent": e.user_agent,
        "created_at": e.created_at,
        "data": serde_json::from_str::<Value>(&e.data).unwrap_or(Value::Null),
    })
}

/// `GET /backend/v1/audit_events?user_id=&limit=&offset=`
pub async fn list(
    _: SecretKey,
    State(state): State<AppState>,
    ListQuery(q): ListQuery<EventQuery>,
) -> Result<Json<Value>, ApiError> {
    let (events, total) = state
        .auth
        .list_audit_events(q.user_id.as_deref(), q.paging.page()?)
        .await?;
    Ok(Json(
        json!({ "data": events.iter().map(event).collect::<Vec<_>>(), "total_count": total }),
    ))
}
