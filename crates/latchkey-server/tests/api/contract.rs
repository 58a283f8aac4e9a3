//! Rules of the contract (API.md) that no other file checks, one test per rule, named
//! after it. `docs/conformance.md` maps every rule to its test. Where a rule holds for
//! both ways of calling the Frontend API, the test runs it for a browser (cookie and
//! `Origin`) and for a native app (`?_is_native=1`, then a bearer token).

use latchkey_testkit::{Browser, Ceremony, Reply, SoftAuthenticator, TestApp, flip_bit};
use serde_json::{Value, json};

use crate::sessions::claims;
use crate::{session_count, user_with_passkey};

/// The two ways of calling the Frontend API.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Transport {
    Browser,
    Native,
}

const TRANSPORTS: [Transport; 2] = [Transport::Browser, Transport::Native];

/// A new caller whose first call is `POST path` with `form`: a browser on the server's
/// origin, or a native app that asks for its client token and then sends it as a bearer.
async fn first_call(
    app: &TestApp,
    transport: Transport,
    path: &str,
    form: &[(&str, &str)],
) -> (Browser, Reply) {
    match transport {
        Transport::Browser => {
            let browser = app.browser();
            let reply = browser.post(path, form).await;
            (browser, reply)
        }
        Transport::Native => app.native_call(path, form).await,
    }
}

/// A caller of `transport` signed up as `username`.
async fn signed_up(app: &TestApp, transport: Transport, username: &str) -> Browser {
    let (caller, reply) = first_call(
        app,
        transport,
        "/v1/client/sign_ups",
        &[("username", username)],
    )
    .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
    caller
}

/// A caller of `transport` with a started discoverable sign-in: (caller, id, options).
async fn started_sign_in(app: &TestApp, transport: Transport) -> (Browser, String, String) {
    let (caller, reply) = first_call(
        app,
        transport,
        "/v1/client/sign_ins",
        &[("strategy", "passkey")],
    )
    .await;
    let sign_in = &reply.ok()["response"];
    (
        caller,
        sign_in["id"].as_str().expect("id").to_owned(),
        sign_in["first_factor_verification"]["nonce"]
            .as_str()
            .expect("nonce")
            .to_owned(),
    )
}

/// A caller of `transport` with a started passkey-first sign-up (without a username when
/// `username` is empty): (caller, id, options).
async fn started_passkey_sign_up(
    app: &TestApp,
    transport: Transport,
    username: &str,
) -> (Browser, String, String) {
    let mut form = vec![("strategy", "passkey")];
    if !username.is_empty() {
        form.push(("username", username));
    }
    let (caller, reply) = first_call(app, transport, "/v1/client/sign_ups", &form).await;
    let sign_up = &reply.ok()["response"];
    (
        caller,
        sign_up["id"].as_str().expect("id").to_owned(),
        sign_up["verification"]["nonce"]
            .as_str()
            .expect("nonce")
            .to_owned(),
    )
}

async fn attempt_sign_up(caller: &Browser, id: &str, credential: &str) -> Reply {
    caller
        .post(
            &format!("/v1/client/sign_ups/{id}/attempt_verification"),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", credential),
            ],
        )
        .await
}

/// A Backend API caller with the configured secret key.
fn backend(app: &TestApp) -> Browser {
    let mut api = Browser::new(&app.base, None);
    api.bearer = Some(app.secret_key().to_owned());
    api
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

fn options(json: &str) -> Value {
    serde_json::from_str(json).expect("options JSON")
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

async fn my_user_id(caller: &Browser) -> String {
    id_of(&caller.get("/v1/me").await.ok()["response"])
}

// ----- §1 Wire conventions -----

#[tokio::test]
async fn post_with_method_override_is_treated_as_patch_or_delete() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let caller = signed_up(&app, transport, &format!("ada{transport:?}")).await;
        let passkey = caller
            .register_passkey(&mut SoftAuthenticator::new(), &app.url)
            .await
            .ok()["response"]
            .clone();
        let path = format!("/v1/me/passkeys/{}", id_of(&passkey));
        let renamed = caller
            .post(&format!("{path}?_method=PATCH"), &[("name", "Tunnelled")])
            .await;
        assert_eq!(
            renamed.ok()["response"]["name"],
            "Tunnelled",
            "{transport:?}"
        );
        // Without the override the same POST is not a rename.
        assert_ne!(
            caller.post(&path, &[("name", "Plain POST")]).await.status,
            200,
            "{transport:?}"
        );
        let deleted = caller.post(&format!("{path}?_method=DELETE"), &[]).await;
        assert_eq!(deleted.ok()["response"]["deleted"], true, "{transport:?}");
        assert_eq!(
            caller.get("/v1/me").await.ok()["response"]["passkeys"],
            json!([]),
            "{transport:?}"
        );
        let ended = caller.post("/v1/client?_method=DELETE", &[]).await;
        assert_eq!(ended.ok()["client"]["sessions"], json!([]), "{transport:?}");
        caller
            .get("/v1/me")
            .await
            .assert_error(401, "authentication_invalid");
    }
}

#[tokio::test]
async fn every_frontend_success_carries_the_callers_current_client() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let (caller, first) = first_call(
            &app,
            transport,
            "/v1/client/sign_ups",
            &[("username", &format!("ada{transport:?}"))],
        )
        .await;
        let client_id = first.ok()["client"]["id"]
            .as_str()
            .expect("client")
            .to_owned();
        let session = first.body["response"]["created_session_id"]
            .as_str()
            .expect("session")
            .to_owned();
        let mut authenticator = SoftAuthenticator::new();
        let (passkey_id, creation) = caller.start_passkey().await;
        let credential = authenticator
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        let mut replies = vec![
            ("sign up", first.clone()),
            ("GET client", caller.get("/v1/client").await),
            ("GET me", caller.get("/v1/me").await),
            ("GET me/sessions", caller.get("/v1/me/sessions").await),
            (
                "attempt_verification",
                caller.finish_passkey(&passkey_id, &credential).await,
            ),
            (
                "rename",
                caller
                    .post(
                        &format!("/v1/me/passkeys/{passkey_id}?_method=PATCH"),
                        &[("name", "Laptop")],
                    )
                    .await,
            ),
            (
                "touch",
                caller
                    .post(&format!("/v1/client/sessions/{session}/touch"), &[])
                    .await,
            ),
        ];
        let (sign_in, request) = {
            let reply = caller
                .post(
                    "/v1/client/sign_ins",
                    &[("identifier", &format!("ada{transport:?}"))],
                )
                .await;
            let id = reply.ok()["response"]["id"]
                .as_str()
                .expect("id")
                .to_owned();
            replies.push(("sign_ins", reply));
            let prepared = caller
                .post(
                    &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
                    &[("strategy", "passkey")],
                )
                .await;
            let nonce = prepared.ok()["response"]["first_factor_verification"]["nonce"]
                .as_str()
                .expect("nonce")
                .to_owned();
            replies.push(("prepare_first_factor", prepared));
            (id, nonce)
        };
        let assertion = authenticator
            .get(&request, &app.url, &Ceremony::default())
            .expect("get");
        replies.push((
            "attempt_first_factor",
            caller
                .attempt_sign_in(&sign_in, &assertion.to_string())
                .await,
        ));
        replies.push((
            "end",
            caller
                .post(&format!("/v1/client/sessions/{session}/end"), &[])
                .await,
        ));
        replies.push((
            "delete passkey",
            caller
                .post(&format!("/v1/me/passkeys/{passkey_id}?_method=DELETE"), &[])
                .await,
        ));
        replies.push((
            "DELETE client",
            caller.send("DELETE", "/v1/client", None, Vec::new()).await,
        ));
        for (call, reply) in &replies {
            let body = reply.ok();
            assert!(
                body.get("response").is_some(),
                "{transport:?} {call}: {body}"
            );
            assert_eq!(body["client"]["object"], "client", "{transport:?} {call}");
            assert_eq!(
                body["client"]["id"],
                client_id.as_str(),
                "{transport:?} {call}"
            );
        }
        // The Client in each reply is current: it already shows that call's effect.
        let signed_in = &replies
            .iter()
            .find(|(call, _)| *call == "attempt_first_factor")
            .expect("sign-in")
            .1;
        assert_eq!(
            signed_in.body["client"]["last_active_session_id"],
            signed_in.body["response"]["created_session_id"]
        );
        // The exception: a token is bare.
        let other = signed_up(&app, transport, &format!("bob{transport:?}")).await;
        let sid = other.get("/v1/client").await.body["response"]["last_active_session_id"]
            .as_str()
            .expect("sid")
            .to_owned();
        let token = other
            .post(&format!("/v1/client/sessions/{sid}/tokens"), &[])
            .await;
        let body = token.ok().as_object().expect("object").clone();
        let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["jwt", "object"], "{transport:?}");
    }
}

