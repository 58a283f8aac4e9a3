//! The records Latchkey keeps. Timestamps are Unix milliseconds.

/// A person with an account.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    /// The WebAuthn user handle: 16 random bytes, never the id or a name.
    pub user_handle: Vec<u8>,
    pub username: Option<String>,
    /// The primary email address.
    pub email: Option<PrimaryEmail>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Whether the user may run the instance from the dashboard.
    pub role: Role,
    /// When an operator banned the user, who then cannot sign in.
    pub banned_at: Option<i64>,
}

/// What a user may do beyond their own account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// An end user.
    #[default]
    User,
    /// An operator, who signs in to the dashboard.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Admin => "admin",
        }
    }

    /// The role stored as `name`; an unknown name is an end user.
    pub fn parse(name: &str) -> Self {
        match name {
            "admin" => Self::Admin,
            _ => Self::User,
        }
    }
}

impl User {
    /// The name shown by authenticators: the username, else the email, else the id.
    pub fn display_name(&self) -> &str {
        self.username
            .as_deref()
            .or(self.email.as_ref().map(|e| e.email_address.as_str()))
            .unwrap_or(&self.id)
    }

    /// How mail greets the user: the first name, else the username.
    pub fn greeting(&self) -> Option<&str> {
        self.first_name.as_deref().or(self.username.as_deref())
    }
}

/// A user's primary email address, as kept with the user.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimaryEmail {
    pub id: String,
    pub email_address: String,
}

/// An email address of a user, with its verification.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailAddress {
    pub id: String,
    pub user_id: String,
    /// Lower-case; unique across all users.
    pub email_address: String,
    /// When a code sent to it was first entered.
    pub verified_at: Option<i64>,
    /// The last code sent to prove it, without its secret.
    pub code: Option<EmailCode>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A one-time code mailed to prove an address, owned by the email address, sign-up,
/// sign-in or session it verifies for.
#[derive(Debug, Clone, PartialEq)]
pub struct EmailCode {
    pub owner_id: String,
    /// The user's address it was sent to (none for an address no user has).
    pub email_address_id: Option<String>,
    pub email_address: String,
    /// SHA-256 of the owner id and the code, base64url; `None` once used or failed, and
    /// when read for a view.
    pub code_hash: Option<String>,
    pub status: VerificationStatus,
    /// Codes entered so far.
    pub attempts: i64,
    pub expire_at: i64,
    pub created_at: i64,
}

/// A passkey: unverified while its registration ceremony is open, then verified and named.
#[derive(Debug, Clone, PartialEq)]
pub struct Passkey {
    pub id: String,
    pub user_id: String,
    pub name: Option<String>,
    /// Set once verified; unique across all users.
    pub credential_id: Option<Vec<u8>>,
    /// The verified credential as webauthn-rs serialises it (public key, counter, flags).
    pub credential: Option<String>,
    /// The credential public key as sign-in verifies it (`assertion::PublicKey::encode`);
    /// `None` until verified, and for passkeys stored before keys were converted.
    pub public_key: Option<String>,
    /// The user handle the credential was created with when another WebAuthn server
    /// chose it (an imported passkey); `None` for the owner's own handle.
    pub user_handle: Option<Vec<u8>>,
    pub aaguid: Option<String>,
    pub backed_up: bool,
    pub transports: Vec<String>,
    pub verified: bool,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The state of a verification (a WebAuthn ceremony).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    Unverified,
    Verified,
    Failed,
    Expired,
}

impl VerificationStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unverified => "unverified",
            Self::Verified => "verified",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "verified" => Self::Verified,
            "failed" => Self::Failed,
            "expired" => Self::Expired,
            _ => Self::Unverified,
        }
    }
}

/// The public side of a ceremony owned by a sign-in, sign-up or passkey.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub owner_id: String,
    pub status: VerificationStatus,
    /// The WebAuthn options in their JSON form while unverified.
    pub nonce: Option<String>,
    pub attempts: i64,
    pub expire_at: i64,
}

/// The server-side half of a ceremony, used up once.
#[derive(Debug, Clone, PartialEq)]
pub struct CeremonyState {
    /// The webauthn-rs state, serialised.
    pub state: String,
    pub expire_at: i64,
}

/// Status of a sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInStatus {
    NeedsIdentifier,
    NeedsFirstFactor,
    Complete,
    Abandoned,
}

impl SignInStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NeedsIdentifier => "needs_identifier",
            Self::NeedsFirstFactor => "needs_first_factor",
            Self::Complete => "complete",
            Self::Abandoned => "abandoned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "needs_identifier" => Self::NeedsIdentifier,
            "complete" => Self::Complete,
            "abandoned" => Self::Abandoned,
            _ => Self::NeedsFirstFactor,
        }
    }
}

/// A sign-in attempt of one client.
#[derive(Debug, Clone, PartialEq)]
pub struct SignIn {
    pub id: String,
    pub client_id: String,
    pub status: SignInStatus,
    pub identifier: Option<String>,
    /// The user named by the identifier (identifier-first flow).
    pub user_id: Option<String>,
    pub created_session_id: Option<String>,
    pub abandon_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Status of a sign-up attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUpStatus {
    MissingRequirements,
    Complete,
    Abandoned,
}

impl SignUpStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingRequirements => "missing_requirements",
            Self::Complete => "complete",
            Self::Abandoned => "abandoned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "complete" => Self::Complete,
            "abandoned" => Self::Abandoned,
            _ => Self::MissingRequirements,
        }
    }
}

