//! Operators: inviting one, with a link that registers their passkey for the dashboard.

use axum::Json;
use axum::extract::State;
use latchkey_core::Error;

use super::Administrator;
use crate::http::dashboard::enrolment_link;
use crate::http::dto::{OperatorBody, OperatorEnrolment};
use crate::http::error::ApiError;
use crate::http::extract::Body;
use crate::http::router::paths;
use crate::state::AppState;

/// Invite an operator
///
/// Makes the user an operator (creating them when there is no user with that username)
/// and returns a one-time link, valid for a day, that registers their passkey for the
/// dashboard, as `latchkey admin create` prints it.
#[utoipa::path(
    post,
    path = paths::OPERATORS,
    request_body = OperatorBody,
    security(("secret_key" = [])),
    responses((status = 200, body = OperatorEnrolment))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn create(
    admin: Administrator,
    State(state): State<AppState>,
    Body(body): Body<OperatorBody>,
) -> Result<Json<OperatorEnrolment>, ApiError> {
    let username = body
        .username
        .into_inner()
        .ok_or(Error::FormParamMissing("username"))?;
    let enrolment = state.auth.enrol_operator(&username, &admin.ctx).await?;
    let url = enrolment_link(&state.auth.settings(), &enrolment.token);
    Ok(Json(OperatorEnrolment::new(&enrolment, url)))
}
