//! PostgreSQL through sqlx: running statements, sharing one pooled connection among a
//! task's statements, and mapping its errors.

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Column, PgExecutor, PgPool, Postgres, Row as _, TypeInfo};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Mutex as AsyncMutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::value::{Cell, DbError, Row, Value};

fn bind<'q>(sql: &'q str, args: &'q [Value<'q>]) -> Query<'q, Postgres, PgArguments> {
    args.iter().fold(sqlx::query(sql), |query, arg| match arg {
        Value::Int(v) => query.bind(*v),
        Value::Text(v) => query.bind(v.as_deref()),
    })
}

/// Runs a statement; returns the rows it changed.
pub async fn execute<'e>(
    executor: impl PgExecutor<'e>,
    sql: &str,
    args: &[Value<'_>],
) -> Result<u64, DbError> {
    let done = bind(sql, args).execute(executor).await.map_err(error)?;
    Ok(done.rows_affected())
}

/// Runs a query; returns its rows.
pub async fn fetch_all<'e>(
    executor: impl PgExecutor<'e>,
    sql: &str,
    args: &[Value<'_>],
) -> Result<Vec<Row>, DbError> {
    let found = bind(sql, args).fetch_all(executor).await.map_err(error)?;
    let Some(first) = found.first() else {
        return Ok(Vec::new());
    };
    let columns: Arc<[String]> = first
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    found
        .iter()
        .map(|row| {
            let cells = (0..columns.len())
                .map(|i| cell(row, i))
                .collect::<Result<_, _>>()
                .map_err(error)?;
            Ok(Row::new(columns.clone(), cells))
        })
        .collect()
}

fn cell(row: &PgRow, i: usize) -> Result<Cell, sqlx::Error> {
    let int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    Ok(match row.columns()[i].type_info().name() {
        "INT8" => int(row.try_get(i)?),
        "INT4" => int(row.try_get::<Option<i32>, _>(i)?.map(i64::from)),
        "INT2" => int(row.try_get::<Option<i16>, _>(i)?.map(i64::from)),
        "BOOL" => int(row.try_get::<Option<bool>, _>(i)?.map(i64::from)),
        _ => row
            .try_get::<Option<String>, _>(i)?
            .map_or(Cell::Null, Cell::Text),
    })
}

/// The PostgreSQL connection a task's statements share, once taken from the pool.
type Slot = Arc<AsyncMutex<Option<PoolConnection<Postgres>>>>;

/// A task's PostgreSQL connection, held for one statement or one transaction.
pub type HeldConnection =
    OwnedMappedMutexGuard<Option<PoolConnection<Postgres>>, PoolConnection<Postgres>>;

tokio::task_local! {
    static SHARED_CONNECTION: Slot;
}

/// Runs `work` with all its PostgreSQL statements on one pooled connection, taken at the
/// first statement and returned when `work` ends: a request then costs the pool one
/// checkout and one check on return instead of one per statement. Statements outside
/// such a scope (jobs, the CLI) each take a connection of their own; SQLite, with one
/// connection, is unaffected.
pub async fn on_one_connection<F: Future>(work: F) -> F::Output {
    SHARED_CONNECTION
        .scope(Arc::new(AsyncMutex::new(None)), work)
        .await
}

/// The connection of the enclosing [`on_one_connection`] scope, taken from `pool` at its
/// first use; `None` outside a scope.
pub async fn shared_connection(pool: &PgPool) -> Result<Option<HeldConnection>, DbError> {
    let Ok(slot) = SHARED_CONNECTION.try_with(Arc::clone) else {
        return Ok(None);
    };
    let mut held = slot.lock_owned().await;
    if held.is_none() {
        *held = Some(pool.acquire().await.map_err(error)?);
    }
    OwnedMutexGuard::try_map(held, Option::as_mut)
        .map(Some)
        .map_err(|_| DbError::Other("no shared connection".into()))
}

/// The SQLSTATE of `latchkey_refuse` (migration 12).
const REFUSED: &str = "LK001";

/// Maps sqlx errors: unique violations; refusals; lost connections, a server shutting
/// down or starting, and cancelled statements as unavailable; the rest.
pub fn error(err: sqlx::Error) -> DbError {
    match &err {
        sqlx::Error::Database(e) if e.is_unique_violation() => DbError::Unique,
        sqlx::Error::Database(e) if e.code().as_deref() == Some(REFUSED) => {
            DbError::Refused(e.message().to_owned())
        }
        // Class 08: connection exceptions; 57: operator intervention (shutdown, restart,
        // statement timeout); 53: insufficient resources.
        sqlx::Error::Database(e)
            if e.code().is_some_and(|c| {
                c.starts_with("08") || c.starts_with("57") || c.starts_with("53")
            }) =>
        {
            DbError::Unavailable(err.to_string())
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => DbError::Unavailable(err.to_string()),
        _ => DbError::Other(err.to_string()),
    }
}
