//! Configuration: defaults, overridden by a TOML file, overridden by `LATCHKEY_<SECTION>__<KEY>`
//! environment variables, overridden by flags. Invalid values stop start-up with a message
//! naming the key.

use latchkey_core::Settings;
use latchkey_core::settings::UserVerification;
use latchkey_core::tokens::{KeyCipher, MIN_ENCRYPTION_KEY_LEN};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::Path;
use url::Url;

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
}

/// `[server]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address of the HTTP listener.
    pub listen: String,
    /// Address of a second listener that alone serves the Backend API (`/backend/v1`,
    /// plus the probes and metrics); unset, the Backend API is served on `listen`.
    pub backend_listen: Option<String>,
    /// The URL users reach the server at: `iss` of tokens and its own allowed origin.
    pub public_url: String,
    /// `text` or `json` logs.
    pub log_format: String,
    /// Seconds a request may take, body upload included, before it is answered 408.
    pub request_timeout_secs: u32,
    /// Seconds a client may take to send a request's headers (or leave a kept-alive
    /// connection idle) before the connection is closed.
    pub header_timeout_secs: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            backend_listen: None,
            public_url: "http://localhost:8080".into(),
            log_format: "text".into(),
            request_timeout_secs: 30,
            header_timeout_secs: 10,
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://FILE` or `postgres://user@host/db`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// PostgreSQL statement timeout in milliseconds.
    pub statement_timeout_ms: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://latchkey.db".into(),
            max_connections: 8,
            statement_timeout_ms: 5_000,
        }
    }
}

/// `[webauthn]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebauthnConfig {
    /// Defaults to the host of `server.public_url`.
    pub rp_id: Option<String>,
    pub rp_name: String,
    /// Exact origins; defaults to the origin of `server.public_url`.
    pub origins: Option<Vec<String>>,
    pub related_origins: Vec<String>,
    pub user_verification: String,
    pub challenge_ttl_secs: u32,
    pub max_passkeys_per_user: u32,
}

impl Default for WebauthnConfig {
    fn default() -> Self {
        Self {
            rp_id: None,
            rp_name: "Latchkey".into(),
            origins: None,
            related_origins: Vec::new(),
            user_verification: "required".into(),
            challenge_ttl_secs: 300,
            max_passkeys_per_user: 10,
        }
    }
}

/// `[auth]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    pub passkey: bool,
    pub sign_up_with_username: bool,
    pub sign_up_with_passkey: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            passkey: true,
            sign_up_with_username: true,
            sign_up_with_passkey: true,
        }
    }
}

/// `[sessions]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionsConfig {
    pub token_ttl_secs: u32,
    pub lifetime_secs: u32,
    pub inactivity_secs: u32,
    pub require_passkey: bool,
}

impl Default for SessionsConfig {
    fn default() -> Self {
        Self {
            token_ttl_secs: 60,
            lifetime_secs: 604_800,
            inactivity_secs: 86_400,
            require_passkey: false,
        }
    }
}

/// `[backend]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackendConfig {
    /// Secret keys of the Backend API; empty: one is generated, stored and printed once.
    pub secret_keys: Vec<String>,
}

/// `[rate_limit]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Ceremony starts (sign-in, sign-up, passkey registration) per client IP.
    pub per_ip_per_minute: u32,
    /// Ceremony starts per client (browser or app).
    pub per_client_per_minute: u32,
    /// Proxies whose `X-Forwarded-For` names the client IP.
    pub trusted_proxies: Vec<String>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_ip_per_minute: 600,
            per_client_per_minute: 120,
            trusted_proxies: Vec::new(),
        }
    }
}

/// `[apps]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AppsConfig {
    pub android: Vec<AndroidApp>,
    pub apple: Vec<String>,
}

/// `[keys]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// Secret that encrypts the private signing keys at rest (AES-256-GCM under a key
    /// derived with HKDF-SHA256); at least 32 characters, e.g. `openssl rand -base64 32`.
    /// Unset, private keys are stored unencrypted.
    pub encryption_key: Option<String>,
}

