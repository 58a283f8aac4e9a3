//! One way to run SQL on either database: `$n` placeholders, arguments that are integers
//! or text, rows read by column name, transactions that roll back unless committed.

use latchkey_core::error::Error;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgTransactionManager;
use sqlx::{PgPool, Postgres, TransactionManager};
use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{Mutex as AsyncMutex, OwnedMappedMutexGuard, OwnedMutexGuard};

use crate::batch::{Batched, Guard};
use crate::{postgres, sqlite};

/// An argument bound to a `$n` placeholder; `None` binds SQL `NULL` of that type.
#[derive(Debug, Clone)]
pub enum Value<'a> {
    Int(Option<i64>),
    Text(Option<Cow<'a, str>>),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(Some(v))
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(v: Option<i64>) -> Self {
        Value::Int(v)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(Some(Cow::Borrowed(v)))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Text(Some(Cow::Owned(v)))
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::Text(v.map(Cow::Borrowed))
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Value::Text(v.as_deref().map(Cow::Borrowed))
    }
}

impl From<Option<String>> for Value<'_> {
    fn from(v: Option<String>) -> Self {
        Value::Text(v.map(Cow::Owned))
    }
}

/// `args![a, b]`: the arguments of a statement, each converted to a [`Value`].
macro_rules! args {
    ($($arg:expr),* $(,)?) => {
        &[$($crate::db::Value::from($arg)),*][..]
    };
}
pub(crate) use args;

/// One value of a result row.
#[derive(Debug, Clone)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
}

/// A result row whose cells are read by column name.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[String]>,
    cells: Vec<Cell>,
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, cells: Vec<Cell>) -> Self {
        Self { columns, cells }
    }

    /// The value of `column` as `T`.
    pub fn get<T: FromCell>(&self, column: &str) -> Result<T, Error> {
        let cell = self
            .columns
            .iter()
            .position(|c| c == column)
            .map(|i| &self.cells[i])
            .ok_or_else(|| Error::internal(format!("no column {column}")))?;
        T::from_cell(cell).ok_or_else(|| Error::internal(format!("column {column}: {cell:?}")))
    }
}

/// A Rust type a [`Cell`] reads as.
pub trait FromCell: Sized {
    fn from_cell(cell: &Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Text(v) => Some(v.clone()),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// Statements this process has sent to its databases (transaction control included).
static STATEMENTS: AtomicU64 = AtomicU64::new(0);

/// How many statements this process has sent to its databases, `BEGIN`, savepoints and
/// `COMMIT` included: what a request costs the database, counted by tests and metrics.
pub fn statements_run() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}

fn count(statements: u64) {
    STATEMENTS.fetch_add(statements, Ordering::Relaxed);
}

/// The PostgreSQL connection a task's statements share, once taken from the pool.
type Slot = Arc<AsyncMutex<Option<PoolConnection<Postgres>>>>;

/// A task's PostgreSQL connection, held for one statement or one transaction.
type HeldConnection =
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
async fn shared_connection(pool: &PgPool) -> Result<Option<HeldConnection>, DbError> {
    let Ok(slot) = SHARED_CONNECTION.try_with(Arc::clone) else {
        return Ok(None);
    };
    let mut held = slot.lock_owned().await;
    if held.is_none() {
        *held = Some(pool.acquire().await.map_err(postgres::error)?);
    }
    OwnedMutexGuard::try_map(held, Option::as_mut)
        .map(Some)
        .map_err(|_| DbError::Other("no shared connection".into()))
}

/// Why a statement failed.
#[derive(Debug)]
pub enum DbError {
    /// A unique constraint refused the write.
    Unique,
    /// The database cannot be reached or is busy.
    Unavailable(String),
    Other(String),
}

impl From<DbError> for Error {
    fn from(err: DbError) -> Self {
        match err {
            DbError::Unique => Error::internal("unique constraint violated"),
            DbError::Unavailable(message) => Error::Unavailable(message),
            DbError::Other(message) => Error::Internal(message),
        }
    }
}

/// Maps a unique violation to `on_unique`, anything else as usual.
pub fn unique(on_unique: Error) -> impl FnOnce(DbError) -> Error {
    move |err| match err {
        DbError::Unique => on_unique,
        other => other.into(),
    }
}

/// The database: SQLite runs each statement on one connection on the calling task (a
/// statement takes microseconds, less than handing it to another thread would), with the
/// writes of concurrent requests committed together ([`Batched`]); PostgreSQL runs on a
/// connection pool.
///
/// The SQLite connection's lock is a plain mutex, not an async one: it is never held
/// across a real suspension (every SQLite call completes when first polled), so a waiter
/// waits microseconds, and the lock passes to whoever runs next instead of queueing
/// behind a woken task that is not yet running.
#[derive(Clone)]
pub enum Db {
    Sqlite(Arc<Batched>),
    Postgres(sqlx::PgPool),
}

impl Db {
    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&self, sql: &str, args: &[Value<'_>]) -> Result<u64, DbError> {
        count(1);
        match self {
            Db::Sqlite(db) => sqlite_statement(db, sql, args).await.map(|(n, _)| n),
            Db::Postgres(pool) => match shared_connection(pool).await? {
                Some(mut conn) => postgres::execute(&mut **conn, sql, args).await,
                None => postgres::execute(pool, sql, args).await,
            },
        }
    }

