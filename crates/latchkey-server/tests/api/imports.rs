//! Importing passkeys through the Backend API (`POST /backend/v1/users/{id}/passkeys`):
//! a credential made by another WebAuthn server for the same RP ID signs its user in
//! through the normal flows, and every refusal stores nothing.

use latchkey_testkit::{
    Algorithm, Browser, Ceremony, ExportedCredential, SoftAuthenticator, TestApp,
};
use serde_json::{Value, json};

use crate::{prepare_passkey, row_count, user_with_passkey};

/// The user handle the other server gave its user: not the one Latchkey would choose.
const FOREIGN_HANDLE: &[u8] = b"vendor-user-handle-0001";

fn backend(app: &TestApp) -> Browser {
    let mut b = Browser::new(&app.url, None);
    b.bearer = Some(app.secret_key().to_owned());
    b
}

/// A user created through the Backend API; returns its id.
async fn create_user(app: &TestApp, username: &str) -> String {
    backend(app)
        .post_json("/backend/v1/users", &json!({ "username": username }))
        .await
        .ok()["id"]
        .as_str()
        .expect("user id")
        .to_owned()
}

/// A credential the other server registered on `authenticator`.
fn exported(authenticator: &mut SoftAuthenticator) -> ExportedCredential {
    authenticator
        .new_credential("localhost", FOREIGN_HANDLE)
        .expect("credential")
}

