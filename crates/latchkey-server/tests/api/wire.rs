//! Wire conventions: bodies, envelopes, errors, the origin check, CORS, limits and probes.

use latchkey_testkit::{Browser, TestApp};
use serde_json::json;

use crate::session_count;

#[tokio::test]
async fn json_and_form_bodies_are_equivalent() {
    let app = TestApp::spawn().await;
    let json = app
        .browser()
        .post_json(
            "/v1/client/sign_ups",
            &json!({ "username": "ada", "email_address": "ada@example.com", "unknown": 1 }),
        )
        .await;
    assert_eq!(json.ok()["response"]["status"], "complete");
    let form = app
        .browser()
        .post(
            "/v1/client/sign_ups",
            &[("username", "bob"), ("unknown", "x")],
        )
        .await;
    assert_eq!(form.ok()["response"]["status"], "complete");
}

#[tokio::test]
async fn taken_identifiers_are_refused_with_their_field() {
    let app = TestApp::spawn().await;
    app.browser()
        .post(
            "/v1/client/sign_ups",
            &[("username", "ada"), ("email_address", "ada@example.com")],
        )
        .await
        .ok();
    let reply = app.browser().sign_up("ADA").await;
    reply.assert_error(422, "form_identifier_exists");
    assert_eq!(reply.param(), "username");
    let reply = app
        .browser()
        .post(
            "/v1/client/sign_ups",
            &[("username", "ada2"), ("email_address", "Ada@example.com")],
        )
        .await;
    reply.assert_error(422, "form_identifier_exists");
    assert_eq!(reply.param(), "email_address");
    let reply = app
        .browser()
        .post(
            "/v1/client/sign_ups",
            &[("strategy", "passkey"), ("username", "ada")],
        )
        .await;
    reply.assert_error(422, "form_identifier_exists");
}

#[tokio::test]
async fn invalid_sign_up_fields_are_named() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let long_name = "x".repeat(300);
    let cases: [Case; 4] = [
        (
            &[("username", "a b")],
            "form_param_value_invalid",
            "username",
        ),
        (
            &[("username", "ada"), ("email_address", "not-an-email")],
            "form_param_format_invalid",
            "email_address",
        ),
        (
            &[("username", "ada"), ("first_name", &long_name)],
            "form_param_value_invalid",
            "first_name",
        ),
        (
            &[("strategy", "password"), ("username", "ada")],
            "form_param_value_invalid",
            "strategy",
        ),
    ];
    for (form, code, param) in cases {
        let reply = browser.post("/v1/client/sign_ups", form).await;
        reply.assert_error(422, code);
        assert_eq!(reply.param(), param);
    }
    assert_eq!(session_count(&browser).await, 0);
}

#[tokio::test]
async fn a_first_request_that_fails_leaves_no_client_behind() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let refused: [Case; 3] = [
        (
            "/v1/client/sign_ins",
            &[("strategy", "password")],
            "form_param_value_invalid",
        ),
        (
            "/v1/client/sign_ins",
            &[("identifier", "nobody")],
            "form_identifier_not_found",
        ),
        (
            "/v1/client/sign_ups",
            &[("username", "a b")],
            "form_param_value_invalid",
        ),
    ];
    for (path, fields, code) in refused {
        browser.post(path, fields).await.assert_error(422, code);
    }
    let clients = || crate::row_count(&app.config.database.url, "clients");
    assert_eq!(clients().await, 0);
    // The first request that succeeds stores its client, whose token then works.
    browser.sign_up("ada").await.ok();
    assert_eq!(clients().await, 1);
    assert_eq!(crate::session_count(&browser).await, 1);
}

