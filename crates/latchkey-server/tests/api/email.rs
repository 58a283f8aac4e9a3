//! Email: addresses proved with mailed codes, sign-in and recovery by code, sign-ups that
//! need a proved address, and step-up — with every code read from a real SMTP server.

use latchkey_server::Config;
use latchkey_testkit::{Browser, Reply, SmtpSink, SoftAuthenticator, TestApp};
use serde_json::Value;
use std::time::Duration;

/// A server whose mail goes to a fresh SMTP server, with `tweak` applied.
async fn app_with_mail(tweak: impl FnOnce(&mut Config)) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(|config| {
        sink.configure(config);
        tweak(config);
    })
    .await;
    (app, sink)
}

/// Signs up `name` with the address `name@example.com`; returns the browser and the
/// address's id.
async fn sign_up_with_email(app: &TestApp, name: &str) -> (Browser, String) {
    let browser = app.browser();
    let email = format!("{name}@example.com");
    let reply = browser
        .post(
            "/v1/client/sign_ups",
            &[("username", name), ("email_address", &email)],
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    let me = browser.get("/v1/me").await;
    let id = me.ok()["response"]["primary_email_address_id"]
        .as_str()
        .expect("a primary address")
        .to_owned();
    (browser, id)
}

fn path(id: &str, action: &str) -> String {
    format!("/v1/me/email_addresses/{id}/{action}")
}

async fn prepare(browser: &Browser, id: &str) -> Value {
    let reply = browser
        .post(
            &path(id, "prepare_verification"),
            &[("strategy", "email_code")],
        )
        .await;
    reply.ok()["response"].clone()
}

async fn attempt(browser: &Browser, id: &str, code: &str) -> Reply {
    browser
        .post(
            &path(id, "attempt_verification"),
            &[("strategy", "email_code"), ("code", code)],
        )
        .await
}

/// A six-digit code that is not `code`.
fn wrong(code: &str) -> String {
    format!(
        "{:06}",
        (code.parse::<u32>().expect("digits") + 1) % 1_000_000
    )
}

async fn audit_kinds(app: &TestApp) -> Vec<String> {
    let mut backend = Browser::new(&app.url, None);
    backend.bearer = Some(app.secret_key().to_owned());
    let reply = backend.get("/backend/v1/audit_events?limit=500").await;
    reply.ok()["data"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn an_address_given_at_sign_up_is_proved_by_the_code_mailed_to_it() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (browser, id) = sign_up_with_email(&app, "ada").await;
    let me = browser.get("/v1/me").await;
    let address = &me.ok()["response"]["email_addresses"][0];
    assert_eq!(address["object"], "email_address");
    assert_eq!(address["email_address"], "ada@example.com");
    assert!(address["verification"].is_null(), "{address}");

    let prepared = prepare(&browser, &id).await;
    assert_eq!(prepared["verification"]["status"], "unverified");
    assert_eq!(prepared["verification"]["strategy"], "email_code");
    let code = sink.code_for("ada@example.com").await;
    attempt(&browser, &id, &wrong(&code))
        .await
        .assert_error(422, "form_code_incorrect");
    let verified = attempt(&browser, &id, &code).await;
    assert_eq!(
        verified.ok()["response"]["verification"]["status"],
        "verified"
    );
    let me = browser.get("/v1/me").await;
    assert_eq!(
        me.ok()["response"]["email_addresses"][0]["verification"]["status"],
        "verified"
    );
    let kinds = audit_kinds(&app).await;
    for kind in [
        "email.code_sent",
        "email.verification_failed",
        "email.verified",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind} in {kinds:?}");
    }
}

#[tokio::test]
async fn a_code_fails_after_three_wrong_tries_and_is_used_once() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (browser, id) = sign_up_with_email(&app, "bob").await;
    prepare(&browser, &id).await;
    let code = sink.code_for("bob@example.com").await;
    for _ in 0..2 {
        attempt(&browser, &id, &wrong(&code))
            .await
            .assert_error(422, "form_code_incorrect");
    }
    attempt(&browser, &id, &wrong(&code))
        .await
        .assert_error(400, "verification_failed");
    // Even the right code no longer works: a new one must be sent.
    attempt(&browser, &id, &code)
        .await
        .assert_error(400, "verification_failed");
    let again = prepare(&browser, &id).await;
    assert_eq!(again["verification"]["attempts"], 0);
    let code = sink.code_for("bob@example.com").await;
    attempt(&browser, &id, &code).await.ok();
    attempt(&browser, &id, &code)
        .await
        .assert_error(400, "verification_already_verified");
}

