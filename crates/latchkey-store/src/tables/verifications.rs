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
use crate::value::DbError;
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

/// Deletes the ceremony of owner `$1`: the one statement that uses a ceremony up.
const USE_UP: &str = "DELETE FROM ceremonies WHERE owner_id = $1";

/// Uses up the owner's ceremony; returns whether it was there (not when another attempt
/// used it first).
async fn use_up(tx: &mut Tx, owner_id: &str) -> Result<bool> {
    Ok(tx.execute(USE_UP, args![owner_id]).await? > 0)
}

/// Commits `tx` with the owner's ceremony used up by the attempt that answered it and its
/// verification marked verified (the attempt counts; the nonce goes); returns the
/// verification. Of concurrent attempts only one commits; the others are refused with
/// `AlreadyVerified`. With a `passkey_id` (an assertion), refused with
/// `PasskeyNotRegistered` when that passkey is no longer registered: deleted since it was
/// read, nothing is signed in with it. A refusal rolls `tx` back. On PostgreSQL a
/// transaction of writes alone and this is one statement.
pub(crate) async fn commit_verified(
    mut tx: Tx,
    owner_id: &str,
    passkey_id: Option<&str>,
) -> Result<Verification> {
    const REGISTERED: &str = "SELECT 1 AS n FROM passkeys WHERE id = $2 AND verified = 1";
    const ALREADY_VERIFIED: &str = "verification_already_verified";
    const NOT_REGISTERED: &str = "passkey_not_registered";
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
    let rows = match tx {
        // The ceremony's row is deleted (and locked) first: a concurrent attempt that
        // deleted it already leaves nothing to update, and the statement refuses itself.
        Tx::Postgres(_) => {
            let unregistered = match passkey_id {
                Some(_) => format!(
                    "WHEN NOT EXISTS ({REGISTERED}) THEN latchkey_refuse('{NOT_REGISTERED}') "
                ),
                None => String::new(),
            };
            let sql = format!(
                "WITH used AS ({USE_UP} RETURNING owner_id), marked AS ({}) \
                 SELECT marked.*, CASE WHEN marked.owner_id IS NOT NULL THEN NULL \
                 {unregistered}ELSE latchkey_refuse('{ALREADY_VERIFIED}') END AS refused \
                 FROM (SELECT 1) AS one LEFT JOIN marked ON TRUE",
                update("(SELECT owner_id FROM used)")
            );
            tx.finish(&sql, args).await.map_err(|err| match err {
                DbError::Refused(code) if code == NOT_REGISTERED => Error::PasskeyNotRegistered,
                DbError::Refused(code) if code == ALREADY_VERIFIED => Error::AlreadyVerified,
                other => other.into(),
            })?
        }
        Tx::Sqlite(_) => {
            let marked = match use_up(&mut tx, owner_id).await? {
                true => tx.fetch_optional(&update("$1"), args).await?,
                false => None,
            };
            if marked.is_none() {
                let registered = match passkey_id {
                    Some(passkey_id) => tx
                        .fetch_optional(&REGISTERED.replace("$2", "$1"), args![passkey_id])
                        .await?
                        .is_some(),
                    None => true,
                };
                return Err(match registered {
                    true => Error::AlreadyVerified,
                    false => Error::PasskeyNotRegistered,
                });
            }
            tx.commit().await?;
            marked.into_iter().collect()
        }
    };
    let row = rows
        .first()
        .ok_or_else(|| Error::internal("no verification returned"))?;
    rows::verification(row)
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
        let used = use_up(&mut tx, owner_id).await?;
        // Used by another attempt meanwhile: that attempt's outcome stands.
        if used {
            tx.write(
                "UPDATE verifications SET status = $1, attempts = attempts + 1 WHERE owner_id = $2",
                args![status.as_str(), owner_id],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(used)
    }
}
