//! The browser SDK and the demo app, embedded in the binary at compile time.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

/// The repository's `sdk/` directory. Its modules (`latchkey.js`, `react.js`,
/// `src/*.js`) and their declarations (`latchkey.d.ts`, `src/*.d.ts`) are
/// served under `/sdk/`; nothing else in it is (its tests, say).
static SDK: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk");

/// An embedded file: its content type and bytes.
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const TS: &str = "application/typescript; charset=utf-8";

/// The embedded file served at `path`, if any.
pub fn find(path: &str) -> Option<Asset> {
    let (content_type, body): (_, &'static str) = match path {
        "/" | "/index.html" => (
            "text/html; charset=utf-8",
            include_str!("../../../demo/index.html"),
        ),
        "/app.js" => (JS, include_str!("../../../demo/app.js")),
        "/style.css" => (
            "text/css; charset=utf-8",
            include_str!("../../../demo/style.css"),
        ),
        _ => return path.strip_prefix("/sdk/").and_then(sdk_file),
    };
    Some(Asset {
        content_type,
        body: body.as_bytes(),
    })
}

/// An SDK module or declaration file, by its path below `/sdk/`: one at the
/// top of `sdk/` or in `sdk/src/`, ending in `.js` or `.d.ts`.
fn sdk_file(path: &str) -> Option<Asset> {
    let name = match path.split_once('/') {
        None => path,
        Some(("src", name)) => name,
        Some(_) => return None,
    };
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    let content_type = if name.ends_with(".d.ts") {
        TS
    } else if name.ends_with(".js") {
        JS
    } else {
        return None;
    };
    let file = SDK.get_file(path)?;
    Some(Asset {
        content_type,
        body: file.contents(),
    })
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

#[cfg(test)]
mod tests {
    use super::find;

    #[test]
    fn sdk_modules_and_declarations_are_found_and_nothing_else() {
        for (path, kind) in [
            ("/sdk/latchkey.js", "text/javascript"),
            ("/sdk/react.js", "text/javascript"),
            ("/sdk/src/latchkey.js", "text/javascript"),
            ("/sdk/latchkey.d.ts", "application/typescript"),
            ("/sdk/src/errors.d.ts", "application/typescript"),
        ] {
            let asset = find(path).unwrap_or_else(|| panic!("{path} is served"));
            assert!(asset.content_type.starts_with(kind), "{path}");
            assert!(!asset.body.is_empty(), "{path}");
        }
        for path in [
            "/sdk/",
            "/sdk/src",
            "/sdk/test/contract.test.js",
            "/sdk/src/../latchkey.js",
            "/sdk/../Cargo.toml",
            "/sdk/src/missing.js",
            "/sdk//latchkey.js",
        ] {
            assert!(find(path).is_none(), "{path} is not served");
        }
    }
}
