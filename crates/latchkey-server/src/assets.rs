//! The browser SDK, the demo app and the dashboard's pages, embedded in the binary at
//! compile time.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

/// The repository's `sdk/` directory. Its modules (`latchkey.js`, `react.js`,
/// `src/*.js`) and their declarations (`latchkey.d.ts`, `src/*.d.ts`) are
/// served under `/sdk/`; nothing else in it is (its tests, say).
static SDK: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../sdk");

/// The repository's `demo/` directory, served at the root (`/` is its `index.html`).
static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../demo");

/// The repository's `dashboard/` directory, served at `/dashboard/` (`/dashboard` and
/// `/dashboard/enrol`, an enrolment link's page, are its `index.html`).
static DASHBOARD: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../dashboard");

/// An embedded file: its content type and bytes.
pub struct Asset {
    pub content_type: &'static str,
    pub body: &'static [u8],
}

/// The embedded file served at `path`, if any.
pub fn find(path: &str) -> Option<Asset> {
    if let Some(below) = path.strip_prefix("/sdk/") {
        return sdk_file(below);
    }
    match path.strip_prefix(DASHBOARD_PATH) {
        Some("" | "/" | "/enrol") => asset(&DASHBOARD, "index.html"),
        Some(below) => flat_file(&DASHBOARD, below),
        None => flat_file(&DEMO, path),
    }
}

/// Where the dashboard's pages are served.
const DASHBOARD_PATH: &str = crate::http::router::paths::DASHBOARD;

/// A file at the top of `dir`, by its path below where `dir` is served: `/` is its
/// `index.html`.
fn flat_file(dir: &'static Dir<'static>, path: &str) -> Option<Asset> {
    let name = match path {
        "/" => "index.html",
        _ => path.strip_prefix('/')?,
    };
    if name.contains('/') {
        return None;
    }
    asset(dir, name)
}

/// An SDK module or declaration file, by its path below `/sdk/`: one at the
/// top of `sdk/` or in `sdk/src/`, ending in `.js` or `.d.ts`.
fn sdk_file(path: &str) -> Option<Asset> {
    let name = match path.split_once('/') {
        None => path,
        Some(("src", name)) => name,
        Some(_) => return None,
    };
    if name.is_empty() || name.contains('/') || !(name.ends_with(".js") || name.ends_with(".d.ts"))
    {
        return None;
    }
    asset(&SDK, path)
}

/// The file at `path` in `dir`, typed by its extension; none for hidden files and
/// types not served.
fn asset(dir: &'static Dir<'static>, path: &str) -> Option<Asset> {
    if path
        .rsplit('/')
        .next()
        .is_none_or(|name| name.starts_with('.'))
    {
        return None;
    }
    let content_type = match path.rsplit_once('.')?.1 {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "ts" => "application/typescript; charset=utf-8",
        _ => return None,
    };
    let file = dir.get_file(path)?;
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
    fn the_demo_and_sdk_files_are_found_and_nothing_else() {
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
        for (path, kind) in [
            ("/", "text/html"),
            ("/index.html", "text/html"),
            ("/app.js", "text/javascript"),
            ("/style.css", "text/css"),
            ("/dashboard", "text/html"),
            ("/dashboard/", "text/html"),
            ("/dashboard/enrol", "text/html"),
            ("/dashboard/index.html", "text/html"),
            ("/dashboard/app.js", "text/javascript"),
            ("/dashboard/style.css", "text/css"),
        ] {
            let asset = find(path).unwrap_or_else(|| panic!("{path} is served"));
            assert!(asset.content_type.starts_with(kind), "{path}");
            assert!(!asset.body.is_empty(), "{path}");
        }
        for path in [
            "/missing.js",
            "/demo/app.js",
            "/../Cargo.toml",
            "/sdk/",
            "/sdk/src",
            "/sdk/test/contract.test.js",
            "/sdk/src/../latchkey.js",
            "/sdk/../Cargo.toml",
            "/sdk/src/missing.js",
            "/sdk//latchkey.js",
            "/dashboard/missing.js",
            "/dashboard/../app.js",
            "/dashboard/enrol/x",
            "/dashboardx",
        ] {
            assert!(find(path).is_none(), "{path} is not served");
        }
    }
}
