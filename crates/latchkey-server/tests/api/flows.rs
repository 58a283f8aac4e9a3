//! The happy paths of every Frontend API flow.

use latchkey_testkit::{Ceremony, SoftAuthenticator, TestApp};
use serde_json::Value;

use crate::{prepare_passkey, session_count, user_with_passkey};

#[tokio::test]
async fn environment_describes_the_configuration() {
    let app = TestApp::spawn().await;
    let env = app.browser().get("/v1/environment").await;
    let body = env.ok();
    assert_eq!(body["auth_config"]["passkey"]["enabled"], true);
    assert_eq!(body["auth_config"]["passkey"]["max_per_user"], 10);
    assert_eq!(body["display_config"]["rp_id"], "localhost");
    assert!(body.get("response").is_none(), "not enveloped");
}

#[tokio::test]
async fn the_environment_describes_the_settings_as_the_vendors_ui_reads_them() {
    let app = TestApp::spawn().await;
    let env = app.browser().get("/v1/environment").await.ok().clone();
    let settings = &env["user_settings"];
    let attributes = &settings["attributes"];
    for (name, enabled, first_factor) in [
        ("username", true, true),
        ("email_address", true, true),
        ("passkey", true, true),
        ("password", false, false),
        ("phone_number", false, false),
        ("web3_wallet", false, false),
        ("authenticator_app", false, false),
    ] {
        assert_eq!(attributes[name]["enabled"], enabled, "{name}");
        assert_eq!(
            attributes[name]["used_for_first_factor"], first_factor,
            "{name}"
        );
    }
    assert_eq!(attributes["username"]["required"], true);
    assert_eq!(
        attributes["passkey"]["first_factors"],
        serde_json::json!(["passkey"])
    );
    assert_eq!(
        attributes["email_address"]["first_factors"],
        serde_json::json!(["email_code"])
    );
    assert_eq!(settings["passkey_settings"]["show_sign_in_button"], true);
    assert_eq!(settings["sign_up"]["mode"], "public");
    assert_eq!(settings["username_settings"]["min_length"], 3);
    assert_eq!(settings["social"], serde_json::json!({}));
    assert_eq!(env["organization_settings"]["enabled"], false);

    // The same document follows the configuration.
    let app = TestApp::spawn_with(|c| {
        c.auth.passkey = false;
        c.auth.sign_up_with_username = false;
        c.auth.sign_up_with_passkey = false;
        c.auth.email_code = "off".into();
    })
    .await;
    let env = app.browser().get("/v1/environment").await.ok().clone();
    let settings = &env["user_settings"];
    assert_eq!(settings["attributes"]["passkey"]["enabled"], false);
    assert_eq!(settings["attributes"]["email_address"]["enabled"], false);
    assert_eq!(settings["attributes"]["username"]["required"], false);
    assert_eq!(settings["passkey_settings"]["allow_autofill"], false);
    assert_eq!(settings["sign_up"]["mode"], "restricted");
}

