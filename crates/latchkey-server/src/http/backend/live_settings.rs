//! The live settings: what operators change while the instance runs.

use axum::Json;
use axum::extract::State;

use super::Administrator;
use crate::http::dto::{LiveSettings, LiveSettingsBody};
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::http::router::paths;
use crate::state::AppState;

/// Get the live settings
#[utoipa::path(
    get,
    path = paths::LIVE_SETTINGS,
    security(("secret_key" = [])),
    responses((status = 200, body = LiveSettings))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(
    _: Administrator,
    State(state): State<AppState>,
) -> Result<Json<LiveSettings>, ApiError> {
    Ok(Json(LiveSettings::from(state.auth.live_settings())))
}

/// Change live settings
///
/// All the given settings change or, when one is pinned by the configuration or given
/// a bad value, none. Every replica applies the change within a few seconds.
#[utoipa::path(
    patch,
    path = paths::LIVE_SETTINGS,
    request_body = LiveSettingsBody,
    security(("secret_key" = [])),
    responses((status = 200, body = LiveSettings))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn update(
    admin: Administrator,
    State(state): State<AppState>,
    Body(body): Body<LiveSettingsBody>,
) -> Result<Json<LiveSettings>, ApiError> {
    let views = state
        .auth
        .change_live_settings(&body.changes(), &admin.ctx)
        .await?;
    Ok(Json(LiveSettings::from(views)))
}