#[tokio::test]
async fn error_bodies_carry_code_message_long_message_meta_and_trace_id() {
    let app = TestApp::spawn_with(|c| c.rate_limit.per_ip_per_minute = 2).await;
    let browser = app.browser();
    let mut foreign = app.browser();
    foreign.origin = Some("https://evil.example".into());
    let mut replies = vec![
        (
            400,
            browser
                .send(
                    "POST",
                    "/v1/client/sign_ups",
                    Some("application/json"),
                    b"{".to_vec(),
                )
                .await,
        ),
        (401, browser.get("/v1/me").await),
        (
            403,
            foreign
                .post("/v1/client/sign_ups", &[("username", "eve")])
                .await,
        ),
        (404, browser.get("/v1/nothing/here").await),
        (
            413,
            browser
                .send(
                    "POST",
                    "/v1/client/sign_ups",
                    Some("application/json"),
                    vec![b' '; 65 * 1024],
                )
                .await,
        ),
        (
            422,
            browser
                .post("/v1/client/sign_ins", &[("strategy", "password")])
                .await,
        ),
    ];
    browser
        .post("/v1/client/sign_ins", &[("strategy", "passkey")])
        .await
        .ok();
    replies.push((
        429,
        browser
            .post("/v1/client/sign_ins", &[("strategy", "passkey")])
            .await,
    ));
    for (status, reply) in &replies {
        assert_eq!(reply.status, *status, "{}", reply.body);
        assert!(
            header(reply, "content-type").is_some_and(|ct| ct.starts_with("application/json")),
            "{status}"
        );
        let errors = reply.body["errors"].as_array().expect("errors array");
        assert!(!errors.is_empty(), "{status}");
        for error in errors {
            for member in ["code", "message", "long_message"] {
                assert!(
                    error[member].as_str().is_some_and(|s| !s.is_empty()),
                    "{status}: {member} in {error}"
                );
            }
            assert!(error["meta"].is_object(), "{status}: meta in {error}");
        }
        assert!(
            reply.body["trace_id"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "{status}: trace_id"
        );
        assert!(
            reply.body.get("response").is_none(),
            "{status}: no envelope"
        );
    }
    let limited = &replies.last().expect("429").1;
    assert!(
        header(limited, "retry-after").is_some(),
        "429 carries Retry-After"
    );
}

/// Every key of `value` (recursively) that is not snake_case, and every `*_at` member that
/// is neither null nor a Unix time in milliseconds.
fn wire_violations(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let snake = key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                    && key.starts_with(|c: char| c.is_ascii_lowercase());
                if !snake {
                    found.push(format!("{path}.{key} is not snake_case"));
                }
                if key.ends_with("_at") {
                    // 2001-09-09 in milliseconds; in seconds that would be the year 33658.
                    let millis = member
                        .as_i64()
                        .is_some_and(|t| (1_000_000_000_000..100_000_000_000_000).contains(&t));
                    if !(member.is_null() || millis) {
                        found.push(format!("{path}.{key} = {member} is not milliseconds"));
                    }
                }
                wire_violations(member, &format!("{path}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                wire_violations(item, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn keys_are_snake_case_and_resource_timestamps_are_milliseconds() {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    owner
        .post(
            "/v1/client/sign_ups",
            &[("strategy", "passkey"), ("username", "grace")],
        )
        .await
        .ok();
    owner.start_passkey().await;
    let (visitor, _, _) = started_sign_in(&app, Transport::Browser).await;
    let signed = visitor.sign_in(&mut authenticator, &app.url).await;
    let sid = signed.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let mut bodies = vec![
        owner.get("/v1/client").await.ok().clone(),
        owner.get("/v1/me").await.ok().clone(),
        owner.get("/v1/me/sessions").await.ok().clone(),
        owner.post("/v1/me/passkeys", &[]).await.ok().clone(),
        visitor.get("/v1/client").await.ok().clone(),
        app.browser().get("/v1/environment").await.ok().clone(),
        signed.body.clone(),
    ];
    let api = backend(&app);
    for path in [
        "/backend/v1/users",
        "/backend/v1/sessions",
        "/backend/v1/audit_events?limit=100",
        &format!("/backend/v1/sessions/{sid}"),
    ] {
        bodies.push(api.get(path).await.ok().clone());
    }
    let mut found = Vec::new();
    for body in &bodies {
        wire_violations(body, "", &mut found);
    }
    assert!(found.is_empty(), "{found:#?}");
    let session = &visitor.get("/v1/client").await.body["response"]["sessions"][0];
    let created = session["created_at"].as_i64().expect("created_at");
    assert_eq!(
        latchkey_core::Clock::now_ms(app.clock.as_ref()),
        created,
        "timestamps are the clock's milliseconds"
    );
}

#[tokio::test]
async fn ids_carry_their_type_prefix() {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, passkey) = user_with_passkey(&app, "ada").await;
    let client = owner.get("/v1/client").await;
    let client = &client.ok()["response"];
    let (visitor, sign_in, _) = started_sign_in(&app, Transport::Browser).await;
    let sign_up = app
        .browser()
        .post("/v1/client/sign_ups", &[("strategy", "passkey")])
        .await;
    let signed = visitor.sign_in(&mut authenticator, &app.url).await;
    for (prefix, id) in [
        ("client_", &client["id"]),
        ("sess_", &client["sessions"][0]["id"]),
        ("user_", &client["sessions"][0]["user"]["id"]),
        ("pk_", &passkey["id"]),
        ("sia_", &json!(sign_in)),
        ("sua_", &sign_up.ok()["response"]["id"]),
        ("sess_", &signed.ok()["response"]["created_session_id"]),
    ] {
        assert!(
            id.as_str()
                .is_some_and(|id| id.starts_with(prefix) && id.len() > prefix.len()),
            "{id} starts with {prefix}"
        );
    }
}

fn is_unpadded_base64url(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && latchkey_core::encoding::from_b64url(text).is_some()
}

#[tokio::test]
async fn binary_webauthn_values_are_unpadded_base64url() {
    let app = TestApp::spawn().await;
    let (owner, _, _) = user_with_passkey(&app, "ada").await;
    let (_, creation) = owner.start_passkey().await;
    let creation = options(&creation);
    let identified = app
        .browser()
        .post(
            "/v1/client/sign_ins",
            &[("identifier", "ada"), ("strategy", "passkey")],
        )
        .await;
    let request = options(
        identified.ok()["response"]["first_factor_verification"]["nonce"]
            .as_str()
            .expect("nonce"),
    );
    let mut values = vec![
        creation["challenge"].clone(),
        creation["user"]["id"].clone(),
        request["challenge"].clone(),
    ];
    values.extend(
        creation["excludeCredentials"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|c| c["id"].clone()),
    );
    values.extend(
        request["allowCredentials"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|c| c["id"].clone()),
    );
    assert_eq!(values.len(), 5, "one excluded and one allowed credential");
    for value in values {
        assert!(
            value.as_str().is_some_and(is_unpadded_base64url),
            "{value} is unpadded base64url"
        );
    }
}

#[tokio::test]
async fn client_cookie_is_http_only_lax_path_root_and_set_by_the_first_call_that_needs_a_client() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for path in ["/v1/environment", "/v1/client"] {
        assert!(
            browser.get(path).await.headers.get("set-cookie").is_none(),
            "{path} needs no client"
        );
    }
    let reply = browser.sign_up("ada").await;
    reply.ok();
    let cookie = header(&reply, "set-cookie").expect("set-cookie");
    let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attributes[0].starts_with("__client="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(attributes.contains(&attribute), "{attribute} in {cookie}");
    }
    assert!(
        !attributes.iter().any(|a| a.eq_ignore_ascii_case("secure")),
        "no Secure over http: {cookie}"
    );
    assert!(
        reply.headers.get("authorization").is_none(),
        "no token header"
    );
    // The client exists now: later calls do not hand out another one.
    let again = browser
        .post("/v1/client/sign_ins", &[("strategy", "passkey")])
        .await;
    again.ok();
    assert!(
        again.headers.get("set-cookie").is_none(),
        "{:?}",
        again.headers
    );
    assert_eq!(again.body["client"]["id"], reply.body["client"]["id"]);
}

#[tokio::test]
async fn native_callers_get_the_raw_token_and_may_send_it_with_or_without_bearer() {
    let app = TestApp::spawn().await;
    let (native, reply) = first_call(
        &app,
        Transport::Native,
        "/v1/client/sign_ups",
        &[("username", "ada")],
    )
    .await;
    assert!(reply.headers.get("set-cookie").is_none(), "no cookie");
    let token = native.bearer.clone().expect("token");
    assert!(!token.contains(' ') && !token.to_ascii_lowercase().starts_with("bearer"));
    let http = reqwest::Client::new();
    for value in [format!("Bearer {token}"), token.clone()] {
        let res = http
            .get(format!("{}/v1/me", app.base))
            .header("authorization", &value)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "{value}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["response"]["username"], "ada");
    }
    // A bare token also authenticates a state change, without Origin.
    let res = http
        .post(format!("{}/v1/me/passkeys", app.base))
        .header("authorization", &token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    // The cookie is not the way in for a native caller.
    let res = http
        .get(format!("{}/v1/me?_is_native=1", app.base))
        .header("cookie", format!("__client={token}"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 401);
    for bad in ["Bearer nope", "nope"] {
        let res = http
            .get(format!("{}/v1/me", app.base))
            .header("authorization", bad)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 401, "{bad}");
    }
}

#[tokio::test]
async fn a_bad_client_token_is_authentication_invalid() {
    let app = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let session = {
        let browser = app.browser();
        browser.sign_up("ada").await.ok()["response"]["created_session_id"]
            .as_str()
            .expect("sid")
            .to_owned()
    };
    for (name, value) in [
        ("cookie", "__client=not-a-client-token"),
        ("authorization", "Bearer not-a-client-token"),
    ] {
        for (method, path) in [
            ("GET", "/v1/me".to_owned()),
            ("POST", format!("/v1/client/sessions/{session}/tokens")),
            ("POST", format!("/v1/client/sessions/{session}/touch")),
        ] {
            let res = http
                .request(
                    method.parse().expect("method"),
                    format!("{}{path}", app.base),
                )
                .header(name, value)
                .header("origin", &app.url)
                .send()
                .await
                .expect("request");
            assert_eq!(res.status(), 401, "{name} {method} {path}");
            let body: Value = res.json().await.expect("json");
            assert_eq!(body["errors"][0]["code"], "authentication_invalid");
        }
    }
}

#[tokio::test]
async fn the_servers_own_origin_passes_the_csrf_check_even_when_not_listed() {
    let app = TestApp::spawn_with(|c| {
        c.webauthn.origins = Some(vec!["http://localhost:3000".into()]);
    })
    .await;
    let own = app.browser();
    own.sign_up("ada").await.ok();
    own.post("/v1/me/passkeys", &[]).await.ok();
    let listed = Browser::new(&app.base, Some("http://localhost:3000".into()));
    listed.sign_up("bob").await.ok();
    let mut other = listed.clone();
    other.origin = Some("http://localhost:3001".into());
    other
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "origin_invalid");
}

#[tokio::test]
async fn bearer_calls_are_exempt_from_the_origin_check() {
    let app = TestApp::spawn().await;
    let mut native = signed_up(&app, Transport::Native, "ada").await;
    native.origin = Some("https://evil.example".into());
    native.post("/v1/me/passkeys", &[]).await.ok();
    // The same Origin with the cookie instead is refused.
    let mut browser = signed_up(&app, Transport::Browser, "bob").await;
    browser.origin = Some("https://evil.example".into());
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "origin_invalid");
}