    /// Runs a query; returns its rows.
    pub async fn fetch_all(&self, sql: &str, args: &[Value<'_>]) -> Result<Vec<Row>, DbError> {
        count(1);
        match self {
            Db::Sqlite(db) => sqlite_statement(db, sql, args).await.map(|(_, rows)| rows),
            Db::Postgres(pool) => match shared_connection(pool).await? {
                Some(mut conn) => postgres::fetch_all(&mut **conn, sql, args).await,
                None => postgres::fetch_all(pool, sql, args).await,
            },
        }
    }

    /// Runs a query; returns its first row.
    pub async fn fetch_optional(
        &self,
        sql: &str,
        args: &[Value<'_>],
    ) -> Result<Option<Row>, DbError> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// Runs a query that returns one row.
    pub async fn fetch_one(&self, sql: &str, args: &[Value<'_>]) -> Result<Row, DbError> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or_else(|| DbError::Other("the query returned no row".into()))
    }

    /// Starts a transaction (on SQLite a savepoint in the shared write transaction).
    pub async fn begin(&self) -> Result<Tx, DbError> {
        count(1);
        match self {
            Db::Sqlite(db) => {
                let conn = db.lock();
                let epoch = db.join(&conn)?;
                sqlite::run(&conn.conn, "SAVEPOINT request", &[])?;
                Ok(Tx::Sqlite(SqliteTx {
                    db: db.clone(),
                    conn,
                    end: End::Release(epoch),
                }))
            }
            Db::Postgres(pool) => Tx::postgres(pool).await,
        }
    }
}

/// Runs one SQLite statement; a write joins the shared transaction and returns once that
/// has committed.
async fn sqlite_statement(
    db: &Batched,
    sql: &str,
    args: &[Value<'_>],
) -> Result<(u64, Vec<Row>), DbError> {
    let (epoch, done) = {
        let conn = db.lock();
        let mut stmt = sqlite::prepare(&conn.conn, sql)?;
        let epoch = if stmt.readonly() {
            None
        } else {
            Some(db.join(&conn)?)
        };
        (epoch, sqlite::query(&conn.conn, &mut stmt, args)?)
    };
    if let Some(epoch) = epoch {
        db.committed(epoch).await?;
    }
    Ok(done)
}

/// A transaction; dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    /// On the connection of an [`on_one_connection`] scope.
    PostgresShared(SharedTx),
}

/// A PostgreSQL transaction on a scope's shared connection, held until it ends.
pub struct SharedTx {
    conn: HeldConnection,
    open: bool,
}

impl Drop for SharedTx {
    fn drop(&mut self) {
        if self.open {
            // Queued on the connection, sent before its next statement (or its check on
            // return to the pool), as sqlx does for its own transactions.
            PgTransactionManager::start_rollback(&mut self.conn);
        }
    }
}

/// The SQLite connection, held for the whole transaction.
pub struct SqliteTx {
    db: Arc<Batched>,
    conn: Guard,
    end: End,
}

/// How a SQLite transaction ends.
enum End {
    /// Release the savepoint, then wait for the shared transaction `epoch` to commit.
    Release(u64),
    /// Nothing to end (already ended).
    Nothing,
}

impl Drop for SqliteTx {
    fn drop(&mut self) {
        let undo = match self.end {
            End::Release(_) => "ROLLBACK TO request; RELEASE request",
            End::Nothing => return,
        };
        let _ = self.conn.conn.execute_batch(undo);
    }
}

impl Tx {
    /// Begins a PostgreSQL transaction, on the scope's shared connection when there is one.
    async fn postgres(pool: &PgPool) -> Result<Tx, DbError> {
        match shared_connection(pool).await? {
            Some(mut conn) => {
                PgTransactionManager::begin(&mut conn, None)
                    .await
                    .map_err(postgres::error)?;
                Ok(Tx::PostgresShared(SharedTx { conn, open: true }))
            }
            None => Ok(Tx::Postgres(pool.begin().await.map_err(postgres::error)?)),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64, DbError> {
        count(1);
        match self {
            Tx::Sqlite(tx) => sqlite::run(&tx.conn.conn, sql, args).map(|(n, _)| n),
            Tx::Postgres(tx) => postgres::execute(&mut **tx, sql, args).await,
            Tx::PostgresShared(tx) => postgres::execute(&mut **tx.conn, sql, args).await,
        }
    }

    /// Runs a query; returns its rows.
    pub async fn fetch_all(&mut self, sql: &str, args: &[Value<'_>]) -> Result<Vec<Row>, DbError> {
        count(1);
        match self {
            Tx::Sqlite(tx) => sqlite::run(&tx.conn.conn, sql, args).map(|(_, rows)| rows),
            Tx::Postgres(tx) => postgres::fetch_all(&mut **tx, sql, args).await,
            Tx::PostgresShared(tx) => postgres::fetch_all(&mut **tx.conn, sql, args).await,
        }
    }

    /// Runs a query; returns its first row.
    pub async fn fetch_optional(
        &mut self,
        sql: &str,
        args: &[Value<'_>],
    ) -> Result<Option<Row>, DbError> {
        Ok(self.fetch_all(sql, args).await?.into_iter().next())
    }

    /// Makes the transaction's writes durable and visible.
    pub async fn commit(self) -> Result<(), DbError> {
        count(1);
        match self {
            Tx::Sqlite(mut tx) => match std::mem::replace(&mut tx.end, End::Nothing) {
                End::Release(epoch) => {
                    if let Err(err) = sqlite::run(&tx.conn.conn, "RELEASE request", &[]) {
                        tx.end = End::Release(epoch);
                        return Err(err);
                    }
                    let db = tx.db.clone();
                    drop(tx);
                    db.committed(epoch).await
                }
                End::Nothing => Ok(()),
            },
            Tx::Postgres(tx) => tx.commit().await.map_err(postgres::error),
            Tx::PostgresShared(mut tx) => {
                PgTransactionManager::commit(&mut tx.conn)
                    .await
                    .map_err(postgres::error)?;
                tx.open = false;
                Ok(())
            }
        }
    }
}
