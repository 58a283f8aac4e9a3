//! Clients: the browsers and apps holding a client token, and everything shown of one.

use super::views::{ClientView, SessionView, UserView};
use super::{Auth, RequestContext, token_hash};
use crate::encoding::b64url;
use crate::error::Result;
use crate::ids::{Kind, new_id, random_bytes};
use crate::model::{Client, RequestClient, SessionStatus};

impl Auth {
    /// The client holding `token`, if any.
    pub async fn find_client(&self, token: &str) -> Result<Option<Client>> {
        self.store.find_client_by_token(&token_hash(token)).await
    }

    /// A new client and its raw token (returned to the caller once, stored hashed by the
    /// request's first write).
    pub fn new_client(&self) -> (RequestClient, String) {
        let now = self.now();
        let token = b64url(&random_bytes(32));
        let client = Client {
            id: new_id(Kind::Client, now),
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            created_at: now,
            updated_at: now,
        };
        let token_hash = token_hash(&token);
        (RequestClient::New { client, token_hash }, token)
    }

    /// Everything shown of a client: its live sessions and its current attempts.
    pub async fn client_view(&self, client_id: &str) -> Result<Option<ClientView>> {
        let Some(record) = self.store.find_client_record(client_id).await? else {
            return Ok(None);
        };
        let now = self.now();
        let sessions = record
            .sessions
            .into_iter()
            .filter(|(session, _, _)| session.status_at(now).is_live())
            .map(|(mut session, user, passkeys)| {
                session.status = session.status_at(now);
                SessionView {
                    session,
                    user: UserView { user, passkeys },
                    token: None,
                }
            })
            .collect();
        let sign_in = match record.sign_in {
            Some((sign_in, verification)) => {
                Some(self.sign_in_view_of(sign_in, verification).await?)
            }
            None => None,
        };
        let sign_up = record
            .sign_up
            .map(|(sign_up, verification)| self.sign_up_view_of(sign_up, verification));
        Ok(Some(ClientView {
            client: record.client,
            sessions,
            sign_in,
            sign_up,
        }))
    }

    /// Signs the client out: ends every session of the client and forgets its attempts.
    pub async fn end_client(&self, client: &Client, ctx: &RequestContext) -> Result<()> {
        let now = self.now();
        for session in self.store.list_client_sessions(&client.id).await? {
            if session.status.is_live() {
                self.close_session(session, SessionStatus::Ended, ctx)
                    .await?;
            }
        }
        let client = Client {
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            updated_at: now,
            ..client.clone()
        };
        self.store.update_client(&client).await
    }
}
