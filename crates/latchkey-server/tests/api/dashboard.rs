//! The dashboard's API: operators enrolled by a one-time link, signed in with their
//! passkey on the dashboard's own cookie, acting through the Backend API with audited
//! actions; bans; and everything else refused.

use latchkey_core::RequestContext;
use latchkey_testkit::{Browser, Reply, SoftAuthenticator, TestApp};
use serde_json::Value;

use crate::{secret_key_api, signed_in_user_id, user_with_passkey};

/// A browser on the dashboard's pages: its Frontend API calls go to `/dashboard/v1`, its
/// Backend API calls to `/dashboard/backend/v1`.
fn dashboard(app: &TestApp) -> Browser {
    Browser::new(&format!("{}/dashboard", app.url), Some(app.url.clone()))
}

/// A new enrolment link's token for operator `username`.
async fn enrolment_token(app: &TestApp, username: &str) -> String {
    app.auth
        .enrol_operator(username, &RequestContext::default())
        .await
        .expect("enrolment")
        .token
}

/// An operator enrolled with a passkey on `authenticator`, signed in on the returned
/// dashboard browser.
async fn operator(app: &TestApp, username: &str) -> (Browser, SoftAuthenticator) {
    let browser = dashboard(app);
    let token = enrolment_token(app, username).await;
    browser
        .post("/v1/enrolments", &[("token", &token)])
        .await
        .ok();
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    (browser, authenticator)
}

