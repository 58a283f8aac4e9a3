//! Upkeep of the database: the periodic clean-up and the readiness check.

use super::Auth;
use crate::error::Result;

/// What one clean-up pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanUp {
    /// Expired ceremonies, attempts, sessions and rate-limit windows.
    pub expired: u64,
    /// Audit events past their retention.
    pub audit_events: u64,
}

/// What expired stays this long (one hour) before it is removed, so a just-expired
/// attempt still reports `expired`.
const GRACE_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;

impl Auth {
    /// One clean-up pass at the clock's current time: removes what expired more than an
    /// hour ago and audit events older than the audit retention in force (0 keeps them
    /// forever). Each statement is a plain `DELETE ... WHERE time < cutoff`, so replicas
    /// running it at once do no harm.
    pub async fn clean_up(&self) -> Result<CleanUp> {
        let now = self.now();
        let expired = self.store.delete_expired(now - GRACE_MS).await?;
        let audit_events = match self.settings().audit_retention_days {
            0 => 0,
            days => {
                self.store
                    .delete_audit_events_before(now - i64::from(days) * DAY_MS)
                    .await?
            }
        };
        Ok(CleanUp {
            expired,
            audit_events,
        })
    }

    /// Succeeds when the database answers, for the readiness probe.
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }
}
