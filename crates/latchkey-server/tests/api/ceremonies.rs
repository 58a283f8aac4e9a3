//! Every WebAuthn rule, broken on purpose: each attempt fails with its status and code,
//! creates no session and changes no stored passkey.

use latchkey_testkit::{Algorithm, Browser, Ceremony, Reply, SoftAuthenticator, TestApp, flip_bit};
use serde_json::Value;

use crate::{session_count, user_with_passkey};

/// A started discoverable sign-in in a fresh browser.
struct SignInAttempt {
    browser: Browser,
    id: String,
    options: String,
}

async fn start(app: &TestApp) -> SignInAttempt {
    let browser = app.browser();
    let (id, options) = browser.start_sign_in().await;
    SignInAttempt {
        browser,
        id,
        options,
    }
}

impl SignInAttempt {
    async fn attempt(&self, credential: &Value) -> Reply {
        self.browser
            .attempt_sign_in(&self.id, &credential.to_string())
            .await
    }
}

/// Asserts a failed sign-in: status, code, no session in the client.
async fn refused(attempt: &SignInAttempt, reply: &Reply, status: u16, code: &str) {
    reply.assert_error(status, code);
    assert_eq!(
        session_count(&attempt.browser).await,
        0,
        "no session after {code}"
    );
}

/// The stored passkey of the signed-in `browser`, to compare before and after.
async fn stored_passkeys(browser: &Browser) -> Value {
    browser.get("/v1/me").await.ok()["response"]["passkeys"].clone()
}

async fn sign_in_fails_with(how: Ceremony, origin_override: Option<&str>, status: u16, code: &str) {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let before = stored_passkeys(&owner).await;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, origin_override.unwrap_or(&app.url), &how)
        .expect("get");
    refused(&attempt, &attempt.attempt(&credential).await, status, code).await;
    assert_eq!(
        stored_passkeys(&owner).await,
        before,
        "stored passkey unchanged"
    );
}

#[tokio::test]
async fn wrong_origin_is_refused() {
    sign_in_fails_with(
        Ceremony::default(),
        Some("https://evil.example"),
        422,
        "passkey_invalid_public_key_credential",
    )
    .await;
}

#[tokio::test]
async fn other_port_origin_is_refused() {
    sign_in_fails_with(
        Ceremony::default(),
        Some("http://localhost:1"),
        422,
        "passkey_invalid_public_key_credential",
    )
    .await;
}

#[tokio::test]
async fn wrong_ceremony_type_is_refused() {
    let how = Ceremony {
        client_data_type: Some("webauthn.create".into()),
        ..Ceremony::default()
    };
    sign_in_fails_with(how, None, 422, "passkey_invalid_public_key_credential").await;
}

#[tokio::test]
async fn wrong_rp_id_hash_is_refused() {
    let how = Ceremony {
        rp_id: Some("evil.example".into()),
        ..Ceremony::default()
    };
    sign_in_fails_with(how, None, 422, "passkey_invalid_public_key_credential").await;
}

#[tokio::test]
async fn challenge_of_another_attempt_is_refused() {
    let how = Ceremony {
        challenge: Some(vec![7u8; 32]),
        ..Ceremony::default()
    };
    sign_in_fails_with(how, None, 400, "passkey_invalid_verification").await;
}

#[tokio::test]
async fn another_users_user_handle_is_refused() {
    let how = Ceremony {
        user_handle: Some(Some(vec![9u8; 16])),
        ..Ceremony::default()
    };
    sign_in_fails_with(how, None, 422, "passkey_invalid_public_key_credential").await;
}

#[tokio::test]
async fn missing_user_handle_in_discoverable_sign_in_is_refused() {
    let how = Ceremony {
        user_handle: Some(None),
        ..Ceremony::default()
    };
    sign_in_fails_with(how, None, 422, "passkey_invalid_public_key_credential").await;
}

#[tokio::test]
async fn counter_regression_is_refused_as_a_clone() {
    let how = Ceremony {
        counter: Some(1),
        ..Ceremony::default()
    };
    // Registration stored counter 1; a sign-in reporting 1 again does not increase it.
    sign_in_fails_with(how, None, 422, "passkey_invalid_public_key_credential").await;
}

#[tokio::test]
async fn user_presence_off_is_refused() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    authenticator.user_present = false;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    refused(
        &attempt,
        &attempt.attempt(&credential).await,
        422,
        "passkey_invalid_public_key_credential",
    )
    .await;
}

