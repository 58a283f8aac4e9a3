//! The browser SDK and the demo app, embedded in the binary at compile time.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An embedded file: its content type and bytes.
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";

/// The embedded file served at `path`, if any.
pub fn find(path: &str) -> Option<Asset> {
    let (content_type, body) = match path {
        "/" | "/index.html" => (
            "text/html; charset=utf-8",
            include_str!("../../../demo/index.html"),
        ),
        "/app.js" => (JS, include_str!("../../../demo/app.js")),
        "/style.css" => (
            "text/css; charset=utf-8",
            include_str!("../../../demo/style.css"),
        ),
        "/sdk/latchkey.js" => (JS, include_str!("../../../sdk/latchkey.js")),
        "/sdk/latchkey.d.ts" => (
            "application/typescript; charset=utf-8",
            include_str!("../../../sdk/latchkey.d.ts"),
        ),
        "/sdk/react.js" => (JS, include_str!("../../../sdk/react.js")),
        _ => return None,
    };
    Some(Asset { content_type, body })
}

/// Serves an embedded file with its type, a short cache lifetime and security headers.
pub fn respond(asset: Asset) -> Response {
    let mut response = (StatusCode::OK, asset.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    response
}
