//! The sections of the configuration file, each with its defaults (API §9).
//!
//! Secrets are [`SecretString`]s: their `Debug` is redacted and they serialize as
//! [`MASK`], so neither a log line nor `check-config` can print one by accident.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// What a secret is shown as.
pub const MASK: &str = "********";

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
    /// The attestation registration asks for: `none`, `indirect` or `direct`.
    pub attestation: String,
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
            attestation: "none".into(),
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
    /// Whether a sign-up's email address must be proved with an emailed code.
    pub sign_up_requires_verified_email: bool,
    /// What an emailed code may do: `sign_in`, `recovery` (sign in only to add a
    /// passkey) or `off`.
    pub email_code: String,
    /// Actions that need a factor proved recently: `passkey.delete`,
    /// `email_address.delete`, `sessions.revoke`.
    pub reverification_actions: Vec<String>,
    /// How recently, in seconds.
    pub reverification_max_age_secs: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            passkey: true,
            sign_up_with_username: true,
            sign_up_with_passkey: true,
            sign_up_requires_verified_email: false,
            email_code: "sign_in".into(),
            reverification_actions: Vec::new(),
            reverification_max_age_secs: 600,
        }
    }
}

/// `[email]`: how mail is sent, and how often codes may be.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// Codes mailed per minute to one address.
    pub sends_per_address_per_minute: u32,
    /// Codes mailed per minute at the request of one IP.
    pub sends_per_ip_per_minute: u32,
    /// Codes mailed per minute by the whole instance.
    pub sends_per_minute: u32,
    /// The SMTP relay's host; unset, mail is kept in the development outbox and logged.
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (upgrade a plain connection), `tls` (TLS from the start) or `none`.
    pub smtp_tls: String,
    /// The relay's user name, when it asks for one (with `smtp_password`).
    pub smtp_username: Option<String>,
    #[serde(serialize_with = "masked::optional")]
    pub smtp_password: Option<SecretString>,
    /// The sender, as `Name <address>` or a bare address.
    pub from: String,
    /// Seconds one delivery may take (connecting included).
    pub timeout_secs: u32,
    /// Attempts at a message before it is given up as failed.
    pub max_attempts: u32,
    /// A directory of templates that override or add to the built-in ones
    /// (`<template>.<language>.subject`, `.txt` and `.html`).
    pub templates_dir: Option<String>,
}

impl Default for EmailConfig {
    fn default() -> Self {
        Self {
            sends_per_address_per_minute: 3,
            sends_per_ip_per_minute: 10,
            sends_per_minute: 600,
            smtp_host: None,
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_username: None,
            smtp_password: None,
            from: "Latchkey <no-reply@localhost>".into(),
            timeout_secs: 10,
            max_attempts: 8,
            templates_dir: None,
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
    #[serde(serialize_with = "masked::list")]
    pub secret_keys: Vec<SecretString>,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeysConfig {
    /// The algorithm of session tokens: `ES256` (P-256) or `RS256` (RSA 2048). When the
    /// newest signing key has another, start-up adds a key of this one.
    pub algorithm: String,
    /// Secret that encrypts the private signing keys at rest (AES-256-GCM under a key
    /// derived with HKDF-SHA256); at least 32 characters, e.g. `openssl rand -base64 32`.
    /// Unset, private keys are stored unencrypted.
    #[serde(serialize_with = "masked::optional")]
    pub encryption_key: Option<SecretString>,
}

impl Default for KeysConfig {
    fn default() -> Self {
        Self {
            algorithm: "ES256".into(),
            encryption_key: None,
        }
    }
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

/// `[live_settings]`
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveSettingsConfig {
    /// Live settings (named by their keys, e.g. `auth.passkey`) that operators may not
    /// change from the dashboard or the Backend API: this configuration's value holds.
    pub pinned: Vec<String>,
}

/// An Android app allowed to use this relying party's passkeys.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AndroidApp {
    pub package_name: String,
    pub sha256_cert_fingerprints: Vec<String>,
}

/// Serializers that write every secret as [`MASK`].
mod masked {
    use super::MASK;
    use secrecy::SecretString;
    use serde::Serializer;

    pub fn list<S: Serializer>(secrets: &[SecretString], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(secrets.iter().map(|_| MASK))
    }

    pub fn optional<S: Serializer>(secret: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
        match secret {
            Some(_) => s.serialize_some(MASK),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    #[test]
    fn secrets_are_neither_debug_printed_nor_serialized() {
        let secret = "sk_live_0123456789abcdef";
        let backend = BackendConfig {
            secret_keys: vec![secret.into(), secret.into()],
        };
        let keys = KeysConfig {
            encryption_key: Some(secret.into()),
            ..KeysConfig::default()
        };
        for shown in [
            format!("{backend:?} {keys:?}"),
            toml::to_string(&backend).expect("toml"),
            toml::to_string(&keys).expect("toml"),
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            toml::to_string(&backend).expect("toml").trim(),
            r#"secret_keys = ["********", "********"]"#
        );
        assert_eq!(
            toml::to_string(&KeysConfig::default())
                .expect("toml")
                .trim(),
            r#"algorithm = "ES256""#
        );
        let read: KeysConfig =
            toml::from_str(&format!("encryption_key = \"{secret}\"")).expect("keys");
        assert_eq!(
            read.encryption_key
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some(secret)
        );
    }
}
