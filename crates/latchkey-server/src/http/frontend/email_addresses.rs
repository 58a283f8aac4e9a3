//! The signed-in user's email addresses.

use axum::extract::{Path, State};
use axum::response::Response;

use super::me::current;
use crate::http::dto::kinds::DeletedKind;
use crate::http::dto::{
    AttemptBody, DeletedObject, EmailAddress, EmailAddressBody, Envelope, PrepareBody, SessionQuery,
};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Caller};
use crate::http::router::paths;
use crate::state::AppState;

/// The user's email addresses
#[utoipa::path(
    get,
    path = paths::MY_EMAIL_ADDRESSES,
    params(SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<Vec<EmailAddress>>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state.auth.my_email_addresses(&session).await?;
    Ok(caller.respond(&state, answer, |addresses| {
        addresses.iter().map(EmailAddress::from).collect::<Vec<_>>()
    }))
}

/// Add an email address (unverified until its code is entered)
#[utoipa::path(
    post,
    path = paths::MY_EMAIL_ADDRESSES,
    params(SessionQuery),
    request_body = EmailAddressBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<EmailAddress>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Body(body): Body<EmailAddressBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    caller.limit(&state).await?;
    let answer = state
        .auth
        .add_email_address(&session, body.email_address.as_deref(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |address| EmailAddress::from(&address)))
}

/// One of the user's email addresses
#[utoipa::path(
    get,
    path = paths::MY_EMAIL_ADDRESS,
    params(("id" = String, Path, description = "An email address of the user"), SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<EmailAddress>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state.auth.my_email_address(&session, &id).await?;
    Ok(caller.respond(&state, answer, |address| EmailAddress::from(&address)))
}

/// Remove an email address
#[utoipa::path(
    delete,
    path = paths::MY_EMAIL_ADDRESS,
    params(("id" = String, Path, description = "An email address of the user"), SessionQuery),
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<DeletedObject>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .delete_email_address(&session, &id, &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |()| {
        DeletedObject::new(DeletedKind::EmailAddress, id)
    }))
}

/// Mail a code that proves the address
#[utoipa::path(
    post,
    path = paths::MY_EMAIL_ADDRESS_PREPARE,
    params(("id" = String, Path, description = "An email address of the user"), SessionQuery),
    request_body = PrepareBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<EmailAddress>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn prepare_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<PrepareBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .prepare_email_address_verification(&session, &id, body.strategy.as_deref(), &caller.ctx)
        .await?;
    Ok(caller.respond(&state, answer, |address| EmailAddress::from(&address)))
}

/// Prove the address with the mailed code
#[utoipa::path(
    post,
    path = paths::MY_EMAIL_ADDRESS_ATTEMPT,
    params(("id" = String, Path, description = "An email address of the user"), SessionQuery),
    request_body = AttemptBody,
    security(("client_cookie" = []), ("client_token" = [])),
    responses((status = 200, body = Envelope<EmailAddress>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn attempt_verification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
    Body(body): Body<AttemptBody>,
) -> Result<Response, ApiError> {
    let session = current(&state, &caller).await?;
    let answer = state
        .auth
        .attempt_email_address_verification(
            &session,
            &id,
            body.strategy.as_deref(),
            body.code.as_deref(),
            &caller.ctx,
        )
        .await?;
    Ok(caller.respond(&state, answer, |address| EmailAddress::from(&address)))
}
