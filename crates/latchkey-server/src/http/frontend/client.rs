//! The environment the SDK reads, and the caller's client.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use crate::http::dto::{Client, ClientQuery, DevBrowser, Envelope, Environment};
use crate::http::error::ApiError;
use crate::http::extract::Caller;
use crate::http::router::paths;
use crate::state::AppState;

/// What the SDK needs of the configuration
///
/// Not enveloped.
#[utoipa::path(get, path = paths::ENVIRONMENT, responses((status = 200, body = Environment)))]
pub async fn environment(State(state): State<AppState>) -> Json<Environment> {
    Json(Environment::from(&*state.auth.settings()))
}

/// The environment, as `GET` answers it
///
/// The vendor's SDK sends this when loaded with a development key (`pk_test_`). Not
/// enveloped.
#[utoipa::path(patch, path = paths::ENVIRONMENT, responses((status = 200, body = Environment)))]
pub async fn touch_environment(state: State<AppState>) -> Json<Environment> {
    environment(state).await
}

/// A development browser for the vendor's SDK
///
/// The vendor's SDK asks for one when its publishable key is a development key
/// (`pk_test_`). Not enveloped.
#[utoipa::path(post, path = paths::DEV_BROWSER, responses((status = 200, body = DevBrowser)))]
pub async fn dev_browser(State(state): State<AppState>) -> Json<DevBrowser> {
    Json(DevBrowser::new(state.auth.new_dev_browser()))
}

/// The caller's client, or null
///
/// Null before the caller has a client.
#[utoipa::path(
    get,
    path = paths::CLIENT,
    params(ClientQuery),
    security(("client_cookie" = []), ("client_token" = []), ()),
    responses((status = 200, body = Envelope<Option<Client>>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let answer = state.auth.show_client(caller.client.as_ref()).await?;
    Ok(caller.respond(&state, answer, |view| view.as_ref().map(Client::from)))
}

/// End every session of the client
#[utoipa::path(
    delete,
    path = paths::CLIENT,
    params(ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Option<Client>>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn delete(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let answer = state
        .auth
        .end_client(caller.existing_client()?, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| view.as_ref().map(Client::from)))
}

/// Remove every session of the client (the vendor's sign-out)
///
/// The sessions become `removed`; the client and its attempts stay.
#[utoipa::path(
    delete,
    path = paths::CLIENT_SESSIONS,
    params(ClientQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Option<Client>>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn remove_sessions(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let answer = state
        .auth
        .remove_client_sessions(caller.existing_client()?, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |view| view.as_ref().map(Client::from)))
}
