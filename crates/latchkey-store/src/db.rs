//! The dispatcher: one way to run SQL on either database (`$n` placeholders, the
//! arguments and rows of [`value`](crate::value)), transactions that roll back unless
//! committed, and the count of statements sent.

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgTransactionManager;
use sqlx::{PgConnection, PgPool, Postgres, TransactionManager};
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
            Db::Sqlite(db) => sqlite_statement(db, sql, args, Acknowledge::Committed)
                .await
                .map(|(n, _)| n),
            Db::Postgres(pool) => match shared_connection(pool).await? {
                Some(mut conn) => postgres::execute(&mut **conn, sql, args).await,
                None => postgres::execute(pool, sql, args).await,
            },
        }
    }

    /// Runs a query; returns its rows.
    pub async fn fetch_all(&self, sql: &str, args: &[Value<'_>]) -> Result<Vec<Row>, DbError> {
        self.fetch(sql, args, Acknowledge::Committed).await
    }

    /// [`Db::fetch_all`] for a write whose answer may go out before it is durable, such
    /// as a rate-limit counter (a crash then forgets the last hits, nothing more). On
    /// SQLite it joins the shared transaction without waiting for its commit: a request
    /// waits for one commit, that of its own writes, instead of two.
    pub async fn fetch_all_before_commit(
        &self,
        sql: &str,
        args: &[Value<'_>],
    ) -> Result<Vec<Row>, DbError> {
        self.fetch(sql, args, Acknowledge::Executed).await
    }

    /// Runs a query, a SQLite write acknowledged as `acknowledge` says; returns its rows.
    async fn fetch(
        &self,
        sql: &str,
        args: &[Value<'_>],
        acknowledge: Acknowledge,
    ) -> Result<Vec<Row>, DbError> {
        count(1);
        match self {
            Db::Sqlite(db) => sqlite_statement(db, sql, args, acknowledge)
                .await
                .map(|(_, rows)| rows),
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
        match self {
            Db::Sqlite(db) => {
                count(1);
                let conn = db.lock().await;
                let epoch = db.join(&conn)?;
                sqlite::run(&conn.conn, "SAVEPOINT request", &[])?;
                Ok(Tx::Sqlite(SqliteTx {
                    db: db.clone(),
                    conn,
                    end: End::Release(epoch),
                }))
            }
            Db::Postgres(pool) => Ok(Tx::Postgres(PgTx::new(pool).await?)),
        }
    }
}

/// When a SQLite write returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Acknowledge {
    /// Once the shared transaction holding it has committed.
    Committed,
    /// At once.
    Executed,
}

/// Runs one SQLite statement; a write joins the shared transaction and returns as
/// `acknowledge` says.
async fn sqlite_statement(
    db: &Batched,
    sql: &str,
    args: &[Value<'_>],
    acknowledge: Acknowledge,
) -> Result<(u64, Vec<Row>), DbError> {
    let (epoch, done) = {
        let conn = db.lock().await;
        let mut stmt = sqlite::prepare(&conn.conn, sql)?;
        let epoch = if stmt.readonly() {
            None
        } else {
            Some(db.join(&conn)?)
        };
        (epoch, sqlite::query(&conn.conn, &mut stmt, args)?)
    };
    if let Some(epoch) = epoch.filter(|_| acknowledge == Acknowledge::Committed) {
        db.committed(epoch).await?;
    }
    Ok(done)
}

/// A transaction; dropped without [`Tx::commit`], it rolls back.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(PgTx),
}

/// A PostgreSQL transaction. `BEGIN` goes out with its first statement that needs an
/// answer, and its [`Tx::write`]s travel with the statement after them (or the commit):
/// a transaction of writes alone is one statement, with no `BEGIN` or `COMMIT`.
pub struct PgTx {
    conn: PgConn,
    begun: bool,
    held: Vec<Held>,
}

/// The connection of a PostgreSQL transaction: the enclosing
/// [`on_one_connection`](postgres::on_one_connection) scope's, or one of its own.
enum PgConn {
    Shared(HeldConnection),
    Own(PoolConnection<Postgres>),
}

impl PgConn {
    fn get(&mut self) -> &mut PgConnection {
        match self {
            PgConn::Shared(conn) => conn,
            PgConn::Own(conn) => conn,
        }
    }
}

/// A write not yet sent.
struct Held {
    sql: String,
    args: Vec<Value<'static>>,
}

impl Held {
    fn new(sql: &str, args: &[Value<'_>]) -> Self {
        Held {
            sql: sql.to_owned(),
            args: args.iter().cloned().map(Value::into_owned).collect(),
        }
    }
}

impl Drop for PgTx {
    fn drop(&mut self) {
        if self.begun {
            // Queued on the connection, sent before its next statement (or its check on
            // return to the pool), as sqlx does for its own transactions.
            PgTransactionManager::start_rollback(self.conn.get());
        }
    }
}

impl PgTx {
    async fn new(pool: &PgPool) -> Result<PgTx, DbError> {
        let conn = match shared_connection(pool).await? {
            Some(conn) => PgConn::Shared(conn),
            None => PgConn::Own(pool.acquire().await.map_err(postgres::error)?),
        };
        Ok(PgTx {
            conn,
            begun: false,
            held: Vec::new(),
        })
    }

    /// Sends `BEGIN` unless sent already.
    async fn begin(&mut self) -> Result<(), DbError> {
        if !self.begun {
            count(1);
            PgTransactionManager::begin(self.conn.get(), None)
                .await
                .map_err(postgres::error)?;
            self.begun = true;
        }
        Ok(())
    }

    /// `sql` with the held writes folded in, and its arguments.
    fn with_held<'a>(&mut self, sql: &str, args: &[Value<'a>]) -> (String, Vec<Value<'a>>) {
        count(1);
        compose(std::mem::take(&mut self.held), sql, args)
    }
}

/// One statement that runs the `held` writes, each a data-modifying `WITH` clause, and
/// then `sql`, with the held writes' arguments first and each placeholder renumbered to
/// match. PostgreSQL runs every clause once, to completion, on one snapshot.
fn compose<'a>(held: Vec<Held>, sql: &str, args: &[Value<'a>]) -> (String, Vec<Value<'a>>) {
    if held.is_empty() {
        return (sql.to_owned(), args.to_vec());
    }
    let mut text = String::from("WITH ");
    let mut all: Vec<Value<'a>> = Vec::new();
    for (i, write) in held.into_iter().enumerate() {
        text.push_str(&format!(
            "held_{i} AS ({}), ",
            renumber(&write.sql, all.len())
        ));
        all.extend(write.args);
    }
    let main = renumber(sql, all.len());
    match main.strip_prefix("WITH ") {
        Some(clauses) => text.push_str(clauses),
        None => {
            text.truncate(text.len() - 2);
            text.push(' ');
            text.push_str(&main);
        }
    }
    all.extend_from_slice(args);
    (text, all)
}