/// `[audit]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditConfig {
    /// Days audit events are kept before the periodic clean-up deletes them; 0 keeps
    /// them forever.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}

/// An Android app allowed to use this relying party's passkeys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidApp {
    pub package_name: String,
    pub sha256_cert_fingerprints: Vec<String>,
}

/// Invalid configuration, naming the key at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

fn invalid(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        key: key.to_owned(),
        message: message.to_string(),
    }
}

const ENV_PREFIX: &str = "LATCHKEY_";

impl Config {
    /// Reads the file (if any), then environment variables, then `overrides`
    /// (`section.key` → TOML value), and validates the result.
    pub fn load(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: Vec<(String, toml::Value)>,
    ) -> Result<Self, ConfigError> {
        let mut table = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| invalid("config", format!("{}: {e}", path.display())))?;
                toml::from_str::<toml::Table>(&text).map_err(|e| invalid("config", e.message()))?
            }
            None => toml::Table::new(),
        };
        for (name, raw) in env {
            let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            if rest == "CONFIG" {
                continue;
            }
            let Some((section, key)) = rest.split_once("__") else {
                tracing::warn!(variable = %name, "unknown configuration variable ignored");
                continue;
            };
            let (section, key) = (section.to_lowercase(), key.to_lowercase());
            // `<NAME>_FILE` reads the value of `<NAME>` from a file (secrets).
            let (key, value) = match key.strip_suffix("_file") {
                Some(base) if Self::default_of(&section, base).is_some() => {
                    let text = std::fs::read_to_string(&raw).map_err(|e| {
                        invalid(&format!("{section}.{base}"), format!("{raw}: {e}"))
                    })?;
                    let value = match Self::default_of(&section, base) {
                        Some(toml::Value::Array(_)) if !text.trim_start().starts_with('[') => {
                            toml::Value::Array(
                                text.lines()
                                    .map(str::trim)
                                    .filter(|l| !l.is_empty())
                                    .map(|l| toml::Value::String(l.to_owned()))
                                    .collect(),
                            )
                        }
                        _ => env_value(text.trim()),
                    };
                    (base.to_owned(), value)
                }
                _ => (key.clone(), env_value(&raw)),
            };
            if Self::default_of(&section, &key).is_some() {
                set(&mut table, &section, &key, value);
            } else {
                tracing::warn!(variable = %name, "unknown configuration variable ignored");
            }
        }
        for (path, value) in overrides {
            if let Some((section, key)) = path.split_once('.') {
                set(&mut table, section, key, value);
            }
        }
        let config: Config = serde_path_to_error::deserialize(toml::Value::Table(table))
            .map_err(|e| invalid(&e.path().to_string(), e.inner().message()))?;
        config.settings()?;
        config.listen_addr()?;
        config.backend_listen_addr()?;
        config.trusted_proxies()?;
        Ok(config)
    }

    /// The default value of `section.key`, if that key exists.
    fn default_of(section: &str, key: &str) -> Option<toml::Value> {
        let defaults = toml::Value::try_from(Config::with_every_key()).ok()?;
        defaults.get(section)?.get(key).cloned()
    }

    /// The default configuration with optional keys filled in, to list every key.
    fn with_every_key() -> Config {
        let mut config = Config::default();
        config.webauthn.rp_id = Some(String::new());
        config.webauthn.origins = Some(Vec::new());
        config.server.backend_listen = Some(String::new());
        config.keys.encryption_key = Some(String::new());
        config
    }

    /// The configuration as `check-config` shows it: secrets masked.
    pub fn masked(&self) -> Config {
        let mask = |_: &String| "********".to_owned();
        let mut shown = self.clone();
        shown.backend.secret_keys = self.backend.secret_keys.iter().map(mask).collect();
        shown.keys.encryption_key = self.keys.encryption_key.as_ref().map(mask);
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

    /// Days to keep audit events, or `None` to keep them forever.
    pub fn audit_retention_days(&self) -> Option<u32> {
        Some(self.audit.retention_days).filter(|days| *days > 0)
    }

    /// The domain settings, validating every value they draw on.
    pub fn settings(&self) -> Result<Settings, ConfigError> {
        let public_url =
            Url::parse(&self.server.public_url).map_err(|e| invalid("server.public_url", e))?;
        if !matches!(public_url.scheme(), "http" | "https") || public_url.host_str().is_none() {
            return Err(invalid("server.public_url", "must be an http or https URL"));
        }
        let rp_id = self
            .webauthn
            .rp_id
            .clone()
            .unwrap_or_else(|| public_url.host_str().unwrap_or_default().to_owned());
        if rp_id.is_empty() || rp_id.contains(['/', ':', ' ']) {
            return Err(invalid(
                "webauthn.rp_id",
                "must be a domain name such as example.com",
            ));
        }
        let origins = match &self.webauthn.origins {
            Some(list) if list.is_empty() => {
                return Err(invalid("webauthn.origins", "must list at least one origin"));
            }
            Some(list) => list
                .iter()
                .map(|o| parse_origin(o))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![
                Url::parse(&public_url.origin().ascii_serialization())
                    .map_err(|e| invalid("server.public_url", e))?,
            ],
        };
        let mut origins = origins;
        for app in &self.apps.android {
            for fingerprint in &app.sha256_cert_fingerprints {
                origins.push(android_origin(fingerprint)?);
            }
        }
        let related_origins = self
            .webauthn
            .related_origins
            .iter()
            .map(|o| parse_origin(o).map_err(|e| invalid("webauthn.related_origins", e.message)))
            .collect::<Result<Vec<_>, _>>()?;
        let user_verification = match self.webauthn.user_verification.as_str() {
            "required" => UserVerification::Required,
            "preferred" => UserVerification::Preferred,
            _ => {
                return Err(invalid(
                    "webauthn.user_verification",
                    "must be \"required\" or \"preferred\"",
                ));
            }
        };
        positive(
            "webauthn.challenge_ttl_secs",
            self.webauthn.challenge_ttl_secs,
        )?;
        positive(
            "webauthn.max_passkeys_per_user",
            self.webauthn.max_passkeys_per_user,
        )?;
        positive("sessions.token_ttl_secs", self.sessions.token_ttl_secs)?;
        positive("sessions.lifetime_secs", self.sessions.lifetime_secs)?;
        positive("sessions.inactivity_secs", self.sessions.inactivity_secs)?;
        positive("database.max_connections", self.database.max_connections)?;
        positive(
            "server.request_timeout_secs",
            self.server.request_timeout_secs,
        )?;
        positive(
            "server.header_timeout_secs",
            self.server.header_timeout_secs,
        )?;
        positive(
            "rate_limit.per_ip_per_minute",
            self.rate_limit.per_ip_per_minute,
        )?;
        positive(
            "rate_limit.per_client_per_minute",
            self.rate_limit.per_client_per_minute,
        )?;
        if latchkey_store::Backend::of_url(&self.database.url).is_none() {
            return Err(invalid(
                "database.url",
                "must start with sqlite:// or postgres://",
            ));
        }
        if !matches!(self.server.log_format.as_str(), "text" | "json") {
            return Err(invalid("server.log_format", "must be \"text\" or \"json\""));
        }
        for key in &self.backend.secret_keys {
            if key.len() < 16 {
                return Err(invalid(
                    "backend.secret_keys",
                    "each key must be at least 16 characters",
                ));
            }
        }
        let key_cipher = match &self.keys.encryption_key {
            Some(secret) => Some(KeyCipher::from_secret(secret).map_err(|_| {
                invalid(
                    "keys.encryption_key",
                    format!(
                        "must be at least {MIN_ENCRYPTION_KEY_LEN} characters; generate one \
                         with `openssl rand -base64 32`"
                    ),
                )
            })?),
            None => None,
        };
        Ok(Settings {
            key_cipher,
            application_name: self.webauthn.rp_name.clone(),
            rp_name: self.webauthn.rp_name.clone(),
            rp_id,
            origins,
            related_origins,
            user_verification,
            challenge_ttl_secs: i64::from(self.webauthn.challenge_ttl_secs),
            max_passkeys_per_user: self.webauthn.max_passkeys_per_user,
            passkey_enabled: self.auth.passkey,
            sign_up_with_username: self.auth.sign_up_with_username,
            sign_up_with_passkey: self.auth.sign_up_with_passkey,
            token_ttl_secs: i64::from(self.sessions.token_ttl_secs),
            session_lifetime_secs: i64::from(self.sessions.lifetime_secs),
            session_inactivity_secs: i64::from(self.sessions.inactivity_secs),
            require_passkey: self.sessions.require_passkey,
            public_url,
        })
    }

    /// The configured origins that are web origins (CORS and the CSRF check).
    pub fn web_origins(&self) -> Vec<String> {
        self.settings()
            .map(|s| {
                let mut origins: Vec<String> = s
                    .origins
                    .iter()
                    .filter(|o| matches!(o.scheme(), "http" | "https"))
                    .map(|o| o.origin().ascii_serialization())
                    .collect();
                origins.push(s.own_origin());
                origins.sort();
                origins.dedup();
                origins
            })
            .unwrap_or_default()
    }
}

