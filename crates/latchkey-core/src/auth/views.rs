//! What the use cases return: users, sessions, passkeys, attempts and clients as shown.

use crate::model::{
    Client, EmailAddress, EmailCode, Passkey, Session, SignIn, SignUp, User, Verification,
};

/// A user with their verified passkeys, newest first, and email addresses, oldest first.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub passkeys: Vec<Passkey>,
    pub email_addresses: Vec<EmailAddress>,
}

/// A session as shown: status at the time of the call, with its user.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: Session,
    /// Whole minutes since the user last proved a factor for it.
    pub factor_age_minutes: i64,
    pub user: UserView,
    /// A session token minted for this response (`last_active_token`).
    pub token: Option<String>,
}

/// A passkey with its registration verification, if one was started.
#[derive(Debug, Clone)]
pub struct PasskeyView {
    pub passkey: Passkey,
    pub verification: Option<Verification>,
}

/// A sign-in attempt with its first-factor verification: a passkey's, or the email
/// code prepared last.
#[derive(Debug, Clone)]
pub struct SignInView {
    pub sign_in: SignIn,
    pub verification: Option<Verification>,
    pub email_code: Option<EmailCode>,
    /// Whether the identified user (or, before identification, anyone) can use a passkey.
    pub passkey_supported: bool,
    /// The address an email code can be sent to, as `(id, masked address)`.
    pub email_factor: Option<(String, String)>,
}

/// A sign-up attempt with its passkey verification and its email code.
#[derive(Debug, Clone)]
pub struct SignUpView {
    pub sign_up: SignUp,
    pub verification: Option<Verification>,
    pub email_code: Option<EmailCode>,
    /// Fields given but not yet proved (`email_address`).
    pub unverified_fields: Vec<&'static str>,
}

/// A step-up of a session: what it needs, or that it is complete.
#[derive(Debug, Clone)]
pub struct SessionVerificationView {
    pub session: SessionView,
    pub complete: bool,
    /// The passkey challenge prepared last, while one is open.
    pub verification: Option<Verification>,
    pub email_code: Option<EmailCode>,
    pub passkey_supported: bool,
    pub email_factor: Option<(String, String)>,
}

/// A client with its live sessions and current attempts.
#[derive(Debug, Clone)]
pub struct ClientView {
    pub client: Client,
    pub sessions: Vec<SessionView>,
    pub sign_in: Option<SignInView>,
    pub sign_up: Option<SignUpView>,
}

/// What a Frontend use case answers: its result and the client's view as the use case
/// left it, read once at its end, so the caller builds the `{response, client}`
/// envelope without a second trip.
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub response: T,
    /// `None` when the client is not stored.
    pub client: Option<ClientView>,
}
