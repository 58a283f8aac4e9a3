//! Signing keys encrypted at rest with `keys.encryption_key`: what the database holds,
//! tokens verifying against the JWKS, plain keys still loading, and a wrong or missing
//! encryption key stopping start-up. Switching `keys.algorithm` between ES256 and RS256.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::ManualClock;
use latchkey_server::{Application, Config};
use latchkey_testkit::{Browser, TestApp};
use serde_json::Value;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::sessions::verifies;

const SECRET: &str = "kR9vQ2mX7pL4sT8wZ1yB6nC3dF5gH0jK-test-secret";
const OTHER_SECRET: &str = "a-different-secret-of-more-than-32-characters";

/// `(kid, private_key)` of every stored signing key, oldest first, read straight from
/// the database.
async fn stored_keys(database_url: &str) -> Vec<(String, String)> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.expect("connect");
    let rows = sqlx::query_as("SELECT kid, private_key FROM signing_keys ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .expect("signing keys");
    pool.close().await;
    rows
}

/// The `x` coordinate of the JWK with this `kid`.
fn jwk_x(jwks: &Value, kid: &str) -> Vec<u8> {
    let jwk = jwks["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid))
        .expect("kid in the JWKS");
    URL_SAFE_NO_PAD
        .decode(jwk["x"].as_str().expect("x"))
        .expect("base64url")
}

/// Whether any 32 bytes of `bytes` are the private scalar of the public key whose `x`
/// coordinate is `x`.
fn holds_scalar_of(bytes: &[u8], x: &[u8]) -> bool {
    bytes.windows(32).any(|window| {
        p256::ecdsa::SigningKey::from_slice(window).is_ok_and(|key| {
            key.verifying_key()
                .to_encoded_point(false)
                .x()
                .is_some_and(|kx| kx[..] == *x)
        })
    })
}

/// A fresh session token of a new user, and the JWKS the server publishes.
async fn token_and_jwks(browser: &Browser, username: &str) -> (String, Value) {
    let session = browser.sign_up(username).await.ok()["response"]["created_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    let jwt = browser.mint_token(&session).await;
    let jwks = browser.get("/.well-known/jwks.json").await.ok().clone();
    (jwt, jwks)
}

/// Builds a server on `config` (another process on the same database); `Err` carries
/// the start-up error's message.
async fn build(config: Config) -> Result<Application, String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    Application::build(config, listener, Arc::new(ManualClock::new()))
        .await
        .map_err(|err| err.to_string())
}

/// Runs a built server until the returned sender is dropped; returns its base URL.
fn run(app: Application) -> (String, oneshot::Sender<()>) {
    let base = format!(
        "http://localhost:{}",
        app.local_addr().expect("addr").port()
    );
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    (base, stop)
}

#[tokio::test]
async fn signing_keys_are_encrypted_at_rest_and_tokens_still_verify() {
    let app = TestApp::spawn_with(|c| c.keys.encryption_key = Some(SECRET.into())).await;
    let browser = app.browser();
    let (jwt, jwks) = token_and_jwks(&browser, "ada").await;
    assert!(verifies(&jwt, &jwks), "the token verifies against the JWKS");

    let keys = stored_keys(&app.config.database.url).await;
    assert_eq!(keys.len(), 1);
    let (kid, private_key) = &keys[0];
    let sealed = private_key
        .strip_prefix("enc:v1:")
        .unwrap_or_else(|| panic!("stored sealed: {private_key}"));
    let bytes = URL_SAFE_NO_PAD.decode(sealed).expect("base64url");
    assert_eq!(bytes.len(), 12 + 32 + 16, "nonce, ciphertext and tag");
    let x = jwk_x(&jwks, kid);
    assert!(
        !holds_scalar_of(&bytes, &x),
        "the plain scalar is not stored"
    );
    assert!(
        URL_SAFE_NO_PAD
            .decode(private_key)
            .map_or(true, |plain| !holds_scalar_of(&plain, &x)),
        "the column is not the base64url scalar"
    );

    // Another process with the same encryption key opens the key and signs alike.
    let replica = app.spawn_replica().await;
    let (jwt, jwks) = token_and_jwks(&browser.at(&replica.base), "bob").await;
    assert!(verifies(&jwt, &jwks));
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_wrong_or_missing_encryption_key_stops_start_up() {
    let app = TestApp::spawn_with(|c| c.keys.encryption_key = Some(SECRET.into())).await;
    for encryption_key in [Some(OTHER_SECRET.to_owned()), None] {
        let mut config = app.config.clone();
        config.keys.encryption_key = encryption_key.clone().map(Into::into);
        let Err(message) = build(config).await else {
            panic!("started with encryption key {encryption_key:?}");
        };
        assert!(
            message.contains("keys.encryption_key"),
            "{encryption_key:?}: {message}"
        );
        assert!(
            message.contains(&stored_keys(&app.config.database.url).await[0].0),
            "names the key: {message}"
        );
    }
    // The right key still starts.
    let mut config = app.config.clone();
    config.keys.encryption_key = Some(SECRET.into());
    assert!(build(config).await.is_ok());
}

#[tokio::test]
async fn plain_keys_still_load_once_encryption_is_turned_on() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let (before, _) = token_and_jwks(&browser, "ada").await;
    let keys = stored_keys(&app.config.database.url).await;
    assert_eq!(keys.len(), 1);
    assert!(!keys[0].1.starts_with("enc:"), "stored plain");

    let mut config = app.config.clone();
    config.keys.encryption_key = Some(SECRET.into());
    let (base, _stop) = run(build(config).await.expect("starts with the plain key"));
    let (after, jwks) = token_and_jwks(&browser.at(&base), "bob").await;
    assert!(verifies(&before, &jwks), "old tokens still verify");
    assert!(
        verifies(&after, &jwks),
        "new tokens are signed by the same key"
    );
    assert_eq!(
        stored_keys(&app.config.database.url).await,
        keys,
        "starting changes no key"
    );
}

/// The `alg` and `kid` of a token's header.
fn alg_and_kid(jwt: &str) -> (String, String) {
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap_or_default())
            .expect("base64url"),
    )
    .expect("header");
    (
        header["alg"].as_str().unwrap_or_default().to_owned(),
        header["kid"].as_str().unwrap_or_default().to_owned(),
    )
}

