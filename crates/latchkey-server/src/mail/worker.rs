//! The mail worker of a running server: woken when a use case queues mail, and every
//! [`POLL`] otherwise, it claims due messages with a lease, renders and sends them, and
//! settles each one: sent, kept in the development outbox, retried with backoff or
//! failed.

use latchkey_core::Auth;
use latchkey_core::auth::mail::MailOutcome;
use latchkey_core::model::Mail;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

use super::smtp::{SendError, Smtp};
use super::templates::Templates;
use crate::config::{Config, ConfigError};

/// How often an idle worker looks for mail it was not told about (queued by another
/// replica, or due again after a backoff).
const POLL: Duration = Duration::from_secs(10);
/// Messages claimed at once.
const BATCH: usize = 10;
/// Seconds before the second, third, … attempt; the last one repeats.
const BACKOFF_SECS: [i64; 6] = [5, 30, 120, 600, 1_800, 3_600];

/// Delivers the outbox.
pub struct MailWorker {
    auth: Arc<Auth>,
    templates: Templates,
    /// The relay; `None` keeps mail in the development outbox.
    smtp: Option<Smtp>,
    /// How long one delivery may take; a claim's lease lasts twice as long.
    timeout: Duration,
    max_attempts: u32,
}

impl MailWorker {
    /// The worker that `config`'s `[email]` section describes, its templates loaded.
    pub fn new(auth: Arc<Auth>, config: &Config) -> Result<Self, ConfigError> {
        let delivery = config.mail_delivery()?;
        let smtp = delivery
            .relay
            .as_ref()
            .map(|relay| Smtp::new(relay, delivery.from.clone(), delivery.timeout))
            .transpose()?;
        Ok(Self {
            auth,
            templates: Templates::load(delivery.templates_dir.as_deref())?,
            smtp,
            timeout: delivery.timeout,
            max_attempts: delivery.max_attempts,
        })
    }

    /// Runs the worker until the handle is aborted. Its first pass is right away, for
    /// mail left due by a stopped process.
    pub fn spawn(self) -> JoinHandle<()> {
        tokio::spawn(self.run())
    }

    async fn run(self) {
        let queued = self.auth.mail_queued();
        let mut wait = Duration::ZERO;
        loop {
            tokio::select! {
                () = queued.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
            wait = self.deliver_due().await;
        }
    }

    /// Delivers every due message; returns how long to wait before looking again.
    async fn deliver_due(&self) -> Duration {
        let lease_ms = i64::try_from(self.timeout.as_millis() * 2).unwrap_or(i64::MAX);
        let mut wait = POLL;
        loop {
            let claimed = match self.auth.claim_mail(lease_ms, BATCH as i64).await {
                Ok(claimed) => claimed,
                Err(err) => {
                    tracing::warn!(error = %err, "claiming mail failed");
                    return POLL;
                }
            };
            for mail in &claimed {
                let outcome = self.deliver(mail).await;
                if let MailOutcome::Retry { after_ms, .. } = &outcome {
                    let after = Duration::from_millis(u64::try_from(*after_ms).unwrap_or(0));
                    wait = wait.min(after);
                }
                if let Err(err) = self.auth.settle_mail(&mail.id, &outcome).await {
                    // The lease ends and the message is claimed again.
                    tracing::warn!(mail_id = %mail.id, error = %err, "settling mail failed");
                }
            }
            if claimed.len() < BATCH {
                return wait;
            }
        }
    }

    /// Renders and sends one claimed message (or logs it without a relay).
    async fn deliver(&self, mail: &Mail) -> MailOutcome {
        let rendered = match self.templates.render(mail) {
            Ok(rendered) => rendered,
            Err(err) => {
                tracing::error!(mail_id = %mail.id, error = %err, "mail cannot be rendered");
                return MailOutcome::Failed {
                    error: err.to_string(),
                };
            }
        };
        let Some(smtp) = &self.smtp else {
            tracing::info!(
                mail_id = %mail.id,
                to = %mail.to,
                subject = %rendered.subject,
                text = %rendered.text,
                "mail kept in the development outbox (no email.smtp_host)"
            );
            return MailOutcome::Logged;
        };
        match smtp.send(&mail.to, &rendered).await {
            Ok(()) => {
                tracing::info!(mail_id = %mail.id, to = %mail.to, "mail sent");
                MailOutcome::Sent
            }
            Err(err) => {
                let outcome = after_failure(mail.attempts, self.max_attempts, &err);
                tracing::warn!(
                    mail_id = %mail.id,
                    to = %mail.to,
                    attempts = mail.attempts,
                    error = %err,
                    outcome = ?outcome,
                    "mail not sent"
                );
                outcome
            }
        }
    }
}

/// What to do with a message whose `attempts`-th attempt failed with `err`.
fn after_failure(attempts: i64, max_attempts: u32, err: &SendError) -> MailOutcome {
    let error = err.to_string();
    match err {
        SendError::Transient(_) if attempts < i64::from(max_attempts) => {
            let step = usize::try_from(attempts - 1)
                .unwrap_or(0)
                .min(BACKOFF_SECS.len() - 1);
            MailOutcome::Retry {
                after_ms: BACKOFF_SECS[step] * 1000,
                error,
            }
        }
        _ => MailOutcome::Failed { error },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_then_fail() {
        let down = SendError::Transient("connection refused".into());
        let delays: Vec<i64> = (1..8)
            .map(|attempt| match after_failure(attempt, 8, &down) {
                MailOutcome::Retry { after_ms, .. } => after_ms / 1000,
                other => panic!("attempt {attempt}: {other:?}"),
            })
            .collect();
        assert_eq!(delays, [5, 30, 120, 600, 1_800, 3_600, 3_600]);
        assert!(matches!(
            after_failure(8, 8, &down),
            MailOutcome::Failed { .. }
        ));
        let refused = SendError::Permanent("550 no such user".into());
        assert!(matches!(
            after_failure(1, 8, &refused),
            MailOutcome::Failed { error } if error.contains("550")
        ));
    }
}
