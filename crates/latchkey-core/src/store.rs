//! The storage contract: one narrow trait per table or aggregate, and [`Store`], all of
//! them together. Every method is one atomic step; the composite `complete_*` methods
//! write everything a successful ceremony changes in one transaction, the
//! verification's `verified` status included.

use async_trait::async_trait;

use crate::error::Result;
use crate::model::{
    AuditEvent, CeremonyState, Client, EmailAddress, EmailCode, Mail, MailStatus, Passkey,
    RequestClient, Role, Session, SignIn, SignUp, SigningKey, User, Verification,
    VerificationStatus,
};

/// Which audit events a list shows: each field given narrows it.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<String>,
    /// The event's type, as `sign_in.failed`.
    pub kind: Option<String>,
    /// The operator who made the change.
    pub actor: Option<String>,
    /// Created at or after (Unix ms).
    pub since: Option<i64>,
    /// Created before (Unix ms).
    pub until: Option<i64>,
}

/// Unfinished sign-in attempts a client may hold; starting another drops the oldest.
pub const MAX_OPEN_SIGN_INS: i64 = 10;

/// What a successful sign-up writes.
#[derive(Debug, Clone)]
pub struct SignUpCompletion {
    pub sign_up: SignUp,
    pub user: User,
    /// The verified passkey of a passkey-first sign-up.
    pub passkey: Option<Passkey>,
    pub session: Session,
    /// When the sign-up's email address was proved by a code, if it was.
    pub email_verified_at: Option<i64>,
    pub events: Vec<AuditEvent>,
}

/// A passkey's use by an assertion: the credential with its new counter and flags.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub passkey_id: String,
    pub credential: String,
    pub backed_up: bool,
    /// The public key converted during this use, stored if the passkey has none.
    pub public_key: Option<String>,
}

/// What a successful passkey sign-in writes.
#[derive(Debug, Clone)]
pub struct SignInCompletion {
    pub sign_in: SignIn,
    pub session: Session,
    pub used: PasskeyUse,
    pub now: i64,
    pub events: Vec<AuditEvent>,
}

/// What a session's successful step-up with a passkey writes.
#[derive(Debug, Clone)]
pub struct Reverification {
    pub session_id: String,
    pub used: PasskeyUse,
    pub now: i64,
    pub events: Vec<AuditEvent>,
}

/// A client with everything its view shows, read at one moment.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub client: Client,
    /// Its active and pending sessions, newest first.
    pub sessions: Vec<SessionRecord>,
    /// Its current sign-in with its verifications.
    pub sign_in: Option<AttemptRecord<SignIn>>,
    /// Its current sign-up with its verifications.
    pub sign_up: Option<AttemptRecord<SignUp>>,
}

/// A session of a client's view with its user, the user's verified passkeys (newest
/// first, read without their key material: `credential` and `public_key` are `None`)
/// and email addresses (oldest first).
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub session: Session,
    pub user: User,
    pub passkeys: Vec<Passkey>,
    pub email_addresses: Vec<EmailAddress>,
}

/// A sign-in or sign-up with its passkey verification and its last email code (without
/// the code's hash).
#[derive(Debug, Clone)]
pub struct AttemptRecord<T> {
    pub attempt: T,
    pub verification: Option<Verification>,
    pub email_code: Option<EmailCode>,
}

/// A page of a list.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

/// Which users a list shows, newest first: those `query` matches (everyone without one),
/// after the user `starting_after` (from the start without one).
#[derive(Debug, Clone, Copy, Default)]
pub struct UserFilter<'a> {
    /// The start of a username or email address, a user id or a passkey id.
    pub query: Option<&'a str>,
    /// The id of the last user of the previous page.
    pub starting_after: Option<&'a str>,
}

