//! Origins compared exactly. An origin is its serialisation — scheme, host and port as a
//! browser writes them (`https://app.example.com`) — or an Android app's
//! `android:apk-key-hash:<base64url>`, and two origins are equal only as strings: a
//! trailing `/`, a path, an upper-case scheme, a default port spelled out or userinfo
//! make a different origin.

use serde::Deserialize;
use url::Url;

use crate::error::{Error, Result};

/// The origins a ceremony's client data may name.
#[derive(Debug, Clone, Default)]
pub struct Origins(Vec<String>);

/// The members of `CollectedClientData` (WebAuthn §5.8.1) that name origins.
#[derive(Deserialize)]
struct ClientDataOrigins {
    origin: String,
    #[serde(rename = "topOrigin")]
    top_origin: Option<String>,
}

impl Origins {
    /// The exact forms of configured origins: a web origin's serialisation, an Android
    /// origin as written.
    pub fn new<'a>(configured: impl IntoIterator<Item = &'a Url>) -> Self {
        let mut origins: Vec<String> = configured.into_iter().map(serialise).collect();
        origins.sort();
        origins.dedup();
        Origins(origins)
    }

    /// Whether `origin` is one of these, byte for byte.
    pub fn allows(&self, origin: &str) -> bool {
        self.0.iter().any(|o| o == origin)
    }

    /// Checks the `origin` of a registration's client data (WebAuthn §7.1 step 9) and its
    /// `topOrigin`, when the client names one: both must be allowed.
    pub fn check_client_data(&self, client_data_json: &[u8]) -> Result<()> {
        let data: ClientDataOrigins = serde_json::from_slice(client_data_json)
            .map_err(|_| Error::InvalidCredential("client data cannot be parsed".into()))?;
        if !self.allows(&data.origin) {
            return Err(Error::InvalidCredential(format!(
                "origin {} is not allowed",
                data.origin
            )));
        }
        match data.top_origin {
            Some(top) if !self.allows(&top) => Err(Error::InvalidCredential(format!(
                "top origin {top} is not allowed"
            ))),
            _ => Ok(()),
        }
    }
}

/// An origin as configured: `http(s)://host[:port]` (a trailing `/` is dropped) or
/// `android:apk-key-hash:<base64url>`; `None` for anything else.
pub fn parse(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let web = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && matches!(url.path(), "" | "/");
    let android = url.scheme() == "android" && url.path().starts_with("apk-key-hash:");
    (web || android).then_some(url)
}

/// Whether `url` is a web origin (`http` or `https`), not an app's.
pub fn is_web(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// A configured origin's exact form: a web origin's serialisation, an Android origin as
/// written.
pub fn serialise(url: &Url) -> String {
    match url.scheme() {
        "http" | "https" => url.origin().ascii_serialization(),
        _ => url.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins() -> Origins {
        let urls = [
            Url::parse("https://app.example.com").expect("url"),
            Url::parse("http://localhost:8080/").expect("url"),
            Url::parse("android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s")
                .expect("url"),
        ];
        Origins::new(&urls)
    }

    fn client_data(origin: &str, top: Option<&str>, cross: bool) -> Vec<u8> {
        let mut data = serde_json::json!({
            "type": "webauthn.get", "challenge": "AAAA", "origin": origin, "crossOrigin": cross,
        });
        if let Some(top) = top {
            data["topOrigin"] = top.into();
        }
        data.to_string().into_bytes()
    }

    #[test]
    fn only_the_exact_serialisation_is_allowed() {
        let origins = origins();
        for allowed in [
            "https://app.example.com",
            "http://localhost:8080",
            "android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s",
        ] {
            assert!(origins.allows(allowed), "{allowed}");
        }
        for refused in [
            "https://app.example.com/",
            "https://app.example.com/login",
            "HTTPS://app.example.com",
            "https://APP.example.com",
            "https://app.example.com:443",
            "https://user@app.example.com",
            "http://app.example.com",
            "http://localhost:8080/",
            "http://localhost:80",
            "android:apk-key-hash:Q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s",
            "",
        ] {
            assert!(!origins.allows(refused), "{refused}");
        }
    }

    #[test]
    fn origins_parse_as_web_or_android_origins_only() {
        for origin in [
            "https://app.example.com",
            "http://localhost:8080/",
            "android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s",
        ] {
            assert!(parse(origin).is_some(), "{origin}");
        }
        for refused in [
            "https://app.example.com/login",
            "app.example.com",
            "ftp://app.example.com",
            "android:com.example.app",
            "",
        ] {
            assert!(parse(refused).is_none(), "{refused}");
        }
        let url = parse("HTTPS://App.Example.com:443/").expect("origin");
        assert_eq!(serialise(&url), "https://app.example.com");
    }

    #[test]
    fn client_data_names_allowed_origins_and_top_origins() {
        let origins = origins();
        let ok = |o, t, c| origins.check_client_data(&client_data(o, t, c)).is_ok();
        assert!(ok("https://app.example.com", None, false));
        assert!(ok(
            "http://localhost:8080",
            Some("https://app.example.com"),
            true
        ));
        assert!(!ok("https://app.example.com/", None, false));
        assert!(!ok(
            "https://app.example.com",
            Some("https://app.example.com/"),
            true
        ));
        assert!(!ok(
            "https://app.example.com",
            Some("https://evil.example"),
            true
        ));
        assert!(origins.check_client_data(b"not json").is_err());
    }
}
