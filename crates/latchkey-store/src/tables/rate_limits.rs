//! The `rate_limits` table: request counts per key and window.

use async_trait::async_trait;
use latchkey_core::error::{Error, Result};
use latchkey_core::store::RateLimitStore;

use crate::SqlStore;
use crate::value::Value;

/// Deletes the windows that started before `$1`.
pub(crate) const DELETE_EXPIRED: &str = "DELETE FROM rate_limits WHERE window_start < $1";

#[async_trait]
impl RateLimitStore for SqlStore {
    async fn hit_rate_limits(&self, keys: &[&str], window_start: i64) -> Result<Vec<i64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for every key, answered without waiting for its commit: a lost
        // hit only lets one more request through after a crash.
        let rows: Vec<String> = (2..keys.len() + 2)
            .map(|n| format!("(${n}, $1, 1)"))
            .collect();
        let sql = format!(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES {} \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
             RETURNING key, hits",
            rows.join(", ")
        );
        let mut args = vec![Value::from(window_start)];
        args.extend(keys.iter().map(|key| Value::from(*key)));
        let counted = self.db.fetch_all_before_commit(&sql, &args).await?;
        keys.iter()
            .map(|key| {
                let row = counted
                    .iter()
                    .find(|row| row.get::<String>("key").is_ok_and(|k| k == *key))
                    .ok_or_else(|| Error::internal(format!("no count for {key}")))?;
                row.get("hits")
            })
            .collect()
    }
}
