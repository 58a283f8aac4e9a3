//! The [`Store`] for SQLite (the default, embedded) and PostgreSQL (many replicas). One
//! set of SQL serves both: `$n` placeholders, `BIGINT` times, text ids and base64url text
//! for binary values; one migration tree, `migrations/`, serves both.

mod batch;
mod checkpoint;
mod db;
mod migrate;
mod postgres;
mod records;
mod rows;
mod sqlite;
mod value;

pub use db::statements_run;
pub use postgres::on_one_connection;

use async_trait::async_trait;
use db::{Db, Tx};
use latchkey_core::encoding::b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{
    AuditEvent, CeremonyState, Client, Passkey, RequestClient, Session, SignIn, SignUp, SigningKey,
    User, Verification, VerificationStatus,
};
use latchkey_core::store::{
    ClientRecord, MAX_OPEN_SIGN_INS, Page, SignInCompletion, SignUpCompletion, Store,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

use value::{Value, args, unique};

use rows::{
    AUDIT_COLUMNS, CLIENT_COLUMNS, PASSKEY_COLUMNS, SESSION_COLUMNS, USER_COLUMNS,
    VERIFICATION_COLUMNS,
};

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
            Db::Sqlite(db) => migrate::sqlite(&db.connection().lock().conn),
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

fn flag(value: bool) -> i64 {
    i64::from(value)
}

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
    let values: Vec<Value> = events
        .iter()
        .flat_map(|e| {
            [
                (&e.id).into(),
                (&e.kind).into(),
                (&e.user_id).into(),
                (&e.passkey_id).into(),
                (&e.session_id).into(),
                (&e.ip).into(),
                (&e.user_agent).into(),
                e.created_at.into(),
                (&e.data).into(),
            ]
        })
        .collect();
    tx.execute(&sql, &values).await?;
    Ok(())
}

async fn insert_ceremony(tx: &mut Tx, v: &Verification, c: &CeremonyState) -> Result<()> {
    tx.execute("INSERT INTO verifications (owner_id, status, nonce, attempts, expire_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (owner_id) DO UPDATE SET status = excluded.status, nonce = excluded.nonce, \
         attempts = excluded.attempts, expire_at = excluded.expire_at", args![&v.owner_id, v.status.as_str(), &v.nonce, v.attempts, v.expire_at]).await?;
    tx.execute("INSERT INTO ceremonies (owner_id, state, expire_at) VALUES ($1, $2, $3) \
         ON CONFLICT (owner_id) DO UPDATE SET state = excluded.state, expire_at = excluded.expire_at", args![&v.owner_id, &c.state, c.expire_at]).await?;
    Ok(())
}

async fn insert_user(tx: &mut Tx, u: &User) -> Result<()> {
    tx.execute("INSERT INTO users (id, user_handle, username, email_id, email_address, first_name, last_name, \
         last_sign_in_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", args![&u.id, b64url(&u.user_handle), &u.username, u.email.as_ref().map(|e| e.id.clone()), u.email.as_ref().map(|e| e.email_address.clone()), &u.first_name, &u.last_name, u.last_sign_in_at, u.created_at, u.updated_at]).await
    .map_err(unique(Error::IdentifierExists(if u.username.is_some() { "username" } else { "email_address" })))?;
    Ok(())
}

async fn insert_session(tx: &mut Tx, s: &Session) -> Result<()> {
    tx.execute("INSERT INTO sessions (id, client_id, user_id, status, last_active_at, expire_at, abandon_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", args![&s.id, &s.client_id, &s.user_id, s.status.as_str(), s.last_active_at, s.expire_at, s.abandon_at, s.created_at, s.updated_at]).await?;
    Ok(())
}

async fn set_last_active_session(tx: &mut Tx, session: &Session, clear: &str) -> Result<()> {
    let sql = format!(
        "UPDATE clients SET last_active_session_id = $1, {clear} = NULL, updated_at = $2 WHERE id = $3"
    );
    tx.execute(
        &sql,
        args![&session.id, session.created_at, &session.client_id],
    )
    .await?;
    Ok(())
}