/// Declares `Store` as every narrow store listed, implemented by whatever implements them all.
macro_rules! store_of {
    ($($narrow:ident),+) => {
        /// Persistent state of Latchkey: every narrow store below, so that one
        /// `Arc<dyn Store>` serves every use case. Implementations map unique violations on
        /// usernames and email addresses to `Error::IdentifierExists` and on credential ids
        /// to `Error::PasskeyAlreadyExists`, and connection failures to `Error::Unavailable`.
        pub trait Store: $($narrow +)+ Send + Sync + 'static {}

        impl<T: $($narrow +)+ Send + Sync + 'static> Store for T {}
    };
}

store_of!(
    ClientStore,
    UserStore,
    PasskeyStore,
    VerificationStore,
    SignInStore,
    SignUpStore,
    SessionStore,
    KeyStore,
    SettingStore,
    EnrolmentStore,
    AuditStore,
    RateLimitStore,
    EmailStore,
    MailStore,
    Maintenance
);

/// Clients: a browser or app, found by the SHA-256 of its token.
#[async_trait]
pub trait ClientStore: Send + Sync {
    /// The client whose token has this SHA-256.
    async fn find_client_by_token(&self, token_hash: &[u8]) -> Result<Option<Client>>;
    /// The client and what its view shows, in one read.
    async fn find_client_record(&self, id: &str) -> Result<Option<ClientRecord>>;
    /// Saves the client's current sign-in, sign-up and last active session.
    async fn update_client(&self, client: &Client) -> Result<()>;
}

/// Users.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new user.
    async fn insert_user(&self, user: &User) -> Result<()>;
    async fn find_user(&self, id: &str) -> Result<Option<User>>;
    /// The user with this username or email address (both stored lower-case).
    async fn find_user_by_identifier(&self, identifier: &str) -> Result<Option<User>>;
    /// Users whose username or email starts with `filter.query`, or whose id or one of
    /// whose passkeys' id it is, newest first from after `filter.starting_after`, and how
    /// many the query matches; a `starting_after` naming no user is
    /// `FormParamValueInvalid`.
    async fn list_users(&self, filter: UserFilter<'_>, page: Page) -> Result<(Vec<User>, i64)>;
    /// Deletes the user with its passkeys and sessions, remembering the sessions' ids as
    /// removed for their clients; returns whether it existed.
    async fn delete_user(&self, id: &str, now: i64, event: &AuditEvent) -> Result<bool>;
    /// Gives the user `role`; returns whether the user exists.
    async fn set_user_role(
        &self,
        id: &str,
        role: Role,
        now: i64,
        event: &AuditEvent,
    ) -> Result<bool>;
    /// Bans the user as of `banned_at`, revoking their live sessions, or lifts the ban
    /// (`None`); returns whether the user exists.
    async fn set_user_ban(
        &self,
        id: &str,
        banned_at: Option<i64>,
        now: i64,
        event: &AuditEvent,
    ) -> Result<bool>;
}

/// One-time links that enrol an operator's first passkey, kept by their token's SHA-256.
#[async_trait]
pub trait EnrolmentStore: Send + Sync {
    /// Stores an enrolment of `user_id` valid until `expire_at`.
    async fn insert_enrolment(
        &self,
        token_hash: &[u8],
        user_id: &str,
        expire_at: i64,
        now: i64,
    ) -> Result<()>;
    /// Takes the enrolment with this token hash once: its user and expiry.
    async fn consume_enrolment(&self, token_hash: &[u8]) -> Result<Option<(String, i64)>>;
    /// Stores an enrolled operator's session as its client's last active one, storing a
    /// new client with it.
    async fn insert_enrolled_session(
        &self,
        client: &RequestClient,
        session: &Session,
        event: &AuditEvent,
    ) -> Result<()>;
}

