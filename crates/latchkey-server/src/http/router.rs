//! The one route table of the server.

use axum::Router;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post};
use tower_http::catch_panic::CatchPanicLayer;

use super::backend::{audit_events, sessions as backend_sessions, users};
use super::frontend::{client, me, sessions, sign_ins, sign_ups};
use super::{metrics, middleware, openapi, probes, well_known};
use crate::assets;
use crate::state::AppState;

/// The routes being registered; every route must be documented in
/// [`openapi::OPERATIONS`], so the OpenAPI document lists every route there is.
struct Table(Router<AppState>);

impl Table {
    fn route(
        self,
        path: &'static str,
        methods: MethodRouter<AppState>,
        documented: &[&str],
    ) -> Self {
        for method in documented {
            debug_assert!(
                openapi::find(method, path).is_some(),
                "{method} {path} is missing from the OpenAPI operations"
            );
        }
        Table(self.0.route(path, methods))
    }
}

/// Every route, with its layers. Layers run outside-in in the order listed last-to-first:
/// panics are caught outermost, then the request id is set, then CORS answers preflights,
/// then metrics are recorded; innermost, the request's statements share one database
/// connection.
pub fn router(state: AppState) -> Router {
    let Table(routes) = Table(Router::new())
        .route("/v1/environment", get(client::environment), &["GET"])
        .route(
            "/v1/client",
            get(client::get).delete(client::delete),
            &["GET", "DELETE"],
        )
        .route("/v1/client/sign_ups", post(sign_ups::create), &["POST"])
        .route(
            "/v1/client/sign_ups/{id}/attempt_verification",
            post(sign_ups::attempt_verification),
            &["POST"],
        )
        .route("/v1/client/sign_ins", post(sign_ins::create), &["POST"])
        .route(
            "/v1/client/sign_ins/{id}/prepare_first_factor",
            post(sign_ins::prepare_first_factor),
            &["POST"],
        )
        .route(
            "/v1/client/sign_ins/{id}/attempt_first_factor",
            post(sign_ins::attempt_first_factor),
            &["POST"],
        )
        .route(
            "/v1/client/sessions/{id}/touch",
            post(sessions::touch),
            &["POST"],
        )
        .route(
            "/v1/client/sessions/{id}/tokens",
            post(sessions::tokens),
            &["POST"],
        )
        .route(
            "/v1/client/sessions/{id}/end",
            post(sessions::end),
            &["POST"],
        )
        .route("/v1/me", get(me::get), &["GET"])
        .route("/v1/me/sessions", get(me::sessions), &["GET"])
        .route(
            "/v1/me/sessions/{id}/revoke",
            post(me::revoke_session),
            &["POST"],
        )
        .route("/v1/me/passkeys", post(me::create_passkey), &["POST"])
        .route(
            "/v1/me/passkeys/{id}",
            patch(me::rename_passkey).delete(me::delete_passkey),
            &["PATCH", "DELETE"],
        )
        .route(
            "/v1/me/passkeys/{id}/attempt_verification",
            post(me::attempt_passkey),
            &["POST"],
        )
        .route(
            "/backend/v1/users",
            get(users::list).post(users::create),
            &["GET", "POST"],
        )
        .route(
            "/backend/v1/users/{id}",
            get(users::get).delete(users::delete),
            &["GET", "DELETE"],
        )
        .route(
            "/backend/v1/users/{id}/passkeys/{passkey_id}",
            delete(users::delete_passkey),
            &["DELETE"],
        )
        .route(
            "/backend/v1/sessions",
            get(backend_sessions::list),
            &["GET"],
        )
        .route(
            "/backend/v1/sessions/{id}",
            get(backend_sessions::get),
            &["GET"],
        )
        .route(
            "/backend/v1/sessions/{id}/revoke",
            post(backend_sessions::revoke),
            &["POST"],
        )
        .route("/backend/v1/jwks", get(backend_sessions::jwks), &["GET"])
        .route(
            "/backend/v1/audit_events",
            get(audit_events::list),
            &["GET"],
        )
        .route("/.well-known/jwks.json", get(well_known::jwks), &["GET"])
        .route("/.well-known/webauthn", get(well_known::webauthn), &["GET"])
        .route(
            "/.well-known/assetlinks.json",
            get(well_known::assetlinks),
            &["GET"],
        )
        .route(
            "/.well-known/apple-app-site-association",
            get(well_known::apple_app_site_association),
            &["GET"],
        )
        .route("/healthz", get(probes::healthz), &["GET"])
        .route("/readyz", get(probes::readyz), &["GET"])
        .route("/metrics", get(metrics::metrics), &["GET"])
        .route("/openapi.json", get(openapi::openapi), &["GET"]);

    routes
        .fallback(static_or_not_found)
        .method_not_allowed_fallback(middleware::not_found)
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
