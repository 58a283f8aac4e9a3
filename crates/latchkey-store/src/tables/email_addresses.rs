//! The `email_addresses` table: every address of a user (the primary one also kept on
//! the user), each read with the last code sent to prove it.

use async_trait::async_trait;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{AuditEvent, EmailAddress, EmailCode, Mail, VerificationStatus};
use latchkey_core::store::{CodeCompletion, CodeUse, EmailStore};

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::{self, ADDRESS_CODE_COLUMNS, EMAIL_ADDRESS_COLUMNS, EMAIL_CODE_COLUMNS};
use crate::value::{args, unique};

use super::{audit_events, clients, mail_outbox, sessions, users};

/// Deletes the codes expired before `$1`, except those of email addresses.
pub(crate) const DELETE_EXPIRED_CODES: &str = "DELETE FROM email_codes WHERE expire_at < $1 \
     AND owner_id NOT IN (SELECT id FROM email_addresses)";

/// An address with its last code, `FROM email_addresses e` joined to `email_codes k`.
fn select_addresses(filter: &str) -> String {
    let columns: Vec<String> = EMAIL_ADDRESS_COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect();
    format!(
        "SELECT {}, {ADDRESS_CODE_COLUMNS} FROM email_addresses e \
         LEFT JOIN email_codes k ON k.owner_id = e.id WHERE {filter} ORDER BY e.created_at, e.id",
        columns.join(", ")
    )
}

/// Stores a new address (the first of a user made at sign-up, or one added later); an
/// address another user has is `IdentifierExists`.
pub(crate) async fn insert(tx: &mut Tx, a: &EmailAddress) -> Result<()> {
    tx.execute(
        "INSERT INTO email_addresses (id, user_id, email_address, verified_at, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
        args![
            &a.id,
            &a.user_id,
            &a.email_address,
            a.verified_at,
            a.created_at,
            a.updated_at
        ],
    )
    .await
    .map_err(unique(Error::IdentifierExists("email_address")))?;
    Ok(())
}