#[tokio::test]
async fn a_code_expires_after_ten_minutes() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (browser, id) = sign_up_with_email(&app, "cyd").await;
    prepare(&browser, &id).await;
    let code = sink.code_for("cyd@example.com").await;
    app.clock.advance_secs(601);
    attempt(&browser, &id, &code)
        .await
        .assert_error(400, "verification_expired");
    let me = browser.get("/v1/me").await;
    assert_eq!(
        me.ok()["response"]["email_addresses"][0]["verification"]["status"],
        "expired"
    );
}

#[tokio::test]
async fn a_user_adds_proves_makes_primary_and_removes_addresses() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (browser, first) = sign_up_with_email(&app, "dee").await;
    let added = browser
        .post(
            "/v1/me/email_addresses",
            &[("email_address", "Dee.Work@Example.com")],
        )
        .await;
    let second = added.ok()["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(
        added.body["response"]["email_address"],
        "dee.work@example.com"
    );
    // Nobody else can take an address a user has.
    let other = app.browser();
    other.sign_up("eve").await.ok();
    other
        .post(
            "/v1/me/email_addresses",
            &[("email_address", "dee.work@example.com")],
        )
        .await
        .assert_error(422, "form_identifier_exists");
    // Another user's address is not found.
    other
        .get(&format!("/v1/me/email_addresses/{second}"))
        .await
        .assert_error(404, "resource_not_found");
    // Only a verified address can become primary.
    let patch = |id: &str| {
        browser.send(
            "PATCH",
            "/v1/me",
            Some("application/x-www-form-urlencoded"),
            format!("primary_email_address_id={id}").into_bytes(),
        )
    };
    patch(&second)
        .await
        .assert_error(422, "form_identifier_not_verified");
    prepare(&browser, &second).await;
    let code = sink.code_for("dee.work@example.com").await;
    attempt(&browser, &second, &code).await.ok();
    let me = patch(&second).await;
    assert_eq!(me.ok()["response"]["primary_email_address_id"], second);
    assert_eq!(me.body["response"]["email_addresses"][0]["id"], second);
    let listed = browser.get("/v1/me/email_addresses").await;
    assert_eq!(listed.ok()["response"].as_array().map(Vec::len), Some(2));
    // The primary address goes only after another becomes primary.
    browser
        .send(
            "DELETE",
            &format!("/v1/me/email_addresses/{second}"),
            None,
            vec![],
        )
        .await
        .assert_error(422, "form_param_value_invalid");
    let deleted = browser
        .send(
            "DELETE",
            &format!("/v1/me/email_addresses/{first}"),
            None,
            vec![],
        )
        .await;
    assert_eq!(deleted.ok()["response"]["object"], "email_address");
    assert_eq!(deleted.body["response"]["deleted"], true);
    let listed = browser.get("/v1/me/email_addresses").await;
    assert_eq!(listed.ok()["response"].as_array().map(Vec::len), Some(1));
}

/// A sign-in started by email code on a new browser; returns the browser and the answer.
async fn start_email_sign_in(app: &TestApp, address: &str) -> (Browser, Value) {
    let browser = app.browser();
    let reply = browser
        .post(
            "/v1/client/sign_ins",
            &[("strategy", "email_code"), ("identifier", address)],
        )
        .await;
    let sign_in = reply.ok()["response"].clone();
    (browser, sign_in)
}

async fn attempt_sign_in_code(browser: &Browser, id: &str, code: &str) -> Reply {
    browser
        .post(
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &[("strategy", "email_code"), ("code", code)],
        )
        .await
}