fn positive(key: &str, value: u32) -> Result<(), ConfigError> {
    if value == 0 {
        Err(invalid(key, "must be greater than 0"))
    } else {
        Ok(())
    }
}

/// An exact origin: `http(s)://host[:port]` or `android:apk-key-hash:<base64url>`.
fn parse_origin(raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| invalid("webauthn.origins", format!("{raw}: {e}")))?;
    let web = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some()
        && matches!(url.path(), "" | "/");
    let android = url.scheme() == "android" && url.path().starts_with("apk-key-hash:");
    if web || android {
        Ok(url)
    } else {
        Err(invalid(
            "webauthn.origins",
            format!("{raw} is not an origin"),
        ))
    }
}

/// The WebAuthn origin of an Android app signed with the certificate whose SHA-256
/// fingerprint is `AA:BB:...` (32 bytes): `android:apk-key-hash:<base64url>`.
fn android_origin(fingerprint: &str) -> Result<Url, ConfigError> {
    let key = "apps.android.sha256_cert_fingerprints";
    let bytes = fingerprint
        .split(':')
        .map(|pair| u8::from_str_radix(pair, 16))
        .collect::<Result<Vec<u8>, _>>()
        .ok()
        .filter(|b| b.len() == 32)
        .ok_or_else(|| {
            invalid(
                key,
                format!(
                    "{fingerprint} is not a SHA-256 fingerprint (32 hex bytes separated by ':')"
                ),
            )
        })?;
    let hash = latchkey_core::encoding::b64url(&bytes);
    Url::parse(&format!("android:apk-key-hash:{hash}")).map_err(|e| invalid(key, e))
}

