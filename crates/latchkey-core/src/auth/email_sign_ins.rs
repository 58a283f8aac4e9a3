//! Sign-in (and recovery) with an emailed code: sent to an address the sign-in names,
//! answered with the code, completed with a session — pending, with the task of adding
//! a passkey, when the user has none left or the instance allows codes only to recover.

use serde_json::json;

use super::email_codes::{Purpose, Recipient};
use super::views::{Answer, SignInView};
use super::{ATTEMPT_LIFETIME_MS, Auth, RequestContext, STRATEGY};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{
    Client, EmailAddress, RequestClient, SessionStatus, SignIn, SignInStatus, User,
};
use crate::settings::EmailCodeUse;
use crate::store::{CodeCompletion, CodeUse};
use crate::validate;

impl Auth {
    /// Starts a sign-in by email code and mails the code at once. An address no user has
    /// gets the same answer (a code is made, none is mailed), so the answer tells nobody
    /// whether an account exists.
    pub(super) async fn create_email_sign_in(
        &self,
        request_client: &RequestClient,
        identifier: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        self.require_email_codes()?;
        let identifier = identifier
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .ok_or(Error::FormParamMissing("identifier"))?;
        let address = validate::EmailAddress::parse(identifier)
            .map_err(|_| Error::FormParamFormatInvalid {
                param: "identifier",
                reason: "an email code needs an email address".into(),
            })?
            .into_inner();
        let found = self.store.find_email_address_by_address(&address).await?;
        let now = self.now();
        let client = request_client.client();
        let sign_in = SignIn {
            id: new_id(Kind::SignIn, now),
            client_id: client.id.clone(),
            status: SignInStatus::NeedsFirstFactor,
            identifier: Some(address.clone()),
            user_id: found.as_ref().map(|a| a.user_id.clone()),
            created_session_id: None,
            abandon_at: now + ATTEMPT_LIFETIME_MS,
            created_at: now,
            updated_at: now,
        };
        self.store
            .insert_sign_in(request_client, &sign_in, None)
            .await?;
        self.send_sign_in_code(&sign_in, &address, found, ctx)
            .await?;
        let view = self.sign_in_view_of(sign_in, None).await?;
        self.answer(&client.id, view).await
    }

    /// Mails a code for an identified sign-in: to the address named (one of the user's),
    /// else to the address the sign-in was started with, else to the user's primary one.
    pub(super) async fn prepare_email_sign_in(
        &self,
        client: &Client,
        sign_in: SignIn,
        email_address_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        self.require_email_codes()?;
        let (address, found) = match (&sign_in.user_id, email_address_id) {
            (Some(user_id), Some(id)) => {
                let found = match validate::id(id) {
                    Some(id) => self.store.find_email_address(user_id, id).await?,
                    None => None,
                }
                .ok_or(Error::FormParamValueInvalid {
                    param: "email_address_id",
                    reason: "no such email address for this sign-in".into(),
                })?;
                (found.email_address.clone(), Some(found))
            }
            _ => {
                let address = match self.store.find_email_code(&sign_in.id).await? {
                    Some(code) => code.email_address,
                    None => self.primary_address_of(&sign_in).await?,
                };
                let found = self.store.find_email_address_by_address(&address).await?;
                (address, found)
            }
        };
        self.send_sign_in_code(&sign_in, &address, found, ctx)
            .await?;
        let view = self.sign_in_view_of(sign_in, None).await?;
        self.answer(&client.id, view).await
    }

    /// Completes a sign-in with the code mailed for it.
    pub(super) async fn attempt_email_sign_in(
        &self,
        client: &Client,
        sign_in: SignIn,
        code: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Answer<SignInView>> {
        self.require_email_codes()?;
        let checked = self
            .check_code(&sign_in.id, code, sign_in.user_id.as_deref(), ctx)
            .await?;
        let address = self
            .store
            .find_email_address_by_address(&checked.email_address)
            .await?
            .filter(|a| sign_in.user_id.as_ref() == Some(&a.user_id))
            .ok_or(Error::IdentifierNotFound("identifier"))?;
        let user_id = address.user_id.clone();
        if self.find_user(&user_id).await?.banned_at.is_some() {
            return Err(Error::UserBanned);
        }
        let has_passkey = !self.store.list_passkeys(&user_id).await?.is_empty();
        let mut session = self.new_session(&sign_in.client_id, &user_id, has_passkey, ctx);
        let recovery = !has_passkey || self.settings().email_code == EmailCodeUse::Recovery;
        if recovery {
            session.status = SessionStatus::Pending;
        }
        let now = self.now();
        let sign_in = SignIn {
            status: SignInStatus::Complete,
            created_session_id: Some(session.id.clone()),
            updated_at: now,
            ..sign_in
        };
        let event =
            |kind: &str, data| self.event(kind, ctx, Some(&user_id), None, Some(&session.id), data);
        let mut events = vec![event(
            "sign_in.succeeded",
            json!({ "strategy": "email_code", "email_address_id": address.id }),
        )];
        if address.verified_at.is_none() {
            events.push(event(
                "email.verified",
                json!({ "email_address_id": address.id }),
            ));
        }
        if recovery {
            events.push(event(
                "account.recovered",
                json!({ "has_passkey": has_passkey }),
            ));
        }
        let created = session.id.clone();
        self.store
            .use_email_code(&CodeCompletion {
                code: checked,
                usage: CodeUse::SignIn(Box::new((sign_in.clone(), session))),
                now,
                events,
            })
            .await?;
        let view = self.sign_in_view_of(sign_in, None).await?;
        self.answer_signed_in(&client.id, view, Some(created), ctx)
            .await
    }

    /// Sends the sign-in's code to `address`, mailed only if a user has it (`found`, the
    /// address as that user has it).
    async fn send_sign_in_code(
        &self,
        sign_in: &SignIn,
        address: &str,
        found: Option<EmailAddress>,
        ctx: &RequestContext,
    ) -> Result<()> {
        let owner = match &found {
            Some(a) => self.store.find_user(&a.user_id).await?,
            None => None,
        };
        // An address no user has still gets an id, so both answers look alike.
        let fake_id = new_id(Kind::Email, self.now());
        let to = Recipient {
            address,
            address_id: Some(found.as_ref().map_or(fake_id.as_str(), |a| a.id.as_str())),
            user_id: owner.as_ref().map(|u| u.id.as_str()),
            name: owner.as_ref().and_then(User::greeting),
            deliver: owner.is_some(),
        };
        self.send_code(&sign_in.id, to, Purpose::SignIn, ctx)
            .await?;
        Ok(())
    }

    /// The primary address of the sign-in's user; `StrategyNotEnabled` without one.
    async fn primary_address_of(&self, sign_in: &SignIn) -> Result<String> {
        let user = match &sign_in.user_id {
            Some(user_id) => self.store.find_user(user_id).await?,
            None => None,
        };
        user.and_then(|u| u.email)
            .map(|e| e.email_address)
            .ok_or(Error::StrategyNotEnabled(STRATEGY))
    }

    /// Refuses email codes at sign-in when the instance has them off.
    fn require_email_codes(&self) -> Result<()> {
        if self.settings().email_code == EmailCodeUse::Off {
            return Err(Error::StrategyNotEnabled(STRATEGY));
        }
        Ok(())
    }
}
