//! The `sign_ins` table: sign-in attempts, and the transaction that completes one.

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::{CeremonyState, RequestClient, SignIn, Verification};
use latchkey_core::store::{MAX_OPEN_SIGN_INS, SignInCompletion, SignInStore};

use crate::SqlStore;
use crate::rows::{self, SIGN_IN_COLUMNS};
use crate::value::args;

use super::{audit_events, clients, passkeys, sessions, users, verifications};

/// Deletes the sign-ins abandoned before `$1`.
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM sign_ins WHERE abandon_at < $1";

#[async_trait]
impl SignInStore for SqlStore {
    async fn insert_sign_in(
        &self,
        client: &RequestClient,
        s: &SignIn,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        clients::attach_attempt(&mut tx, client, "sign_in_id", &s.id, s.updated_at).await?;
        if let Some((v, c)) = ceremony {
            verifications::upsert(&mut tx, v, c).await?;
        }
        // A new client has no other sign-in to prune. The others keep room for this one.
        if let RequestClient::Stored(_) = client {
            tx.write(
                "DELETE FROM sign_ins WHERE client_id = $1 AND status <> 'complete' AND id NOT IN \
                 (SELECT id FROM sign_ins WHERE client_id = $1 AND status <> 'complete' \
                 ORDER BY created_at DESC, id DESC LIMIT $2)",
                args![&s.client_id, MAX_OPEN_SIGN_INS - 1],
            )
            .await?;
        }
        tx.write("INSERT INTO sign_ins (id, client_id, status, identifier, user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", args![&s.id, &s.client_id, s.status.as_str(), &s.identifier, &s.user_id, &s.created_session_id, s.abandon_at, s.created_at, s.updated_at]).await?;
        Ok(tx.commit().await?)
    }

    async fn find_sign_in(&self, client_id: &str, id: &str) -> Result<Option<SignIn>> {
        let sql =
            format!("SELECT {SIGN_IN_COLUMNS} FROM sign_ins WHERE id = $1 AND client_id = $2");
        let row = self.db.fetch_optional(&sql, args![id, client_id]).await?;
        row.as_ref().map(rows::sign_in).transpose()
    }

    async fn find_sign_in_attempt(
        &self,
        client_id: &str,
        id: &str,
    ) -> Result<Option<(SignIn, Option<CeremonyState>)>> {
        // The sign-in's columns and the ceremony's (`state`, `expire_at`) share no name.
        let sql = format!(
            "SELECT {SIGN_IN_COLUMNS}, state, expire_at FROM sign_ins \
             LEFT JOIN ceremonies ON owner_id = id WHERE id = $1 AND client_id = $2"
        );
        let Some(row) = self.db.fetch_optional(&sql, args![id, client_id]).await? else {
            return Ok(None);
        };
        let ceremony = match row.get::<Option<String>>("state")? {
            Some(_) => Some(rows::ceremony(&row)?),
            None => None,
        };
        Ok(Some((rows::sign_in(&row)?, ceremony)))
    }

    async fn complete_sign_in(&self, c: &SignInCompletion) -> Result<Option<Verification>> {
        let mut tx = self.db.begin().await?;
        // The writes first, so that on PostgreSQL they travel with the verification's
        // update, whose refusal (the passkey deleted meanwhile) rolls them back.
        sessions::insert(&mut tx, &c.session).await?;
        tx.write("UPDATE sign_ins SET status = $1, user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5", args![c.sign_in.status.as_str(), &c.sign_in.user_id, &c.sign_in.created_session_id, c.now, &c.sign_in.id]).await?;
        users::record_sign_in(&mut tx, &c.session.user_id, c.now).await?;
        clients::set_last_active_session(&mut tx, &c.session, "sign_in_id").await?;
        audit_events::insert(&mut tx, &c.events).await?;
        passkeys::record_use(&mut tx, &c.used, c.now).await?;
        let verification =
            verifications::commit_verified(tx, &c.sign_in.id, Some(&c.used.passkey_id)).await?;
        Ok(Some(verification))
    }
}
