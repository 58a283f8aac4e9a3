//! Security events, newest first: listed a page at a time, or exported whole as NDJSON
//! or CSV.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use latchkey_core::store::Page as StorePage;

use super::Administrator;
use crate::http::dto::{self, AuditEvent, EventFilterQuery, ExportQuery, Page, PageQuery};
use crate::http::error::ApiError;
use crate::http::extract::Query;
use crate::http::router::paths;
use crate::state::AppState;

/// The most events one export holds.
const MAX_EXPORTED: i64 = 100_000;
/// Events read from the database at a time while exporting.
const EXPORT_BATCH: i64 = 1_000;
const NDJSON: &str = "application/x-ndjson";
const CSV: &str = "text/csv; charset=utf-8";
/// The columns of a CSV export, in order; `data` is the event's details as JSON.
const CSV_COLUMNS: [&str; 10] = [
    "id",
    "type",
    "created_at",
    "user_id",
    "actor",
    "passkey_id",
    "session_id",
    "ip",
    "user_agent",
    "data",
];

/// Security events, newest first
#[utoipa::path(
    get,
    path = paths::AUDIT_EVENTS,
    params(EventFilterQuery, PageQuery),
    security(("secret_key" = [])),
    responses((status = 200, body = Page<AuditEvent>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    _: Administrator,
    State(state): State<AppState>,
    Query(filter): Query<EventFilterQuery>,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let page = dto::requests::page(q.limit.as_deref(), q.offset.as_deref())?;
    let (events, total_count) = state
        .auth
        .list_audit_events(&filter.filter()?, page)
        .await?;
    Ok(Json(Page {
        data: events.iter().map(AuditEvent::from).collect(),
        total_count,
    }))
}

/// Export security events
///
/// The events the filter admits, newest first (at most 100,000): as NDJSON, one event
/// per line as the list shows it, or as CSV with a header row.
#[utoipa::path(
    get,
    path = paths::AUDIT_EVENTS_EXPORT,
    params(EventFilterQuery, ExportQuery),
    security(("secret_key" = [])),
    responses((
        status = 200,
        description = "The events, as a file",
        content((String = "application/x-ndjson"), (String = "text/csv"))
    ))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn export(
    _: Administrator,
    State(state): State<AppState>,
    Query(filter): Query<EventFilterQuery>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let csv = match q.format.as_deref() {
        None | Some("ndjson") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(Error::FormParamValueInvalid {
                param: "format",
                reason: "must be ndjson or csv".into(),
            }
            .into());
        }
    };
    let mut filter = filter.filter()?;
    // Events recorded while exporting would shift the pages: the export ends with
    // those of this millisecond.
    let end = state.auth.now() + 1;
    filter.until = Some(filter.until.map_or(end, |until| until.min(end)));
    let mut body = String::new();
    if csv {
        body.push_str(&CSV_COLUMNS.join(","));
        body.push_str("\r\n");
    }
    let mut offset = 0;
    while offset < MAX_EXPORTED {
        let page = StorePage {
            limit: EXPORT_BATCH.min(MAX_EXPORTED - offset),
            offset,
        };
        let (events, _) = state.auth.list_audit_events(&filter, page).await?;
        for event in &events {
            let shown = serde_json::to_value(AuditEvent::from(event)).unwrap_or_default();
            if csv {
                body.push_str(&csv_row(&shown));
            } else {
                body.push_str(&shown.to_string());
                body.push('\n');
            }
        }
        if (events.len() as i64) < page.limit {
            break;
        }
        offset += page.limit;
    }
    let (content_type, file) = if csv {
        (CSV, "audit-events.csv")
    } else {
        (NDJSON, "audit-events.ndjson")
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// One CSV record (RFC 4180) of an event as the list shows it: every field quoted,
/// quotes doubled, the details as JSON.
fn csv_row(event: &serde_json::Value) -> String {
    let fields: Vec<String> = CSV_COLUMNS
        .iter()
        .map(|column| {
            let text = match &event[*column] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            format!("\"{}\"", text.replace('"', "\"\""))
        })
        .collect();
    format!("{}\r\n", fields.join(","))
}
