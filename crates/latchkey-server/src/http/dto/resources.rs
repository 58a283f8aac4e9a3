//! The resources of the Frontend API (API §2), built from core's views.

use latchkey_core::aaguid;
use latchkey_core::auth::{
    ClientView, PasskeyView, SessionVerificationView, SessionView, SignInView, SignUpView, UserView,
};
use latchkey_core::model::{self, SessionStatus, SignUpStatus, VerificationStatus};
use latchkey_core::user_agent::Device;
use serde::Serialize;
use utoipa::ToSchema;

use super::kinds::{
    self, ClientObject, Deleted, DeletedKind, EmailAddressObject, FirstFactorLevel, PasskeyObject,
    SessionActivityObject, SessionObject, SessionVerificationObject, SessionVerificationStatus,
    SignInObject, SignUpObject, TokenObject, UserObject,
};
use super::verifications::{
    EmailCodeVerification, Factor, FactorVerification, Verification, factors,
};

/// The maker of an authenticator, known from its AAGUID.
#[derive(Debug, Serialize, ToSchema)]
pub struct Provider {
    name: String,
    icon_light: Option<String>,
    icon_dark: Option<String>,
}

/// A passkey of a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Passkey {
    #[schema(inline)]
    object: PasskeyObject,
    id: String,
    name: Option<String>,
    verification: Option<Verification>,
    last_used_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    aaguid: Option<String>,
    provider: Option<Provider>,
    backed_up: bool,
    transports: Vec<String>,
}

impl Passkey {
    /// A passkey with the verification of its registration, if one is open.
    pub fn new(p: &model::Passkey, v: Option<&model::Verification>) -> Self {
        let provider = p
            .aaguid
            .as_deref()
            .and_then(aaguid::provider)
            .map(|pr| Provider {
                name: pr.name.clone(),
                icon_light: pr.icon_light.clone(),
                icon_dark: pr.icon_dark.clone(),
            });
        let verification = match v {
            Some(v) => Some(Verification::new(v)),
            None if p.verified => Some(Verification::settled()),
            None => None,
        };
        Passkey {
            object: PasskeyObject,
            id: p.id.clone(),
            name: p.name.clone(),
            verification,
            last_used_at: p.last_used_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
            aaguid: p.aaguid.clone(),
            provider,
            backed_up: p.backed_up,
            transports: p.transports.clone(),
        }
    }
}

impl From<&PasskeyView> for Passkey {
    fn from(view: &PasskeyView) -> Self {
        Passkey::new(&view.passkey, view.verification.as_ref())
    }
}

/// An email address of a user.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailAddress {
    #[schema(inline)]
    object: EmailAddressObject,
    id: String,
    email_address: String,
    /// The last code sent to prove it; null before one was sent.
    verification: Option<EmailCodeVerification>,
    created_at: i64,
    updated_at: i64,
}