#[tokio::test]
async fn user_verification_off_is_refused_when_required() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    authenticator.user_verified = false;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    refused(
        &attempt,
        &attempt.attempt(&credential).await,
        422,
        "passkey_invalid_public_key_credential",
    )
    .await;
}

#[tokio::test]
async fn tampered_signature_and_authenticator_data_are_refused() {
    for member in ["signature", "authenticatorData", "clientDataJSON"] {
        let app = TestApp::spawn().await;
        let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
        let before = stored_passkeys(&owner).await;
        let attempt = start(&app).await;
        let mut credential = authenticator
            .get(&attempt.options, &app.url, &Ceremony::default())
            .expect("get");
        // Byte 34 of authenticator data is in the counter; 40 of the signature and client
        // data are inside the DER integer and the JSON.
        flip_bit(
            &mut credential,
            member,
            if member == "authenticatorData" {
                34
            } else {
                40
            },
        );
        let reply = attempt.attempt(&credential).await;
        assert!(
            reply.status == 422 || reply.status == 400,
            "{member}: {}",
            reply.body
        );
        assert_eq!(session_count(&attempt.browser).await, 0, "{member}");
        assert_eq!(stored_passkeys(&owner).await, before, "{member}");
    }
}

#[tokio::test]
async fn es384_and_rs256_passkeys_sign_in_and_refuse_a_tampered_signature() {
    for algorithm in [Algorithm::Es384, Algorithm::Rs256] {
        let app = TestApp::spawn().await;
        let owner = app.browser();
        owner.sign_up("ada").await.ok();
        let mut authenticator = SoftAuthenticator::new();
        authenticator.algorithm = algorithm;
        owner
            .register_passkey(&mut authenticator, &app.url)
            .await
            .ok();
        let attempt = start(&app).await;
        let mut credential = authenticator
            .get(&attempt.options, &app.url, &Ceremony::default())
            .expect("get");
        flip_bit(&mut credential, "signature", 40);
        let reply = attempt.attempt(&credential).await;
        refused(
            &attempt,
            &reply,
            422,
            "passkey_invalid_public_key_credential",
        )
        .await;
        let reply = app.browser().sign_in(&mut authenticator, &app.url).await;
        assert_eq!(
            reply.ok()["response"]["status"],
            "complete",
            "{algorithm:?}"
        );
    }
}

/// A passkey stored before public keys were converted (no `public_key`) signs in with the
/// key converted from its credential, which is then stored.
#[tokio::test]
async fn a_passkey_without_a_converted_key_signs_in_and_gets_one() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&app.config.database.url)
        .await
        .expect("connect");
    let stored_key = || {
        sqlx::query_scalar::<_, Option<String>>("SELECT public_key FROM passkeys").fetch_one(&pool)
    };
    let converted = stored_key().await.expect("key");
    assert!(converted.is_some(), "registration stores the key");
    sqlx::query("UPDATE passkeys SET public_key = NULL")
        .execute(&pool)
        .await
        .expect("forget the key");
    let reply = app.browser().sign_in(&mut authenticator, &app.url).await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    assert_eq!(stored_key().await.expect("key"), converted);
    pool.close().await;
}

#[tokio::test]
async fn replay_on_the_same_attempt_and_on_a_new_attempt_is_refused() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    attempt.attempt(&credential).await.ok();
    attempt
        .attempt(&credential)
        .await
        .assert_error(400, "verification_already_verified");
    let fresh = start(&app).await;
    refused(
        &fresh,
        &fresh.attempt(&credential).await,
        400,
        "passkey_invalid_verification",
    )
    .await;
}

#[tokio::test]
async fn failed_then_correct_on_one_challenge_is_refused() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let attempt = start(&app).await;
    let good = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    let mut bad = good.clone();
    flip_bit(&mut bad, "signature", 40);
    assert_ne!(attempt.attempt(&bad).await.status, 200);
    refused(
        &attempt,
        &attempt.attempt(&good).await,
        400,
        "verification_already_verified",
    )
    .await;
    let status = attempt.browser.get("/v1/client").await.body["client"]["sign_in"]["first_factor_verification"]["status"].clone();
    assert_eq!(status, "failed");
}

#[tokio::test]
async fn expired_challenge_is_refused() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    app.clock.advance_secs(301);
    let shown = attempt.browser.get("/v1/client").await;
    assert_eq!(
        shown.body["client"]["sign_in"]["first_factor_verification"]["status"],
        "expired"
    );
    refused(
        &attempt,
        &attempt.attempt(&credential).await,
        400,
        "verification_expired",
    )
    .await;
}

