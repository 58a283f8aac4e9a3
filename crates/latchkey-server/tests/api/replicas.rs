//! Two server processes on one database behave as one: ceremonies cross replicas, a
//! challenge is used once across them, sessions and signing keys are shared.

use latchkey_testkit::{Ceremony, Proxy, SoftAuthenticator, TestApp};

use crate::sessions::{claims, verifies};

#[tokio::test]
async fn ceremonies_started_on_one_replica_finish_on_the_other() {
    let a = TestApp::spawn().await;
    let b = a.spawn_replica().await;
    let on_a = a.browser();
    let on_b = on_a.at(&b.base);
    on_a.sign_up("ada").await.ok();
    let (id, options) = on_a.start_passkey().await;
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator
        .create(&options, &a.url, &Ceremony::default())
        .expect("create");
    assert_eq!(
        on_b.finish_passkey(&id, &credential).await.ok()["response"]["verification"]["status"],
        "verified"
    );
    let fresh_a = a.browser();
    let fresh_b = fresh_a.at(&b.base);
    let (sign_in, options) = fresh_b.start_sign_in().await;
    let assertion = authenticator
        .get(&options, &a.url, &Ceremony::default())
        .expect("get");
    assert_eq!(
        fresh_a
            .attempt_sign_in(&sign_in, &assertion.to_string())
            .await
            .ok()["response"]["status"],
        "complete"
    );
}

#[tokio::test]
async fn one_assertion_posted_to_both_replicas_at_once_succeeds_once() {
    let a = TestApp::spawn().await;
    let b = a.spawn_replica().await;
    let (_, mut authenticator, _) = crate::user_with_passkey(&a, "ada").await;
    let on_a = a.browser();
    let on_b = on_a.at(&b.base);
    let (id, options) = on_a.start_sign_in().await;
    let assertion = authenticator
        .get(&options, &a.url, &Ceremony::default())
        .expect("get")
        .to_string();
    let attempts = (0..10).map(|i| {
        let browser = if i % 2 == 0 {
            on_a.clone()
        } else {
            on_b.clone()
        };
        let (id, assertion) = (id.clone(), assertion.clone());
        async move { browser.attempt_sign_in(&id, &assertion).await }
    });
    let replies = futures::future::join_all(attempts).await;
    assert_eq!(replies.iter().filter(|r| r.status == 200).count(), 1);
    assert_eq!(crate::session_count(&on_b).await, 1);
}

#[tokio::test]
async fn sessions_and_signing_keys_are_shared() {
    let a = TestApp::spawn().await;
    let b = a.spawn_replica().await;
    let on_a = a.browser();
    let on_b = on_a.at(&b.base);
    let session = on_a.sign_up("ada").await.ok()["response"]["created_session_id"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let token = on_a
        .post(&format!("/v1/client/sessions/{session}/tokens"), &[])
        .await;
    let jwt = token.ok()["jwt"].as_str().unwrap_or("").to_owned();
    let jwks_b = on_b.get("/.well-known/jwks.json").await;
    assert!(
        verifies(&jwt, jwks_b.ok()),
        "a token from A verifies with B's JWKS"
    );
    assert_eq!(claims(&jwt)["sid"], session.as_str());
    on_a.post(&format!("/v1/client/sessions/{session}/end"), &[])
        .await
        .ok();
    on_b.post(&format!("/v1/client/sessions/{session}/tokens"), &[])
        .await
        .assert_error(401, "authentication_invalid");
}

#[tokio::test]
async fn readiness_follows_the_database_and_recovers_without_restart() {
    let Ok(server) = std::env::var("LATCHKEY_TEST_POSTGRES_URL") else {
        // Only a networked database can become unreachable; SQLite is a local file.
        return;
    };
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let db = latchkey_testkit::fresh_postgres_database(&server).await;
    let mut url = url::Url::parse(&db).expect("url");
    url.set_port(Some(proxy.port())).expect("port");
    let app = TestApp::spawn_with(|c| c.database.url = url.to_string()).await;
    let browser = app.browser();
    assert_eq!(browser.get("/readyz").await.status, 200);
    proxy.cut();
    assert_eq!(browser.get("/readyz").await.status, 503);
    let reply = browser.sign_up("ada").await;
    assert!(
        reply.status == 503,
        "database faults are 503, not 500: {}",
        reply.body
    );
    proxy.restore().await;
    assert_eq!(browser.get("/readyz").await.status, 200);
    browser.sign_up("ada").await.ok();
}

#[tokio::test]
async fn postgres_connections_can_require_tls() {
    let Ok(server) = std::env::var("LATCHKEY_TEST_POSTGRES_URL") else {
        return;
    };
    use sqlx::Connection;
    let mut plain = sqlx::PgConnection::connect(&server).await.expect("connect");
    let ssl: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut plain)
        .await
        .expect("show ssl");
    if ssl != "on" {
        // A server without TLS configured cannot show it; Debian's default has it on.
        return;
    }
    let db = latchkey_testkit::fresh_postgres_database(&server).await;
    let tls_url = format!("{db}?sslmode=require");
    let app = TestApp::spawn_with(|c| c.database.url = tls_url.clone()).await;
    app.browser().sign_up("ada").await.ok();
    let mut conn = sqlx::PgConnection::connect(&tls_url)
        .await
        .expect("TLS connection");
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut conn)
            .await
            .expect("pg_stat_ssl");
    assert!(encrypted, "sslmode=require gives an encrypted connection");
}