#[tokio::test]
async fn sign_in_errors() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let reply = browser
        .post("/v1/client/sign_ins", &[("identifier", "nobody")])
        .await;
    reply.assert_error(422, "form_identifier_not_found");
    assert_eq!(reply.param(), "identifier");
    let reply = browser
        .post("/v1/client/sign_ins", &[("strategy", "magic_link")])
        .await;
    reply.assert_error(422, "form_param_value_invalid");
    assert_eq!(reply.param(), "strategy");
    let reply = browser.post("/v1/client/sign_ins", &[]).await;
    reply.assert_error(422, "form_param_missing");
    browser.start_sign_in().await;
    browser
        .post(
            "/v1/client/sign_ins/sia_unknown/attempt_first_factor",
            &[("strategy", "passkey"), ("public_key_credential", "{}")],
        )
        .await
        .assert_error(404, "resource_not_found");
    // Another client's sign-in is not found either.
    let (id, _) = app.browser().start_sign_in().await;
    browser
        .post(
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &[("strategy", "passkey"), ("public_key_credential", "{}")],
        )
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn disabled_strategies_are_refused() {
    let app = TestApp::spawn_with(|c| {
        c.auth.passkey = false;
        c.auth.sign_up_with_username = false;
    })
    .await;
    let browser = app.browser();
    browser
        .post("/v1/client/sign_ins", &[("strategy", "passkey")])
        .await
        .assert_error(422, "strategy_not_enabled");
    browser
        .sign_up("ada")
        .await
        .assert_error(422, "strategy_not_enabled");
    browser
        .post("/v1/client/sign_ups", &[("strategy", "passkey")])
        .await
        .assert_error(422, "strategy_not_enabled");
    assert_eq!(
        browser.get("/v1/environment").await.body["auth_config"]["passkey"]["enabled"],
        false
    );
}

#[tokio::test]
async fn cookie_calls_from_a_foreign_origin_are_refused() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    browser.sign_up("ada").await.ok();
    browser.origin = Some("https://evil.example".into());
    let reply = browser
        .post("/v1/client/sign_ups", &[("username", "eve")])
        .await;
    reply.assert_error(403, "origin_invalid");
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "origin_invalid");
    browser.origin = None;
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(403, "origin_invalid");
    // Reads are not state changes.
    assert_eq!(
        browser.get("/v1/me").await.ok()["response"]["username"],
        "ada"
    );
    browser.origin = Some(app.url.clone());
    assert_eq!(session_count(&browser).await, 1, "nothing was created");
    // A foreign origin cannot start a client either.
    let stranger = Browser::new(&app.url, Some("https://evil.example".into()));
    stranger
        .sign_up("mallory")
        .await
        .assert_error(403, "origin_invalid");
}

#[tokio::test]
async fn cors_allows_configured_origins_with_credentials_only() {
    let app = TestApp::spawn_with(|c| {
        let own = c.server.public_url.clone();
        c.webauthn.origins = Some(vec![own, "http://localhost:3000".into()]);
    })
    .await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/client/sign_ins", app.url),
        )
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
    };
    let allowed = preflight("http://localhost:3000").await.expect("preflight");
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:3000")
    );
    assert_eq!(
        allowed
            .headers()
            .get("access-control-allow-credentials")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let foreign = preflight("https://evil.example").await.expect("preflight");
    assert!(
        foreign
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let app_page = Browser::new(&app.url, Some("http://localhost:3000".into()));
    let reply = app_page.sign_up("ada").await;
    reply.ok();
    assert_eq!(
        reply
            .headers
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok()),
        Some("http://localhost:3000")
    );
}

#[tokio::test]
async fn oversized_and_unparsable_bodies() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let big = format!("username={}", "a".repeat(70 * 1024));
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/x-www-form-urlencoded"),
            big.into_bytes(),
        )
        .await
        .assert_error(413, "request_body_too_large");
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/json"),
            b"{\"username\":".to_vec(),
        )
        .await
        .assert_error(400, "request_body_invalid");
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/json"),
            b"[\"ada\"]".to_vec(),
        )
        .await
        .assert_error(400, "request_body_invalid");
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/json"),
            deep.into_bytes(),
        )
        .await
        .assert_error(400, "request_body_invalid");
    browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/octet-stream"),
            vec![0xff, 0xfe, 0x00],
        )
        .await
        .assert_error(400, "request_body_invalid");
    let invalid_utf8 = browser
        .send(
            "POST",
            "/v1/client/sign_ups",
            Some("application/x-www-form-urlencoded"),
            b"username=%ff%fe".to_vec(),
        )
        .await;
    assert!(invalid_utf8.status == 422, "{}", invalid_utf8.body);
    assert_eq!(session_count(&browser).await, 0);
}