#[tokio::test]
async fn deleted_passkey_cannot_sign_in() {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    owner
        .send(
            "DELETE",
            &format!("/v1/me/passkeys/{}", passkey["id"].as_str().unwrap_or("")),
            None,
            Vec::new(),
        )
        .await
        .ok();
    refused(
        &attempt,
        &attempt.attempt(&credential).await,
        404,
        "passkey_not_registered",
    )
    .await;
}

#[tokio::test]
async fn unknown_credential_is_not_registered() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    // A credential created for this RP but never verified by the server.
    let mut authenticator = SoftAuthenticator::new();
    let (_, options) = browser.start_passkey().await;
    authenticator
        .create(&options, &app.url, &Ceremony::default())
        .expect("create");
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get");
    refused(
        &attempt,
        &attempt.attempt(&credential).await,
        404,
        "passkey_not_registered",
    )
    .await;
}

#[tokio::test]
async fn another_users_passkey_is_refused_in_identifier_first_sign_in() {
    let app = TestApp::spawn().await;
    user_with_passkey(&app, "ada").await;
    let (_, mut bobs, _) = user_with_passkey(&app, "bob").await;
    let browser = app.browser();
    let sign_in = browser
        .post(
            "/v1/client/sign_ins",
            &[("identifier", "ada"), ("strategy", "passkey")],
        )
        .await;
    let sign_in = sign_in.ok()["response"].clone();
    let options = sign_in["first_factor_verification"]["nonce"]
        .as_str()
        .expect("nonce");
    // Bob's authenticator ignores allowCredentials and answers with his passkey.
    let mut opts: Value = serde_json::from_str(options).expect("options");
    opts["allowCredentials"] = Value::Array(vec![]);
    let credential = bobs
        .get(&opts.to_string(), &app.url, &Ceremony::default())
        .expect("get");
    let reply = browser
        .attempt_sign_in(
            sign_in["id"].as_str().unwrap_or(""),
            &credential.to_string(),
        )
        .await;
    reply.assert_error(422, "passkey_invalid_public_key_credential");
    assert_eq!(session_count(&browser).await, 0);
}

#[tokio::test]
async fn concurrent_submissions_of_one_assertion_succeed_exactly_once() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let attempt = start(&app).await;
    let credential = authenticator
        .get(&attempt.options, &app.url, &Ceremony::default())
        .expect("get")
        .to_string();
    let replies = futures::future::join_all(
        (0..20).map(|_| attempt.browser.attempt_sign_in(&attempt.id, &credential)),
    )
    .await;
    let successes = replies.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        successes,
        1,
        "{:?}",
        replies
            .iter()
            .map(|r| (r.status, r.code().to_owned()))
            .collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|r| r.status != 200) {
        reply.assert_error(400, "verification_already_verified");
    }
    assert_eq!(session_count(&attempt.browser).await, 1);
}

// ----- registration -----

async fn registration_fails_with(
    app: &TestApp,
    browser: &Browser,
    authenticator: &mut SoftAuthenticator,
    how: Ceremony,
    origin: &str,
    status: u16,
    code: &str,
) {
    let (id, options) = browser.start_passkey().await;
    let credential = authenticator
        .create(&options, origin, &how)
        .expect("create");
    browser
        .finish_passkey(&id, &credential)
        .await
        .assert_error(status, code);
    assert_eq!(
        stored_passkeys(browser).await,
        serde_json::json!([]),
        "{code}: nothing stored"
    );
    let _ = app;
}

#[tokio::test]
async fn registration_checks_origin_type_rp_id_challenge_and_flags() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut a = SoftAuthenticator::new();
    let invalid = "passkey_invalid_public_key_credential";
    registration_fails_with(
        &app,
        &browser,
        &mut a,
        Ceremony::default(),
        "https://evil.example",
        422,
        invalid,
    )
    .await;
    let how = Ceremony {
        client_data_type: Some("webauthn.get".into()),
        ..Ceremony::default()
    };
    registration_fails_with(&app, &browser, &mut a, how, &app.url, 422, invalid).await;
    let how = Ceremony {
        rp_id: Some("evil.example".into()),
        ..Ceremony::default()
    };
    registration_fails_with(&app, &browser, &mut a, how, &app.url, 422, invalid).await;
    let how = Ceremony {
        challenge: Some(vec![1u8; 32]),
        ..Ceremony::default()
    };
    registration_fails_with(
        &app,
        &browser,
        &mut a,
        how,
        &app.url,
        400,
        "passkey_invalid_verification",
    )
    .await;
    let mut no_uv = SoftAuthenticator::new();
    no_uv.user_verified = false;
    registration_fails_with(
        &app,
        &browser,
        &mut no_uv,
        Ceremony::default(),
        &app.url,
        422,
        invalid,
    )
    .await;
    let mut no_up = SoftAuthenticator::new();
    no_up.user_present = false;
    registration_fails_with(
        &app,
        &browser,
        &mut no_up,
        Ceremony::default(),
        &app.url,
        422,
        invalid,
    )
    .await;
}

