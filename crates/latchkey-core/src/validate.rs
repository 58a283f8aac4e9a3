//! Validation of user input: values that parse are valid by construction.

use crate::error::{Error, Result};

/// A username: 3–64 characters of letters, digits, `_`, `-` and `.`, stored lower-case.
pub fn username(raw: &str) -> Result<String> {
    let value = raw.trim().to_lowercase();
    let ok = (3..=64).contains(&value.chars().count())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(value)
    } else {
        Err(Error::FormParamValueInvalid {
            param: "username",
            reason: "use 3 to 64 letters, digits, '_', '-' or '.'".into(),
        })
    }
}

/// An email address in a plain `local@domain.tld` shape, stored lower-case.
pub fn email_address(raw: &str) -> Result<String> {
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
        Ok(value)
    } else {
        Err(Error::FormParamFormatInvalid {
            param: "email_address",
            reason: "not an email address".into(),
        })
    }
}

/// A first or last name: at most 256 characters after trimming, no control characters;
/// empty means none.
pub fn person_name(param: &'static str, raw: &str) -> Result<Option<String>> {
    let value = raw.trim();
    if value.chars().count() > 256 || value.chars().any(char::is_control) {
        return Err(Error::FormParamValueInvalid {
            param,
            reason: "at most 256 characters, none of them control characters".into(),
        });
    }
    Ok((!value.is_empty()).then(|| value.to_owned()))
}

/// A sign-in identifier as usernames and email addresses are stored (lower-case), or
/// `None` when it holds a control character, which neither can (PostgreSQL could not even
/// compare text holding NUL).
pub fn identifier(raw: &str) -> Option<String> {
    (!raw.chars().any(char::is_control)).then(|| raw.to_lowercase())
}

/// A passkey name: 1–64 Unicode characters after trimming, no control characters.
pub fn passkey_name(raw: &str) -> Result<String> {
    let value = raw.trim();
    let count = value.chars().count();
    if !(1..=64).contains(&count) || value.chars().any(char::is_control) {
        return Err(Error::FormParamValueInvalid {
            param: "name",
            reason: "use 1 to 64 characters".into(),
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert_eq!(username(" Ada.L ").ok().as_deref(), Some("ada.l"));
        assert!(username("ab").is_err());
        assert!(username("has space").is_err());
        assert!(username(&"a".repeat(65)).is_err());
    }

    #[test]
    fn emails() {
        assert_eq!(
            email_address("Ada@Example.com").ok().as_deref(),
            Some("ada@example.com")
        );
        for bad in ["ada", "@x.com", "ada@x", "a b@x.com", "ada@.com"] {
            assert!(email_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passkey_names() {
        assert_eq!(
            passkey_name("  Work laptop ").ok().as_deref(),
            Some("Work laptop")
        );
        assert_eq!(
            passkey_name(&"é".repeat(64))
                .ok()
                .map(|s| s.chars().count()),
            Some(64)
        );
        assert!(passkey_name(&"é".repeat(65)).is_err());
        assert!(passkey_name("   ").is_err());
        assert!(passkey_name("a\u{0}b").is_err());
    }

    #[test]
    fn control_characters_are_refused_everywhere() {
        assert!(email_address("a\u{0}@example.com").is_err());
        assert!(person_name("first_name", "a\u{0}b").is_err());
        assert_eq!(
            person_name("first_name", " Ada ").ok().flatten().as_deref(),
            Some("Ada")
        );
        assert_eq!(identifier("Ada").as_deref(), Some("ada"));
        assert_eq!(identifier("a\u{0}"), None);
    }
}
