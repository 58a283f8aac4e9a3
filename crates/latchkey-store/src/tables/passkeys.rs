//! The `passkeys` table: a user's credentials, unverified until their registration
//! ceremony completes.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{AuditEvent, CeremonyState, Passkey, User, Verification};
use latchkey_core::store::{PasskeyStore, PasskeyUse};

use crate::db::Tx;
use crate::rows::{self, PASSKEY_COLUMNS};
use crate::value::{args, unique};
use crate::{SqlStore, records};

use super::{audit_events, sessions, verifications};

/// Stores a passkey, or replaces the stored one with its id; a credential id stored
/// before is `PasskeyAlreadyExists`.
pub(crate) async fn write(tx: &mut Tx, p: &Passkey) -> Result<()> {
    tx.execute("INSERT INTO passkeys (id, user_id, name, credential_id, credential, aaguid, backed_up, transports, \
         verified, last_used_at, created_at, updated_at, public_key, user_handle) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credential_id = excluded.credential_id, \
         credential = excluded.credential, aaguid = excluded.aaguid, backed_up = excluded.backed_up, \
         transports = excluded.transports, verified = excluded.verified, updated_at = excluded.updated_at, \
         public_key = excluded.public_key, user_handle = excluded.user_handle", args![&p.id, &p.user_id, &p.name, p.credential_id.as_deref().map(b64url), &p.credential, &p.aaguid, p.backed_up, serde_json::to_string(&p.transports).map_err(Error::internal)?, p.verified, p.last_used_at, p.created_at, p.updated_at, &p.public_key, p.user_handle.as_deref().map(b64url)]).await.map_err(unique(Error::PasskeyAlreadyExists))?;
    Ok(())
}

/// Records an assertion's use of its passkey at `now`: the credential's new counter and
/// flags. The passkey may have been deleted since it was read: the same transaction's
/// [`verifications::commit_verified`] refuses it then.
pub(crate) async fn record_use(tx: &mut Tx, c: &PasskeyUse, now: i64) -> Result<()> {
    // A passkey stored before public keys were converted gets the key converted for
    // this sign-in; a stored key is never replaced.
    tx.write("UPDATE passkeys SET credential = $1, backed_up = $2, last_used_at = $3, public_key = COALESCE(public_key, $4) WHERE id = $5 AND verified = 1", args![&c.credential, c.backed_up, now, &c.public_key, &c.passkey_id]).await?;
    Ok(())
}

/// Stores a verified passkey with its audit event; the user's pending sessions (whose one
/// task is to add a passkey) become active.
async fn store_verified(tx: &mut Tx, passkey: &Passkey, event: &AuditEvent) -> Result<()> {
    write(tx, passkey).await?;
    sessions::activate_pending(tx, &passkey.user_id, passkey.updated_at).await?;
    audit_events::insert_one(tx, event).await
}

#[async_trait]
impl PasskeyStore for SqlStore {
    async fn insert_passkey(
        &self,
        passkey: &Passkey,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        write(&mut tx, passkey).await?;
        verifications::upsert(&mut tx, verification, ceremony).await?;
        Ok(tx.commit().await?)
    }

    async fn find_passkey(&self, user_id: &str, id: &str) -> Result<Option<Passkey>> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE id = $1 AND user_id = $2");
        let row = self.db.fetch_optional(&sql, args![id, user_id]).await?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn find_passkey_by_credential_id(&self, credential_id: &[u8]) -> Result<Option<Passkey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1 AND verified = 1"
        );
        let row = self
            .db
            .fetch_optional(&sql, args![b64url(credential_id)])
            .await?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn find_passkey_owner(&self, credential_id: &[u8]) -> Result<Option<(Passkey, User)>> {
        records::passkey_owner(&self.db, &b64url(credential_id)).await
    }

    async fn list_passkeys(&self, user_id: &str) -> Result<Vec<Passkey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 AND verified = 1 ORDER BY created_at DESC, id DESC"
        );
        let found = self.db.fetch_all(&sql, args![user_id]).await?;
        found.iter().map(rows::passkey).collect()
    }

    async fn count_passkeys_by_aaguid(&self) -> Result<Vec<(Option<String>, i64)>> {
        self.db
            .fetch_all(
                "SELECT aaguid, COUNT(*) AS n FROM passkeys WHERE verified = 1 GROUP BY aaguid",
                args![],
            )
            .await?
            .iter()
            .map(|row| Ok((row.get("aaguid")?, row.get("n")?)))
            .collect()
    }

    async fn complete_passkey_registration(
        &self,
        passkey: &Passkey,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        store_verified(&mut tx, passkey, event).await?;
        verifications::commit_verified(tx, &passkey.id, None).await?;
        Ok(())
    }

    async fn import_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        store_verified(&mut tx, passkey, event).await?;
        Ok(tx.commit().await?)
    }

    async fn rename_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE passkeys SET name = $1, updated_at = $2 WHERE id = $3",
            args![&passkey.name, passkey.updated_at, &passkey.id],
        )
        .await?;
        audit_events::insert_one(&mut tx, event).await?;
        Ok(tx.commit().await?)
    }

    async fn delete_passkey(&self, user_id: &str, id: &str, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let deleted = tx
            .execute(
                "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
                args![id, user_id],
            )
            .await?;
        if deleted > 0 {
            verifications::delete(&mut tx, id).await?;
            audit_events::insert_one(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }
}
