//! The environment the SDK reads, and the caller's client.

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use crate::http::dto::{Client, ClientQuery, Envelope, Environment};
use crate::http::error::ApiError;
use crate::http::extract::Caller;
use crate::http::router::paths;
use crate::state::AppState;

/// What the SDK needs of the configuration
///
/// Not enveloped.
#[utoipa::path(get, path = paths::ENVIRONMENT, responses((status = 200, body = Environment)))]
pub async fn environment(State(state): State<AppState>) -> Json<Environment> {
    Json(Environment::from(state.auth.settings()))
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
