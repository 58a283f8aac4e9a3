//! The `verifications` table and the `ceremonies` beside it: one row each per owner (a
//! sign-in, sign-up or passkey), the verification's status and the serialised ceremony
//! state that one attempt uses up.

use async_trait::async_trait;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{CeremonyState, Verification, VerificationStatus};
use latchkey_core::store::VerificationStore;

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::{self, VERIFICATION_COLUMNS};
use crate::value::args;

/// Deletes the ceremonies expired before `$1`.
pub(crate) const DELETE_EXPIRED_CEREMONIES: &str = "DELETE FROM ceremonies WHERE expire_at < $1";
/// Deletes the verifications expired before `$1`, except passkeys'.
pub(crate) const DELETE_EXPIRED: &str =
    "DELETE FROM verifications WHERE expire_at < $1 AND owner_id NOT IN (SELECT id FROM passkeys)";

/// Creates or replaces the owner's verification and ceremony.
pub(crate) async fn upsert(tx: &mut Tx, v: &Verification, c: &CeremonyState) -> Result<()> {
    tx.write("INSERT INTO verifications (owner_id, status, nonce, attempts, expire_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (owner_id) DO UPDATE SET status = excluded.status, nonce = excluded.nonce, \
         attempts = excluded.attempts, expire_at = excluded.expire_at", args![&v.owner_id, v.status.as_str(), &v.nonce, v.attempts, v.expire_at]).await?;
    tx.write("INSERT INTO ceremonies (owner_id, state, expire_at) VALUES ($1, $2, $3) \
         ON CONFLICT (owner_id) DO UPDATE SET state = excluded.state, expire_at = excluded.expire_at", args![&v.owner_id, &c.state, c.expire_at]).await?;
    Ok(())
}

/// Uses up the owner's ceremony for the attempt that answered it, and marks the
/// verification verified (the attempt counts; the nonce goes): of concurrent attempts
/// only one gets past this, the others are refused with `AlreadyVerified`. With a
/// `passkey_id` (an assertion), refused with `PasskeyNotRegistered` when that passkey is
/// no longer registered: deleted since it was read, nothing is signed in with it. One
/// statement on PostgreSQL.
pub(crate) async fn mark_verified(
    tx: &mut Tx,
    owner_id: &str,
    passkey_id: Option<&str>,
) -> Result<Verification> {
    const REGISTERED: &str = "SELECT 1 AS n FROM passkeys WHERE id = $2 AND verified = 1";
    let registered = match passkey_id {
        Some(_) => format!(" AND EXISTS ({REGISTERED})"),
        None => String::new(),
    };
    // The verification of the owner named by `owner`.
    let update = |owner: &str| {
        format!(
            "UPDATE verifications SET status = 'verified', nonce = NULL, attempts = attempts + 1 \
             WHERE owner_id = {owner}{registered} RETURNING {VERIFICATION_COLUMNS}"
        )
    };
    let args = match passkey_id {
        Some(passkey_id) => args![owner_id, passkey_id],
        None => args![owner_id],
    };
    let row = match tx {
        // The ceremony's row is deleted (and locked) first: a concurrent attempt that
        // deleted it already leaves nothing to update.
        Tx::Postgres(_) => {
            let sql = format!(
                "WITH used AS (DELETE FROM ceremonies WHERE owner_id = $1 RETURNING owner_id) {}",
                update("(SELECT owner_id FROM used)")
            );
            tx.fetch_optional(&sql, args).await?
        }
        Tx::Sqlite(_) => {
            let used = tx
                .execute(
                    "DELETE FROM ceremonies WHERE owner_id = $1",
                    args![owner_id],
                )
                .await?;
            match used {
                0 => None,
                _ => tx.fetch_optional(&update("$1"), args).await?,
            }
        }
    };
    if let Some(row) = row {
        return rows::verification(&row);
    }
    // Nothing marked: the passkey is gone, or the ceremony (used by another attempt).
    if let Some(passkey_id) = passkey_id {
        let registered = tx
            .fetch_optional(&REGISTERED.replace("$2", "$1"), args![passkey_id])
            .await?;
        if registered.is_none() {
            return Err(Error::PasskeyNotRegistered);
        }
    }
    Err(Error::AlreadyVerified)
}

/// Deletes the owner's verification and ceremony.
pub(crate) async fn delete(tx: &mut Tx, owner_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM verifications WHERE owner_id = $1",
        "DELETE FROM ceremonies WHERE owner_id = $1",
    ] {
        tx.execute(sql, args![owner_id]).await?;
    }
    Ok(())
}

#[async_trait]
impl VerificationStore for SqlStore {
    async fn upsert_verification(
        &self,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        upsert(&mut tx, verification, ceremony).await?;
        Ok(tx.commit().await?)
    }

    async fn find_verification(&self, owner_id: &str) -> Result<Option<Verification>> {
        let sql = format!("SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE owner_id = $1");
        let row = self.db.fetch_optional(&sql, args![owner_id]).await?;
        row.as_ref().map(rows::verification).transpose()
    }

    async fn find_ceremony(&self, owner_id: &str) -> Result<Option<CeremonyState>> {
        let row = self
            .db
            .fetch_optional(
                "SELECT state, expire_at FROM ceremonies WHERE owner_id = $1",
                args![owner_id],
            )
            .await?;
        row.as_ref().map(rows::ceremony).transpose()
    }

    async fn end_ceremony(&self, owner_id: &str, status: VerificationStatus) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let used = tx
            .execute(
                "DELETE FROM ceremonies WHERE owner_id = $1",
                args![owner_id],
            )
            .await?;
        // Used by another attempt meanwhile: that attempt's outcome stands.
        if used > 0 {
            tx.write(
                "UPDATE verifications SET status = $1, attempts = attempts + 1 WHERE owner_id = $2",
                args![status.as_str(), owner_id],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(used > 0)
    }
}
