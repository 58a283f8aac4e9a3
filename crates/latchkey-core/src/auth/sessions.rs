//! Sessions: the client's and the user's, their tokens, and how they end.

use serde_json::json;

use super::views::{Answer, SessionView};
use super::{Auth, RequestContext};
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id, random_bytes};
use crate::model::{Client, Session, SessionStatus};
use crate::settings::GuardedAction;
use crate::store::Page;
use crate::tokens::Claims;

/// The longest User-Agent a session keeps; real browsers send well under it.
const MAX_USER_AGENT_CHARS: usize = 512;

impl Auth {
    /// Makes the client's live session `id` its active one.
    pub async fn touch_session(&self, client: &Client, id: &str) -> Result<Answer<SessionView>> {
        let now = self.now();
        let mut session = self.client_session(client, id).await?;
        session.last_active_at = now;
        session.updated_at = now;
        self.store.update_session(&session, None).await?;
        let client = Client {
            last_active_session_id: Some(session.id.clone()),
            updated_at: now,
            ..client.clone()
        };
        self.store.update_client(&client).await?;
        let view = self.session_view(session).await?;
        self.answer(&client.id, view).await
    }

    /// A fresh token for the client's live session `id`; refreshing keeps the session
    /// from being abandoned.
    pub async fn session_token(
        &self,
        client: &Client,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<String> {
        let now = self.now();
        let mut session = self.client_session(client, id).await?;
        let abandon_at =
            (now + self.settings().session_inactivity_secs * 1000).min(session.expire_at);
        // Activity is recorded to a tenth of the inactivity limit (at most a minute), so
        // tokens minted in quick succession write nothing.
        let resolution = (self.settings().session_inactivity_secs * 100).min(60_000);
        if abandon_at - session.abandon_at >= resolution {
            session.last_active_at = now;
            session.abandon_at = abandon_at;
            session.updated_at = now;
            self.store.update_session(&session, None).await?;
        }
        self.sign_session_token(&session, ctx)
    }

    /// A session token for a live session, recording no activity: for the session an
    /// attempt has just created, so that its response carries the first token.
    pub(super) fn sign_session_token(
        &self,
        session: &Session,
        ctx: &RequestContext,
    ) -> Result<String> {
        let iat = self.now() / 1000;
        let claims = Claims {
            iss: self
                .settings()
                .public_url
                .as_str()
                .trim_end_matches('/')
                .to_owned(),
            sub: session.user_id.clone(),
            sid: session.id.clone(),
            iat,
            nbf: iat - 5,
            exp: iat + self.settings().token_ttl_secs,
            jti: b64url(&random_bytes(16)),
            azp: ctx.origin.clone(),
            sts: session.status.as_str(),
            v: 1,
        };
        self.keys.read().map_err(Error::internal)?.sign(&claims)
    }

    /// Signs the client's session `id` out, leaving it `status` (`ended` by our own
    /// sign-out, `removed` by the vendor's); another live session becomes the active one.
    pub async fn end_session(
        &self,
        client: &Client,
        id: &str,
        status: SessionStatus,
        ctx: &RequestContext,
    ) -> Result<Answer<SessionView>> {
        let now = self.now();
        let session = self.client_session(client, id).await?;
        let session = self.close_session(session, status, ctx).await?;
        if client.last_active_session_id.as_deref() == Some(id) {
            let next = self
                .store
                .list_client_sessions(&client.id)
                .await?
                .into_iter()
                .find(|s| s.id != id && s.status_at(now).is_live())
                .map(|s| s.id);
            let client = Client {
                last_active_session_id: next,
                updated_at: now,
                ..client.clone()
            };
            self.store.update_client(&client).await?;
        }
        let view = self.session_view(session).await?;
        self.answer(&client.id, view).await
    }

    /// The session the signed-in user's calls act on: the one named, else the client's
    /// last active one.
    pub async fn current_session(
        &self,
        client: Option<&Client>,
        session_id: Option<&str>,
    ) -> Result<Session> {
        let client = client.ok_or(Error::AuthenticationInvalid)?;
        let id = session_id
            .or(client.last_active_session_id.as_deref())
            .ok_or(Error::AuthenticationInvalid)?;
        self.client_session(client, id)
            .await
            .map_err(|_| Error::AuthenticationInvalid)
    }

    /// The signed-in user's live sessions on every client.
    pub async fn my_sessions(&self, session: &Session) -> Result<Answer<Vec<SessionView>>> {
        let now = self.now();
        let (sessions, _) = self
            .store
            .list_sessions(
                Some(&session.user_id),
                None,
                Page {
                    limit: 500,
                    offset: 0,
                },
            )
            .await?;
        let mut views = Vec::new();
        for s in sessions.into_iter().filter(|s| s.status_at(now).is_live()) {
            views.push(self.session_view(s).await?);
        }
        self.answer(&session.client_id, views).await
    }

    /// The signed-in user's live sessions on every client with where each began (the
    /// stored IP and User-Agent), the most recently active first: the user's active
    /// devices.
    pub async fn my_active_sessions(&self, session: &Session) -> Result<Vec<Session>> {
        self.store
            .list_live_user_sessions(&session.user_id, self.now())
            .await
    }

    /// Revokes one of the signed-in user's sessions.
    pub async fn revoke_my_session(
        &self,
        session: &Session,
        id: &str,
        ctx: &RequestContext,
    ) -> Result<Answer<SessionView>> {
        self.require_recent_factor(session, GuardedAction::RevokeSessions)?;
        let target = self
            .store
            .find_session(id)
            .await?
            .filter(|s| s.user_id == session.user_id)
            .ok_or(Error::NotFound("session"))?;
        let view = self.revoke(target, ctx).await?;
        self.answer(&session.client_id, view).await
    }

    /// Revokes a session, by the administration or by its own user.
    pub async fn revoke(&self, target: Session, ctx: &RequestContext) -> Result<SessionView> {
        let target = if target.status.is_live() {
            self.close_session(target, SessionStatus::Revoked, ctx)
                .await?
        } else {
            target
        };
        self.session_view(target).await
    }

    /// A session with its status at this moment and its user.
    pub async fn session_view(&self, mut session: Session) -> Result<SessionView> {
        session.status = session.status_at(self.now());
        let user = self.user_view(&session.user_id).await?;
        Ok(SessionView {
            factor_age_minutes: self.factor_age_minutes(&session),
            session,
            user,
            token: None,
        })
    }

    /// The client's live session `id`; anything else is not found or not usable.
    pub(super) async fn client_session(&self, client: &Client, id: &str) -> Result<Session> {
        let found = self
            .store
            .find_session(id)
            .await?
            .filter(|s| s.client_id == client.id);
        let Some(session) = found else {
            // A session that went with its deleted user has ended, like any other.
            return Err(if self.store.session_was_removed(&client.id, id).await? {
                Error::AuthenticationInvalid
            } else {
                Error::NotFound("session")
            });
        };
        if !session.status_at(self.now()).is_live() {
            return Err(Error::AuthenticationInvalid);
        }
        Ok(session)
    }

    /// Gives a session its final status (`ended`, `removed` or `revoked`) with the audit
    /// event that records it.
    pub(super) async fn close_session(
        &self,
        mut session: Session,
        status: SessionStatus,
        ctx: &RequestContext,
    ) -> Result<Session> {
        session.status = status;
        session.updated_at = self.now();
        let kind = if status == SessionStatus::Revoked {
            "session.revoked"
        } else {
            "session.ended"
        };
        let event = self.event(
            kind,
            ctx,
            Some(&session.user_id),
            None,
            Some(&session.id),
            json!({}),
        );
        self.store.update_session(&session, Some(&event)).await?;
        Ok(session)
    }

    /// A new session, made by the request of `ctx`; without a passkey and with
    /// `require_passkey` it starts `pending`.
    pub(super) fn new_session(
        &self,
        client_id: &str,
        user_id: &str,
        has_passkey: bool,
        ctx: &RequestContext,
    ) -> Session {
        let now = self.now();
        let expire_at = now + self.settings().session_lifetime_secs * 1000;
        let status = if self.settings().require_passkey && !has_passkey {
            SessionStatus::Pending
        } else {
            SessionStatus::Active
        };
        Session {
            id: new_id(Kind::Session, now),
            client_id: client_id.to_owned(),
            user_id: user_id.to_owned(),
            status,
            last_active_at: now,
            expire_at,
            abandon_at: (now + self.settings().session_inactivity_secs * 1000).min(expire_at),
            created_at: now,
            updated_at: now,
            verified_at: now,
            ip: ctx.ip.clone(),
            // Kept short: a session row is read with every view of its client.
            user_agent: ctx
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(MAX_USER_AGENT_CHARS).collect()),
        }
    }

    /// Whole minutes since the session's user last proved a factor.
    pub(super) fn factor_age_minutes(&self, session: &Session) -> i64 {
        (self.now() - session.verified_at).max(0) / 60_000
    }
}