async fn write_passkey(tx: &mut Tx, p: &Passkey) -> Result<()> {
    tx.execute("INSERT INTO passkeys (id, user_id, name, credential_id, credential, aaguid, backed_up, transports, \
         verified, last_used_at, created_at, updated_at, public_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, credential_id = excluded.credential_id, \
         credential = excluded.credential, aaguid = excluded.aaguid, backed_up = excluded.backed_up, \
         transports = excluded.transports, verified = excluded.verified, updated_at = excluded.updated_at, \
         public_key = excluded.public_key", args![&p.id, &p.user_id, &p.name, p.credential_id.as_deref().map(b64url), &p.credential, &p.aaguid, flag(p.backed_up), serde_json::to_string(&p.transports).map_err(Error::internal)?, flag(p.verified), p.last_used_at, p.created_at, p.updated_at, &p.public_key]).await.map_err(unique(Error::PasskeyAlreadyExists))?;
    Ok(())
}

/// Makes an attempt its client's current one (`column` is `sign_in_id` or `sign_up_id`),
/// storing the client with it when it is new, and stores the attempt's ceremony (if any).
/// Runs before the attempt's own row is stored, which refers to the client.
async fn attach_attempt(
    tx: &mut Tx,
    client: &RequestClient,
    column: &str,
    id: &str,
    at: i64,
    ceremony: Option<(&Verification, &CeremonyState)>,
) -> Result<()> {
    match client {
        RequestClient::Stored(client) => {
            let sql = format!("UPDATE clients SET {column} = $1, updated_at = $2 WHERE id = $3");
            tx.execute(&sql, args![id, at, &client.id]).await?;
        }
        RequestClient::New { client, token_hash } => {
            let sql = format!(
                "INSERT INTO clients (id, token_hash, {column}, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            );
            let token_hash = b64url(token_hash);
            let row = args![&client.id, token_hash, id, client.created_at, at];
            tx.execute(&sql, row).await?;
        }
    }
    if let Some((v, c)) = ceremony {
        insert_ceremony(tx, v, c).await?;
    }
    Ok(())
}

/// Marks the owner's verification verified (the attempt that passed counts; the nonce
/// goes) and returns it as it now is.
async fn mark_verified(tx: &mut Tx, owner_id: &str) -> Result<Option<Verification>> {
    let sql = format!(
        "UPDATE verifications SET status = 'verified', nonce = NULL, attempts = attempts + 1 \
         WHERE owner_id = $1 RETURNING {VERIFICATION_COLUMNS}"
    );
    let row = tx.fetch_optional(&sql, args![owner_id]).await?;
    row.as_ref().map(rows::verification).transpose()
}

async fn delete_ceremony_rows(tx: &mut Tx, owner_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM verifications WHERE owner_id = $1",
        "DELETE FROM ceremonies WHERE owner_id = $1",
    ] {
        tx.execute(sql, args![owner_id]).await?;
    }
    Ok(())
}

/// Queries run alone and within [`Store::find_client_record`].
mod select {
    use super::rows::{
        PASSKEY_COLUMNS, SESSION_COLUMNS, SIGN_IN_COLUMNS, SIGN_UP_COLUMNS, USER_COLUMNS,
        VERIFICATION_COLUMNS,
    };

    /// `$1`: user id.
    pub fn user() -> String {
        format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1")
    }

