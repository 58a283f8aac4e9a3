//! The signed-in user's passkeys: registering, naming and deleting them.

use serde_json::json;
use webauthn_rs_core::proto::RegisterPublicKeyCredential;

use super::attempts::Attempt;
use super::views::{Answer, PasskeyView};
use super::{Auth, RequestContext, STRATEGY, attempted_credential};
use crate::aaguid;
use crate::ceremony::{self, RegisteredCredential};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{CeremonyState, Passkey, Session};
use crate::settings::GuardedAction;
use crate::validate::PasskeyName;

impl Auth {
    /// Starts registering a new passkey for the signed-in user.
    pub async fn create_passkey(&self, session: &Session) -> Result<Answer<PasskeyView>> {
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
        let view = PasskeyView {
            passkey,
            verification: Some(verification),
        };
        self.answer(&session.client_id, view).await
    }

    /// Verifies a passkey being registered and names it after its authenticator.
    pub async fn attempt_passkey(
        &self,
        session: &Session,
        id: &str,
        strategy: Option<&str>,
        credential: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<PasskeyView>> {
        let credential = attempted_credential(strategy, credential)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if passkey.verified {
            return Err(Error::AlreadyVerified);
        }
        let view = self
            .run_attempt(PasskeyAttempt { passkey, session }, credential, ctx)
            .await?;
        self.answer(&session.client_id, view).await
    }

    /// Renames one of the signed-in user's verified passkeys.
    pub async fn rename_passkey(
        &self,
        session: &Session,
        id: &str,
        name: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<PasskeyView>> {
        let name = PasskeyName::parse(name.ok_or(Error::FormParamMissing("name"))?)?;
        let passkey = self
            .store
            .find_passkey(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("passkey"))?;
        if !passkey.verified {
            return Err(Error::PasskeyNotVerified);
        }
        let passkey = Passkey {
            name: Some(name.into_inner()),
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
        let view = self.passkey_view(passkey).await?;
        self.answer(&session.client_id, view).await
    }

    /// Deletes one of the signed-in user's passkeys; it is unusable at once.
    pub async fn delete_my_passkey(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<Answer<()>> {
        self.require_recent_factor(session, GuardedAction::DeletePasskey)?;
        self.delete_passkey(&session.user_id, id, Some(&session.id), ctx)
            .await?;
        self.answer(&session.client_id, ()).await
    }

    /// Deletes a user's passkey; it is unusable at once.
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

    async fn passkey_view(&self, passkey: Passkey) -> Result<PasskeyView> {
        let verification = self.store.find_verification(&passkey.id).await?;
        Ok(PasskeyView {
            passkey,
            verification: verification.map(|v| self.current(v)),
        })
    }

    fn ensure_quota(&self, count: usize) -> Result<()> {
        let max = self.settings.max_passkeys_per_user;
        if count >= max as usize {
            Err(Error::PasskeyQuotaExceeded(max))
        } else {
            Ok(())
        }
    }

    /// Verifies a registration response against its ceremony state, refusing a
    /// credential that is already registered.
    pub(super) async fn finish_new_registration(
        &self,
        response: &RegisterPublicKeyCredential,
        state: &CeremonyState,
    ) -> Result<RegisteredCredential> {
        let registered = self
            .ceremonies
            .finish_registration(response, &state.state)?;
        if self
            .store
            .find_passkey_by_credential_id(&registered.credential_id)
            .await?
            .is_some()
        {
            return Err(Error::PasskeyAlreadyExists);
        }
        Ok(registered)
    }

    /// A passkey of `user_id` not yet registered.
    pub(super) fn new_passkey(&self, user_id: &str) -> Passkey {
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

    /// `passkey` holding the credential just registered, named after its authenticator.
    pub(super) fn registered_passkey(
        &self,
        passkey: Passkey,
        registered: RegisteredCredential,
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
}

/// A signed-in user's new passkey answering its creation challenge.
struct PasskeyAttempt<'a> {
    passkey: Passkey,
    session: &'a Session,
}

impl Attempt for PasskeyAttempt<'_> {
    type Verified = RegisteredCredential;
    type View = PasskeyView;
    const FAILED_EVENT: &'static str = "passkey.failed";

    fn owner_id(&self) -> &str {
        &self.passkey.id
    }

    fn user_id(&self) -> Option<&str> {
        Some(&self.session.user_id)
    }

    async fn verify(
        &self,
        auth: &Auth,
        credential: &str,
        state: &CeremonyState,
    ) -> Result<RegisteredCredential> {
        let response = ceremony::parse_registration(credential)?;
        auth.ensure_quota(auth.store.list_passkeys(&self.session.user_id).await?.len())?;
        auth.finish_new_registration(&response, state).await
    }

    async fn complete(
        self,
        auth: &Auth,
        registered: RegisteredCredential,
        ctx: &RequestContext,
    ) -> Result<PasskeyView> {
        let passkey = auth.registered_passkey(self.passkey, registered, ctx);
        let event = auth.event(
            "passkey.created",
            ctx,
            Some(&self.session.user_id),
            Some(&passkey.id),
            Some(&self.session.id),
            json!({ "name": passkey.name }),
        );
        auth.store
            .complete_passkey_registration(&passkey, &event)
            .await?;
        auth.passkey_view(passkey).await
    }
}