impl From<&model::EmailAddress> for EmailAddress {
    fn from(a: &model::EmailAddress) -> Self {
        let verification = match (&a.code, a.verified_at) {
            (Some(code), None) => Some(EmailCodeVerification::new(code)),
            (Some(code), Some(_)) if code.status == VerificationStatus::Verified => {
                Some(EmailCodeVerification::new(code))
            }
            (_, Some(_)) => Some(EmailCodeVerification::settled()),
            (None, None) => None,
        };
        EmailAddress {
            object: EmailAddressObject,
            id: a.id.clone(),
            email_address: a.email_address.clone(),
            verification,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A user with their passkeys.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    #[schema(inline)]
    object: UserObject,
    id: String,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    primary_email_address_id: Option<String>,
    /// Primary first, then oldest first.
    email_addresses: Vec<EmailAddress>,
    passkeys: Vec<Passkey>,
    last_sign_in_at: Option<i64>,
    /// Whether an operator banned the user, who then cannot sign in.
    banned: bool,
    #[schema(inline)]
    role: kinds::UserRole,
    created_at: i64,
    updated_at: i64,
}

impl From<&UserView> for User {
    fn from(view: &UserView) -> Self {
        let u = &view.user;
        let primary = u.email.as_ref().map(|e| e.id.clone());
        User {
            object: UserObject,
            id: u.id.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            primary_email_address_id: primary.clone(),
            email_addresses: view
                .email_addresses
                .iter()
                .filter(|a| Some(&a.id) == primary.as_ref())
                .chain(
                    view.email_addresses
                        .iter()
                        .filter(|a| Some(&a.id) != primary.as_ref()),
                )
                .map(EmailAddress::from)
                .collect(),
            passkeys: view
                .passkeys
                .iter()
                .map(|p| Passkey::new(p, None))
                .collect(),
            last_sign_in_at: u.last_sign_in_at,
            banned: u.banned_at.is_some(),
            role: u.role.into(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A session token, as the token call returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    #[schema(inline)]
    object: TokenObject,
    /// An ES256 JWT.
    jwt: String,
}

impl Token {
    /// The token for a signed JWT.
    pub fn new(jwt: String) -> Self {
        Token {
            object: TokenObject,
            jwt,
        }
    }
}

/// Something the user must do before a pending session becomes active.
#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    /// `setup-passkey`.
    #[schema(value_type = String)]
    key: &'static str,
}

/// A session of a user on a client.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    #[schema(inline)]
    object: SessionObject,
    id: String,
    #[schema(inline)]
    status: kinds::SessionStatus,
    user: User,
    /// What others may see of the user, as the vendor's account switchers read it.
    public_user_data: PublicUserData,
    tasks: Option<Vec<Task>>,
    last_active_token: Option<Token>,
    /// Minutes since the user last proved a first factor, and `-1` for the second.
    factor_verification_age: Vec<i64>,
    last_active_at: i64,
    expire_at: i64,
    abandon_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<&SessionView> for Session {
    fn from(view: &SessionView) -> Self {
        let s = &view.session;
        let tasks = (s.status == SessionStatus::Pending).then(|| {
            vec![Task {
                key: "setup-passkey",
            }]
        });
        Session {
            object: SessionObject,
            id: s.id.clone(),
            status: s.status.into(),
            user: User::from(&view.user),
            public_user_data: PublicUserData::from(&view.user.user),
            tasks,
            last_active_token: view.token.clone().map(Token::new),
            factor_verification_age: vec![view.factor_age_minutes, -1],
            last_active_at: s.last_active_at,
            expire_at: s.expire_at,
            abandon_at: s.abandon_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The part of a session's user that an account switcher shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicUserData {
    user_id: String,
    /// The username, else the primary email address, else the user id.
    identifier: String,
    username: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Latchkey keeps no profile images: always false.
    has_image: bool,
}

impl From<&model::User> for PublicUserData {
    fn from(u: &model::User) -> Self {
        PublicUserData {
            user_id: u.id.clone(),
            identifier: u.display_name().to_owned(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            has_image: false,
        }
    }
}

/// A live session of the signed-in user with the device it was made on, as the list
/// of active devices shows it (the vendor's session with activities).
#[derive(Debug, Serialize, ToSchema)]
pub struct ActiveSession {
    #[schema(inline)]
    object: SessionObject,
    id: String,
    #[schema(inline)]
    status: kinds::SessionStatus,
    /// Where and on what the session was made; null when the request that made it said
    /// neither.
    latest_activity: Option<SessionActivity>,
    last_active_at: i64,
    expire_at: i64,
    abandon_at: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<&model::Session> for ActiveSession {
    fn from(s: &model::Session) -> Self {
        ActiveSession {
            object: SessionObject,
            id: s.id.clone(),
            status: s.status.into(),
            latest_activity: SessionActivity::of(s),
            last_active_at: s.last_active_at,
            expire_at: s.expire_at,
            abandon_at: s.abandon_at,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// The browser, device and IP address a session was made from, read from the request
/// that made it. There is no location database: `city` and `country` are always null.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionActivity {
    #[schema(inline)]
    object: SessionActivityObject,
    /// `sact_` and the session id's own part.
    id: String,
    /// "Chrome", "Safari", "Firefox", "Edge" or "Opera"; null for other clients.
    browser_name: Option<String>,
    browser_version: Option<String>,
    /// "iPhone", "iPad", "Android", "ChromeOS", "Windows", "macOS" or "Linux".
    device_type: Option<String>,
    ip_address: Option<String>,
    city: Option<String>,
    country: Option<String>,
    /// A phone or tablet.
    is_mobile: bool,
}

impl SessionActivity {
    /// The activity recorded with a session, if its request left any trace.
    pub fn of(s: &model::Session) -> Option<Self> {
        if s.ip.is_none() && s.user_agent.is_none() {
            return None;
        }
        let device = s
            .user_agent
            .as_deref()
            .map(Device::parse)
            .unwrap_or_default();
        Some(SessionActivity {
            object: SessionActivityObject,
            id: format!("sact_{}", s.id.strip_prefix("sess_").unwrap_or(&s.id)),
            browser_name: device.browser.map(str::to_owned),
            browser_version: device.browser_version,
            device_type: device.platform.map(str::to_owned),
            ip_address: s.ip.clone(),
            city: None,
            country: None,
            is_mobile: device.is_mobile,
        })
    }
}

/// A sign-in attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignIn {
    #[schema(inline)]
    object: SignInObject,
    id: String,
    #[schema(inline)]
    status: kinds::SignInStatus,
    identifier: Option<String>,
    supported_first_factors: Vec<Factor>,
    first_factor_verification: Option<FactorVerification>,
    created_session_id: Option<String>,
    abandon_at: i64,
}

impl From<&SignInView> for SignIn {
    fn from(view: &SignInView) -> Self {
        let s = &view.sign_in;
        SignIn {
            object: SignInObject,
            id: s.id.clone(),
            status: s.status.into(),
            identifier: s.identifier.clone(),
            supported_first_factors: factors(view.passkey_supported, view.email_factor.as_ref()),
            first_factor_verification: FactorVerification::of(
                view.verification.as_ref(),
                view.email_code.as_ref(),
            ),
            created_session_id: s.created_session_id.clone(),
            abandon_at: s.abandon_at,
        }
    }
}

/// A sign-up attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUp {
    #[schema(inline)]
    object: SignUpObject,
    id: String,
    #[schema(inline)]
    status: kinds::SignUpStatus,
    username: Option<String>,
    email_address: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    #[schema(value_type = Vec<String>)]
    missing_fields: Vec<&'static str>,
    /// Fields given but not yet proved: `email_address`.
    #[schema(value_type = Vec<String>)]
    unverified_fields: Vec<&'static str>,
    /// The passkey-first sign-up's passkey ceremony.
    verification: Option<Verification>,
    verifications: SignUpVerifications,
    created_user_id: Option<String>,
    created_session_id: Option<String>,
    abandon_at: i64,
}

impl From<&SignUpView> for SignUp {
    fn from(view: &SignUpView) -> Self {
        let s = &view.sign_up;
        let missing_fields = match s.status {
            SignUpStatus::MissingRequirements if s.user_handle.is_some() => vec!["passkey"],
            SignUpStatus::MissingRequirements if s.username.is_none() => vec!["username"],
            _ => Vec::new(),
        };
        SignUp {
            object: SignUpObject,
            id: s.id.clone(),
            status: s.status.into(),
            username: s.username.clone(),
            email_address: s.email_address.clone(),
            first_name: s.first_name.clone(),
            last_name: s.last_name.clone(),
            missing_fields,
            unverified_fields: view.unverified_fields.clone(),
            verification: view.verification.as_ref().map(Verification::new),
            verifications: SignUpVerifications {
                email_address: view.email_code.as_ref().map(EmailCodeVerification::new),
            },
            created_user_id: s.created_user_id.clone(),
            created_session_id: s.created_session_id.clone(),
            abandon_at: s.abandon_at,
        }
    }
}

/// The verifications of a sign-up's fields.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpVerifications {
    /// The code mailed to prove the sign-up's address.
    email_address: Option<EmailCodeVerification>,
}

/// A session's step-up: the factors that can prove it, the one prepared last, and
/// whether it is complete.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionVerification {
    #[schema(inline)]
    object: SessionVerificationObject,
    /// The session's id.
    id: String,
    #[schema(inline)]
    status: SessionVerificationStatus,
    #[schema(inline)]
    level: FirstFactorLevel,
    supported_first_factors: Vec<Factor>,
    first_factor_verification: Option<FactorVerification>,
    session: Session,
}

impl From<&SessionVerificationView> for SessionVerification {
    fn from(view: &SessionVerificationView) -> Self {
        SessionVerification {
            object: SessionVerificationObject,
            id: view.session.session.id.clone(),
            status: if view.complete {
                SessionVerificationStatus::Complete
            } else {
                SessionVerificationStatus::NeedsFirstFactor
            },
            level: FirstFactorLevel,
            supported_first_factors: factors(view.passkey_supported, view.email_factor.as_ref()),
            first_factor_verification: FactorVerification::of(
                view.verification.as_ref(),
                view.email_code.as_ref(),
            ),
            session: Session::from(&view.session),
        }
    }
}

/// A browser or app install: its sessions and current attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct Client {
    id: String,
    #[schema(inline)]
    object: ClientObject,
    sessions: Vec<Session>,
    sign_in: Option<SignIn>,
    sign_up: Option<SignUp>,
    last_active_session_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<&ClientView> for Client {
    fn from(view: &ClientView) -> Self {
        let c = &view.client;
        Client {
            id: c.id.clone(),
            object: ClientObject,
            sessions: view.sessions.iter().map(Session::from).collect(),
            sign_in: view.sign_in.as_ref().map(SignIn::from),
            sign_up: view.sign_up.as_ref().map(SignUp::from),
            last_active_session_id: c.last_active_session_id.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// What a delete answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedObject {
    #[schema(inline)]
    object: DeletedKind,
    id: String,
    #[schema(inline)]
    deleted: Deleted,
}

impl DeletedObject {
    /// The deleted object of kind `object`.
    pub fn new(object: DeletedKind, id: String) -> Self {
        DeletedObject {
            object,
            id,
            deleted: Deleted,
        }
    }
}

/// A Frontend API answer: the resource and the caller's client as it now is.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    pub response: T,
    #[schema(required = true)]
    pub client: Option<Client>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn session(ip: Option<&str>, user_agent: Option<&str>) -> model::Session {
        model::Session {
            id: "sess_2abc".into(),
            client_id: "client_1".into(),
            user_id: "user_1".into(),
            status: SessionStatus::Active,
            last_active_at: 3,
            expire_at: 4,
            abandon_at: 5,
            created_at: 1,
            updated_at: 2,
            verified_at: 1,
            ip: ip.map(str::to_owned),
            user_agent: user_agent.map(str::to_owned),
        }
    }

    fn active(s: &model::Session) -> Value {
        serde_json::to_value(ActiveSession::from(s)).expect("json")
    }

    #[test]
    fn a_session_made_without_ip_or_user_agent_has_no_activity() {
        let shown = active(&session(None, None));
        assert_eq!(shown["latest_activity"], Value::Null);
        assert_eq!(shown["object"], "session");
        assert_eq!(shown["status"], "active");
    }

    #[test]
    fn an_unknown_client_still_shows_its_ip() {
        let shown = active(&session(Some("192.0.2.4"), Some("curl/8.5.0")));
        assert_eq!(
            shown["latest_activity"],
            json!({
                "object": "session_activity",
                "id": "sact_2abc",
                "browser_name": null,
                "browser_version": null,
                "device_type": null,
                "ip_address": "192.0.2.4",
                "city": null,
                "country": null,
                "is_mobile": false,
            })
        );
    }
}
