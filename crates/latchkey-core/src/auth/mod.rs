//! Latchkey's use cases: [`Auth`] and its methods, one file per feature.

use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use tokio::sync::Notify;

use crate::ceremony::Challenge;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{AuditEvent, CeremonyState, Verification, VerificationStatus};
use crate::settings::Settings;
use crate::store::Store;
use crate::tokens::KeySet;
use keys::{bootstrap_signing_keys, load_signing_keys};

mod admin;
mod attempts;
mod clients;
mod email_addresses;
mod email_codes;
mod email_sign_ins;
mod email_sign_ups;
pub mod keys;
mod live_settings;
pub mod mail;
pub mod maintenance;
pub mod operators;
mod passkeys;
mod reverification;
mod sessions;
mod sign_ins;
mod sign_ups;
mod users;
pub mod views;

pub use admin::{MinuteActivity, Overview, ProviderCount};
pub use clients::Surface;
use live_settings::Live;
pub use live_settings::LiveSettingView;
pub use operators::Enrolment;
pub use passkeys::PasskeyImport;
pub use sign_ins::FirstFactor;
pub use views::{
    Answer, ClientView, PasskeyView, SessionVerificationView, SessionView, SignInView, SignUpView,
    UserView,
};

/// Who made a request, for audit events, passkey names and the token's `azp`.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The `Origin` header, when the browser sent one.
    pub origin: Option<String>,
    /// The `Accept-Language` header, for the language of mail sent for the request.
    pub accept_language: Option<String>,
    /// The operator acting through the dashboard, recorded as the `actor` of the
    /// request's audit events.
    pub actor: Option<String>,
}

/// The fields of a sign-up or of a user created by the Backend API, as sent.
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub strategy: Option<String>,
    pub username: Option<String>,
    pub email_address: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// Latchkey's use cases over a store, a clock and the relying party's ceremonies.
pub struct Auth {
    /// The settings the configuration gives, before any live setting is changed.
    configured: Settings,
    /// The settings in force, with the ceremonies they make.
    live: RwLock<Arc<Live>>,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    keys: RwLock<KeySet>,
    mail_queued: Arc<Notify>,
}

const STRATEGY: &str = "strategy";
const CREDENTIAL: &str = "public_key_credential";
const PASSKEY: &str = "passkey";
/// Sign-in and sign-up attempts are abandoned a day after they start.
const ATTEMPT_LIFETIME_MS: i64 = 86_400_000;

