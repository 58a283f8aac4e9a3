//! Users: the signed-in user's own, and those the administration creates and deletes.

use serde_json::json;

use super::views::{Answer, UserView};
use super::{Auth, RequestContext, SignUpInput};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id, new_user_handle};
use crate::model::{self, Session, SignUp, SignUpStatus, User};
use crate::validate::{EmailAddress, Username, person_name};

impl Auth {
    /// The signed-in user with their passkeys.
    pub async fn me(&self, session: &Session) -> Result<Answer<UserView>> {
        // The user may have been deleted since its session was read.
        let user = self
            .user_view(&session.user_id)
            .await
            .map_err(|err| match err {
                Error::NotFound(_) => Error::AuthenticationInvalid,
                other => other,
            })?;
        self.answer(&session.client_id, user).await
    }

    /// A user with their passkeys and email addresses.
    pub async fn user_view(&self, user_id: &str) -> Result<UserView> {
        let user = self.find_user(user_id).await?;
        let passkeys = self.store.list_passkeys(&user.id).await?;
        let email_addresses = self.email_addresses_of(&user.id).await?;
        Ok(UserView {
            user,
            passkeys,
            email_addresses,
        })
    }

    /// The user `user_id`, alone.
    pub(super) async fn find_user(&self, user_id: &str) -> Result<User> {
        self.store
            .find_user(user_id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    /// Creates a user without a session, for the administration.
    pub async fn create_user(&self, input: SignUpInput, ctx: &RequestContext) -> Result<UserView> {
        let username = Username::parse(
            input
                .username
                .as_deref()
                .ok_or(Error::FormParamMissing("username"))?,
        )?;
        let email_address = optional_email(input.email_address.as_deref())?;
        self.ensure_identifiers_free(Some(&username), email_address.as_ref())
            .await?;
        let draft = SignUp {
            id: String::new(),
            client_id: String::new(),
            status: SignUpStatus::Complete,
            username: Some(username.into_inner()),
            email_address: email_address.map(EmailAddress::into_inner),
            first_name: person_name("first_name", input.first_name.as_deref())?,
            last_name: person_name("last_name", input.last_name.as_deref())?,
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

    /// Deletes a user and its passkeys, and ends its sessions.
    pub async fn delete_user(&self, id: &str, ctx: &RequestContext) -> Result<()> {
        let event = self.event("user.deleted", ctx, Some(id), None, None, json!({}));
        if self.store.delete_user(id, self.now(), &event).await? {
            Ok(())
        } else {
            Err(Error::NotFound("user"))
        }
    }

    /// Bans a user, revoking their sessions, or lifts their ban. A banned user cannot
    /// sign in.
    pub async fn set_banned(
        &self,
        id: &str,
        banned: bool,
        ctx: &RequestContext,
    ) -> Result<UserView> {
        let now = self.now();
        let kind = if banned {
            "user.banned"
        } else {
            "user.unbanned"
        };
        let event = self.event(kind, ctx, Some(id), None, None, json!({}));
        let banned_at = banned.then_some(now);
        if !self.store.set_user_ban(id, banned_at, now, &event).await? {
            return Err(Error::NotFound("user"));
        }
        self.user_view(id).await
    }

    /// Refuses a username or email address that a user already has.
    pub(super) async fn ensure_identifiers_free(
        &self,
        username: Option<&Username>,
        email_address: Option<&EmailAddress>,
    ) -> Result<()> {
        let identifiers = [
            (username.map(Username::as_str), "username"),
            (email_address.map(EmailAddress::as_str), "email_address"),
        ];
        for (identifier, param) in identifiers {
            if let Some(identifier) = identifier
                && self
                    .store
                    .find_user_by_identifier(identifier)
                    .await?
                    .is_some()
            {
                return Err(Error::IdentifierExists(param));
            }
        }
        // Any user's address, primary or not, is taken.
        if let Some(address) = email_address
            && self
                .store
                .find_email_address_by_address(address.as_str())
                .await?
                .is_some()
        {
            return Err(Error::IdentifierExists("email_address"));
        }
        Ok(())
    }

    /// The user a complete sign-up creates.
    pub(super) fn new_user(&self, sign_up: &SignUp, user_handle: Vec<u8>) -> User {
        let now = self.now();
        User {
            id: new_id(Kind::User, now),
            user_handle,
            username: sign_up.username.clone(),
            email: sign_up
                .email_address
                .clone()
                .map(|email_address| model::PrimaryEmail {
                    id: new_id(Kind::Email, now),
                    email_address,
                }),
            first_name: sign_up.first_name.clone(),
            last_name: sign_up.last_name.clone(),
            last_sign_in_at: Some(now),
            created_at: now,
            updated_at: now,
            role: model::Role::User,
            banned_at: None,
        }
    }
}

/// An email address sent as an optional field: absent or blank means none.
pub(super) fn optional_email(raw: Option<&str>) -> Result<Option<EmailAddress>> {
    raw.filter(|e| !e.trim().is_empty())
        .map(EmailAddress::parse)
        .transpose()
}