#[tokio::test]
async fn the_vendor_sdks_development_mode_calls_are_answered() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    // A development browser: a fresh id each time, which the SDK then sends back.
    let first = browser.post("/v1/dev_browser", &[]).await;
    assert_eq!(first.ok()["object"], "dev_browser");
    let id = first.body["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("dvb_"), "{id}");
    assert_ne!(
        browser.post("/v1/dev_browser", &[]).await.ok()["id"],
        id.as_str()
    );
    // The environment touch answers what GET does.
    let touched = browser
        .post("/v1/environment?_method=PATCH", &[])
        .await
        .ok()
        .clone();
    assert_eq!(touched, browser.get("/v1/environment").await.ok().clone());
    // The id rides along on every call; the client cookie still says who is calling.
    let signed_up = browser
        .post(
            &format!("/v1/client/sign_ups?__clerk_db_jwt={id}"),
            &[("username", "ada")],
        )
        .await;
    let client_id = signed_up.ok()["client"]["id"].clone();
    let me = browser.get(&format!("/v1/me?__clerk_db_jwt={id}")).await;
    assert_eq!(me.ok()["response"]["username"], "ada");
    assert_eq!(me.body["client"]["id"], client_id);
    // Another browser sending the same id is not that client.
    app.browser()
        .get(&format!("/v1/me?__clerk_db_jwt={id}"))
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn client_is_null_before_the_first_call_that_needs_one() {
    let app = TestApp::spawn().await;
    let reply = app.browser().get("/v1/client").await;
    assert_eq!(reply.ok()["response"], Value::Null);
    assert_eq!(reply.body["client"], Value::Null);
}

#[tokio::test]
async fn username_sign_up_creates_user_and_active_session() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let reply = browser
        .post(
            "/v1/client/sign_ups",
            &[
                ("username", "Ada"),
                ("email_address", "ada@example.com"),
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
            ],
        )
        .await;
    let sign_up = &reply.ok()["response"];
    assert_eq!(sign_up["object"], "sign_up_attempt");
    assert_eq!(sign_up["status"], "complete");
    assert!(sign_up["id"].as_str().unwrap_or("").starts_with("sua_"));
    let session_id = sign_up["created_session_id"].as_str().expect("session");
    assert!(session_id.starts_with("sess_"));
    let set_cookie = reply
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(
        set_cookie.starts_with("__client=")
            && set_cookie.contains("HttpOnly")
            && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    let client = &reply.body["client"];
    assert_eq!(client["last_active_session_id"], session_id);
    let user = &client["sessions"][0]["user"];
    assert_eq!(user["username"], "ada");
    assert_eq!(
        user["email_addresses"][0]["email_address"],
        "ada@example.com"
    );
    assert_eq!(user["first_name"], "Ada");
    assert!(user["id"].as_str().unwrap_or("").starts_with("user_"));
    assert!(
        user["created_at"].as_i64().unwrap_or(0) > 1_600_000_000_000,
        "milliseconds"
    );
    let me = browser.get("/v1/me").await;
    assert_eq!(me.ok()["response"]["username"], "ada");
}

#[tokio::test]
async fn sign_up_without_username_is_missing_requirements() {
    let app = TestApp::spawn().await;
    let reply = app.browser().post("/v1/client/sign_ups", &[]).await;
    let sign_up = &reply.ok()["response"];
    assert_eq!(sign_up["status"], "missing_requirements");
    assert_eq!(sign_up["missing_fields"][0], "username");
    assert_eq!(sign_up["created_session_id"], Value::Null);
}

#[tokio::test]
async fn passkey_registration_names_the_passkey_and_lists_it() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let (id, options) = browser.start_passkey().await;
    assert!(id.starts_with("pk_"));
    let opts: Value = serde_json::from_str(&options).expect("options JSON");
    assert_eq!(opts["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        opts["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(opts["rp"]["id"], "localhost");
    assert_eq!(opts["attestation"], "none");
    let algs: Vec<i64> = opts["pubKeyCredParams"]
        .as_array()
        .expect("algs")
        .iter()
        .filter_map(|p| p["alg"].as_i64())
        .collect();
    assert!(algs.contains(&-7) && algs.contains(&-257), "{algs:?}");
    let user_id = opts["user"]["id"].as_str().expect("user handle");
    assert_eq!(
        latchkey_core::encoding::from_b64url(user_id).map(|h| h.len()),
        Some(16)
    );
    assert_eq!(
        opts["challenge"]
            .as_str()
            .and_then(latchkey_core::encoding::from_b64url)
            .map(|c| c.len()),
        Some(32)
    );
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator
        .create(&options, &app.url, &Ceremony::default())
        .expect("create");
    let reply = browser.finish_passkey(&id, &credential).await;
    let passkey = &reply.ok()["response"];
    assert_eq!(passkey["verification"]["status"], "verified");
    assert_eq!(passkey["verification"]["nonce"], Value::Null);
    assert_eq!(passkey["name"], "Chrome on Linux");
    assert_eq!(passkey["provider"], Value::Null);
    assert_eq!(
        passkey["transports"],
        serde_json::json!(["internal", "hybrid"])
    );
    let me = browser.get("/v1/me").await;
    assert_eq!(me.ok()["response"]["passkeys"][0]["id"], id.as_str());
}

#[tokio::test]
async fn known_aaguid_names_the_passkey_after_its_provider() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::with_aaguid("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4");
    let reply = browser.register_passkey(&mut authenticator, &app.url).await;
    let passkey = &reply.ok()["response"];
    assert_eq!(passkey["name"], "Google Password Manager");
    assert_eq!(passkey["aaguid"], "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4");
    assert_eq!(passkey["provider"]["name"], "Google Password Manager");
    assert!(
        passkey["provider"]["icon_light"]
            .as_str()
            .unwrap_or("")
            .starts_with("data:image/")
    );
}

#[tokio::test]
async fn unknown_user_agent_and_aaguid_give_passkey() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    browser.user_agent = "curl/8.5".into();
    browser.sign_up("ada").await.ok();
    let reply = browser
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await;
    assert_eq!(reply.ok()["response"]["name"], "Passkey");
}