#[tokio::test]
async fn app_origins_are_not_web_origins_for_cors_or_csrf() {
    let android = "android:apk-key-hash:q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s";
    let app = TestApp::spawn_with(|c| {
        let own = c.server.public_url.clone();
        c.webauthn.origins = Some(vec![own, android.into()]);
    })
    .await;
    let browser = app.browser();
    assert_eq!(browser.cors_allows(android).await, None);
    browser.sign_up("ada").await.ok();
    let mut app_page = browser.clone();
    app_page.origin = Some(android.into());
    app_page
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "origin_invalid");
}

#[tokio::test]
async fn me_acts_only_on_a_live_session_of_the_callers_own_client() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let ada = signed_up(&app, transport, &format!("ada{transport:?}")).await;
        let adas = ada.get("/v1/client").await.body["response"]["last_active_session_id"]
            .as_str()
            .expect("sid")
            .to_owned();
        let bob = signed_up(&app, transport, &format!("bob{transport:?}")).await;
        // Another client's session, named outright, is not the caller's.
        for (method, path) in [
            ("GET", "/v1/me"),
            ("GET", "/v1/me/sessions"),
            ("POST", "/v1/me/passkeys"),
        ] {
            bob.send(
                method,
                &format!("{path}?_latchkey_session_id={adas}"),
                None,
                Vec::new(),
            )
            .await
            .assert_error(401, "authentication_invalid");
        }
        assert_eq!(
            ada.get("/v1/me").await.ok()["response"]["passkeys"],
            json!([]),
            "{transport:?}"
        );
        // A named session that has ended does not fall back to another live one.
        let grace = ada
            .post(
                "/v1/client/sign_ups",
                &[("username", &format!("grace{transport:?}"))],
            )
            .await;
        let graces = grace.ok()["response"]["created_session_id"]
            .as_str()
            .expect("sid")
            .to_owned();
        ada.post(&format!("/v1/client/sessions/{graces}/end"), &[])
            .await
            .ok();
        ada.get(&format!("/v1/me?_latchkey_session_id={graces}"))
            .await
            .assert_error(401, "authentication_invalid");
        assert_eq!(
            ada.get(&format!("/v1/me?_latchkey_session_id={adas}"))
                .await
                .ok()["response"]["username"],
            format!("ada{transport:?}").to_lowercase()
        );
    }
}

