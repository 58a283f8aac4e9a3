//! The `users` table.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{AuditEvent, EmailAddress, Role, User};
use latchkey_core::store::{Page, UserFilter, UserStore};

use crate::SqlStore;
use crate::db::{Db, Tx};
use crate::rows::{self, USER_COLUMNS};
use crate::value::{Value, args, unique};

use super::{audit_events, email_addresses, sessions};

/// Stores a new user with its primary address (verified at `email_verified_at`, if it
/// was proved); a taken username or email address is `IdentifierExists`.
pub(crate) async fn insert(tx: &mut Tx, u: &User, email_verified_at: Option<i64>) -> Result<()> {
    tx.execute("INSERT INTO users (id, user_handle, username, email_id, email_address, first_name, last_name, \
         last_sign_in_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", args![&u.id, b64url(&u.user_handle), &u.username, u.email.as_ref().map(|e| e.id.clone()), u.email.as_ref().map(|e| e.email_address.clone()), &u.first_name, &u.last_name, u.last_sign_in_at, u.created_at, u.updated_at]).await
    .map_err(unique(Error::IdentifierExists(if u.username.is_some() { "username" } else { "email_address" })))?;
    if let Some(email) = &u.email {
        let address = EmailAddress {
            id: email.id.clone(),
            user_id: u.id.clone(),
            email_address: email.email_address.clone(),
            verified_at: email_verified_at,
            code: None,
            created_at: u.created_at,
            updated_at: u.created_at,
        };
        email_addresses::insert(tx, &address).await?;
    }
    Ok(())
}

/// Makes `address` its user's primary one.
pub(crate) async fn set_primary_email(tx: &mut Tx, address: &EmailAddress, at: i64) -> Result<()> {
    tx.execute(
        "UPDATE users SET email_id = $1, email_address = $2, updated_at = $3 WHERE id = $4",
        args![&address.id, &address.email_address, at, &address.user_id],
    )
    .await?;
    Ok(())
}

/// Records that the user signed in at `at`.
pub(crate) async fn record_sign_in(tx: &mut Tx, user_id: &str, at: i64) -> Result<()> {
    tx.write(
        "UPDATE users SET last_sign_in_at = $1 WHERE id = $2",
        args![at, user_id],
    )
    .await?;
    Ok(())
}

/// The order of every list of users, newest first, which the index `users_newest` keeps.
const NEWEST_FIRST: &str = "ORDER BY created_at DESC, id DESC";

/// The least string greater than every string that starts with `prefix` (in code point
/// order, which is UTF-8's byte order); `None` when there is none (a prefix of U+10FFFF
/// only, a noncharacter in no username or address).
fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// A list of users as SQL: the filter of the users it shows and its arguments, which the
/// page and the count share.
struct UserList {
    filter: String,
    args: Vec<Value<'static>>,
}

impl UserList {
    /// The users `query` matches (everyone without one). Usernames and addresses are
    /// compared in byte order (collation `"C"` on PostgreSQL, whatever the database's
    /// own, SQLite's default `BINARY`), so that a prefix is a range of their indexes.
    fn new(db: &Db, query: Option<&str>) -> Self {
        let Some(query) = query.filter(|q| !q.is_empty()) else {
            return UserList {
                filter: "1 = 1".into(),
                args: Vec::new(),
            };
        };
        let bytes = match db {
            Db::Sqlite(_) => "BINARY",
            Db::Postgres(_) => "\"C\"",
        };
        let start = query.to_lowercase();
        let end = prefix_end(&start).unwrap_or_else(|| start.clone());
        UserList {
            filter: format!(
                "(username COLLATE {bytes} >= $1 AND username COLLATE {bytes} < $2 \
                 OR email_address COLLATE {bytes} >= $1 AND email_address COLLATE {bytes} < $2 \
                 OR id = $3 OR id = (SELECT user_id FROM passkeys WHERE id = $3))"
            ),
            args: vec![start.into(), end.into(), query.to_owned().into()],
        }
    }

    /// The statement of a page after the user created at `created_at` with id `id`, and
    /// its arguments.
    fn page(&self, after: (i64, String), page: Page) -> (String, Vec<Value<'static>>) {
        let n = self.args.len();
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {} AND (created_at, id) < (${}, ${}) \
             {NEWEST_FIRST} LIMIT ${} OFFSET ${}",
            self.filter,
            n + 1,
            n + 2,
            n + 3,
            n + 4
        );
        let mut args = self.args.clone();
        args.extend([
            after.0.into(),
            after.1.into(),
            page.limit.into(),
            page.offset.into(),
        ]);
        (sql, args)
    }

    /// The statement counting the users the filter admits.
    fn count(&self) -> String {
        format!("SELECT COUNT(*) AS n FROM users WHERE {}", self.filter)
    }
}

