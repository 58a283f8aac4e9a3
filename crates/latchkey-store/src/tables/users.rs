//! The `users` table.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{AuditEvent, EmailAddress, Role, User};
use latchkey_core::store::{Page, UserStore};

use crate::SqlStore;
use crate::db::Tx;
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
    tx.execute(
        "UPDATE users SET last_sign_in_at = $1 WHERE id = $2",
        args![at, user_id],
    )
    .await?;
    Ok(())
}

/// A `LIKE` pattern matching what starts with `query`, lower-cased, its wildcards
/// escaped with `\`.
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
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users WHERE username = $1 OR email_address = $1");
        let row = self.db.fetch_optional(&sql, args![identifier]).await?;
        row.as_ref().map(rows::user).transpose()
    }

    async fn list_users(&self, query: Option<&str>, page: Page) -> Result<(Vec<User>, i64)> {
        let pattern = like_prefix(query.unwrap_or(""));
        let exact = query.unwrap_or("").trim();
        // No query lists everyone, those with neither a username nor an address too.
        let filter = "$2 = '' OR username LIKE $1 ESCAPE '\\' OR email_address LIKE $1 ESCAPE '\\' \
             OR id = $2 OR id IN (SELECT user_id FROM passkeys WHERE id = $2)";
        let select = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE {filter} ORDER BY created_at DESC, id LIMIT $3 OFFSET $4"
        );
        let count = format!("SELECT COUNT(*) AS n FROM users WHERE {filter}");
        let filter_args = args![&pattern, exact];
        super::page(&self.db, &select, &count, filter_args, page, rows::user).await
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
