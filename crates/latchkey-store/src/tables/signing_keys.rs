//! The `signing_keys` table: the keys session tokens are signed with.

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::model::SigningKey;
use latchkey_core::store::KeyStore;

use crate::SqlStore;
use crate::rows;
use crate::value::args;

#[async_trait]
impl KeyStore for SqlStore {
    async fn list_signing_keys(&self) -> Result<Vec<SigningKey>> {
        let found = self.db.fetch_all("SELECT kid, algorithm, private_key, created_at FROM signing_keys ORDER BY created_at DESC, kid DESC", args![]).await?;
        found.iter().map(rows::signing_key).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO signing_keys (kid, algorithm, private_key, created_at) \
                 VALUES ($1, $2, $3, $4)",
                args![
                    &key.kid,
                    key.algorithm.as_str(),
                    &key.private_key,
                    key.created_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn update_signing_key(&self, key: &SigningKey) -> Result<bool> {
        let done = self
            .db
            .execute(
                "UPDATE signing_keys SET private_key = $1 WHERE kid = $2",
                args![&key.private_key, &key.kid],
            )
            .await?;
        Ok(done > 0)
    }

    async fn prune_signing_keys(&self, keep: i64) -> Result<u64> {
        let done = self
            .db
            .execute(
                "DELETE FROM signing_keys WHERE kid NOT IN \
             (SELECT kid FROM signing_keys ORDER BY created_at DESC, kid DESC LIMIT $1)",
                args![keep.max(1)],
            )
            .await?;
        Ok(done)
    }
}
