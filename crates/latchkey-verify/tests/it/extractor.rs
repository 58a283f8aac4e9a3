//! The axum extractor on a router: bearer token, `__session` cookie, missing and invalid
//! tokens, `Option<Session>`, state through `FromRef`, and an unreachable JWKS.

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use axum::{Json, Router};
use http_body_util::BodyExt as _;
use latchkey_verify::{Session, Verifier, VerifierConfig};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::support::{Key, claims_at, config, jwks, unix_now};

/// An app's own state, holding the verifier among other things.
#[derive(Clone, FromRef)]
struct AppState {
    verifier: Verifier,
    name: &'static str,
}

async fn me(Session(claims): Session) -> Json<Value> {
    Json(json!({ "user_id": claims.sub, "session_id": claims.sid }))
}

/// A handler that takes both its app's state and the session.
async fn hello(State(name): State<&'static str>, Session(claims): Session) -> Json<Value> {
    Json(json!({ "app": name, "user_id": claims.sub }))
}

async fn maybe(session: Option<Session>) -> Json<Value> {
    Json(json!({ "user_id": session.map(|Session(claims)| claims.sub) }))
}

fn app(verifier: Verifier) -> Router {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/maybe", get(maybe))
        .route("/api/hello", get(hello))
        .with_state(AppState {
            verifier,
            name: "test",
        })
}

fn setup() -> (Key, Router) {
    let key = Key::generate("key_1");
    let verifier = Verifier::with_jwks(config(), &jwks(&[&key])).expect("verifier");
    (key, app(verifier))
}

async fn call(
    app: &Router,
    path: &str,
    headers: &[(header::HeaderName, String)],
) -> (StatusCode, Option<String>, Value) {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).expect("request"))
        .await
        .expect("response");
    let status = response.status();
    let challenge = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .map(|value| value.to_str().expect("ascii").to_owned());
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (
        status,
        challenge,
        serde_json::from_slice(&body).expect("json body"),
    )
}

fn token(key: &Key) -> String {
    key.sign(&claims_at(unix_now()))
}

#[tokio::test]
async fn a_bearer_token_lets_the_request_through() {
    let (key, app) = setup();
    let (status, _, body) = call(
        &app,
        "/api/me",
        &[(header::AUTHORIZATION, format!("Bearer {}", token(&key)))],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "user_id": "user_1", "session_id": "sess_1" }));

    let (status, _, body) = call(
        &app,
        "/api/hello",
        &[(header::AUTHORIZATION, format!("Bearer {}", token(&key)))],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "app": "test", "user_id": "user_1" }));
}

#[tokio::test]
async fn the_session_cookie_lets_the_request_through() {
    let (key, app) = setup();
    let cookie = format!("theme=dark; __session={}; other=1", token(&key));
    let (status, _, body) = call(&app, "/api/me", &[(header::COOKIE, cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["session_id"], "sess_1");
}

#[tokio::test]
async fn no_token_is_401_with_latchkeys_error_body() {
    let (_, app) = setup();
    let (status, challenge, body) = call(&app, "/api/me", &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer"));
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    assert!(body["errors"][0]["message"].is_string());
    assert!(
        body["errors"][0]["long_message"]
            .as_str()
            .expect("long_message")
            .contains("__session")
    );
}

#[tokio::test]
async fn an_invalid_token_is_401_and_the_cookie_is_not_tried_after_a_bad_bearer() {
    let (key, app) = setup();
    let mut expired = claims_at(unix_now() - 3600);
    expired["sub"] = "user_2".into();
    let headers = [
        (
            header::AUTHORIZATION,
            format!("Bearer {}", key.sign(&expired)),
        ),
        (header::COOKIE, format!("__session={}", token(&key))),
    ];
    let (status, challenge, body) = call(&app, "/api/me", &headers).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""));
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
    assert!(
        body["errors"][0]["long_message"]
            .as_str()
            .expect("long_message")
            .contains("expired")
    );

    let garbage = [(header::COOKIE, "__session=garbage".to_owned())];
    let (status, _, body) = call(&app, "/api/me", &garbage).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
}

#[tokio::test]
async fn a_pending_session_is_401() {
    let (key, app) = setup();
    let mut pending = claims_at(unix_now());
    pending["sts"] = "pending".into();
    let headers = [(
        header::AUTHORIZATION,
        format!("Bearer {}", key.sign(&pending)),
    )];
    let (status, _, body) = call(&app, "/api/me", &headers).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["code"], "authentication_invalid");
}

#[tokio::test]
async fn an_optional_session_is_none_when_signed_out() {
    let (key, app) = setup();
    let (status, _, body) = call(&app, "/api/maybe", &[]).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "user_id": null })));
    let bad = [(header::AUTHORIZATION, "Bearer x.y.z".to_owned())];
    let (status, _, body) = call(&app, "/api/maybe", &bad).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "user_id": null })));
    let good = [(header::AUTHORIZATION, format!("Bearer {}", token(&key)))];
    let (status, _, body) = call(&app, "/api/maybe", &good).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({ "user_id": "user_1" }))
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_503_not_401() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let verifier = Verifier::new(VerifierConfig::new(&url)).expect("verifier");
    let app = app(verifier);
    let key = Key::generate("key_1");
    let headers = [(header::AUTHORIZATION, format!("Bearer {}", token(&key)))];
    for path in ["/api/me", "/api/maybe"] {
        let (status, challenge, body) = call(&app, path, &headers).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(challenge, None);
        assert_eq!(body["errors"][0]["code"], "jwks_unavailable");
    }
}
