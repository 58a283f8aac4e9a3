//! Sign-ups: a username sign-up completes at once; a passkey-first one registers the
//! passkey, then creates the user, the passkey and a session in one step.

use serde_json::json;

use super::attempts::Attempt;
use super::email_codes::EMAIL_CODE;
use super::sign_ins::FirstFactor;
use super::users::optional_email;
use super::views::{Answer, SignUpView};
use super::{
    ATTEMPT_LIFETIME_MS, Auth, PASSKEY, RequestContext, STRATEGY, SignUpInput,
    attempted_credential, invalid_strategy,
};
use crate::ceremony::{self, RegisteredCredential};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id, new_user_handle};
use crate::model::{
    CeremonyState, Client, EmailCode, RequestClient, SignUp, SignUpStatus, Verification,
    VerificationStatus,
};
use crate::store::SignUpCompletion;
use crate::validate::{EmailAddress, Username, person_name};

impl Auth {
    /// Starts a sign-up on the client: one with a username and no strategy completes at
    /// once, and its session's first token comes with the answer; `strategy=passkey`
    /// returns the passkey's creation options.
    pub async fn create_sign_up(
        &self,
        request_client: &RequestClient,
        input: SignUpInput,
        ctx: &RequestContext,
    ) -> Result<Answer<SignUpView>> {
        let view = self.start_sign_up(request_client, input, ctx).await?;
        let created = view.sign_up.created_session_id.clone();
        let client_id = &request_client.client().id;
        self.answer_signed_in(client_id, view, created, ctx).await
    }

    /// The sign-up that [`Auth::create_sign_up`] starts, and completes if it can.
    async fn start_sign_up(
        &self,
        request_client: &RequestClient,
        input: SignUpInput,
        ctx: &RequestContext,
    ) -> Result<SignUpView> {
        let client = request_client.client();
        let now = self.now();
        let username = input.username.as_deref().map(Username::parse).transpose()?;
        let email_address = optional_email(input.email_address.as_deref())?;
        let first_name = person_name("first_name", input.first_name.as_deref())?;
        let last_name = person_name("last_name", input.last_name.as_deref())?;
        let with_passkey = match input.strategy.as_deref() {
            None | Some("") => false,
            Some(PASSKEY) => true,
            Some(_) => return Err(invalid_strategy()),
        };
        if with_passkey
            && !(self.settings().sign_up_with_passkey && self.settings().passkey_enabled)
        {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        if !with_passkey && !self.settings().sign_up_with_username {
            return Err(Error::StrategyNotEnabled("username"));
        }
        if self.settings().sign_up_requires_verified_email && email_address.is_none() {
            return Err(Error::FormParamMissing("email_address"));
        }
        self.ensure_identifiers_free(username.as_ref(), email_address.as_ref())
            .await?;
        let mut sign_up = SignUp {
            id: new_id(Kind::SignUp, now),
            client_id: client.id.clone(),
            status: SignUpStatus::MissingRequirements,
            username: username.map(Username::into_inner),
            email_address: email_address.map(EmailAddress::into_inner),
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
                .unwrap_or_else(|| format!("{} account", self.settings().application_name));
            let challenge =
                self.live()
                    .ceremonies
                    .start_registration(&handle, &name, Vec::new())?;
            sign_up.user_handle = Some(handle);
            let (verification, ceremony) = self.new_verification(&sign_up.id, challenge);
            self.store
                .insert_sign_up(request_client, &sign_up, Some((&verification, &ceremony)))
                .await?;
            return self.sign_up_view_of(sign_up, None).await;
        }
        self.store
            .insert_sign_up(request_client, &sign_up, None)
            .await?;
        if sign_up.username.is_none() || self.settings().sign_up_requires_verified_email {
            return self.sign_up_view_of(sign_up, None).await;
        }
        self.complete_username_sign_up(sign_up, None, ctx).await
    }

    /// Completes a sign-up without a passkey: the user (with the address, verified at
    /// `email_verified_at` if it was proved) and a session.
    pub(super) async fn complete_username_sign_up(
        &self,
        mut sign_up: SignUp,
        email_verified_at: Option<i64>,
        ctx: &RequestContext,
    ) -> Result<SignUpView> {
        let user = self.new_user(&sign_up, new_user_handle());
        let session = self.new_session(
            &sign_up.client_id,
            &user.id,
            !self.settings().require_passkey,
            ctx,
        );
        sign_up.status = SignUpStatus::Complete;
        sign_up.created_user_id = Some(user.id.clone());
        sign_up.created_session_id = Some(session.id.clone());
        sign_up.updated_at = self.now();
        let events = vec![self.event(
            "user.created",
            ctx,
            Some(&user.id),
            None,
            Some(&session.id),
            json!({ "strategy": "username" }),
        )];
        let verification = self
            .store
            .complete_sign_up(&SignUpCompletion {
                sign_up: sign_up.clone(),
                user,
                passkey: None,
                session,
                email_verified_at,
                events,
            })
            .await?;
        self.sign_up_view_of(sign_up, Some((verification, None)))
            .await
    }

    /// Verifies a passkey-first sign-up's passkey and creates the user, the passkey and
    /// a session in one step; the session's first token comes with the answer. With an
    /// emailed code, proves the sign-up's address instead.
    pub async fn attempt_sign_up(
        &self,
        client: &Client,
        id: &str,
        answer: FirstFactor<'_>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignUpView>> {
        if answer.strategy == Some(EMAIL_CODE) {
            return self
                .attempt_sign_up_verification(client, id, answer.code, ctx)
                .await;
        }
        let credential = attempted_credential(answer.strategy, answer.credential)?;
        let sign_up = self.open_sign_up(client, id).await?;
        let email_verified_at = self.sign_up_email_verified_at(&sign_up).await?;
        if self.settings().sign_up_requires_verified_email && email_verified_at.is_none() {
            return Err(Error::IdentifierNotVerified("email_address"));
        }
        let user_handle =
            sign_up
                .user_handle
                .clone()
                .ok_or_else(|| Error::FormParamValueInvalid {
                    param: STRATEGY,
                    reason: "this sign-up was not started with a passkey".into(),
                })?;
        let ceremony = self.store.find_ceremony(&sign_up.id).await?;
        let attempt = SignUpAttempt {
            sign_up,
            user_handle,
            email_verified_at,
        };
        let view = self.run_attempt(attempt, ceremony, credential, ctx).await?;
        let created = view.sign_up.created_session_id.clone();
        self.answer_signed_in(&client.id, view, created, ctx).await
    }

    /// The client's sign-up `id`, refused once complete.
    pub(super) async fn open_sign_up(&self, client: &Client, id: &str) -> Result<SignUp> {
        let sign_up = self
            .store
            .find_sign_up(&client.id, id)
            .await?
            .ok_or(Error::NotFound("sign_up"))?;
        if sign_up.status != SignUpStatus::MissingRequirements {
            return Err(Error::AlreadyVerified);
        }
        Ok(sign_up)
    }

    /// When the sign-up's address was proved by its code, if it was.
    pub(super) async fn sign_up_email_verified_at(&self, sign_up: &SignUp) -> Result<Option<i64>> {
        let code = self.store.find_email_code(&sign_up.id).await?;
        Ok(code
            .filter(|c| {
                c.status == VerificationStatus::Verified
                    && sign_up.email_address.as_ref() == Some(&c.email_address)
            })
            .map(|c| c.created_at))
    }

    /// A sign-up with its verifications as of now (read unless given as `record`).
    pub(super) async fn sign_up_view_of(
        &self,
        sign_up: SignUp,
        record: Option<(Option<Verification>, Option<EmailCode>)>,
    ) -> Result<SignUpView> {
        let (verification, email_code) = match record {
            Some(record) => record,
            None => (
                self.store.find_verification(&sign_up.id).await?,
                self.store.find_email_code(&sign_up.id).await?,
            ),
        };
        let email_code = email_code.map(|c| self.current_code(c));
        let proved = email_code
            .as_ref()
            .is_some_and(|c| c.status == VerificationStatus::Verified);
        let unverified_fields = if sign_up.status == SignUpStatus::MissingRequirements
            && sign_up.email_address.is_some()
            && !proved
        {
            vec!["email_address"]
        } else {
            Vec::new()
        };
        Ok(SignUpView {
            sign_up,
            verification: verification.map(|v| self.current(v)),
            email_code,
            unverified_fields,
        })
    }
}

/// A passkey-first sign-up answering its creation challenge.
struct SignUpAttempt {
    sign_up: SignUp,
    user_handle: Vec<u8>,
    email_verified_at: Option<i64>,
}

impl Attempt for SignUpAttempt {
    type Verified = RegisteredCredential;
    type View = SignUpView;
    const FAILED_EVENT: &'static str = "sign_up.failed";

