//! The skeleton every passkey attempt shares: verify the credential against the open
//! challenge, then complete the attempt or record its failure, either of which uses the
//! challenge up.

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

    /// Writes what the verification proved, with its audit events, using up the challenge
    /// (`AlreadyVerified` when another attempt used it first), and shows the result.
    async fn complete(
        self,
        auth: &Auth,
        verified: Self::Verified,
        ctx: &RequestContext,
    ) -> Result<Self::View>;
}

impl Auth {
    /// Runs `attempt` with `credential` against its `ceremony` as read (`None`: used
    /// already). The challenge is used once: by the completion that writes what the
    /// credential proved (of concurrent attempts one completes, the others are refused),
    /// or by the failure, which is marked and audited.
    pub(super) async fn run_attempt<A: Attempt>(
        &self,
        attempt: A,
        ceremony: Option<CeremonyState>,
        credential: &str,
        ctx: &RequestContext,
    ) -> Result<A::View> {
        let owner_id = attempt.owner_id().to_owned();
        let user_id = attempt.user_id().map(str::to_owned);
        let state = self.open_ceremony(&owner_id, ceremony).await?;
        let (completing, err) = match attempt.verify(self, credential, &state).await {
            Ok(verified) => match attempt.complete(self, verified, ctx).await {
                // Another attempt used the challenge first: its outcome stands.
                Err(Error::AlreadyVerified) => return Err(Error::AlreadyVerified),
                Err(err) => (true, err),
                Ok(view) => return Ok(view),
            },
            Err(err) => (false, err),
        };
        let ended = self
            .store
            .end_ceremony(&owner_id, VerificationStatus::Failed)
            .await?;
        if !ended {
            // Another attempt used the challenge, and its outcome stands; or this one's
            // completion did, and what followed its commit failed (the database's error).
            return Err(match err {
                Error::Internal(_) | Error::Unavailable(_) if completing => err,
                _ => Error::AlreadyVerified,
            });
        }
        let event = self.event(
            A::FAILED_EVENT,
            ctx,
            user_id.as_deref(),
            None,
            None,
            json!({ "code": err.code() }),
        );
        self.store.insert_audit_event(&event).await?;
        Err(err)
    }

    /// The ceremony state of an attempt, refusing a used or expired challenge (an expired
    /// one is used up).
    async fn open_ceremony(
        &self,
        owner_id: &str,
        ceremony: Option<CeremonyState>,
    ) -> Result<CeremonyState> {
        let state = ceremony.ok_or(Error::AlreadyVerified)?;
        if self.now() >= state.expire_at {
            self.store
                .end_ceremony(owner_id, VerificationStatus::Expired)
                .await?;
            return Err(Error::VerificationExpired);
        }
        Ok(state)
    }
}
