//! The use cases of the Frontend and Backend APIs: each public method is one call of the
//! API, taking the caller's client or session and returning what the response shows.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};

use crate::aaguid;
use crate::auth_keys::{bootstrap_signing_keys, load_signing_keys};
use crate::ceremony::{self, Ceremonies, Challenge};
use crate::clock::Clock;
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id, new_user_handle, random_bytes};
use crate::model::{
    AuditEvent, CeremonyState, Client, EmailAddress, Passkey, RequestClient, Session,
    SessionStatus, SignIn, SignInStatus, SignUp, SignUpStatus, User, Verification,
    VerificationStatus,
};
use crate::settings::Settings;
use crate::store::{Page, SignInCompletion, SignUpCompletion, Store};
use crate::tokens::{Claims, KeySet};
use crate::validate;

/// Who made a request, for audit events, passkey names and the token's `azp`.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The `Origin` header, when the browser sent one.
    pub origin: Option<String>,
}

/// A user with their verified passkeys, newest first.
#[derive(Debug, Clone)]
pub struct UserView {
    pub user: User,
    pub passkeys: Vec<Passkey>,
}

/// A session as the API shows it: status at the time of the call, user and tasks.
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

/// The fields of a sign-up request.
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
    settings: Settings,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ceremonies: Ceremonies,
    keys: RwLock<KeySet>,
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
        let keys =
            bootstrap_signing_keys(store.as_ref(), settings.key_cipher.as_ref(), clock.now_ms())
                .await?;
        Ok(Self {
            ceremonies: Ceremonies::new(&settings),
            settings,
            store,
            clock,
            keys: RwLock::new(keys),
        })
    }

    /// The domain settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The store underneath, for the use cases kept in sibling modules (`auth_admin`,
    /// `auth_maintenance`) and for tests; the server calls the use cases instead.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Milliseconds since the epoch, from the injected clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Re-reads the signing keys (after a rotation by another process).
    pub async fn reload_keys(&self) -> Result<()> {
        let keys = load_signing_keys(
            self.store.as_ref(),
            self.settings.key_cipher.as_ref(),
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
    /// window; `429` once any limit is past.
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

    // ----- clients -----

    /// The client holding `token`, if any.
    pub async fn find_client(&self, token: &str) -> Result<Option<Client>> {
        self.store.find_client_by_token(&token_hash(token)).await
    }

    /// A new client and its raw token (returned to the caller once, stored hashed by the
    /// request's first write).
    pub fn new_client(&self) -> (RequestClient, String) {
        let now = self.now();
        let token = b64url(&random_bytes(32));
        let client = Client {
            id: new_id(Kind::Client, now),
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            created_at: now,
            updated_at: now,
        };
        let token_hash = token_hash(&token);
        (RequestClient::New { client, token_hash }, token)
    }

    /// Everything the API shows of a client.
    pub async fn client_view(&self, client_id: &str) -> Result<Option<ClientView>> {
        let Some(record) = self.store.find_client_record(client_id).await? else {
            return Ok(None);
        };
        let now = self.now();
        let sessions = record
            .sessions
            .into_iter()
            .filter(|(session, _, _)| session.status_at(now).is_live())
            .map(|(mut session, user, passkeys)| {
                session.status = session.status_at(now);
                SessionView {
                    session,
                    user: UserView { user, passkeys },
                    token: None,
                }
            })
            .collect();
        let sign_in = match record.sign_in {
            Some((sign_in, verification)) => {
                Some(self.sign_in_view_of(sign_in, verification).await?)
            }
            None => None,
        };
        let sign_up = record
            .sign_up
            .map(|(sign_up, verification)| self.sign_up_view_of(sign_up, verification));
        Ok(Some(ClientView {
            client: record.client,
            sessions,
            sign_in,
            sign_up,
        }))
    }

    /// Ends every session of the client and forgets its attempts (`DELETE /v1/client`).
    pub async fn end_client(&self, client: &Client, ctx: &RequestContext) -> Result<()> {
        let now = self.now();
        for session in self.store.list_client_sessions(&client.id).await? {
            if session.status.is_live() {
                self.close_session(session, SessionStatus::Ended, ctx)
                    .await?;
            }
        }
        let client = Client {
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            updated_at: now,
            ..client.clone()
        };
        self.store.update_client(&client).await
    }

    // ----- sign-up -----

    /// `POST /v1/client/sign_ups`: a username sign-up completes at once; a passkey-first
    /// sign-up returns creation options.
    pub async fn create_sign_up(
        &self,
        request_client: &RequestClient,
        input: SignUpInput,
        ctx: &RequestContext,
    ) -> Result<SignUpView> {
        let client = request_client.client();
        let now = self.now();
        let username = input
            .username
            .as_deref()
            .map(validate::username)
            .transpose()?;
        let email_address = input
            .email_address
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(validate::email_address)
            .transpose()?;
        let first_name = input
            .first_name
            .as_deref()
            .map(|n| validate::person_name("first_name", n))
            .transpose()?
            .flatten();
        let last_name = input
            .last_name
            .as_deref()
            .map(|n| validate::person_name("last_name", n))
            .transpose()?
            .flatten();
        let with_passkey = match input.strategy.as_deref() {
            None | Some("") => false,
            Some(PASSKEY) => true,
            Some(_) => return Err(invalid_strategy()),
        };
        if with_passkey && !(self.settings.sign_up_with_passkey && self.settings.passkey_enabled) {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        if !with_passkey && !self.settings.sign_up_with_username {
            return Err(Error::StrategyNotEnabled("username"));
        }
        if let Some(username) = &username {
            self.ensure_identifier_free(username, "username").await?;
        }
        if let Some(email) = &email_address {
            self.ensure_identifier_free(email, "email_address").await?;
        }
        let mut sign_up = SignUp {
            id: new_id(Kind::SignUp, now),
            client_id: client.id.clone(),
            status: SignUpStatus::MissingRequirements,
            username,
            email_address,
            first_name,
            last_name,
            user_handle: None,
            created_user_id: None,
            created_session_id: None,
            abandon_at: now + ATTEMPT_LIFETIME_MS,
            created_at: now,
            updated_at: now,
        };
        if with_passkey {
            let handle = new_user_handle();
            let name = sign_up
                .username
                .clone()
                .or_else(|| sign_up.email_address.clone())
                .unwrap_or_else(|| format!("{} account", self.settings.application_name));
            let challenge = self
                .ceremonies
                .start_registration(&handle, &name, Vec::new())?;
            sign_up.user_handle = Some(handle);
            let (verification, ceremony) = self.new_verification(&sign_up.id, challenge);
            self.store
                .insert_sign_up(request_client, &sign_up, Some((&verification, &ceremony)))
                .await?;
            return self.sign_up_view(sign_up).await;
        }
        if sign_up.username.is_none() {
            self.store
                .insert_sign_up(request_client, &sign_up, None)
                .await?;
            return self.sign_up_view(sign_up).await;
        }
        let user = self.new_user(&sign_up, new_user_handle());
        let session = self.new_session(&client.id, &user.id, !self.settings.require_passkey);
        sign_up.status = SignUpStatus::Complete;
        sign_up.created_user_id = Some(user.id.clone());
        sign_up.created_session_id = Some(session.id.clone());
        let events = vec![self.event(
            "user.created",
            ctx,
            Some(&user.id),
            None,
            Some(&session.id),
            json!({ "strategy": "username" }),
        )];
        self.store
            .insert_sign_up(request_client, &sign_up, None)
            .await?;
        let verification = self
            .store
            .complete_sign_up(&SignUpCompletion {
                sign_up: sign_up.clone(),
                user,
                passkey: None,
                session,
                events,
            })
            .await?;
        Ok(self.sign_up_view_of(sign_up, verification))
    }

    /// `POST /v1/client/sign_ups/{id}/attempt_verification`: verifies the passkey and
    /// creates the user, the passkey and a session in one step.
    pub async fn attempt_sign_up(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
        credential: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<SignUpView> {
        let credential = attempted_credential(strategy, credential)?;
        let sign_up = self
            .store
            .find_sign_up(&client.id, id)
            .await?
            .ok_or(Error::NotFound("sign_up"))?;
        if sign_up.status != SignUpStatus::MissingRequirements {
            return Err(Error::AlreadyVerified);
        }
        let handle = sign_up
            .user_handle
            .clone()
            .ok_or_else(|| Error::FormParamValueInvalid {
                param: STRATEGY,
                reason: "this sign-up was not started with a passkey".into(),
            })?;
        let state = self.consume(&sign_up.id).await?;
        let outcome = async {
            let response = ceremony::parse_registration(credential)?;
            let registered = self
                .ceremonies
                .finish_registration(&response, &state.state)?;
            self.ensure_credential_new(&registered.credential_id)
                .await?;
            Ok(registered)
        }
        .await;
        let registered = self
            .settle(&sign_up.id, outcome, "sign_up.failed", ctx, None)
            .await?;
        let now = self.now();
        let user = self.new_user(&sign_up, handle);
        let passkey = self.registered_passkey(self.new_passkey(&user.id), registered, ctx);
        let session = self.new_session(&client.id, &user.id, true);
        let sign_up = SignUp {
            status: SignUpStatus::Complete,
            created_user_id: Some(user.id.clone()),
            created_session_id: Some(session.id.clone()),
            updated_at: now,
            ..sign_up
        };
        let events = vec![
            self.event(
                "user.created",
                ctx,
                Some(&user.id),
                None,
                Some(&session.id),
                json!({ "strategy": PASSKEY }),
            ),
            self.event(
                "passkey.created",
                ctx,
                Some(&user.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({ "name": passkey.name }),
            ),
        ];
        let verification = self
            .store
            .complete_sign_up(&SignUpCompletion {
                sign_up: sign_up.clone(),
                user,
                passkey: Some(passkey),
                session,
                events,
            })
            .await?;
        Ok(self.sign_up_view_of(sign_up, verification))
    }

    async fn ensure_identifier_free(&self, identifier: &str, param: &'static str) -> Result<()> {
        match self.store.find_user_by_identifier(identifier).await? {
            Some(_) => Err(Error::IdentifierExists(param)),
            None => Ok(()),
        }
    }

    async fn ensure_credential_new(&self, credential_id: &[u8]) -> Result<()> {
        match self
            .store
            .find_passkey_by_credential_id(credential_id)
            .await?
        {
            Some(_) => Err(Error::PasskeyAlreadyExists),
            None => Ok(()),
        }
    }

    // ----- sign-in -----

    /// `POST /v1/client/sign_ins`: with `strategy=passkey` alone, a discoverable sign-in
    /// with request options; with an `identifier`, an identifier-first sign-in.
    pub async fn create_sign_in(
        &self,
        request_client: &RequestClient,
        strategy: Option<&str>,
        identifier: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<SignInView> {
        let client = request_client.client();
        let now = self.now();
        let strategy = strategy.filter(|s| !s.is_empty());
        if let Some(strategy) = strategy
            && strategy != PASSKEY
        {
            return Err(invalid_strategy());
        }
        if !self.settings.passkey_enabled {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        let identifier = identifier.map(str::trim).filter(|i| !i.is_empty());
        if strategy.is_none() && identifier.is_none() {
            return Err(Error::FormParamMissing("identifier"));
        }
        let mut sign_in = SignIn {
            id: new_id(Kind::SignIn, now),
            client_id: client.id.clone(),
            status: SignInStatus::NeedsFirstFactor,
            identifier: None,
            user_id: None,
            created_session_id: None,
            abandon_at: now + ATTEMPT_LIFETIME_MS,
            created_at: now,
            updated_at: now,
        };
        if let Some(identifier) = identifier {
            let found = match validate::identifier(identifier) {
                Some(identifier) => self.store.find_user_by_identifier(&identifier).await?,
                None => None,
            };
            let user = match found {
                Some(user) => user,
                None => {
                    let event = self.event(
                        "sign_in.failed",
                        ctx,
                        None,
                        None,
                        None,
                        json!({ "code": "form_identifier_not_found" }),
                    );
                    self.store.insert_audit_event(&event).await?;
                    return Err(Error::IdentifierNotFound("identifier"));
                }
            };
            sign_in.identifier = Some(identifier.to_owned());
            sign_in.user_id = Some(user.id);
            self.store
                .insert_sign_in(request_client, &sign_in, None)
                .await?;
            if strategy.is_some() {
                return self.prepare_sign_in(client, &sign_in.id, strategy).await;
            }
            return self.sign_in_view(sign_in).await;
        }
        let challenge = self.ceremonies.start_authentication(Vec::new())?;
        let (verification, ceremony) = self.new_verification(&sign_in.id, challenge);
        self.store
            .insert_sign_in(request_client, &sign_in, Some((&verification, &ceremony)))
            .await?;
        Ok(SignInView {
            sign_in,
            verification: Some(verification),
            passkey_supported: true,
        })
    }

    /// `POST /v1/client/sign_ins/{id}/prepare_first_factor`: request options that allow
    /// the identified user's passkeys.
    pub async fn prepare_sign_in(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
    ) -> Result<SignInView> {
        require_passkey_strategy(strategy)?;
        let sign_in = self
            .store
            .find_sign_in(&client.id, id)
            .await?
            .ok_or(Error::NotFound("sign_in"))?;
        if sign_in.status == SignInStatus::Complete {
            return Err(Error::AlreadyVerified);
        }
        let allow = match &sign_in.user_id {
            Some(user_id) => self
                .store
                .list_passkeys(user_id)
                .await?
                .iter()
                .filter_map(|p| p.credential.as_deref())
                .map(ceremony::stored_credential)
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        if sign_in.user_id.is_some() && allow.is_empty() {
            return Err(Error::FormParamValueInvalid {
                param: STRATEGY,
                reason: "this account has no passkey".into(),
            });
        }
        let challenge = self.ceremonies.start_authentication(allow)?;
        let (verification, ceremony) = self.new_verification(&sign_in.id, challenge);
        self.store
            .upsert_verification(&verification, &ceremony)
            .await?;
        self.sign_in_view(sign_in).await
    }

    /// `POST /v1/client/sign_ins/{id}/attempt_first_factor`: verifies the assertion and
    /// creates a session.
    pub async fn attempt_sign_in(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
        credential: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<SignInView> {
        let credential = attempted_credential(strategy, credential)?;
        let sign_in = self
            .store
            .find_sign_in(&client.id, id)
            .await?
            .ok_or(Error::NotFound("sign_in"))?;
        if sign_in.status == SignInStatus::Complete {
            return Err(Error::AlreadyVerified);
        }
        let state = self.consume(&sign_in.id).await?;
        let outcome = async {
            let assertion = ceremony::parse_assertion(credential)?;
            let (passkey, owner) = self
                .store
                .find_passkey_owner(&assertion.raw_id)
                .await?
                .ok_or(Error::PasskeyNotRegistered)?;
            match assertion.response.user_handle.as_deref() {
                Some(handle) if handle != owner.user_handle.as_slice() => {
                    return Err(Error::InvalidCredential(
                        "the user handle does not match the passkey".into(),
                    ));
                }
                None if sign_in.user_id.is_none() => {
                    return Err(Error::InvalidCredential(
                        "a discoverable sign-in needs a user handle".into(),
                    ));
                }
                _ => {}
            }
            if sign_in.user_id.as_ref().is_some_and(|u| *u != owner.id) {
                return Err(Error::InvalidCredential(
                    "this passkey is not allowed for this sign-in".into(),
                ));
            }
            let stored = passkey
                .credential
                .as_deref()
                .ok_or(Error::PasskeyNotVerified)?;
            let used = self.ceremonies.finish_authentication(
                &assertion,
                &state.state,
                stored,
                passkey.public_key.as_deref(),
            )?;
            Ok((passkey, owner, used))
        }
        .await;
        let (passkey, owner, used) = self
            .settle(
                &sign_in.id,
                outcome,
                "sign_in.failed",
                ctx,
                sign_in.user_id.as_deref(),
            )
            .await?;
        let now = self.now();
        let session = self.new_session(&client.id, &owner.id, true);
        let sign_in = SignIn {
            status: SignInStatus::Complete,
            user_id: Some(owner.id.clone()),
            created_session_id: Some(session.id.clone()),
            updated_at: now,
            ..sign_in
        };
        let events = vec![
            self.event(
                "passkey.used",
                ctx,
                Some(&owner.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({}),
            ),
            self.event(
                "sign_in.succeeded",
                ctx,
                Some(&owner.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({ "strategy": PASSKEY }),
            ),
        ];
        let verification = self
            .store
            .complete_sign_in(&SignInCompletion {
                sign_in: sign_in.clone(),
                session,
                passkey_id: passkey.id,
                credential: used.credential,
                backed_up: used.backed_up,
                public_key: used.public_key,
                now,
                events,
            })
            .await?;
        self.sign_in_view_of(sign_in, verification).await
    }

    // ----- sessions -----

    /// The client's live session `id`; anything else is not found or not usable.
    async fn client_session(&self, client: &Client, id: &str) -> Result<Session> {
        let found = self
            .store
            .find_session(id)
            .await?
            .filter(|s| s.client_id == client.id);
        let Some(session) = found else {
            // A session that went with its deleted user has ended, like any other.
            return Err(if self.store.session_was_removed(&client.id, id).await? {
                Error::AuthenticationInvalid
            } else {
                Error::NotFound("session")
            });
        };
        if !session.status_at(self.now()).is_live() {
            return Err(Error::AuthenticationInvalid);
        }
        Ok(session)
    }

    /// `POST /v1/client/sessions/{id}/touch`: makes the session the client's active one.
    pub async fn touch_session(&self, client: &Client, id: &str) -> Result<SessionView> {
        let now = self.now();
        let mut session = self.client_session(client, id).await?;
        session.last_active_at = now;
        session.updated_at = now;
        self.store.update_session(&session, None).await?;
        let client = Client {
            last_active_session_id: Some(session.id.clone()),
            updated_at: now,
            ..client.clone()
        };
        self.store.update_client(&client).await?;
        self.session_view(session).await
    }

    /// `POST /v1/client/sessions/{id}/tokens`: a fresh session token; refreshing keeps the
    /// session from being abandoned.
    pub async fn session_token(
        &self,
        client: &Client,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<String> {
        let now = self.now();
        let mut session = self.client_session(client, id).await?;
        let abandon_at =
            (now + self.settings.session_inactivity_secs * 1000).min(session.expire_at);
        // Activity is recorded to a tenth of the inactivity limit (at most a minute), so
        // tokens minted in quick succession write nothing.
        let resolution = (self.settings.session_inactivity_secs * 100).min(60_000);
        if abandon_at - session.abandon_at >= resolution {
            session.last_active_at = now;
            session.abandon_at = abandon_at;
            session.updated_at = now;
            self.store.update_session(&session, None).await?;
        }
        self.sign_session_token(&session, ctx)
    }

    /// A session token for a live session, recording no activity: for the session an
    /// attempt has just created, so that its response carries the first token.
    pub fn sign_session_token(&self, session: &Session, ctx: &RequestContext) -> Result<String> {
        let iat = self.now() / 1000;
        let claims = Claims {
            iss: self
                .settings
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            sub: session.user_id.clone(),
            sid: session.id.clone(),
            iat,
            nbf: iat - 5,
            exp: iat + self.settings.token_ttl_secs,
            jti: b64url(&random_bytes(16)),
            azp: ctx.origin.clone(),
            sts: session.status.as_str(),
            v: 1,
        };
        self.keys.read().map_err(Error::internal)?.sign(&claims)
    }

    /// `POST /v1/client/sessions/{id}/end`: signs the session out.
    pub async fn end_session(
        &self,
        client: &Client,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<SessionView> {
        let now = self.now();
        let session = self.client_session(client, id).await?;
        let session = self
            .close_session(session, SessionStatus::Ended, ctx)
            .await?;
        if client.last_active_session_id.as_deref() == Some(id) {
            let next = self
                .store
                .list_client_sessions(&client.id)
                .await?
                .into_iter()
                .find(|s| s.id != id && s.status_at(now).is_live())
                .map(|s| s.id);
            let client = Client {
                last_active_session_id: next,
                updated_at: now,
                ..client.clone()
            };
            self.store.update_client(&client).await?;
        }
        self.session_view(session).await
    }

    /// The session `/v1/me` acts on: the one named, else the client's last active one.
    pub async fn current_session(
        &self,
        client: Option<&Client>,
        session_id: Option<&str>,
    ) -> Result<Session> {
        let client = client.ok_or(Error::AuthenticationInvalid)?;
        let id = session_id
            .or(client.last_active_session_id.as_deref())
            .ok_or(Error::AuthenticationInvalid)?;
        self.client_session(client, id)
            .await
            .map_err(|_| Error::AuthenticationInvalid)
    }

    /// `GET /v1/me`.
    pub async fn me(&self, session: &Session) -> Result<UserView> {
        // The user may have been deleted since its session was read.
        self.user_view(&session.user_id)
            .await
            .map_err(|err| match err {
                Error::NotFound(_) => Error::AuthenticationInvalid,
                other => other,
            })
    }

    /// `GET /v1/me/sessions`: the user's live sessions on every client.
    pub async fn my_sessions(&self, session: &Session) -> Result<Vec<SessionView>> {
        let now = self.now();
        let (sessions, _) = self
            .store
            .list_sessions(
                Some(&session.user_id),
                None,
                Page {
                    limit: 500,
                    offset: 0,
                },
            )
            .await?;
        let mut views = Vec::new();
        for s in sessions.into_iter().filter(|s| s.status_at(now).is_live()) {
            views.push(self.session_view(s).await?);
        }
        Ok(views)
    }

    /// `POST /v1/me/sessions/{id}/revoke`: revokes one of the user's sessions.
    pub async fn revoke_my_session(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<SessionView> {
        let target = self
            .store
            .find_session(id)
            .await?
            .filter(|s| s.user_id == session.user_id)
            .ok_or(Error::NotFound("session"))?;
        self.revoke(target, ctx).await
    }

    /// Revokes a session (Backend API and `/v1/me`).
    pub async fn revoke(&self, target: Session, ctx: &RequestContext) -> Result<SessionView> {
        let target = if target.status.is_live() {
            self.close_session(target, SessionStatus::Revoked, ctx)
                .await?
        } else {
            target
        };
        self.session_view(target).await
    }

    /// Gives a session its final status (`ended` or `revoked`) with the audit event
    /// that records it.
    async fn close_session(
        &self,
        mut session: Session,
        status: SessionStatus,
        ctx: &RequestContext,
    ) -> Result<Session> {
        session.status = status;
        session.updated_at = self.now();
        let kind = if status == SessionStatus::Revoked {
            "session.revoked"
        } else {
            "session.ended"
        };
        let event = self.event(
            kind,
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({}),
        );
        self.store.update_session(&session, Some(&event)).await?;
        Ok(session)
    }

    // ----- passkeys -----

    /// `POST /v1/me/passkeys`: starts a registration for the signed-in user.
    pub async fn create_passkey(&self, session: &Session) -> Result<PasskeyView> {
        if !self.settings.passkey_enabled {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        let user = self
            .store
            .find_user(&session.user_id)
            .await?
            .ok_or(Error::AuthenticationInvalid)?;
        let existing = self.store.list_passkeys(&user.id).await?;
        self.ensure_quota(existing.len())?;
        let exclude = existing
            .into_iter()
            .filter_map(|p| p.credential_id)
            .collect();
        let challenge =
            self.ceremonies
                .start_registration(&user.user_handle, user.display_name(), exclude)?;
        let passkey = self.new_passkey(&user.id);
        let (verification, ceremony) = self.new_verification(&passkey.id, challenge);
        self.store
            .insert_passkey(&passkey, &verification, &ceremony)
            .await?;
        Ok(PasskeyView {
            passkey,
            verification: Some(verification),
        })
    }

    /// `POST /v1/me/passkeys/{id}/attempt_verification`: verifies and names the passkey.
    pub async fn attempt_passkey(
        &self,
        session: &Session,
        id: &str,
        strategy: Option<&str>,
        credential: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<PasskeyView> {
        let credential = attempted_credential(strategy, credential)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if passkey.verified {
            return Err(Error::AlreadyVerified);
        }
        let state = self.consume(&passkey.id).await?;
        let outcome = async {
            let response = ceremony::parse_registration(credential)?;
            self.ensure_quota(self.store.list_passkeys(&session.user_id).await?.len())?;
            let registered = self
                .ceremonies
                .finish_registration(&response, &state.state)?;
            self.ensure_credential_new(&registered.credential_id)
                .await?;
            Ok(registered)
        }
        .await;
        let registered = self
            .settle(
                &passkey.id,
                outcome,
                "passkey.failed",
                ctx,
                Some(&session.user_id),
            )
            .await?;
        let passkey = self.registered_passkey(passkey, registered, ctx);
        let event = self.event(
            "passkey.created",
            ctx,
            Some(&session.user_id),
            Some(&passkey.id),
            Some(&session.id),
            json!({ "name": passkey.name }),
        );
        self.store
            .complete_passkey_registration(&passkey, self.settings.require_passkey, &event)
            .await?;
        self.passkey_view(passkey).await
    }

    /// `PATCH /v1/me/passkeys/{id}`: renames a verified passkey.
    pub async fn rename_passkey(
        &self,
        session: &Session,
        id: &str,
        name: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<PasskeyView> {
        let name = validate::passkey_name(name.ok_or(Error::FormParamMissing("name"))?)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if !passkey.verified {
            return Err(Error::PasskeyNotVerified);
        }
        let passkey = Passkey {
            name: Some(name),
            updated_at: self.now(),
            ..passkey
        };
        let event = self.event(
            "passkey.renamed",
            ctx,
            Some(&session.user_id),
            Some(&passkey.id),
            Some(&session.id),
            json!({ "name": passkey.name }),
        );
        self.store.rename_passkey(&passkey, &event).await?;
        self.passkey_view(passkey).await
    }

    /// `DELETE /v1/me/passkeys/{id}`: deletes the passkey; it is unusable at once.
    pub async fn delete_passkey(
        &self,
        user_id: &str,
        id: &str,
        session_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let event = self.event(
            "passkey.deleted",
            ctx,
            Some(user_id),
            Some(id),
            session_id,
            json!({}),
        );
        if self.store.delete_passkey(user_id, id, &event).await? {
            Ok(())
        } else {
            Err(Error::NotFound("passkey"))
        }
    }

    fn ensure_quota(&self, count: usize) -> Result<()> {
        let max = self.settings.max_passkeys_per_user;
        if count >= max as usize {
            Err(Error::PasskeyQuotaExceeded(max))
        } else {
            Ok(())
        }
    }

    // ----- users (Backend API) -----

    /// A user with their passkeys.
    pub async fn user_view(&self, user_id: &str) -> Result<UserView> {
        let user = self
            .store
            .find_user(user_id)
            .await?
            .ok_or(Error::NotFound("user"))?;
        let passkeys = self.store.list_passkeys(&user.id).await?;
        Ok(UserView { user, passkeys })
    }

    /// Creates a user without a session (Backend API).
    pub async fn create_user(&self, input: SignUpInput, ctx: &RequestContext) -> Result<UserView> {
        let username = validate::username(
            input
                .username
                .as_deref()
                .ok_or(Error::FormParamMissing("username"))?,
        )?;
        let email_address = input
            .email_address
            .as_deref()
            .filter(|e| !e.trim().is_empty())
            .map(validate::email_address)
            .transpose()?;
        self.ensure_identifier_free(&username, "username").await?;
        if let Some(email) = &email_address {
            self.ensure_identifier_free(email, "email_address").await?;
        }
        let draft = SignUp {
            id: String::new(),
            client_id: String::new(),
            status: SignUpStatus::Complete,
            username: Some(username),
            email_address,
            first_name: input
                .first_name
                .as_deref()
                .map(|n| validate::person_name("first_name", n))
                .transpose()?
                .flatten(),
            last_name: input
                .last_name
                .as_deref()
                .map(|n| validate::person_name("last_name", n))
                .transpose()?
                .flatten(),
            user_handle: None,
            created_user_id: None,
            created_session_id: None,
            abandon_at: 0,
            created_at: 0,
            updated_at: 0,
        };
        let user = self.new_user(&draft, new_user_handle());
        self.store.insert_user(&user).await?;
        let event = self.event(
            "user.created",
            ctx,
            Some(&user.id),
            None,
            None,
            json!({ "strategy": "backend" }),
        );
        self.store.insert_audit_event(&event).await?;
        self.user_view(&user.id).await
    }

    /// Deletes a user, its passkeys, and ends its sessions.
    pub async fn delete_user(&self, id: &str, ctx: &RequestContext) -> Result<()> {
        let event = self.event("user.deleted", ctx, Some(id), None, None, json!({}));
        if self.store.delete_user(id, self.now(), &event).await? {
            Ok(())
        } else {
            Err(Error::NotFound("user"))
        }
    }

    // ----- views -----

    /// A session with its status at this moment and its user.
    pub async fn session_view(&self, mut session: Session) -> Result<SessionView> {
        session.status = session.status_at(self.now());
        let user = self.user_view(&session.user_id).await?;
        Ok(SessionView {
            session,
            user,
            token: None,
        })
    }

    async fn passkey_view(&self, passkey: Passkey) -> Result<PasskeyView> {
        let verification = self.store.find_verification(&passkey.id).await?;
        Ok(PasskeyView {
            passkey,
            verification: verification.map(|v| self.current(v)),
        })
    }

    async fn sign_in_view(&self, sign_in: SignIn) -> Result<SignInView> {
        let verification = self.store.find_verification(&sign_in.id).await?;
        self.sign_in_view_of(sign_in, verification).await
    }

    async fn sign_in_view_of(
        &self,
        sign_in: SignIn,
        verification: Option<Verification>,
    ) -> Result<SignInView> {
        let verification = verification.map(|v| self.current(v));
        let passkey_supported = match &sign_in.user_id {
            Some(user_id) if sign_in.status != SignInStatus::Complete => {
                !self.store.list_passkeys(user_id).await?.is_empty()
            }
            _ => self.settings.passkey_enabled,
        };
        Ok(SignInView {
            sign_in,
            verification,
            passkey_supported,
        })
    }

    async fn sign_up_view(&self, sign_up: SignUp) -> Result<SignUpView> {
        let verification = self.store.find_verification(&sign_up.id).await?;
        Ok(self.sign_up_view_of(sign_up, verification))
    }

    fn sign_up_view_of(&self, sign_up: SignUp, verification: Option<Verification>) -> SignUpView {
        SignUpView {
            sign_up,
            verification: verification.map(|v| self.current(v)),
        }
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

    // ----- building blocks -----

    fn new_verification(
        &self,
        owner_id: &str,
        challenge: Challenge,
    ) -> (Verification, CeremonyState) {
        let expire_at = self.now() + self.settings.challenge_ttl_secs * 1000;
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

    /// Takes the ceremony state of an attempt once, refusing a used or expired challenge.
    async fn consume(&self, owner_id: &str) -> Result<CeremonyState> {
        let state = self
            .store
            .consume_ceremony(owner_id)
            .await?
            .ok_or(Error::AlreadyVerified)?;
        if self.now() >= state.expire_at {
            self.store
                .set_verification_status(owner_id, VerificationStatus::Expired)
                .await?;
            return Err(Error::VerificationExpired);
        }
        Ok(state)
    }

    /// Records a failed ceremony: the verification is marked failed and the failure
    /// audited. Success is recorded by the completion that writes what it verified.
    async fn settle<T>(
        &self,
        owner_id: &str,
        outcome: Result<T>,
        failure_event: &str,
        ctx: &RequestContext,
        user_id: Option<&str>,
    ) -> Result<T> {
        match outcome {
            // The completion that follows marks the verification verified.
            Ok(value) => Ok(value),
            Err(err) => {
                self.store
                    .set_verification_status(owner_id, VerificationStatus::Failed)
                    .await?;
                let event = self.event(
                    failure_event,
                    ctx,
                    user_id,
                    None,
                    None,
                    json!({ "code": err.code() }),
                );
                self.store.insert_audit_event(&event).await?;
                Err(err)
            }
        }
    }

    fn new_user(&self, sign_up: &SignUp, user_handle: Vec<u8>) -> User {
        let now = self.now();
        User {
            id: new_id(Kind::User, now),
            user_handle,
            username: sign_up.username.clone(),
            email: sign_up
                .email_address
                .clone()
                .map(|email_address| EmailAddress {
                    id: new_id(Kind::Email, now),
                    email_address,
                }),
            first_name: sign_up.first_name.clone(),
            last_name: sign_up.last_name.clone(),
            last_sign_in_at: Some(now),
            created_at: now,
            updated_at: now,
        }
    }

    fn new_passkey(&self, user_id: &str) -> Passkey {
        let now = self.now();
        Passkey {
            id: new_id(Kind::Passkey, now),
            user_id: user_id.to_owned(),
            name: None,
            credential_id: None,
            credential: None,
            public_key: None,
            aaguid: None,
            backed_up: false,
            transports: Vec::new(),
            verified: false,
            last_used_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn registered_passkey(
        &self,
        passkey: Passkey,
        registered: ceremony::RegisteredCredential,
        ctx: &RequestContext,
    ) -> Passkey {
        Passkey {
            name: Some(aaguid::passkey_name(
                registered.aaguid.as_deref(),
                ctx.user_agent.as_deref(),
            )),
            credential_id: Some(registered.credential_id),
            credential: Some(registered.credential),
            public_key: registered.public_key,
            aaguid: registered.aaguid,
            backed_up: registered.backed_up,
            transports: registered.transports,
            verified: true,
            updated_at: self.now(),
            ..passkey
        }
    }

    /// A new session; without a passkey and with `require_passkey` it starts `pending`.
    fn new_session(&self, client_id: &str, user_id: &str, has_passkey: bool) -> Session {
        let now = self.now();
        let expire_at = now + self.settings.session_lifetime_secs * 1000;
        let status = if self.settings.require_passkey && !has_passkey {
            SessionStatus::Pending
        } else {
            SessionStatus::Active
        };
        Session {
            id: new_id(Kind::Session, now),
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            status,
            last_active_at: now,
            expire_at,
            abandon_at: (now + self.settings.session_inactivity_secs * 1000).min(expire_at),
            created_at: now,
            updated_at: now,
        }
    }

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

/// The credential of an `attempt_*` call, which needs `strategy=passkey`.
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
