//! The `sessions` table and `removed_sessions` beside it, which remembers for a while
//! the sessions that went with their deleted user.

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::{AuditEvent, Session};
use latchkey_core::store::{Page, Reverification, SessionStore};

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::{self, SESSION_COLUMNS};
use crate::value::args;

use super::{audit_events, passkeys, verifications};

/// Deletes the sessions expired before `$1`.
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM sessions WHERE expire_at < $1";
/// Forgets the removed sessions that would have expired before `$1`.
pub(crate) const DELETE_EXPIRED_REMOVED: &str = "DELETE FROM removed_sessions WHERE expire_at < $1";

/// Stores a new session.
pub(crate) async fn insert(tx: &mut Tx, s: &Session) -> Result<()> {
    tx.write("INSERT INTO sessions (id, client_id, user_id, status, last_active_at, expire_at, abandon_at, created_at, updated_at, verified_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)", args![&s.id, &s.client_id, &s.user_id, s.status.as_str(), s.last_active_at, s.expire_at, s.abandon_at, s.created_at, s.updated_at, s.verified_at, &s.ip, &s.user_agent]).await?;
    Ok(())
}

/// Records that the session's user proved a factor again at `at`.
pub(crate) async fn record_verification(tx: &mut Tx, id: &str, at: i64) -> Result<()> {
    tx.write(
        "UPDATE sessions SET verified_at = $1 WHERE id = $2",
        args![at, id],
    )
    .await?;
    Ok(())
}

/// Remembers the user's sessions as removed, before the user (and with it the
/// sessions) is deleted.
pub(crate) async fn remember_removed(tx: &mut Tx, user_id: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO removed_sessions (id, client_id, expire_at) \
         SELECT id, client_id, expire_at FROM sessions WHERE user_id = $1",
        args![user_id],
    )
    .await?;
    Ok(())
}

/// Revokes the user's active and pending sessions at `at`.
pub(crate) async fn revoke_live(tx: &mut Tx, user_id: &str, at: i64) -> Result<()> {
    tx.execute("UPDATE sessions SET status = 'revoked', updated_at = $1 WHERE user_id = $2 AND status IN ('active', 'pending')", args![at, user_id]).await?;
    Ok(())
}

/// Makes the user's pending sessions active.
pub(crate) async fn activate_pending(tx: &mut Tx, user_id: &str, at: i64) -> Result<()> {
    tx.execute("UPDATE sessions SET status = 'active', updated_at = $1 WHERE user_id = $2 AND status = 'pending'", args![at, user_id]).await?;
    Ok(())
}

#[async_trait]
impl SessionStore for SqlStore {
    async fn complete_reverification(&self, r: &Reverification) -> Result<()> {
        let mut tx = self.db.begin().await?;
        passkeys::record_use(&mut tx, &r.used, r.now).await?;
        record_verification(&mut tx, &r.session_id, r.now).await?;
        audit_events::insert(&mut tx, &r.events).await?;
        verifications::commit_verified(tx, &r.session_id, Some(&r.used.passkey_id)).await?;
        Ok(())
    }

    async fn find_session(&self, id: &str) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        let row = self.db.fetch_optional(&sql, args![id]).await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn session_was_removed(&self, client_id: &str, id: &str) -> Result<bool> {
        let row = self
            .db
            .fetch_optional(
                "SELECT id FROM removed_sessions WHERE id = $1 AND client_id = $2",
                args![id, client_id],
            )
            .await?;
        Ok(row.is_some())
    }

    async fn list_client_sessions(&self, client_id: &str) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE client_id = $1 AND status IN ('active', 'pending') \
             ORDER BY created_at DESC, id DESC"
        );
        let found = self.db.fetch_all(&sql, args![client_id]).await?;
        found.iter().map(rows::session).collect()
    }

    async fn list_live_user_sessions(&self, user_id: &str, now: i64) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 AND status IN ('active', 'pending') \
             AND expire_at > $2 AND abandon_at > $2 ORDER BY last_active_at DESC, id DESC"
        );
        let found = self.db.fetch_all(&sql, args![user_id, now]).await?;
        found.iter().map(rows::session).collect()
    }

    async fn list_sessions(
        &self,
        user_id: Option<&str>,
        status: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Session>, i64)> {
        let filter = "($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR status = $2)";
        let select = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) AS n FROM sessions WHERE {filter}");
        let filter_args = args![user_id, status];
        super::page(&self.db, &select, &count, filter_args, page, rows::session).await
    }

    async fn update_session(&self, s: &Session, event: Option<&AuditEvent>) -> Result<()> {
        let sql = "UPDATE sessions SET status = $1, last_active_at = $2, abandon_at = $3, updated_at = $4 WHERE id = $5";
        let args = args![
            s.status.as_str(),
            s.last_active_at,
            s.abandon_at,
            s.updated_at,
            &s.id
        ];
        let Some(event) = event else {
            // One statement needs no transaction (token refreshes take this path).
            self.db.execute(sql, args).await?;
            return Ok(());
        };
        let mut tx = self.db.begin().await?;
        tx.execute(sql, args).await?;
        audit_events::insert_one(&mut tx, event).await?;
        Ok(tx.commit().await?)
    }

    async fn count_live_sessions(&self, now: i64) -> Result<i64> {
        self.db.fetch_one("SELECT COUNT(*) AS n FROM sessions WHERE status IN ('active', 'pending') AND expire_at > $1 AND abandon_at > $1", args![now]).await?.get("n")
    }
}
