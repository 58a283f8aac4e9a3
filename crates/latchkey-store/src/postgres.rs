//! PostgreSQL through sqlx: running statements and mapping its errors.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{Column, PgExecutor, Postgres, Row as _, TypeInfo};
use std::sync::Arc;

use crate::db::{Cell, DbError, Row, Value};

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

/// Maps sqlx errors: unique violations; lost connections, a server shutting down or
/// starting, and cancelled statements as unavailable; the rest.
pub fn error(err: sqlx::Error) -> DbError {
    match &err {
        sqlx::Error::Database(e) if e.is_unique_violation() => DbError::Unique,
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
