//! The dispatcher: one way to run SQL on either database (`$n` placeholders, the
//! arguments and rows of [`value`](crate::value)), transactions that roll back unless
//! committed, and the count of statements sent.

use sqlx::postgres::PgTransactionManager;
use sqlx::{PgPool, TransactionManager};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::batch::{Batched, Guard};
use crate::postgres::{self, HeldConnection, shared_connection};
use crate::sqlite;
use crate::value::{DbError, Row, Value};

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
    /// On the connection of an [`on_one_connection`](postgres::on_one_connection) scope.
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