/// The import body of `credential` with its foreign user handle.
fn body(credential: &ExportedCredential) -> Value {
    json!({
        "credential_id": credential.credential_id,
        "public_key": credential.public_key,
        "user_handle": b64(FOREIGN_HANDLE),
    })
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

async fn import(app: &TestApp, user_id: &str, body: &Value) -> latchkey_testkit::Reply {
    backend(app)
        .post_json(&format!("/backend/v1/users/{user_id}/passkeys"), body)
        .await
}

/// The types of the audit events of `user_id`, newest first, with their data.
async fn events(app: &TestApp, user_id: &str) -> Vec<Value> {
    backend(app)
        .get(&format!(
            "/backend/v1/audit_events?user_id={user_id}&limit=100"
        ))
        .await
        .ok()["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_imported_passkey_is_listed_verified_and_signs_its_user_in_discoverably() {
    let app = TestApp::spawn().await;
    let user_id = create_user(&app, "ada").await;
    let mut authenticator = SoftAuthenticator::new();
    let credential = exported(&mut authenticator);
    let mut request = body(&credential);
    request["name"] = json!("Work laptop");
    request["sign_count"] = json!(0);
    request["transports"] = json!(["internal", "hybrid"]);
    request["backup_eligible"] = json!(true);
    request["backed_up"] = json!(true);
    request["aaguid"] = json!("08987058-CADC-4B81-B6E1-30DE50DCBE96");
    request["created_at"] = json!(1_700_000_000_000_i64);
    request["last_used_at"] = json!(null);
    let reply = import(&app, &user_id, &request).await;
    let passkey = reply.ok().clone();
    assert_eq!(passkey["object"], "passkey");
    assert!(
        passkey["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("pk_"))
    );
    assert_eq!(passkey["name"], "Work laptop");
    assert_eq!(passkey["verification"]["status"], "verified");
    assert_eq!(passkey["verification"]["nonce"], Value::Null);
    assert_eq!(passkey["created_at"], 1_700_000_000_000_i64);
    assert_eq!(passkey["last_used_at"], Value::Null);
    assert_eq!(passkey["aaguid"], "08987058-cadc-4b81-b6e1-30de50dcbe96");
    assert_eq!(passkey["backed_up"], true);
    assert_eq!(passkey["transports"], json!(["internal", "hybrid"]));

    // The user resource lists it as it lists a registered passkey.
    let user = backend(&app)
        .get(&format!("/backend/v1/users/{user_id}"))
        .await;
    assert_eq!(user.ok()["passkeys"], json!([passkey]));

    let created = events(&app, &user_id).await;
    let event = created
        .iter()
        .find(|e| e["type"] == "passkey.created")
        .expect("passkey.created");
    assert_eq!(event["passkey_id"], passkey["id"]);
    assert_eq!(event["data"]["imported"], true);
    assert_eq!(event["data"]["name"], "Work laptop");

    let browser = app.browser();
    let signed_in = browser.sign_in(&mut authenticator, &app.url).await;
    assert_eq!(signed_in.ok()["response"]["status"], "complete");
    let me = browser.get("/v1/me").await;
    assert_eq!(me.ok()["response"]["id"], user_id.as_str());
    assert!(me.body["response"]["passkeys"][0]["last_used_at"].is_i64());
}

#[tokio::test]
async fn imported_passkeys_of_every_registration_algorithm_sign_in_identifier_first() {
    let app = TestApp::spawn().await;
    for (username, algorithm) in [
        ("es256", Algorithm::Es256),
        ("es384", Algorithm::Es384),
        ("rs256", Algorithm::Rs256),
    ] {
        let user_id = create_user(&app, username).await;
        let mut authenticator = SoftAuthenticator::new();
        authenticator.algorithm = algorithm;
        let credential = exported(&mut authenticator);
        import(&app, &user_id, &body(&credential)).await.ok();
        let browser = app.browser();
        let sign_in = browser
            .post("/v1/client/sign_ins", &[("identifier", username)])
            .await;
        let id = sign_in.ok()["response"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let options = prepare_passkey(
            &browser,
            &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
        )
        .await;
        let opts: Value = serde_json::from_str(&options).expect("options");
        assert_eq!(
            opts["allowCredentials"][0]["id"].as_str(),
            Some(credential.credential_id.as_str()),
            "{username}"
        );
        let assertion = authenticator
            .get(&options, &app.url, &Ceremony::default())
            .expect("get");
        let reply = browser.attempt_sign_in(&id, &assertion.to_string()).await;
        assert_eq!(reply.ok()["response"]["status"], "complete", "{username}");
        assert_eq!(
            browser.get("/v1/me").await.ok()["response"]["id"],
            user_id.as_str()
        );
    }
}

#[tokio::test]
async fn an_imported_sign_count_refuses_a_lagging_clone() {
    let app = TestApp::spawn().await;
    let user_id = create_user(&app, "ada").await;
    let mut authenticator = SoftAuthenticator::new();
    let credential = exported(&mut authenticator);
    let mut request = body(&credential);
    request["sign_count"] = json!(10);
    import(&app, &user_id, &request).await.ok();
    // The next assertion reports 4, below the 10 the other server last saw.
    authenticator.set_counter(3);
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    authenticator.set_counter(10);
    let reply = app.browser().sign_in(&mut authenticator, &app.url).await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    // 11 is now the counter to beat.
    authenticator.set_counter(10);
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
}

#[tokio::test]
async fn an_imported_passkey_answers_with_its_own_user_handle_only() {
    let app = TestApp::spawn().await;
    let user_id = create_user(&app, "ada").await;
    let mut authenticator = SoftAuthenticator::new();
    let credential = exported(&mut authenticator);
    // Imported without the handle its authenticator holds: the user's own is expected.
    let mut request = body(&credential);
    request["user_handle"] = Value::Null;
    import(&app, &user_id, &request).await.ok();
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
}

#[tokio::test]
async fn a_refused_import_stores_nothing() {
    let app = TestApp::spawn_with(|c| c.webauthn.max_passkeys_per_user = 2).await;
    let db = app.config.database.url.clone();
    let user_id = create_user(&app, "ada").await;
    let mut authenticator = SoftAuthenticator::new();
    let credential = exported(&mut authenticator);
    let good = body(&credential);
    let with = |field: &str, value: Value| {
        let mut b = good.clone();
        b[field] = value;
        b
    };
    let without = |field: &str| {
        let mut b = good.clone();
        if let Some(members) = b.as_object_mut() {
            members.remove(field);
        }
        b
    };
    // An Ed25519 key, which registration does not offer: {1: 1, 3: -8, -1: 6, -2: x}.
    let mut ed25519 = vec![0xa4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20];
    ed25519.extend([7u8; 32]);

    // No secret key, or a wrong one.
    Browser::new(&app.url, None)
        .post_json(&format!("/backend/v1/users/{user_id}/passkeys"), &good)
        .await
        .assert_error(401, "authentication_invalid");
    let mut wrong = backend(&app);
    wrong.bearer = Some("sk_wrong_key_0123456789".into());
    wrong
        .post_json(&format!("/backend/v1/users/{user_id}/passkeys"), &good)
        .await
        .assert_error(401, "authentication_invalid");
    import(&app, "user_unknown", &good)
        .await
        .assert_error(404, "resource_not_found");

    let refusals: Vec<(Value, &str, &str)> = vec![
        (
            without("credential_id"),
            "form_param_missing",
            "credential_id",
        ),
        (without("public_key"), "form_param_missing", "public_key"),
        (
            with("credential_id", json!("not base64!")),
            "form_param_format_invalid",
            "credential_id",
        ),
        (
            with("public_key", json!("pk+/=")),
            "form_param_format_invalid",
            "public_key",
        ),
        (
            with("user_handle", json!("%%")),
            "form_param_format_invalid",
            "user_handle",
        ),
        (
            with("user_handle", json!(b64(&[1; 65]))),
            "form_param_value_invalid",
            "user_handle",
        ),
        (
            with("public_key", json!(b64(b"not cbor at all"))),
            "form_param_value_invalid",
            "public_key",
        ),
        // ES256 named on a P-384 curve, whose coordinates are the wrong size.
        (
            with("public_key", json!(credential.public_key_with(-1, 2))),
            "form_param_value_invalid",
            "public_key",
        ),
        // A P-256 key that names ES384.
        (
            with("public_key", json!(credential.public_key_with(3, -35))),
            "form_param_value_invalid",
            "public_key",
        ),
        // A P-256 key that names EdDSA, then a real Ed25519 key.
        (
            with("public_key", json!(credential.public_key_with(3, -8))),
            "form_param_value_invalid",
            "public_key",
        ),
        (
            with("public_key", json!(b64(&ed25519))),
            "form_param_value_invalid",
            "public_key",
        ),
        (
            with("name", json!("  ")),
            "form_param_value_invalid",
            "name",
        ),
        (
            with("name", json!("é".repeat(65))),
            "form_param_value_invalid",
            "name",
        ),
        (
            with("sign_count", json!(-1)),
            "form_param_value_invalid",
            "sign_count",
        ),
        (
            with("sign_count", json!(4_294_967_296_i64)),
            "form_param_value_invalid",
            "sign_count",
        ),
        (
            with("sign_count", json!("many")),
            "form_param_format_invalid",
            "sign_count",
        ),
        (
            with("backed_up", json!("yes")),
            "form_param_format_invalid",
            "backed_up",
        ),
        (
            with("transports", json!("[1")),
            "form_param_format_invalid",
            "transports",
        ),
        (
            with("backed_up", json!(true)),
            "form_param_value_invalid",
            "backed_up",
        ),
        (
            with("aaguid", json!("not-a-uuid")),
            "form_param_format_invalid",
            "aaguid",
        ),
        (
            with("created_at", json!(-5)),
            "form_param_value_invalid",
            "created_at",
        ),
    ];
    for (request, code, param) in &refusals {
        let reply = import(&app, &user_id, request).await;
        reply.assert_error(422, code);
        assert_eq!(reply.param(), *param, "{request}");
    }
    assert_eq!(row_count(&db, "passkeys").await, 0);

    // A credential id already registered, to anyone: one registered here through the
    // Frontend API, and one imported for another user.
    let (_, registered, _) = user_with_passkey(&app, "bob").await;
    let taken = with(
        "credential_id",
        json!(registered.last_credential_id().expect("registered")),
    );
    import(&app, &user_id, &taken)
        .await
        .assert_error(422, "passkey_already_exists");
    let carol = create_user(&app, "carol").await;
    import(&app, &carol, &good).await.ok();
    import(&app, &user_id, &good)
        .await
        .assert_error(422, "passkey_already_exists");
    import(&app, &carol, &good)
        .await
        .assert_error(422, "passkey_already_exists");
    assert_eq!(row_count(&db, "passkeys").await, 2);

    // At the quota.
    for _ in 0..2 {
        let other = exported(&mut authenticator);
        import(&app, &user_id, &body(&other)).await.ok();
    }
    let third = exported(&mut authenticator);
    import(&app, &user_id, &body(&third))
        .await
        .assert_error(403, "passkey_quota_exceeded");
    assert_eq!(row_count(&db, "passkeys").await, 4);
    let created = events(&app, &user_id)
        .await
        .iter()
        .filter(|e| e["type"] == "passkey.created")
        .count();
    assert_eq!(created, 2, "only the imports that succeeded are audited");
}
