//! Clients: the browsers and apps holding a client token, and everything shown of one.

use super::views::{Answer, ClientView, SessionView, SignInView, UserView};
use super::{Auth, RequestContext, token_hash};
use crate::encoding::b64url;
use crate::error::Result;
use crate::ids::{Kind, new_id, random_bytes};
use crate::model::{Client, RequestClient, SessionStatus};

/// Where a client signs in: the application's pages, or the dashboard. Their clients'
/// tokens differ by a prefix, so a token of one is never a client of the other and an end
/// user's session never opens the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    App,
    Dashboard,
}

impl Surface {
    /// The start of this surface's client tokens; `.` never occurs in an application's
    /// (base64url) ones.
    fn token_prefix(self) -> &'static str {
        match self {
            Surface::App => "",
            Surface::Dashboard => "dashboard.",
        }
    }

    /// Whether `token` is one of this surface's.
    fn owns(self, token: &str) -> bool {
        let dashboard = token.starts_with(Surface::Dashboard.token_prefix());
        dashboard == (self == Surface::Dashboard)
    }
}

impl Auth {
    /// An id for the vendor SDK's development browser. Latchkey knows a browser by its
    /// client cookie or client token, so the id names nothing stored.
    pub fn new_dev_browser(&self) -> String {
        new_id(Kind::DevBrowser, self.now())
    }

    /// The client of `surface` holding `token`, if any. A token of the other surface
    /// holds none here.
    pub async fn find_client(&self, surface: Surface, token: &str) -> Result<Option<Client>> {
        if surface.owns(token) {
            self.store.find_client_by_token(&token_hash(token)).await
        } else {
            Ok(None)
        }
    }

    /// A new client of `surface` and its raw token (returned to the caller once, stored
    /// hashed by the request's first write).
    pub fn new_client(&self, surface: Surface) -> (RequestClient, String) {
        let now = self.now();
        let token = format!("{}{}", surface.token_prefix(), b64url(&random_bytes(32)));
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

    /// The caller's client as shown, or none before the caller has one.
    pub async fn show_client(&self, client: Option<&Client>) -> Result<Answer<Option<ClientView>>> {
        let view = match client {
            Some(client) => self.client_view(&client.id).await?,
            None => None,
        };
        Ok(Answer {
            response: view.clone(),
            client: view,
        })
    }

    /// `response` with the view of client `client_id` as the use case left it.
    pub(super) async fn answer<T>(&self, client_id: &str, response: T) -> Result<Answer<T>> {
        Ok(Answer {
            response,
            client: self.client_view(client_id).await?,
        })
    }

    /// [`Auth::answer`] for a sign-in just stored on `request_client`. A client new with
    /// this request holds nothing but that sign-in, so its view is built from what was
    /// written instead of read back.
    pub(super) async fn answer_sign_in(
        &self,
        request_client: &RequestClient,
        view: SignInView,
    ) -> Result<Answer<SignInView>> {
        let RequestClient::New { client, .. } = request_client else {
            return self.answer(&request_client.client().id, view).await;
        };
        let client = Client {
            sign_in_id: Some(view.sign_in.id.clone()),
            updated_at: view.sign_in.updated_at,
            ..client.clone()
        };
        Ok(Answer {
            client: Some(ClientView {
                client,
                sessions: Vec::new(),
                sign_in: Some(view.clone()),
                sign_up: None,
            }),
            response: view,
        })
    }

    /// [`Auth::answer`] for a use case that may have created a session: that session
    /// carries a fresh token as its `last_active_token`, as the vendor's API does, so the
    /// client needs no call of its own to mint one.
    pub(super) async fn answer_signed_in<T>(
        &self,
        client_id: &str,
        response: T,
        created_session_id: Option<String>,
        ctx: &RequestContext,
    ) -> Result<Answer<T>> {
        let mut answer = self.answer(client_id, response).await?;
        if let (Some(view), Some(id)) = (answer.client.as_mut(), created_session_id)
            && let Some(session) = view.sessions.iter_mut().find(|s| s.session.id == id)
        {
            session.token = Some(self.sign_session_token(&session.session, ctx)?);
        }
        Ok(answer)
    }

    /// Everything shown of a client: its live sessions and its current attempts.
    async fn client_view(&self, client_id: &str) -> Result<Option<ClientView>> {
        let Some(record) = self.store.find_client_record(client_id).await? else {
            return Ok(None);
        };
        let now = self.now();
        let sessions = record
            .sessions
            .into_iter()
            .filter(|r| r.session.status_at(now).is_live())
            .map(|r| {
                let mut session = r.session;
                session.status = session.status_at(now);
                SessionView {
                    factor_age_minutes: self.factor_age_minutes(&session),
                    session,
                    user: UserView {
                        user: r.user,
                        passkeys: r.passkeys,
                        email_addresses: r
                            .email_addresses
                            .into_iter()
                            .map(|a| self.current_address(a))
                            .collect(),
                    },
                    token: None,
                }
            })
            .collect();
        let sign_in = match record.sign_in {
            Some(r) => Some(
                self.sign_in_view_of(r.attempt, Some((r.verification, r.email_code)))
                    .await?,
            ),
            None => None,
        };
        let sign_up = match record.sign_up {
            Some(r) => Some(
                self.sign_up_view_of(r.attempt, Some((r.verification, r.email_code)))
                    .await?,
            ),
            None => None,
        };
        Ok(Some(ClientView {
            client: record.client,
            sessions,
            sign_in,
            sign_up,
        }))
    }

    /// Signs the client out: ends every session of the client and forgets its attempts;
    /// answers with the client as it now is.
    pub async fn end_client(
        &self,
        client: &Client,
        ctx: &RequestContext,
    ) -> Result<Answer<Option<ClientView>>> {
        self.close_client_sessions(client, SessionStatus::Ended, ctx)
            .await?;
        let client = Client {
            sign_in_id: None,
            sign_up_id: None,
            last_active_session_id: None,
            updated_at: self.now(),
            ..client.clone()
        };
        self.store.update_client(&client).await?;
        self.show_client(Some(&client)).await
    }

    /// Signs the client out as the vendor's SDK does: every session of the client
    /// becomes `removed`; its attempts stay. Answers with the client as it now is.
    pub async fn remove_client_sessions(
        &self,
        client: &Client,
        ctx: &RequestContext,
    ) -> Result<Answer<Option<ClientView>>> {
        self.close_client_sessions(client, SessionStatus::Removed, ctx)
            .await?;
        let client = Client {
            last_active_session_id: None,
            updated_at: self.now(),
            ..client.clone()
        };
        self.store.update_client(&client).await?;
        self.show_client(Some(&client)).await
    }

    /// Gives every live session of the client the final `status`.
    async fn close_client_sessions(
        &self,
        client: &Client,
        status: SessionStatus,
        ctx: &RequestContext,
    ) -> Result<()> {
        for session in self.store.list_client_sessions(&client.id).await? {
            if session.status.is_live() {
                self.close_session(session, status, ctx).await?;
            }
        }
        Ok(())
    }
}
