//! Filler users: rows of users with one passkey each written straight into the database,
//! so that sign-ins run against tables of a million users without registering every one
//! over HTTP. Filler passkeys are never used to sign in; they make the tables and their
//! indexes as large as a real million-user deployment's.

use sqlx::AnyPool;
use std::time::{Duration, Instant};

/// Rows written per statement.
const BATCH: usize = 50_000;

/// Writes `count` filler users and passkeys into the database at `url`; returns how long
/// it took.
pub async fn fill(url: &str, count: usize) -> Result<Duration, String> {
    let started = Instant::now();
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.map_err(|e| e.to_string())?;
    let now = 1_700_000_000_000_i64;
    let mut first = 0;
    while first < count {
        let last = (first + BATCH).min(count) - 1;
        let numbers = format!(
            "WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {last})"
        );
        for insert in [
            format!(
                "{numbers} INSERT INTO users (id, user_handle, username, created_at, updated_at) \
                 SELECT 'user_fill' || i, 'fill' || i, 'fill' || i, {now}, {now} FROM n"
            ),
            format!(
                "{numbers} INSERT INTO passkeys (id, user_id, name, credential_id, credential, verified, \
                 created_at, updated_at) SELECT 'pk_fill' || i, 'user_fill' || i, 'Filler', 'fill' || i, \
                 '{{}}', 1, {now}, {now} FROM n"
            ),
        ] {
            sqlx::query(&insert)
                .execute(&pool)
                .await
                .map_err(|e| format!("filling users: {e}"))?;
        }
        first = last + 1;
    }
    pool.close().await;
    Ok(started.elapsed())
}
