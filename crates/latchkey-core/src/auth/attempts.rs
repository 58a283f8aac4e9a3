//! The skeleton every passkey attempt shares: consume the challenge once, verify the
//! credential, record a failure or complete the attempt.

use serde_json::json;

use super::{Auth, RequestContext};
use crate::error::{Error, Result};
use crate::model::{CeremonyState, VerificationStatus};

/// An attempt to answer a WebAuthn challenge: a sign-up's passkey, a sign-in's assertion
/// or a signed-in user's new passkey.
pub(super) trait Attempt {
    /// What verifying the credential proved.
    type Verified;
    /// What the attempt shows once complete.
    type View;
    /// The audit event recorded when verification fails.
    const FAILED_EVENT: &'static str;

    /// The id the verification and the ceremony state are kept under.
    fn owner_id(&self) -> &str;

    /// The user the attempt is known to be for, if any, for the failure's audit event.
    fn user_id(&self) -> Option<&str>;

    /// Verifies `credential` against the ceremony `state`.
    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<Self::Verified>;

    /// Writes what the verification proved, with its audit events, and shows the result.
    async fn complete(
        self,
        auth: &Auth,
        verified: Self::Verified,
        ctx: &RequestContext,
    ) -> Result<Self::View>;
}

impl Auth {
    /// Runs `attempt` with `credential`: its challenge is used once, a failed verification
    /// is marked failed and audited, a successful one completes the attempt.
    pub(super) async fn run_attempt<A: Attempt>(
        &self,
        attempt: A,
        credential: &str,
        ctx: &RequestContext,
    ) -> Result<A::View> {
        let state = self.consume(attempt.owner_id()).await?;
        let outcome = attempt.verify(self, credential, &state).await;
        let verified = self
            .settle(
                attempt.owner_id(),
                outcome,
                A::FAILED_EVENT,
                ctx,
                attempt.user_id(),
            )
            .await?;
        attempt.complete(self, verified, ctx).await
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
}
