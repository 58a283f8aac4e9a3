//! The audit log's filters and export, and the overview built from it.

use latchkey_testkit::{Ceremony, Reply, TestApp};
use serde_json::Value;

use crate::{secret_key_api, user_with_passkey};

async fn get(app: &TestApp, path: &str) -> Reply {
    secret_key_api(app).get(path).await
}

fn total(reply: &Reply) -> i64 {
    reply.ok()["total_count"].as_i64().expect("total")
}

/// Two users with a passkey each, one signed in again and one failed sign-in.
async fn some_activity(app: &TestApp) -> String {
    let (_, mut ada_key, _) = user_with_passkey(app, "ada").await;
    user_with_passkey(app, "bob").await;
    app.browser().sign_in(&mut ada_key, &app.url).await.ok();
    let browser = app.browser();
    let (id, options) = browser.start_sign_in().await;
    let foreign = ada_key
        .get(&options, "https://evil.example", &Ceremony::default())
        .expect("assertion");
    browser
        .attempt_sign_in(&id, &foreign.to_string())
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let ada = get(app, "/backend/v1/users?query=ada").await;
    ada.ok()["data"][0]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn the_audit_log_filters_by_user_type_actor_and_time() {
    let app = TestApp::spawn().await;
    let ada = some_activity(&app).await;
    let all = get(&app, "/backend/v1/audit_events?limit=500").await;
    let created = get(&app, "/backend/v1/audit_events?type=user.created").await;
    assert_eq!(total(&created), 2);
    let ada_created = get(
        &app,
        &format!("/backend/v1/audit_events?type=user.created&user_id={ada}"),
    )
    .await;
    assert_eq!(total(&ada_created), 1);
    assert_eq!(ada_created.ok()["data"][0]["user_id"], ada.as_str());
    let failed = get(&app, "/backend/v1/audit_events?type=sign_in.failed").await;
    assert_eq!(total(&failed), 1);
    let newest = all.ok()["data"][0]["created_at"].as_i64().expect("time");
    let later = get(
        &app,
        &format!("/backend/v1/audit_events?since={}", newest + 1),
    )
    .await;
    assert_eq!(total(&later), 0);
    let before = get(&app, &format!("/backend/v1/audit_events?until={newest}")).await;
    assert!(total(&before) < total(&all));
    let by_nobody = get(&app, "/backend/v1/audit_events?actor=user_nobody").await;
    assert_eq!(total(&by_nobody), 0);
    get(&app, "/backend/v1/audit_events?since=yesterday")
        .await
        .assert_error(422, "form_param_value_invalid");
}

#[tokio::test]
async fn the_audit_log_exports_as_ndjson_and_csv() {
    let app = TestApp::spawn().await;
    some_activity(&app).await;
    let listed = get(&app, "/backend/v1/audit_events?limit=500").await;
    let listed = listed.ok()["data"].as_array().expect("events").clone();
    let ndjson = get(&app, "/backend/v1/audit_events/export").await;
    assert_eq!(ndjson.status, 200);
    assert_eq!(
        ndjson.headers["content-type"].to_str().expect("type"),
        "application/x-ndjson"
    );
    assert!(
        ndjson.headers["content-disposition"]
            .to_str()
            .expect("disposition")
            .contains("audit-events.ndjson")
    );
    let text = match &ndjson.body {
        Value::String(text) => text.clone(),
        one => format!("{one}\n"),
    };
    let exported: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON event per line"))
        .collect();
    assert_eq!(
        exported, listed,
        "the same events as the list, newest first"
    );
    let csv = get(
        &app,
        "/backend/v1/audit_events/export?format=csv&type=user.created",
    )
    .await;
    assert!(
        csv.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/csv")
    );
    let Value::String(text) = &csv.body else {
        panic!("CSV text: {:?}", csv.body)
    };
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,type,created_at,user_id,actor,passkey_id,session_id,ip,user_agent,data"
    );
    assert_eq!(lines.len(), 3, "a header and two events: {text}");
    assert!(lines[1].contains("\"user.created\""), "{}", lines[1]);
    assert!(
        lines[1].contains("\"{\"\"strategy\"\":"),
        "quotes in the details are doubled: {}",
        lines[1]
    );
    get(&app, "/backend/v1/audit_events/export?format=xml")
        .await
        .assert_error(422, "form_param_value_invalid");
}

#[tokio::test]
async fn the_overview_counts_users_sessions_providers_and_each_minutes_activity() {
    let app = TestApp::spawn().await;
    let empty = get(&app, "/backend/v1/overview").await;
    assert_eq!(empty.ok()["object"], "overview");
    assert_eq!(empty.ok()["users"], 0);
    assert_eq!(empty.ok()["activity"], Value::Array(Vec::new()));
    some_activity(&app).await;
    let overview = get(&app, "/backend/v1/overview").await;
    let o = overview.ok();
    assert_eq!(o["users"], 2);
    assert_eq!(o["live_sessions"], 3, "two sign-ups and a sign-in");
    let providers = o["passkeys_by_provider"].as_array().expect("providers");
    let passkeys: i64 = providers
        .iter()
        .map(|p| p["count"].as_i64().expect("count"))
        .sum();
    assert_eq!(passkeys, 2);
    let sum = |field: &str| -> i64 {
        o["activity"]
            .as_array()
            .expect("activity")
            .iter()
            .map(|m| m[field].as_i64().expect("count"))
            .sum()
    };
    assert_eq!(sum("sign_ups"), 2);
    assert_eq!(sum("sign_ins"), 1);
    assert_eq!(sum("failures"), 1);
    // A day later, that activity has left the window.
    app.clock.advance_secs(24 * 60 * 60 + 60);
    let later = get(&app, "/backend/v1/overview").await;
    assert_eq!(later.ok()["activity"], Value::Array(Vec::new()));
}
