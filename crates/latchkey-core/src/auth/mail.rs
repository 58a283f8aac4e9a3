//! The outbox: mail queued for the mail worker, claimed with a lease, settled once tried,
//! and listed for the development outbox.

use serde_json::Value;

use super::Auth;
use crate::error::Result;
use crate::ids::{Kind, new_id};
use crate::model::{Mail, MailStatus};
use crate::store::Page;

/// What became of a claimed message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    /// The relay accepted it; its values are erased.
    Sent,
    /// Kept in the development outbox (no relay configured), values and all.
    Logged,
    /// Not sent this time: tried again `after_ms` from now.
    Retry { after_ms: i64, error: String },
    /// Given up.
    Failed { error: String },
}

impl Auth {
    /// Queues a message of `template` to `to` with its values (a JSON object) and the
    /// recipient's `Accept-Language`, due now, and wakes the mail worker.
    pub async fn queue_mail(
        &self,
        to: &str,
        template: &str,
        locale: Option<&str>,
        data: &Value,
    ) -> Result<Mail> {
        let now = self.now();
        let mail = Mail {
            id: new_id(Kind::Mail, now),
            to: to.to_owned(),
            template: template.to_owned(),
            locale: locale.map(str::to_owned),
            data: data.to_string(),
            status: MailStatus::Queued,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        };
        self.store.insert_mail(&mail).await?;
        self.mail_queued.notify_one();
        Ok(mail)
    }

    /// Claims up to `limit` messages due now for `lease_ms`: no other worker claims them
    /// until the lease ends, when an unsettled message is due again. Each claim counts
    /// as an attempt.
    pub async fn claim_mail(&self, lease_ms: i64, limit: i64) -> Result<Vec<Mail>> {
        let now = self.now();
        self.store.claim_mail(now, now + lease_ms, limit).await
    }

    /// Records what became of the claimed message `id`.
    pub async fn settle_mail(&self, id: &str, outcome: &MailOutcome) -> Result<()> {
        let now = self.now();
        let (status, next_attempt_at, error) = match outcome {
            MailOutcome::Sent => (MailStatus::Sent, now, None),
            MailOutcome::Logged => (MailStatus::Logged, now, None),
            MailOutcome::Retry { after_ms, error } => {
                (MailStatus::Queued, now + after_ms, Some(error.as_str()))
            }
            MailOutcome::Failed { error } => (MailStatus::Failed, now, Some(error.as_str())),
        };
        self.store
            .settle_mail(id, status, next_attempt_at, error, now)
            .await
    }

    /// The outbox, newest first, and how many messages it holds.
    pub async fn list_mail(&self, page: Page) -> Result<(Vec<Mail>, i64)> {
        self.store.list_mail(page).await
    }
}