#[tokio::test]
async fn unknown_routes_and_signed_out_calls() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser
        .get("/v1/nothing")
        .await
        .assert_error(404, "resource_not_found");
    browser
        .get("/v1/me")
        .await
        .assert_error(401, "authentication_invalid");
    browser
        .post("/v1/me/passkeys", &[])
        .await
        .assert_error(401, "authentication_invalid");
    browser
        .get("/v1/me/sessions")
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn request_ids_are_echoed_and_become_trace_ids() {
    let app = TestApp::spawn().await;
    let res = reqwest::Client::new()
        .get(format!("{}/v1/me", app.url))
        .header("x-request-id", "req-123")
        .send()
        .await
        .expect("request");
    assert_eq!(
        res.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("req-123")
    );
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["trace_id"], "req-123");
}

#[tokio::test]
async fn probes_sdk_and_demo_are_served() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    assert_eq!(browser.get("/healthz").await.status, 200);
    assert_eq!(browser.get("/readyz").await.status, 200);
    for (path, kind) in [
        ("/", "text/html"),
        ("/sdk/latchkey.js", "text/javascript"),
        ("/sdk/react.js", "text/javascript"),
        ("/sdk/latchkey.d.ts", "application/typescript"),
        ("/app.js", "text/javascript"),
    ] {
        let reply = browser.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        let ct = reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(ct.starts_with(kind), "{path}: {ct}");
        assert_eq!(
            reply
                .headers
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
    }
    let html = browser.get("/").await;
    assert!(
        html.body
            .as_str()
            .unwrap_or("")
            .contains("Sign in with a passkey")
            || browser
                .get("/app.js")
                .await
                .body
                .as_str()
                .unwrap_or("")
                .contains("Sign in with a passkey")
    );
}

/// The relative module specifiers of an ES module or declaration file: what
/// follows `from`, a bare `import` or `import(` in quotes and starts with `./` or `../`.
fn relative_imports(source: &str) -> Vec<String> {
    let mut found = Vec::new();
    for keyword in ["from ", "import ", "import("] {
        for (at, _) in source.match_indices(keyword) {
            let rest = &source[at + keyword.len()..];
            let Some(quote) = rest.chars().next().filter(|c| *c == '\'' || *c == '"') else {
                continue;
            };
            let Some((specifier, _)) = rest[1..].split_once(quote) else {
                continue;
            };
            if specifier.starts_with("./") || specifier.starts_with("../") {
                found.push(specifier.to_owned());
            }
        }
    }
    found
}

#[tokio::test]
async fn every_module_the_sdk_imports_is_served() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let base = url::Url::parse("http://sdk.test").expect("base url");
    // Follow the imports from each entry point, as a browser (for the `.js`
    // modules) or TypeScript (for the declarations) would.
    for (entry, kind, declarations) in [
        ("/sdk/latchkey.js", "text/javascript", false),
        ("/sdk/react.js", "text/javascript", false),
        ("/sdk/latchkey.d.ts", "application/typescript", true),
    ] {
        let mut pending = vec![entry.to_owned()];
        let mut seen = std::collections::BTreeSet::new();
        while let Some(path) = pending.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            let reply = browser.get(&path).await;
            assert_eq!(reply.status, 200, "{path} (reached from {entry})");
            let content_type = reply
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            assert!(content_type.starts_with(kind), "{path}: {content_type}");
            let source = reply.body.as_str().expect("a text body");
            let here = base.join(&path).expect("module url");
            for specifier in relative_imports(source) {
                let mut target = here.join(&specifier).expect("import url").path().to_owned();
                if declarations {
                    // `./src/errors.js` in a declaration file means `./src/errors.d.ts`.
                    let stem = target.strip_suffix(".js").unwrap_or(&target).to_owned();
                    target = format!("{stem}.d.ts");
                }
                pending.push(target);
            }
        }
        if entry != "/sdk/react.js" {
            assert!(
                seen.len() > 10 && seen.iter().any(|p| p.starts_with("/sdk/src/")),
                "{entry} reaches the modules under /sdk/src: {seen:?}"
            );
        }
    }
}