/// The SHA-256 under which a client token is stored.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl Auth {
    /// Loads (or on first start generates) the signing keys and builds the use cases.
    pub async fn new(
        settings: Settings,
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        let keys = bootstrap_signing_keys(
            store.as_ref(),
            settings.key_cipher.as_ref(),
            settings.signing_algorithm,
            clock.now_ms(),
        )
        .await?;
        let auth = Self {
            live: RwLock::new(Arc::new(Live::new(settings.clone(), Vec::new()))),
            configured: settings,
            store,
            clock,
            keys: RwLock::new(keys),
            mail_queued: Arc::new(Notify::new()),
        };
        auth.refresh_settings().await?;
        Ok(auth)
    }

    /// The settings in force: the configuration's, with the live settings operators
    /// changed.
    pub fn settings(&self) -> Arc<Settings> {
        self.live().settings.clone()
    }

    /// Whether a browser's `Origin` may make credentialed calls (CORS) and
    /// cookie-authenticated changes: one of the settings' web origins in force, exactly.
    pub fn allows_web_origin(&self, origin: &str) -> bool {
        self.live().web_origins.allows(origin)
    }

    /// The settings in force with their ceremonies.
    fn live(&self) -> Arc<Live> {
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The store underneath, for tests; the server calls the use cases instead.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Notified whenever a use case has queued mail, to wake the mail worker.
    pub fn mail_queued(&self) -> Arc<Notify> {
        self.mail_queued.clone()
    }

    /// Milliseconds since the epoch, from the injected clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Re-reads the signing keys (after a rotation by another process).
    pub async fn reload_keys(&self) -> Result<()> {
        let keys = load_signing_keys(
            self.store.as_ref(),
            self.settings().key_cipher.as_ref(),
            self.settings().signing_algorithm,
            self.now(),
        )
        .await?;
        *self.keys.write().map_err(Error::internal)? = keys;
        Ok(())
    }

    /// The public signing keys as a JWK Set.
    pub fn jwks(&self) -> Result<Value> {
        Ok(self.keys.read().map_err(Error::internal)?.jwks())
    }

    /// Counts a request against each `(key, per_minute)` limit in the current one-minute
    /// window; `RateLimited` once any limit is past.
    pub async fn rate_limit(&self, limits: &[(&str, u32)]) -> Result<()> {
        const WINDOW_MS: i64 = 60_000;
        let now = self.now();
        let window_start = now - now.rem_euclid(WINDOW_MS);
        let keys: Vec<&str> = limits.iter().map(|(key, _)| *key).collect();
        let hits = self.store.hit_rate_limits(&keys, window_start).await?;
        if hits
            .iter()
            .zip(limits)
            .any(|(hits, (_, per_minute))| *hits > i64::from(*per_minute))
        {
            let retry_after_secs =
                u64::try_from((window_start + WINDOW_MS - now + 999) / 1000).unwrap_or(60);
            return Err(Error::RateLimited { retry_after_secs });
        }
        Ok(())
    }

    /// An open verification of `owner_id` for `challenge`, and the ceremony state kept
    /// until it is attempted.
    fn new_verification(
        &self,
        owner_id: &str,
        challenge: Challenge,
    ) -> (Verification, CeremonyState) {
        let expire_at = self.now() + self.settings().challenge_ttl_secs * 1000;
        let verification = Verification {
            owner_id: owner_id.to_owned(),
            status: VerificationStatus::Unverified,
            nonce: Some(challenge.options_json),
            attempts: 0,
            expire_at,
        };
        (
            verification,
            CeremonyState {
                state: challenge.state,
                expire_at,
            },
        )
    }

    /// A verification as of now: an open one past its expiry shows `expired`.
    fn current(&self, mut verification: Verification) -> Verification {
        if verification.status == VerificationStatus::Unverified
            && self.now() >= verification.expire_at
        {
            verification.status = VerificationStatus::Expired;
        }
        verification
    }

    /// An audit event of `kind` at the clock's time, made by the caller in `ctx`.
    fn event(
        &self,
        kind: &str,
        ctx: &RequestContext,
        user_id: Option<&str>,
        passkey_id: Option<&str>,
        session_id: Option<&str>,
        data: Value,
    ) -> AuditEvent {
        let now = self.now();
        AuditEvent {
            id: new_id(Kind::AuditEvent, now),
            kind: kind.to_owned(),
            user_id: user_id.map(str::to_owned),
            passkey_id: passkey_id.map(str::to_owned),
            session_id: session_id.map(str::to_owned),
            ip: ctx.ip.clone(),
            user_agent: ctx.user_agent.clone(),
            created_at: now,
            actor: ctx.actor.clone(),
            data: data.to_string(),
        }
    }
}

fn invalid_strategy() -> Error {
    Error::FormParamValueInvalid {
        param: STRATEGY,
        reason: "the only strategy is 'passkey'".into(),
    }
}

/// The credential of an attempt, which needs `strategy=passkey`.
fn attempted_credential<'a>(
    strategy: Option<&str>,
    credential: Option<&'a str>,
) -> Result<&'a str> {
    require_passkey_strategy(strategy)?;
    credential.ok_or(Error::FormParamMissing(CREDENTIAL))
}

fn require_passkey_strategy(strategy: Option<&str>) -> Result<()> {
    match strategy {
        Some(PASSKEY) => Ok(()),
        None | Some("") => Err(Error::FormParamMissing(STRATEGY)),
        Some(_) => Err(invalid_strategy()),
    }
}
