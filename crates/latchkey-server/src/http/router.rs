//! The one route table of the server.

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;

use super::backend::{audit_events, sessions as backend_sessions, users};
use super::frontend::{client, me, sessions, sign_ins, sign_ups};
use super::{metrics, middleware, probes, well_known};
use crate::app::AppState;
use crate::assets;

/// Every route, with its layers. Layers run outside-in in the order listed last-to-first:
/// panics are caught outermost, then the request id is set, then CORS answers preflights.
pub fn router(state: AppState) -> Router {
    let frontend = Router::new()
        .route("/environment", get(client::environment))
        .route("/client", get(client::get).delete(client::delete))
        .route("/client/sign_ups", post(sign_ups::create))
        .route(
            "/client/sign_ups/{id}/attempt_verification",
            post(sign_ups::attempt_verification),
        )
        .route("/client/sign_ins", post(sign_ins::create))
        .route(
            "/client/sign_ins/{id}/prepare_first_factor",
            post(sign_ins::prepare_first_factor),
        )
        .route(
            "/client/sign_ins/{id}/attempt_first_factor",
            post(sign_ins::attempt_first_factor),
        )
        .route("/client/sessions/{id}/touch", post(sessions::touch))
        .route("/client/sessions/{id}/tokens", post(sessions::tokens))
        .route("/client/sessions/{id}/end", post(sessions::end))
        .route("/me", get(me::get))
        .route("/me/sessions", get(me::sessions))
        .route("/me/sessions/{id}/revoke", post(me::revoke_session))
        .route("/me/passkeys", post(me::create_passkey))
        .route(
            "/me/passkeys/{id}",
            axum::routing::patch(me::rename_passkey).delete(me::delete_passkey),
        )
        .route(
            "/me/passkeys/{id}/attempt_verification",
            post(me::attempt_passkey),
        );

    let backend = Router::new()
        .route("/users", get(users::list).post(users::create))
        .route("/users/{id}", get(users::get).delete(users::delete))
        .route(
            "/users/{id}/passkeys/{passkey_id}",
            axum::routing::delete(users::delete_passkey),
        )
        .route("/sessions", get(backend_sessions::list))
        .route("/sessions/{id}", get(backend_sessions::get))
        .route("/sessions/{id}/revoke", post(backend_sessions::revoke))
        .route("/jwks", get(backend_sessions::jwks))
        .route("/audit_events", get(audit_events::list));

    Router::new()
        .nest("/v1", frontend)
        .nest("/backend/v1", backend)
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route("/.well-known/webauthn", get(well_known::webauthn))
        .route("/.well-known/assetlinks.json", get(well_known::assetlinks))
        .route(
            "/.well-known/apple-app-site-association",
            get(well_known::apple_app_site_association),
        )
        .route("/healthz", get(probes::healthz))
        .route("/readyz", get(probes::readyz))
        .route("/metrics", get(metrics::metrics))
        .fallback(static_or_not_found)
        .method_not_allowed_fallback(middleware::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::cors(&state.web_origins))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .with_state(state)
}

async fn static_or_not_found(req: Request) -> Response {
    match assets::find(req.uri().path()) {
        Some(asset)
            if req.method() == axum::http::Method::GET
                || req.method() == axum::http::Method::HEAD =>
        {
            assets::respond(asset)
        }
        _ => middleware::not_found().await.into_response(),
    }
}
