//! Naming passkeys: the provider from the AAGUID list, else the browser and platform
//! from the User-Agent, else "Passkey".

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::user_agent::Device;

/// The community AAGUID list (see `data/README.md` for its source and attribution).
const AAGUID_JSON: &str = include_str!("../data/aaguid.json");

/// A passkey provider: its name and icons (data URLs).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Provider {
    pub name: String,
    pub icon_light: Option<String>,
    pub icon_dark: Option<String>,
}

fn providers() -> &'static HashMap<String, Provider> {
    static PROVIDERS: OnceLock<HashMap<String, Provider>> = OnceLock::new();
    PROVIDERS.get_or_init(|| serde_json::from_str(AAGUID_JSON).unwrap_or_default())
}

/// The provider of a lower-case, hyphenated AAGUID, if the list knows it.
pub fn provider(aaguid: &str) -> Option<&'static Provider> {
    providers().get(aaguid)
}

/// The name a new passkey gets: its provider's, else `<browser> on <platform>`, else "Passkey".
pub fn passkey_name(aaguid: Option<&str>, user_agent: Option<&str>) -> String {
    aaguid
        .and_then(provider)
        .map(|p| p.name.clone())
        .or_else(|| user_agent.and_then(|ua| Device::parse(ua).name()))
        .unwrap_or_else(|| "Passkey".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_aaguid_names_its_provider() {
        // Google Password Manager
        let p = provider("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4").expect("in the list");
        assert_eq!(p.name, "Google Password Manager");
        assert!(
            p.icon_light
                .as_deref()
                .unwrap_or("")
                .starts_with("data:image/")
        );
    }

    #[test]
    fn without_a_provider_the_user_agent_names_the_passkey() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
                "Chrome on Linux",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
                "Firefox on macOS",
            ),
        ];
        for (ua, name) in cases {
            assert_eq!(passkey_name(None, Some(ua)), name, "{ua}");
        }
    }

    #[test]
    fn unknown_everything_is_passkey() {
        assert_eq!(
            passkey_name(Some("00000000-0000-0000-0000-000000000000"), Some("curl/8")),
            "Passkey"
        );
        assert_eq!(passkey_name(None, None), "Passkey");
    }
}
