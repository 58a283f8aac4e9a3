//! The configuration turned into the domain's [`Settings`]: public URL, relying party,
//! origins (Android apps included), limits and the key cipher, each checked and any
//! fault reported under its key.

use latchkey_core::Settings;
use latchkey_core::model::SigningAlgorithm;
use latchkey_core::settings::{
    Attestation, EmailCodeUse, GuardedAction, LiveSetting, UserVerification,
};
use latchkey_core::tokens::{KeyCipher, MIN_ENCRYPTION_KEY_LEN};
use secrecy::ExposeSecret;
use url::Url;

use super::{Config, ConfigError, invalid};

impl Config {
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
        let app_origins = self
            .apps
            .android
            .iter()
            .flat_map(|app| &app.sha256_cert_fingerprints)
            .map(|fingerprint| android_origin(fingerprint))
            .collect::<Result<Vec<_>, _>>()?;
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
        let attestation = Attestation::parse(&self.webauthn.attestation).ok_or_else(|| {
            invalid(
                "webauthn.attestation",
                "must be \"none\", \"indirect\" or \"direct\"",
            )
        })?;
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
            if key.expose_secret().len() < 16 {
                return Err(invalid(
                    "backend.secret_keys",
                    "each key must be at least 16 characters",
                ));
            }
        }
        let key_cipher = match &self.keys.encryption_key {
            Some(secret) => Some(KeyCipher::from_secret(secret.expose_secret()).map_err(|_| {
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
        let signing_algorithm = SigningAlgorithm::parse(&self.keys.algorithm)
            .ok_or_else(|| invalid("keys.algorithm", "must be \"ES256\" or \"RS256\""))?;
        let email_code = match self.auth.email_code.as_str() {
            "sign_in" => EmailCodeUse::SignIn,
            "recovery" => EmailCodeUse::Recovery,
            "off" => EmailCodeUse::Off,
            _ => {
                return Err(invalid(
                    "auth.email_code",
                    "must be \"sign_in\", \"recovery\" or \"off\"",
                ));
            }
        };
        let reverification_actions = self
            .auth
            .reverification_actions
            .iter()
            .map(|name| {
                GuardedAction::ALL
                    .into_iter()
                    .find(|a| a.as_str() == name)
                    .ok_or_else(|| {
                        invalid(
                            "auth.reverification_actions",
                            format!(
                                "{name} is not one of passkey.delete, email_address.delete, \
                                 sessions.revoke"
                            ),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (key, value) in [
            (
                "email.sends_per_address_per_minute",
                self.email.sends_per_address_per_minute,
            ),
            (
                "email.sends_per_ip_per_minute",
                self.email.sends_per_ip_per_minute,
            ),
            ("email.sends_per_minute", self.email.sends_per_minute),
            (
                "auth.reverification_max_age_secs",
                self.auth.reverification_max_age_secs,
            ),
        ] {
            positive(key, value)?;
        }
        let pinned = self
            .live_settings
            .pinned
            .iter()
            .map(|name| {
                LiveSetting::named(name).ok_or_else(|| {
                    invalid(
                        "live_settings.pinned",
                        format!("{name} is not a live setting"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            pinned,
            key_cipher,
            signing_algorithm,
            application_name: self.webauthn.rp_name.clone(),
            rp_name: self.webauthn.rp_name.clone(),
            rp_id,
            origins,
            app_origins,
            related_origins,
            user_verification,
            attestation,
            challenge_ttl_secs: i64::from(self.webauthn.challenge_ttl_secs),
            max_passkeys_per_user: self.webauthn.max_passkeys_per_user,
            passkey_enabled: self.auth.passkey,
            sign_up_with_username: self.auth.sign_up_with_username,
            sign_up_with_passkey: self.auth.sign_up_with_passkey,
            token_ttl_secs: i64::from(self.sessions.token_ttl_secs),
            session_lifetime_secs: i64::from(self.sessions.lifetime_secs),
            session_inactivity_secs: i64::from(self.sessions.inactivity_secs),
            require_passkey: self.sessions.require_passkey,
            email_code,
            sign_up_requires_verified_email: self.auth.sign_up_requires_verified_email,
            reverification_actions,
            reverification_max_age_secs: i64::from(self.auth.reverification_max_age_secs),
            ceremonies_per_ip_per_minute: self.rate_limit.per_ip_per_minute,
            ceremonies_per_client_per_minute: self.rate_limit.per_client_per_minute,
            email_sends_per_address_per_minute: self.email.sends_per_address_per_minute,
            email_sends_per_ip_per_minute: self.email.sends_per_ip_per_minute,
            email_sends_per_minute: self.email.sends_per_minute,
            audit_retention_days: self.audit.retention_days,
            public_url,
        })
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
    latchkey_core::origin::parse(raw)
        .ok_or_else(|| invalid("webauthn.origins", format!("{raw} is not an origin")))
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
