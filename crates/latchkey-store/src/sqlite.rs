//! SQLite through rusqlite: opening the file, running statements, applying migrations.

use parking_lot::Mutex;
use rusqlite::types::ValueRef;
use rusqlite::{CachedStatement, Connection, ErrorCode, OpenFlags, Statement};
use sqlx::migrate::Migrator;
use std::sync::Arc;
use std::time::Duration;

use crate::batch::{Batched, Conn};
use crate::db::{Cell, DbError, Row, Value};

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

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// WAL frames past which the checkpointer lets the WAL start over (16,384 pages: 64 MiB
/// at SQLite's default page size).
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Opens the database a server runs on: the connection of [`open`] without automatic
/// checkpoints, which SQLite would run inside a committing request (copying the WAL and
/// two `fsync`s while every other request waits for the connection). For a WAL database
/// a thread of its own, on a second connection, checkpoints instead, until the returned
/// connection is dropped.
pub fn open_serving(url: &str) -> Result<Arc<Batched>, DbError> {
    let conn = open(url)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .map_err(error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Batched::start(conn);
    }
    let checkpointer = open(url)?;
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
        .map_err(error)?;
    let batched = Batched::start(conn)?;
    let writer = Arc::downgrade(&batched);
    std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            loop {
                std::thread::sleep(CHECKPOINT_EVERY);
                let Some(writer) = writer.upgrade() else {
                    return;
                };
                if let Err(err) = checkpoint(&checkpointer, writer.connection()) {
                    tracing::warn!(error = ?err, "SQLite checkpoint failed");
                }
            }
        })
        .map_err(|e| DbError::Other(e.to_string()))?;
    Ok(batched)
}

/// Copies the WAL into the database beside the writer. A checkpoint that runs beside
/// the writer never catches up with it, and SQLite starts the WAL over only once it has
/// been copied whole; so when it is long, the writer's connection is held for a second
/// pass that copies the little written meanwhile.
fn checkpoint(conn: &Connection, writer: &Mutex<Conn>) -> Result<(), DbError> {
    let passive = || {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        })
        .map_err(error)
    };
    if passive()? > WAL_RESTART_FRAMES {
        let _writes_wait = writer.lock();
        passive()?;
    }
    Ok(())
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

/// The versions and checksums of the migrations applied to `conn` (creating sqlx's
/// record table when missing).
pub fn applied_migrations(conn: &Connection) -> Result<Vec<(i64, Vec<u8>)>, DbError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, \
         description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
    )
    .map_err(error)?;
    conn.prepare("SELECT version, checksum FROM _sqlx_migrations")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .map_err(error)
}

/// Applies the migrations not in `applied`, recording them as sqlx does; refuses an
/// applied migration whose checksum differs from ours.
pub fn apply_migrations(
    conn: &Connection,
    migrator: &Migrator,
    applied: &[(i64, Vec<u8>)],
) -> Result<(), DbError> {
    for migration in migrator.iter() {
        match applied.iter().find(|(v, _)| *v == migration.version) {
            Some((_, checksum)) if checksum.as_slice() != &*migration.checksum => {
                return Err(DbError::Other(format!(
                    "migration {} was previously applied but has been modified",
                    migration.version
                )));
            }
            Some(_) => {}
            None => {
                let started = std::time::Instant::now();
                let tx = conn.unchecked_transaction().map_err(error)?;
                tx.execute_batch(&migration.sql).map_err(error)?;
                tx.execute(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
                     VALUES (?1, ?2, TRUE, ?3, ?4)",
                    rusqlite::params![
                        migration.version,
                        &*migration.description,
                        &*migration.checksum,
                        started.elapsed().as_nanos() as i64
                    ],
                )
                .map_err(error)?;
                tx.commit().map_err(error)?;
            }
        }
    }
    Ok(())
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
