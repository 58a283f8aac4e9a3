//! SQLite through rusqlite: opening the file, running statements and mapping its errors.

use rusqlite::types::ValueRef;
use rusqlite::{CachedStatement, Connection, ErrorCode, OpenFlags, Statement};
use std::sync::Arc;

use crate::value::{Cell, DbError, Row, Value};

/// Opens the database a `sqlite:` URL names (`sqlite://path/to/file.db`, optionally
/// `?mode=ro|rw|rwc|memory`), creating the file unless the mode says otherwise.
pub fn open(url: &str) -> Result<Connection, DbError> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mode = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("mode="))
        .unwrap_or("rwc");
    let base = OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    let flags = match mode {
        "ro" => base | OpenFlags::SQLITE_OPEN_READ_ONLY,
        "rw" => base | OpenFlags::SQLITE_OPEN_READ_WRITE,
        "rwc" => base | OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        "memory" => {
            base | OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_MEMORY
        }
        other => return Err(DbError::Other(format!("unknown SQLite mode {other:?}"))),
    };
    let conn = Connection::open_with_flags(path, flags).map_err(unavailable)?;
    conn.set_prepared_statement_cache_capacity(128);
    // WAL lets other processes read beside the writer; NORMAL is durable in WAL mode
    // against process crashes. The journals of savepoints (each request's transaction)
    // stay in memory instead of temporary files.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
         PRAGMA busy_timeout = 5000; PRAGMA temp_store = MEMORY;",
    )
    .map_err(error)?;
    Ok(conn)
}

/// Prepares a statement, from the connection's cache when it was prepared before.
pub fn prepare<'c>(conn: &'c Connection, sql: &str) -> Result<CachedStatement<'c>, DbError> {
    conn.prepare_cached(sql).map_err(error)
}

/// Runs one statement with `$n` arguments; returns the rows it changed and the rows it
/// returned.
pub fn run(conn: &Connection, sql: &str, args: &[Value<'_>]) -> Result<(u64, Vec<Row>), DbError> {
    let mut stmt = prepare(conn, sql)?;
    query(conn, &mut stmt, args)
}

/// Runs `stmt`, prepared on `conn`, as [`run`] does.
pub fn query(
    conn: &Connection,
    stmt: &mut Statement<'_>,
    args: &[Value<'_>],
) -> Result<(u64, Vec<Row>), DbError> {
    for index in 1..=stmt.parameter_count() {
        let arg = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$')?.parse::<usize>().ok())
            .and_then(|n| args.get(n.checked_sub(1)?))
            .ok_or_else(|| DbError::Other(format!("placeholder {index} has no argument")))?;
        match arg {
            Value::Int(v) => stmt.raw_bind_parameter(index, v),
            Value::Text(v) => stmt.raw_bind_parameter(index, v.as_deref()),
        }
        .map_err(error)?;
    }
    let columns: Arc<[String]> = stmt.column_names().into_iter().map(String::from).collect();
    let mut found = Vec::new();
    let mut rows = stmt.raw_query();
    while let Some(row) = rows.next().map_err(error)? {
        let cells = (0..columns.len())
            .map(|i| {
                Ok(match row.get_ref(i).map_err(error)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    ValueRef::Real(_) => return Err(DbError::Other("unexpected REAL".into())),
                })
            })
            .collect::<Result<_, DbError>>()?;
        found.push(Row::new(columns.clone(), cells));
    }
    Ok((conn.changes(), found))
}

fn unavailable(err: rusqlite::Error) -> DbError {
    DbError::Unavailable(err.to_string())
}

/// Maps rusqlite errors: unique violations, a busy or unreachable file, the rest.
pub(crate) fn error(err: rusqlite::Error) -> DbError {
    const UNIQUE: i32 = 2067;
    const PRIMARY_KEY: i32 = 1555;
    match &err {
        rusqlite::Error::SqliteFailure(e, _) if matches!(e.extended_code, UNIQUE | PRIMARY_KEY) => {
            DbError::Unique
        }
        rusqlite::Error::SqliteFailure(e, _)
            if matches!(
                e.code,
                ErrorCode::DatabaseBusy
                    | ErrorCode::DatabaseLocked
                    | ErrorCode::CannotOpen
                    | ErrorCode::DiskFull
                    | ErrorCode::SystemIoFailure
            ) =>
        {
            unavailable(err)
        }
        _ => DbError::Other(err.to_string()),
    }
}
