//! `/backend/v1/users`

use axum::Json;
use axum::extract::{Path, State};
use latchkey_core::RequestContext;
use latchkey_core::auth::SignUpInput;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListQuery, Paging, SecretKey};
use crate::http::error::ApiError;
use crate::http::extract::Fields;
use crate::http::resources;
use crate::state::AppState;

/// Query of the user list.
#[derive(Debug, Deserialize)]
pub struct UserQuery {
    query: Option<String>,
    #[serde(flatten)]
    paging: Paging,
}

/// `GET /backend/v1/users`
pub async fn list(
    _: SecretKey,
    State(state): State<AppState>,
    ListQuery(q): ListQuery<UserQuery>,
) -> Result<Json<Value>, ApiError> {
    let (users, total) = state
        .auth
        .list_users(q.query.as_deref().map(str::trim), q.paging.page()?)
        .await?;
    let mut data = Vec::with_capacity(users.len());
    for user in users {
        data.push(resources::user(&state.auth.user_view(&user.id).await?));
    }
    Ok(Json(json!({ "data": data, "total_count": total })))
}

/// `POST /backend/v1/users`
pub async fn create(
    _: SecretKey,
    State(state): State<AppState>,
    fields: Fields,
) -> Result<Json<Value>, ApiError> {
    let input = SignUpInput {
        strategy: None,
        username: fields.text("username"),
        email_address: fields.text("email_address"),
        first_name: fields.text("first_name"),
        last_name: fields.text("last_name"),
    };
    let view = state
        .auth
        .create_user(input, &RequestContext::default())
        .await?;
    Ok(Json(resources::user(&view)))
}

/// `GET /backend/v1/users/{id}`
pub async fn get(
    _: SecretKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(resources::user(&state.auth.user_view(&id).await?)))
}

/// `DELETE /backend/v1/users/{id}`: also ends its sessions and deletes its passkeys.
pub async fn delete(
    _: SecretKey,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    state
        .auth
        .delete_user(&id, &RequestContext::default())
        .await?;
    Ok(Json(resources::deleted("user", &id)))
}

/// `DELETE /backend/v1/users/{id}/passkeys/{passkey_id}`
pub async fn delete_passkey(
    _: SecretKey,
    State(state): State<AppState>,
    Path((user_id, passkey_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    state
        .auth
        .delete_passkey(&user_id, &passkey_id, None, &RequestContext::default())
        .await?;
    Ok(Json(resources::deleted("passkey", &passkey_id)))
}