// ----- §2 Resources -----

#[tokio::test]
async fn client_lists_only_active_and_pending_sessions() {
    let app = TestApp::spawn_with(|c| c.sessions.lifetime_secs = 7200).await;
    let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let device = app.browser();
    let on_device = device.sign_in(&mut authenticator, &app.url).await;
    let on_device = on_device.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let grace = device.sign_up("grace").await;
    let grace = grace.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let hopper = device.sign_up("hopper").await;
    let hopper = hopper.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let listed = || async {
        let client = device.get("/v1/client").await;
        client.ok()["response"]["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap_or("").to_owned(),
                    s["status"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(listed().await.len(), 3);
    device
        .post(&format!("/v1/client/sessions/{hopper}/end"), &[])
        .await
        .ok();
    owner
        .post(&format!("/v1/me/sessions/{on_device}/revoke"), &[])
        .await
        .ok();
    assert_eq!(listed().await, vec![(grace.clone(), json!("active"))]);
    app.clock.advance_secs(7201);
    assert_eq!(listed().await, vec![], "expired sessions are not listed");
    // A pending session is listed.
    let pending_app = TestApp::spawn_with(|c| c.sessions.require_passkey = true).await;
    let browser = pending_app.browser();
    browser.sign_up("ada").await.ok();
    let client = browser.get("/v1/client").await;
    assert_eq!(client.ok()["response"]["sessions"][0]["status"], "pending");
}

#[tokio::test]
async fn user_passkeys_are_verified_ones_only_newest_first() {
    let app = TestApp::spawn().await;
    let (browser, _, first) = user_with_passkey(&app, "ada").await;
    app.clock.advance_secs(1);
    let second = browser
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await
        .ok()["response"]
        .clone();
    app.clock.advance_secs(1);
    let (unverified, _) = browser.start_passkey().await;
    for user in [
        browser.get("/v1/me").await.ok()["response"].clone(),
        browser.get("/v1/client").await.ok()["response"]["sessions"][0]["user"].clone(),
        backend(&app)
            .get(&format!("/backend/v1/users/{}", my_user_id(&browser).await))
            .await
            .ok()
            .clone(),
    ] {
        let ids: Vec<&str> = user["passkeys"]
            .as_array()
            .expect("passkeys")
            .iter()
            .filter_map(|p| p["id"].as_str())
            .collect();
        assert_eq!(ids, [id_of(&second), id_of(&first)], "not {unverified}");
    }
}

#[tokio::test]
async fn passkey_names_are_one_to_sixty_four_characters_and_need_not_be_unique() {
    let app = TestApp::spawn().await;
    let (browser, _, first) = user_with_passkey(&app, "ada").await;
    let second = browser
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await
        .ok()["response"]
        .clone();
    let rename = |id: String, name: String| {
        let browser = browser.clone();
        async move {
            browser
                .post(
                    &format!("/v1/me/passkeys/{id}?_method=PATCH"),
                    &[("name", &name)],
                )
                .await
        }
    };
    // 64 characters of several bytes each are 64 characters, not 256 bytes.
    let keys = "🔑".repeat(64);
    assert_eq!(
        rename(id_of(&first), keys.clone()).await.ok()["response"]["name"],
        keys.as_str()
    );
    assert_eq!(
        rename(id_of(&first), format!("  {}  ", "é".repeat(64)))
            .await
            .ok()["response"]["name"],
        "é".repeat(64)
    );
    let refused = rename(id_of(&first), "é".repeat(65)).await;
    refused.assert_error(422, "form_param_value_invalid");
    assert_eq!(refused.param(), "name");
    assert_eq!(
        rename(id_of(&first), "x".into()).await.ok()["response"]["name"],
        "x"
    );
    assert_eq!(
        rename(id_of(&second), "x".into()).await.ok()["response"]["name"],
        "x"
    );
    let names: Vec<Value> = browser.get("/v1/me").await.ok()["response"]["passkeys"]
        .as_array()
        .expect("passkeys")
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, [json!("x"), json!("x")]);
}

// ----- §3 Frontend API -----

#[tokio::test]
async fn environment_reports_every_documented_field() {
    let app = TestApp::spawn_with(|c| {
        c.auth.sign_up_with_passkey = false;
        c.webauthn.max_passkeys_per_user = 3;
    })
    .await;
    let env = app.browser().get("/v1/environment").await;
    let env = env.ok();
    let passkey = &env["auth_config"]["passkey"];
    assert_eq!(passkey["enabled"], true);
    assert!(passkey["allow_autofill"].is_boolean());
    assert_eq!(passkey["max_per_user"], 3);
    let sign_up = &env["auth_config"]["sign_up"];
    assert_eq!(sign_up["username"], true);
    assert!(sign_up["email_address"].is_boolean());
    assert_eq!(sign_up["passkey"], false);
    assert!(env["display_config"]["application_name"].is_string());
    assert_eq!(env["display_config"]["rp_id"], "localhost");
    assert!(env.get("client").is_none(), "not enveloped");
}

/// The ways to break a credential's form rather than its content.
fn malformed(good: &Value) -> Vec<String> {
    let mut missing = good.clone();
    missing["response"]
        .as_object_mut()
        .map(|r| r.remove("clientDataJSON"));
    let mut not_base64 = good.clone();
    not_base64["response"]["clientDataJSON"] = Value::String("*not base64*".into());
    vec![
        "not json".into(),
        "{}".into(),
        missing.to_string(),
        not_base64.to_string(),
    ]
}

#[tokio::test]
async fn registration_attempts_use_up_their_challenge_whatever_the_outcome() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let caller = signed_up(&app, transport, &format!("ada{transport:?}")).await;
        let mut authenticator = SoftAuthenticator::new();
        // Malformed credentials are format errors, and use up the challenge.
        let (_, template) = caller.start_passkey().await;
        let template = authenticator
            .create(&template, &app.url, &Ceremony::default())
            .expect("create");
        for bad in malformed(&template) {
            let (id, creation) = caller.start_passkey().await;
            let reply = caller
                .post(
                    &format!("/v1/me/passkeys/{id}/attempt_verification"),
                    &[("strategy", "passkey"), ("public_key_credential", &bad)],
                )
                .await;
            reply.assert_error(422, "form_param_format_invalid");
            assert_eq!(reply.param(), "public_key_credential");
            let good = SoftAuthenticator::new()
                .create(&creation, &app.url, &Ceremony::default())
                .expect("create");
            caller
                .finish_passkey(&id, &good)
                .await
                .assert_error(400, "verification_already_verified");
        }
        // A credential that fails verification uses it up too.
        let (id, creation) = caller.start_passkey().await;
        let mut lazy = SoftAuthenticator::new();
        lazy.user_verified = false;
        let failing = lazy
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        caller
            .finish_passkey(&id, &failing)
            .await
            .assert_error(422, "passkey_invalid_public_key_credential");
        let good = SoftAuthenticator::new()
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        caller
            .finish_passkey(&id, &good)
            .await
            .assert_error(400, "verification_already_verified");
        assert_eq!(
            caller.get("/v1/me").await.ok()["response"]["passkeys"],
            json!([]),
            "{transport:?}: nothing stored"
        );
    }
}

