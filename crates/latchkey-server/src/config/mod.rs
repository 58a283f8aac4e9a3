//! Configuration: defaults, overridden by a TOML file, overridden by `LATCHKEY_<SECTION>__<KEY>`
//! environment variables (and their `_FILE` variants), overridden by flags. Invalid values
//! stop start-up with a message naming the key.

mod email;
mod env;
mod error;
mod secrets;
mod sections;
mod settings;
mod values;

pub use email::{MailDelivery, SmtpRelay, SmtpTls};
pub use error::ConfigError;
pub use sections::*;

use error::invalid;

use figment::Figment;
use figment::providers::{Format, Serialized, Toml};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;

/// The whole configuration (API §9).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub webauthn: WebauthnConfig,
    pub auth: AuthConfig,
    pub sessions: SessionsConfig,
    pub backend: BackendConfig,
    pub rate_limit: RateLimitConfig,
    pub apps: AppsConfig,
    pub keys: KeysConfig,
    pub audit: AuditConfig,
    pub email: EmailConfig,
    pub live_settings: LiveSettingsConfig,
}

impl Config {
    /// Reads the file (if any), then environment variables, then `overrides`
    /// (`section.key` → TOML value), and validates the result.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: Vec<(String, toml::Value)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            // Read and parsed here so that a missing or malformed file is reported as a
            // fault of `config`, with TOML's own words.
            let text = std::fs::read_to_string(path)
                .map_err(|e| invalid("config", format!("{}: {e}", path.display())))?;
            toml::from_str::<toml::Table>(&text).map_err(|e| invalid("config", e.message()))?;
            figment = figment.merge(Toml::string(&text));
        }
        let (environment, secret_files) = env::layers(env, &env::Keys::all());
        figment = figment.merge(environment).merge(secret_files);
        for (path, value) in overrides {
            if path.contains('.') {
                // Flags are global: they win over every layer before them.
                figment = figment.merge(Serialized::global(&path, value));
            }
        }
        let config: Config = figment.extract()?;
        config.settings()?;
        config.listen_addr()?;
        config.backend_listen_addr()?;
        config.trusted_proxies()?;
        config.mail_delivery()?;
        Ok(config)
    }

    /// The default configuration with optional keys filled in, to list every key.
    fn with_every_key() -> Config {
        let mut config = Config::default();
        config.webauthn.rp_id = Some(String::new());
        config.webauthn.origins = Some(Vec::new());
        config.server.backend_listen = Some(String::new());
        config.keys.encryption_key = Some(SecretString::default());
        config.email.smtp_host = Some(String::new());
        config.email.smtp_username = Some(String::new());
        config.email.smtp_password = Some(SecretString::default());
        config.email.templates_dir = Some(String::new());
        config
    }

    /// The configuration as `check-config` shows it: secrets masked.
    pub fn masked(&self) -> Config {
        let mask = |_: &SecretString| SecretString::from(MASK);
        let mut shown = self.clone();
        shown.backend.secret_keys = self.backend.secret_keys.iter().map(mask).collect();
        shown.keys.encryption_key = self.keys.encryption_key.as_ref().map(mask);
        shown.email.smtp_password = self.email.smtp_password.as_ref().map(mask);
        shown
    }

    /// The proxies trusted to report the client IP.
    pub fn trusted_proxies(&self) -> Result<Vec<std::net::IpAddr>, ConfigError> {
        self.rate_limit
            .trusted_proxies
            .iter()
            .map(|p| {
                p.parse().map_err(|_| {
                    invalid(
                        "rate_limit.trusted_proxies",
                        format!("{p} is not an IP address"),
                    )
                })
            })
            .collect()
    }

    /// The listener address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server
            .listen
            .parse()
            .map_err(|e| invalid("server.listen", e))
    }

    /// The address of the separate Backend API listener, when one is configured.
    pub fn backend_listen_addr(&self) -> Result<Option<SocketAddr>, ConfigError> {
        let key = "server.backend_listen";
        let Some(raw) = &self.server.backend_listen else {
            return Ok(None);
        };
        let addr: SocketAddr = raw.parse().map_err(|e| invalid(key, e))?;
        if addr.port() != 0 && self.listen_addr().ok() == Some(addr) {
            return Err(invalid(key, "must differ from server.listen"));
        }
        Ok(Some(addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_are_the_zero_setup_server() {
        let config = Config::load(None, env(&[]), vec![]).expect("valid");
        let settings = config.settings().expect("valid");
        assert_eq!(config.server.listen, "127.0.0.1:8080");
        assert_eq!(settings.rp_id, "localhost");
        assert_eq!(settings.origins[0].as_str(), "http://localhost:8080/");
        assert_eq!(config.database.url, "sqlite://latchkey.db");
    }

    #[test]
    fn bad_values_name_their_key() {
        let cases = [
            (
                "LATCHKEY_SESSIONS__TOKEN_TTL_SECS",
                "soon",
                "sessions.token_ttl_secs",
            ),
            (
                "LATCHKEY_WEBAUTHN__USER_VERIFICATION",
                "sometimes",
                "webauthn.user_verification",
            ),
            (
                "LATCHKEY_WEBAUTHN__ATTESTATION",
                "enterprise",
                "webauthn.attestation",
            ),
            (
                "LATCHKEY_WEBAUTHN__ORIGINS",
                r#"["not an origin"]"#,
                "webauthn.origins",
            ),
            ("LATCHKEY_SERVER__LISTEN", "nowhere", "server.listen"),
            ("LATCHKEY_DATABASE__URL", "mysql://x", "database.url"),
            (
                "LATCHKEY_WEBAUTHN__CHALLENGE_TTL_SECS",
                "0",
                "webauthn.challenge_ttl_secs",
            ),
            (
                "LATCHKEY_KEYS__ENCRYPTION_KEY",
                "short",
                "keys.encryption_key",
            ),
            (
                "LATCHKEY_SERVER__BACKEND_LISTEN",
                "backend",
                "server.backend_listen",
            ),
            (
                "LATCHKEY_SERVER__BACKEND_LISTEN",
                "127.0.0.1:8080",
                "server.backend_listen",
            ),
            (
                "LATCHKEY_AUDIT__RETENTION_DAYS",
                "-1",
                "audit.retention_days",
            ),
            (
                "LATCHKEY_SERVER__HEADER_TIMEOUT_SECS",
                "0",
                "server.header_timeout_secs",
            ),
            ("LATCHKEY_AUTH__EMAIL_CODE", "sometimes", "auth.email_code"),
            ("LATCHKEY_KEYS__ALGORITHM", "HS256", "keys.algorithm"),
            ("LATCHKEY_KEYS__ALGORITHM", "rs256", "keys.algorithm"),
            (
                "LATCHKEY_AUTH__REVERIFICATION_ACTIONS",
                r#"["user.delete"]"#,
                "auth.reverification_actions",
            ),
            (
                "LATCHKEY_EMAIL__SENDS_PER_MINUTE",
                "0",
                "email.sends_per_minute",
            ),
        ];
        for (name, value, key) in cases {
            let err = Config::load(None, env(&[(name, value)]), vec![]).expect_err(name);
            assert_eq!(err.key, key, "{name}={value}: {err}");
        }
    }

    #[test]
    fn the_example_file_is_valid_and_lists_every_key() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../config/latchkey.example.toml");
        Config::load(Some(&path), env(&[]), vec![]).expect("example config is valid");
        let text = std::fs::read_to_string(&path).expect("example");
        let defaults = toml::Value::try_from(Config::with_every_key()).expect("defaults");
        for (section, keys) in defaults.as_table().expect("table") {
            for key in keys.as_table().expect("section").keys() {
                let variable = format!(
                    "LATCHKEY_{}__{}",
                    section.to_uppercase(),
                    key.to_uppercase()
                );
                assert!(text.contains(&variable), "{variable} documented");
            }
        }
    }

    #[test]
    fn file_then_env_then_flags() {
        let dir = std::env::temp_dir().join(format!("latchkey-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("latchkey.toml");
        std::fs::write(
            &file,
            "[server]\nlisten = \"127.0.0.1:7000\"\n[webauthn]\nrp_name = \"Acme\"\n",
        )
        .expect("write");
        let config = Config::load(
            Some(&file),
            env(&[("LATCHKEY_SERVER__LISTEN", "127.0.0.1:7001")]),
            vec![(
                "server.listen".into(),
                toml::Value::String("127.0.0.1:7002".into()),
            )],
        )
        .expect("valid");
        assert_eq!(config.server.listen, "127.0.0.1:7002");
        assert_eq!(config.webauthn.rp_name, "Acme");
        let err = Config::load(Some(&dir.join("missing.toml")), env(&[]), vec![])
            .expect_err("missing file");
        assert_eq!(err.key, "config");
        std::fs::write(&file, "[server]\nlistne = \"x\"\n").expect("write");
        let err = Config::load(Some(&file), env(&[]), vec![]).expect_err("typo");
        assert!(err.to_string().contains("listne"), "{err}");
    }

    #[test]
    fn the_signing_algorithm_is_es256_unless_set() {
        let defaults = Config::load(None, env(&[]), vec![]).expect("valid");
        assert_eq!(defaults.keys.algorithm, "ES256");
        assert_eq!(
            defaults.settings().expect("valid").signing_algorithm,
            latchkey_core::model::SigningAlgorithm::Es256
        );
        let rs256 = Config::load(None, env(&[("LATCHKEY_KEYS__ALGORITHM", "RS256")]), vec![])
            .expect("valid");
        assert_eq!(
            rs256.settings().expect("valid").signing_algorithm,
            latchkey_core::model::SigningAlgorithm::Rs256
        );
    }

    #[test]
    fn backend_listener_and_audit_retention() {
        let config = Config::load(
            None,
            env(&[
                ("LATCHKEY_SERVER__BACKEND_LISTEN", "127.0.0.1:8081"),
                ("LATCHKEY_AUDIT__RETENTION_DAYS", "0"),
            ]),
            vec![],
        )
        .expect("valid");
        assert_eq!(
            config.backend_listen_addr().expect("addr"),
            Some("127.0.0.1:8081".parse().expect("addr"))
        );
        assert_eq!(config.settings().expect("valid").audit_retention_days, 0);
        let defaults = Config::load(None, env(&[]), vec![]).expect("valid");
        assert_eq!(defaults.backend_listen_addr().expect("addr"), None);
        assert_eq!(
            defaults.settings().expect("valid").audit_retention_days,
            365
        );
    }
}
