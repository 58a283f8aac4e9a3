//! Live settings: changed through the Backend API (and so the dashboard) while the
//! instance runs, audited, refused when pinned or invalid, and applied by every replica.

use latchkey_testkit::{Browser, SoftAuthenticator, TestApp};
use serde_json::{Value, json};
use std::time::Duration;

use crate::{row_count, secret_key_api, user_with_passkey};

/// The value of live setting `name` in a `live_settings` answer.
fn value<'a>(settings: &'a Value, name: &str) -> &'a Value {
    let found = settings["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .find(|s| s["name"] == name);
    &found.unwrap_or_else(|| panic!("{name} in {settings}"))["value"]
}

async fn change(app: &TestApp, changes: Value) -> latchkey_testkit::Reply {
    secret_key_api(app)
        .send(
            "PATCH",
            "/backend/v1/live_settings",
            Some("application/json"),
            changes.to_string().into_bytes(),
        )
        .await
}

#[tokio::test]
async fn a_changed_setting_applies_at_once_and_is_audited_with_before_and_after() {
    let app = TestApp::spawn().await;
    let shown = secret_key_api(&app).get("/backend/v1/live_settings").await;
    assert_eq!(shown.ok()["object"], "live_settings");
    assert_eq!(value(shown.ok(), "auth.sign_up_with_username"), true);
    assert_eq!(value(shown.ok(), "webauthn.max_passkeys_per_user"), 10);
    assert_eq!(value(shown.ok(), "webauthn.user_verification"), "required");
    let changed = change(
        &app,
        json!({ "auth.sign_up_with_username": false, "webauthn.max_passkeys_per_user": "1" }),
    )
    .await;
    assert_eq!(value(changed.ok(), "auth.sign_up_with_username"), false);
    assert_eq!(value(changed.ok(), "webauthn.max_passkeys_per_user"), 1);
    app.browser()
        .sign_up("ada")
        .await
        .assert_error(422, "strategy_not_enabled");
    // A passkey-first sign-up still works, up to the new limit of one passkey.
    change(&app, json!({ "auth.sign_up_with_username": "true" }))
        .await
        .ok();
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "passkey_quota_exceeded");
    let mut second = SoftAuthenticator::new();
    change(&app, json!({ "webauthn.max_passkeys_per_user": 2 }))
        .await
        .ok();
    browser.register_passkey(&mut second, &app.url).await.ok();
    let events = secret_key_api(&app).get("/backend/v1/audit_events").await;
    let changes: Vec<&Value> = events.ok()["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["type"] == "instance.settings_changed")
        .collect();
    assert_eq!(changes.len(), 3);
    let first = changes.last().expect("the first change");
    let data: Value = match &first["data"] {
        Value::String(text) => serde_json::from_str(text).expect("json"),
        other => other.clone(),
    };
    assert_eq!(
        data["changes"]["webauthn.max_passkeys_per_user"],
        json!({ "before": "10", "after": "1" })
    );
    // The environment the SDKs read follows.
    change(&app, json!({ "auth.passkey": false })).await.ok();
    let environment = app.browser().get("/v1/environment").await;
    assert_eq!(
        environment.ok()["user_settings"]["attributes"]["passkey"]["enabled"],
        false
    );
    // Set back to the configuration's values, the settings follow the configuration
    // again: nothing of them stays stored.
    let stored = "settings WHERE name LIKE 'live.%'";
    assert_eq!(row_count(&app.config.database.url, stored).await, 2);
    change(
        &app,
        json!({ "auth.passkey": true, "webauthn.max_passkeys_per_user": 10 }),
    )
    .await
    .ok();
    assert_eq!(row_count(&app.config.database.url, stored).await, 0);
}

