//! The `_FILE` layer: `LATCHKEY_<SECTION>__<KEY>_FILE=/run/secrets/...` reads the value of
//! `section.key` from a file, so secrets stay out of the environment. A list key takes one
//! item per non-empty line (or a TOML array); any other key takes the trimmed contents,
//! typed as an environment value would be.

use figment::providers::Serialized;
use figment::value::{Dict, Map};
use figment::{Error, Metadata, Profile, Provider};

use super::values::{env_value, set};

/// A `_FILE` variable: the key it sets and the file that holds the value.
pub(super) struct SecretFile {
    section: String,
    key: String,
    path: String,
    /// Whether the key is a list.
    list: bool,
}

impl SecretFile {
    pub(super) fn new(section: &str, key: &str, path: String, list: bool) -> Self {
        Self {
            section: section.to_owned(),
            key: key.to_owned(),
            path,
            list,
        }
    }

    /// The file's contents as the key's value.
    fn value(&self) -> std::io::Result<toml::Value> {
        let text = std::fs::read_to_string(&self.path)?;
        Ok(if self.list && !text.trim_start().starts_with('[') {
            toml::Value::Array(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| toml::Value::String(l.to_owned()))
                    .collect(),
            )
        } else {
            env_value(text.trim())
        })
    }
}

/// The values of every `_FILE` variable, read when the configuration is extracted.
pub(super) struct SecretFiles(Vec<SecretFile>);

impl SecretFiles {
    pub(super) fn new(files: Vec<SecretFile>) -> Self {
        Self(files)
    }
}

impl Provider for SecretFiles {
    fn metadata(&self) -> Metadata {
        Metadata::named("file named by a _FILE environment variable")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        let mut table = toml::Table::new();
        for file in &self.0 {
            // A file that cannot be read is a fault of the key it would set.
            let value = file.value().map_err(|e| {
                Error::from(format!("{}: {e}", file.path))
                    .with_path(&format!("{}.{}", file.section, file.key))
            })?;
            set(&mut table, &file.section, &file.key, value);
        }
        Serialized::defaults(table).data()
    }
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::super::tests::env;
    use secrecy::ExposeSecret;

    #[test]
    fn secrets_come_from_files_and_android_apps_add_origins() {
        let dir = std::env::temp_dir().join(format!("latchkey-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let keys = dir.join("keys");
        std::fs::write(
            &keys,
            "sk_first_0123456789abcdef\nsk_second_0123456789abcdef\n",
        )
        .expect("write");
        let file_var = keys.display().to_string();
        let config = Config::load(
            None,
            env(&[("LATCHKEY_BACKEND__SECRET_KEYS_FILE", &file_var)]),
            vec![],
        )
        .expect("valid");
        assert_eq!(config.backend.secret_keys.len(), 2);
        let fingerprint = vec!["AB"; 32].join(":");
        let apps = format!(
            r#"[{{ package_name = "com.example", sha256_cert_fingerprints = ["{fingerprint}"] }}]"#
        );
        let config =
            Config::load(None, env(&[("LATCHKEY_APPS__ANDROID", &apps)]), vec![]).expect("valid");
        let origins = config.settings().expect("settings").app_origins;
        assert!(
            origins
                .iter()
                .any(|o| o.as_str().starts_with("android:apk-key-hash:q6urq6")),
            "{origins:?}"
        );
        let bad = r#"[{ package_name = "x", sha256_cert_fingerprints = ["AB:CD"] }]"#;
        let err = Config::load(None, env(&[("LATCHKEY_APPS__ANDROID", bad)]), vec![])
            .expect_err("short fingerprint");
        assert_eq!(err.key, "apps.android.sha256_cert_fingerprints");
    }

    #[test]
    fn the_encryption_key_comes_from_a_file_and_is_masked() {
        let dir = std::env::temp_dir().join(format!("latchkey-kek-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("encryption_key");
        let secret = "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c";
        std::fs::write(&file, format!("{secret}\n")).expect("write");
        let config = Config::load(
            None,
            env(&[(
                "LATCHKEY_KEYS__ENCRYPTION_KEY_FILE",
                &file.display().to_string(),
            )]),
            vec![],
        )
        .expect("valid");
        assert_eq!(
            config
                .keys
                .encryption_key
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some(secret)
        );
        assert!(config.settings().expect("settings").key_cipher.is_some());
        let shown = toml::to_string(&config.masked()).expect("toml");
        assert!(!shown.contains(secret), "{shown}");
        assert!(shown.contains("encryption_key = \"********\""), "{shown}");
        std::fs::write(&file, "too short\n").expect("write");
        let err = Config::load(
            None,
            env(&[(
                "LATCHKEY_KEYS__ENCRYPTION_KEY_FILE",
                &file.display().to_string(),
            )]),
            vec![],
        )
        .expect_err("short key");
        assert_eq!(err.key, "keys.encryption_key");
        assert!(err.to_string().contains("32 characters"), "{err}");
        let unset = Config::load(None, env(&[]), vec![]).expect("valid");
        assert!(unset.settings().expect("settings").key_cipher.is_none());
    }
}
