//! The probes: the process is up, and the database answers.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use latchkey_core::Auth;
use std::sync::Arc;

use super::dto::Status;
use super::router::paths;

/// The process is up
///
/// Always 200 while the process serves requests.
#[utoipa::path(get, path = paths::HEALTHZ, responses((status = 200, body = Status)))]
pub async fn healthz() -> Json<Status> {
    Json(Status { status: "ok" })
}

/// The database answers (503 when it does not)
#[utoipa::path(
    get,
    path = paths::READYZ,
    responses(
        (status = 200, body = Status),
        (status = 503, description = "The database is unavailable", body = Status)
    )
)]
pub async fn readyz(State(auth): State<Arc<Auth>>) -> (StatusCode, Json<Status>) {
    match auth.ping().await {
        Ok(()) => (StatusCode::OK, Json(Status { status: "ready" })),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Status {
                status: "unavailable",
            }),
        ),
    }
}
