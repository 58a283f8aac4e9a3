//! Users: list, create, get, delete, ban and unban, and import or delete one of their
//! passkeys.

use axum::Json;
use axum::extract::{Path, State};
use latchkey_core::auth::SignUpInput;
use latchkey_core::store::UserFilter;

use super::Administrator;
use crate::http::dto::kinds::DeletedKind;
use crate::http::dto::{
    self, CreateUserBody, DeletedObject, ImportPasskeyBody, Page, Passkey, User, UserListQuery,
};
use crate::http::error::ApiError;
use crate::http::extract::{Body, Query};
use crate::http::router::paths;
use crate::state::AppState;

/// List users
#[utoipa::path(
    get,
    path = paths::USERS,
    params(UserListQuery),
    security(("secret_key" = [])),
    responses((status = 200, body = Page<User>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    _: Administrator,
    State(state): State<AppState>,
    Query(q): Query<UserListQuery>,
) -> Result<Json<Page<User>>, ApiError> {
    let page = dto::requests::page(q.limit.as_deref(), q.offset.as_deref())?;
    let filter = UserFilter {
        query: q.query.as_deref().map(str::trim),
        starting_after: q.starting_after.as_deref(),
    };
    let (users, total_count) = state.auth.list_users(filter, page).await?;
    let mut data = Vec::with_capacity(users.len());
    for user in users {
        data.push(User::from(&state.auth.user_view(&user.id).await?));
    }
    Ok(Json(Page { data, total_count }))
}

/// Create a user
#[utoipa::path(
    post,
    path = paths::USERS,
    request_body = CreateUserBody,
    security(("secret_key" = [])),
    responses((status = 200, body = User))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    admin: Administrator,
    State(state): State<AppState>,
    Body(body): Body<CreateUserBody>,
) -> Result<Json<User>, ApiError> {
    let input = SignUpInput {
        strategy: None,
        username: body.username.into_inner(),
        email_address: body.email_address.into_inner(),
        first_name: body.first_name.into_inner(),
        last_name: body.last_name.into_inner(),
    };
    let view = state.auth.create_user(input, &admin.ctx).await?;
    Ok(Json(User::from(&view)))
}

/// Get a user
#[utoipa::path(
    get,
    path = paths::USER,
    params(("id" = String, Path, description = "A user")),
    security(("secret_key" = [])),
    responses((status = 200, body = User))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn get(
    _: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(User::from(&state.auth.user_view(&id).await?)))
}

/// Delete a user, their passkeys and sessions
#[utoipa::path(
    delete,
    path = paths::USER,
    params(("id" = String, Path, description = "A user")),
    security(("secret_key" = [])),
    responses((status = 200, body = DeletedObject))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn delete(
    admin: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<DeletedObject>, ApiError> {
    state.auth.delete_user(&id, &admin.ctx).await?;
    Ok(Json(DeletedObject::new(DeletedKind::User, id)))
}

/// Import a passkey registered with another WebAuthn server for the same RP ID
#[utoipa::path(
    post,
    path = paths::USER_PASSKEYS,
    params(("id" = String, Path, description = "A user")),
    request_body = ImportPasskeyBody,
    security(("secret_key" = [])),
    responses((status = 200, body = Passkey))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn import_passkey(
    admin: Administrator,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
    Body(body): Body<ImportPasskeyBody>,
) -> Result<Json<Passkey>, ApiError> {
    let view = state
        .auth
        .import_passkey(&user_id, &body.into_import(), &admin.ctx)
        .await?;
    Ok(Json(Passkey::from(&view)))
}

/// Delete a user's passkey
#[utoipa::path(
    delete,
    path = paths::USER_PASSKEY,
    params(
        ("id" = String, Path, description = "A user"),
        ("passkey_id" = String, Path, description = "A passkey of the user")
    ),
    security(("secret_key" = [])),
    responses((status = 200, body = DeletedObject))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn delete_passkey(
    admin: Administrator,
    State(state): State<AppState>,
    Path((user_id, passkey_id)): Path<(String, String)>,
) -> Result<Json<DeletedObject>, ApiError> {
    state
        .auth
        .delete_passkey(&user_id, &passkey_id, None, &admin.ctx)
        .await?;
    Ok(Json(DeletedObject::new(DeletedKind::Passkey, passkey_id)))
}

/// Ban a user: their sessions are revoked and they cannot sign in
#[utoipa::path(
    post,
    path = paths::USER_BAN,
    params(("id" = String, Path, description = "A user")),
    security(("secret_key" = [])),
    responses((status = 200, body = User))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn ban(
    admin: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let view = state.auth.set_banned(&id, true, &admin.ctx).await?;
    Ok(Json(User::from(&view)))
}

/// Lift a user's ban
#[utoipa::path(
    post,
    path = paths::USER_UNBAN,
    params(("id" = String, Path, description = "A user")),
    security(("secret_key" = [])),
    responses((status = 200, body = User))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn unban(
    admin: Administrator,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    let view = state.auth.set_banned(&id, false, &admin.ctx).await?;
    Ok(Json(User::from(&view)))
}