/// `(kid, kty, alg)` of each key of a JWKS, in its order.
fn published(jwks: &Value) -> Vec<(String, String, String)> {
    jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| {
            let text = |name: &str| k[name].as_str().unwrap_or_default().to_owned();
            (text("kid"), text("kty"), text("alg"))
        })
        .collect()
}

#[tokio::test]
async fn switching_the_algorithm_adds_a_signing_key_and_the_jwks_serves_both() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let (es256, jwks) = token_and_jwks(&browser, "ada").await;
    let (alg, ec_kid) = alg_and_kid(&es256);
    assert_eq!(alg, "ES256");
    assert_eq!(
        published(&jwks),
        [(ec_kid.clone(), "EC".into(), "ES256".into())]
    );

    // Another start on the same database with RS256 adds an RSA key, which signs.
    let mut config = app.config.clone();
    config.keys.algorithm = "RS256".into();
    let (base, stop) = run(build(config.clone()).await.expect("starts with RS256"));
    let rsa_browser = browser.at(&base);
    let (rs256, jwks) = token_and_jwks(&rsa_browser, "bob").await;
    let (alg, rsa_kid) = alg_and_kid(&rs256);
    assert_eq!(alg, "RS256");
    assert_eq!(
        published(&jwks),
        [
            (rsa_kid.clone(), "RSA".into(), "RS256".into()),
            (ec_kid.clone(), "EC".into(), "ES256".into()),
        ],
        "the new key first, the old one still published"
    );
    let rsa_jwk = &jwks["keys"][0];
    assert_eq!(rsa_jwk["use"], "sig");
    assert_eq!(rsa_jwk["e"], "AQAB");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(rsa_jwk["n"].as_str().expect("n"))
            .map(|n| n.len())
            .ok(),
        Some(256),
        "RSA 2048"
    );
    assert!(verifies(&rs256, &jwks), "the RS256 token verifies");
    assert!(verifies(&es256, &jwks), "the ES256 token still verifies");
    let mut backend = Browser::new(&base, None);
    backend.bearer = Some(app.secret_key().to_owned());
    let backend_jwks = backend.get("/backend/v1/jwks").await.ok().clone();
    assert_eq!(backend_jwks, jwks, "both JWKS documents");

    // Starting again with RS256 adds nothing; the database holds both keys.
    drop(stop);
    let stored = stored_keys(&app.config.database.url).await;
    assert_eq!(
        stored
            .iter()
            .map(|(kid, _)| kid.clone())
            .collect::<Vec<_>>(),
        [ec_kid.clone(), rsa_kid.clone()]
    );
    let (base, _stop) = run(build(config).await.expect("starts again"));
    assert_eq!(stored_keys(&app.config.database.url).await, stored);
    let (again, _) = token_and_jwks(&browser.at(&base), "cyd").await;
    assert_eq!(alg_and_kid(&again), ("RS256".into(), rsa_kid.clone()));

    // Back to ES256: a new EC key signs, both older keys still verify.
    let (base, _stop) = run(build(app.config.clone()).await.expect("back to ES256"));
    let (back, jwks) = token_and_jwks(&browser.at(&base), "dee").await;
    let (alg, kid) = alg_and_kid(&back);
    assert_eq!(alg, "ES256");
    assert!(kid != ec_kid && kid != rsa_kid, "a new key: {kid}");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(3));
    for token in [&es256, &rs256, &back] {
        assert!(verifies(token, &jwks));
    }
}
