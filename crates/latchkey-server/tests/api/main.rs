//! Integration tests: the real server on port 0, a fresh database per test, driven over
//! HTTP with an independent software authenticator.

mod active_devices;
mod audit_log;
mod backend;
mod ceremonies;
mod contract;
mod dashboard;
mod email;
mod flows;
mod imports;
mod keys;
mod limits;
mod live_settings;
mod openapi;
mod replicas;
mod sessions;
mod wire;

use latchkey_testkit::{Browser, SoftAuthenticator, TestApp};
use serde_json::Value;

/// The id of the user `browser` is signed in as.
pub async fn signed_in_user_id(browser: &Browser) -> String {
    browser.get("/v1/me").await.ok()["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A signed-up user with one passkey on `authenticator`; returns the browser and passkey.
pub async fn user_with_passkey(
    app: &TestApp,
    username: &str,
) -> (Browser, SoftAuthenticator, Value) {
    let browser = app.browser();
    browser.sign_up(username).await.ok();
    let mut authenticator = SoftAuthenticator::new();
    let passkey = browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok()["response"]
        .clone();
    (browser, authenticator, passkey)
}

/// A caller of the Backend API with the instance's secret key.
pub fn secret_key_api(app: &TestApp) -> Browser {
    let mut api = Browser::new(&app.url, None);
    api.bearer = Some(app.secret_key().to_owned());
    api
}

/// Prepares a passkey first factor at `prepare_path` (a sign-in's or a session
/// verification's `prepare_first_factor`); returns the request options it answers with.
pub async fn prepare_passkey(browser: &Browser, prepare_path: &str) -> String {
    browser
        .post(prepare_path, &[("strategy", "passkey")])
        .await
        .ok()["response"]["first_factor_verification"]["nonce"]
        .as_str()
        .expect("request options")
        .to_owned()
}

/// Proves the passkey of `authenticator` again for `session` (a step-up, which must
/// start needing a first factor); returns the attempt's reply.
pub async fn step_up_with_passkey(
    browser: &Browser,
    authenticator: &mut SoftAuthenticator,
    origin: &str,
    session: &str,
) -> latchkey_testkit::Reply {
    let verify = format!("/v1/client/sessions/{session}/verify");
    let started = browser.post(&verify, &[]).await;
    assert_eq!(started.ok()["response"]["status"], "needs_first_factor");
    let options = prepare_passkey(browser, &format!("{verify}/prepare_first_factor")).await;
    let credential = authenticator
        .get(&options, origin, &Default::default())
        .expect("get")
        .to_string();
    browser
        .post(
            &format!("{verify}/attempt_first_factor"),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential),
            ],
        )
        .await
}

/// The number of live sessions the browser's client holds.
pub async fn session_count(browser: &Browser) -> usize {
    browser.get("/v1/client").await.body["client"]["sessions"]
        .as_array()
        .map_or(0, Vec::len)
}

/// The number of rows in `table`, read straight from the database.
pub async fn row_count(database_url: &str, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.expect("connect");
    let count = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&pool)
        .await
        .expect("count");
    pool.close().await;
    count
}