    fn owner_id(&self) -> &str {
        &self.sign_up.id
    }

    fn user_id(&self) -> Option<&str> {
        None
    }

    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<RegisteredCredential> {
        let response = ceremony::parse_registration(credential)?;
        auth.finish_new_registration(&response, state).await
    }

    async fn complete(
        self,
        auth: &Auth,
        registered: RegisteredCredential,
        ctx: &RequestContext,
    ) -> Result<SignUpView> {
        let Self {
            sign_up,
            user_handle,
            email_verified_at,
        } = self;
        let now = auth.now();
        let user = auth.new_user(&sign_up, user_handle);
        let passkey = auth.registered_passkey(auth.new_passkey(&user.id), registered, ctx);
        let session = auth.new_session(&sign_up.client_id, &user.id, true, ctx);
        let sign_up = SignUp {
            status: SignUpStatus::Complete,
            created_user_id: Some(user.id.clone()),
            created_session_id: Some(session.id.clone()),
            updated_at: now,
            ..sign_up
        };
        let events = vec![
            auth.event(
                "user.created",
                ctx,
                Some(&user.id),
                None,
                Some(&session.id),
                json!({ "strategy": PASSKEY }),
            ),
            auth.event(
                "passkey.created",
                ctx,
                Some(&user.id),
                Some(&passkey.id),
                Some(&session.id),
                json!({ "name": passkey.name }),
            ),
        ];
        let verification = auth
            .store
            .complete_sign_up(&SignUpCompletion {
                sign_up: sign_up.clone(),
                user,
                passkey: Some(passkey),
                session,
                email_verified_at,
                events,
            })
            .await?;
        auth.sign_up_view_of(sign_up, Some((verification, None)))
            .await
    }
}
