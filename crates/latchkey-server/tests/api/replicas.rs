//! Two server processes on one database behave as one: ceremonies cross replicas, a
//! challenge is used once across them, sessions and signing keys are shared.

use latchkey_testkit::{Browser, Ceremony, Proxy, SoftAuthenticator, TestApp};

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
    recovers(&browser).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_during_a_postgres_restart_get_503_and_recover_without_restart() {
    let Ok(server) = std::env::var("LATCHKEY_TEST_POSTGRES_URL") else {
        // Only a database server restarts; SQLite is a local file.
        return;
    };
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;
    let app = TestApp::spawn_with(|c| {
        c.rate_limit.per_ip_per_minute = 1_000_000;
        c.rate_limit.per_client_per_minute = 1_000_000;
    })
    .await;
    // Sign-ups and sign-in starts from fresh clients until told to stop; each task
    // returns its replies that were not 200.
    let stop = Arc::new(AtomicBool::new(false));
    let load: Vec<_> = (0..8)
        .map(|task| {
            let (stop, base, origin) = (stop.clone(), app.base.clone(), app.url.clone());
            tokio::spawn(async move {
                let mut failed = Vec::new();
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let browser = Browser::new(&base, Some(origin.clone()));
                    let sign_up = browser.sign_up(&format!("user{task}_{n}")).await;
                    let sign_in = browser
                        .post("/v1/client/sign_ins", &[("strategy", "passkey")])
                        .await;
                    failed.extend([sign_up, sign_in].into_iter().filter(|r| r.status != 200));
                }
                failed
            })
        })
        .collect();
    // A restart ends every server process of the database, in-flight queries included;
    // end them from outside, a few times over a second.
    let mut terminated = 0;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        terminated += end_connections(&server, &app).await;
    }
    stop.store(true, Ordering::Relaxed);
    assert!(terminated > 0, "Latchkey's connections were terminated");
    for task in futures::future::join_all(load).await {
        for reply in task.expect("load task") {
            reply.assert_error(503, "service_unavailable");
        }
    }
    recovers(&app.browser()).await;
}

#[tokio::test]
async fn pooled_connections_the_database_closed_while_idle_are_replaced_before_use() {
    let Ok(server) = std::env::var("LATCHKEY_TEST_POSTGRES_URL") else {
        return;
    };
    let app = TestApp::spawn().await;
    app.browser().sign_up("ada").await.ok();
    assert!(
        end_connections(&server, &app).await > 0,
        "pool connections ended"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let browser = app.browser();
    assert_eq!(browser.get("/readyz").await.status, 200);
    browser.sign_up("grace").await.ok();
}

/// Ends every connection to the app's PostgreSQL database from outside, as a restart
/// of the database server would; returns how many it ended.
async fn end_connections(server: &str, app: &TestApp) -> usize {
    use sqlx::Connection;
    let database = url::Url::parse(&app.config.database.url)
        .expect("url")
        .path()
        .trim_start_matches('/')
        .to_owned();
    let mut admin = sqlx::PgConnection::connect(server)
        .await
        .expect("admin connection");
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&database)
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    ended.into_iter().filter(|ended| *ended).count()
}

/// Asserts that, within 5 s of the database coming back, the server is ready and signs
/// up a user, and that until then it answers 503. (A pooled connection the database
/// closed while it was in use fails its next statement once, then is replaced.)
async fn recovers(browser: &Browser) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(5);
    for attempt in 0.. {
        let ready = browser.get("/readyz").await;
        if ready.status == 200 {
            let reply = browser.sign_up(&format!("after_outage{attempt}")).await;
            if reply.status == 200 {
                return;
            }
            reply.assert_error(503, "service_unavailable");
        } else {
            assert_eq!(ready.status, 503, "not ready: {}", ready.body);
        }
        assert!(Instant::now() < deadline, "recovered within 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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
