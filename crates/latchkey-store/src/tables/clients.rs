//! The `clients` table: a browser or app, found by its token's hash, with its current
//! sign-in and sign-up and its last active session.

use async_trait::async_trait;
use latchkey_core::encoding::b64url;
use latchkey_core::error::Result;
use latchkey_core::model::{Client, RequestClient, Session};
use latchkey_core::store::{ClientRecord, ClientStore};

use crate::db::Tx;
use crate::rows::{self, CLIENT_COLUMNS};
use crate::value::args;
use crate::{SqlStore, records};

/// Makes `session` its client's last active session, clearing `clear` (`sign_in_id` or
/// `sign_up_id`), the attempt that made it.
pub(crate) async fn set_last_active_session(
    tx: &mut Tx,
    session: &Session,
    clear: &str,
) -> Result<()> {
    let sql = format!(
        "UPDATE clients SET last_active_session_id = $1, {clear} = NULL, updated_at = $2 WHERE id = $3"
    );
    tx.write(
        &sql,
        args![&session.id, session.created_at, &session.client_id],
    )
    .await?;
    Ok(())
}

/// Makes an attempt its client's current one (`column` is `sign_in_id` or `sign_up_id`),
/// storing the client with it when it is new. Runs before the attempt's own row is
/// stored, which refers to the client.
pub(crate) async fn attach_attempt(
    tx: &mut Tx,
    client: &RequestClient,
    column: &str,
    id: &str,
    at: i64,
) -> Result<()> {
    match client {
        RequestClient::Stored(client) => {
            let sql = format!("UPDATE clients SET {column} = $1, updated_at = $2 WHERE id = $3");
            tx.write(&sql, args![id, at, &client.id]).await?;
        }
        RequestClient::New { client, token_hash } => {
            let sql = format!(
                "INSERT INTO clients (id, token_hash, {column}, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5)"
            );
            let token_hash = b64url(token_hash);
            let row = args![&client.id, token_hash, id, client.created_at, at];
            tx.write(&sql, row).await?;
        }
    }
    Ok(())
}

#[async_trait]
impl ClientStore for SqlStore {
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
}