/// Passkeys, from registration to deletion.
#[async_trait]
pub trait PasskeyStore: Send + Sync {
    /// Stores an unverified passkey with its registration ceremony.
    async fn insert_passkey(
        &self,
        passkey: &Passkey,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()>;
    /// The user's passkey (verified or not).
    async fn find_passkey(&self, user_id: &str, id: &str) -> Result<Option<Passkey>>;
    /// The verified passkey with this credential id.
    async fn find_passkey_by_credential_id(&self, credential_id: &[u8]) -> Result<Option<Passkey>>;
    /// The verified passkey with this credential id and its user, read together.
    async fn find_passkey_owner(&self, credential_id: &[u8]) -> Result<Option<(Passkey, User)>>;
    /// The user's verified passkeys, newest first.
    async fn list_passkeys(&self, user_id: &str) -> Result<Vec<Passkey>>;
    /// How many verified passkeys each AAGUID has (`None`: passkeys without one).
    async fn count_passkeys_by_aaguid(&self) -> Result<Vec<(Option<String>, i64)>>;
    /// Marks a passkey verified with its credential, using up its registration ceremony
    /// (`AlreadyVerified` when another attempt used it); the user's pending sessions
    /// (whose one task is to add a passkey) become active.
    async fn complete_passkey_registration(
        &self,
        passkey: &Passkey,
        event: &AuditEvent,
    ) -> Result<()>;
    /// Stores an imported passkey, verified, as a completed registration does.
    async fn import_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()>;
    /// Renames a verified passkey.
    async fn rename_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()>;
    /// Deletes the user's passkey; returns whether it existed.
    async fn delete_passkey(&self, user_id: &str, id: &str, event: &AuditEvent) -> Result<bool>;
}

/// Verifications and the ceremony state behind them, one per owner (a sign-in, sign-up
/// or passkey).
#[async_trait]
pub trait VerificationStore: Send + Sync {
    /// Creates or replaces the ceremony of an owner (sign-in, sign-up or passkey).
    async fn upsert_verification(
        &self,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()>;
    async fn find_verification(&self, owner_id: &str) -> Result<Option<Verification>>;
    /// The owner's ceremony state, while no attempt has used it. The completion that
    /// writes what an attempt proved uses it up; of concurrent completions one commits,
    /// the others are refused with `AlreadyVerified`.
    async fn find_ceremony(&self, owner_id: &str) -> Result<Option<CeremonyState>>;
    /// Uses up the owner's ceremony for an attempt that did not complete, recording its
    /// outcome (failed or expired) and counting the attempt; returns whether it did (not
    /// when another attempt used the ceremony first).
    async fn end_ceremony(&self, owner_id: &str, status: VerificationStatus) -> Result<bool>;
}

/// Sign-in attempts.
#[async_trait]
pub trait SignInStore: Send + Sync {
    /// Stores a sign-in (and its ceremony) and makes it the client's current sign-in,
    /// storing the client first when it is new; of the client's unfinished sign-ins only
    /// the newest [`MAX_OPEN_SIGN_INS`] remain.
    async fn insert_sign_in(
        &self,
        client: &RequestClient,
        sign_in: &SignIn,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()>;
    async fn find_sign_in(&self, client_id: &str, id: &str) -> Result<Option<SignIn>>;
    /// The client's sign-in `id` with its ceremony state (`None` once used), read
    /// together: what answering it needs.
    async fn find_sign_in_attempt(
        &self,
        client_id: &str,
        id: &str,
    ) -> Result<Option<(SignIn, Option<CeremonyState>)>>;
    /// Writes a successful sign-in, using up its ceremony (`AlreadyVerified` when another
    /// attempt used it); returns its verification as it now is.
    async fn complete_sign_in(&self, completion: &SignInCompletion)
    -> Result<Option<Verification>>;
}

/// Sign-up attempts.
#[async_trait]
pub trait SignUpStore: Send + Sync {
    /// Stores a sign-up (and its ceremony) and makes it the client's current sign-up,
    /// storing the client first when it is new.
    async fn insert_sign_up(
        &self,
        client: &RequestClient,
        sign_up: &SignUp,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()>;
    async fn find_sign_up(&self, client_id: &str, id: &str) -> Result<Option<SignUp>>;
    /// Writes a successful sign-up: the user, its passkey and session; returns the
    /// passkey's verification (if it had one, whose ceremony it uses up) as it now is.
    async fn complete_sign_up(&self, completion: &SignUpCompletion)
    -> Result<Option<Verification>>;
}

/// Sessions, and the ids of sessions removed with their users.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn find_session(&self, id: &str) -> Result<Option<Session>>;
    /// Whether `id` was a session of this client whose user has been deleted.
    async fn session_was_removed(&self, client_id: &str, id: &str) -> Result<bool>;
    /// The client's active and pending sessions, newest first.
    async fn list_client_sessions(&self, client_id: &str) -> Result<Vec<Session>>;
    /// The user's active and pending sessions on every client, neither expired nor
    /// abandoned at `now`, the most recently active first.
    async fn list_live_user_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>>;
    /// Sessions filtered by user and stored status, newest first.
    async fn list_sessions(
        &self,
        user_id: Option<&str>,
        status: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Session>, i64)>;
    /// Records a step-up with a passkey: the passkey's use, the session's new
    /// verification time and the verification's `verified` status, using up its ceremony.
    async fn complete_reverification(&self, reverification: &Reverification) -> Result<()>;
    /// Saves a session's status and activity times, with an optional audit event.
    async fn update_session(&self, session: &Session, event: Option<&AuditEvent>) -> Result<()>;
    /// Active and pending sessions neither expired nor abandoned at `now`.
    async fn count_live_sessions(&self, now: i64) -> Result<i64>;
}

/// The keys session tokens are signed with.
#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Signing keys, newest first.
    async fn list_signing_keys(&self) -> Result<Vec<SigningKey>>;
    async fn insert_signing_key(&self, key: &SigningKey) -> Result<()>;
    /// Replaces the private key of the signing key with this `kid` (to encrypt a key
    /// stored plain); returns whether it existed.
    async fn update_signing_key(&self, key: &SigningKey) -> Result<bool>;
    /// Deletes every signing key but the newest `keep`; returns how many went.
    async fn prune_signing_keys(&self, keep: i64) -> Result<u64>;
}

/// Settings kept in the database (the Backend API key's hash).
#[async_trait]
pub trait SettingStore: Send + Sync {
    /// A stored setting.
    async fn find_setting(&self, key: &str) -> Result<Option<String>>;
    /// Stores a setting unless one exists; returns whether it was stored.
    async fn insert_setting(&self, key: &str, value: &str) -> Result<bool>;
    /// Every value whose name starts with `prefix`, by name.
    async fn list_settings(&self, prefix: &str) -> Result<Vec<(String, String)>>;
    /// Stores each (name, value), replacing what was there (deleting it for `None`),
    /// with its audit event.
    async fn put_settings(
        &self,
        values: &[(String, Option<String>)],
        event: &AuditEvent,
    ) -> Result<()>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Records a security event on its own (failed attempts).
    async fn insert_audit_event(&self, event: &AuditEvent) -> Result<()>;
    /// Events that `filter` admits, newest first, and how many it admits.
    async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<(Vec<AuditEvent>, i64)>;
    /// How many events of each of `kinds` were recorded in each minute from `since`
    /// (Unix ms): (minute as Unix ms, kind, count), oldest first.
    async fn count_audit_events_per_minute(
        &self,
        kinds: &[&str],
        since: i64,
    ) -> Result<Vec<(i64, String, i64)>>;
    /// Deletes audit events created before `before` (Unix ms); returns how many went.
    async fn delete_audit_events_before(&self, before: i64) -> Result<u64>;
}

/// Rate-limit windows.
#[async_trait]
pub trait RateLimitStore: Send + Sync {
    /// Counts one request against each of `keys` (distinct) in the window starting at
    /// `window_start`; returns each key's count so far, this request included, in order.
    async fn hit_rate_limits(&self, keys: &[&str], window_start: i64) -> Result<Vec<i64>>;
}

/// How a right email code is used, in the transaction that marks it used: every use
/// also verifies the address the code went to, if a user has it.
#[derive(Debug, Clone)]
pub enum CodeUse {
    /// It proves the address (or a sign-up's address) and nothing more.
    Verify,
    /// It completes a sign-in: the session is stored, the sign-in completed.
    SignIn(Box<(SignIn, Session)>),
    /// It proves a factor again for a session (step-up).
    Reverify { session_id: String },
}

/// What a right email code completes.
#[derive(Debug, Clone)]
pub struct CodeCompletion {
    /// The code as checked, with its hash.
    pub code: EmailCode,
    pub usage: CodeUse,
    pub now: i64,
    pub events: Vec<AuditEvent>,
}

/// Email addresses and the one-time codes mailed to prove them.
#[async_trait]
pub trait EmailStore: Send + Sync {
    /// The user's addresses, oldest first, each with its last code (without the hash).
    async fn list_email_addresses(&self, user_id: &str) -> Result<Vec<EmailAddress>>;
    async fn find_email_address(&self, user_id: &str, id: &str) -> Result<Option<EmailAddress>>;
    /// The address any user has under this (lower-case) spelling.
    async fn find_email_address_by_address(&self, address: &str) -> Result<Option<EmailAddress>>;
    /// Stores a new address of a user.
    async fn insert_email_address(&self, address: &EmailAddress, event: &AuditEvent) -> Result<()>;
    /// Deletes a user's address; returns whether it existed.
    async fn delete_email_address(
        &self,
        user_id: &str,
        id: &str,
        event: &AuditEvent,
    ) -> Result<bool>;
    /// Makes the address its user's primary one.
    async fn set_primary_email_address(
        &self,
        address: &EmailAddress,
        now: i64,
        event: &AuditEvent,
    ) -> Result<()>;
    /// Stores a new code for its owner (replacing the previous one) with the mail that
    /// carries it, if any.
    async fn insert_email_code(
        &self,
        code: &EmailCode,
        mail: Option<&Mail>,
        event: &AuditEvent,
    ) -> Result<()>;
    /// The owner's code, without its hash.
    async fn find_email_code(&self, owner_id: &str) -> Result<Option<EmailCode>>;
    /// Counts one try at the owner's open code (one with fewer than `max_attempts`
    /// tries) and returns it, with its hash, as it now is; `None` when there is none.
    async fn try_email_code(&self, owner_id: &str, max_attempts: i64) -> Result<Option<EmailCode>>;
    /// Closes the owner's open code as `Failed` or `Expired`.
    async fn close_email_code(&self, owner_id: &str, status: VerificationStatus) -> Result<()>;
    /// Marks the checked code used and writes what it completes, in one transaction;
    /// `Error::AlreadyVerified` when another request used it first.
    async fn use_email_code(&self, completion: &CodeCompletion) -> Result<()>;
}

/// The outbox: mail queued by the use cases, claimed and sent by the mail worker of any
/// replica.
#[async_trait]
pub trait MailStore: Send + Sync {
    /// Queues a message on its own (the use cases queue theirs with the change that
    /// makes them).
    async fn insert_mail(&self, mail: &Mail) -> Result<()>;
    /// Claims up to `limit` queued messages due at `now`, oldest first: each one's
    /// `next_attempt_at` moves to `lease_until` and its `attempts` counts one more, so
    /// that no other worker claims it meanwhile; returns them as claimed.
    async fn claim_mail(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Mail>>;
    /// Records a claimed message's outcome: `Sent` or `Logged` (its values are erased
    /// once sent), `Queued` again at `next_attempt_at`, or `Failed`, with the error.
    async fn settle_mail(
        &self,
        id: &str,
        status: MailStatus,
        next_attempt_at: i64,
        error: Option<&str>,
        now: i64,
    ) -> Result<()>;
    /// Messages newest first, and their count.
    async fn list_mail(&self, page: Page) -> Result<(Vec<Mail>, i64)>;
}

/// The database as a whole: its health and the clean-up of expired rows.
#[async_trait]
pub trait Maintenance: Send + Sync {
    /// Succeeds when the database answers.
    async fn ping(&self) -> Result<()>;
    /// Deletes ceremonies, sign-ins and sign-ups past `before`; returns rows removed.
    async fn delete_expired(&self, before: i64) -> Result<u64>;
}
