//! The well-known documents: the JWKS, related origins and the mobile app associations.

use axum::Json;
use axum::extract::State;
use latchkey_core::Error;
use latchkey_core::origin::serialise;

use super::dto::{AppleAppSiteAssociation, AssetLink, Jwks, RelatedOrigins};
use super::error::ApiError;
use super::router::paths;
use crate::state::AppState;

/// The session token signing keys
#[utoipa::path(get, path = paths::JWKS, responses((status = 200, body = Jwks)))]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn jwks(State(state): State<AppState>) -> Result<Json<Jwks>, ApiError> {
    Ok(Json(Jwks::from_value(state.auth.jwks()?)?))
}

/// Related origins (404 unless configured)
#[utoipa::path(get, path = paths::WEBAUTHN, responses((status = 200, body = RelatedOrigins)))]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn webauthn(State(state): State<AppState>) -> Result<Json<RelatedOrigins>, ApiError> {
    let settings = state.auth.settings();
    if settings.related_origins.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    Ok(Json(RelatedOrigins {
        origins: settings.related_origins.iter().map(serialise).collect(),
    }))
}

/// Android apps (404 unless configured)
///
/// The apps that may use this site's passkeys.
#[utoipa::path(get, path = paths::ASSETLINKS, responses((status = 200, body = Vec<AssetLink>)))]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn assetlinks(State(state): State<AppState>) -> Result<Json<Vec<AssetLink>>, ApiError> {
    let apps = &state.config.apps.android;
    if apps.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    Ok(Json(apps.iter().map(AssetLink::from).collect()))
}

/// Apple apps (404 unless configured)
#[utoipa::path(
    get,
    path = paths::APPLE_APP_SITE_ASSOCIATION,
    responses((status = 200, body = AppleAppSiteAssociation))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn apple_app_site_association(
    State(state): State<AppState>,
) -> Result<Json<AppleAppSiteAssociation>, ApiError> {
    let apps = &state.config.apps.apple;
    if apps.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    Ok(Json(AppleAppSiteAssociation::new(apps.clone())))
}
