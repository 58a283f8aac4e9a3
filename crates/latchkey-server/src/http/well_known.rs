//! `/.well-known` documents: the JWKS, related origins and the mobile app associations.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use serde_json::json;

use crate::http::error::ApiError;
use crate::state::AppState;

/// `GET /.well-known/jwks.json`
pub async fn jwks(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(Json(state.auth.jwks()?).into_response())
}

/// `GET /.well-known/webauthn`: related origins, when configured.
pub async fn webauthn(State(state): State<AppState>) -> Result<Response, ApiError> {
    let origins = &state.config.webauthn.related_origins;
    if origins.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    Ok(Json(json!({ "origins": origins })).into_response())
}

/// `GET /.well-known/assetlinks.json`: Android apps that may use this site's passkeys.
pub async fn assetlinks(State(state): State<AppState>) -> Result<Response, ApiError> {
    let apps = &state.config.apps.android;
    if apps.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    let statements: Vec<_> = apps
        .iter()
        .map(|app| {
            json!({
                "relation": [
                    "delegate_permission/common.handle_all_urls",
                    "delegate_permission/common.get_login_creds",
                ],
                "target": {
                    "namespace": "android_app",
                    "package_name": app.package_name,
                    "sha256_cert_fingerprints": app.sha256_cert_fingerprints,
                },
            })
        })
        .collect();
    Ok(Json(statements).into_response())
}

/// `GET /.well-known/apple-app-site-association`
pub async fn apple_app_site_association(
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let apps = &state.config.apps.apple;
    if apps.is_empty() {
        return Err(Error::NotFound("document").into());
    }
    Ok(Json(json!({ "webcredentials": { "apps": apps } })).into_response())
}
