//! Fetching the JWKS from a local server: first use, refresh on an unknown kid, the
//! refresh limit, a stale cache, failures and concurrent first uses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use latchkey_verify::{JwksError, Verifier, VerifierConfig, VerifyError};
use tokio::net::TcpListener;

use crate::support::{Key, NOW, claims, claims_at, jwks};

/// A stand-in for the Latchkey server's `/.well-known/jwks.json`.
#[derive(Clone, Default)]
struct JwksServer {
    document: Arc<Mutex<String>>,
    status: Arc<Mutex<Option<StatusCode>>>,
    fetches: Arc<AtomicUsize>,
    /// When set, the next answer waits until this is notified.
    hold: Arc<Mutex<Option<Arc<tokio::sync::Notify>>>>,
}

impl JwksServer {
    /// Serves `keys` on 127.0.0.1 on a free port; returns the server and its base URL.
    async fn start(keys: &[&Key]) -> (Self, String) {
        let server = Self::default();
        server.publish(keys);
        let app = Router::new()
            .route("/.well-known/jwks.json", get(serve))
            .with_state(server.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        (server, format!("http://{addr}"))
    }

    fn publish(&self, keys: &[&Key]) {
        *self.document.lock().expect("lock") = jwks(keys);
    }

    fn fail_with(&self, status: Option<StatusCode>) {
        *self.status.lock().expect("lock") = status;
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

async fn serve(State(server): State<JwksServer>) -> Response {
    server.fetches.fetch_add(1, Ordering::SeqCst);
    let hold = server.hold.lock().expect("lock").take();
    if let Some(hold) = hold {
        hold.notified().await;
    }
    if let Some(status) = *server.status.lock().expect("lock") {
        return status.into_response();
    }
    let document = server.document.lock().expect("lock").clone();
    ([("content-type", "application/json")], document).into_response()
}

/// A verifier of tokens issued by `issuer` (the test server's URL), fetching from it.
fn verifier(issuer: &str) -> Verifier {
    Verifier::new(VerifierConfig::new(issuer)).expect("verifier")
}

fn claims_of(issuer: &str, iat: i64) -> serde_json::Value {
    let mut claims = claims_at(iat);
    claims["iss"] = issuer.into();
    claims
}

#[tokio::test]
async fn the_jwks_is_fetched_on_first_use_and_then_cached() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = verifier(&url);
    assert_eq!(
        server.fetches(),
        0,
        "nothing is fetched before the first token"
    );
    for offset in 0..5 {
        let token = key.sign(&claims_of(&url, NOW + offset));
        verifier
            .verify_at(&token, NOW + offset)
            .await
            .expect("valid");
    }
    assert_eq!(server.fetches(), 1);
    // Clones share the cache.
    let token = key.sign(&claims_of(&url, NOW));
    verifier
        .clone()
        .verify_at(&token, NOW)
        .await
        .expect("valid");
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn an_unknown_kid_refreshes_the_jwks_at_most_once_per_interval() {
    let old = Key::generate("key_old");
    let (server, url) = JwksServer::start(&[&old]).await;
    let verifier = verifier(&url);
    verifier
        .verify_at(&old.sign(&claims_of(&url, NOW)), NOW)
        .await
        .expect("valid");
    assert_eq!(server.fetches(), 1);

    // The server rotates its keys; a token of the new key arrives within 30 s of the
    // last fetch: no refresh yet.
    let new = Key::generate("key_new");
    server.publish(&[&new, &old]);
    let early = new.sign(&claims_of(&url, NOW + 10));
    assert_eq!(
        verifier.verify_at(&early, NOW + 10).await,
        Err(VerifyError::UnknownKey("key_new".into()))
    );
    assert_eq!(server.fetches(), 1);

    // 30 s after the last fetch the unknown kid refreshes the cache once.
    let later = new.sign(&claims_of(&url, NOW + 30));
    verifier
        .verify_at(&later, NOW + 30)
        .await
        .expect("valid after refresh");
    assert_eq!(server.fetches(), 2);
    verifier
        .verify_at(&old.sign(&claims_of(&url, NOW + 31)), NOW + 31)
        .await
        .expect("the old key is still published");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn made_up_kids_cannot_make_the_verifier_hammer_the_server() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = verifier(&url);
    verifier
        .verify_at(&key.sign(&claims_of(&url, NOW)), NOW)
        .await
        .expect("valid");
    let mut refused = 0;
    for i in 0..100 {
        let garbage = Key::generate(&format!("garbage_{i}"));
        let now = NOW + 40 + i / 10;
        let result = verifier
            .verify_at(&garbage.sign(&claims_of(&url, now)), now)
            .await;
        assert_eq!(result, Err(VerifyError::UnknownKey(format!("garbage_{i}"))));
        refused += 1;
    }
    assert_eq!(refused, 100);
    assert_eq!(
        server.fetches(),
        2,
        "one refresh for 100 unknown kids within 30 s"
    );
}

#[tokio::test]
async fn a_stale_cache_is_refetched_and_pruned_keys_stop_working() {
    let old = Key::generate("key_old");
    let new = Key::generate("key_new");
    let (server, url) = JwksServer::start(&[&new, &old]).await;
    let verifier = Verifier::new(VerifierConfig {
        jwks_max_age_secs: 600,
        ..VerifierConfig::new(&url)
    })
    .expect("verifier");
    verifier
        .verify_at(&old.sign(&claims_of(&url, NOW)), NOW)
        .await
        .expect("valid");

    server.publish(&[&new]);
    let at = NOW + 599;
    verifier
        .verify_at(&old.sign(&claims_of(&url, at)), at)
        .await
        .expect("still cached");
    assert_eq!(server.fetches(), 1);

    let at = NOW + 600;
    assert_eq!(
        verifier
            .verify_at(&old.sign(&claims_of(&url, at)), at)
            .await,
        Err(VerifyError::UnknownKey("key_old".into()))
    );
    assert_eq!(server.fetches(), 2);
    verifier
        .verify_at(&new.sign(&claims_of(&url, at)), at)
        .await
        .expect("valid");
    assert_eq!(server.fetches(), 2);
}

#[tokio::test]
async fn cached_keys_stand_in_while_the_server_fails() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = Verifier::new(VerifierConfig {
        jwks_max_age_secs: 60,
        ..VerifierConfig::new(&url)
    })
    .expect("verifier");
    verifier
        .verify_at(&key.sign(&claims_of(&url, NOW)), NOW)
        .await
        .expect("valid");

    server.fail_with(Some(StatusCode::INTERNAL_SERVER_ERROR));
    let at = NOW + 120;
    verifier
        .verify_at(&key.sign(&claims_of(&url, at)), at)
        .await
        .expect("the stale key stands in");
    assert_eq!(server.fetches(), 2);
    // An unknown kid cannot be found while the server fails.
    let at = NOW + 200;
    let stranger = Key::generate("key_2");
    assert_eq!(
        verifier
            .verify_at(&stranger.sign(&claims_of(&url, at)), at)
            .await,
        Err(VerifyError::Jwks(JwksError::Status(500)))
    );
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn without_a_cache_fetch_failures_are_reported_and_retried() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = verifier(&url);
    let token = key.sign(&claims_of(&url, NOW));

    server.fail_with(Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        verifier.verify_at(&token, NOW).await,
        Err(VerifyError::Jwks(JwksError::Status(503)))
    );
    server.fail_with(None);
    server.publish(&[]);
    assert!(matches!(
        verifier.verify_at(&token, NOW).await,
        Err(VerifyError::Jwks(JwksError::Invalid(_)))
    ));
    server.publish(&[&key]);
    verifier
        .verify_at(&token, NOW)
        .await
        .expect("valid once the server answers");
    assert_eq!(server.fetches(), 3);
}

#[tokio::test]
async fn an_unreachable_server_is_a_jwks_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let key = Key::generate("key_1");
    let result = verifier(&url)
        .verify_at(&key.sign(&claims_of(&url, NOW)), NOW)
        .await;
    assert!(
        matches!(result, Err(VerifyError::Jwks(JwksError::Request(_)))),
        "{result:?}"
    );
}

#[tokio::test]
async fn concurrent_first_uses_share_one_fetch() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = verifier(&url);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (verifier, token) = (verifier.clone(), key.sign(&claims_of(&url, NOW)));
        tasks.spawn(async move { verifier.verify_at(&token, NOW).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task").expect("valid");
    }
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn a_configured_jwks_url_is_used() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let verifier = Verifier::new(VerifierConfig {
        jwks_url: Some(format!("{url}/.well-known/jwks.json")),
        ..VerifierConfig::new("http://localhost:8080")
    })
    .expect("verifier");
    verifier
        .verify_at(&key.sign(&claims()), NOW)
        .await
        .expect("valid");
    assert_eq!(server.fetches(), 1);
}

#[tokio::test]
async fn a_fetch_whose_caller_went_away_does_not_fail_the_callers_waiting_for_it() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    let release = Arc::new(tokio::sync::Notify::new());
    *server.hold.lock().expect("lock") = Some(release.clone());
    let verifier = verifier(&url);
    let token = key.sign(&claims_of(&url, NOW));

