//! The signed-in user's email addresses: added, proved with an emailed code, made
//! primary and removed.

use serde_json::json;

use super::email_codes::{EMAIL_CODE, Purpose, Recipient};
use super::views::{Answer, UserView};
use super::{Auth, RequestContext, STRATEGY};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{EmailAddress, Session};
use crate::settings::GuardedAction;
use crate::store::{CodeCompletion, CodeUse};
use crate::validate;

impl Auth {
    /// The signed-in user's addresses, oldest first.
    pub async fn my_email_addresses(&self, session: &Session) -> Result<Answer<Vec<EmailAddress>>> {
        let addresses = self.email_addresses_of(&session.user_id).await?;
        self.answer(&session.client_id, addresses).await
    }

    /// One of the signed-in user's addresses.
    pub async fn my_email_address(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<Answer<EmailAddress>> {
        let address = self.own_address(session, id).await?;
        self.answer(&session.client_id, address).await
    }

    /// Adds an unverified address to the signed-in user; the first one becomes primary.
    pub async fn add_email_address(
        &self,
        session: &Session,
        raw: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<EmailAddress>> {
        let raw = raw
            .filter(|r| !r.trim().is_empty())
            .ok_or(Error::FormParamMissing("email_address"))?;
        let parsed = validate::EmailAddress::parse(raw)?;
        if self
            .store
            .find_email_address_by_address(parsed.as_str())
            .await?
            .is_some()
        {
            return Err(Error::IdentifierExists("email_address"));
        }
        let now = self.now();
        let address = EmailAddress {
            id: new_id(Kind::Email, now),
            user_id: session.user_id.clone(),
            email_address: parsed.into_inner(),
            verified_at: None,
            code: None,
            created_at: now,
            updated_at: now,
        };
        let event = self.event(
            "email_address.created",
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({ "email_address_id": address.id }),
        );
        self.store.insert_email_address(&address, &event).await?;
        let user = self.store.find_user(&session.user_id).await?;
        if user.is_some_and(|u| u.email.is_none()) {
            let event = self.primary_changed_event(session, &address, ctx);
            self.store
                .set_primary_email_address(&address, now, &event)
                .await?;
        }
        self.answer(&session.client_id, address).await
    }

    /// Mails a code that proves one of the signed-in user's addresses.
    pub async fn prepare_email_address_verification(
        &self,
        session: &Session,
        id: &str,
        strategy: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<EmailAddress>> {
        require_email_code(strategy)?;
        let address = self.own_address(session, id).await?;
        if address.verified_at.is_some() {
            return Err(Error::AlreadyVerified);
        }
        let user = self.find_user(&session.user_id).await?;
        let to = Recipient {
            address: &address.email_address,
            address_id: Some(&address.id),
            user_id: Some(&session.user_id),
            name: user.greeting(),
            deliver: true,
        };
        self.send_code(&address.id, to, Purpose::VerifyEmailAddress, ctx)
            .await?;
        let address = self.own_address(session, id).await?;
        self.answer(&session.client_id, address).await
    }

    /// Proves one of the signed-in user's addresses with the code mailed to it.
    pub async fn attempt_email_address_verification(
        &self,
        session: &Session,
        id: &str,
        strategy: Option<&str>,
        code: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<EmailAddress>> {
        if strategy.is_some_and(|s| !s.is_empty()) {
            require_email_code(strategy)?;
        }
        let address = self.own_address(session, id).await?;
        let checked = self
            .check_code(&address.id, code, Some(&session.user_id), ctx)
            .await?;
        let event = self.event(
            "email.verified",
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({ "email_address_id": address.id }),
        );
        self.store
            .use_email_code(&CodeCompletion {
                code: checked,
                usage: CodeUse::Verify,
                now: self.now(),
                events: vec![event],
            })
            .await?;
        let address = self.own_address(session, id).await?;
        self.answer(&session.client_id, address).await
    }

    /// Changes the signed-in user: with `primary_email_address_id`, makes that verified
    /// address their primary one.
    pub async fn update_me(
        &self,
        session: &Session,
        primary_email_address_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<UserView>> {
        if let Some(id) = primary_email_address_id.filter(|id| !id.is_empty()) {
            self.set_primary_email_address(session, id, ctx).await?;
        }
        self.me(session).await
    }

    /// Makes a verified address of the signed-in user their primary one.
    async fn set_primary_email_address(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<()> {
        let address =
            self.own_address(session, id)
                .await
                .map_err(|_| Error::FormParamValueInvalid {
                    param: "primary_email_address_id",
                    reason: "no such email address".into(),
                })?;
        if address.verified_at.is_none() {
            return Err(Error::IdentifierNotVerified("primary_email_address_id"));
        }
        let event = self.primary_changed_event(session, &address, ctx);
        self.store
            .set_primary_email_address(&address, self.now(), &event)
            .await
    }

    /// Removes one of the signed-in user's addresses; the primary one only when it is
    /// the last.
    pub async fn delete_email_address(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<Answer<()>> {
        self.require_recent_factor(session, GuardedAction::DeleteEmailAddress)?;
        let address = self.own_address(session, id).await?;
        let addresses = self.store.list_email_addresses(&session.user_id).await?;
        let user = self.find_user(&session.user_id).await?;
        let primary = user.email.as_ref().is_some_and(|p| p.id == address.id);
        if primary && addresses.len() > 1 {
            return Err(Error::FormParamValueInvalid {
                param: "id",
                reason: "make another address primary first".into(),
            });
        }
        let event = self.event(
            "email_address.deleted",
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({ "email_address_id": address.id }),
        );
        if !self
            .store
            .delete_email_address(&session.user_id, &address.id, &event)
            .await?
        {
            return Err(Error::NotFound("email_address"));
        }
        self.answer(&session.client_id, ()).await
    }

    /// The user's addresses as shown.
    pub(super) async fn email_addresses_of(&self, user_id: &str) -> Result<Vec<EmailAddress>> {
        let addresses = self.store.list_email_addresses(user_id).await?;
        Ok(addresses
            .into_iter()
            .map(|a| self.current_address(a))
            .collect())
    }

    /// An address with its code as of now.
    pub(super) fn current_address(&self, address: EmailAddress) -> EmailAddress {
        EmailAddress {
            code: address.code.map(|c| self.current_code(c)),
            ..address
        }
    }

    /// The signed-in user's address `id`; another user's is not found.
    async fn own_address(&self, session: &Session, id: &str) -> Result<EmailAddress> {
        let id = validate::id(id).ok_or(Error::NotFound("email_address"))?;
        let address = self
            .store
            .find_email_address(&session.user_id, id)
            .await?
            .ok_or(Error::NotFound("email_address"))?;
        Ok(self.current_address(address))
    }

    fn primary_changed_event(
        &self,
        session: &Session,
        address: &EmailAddress,
        ctx: &RequestContext,
    ) -> crate::model::AuditEvent {
        self.event(
            "email_address.primary_changed",
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({ "email_address_id": address.id }),
        )
    }
}

/// Refuses a strategy other than `email_code`.
pub(super) fn require_email_code(strategy: Option<&str>) -> Result<()> {
    match strategy {
        Some(EMAIL_CODE) => Ok(()),
        None | Some("") => Err(Error::FormParamMissing(STRATEGY)),
        Some(_) => Err(Error::FormParamValueInvalid {
            param: STRATEGY,
            reason: "the strategy here is 'email_code'".into(),
        }),
    }
}