impl SqlStore {
    /// Where a page of users starts: after the user `starting_after` (its creation time
    /// and id), else from the newest.
    async fn users_after(&self, starting_after: Option<&str>) -> Result<(i64, String)> {
        let Some(id) = starting_after else {
            return Ok((i64::MAX, String::new()));
        };
        let row = self
            .db
            .fetch_optional("SELECT created_at FROM users WHERE id = $1", args![id])
            .await?
            .ok_or_else(|| Error::FormParamValueInvalid {
                param: "starting_after",
                reason: format!("{id} is no user's id"),
            })?;
        Ok((row.get("created_at")?, id.to_owned()))
    }

    /// The database's plan for the page of users `filter` and `page` ask for, one line per
    /// step, so that a test can hold every list of users to its indexes.
    pub async fn user_list_plan(&self, filter: UserFilter<'_>, page: Page) -> Result<Vec<String>> {
        let list = UserList::new(&self.db, filter.query);
        let (sql, args) = list.page(self.users_after(filter.starting_after).await?, page);
        let (explain, column) = match self.db {
            Db::Sqlite(_) => ("EXPLAIN QUERY PLAN", "detail"),
            Db::Postgres(_) => ("EXPLAIN", "QUERY PLAN"),
        };
        let rows = self
            .db
            .fetch_all(&format!("{explain} {sql}"), &args)
            .await?;
        rows.iter().map(|row| row.get(column)).collect()
    }
}

#[async_trait]
impl UserStore for SqlStore {
    async fn insert_user(&self, user: &User) -> Result<()> {
        let mut tx = self.db.begin().await?;
        insert(&mut tx, user, None).await?;
        Ok(tx.commit().await?)
    }

    async fn find_user(&self, id: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = self.db.fetch_optional(&sql, args![id]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn find_user_by_identifier(&self, identifier: &str) -> Result<Option<User>> {
        // One lookup on each unique index, the username's first: an `OR` of the two let
        // PostgreSQL plan a scan of every user when it took the table for small.
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1 \
             UNION ALL SELECT {USER_COLUMNS} FROM users WHERE email_address = $1"
        );
        let row = self.db.fetch_optional(&sql, args![identifier]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn list_users(&self, filter: UserFilter<'_>, page: Page) -> Result<(Vec<User>, i64)> {
        let list = UserList::new(&self.db, filter.query);
        let (select, args) = list.page(self.users_after(filter.starting_after).await?, page);
        let found = self.db.fetch_all(&select, &args).await?;
        let total: i64 = self
            .db
            .fetch_one(&list.count(), &list.args)
            .await?
            .get("n")?;
        Ok((found.iter().map(rows::user).collect::<Result<_>>()?, total))
    }

    async fn delete_user(&self, id: &str, _now: i64, event: &AuditEvent) -> Result<bool> {
        let mut tx = self.db.begin().await?;
        sessions::remember_removed(&mut tx, id).await?;
        let deleted = tx
            .execute("DELETE FROM users WHERE id = $1", args![id])
            .await?;
        if deleted > 0 {
            audit_events::insert_one(&mut tx, event).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    async fn set_user_role(
        &self,
        id: &str,
        role: Role,
        now: i64,
        event: &AuditEvent,
    ) -> Result<bool> {
        let sql = "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3";
        let change = UserChange {
            id,
            now,
            revoke_sessions: false,
        };
        update_user(self, change, sql, args![role.as_str(), now, id], event).await
    }

    async fn set_user_ban(
        &self,
        id: &str,
        banned_at: Option<i64>,
        now: i64,
        event: &AuditEvent,
    ) -> Result<bool> {
        let sql = "UPDATE users SET banned_at = $1, updated_at = $2 WHERE id = $3";
        let change = UserChange {
            id,
            now,
            revoke_sessions: banned_at.is_some(),
        };
        update_user(self, change, sql, args![banned_at, now, id], event).await
    }
}

/// Which user an update changes, when, and whether it revokes their live sessions.
struct UserChange<'a> {
    id: &'a str,
    now: i64,
    revoke_sessions: bool,
}

/// Runs `sql`, an update of the user `change.id`, with its audit event when the user
/// exists; returns whether they do.
async fn update_user(
    store: &SqlStore,
    change: UserChange<'_>,
    sql: &str,
    args: &[Value<'_>],
    event: &AuditEvent,
) -> Result<bool> {
    let mut tx = store.db.begin().await?;
    let updated = tx.execute(sql, args).await?;
    if updated > 0 {
        if change.revoke_sessions {
            sessions::revoke_live(&mut tx, change.id, change.now).await?;
        }
        audit_events::insert_one(&mut tx, event).await?;
    }
    tx.commit().await?;
    Ok(updated > 0)
}