#[tokio::test]
async fn discoverable_sign_in_creates_a_session_and_updates_last_used() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    assert_eq!(passkey["last_used_at"], Value::Null);
    let other = app.browser();
    let (id, options) = other.start_sign_in().await;
    assert!(id.starts_with("sia_"));
    let opts: Value = serde_json::from_str(&options).expect("options");
    assert_eq!(
        opts["allowCredentials"]
            .as_array()
            .map(Vec::len)
            .unwrap_or(0),
        0,
        "discoverable"
    );
    assert_eq!(opts["rpId"], "localhost");
    let credential = authenticator
        .get(&options, &app.url, &Ceremony::default())
        .expect("get");
    let reply = other.attempt_sign_in(&id, &credential.to_string()).await;
    let sign_in = &reply.ok()["response"];
    assert_eq!(sign_in["status"], "complete");
    let session_id = sign_in["created_session_id"].as_str().expect("session");
    assert_eq!(reply.body["client"]["last_active_session_id"], session_id);
    assert_eq!(reply.body["client"]["sessions"][0]["id"], session_id);
    let me = other.get("/v1/me").await;
    let user = &me.ok()["response"];
    assert_eq!(user["username"], "ada");
    assert!(
        user["passkeys"][0]["last_used_at"].as_i64().is_some(),
        "last_used_at updated"
    );
    assert!(user["last_sign_in_at"].as_i64().is_some());
}

#[tokio::test]
async fn credential_as_json_object_in_a_json_body_is_accepted() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let other = app.browser();
    let (id, options) = other.start_sign_in().await;
    let credential = authenticator
        .get(&options, &app.url, &Ceremony::default())
        .expect("get");
    let reply = other
        .post_json(
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &serde_json::json!({ "strategy": "passkey", "public_key_credential": credential }),
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
}

#[tokio::test]
async fn identifier_first_sign_in_allows_only_that_users_passkeys() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    let other = app.browser();
    let reply = other
        .post("/v1/client/sign_ins", &[("identifier", "ADA")])
        .await;
    let sign_in = &reply.ok()["response"];
    assert_eq!(sign_in["status"], "needs_first_factor");
    assert_eq!(sign_in["identifier"], "ADA");
    assert_eq!(sign_in["supported_first_factors"][0]["strategy"], "passkey");
    let id = sign_in["id"].as_str().expect("id");
    let options = prepare_passkey(
        &other,
        &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
    )
    .await;
    let opts: Value = serde_json::from_str(&options).expect("options");
    assert_eq!(opts["allowCredentials"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        opts["allowCredentials"][0]["id"].as_str(),
        authenticator.last_credential_id().as_deref()
    );
    let credential = authenticator
        .get(&options, &app.url, &Ceremony::default())
        .expect("get");
    let reply = other.attempt_sign_in(id, &credential.to_string()).await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    assert_eq!(
        reply.body["client"]["sessions"][0]["user"]["passkeys"][0]["id"],
        passkey["id"]
    );
}

