//! The `settings` table: values the server keeps in the database (the Backend API
//! key's hash, and the live settings operators changed).

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::AuditEvent;
use latchkey_core::store::SettingStore;

use crate::SqlStore;
use crate::value::args;

use super::audit_events;

#[async_trait]
impl SettingStore for SqlStore {
    async fn find_setting(&self, key: &str) -> Result<Option<String>> {
        self.db
            .fetch_optional("SELECT value FROM settings WHERE name = $1", args![key])
            .await?
            .map(|row| row.get("value"))
            .transpose()
    }

    async fn insert_setting(&self, key: &str, value: &str) -> Result<bool> {
        let done = self
            .db
            .execute(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                args![key, value],
            )
            .await?;
        Ok(done > 0)
    }

    async fn list_settings(&self, prefix: &str) -> Result<Vec<(String, String)>> {
        self.db
            .fetch_all(
                "SELECT name, value FROM settings WHERE substr(name, 1, length($1)) = $1 ORDER BY name",
                args![prefix],
            )
            .await?
            .iter()
            .map(|row| Ok((row.get("name")?, row.get("value")?)))
            .collect()
    }

    async fn put_settings(
        &self,
        values: &[(String, Option<String>)],
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        for (name, value) in values {
            match value {
                Some(value) => {
                    tx.execute(
                        "INSERT INTO settings (name, value) VALUES ($1, $2) \
                         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        args![name, value],
                    )
                    .await?
                }
                None => {
                    tx.execute("DELETE FROM settings WHERE name = $1", args![name])
                        .await?
                }
            };
        }
        audit_events::insert_one(&mut tx, event).await?;
        Ok(tx.commit().await?)
    }
}
