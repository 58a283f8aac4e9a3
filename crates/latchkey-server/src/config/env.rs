//! The environment layer: `LATCHKEY_<SECTION>__<KEY>` variables, with values that look
//! typed (arrays, tables, booleans, whole numbers) read as TOML and all others as strings.
//! A variable that names no key is ignored with a warning; `<NAME>_FILE` variants go to
//! [`SecretFiles`].

use figment::providers::Serialized;
use figment::value::{Dict, Map};
use figment::{Error, Metadata, Profile, Provider};

use super::Config;
use super::secrets::{SecretFile, SecretFiles};
use super::values::{env_value, set};

/// The prefix of every configuration variable.
const ENV_PREFIX: &str = "LATCHKEY_";

/// Every key of the configuration, by section, with its default value.
pub(super) struct Keys(toml::Table);

impl Keys {
    /// The keys of [`Config::with_every_key`].
    pub(super) fn all() -> Self {
        match toml::Value::try_from(Config::with_every_key()) {
            Ok(toml::Value::Table(table)) => Self(table),
            _ => Self(toml::Table::new()),
        }
    }

    /// The default value of `section.key`, if that key exists.
    pub(super) fn default_of(&self, section: &str, key: &str) -> Option<&toml::Value> {
        self.0.get(section)?.get(key)
    }
}

/// A `LATCHKEY_<SECTION>__<KEY>` variable, its section and key lower-cased.
struct Variable {
    section: String,
    key: String,
    raw: String,
}

/// The environment's configuration variables: plain values as one layer, `_FILE`
/// variants as another.
pub(super) fn layers(
    env: impl IntoIterator<Item = (String, String)>,
    keys: &Keys,
) -> (Environment, SecretFiles) {
    let mut values = Vec::new();
    let mut files = Vec::new();
    for (name, raw) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        // `LATCHKEY_CONFIG` names the file, read before the layers.
        if rest == "CONFIG" {
            continue;
        }
        let Some((section, key)) = rest.split_once("__") else {
            tracing::warn!(variable = %name, "unknown configuration variable ignored");
            continue;
        };
        let (section, key) = (section.to_lowercase(), key.to_lowercase());
        if let Some(base) = key.strip_suffix("_file")
            && let Some(default) = keys.default_of(&section, base)
        {
            let list = matches!(default, toml::Value::Array(_));
            files.push(SecretFile::new(&section, base, raw, list));
        } else if keys.default_of(&section, &key).is_some() {
            values.push(Variable { section, key, raw });
        } else {
            tracing::warn!(variable = %name, "unknown configuration variable ignored");
        }
    }
    (Environment(values), SecretFiles::new(files))
}

/// The plain `LATCHKEY_<SECTION>__<KEY>` variables.
pub(super) struct Environment(Vec<Variable>);

impl Provider for Environment {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut table = toml::Table::new();
        for variable in &self.0 {
            set(
                &mut table,
                &variable.section,
                &variable.key,
                env_value(&variable.raw),
            );
        }
        Serialized::defaults(table).data()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::env;
    use super::*;

    #[test]
    fn environment_overrides_with_typed_values() {
        let config = Config::load(
            None,
            env(&[
                ("LATCHKEY_SERVER__LISTEN", "0.0.0.0:9000"),
                (
                    "LATCHKEY_WEBAUTHN__ORIGINS",
                    r#"["http://localhost:9000","https://app.example.com"]"#,
                ),
                ("LATCHKEY_SESSIONS__REQUIRE_PASSKEY", "true"),
                ("LATCHKEY_WEBAUTHN__MAX_PASSKEYS_PER_USER", "3"),
                ("LATCHKEY_SERVER__NOT_A_KEY", "x"),
            ]),
            vec![],
        )
        .expect("valid");
        assert_eq!(config.server.listen, "0.0.0.0:9000");
        assert_eq!(config.webauthn.origins.as_ref().map(Vec::len), Some(2));
        assert!(config.sessions.require_passkey);
        assert_eq!(config.webauthn.max_passkeys_per_user, 3);
    }
}
