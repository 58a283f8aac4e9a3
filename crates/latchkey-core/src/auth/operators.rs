//! Operators: the users who run the instance from the dashboard. A one-time enrolment
//! link opens a pending dashboard session whose one task is to register a passkey; with
//! it, the operator then signs in to the dashboard as any user signs in.

use serde_json::json;

use super::views::{Answer, SessionView};
use super::{Auth, RequestContext, SignUpInput, token_hash};
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::random_bytes;
use crate::model::{Client, RequestClient, Role, Session, SessionStatus, User};
use crate::validate::Username;

/// How long an enrolment link is valid: a day.
const ENROLMENT_TTL_MS: i64 = 24 * 60 * 60 * 1000;
/// How long a dashboard session lasts at most, however active: eight hours.
pub const OPERATOR_SESSION_MAX_AGE_MS: i64 = 8 * 60 * 60 * 1000;

/// An operator and the one-time token of their enrolment link.
#[derive(Debug)]
pub struct Enrolment {
    pub user: User,
    pub token: String,
    /// Unix milliseconds after which the link no longer works.
    pub expire_at: i64,
}

impl Auth {
    /// Makes the user `username` an operator, creating them when there is none, and
    /// returns a one-time enrolment token for their passkey.
    pub async fn enrol_operator(&self, username: &str, ctx: &RequestContext) -> Result<Enrolment> {
        let username = Username::parse(username)?;
        let found = self
            .store
            .find_user_by_identifier(username.as_str())
            .await?;
        let user = match found {
            Some(user) => user,
            None => {
                let input = SignUpInput {
                    username: Some(username.into_inner()),
                    ..SignUpInput::default()
                };
                self.create_user(input, ctx).await?.user
            }
        };
        let now = self.now();
        if user.role != Role::Admin {
            let event = self.event(
                "operator.created",
                ctx,
                Some(&user.id),
                None,
                None,
                json!({}),
            );
            self.store
                .set_user_role(&user.id, Role::Admin, now, &event)
                .await?;
        }
        let token = b64url(&random_bytes(32));
        let expire_at = now + ENROLMENT_TTL_MS;
        self.store
            .insert_enrolment(&token_hash(&token), &user.id, expire_at, now)
            .await?;
        Ok(Enrolment {
            user: User {
                role: Role::Admin,
                ..user
            },
            token,
            expire_at,
        })
    }

    /// Uses the enrolment `token` once: its operator gets a pending session in `client`
    /// whose one task is to register a passkey.
    pub async fn enrol(
        &self,
        client: &RequestClient,
        token: &str,
        ctx: &RequestContext,
    ) -> Result<Answer<SessionView>> {
        let (user_id, expire_at) = self
            .store
            .consume_enrolment(&token_hash(token))
            .await?
            .ok_or(Error::EnrolmentInvalid)?;
        let user = self.store.find_user(&user_id).await?;
        let usable = self.now() < expire_at
            && user
                .as_ref()
                .is_some_and(|u| u.role == Role::Admin && u.banned_at.is_none());
        if !usable {
            return Err(Error::EnrolmentInvalid);
        }
        let client_id = &client.client().id;
        let mut session = self.new_session(client_id, &user_id, false, ctx);
        session.status = SessionStatus::Pending;
        let event = self.event(
            "operator.enrolled",
            ctx,
            Some(&user_id),
            None,
            Some(&session.id),
            json!({}),
        );
        self.store
            .insert_enrolled_session(client, &session, &event)
            .await?;
        let view = self.session_view(session).await?;
        self.answer(client_id, view).await
    }

    /// The operator signed in to a dashboard `client`: its last active session, active
    /// and younger than [`OPERATOR_SESSION_MAX_AGE_MS`], of a user who is an operator
    /// and not banned. To `change` anything, the operator must have proved their passkey
    /// (by a sign-in or a step-up) within `auth.reverification_max_age_secs`
    /// (`ReverificationRequired` otherwise).
    pub async fn operator(&self, client: &Client, change: bool) -> Result<(User, Session)> {
        let id = client
            .last_active_session_id
            .as_deref()
            .ok_or(Error::AuthenticationInvalid)?;
        let session = self.client_session(client, id).await?;
        let now = self.now();
        if session.status_at(now) != SessionStatus::Active
            || now - session.created_at > OPERATOR_SESSION_MAX_AGE_MS
        {
            return Err(Error::AuthenticationInvalid);
        }
        let user = self
            .store
            .find_user(&session.user_id)
            .await?
            .ok_or(Error::AuthenticationInvalid)?;
        if user.role != Role::Admin || user.banned_at.is_some() {
            return Err(Error::OperatorRequired);
        }
        if change {
            self.require_factor_within_limit(&session)?;
        }
        Ok((user, session))
    }
}
