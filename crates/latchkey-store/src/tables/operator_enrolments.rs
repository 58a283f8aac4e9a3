//! The `operator_enrolments` table: one-time links that register an operator's first
//! passkey, and the session an enrolment opens.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::Result;
use latchkey_core::model::{AuditEvent, RequestClient, Session};
use latchkey_core::store::EnrolmentStore;

use crate::SqlStore;
use crate::value::args;

use super::{audit_events, sessions};

/// Deletes enrolment links that expired before `$1`.
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM operator_enrolments WHERE expire_at < $1";

#[async_trait]
impl EnrolmentStore for SqlStore {
    async fn insert_enrolment(
        &self,
        token_hash: &[u8],
        user_id: &str,
        expire_at: i64,
        now: i64,
    ) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO operator_enrolments (token_hash, user_id, expire_at, created_at) \
                 VALUES ($1, $2, $3, $4)",
                args![b64url(token_hash), user_id, expire_at, now],
            )
            .await?;
        Ok(())
    }

    async fn consume_enrolment(&self, token_hash: &[u8]) -> Result<Option<(String, i64)>> {
        self.db
            .fetch_optional(
                "DELETE FROM operator_enrolments WHERE token_hash = $1 RETURNING user_id, expire_at",
                args![b64url(token_hash)],
            )
            .await?
            .map(|row| Ok((row.get("user_id")?, row.get("expire_at")?)))
            .transpose()
    }

    async fn insert_enrolled_session(
        &self,
        client: &RequestClient,
        session: &Session,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        match client {
            RequestClient::New { client, token_hash } => {
                tx.execute(
                    "INSERT INTO clients (id, token_hash, last_active_session_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                    args![&client.id, b64url(token_hash), &session.id, client.created_at, session.created_at],
                )
                .await?;
            }
            RequestClient::Stored(client) => {
                tx.execute(
                    "UPDATE clients SET last_active_session_id = $1, updated_at = $2 WHERE id = $3",
                    args![&session.id, session.created_at, &client.id],
                )
                .await?;
            }
        }
        sessions::insert(&mut tx, session).await?;
        audit_events::insert_one(&mut tx, event).await?;
        Ok(tx.commit().await?)
    }
}
