//! The SQL of each table, one file per table (a table with the small one beside it that
//! only it writes: `verifications` with `ceremonies`, `sessions` with
//! `removed_sessions`). Each file implements its narrow store trait on
//! [`SqlStore`](crate::SqlStore) and offers the statements that other tables'
//! transactions run on it; `maintenance.rs` holds what spans every table.

mod audit_events;
mod clients;
mod email_addresses;
mod mail_outbox;
mod maintenance;
mod operator_enrolments;
mod passkeys;
mod rate_limits;
mod sessions;
mod settings;
mod sign_ins;
mod sign_ups;
mod signing_keys;
mod users;
mod verifications;

use latchkey_core::error::Result;
use latchkey_core::store::Page;

use crate::db::Db;
use crate::value::{Row, Value};

/// A page of a list and the number of rows its filter matches: `select` takes
/// `filter_args` and then the page's limit and offset, `count` (a `COUNT(*) AS n`)
/// takes `filter_args`.
async fn page<T>(
    db: &Db,
    select: &str,
    count: &str,
    filter_args: &[Value<'_>],
    page: Page,
    read: fn(&Row) -> Result<T>,
) -> Result<(Vec<T>, i64)> {
    let mut args = filter_args.to_vec();
    args.extend([Value::from(page.limit), Value::from(page.offset)]);
    let found = db.fetch_all(select, &args).await?;
    let total: i64 = db.fetch_one(count, filter_args).await?.get("n")?;
    Ok((found.iter().map(read).collect::<Result<_>>()?, total))
}
