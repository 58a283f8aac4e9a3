//! What spans every table: the database's health and the clean-up of expired rows, each
//! table's statement kept in its own file.

use async_trait::async_trait;
use latchkey_core::error::Result;
use latchkey_core::store::Maintenance;

use crate::SqlStore;
use crate::value::args;

use super::{
    email_addresses, operator_enrolments, rate_limits, sessions, sign_ins, sign_ups, verifications,
};

#[async_trait]
impl Maintenance for SqlStore {
    async fn ping(&self) -> Result<()> {
        self.db.execute("SELECT 1", args![]).await?;
        Ok(())
    }

    async fn delete_expired(&self, before: i64) -> Result<u64> {
        let mut removed = 0;
        for sql in [
            verifications::DELETE_EXPIRED_CEREMONIES,
            sign_ins::DELETE_EXPIRED,
            sign_ups::DELETE_EXPIRED,
            verifications::DELETE_EXPIRED,
            sessions::DELETE_EXPIRED,
            sessions::DELETE_EXPIRED_REMOVED,
            rate_limits::DELETE_EXPIRED,
            email_addresses::DELETE_EXPIRED_CODES,
            operator_enrolments::DELETE_EXPIRED,
        ] {
            removed += self.db.execute(sql, args![before]).await?;
        }
        Ok(removed)
    }
}
