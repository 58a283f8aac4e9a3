//! The `mail_outbox` table: mail queued with the change that makes it, claimed by the
//! mail worker of any replica with a lease, and kept once sent (without its values).

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::{Mail, MailStatus};
use latchkey_core::store::{MailStore, Page};

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::{self, MAIL_COLUMNS};
use crate::value::args;

/// Queues `mail` in a transaction.
pub(crate) async fn insert(tx: &mut Tx, mail: &Mail) -> Result<()> {
    tx.execute(
        "INSERT INTO mail_outbox (id, to_address, template, locale, data, status, attempts, \
         next_attempt_at, last_error, created_at, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![
            &mail.id,
            &mail.to,
            &mail.template,
            &mail.locale,
            &mail.data,
            mail.status.as_str(),
            mail.attempts,
            mail.next_attempt_at,
            &mail.last_error,
            mail.created_at,
            mail.sent_at
        ],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl MailStore for SqlStore {
    async fn insert_mail(&self, mail: &Mail) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert(&mut tx, mail).await?;
        Ok(tx.commit().await?)
    }

    async fn claim_mail(&self, now: i64, lease_until: i64, limit: i64) -> Result<Vec<Mail>> {
        // The lease is taken in one statement: a row another worker claimed meanwhile
        // no longer matches `next_attempt_at <= now` and is not returned twice.
        let sql = format!(
            "UPDATE mail_outbox SET next_attempt_at = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM mail_outbox WHERE status = 'queued' \
             AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $3) \
             AND status = 'queued' AND next_attempt_at <= $1 RETURNING {MAIL_COLUMNS}"
        );
        let claimed = self
            .db
            .fetch_all(&sql, args![now, lease_until, limit])
            .await?;
        let mut mail = claimed.iter().map(rows::mail).collect::<Result<Vec<_>>>()?;
        mail.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(mail)
    }

    async fn settle_mail(
        &self,
        id: &str,
        status: MailStatus,
        next_attempt_at: i64,
        error: Option<&str>,
        now: i64,
    ) -> Result<()> {
        let state = args![id, status.as_str(), next_attempt_at, error];
        match status {
            // Once sent, the values (a code among them) are not kept.
            MailStatus::Sent | MailStatus::Logged => {
                let erase = if status == MailStatus::Sent {
                    ", data = '{}'"
                } else {
                    ""
                };
                let sql = format!(
                    "UPDATE mail_outbox SET status = $2, next_attempt_at = $3, last_error = $4, \
                     sent_at = $5{erase} WHERE id = $1"
                );
                let mut sent = state.to_vec();
                sent.push(now.into());
                self.db.execute(&sql, &sent).await?;
            }
            MailStatus::Queued | MailStatus::Failed => {
                let sql = "UPDATE mail_outbox SET status = $2, next_attempt_at = $3, \
                           last_error = $4 WHERE id = $1";
                self.db.execute(sql, state).await?;
            }
        }
        Ok(())
    }

    async fn list_mail(&self, page: Page) -> Result<(Vec<Mail>, i64)> {
        let select = format!(
            "SELECT {MAIL_COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id DESC \
             LIMIT $1 OFFSET $2"
        );
        let count = "SELECT COUNT(*) AS n FROM mail_outbox";
        super::page(&self.db, &select, count, args![], page, rows::mail).await
    }
}
