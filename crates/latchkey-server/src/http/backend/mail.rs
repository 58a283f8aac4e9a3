//! The development outbox: mail kept instead of sent while no SMTP relay is configured,
//! newest first, rendered.

use axum::Json;
use axum::extract::State;
use latchkey_core::Error;
use latchkey_core::model::MailStatus;

use super::Administrator;
use crate::http::dto::dev_mail::{DevMail, MailListQuery};
use crate::http::dto::{self, Page};
use crate::http::error::ApiError;
use crate::http::extract::Query;
use crate::http::router::paths;
use crate::mail::Templates;
use crate::state::AppState;

/// The development outbox, newest first (404 once an SMTP relay is configured)
#[utoipa::path(
    get,
    path = paths::DEV_MAIL,
    params(MailListQuery),
    security(("secret_key" = [])),
    responses((status = 200, body = Page<DevMail>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn list(
    _: Administrator,
    State(state): State<AppState>,
    Query(q): Query<MailListQuery>,
) -> Result<Json<Page<DevMail>>, ApiError> {
    if state.config.email.smtp_host.is_some() {
        return Err(Error::NotFound("mail").into());
    }
    let page = dto::requests::page(q.limit.as_deref(), q.offset.as_deref())?;
    let dir = state.config.email.templates_dir.as_deref();
    let templates = Templates::load(dir.map(std::path::Path::new)).map_err(Error::internal)?;
    let (mail, total_count) = state.auth.list_mail(page).await?;
    let data = mail
        .iter()
        .map(|m| {
            let rendered = (m.status == MailStatus::Logged)
                .then(|| templates.render(m).ok())
                .flatten();
            DevMail::new(m, rendered)
        })
        .collect();
    Ok(Json(Page { data, total_count }))
}