#[tokio::test]
async fn user_verification_preferred_accepts_uv_off() {
    let app = TestApp::spawn_with(|c| c.webauthn.user_verification = "preferred".into()).await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::new();
    authenticator.user_verified = false;
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    assert_eq!(
        app.browser()
            .sign_in(&mut authenticator, &app.url)
            .await
            .ok()["response"]["status"],
        "complete"
    );
}

#[tokio::test]
async fn tampered_attestation_is_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let (id, options) = browser.start_passkey().await;
    let mut credential = SoftAuthenticator::new()
        .create(&options, &app.url, &Ceremony::default())
        .expect("create");
    credential["response"]["attestationObject"] = Value::String("oWNmbXQ".into()); // CBOR cut short
    browser
        .finish_passkey(&id, &credential)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    assert_eq!(stored_passkeys(&browser).await, serde_json::json!([]));
}

#[tokio::test]
async fn second_passkey_on_the_same_authenticator_is_excluded_and_duplicates_refused() {
    let app = TestApp::spawn().await;
    let (browser, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let (id, options) = browser.start_passkey().await;
    let opts: Value = serde_json::from_str(&options).expect("options");
    assert_eq!(
        opts["excludeCredentials"][0]["id"].as_str(),
        authenticator.last_credential_id().as_deref()
    );
    assert_eq!(
        authenticator.create(&options, &app.url, &Ceremony::default()),
        Err("InvalidStateError")
    );
    // A client that ignores excludeCredentials registers the same credential again.
    let again = Ceremony {
        reuse_credential: true,
        ..Ceremony::default()
    };
    let credential = authenticator
        .create(&options, &app.url, &again)
        .expect("create");
    browser
        .finish_passkey(&id, &credential)
        .await
        .assert_error(422, "passkey_already_exists");
    assert_eq!(
        stored_passkeys(&browser).await.as_array().map(Vec::len),
        Some(1)
    );
    // The same credential id cannot belong to a second user either.
    let bob = app.browser();
    bob.sign_up("bob").await.ok();
    let (id, options) = bob.start_passkey().await;
    let credential = authenticator
        .create(&options, &app.url, &again)
        .expect("create");
    bob.finish_passkey(&id, &credential)
        .await
        .assert_error(422, "passkey_already_exists");
    assert_eq!(stored_passkeys(&bob).await, serde_json::json!([]));
}

#[tokio::test]
async fn passkey_quota_is_checked_at_start_and_finish() {
    let app = TestApp::spawn_with(|c| c.webauthn.max_passkeys_per_user = 2).await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    browser
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await
        .ok();
    // Two registrations started while one passkey exists; the second to finish is over quota.
    let (a_id, a_opts) = browser.start_passkey().await;
    let (b_id, b_opts) = browser.start_passkey().await;
    let a = SoftAuthenticator::new()
        .create(&a_opts, &app.url, &Ceremony::default())
        .expect("create");
    let b = SoftAuthenticator::new()
        .create(&b_opts, &app.url, &Ceremony::default())
        .expect("create");
    browser.finish_passkey(&a_id, &a).await.ok();
    browser
        .finish_passkey(&b_id, &b)
        .await
        .assert_error(403, "passkey_quota_exceeded");
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "passkey_quota_exceeded");
    assert_eq!(
        stored_passkeys(&browser).await.as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn another_users_passkey_id_is_not_found() {
    let app = TestApp::spawn().await;
    let (_, _, adas) = user_with_passkey(&app, "ada").await;
    let (bob, _, _) = user_with_passkey(&app, "bob").await;
    let id = adas["id"].as_str().unwrap_or("");
    bob.post(
        &format!("/v1/me/passkeys/{id}?_method=PATCH"),
        &[("name", "mine")],
    )
    .await
    .assert_error(404, "resource_not_found");
    bob.post(&format!("/v1/me/passkeys/{id}?_method=DELETE"), &[])
        .await
        .assert_error(404, "resource_not_found");
    bob.post(
        &format!("/v1/me/passkeys/{id}/attempt_verification"),
        &[("strategy", "passkey"), ("public_key_credential", "{}")],
    )
    .await
    .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn bad_passkey_names_are_refused() {
    let app = TestApp::spawn().await;
    let (browser, _, passkey) = user_with_passkey(&app, "ada").await;
    let path = format!(
        "/v1/me/passkeys/{}?_method=PATCH",
        passkey["id"].as_str().unwrap_or("")
    );
    for bad in ["", "   ", &"x".repeat(65)] {
        let reply = browser.post(&path, &[("name", bad)]).await;
        reply.assert_error(422, "form_param_value_invalid");
        assert_eq!(reply.param(), "name");
    }
    let reply = browser.post(&path, &[]).await;
    reply.assert_error(422, "form_param_missing");
    assert_eq!(reply.param(), "name");
    assert_eq!(
        stored_passkeys(&browser).await[0]["name"],
        "Chrome on Linux"
    );
}

#[tokio::test]
async fn unverified_passkey_cannot_be_renamed() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let (id, _) = browser.start_passkey().await;
    browser
        .post(
            &format!("/v1/me/passkeys/{id}?_method=PATCH"),
            &[("name", "x")],
        )
        .await
        .assert_error(422, "passkey_identification_not_verified");
}

#[tokio::test]
async fn malformed_credentials_are_format_errors() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let good = authenticator
        .get(&start(&app).await.options, &app.url, &Ceremony::default())
        .expect("get");
    let mut missing = good.clone();
    missing["response"]
        .as_object_mut()
        .map(|r| r.remove("signature"));
    let mut padded = good.clone();
    padded["rawId"] = Value::String(format!("{}==", good["rawId"].as_str().unwrap_or("")));
    let mut not_base64 = good.clone();
    not_base64["response"]["authenticatorData"] = Value::String("!!!not base64!!!".into());
    for bad in [
        "not json".to_owned(),
        "{}".to_owned(),
        "[1,2]".to_owned(),
        missing.to_string(),
        padded.to_string(),
        not_base64.to_string(),
    ] {
        let attempt = start(&app).await;
        let reply = attempt.browser.attempt_sign_in(&attempt.id, &bad).await;
        reply.assert_error(422, "form_param_format_invalid");
        assert_eq!(reply.param(), "public_key_credential");
        assert_eq!(session_count(&attempt.browser).await, 0);
        // The challenge is used up whatever the outcome.
        let again = authenticator
            .get(&attempt.options, &app.url, &Ceremony::default())
            .expect("get");
        attempt
            .attempt(&again)
            .await
            .assert_error(400, "verification_already_verified");
    }
}

#[tokio::test]
async fn missing_strategy_and_credential_are_named() {
    let app = TestApp::spawn().await;
    let attempt = start(&app).await;
    let path = format!("/v1/client/sign_ins/{}/attempt_first_factor", attempt.id);
    let reply = attempt
        .browser
        .post(&path, &[("public_key_credential", "{}")])
        .await;
    reply.assert_error(422, "form_param_missing");
    assert_eq!(reply.param(), "strategy");
    let reply = attempt
        .browser
        .post(
            &path,
            &[("strategy", "password"), ("public_key_credential", "{}")],
        )
        .await;
    reply.assert_error(422, "form_param_value_invalid");
    assert_eq!(reply.param(), "strategy");
    let reply = attempt
        .browser
        .post(&path, &[("strategy", "passkey")])
        .await;
    reply.assert_error(422, "form_param_missing");
    assert_eq!(reply.param(), "public_key_credential");
}

// ----- origins, compared exactly (API.md §3) -----

/// Origins that differ from `origin` (`scheme://host[:port]`) only in how they are
/// written: each is another origin to an exact comparison.
fn spellings_of(origin: &str) -> Vec<String> {
    let (scheme, rest) = origin.split_once("://").expect("an origin");
    vec![
        format!("{origin}/"),
        format!("{origin}/login"),
        format!("{}://{rest}", scheme.to_uppercase()),
        format!("{scheme}://user@{rest}"),
        format!("{origin}?"),
    ]
}

/// Signs in over `client` with client data naming `origin` (and `top_origin`); returns
/// the attempt's reply.
async fn sign_in_from(
    client: &Browser,
    authenticator: &mut SoftAuthenticator,
    origin: &str,
    top_origin: Option<&str>,
) -> Reply {
    let (id, options) = client.start_sign_in().await;
    let how = Ceremony {
        top_origin: top_origin.map(str::to_owned),
        ..Ceremony::default()
    };
    let credential = authenticator.get(&options, origin, &how).expect("get");
    client.attempt_sign_in(&id, &credential.to_string()).await
}

#[tokio::test]
async fn client_data_origin_must_match_a_configured_origin_exactly() {
    let app = TestApp::spawn_with(|c| {
        c.webauthn.origins = Some(vec![
            c.server.public_url.clone(),
            "https://app.example".into(),
        ]);
    })
    .await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let mut refused_origins = spellings_of(&app.url);
    refused_origins.extend(spellings_of("https://app.example"));
    refused_origins.push("https://app.example:443".into());
    for client in [app.browser(), app.native().await] {
        for origin in &refused_origins {
            sign_in_from(&client, &mut authenticator, origin, None)
                .await
                .assert_error(422, "passkey_invalid_public_key_credential");
        }
        assert_eq!(session_count(&client).await, 0, "no session from a refusal");
        for origin in [app.url.as_str(), "https://app.example"] {
            let reply = sign_in_from(&client, &mut authenticator, origin, None).await;
            assert_eq!(reply.ok()["response"]["status"], "complete", "{origin}");
        }
    }

    // Registration: the same spellings are refused, the exact origins accepted.
    for (client, username) in [(app.browser(), "bob"), (app.native().await, "eve")] {
        client.sign_up(username).await.ok();
        let mut fresh = SoftAuthenticator::new();
        for origin in &refused_origins {
            let (id, options) = client.start_passkey().await;
            let credential = fresh
                .create(&options, origin, &Ceremony::default())
                .expect("create");
            client
                .finish_passkey(&id, &credential)
                .await
                .assert_error(422, "passkey_invalid_public_key_credential");
        }
        assert_eq!(stored_passkeys(&client).await, serde_json::json!([]));
        let (id, options) = client.start_passkey().await;
        let credential = fresh
            .create(&options, "https://app.example", &Ceremony::default())
            .expect("create");
        client.finish_passkey(&id, &credential).await.ok();
    }
}

#[tokio::test]
async fn top_origin_must_match_a_configured_origin_exactly() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    for client in [app.browser(), app.native().await] {
        for top in [format!("{}/", app.url), "https://evil.example".to_owned()] {
            sign_in_from(&client, &mut authenticator, &app.url, Some(&top))
                .await
                .assert_error(422, "passkey_invalid_public_key_credential");
        }
        assert_eq!(session_count(&client).await, 0);
        // In an iframe under one of the configured origins.
        let reply = sign_in_from(&client, &mut authenticator, &app.url, Some(&app.url)).await;
        assert_eq!(reply.ok()["response"]["status"], "complete");
    }
    // Registration in a cross-origin iframe is refused whatever its top origin.
    let browser = app.browser();
    browser.sign_up("bob").await.ok();
    let (id, options) = browser.start_passkey().await;
    let how = Ceremony {
        top_origin: Some(app.url.clone()),
        ..Ceremony::default()
    };
    let credential = SoftAuthenticator::new()
        .create(&options, &app.url, &how)
        .expect("create");
    browser
        .finish_passkey(&id, &credential)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
}

#[tokio::test]
async fn related_origins_are_accepted_only_exactly() {
    let app = TestApp::spawn_with(|c| {
        c.webauthn.related_origins = vec!["https://shop.example".into()];
    })
    .await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    for client in [app.browser(), app.native().await] {
        for origin in spellings_of("https://shop.example") {
            sign_in_from(&client, &mut authenticator, &origin, None)
                .await
                .assert_error(422, "passkey_invalid_public_key_credential");
        }
        let reply = sign_in_from(&client, &mut authenticator, "https://shop.example", None).await;
        assert_eq!(reply.ok()["response"]["status"], "complete");
    }
    // Without the setting, the same origin is foreign.
    let bare = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&bare, "ada").await;
    sign_in_from(
        &bare.browser(),
        &mut authenticator,
        "https://shop.example",
        None,
    )
    .await
    .assert_error(422, "passkey_invalid_public_key_credential");
}
