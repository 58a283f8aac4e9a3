//! The part of the configuration the domain needs.

pub use url::Url;

use crate::model::SigningAlgorithm;
use crate::origin;
use crate::tokens::KeyCipher;

/// Whether assertions must carry the user-verified flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    Required,
    Preferred,
}

/// The attestation registration asks authenticators for (WebAuthn §5.4.7,
/// `AttestationConveyancePreference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attestation {
    None,
    Indirect,
    Direct,
}

impl Attestation {
    /// Its WebAuthn name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Indirect => "indirect",
            Self::Direct => "direct",
        }
    }

    /// The preference named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::None, Self::Indirect, Self::Direct]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
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
    /// Exact origins accepted in client data (web and `android:apk-key-hash:` origins);
    /// the web ones are also allowed for CORS and cookie-authenticated changes.
    pub origins: Vec<Url>,
    /// The origins of the Android apps of `[apps]`, accepted in client data too.
    pub app_origins: Vec<Url>,
    /// Further origins allowed to use the RP ID (WebAuthn related origin requests),
    /// accepted in client data exactly like `origins`.
    pub related_origins: Vec<Url>,
    pub user_verification: UserVerification,
    pub attestation: Attestation,
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
    /// Ceremony starts (sign-in, sign-up, passkey registration) per minute from one IP
    /// and by one client.
    pub ceremonies_per_ip_per_minute: u32,
    pub ceremonies_per_client_per_minute: u32,
    /// Codes mailed per minute to one address, from one IP, and by the whole instance.
    pub email_sends_per_address_per_minute: u32,
    pub email_sends_per_ip_per_minute: u32,
    pub email_sends_per_minute: u32,
    /// Days audit events are kept; 0 keeps them forever.
    pub audit_retention_days: u32,
    /// Seals signing keys at rest (`keys.encryption_key`); `None` stores them plain.
    pub key_cipher: Option<KeyCipher>,
    /// The algorithm new signing keys use (`keys.algorithm`); at start-up a key of it is
    /// added when the newest key has another.
    pub signing_algorithm: SigningAlgorithm,
    /// Live settings operators may not change: the configuration's value holds.
    pub pinned: Vec<LiveSetting>,
}

impl Settings {
    /// Settings for a server at `public_url` with every other value at its default.
    pub fn for_url(public_url: Url) -> Self {
        let rp_id = public_url.host_str().unwrap_or("localhost").to_owned();
        Settings {
            origins: vec![public_url.clone()],
            app_origins: Vec::new(),
            related_origins: Vec::new(),
            public_url,
            application_name: "Latchkey".into(),
            rp_id,
            rp_name: "Latchkey".into(),
            user_verification: UserVerification::Required,
            attestation: Attestation::None,
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
            ceremonies_per_ip_per_minute: 600,
            ceremonies_per_client_per_minute: 120,
            email_sends_per_address_per_minute: 3,
            email_sends_per_ip_per_minute: 10,
            email_sends_per_minute: 600,
            audit_retention_days: 365,
            key_cipher: None,
            signing_algorithm: SigningAlgorithm::Es256,
            pinned: Vec::new(),
        }
    }

    /// The origin of `public_url`, as browsers send it in `Origin` (no trailing slash).
    pub fn own_origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// The origins a browser's `Origin` may name to make credentialed calls (CORS) and
    /// cookie-authenticated changes: the server's own, and the web origins of `origins`.
    pub fn web_origins(&self) -> origin::Origins {
        let web = self.origins.iter().filter(|o| origin::is_web(o));
        origin::Origins::new(std::iter::once(&self.public_url).chain(web))
    }
}

/// A setting operators may change while the instance runs, from the dashboard or the
/// Backend API, named as its configuration key. The configuration gives its first value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveSetting {
    Passkey,
    SignUpWithUsername,
    SignUpWithPasskey,
    MaxPasskeysPerUser,
    UserVerification,
    Attestation,
    SessionLifetimeSecs,
    SessionInactivitySecs,
    TokenTtlSecs,
    CeremoniesPerIpPerMinute,
    CeremoniesPerClientPerMinute,
    EmailSendsPerAddressPerMinute,
    EmailSendsPerIpPerMinute,
    EmailSendsPerMinute,
    AuditRetentionDays,
    Origins,
    RelatedOrigins,
}