fn set_cookie(reply: &Reply) -> String {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The client token a response's `Set-Cookie` hands out as cookie `name`.
fn cookie_token(reply: &Reply, name: &str) -> String {
    let header = set_cookie(reply);
    let value = header
        .split(&format!("{name}="))
        .nth(1)
        .unwrap_or_else(|| panic!("no {name} cookie in {header}"));
    value.split(';').next().expect("value").to_owned()
}

/// `GET` on the dashboard with nothing but `cookie`.
async fn with_cookie(app: &TestApp, path: &str, cookie: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/dashboard{path}", app.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

fn events_of_kind<'a>(events: &'a Value, kind: &str) -> Vec<&'a Value> {
    events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

#[tokio::test]
async fn an_enrolment_link_opens_a_session_that_registers_the_operators_passkey_once() {
    let app = TestApp::spawn().await;
    let browser = dashboard(&app);
    let token = enrolment_token(&app, "root").await;
    let enrolled = browser.post("/v1/enrolments", &[("token", &token)]).await;
    let session = &enrolled.ok()["response"];
    assert_eq!(session["status"], "pending");
    assert_eq!(session["tasks"][0]["key"], "setup-passkey");
    assert_eq!(session["user"]["username"], "root");
    assert_eq!(session["user"]["role"], "admin");
    let cookie = set_cookie(&enrolled);
    for attribute in [
        "__latchkey_dashboard=dashboard.",
        "Path=/dashboard",
        "SameSite=Strict",
        "HttpOnly",
        "Max-Age=28800",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("__client="), "{cookie}");
    // Pending, the session cannot act as an operator yet.
    browser
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    let users = browser.get("/backend/v1/users").await;
    assert_eq!(users.ok()["total_count"], 1);
    // The link works once.
    dashboard(&app)
        .post("/v1/enrolments", &[("token", &token)])
        .await
        .assert_error(422, "enrolment_invalid");
    dashboard(&app)
        .post("/v1/enrolments", &[("token", "not-a-token")])
        .await
        .assert_error(422, "enrolment_invalid");
    dashboard(&app)
        .post("/v1/enrolments", &[])
        .await
        .assert_error(422, "form_param_missing");
    let events = browser.get("/backend/v1/audit_events").await;
    assert_eq!(events_of_kind(events.ok(), "operator.enrolled").len(), 1);
    assert_eq!(events_of_kind(events.ok(), "operator.created").len(), 1);
}

#[tokio::test]
async fn an_expired_enrolment_link_is_refused() {
    let app = TestApp::spawn().await;
    let token = enrolment_token(&app, "root").await;
    app.clock.advance_secs(24 * 60 * 60 + 1);
    dashboard(&app)
        .post("/v1/enrolments", &[("token", &token)])
        .await
        .assert_error(422, "enrolment_invalid");
}

#[tokio::test]
async fn an_operator_signs_in_with_their_passkey_and_their_actions_are_audited() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator) = operator(&app, "root").await;
    let (_, _, _) = user_with_passkey(&app, "ada").await;
    let browser = dashboard(&app);
    browser
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    let signed_in = browser.sign_in(&mut authenticator, &app.url).await;
    assert_eq!(signed_in.ok()["response"]["status"], "complete");
    let operator_id = signed_in_user_id(&browser).await;
    let found = browser.get("/backend/v1/users?query=ad").await;
    let ada = found.ok()["data"][0].clone();
    assert_eq!(ada["username"], "ada");
    assert_eq!(ada["role"], "user");
    let ada_id = ada["id"].as_str().expect("id");
    // Found by their id and by their passkey's id too.
    let passkey_id = ada["passkeys"][0]["id"].as_str().expect("passkey");
    for query in [ada_id, passkey_id] {
        let found = browser
            .get(&format!("/backend/v1/users?query={query}"))
            .await;
        assert_eq!(found.ok()["total_count"], 1, "{query}");
        assert_eq!(found.ok()["data"][0]["id"], ada_id, "{query}");
    }
    let everyone = browser.get("/backend/v1/users").await;
    assert_eq!(everyone.ok()["total_count"], 2, "the operator and ada");
    let banned = browser
        .post(&format!("/backend/v1/users/{ada_id}/ban"), &[])
        .await;
    assert_eq!(banned.ok()["banned"], true);
    let events = browser
        .get(&format!("/backend/v1/audit_events?user_id={ada_id}"))
        .await;
    let ban = events_of_kind(events.ok(), "user.banned");
    assert_eq!(ban.len(), 1);
    assert_eq!(ban[0]["actor"], operator_id.as_str());
    // Sign-ups are not served on the dashboard.
    browser
        .post("/v1/client/sign_ups", &[("username", "mallory")])
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn the_dashboard_refuses_end_users_foreign_tokens_and_cross_site_calls() {
    let app = TestApp::spawn().await;
    let (operator_browser, _) = operator(&app, "root").await;
    // Without a cookie.
    dashboard(&app)
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    // An end user signed in on the dashboard is not an operator.
    let (_, mut ada_key, _) = user_with_passkey(&app, "ada").await;
    let ada_dashboard = dashboard(&app);
    ada_dashboard.sign_in(&mut ada_key, &app.url).await.ok();
    ada_dashboard
        .get("/backend/v1/users")
        .await
        .assert_error(403, "operator_required");
    // An application client token in the dashboard's cookie holds no client there, and
    // a dashboard token holds none on the application's API.
    let ada_app = app.browser();
    let started = ada_app
        .post("/v1/client/sign_ins", &[("strategy", "passkey")])
        .await;
    let app_token = cookie_token(&started, "__client");
    ada_app.sign_in(&mut ada_key, &app.url).await.ok();
    let cookie = format!("__latchkey_dashboard={app_token}");
    assert_eq!(with_cookie(&app, "/backend/v1/users", &cookie).await, 401);
    let enrolled = dashboard(&app)
        .post(
            "/v1/enrolments",
            &[("token", &enrolment_token(&app, "root").await)],
        )
        .await;
    let dashboard_token = cookie_token(&enrolled, "__latchkey_dashboard");
    let mut native = Browser::new(&app.url, None);
    native.bearer = Some(dashboard_token.clone());
    native
        .get("/v1/client")
        .await
        .assert_error(401, "authentication_invalid");
    // Client tokens never travel in headers to the dashboard.
    let mut bearer = dashboard(&app);
    bearer.bearer = Some(dashboard_token);
    bearer
        .get("/backend/v1/users")
        .await
        .assert_error(403, "origin_invalid");
    // Changes need this server's Origin; reads refuse another one.
    let ada_id = signed_in_user_id(&ada_app).await;
    let ban = format!("/backend/v1/users/{ada_id}/ban");
    let mut without_origin = operator_browser.clone();
    without_origin.origin = None;
    without_origin
        .post(&ban, &[])
        .await
        .assert_error(403, "origin_invalid");
    let mut foreign = operator_browser.clone();
    foreign.origin = Some("https://evil.example".into());
    foreign
        .post(&ban, &[])
        .await
        .assert_error(403, "origin_invalid");
    foreign
        .get("/backend/v1/users")
        .await
        .assert_error(403, "origin_invalid");
    let ada = operator_browser
        .get(&format!("/backend/v1/users/{ada_id}"))
        .await;
    assert_eq!(
        ada.ok()["banned"],
        false,
        "no refused call changed anything"
    );
    assert_eq!(
        without_origin.get("/backend/v1/users").await.ok()["total_count"],
        2
    );
}

