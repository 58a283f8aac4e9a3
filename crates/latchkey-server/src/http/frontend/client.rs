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
    let client = match &caller.client {
        Some(client) => state.auth.client_view(&client.id).await?,
        None => None,
    };
    caller
        .respond(&state, client.as_ref().map(Client::from))
        .await
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
    let client = caller.existing_client()?;
    state.auth.end_client(client, &caller.ctx).await?;
    let view = state.auth.client_view(&client.id).await?;
    caller
        .respond(&state, view.as_ref().map(Client::from))
        .await
}
