//! The OpenAPI 3.1 document, generated from the handlers that
//! [`routes`](crate::http::router::routes) registers: their `#[utoipa::path]` attributes and the types of their
//! bodies, parameters and responses. This module adds what holds for every operation
//! (operation ids, tags, the error responses, the urlencoded form of every body) and the
//! links between operations that clients and stateful test tools follow.

use axum::Extension;
use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, ResponseBuilder, Server};

mod links;

pub use links::{LINKS, Link};

use super::error::ErrorBody;
use super::extract::CLIENT_COOKIE;
use super::router::paths;

/// The document's fixed parts; the paths come from the route table.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Latchkey",
        description = "Passkey-first authentication: Frontend API (/v1), Backend API (/backend/v1) and public documents."
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// The `operationId` of an operation: its lower-case method and its path.
fn operation_id(method: &str, path: &str) -> String {
    format!("{method} {path}")
}

/// The operations of a path, with their lower-case methods.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("post", &mut item.post),
        ("patch", &mut item.patch),
        ("delete", &mut item.delete),
        ("put", &mut item.put),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation.as_mut()?)))
}

/// A response whose body is the `Errors` schema.
fn errors(description: &str) -> RefOr<utoipa::openapi::Response> {
    let schema = RefOr::Ref(Ref::from_schema_name("Errors"));
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(schema)))
        .build()
        .into()
}

/// What every operation shares: its id and tag, the error responses, a body that may
/// come urlencoded as well as JSON (API §1), and its links.
fn complete(api: &mut OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, operation) in operations_mut(item) {
            operation.operation_id = Some(operation_id(method, path));
            let tag = if path.starts_with(paths::BACKEND) {
                "backend"
            } else if path.starts_with(paths::FRONTEND) {
                "frontend"
            } else {
                "public"
            };
            operation.tags = Some(vec![tag.to_owned()]);
            let responses = &mut operation.responses.responses;
            responses.insert("4XX".into(), errors("An error with a stable code (API §5)"));
            let authenticated = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            if authenticated && !responses.contains_key("503") {
                responses.insert("503".into(), errors("The database is unavailable"));
            }
            if let Some(body) = operation.request_body.as_mut()
                && let Some(json) = body.content.get("application/json").cloned()
            {
                body.content
                    .insert("application/x-www-form-urlencoded".into(), json);
            }
            if let Some(RefOr::T(success)) = responses.get_mut("200") {
                if success.description.is_empty() {
                    success.description = "Success".into();
                }
                links::add_links(success, method, path);
            }
        }
    }
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "client_cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(CLIENT_COOKIE))),
    );
    let bearer = |description: &str| {
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(description))
                .build(),
        )
    };
    components.add_security_scheme("client_token", bearer("A native client's token"));
    components.add_security_scheme("secret_key", bearer("A Backend API secret key"));
}

/// The document of the routes `api`, completed, for a server reached at `server_url`.
pub fn finish(mut api: OpenApi, server_url: &str) -> OpenApi {
    complete(&mut api);
    api.servers = Some(vec![Server::new(server_url.trim_end_matches('/'))]);
    api
}

/// Every operation of `api`: its upper-case method and its path.
pub fn operations(mut api: OpenApi) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, _) in operations_mut(item) {
            all.push((method.to_ascii_uppercase(), path.clone()));
        }
    }
    all
}

/// The document as served, rendered once.
#[derive(Debug, Clone)]
pub struct Document(Bytes);

impl Document {
    /// The document for the routes split from the route table.
    pub fn new(api: OpenApi, server_url: &str) -> Self {
        let api = finish(api, server_url);
        Document(serde_json::to_vec(&api).unwrap_or_default().into())
    }
}

/// This document.
#[utoipa::path(
    get,
    path = paths::OPENAPI,
    responses((status = 200, description = "The OpenAPI document", body = serde_json::Value))
)]
pub async fn openapi(Extension(Document(body)): Extension<Document>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::http::router::{document, operations};
    use serde_json::{Value, json};

    pub(super) fn rendered() -> Value {
        serde_json::to_value(document("http://localhost:8080")).expect("json")
    }

    #[test]
    fn only_calls_that_serve_a_caller_without_a_client_leave_authentication_optional() {
        let doc = rendered();
        let optional_for = [
            ("post", paths::SIGN_UPS),
            ("post", paths::SIGN_INS),
            ("get", paths::CLIENT),
        ];
        for (method, path) in operations() {
            let method = method.to_ascii_lowercase();
            let operation = &doc["paths"][&path][&method];
            let security = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let optional = security.is_empty() || security.iter().any(|s| s == &json!({}));
            let public = !path.starts_with(paths::FRONTEND) && !path.starts_with(paths::BACKEND)
                || path == paths::ENVIRONMENT
                || path == paths::DEV_BROWSER;
            let expected = public || optional_for.contains(&(method.as_str(), path.as_str()));
            assert_eq!(optional, expected, "{method} {path}");
            if path.starts_with(paths::BACKEND) {
                assert_eq!(security, [json!({ "secret_key": [] })], "{path}");
            }
        }
    }

    #[test]
    fn every_body_may_come_as_json_or_urlencoded() {
        let doc = rendered();
        for (method, path) in operations() {
            let operation = &doc["paths"][&path][method.to_ascii_lowercase()];
            if let Some(content) = operation["requestBody"]["content"].as_object() {
                assert_eq!(
                    content["application/json"], content["application/x-www-form-urlencoded"],
                    "{method} {path}"
                );
            }
            assert!(operation["responses"]["4XX"].is_object(), "{method} {path}");
        }
    }
}