#[tokio::test]
async fn an_operators_dashboard_session_lasts_eight_hours_at_most() {
    let app = TestApp::spawn().await;
    let (browser, _) = operator(&app, "root").await;
    app.clock.advance_secs(8 * 60 * 60 - 60);
    browser.get("/backend/v1/users").await.ok();
    app.clock.advance_secs(120);
    browser
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn a_banned_user_loses_their_sessions_and_cannot_sign_in_until_unbanned() {
    let app = TestApp::spawn().await;
    let api = secret_key_api(&app);
    let (browser, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let me = browser.get("/v1/me").await;
    let id = me.ok()["response"]["id"].as_str().expect("id").to_owned();
    let session = me.ok()["client"]["last_active_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    let banned = api.post(&format!("/backend/v1/users/{id}/ban"), &[]).await;
    assert_eq!(banned.ok()["banned"], true);
    browser
        .post(&format!("/v1/client/sessions/{session}/tokens"), &[])
        .await
        .assert_error(401, "authentication_invalid");
    let sessions = api.get(&format!("/backend/v1/sessions?user_id={id}")).await;
    assert_eq!(sessions.ok()["data"][0]["status"], "revoked");
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(403, "user_banned");
    let unbanned = api
        .post(&format!("/backend/v1/users/{id}/unban"), &[])
        .await;
    assert_eq!(unbanned.ok()["banned"], false);
    let again = app.browser().sign_in(&mut authenticator, &app.url).await;
    assert_eq!(again.ok()["response"]["status"], "complete");
    api.post("/backend/v1/users/user_unknown/ban", &[])
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn an_operator_invites_another_whose_link_enrols_them() {
    let app = TestApp::spawn().await;
    let (root, _) = operator(&app, "root").await;
    let root_id = signed_in_user_id(&root).await;
    let invited = root
        .post("/backend/v1/operators", &[("username", "grace")])
        .await;
    let invitation = invited.ok();
    assert_eq!(invitation["object"], "operator_enrolment");
    assert_eq!(invitation["username"], "grace");
    let url = invitation["url"].as_str().expect("url");
    let prefix = format!("{}/dashboard/enrol#token=", app.url);
    let token = url.strip_prefix(&prefix).expect("an enrolment link");
    let grace = dashboard(&app);
    let enrolled = grace.post("/v1/enrolments", &[("token", token)]).await;
    assert_eq!(enrolled.ok()["response"]["user"]["role"], "admin");
    let grace_id = invitation["user_id"].as_str().expect("id");
    let events = root
        .get(&format!(
            "/backend/v1/audit_events?type=operator.created&user_id={grace_id}"
        ))
        .await;
    assert_eq!(events.ok()["data"][0]["actor"], root_id.as_str());
    root.post("/backend/v1/operators", &[])
        .await
        .assert_error(422, "form_param_missing");
    root.post("/backend/v1/operators", &[("username", "x")])
        .await
        .assert_error(422, "form_param_value_invalid");
}

#[tokio::test]
async fn a_change_ten_minutes_after_the_operator_proved_their_passkey_needs_a_step_up_by_default() {
    let app = TestApp::spawn().await;
    let (browser, mut authenticator) = operator(&app, "root").await;
    let (ada, _, _) = user_with_passkey(&app, "ada").await;
    let ada_id = signed_in_user_id(&ada).await;
    let ban = format!("/backend/v1/users/{ada_id}/ban");
    app.clock.advance_secs(11 * 60);
    // Reads need nothing more; changes need the passkey again.
    browser.get("/backend/v1/users").await.ok();
    browser
        .post(&ban, &[])
        .await
        .assert_error(403, "session_reverification_required");
    let session = browser.get("/v1/client").await.ok()["response"]["last_active_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    let done = crate::step_up_with_passkey(&browser, &mut authenticator, &app.url, &session).await;
    assert_eq!(done.ok()["response"]["status"], "complete");
    assert_eq!(browser.post(&ban, &[]).await.ok()["banned"], true);
}

#[tokio::test]
async fn the_step_up_limit_of_operators_is_the_instances_reverification_limit() {
    let app = TestApp::spawn_with(|c| c.auth.reverification_max_age_secs = 60).await;
    let (browser, _) = operator(&app, "root").await;
    let (ada, _, _) = user_with_passkey(&app, "ada").await;
    let ada_id = signed_in_user_id(&ada).await;
    let ban = format!("/backend/v1/users/{ada_id}/ban");
    app.clock.advance_secs(59);
    assert_eq!(browser.post(&ban, &[]).await.ok()["banned"], true);
    app.clock.advance_secs(2);
    let refused = browser
        .post(&format!("/backend/v1/users/{ada_id}/unban"), &[])
        .await;
    refused.assert_error(403, "session_reverification_required");
    assert_eq!(
        refused.body["errors"][0]["meta"]["reverification"]["after_minutes"],
        1
    );
}
