//! The instance at a glance, for the dashboard's overview.

use axum::Json;
use axum::extract::State;

use super::Administrator;
use crate::http::dto::Overview;
use crate::http::error::ApiError;
use crate::http::router::paths;
use crate::state::AppState;

/// The instance at a glance
///
/// Users, live sessions, passkeys by provider, and sign-ins, sign-ups and failed
/// ceremonies per minute over the last day (from the audit log).
#[utoipa::path(
    get,
    path = paths::OVERVIEW,
    security(("secret_key" = [])),
    responses((status = 200, body = Overview))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(
    _: Administrator,
    State(state): State<AppState>,
) -> Result<Json<Overview>, ApiError> {
    Ok(Json(Overview::from(state.auth.overview().await?)))
}
