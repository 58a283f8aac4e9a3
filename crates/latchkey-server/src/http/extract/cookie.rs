//! The `__client` cookie that carries a browser's client token.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use cookie::{Cookie, SameSite};

use crate::state::AppState;

/// The cookie that holds a browser's client token on a plain-HTTP (development) server.
pub const CLIENT_COOKIE: &str = "__client";
/// The client cookie behind HTTPS. Browsers accept a `__Host-` cookie only when it is
/// `Secure`, host-only and for `Path=/`, so no sibling subdomain can plant or shadow it;
/// the unprefixed name is then neither set nor read.
pub const HOST_CLIENT_COOKIE: &str = "__Host-__client";
/// How long a browser keeps the client cookie: a year.
const CLIENT_COOKIE_MAX_AGE_SECS: i64 = 365 * 24 * 60 * 60;

/// The client cookie's name on this server.
pub fn client_cookie_name(state: &AppState) -> &'static str {
    if state.secure_cookies {
        HOST_CLIENT_COOKIE
    } else {
        CLIENT_COOKIE
    }
}

/// The client cookie carrying `token`: sent to every path, hidden from scripts, kept
/// on top-level navigations from other sites, for a year, and only over HTTPS when the
/// server is reached over HTTPS.
pub fn client_cookie(name: &'static str, token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build((name, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(CLIENT_COOKIE_MAX_AGE_SECS))
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
        let plain = client_cookie(CLIENT_COOKIE, "tok_1", false);
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
        let secure = client_cookie(HOST_CLIENT_COOKIE, "tok_2", true);
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
