//! Sessions, tokens, sign-out and revocation.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_testkit::{Browser, TestApp};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use serde_json::Value;

use crate::{session_count, signed_in_user_id, user_with_passkey};

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap_or("");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap_or_default())
        .unwrap_or(Value::Null)
}

/// Verifies an ES256 JWT against a JWKS; returns whether the signature holds.
pub fn verifies(jwt: &str, jwks: &Value) -> bool {
    let parts: Vec<&str> = jwt.split('.').collect();
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).unwrap_or_default();
    let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap_or(Value::Null);
    let Some(jwk) = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == header["kid"]))
    else {
        return false;
    };
    let field = |name: &str| decode(jwk[name].as_str().unwrap_or(""));
    let input = format!("{}.{}", parts[0], parts[1]);
    let signature = decode(parts[2]);
    if header["typ"] != "JWT" || header["alg"] != jwk["alg"] {
        return false;
    }
    match jwk["kty"].as_str() {
        Some("EC") => {
            let mut sec1 = vec![4u8];
            sec1.extend(field("x"));
            sec1.extend(field("y"));
            let (Ok(key), Ok(sig)) = (
                VerifyingKey::from_sec1_bytes(&sec1),
                Signature::from_slice(&signature),
            ) else {
                return false;
            };
            header["alg"] == "ES256" && key.verify(input.as_bytes(), &sig).is_ok()
        }
        Some("RSA") => {
            header["alg"] == "RS256"
                && ring::signature::RsaPublicKeyComponents {
                    n: field("n"),
                    e: field("e"),
                }
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    input.as_bytes(),
                    &signature,
                )
                .is_ok()
        }
        _ => false,
    }
}

async fn signed_in(app: &TestApp) -> (Browser, String) {
    signed_in_as(app, "ada").await
}

async fn signed_in_as(app: &TestApp, username: &str) -> (Browser, String) {
    let browser = app.browser();
    let reply = browser.sign_up(username).await;
    let id = reply.ok()["response"]["created_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    (browser, id)
}

async fn token(browser: &Browser, session: &str) -> latchkey_testkit::Reply {
    browser
        .post(&format!("/v1/client/sessions/{session}/tokens"), &[])
        .await
}

#[tokio::test]
async fn session_token_has_the_contract_claims_and_verifies_with_the_jwks() {
    let app = TestApp::spawn().await;
    let (browser, session) = signed_in(&app).await;
    let reply = token(&browser, &session).await;
    assert_eq!(reply.ok()["object"], "token");
    assert!(reply.body.get("client").is_none(), "bare token");
    let jwt = reply.body["jwt"].as_str().expect("jwt");
    let c = claims(jwt);
    assert_eq!(c["iss"], app.url.as_str());
    assert_eq!(c["sid"], session.as_str());
    assert!(c["sub"].as_str().unwrap_or("").starts_with("user_"));
    let iat = c["iat"].as_i64().expect("iat");
    assert!(iat < 100_000_000_000, "seconds");
    assert_eq!(c["nbf"].as_i64(), Some(iat - 5));
    assert_eq!(c["exp"].as_i64(), Some(iat + 60));
    assert_eq!(c["azp"], app.url.as_str());
    assert_eq!(c["sts"], "active");
    assert_eq!(c["v"], 1);
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
    let jwks = app.browser().get("/.well-known/jwks.json").await;
    assert!(verifies(jwt, jwks.ok()));
    let mut forged_claims = c.clone();
    forged_claims["sub"] = Value::String("user_someone_else".into());
    let parts: Vec<&str> = jwt.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(forged_claims.to_string()),
        parts[2]
    );
    assert!(
        !verifies(&forged, jwks.ok()),
        "a changed claim breaks the signature"
    );
}