#[tokio::test]
async fn well_known_documents() {
    let app = TestApp::spawn_with(|c| {
        c.webauthn.related_origins = vec!["https://shop.example".into()];
        c.apps.apple = vec!["TEAMID.com.example.app".into()];
        c.apps.android = vec![latchkey_server::config::AndroidApp {
            package_name: "com.example.app".into(),
            sha256_cert_fingerprints: vec![vec!["AB"; 32].join(":")],
        }];
    })
    .await;
    let browser = app.browser();
    let jwks = browser.get("/.well-known/jwks.json").await;
    assert_eq!(jwks.ok()["keys"][0]["kty"], "EC");
    assert_eq!(jwks.body["keys"][0]["crv"], "P-256");
    assert_eq!(
        browser.get("/.well-known/webauthn").await.ok()["origins"],
        json!(["https://shop.example"])
    );
    let aasa = browser.get("/.well-known/apple-app-site-association").await;
    assert_eq!(
        aasa.ok()["webcredentials"]["apps"],
        json!(["TEAMID.com.example.app"])
    );
    assert!(
        aasa.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("application/json")
    );
    let links = browser.get("/.well-known/assetlinks.json").await;
    let statement = &links.ok()[0];
    assert_eq!(statement["target"]["namespace"], "android_app");
    assert_eq!(
        statement["relation"],
        json!([
            "delegate_permission/common.handle_all_urls",
            "delegate_permission/common.get_login_creds"
        ])
    );
    let bare = TestApp::spawn().await;
    bare.browser()
        .get("/.well-known/webauthn")
        .await
        .assert_error(404, "resource_not_found");
}

#[tokio::test]
async fn an_android_apps_origin_is_accepted_for_its_signing_certificate() {
    let app = TestApp::spawn_with(|c| {
        c.apps.android = vec![latchkey_server::config::AndroidApp {
            package_name: "com.example.app".into(),
            sha256_cert_fingerprints: vec![vec!["AB"; 32].join(":")],
        }];
    })
    .await;
    let (_, mut authenticator, _) = crate::user_with_passkey(&app, "ada").await;
    // base64url of 32 bytes 0xAB, as Android's credential manager reports the origin.
    let android = format!(
        "android:apk-key-hash:{}",
        "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s"
    );
    let native = app.browser();
    let (id, options) = native.start_sign_in().await;
    let credential = authenticator
        .get(&options, &android, &latchkey_testkit::Ceremony::default())
        .expect("get");
    assert_eq!(
        native
            .attempt_sign_in(&id, &credential.to_string())
            .await
            .ok()["response"]["status"],
        "complete"
    );
    let other_app = "android:apk-key-hash:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let (id, options) = native.start_sign_in().await;
    let credential = authenticator
        .get(&options, other_app, &latchkey_testkit::Ceremony::default())
        .expect("get");
    native
        .attempt_sign_in(&id, &credential.to_string())
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
}

#[tokio::test]
async fn metrics_count_requests_ceremonies_and_live_sessions() {
    let app = TestApp::spawn().await;
    let (_, mut authenticator, _) = crate::user_with_passkey(&app, "ada").await;
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .ok();
    authenticator.user_verified = false;
    app.browser()
        .sign_in(&mut authenticator, &app.url)
        .await
        .assert_error(422, "passkey_invalid_public_key_credential");
    let metrics = app.browser().get("/metrics").await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/plain")
    );
    let text = metrics.body.as_str().unwrap_or("").to_owned();
    for line in [
        "latchkey_http_requests_total{method=\"POST\",route=\"/v1/client/sign_ins\",status=\"200\"} 2",
        "latchkey_ceremonies_total{ceremony=\"sign_in\",outcome=\"started\",code=\"\"} 2",
        "latchkey_ceremonies_total{ceremony=\"sign_in\",outcome=\"succeeded\",code=\"\"} 1",
        "latchkey_ceremonies_total{ceremony=\"sign_in\",outcome=\"failed\",code=\"passkey_invalid_public_key_credential\"} 1",
        "latchkey_ceremonies_total{ceremony=\"registration\",outcome=\"succeeded\",code=\"\"} 1",
        "latchkey_active_sessions 2",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(text.contains("latchkey_http_request_duration_seconds_bucket{method=\"POST\",route=\"/v1/client/sign_ins/{id}/attempt_first_factor\",le=\"+Inf\"} 2"), "{text}");
}