/// `sql` with each `$n` placeholder raised by `by` (the store's SQL has no other `$`).
fn renumber(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if let Ok(n) = rest[..digits].parse::<usize>() {
            out.push_str(&(n + by).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
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
    /// Runs a statement; returns the rows it changed.
    pub async fn execute(&mut self, sql: &str, args: &[Value<'_>]) -> Result<u64, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                count(1);
                sqlite::run(&tx.conn.conn, sql, args).map(|(n, _)| n)
            }
            Tx::Postgres(tx) => {
                tx.begin().await?;
                let (sql, args) = tx.with_held(sql, args);
                postgres::execute(tx.conn.get(), &sql, &args).await
            }
        }
    }

    /// Runs a write whose effect no later statement of the transaction reads, whose
    /// outcome nothing checks beyond success (errors are the database's, unmapped), and
    /// whose rows no other write held with it changes. On SQLite it runs at once; on
    /// PostgreSQL it travels with the transaction's next statement, or its commit, as a
    /// `WITH` clause (all of one statement's clauses see one snapshot): a round trip saved.
    pub async fn write(&mut self, sql: &str, args: &[Value<'_>]) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(_) => self.execute(sql, args).await.map(drop),
            Tx::Postgres(tx) => {
                tx.held.push(Held::new(sql, args));
                Ok(())
            }
        }
    }

    /// Runs a query; returns its rows.
    pub async fn fetch_all(&mut self, sql: &str, args: &[Value<'_>]) -> Result<Vec<Row>, DbError> {
        match self {
            Tx::Sqlite(tx) => {
                count(1);
                sqlite::run(&tx.conn.conn, sql, args).map(|(_, rows)| rows)
            }
            Tx::Postgres(tx) => {
                tx.begin().await?;
                let (sql, args) = tx.with_held(sql, args);
                postgres::fetch_all(tx.conn.get(), &sql, &args).await
            }
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

    /// Runs the transaction's last statement and commits; returns the statement's rows.
    /// On PostgreSQL a transaction that has sent nothing yet goes out as this one
    /// statement, its held writes with it, which commits by itself: such a statement must
    /// refuse (`latchkey_refuse`) whatever must not commit, not return nothing.
    pub async fn finish(mut self, sql: &str, args: &[Value<'_>]) -> Result<Vec<Row>, DbError> {
        if let Tx::Postgres(tx) = &mut self
            && !tx.begun
        {
            let (sql, args) = tx.with_held(sql, args);
            return postgres::fetch_all(tx.conn.get(), &sql, &args).await;
        }
        let rows = self.fetch_all(sql, args).await?;
        self.commit().await?;
        Ok(rows)
    }

    /// Makes the transaction's writes durable and visible.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(mut tx) => match std::mem::replace(&mut tx.end, End::Nothing) {
                End::Release(epoch) => {
                    count(1);
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
            Tx::Postgres(mut tx) => {
                // The last held write carries the others.
                if let Some(last) = tx.held.pop() {
                    let (sql, args) = tx.with_held(&last.sql, &last.args);
                    postgres::execute(tx.conn.get(), &sql, &args).await?;
                }
                if tx.begun {
                    count(1);
                    PgTransactionManager::commit(tx.conn.get())
                        .await
                        .map_err(postgres::error)?;
                    tx.begun = false;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::args;

    #[test]
    fn placeholders_are_raised_and_nothing_else_moves() {
        assert_eq!(
            renumber("UPDATE t SET a = $1, b = $12 WHERE c = $2", 3),
            "UPDATE t SET a = $4, b = $15 WHERE c = $5"
        );
        assert_eq!(renumber("SELECT 'x' AS $", 2), "SELECT 'x' AS $");
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn held_writes_become_with_clauses_ahead_of_the_statement() {
        let writes = vec![
            Held::new("INSERT INTO a (x, y) VALUES ($1, $2)", args![1, "one"]),
            Held::new("UPDATE b SET z = $1", args!["two"]),
        ];
        let (sql, all) = compose(writes, "SELECT * FROM c WHERE id = $1", args!["three"]);
        assert_eq!(
            sql,
            "WITH held_0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), \
             held_1 AS (UPDATE b SET z = $3) SELECT * FROM c WHERE id = $4"
        );
        let texts: Vec<String> = all.iter().map(|v| format!("{v:?}")).collect();
        assert_eq!(texts.len(), 4);
        assert!(texts[0].contains('1') && texts[1].contains("one"));
        assert!(texts[2].contains("two") && texts[3].contains("three"));
    }

    #[test]
    fn a_statement_with_clauses_of_its_own_joins_them() {
        let writes = vec![Held::new("DELETE FROM a WHERE x = $1", args![1])];
        let (sql, _) = compose(
            writes,
            "WITH q AS (SELECT $1 AS v) SELECT v FROM q",
            args![2],
        );
        assert_eq!(
            sql,
            "WITH held_0 AS (DELETE FROM a WHERE x = $1), q AS (SELECT $2 AS v) SELECT v FROM q"
        );
    }

    #[test]
    fn nothing_held_leaves_the_statement_as_it_is() {
        let (sql, all) = compose(Vec::new(), "SELECT $1", args![5]);
        assert_eq!(sql, "SELECT $1");
        assert_eq!(all.len(), 1);
    }
}
