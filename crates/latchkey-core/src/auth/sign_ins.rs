//! Sign-ins: discoverable or identifier-first, completed by a passkey's assertion that
//! creates a session.

use serde_json::json;

use super::attempts::Attempt;
use super::email_codes::{EMAIL_CODE, masked};
use super::views::{Answer, SignInView};
use super::{
    ATTEMPT_LIFETIME_MS, Auth, PASSKEY, RequestContext, STRATEGY, attempted_credential,
    invalid_strategy, require_passkey_strategy,
};
use crate::ceremony::{self, UsedCredential};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{
    CeremonyState, Client, EmailCode, Passkey, RequestClient, SignIn, SignInStatus, User,
    Verification,
};
use crate::settings::EmailCodeUse;
use crate::store::{PasskeyUse, SignInCompletion};
use crate::validate;

/// How an attempt answers its first factor: a passkey's credential or an emailed code.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstFactor<'a> {
    pub strategy: Option<&'a str>,
    pub credential: Option<&'a str>,
    pub code: Option<&'a str>,
}

impl Auth {
    /// Starts a sign-in on the client: with `strategy=passkey` alone, a discoverable
    /// sign-in with request options; with an `identifier`, an identifier-first sign-in.
    pub async fn create_sign_in(
        &self,
        request_client: &RequestClient,
        strategy: Option<&str>,
        identifier: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        let client = request_client.client();
        let now = self.now();
        let strategy = strategy.filter(|s| !s.is_empty());
        if strategy == Some(EMAIL_CODE) {
            return self
                .create_email_sign_in(request_client, identifier, ctx)
                .await;
        }
        if let Some(strategy) = strategy
            && strategy != PASSKEY
        {
            return Err(invalid_strategy());
        }
        if !self.settings().passkey_enabled {
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
                return self
                    .prepare_sign_in(client, &sign_in.id, strategy, None, ctx)
                    .await;
            }
            let view = self.sign_in_view_of(sign_in, Some((None, None))).await?;
            return self.answer_sign_in(request_client, view).await;
        }
        let challenge = self.live().ceremonies.start_authentication(Vec::new())?;
        let (verification, ceremony) = self.new_verification(&sign_in.id, challenge);
        self.store
            .insert_sign_in(request_client, &sign_in, Some((&verification, &ceremony)))
            .await?;
        let view = SignInView {
            sign_in,
            verification: Some(verification),
            email_code: None,
            passkey_supported: true,
            email_factor: None,
        };
        self.answer_sign_in(request_client, view).await
    }

    /// Prepares an identifier-first sign-in's first factor: request options that allow
    /// the identified user's passkeys, or a code mailed to one of the user's addresses.
    pub async fn prepare_sign_in(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
        email_address_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        let sign_in = self.open_sign_in(client, id).await?;
        if strategy == Some(EMAIL_CODE) {
            return self
                .prepare_email_sign_in(client, sign_in, email_address_id, ctx)
                .await;
        }
        require_passkey_strategy(strategy)?;
        self.open_passkey_challenge(&sign_in.id, sign_in.user_id.as_deref())
            .await?;
        let view = self.sign_in_view_of(sign_in, None).await?;
        self.answer(&client.id, view).await
    }

    /// Verifies a sign-in's assertion (or emailed code) and creates a session, whose
    /// first token the answer carries.
    pub async fn attempt_sign_in(
        &self,
        client: &Client,
        id: &str,
        answer: FirstFactor<'_>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        if answer.strategy == Some(EMAIL_CODE) {
            let sign_in = self.open_sign_in(client, id).await?;
            return self
                .attempt_email_sign_in(client, sign_in, answer.code, ctx)
                .await;
        }
        let credential = attempted_credential(answer.strategy, answer.credential)?;
        let (sign_in, ceremony) = self
            .store
            .find_sign_in_attempt(&client.id, id)
            .await?
            .unzip();
        let sign_in = still_open(sign_in)?;
        let view = self
            .run_attempt(SignInAttempt(sign_in), ceremony.flatten(), credential, ctx)
            .await?;
        let created = view.sign_in.created_session_id.clone();
        self.answer_signed_in(&client.id, view, created, ctx).await
    }

    /// The client's sign-in `id`, refused once complete.
    async fn open_sign_in(&self, client: &Client, id: &str) -> Result<SignIn> {
        still_open(self.store.find_sign_in(&client.id, id).await?)
    }

    /// A sign-in with its verifications as of now (read unless given as `record`), the
    /// factor prepared last first, and the factors that can complete it.
    pub(super) async fn sign_in_view_of(
        &self,
        sign_in: SignIn,
        record: Option<(Option<Verification>, Option<EmailCode>)>,
    ) -> Result<SignInView> {
        let (verification, email_code) = match record {
            Some(record) => record,
            None => (
                self.store.find_verification(&sign_in.id).await?,
                self.store.find_email_code(&sign_in.id).await?,
            ),
        };
        let mut verification = verification.map(|v| self.current(v));
        let mut email_code = email_code.map(|c| self.current_code(c));
        // The factor prepared last is the sign-in's first factor verification.
        if let (Some(v), Some(c)) = (&verification, &email_code) {
            if v.expire_at - self.settings().challenge_ttl_secs * 1000 > c.created_at {
                email_code = None;
            } else {
                verification = None;
            }
        }
        let open = sign_in.status != SignInStatus::Complete;
        let email_factor = match &email_code {
            // Whether or not a user has the address: the answer must not tell.
            Some(code) => code
                .email_address_id
                .clone()
                .map(|id| (id, masked(&code.email_address))),
            None => match &sign_in.user_id {
                Some(user_id) if open && self.settings().email_code != EmailCodeUse::Off => self
                    .store
                    .find_user(user_id)
                    .await?
                    .and_then(|u| u.email)
                    .map(|e| (e.id, masked(&e.email_address))),
                _ => None,
            },
        };
        let passkey_supported = match &sign_in.user_id {
            Some(user_id) if open && email_code.is_none() => {
                !self.store.list_passkeys(user_id).await?.is_empty()
            }
            _ => self.settings().passkey_enabled,
        };
        Ok(SignInView {
            sign_in,
            verification,
            email_code,
            passkey_supported,
            email_factor,
        })
    }
}