#[tokio::test]
async fn the_openapi_document_lists_every_route_and_every_listed_route_exists() {
    let operations = latchkey_server::http::router::operations();
    let app = TestApp::spawn().await;
    let doc = app.browser().get("/openapi.json").await;
    let doc = doc.ok().clone();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], app.url.as_str());
    let paths = doc["paths"].as_object().expect("paths");
    let listed: usize = paths
        .values()
        .map(|item| item.as_object().map_or(0, |m| m.len()))
        .sum();
    assert_eq!(listed, operations.len());
    for path in [
        "/v1/client/sign_ins",
        "/v1/me/passkeys/{id}",
        "/backend/v1/users/{id}/passkeys/{passkey_id}",
        "/.well-known/jwks.json",
    ] {
        assert!(paths.contains_key(path), "{path}");
    }
    assert!(doc["paths"]["/v1/me/passkeys/{id}"]["patch"]["requestBody"]["content"]["application/x-www-form-urlencoded"].is_object());
    assert_eq!(
        doc["paths"]["/backend/v1/users"]["get"]["security"][0]["secret_key"],
        json!([])
    );
    // Every documented operation is routed: none answers with the unknown-route fallback.
    let browser = app.browser();
    for (method, path) in &operations {
        let routed = path.replace("{id}", "x").replace("{passkey_id}", "y");
        let reply = browser
            .send(method, &routed, Some("application/json"), b"{}".to_vec())
            .await;
        assert_ne!(
            reply.body["errors"][0]["long_message"], "route not found",
            "{method} {path} is not routed"
        );
    }
    let unrouted = browser.send("PUT", "/v1/me", None, Vec::new()).await;
    assert_eq!(
        unrouted.body["errors"][0]["long_message"], "route not found",
        "the check can fail"
    );
}

#[tokio::test]
async fn a_slow_client_is_answered_408_when_its_request_outlives_the_limit() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|c| c.server.request_timeout_secs = 1).await;
    let port = app.base.rsplit(':').next().unwrap_or("").to_owned();
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    let head = format!(
        "POST /v1/client/sign_ups HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nConnection: close\r\n\r\nusername=sl"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // The rest of the body never comes.
    let mut response = String::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await;
    assert!(read.is_ok(), "the server answered within the limit");
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(
        response.contains("\"code\":\"request_timeout\""),
        "{response}"
    );
}

#[tokio::test]
async fn a_client_slow_to_send_its_headers_is_disconnected_after_the_header_timeout() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(|c| c.server.header_timeout_secs = 1).await;
    let port = app.base.rsplit(':').next().unwrap_or("").to_owned();
    let mut stream = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .expect("connect");
    let started = Instant::now();
    // The blank line that ends the headers never comes.
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    assert_eq!(
        app.browser().get("/healthz").await.status,
        200,
        "other connections are served meanwhile"
    );
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut response))
        .await
        .expect("the server closed the connection within 5 s")
        .expect("read");
    let response = String::from_utf8_lossy(&response);
    assert!(
        response.is_empty() || response.starts_with("HTTP/1.1 408"),
        "{response}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "closed by the timeout, not at once: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn csrf_origin_must_match_exactly() {
    let app = TestApp::spawn().await;
    let mut browser = app.browser();
    browser.sign_up("ada").await.ok();
    let (scheme, rest) = app.url.split_once("://").expect("url");
    let spellings = [
        format!("{}/", app.url),
        format!("{}/login", app.url),
        format!("{}://{rest}", scheme.to_uppercase()),
        format!("{scheme}://user@{rest}"),
    ];
    for origin in &spellings {
        browser.origin = Some(origin.clone());
        browser
            .post("/v1/me/passkeys", &[])
            .await
            .assert_error(403, "origin_invalid");
        Browser::new(&app.base, Some(origin.clone()))
            .sign_up("mallory")
            .await
            .assert_error(403, "origin_invalid");
        assert_eq!(
            browser.cors_allows(origin).await,
            None,
            "no CORS for {origin}"
        );
    }
    browser.origin = Some(app.url.clone());
    browser.post("/v1/me/passkeys", &[]).await.ok();
}