/// A variable's value as TOML (arrays, numbers, booleans), else as a string.
fn env_value(raw: &str) -> toml::Value {
    let looks_typed = raw.starts_with('[')
        || raw.starts_with('{')
        || raw == "true"
        || raw == "false"
        || (!raw.is_empty() && raw.chars().all(|c| c.is_ascii_digit()));
    if looks_typed
        && let Ok(table) = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        && let Some(value) = table.get("v")
    {
        return value.clone();
    }
    toml::Value::String(raw.to_owned())
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    let entry = table
        .entry(section.to_owned())
        .or_insert_with(|| toml::Value::Table(Default::default()));
    if let toml::Value::Table(section) = entry {
        section.insert(key.to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
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
        ];
        for (name, value, key) in cases {
            let err = Config::load(None, env(&[(name, value)]), vec![]).expect_err(name);
            assert_eq!(err.key, key, "{name}={value}: {err}");
        }
    }

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
        let origins = config.settings().expect("settings").origins;
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
        assert_eq!(config.keys.encryption_key.as_deref(), Some(secret));
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
        assert_eq!(config.audit_retention_days(), None);
        let defaults = Config::load(None, env(&[]), vec![]).expect("valid");
        assert_eq!(defaults.backend_listen_addr().expect("addr"), None);
        assert_eq!(defaults.audit.retention_days, 365);
        assert_eq!(defaults.audit_retention_days(), Some(365));
    }
}
