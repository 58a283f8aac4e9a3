//! The SQLite database a server runs on: the group-committed connection, with the WAL
//! copied into the database file by a thread of its own instead of inside a request.

use rusqlite::Connection;
use std::sync::Arc;
use std::time::Duration;

use crate::batch::Batched;
use crate::sqlite;
use crate::value::DbError;

/// How often the checkpointer copies the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// WAL frames past which the checkpointer lets the WAL start over (16,384 pages: 64 MiB
/// at SQLite's default page size).
const WAL_RESTART_FRAMES: i64 = 16_384;

/// Opens the database a server runs on: the connection of [`sqlite::open`] without automatic
/// checkpoints, which SQLite would run inside a committing request (copying the WAL and
/// two `fsync`s while every other request waits for the connection). For a WAL database
/// a thread of its own, on a second connection, checkpoints instead, until the returned
/// connection is dropped.
pub fn open_serving(url: &str) -> Result<Arc<Batched>, DbError> {
    let conn = sqlite::open(url)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .map_err(sqlite::error)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Batched::start(conn);
    }
    let checkpointer = sqlite::open(url)?;
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
        .map_err(sqlite::error)?;
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
                if let Err(err) = checkpoint(&checkpointer, &writer) {
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
fn checkpoint(conn: &Connection, writer: &Batched) -> Result<(), DbError> {
    let passive = || {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(1)
        })
        .map_err(sqlite::error)
    };
    if passive()? > WAL_RESTART_FRAMES {
        let _writes_wait = writer.lock_blocking();
        passive()?;
    }
    Ok(())
}
