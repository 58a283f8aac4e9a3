//! `/v1/client/sessions/{id}`: touch, tokens and sign-out.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::extract::Caller;
use crate::http::resources;
use crate::state::AppState;

/// `POST /v1/client/sessions/{id}/touch`
pub async fn touch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let view = state
        .auth
        .touch_session(caller.existing_client()?, &id)
        .await?;
    caller.respond(&state, resources::session(&view)).await
}

/// `POST /v1/client/sessions/{id}/tokens`: a bare `{ object: "token", jwt }`.
pub async fn tokens(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let client = caller.existing_client()?;
    let jwt = state.auth.session_token(client, &id, &caller.ctx).await?;
    Ok(Json(resources::token(&jwt)).into_response())
}

/// `POST /v1/client/sessions/{id}/end`
pub async fn end(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let view = state
        .auth
        .end_session(caller.existing_client()?, &id, &caller.ctx)
        .await?;
    caller.respond(&state, resources::session(&view)).await
}