#[tokio::test]
async fn pinned_unknown_and_invalid_settings_are_refused_and_change_nothing() {
    let app = TestApp::spawn_with(|c| {
        c.live_settings.pinned = vec![
            "auth.passkey".into(),
            "webauthn.attestation".into(),
            "rate_limit.per_client_per_minute".into(),
            "email.sends_per_minute".into(),
            "audit.retention_days".into(),
            "webauthn.origins".into(),
        ];
    })
    .await;
    let shown = secret_key_api(&app).get("/backend/v1/live_settings").await;
    let pinned: Vec<&str> = shown.ok()["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .filter(|s| s["pinned"] == true)
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(
        pinned,
        [
            "auth.passkey",
            "webauthn.attestation",
            "rate_limit.per_client_per_minute",
            "email.sends_per_minute",
            "audit.retention_days",
            "webauthn.origins",
        ]
    );
    for name in pinned {
        let refused = change(&app, json!({ name: value(shown.ok(), name) })).await;
        refused.assert_error(422, "setting_pinned");
        assert_eq!(refused.param(), name);
    }
    let pinned_change = change(
        &app,
        json!({ "auth.passkey": false, "sessions.token_ttl_secs": 30 }),
    )
    .await;
    pinned_change.assert_error(422, "setting_pinned");
    assert_eq!(pinned_change.param(), "auth.passkey");
    for bad in [
        json!({ "webauthn.max_passkeys_per_user": 0 }),
        json!({ "webauthn.max_passkeys_per_user": "many" }),
        json!({ "webauthn.user_verification": "discouraged" }),
        json!({ "sessions.lifetime_secs": 5 }),
        json!({ "sessions.token_ttl_secs": 30, "sessions.inactivity_secs": -1 }),
    ] {
        change(&app, bad.clone())
            .await
            .assert_error(422, "form_param_value_invalid");
    }
    change(&app, json!({ "auth.everything": true }))
        .await
        .assert_error(400, "request_body_invalid");
    let after = secret_key_api(&app).get("/backend/v1/live_settings").await;
    assert_eq!(after.ok(), shown.ok(), "nothing changed");
    let mut no_key = latchkey_testkit::Browser::new(&app.url, None);
    no_key.bearer = Some("sk_wrong".into());
    no_key
        .get("/backend/v1/live_settings")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn a_change_on_one_replica_reaches_the_other_within_seconds_and_survives_a_restart() {
    let app = TestApp::spawn().await;
    let replica = app.spawn_replica().await;
    change(&app, json!({ "auth.sign_up_with_username": false }))
        .await
        .ok();
    let mut refused = false;
    for _ in 0..50 {
        let reply = replica.browser().sign_up("ada").await;
        if reply.status == 422 && reply.code() == "strategy_not_enabled" {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused,
        "the replica applied the change within five seconds"
    );
    let restarted = app.spawn_replica().await;
    restarted
        .browser()
        .sign_up("bob")
        .await
        .assert_error(422, "strategy_not_enabled");
}

#[tokio::test]
async fn the_attestation_preference_applies_to_the_next_registration() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let attestation = |options: &str| -> Value {
        serde_json::from_str::<Value>(options).expect("options")["attestation"].clone()
    };
    assert_eq!(attestation(&browser.start_passkey().await.1), "none");
    let changed = change(&app, json!({ "webauthn.attestation": "direct" })).await;
    assert_eq!(value(changed.ok(), "webauthn.attestation"), "direct");
    let (id, options) = browser.start_passkey().await;
    assert_eq!(attestation(&options), "direct");
    // An authenticator that still answers with "none" attestation is accepted.
    let credential = SoftAuthenticator::new()
        .create(&options, &app.url, &Default::default())
        .expect("create");
    browser.finish_passkey(&id, &credential).await.ok();
    for bad in ["enterprise", "", "Direct"] {
        let refused = change(&app, json!({ "webauthn.attestation": bad })).await;
        refused.assert_error(422, "form_param_value_invalid");
        assert_eq!(refused.param(), "webauthn.attestation");
    }
}

#[tokio::test]
async fn rate_limits_apply_to_the_next_request() {
    let app = TestApp::spawn().await;
    change(&app, json!({ "rate_limit.per_ip_per_minute": 2 }))
        .await
        .ok();
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    browser.start_passkey().await;
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(429, "rate_limit_exceeded");
    change(
        &app,
        json!({ "rate_limit.per_ip_per_minute": 100, "rate_limit.per_client_per_minute": 3 }),
    )
    .await
    .ok();
    // The client has started two ceremonies, the refused one included: one more is
    // allowed.
    browser.start_passkey().await;
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(429, "rate_limit_exceeded");

    let email_sends = |n: u32| json!({ "email.sends_per_address_per_minute": n });
    change(&app, email_sends(1)).await.ok();
    let ned = app.browser();
    ned.post(
        "/v1/client/sign_ups",
        &[("username", "ned"), ("email_address", "ned@example.com")],
    )
    .await
    .ok();
    let me = ned.get("/v1/me").await;
    let prepare = format!(
        "/v1/me/email_addresses/{}/prepare_verification",
        me.ok()["response"]["primary_email_address_id"]
            .as_str()
            .expect("address")
    );
    let send = || ned.post(&prepare, &[("strategy", "email_code")]);
    send().await.ok();
    send().await.assert_error(429, "rate_limit_exceeded");
    change(&app, email_sends(3)).await.ok();
    send().await.ok();

    for bad in [
        json!({ "rate_limit.per_ip_per_minute": 0 }),
        json!({ "rate_limit.per_client_per_minute": 1_000_001 }),
        json!({ "email.sends_per_ip_per_minute": "often" }),
        json!({ "email.sends_per_minute": -5 }),
    ] {
        let name = bad.as_object().and_then(|o| o.keys().next()).cloned();
        let refused = change(&app, bad).await;
        refused.assert_error(422, "form_param_value_invalid");
        assert_eq!(Some(refused.param().to_owned()), name);
    }
}

/// The types of the audit events kept, newest first.
async fn audit_event_types(app: &TestApp) -> Vec<String> {
    let events = secret_key_api(app)
        .get("/backend/v1/audit_events?limit=100")
        .await;
    events.ok()["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_clean_up_keeps_audit_events_for_the_retention_in_force() {
    const DAY_SECS: i64 = 86_400;
    let app = TestApp::spawn().await;
    app.browser().sign_up("ada").await.ok();
    let signed_up = audit_event_types(&app).await;
    assert!(!signed_up.is_empty());
    app.clock.advance_secs(40 * DAY_SECS);
    // The configuration's 365 days keep them.
    assert_eq!(app.auth.clean_up().await.expect("clean-up").audit_events, 0);
    change(&app, json!({ "audit.retention_days": 30 }))
        .await
        .ok();
    let done = app.auth.clean_up().await.expect("clean-up");
    assert_eq!(done.audit_events, signed_up.len() as u64);
    assert_eq!(audit_event_types(&app).await, ["instance.settings_changed"]);
    // 0 keeps them forever.
    change(&app, json!({ "audit.retention_days": "0" }))
        .await
        .ok();
    app.clock.advance_secs(400 * DAY_SECS);
    assert_eq!(app.auth.clean_up().await.expect("clean-up").audit_events, 0);
    assert_eq!(audit_event_types(&app).await.len(), 2);
    for bad in [json!(-1), json!(36_501), json!("a year")] {
        let refused = change(&app, json!({ "audit.retention_days": bad })).await;
        refused.assert_error(422, "form_param_value_invalid");
        assert_eq!(refused.param(), "audit.retention_days");
    }
}

#[tokio::test]
async fn origins_apply_to_cors_csrf_client_data_and_the_well_known_document() {
    let app = TestApp::spawn().await;
    let spa = "http://localhost:3000";
    let shop = "https://shop.example";
    let android = "android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s";
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let spa_page = Browser::new(&app.base, Some(spa.into()));
    assert_eq!(app.browser().cors_allows(spa).await, None);
    spa_page
        .sign_up("bob")
        .await
        .assert_error(403, "origin_invalid");
    app.browser()
        .sign_in(&mut authenticator, shop)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    app.browser()
        .get("/.well-known/webauthn")
        .await
        .assert_error(404, "resource_not_found");

    let changed = change(
        &app,
        json!({ "webauthn.origins": [app.url, spa], "webauthn.related_origins": shop }),
    )
    .await;
    assert_eq!(
        value(changed.ok(), "webauthn.origins"),
        &json!([app.url, spa])
    );
    assert_eq!(
        value(changed.ok(), "webauthn.related_origins"),
        &json!([shop])
    );
    assert_eq!(app.browser().cors_allows(spa).await.as_deref(), Some(spa));
    spa_page.sign_up("bob").await.ok();
    spa_page
        .register_passkey(&mut SoftAuthenticator::new(), spa)
        .await
        .ok();
    let signed_in = app.browser().sign_in(&mut authenticator, shop).await;
    assert_eq!(signed_in.ok()["response"]["status"], "complete");
    let document = app.browser().get("/.well-known/webauthn").await;
    assert_eq!(document.ok()["origins"], json!([shop]));

    // The server's own origin stays allowed for CORS and changes even when not listed,
    // but client data must name a listed origin (exactly `webauthn.origins`); an app's
    // origin is accepted in client data, never as a web origin.
    change(
        &app,
        json!({ "webauthn.origins": format!("{spa}, {android}") }),
    )
    .await
    .ok();
    assert_eq!(app.browser().cors_allows(spa).await.as_deref(), Some(spa));
    assert_eq!(
        app.browser().cors_allows(&app.url).await.as_deref(),
        Some(app.url.as_str())
    );
    assert_eq!(app.browser().cors_allows(android).await, None);
    app.browser().sign_up("carol").await.ok();
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let signed_in = app.browser().sign_in(&mut authenticator, android).await;
    assert_eq!(signed_in.ok()["response"]["status"], "complete");
    change(&app, json!({ "webauthn.related_origins": [] }))
        .await
        .ok();
    app.browser()
        .get("/.well-known/webauthn")
        .await
        .assert_error(404, "resource_not_found");

    for (name, bad) in [
        ("webauthn.origins", json!([])),
        ("webauthn.origins", json!("https://app.example/login")),
        ("webauthn.origins", json!(["app.example"])),
        ("webauthn.related_origins", json!(["ftp://shop.example"])),
    ] {
        let refused = change(&app, json!({ name: bad })).await;
        refused.assert_error(422, "form_param_value_invalid");
        assert_eq!(refused.param(), name);
    }
}
