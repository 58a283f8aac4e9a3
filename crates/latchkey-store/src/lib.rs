//! The [`Store`](latchkey_core::Store) for SQLite (the default, embedded) and PostgreSQL
//! (many replicas). One set of SQL serves both: `$n` placeholders, `BIGINT` times, text
//! ids and base64url text for binary values; one migration tree, `migrations/`, serves
//! both too. The SQL lives in `tables/`, one file per table, each implementing its
//! narrow store trait on [`SqlStore`].

mod batch;
mod checkpoint;
mod db;
mod migrate;
mod postgres;
mod records;
mod rows;
mod sqlite;
mod tables;
mod value;

pub use db::statements_run;
pub use postgres::on_one_connection;

use db::Db;
use latchkey_core::error::{Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// How long a pooled PostgreSQL connection may sit idle before it is checked again.
const CHECK_IDLE_AFTER: Duration = Duration::from_secs(1);

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `sqlite:` and `postgres:`/`postgresql:` URLs.
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
    /// PostgreSQL pool size (SQLite uses one connection).
    pub max_connections: u32,
    /// PostgreSQL `statement_timeout`, milliseconds (0: none).
    pub statement_timeout_ms: u64,
}

impl StoreOptions {
    /// Options for `url` with default pool settings.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: 8,
            statement_timeout_ms: 5_000,
        }
    }
}

/// The SQL store.
#[derive(Clone)]
pub struct SqlStore {
    db: Db,
}

impl SqlStore {
    /// Connects (creating a missing SQLite file). Does not migrate.
    pub async fn connect(options: &StoreOptions) -> Result<Self> {
        let backend = Backend::of_url(&options.url)
            .ok_or_else(|| Error::internal("database.url must start with sqlite: or postgres:"))?;
        let db = match backend {
            Backend::Sqlite => Db::Sqlite(checkpoint::open_serving(&options.url)?),
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(&options.url)
                    .map_err(Error::internal)?
                    .options([(
                        "statement_timeout",
                        options.statement_timeout_ms.to_string(),
                    )]);
                let pool = PgPoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(Duration::from_secs(5))
                    // A connection is checked when it goes back to the pool; one idle
                    // since may have been closed by a restart or a proxy, so it is
                    // checked again before use (sqlx's default checks every time: a
                    // round trip per statement).
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for > CHECK_IDLE_AFTER {
                                sqlx::Connection::ping(conn).await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(connect)
                    .await
                    .map_err(postgres::error)?;
                Db::Postgres(pool)
            }
        };
        Ok(Self { db })
    }

    /// Connects and applies pending migrations.
    pub async fn open(options: &StoreOptions) -> Result<Self> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations; refuses a database whose schema is newer than this binary.
    pub async fn migrate(&self) -> Result<()> {
        match &self.db {
            Db::Sqlite(db) => migrate::sqlite(&db.lock().await.conn),
            Db::Postgres(pool) => migrate::postgres(pool).await,
        }
    }

    /// Closes the database.
    pub async fn close(&self) {
        if let Db::Postgres(pool) = &self.db {
            pool.close().await;
        }
    }
}