    /// `$1`: user id.
    pub fn verified_passkeys() -> String {
        format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 AND verified = 1 ORDER BY created_at DESC, id DESC"
        )
    }

    /// `$1`: client id.
    pub fn live_client_sessions() -> String {
        format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE client_id = $1 AND status IN ('active', 'pending') \
             ORDER BY created_at DESC, id DESC"
        )
    }

    /// `$1`: sign-in id, `$2`: client id.
    pub fn sign_in() -> String {
        format!("SELECT {SIGN_IN_COLUMNS} FROM sign_ins WHERE id = $1 AND client_id = $2")
    }

    /// `$1`: sign-up id, `$2`: client id.
    pub fn sign_up() -> String {
        format!("SELECT {SIGN_UP_COLUMNS} FROM sign_ups WHERE id = $1 AND client_id = $2")
    }

    /// `$1`: owner id.
    pub fn verification() -> String {
        format!("SELECT {VERIFICATION_COLUMNS} FROM verifications WHERE owner_id = $1")
    }
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
        self.db.execute("SELECT 1", args![]).await?;
        Ok(())
    }

    async fn find_client_by_token(&self, token_hash: &[u8]) -> Result<Option<Client>> {
        let sql = format!("SELECT {CLIENT_COLUMNS} FROM clients WHERE token_hash = $1");
        let row = self
            .db
            .fetch_optional(&sql, args![b64url(token_hash)])
            .await?;
        row.as_ref().map(rows::client).transpose()
    }

    async fn find_client_record(&self, id: &str) -> Result<Option<ClientRecord>> {
        records::client_record(&self.db, id).await
    }

    async fn update_client(&self, client: &Client) -> Result<()> {
        self.db.execute("UPDATE clients SET sign_in_id = $1, sign_up_id = $2, last_active_session_id = $3, updated_at = $4 WHERE id = $5", args![&client.sign_in_id, &client.sign_up_id, &client.last_active_session_id, client.updated_at, &client.id]).await?;
        Ok(())
    }

    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert_user(&mut tx, user).await?;
        Ok(tx.commit().await?)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        let row = self.db.fetch_optional(&select::user(), args![id]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn find_user_by_identifier(&self, identifier: &str) -> Result<Option<User>> {
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1 OR email_address = $1");
        let row = self.db.fetch_optional(&sql, args![identifier]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn list_users(&self, query: Option<&str>, page: Page) -> Result<(Vec<User>, i64)> {
        let pattern = like_prefix(query.unwrap_or(""));
        let filter = "username LIKE $1 ESCAPE '\\' OR email_address LIKE $1 ESCAPE '\\'";
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"
        );
        let found = self
            .db
            .fetch_all(&sql, args![&pattern, page.limit, page.offset])
            .await?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM users WHERE {filter}");
        let total: i64 = self
            .db
            .fetch_one(&count_sql, args![&pattern])
            .await?
            .get("n")?;
        Ok((found.iter().map(rows::user).collect::<Result<_>>()?, total))
    }

    async fn delete_user(&self, id: &str, _now: i64, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "INSERT INTO removed_sessions (id, client_id, expire_at) \
             SELECT id, client_id, expire_at FROM sessions WHERE user_id = $1",
            args![id],
        )
        .await?;
        let deleted = tx
            .execute("DELETE FROM users WHERE id = $1", args![id])
            .await?;
        if deleted > 0 {
            insert_events(&mut tx, std::slice::from_ref(event)).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    async fn insert_passkey(
        &self,
        passkey: &Passkey,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        write_passkey(&mut tx, passkey).await?;
        insert_ceremony(&mut tx, verification, ceremony).await?;
        Ok(tx.commit().await?)
    }

    async fn find_passkey(&self, user_id: &str, id: &str) -> Result<Option<Passkey>> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE id = $1 AND user_id = $2");
        let row = self.db.fetch_optional(&sql, args![id, user_id]).await?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn find_passkey_by_credential_id(&self, credential_id: &[u8]) -> Result<Option<Passkey>> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE credential_id = $1 AND verified = 1"
        );
        let row = self
            .db
            .fetch_optional(&sql, args![b64url(credential_id)])
            .await?;
        row.as_ref().map(rows::passkey).transpose()
    }

    async fn find_passkey_owner(&self, credential_id: &[u8]) -> Result<Option<(Passkey, User)>> {
        records::passkey_owner(&self.db, &b64url(credential_id)).await
    }

    async fn list_passkeys(&self, user_id: &str) -> Result<Vec<Passkey>> {
        let found = self
            .db
            .fetch_all(&select::verified_passkeys(), args![user_id])
            .await?;
        found.iter().map(rows::passkey).collect()
    }

    async fn complete_passkey_registration(
        &self,
        passkey: &Passkey,
        activate: bool,
        event: &AuditEvent,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        write_passkey(&mut tx, passkey).await?;
        mark_verified(&mut tx, &passkey.id).await?;
        if activate {
            tx.execute("UPDATE sessions SET status = 'active', updated_at = $1 WHERE user_id = $2 AND status = 'pending'", args![passkey.updated_at, &passkey.user_id]).await?;
        }
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn rename_passkey(&self, passkey: &Passkey, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        tx.execute(
            "UPDATE passkeys SET name = $1, updated_at = $2 WHERE id = $3",
            args![&passkey.name, passkey.updated_at, &passkey.id],
        )
        .await?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn delete_passkey(&self, user_id: &str, id: &str, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        let deleted = tx
            .execute(
                "DELETE FROM passkeys WHERE id = $1 AND user_id = $2",
                args![id, user_id],
            )
            .await?;
        if deleted > 0 {
            delete_ceremony_rows(&mut tx, id).await?;
            insert_events(&mut tx, std::slice::from_ref(event)).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    async fn upsert_verification(
        &self,
        verification: &Verification,
        ceremony: &CeremonyState,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert_ceremony(&mut tx, verification, ceremony).await?;
        Ok(tx.commit().await?)
    }

    async fn find_verification(&self, owner_id: &str) -> Result<Option<Verification>> {
        let row = self
            .db
            .fetch_optional(&select::verification(), args![owner_id])
            .await?;
        row.as_ref().map(rows::verification).transpose()
    }

    async fn consume_ceremony(&self, owner_id: &str) -> Result<Option<CeremonyState>> {
        let row = self
            .db
            .fetch_optional(
                "DELETE FROM ceremonies WHERE owner_id = $1 RETURNING state, expire_at",
                args![owner_id],
            )
            .await?;
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
        self.db
            .execute(sql, args![status.as_str(), owner_id])
            .await?;
        Ok(())
    }

    async fn insert_sign_in(
        &self,
        client: &RequestClient,
        s: &SignIn,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        attach_attempt(&mut tx, client, "sign_in_id", &s.id, s.updated_at, ceremony).await?;
        tx.execute("INSERT INTO sign_ins (id, client_id, status, identifier, user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", args![&s.id, &s.client_id, s.status.as_str(), &s.identifier, &s.user_id, &s.created_session_id, s.abandon_at, s.created_at, s.updated_at]).await?;
        // A new client has no other sign-in to prune.
        if let RequestClient::Stored(_) = client {
            tx.execute(
                "DELETE FROM sign_ins WHERE client_id = $1 AND status <> 'complete' AND id NOT IN \
                 (SELECT id FROM sign_ins WHERE client_id = $1 AND status <> 'complete' \
                 ORDER BY created_at DESC, id DESC LIMIT $2)",
                args![&s.client_id, MAX_OPEN_SIGN_INS],
            )
            .await?;
        }
        Ok(tx.commit().await?)
    }

    async fn find_sign_in(&self, client_id: &str, id: &str) -> Result<Option<SignIn>> {
        let row = self
            .db
            .fetch_optional(&select::sign_in(), args![id, client_id])
            .await?;
        row.as_ref().map(rows::sign_in).transpose()
    }

    async fn complete_sign_in(&self, c: &SignInCompletion) -> Result<Option<Verification>> {
        let mut tx = self.db.begin().await?;
        // The passkey may have been deleted since it was read: then nothing is signed in.
        // A passkey stored before public keys were converted gets the key converted for
        // this sign-in; a stored key is never replaced.
        let updated = tx.execute("UPDATE passkeys SET credential = $1, backed_up = $2, last_used_at = $3, public_key = COALESCE(public_key, $4) WHERE id = $5 AND verified = 1", args![&c.credential, flag(c.backed_up), c.now, &c.public_key, &c.passkey_id]).await?;
        if updated == 0 {
            return Err(Error::PasskeyNotRegistered);
        }
        let verification = mark_verified(&mut tx, &c.sign_in.id).await?;
        insert_session(&mut tx, &c.session).await?;
        tx.execute("UPDATE sign_ins SET status = $1, user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5", args![c.sign_in.status.as_str(), &c.sign_in.user_id, &c.sign_in.created_session_id, c.now, &c.sign_in.id]).await?;
        tx.execute(
            "UPDATE users SET last_sign_in_at = $1 WHERE id = $2",
            args![c.now, &c.session.user_id],
        )
        .await?;
        set_last_active_session(&mut tx, &c.session, "sign_in_id").await?;
        insert_events(&mut tx, &c.events).await?;
        tx.commit().await?;
        Ok(verification)
    }

    async fn insert_sign_up(
        &self,
        client: &RequestClient,
        s: &SignUp,
        ceremony: Option<(&Verification, &CeremonyState)>,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        attach_attempt(&mut tx, client, "sign_up_id", &s.id, s.updated_at, ceremony).await?;
        tx.execute("INSERT INTO sign_ups (id, client_id, status, username, email_address, first_name, last_name, user_handle, \
             created_user_id, created_session_id, abandon_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)", args![&s.id, &s.client_id, s.status.as_str(), &s.username, &s.email_address, &s.first_name, &s.last_name, s.user_handle.as_deref().map(b64url), &s.created_user_id, &s.created_session_id, s.abandon_at, s.created_at, s.updated_at]).await?;
        Ok(tx.commit().await?)
    }

    async fn find_sign_up(&self, client_id: &str, id: &str) -> Result<Option<SignUp>> {
        let row = self
            .db
            .fetch_optional(&select::sign_up(), args![id, client_id])
            .await?;
        row.as_ref().map(rows::sign_up).transpose()
    }

    async fn complete_sign_up(&self, c: &SignUpCompletion) -> Result<Option<Verification>> {
        let mut tx = self.db.begin().await?;
        insert_user(&mut tx, &c.user).await?;
        let mut verification = None;
        if let Some(passkey) = &c.passkey {
            write_passkey(&mut tx, passkey).await?;
            verification = mark_verified(&mut tx, &c.sign_up.id).await?;
        }
        insert_session(&mut tx, &c.session).await?;
        tx.execute("UPDATE sign_ups SET status = $1, created_user_id = $2, created_session_id = $3, updated_at = $4 WHERE id = $5", args![c.sign_up.status.as_str(), &c.sign_up.created_user_id, &c.sign_up.created_session_id, c.sign_up.updated_at, &c.sign_up.id]).await?;
        set_last_active_session(&mut tx, &c.session, "sign_up_id").await?;
        insert_events(&mut tx, &c.events).await?;
        tx.commit().await?;
        Ok(verification)
    }

    async fn find_session(&self, id: &str) -> Result<Option<Session>> {
        let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1");
        let row = self.db.fetch_optional(&sql, args![id]).await?;
        row.as_ref().map(rows::session).transpose()
    }

    async fn session_was_removed(&self, client_id: &str, id: &str) -> Result<bool> {
        let row = self
            .db
            .fetch_optional(
                "SELECT id FROM removed_sessions WHERE id = $1 AND client_id = $2",
                args![id, client_id],
            )
            .await?;
        Ok(row.is_some())
    }

    async fn list_client_sessions(&self, client_id: &str) -> Result<Vec<Session>> {
        let found = self
            .db
            .fetch_all(&select::live_client_sessions(), args![client_id])
            .await?;
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
        let found = self
            .db
            .fetch_all(&sql, args![user_id, status, page.limit, page.offset])
            .await?;
        let count_sql = format!("SELECT COUNT(*) AS n FROM sessions WHERE {filter}");
        let total: i64 = self
            .db
            .fetch_one(&count_sql, args![user_id, status])
            .await?
            .get("n")?;
        Ok((
            found.iter().map(rows::session).collect::<Result<_>>()?,
            total,
        ))
    }

    async fn update_session(&self, s: &Session, event: Option<&AuditEvent>) -> Result<()> {
        let sql = "UPDATE sessions SET status = $1, last_active_at = $2, abandon_at = $3, updated_at = $4 WHERE id = $5";
        let args = args![
            s.status.as_str(),
            s.last_active_at,
            s.abandon_at,
            s.updated_at,
            &s.id
        ];
        let Some(event) = event else {
            // One statement needs no transaction (token refreshes take this path).
            self.db.execute(sql, args).await?;
            return Ok(());
        };
        let mut tx = self.db.begin().await?;
        tx.execute(sql, args).await?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
    }

    async fn list_signing_keys(&self) -> Result<Vec<SigningKey>> {
        let found = self.db.fetch_all("SELECT kid, private_key, created_at FROM signing_keys ORDER BY created_at DESC, kid DESC", args![]).await?;
        found.iter().map(rows::signing_key).collect()
    }

    async fn insert_signing_key(&self, key: &SigningKey) -> Result<()> {
        self.db
            .execute(
                "INSERT INTO signing_keys (kid, private_key, created_at) VALUES ($1, $2, $3)",
                args![&key.kid, &key.private_key, key.created_at],
            )
            .await?;
        Ok(())
    }

    async fn update_signing_key(&self, key: &SigningKey) -> Result<bool> {
        let done = self
            .db
            .execute(
                "UPDATE signing_keys SET private_key = $1 WHERE kid = $2",
                args![&key.private_key, &key.kid],
            )
            .await?;
        Ok(done > 0)
    }

    async fn prune_signing_keys(&self, keep: i64) -> Result<u64> {
        let done = self
            .db
            .execute(
                "DELETE FROM signing_keys WHERE kid NOT IN \
             (SELECT kid FROM signing_keys ORDER BY created_at DESC, kid DESC LIMIT $1)",
                args![keep.max(1)],
            )
            .await?;
        Ok(done)
    }

    async fn find_setting(&self, key: &str) -> Result<Option<String>> {
        self.db
            .fetch_optional("SELECT value FROM settings WHERE name = $1", args![key])
            .await?
            .map(|row| row.get("value"))
            .transpose()
    }

    async fn insert_setting(&self, key: &str, value: &str) -> Result<bool> {
        let done = self
            .db
            .execute(
                "INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                args![key, value],
            )
            .await?;
        Ok(done > 0)
    }

    async fn insert_audit_event(&self, event: &AuditEvent) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert_events(&mut tx, std::slice::from_ref(event)).await?;
        Ok(tx.commit().await?)
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
        let found = self
            .db
            .fetch_all(&sql, args![user_id, page.limit, page.offset])
            .await?;
        let total: i64 = self
            .db
            .fetch_one(
                "SELECT COUNT(*) AS n FROM audit_events WHERE ($1 IS NULL OR user_id = $1)",
                args![user_id],
            )
            .await?
            .get("n")?;
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
            let done = self
                .db
                .execute(
                    "DELETE FROM audit_events WHERE id IN \
                 (SELECT id FROM audit_events WHERE created_at < $1 LIMIT $2)",
                    args![before, BATCH],
                )
                .await?;
            removed += done;
            if done < BATCH.unsigned_abs() {
                return Ok(removed);
            }
        }
    }

    async fn count_live_sessions(&self, now: i64) -> Result<i64> {
        self.db.fetch_one("SELECT COUNT(*) AS n FROM sessions WHERE status IN ('active', 'pending') AND expire_at > $1 AND abandon_at > $1", args![now]).await?.get("n")
    }

    async fn hit_rate_limits(&self, keys: &[&str], window_start: i64) -> Result<Vec<i64>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        // One statement for every key: one write (one commit to wait for) per request.
        let rows: Vec<String> = (2..keys.len() + 2)
            .map(|n| format!("(${n}, $1, 1)"))
            .collect();
        let sql = format!(
            "INSERT INTO rate_limits (key, window_start, hits) VALUES {} \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1 \
             RETURNING key, hits",
            rows.join(", ")
        );
        let mut args = vec![Value::from(window_start)];
        args.extend(keys.iter().map(|key| Value::from(*key)));
        let counted = self.db.fetch_all(&sql, &args).await?;
        keys.iter()
            .map(|key| {
                let row = counted
                    .iter()
                    .find(|row| row.get::<String>("key").is_ok_and(|k| k == *key))
                    .ok_or_else(|| Error::internal(format!("no count for {key}")))?;
                row.get("hits")
            })
            .collect()
    }

    async fn delete_expired(&self, before: i64) -> Result<u64> {
        let mut removed = 0;
        for sql in [
            "DELETE FROM ceremonies WHERE expire_at < $1",
            "DELETE FROM sign_ins WHERE abandon_at < $1",
            "DELETE FROM sign_ups WHERE abandon_at < $1",
            "DELETE FROM verifications WHERE expire_at < $1 AND owner_id NOT IN (SELECT id FROM passkeys)",
            "DELETE FROM sessions WHERE expire_at < $1",
            "DELETE FROM removed_sessions WHERE expire_at < $1",
            "DELETE FROM rate_limits WHERE window_start < $1",
        ] {
            removed += self.db.execute(sql, args![before]).await?;
        }
        Ok(removed)
    }
}
