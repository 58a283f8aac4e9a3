//! The one migration tree, `migrations/`, applied to either database. sqlx records each
//! applied migration's version and the checksum of its text in `_sqlx_migrations`; a
//! released migration is never edited, so both stay what earlier releases recorded.

use latchkey_core::error::{Error, Result};
use rusqlite::Connection;
use sqlx::PgPool;
use sqlx::migrate::Migrator;

use crate::sqlite;
use crate::value::DbError;

/// Every migration, in order, for both databases.
static MIGRATIONS: Migrator = sqlx::migrate!("./migrations");

/// Applies pending migrations to a SQLite connection, as sqlx would.
pub fn sqlite(conn: &Connection) -> Result<()> {
    let applied = applied_sqlite(conn)?;
    refuse_newer_schema(applied.iter().map(|(v, _)| *v).max())?;
    Ok(apply_sqlite(conn, &applied)?)
}

/// Applies pending migrations to a PostgreSQL database through sqlx.
pub async fn postgres(pool: &PgPool) -> Result<()> {
    let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(pool)
        .await
        .ok()
        .flatten();
    refuse_newer_schema(applied)?;
    MIGRATIONS.run(pool).await.map_err(Error::internal)
}

/// Refuses a database whose newest applied migration (`applied`) is newer than any this
/// binary knows.
fn refuse_newer_schema(applied: Option<i64>) -> Result<()> {
    let known = MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0);
    match applied {
        Some(applied) if applied > known => Err(Error::internal(format!(
            "the database schema (version {applied}) is newer than this binary (version {known})"
        ))),
        _ => Ok(()),
    }
}

/// The versions and checksums of the migrations applied to `conn` (creating sqlx's
/// record table when missing).
fn applied_sqlite(conn: &Connection) -> Result<Vec<(i64, Vec<u8>)>, DbError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, \
         description TEXT NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         success BOOLEAN NOT NULL, checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
    )
    .map_err(sqlite::error)?;
    conn.prepare("SELECT version, checksum FROM _sqlx_migrations")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .map_err(sqlite::error)
}

/// A migration as SQLite spells it: PostgreSQL's byte-order collation `"C"` is SQLite's
/// `BINARY`, and what lies between `-- postgres only: begin` and `-- postgres only: end`
/// is left out. The checksum stays that of the shared text.
fn sqlite_spelling(sql: &str) -> String {
    const BEGIN: &str = "-- postgres only: begin";
    const END: &str = "-- postgres only: end";
    let mut shared = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some((before, after)) = rest.split_once(BEGIN) {
        shared.push_str(before);
        rest = after.split_once(END).map_or("", |(_, after)| after);
    }
    shared.push_str(rest);
    shared.replace("COLLATE \"C\"", "COLLATE BINARY")
}

/// Applies the migrations not in `applied`, recording them as sqlx does; refuses an
/// applied migration whose checksum differs from ours.
fn apply_sqlite(conn: &Connection, applied: &[(i64, Vec<u8>)]) -> Result<(), DbError> {
    for migration in MIGRATIONS.iter() {
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
                let tx = conn.unchecked_transaction().map_err(sqlite::error)?;
                tx.execute_batch(&sqlite_spelling(&migration.sql))
                    .map_err(sqlite::error)?;
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
                .map_err(sqlite::error)?;
                tx.commit().map_err(sqlite::error)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sqlite_spelling;

    #[test]
    fn sqlite_leaves_out_what_is_postgres_only() {
        let sql = "CREATE TABLE a (x TEXT COLLATE \"C\");\n-- postgres only: begin\n\
                   CREATE FUNCTION f() RETURNS TEXT AS $$ SELECT 'x' $$;\n\
                   -- postgres only: end\nCREATE TABLE b (y TEXT);\n";
        assert_eq!(
            sqlite_spelling(sql),
            "CREATE TABLE a (x TEXT COLLATE BINARY);\n\nCREATE TABLE b (y TEXT);\n"
        );
    }
}