/// The longest session lifetime or inactivity timeout a setting takes: a year.
const MAX_SESSION_SECS: i64 = 365 * 24 * 60 * 60;
/// The highest rate limit a setting takes, per minute.
const MAX_PER_MINUTE: i64 = 1_000_000;
/// The longest audit retention a setting takes, in days: a hundred years.
const MAX_RETENTION_DAYS: i64 = 36_500;

impl LiveSetting {
    /// Every live setting, in the order they are shown.
    pub const ALL: [LiveSetting; 17] = [
        Self::Passkey,
        Self::SignUpWithUsername,
        Self::SignUpWithPasskey,
        Self::MaxPasskeysPerUser,
        Self::UserVerification,
        Self::Attestation,
        Self::SessionLifetimeSecs,
        Self::SessionInactivitySecs,
        Self::TokenTtlSecs,
        Self::CeremoniesPerIpPerMinute,
        Self::CeremoniesPerClientPerMinute,
        Self::EmailSendsPerAddressPerMinute,
        Self::EmailSendsPerIpPerMinute,
        Self::EmailSendsPerMinute,
        Self::AuditRetentionDays,
        Self::Origins,
        Self::RelatedOrigins,
    ];

    /// Its name: the configuration key.
    pub fn name(self) -> &'static str {
        match self {
            Self::Passkey => "auth.passkey",
            Self::SignUpWithUsername => "auth.sign_up_with_username",
            Self::SignUpWithPasskey => "auth.sign_up_with_passkey",
            Self::MaxPasskeysPerUser => "webauthn.max_passkeys_per_user",
            Self::UserVerification => "webauthn.user_verification",
            Self::Attestation => "webauthn.attestation",
            Self::SessionLifetimeSecs => "sessions.lifetime_secs",
            Self::SessionInactivitySecs => "sessions.inactivity_secs",
            Self::TokenTtlSecs => "sessions.token_ttl_secs",
            Self::CeremoniesPerIpPerMinute => "rate_limit.per_ip_per_minute",
            Self::CeremoniesPerClientPerMinute => "rate_limit.per_client_per_minute",
            Self::EmailSendsPerAddressPerMinute => "email.sends_per_address_per_minute",
            Self::EmailSendsPerIpPerMinute => "email.sends_per_ip_per_minute",
            Self::EmailSendsPerMinute => "email.sends_per_minute",
            Self::AuditRetentionDays => "audit.retention_days",
            Self::Origins => "webauthn.origins",
            Self::RelatedOrigins => "webauthn.related_origins",
        }
    }

    /// The live setting named `name`.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Its value in `settings`, as text (how it is stored and sent).
    pub fn get(self, settings: &Settings) -> String {
        match self {
            Self::Passkey => settings.passkey_enabled.to_string(),
            Self::SignUpWithUsername => settings.sign_up_with_username.to_string(),
            Self::SignUpWithPasskey => settings.sign_up_with_passkey.to_string(),
            Self::MaxPasskeysPerUser => settings.max_passkeys_per_user.to_string(),
            Self::UserVerification => match settings.user_verification {
                UserVerification::Required => "required".into(),
                UserVerification::Preferred => "preferred".into(),
            },
            Self::Attestation => settings.attestation.as_str().into(),
            Self::SessionLifetimeSecs => settings.session_lifetime_secs.to_string(),
            Self::SessionInactivitySecs => settings.session_inactivity_secs.to_string(),
            Self::TokenTtlSecs => settings.token_ttl_secs.to_string(),
            Self::CeremoniesPerIpPerMinute => settings.ceremonies_per_ip_per_minute.to_string(),
            Self::CeremoniesPerClientPerMinute => {
                settings.ceremonies_per_client_per_minute.to_string()
            }
            Self::EmailSendsPerAddressPerMinute => {
                settings.email_sends_per_address_per_minute.to_string()
            }
            Self::EmailSendsPerIpPerMinute => settings.email_sends_per_ip_per_minute.to_string(),
            Self::EmailSendsPerMinute => settings.email_sends_per_minute.to_string(),
            Self::AuditRetentionDays => settings.audit_retention_days.to_string(),
            Self::Origins => origin_list(&settings.origins),
            Self::RelatedOrigins => origin_list(&settings.related_origins),
        }
    }

    /// Sets it in `settings` from its text; what is wrong with the text otherwise.
    pub fn set(self, settings: &mut Settings, text: &str) -> Result<(), &'static str> {
        let flag = || match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("true or false"),
        };
        let number = |min: i64, max: i64, wanted: &'static str| {
            text.parse::<i64>()
                .ok()
                .filter(|n| (min..=max).contains(n))
                .ok_or(wanted)
        };
        let per_minute = || {
            let n = number(1, MAX_PER_MINUTE, "a whole number from 1 to 1000000")?;
            u32::try_from(n).map_err(|_| "too large")
        };
        match self {
            Self::Passkey => settings.passkey_enabled = flag()?,
            Self::SignUpWithUsername => settings.sign_up_with_username = flag()?,
            Self::SignUpWithPasskey => settings.sign_up_with_passkey = flag()?,
            Self::MaxPasskeysPerUser => {
                let max = number(1, 100, "a whole number from 1 to 100")?;
                settings.max_passkeys_per_user = u32::try_from(max).map_err(|_| "too large")?;
            }
            Self::UserVerification => {
                settings.user_verification = match text {
                    "required" => UserVerification::Required,
                    "preferred" => UserVerification::Preferred,
                    _ => return Err("required or preferred"),
                }
            }
            Self::Attestation => {
                settings.attestation =
                    Attestation::parse(text).ok_or("none, indirect or direct")?;
            }
            Self::SessionLifetimeSecs => {
                settings.session_lifetime_secs =
                    number(60, MAX_SESSION_SECS, "from 60 seconds to a year")?;
            }
            Self::SessionInactivitySecs => {
                settings.session_inactivity_secs =
                    number(60, MAX_SESSION_SECS, "from 60 seconds to a year")?;
            }
            Self::TokenTtlSecs => {
                settings.token_ttl_secs = number(10, 3600, "from 10 to 3600 seconds")?;
            }
            Self::CeremoniesPerIpPerMinute => settings.ceremonies_per_ip_per_minute = per_minute()?,
            Self::CeremoniesPerClientPerMinute => {
                settings.ceremonies_per_client_per_minute = per_minute()?;
            }
            Self::EmailSendsPerAddressPerMinute => {
                settings.email_sends_per_address_per_minute = per_minute()?;
            }
            Self::EmailSendsPerIpPerMinute => {
                settings.email_sends_per_ip_per_minute = per_minute()?
            }
            Self::EmailSendsPerMinute => settings.email_sends_per_minute = per_minute()?,
            Self::AuditRetentionDays => {
                let days = number(0, MAX_RETENTION_DAYS, "0 (forever) or up to 36500 days")?;
                settings.audit_retention_days = u32::try_from(days).map_err(|_| "too large")?;
            }
            Self::Origins => {
                settings.origins = parse_origin_list(text)?;
                if settings.origins.is_empty() {
                    return Err("at least one origin");
                }
            }
            Self::RelatedOrigins => settings.related_origins = parse_origin_list(text)?,
        }
        Ok(())
    }
}