/// A sign-up attempt of one client.
#[derive(Debug, Clone, PartialEq)]
pub struct SignUp {
    pub id: String,
    pub client_id: String,
    pub status: SignUpStatus,
    pub username: Option<String>,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// The user handle of the account a passkey-first sign-up will create.
    pub user_handle: Option<Vec<u8>>,
    pub created_user_id: Option<String>,
    pub created_session_id: Option<String>,
    pub abandon_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Session status as stored; `expired` and `abandoned` are derived from time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    Active,
    Pending,
    Ended,
    Expired,
    Removed,
    Revoked,
    Abandoned,
}

impl SessionStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Pending => "pending",
            Self::Ended => "ended",
            Self::Expired => "expired",
            Self::Removed => "removed",
            Self::Revoked => "revoked",
            Self::Abandoned => "abandoned",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => Self::Pending,
            "ended" => Self::Ended,
            "expired" => Self::Expired,
            "removed" => Self::Removed,
            "revoked" => Self::Revoked,
            "abandoned" => Self::Abandoned,
            _ => Self::Active,
        }
    }

    /// Active and pending sessions are live; every other status is final.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Active | Self::Pending)
    }
}

/// A signed-in session of a user on one client.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    pub client_id: String,
    pub user_id: String,
    pub status: SessionStatus,
    pub last_active_at: i64,
    pub expire_at: i64,
    pub abandon_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When its user last proved a factor: at sign-in, then at each step-up.
    pub verified_at: i64,
    /// The client IP of the request that made the session, when known.
    pub ip: Option<String>,
    /// The User-Agent of the request that made the session, when it sent one.
    pub user_agent: Option<String>,
}

impl Session {
    /// The status at `now`: a live session past its expiry or inactivity limit is
    /// `expired` or `abandoned`.
    pub fn status_at(&self, now: i64) -> SessionStatus {
        if !self.status.is_live() {
            self.status
        } else if now >= self.expire_at {
            SessionStatus::Expired
        } else if now >= self.abandon_at {
            SessionStatus::Abandoned
        } else {
            self.status
        }
    }
}

/// A browser or app, known by its client token.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: String,
    pub sign_in_id: Option<String>,
    pub sign_up_id: Option<String>,
    pub last_active_session_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The client a request acts for.
#[derive(Debug, Clone)]
pub enum RequestClient {
    /// The stored client the request came with.
    Stored(Client),
    /// A client made for a request that came without one, with the SHA-256 of its
    /// token. The request's first write stores it, so a request that fails leaves no
    /// client behind.
    New { client: Client, token_hash: Vec<u8> },
}

impl RequestClient {
    /// The client.
    pub fn client(&self) -> &Client {
        match self {
            RequestClient::Stored(client) | RequestClient::New { client, .. } => client,
        }
    }
}

/// A signing key for session tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct SigningKey {
    pub kid: String,
    /// What the key signs with; keys stored before there was a choice are ES256.
    pub algorithm: SigningAlgorithm,
    /// The private key, base64url: the P-256 scalar of an ES256 key, the PKCS#8 DER of an
    /// RS256 key; encrypted when a key-encryption key is set.
    pub private_key: String,
    pub created_at: i64,
}

/// The JWS algorithm of a signing key (`keys.algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    #[default]
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256, on a 2048-bit key.
    Rs256,
}

impl SigningAlgorithm {
    /// Every algorithm, to parse a name.
    pub const ALL: [SigningAlgorithm; 2] = [Self::Es256, Self::Rs256];

    /// Its JWS name (RFC 7518), as stored, configured and put in a token's header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Es256 => "ES256",
            Self::Rs256 => "RS256",
        }
    }

    /// The algorithm of a JWS name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// A security event, written with the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: String,
    pub kind: String,
    pub user_id: Option<String>,
    pub passkey_id: Option<String>,
    pub session_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The operator who made the change through the dashboard.
    pub actor: Option<String>,
    pub created_at: i64,
    /// Event details as a JSON object.
    pub data: String,
}

/// Where a message of the outbox is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Waiting to be sent (again) at `next_attempt_at`.
    Queued,
    /// Handed to the SMTP relay.
    Sent,
    /// Given up after the last retry.
    Failed,
    /// Kept in the development outbox instead of being sent (no SMTP relay configured).
    Logged,
}

impl MailStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Logged => "logged",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "logged" => Self::Logged,
            _ => Self::Queued,
        }
    }
}

/// A message of the outbox: a template, its values and its recipient, rendered and sent
/// by the mail worker.
#[derive(Debug, Clone, PartialEq)]
pub struct Mail {
    pub id: String,
    pub to: String,
    /// The template's name (`verification_code`).
    pub template: String,
    /// The language tag the recipient asked for (`Accept-Language`), if any.
    pub locale: Option<String>,
    /// The template's values as a JSON object.
    pub data: String,
    pub status: MailStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}
