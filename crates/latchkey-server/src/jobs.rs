//! Background jobs of a running server: every minute, a clean-up pass
//! ([`Auth::clean_up`], with the audit retention then in force) and a reload of the
//! signing keys, to pick up keys rotated by `latchkey keys rotate` or by another replica;
//! every two seconds, a read of the live settings, to apply what an operator changed on
//! any replica.

use latchkey_core::Auth;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the clean-up runs.
const PERIOD: Duration = Duration::from_secs(60);
/// How often the live settings are read: a change reaches every replica within this.
const SETTINGS_PERIOD: Duration = Duration::from_secs(2);

/// Starts the jobs, the first pass one [`PERIOD`] after start (start-up has just loaded
/// the keys, and nothing has expired yet that cannot wait a minute, so a start's first
/// requests never share the database with a clean-up); they run until the handle is
/// aborted.
pub fn spawn(auth: Arc<Auth>) -> JoinHandle<()> {
    tokio::spawn(async move {
        tokio::join!(
            clean_up_periodically(auth.clone()),
            refresh_settings_periodically(auth),
        );
    })
}

/// Applies the stored live settings every [`SETTINGS_PERIOD`].
async fn refresh_settings_periodically(auth: Arc<Auth>) {
    let start = tokio::time::Instant::now() + SETTINGS_PERIOD;
    let mut tick = tokio::time::interval_at(start, SETTINGS_PERIOD);
    loop {
        tick.tick().await;
        if let Err(err) = auth.refresh_settings().await {
            tracing::warn!(error = %err, "reading the live settings failed");
        }
    }
}

/// Runs [`Auth::clean_up`] and reloads the signing keys every [`PERIOD`].
async fn clean_up_periodically(auth: Arc<Auth>) {
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + PERIOD, PERIOD);
    loop {
        tick.tick().await;
        match auth.clean_up().await {
            Ok(done) if done.audit_events > 0 => tracing::info!(
                audit_events = done.audit_events,
                retention_days = auth.settings().audit_retention_days,
                "deleted audit events past their retention"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "clean-up failed"),
        }
        // Pick up keys rotated by `latchkey keys rotate` or another replica.
        if let Err(err) = auth.reload_keys().await {
            tracing::warn!(error = %err, "reloading signing keys failed");
        }
    }
}
