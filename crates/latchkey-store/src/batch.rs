//! Group commit for SQLite. The writes of concurrent requests share one transaction on
//! the one connection, which a flusher commits as soon as it can take the connection;
//! each write is acknowledged only once the transaction holding it has committed. A
//! commit writes every page it changed to the WAL, so one commit for many requests
//! writes the pages they share (the newest page of each table and index) once instead of
//! once per request, and reads inside the open transaction take no file locks.
//!
//! Each request's transaction is a savepoint in the shared one, so a request that fails
//! rolls back only its own writes; a commit that fails fails every write it held.

use async_lock::{Mutex, MutexGuardArc};
use parking_lot::Condvar;
use rusqlite::Connection;
use std::cell::Cell;
use std::collections::VecDeque;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;

use crate::sqlite;
use crate::value::DbError;

/// How long a shared transaction stays open for more writes before it is committed.
const GATHER: Duration = Duration::from_millis(1);
/// Failed commits remembered for writers that have not looked yet.
const FAILURES_KEPT: usize = 64;

/// The connection and the shared transaction, if one is open.
pub struct Conn {
    pub conn: Connection,
    /// Whether a shared transaction is open.
    open: Cell<bool>,
    /// The number of the open (or next) shared transaction.
    epoch: Cell<u64>,
}

/// What the flusher has committed: every transaction up to `through`, except `failed`.
#[derive(Debug, Default)]
struct Flushed {
    through: u64,
    failed: VecDeque<u64>,
}

/// The connection with group commit.
pub struct Batched {
    conn: Arc<Mutex<Conn>>,
    /// Wakes the flusher: a shared transaction was opened, or this value dropped.
    pending: Arc<Pending>,
    flushed: watch::Sender<Flushed>,
}

impl Drop for Batched {
    fn drop(&mut self) {
        self.pending.raise();
    }
}

/// A flag the flusher sleeps on.
#[derive(Default)]
struct Pending {
    raised: parking_lot::Mutex<bool>,
    wake: Condvar,
}

impl Pending {
    fn raise(&self) {
        *self.raised.lock() = true;
        self.wake.notify_one();
    }

    /// Waits until the flag is raised, and lowers it.
    fn wait(&self) {
        let mut raised = self.raised.lock();
        while !*raised {
            self.wake.wait(&mut raised);
        }
        *raised = false;
    }
}

/// A connection guard held for a whole request transaction.
pub type Guard = MutexGuardArc<Conn>;

impl Batched {
    /// Serves `conn` with group commit. The flusher is a thread of its own, so that it
    /// commits even while every runtime thread waits (for instance another connection
    /// of the same process waiting for SQLite's write lock); it ends when the returned
    /// value is dropped.
    pub fn start(conn: Connection) -> Result<Arc<Self>, DbError> {
        let batched = Arc::new(Self {
            conn: Arc::new(Mutex::new(Conn {
                conn,
                open: Cell::new(false),
                epoch: Cell::new(1),
            })),
            pending: Arc::default(),
            flushed: watch::Sender::new(Flushed::default()),
        });
        let (writer, pending) = (Arc::downgrade(&batched), batched.pending.clone());
        std::thread::Builder::new()
            .name("sqlite-commit".into())
            .spawn(move || flush_when_pending(&writer, &pending))
            .map_err(|e| DbError::Other(e.to_string()))?;
        Ok(batched)
    }

    /// The connection, waiting for it without holding up a runtime thread. The lock is
    /// not fair at first: a task that asks for it while it is free takes it at once
    /// instead of handing it to a waiting task that may not run yet, so the connection
    /// never idles while requests wait (it turns fair after half a millisecond of
    /// starvation). A blocking lock instead parked the runtime's thread while another
    /// ran SQLite, stalling every other request's HTTP and signature work with it.
    pub async fn lock(&self) -> Guard {
        self.conn.lock_arc().await
    }

    /// The connection, for a thread outside the runtime (the commit and checkpoint
    /// threads), waiting for it.
    pub fn lock_blocking(&self) -> Guard {
        self.conn.lock_arc_blocking()
    }

    /// Makes sure the shared transaction is open for a write; returns its number.
    pub fn join(&self, conn: &Conn) -> Result<u64, DbError> {
        if conn.open.get() && conn.conn.is_autocommit() {
            // An I/O error or a full disk ended the shared transaction; the flusher
            // fails it before new writes start another.
            return Err(DbError::Unavailable(
                "the database could not keep the write".into(),
            ));
        }
        if !conn.open.get() {
            conn.conn
                .execute_batch("BEGIN IMMEDIATE")
                .map_err(sqlite::error)?;
            conn.open.set(true);
            self.pending.raise();
        }
        Ok(conn.epoch.get())
    }

    /// Waits until shared transaction `epoch` has committed.
    pub async fn committed(&self, epoch: u64) -> Result<(), DbError> {
        let mut flushed = self.flushed.subscribe();
        let flushed = flushed
            .wait_for(|f| f.through >= epoch)
            .await
            .map_err(|_| DbError::Unavailable("the database was closed".into()))?;
        if flushed.failed.contains(&epoch) {
            return Err(DbError::Unavailable(
                "the database could not commit the write".into(),
            ));
        }
        Ok(())
    }

    /// Commits the shared transaction, if one is open.
    fn flush(&self) {
        let conn = self.lock_blocking();
        if !conn.open.get() {
            return;
        }
        // An I/O error or a full disk can end the transaction early; its writes are gone.
        let committed = !conn.conn.is_autocommit() && conn.conn.execute_batch("COMMIT").is_ok();
        if !committed {
            tracing::error!("SQLite could not commit; the writes of this batch are refused");
            let _ = conn.conn.execute_batch("ROLLBACK");
        }
        let epoch = conn.epoch.get();
        conn.open.set(false);
        conn.epoch.set(epoch + 1);
        drop(conn);
        self.flushed.send_modify(|f| {
            f.through = epoch;
            if !committed {
                f.failed.push_back(epoch);
                if f.failed.len() > FAILURES_KEPT {
                    f.failed.pop_front();
                }
            }
        });
    }
}

/// The flusher: commits whenever a shared transaction has been opened, after giving
/// the requests that are about to write [`GATHER`] to join it.
fn flush_when_pending(batched: &Weak<Batched>, pending: &Pending) {
    loop {
        pending.wait();
        std::thread::sleep(GATHER);
        match batched.upgrade() {
            Some(batched) => batched.flush(),
            None => return,
        }
    }
}
