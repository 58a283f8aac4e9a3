//! The Backend API: secret-key authentication, users, sessions, JWKS and audit events.

use latchkey_testkit::{Browser, Reply, TestApp};
use serde_json::json;

use crate::user_with_passkey;

/// A caller of the Backend API with the given key.
fn backend(app: &TestApp, key: &str) -> Browser {
    let mut b = Browser::new(&app.url, None);
    b.bearer = Some(key.to_owned());
    b
}

async fn get(app: &TestApp, path: &str) -> Reply {
    backend(app, app.secret_key())
        .get(&format!("/backend/v1{path}"))
        .await
}

#[tokio::test]
async fn wrong_or_missing_secret_key_is_refused() {
    let app = TestApp::spawn().await;
    backend(&app, "sk_wrong_key_0123456789")
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    Browser::new(&app.url, None)
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    assert_eq!(get(&app, "/users").await.ok()["total_count"], 0);
}

#[tokio::test]
async fn users_can_be_created_listed_found_and_deleted() {
    let app = TestApp::spawn().await;
    let api = backend(&app, app.secret_key());
    let created = api
        .post_json(
            "/backend/v1/users",
            &json!({ "username": "ada", "email_address": "ada@example.com", "first_name": "Ada" }),
        )
        .await;
    let user = created.ok().clone();
    assert_eq!(user["object"], "user");
    assert_eq!(user["username"], "ada");
    api.post_json("/backend/v1/users", &json!({ "username": "ada" }))
        .await
        .assert_error(422, "form_identifier_exists");
    api.post_json("/backend/v1/users", &json!({ "username": "adam" }))
        .await
        .ok();
    api.post_json("/backend/v1/users", &json!({ "username": "bob" }))
        .await
        .ok();
    let listed = get(&app, "/users?query=ad&limit=1").await;
    assert_eq!(listed.ok()["total_count"], 2);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        get(&app, "/users?query=ada@").await.ok()["data"][0]["username"],
        "ada"
    );
    get(&app, "/users?limit=501")
        .await
        .assert_error(422, "form_param_value_invalid");
    let id = user["id"].as_str().unwrap_or("");
    assert_eq!(
        get(&app, &format!("/users/{id}")).await.ok()["email_addresses"][0]["email_address"],
        "ada@example.com"
    );
    let deleted = api
        .send(
            "DELETE",
            &format!("/backend/v1/users/{id}"),
            None,
            Vec::new(),
        )
        .await;
    assert_eq!(
        deleted.ok().clone(),
        json!({ "object": "user", "id": id, "deleted": true })
    );
    get(&app, &format!("/users/{id}"))
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn deleting_a_user_ends_sessions_and_deletes_passkeys() {
    let app = TestApp::spawn().await;
    let (browser, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let me = browser.get("/v1/me").await;
    let id = me.ok()["response"]["id"].as_str().unwrap_or("").to_owned();
    backend(&app, app.secret_key())
        .send(
            "DELETE",
            &format!("/backend/v1/users/{id}"),
            None,
            Vec::new(),
        )
        .await
        .ok();
    browser
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(404, "passkey_not_registered");
}

#[tokio::test]
async fn a_users_passkey_can_be_deleted() {
    let app = TestApp::spawn().await;
    let (browser, _, passkey) = user_with_passkey(&app, "ada").await;
    let user_id = browser.get("/v1/me").await.body["response"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let pk = passkey["id"].as_str().unwrap_or("");
    let api = backend(&app, app.secret_key());
    let path = format!("/backend/v1/users/{user_id}/passkeys/{pk}");
    assert_eq!(
        api.send("DELETE", &path, None, Vec::new()).await.ok()["deleted"],
        true
    );
    api.send("DELETE", &path, None, Vec::new())
        .await
        .assert_error(404, "resource_not_found");
    assert_eq!(
        browser.get("/v1/me").await.body["response"]["passkeys"],
        json!([])
    );
}

#[tokio::test]
async fn sessions_can_be_listed_and_revoked() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let sign_up = browser.sign_up("ada").await;
    let session = sign_up.ok()["response"]["created_session_id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let user_id = sign_up.body["response"]["created_user_id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let listed = get(&app, &format!("/sessions?user_id={user_id}&status=active")).await;
    assert_eq!(listed.ok()["total_count"], 1);
    assert_eq!(listed.body["data"][0]["id"], session.as_str());
    get(&app, "/sessions?status=sleeping")
        .await
        .assert_error(422, "form_param_value_invalid");
    let revoked = backend(&app, app.secret_key())
        .post(&format!("/backend/v1/sessions/{session}/revoke"), &[])
        .await;
    assert_eq!(revoked.ok()["status"], "revoked");
    assert_eq!(
        get(&app, &format!("/sessions/{session}")).await.ok()["status"],
        "revoked"
    );
    browser
        .post(&format!("/v1/client/sessions/{session}/tokens"), &[])
        .await
        .assert_error(401, "authentication_invalid");
    get(&app, "/sessions/sess_nope")
        .await
        .assert_error(404, "resource_not_found");
    assert_eq!(get(&app, "/jwks").await.ok()["keys"][0]["alg"], "ES256");
}

#[tokio::test]
async fn audit_events_record_successes_and_failures() {
    let app = TestApp::spawn().await;
    let (browser, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    let user_id = browser.get("/v1/me").await.body["response"]["id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .ok();
    authenticator.user_verified = false;
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let pk = passkey["id"].as_str().unwrap_or("");
    app.clock.advance_secs(1);
    browser
        .post(
            &format!("/v1/me/passkeys/{pk}?_method=PATCH"),
            &[("name", "Laptop")],
        )
        .await
        .ok();
    let events = get(&app, &format!("/audit_events?user_id={user_id}&limit=50")).await;
    let types: Vec<&str> = events.ok()["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    for expected in [
        "user.created",
        "passkey.created",
        "passkey.used",
        "sign_in.succeeded",
        "passkey.renamed",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
    let all = get(&app, "/audit_events?limit=100").await;
    let failed = all.ok()["data"]
        .as_array()
        .and_then(|d| d.iter().find(|e| e["type"] == "sign_in.failed").cloned())
        .expect("failure recorded");
    assert_eq!(
        failed["data"]["code"],
        "passkey_invalid_public_key_credential"
    );
    assert_eq!(failed["ip"], "127.0.0.1");
    assert!(
        failed["user_agent"]
            .as_str()
            .unwrap_or("")
            .contains("Chrome")
    );
    assert_eq!(types.first(), Some(&"passkey.renamed"), "newest first");
}

#[tokio::test]
async fn a_list_query_parameter_given_twice_counts_once_with_its_first_value() {
    let app = TestApp::spawn().await;
    let api = backend(&app, app.secret_key());
    for name in ["ada", "adam", "bob"] {
        api.post_json("/backend/v1/users", &json!({ "username": name }))
            .await
            .ok();
    }
    let listed = get(
        &app,
        "/users?query=ad&query=bob&limit=1&limit=x&offset=1&offset=1",
    )
    .await;
    assert_eq!(listed.ok()["total_count"], 2);
    assert_eq!(listed.body["data"].as_array().map(Vec::len), Some(1));
    for path in ["/sessions", "/audit_events"] {
        let page = get(
            &app,
            &format!("{path}?offset=0&offset=0&user_id=a&user_id=b"),
        )
        .await;
        assert_eq!(page.ok()["total_count"], 0, "{path}");
    }
    get(&app, "/users?limit=x&limit=1")
        .await
        .assert_error(422, "form_param_value_invalid");
}