#[tokio::test]
async fn recovery_by_email_code_ends_with_a_new_passkey() {
    let (app, sink) = app_with_mail(|c| c.auth.email_code = "recovery".into()).await;
    let (browser, _) = sign_up_with_email(&app, "fay").await;
    let mut lost = SoftAuthenticator::new();
    browser.register_passkey(&mut lost, &app.url).await.ok();

    // The authenticator is gone: a new browser signs in with the mailed code.
    let (browser, sign_in) = start_email_sign_in(&app, "FAY@example.com").await;
    assert_eq!(sign_in["status"], "needs_first_factor");
    assert_eq!(
        sign_in["first_factor_verification"]["object"],
        "verification_email_code"
    );
    let factor = sign_in["supported_first_factors"]
        .as_array()
        .expect("factors")
        .iter()
        .find(|f| f["strategy"] == "email_code")
        .cloned()
        .expect("an email code factor");
    assert_eq!(factor["safe_identifier"], "f***@example.com");
    let id = sign_in["id"].as_str().expect("id");
    let code = sink.code_for("fay@example.com").await;
    let message = sink.messages_to("fay@example.com");
    assert!(message.last().is_some_and(|m| m.html.contains(&code)));
    let done = attempt_sign_in_code(&browser, id, &code).await;
    assert_eq!(done.ok()["response"]["status"], "complete");
    let session = &done.body["client"]["sessions"][0];
    assert_eq!(session["status"], "pending");
    assert_eq!(session["tasks"][0]["key"], "setup-passkey");
    assert!(session["last_active_token"]["jwt"].is_string());

    // A new passkey finishes the recovery, and signs in from then on.
    let mut found = SoftAuthenticator::new();
    browser.register_passkey(&mut found, &app.url).await.ok();
    let client = browser.get("/v1/client").await;
    assert_eq!(client.ok()["response"]["sessions"][0]["status"], "active");
    let later = app.browser();
    let signed_in = later.sign_in(&mut found, &app.url).await;
    assert_eq!(signed_in.ok()["response"]["status"], "complete");
    let kinds = audit_kinds(&app).await;
    assert!(kinds.iter().any(|k| k == "account.recovered"), "{kinds:?}");
    // The code went to the address, which it proved.
    let me = later.get("/v1/me").await;
    assert_eq!(
        me.ok()["response"]["email_addresses"][0]["verification"]["status"],
        "verified"
    );
    // A used code does not sign in twice.
    attempt_sign_in_code(&browser, id, &code)
        .await
        .assert_error(400, "verification_already_verified");
}

#[tokio::test]
async fn an_email_code_signs_in_and_a_user_without_passkeys_must_add_one() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (browser, _) = sign_up_with_email(&app, "gus").await;
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    let (browser, sign_in) = start_email_sign_in(&app, "gus@example.com").await;
    let code = sink.code_for("gus@example.com").await;
    let done = attempt_sign_in_code(&browser, sign_in["id"].as_str().expect("id"), &code).await;
    assert_eq!(done.ok()["client"]["sessions"][0]["status"], "active");

    // Without a passkey left, the session waits for a new one.
    let (browser, _) = sign_up_with_email(&app, "hal").await;
    drop(browser);
    let (browser, sign_in) = start_email_sign_in(&app, "hal@example.com").await;
    let code = sink.code_for("hal@example.com").await;
    let done = attempt_sign_in_code(&browser, sign_in["id"].as_str().expect("id"), &code).await;
    assert_eq!(done.ok()["client"]["sessions"][0]["status"], "pending");
}

#[tokio::test]
async fn an_unknown_address_gets_the_same_answer_and_no_mail() {
    let (app, sink) = app_with_mail(|_| {}).await;
    sign_up_with_email(&app, "ida").await;
    let (_, known) = start_email_sign_in(&app, "ida@example.com").await;
    let (browser, unknown) = start_email_sign_in(&app, "nobody@example.com").await;
    let shape = |sign_in: &Value| {
        let factors: Vec<(Value, bool)> = sign_in["supported_first_factors"]
            .as_array()
            .expect("factors")
            .iter()
            .map(|f| (f["strategy"].clone(), f["email_address_id"].is_string()))
            .collect();
        let verification = &sign_in["first_factor_verification"];
        let keys: Vec<String> = sign_in
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        (
            sign_in["status"].clone(),
            factors,
            verification["status"].clone(),
            verification["attempts"].clone(),
            keys,
        )
    };
    assert_eq!(shape(&known), shape(&unknown));
    sink.code_for("ida@example.com").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink.messages_to("nobody@example.com").is_empty());
    attempt_sign_in_code(&browser, unknown["id"].as_str().expect("id"), "123456")
        .await
        .assert_error(422, "form_code_incorrect");
    // The identifier-first form of the contract still says what it finds.
    app.browser()
        .post(
            "/v1/client/sign_ins",
            &[("identifier", "nobody@example.com")],
        )
        .await
        .assert_error(422, "form_identifier_not_found");
}

