//! The cookies that carry a browser's client token: `__client` for the application's
//! pages, and the dashboard's own, sent only to `/dashboard`.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use cookie::{Cookie, SameSite};
use latchkey_core::auth::Surface;
use latchkey_core::auth::operators::OPERATOR_SESSION_MAX_AGE_MS;

use crate::http::router::paths;
use crate::state::AppState;

/// The cookie that holds a browser's client token on a plain-HTTP (development) server.
pub const CLIENT_COOKIE: &str = "__client";
/// The client cookie behind HTTPS. Browsers accept a `__Host-` cookie only when it is
/// `Secure`, host-only and for `Path=/`, so no sibling subdomain can plant or shadow it;
/// the unprefixed name is then neither set nor read.
pub const HOST_CLIENT_COOKIE: &str = "__Host-__client";
/// The dashboard's client cookie on a plain-HTTP server.
pub const DASHBOARD_COOKIE: &str = "__latchkey_dashboard";
/// The dashboard's client cookie behind HTTPS: `__Secure-`, as `__Host-` needs `Path=/`
/// and this cookie goes only to `/dashboard`.
pub const SECURE_DASHBOARD_COOKIE: &str = "__Secure-latchkey_dashboard";
/// How long a browser keeps the client cookie: a year.
const CLIENT_COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

/// The name of `surface`'s client cookie on this server.
pub fn client_cookie_name(state: &AppState, surface: Surface) -> &'static str {
    match (surface, state.secure_cookies) {
        (Surface::App, false) => CLIENT_COOKIE,
        (Surface::App, true) => HOST_CLIENT_COOKIE,
        (Surface::Dashboard, false) => DASHBOARD_COOKIE,
        (Surface::Dashboard, true) => SECURE_DASHBOARD_COOKIE,
    }
}

/// `surface`'s client cookie carrying `token`, hidden from scripts and only sent over
/// HTTPS when the server is reached over HTTPS. The application's goes to every path,
/// is kept on top-level navigations from other sites and lasts a year; the dashboard's
/// goes only to `/dashboard`, never with a request from another site, and lasts as long
/// as an operator's session.
pub fn client_cookie(
    surface: Surface,
    name: &'static str,
    token: &str,
    secure: bool,
) -> Cookie<'static> {
    let (path, same_site, max_age_secs) = match surface {
        Surface::App => ("/", SameSite::Lax, CLIENT_COOKIE_MAX_AGE_SECS),
        Surface::Dashboard => (
            paths::DASHBOARD,
            SameSite::Strict,
            OPERATOR_SESSION_MAX_AGE_MS / 1000,
        ),
    };
    Cookie::build((name, token.to_owned()))
        .path(path)
        .http_only(true)
        .same_site(same_site)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .secure(secure)
        .build()
}

/// The value of a cookie; an empty value is no value.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_client_cookie_is_built_and_read_back() {
        let attributes = |cookie: &Cookie| {
            let text = cookie.to_string();
            let mut parts: Vec<String> = text.split("; ").map(str::to_owned).collect();
            parts[1..].sort();
            parts
        };
        let plain = client_cookie(Surface::App, CLIENT_COOKIE, "tok_1", false);
        assert_eq!(
            attributes(&plain),
            [
                "__client=tok_1",
                "HttpOnly",
                "Max-Age=31536000",
                "Path=/",
                "SameSite=Lax"
            ]
        );
        let secure = client_cookie(Surface::App, HOST_CLIENT_COOKIE, "tok_2", true);
        assert_eq!(
            attributes(&secure),
            [
                "__Host-__client=tok_2",
                "HttpOnly",
                "Max-Age=31536000",
                "Path=/",
                "SameSite=Lax",
                "Secure"
            ]
        );
        let dashboard = client_cookie(Surface::Dashboard, SECURE_DASHBOARD_COOKIE, "tok_4", true);
        assert_eq!(
            attributes(&dashboard),
            [
                "__Secure-latchkey_dashboard=tok_4",
                "HttpOnly",
                "Max-Age=28800",
                "Path=/dashboard",
                "SameSite=Strict",
                "Secure"
            ]
        );
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("theme=dark; __client="));
        headers.append(
            COOKIE,
            HeaderValue::from_static(" a=1;; __client=tok_3 ; b=2"),
        );
        assert_eq!(cookie(&headers, "a").as_deref(), Some("1"));
        assert_eq!(cookie(&headers, "__client"), None, "the first is empty");
        assert_eq!(cookie(&headers, HOST_CLIENT_COOKIE), None);
        headers.remove(COOKIE);
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&plain.stripped().to_string()).expect("value"),
        );
        assert_eq!(cookie(&headers, CLIENT_COOKIE).as_deref(), Some("tok_1"));
    }
}