#[tokio::test]
async fn concurrent_submissions_of_one_sign_up_create_one_user() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let (caller, id, creation) =
            started_passkey_sign_up(&app, transport, &format!("grace{transport:?}")).await;
        let credential = SoftAuthenticator::new()
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create")
            .to_string();
        let replies =
            futures::future::join_all((0..10).map(|_| attempt_sign_up(&caller, &id, &credential)))
                .await;
        let codes: Vec<_> = replies
            .iter()
            .map(|r| (r.status, r.code().to_owned()))
            .collect();
        assert_eq!(
            replies.iter().filter(|r| r.status == 200).count(),
            1,
            "{transport:?}: {codes:?}"
        );
        // The others lost the race for the challenge, whichever write refused them first.
        for reply in replies.iter().filter(|r| r.status != 200) {
            reply.assert_error(400, "verification_already_verified");
        }
        assert_eq!(session_count(&caller).await, 1, "{transport:?}");
    }
    assert_eq!(
        backend(&app).get("/backend/v1/users").await.ok()["total_count"],
        2,
        "one user per transport"
    );
}

#[tokio::test]
async fn passkey_first_sign_up_attempts_use_up_their_challenge_whatever_the_outcome() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let (caller, id, creation) =
            started_passkey_sign_up(&app, transport, &format!("ada{transport:?}")).await;
        let good = SoftAuthenticator::new()
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        let reply = attempt_sign_up(&caller, &id, "not json").await;
        reply.assert_error(422, "form_param_format_invalid");
        assert_eq!(reply.param(), "public_key_credential");
        attempt_sign_up(&caller, &id, &good.to_string())
            .await
            .assert_error(400, "verification_already_verified");
        let (caller, id, creation) =
            started_passkey_sign_up(&app, transport, &format!("bob{transport:?}")).await;
        let mut lazy = SoftAuthenticator::new();
        lazy.user_present = false;
        let failing = lazy
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        attempt_sign_up(&caller, &id, &failing.to_string())
            .await
            .assert_error(422, "passkey_invalid_public_key_credential");
        let good = SoftAuthenticator::new()
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        attempt_sign_up(&caller, &id, &good.to_string())
            .await
            .assert_error(400, "verification_already_verified");
        assert_eq!(session_count(&caller).await, 0, "{transport:?}");
    }
    assert_eq!(
        backend(&app).get("/backend/v1/users").await.ok()["total_count"],
        0,
        "no user was created"
    );
}

#[tokio::test]
async fn sign_in_attempts_use_up_their_challenge_on_both_transports() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    for transport in TRANSPORTS {
        let (caller, id, request) = started_sign_in(&app, transport).await;
        let good = authenticator
            .get(&request, &app.url, &Ceremony::default())
            .expect("get");
        let mut bad = good.clone();
        flip_bit(&mut bad, "signature", 40);
        assert_ne!(
            caller.attempt_sign_in(&id, &bad.to_string()).await.status,
            200
        );
        caller
            .attempt_sign_in(&id, &good.to_string())
            .await
            .assert_error(400, "verification_already_verified");
        assert_eq!(session_count(&caller).await, 0, "{transport:?}");
        // And a completed attempt cannot be completed again.
        let (caller, id, request) = started_sign_in(&app, transport).await;
        let good = authenticator
            .get(&request, &app.url, &Ceremony::default())
            .expect("get")
            .to_string();
        caller.attempt_sign_in(&id, &good).await.ok();
        caller
            .attempt_sign_in(&id, &good)
            .await
            .assert_error(400, "verification_already_verified");
        assert_eq!(session_count(&caller).await, 1, "{transport:?}");
    }
}

#[tokio::test]
async fn native_ceremonies_check_origin_and_sessions_end_for_good() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let (native, id, request) = started_sign_in(&app, Transport::Native).await;
    let foreign = authenticator
        .get(&request, "https://evil.example", &Ceremony::default())
        .expect("get");
    native
        .attempt_sign_in(&id, &foreign.to_string())
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let (id, request) = native.start_sign_in().await;
    let good = authenticator
        .get(&request, &app.url, &Ceremony::default())
        .expect("get");
    let signed = native.attempt_sign_in(&id, &good.to_string()).await;
    let sid = signed.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    assert_eq!(signed.body["client"]["sessions"][0]["id"], sid.as_str());
    native
        .post(&format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await
        .ok();
    native
        .post(&format!("/v1/client/sessions/{sid}/end"), &[])
        .await
        .ok();
    native
        .post(&format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await
        .assert_error(401, "authentication_invalid");
    native
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn creation_options_user_id_is_a_random_per_user_handle_never_the_user_id_or_name() {
    let app = TestApp::spawn().await;
    let handle = |creation: &str| {
        latchkey_core::encoding::from_b64url(options(creation)["user"]["id"].as_str().expect("id"))
            .expect("base64url")
    };
    let ada = app.browser();
    ada.sign_up("ada").await.ok();
    let ada_id = my_user_id(&ada).await;
    let (_, first) = ada.start_passkey().await;
    let (_, second) = ada.start_passkey().await;
    let adas = handle(&first);
    assert_eq!(adas.len(), 16);
    // A version-4 UUID: version nibble 4, variant bits 10.
    assert_eq!(adas[6] >> 4, 4, "UUID version 4");
    assert_eq!(adas[8] >> 6, 0b10, "RFC 4122 variant");
    assert_eq!(adas, handle(&second), "one handle per user");
    assert_ne!(options(&first)["user"]["id"], json!(ada_id));
    for text in [ada_id.as_bytes(), b"ada"] {
        assert!(
            !adas
                .windows(text.len().min(16))
                .any(|w| w == &text[..text.len().min(16)]),
            "the handle does not carry the user's id or name"
        );
    }
    let bob = app.browser();
    bob.sign_up("bob").await.ok();
    let (_, bobs) = bob.start_passkey().await;
    assert_ne!(handle(&bobs), adas, "random per user");
    // A passkey-first sign-up's handle stays the user's for later registrations.
    let (caller, id, creation) = started_passkey_sign_up(&app, Transport::Browser, "grace").await;
    let signed_up_with = handle(&creation);
    assert_eq!(signed_up_with.len(), 16);
    assert_eq!(signed_up_with[6] >> 4, 4, "UUID version 4");
    let credential = SoftAuthenticator::new()
        .create(&creation, &app.url, &Ceremony::default())
        .expect("create");
    attempt_sign_up(&caller, &id, &credential.to_string())
        .await
        .ok();
    let (_, later) = caller.start_passkey().await;
    assert_eq!(handle(&later), signed_up_with);
}

#[tokio::test]
async fn user_verification_in_the_options_follows_the_config() {
    for (setting, expected) in [(None, "required"), (Some("preferred"), "preferred")] {
        let app = TestApp::spawn_with(|c| {
            if let Some(setting) = setting {
                c.webauthn.user_verification = setting.into();
            }
        })
        .await;
        let browser = app.browser();
        browser.sign_up("ada").await.ok();
        let (_, creation) = browser.start_passkey().await;
        assert_eq!(
            options(&creation)["authenticatorSelection"]["userVerification"],
            expected
        );
        let (_, _, request) = started_sign_in(&app, Transport::Browser).await;
        assert_eq!(options(&request)["userVerification"], expected);
    }
}

#[tokio::test]
async fn every_challenge_is_thirty_two_random_bytes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut challenges = Vec::new();
    for _ in 0..3 {
        challenges.push(options(&browser.start_passkey().await.1)["challenge"].clone());
        challenges.push(options(&browser.start_sign_in().await.1)["challenge"].clone());
        challenges.push(
            options(
                &started_passkey_sign_up(&app, Transport::Browser, "")
                    .await
                    .2,
            )["challenge"]
                .clone(),
        );
    }
    let decoded: Vec<Vec<u8>> = challenges
        .iter()
        .map(|c| latchkey_core::encoding::from_b64url(c.as_str().expect("challenge")).expect("b64"))
        .collect();
    assert!(decoded.iter().all(|c| c.len() == 32), "{challenges:?}");
    let mut unique = decoded.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), decoded.len(), "no challenge repeats");
}