/// Marks the code used (status `verified`, hash gone) if it is still open with this
/// hash, and the address it went to verified; `AlreadyVerified` if another request
/// used it first.
async fn use_code(tx: &mut Tx, code: &EmailCode, now: i64) -> Result<()> {
    let used = tx
        .execute(
            "UPDATE email_codes SET status = 'verified', code_hash = NULL \
             WHERE owner_id = $1 AND status = 'unverified' AND code_hash = $2",
            args![&code.owner_id, &code.code_hash],
        )
        .await?;
    if used != 1 {
        return Err(Error::AlreadyVerified);
    }
    if let Some(address_id) = &code.email_address_id {
        tx.execute(
            "UPDATE email_addresses SET verified_at = COALESCE(verified_at, $1), updated_at = $1 \
             WHERE id = $2",
            args![now, address_id],
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl EmailStore for SqlStore {
    async fn list_email_addresses(&self, user_id: &str) -> Result<Vec<EmailAddress>> {
        let found = self
            .db
            .fetch_all(&select_addresses("e.user_id = $1"), args![user_id])
            .await?;
        found.iter().map(rows::email_address).collect()
    }

    async fn find_email_address(&self, user_id: &str, id: &str) -> Result<Option<EmailAddress>> {
        let sql = select_addresses("e.id = $1 AND e.user_id = $2");
        let row = self.db.fetch_optional(&sql, args![id, user_id]).await?;
        row.as_ref().map(rows::email_address).transpose()
    }

    async fn find_email_address_by_address(&self, address: &str) -> Result<Option<EmailAddress>> {
        let sql = select_addresses("e.email_address = $1");
        let row = self.db.fetch_optional(&sql, args![address]).await?;
        row.as_ref().map(rows::email_address).transpose()
    }

    async fn insert_email_address(&self, address: &EmailAddress, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert(&mut tx, address).await?;
        audit_events::insert(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn delete_email_address(
        &self,
        user_id: &str,
        id: &str,
        event: &AuditEvent,
    ) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let deleted = tx
            .execute(
                "DELETE FROM email_addresses WHERE id = $1 AND user_id = $2",
                args![id, user_id],
            )
            .await?;
        if deleted == 0 {
            return Ok(false);
        }
        tx.execute("DELETE FROM email_codes WHERE owner_id = $1", args![id])
            .await?;
        audit_events::insert(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_primary_email_address(
        &self,
        address: &EmailAddress,
        now: i64,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        users::set_primary_email(&mut tx, address, now).await?;
        audit_events::insert(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn insert_email_code(
        &self,
        c: &EmailCode,
        mail: Option<&Mail>,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO email_codes (owner_id, email_address_id, email_address, code_hash, \
             status, attempts, expire_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (owner_id) DO UPDATE SET email_address_id = excluded.email_address_id, \
             email_address = excluded.email_address, code_hash = excluded.code_hash, \
             status = excluded.status, attempts = excluded.attempts, \
             expire_at = excluded.expire_at, created_at = excluded.created_at",
            args![
                &c.owner_id,
                &c.email_address_id,
                &c.email_address,
                &c.code_hash,
                c.status.as_str(),
                c.attempts,
                c.expire_at,
                c.created_at
            ],
        )
        .await?;
        if let Some(mail) = mail {
            mail_outbox::insert(&mut tx, mail).await?;
        }
        audit_events::insert(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn find_email_code(&self, owner_id: &str) -> Result<Option<EmailCode>> {
        let sql = format!("SELECT {EMAIL_CODE_COLUMNS} FROM email_codes WHERE owner_id = $1");
        let row = self.db.fetch_optional(&sql, args![owner_id]).await?;
        let code = row.as_ref().map(rows::email_code).transpose()?;
        Ok(code.map(|c| EmailCode {
            code_hash: None,
            ..c
        }))
    }

    async fn try_email_code(&self, owner_id: &str, max_attempts: i64) -> Result<Option<EmailCode>> {
        let sql = format!(
            "UPDATE email_codes SET attempts = attempts + 1 WHERE owner_id = $1 \
             AND status = 'unverified' AND attempts < $2 RETURNING {EMAIL_CODE_COLUMNS}"
        );
        let row = self
            .db
            .fetch_optional(&sql, args![owner_id, max_attempts])
            .await?;
        row.as_ref().map(rows::email_code).transpose()
    }

    async fn close_email_code(&self, owner_id: &str, status: VerificationStatus) -> Result<()> {
        self.db
            .execute(
                "UPDATE email_codes SET status = $1, code_hash = NULL \
                 WHERE owner_id = $2 AND status = 'unverified'",
                args![status.as_str(), owner_id],
            )
            .await?;
        Ok(())
    }

    async fn use_email_code(&self, c: &CodeCompletion) -> Result<()> {
        let mut tx = self.db.begin().await?;
        use_code(&mut tx, &c.code, c.now).await?;
        match &c.usage {
            CodeUse::Verify => {}
            CodeUse::SignIn(signed_in) => {
                let (sign_in, session) = signed_in.as_ref();
                sessions::insert(&mut tx, session).await?;
                tx.write(
                    "UPDATE sign_ins SET status = $1, user_id = $2, created_session_id = $3, \
                     updated_at = $4 WHERE id = $5",
                    args![
                        sign_in.status.as_str(),
                        &sign_in.user_id,
                        &sign_in.created_session_id,
                        c.now,
                        &sign_in.id
                    ],
                )
                .await?;
                users::record_sign_in(&mut tx, &session.user_id, c.now).await?;
                clients::set_last_active_session(&mut tx, session, "sign_in_id").await?;
            }
            CodeUse::Reverify { session_id } => {
                sessions::record_verification(&mut tx, session_id, c.now).await?;
            }
        }
        audit_events::insert(&mut tx, &c.events).await?;
        Ok(tx.commit().await?)
    }
}
