//! Validated user input: names and addresses that parse are valid by construction.

use crate::error::{Error, Result};

/// A username: 3–64 characters of letters, digits, `_`, `-` and `.`, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// The fewest characters a username has.
    pub const MIN_LENGTH: u32 = 3;
    /// The most characters a username has.
    pub const MAX_LENGTH: u32 = 64;

    /// Trims and lower-cases `raw`; `FormParamValueInvalid` on `username` otherwise.
    pub fn parse(raw: &str) -> Result<Self> {
        let value = raw.trim().to_lowercase();
        let length = u32::try_from(value.chars().count()).unwrap_or(u32::MAX);
        let ok = (Self::MIN_LENGTH..=Self::MAX_LENGTH).contains(&length)
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::FormParamValueInvalid {
                param: "username",
                reason: "use 3 to 64 letters, digits, '_', '-' or '.'".into(),
            })
        }
    }

    /// The validated text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The validated text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An email address in a plain `local@domain.tld` shape, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddress(String);

impl EmailAddress {
    /// Trims and lower-cases `raw`; `FormParamFormatInvalid` on `email_address` otherwise.
    pub fn parse(raw: &str) -> Result<Self> {
        let value = raw.trim().to_lowercase();
        let ok = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && value.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if ok {
            Ok(Self(value))
        } else {
            Err(Error::FormParamFormatInvalid {
                param: "email_address",
                reason: "not an email address".into(),
            })
        }
    }

    /// The validated text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The validated text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A passkey name: 1–64 Unicode characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyName(String);

impl PasskeyName {
    /// Trims `raw`; `FormParamValueInvalid` on `name` otherwise.
    pub fn parse(raw: &str) -> Result<Self> {
        let value = raw.trim();
        let count = value.chars().count();
        if !(1..=64).contains(&count) || value.chars().any(char::is_control) {
            return Err(Error::FormParamValueInvalid {
                param: "name",
                reason: "use 1 to 64 characters".into(),
            });
        }
        Ok(Self(value.to_owned()))
    }

    /// The validated text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The validated text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A first or last name sent as `param`: at most 256 characters after trimming, no
/// control characters; absent or empty means none.
pub fn person_name(param: &'static str, raw: Option<&str>) -> Result<Option<String>> {
    let value = raw.unwrap_or_default().trim();
    if value.chars().count() > 256 || value.chars().any(char::is_control) {
        return Err(Error::FormParamValueInvalid {
            param,
            reason: "at most 256 characters, none of them control characters".into(),
        });
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// An id sent in a body field, or `None` when it holds a control character, which no
/// id has (and PostgreSQL could not even compare).
pub fn id(raw: &str) -> Option<&str> {
    (!raw.chars().any(char::is_control)).then_some(raw)
}

/// A sign-in identifier as usernames and email addresses are stored (lower-case), or
/// `None` when it holds a control character, which neither can (PostgreSQL could not even
/// compare text holding NUL).
pub fn identifier(raw: &str) -> Option<String> {
    (!raw.chars().any(char::is_control)).then(|| raw.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(err: Error) -> (&'static str, &'static str, String) {
        match err {
            Error::FormParamValueInvalid { param, reason } => ("value", param, reason),
            Error::FormParamFormatInvalid { param, reason } => ("format", param, reason),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn usernames_are_trimmed_and_lower_cased() {
        let parsed = Username::parse(" Ada.L ").expect("valid");
        assert_eq!(parsed.as_str(), "ada.l");
        assert_eq!(parsed.into_inner(), "ada.l");
        for ok in ["abc", "a_b-c.d", &"a".repeat(64)] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn usernames_too_short_too_long_or_with_other_characters_are_refused() {
        for bad in [
            "ab",
            "  ab  ",
            "has space",
            "ünï",
            "a\u{0}bc",
            &"a".repeat(65),
        ] {
            let err = Username::parse(bad).expect_err(bad);
            assert_eq!(
                refusal(err),
                (
                    "value",
                    "username",
                    "use 3 to 64 letters, digits, '_', '-' or '.'".to_owned()
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn email_addresses_are_trimmed_and_lower_cased() {
        let parsed = EmailAddress::parse(" Ada@Example.com ").expect("valid");
        assert_eq!(parsed.as_str(), "ada@example.com");
        assert_eq!(parsed.into_inner(), "ada@example.com");
    }

    #[test]
    fn malformed_email_addresses_are_refused() {
        let too_long = format!("{}@example.com", "a".repeat(243));
        for bad in [
            "ada",
            "@x.com",
            "ada@x",
            "a b@x.com",
            "ada@.com",
            "ada@x.com.",
            "a\u{0}@example.com",
            &too_long,
        ] {
            let err = EmailAddress::parse(bad).expect_err(bad);
            assert_eq!(
                refusal(err),
                ("format", "email_address", "not an email address".to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    fn passkey_names_are_trimmed_and_counted_in_characters() {
        let parsed = PasskeyName::parse("  Work laptop ").expect("valid");
        assert_eq!(parsed.as_str(), "Work laptop");
        assert_eq!(parsed.into_inner(), "Work laptop");
        let longest = PasskeyName::parse(&"é".repeat(64)).expect("valid");
        assert_eq!(longest.as_str().chars().count(), 64);
    }

    #[test]
    fn empty_long_or_control_passkey_names_are_refused() {
        for bad in ["", "   ", "a\u{0}b", &"é".repeat(65)] {
            let err = PasskeyName::parse(bad).expect_err(bad);
            assert_eq!(
                refusal(err),
                ("value", "name", "use 1 to 64 characters".to_owned()),
                "{bad}"
            );
        }
    }

    #[test]
    fn person_names_are_optional_and_refuse_control_characters() {
        assert_eq!(
            person_name("first_name", Some(" Ada ")).expect("valid"),
            Some("Ada".to_owned())
        );
        assert_eq!(person_name("first_name", Some("  ")).expect("valid"), None);
        assert_eq!(person_name("first_name", None).expect("valid"), None);
        assert!(person_name("first_name", Some("a\u{0}b")).is_err());
        assert!(person_name("last_name", Some(&"a".repeat(257))).is_err());
    }

    #[test]
    fn identifiers_are_lower_cased_unless_they_hold_control_characters() {
        assert_eq!(identifier("Ada").as_deref(), Some("ada"));
        assert_eq!(identifier("a\u{0}"), None);
    }
}
