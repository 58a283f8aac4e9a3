//! Cross-cutting request handling: method tunnelling, request ids, CORS and panics.

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::ids::random_bytes;
use latchkey_core::{Auth, Error};
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::error::{ApiError, ServerFailure, TRACE_ID};
use crate::state::AppState;

/// The request id header, echoed on every response.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// `POST ...?_method=PATCH|DELETE` is treated as that method, so browsers can avoid a
/// CORS preflight. Runs before routing.
pub fn override_method(mut req: Request) -> Request {
    if req.method() == Method::POST {
        let tunnelled = req.uri().query().and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "_method")
                .map(|(_, v)| v.to_ascii_uppercase())
        });
        match tunnelled.as_deref() {
            Some("PATCH") => *req.method_mut() = Method::PATCH,
            Some("DELETE") => *req.method_mut() = Method::DELETE,
            Some("PUT") => *req.method_mut() = Method::PUT,
            _ => {}
        }
    }
    req
}

/// Gives each request an id (the caller's `x-request-id` when sane), makes it the trace
/// id of errors, logs the request (and the details of a server failure) and echoes the id.
pub async fn request_id(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| hex(&random_bytes(12)));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut response = TRACE_ID
        .scope(
            id.clone(),
            tracing::Instrument::instrument(next.run(req), span.clone()),
        )
        .await;
    span.in_scope(|| {
        if let Some(ServerFailure(error)) = response.extensions().get::<ServerFailure>() {
            tracing::error!(%error, "request failed");
        }
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "served"
        );
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    response
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Answers `408 request_timeout` when a request (a slow upload included) outlives the
/// configured limit, so slow clients cannot hold connections and workers forever.
pub async fn time_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = Duration::from_secs(u64::from(state.config.server.request_timeout_secs));
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError(Error::RequestTimeout).into_response(),
    }
}

/// The query parameters the API reads; a NUL character in one of them is refused by name.
const QUERY_PARAMS: [&str; 15] = [
    "query",
    "starting_after",
    "user_id",
    "status",
    "limit",
    "offset",
    "type",
    "actor",
    "since",
    "until",
    "format",
    "_latchkey_session_id",
    "_clerk_session_id",
    "_is_native",
    "_method",
];

/// No id, route or documented query value holds a NUL character, and PostgreSQL cannot
/// even compare text that does (SQLite can): a path with one is not found, a query
/// parameter with one is malformed. Both databases answer alike, never with a 500.
pub async fn refuse_nul(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if percent_encoding::percent_decode_str(path).any(|byte| byte == 0) {
        return ApiError(Error::NotFound("route")).into_response();
    }
    let query = req.uri().query().unwrap_or("");
    let bad = form_urlencoded::parse(query.as_bytes())
        .filter(|(_, value)| value.contains('\0'))
        .find_map(|(key, _)| QUERY_PARAMS.iter().find(|p| **p == key).copied());
    if let Some(param) = bad {
        return ApiError(Error::FormParamFormatInvalid {
            param,
            reason: "must not contain a NUL character".into(),
        })
        .into_response();
    }
    next.run(req).await
}

/// Runs the request's database statements on one PostgreSQL connection, taken at its
/// first statement and returned with the response.
pub async fn one_database_connection(req: Request, next: Next) -> Response {
    latchkey_store::on_one_connection(next.run(req)).await
}

/// Credentialed CORS for the allowed web origins in force only, checked per request.
pub fn cors(auth: Arc<Auth>) -> CorsLayer {
    let allowed = AllowOrigin::predicate(move |origin: &HeaderValue, _: &Parts| {
        origin.to_str().is_ok_and(|o| auth.allows_web_origin(o))
    });
    CorsLayer::new()
        .allow_origin(allowed)
        .allow_credentials(true)
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([
            header::CONTENT_TYPE,
            header::AUTHORIZATION,
            X_REQUEST_ID.clone(),
        ])
        .expose_headers([
            header::AUTHORIZATION,
            header::RETRY_AFTER,
            X_REQUEST_ID.clone(),
        ])
        .max_age(Duration::from_secs(600))
}

/// A panic becomes a 500 with the usual error body, never a dropped connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    ApiError(Error::internal("a handler panicked")).into_response()
}

/// Unknown routes answer 404 `resource_not_found`.
pub async fn not_found() -> Response {
    ApiError(Error::NotFound("route")).into_response()
}
