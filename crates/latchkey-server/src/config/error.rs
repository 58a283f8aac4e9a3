//! Faults of the configuration, each under the key it concerns (`section.key`, list items
//! as `[index]`), worded as serde words them.

use figment::error::{Actual, Kind};
use serde::de::{Error as _, Unexpected};

/// Invalid configuration, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

pub(super) fn invalid(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.to_string(),
    }
}

impl From<figment::Error> for ConfigError {
    /// The first fault, under its key; a fault of no key is one of the file as a whole.
    fn from(error: figment::Error) -> Self {
        let mut key = String::new();
        for part in &error.path {
            if !key.is_empty() && part.bytes().all(|b| b.is_ascii_digit()) {
                key.push_str(&format!("[{part}]"));
            } else {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(part);
            }
        }
        if key.is_empty() {
            key.push_str("config");
        }
        invalid(&key, message(&error.kind))
    }
}

/// The fault in serde's own words (`invalid type: string "soon", expected u32`).
fn message(kind: &Kind) -> String {
    type Plain = serde::de::value::Error;
    match kind {
        Kind::InvalidType(actual, expected) => {
            Plain::invalid_type(unexpected(actual), &expected.as_str()).to_string()
        }
        Kind::InvalidValue(actual, expected) => {
            Plain::invalid_value(unexpected(actual), &expected.as_str()).to_string()
        }
        Kind::InvalidLength(len, expected) => {
            Plain::invalid_length(*len, &expected.as_str()).to_string()
        }
        Kind::UnknownVariant(variant, expected) => {
            Plain::unknown_variant(variant, expected).to_string()
        }
        Kind::UnknownField(field, expected) => Plain::unknown_field(field, expected).to_string(),
        other => other.to_string(),
    }
}

fn unexpected(actual: &Actual) -> Unexpected<'_> {
    match actual {
        Actual::Bool(b) => Unexpected::Bool(*b),
        Actual::Unsigned(n) => match u64::try_from(*n) {
            Ok(n) => Unexpected::Unsigned(n),
            Err(_) => Unexpected::Other("integer"),
        },
        Actual::Signed(n) => match i64::try_from(*n) {
            Ok(n) => Unexpected::Signed(n),
            Err(_) => Unexpected::Other("integer"),
        },
        Actual::Float(f) => Unexpected::Float(*f),
        Actual::Char(c) => Unexpected::Char(*c),
        Actual::Str(s) => Unexpected::Str(s),
        Actual::Bytes(b) => Unexpected::Bytes(b),
        Actual::Unit => Unexpected::Unit,
        Actual::Option => Unexpected::Option,
        Actual::NewtypeStruct => Unexpected::NewtypeStruct,
        Actual::Seq => Unexpected::Seq,
        Actual::Map => Unexpected::Map,
        Actual::Enum => Unexpected::Enum,
        Actual::UnitVariant => Unexpected::UnitVariant,
        Actual::NewtypeVariant => Unexpected::NewtypeVariant,
        Actual::TupleVariant => Unexpected::TupleVariant,
        Actual::StructVariant => Unexpected::StructVariant,
        Actual::Other(other) => Unexpected::Other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::super::tests::env;

    #[test]
    fn faults_name_their_key_in_serde_words() {
        let cases = [
            (
                "LATCHKEY_SESSIONS__TOKEN_TTL_SECS",
                "soon",
                "sessions.token_ttl_secs: invalid type: string \"soon\", expected u32",
            ),
            (
                "LATCHKEY_WEBAUTHN__RP_NAME",
                "123",
                "webauthn.rp_name: invalid type: integer `123`, expected a string",
            ),
            (
                "LATCHKEY_APPS__ANDROID",
                r#"[{ package_name = "x", sha256_cert_fingerprints = [1] }]"#,
                "apps.android[0].sha256_cert_fingerprints[0]: invalid type: integer `1`, \
                 expected a string",
            ),
            (
                "LATCHKEY_APPS__ANDROID",
                r#"[{ package_name = "x" }]"#,
                "apps.android[0]: missing field `sha256_cert_fingerprints`",
            ),
        ];
        for (name, value, expected) in cases {
            let err = Config::load(None, env(&[(name, value)]), vec![]).expect_err(name);
            assert_eq!(
                err.to_string(),
                format!("invalid configuration: {expected}")
            );
        }
        let dir = std::env::temp_dir().join(format!("latchkey-faults-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("latchkey.toml");
        std::fs::write(&file, "[auth]\npaskey = true\n").expect("write");
        let err = Config::load(Some(&file), env(&[]), vec![]).expect_err("typo");
        assert_eq!(
            err.to_string(),
            "invalid configuration: auth.paskey: unknown field `paskey`, expected one of \
             `passkey`, `sign_up_with_username`, `sign_up_with_passkey`, \
             `sign_up_requires_verified_email`, `email_code`, `reverification_actions`, \
             `reverification_max_age_secs`"
        );
    }
}
