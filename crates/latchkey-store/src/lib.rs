//! The [`Store`] on sqlx, for SQLite (the default, embedded) and PostgreSQL (many
//! replicas). One set of SQL serves both: `$n` placeholders, `BIGINT` times, text ids and
//! base64url text for binary values; migrations live in `migrations/<backend>` with the
//! same versions.

mod rows;

use async_trait::async_trait;
use latchkey_core::ceremony::b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{
    AuditEvent, CeremonyState, Client, Passkey, Session, SignIn, SignUp, SigningKey, User,
    Verification, VerificationStatus,
};
use latchkey_core::store::{MAX_OPEN_SIGN_INS, Page, SignInCompletion, SignUpCompletion, Store};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Transaction};
use std::str::FromStr;
use std::time::Duration;

use rows::{
    AUDIT_COLUMNS, CLIENT_COLUMNS, PASSKEY_COLUMNS, SESSION_COLUMNS, SIGN_IN_COLUMNS,
    SIGN_UP_COLUMNS, USER_COLUMNS,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

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

    fn migrator(self) -> &'static Migrator {
        match self {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }
}

/// Connection settings.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub url: String,
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
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    /// Connects (creating a missing SQLite file). Does not migrate.
    pub async fn connect(options: &StoreOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(&options.url)
            .ok_or_else(|| Error::internal("database.url must start with sqlite: or postgres:"))?;
        let url = match backend {
            Backend::Sqlite if !options.url.contains("mode=") => {
                let sep = if options.url.contains('?') { '&' } else { '?' };
                format!("{}{sep}mode=rwc", options.url)
            }
            _ => options.url.clone(),
        };
        let connect = AnyConnectOptions::from_str(&url).map_err(Error::internal)?;
        let statement_timeout = options.statement_timeout_ms;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    let setup = match backend {
                        // WAL lets readers run beside the writer; NORMAL is durable in WAL
                        // mode against process crashes.
                        Backend::Sqlite => {
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;"
                                .to_owned()
                        }
                        Backend::Postgres => format!("SET statement_timeout = {statement_timeout}"),
                    };
                    conn.execute(setup.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(connect)
            .await
            .map_err(db)?;
        Ok(Self { pool, backend })
    }

    /// Connects and applies pending migrations.
    pub async fn open(options: &StoreOptions) -> Result<Self> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Applies pending migrations; refuses a database whose schema is newer than this binary.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = self.backend.migrator();
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
            .fetch_one(&self.pool)
            .await
            .ok()
            .flatten();
        if let Some(applied) = applied
            && applied > known
        {
            return Err(Error::internal(format!(
                "the database schema (version {applied}) is newer than this binary (version {known})"
            )));
        }
        migrator.run(&self.pool).await.map_err(Error::internal)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn begin(&self) -> Result<Transaction<'static, sqlx::Any>> {
        self.pool.begin().await.map_err(db)
    }
}

/// Maps sqlx errors: lost connections are `Unavailable`, the rest internal.
fn db(err: sqlx::Error) -> Error {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
            Error::Unavailable(err.to_string())
        }
        other => Error::internal(other),
    }
}

/// Maps a unique violation to `on_unique`, anything else as [`db`].
fn unique(on_unique: Error) -> impl FnOnce(sqlx::Error) -> Error {
    move |err| match &err {
        sqlx::Error::Database(e) if e.is_unique_violation() => on_unique,
        _ => db(err),
    }
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}

type Tx = Transaction<'static, sqlx::Any>;