#[tokio::test]
async fn ended_session_cannot_mint_tokens_or_act() {
    let app = TestApp::spawn().await;
    let (browser, session) = signed_in(&app).await;
    let ended = browser
        .post(&format!("/v1/client/sessions/{session}/end"), &[])
        .await;
    assert_eq!(ended.ok()["response"]["status"], "ended");
    assert_eq!(ended.body["client"]["sessions"], serde_json::json!([]));
    token(&browser, &session)
        .await
        .assert_error(401, "authentication_invalid");
    browser
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn revoked_session_cannot_mint_tokens() {
    let app = TestApp::spawn().await;
    let (browser, _, _) = user_with_passkey(&app, "ada").await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "bob").await;
    // Bob signs in on a phone and on a laptop.
    let phone = app.browser();
    let signed = phone.sign_in(&mut authenticator, &app.url).await;
    let phone_session = signed.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let bob = app.browser();
    bob.sign_in(&mut authenticator, &app.url).await.ok();
    let sessions = bob.get("/v1/me/sessions").await;
    assert_eq!(
        sessions.ok()["response"].as_array().map(Vec::len),
        Some(3),
        "sign-up, phone and this one"
    );
    let revoked = bob
        .post(&format!("/v1/me/sessions/{phone_session}/revoke"), &[])
        .await;
    assert_eq!(revoked.ok()["response"]["status"], "revoked");
    token(&phone, &phone_session)
        .await
        .assert_error(401, "authentication_invalid");
    // Another user's session is not found.
    let ada_session = browser.get("/v1/client").await.body["client"]["last_active_session_id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    bob.post(&format!("/v1/me/sessions/{ada_session}/revoke"), &[])
        .await
        .assert_error(404, "resource_not_found");
    assert_eq!(session_count(&browser).await, 1);
}

#[tokio::test]
async fn expired_and_abandoned_sessions_cannot_mint_tokens() {
    let app = TestApp::spawn_with(|c| {
        c.sessions.lifetime_secs = 7200;
        c.sessions.inactivity_secs = 600;
    })
    .await;
    let (browser, session) = signed_in(&app).await;
    app.clock.advance_secs(500);
    token(&browser, &session).await.ok();
    app.clock.advance_secs(500);
    // Refreshed 500 s ago, inactivity limit 600 s: still alive.
    token(&browser, &session).await.ok();
    app.clock.advance_secs(601);
    token(&browser, &session)
        .await
        .assert_error(401, "authentication_invalid");
    let (browser, session) = signed_in_as(&app, "grace").await;
    for _ in 0..12 {
        app.clock.advance_secs(590);
        token(&browser, &session).await.ok();
    }
    app.clock.advance_secs(590);
    token(&browser, &session)
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn touch_makes_a_session_the_last_active_one() {
    let app = TestApp::spawn().await;
    let (browser, first) = signed_in(&app).await;
    let second = browser
        .post("/v1/client/sign_ups", &[("username", "grace")])
        .await;
    let second = second.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    assert_eq!(
        browser.get("/v1/me").await.body["response"]["username"],
        "grace"
    );
    let touched = browser
        .post(&format!("/v1/client/sessions/{first}/touch"), &[])
        .await;
    assert_eq!(touched.ok()["response"]["id"], first.as_str());
    assert_eq!(
        touched.body["client"]["last_active_session_id"],
        first.as_str()
    );
    assert_eq!(
        browser.get("/v1/me").await.body["response"]["username"],
        "ada"
    );
    let named = browser
        .get(&format!("/v1/me?_latchkey_session_id={second}"))
        .await;
    assert_eq!(named.ok()["response"]["username"], "grace");
}

#[tokio::test]
async fn deleting_the_client_ends_every_session() {
    let app = TestApp::spawn().await;
    let (browser, session) = signed_in(&app).await;
    browser
        .post("/v1/client/sign_ups", &[("username", "grace")])
        .await
        .ok();
    assert_eq!(session_count(&browser).await, 2);
    let reply = browser.send("DELETE", "/v1/client", None, Vec::new()).await;
    assert_eq!(reply.ok()["client"]["sessions"], serde_json::json!([]));
    token(&browser, &session)
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn another_clients_session_is_not_found() {
    let app = TestApp::spawn().await;
    let (_, session) = signed_in(&app).await;
    let stranger = app.browser();
    stranger
        .post("/v1/client/sign_ups", &[("username", "eve")])
        .await
        .ok();
    token(&stranger, &session)
        .await
        .assert_error(404, "resource_not_found");
    stranger
        .post(&format!("/v1/client/sessions/{session}/end"), &[])
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn native_clients_use_a_bearer_token() {
    let app = TestApp::spawn().await;
    let mut native = latchkey_testkit::Browser::new(&app.url, None);
    let reply = native
        .post("/v1/client/sign_ups?_is_native=1", &[("username", "ada")])
        .await;
    reply.ok();
    assert!(
        reply.headers.get("set-cookie").is_none(),
        "no cookie for native callers"
    );
    let token = reply
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .expect("token header")
        .to_owned();
    assert!(!token.starts_with("Bearer"));
    let cookieless = latchkey_testkit::Browser::new(&app.url, None);
    native = cookieless;
    native.bearer = Some(token.clone());
    assert_eq!(
        native.get("/v1/me").await.ok()["response"]["username"],
        "ada"
    );
    // State changes with a bearer token need no Origin.
    native
        .register_passkey(&mut latchkey_testkit::SoftAuthenticator::new(), &app.url)
        .await
        .ok();
    native.bearer = Some("not-a-token".into());
    native
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn token_refreshes_record_activity_to_a_tenth_of_the_inactivity_limit() {
    let app = TestApp::spawn_with(|c| c.sessions.inactivity_secs = 600).await;
    let (browser, session) = signed_in(&app).await;
    let activity = || async {
        let client = browser.get("/v1/client").await;
        let session = &client.ok()["response"]["sessions"][0];
        (
            session["last_active_at"].as_i64().expect("last_active_at"),
            session["abandon_at"].as_i64().expect("abandon_at"),
        )
    };
    let (signed_in_at, first_abandon_at) = activity().await;
    // Within a tenth of the 600 s limit of the last record: nothing is written.
    app.clock.advance_secs(59);
    token(&browser, &session).await.ok();
    assert_eq!(activity().await, (signed_in_at, first_abandon_at));
    // A minute after it: the refresh is recorded and pushes abandonment back.
    app.clock.advance_secs(1);
    token(&browser, &session).await.ok();
    assert_eq!(
        activity().await,
        (signed_in_at + 60_000, first_abandon_at + 60_000)
    );
}

#[tokio::test]
async fn a_deleted_users_sessions_are_invalid_credentials() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let signed_up = browser.sign_up("ada").await;
    let user_id = signed_up.ok()["response"]["created_user_id"]
        .as_str()
        .expect("user id")
        .to_owned();
    let browser_session = signed_up.body["response"]["created_session_id"]
        .as_str()
        .expect("session id")
        .to_owned();
    let native = app.native().await;
    let native_session = native
        .post("/v1/client/sign_ups", &[("username", "ada2")])
        .await
        .ok()["response"]["created_session_id"]
        .as_str()
        .expect("session id")
        .to_owned();
    let bob = app.browser();
    bob.sign_up("bob").await.ok();
    let mut backend = Browser::new(&app.base, None);
    backend.bearer = Some(app.secret_key().to_owned());
    // ada2 is a second user: delete both of the clients' users.
    let native_user = signed_in_user_id(&native).await;
    for (client, session, user) in [
        (&browser, &browser_session, &user_id),
        (&native, &native_session, &native_user),
    ] {
        let token_path = format!("/v1/client/sessions/{session}/tokens");
        client.post(&token_path, &[]).await.ok();
        backend
            .send(
                "DELETE",
                &format!("/backend/v1/users/{user}"),
                None,
                Vec::new(),
            )
            .await
            .ok();
        for reply in [
            client.get("/v1/me").await,
            client
                .get(&format!("/v1/me?_latchkey_session_id={session}"))
                .await,
            client.get("/v1/me/sessions").await,
            client.post("/v1/me/passkeys", &[]).await,
            client.post(&token_path, &[]).await,
            client
                .post(&format!("/v1/client/sessions/{session}/touch"), &[])
                .await,
            client
                .post(&format!("/v1/client/sessions/{session}/end"), &[])
                .await,
        ] {
            reply.assert_error(401, "authentication_invalid");
        }
        // A session id the client never held is still unknown.
        client
            .post("/v1/client/sessions/sess_unknown/tokens", &[])
            .await
            .assert_error(404, "resource_not_found");
        assert_eq!(session_count(client).await, 0);
    }
    assert_eq!(bob.get("/v1/me").await.ok()["response"]["username"], "bob");
}

#[tokio::test]
async fn browser_cookie_is_host_prefixed_on_https() {
    let app = TestApp::spawn_with(|c| {
        c.server.public_url = c.server.public_url.replace("http://", "https://");
    })
    .await;
    let origin = app.url.clone();
    let http = reqwest::Client::new();
    let signed_up = http
        .post(format!("{}/v1/client/sign_ups", app.base))
        .header("origin", &origin)
        .form(&[("username", "ada")])
        .send()
        .await
        .expect("sign up");
    assert_eq!(signed_up.status(), 200);
    let cookie = signed_up
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie")
        .to_owned();
    let (pair, attributes) = cookie.split_once(';').expect("attributes");
    let (name, token) = pair.split_once('=').expect("name=value");
    assert_eq!(name, "__Host-__client");
    for attribute in ["Secure", "HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(attributes.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!attributes.contains("Domain"), "host-only: {cookie}");
    let me = |cookie: String| {
        http.get(format!("{}/v1/me", app.base))
            .header("cookie", cookie)
            .send()
    };
    let prefixed = me(format!("__Host-__client={token}")).await.expect("me");
    assert_eq!(prefixed.status(), 200);
    // Behind HTTPS the unprefixed name (which a sibling subdomain could set) is not read.
    let unprefixed = me(format!("__client={token}")).await.expect("me");
    assert_eq!(unprefixed.status(), 401);

    // On plain HTTP (development) the cookie keeps its unprefixed name, without Secure.
    let dev = TestApp::spawn().await;
    let reply = dev.browser().sign_up("ada").await;
    let cookie = reply
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("a cookie");
    assert!(cookie.starts_with("__client="), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
}

/// The `last_active_token` of session `id` in a response's client, checked against the
/// server's JWKS; returns its claims.
async fn first_token(app: &TestApp, reply: &latchkey_testkit::Reply, id: &str) -> Value {
    let sessions = reply.ok()["client"]["sessions"]
        .as_array()
        .expect("sessions");
    let session = sessions
        .iter()
        .find(|s| s["id"] == id)
        .expect("the session");
    assert_eq!(session["last_active_token"]["object"], "token");
    let jwt = session["last_active_token"]["jwt"].as_str().expect("a jwt");
    let jwks = app.browser().get("/.well-known/jwks.json").await;
    assert!(verifies(jwt, jwks.ok()), "signed with a published key");
    claims(jwt)
}

#[tokio::test]
async fn completed_attempts_carry_the_new_sessions_first_token() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let signed_up = browser.sign_up("ada").await;
    let session = signed_up.ok()["response"]["created_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    let token = first_token(&app, &signed_up, &session).await;
    assert_eq!(token["sid"], session.as_str());
    assert_eq!(token["sts"], "active");
    assert_eq!(token["azp"], app.url.as_str());
    let shown = &signed_up.ok()["client"]["sessions"][0];
    assert_eq!(shown["public_user_data"]["identifier"], "ada");
    assert_eq!(shown["public_user_data"]["user_id"], shown["user"]["id"]);
    assert_eq!(shown["public_user_data"]["has_image"], false);
    let mut authenticator = latchkey_testkit::SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &app.url)
        .await
        .ok();
    // Other responses show the session without a token.
    let client = browser.get("/v1/client").await;
    assert_eq!(
        client.ok()["client"]["sessions"][0]["last_active_token"],
        Value::Null
    );

    for signer in [app.browser(), app.native().await] {
        let signed_in = signer.sign_in(&mut authenticator, &app.url).await;
        let created = signed_in.ok()["response"]["created_session_id"]
            .as_str()
            .expect("session")
            .to_owned();
        let token = first_token(&app, &signed_in, &created).await;
        assert_eq!(token["sid"], created.as_str());
        assert_eq!(token["sub"], signed_up.body["response"]["created_user_id"]);
    }

    // A passkey-first sign-up completes with its token too.
    let native = app.native().await;
    let started = native
        .post(
            "/v1/client/sign_ups",
            &[("strategy", "passkey"), ("username", "bob")],
        )
        .await;
    let sign_up = started.ok()["response"].clone();
    let options = sign_up["verification"]["nonce"].as_str().expect("options");
    let credential = latchkey_testkit::SoftAuthenticator::new()
        .create(options, &app.url, &latchkey_testkit::Ceremony::default())
        .expect("create");
    let completed = native
        .post(
            &format!(
                "/v1/client/sign_ups/{}/attempt_verification",
                sign_up["id"].as_str().expect("id")
            ),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential.to_string()),
            ],
        )
        .await;
    let created = completed.ok()["response"]["created_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    assert_eq!(
        first_token(&app, &completed, &created).await["sid"],
        created.as_str()
    );
}

/// A second session, for `grace`, on the browser that holds `ada`'s.
async fn second_session(browser: &Browser) -> String {
    browser.sign_up("grace").await.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned()
}

#[tokio::test]
async fn removing_a_session_signs_it_out_as_removed_and_keeps_the_others() {
    let app = TestApp::spawn().await;
    let (browser, adas) = signed_in(&app).await;
    let graces = second_session(&browser).await;
    let removed = browser
        .post(&format!("/v1/client/sessions/{graces}/remove"), &[])
        .await;
    assert_eq!(removed.ok()["response"]["id"], graces.as_str());
    assert_eq!(removed.body["response"]["status"], "removed");
    let sessions = removed.body["client"]["sessions"]
        .as_array()
        .expect("sessions");
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["id"], adas.as_str());
    assert_eq!(
        removed.body["client"]["last_active_session_id"],
        adas.as_str()
    );
    token(&browser, &graces)
        .await
        .assert_error(401, "authentication_invalid");
    browser
        .post(&format!("/v1/client/sessions/{graces}/remove"), &[])
        .await
        .assert_error(401, "authentication_invalid");
    token(&browser, &adas).await.ok();
    // Another client's session is not found, as for `end`.
    let (stranger, _) = signed_in_as(&app, "eve").await;
    stranger
        .post(&format!("/v1/client/sessions/{adas}/remove"), &[])
        .await
        .assert_error(404, "resource_not_found");
    token(&browser, &adas).await.ok();
}

#[tokio::test]
async fn removing_the_clients_sessions_signs_every_one_out_and_keeps_the_client() {
    let app = TestApp::spawn().await;
    let (browser, adas) = signed_in(&app).await;
    let graces = second_session(&browser).await;
    let client_id = browser.get("/v1/client").await.ok()["response"]["id"].clone();
    let reply = browser
        .send("DELETE", "/v1/client/sessions", None, Vec::new())
        .await;
    assert_eq!(reply.ok()["response"]["id"], client_id);
    assert_eq!(reply.body["response"]["sessions"], serde_json::json!([]));
    assert_eq!(reply.body["client"]["last_active_session_id"], Value::Null);
    for session in [&adas, &graces] {
        token(&browser, session)
            .await
            .assert_error(401, "authentication_invalid");
    }
    browser
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
    // The same client signs in again.
    let again = browser.sign_up("hedy").await;
    assert_eq!(again.ok()["client"]["id"], client_id);
    assert_eq!(session_count(&browser).await, 1);
    // Without a client there is nothing to sign out of.
    app.browser()
        .send("DELETE", "/v1/client/sessions", None, Vec::new())
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn the_vendor_session_query_parameter_names_the_session_like_ours() {
    let app = TestApp::spawn().await;
    let (browser, adas) = signed_in(&app).await;
    let graces = second_session(&browser).await;
    let me = |query: String| {
        let browser = &browser;
        async move { browser.get(&format!("/v1/me?{query}")).await }
    };
    assert_eq!(
        me(format!("_clerk_session_id={adas}")).await.ok()["response"]["username"],
        "ada"
    );
    assert_eq!(
        me(format!("_clerk_session_id={graces}")).await.ok()["response"]["username"],
        "grace"
    );
    // Ours wins when both are given.
    assert_eq!(
        me(format!(
            "_clerk_session_id={adas}&_latchkey_session_id={graces}"
        ))
        .await
        .ok()["response"]["username"],
        "grace"
    );
    me("_clerk_session_id=sess_unknown".into())
        .await
        .assert_error(401, "authentication_invalid");
}
