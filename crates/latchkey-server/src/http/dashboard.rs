//! The dashboard's routes, all below `/dashboard` on the dashboard's own client cookie:
//! the Frontend API routes its operators sign in with (no sign-up) and prove their
//! passkey again with before a change, the Backend API they act through, and the use of
//! an operator's enrolment link. Its pages are embedded
//! files (see `assets.rs`).

use axum::extract::State;
use axum::response::Response;
use axum::{Extension, Router};
use latchkey_core::auth::Surface;
use latchkey_core::{Error, Settings};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::dto::{EnrolmentBody, Envelope, Session};
use super::error::ApiError;
use super::extract::{Body, Caller};
use super::frontend::{client, me};
use super::router::{self, paths};
use crate::state::AppState;

/// Every dashboard route, nested below `/dashboard`.
pub fn routes() -> Router<AppState> {
    let (routes, _) = OpenApiRouter::new()
        .routes(routes!(client::environment))
        .routes(routes!(me::get))
        .routes(routes!(enrol))
        .merge(router::signing_in())
        .merge(router::backend())
        .split_for_parts();
    Router::new().nest(
        paths::DASHBOARD,
        routes.layer(Extension(Surface::Dashboard)),
    )
}

/// The page that enrols an operator, below `server.public_url` (its path too, for a
/// server behind a proxy at a path): the token goes in the fragment, which browsers
/// never send to a server or put in a `Referer`.
pub fn enrolment_link(settings: &Settings, token: &str) -> String {
    let base = settings.public_url.as_str().trim_end_matches('/');
    format!("{base}{}/enrol#token={token}", paths::DASHBOARD)
}

/// Use an operator's enrolment link
///
/// Served at `/dashboard/v1/enrolments`. The link's one-time token opens a pending
/// dashboard session whose one task is to register the operator's passkey.
#[utoipa::path(
    post,
    path = paths::ENROLMENTS,
    request_body = EnrolmentBody,
    responses((status = 200, body = Envelope<Session>))
)]
#[tracing::instrument(skip_all, err(level = "warn"))]
pub async fn enrol(
    State(state): State<AppState>,
    mut caller: Caller,
    Body(body): Body<EnrolmentBody>,
) -> Result<Response, ApiError> {
    caller.limit(&state).await?;
    let token = body
        .token
        .into_inner()
        .ok_or(Error::FormParamMissing("token"))?;
    let client = caller.client(&state);
    let answer = state.auth.enrol(&client, &token, &caller.ctx).await?;
    Ok(caller.respond(&state, answer, |view| Session::from(&view)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::settings::Url;

    #[test]
    fn an_enrolment_link_keeps_the_public_urls_path() {
        for (public_url, link) in [
            (
                "http://localhost:8080",
                "http://localhost:8080/dashboard/enrol#token=t",
            ),
            (
                "https://example.com/auth/",
                "https://example.com/auth/dashboard/enrol#token=t",
            ),
            (
                "https://example.com/auth",
                "https://example.com/auth/dashboard/enrol#token=t",
            ),
        ] {
            let settings = Settings::for_url(Url::parse(public_url).expect("url"));
            assert_eq!(enrolment_link(&settings, "t"), link);
        }
    }
}