/// Origins as a setting's text: a JSON array of their exact forms.
fn origin_list(origins: &[Url]) -> String {
    let exact: Vec<String> = origins.iter().map(origin::serialise).collect();
    serde_json::Value::from(exact).to_string()
}

/// Origins from a JSON array of strings, or from text that separates them with commas or
/// white space.
fn parse_origin_list(text: &str) -> Result<Vec<Url>, &'static str> {
    const WANTED: &str = "a list of origins such as https://app.example.com or \
                          android:apk-key-hash:<base64url>";
    let listed: Vec<String> = if text.starts_with('[') {
        serde_json::from_str(text).map_err(|_| WANTED)?
    } else {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect()
    };
    listed
        .iter()
        .map(|o| origin::parse(o.trim()).ok_or(WANTED))
        .collect()
}

impl Settings {
    /// These settings with the stored values of live settings applied: names unknown,
    /// settings pinned and values no longer valid keep the configuration's value.
    pub fn with_stored(&self, stored: &[(String, String)]) -> Settings {
        let mut settings = self.clone();
        for (name, text) in stored {
            if let Some(setting) = LiveSetting::named(name).filter(|s| !self.pinned.contains(s)) {
                // A value refused here was valid when stored; the configuration's holds.
                let _ = setting.set(&mut settings, text);
            }
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_settings_read_back_what_they_set_and_refuse_bad_text() {
        let base = Settings::for_url(Url::parse("http://localhost:8080").expect("url"));
        for (setting, value) in [
            (LiveSetting::Passkey, "false"),
            (LiveSetting::MaxPasskeysPerUser, "3"),
            (LiveSetting::UserVerification, "preferred"),
            (LiveSetting::Attestation, "direct"),
            (LiveSetting::Attestation, "indirect"),
            (LiveSetting::SessionLifetimeSecs, "3600"),
            (LiveSetting::TokenTtlSecs, "30"),
            (LiveSetting::CeremoniesPerIpPerMinute, "1"),
            (LiveSetting::CeremoniesPerClientPerMinute, "1000000"),
            (LiveSetting::EmailSendsPerAddressPerMinute, "5"),
            (LiveSetting::EmailSendsPerIpPerMinute, "20"),
            (LiveSetting::EmailSendsPerMinute, "1200"),
            (LiveSetting::AuditRetentionDays, "0"),
            (LiveSetting::AuditRetentionDays, "36500"),
            (
                LiveSetting::Origins,
                r#"["https://app.example.com","android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s"]"#,
            ),
            (LiveSetting::RelatedOrigins, r#"["https://shop.example"]"#),
            (LiveSetting::RelatedOrigins, "[]"),
        ] {
            let mut settings = base.clone();
            setting.set(&mut settings, value).expect("valid");
            assert_eq!(setting.get(&settings), value, "{}", setting.name());
            assert_eq!(LiveSetting::named(setting.name()), Some(setting));
        }
        for (setting, value) in [
            (LiveSetting::Passkey, "yes"),
            (LiveSetting::MaxPasskeysPerUser, "0"),
            (LiveSetting::MaxPasskeysPerUser, "1e3"),
            (LiveSetting::UserVerification, "discouraged"),
            (LiveSetting::Attestation, "enterprise"),
            (LiveSetting::Attestation, "Direct"),
            (LiveSetting::SessionInactivitySecs, "59"),
            (LiveSetting::TokenTtlSecs, "-1"),
            (LiveSetting::CeremoniesPerIpPerMinute, "0"),
            (LiveSetting::CeremoniesPerClientPerMinute, "1000001"),
            (LiveSetting::EmailSendsPerAddressPerMinute, "2.5"),
            (LiveSetting::EmailSendsPerMinute, ""),
            (LiveSetting::AuditRetentionDays, "-1"),
            (LiveSetting::AuditRetentionDays, "36501"),
            (LiveSetting::Origins, "[]"),
            (LiveSetting::Origins, ""),
            (LiveSetting::Origins, "https://app.example.com/login"),
            (LiveSetting::Origins, r#"["https://app.example.com""#),
            (LiveSetting::RelatedOrigins, "ftp://shop.example"),
            (LiveSetting::RelatedOrigins, "[1]"),
        ] {
            let mut settings = base.clone();
            assert!(setting.set(&mut settings, value).is_err(), "{value}");
        }
        let pinned = Settings {
            pinned: vec![LiveSetting::Passkey],
            ..base
        };
        let stored = [
            ("auth.passkey".to_owned(), "false".to_owned()),
            ("webauthn.max_passkeys_per_user".to_owned(), "2".to_owned()),
            ("sessions.token_ttl_secs".to_owned(), "0".to_owned()),
            ("gone.setting".to_owned(), "1".to_owned()),
        ];
        let applied = pinned.with_stored(&stored);
        assert!(applied.passkey_enabled, "pinned: the configuration holds");
        assert_eq!(applied.max_passkeys_per_user, 2);
        assert_eq!(
            applied.token_ttl_secs, 60,
            "invalid: the configuration holds"
        );
    }

    #[test]
    fn origins_are_listed_as_text_and_checked_exactly() {
        let mut settings = Settings::for_url(Url::parse("http://localhost:8080").expect("url"));
        assert_eq!(
            LiveSetting::Origins.get(&settings),
            r#"["http://localhost:8080"]"#
        );
        LiveSetting::Origins
            .set(
                &mut settings,
                "https://app.example.com/, android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s\nhttp://localhost:3000",
            )
            .expect("valid");
        assert_eq!(
            LiveSetting::Origins.get(&settings),
            r#"["https://app.example.com","android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s","http://localhost:3000"]"#
        );
        // The server's own origin is always allowed; app origins never are.
        let web_origins = settings.web_origins();
        for allowed in [
            "http://localhost:8080",
            "https://app.example.com",
            "http://localhost:3000",
        ] {
            assert!(web_origins.allows(allowed), "{allowed}");
        }
        for refused in [
            "https://app.example.com/",
            "android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s",
            "https://shop.example",
        ] {
            assert!(!web_origins.allows(refused), "{refused}");
        }
    }
}
