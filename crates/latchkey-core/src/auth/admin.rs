//! The reads of administration: lists and lookups, newest first, with counts for paging.

use super::Auth;
use crate::error::{Error, Result};
use crate::model::{AuditEvent, Session, User};
use crate::store::Page;

impl Auth {
    /// Users whose username or email address starts with `query` (every user without
    /// one), newest first, and how many match.
    pub async fn list_users(&self, query: Option<&str>, page: Page) -> Result<(Vec<User>, i64)> {
        self.store.list_users(query, page).await
    }

    /// Sessions of `user_id` (of everyone without one) whose stored status is `status`
    /// (any without one), newest first, and how many match. The status is the stored
    /// one: [`Auth::session_view`] shows it as of now.
    pub async fn list_sessions(
        &self,
        user_id: Option<&str>,
        status: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Session>, i64)> {
        self.store.list_sessions(user_id, status, page).await
    }

    /// The session with this id, whatever its status; `NotFound` when there is none.
    pub async fn get_session(&self, id: &str) -> Result<Session> {
        self.store
            .find_session(id)
            .await?
            .ok_or(Error::NotFound("session"))
    }

    /// Audit events of `user_id` (of everyone without one), newest first, and how many
    /// match.
    pub async fn list_audit_events(
        &self,
        user_id: Option<&str>,
        page: Page,
    ) -> Result<(Vec<AuditEvent>, i64)> {
        self.store.list_audit_events(user_id, page).await
    }

    /// Active and pending sessions neither expired nor abandoned at the clock's time.
    pub async fn count_live_sessions(&self) -> Result<i64> {
        self.store.count_live_sessions(self.now()).await
    }
}
