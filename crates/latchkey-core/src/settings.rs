//! The part of the configuration the domain needs.

pub use url::Url;

use crate::model::SigningAlgorithm;
use crate::tokens::KeyCipher;

/// Whether assertions must carry the user-verified flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

/// What an emailed one-time code may do at sign-in (`auth.email_code`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailCodeUse {
    /// Sign in like a passkey does.
    SignIn,
    /// Sign in only to a pending session whose one task is to add a passkey.
    Recovery,
    /// Email codes do not sign in.
    Off,
}

/// An action that needs a recently proved factor when listed in
/// `auth.reverification_actions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardedAction {
    DeletePasskey,
    DeleteEmailAddress,
    RevokeSessions,
}

impl GuardedAction {
    /// The configuration's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DeletePasskey => "passkey.delete",
            Self::DeleteEmailAddress => "email_address.delete",
            Self::RevokeSessions => "sessions.revoke",
        }
    }

    /// Every action, to parse a name.
    pub const ALL: [GuardedAction; 3] = [
        Self::DeletePasskey,
        Self::DeleteEmailAddress,
        Self::RevokeSessions,
    ];
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
    pub email_code: EmailCodeUse,
    /// Whether a sign-up's email address must be proved with a code before it completes.
    pub sign_up_requires_verified_email: bool,
    /// Actions that need a factor proved within `reverification_max_age_secs`.
    pub reverification_actions: Vec<GuardedAction>,
    pub reverification_max_age_secs: i64,
    /// Codes mailed per minute to one address, from one IP, and by the whole instance.
    pub email_sends_per_address_per_minute: u32,
    pub email_sends_per_ip_per_minute: u32,
    pub email_sends_per_minute: u32,
    /// Seals signing keys at rest (`keys.encryption_key`); `None` stores them plain.
    pub key_cipher: Option<KeyCipher>,
    /// The algorithm new signing keys use (`keys.algorithm`); at start-up a key of it is
    /// added when the newest key has another.
    pub signing_algorithm: SigningAlgorithm,
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
            email_code: EmailCodeUse::SignIn,
            sign_up_requires_verified_email: false,
            reverification_actions: Vec::new(),
            reverification_max_age_secs: 600,
            email_sends_per_address_per_minute: 3,
            email_sends_per_ip_per_minute: 10,
            email_sends_per_minute: 600,
            key_cipher: None,
            signing_algorithm: SigningAlgorithm::Es256,
        }
    }

    /// The origin of `public_url`, as browsers send it in `Origin` (no trailing slash).
    pub fn own_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }
}