#[tokio::test]
async fn challenges_expire_after_the_configured_ttl() {
    let app = TestApp::spawn_with(|c| c.webauthn.challenge_ttl_secs = 60).await;
    let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    // Registration: within the TTL it works, past it it is expired.
    let (id, creation) = owner.start_passkey().await;
    app.clock.advance_secs(59);
    let credential = SoftAuthenticator::new()
        .create(&creation, &app.url, &Ceremony::default())
        .expect("create");
    owner.finish_passkey(&id, &credential).await.ok();
    let (id, creation) = owner.start_passkey().await;
    app.clock.advance_secs(61);
    let credential = SoftAuthenticator::new()
        .create(&creation, &app.url, &Ceremony::default())
        .expect("create");
    owner
        .finish_passkey(&id, &credential)
        .await
        .assert_error(400, "verification_expired");
    // Passkey-first sign-up.
    let (caller, id, creation) = started_passkey_sign_up(&app, Transport::Browser, "grace").await;
    app.clock.advance_secs(61);
    let credential = SoftAuthenticator::new()
        .create(&creation, &app.url, &Ceremony::default())
        .expect("create");
    attempt_sign_up(&caller, &id, &credential.to_string())
        .await
        .assert_error(400, "verification_expired");
    assert_eq!(session_count(&caller).await, 0);
    // Sign-in.
    let (caller, id, request) = started_sign_in(&app, Transport::Native).await;
    app.clock.advance_secs(61);
    let assertion = authenticator
        .get(&request, &app.url, &Ceremony::default())
        .expect("get");
    caller
        .attempt_sign_in(&id, &assertion.to_string())
        .await
        .assert_error(400, "verification_expired");
    assert_eq!(session_count(&caller).await, 0);
    assert_eq!(
        owner.get("/v1/me").await.ok()["response"]["passkeys"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn me_sessions_lists_the_users_active_sessions_on_every_client_only() {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, _) = user_with_passkey(&app, "ada").await;
    let own = owner.get("/v1/client").await.body["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let phone = app.browser();
    let on_phone = phone.sign_in(&mut authenticator, &app.url).await;
    let on_phone = on_phone.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let laptop = app.browser();
    let on_laptop = laptop.sign_in(&mut authenticator, &app.url).await;
    let on_laptop = on_laptop.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    laptop
        .post(&format!("/v1/client/sessions/{on_laptop}/end"), &[])
        .await
        .ok();
    app.browser().sign_up("bob").await.ok();
    let mut listed: Vec<String> = owner.get("/v1/me/sessions").await.ok()["response"]
        .as_array()
        .expect("sessions")
        .iter()
        .inspect(|s| assert_eq!(s["status"], "active"))
        .map(id_of)
        .collect();
    listed.sort();
    let mut expected = vec![own, on_phone];
    expected.sort();
    assert_eq!(listed, expected);
}

// ----- §4 Backend API -----

#[tokio::test]
async fn backend_lists_default_to_ten_and_page_with_offset_or_after_a_user() {
    let app = TestApp::spawn().await;
    let api = backend(&app);
    for n in 0..12 {
        api.post_json(
            "/backend/v1/users",
            &json!({ "username": format!("user{n:02}") }),
        )
        .await
        .ok();
    }
    let first = api.get("/backend/v1/users").await;
    assert_eq!(first.ok()["total_count"], 12);
    assert_eq!(first.body["data"].as_array().map(Vec::len), Some(10));
    let rest = api.get("/backend/v1/users?offset=10").await;
    assert_eq!(rest.ok()["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(rest.body["total_count"], 12);
    let all = api.get("/backend/v1/users?limit=500").await;
    let mut ids: Vec<String> = all.ok()["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids.len(), 12);
    let paged: Vec<String> = first.body["data"]
        .as_array()
        .expect("data")
        .iter()
        .chain(rest.body["data"].as_array().expect("data"))
        .map(id_of)
        .collect();
    let mut paged_sorted = paged.clone();
    paged_sorted.sort();
    ids.sort();
    assert_eq!(paged_sorted, ids, "the two pages hold every user once");
    let last_of_first = &paged[9];
    let after = api
        .get(&format!("/backend/v1/users?starting_after={last_of_first}"))
        .await;
    let after: Vec<String> = after.ok()["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        after,
        paged[10..],
        "the page after the first one's last user"
    );
    assert_eq!(after.len(), 2);
    let unknown = api
        .get("/backend/v1/users?starting_after=user_nobody")
        .await;
    unknown.assert_error(422, "form_param_value_invalid");
    assert_eq!(unknown.param(), "starting_after");
    api.get("/backend/v1/users?limit=501")
        .await
        .assert_error(422, "form_param_value_invalid");
    // A single resource is bare.
    let user = api.get(&format!("/backend/v1/users/{}", paged[0])).await;
    assert_eq!(user.ok()["object"], "user");
    assert!(user.body.get("response").is_none() && user.body.get("client").is_none());
}

#[tokio::test]
async fn backend_deleting_another_users_passkey_is_not_found() {
    let app = TestApp::spawn().await;
    let (ada, _, adas) = user_with_passkey(&app, "ada").await;
    let (bob, _, _) = user_with_passkey(&app, "bob").await;
    let bob_id = my_user_id(&bob).await;
    backend(&app)
        .send(
            "DELETE",
            &format!("/backend/v1/users/{bob_id}/passkeys/{}", id_of(&adas)),
            None,
            Vec::new(),
        )
        .await
        .assert_error(404, "resource_not_found");
    assert_eq!(
        ada.get("/v1/me").await.ok()["response"]["passkeys"][0]["id"],
        adas["id"]
    );
}

#[tokio::test]
async fn audit_events_cover_every_documented_type_with_their_fields() {
    let app = TestApp::spawn().await;
    let (owner, mut authenticator, first) = user_with_passkey(&app, "ada").await;
    let user_id = my_user_id(&owner).await;
    let second = owner
        .register_passkey(&mut SoftAuthenticator::new(), &app.url)
        .await
        .ok()["response"]
        .clone();
    owner
        .post(
            &format!("/v1/me/passkeys/{}?_method=PATCH", id_of(&first)),
            &[("name", "Laptop")],
        )
        .await
        .ok();
    owner
        .post(
            &format!("/v1/me/passkeys/{}?_method=DELETE", id_of(&second)),
            &[],
        )
        .await
        .ok();
    let phone = app.browser();
    let on_phone = phone.sign_in(&mut authenticator, &app.url).await;
    let on_phone = on_phone.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    authenticator.user_verified = false;
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    owner
        .post(&format!("/v1/me/sessions/{on_phone}/revoke"), &[])
        .await
        .ok();
    let own = owner.get("/v1/client").await.body["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    owner
        .post(&format!("/v1/client/sessions/{own}/end"), &[])
        .await
        .ok();
    let api = backend(&app);
    api.send(
        "DELETE",
        &format!("/backend/v1/users/{user_id}"),
        None,
        Vec::new(),
    )
    .await
    .ok();
    let events = api.get("/backend/v1/audit_events?limit=100").await;
    let events = events.ok()["data"].as_array().expect("data").clone();
    for kind in [
        "user.created",
        "user.deleted",
        "passkey.created",
        "passkey.renamed",
        "passkey.deleted",
        "passkey.used",
        "sign_in.succeeded",
        "sign_in.failed",
        "session.ended",
        "session.revoked",
    ] {
        let event = events
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {events:#?}"));
        for member in [
            "id",
            "type",
            "user_id",
            "ip",
            "user_agent",
            "created_at",
            "data",
        ] {
            assert!(event.get(member).is_some(), "{kind}: {member} in {event}");
        }
        if kind != "sign_in.failed" {
            assert_eq!(event["user_id"], user_id.as_str(), "{kind}");
        }
        if kind.starts_with("passkey.") {
            assert!(
                event["passkey_id"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("pk_")),
                "{kind}"
            );
        }
        if kind.starts_with("session.") {
            assert!(
                event["session_id"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("sess_")),
                "{kind}"
            );
        }
    }
    let failed = events
        .iter()
        .find(|e| e["type"] == "sign_in.failed")
        .expect("failed");
    assert_eq!(
        failed["data"]["code"],
        "passkey_invalid_public_key_credential"
    );
    let times: Vec<i64> = events
        .iter()
        .filter_map(|e| e["created_at"].as_i64())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert_eq!(events[0]["type"], "user.deleted", "the newest is first");
    let filtered = api
        .get(&format!(
            "/backend/v1/audit_events?user_id={user_id}&limit=100"
        ))
        .await;
    assert!(
        filtered.ok()["data"]
            .as_array()
            .expect("data")
            .iter()
            .all(|e| e["user_id"] == user_id.as_str())
    );
}

// ----- §5 Errors -----

#[tokio::test]
async fn a_body_of_exactly_64_kib_is_not_too_large() {
    let app = TestApp::spawn().await;
    let body = |size: usize| {
        let head = r#"{"username":"ada","padding":""#;
        let tail = r#""}"#;
        let mut text = head.to_owned();
        text.push_str(&"x".repeat(size - head.len() - tail.len()));
        text.push_str(tail);
        assert_eq!(text.len(), size);
        text.into_bytes()
    };
    let browser = app.browser();
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/json"),
            body(64 * 1024 + 1),
        )
        .await
        .assert_error(413, "request_body_too_large");
    let reply = browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/json"),
            body(64 * 1024),
        )
        .await;
    assert_eq!(reply.ok()["response"]["status"], "complete");
}

#[tokio::test]
async fn unknown_or_foreign_sign_ins_and_sign_ups_are_not_found() {
    let app = TestApp::spawn().await;
    for transport in TRANSPORTS {
        let (_, sign_up, creation) = started_passkey_sign_up(&app, transport, "").await;
        let (_, sign_in, _) = started_sign_in(&app, transport).await;
        let stranger = signed_up(&app, transport, &format!("eve{transport:?}")).await;
        let credential = SoftAuthenticator::new()
            .create(&creation, &app.url, &Ceremony::default())
            .expect("create");
        for id in [sign_up.as_str(), "sua_unknown"] {
            attempt_sign_up(&stranger, id, &credential.to_string())
                .await
                .assert_error(404, "resource_not_found");
        }
        for id in [sign_in.as_str(), "sia_unknown"] {
            stranger
                .post(
                    &format!("/v1/client/sign_ins/{id}/prepare_first_factor"),
                    &[("strategy", "passkey")],
                )
                .await
                .assert_error(404, "resource_not_found");
        }
        for (method, path) in [
            ("POST", "/v1/client/sessions/sess_unknown/touch"),
            ("POST", "/v1/client/sessions/sess_unknown/tokens"),
            ("POST", "/v1/client/sessions/sess_unknown/end"),
            ("POST", "/v1/me/sessions/sess_unknown/revoke"),
            ("PATCH", "/v1/me/passkeys/pk_unknown"),
            ("DELETE", "/v1/me/passkeys/pk_unknown"),
        ] {
            stranger
                .send(
                    method,
                    path,
                    Some("application/x-www-form-urlencoded"),
                    b"name=x".to_vec(),
                )
                .await
                .assert_error(404, "resource_not_found");
        }
    }
}

#[tokio::test]
async fn each_sign_up_mode_can_be_disabled_on_its_own() {
    let no_passkey_sign_up = TestApp::spawn_with(|c| c.auth.sign_up_with_passkey = false).await;
    let browser = no_passkey_sign_up.browser();
    browser
        .post("/v1/client/sign_ups", &[("strategy", "passkey")])
        .await
        .assert_error(422, "strategy_not_enabled");
    browser.sign_up("ada").await.ok();
    let mut authenticator = SoftAuthenticator::new();
    browser
        .register_passkey(&mut authenticator, &no_passkey_sign_up.url)
        .await
        .ok();
    no_passkey_sign_up
        .browser()
        .sign_in(&mut authenticator, &no_passkey_sign_up.url)
        .await
        .ok();
    let no_username_sign_up = TestApp::spawn_with(|c| c.auth.sign_up_with_username = false).await;
    let browser = no_username_sign_up.browser();
    browser
        .sign_up("ada")
        .await
        .assert_error(422, "strategy_not_enabled");
    browser
        .post("/v1/client/sign_ups", &[("strategy", "passkey")])
        .await
        .ok();
    // With passkeys off, no registration starts either.
    let no_passkeys = TestApp::spawn_with(|c| c.auth.passkey = false).await;
    let browser = no_passkeys.browser();
    browser.sign_up("ada").await.ok();
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(422, "strategy_not_enabled");
}

#[tokio::test]
async fn bad_input_never_gets_an_internal_error() {
    let operations = latchkey_server::http::router::operations();
    let app = TestApp::spawn().await;
    let (browser, _, passkey) = user_with_passkey(&app, "ada").await;
    let native = signed_up(&app, Transport::Native, "bob").await;
    let (_, sign_in, _) = started_sign_in(&app, Transport::Browser).await;
    let sid = browser.get("/v1/client").await.body["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let pk = id_of(&passkey);
    let junk: Vec<Vec<u8>> = vec![
        br#"{"strategy":1,"public_key_credential":{"id":7,"response":[]},"name":[],"username":{},"identifier":null,"email_address":true}"#.to_vec(),
        br#"{"strategy":"passkey","public_key_credential":"{\"id\":\"AA\",\"rawId\":\"AA\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"AA\",\"attestationObject\":\"AA\",\"authenticatorData\":\"AA\",\"signature\":\"AA\"}}","name":"\u0000","username":"\u0000","identifier":"%00"}"#.to_vec(),
        b"\xff\xfe\x00".to_vec(),
        b"strategy=%00&identifier=%00&username=%00&email_address=a%00%40example.com&first_name=%00&name=%00&public_key_credential=%00".to_vec(),
    ];
    let mut failures = Vec::new();
    let api = backend(&app);
    for caller in [&browser, &native, &api] {
        for (method, path) in &operations {
            let path = path
                .replace("/sign_ins/{id}", &format!("/sign_ins/{sign_in}"))
                .replace("/sessions/{id}", &format!("/sessions/{sid}"))
                .replace("/passkeys/{id}", &format!("/passkeys/{pk}"))
                .replace("{passkey_id}", &pk)
                .replace("{id}", "x%00y");
            for body in &junk {
                for content_type in ["application/json", "application/x-www-form-urlencoded"] {
                    for query in [
                        "?limit=-1&offset=x&status=%FF",
                        "?query=%00&user_id=%00&status=%00&_latchkey_session_id=%00",
                    ] {
                        let reply = caller
                            .send(
                                method,
                                &format!("{path}{query}"),
                                Some(content_type),
                                body.clone(),
                            )
                            .await;
                        if reply.status >= 500 {
                            failures.push(format!(
                                "{method} {path}{query} {content_type} {}: {} {}",
                                String::from_utf8_lossy(body),
                                reply.status,
                                reply.code()
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    // PostgreSQL cannot compare text holding NUL; both databases answer alike.
    api.get("/backend/v1/users/user_%00")
        .await
        .assert_error(404, "resource_not_found");
    let reply = api.get("/backend/v1/users?query=%00").await;
    reply.assert_error(422, "form_param_format_invalid");
    assert_eq!(reply.param(), "query");
    let reply = api.get("/backend/v1/users?starting_after=user_%00").await;
    reply.assert_error(422, "form_param_format_invalid");
    assert_eq!(reply.param(), "starting_after");
}

#[tokio::test]
async fn a_nul_in_any_documented_query_parameter_is_refused_by_name() {
    let document =
        serde_json::to_value(latchkey_server::http::router::document("http://localhost"))
            .expect("document");
    let mut names: Vec<String> = document["paths"]
        .as_object()
        .expect("paths")
        .values()
        .filter_map(Value::as_object)
        .flat_map(|item| item.values())
        .filter_map(|operation| operation["parameters"].as_array())
        .flatten()
        .filter(|parameter| parameter["in"] == "query")
        .filter_map(|parameter| parameter["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    assert!(names.len() >= 10, "{names:?}");
    let app = TestApp::spawn().await;
    let api = backend(&app);
    for name in &names {
        // PostgreSQL cannot even compare text holding NUL: the value never reaches it.
        let reply = api
            .get(&format!("/backend/v1/audit_events?{name}=a%00b"))
            .await;
        reply.assert_error(422, "form_param_format_invalid");
        assert_eq!(reply.param(), name.as_str());
    }
}

#[tokio::test]
async fn failed_registrations_and_sign_ups_are_audited() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.sign_up("ada").await.ok();
    let mut lazy = SoftAuthenticator::new();
    lazy.user_verified = false;
    browser
        .register_passkey(&mut lazy, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let (caller, id, creation) = started_passkey_sign_up(&app, Transport::Browser, "grace").await;
    let failing = lazy
        .create(&creation, &app.url, &Ceremony::default())
        .expect("create");
    attempt_sign_up(&caller, &id, &failing.to_string())
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let events = backend(&app)
        .get("/backend/v1/audit_events?limit=100")
        .await;
    let events = events.ok()["data"].as_array().expect("data").clone();
    for kind in ["passkey.failed", "sign_up.failed"] {
        let event = events
            .iter()
            .find(|e| e["type"] == kind)
            .unwrap_or_else(|| panic!("{kind} in {events:#?}"));
        assert_eq!(
            event["data"]["code"],
            "passkey_invalid_public_key_credential"
        );
    }
}

// ----- §6 Sessions and tokens -----

#[tokio::test]
async fn sessions_default_to_seven_days_of_life_and_one_day_of_inactivity() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let reply = browser.sign_up("ada").await;
    let session = &reply.ok()["client"]["sessions"][0];
    let created = session["created_at"].as_i64().expect("created_at");
    assert_eq!(
        session["expire_at"].as_i64(),
        Some(created + 7 * 86_400_000)
    );
    assert_eq!(session["abandon_at"].as_i64(), Some(created + 86_400_000));
    let sid = id_of(session);
    app.clock.advance_secs(86_400 - 1);
    browser
        .post(&format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await
        .ok();
    app.clock.advance_secs(86_400 + 1);
    browser
        .post(&format!("/v1/client/sessions/{sid}/tokens"), &[])
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn token_azp_is_the_calling_origin_when_known_and_exp_follows_the_ttl() {
    let app = TestApp::spawn_with(|c| {
        let own = c.server.public_url.clone();
        c.webauthn.origins = Some(vec![own, "http://localhost:3000".into()]);
        c.sessions.token_ttl_secs = 120;
    })
    .await;
    let page = Browser::new(&app.base, Some("http://localhost:3000".into()));
    let reply = page.sign_up("ada").await;
    let sid = reply.ok()["response"]["created_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let jwt = page.mint_token(&sid).await;
    let c = claims(&jwt);
    assert_eq!(c["azp"], "http://localhost:3000");
    assert_eq!(c["exp"].as_i64(), c["iat"].as_i64().map(|iat| iat + 120));
    let native = signed_up(&app, Transport::Native, "bob").await;
    let sid = native.get("/v1/client").await.body["response"]["last_active_session_id"]
        .as_str()
        .expect("sid")
        .to_owned();
    let jwt = native.mint_token(&sid).await;
    let c = claims(&jwt);
    assert!(
        c.get("azp").is_none_or(Value::is_null),
        "no origin, no azp: {c}"
    );
    assert_eq!(c["sts"], "active");
}

#[tokio::test]
async fn both_jwks_documents_serve_the_same_keys() {
    let app = TestApp::spawn().await;
    let public = app.browser().get("/.well-known/jwks.json").await;
    let private = backend(&app).get("/backend/v1/jwks").await;
    assert_eq!(public.ok(), private.ok());
    let keys = public.body["keys"].as_array().expect("keys");
    assert!(!keys.is_empty());
    for key in keys {
        assert_eq!(key["alg"], "ES256", "the default keys.algorithm");
        assert!(key["kid"].as_str().is_some_and(|k| !k.is_empty()));
        assert!(key.get("d").is_none(), "no private part");
    }
}

#[tokio::test]
async fn control_characters_in_body_fields_are_refused_not_internal_errors() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    for (field, value, code) in [
        ("first_name", "a\u{0}b", "form_param_value_invalid"),
        ("last_name", "\u{0}", "form_param_value_invalid"),
        (
            "email_address",
            "a\u{0}@example.com",
            "form_param_format_invalid",
        ),
    ] {
        let reply = browser
            .post(
                "/v1/client/sign_ups",
                &[("username", "ada"), (field, value)],
            )
            .await;
        reply.assert_error(422, code);
        assert_eq!(reply.param(), field);
    }
    browser.sign_up("ada").await.ok();
    app.browser()
        .post("/v1/client/sign_ins", &[("identifier", "ada\u{0}")])
        .await
        .assert_error(422, "form_identifier_not_found");
}
