//! The `audit_events` table: the audit log, written inside the transaction of the change
//! it records.

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::AuditEvent;
use latchkey_core::store::{AuditFilter, AuditStore, Page};

use crate::SqlStore;
use crate::db::Tx;
use crate::rows::{self, AUDIT_COLUMNS};
use crate::value::{Value, args};

/// Writes audit events with one statement.
pub(crate) async fn insert(tx: &mut Tx, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..events.len())
        .map(|r| {
            let p: Vec<String> = (1..=10).map(|c| format!("${}", r * 10 + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_events (id, kind, user_id, passkey_id, session_id, ip, user_agent, actor, created_at, data) VALUES {}",
        rows.join(", ")
    );
    let values: Vec<Value> = events
        .iter()
        .flat_map(|e| {
            [
                (&e.id).into(),
                (&e.kind).into(),
                (&e.user_id).into(),
                (&e.passkey_id).into(),
                (&e.session_id).into(),
                (&e.ip).into(),
                (&e.user_agent).into(),
                (&e.actor).into(),
                e.created_at.into(),
                (&e.data).into(),
            ]
        })
        .collect();
    tx.write(&sql, &values).await?;
    Ok(())
}

/// Writes one audit event.
pub(crate) async fn insert_one(tx: &mut Tx, event: &AuditEvent) -> Result<()> {
    insert(tx, std::slice::from_ref(event)).await
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn insert_audit_event(&self, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert_one(&mut tx, event).await?;
        Ok(tx.commit().await?)
    }

    async fn list_audit_events(
        &self,
        filter: &AuditFilter,
        page: Page,
    ) -> Result<(Vec<AuditEvent>, i64)> {
        let condition = "($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR kind = $2) \
             AND ($3 IS NULL OR actor = $3) AND ($4 IS NULL OR created_at >= $4) \
             AND ($5 IS NULL OR created_at < $5)";
        let select = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE {condition} \
             ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7"
        );
        let count = format!("SELECT COUNT(*) AS n FROM audit_events WHERE {condition}");
        let f = filter;
        super::page(
            &self.db,
            &select,
            &count,
            args![&f.user_id, &f.kind, &f.actor, f.since, f.until],
            page,
            rows::audit_event,
        )
        .await
    }

    async fn count_audit_events_per_minute(
        &self,
        kinds: &[&str],
        since: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        let mut counts = Vec::new();
        // One indexed range per kind (`audit_events_kind`).
        for kind in kinds {
            let rows = self
                .db
                .fetch_all(
                    "SELECT (created_at / 60000) * 60000 AS minute, COUNT(*) AS n \
                     FROM audit_events WHERE kind = $1 AND created_at >= $2 \
                     GROUP BY (created_at / 60000) * 60000",
                    args![*kind, since],
                )
                .await?;
            for row in &rows {
                counts.push((row.get("minute")?, (*kind).to_owned(), row.get("n")?));
            }
        }
        counts.sort();
        Ok(counts)
    }

    async fn delete_audit_events_before(&self, before: i64) -> Result<u64> {
        // In batches, so that the first clean-up of a large table neither holds a long
        // lock nor runs into PostgreSQL's statement timeout.
        const BATCH: i64 = 5_000;
        let mut removed = 0;
        loop {
            let done = self
                .db
                .execute(
                    "DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE created_at < $1 LIMIT $2)",
                    args![before, BATCH],
                )
                .await?;
            removed += done;
            if done < BATCH.unsigned_abs() {
                return Ok(removed);
            }
        }
    }
}
