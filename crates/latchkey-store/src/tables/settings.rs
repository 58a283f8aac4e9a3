//! The `settings` table: values the server keeps in the database (the Backend API
//! key's hash).

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::store::SettingStore;

use crate::SqlStore;
use crate::value::args;

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
}