#[tokio::test]
async fn an_identified_sign_in_can_mail_a_code_instead_of_asking_for_a_passkey() {
    let (app, sink) = app_with_mail(|_| {}).await;
    let (_, address_id) = sign_up_with_email(&app, "joe").await;
    let browser = app.browser();
    let started = browser
        .post("/v1/client/sign_ins", &[("identifier", "joe")])
        .await;
    let id = started.ok()["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let prepared = browser
        .post(
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
            &[
                ("strategy", "email_code"),
                ("email_address_id", &address_id),
            ],
        )
        .await;
    assert_eq!(
        prepared.ok()["response"]["first_factor_verification"]["strategy"],
        "email_code"
    );
    let code = sink.code_for("joe@example.com").await;
    let done = attempt_sign_in_code(&browser, &id, &code).await;
    assert_eq!(done.ok()["response"]["status"], "complete");
}

#[tokio::test]
async fn email_codes_can_be_turned_off_for_sign_in() {
    let (app, _sink) = app_with_mail(|c| c.auth.email_code = "off".into()).await;
    sign_up_with_email(&app, "kim").await;
    app.browser()
        .post(
            "/v1/client/sign_ins",
            &[
                ("strategy", "email_code"),
                ("identifier", "kim@example.com"),
            ],
        )
        .await
        .assert_error(422, "strategy_not_enabled");
}

#[tokio::test]
async fn a_sign_up_that_needs_a_proved_address_completes_with_its_code() {
    let (app, sink) = app_with_mail(|c| c.auth.sign_up_requires_verified_email = true).await;
    let browser = app.browser();
    browser
        .post("/v1/client/sign_ups", &[("username", "lea")])
        .await
        .assert_error(422, "form_param_missing");
    let started = browser
        .post(
            "/v1/client/sign_ups",
            &[("username", "lea"), ("email_address", "lea@example.com")],
        )
        .await;
    let sign_up = started.ok()["response"].clone();
    assert_eq!(sign_up["status"], "missing_requirements");
    assert_eq!(
        sign_up["unverified_fields"],
        serde_json::json!(["email_address"])
    );
    assert!(
        started.body["client"]["sessions"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    let id = sign_up["id"].as_str().expect("id");
    let prepared = browser
        .post(
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "email_code")],
        )
        .await;
    assert_eq!(
        prepared.ok()["response"]["verifications"]["email_address"]["status"],
        "unverified"
    );
    let code = sink.code_for("lea@example.com").await;
    let done = browser
        .post(
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await;
    assert_eq!(done.ok()["response"]["status"], "complete");
    assert!(done.body["client"]["sessions"][0]["last_active_token"]["jwt"].is_string());
    let me = browser.get("/v1/me").await;
    assert_eq!(
        me.ok()["response"]["email_addresses"][0]["verification"]["status"],
        "verified"
    );
}

#[tokio::test]
async fn a_passkey_first_sign_up_waits_for_its_address_to_be_proved() {
    let (app, sink) = app_with_mail(|c| c.auth.sign_up_requires_verified_email = true).await;
    let browser = app.browser();
    let started = browser
        .post(
            "/v1/client/sign_ups",
            &[
                ("strategy", "passkey"),
                ("email_address", "max@example.com"),
            ],
        )
        .await;
    let sign_up = started.ok()["response"].clone();
    let id = sign_up["id"].as_str().expect("id");
    let options = sign_up["verification"]["nonce"].as_str().expect("options");
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator
        .create(options, &app.url, &Default::default())
        .expect("create")
        .to_string();
    let answer = [
        ("strategy", "passkey"),
        ("public_key_credential", credential.as_str()),
    ];
    let attempt = format!("/v1/client/sign_ups/{id}/attempt_verification");
    browser
        .post(&attempt, &answer)
        .await
        .assert_error(422, "form_identifier_not_verified");
    browser
        .post(
            &format!("/v1/client/sign_ups/{id}/prepare_verification"),
            &[("strategy", "email_code")],
        )
        .await
        .ok();
    let code = sink.code_for("max@example.com").await;
    let proved = browser
        .post(&attempt, &[("strategy", "email_code"), ("code", &code)])
        .await;
    assert_eq!(proved.ok()["response"]["status"], "missing_requirements");
    assert_eq!(
        proved.body["response"]["unverified_fields"],
        serde_json::json!([])
    );
    // The refusal before did not use up the passkey challenge.
    let done = browser.post(&attempt, &answer).await;
    assert_eq!(done.ok()["response"]["status"], "complete");
}

#[tokio::test]
async fn sends_are_limited_per_address() {
    let (app, _sink) = app_with_mail(|c| c.email.sends_per_address_per_minute = 2).await;
    let (browser, id) = sign_up_with_email(&app, "ned").await;
    for _ in 0..2 {
        prepare(&browser, &id).await;
    }
    let refused = browser
        .post(
            &path(&id, "prepare_verification"),
            &[("strategy", "email_code")],
        )
        .await;
    refused.assert_error(429, "rate_limit_exceeded");
    assert!(refused.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn guarded_actions_need_a_recent_step_up_with_a_passkey_or_a_code() {
    let (app, sink) = app_with_mail(|c| {
        c.auth.reverification_actions = vec!["passkey.delete".into(), "sessions.revoke".into()];
    })
    .await;
    let (browser, _) = sign_up_with_email(&app, "oli").await;
    let mut authenticator = SoftAuthenticator::new();
    let passkey = browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok()["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.clock.advance_secs(11 * 60);
    let refused = browser
        .send(
            "DELETE",
            &format!("/v1/me/passkeys/{passkey}"),
            None,
            vec![],
        )
        .await;
    refused.assert_error(403, "session_reverification_required");
    assert_eq!(
        refused.body["errors"][0]["meta"]["reverification"]["after_minutes"],
        10
    );
    let client = browser.get("/v1/client").await;
    let session = client.ok()["response"]["sessions"][0].clone();
    assert_eq!(
        session["factor_verification_age"],
        serde_json::json!([11, -1])
    );
    let sid = session["id"].as_str().expect("id").to_owned();

    // With a passkey.
    let verify = format!("/v1/client/sessions/{sid}/verify");
    let done = crate::step_up_with_passkey(&browser, &mut authenticator, &app.url, &sid).await;
    assert_eq!(done.ok()["response"]["status"], "complete");
    assert_eq!(
        done.body["response"]["session"]["factor_verification_age"],
        serde_json::json!([0, -1])
    );
    let other = app.browser();
    other.sign_in(&mut authenticator, &app.url).await.ok();
    let other_session = other.get("/v1/client").await.ok()["response"]["last_active_session_id"]
        .as_str()
        .expect("id")
        .to_owned();

    // Later, with a code.
    app.clock.advance_secs(11 * 60);
    let revoke = format!("/v1/me/sessions/{other_session}/revoke");
    browser
        .post(&revoke, &[])
        .await
        .assert_error(403, "session_reverification_required");
    browser
        .post(
            &format!("{verify}/prepare_first_factor"),
            &[("strategy", "email_code")],
        )
        .await
        .ok();
    let code = sink.code_for("oli@example.com").await;
    browser
        .post(
            &format!("{verify}/attempt_first_factor"),
            &[("strategy", "email_code"), ("code", &wrong(&code))],
        )
        .await
        .assert_error(422, "form_code_incorrect");
    browser
        .post(
            &format!("{verify}/attempt_first_factor"),
            &[("strategy", "email_code"), ("code", &code)],
        )
        .await
        .ok();
    let revoked = browser.post(&revoke, &[]).await;
    assert_eq!(revoked.ok()["response"]["status"], "revoked");
    let deleted = browser
        .send(
            "DELETE",
            &format!("/v1/me/passkeys/{passkey}"),
            None,
            vec![],
        )
        .await;
    assert_eq!(deleted.ok()["response"]["deleted"], true);
    let kinds = audit_kinds(&app).await;
    assert!(
        kinds.iter().filter(|k| *k == "session.reverified").count() >= 2,
        "{kinds:?}"
    );
}

#[tokio::test]
async fn ids_with_control_characters_in_bodies_are_refused_not_internal_errors() {
    let (app, _sink) = app_with_mail(|_| {}).await;
    let (browser, _) = sign_up_with_email(&app, "pia").await;
    browser
        .send(
            "PATCH",
            "/v1/me",
            Some("application/json"),
            br#"{"primary_email_address_id":"idn_\u0000"}"#.to_vec(),
        )
        .await
        .assert_error(422, "form_param_value_invalid");
    let other = app.browser();
    let started = other
        .post("/v1/client/sign_ins", &[("identifier", "pia")])
        .await;
    let id = started.ok()["response"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    other
        .post_json(
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
            &serde_json::json!({"strategy": "email_code", "email_address_id": "idn_\u{0}"}),
        )
        .await
        .assert_error(422, "form_param_value_invalid");
}
