//! What the use cases return: users, sessions, passkeys, attempts and clients as shown.

use crate::model::{Client, Passkey, Session, SignIn, SignUp, User, Verification};

/// A user with their verified passkeys, newest first.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub passkeys: Vec<Passkey>,
}

/// A session as shown: status at the time of the call, with its user.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub session: Session,
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

/// A sign-in attempt with its first-factor verification.
#[derive(Debug, Clone)]
pub struct SignInView {
    pub sign_in: SignIn,
    pub verification: Option<Verification>,
    /// Whether the identified user (or, before identification, anyone) can use a passkey.
    pub passkey_supported: bool,
}

/// A sign-up attempt with its passkey verification.
#[derive(Debug, Clone)]
pub struct SignUpView {
    pub sign_up: SignUp,
    pub verification: Option<Verification>,
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