    let first = tokio::spawn({
        let (verifier, token) = (verifier.clone(), token.clone());
        async move { verifier.verify_at(&token, NOW).await }
    });
    while server.fetches() == 0 {
        tokio::task::yield_now().await;
    }
    // The second verification waits for the first one's fetch…
    let second = tokio::spawn({
        let verifier = verifier.clone();
        async move { verifier.verify_at(&token, NOW).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    // …which is then abandoned.
    first.abort();
    assert!(first.await.expect_err("aborted").is_cancelled());
    second.await.expect("task").expect("valid");
    assert_eq!(server.fetches(), 2);
    release.notify_one();
}

#[tokio::test]
async fn verifications_waiting_for_a_failed_fetch_share_its_failure() {
    let key = Key::generate("key_1");
    let (server, url) = JwksServer::start(&[&key]).await;
    server.fail_with(Some(StatusCode::BAD_GATEWAY));
    let release = Arc::new(tokio::sync::Notify::new());
    *server.hold.lock().expect("lock") = Some(release.clone());
    let verifier = verifier(&url);
    let token = key.sign(&claims_of(&url, NOW));

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let (verifier, token) = (verifier.clone(), token.clone());
        tasks.spawn(async move { verifier.verify_at(&token, NOW).await });
    }
    while server.fetches() == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    release.notify_one();
    while let Some(result) = tasks.join_next().await {
        assert_eq!(
            result.expect("task"),
            Err(VerifyError::Jwks(JwksError::Status(502)))
        );
    }
    assert_eq!(server.fetches(), 1);
}
