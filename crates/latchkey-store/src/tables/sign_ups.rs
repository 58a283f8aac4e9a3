//! The `sign_ups` table: sign-up attempts, and the transaction that completes one.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::Result;
use latchkey_core::model::{CeremonyState, RequestClient, SignUp, Verification};
use latchkey_core::store::{SignUpCompletion, SignUpStore};

use crate::SqlStore;
use crate::rows::{self, SIGN_UP_COLUMNS};
use crate::value::args;

use super::{audit_events, clients, passkeys, sessions, users, verifications};

/// Deletes the sign-ups abandoned before `$1`.
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM sign_ups WHERE abandon_at < $1";

#[async_trait]
impl SignUpStore for SqlStore {
    async fn insert_sign_up(
        &self,
        client: &RequestClient,
        s: &SignUp,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        clients::attach_attempt(&mut tx, client, "sign_up_id", &s.id, s.updated_at).await?;
        if let Some((v, c)) = ceremony {
            verifications::upsert(&mut tx, v, c).await?;
        }
        tx.write("INSERT INTO sign_ups (id, client_id, status, username, email_address, first_name, last_name, user_handle, \
             created_user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", args![&s.id, &s.client_id, s.status.as_str(), &s.username, &s.email_address, &s.first_name, &s.last_name, s.user_handle.as_deref().map(b64url), &s.created_user_id, &s.created_session_id, s.abandon_at, s.created_at, s.updated_at]).await?;
        Ok(tx.commit().await?)
    }

    async fn find_sign_up(&self, client_id: &str, id: &str) -> Result<Option<SignUp>> {
        let sql =
            format!("SELECT {SIGN_UP_COLUMNS} FROM sign_ups WHERE id = $1 AND client_id = $2");
        let row = self.db.fetch_optional(&sql, args![id, client_id]).await?;
        row.as_ref().map(rows::sign_up).transpose()
    }

    async fn complete_sign_up(&self, c: &SignUpCompletion) -> Result<Option<Verification>> {
        let mut tx = self.db.begin().await?;
        users::insert(&mut tx, &c.user, c.email_verified_at).await?;
        if let Some(passkey) = &c.passkey {
            passkeys::write(&mut tx, passkey).await?;
        }
        sessions::insert(&mut tx, &c.session).await?;
        tx.write("UPDATE sign_ups SET status = $1, created_user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5", args![c.sign_up.status.as_str(), &c.sign_up.created_user_id, &c.sign_up.created_session_id, c.sign_up.updated_at, &c.sign_up.id]).await?;
        clients::set_last_active_session(&mut tx, &c.session, "sign_up_id").await?;
        audit_events::insert(&mut tx, &c.events).await?;
        // A passkey's sign-up uses up its ceremony; one by email has none.
        match &c.passkey {
            Some(_) => Ok(Some(
                verifications::commit_verified(tx, &c.sign_up.id, None).await?,
            )),
            None => {
                tx.commit().await?;
                Ok(None)
            }
        }
    }
}
