//! The part of the configuration the domain needs.

pub use url::Url;

use crate::tokens::KeyCipher;

/// Whether assertions must carry the user-verified flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

/// Domain settings, built by the server from its configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `iss` of session tokens and the server's own origin.
    pub public_url: Url,
    pub application_name: String,
    pub rp_id: String,
    pub rp_name: String,
    /// Exact origins accepted in client data (web and `android:apk-key-hash:` origins).
    pub origins: Vec<Url>,
    /// Further origins allowed to use the RP ID (WebAuthn related origin requests),
    /// accepted in client data exactly like `origins`.
    pub related_origins: Vec<Url>,
    pub user_verification: UserVerification,
    pub challenge_ttl_secs: i64,
    pub max_passkeys_per_user: u32,
    pub passkey_enabled: bool,
    pub sign_up_with_username: bool,
    pub sign_up_with_passkey: bool,
    pub token_ttl_secs: i64,
    pub session_lifetime_secs: i64,
    pub session_inactivity_secs: i64,
    pub require_passkey: bool,
    /// Seals signing keys at rest (`keys.encryption_key`); `None` stores them plain.
    pub key_cipher: Option<KeyCipher>,
}

impl Settings {
    /// Settings for a server at `public_url` with every other value at its default.
    pub fn for_url(public_url: Url) -> Self {
        let rp_id = public_url.host_str().unwrap_or("localhost").to_owned();
        Settings {
            origins: vec![public_url.clone()],
            related_origins: Vec::new(),
            public_url,
            application_name: "Latchkey".into(),
            rp_id,
            rp_name: "Latchkey".into(),
            user_verification: UserVerification::Required,
            challenge_ttl_secs: 300,
            max_passkeys_per_user: 10,
            passkey_enabled: true,
            sign_up_with_username: true,
            sign_up_with_passkey: true,
            token_ttl_secs: 60,
            session_lifetime_secs: 604_800,
            session_inactivity_secs: 86_400,
            require_passkey: false,
            key_cipher: None,
        }
    }

    /// The origin of `public_url`, as browsers send it in `Origin` (no trailing slash).
    pub fn own_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}