#[tokio::test]
async fn sign_in_with_email_identifier() {
    let app = TestApp::spawn().await;
    app.browser()
        .post(
            "/v1/client/sign_ups",
            &[("username", "ada"), ("email_address", "ada@example.com")],
        )
        .await
        .ok();
    let reply = app
        .browser()
        .post("/v1/client/sign_ins", &[("identifier", "Ada@Example.com")])
        .await;
    assert_eq!(reply.ok()["response"]["status"], "needs_first_factor");
    // No passkey yet: only a code mailed to the (masked) address.
    let factors = &reply.body["response"]["supported_first_factors"];
    assert_eq!(factors.as_array().map(Vec::len), Some(1), "{factors}");
    assert_eq!(factors[0]["strategy"], "email_code");
    assert_eq!(factors[0]["safe_identifier"], "a***@example.com");
    assert!(
        factors[0]["email_address_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("idn_")),
        "{factors}"
    );
}

#[tokio::test]
async fn passkey_first_sign_up_creates_user_passkey_and_session_at_once() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let reply = browser
        .post(
            "/v1/client/sign_ups",
            &[("strategy", "passkey"), ("username", "grace")],
        )
        .await;
    let sign_up = &reply.ok()["response"];
    assert_eq!(sign_up["status"], "missing_requirements");
    assert_eq!(sign_up["verification"]["status"], "unverified");
    let id = sign_up["id"].as_str().expect("id");
    let options = sign_up["verification"]["nonce"].as_str().expect("nonce");
    let opts: Value = serde_json::from_str(options).expect("options");
    assert_eq!(opts["user"]["name"], "grace");
    assert_eq!(opts["authenticatorSelection"]["residentKey"], "required");
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator
        .create(options, &app.url, &Ceremony::default())
        .expect("create");
    let reply = browser
        .post(
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential.to_string()),
            ],
        )
        .await;
    let sign_up = &reply.ok()["response"];
    assert_eq!(sign_up["status"], "complete");
    assert!(sign_up["created_user_id"].as_str().is_some());
    assert_eq!(reply.body["client"]["sessions"][0]["status"], "active");
    assert_eq!(
        reply.body["client"]["sessions"][0]["user"]["passkeys"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    // And the passkey signs in from a fresh browser.
    let other = app.browser();
    assert_eq!(
        other.sign_in(&mut authenticator, &app.url).await.ok()["response"]["status"],
        "complete"
    );
    assert_eq!(session_count(&other).await, 1);
}

#[tokio::test]
async fn usernameless_passkey_first_sign_up() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let reply = browser
        .post("/v1/client/sign_ups", &[("strategy", "passkey")])
        .await;
    let sign_up = reply.ok()["response"].clone();
    let options = sign_up["verification"]["nonce"].as_str().expect("nonce");
    let credential = SoftAuthenticator::new()
        .create(options, &app.url, &Ceremony::default())
        .expect("create");
    let reply = browser
        .post(
            &format!(
                "/v1/client/sign_ups/{}/attempt_verification",
                sign_up["id"].as_str().unwrap_or("")
            ),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential.to_string()),
            ],
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    assert_eq!(
        reply.body["client"]["sessions"][0]["user"]["username"],
        Value::Null
    );
}