impl Auth {
    /// Opens a request challenge owned by `owner_id`: for `user_id`, one that allows only
    /// that user's passkeys (refused when the user has none); without, a discoverable one.
    pub(super) async fn open_passkey_challenge(
        &self,
        owner_id: &str,
        user_id: Option<&str>,
    ) -> Result<()> {
        let allow = match user_id {
            Some(user_id) => {
                let allow = self
                    .store
                    .list_passkeys(user_id)
                    .await?
                    .iter()
                    .filter_map(|p| p.credential.as_deref())
                    .map(ceremony::stored_credential)
                    .collect::<Result<Vec<_>>>()?;
                if allow.is_empty() {
                    return Err(Error::FormParamValueInvalid {
                        param: STRATEGY,
                        reason: "this account has no passkey".into(),
                    });
                }
                allow
            }
            None => Vec::new(),
        };
        let challenge = self.live().ceremonies.start_authentication(allow)?;
        let (verification, ceremony) = self.new_verification(owner_id, challenge);
        self.store
            .upsert_verification(&verification, &ceremony)
            .await
    }

    /// Verifies a passkey's assertion against the ceremony `state`: the passkey used,
    /// its owner and what the assertion changed of it. With `user_id`, the passkey must
    /// be that user's; without, the assertion must name its user (discoverable).
    pub(super) async fn verify_assertion(
        &self,
        credential: &str,
        state: &CeremonyState,
        user_id: Option<&str>,
    ) -> Result<(Passkey, User, UsedCredential)> {
        let assertion = ceremony::parse_assertion(credential)?;
        let (passkey, owner) = self
            .store
            .find_passkey_owner(&assertion.raw_id)
            .await?
            .ok_or(Error::PasskeyNotRegistered)?;
        // An imported passkey answers with the handle the server that created it chose.
        let user_handle = passkey.user_handle.as_deref().unwrap_or(&owner.user_handle);
        match assertion.response.user_handle.as_deref() {
            Some(handle) if handle != user_handle => {
                return Err(Error::InvalidCredential(
                    "the user handle does not match the passkey".into(),
                ));
            }
            None if user_id.is_none() => {
                return Err(Error::InvalidCredential(
                    "a discoverable sign-in needs a user handle".into(),
                ));
            }
            _ => {}
        }
        if owner.banned_at.is_some() {
            return Err(Error::UserBanned);
        }
        if user_id.is_some_and(|u| u != owner.id) {
            return Err(Error::InvalidCredential(
                "this passkey is not allowed for this sign-in".into(),
            ));
        }
        let stored = passkey
            .credential
            .as_deref()
            .ok_or(Error::PasskeyNotVerified)?;
        let used = self.live().ceremonies.finish_authentication(
            &assertion,
            &state.state,
            stored,
            passkey.public_key.as_deref(),
        )?;
        Ok((passkey, owner, used))
    }
}

/// A sign-in as found, refused when missing or complete.
fn still_open(sign_in: Option<SignIn>) -> Result<SignIn> {
    let sign_in = sign_in.ok_or(Error::NotFound("sign_in"))?;
    if sign_in.status == SignInStatus::Complete {
        return Err(Error::AlreadyVerified);
    }
    Ok(sign_in)
}

/// A sign-in answering its request challenge with a passkey's assertion.
struct SignInAttempt(SignIn);

impl Attempt for SignInAttempt {
    /// The passkey used, its owner and what the assertion changed of it.
    type Verified = (Passkey, User, UsedCredential);
    type View = SignInView;
    const FAILED_EVENT: &'static str = "sign_in.failed";

    fn owner_id(&self) -> &str {
        &self.0.id
    }

    fn user_id(&self) -> Option<&str> {
        self.0.user_id.as_deref()
    }

    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<Self::Verified> {
        auth.verify_assertion(credential, state, self.0.user_id.as_deref())
            .await
    }

    async fn complete(
        self,
        auth: &Auth,
        (passkey, owner, used): Self::Verified,
        ctx: &RequestContext,
    ) -> Result<SignInView> {
        let now = auth.now();
        let session = auth.new_session(&self.0.client_id, &owner.id, true, ctx);
        let sign_in = SignIn {
            status: SignInStatus::Complete,
            user_id: Some(owner.id.clone()),
            created_session_id: Some(session.id.clone()),
            updated_at: now,
            ..self.0
        };
        let events = vec![
            auth.event(
                "passkey.used",
                ctx,
                Some(&owner.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({}),
            ),
            auth.event(
                "sign_in.succeeded",
                ctx,
                Some(&owner.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({ "strategy": PASSKEY }),
            ),
        ];
        let verification = auth
            .store
            .complete_sign_in(&SignInCompletion {
                sign_in: sign_in.clone(),
                session,
                used: PasskeyUse {
                    passkey_id: passkey.id,
                    credential: used.credential,
                    backed_up: used.backed_up,
                    public_key: used.public_key,
                },
                now,
                events,
            })
            .await?;
        auth.sign_in_view_of(sign_in, Some((verification, None)))
            .await
    }
}
