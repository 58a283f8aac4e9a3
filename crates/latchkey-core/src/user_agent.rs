//! What a User-Agent string says about the browser and device behind it: a new
//! passkey's name ("Chrome on Linux") and a session's device in the user's list of
//! active devices both come from here.

/// Browser tokens, each followed by `/<version>`. Order matters: Edge and Opera also
/// say "Chrome", Chrome also says "Safari".
const BROWSERS: [(&str, &str); 7] = [
    ("Edg/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
];

/// Platform tokens and their names. Order matters: iPhones say "like Mac OS X",
/// Android says "Linux".
const PLATFORMS: [(&str, &str); 8] = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
];

/// The browser and device a User-Agent string names, as far as it is recognised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Device {
    /// "Chrome", "Safari", "Firefox", "Edge" or "Opera".
    pub browser: Option<&'static str>,
    /// The browser's version as the string gives it ("126.0.6478.126").
    pub browser_version: Option<String>,
    /// "iPhone", "iPad", "Android", "ChromeOS", "Windows", "macOS" or "Linux".
    pub platform: Option<&'static str>,
    /// A phone or tablet.
    pub is_mobile: bool,
}

impl Device {
    /// Reads a User-Agent string; what it does not recognise stays `None`.
    pub fn parse(ua: &str) -> Self {
        let (browser, browser_version) = match BROWSERS.iter().find(|(token, _)| ua.contains(token))
        {
            Some((token, name)) => (Some(*name), version_after(ua, token)),
            None if ua.contains("Safari/") && ua.contains("Version/") => {
                (Some("Safari"), version_after(ua, "Version/"))
            }
            None => (None, None),
        };
        let platform = PLATFORMS
            .iter()
            .find(|(token, _)| ua.contains(token))
            .map(|(_, name)| *name);
        let is_mobile =
            matches!(platform, Some("iPhone" | "iPad" | "Android")) || ua.contains("Mobile");
        Device {
            browser,
            browser_version,
            platform,
            is_mobile,
        }
    }

    /// `<browser> on <platform>` ("Chrome on Linux", "Safari on iPhone"), when both are
    /// known.
    pub fn name(&self) -> Option<String> {
        Some(format!("{} on {}", self.browser?, self.platform?))
    }
}

/// The version that follows `token` (which ends in `/`), up to the next space or `;`.
fn version_after(ua: &str, token: &str) -> Option<String> {
    let (_, rest) = ua.split_once(token)?;
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .take(32)
        .collect();
    (!version.is_empty()).then_some(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.126 Safari/537.36";
    const SAFARI_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    const EDGE_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0.2592.87";
    const FIREFOX_MAC: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36";

    #[test]
    fn names_give_browser_and_platform() {
        let cases = [
            (CHROME_LINUX, "Chrome on Linux"),
            (SAFARI_IPHONE, "Safari on iPhone"),
            (EDGE_WINDOWS, "Edge on Windows"),
            (FIREFOX_MAC, "Firefox on macOS"),
            (CHROME_ANDROID, "Chrome on Android"),
        ];
        for (ua, name) in cases {
            assert_eq!(Device::parse(ua).name().as_deref(), Some(name), "{ua}");
        }
    }

    #[test]
    fn devices_carry_the_browser_version_and_whether_they_are_mobile() {
        let cases = [
            (CHROME_LINUX, "126.0.6478.126", false),
            (SAFARI_IPHONE, "17.0", true),
            (EDGE_WINDOWS, "126.0.2592.87", false),
            (FIREFOX_MAC, "127.0", false),
            (CHROME_ANDROID, "126.0.6478.122", true),
        ];
        for (ua, version, mobile) in cases {
            let device = Device::parse(ua);
            assert_eq!(device.browser_version.as_deref(), Some(version), "{ua}");
            assert_eq!(device.is_mobile, mobile, "{ua}");
        }
    }

    #[test]
    fn unknown_agents_give_nothing() {
        let device = Device::parse("curl/8.5.0");
        assert_eq!(device, Device::default());
        assert_eq!(device.name(), None);
        assert_eq!(Device::parse("").name(), None);
    }
}
