//! Step-up: a signed-in user proves a factor again (a passkey or an emailed code), and
//! the actions an instance guards need such a proof younger than its limit.

use serde_json::json;

use super::attempts::Attempt;
use super::email_codes::{EMAIL_CODE, Purpose, Recipient, masked};
use super::sign_ins::FirstFactor;
use super::views::{Answer, SessionVerificationView};
use super::{Auth, RequestContext, STRATEGY, attempted_credential, require_passkey_strategy};
use crate::ceremony::UsedCredential;
use crate::error::{Error, Result};
use crate::model::{CeremonyState, Client, Passkey, Session, User, VerificationStatus};
use crate::settings::GuardedAction;
use crate::store::{CodeCompletion, CodeUse, PasskeyUse, Reverification};
use crate::validate;

impl Auth {
    /// Refuses a guarded `action` when the session's user last proved a factor longer
    /// ago than the instance allows.
    pub(super) fn require_recent_factor(
        &self,
        session: &Session,
        action: GuardedAction,
    ) -> Result<()> {
        if !self.settings().reverification_actions.contains(&action) {
            return Ok(());
        }
        self.require_factor_within_limit(session)
    }

    /// Refuses with `ReverificationRequired` when the session's user last proved a
    /// factor longer ago than `auth.reverification_max_age_secs`.
    pub(super) fn require_factor_within_limit(&self, session: &Session) -> Result<()> {
        let max_age_ms = self.settings().reverification_max_age_secs * 1000;
        if self.now() - session.verified_at <= max_age_ms {
            return Ok(());
        }
        Err(Error::ReverificationRequired {
            after_minutes: (max_age_ms + 59_999) / 60_000,
        })
    }

    /// Starts a step-up of one of the client's sessions: the factors that can prove it.
    pub async fn start_session_verification(
        &self,
        client: &Client,
        id: &str,
    ) -> Result<Answer<SessionVerificationView>> {
        let session = self.client_session(client, id).await?;
        let view = self.session_verification_view(session, false).await?;
        self.answer(&client.id, view).await
    }

    /// Prepares a step-up factor: request options allowing the user's passkeys, or a code
    /// mailed to one of the user's addresses.
    pub async fn prepare_session_verification(
        &self,
        client: &Client,
        id: &str,
        strategy: Option<&str>,
        email_address_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SessionVerificationView>> {
        let session = self.client_session(client, id).await?;
        if strategy == Some(EMAIL_CODE) {
            let address = match email_address_id {
                Some(address_id) => match validate::id(address_id) {
                    Some(id) => self.store.find_email_address(&session.user_id, id).await?,
                    None => None,
                }
                .map(|a| (a.id, a.email_address)),
                None => self
                    .store
                    .find_user(&session.user_id)
                    .await?
                    .and_then(|u| u.email)
                    .map(|e| (e.id, e.email_address)),
            };
            let (address_id, address) = address.ok_or(Error::StrategyNotEnabled(STRATEGY))?;
            let user = self.find_user(&session.user_id).await?;
            let to = Recipient {
                address: &address,
                address_id: Some(&address_id),
                user_id: Some(&session.user_id),
                name: user.greeting(),
                deliver: true,
            };
            self.send_code(&session.id, to, Purpose::Reverification, ctx)
                .await?;
        } else {
            require_passkey_strategy(strategy)?;
            self.open_passkey_challenge(&session.id, Some(&session.user_id))
                .await?;
        }
        let view = self.session_verification_view(session, false).await?;
        self.answer(&client.id, view).await
    }

    /// Proves the step-up's factor: the session's user verified just now.
    pub async fn attempt_session_verification(
        &self,
        client: &Client,
        id: &str,
        answer: FirstFactor<'_>,
        ctx: &RequestContext,
    ) -> Result<Answer<SessionVerificationView>> {
        let session = self.client_session(client, id).await?;
        let now = self.now();
        let event = |strategy: &str| {
            self.event(
                "session.reverified",
                ctx,
                Some(&session.user_id),
                None,
                Some(&session.id),
                json!({ "strategy": strategy }),
            )
        };
        if answer.strategy == Some(EMAIL_CODE) {
            let checked = self
                .check_code(&session.id, answer.code, Some(&session.user_id), ctx)
                .await?;
            self.store
                .use_email_code(&CodeCompletion {
                    code: checked,
                    usage: CodeUse::Reverify {
                        session_id: session.id.clone(),
                    },
                    now,
                    events: vec![event(EMAIL_CODE)],
                })
                .await?;
        } else {
            let credential = attempted_credential(answer.strategy, answer.credential)?;
            let ceremony = self.store.find_ceremony(&session.id).await?;
            self.run_attempt(StepUp(session.clone()), ceremony, credential, ctx)
                .await?;
        }
        let session = Session {
            verified_at: now,
            ..session
        };
        let view = self.session_verification_view(session, true).await?;
        self.answer(&client.id, view).await
    }

    /// A step-up as shown: the session, the factors that can prove it and the one
    /// prepared last.
    async fn session_verification_view(
        &self,
        session: Session,
        complete: bool,
    ) -> Result<SessionVerificationView> {
        let (verification, email_code) = if complete {
            (None, None)
        } else {
            (
                self.store
                    .find_verification(&session.id)
                    .await?
                    .map(|v| self.current(v))
                    .filter(|v| v.status == VerificationStatus::Unverified),
                self.store
                    .find_email_code(&session.id)
                    .await?
                    .map(|c| self.current_code(c))
                    .filter(|c| c.status == VerificationStatus::Unverified),
            )
        };
        let view = self.session_view(session).await?;
        let passkey_supported = !view.user.passkeys.is_empty();
        let email_factor = view
            .user
            .user
            .email
            .as_ref()
            .map(|e| (e.id.clone(), masked(&e.email_address)));
        Ok(SessionVerificationView {
            session: view,
            complete,
            verification,
            email_code,
            passkey_supported,
            email_factor,
        })
    }
}

/// A session's step-up answered with a passkey's assertion.
struct StepUp(Session);

impl Attempt for StepUp {
    type Verified = (Passkey, User, UsedCredential);
    type View = ();
    const FAILED_EVENT: &'static str = "session.reverification_failed";

    fn owner_id(&self) -> &str {
        &self.0.id
    }

    fn user_id(&self) -> Option<&str> {
        Some(&self.0.user_id)
    }

    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<Self::Verified> {
        auth.verify_assertion(credential, state, Some(&self.0.user_id))
            .await
    }

    async fn complete(
        self,
        auth: &Auth,
        (passkey, _, used): Self::Verified,
        ctx: &RequestContext,
    ) -> Result<()> {
        let session = self.0;
        let event = auth.event(
            "session.reverified",
            ctx,
            Some(&session.user_id),
            Some(&passkey.id),
            Some(&session.id),
            json!({ "strategy": "passkey" }),
        );
        auth.store
            .complete_reverification(&Reverification {
                session_id: session.id,
                used: PasskeyUse {
                    passkey_id: passkey.id,
                    credential: used.credential,
                    backed_up: used.backed_up,
                    public_key: used.public_key,
                },
                now: auth.now(),
                events: vec![event],
            })
            .await
    }
}
