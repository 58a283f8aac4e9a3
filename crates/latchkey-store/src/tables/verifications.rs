//! The `verifications` table and the `ceremonies` beside it: one row each per owner (a
//! sign-in, sign-up or passkey), the verification's status and the serialised ceremony
//! state that is consumed exactly once.

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

/// Marks the owner's verification verified (the attempt that passed counts; the nonce
/// goes) and returns it as it now is.
pub(crate) async fn mark_verified(tx: &mut Tx, owner_id: &str) -> Result<Option<Verification>> {
    let sql = format!(
        "UPDATE verifications SET status = 'verified', nonce = NULL, attempts = attempts + 1 \
         WHERE owner_id = $1 RETURNING {VERIFICATION_COLUMNS}"
    );
    let row = tx.fetch_optional(&sql, args![owner_id]).await?;
    row.as_ref().map(rows::verification).transpose()
}

/// [`mark_verified`] for an assertion of passkey `passkey_id`, refused
/// (`PasskeyNotRegistered`) when the passkey is no longer registered: deleted since it was
/// read, nothing is signed in with it. One statement when both are there.
pub(crate) async fn mark_verified_with(
    tx: &mut Tx,
    owner_id: &str,
    passkey_id: &str,
) -> Result<Option<Verification>> {
    const REGISTERED: &str = "SELECT 1 AS n FROM passkeys WHERE id = $2 AND verified = 1";
    let sql = format!(
        "UPDATE verifications SET status = 'verified', nonce = NULL, attempts = attempts + 1 \
         WHERE owner_id = $1 AND EXISTS ({REGISTERED}) RETURNING {VERIFICATION_COLUMNS}"
    );
    if let Some(row) = tx.fetch_optional(&sql, args![owner_id, passkey_id]).await? {
        return rows::verification(&row).map(Some);
    }
    // Nothing marked: the passkey is gone, or the verification is.
    let registered = tx
        .fetch_optional(&REGISTERED.replace("$2", "$1"), args![passkey_id])
        .await?;
    match registered {
        Some(_) => Ok(None),
        None => Err(Error::PasskeyNotRegistered),
    }
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

    async fn consume_ceremony(&self, owner_id: &str) -> Result<Option<CeremonyState>> {
        let row = self
            .db
            .fetch_optional(
                "DELETE FROM ceremonies WHERE owner_id = $1 RETURNING state, expire_at",
                args![owner_id],
            )
            .await?;
        let Some(row) = row else { return Ok(None) };
        rows::ceremony(&row).map(Some)
    }

    async fn set_verification_status(
        &self,
        owner_id: &str,
        status: VerificationStatus,
    ) -> Result<()> {
        let sql = if status == VerificationStatus::Verified {
            "UPDATE verifications SET status = $1, nonce = NULL, attempts = attempts + 1 WHERE owner_id = $2"
        } else {
            "UPDATE verifications SET status = $1, attempts = attempts + 1 WHERE owner_id = $2"
        };
        self.db
            .execute(sql, args![status.as_str(), owner_id])
            .await?;
        Ok(())
    }
}