/// Writes audit events with one statement.
async fn insert_events(tx: &mut Tx, events: &[AuditEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..events.len())
        .map(|r| {
            let p: Vec<String> = (1..=9).map(|c| format!("${}", r * 9 + c)).collect();
            format!("({})", p.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_events (id, kind, user_id, passkey_id, session_id, ip, user_agent, created_at, data) VALUES {}",
        rows.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for e in events {
        query = query
            .bind(&e.id)
            .bind(&e.kind)
            .bind(&e.user_id)
            .bind(&e.passkey_id)
            .bind(&e.session_id)
            .bind(&e.ip)
            .bind(&e.user_agent)
            .bind(e.created_at)
            .bind(&e.data);
    }
    query.execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

async fn insert_ceremony(tx: &mut Tx, v: &Verification, c: &CeremonyState) -> Result<()> {
    sqlx::query(
        "INSERT INTO verifications (owner_id, status, nonce, attempts, expire_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (owner_id) DO UPDATE SET status = excluded.status, nonce = excluded.nonce, \
         attempts = excluded.attempts, expire_at = excluded.expire_at",
    )
    .bind(&v.owner_id)
    .bind(v.status.as_str())
    .bind(&v.nonce)
    .bind(v.attempts)
    .bind(v.expire_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    sqlx::query(
        "INSERT INTO ceremonies (owner_id, state, expire_at) VALUES ($1, $2, $3) \
         ON CONFLICT (owner_id) DO UPDATE SET state = excluded.state, expire_at = excluded.expire_at",
    )
    .bind(&v.owner_id)
    .bind(&c.state)
    .bind(c.expire_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_user(tx: &mut Tx, u: &User) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (id, user_handle, username, email_id, email_address, first_name, last_name, \
         last_sign_in_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&u.id)
    .bind(b64url(&u.user_handle))
    .bind(&u.username)
    .bind(u.email.as_ref().map(|e| e.id.clone()))
    .bind(u.email.as_ref().map(|e| e.email_address.clone()))
    .bind(&u.first_name)
    .bind(&u.last_name)
    .bind(u.last_sign_in_at)
    .bind(u.created_at)
    .bind(u.updated_at)
    .execute(&mut **tx)
    .await
    .map_err(unique(Error::IdentifierExists(if u.username.is_some() { "username" } else { "email_address" })))?;
    Ok(())
}

async fn insert_session(tx: &mut Tx, s: &Session) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, client_id, user_id, status, last_active_at, expire_at, abandon_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&s.id)
    .bind(&s.client_id)
    .bind(&s.user_id)
    .bind(s.status.as_str())
    .bind(s.last_active_at)
    .bind(s.expire_at)
    .bind(s.abandon_at)
    .bind(s.created_at)
    .bind(s.updated_at)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn set_last_active_session(tx: &mut Tx, session: &Session, clear: &str) -> Result<()> {
    let sql = format!(
        "UPDATE clients SET last_active_session_id = $1, {clear} = NULL, updated_at = $2 WHERE id = $3"
    );
    sqlx::query(&sql)
        .bind(&session.id)
        .bind(session.created_at)
        .bind(&session.client_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

async fn write_passkey(tx: &mut Tx, p: &Passkey) -> Result<()> {
    sqlx::query(
        "INSERT INTO passkeys (id, user_id, name, credential_id, credential, aaguid, backed_up, transports, \
         verified, last_used_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credential_id = excluded.credential_id, \
         credential = excluded.credential, aaguid = excluded.aaguid, backed_up = excluded.backed_up, \
         transports = excluded.transports, verified = excluded.verified, updated_at = excluded.updated_at",
    )
    .bind(&p.id)
    .bind(&p.user_id)
    .bind(&p.name)
    .bind(p.credential_id.as_deref().map(b64url))
    .bind(&p.credential)
    .bind(&p.aaguid)
    .bind(flag(p.backed_up))
    .bind(serde_json::to_string(&p.transports).map_err(Error::internal)?)
    .bind(flag(p.verified))
    .bind(p.last_used_at)
    .bind(p.created_at)
    .bind(p.updated_at)
    .execute(&mut **tx)
    .await
    .map_err(unique(Error::PasskeyAlreadyExists))?;
    Ok(())
}

/// Stores an attempt's ceremony (if any) and makes the attempt its client's current one
/// (`column` is `sign_in_id` or `sign_up_id`).
async fn attach_attempt(
    tx: &mut Tx,
    column: &str,
    id: &str,
    client_id: &str,
    at: i64,
    ceremony: Option<(&Verification, &CeremonyState)>,
) -> Result<()> {
    if let Some((v, c)) = ceremony {
        insert_ceremony(tx, v, c).await?;
    }
    let sql = format!("UPDATE clients SET {column} = $1, updated_at = $2 WHERE id = $3");
    sqlx::query(&sql)
        .bind(id)
        .bind(at)
        .bind(client_id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

async fn delete_ceremony_rows(tx: &mut Tx, owner_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM verifications WHERE owner_id = $1",
        "DELETE FROM ceremonies WHERE owner_id = $1",
    ] {
        sqlx::query(sql)
            .bind(owner_id)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

fn like_prefix(query: &str) -> String {
    let escaped: String = query
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("{escaped}%")
}

#[async_trait]
impl Store for SqlStore {
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn insert_client(&self, client: &Client, token_hash: &[u8]) -> Result<()> {
        sqlx::query(
            "INSERT INTO clients (id, token_hash, sign_in_id, sign_up_id, last_active_session_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&client.id)
        .bind(b64url(token_hash))
        .bind(&client.sign_in_id)
        .bind(&client.sign_up_id)
        .bind(&client.last_active_session_id)
        .bind(client.created_at)
        .bind(client.updated_at)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn find_client_by_token(&self, token_hash: &[u8]) -> Result<Option<Client>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE token_hash = $1");
        let row = sqlx::query(&sql)
            .bind(b64url(token_hash))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::client).transpose()
    }

    async fn find_client(&self, id: &str) -> Result<Option<Client>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::client).transpose()
    }

    async fn update_client(&self, client: &Client) -> Result<()> {
        sqlx::query(
            "UPDATE clients SET sign_in_id = $1, sign_up_id = $2, last_active_session_id = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(&client.sign_in_id)
        .bind(&client.sign_up_id)
        .bind(&client.last_active_session_id)
        .bind(client.updated_at)
        .bind(&client.id)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_user(&mut tx, user).await?;
        tx.commit().await.map_err(db)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn find_user_by_identifier(&self, identifier: &str) -> Result<Option<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1 OR email_address = $1");
        let row = sqlx::query(&sql)
            .bind(identifier)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn list_users(&self, query: Option<&str>, page: Page) -> Result<(Vec<User>, i64)> {
        let pattern = like_prefix(query.unwrap_or(""));
        let filter = "username LIKE $1 ESCAPE '\\' OR email_address LIKE $1 ESCAPE '\\'";
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
        );
        let found = sqlx::query(&sql)
            .bind(&pattern)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let count_sql = format!("SELECT COUNT(*) FROM users WHERE {filter}");
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok((found.iter().map(rows::user).collect::<Result<_>>()?, total))
    }

    async fn delete_user(&self, id: &str, _now: i64, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if deleted > 0 {
            insert_events(&mut tx, std::slice::from_ref(event)).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(deleted > 0)
    }

    async fn insert_passkey(
        &self,
        passkey: &Passkey,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        write_passkey(&mut tx, passkey).await?;
        insert_ceremony(&mut tx, verification, ceremony).await?;
        tx.commit().await.map_err(db)
    }

    async fn find_passkey(&self, user_id: &str, id: &str) -> Result<Option<Passkey>> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE id = $1 AND user_id = $2");
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn find_passkey_by_credential_id(&self, credential_id: &[u8]) -> Result<Option<Passkey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1 AND verified = 1"
        );
        let row = sqlx::query(&sql)
            .bind(b64url(credential_id))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn list_passkeys(&self, user_id: &str) -> Result<Vec<Passkey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 AND verified = 1 ORDER BY created_at DESC, id DESC"
        );
        let found = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        found.iter().map(rows::passkey).collect()
    }

    async fn complete_passkey_registration(
        &self,
        passkey: &Passkey,
        activate: bool,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        write_passkey(&mut tx, passkey).await?;
        if activate {
            sqlx::query("UPDATE sessions SET status = 'active', updated_at = $1 WHERE user_id = $2 AND status = 'pending'")
                .bind(passkey.updated_at)
                .bind(&passkey.user_id)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await.map_err(db)
    }

    async fn rename_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE passkeys SET name = $1, updated_at = $2 WHERE id = $3")
            .bind(&passkey.name)
            .bind(passkey.updated_at)
            .bind(&passkey.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_passkey(&self, user_id: &str, id: &str, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.begin().await?;
        let deleted = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        if deleted > 0 {
            delete_ceremony_rows(&mut tx, id).await?;
            insert_events(&mut tx, std::slice::from_ref(event)).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(deleted > 0)
    }

    async fn upsert_verification(
        &self,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_ceremony(&mut tx, verification, ceremony).await?;
        tx.commit().await.map_err(db)
    }

    async fn find_verification(&self, owner_id: &str) -> Result<Option<Verification>> {
        let row = sqlx::query("SELECT owner_id, status, nonce, attempts, expire_at FROM verifications WHERE owner_id = $1")
            .bind(owner_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::verification).transpose()
    }

    async fn consume_ceremony(&self, owner_id: &str) -> Result<Option<CeremonyState>> {
        let row =
            sqlx::query("DELETE FROM ceremonies WHERE owner_id = $1 RETURNING state, expire_at")
                .bind(owner_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        rows::ceremony(&row).map(Some)
    }

    async fn set_verification_status(
        &self,
        owner_id: &str,
        status: VerificationStatus,
    ) -> Result<()> {
        let sql = if status == VerificationStatus::Verified {
            "UPDATE verifications SET status = $1, nonce = NULL, attempts = attempts + 1 WHERE owner_id = $2"
        } else {
            "UPDATE verifications SET status = $1, attempts = attempts + 1 WHERE owner_id = $2"
        };
        sqlx::query(sql)
            .bind(status.as_str())
            .bind(owner_id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn insert_sign_in(
        &self,
        s: &SignIn,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sign_ins (id, client_id, status, identifier, user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&s.id)
        .bind(&s.client_id)
        .bind(s.status.as_str())
        .bind(&s.identifier)
        .bind(&s.user_id)
        .bind(&s.created_session_id)
        .bind(s.abandon_at)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        attach_attempt(
            &mut tx,
            "sign_in_id",
            &s.id,
            &s.client_id,
            s.updated_at,
            ceremony,
        )
        .await?;
        sqlx::query(
            "DELETE FROM sign_ins WHERE client_id = $1 AND status <> 'complete' AND id NOT IN \
             (SELECT id FROM sign_ins WHERE client_id = $1 AND status <> 'complete' \
             ORDER BY created_at DESC, id DESC LIMIT $2)",
        )
        .bind(&s.client_id)
        .bind(MAX_OPEN_SIGN_INS)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        tx.commit().await.map_err(db)
    }

    async fn find_sign_in(&self, client_id: &str, id: &str) -> Result<Option<SignIn>> {
        let sql =
            format!("SELECT {SIGN_IN_COLUMNS} FROM sign_ins WHERE id = $1 AND client_id = $2");
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::sign_in).transpose()
    }

    async fn complete_sign_in(&self, c: &SignInCompletion) -> Result<()> {
        let mut tx = self.begin().await?;
        // The passkey may have been deleted since it was read: then nothing is signed in.
        let updated = sqlx::query(
            "UPDATE passkeys SET credential = $1, backed_up = $2, last_used_at = $3 WHERE id = $4 AND verified = 1",
        )
        .bind(&c.credential)
        .bind(flag(c.backed_up))
        .bind(c.now)
        .bind(&c.passkey_id)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if updated == 0 {
            return Err(Error::PasskeyNotRegistered);
        }
        insert_session(&mut tx, &c.session).await?;
        sqlx::query("UPDATE sign_ins SET status = $1, user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5")
            .bind(c.sign_in.status.as_str())
            .bind(&c.sign_in.user_id)
            .bind(&c.sign_in.created_session_id)
            .bind(c.now)
            .bind(&c.sign_in.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
            .bind(c.now)
            .bind(&c.session.user_id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        set_last_active_session(&mut tx, &c.session, "sign_in_id").await?;
        insert_events(&mut tx, &c.events).await?;
        tx.commit().await.map_err(db)
    }

    async fn insert_sign_up(
        &self,
        s: &SignUp,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sign_ups (id, client_id, status, username, email_address, first_name, last_name, user_handle, \
             created_user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&s.id)
        .bind(&s.client_id)
        .bind(s.status.as_str())
        .bind(&s.username)
        .bind(&s.email_address)
        .bind(&s.first_name)
        .bind(&s.last_name)
        .bind(s.user_handle.as_deref().map(b64url))
        .bind(&s.created_user_id)
        .bind(&s.created_session_id)
        .bind(s.abandon_at)
        .bind(s.created_at)
        .bind(s.updated_at)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        attach_attempt(
            &mut tx,
            "sign_up_id",
            &s.id,
            &s.client_id,
            s.updated_at,
            ceremony,
        )
        .await?;
        tx.commit().await.map_err(db)
    }

    async fn find_sign_up(&self, client_id: &str, id: &str) -> Result<Option<SignUp>> {
        let sql =
            format!("SELECT {SIGN_UP_COLUMNS} FROM sign_ups WHERE id = $1 AND client_id = $2");
        let row = sqlx::query(&sql)
            .bind(id)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::sign_up).transpose()
    }

    async fn complete_sign_up(&self, c: &SignUpCompletion) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_user(&mut tx, &c.user).await?;
        if let Some(passkey) = &c.passkey {
            write_passkey(&mut tx, passkey).await?;
        }
        insert_session(&mut tx, &c.session).await?;
        sqlx::query("UPDATE sign_ups SET status = $1, created_user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5")
            .bind(c.sign_up.status.as_str())
            .bind(&c.sign_up.created_user_id)
            .bind(&c.sign_up.created_session_id)
            .bind(c.sign_up.updated_at)
            .bind(&c.sign_up.id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        set_last_active_session(&mut tx, &c.session, "sign_up_id").await?;
        insert_events(&mut tx, &c.events).await?;
        tx.commit().await.map_err(db)
    }

    async fn find_session(&self, id: &str) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn list_client_sessions(&self, client_id: &str) -> Result<Vec<Session>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE client_id = $1 AND status IN ('active', 'pending') \
             ORDER BY created_at DESC, id DESC"
        );
        let found = sqlx::query(&sql)
            .bind(client_id)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        found.iter().map(rows::session).collect()
    }

    async fn list_sessions(
        &self,
        user_id: Option<&str>,
        status: Option<&str>,
        page: Page,
    ) -> Result<(Vec<Session>, i64)> {
        let filter = "($1 IS NULL OR user_id = $1) AND ($2 IS NULL OR status = $2)";
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        );
        let found = sqlx::query(&sql)
            .bind(user_id)
            .bind(status)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let count_sql = format!("SELECT COUNT(*) FROM sessions WHERE {filter}");
        let total: i64 = sqlx::query_scalar(&count_sql)
            .bind(user_id)
            .bind(status)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok((
            found.iter().map(rows::session).collect::<Result<_>>()?,
            total,
        ))
    }

    async fn update_session(&self, s: &Session, event: Option<&AuditEvent>) -> Result<()> {
        let update = sqlx::query(
            "UPDATE sessions SET status = $1, last_active_at = $2, abandon_at = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(s.status.as_str())
        .bind(s.last_active_at)
        .bind(s.abandon_at)
        .bind(s.updated_at)
        .bind(&s.id);
        let Some(event) = event else {
            // One statement needs no transaction (token refreshes take this path).
            update.execute(&self.pool).await.map_err(db)?;
            return Ok(());
        };
        let mut tx = self.begin().await?;
        update.execute(&mut *tx).await.map_err(db)?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_signing_keys(&self) -> Result<Vec<SigningKey>> {
        let found = sqlx::query("SELECT kid, private_key, created_at FROM signing_keys ORDER BY created_at DESC, kid DESC")
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        found.iter().map(rows::signing_key).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<()> {
        sqlx::query("INSERT INTO signing_keys (kid, private_key, created_at) VALUES ($1, $2, $3)")
            .bind(&key.kid)
            .bind(&key.private_key)
            .bind(key.created_at)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn update_signing_key(&self, key: &SigningKey) -> Result<bool> {
        let done = sqlx::query("UPDATE signing_keys SET private_key = $1 WHERE kid = $2")
            .bind(&key.private_key)
            .bind(&key.kid)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn prune_signing_keys(&self, keep: i64) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM signing_keys WHERE kid NOT IN \
             (SELECT kid FROM signing_keys ORDER BY created_at DESC, kid DESC LIMIT $1)",
        )
        .bind(keep.max(1))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected())
    }

    async fn find_setting(&self, key: &str) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM settings WHERE name = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)
    }

    async fn insert_setting(&self, key: &str, value: &str) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(done.rows_affected() > 0)
    }

    async fn insert_audit_event(&self, event: &AuditEvent) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_audit_events(
        &self,
        user_id: Option<&str>,
        page: Page,
    ) -> Result<(Vec<AuditEvent>, i64)> {
        let sql = format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_events WHERE ($1 IS NULL OR user_id = $1) \
             ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let found = sqlx::query(&sql)
            .bind(user_id)
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_events WHERE ($1 IS NULL OR user_id = $1)",
        )
        .bind(user_id)
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        Ok((
            found.iter().map(rows::audit_event).collect::<Result<_>>()?,
            total,
        ))
    }

    async fn delete_audit_events_before(&self, before: i64) -> Result<u64> {
        // In batches, so that the first clean-up of a large table neither holds a long
        // lock nor runs into PostgreSQL's statement timeout.
        const BATCH: i64 = 5_000;
        let mut removed = 0;
        loop {
            let done = sqlx::query(
                "DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE created_at < $1 LIMIT $2)",
            )
            .bind(before)
            .bind(BATCH)
            .execute(&self.pool)
            .await
            .map_err(db)?
            .rows_affected();
            removed += done;
            if done < BATCH.unsigned_abs() {
                return Ok(removed);
            }
        }
    }

    async fn count_live_sessions(&self, now: i64) -> Result<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM sessions WHERE status IN ('active', 'pending') AND expire_at > $1 AND abandon_at > $1",
        )
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn hit_rate_limit(&self, key: &str, window_start: i64) -> Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits",
        )
        .bind(key)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await
        .map_err(db)
    }

    async fn delete_expired(&self, before: i64) -> Result<u64> {
        let mut removed = 0;
        for sql in [
            "DELETE FROM ceremonies WHERE expire_at < $1",
            "DELETE FROM sign_ins WHERE abandon_at < $1",
            "DELETE FROM sign_ups WHERE abandon_at < $1",
            "DELETE FROM verifications WHERE expire_at < $1 AND owner_id NOT IN (SELECT id FROM passkeys)",
            "DELETE FROM sessions WHERE expire_at < $1",
            "DELETE FROM rate_limits WHERE window_start < $1",
        ] {
            removed += sqlx::query(sql)
                .bind(before)
                .execute(&self.pool)
                .await
                .map_err(db)?
                .rows_affected();
        }
        Ok(removed)
    }
}
