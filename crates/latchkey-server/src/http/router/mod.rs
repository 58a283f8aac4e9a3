//! The one route table of the server. Every path is written once, in [`paths`]; the
//! handlers' `#[utoipa::path]` attributes name these constants, and the OpenAPI document
//! is generated from the handlers registered here, so it cannot miss a route.

use axum::extract::{OriginalUri, Request};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Router};
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::backend::mail as dev_mail;
use super::backend::{
    audit_events, live_settings, operators, overview, sessions as backend_sessions, users,
};
use super::frontend::{client, email_addresses, me, reverification, sessions, sign_ins, sign_ups};
use super::{dashboard, metrics, middleware, openapi, probes, well_known};
use crate::assets;
use crate::state::AppState;

pub mod paths;

/// Every documented route, with the OpenAPI document of its handlers.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(client::environment, client::touch_environment))
        .routes(routes!(client::dev_browser))
        .routes(routes!(sign_ups::create))
        .routes(routes!(sign_ups::prepare_verification))
        .routes(routes!(sign_ups::attempt_verification))
        .routes(routes!(me::get, me::update))
        .routes(routes!(me::sessions))
        .routes(routes!(me::active_sessions))
        .routes(routes!(me::revoke_session))
        .routes(routes!(me::rename_passkey, me::delete_passkey))
        .routes(routes!(email_addresses::list, email_addresses::create))
        .routes(routes!(email_addresses::get, email_addresses::delete))
        .routes(routes!(email_addresses::prepare_verification))
        .routes(routes!(email_addresses::attempt_verification))
        .routes(routes!(well_known::jwks))
        .routes(routes!(well_known::webauthn))
        .routes(routes!(well_known::assetlinks))
        .routes(routes!(well_known::apple_app_site_association))
        .routes(routes!(probes::healthz))
        .routes(routes!(probes::readyz))
        .routes(routes!(metrics::metrics))
        .routes(routes!(openapi::openapi))
        .merge(signing_in())
        .merge(backend())
}

/// The Frontend API's routes of a client signing in and out, proving a passkey again
/// and registering one, which the dashboard serves too.
pub fn signing_in() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(client::get, client::delete))
        .routes(routes!(sign_ins::create))
        .routes(routes!(sign_ins::prepare_first_factor))
        .routes(routes!(sign_ins::attempt_first_factor))
        .routes(routes!(sessions::touch))
        .routes(routes!(sessions::tokens))
        .routes(routes!(sessions::end))
        .routes(routes!(sessions::remove))
        .routes(routes!(client::remove_sessions))
        .routes(routes!(reverification::start))
        .routes(routes!(reverification::prepare_first_factor))
        .routes(routes!(reverification::attempt_first_factor))
        .routes(routes!(me::create_passkey))
        .routes(routes!(me::attempt_passkey))
}

/// The Backend API's routes, which the dashboard serves too.
pub fn backend() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::delete))
        .routes(routes!(users::ban))
        .routes(routes!(users::unban))
        .routes(routes!(users::import_passkey))
        .routes(routes!(users::delete_passkey))
        .routes(routes!(backend_sessions::list))
        .routes(routes!(backend_sessions::get))
        .routes(routes!(backend_sessions::revoke))
        .routes(routes!(backend_sessions::jwks))
        .routes(routes!(audit_events::list))
        .routes(routes!(audit_events::export))
        .routes(routes!(overview::get))
        .routes(routes!(operators::create))
        .routes(routes!(live_settings::get, live_settings::update))
        .routes(routes!(dev_mail::list))
}

/// The whole OpenAPI document, for a server reached at `server_url`.
pub fn document(server_url: &str) -> utoipa::openapi::OpenApi {
    openapi::finish(routes().split_for_parts().1, server_url)
}

/// Every documented operation: its upper-case method and its path.
pub fn operations() -> Vec<(String, String)> {
    openapi::operations(document("/"))
}

/// Every route, with its layers. Layers run outside-in in the order listed last-to-first:
/// panics are caught outermost, then the request id is set, then CORS answers preflights,
/// then metrics are recorded; innermost, the request's statements share one database
/// connection.
pub fn router(state: AppState) -> Router {
    let (routes, api) = routes().split_for_parts();
    let document = openapi::Document::new(api, state.auth.settings().public_url.as_str());
    routes
        .merge(dashboard::routes())
        .fallback(static_or_not_found)
        .method_not_allowed_fallback(middleware::not_found)
        .layer(Extension(document))
        .layer(axum::middleware::from_fn(
            middleware::one_database_connection,
        ))
        .layer(axum::middleware::from_fn(middleware::refuse_nul))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::time_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(middleware::cors(state.auth.clone()))
        .layer(axum::middleware::from_fn(middleware::request_id))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .with_state(state)
}

/// An embedded file, by the path the request was sent to (below a nested router too).
async fn static_or_not_found(req: Request) -> Response {
    let path = match req.extensions().get::<OriginalUri>() {
        Some(original) => original.path(),
        None => req.uri().path(),
    };
    match assets::find(path) {
        Some(asset)
            if req.method() == axum::http::Method::GET
                || req.method() == axum::http::Method::HEAD =>
        {
            assets::respond(asset)
        }
        _ => middleware::not_found().await.into_response(),
    }
}