#[tokio::test]
async fn rename_and_delete_a_passkey() {
    let app = TestApp::spawn().await;
    let (browser, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    let id = passkey["id"].as_str().expect("id");
    let renamed = browser
        .post(
            &format!("/v1/me/passkeys/{id}?_method=PATCH"),
            &[("name", "  Work laptop ")],
        )
        .await;
    assert_eq!(renamed.ok()["response"]["name"], "Work laptop");
    let me = browser.get("/v1/me").await;
    assert_eq!(me.ok()["response"]["passkeys"][0]["name"], "Work laptop");
    let deleted = browser
        .send("DELETE", &format!("/v1/me/passkeys/{id}"), None, Vec::new())
        .await;
    assert_eq!(
        deleted.ok()["response"],
        serde_json::json!({ "object": "passkey", "id": id, "deleted": true })
    );
    assert_eq!(
        browser.get("/v1/me").await.ok()["response"]["passkeys"],
        serde_json::json!([])
    );
    // Deleted means unusable at once.
    let other = app.browser();
    other
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(404, "passkey_not_registered");
    assert_eq!(session_count(&other).await, 0);
}

#[tokio::test]
async fn synced_passkey_whose_backup_flags_change_keeps_working() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::new();
    authenticator.use_counter = false;
    let passkey = browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok()["response"]
        .clone();
    assert_eq!(passkey["backed_up"], false);
    // The provider starts syncing: BE and BS both become set.
    authenticator.backup_eligible = true;
    authenticator.backup_state = true;
    let other = app.browser();
    assert_eq!(
        other.sign_in(&mut authenticator, &app.url).await.ok()["response"]["status"],
        "complete"
    );
    assert_eq!(
        other.get("/v1/me").await.ok()["response"]["passkeys"][0]["backed_up"],
        true
    );
    // And it keeps signing in (counter stays 0 for synced passkeys).
    authenticator.backup_state = false;
    assert_eq!(
        app.browser()
            .sign_in(&mut authenticator, &app.url)
            .await
            .ok()["response"]["status"],
        "complete"
    );
}

#[tokio::test]
async fn require_passkey_makes_sessions_pending_until_a_passkey_is_verified() {
    let app = TestApp::spawn_with(|c| c.sessions.require_passkey = true).await;
    let browser = app.browser();
    let reply = browser.sign_up("ada").await;
    let session = &reply.ok()["client"]["sessions"][0];
    assert_eq!(session["status"], "pending");
    assert_eq!(
        session["tasks"],
        serde_json::json!([{ "key": "setup-passkey" }])
    );
    let session_id = session["id"].as_str().expect("id").to_owned();
    let token = browser
        .post(&format!("/v1/client/sessions/{session_id}/tokens"), &[])
        .await;
    let claims = crate::sessions::claims(token.ok()["jwt"].as_str().expect("jwt"));
    assert_eq!(claims["sts"], "pending");
    let registered = browser
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await;
    assert_eq!(registered.ok()["client"]["sessions"][0]["status"], "active");
    assert_eq!(
        registered.body["client"]["sessions"][0]["tasks"],
        Value::Null
    );
    let token = browser
        .post(&format!("/v1/client/sessions/{session_id}/tokens"), &[])
        .await;
    assert_eq!(
        crate::sessions::claims(token.ok()["jwt"].as_str().expect("jwt"))["sts"],
        "active"
    );
}

#[tokio::test]
async fn a_new_clients_first_sign_in_shows_the_client_as_stored() {
    let app = TestApp::spawn().await;
    app.browser().sign_up("ada").await.ok();
    // Discoverable, then identifier-first: the answer builds the new client's view from
    // what it wrote; it must be the view read back.
    for form in [vec![("strategy", "passkey")], vec![("identifier", "ada")]] {
        let (native, reply) = app.native_call("/v1/client/sign_ins", &form).await;
        let answered = reply.ok()["client"].clone();
        assert!(answered["sign_in"]["id"].is_string(), "{answered}");
        assert_eq!(answered["sessions"], serde_json::json!([]));
        let stored = native.get("/v1/client").await.ok()["response"].clone();
        assert_eq!(answered, stored, "{form:?}");
    }
}
