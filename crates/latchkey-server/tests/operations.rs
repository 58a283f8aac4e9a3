//! Running Latchkey: the Backend API on its own listener, graceful shutdown of both
//! listeners, audit-event retention, and `keys rotate` encrypting keys at rest.

use latchkey_core::ids::{self, Kind};
use latchkey_core::model::AuditEvent;
use latchkey_core::store::Page;
use latchkey_core::{Clock, ManualClock, SystemClock};
use latchkey_server::{Application, Config};
use latchkey_testkit::{Browser, fresh_postgres_database};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SECRET_KEY: &str = "sk_test_0123456789abcdef";
const DAY_SECS: i64 = 86_400;

/// A new id made at the system clock's time, for test data and directory names.
fn new_id(kind: Kind) -> String {
    ids::new_id(kind, SystemClock.now_ms())
}

/// A fresh database: PostgreSQL when `LATCHKEY_TEST_POSTGRES_URL` is set, else SQLite
/// in a new directory (returned so it can be removed).
async fn fresh_database() -> (String, PathBuf) {
    let dir = std::env::temp_dir().join(format!("latchkey-ops-{}", new_id(Kind::Key)));
    std::fs::create_dir_all(&dir).expect("dir");
    let url = match std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
        Ok(server) => fresh_postgres_database(&server).await,
        Err(_) => format!("sqlite://{}", dir.join("latchkey.db").display()),
    };
    (url, dir)
}

/// The test configuration for a server whose public listener is on `port`.
fn config(port: u16, database_url: &str) -> Config {
    let mut config = Config::default();
    config.server.listen = format!("127.0.0.1:{port}");
    config.server.public_url = format!("http://localhost:{port}");
    config.database.url = database_url.to_owned();
    config.backend.secret_keys = vec![SECRET_KEY.into()];
    config
}

/// A running server with the Backend API on its own listener.
struct Split {
    public: String,
    backend: String,
    stop: oneshot::Sender<()>,
    served: tokio::task::JoinHandle<()>,
    dir: PathBuf,
}

async fn spawn_split() -> Split {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let backend_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let backend_addr = backend_listener.local_addr().expect("addr");
    let (url, dir) = fresh_database().await;
    let mut config = config(port, &url);
    config.server.backend_listen = Some(backend_addr.to_string());
    let app = Application::build_with_backend(
        config,
        listener,
        Some(backend_listener),
        Arc::new(ManualClock::new()),
    )
    .await
    .expect("build");
    assert_eq!(app.backend_addr().expect("addr"), Some(backend_addr));
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    Split {
        public: format!("http://localhost:{port}"),
        backend: format!("http://127.0.0.1:{}", backend_addr.port()),
        stop,
        served,
        dir,
    }
}

fn with_key(base: &str, key: Option<&str>) -> Browser {
    let mut browser = Browser::new(base, None);
    browser.bearer = key.map(str::to_owned);
    browser
}

#[tokio::test]
async fn the_backend_api_is_served_only_on_its_own_listener() {
    let split = spawn_split().await;
    let backend = with_key(&split.backend, Some(SECRET_KEY));
    let public = with_key(&split.public, Some(SECRET_KEY));

    // The Backend API answers on its listener, with its usual authentication.
    assert_eq!(
        backend.get("/backend/v1/users").await.ok()["total_count"],
        0
    );
    let created = backend
        .post_json(
            "/backend/v1/users",
            &serde_json::json!({ "username": "ada" }),
        )
        .await;
    let user_id = created.ok()["id"].as_str().expect("id").to_owned();
    assert_eq!(
        backend
            .get(&format!("/backend/v1/users/{user_id}"))
            .await
            .ok()["username"],
        "ada"
    );
    assert_eq!(
        backend.get("/backend/v1/jwks").await.ok()["keys"][0]["alg"],
        "ES256"
    );
    with_key(&split.backend, None)
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");
    with_key(&split.backend, Some("sk_wrong_0123456789abcdef"))
        .get("/backend/v1/users")
        .await
        .assert_error(401, "authentication_invalid");

    // ... and is not found on the public one, whatever the key, path or method.
    for path in [
        "/backend/v1/users",
        &format!("/backend/v1/users/{user_id}"),
        "/backend/v1/jwks",
        "/backend/v1/nothing",
        "/backend",
    ] {
        let reply = public.get(path).await;
        reply.assert_error(404, "resource_not_found");
        assert!(reply.headers.contains_key("x-request-id"), "{path}");
    }
    public
        .post_json(
            "/backend/v1/users",
            &serde_json::json!({ "username": "eve" }),
        )
        .await
        .assert_error(404, "resource_not_found");
    public
        .send(
            "DELETE",
            &format!("/backend/v1/users/{user_id}"),
            None,
            Vec::new(),
        )
        .await
        .assert_error(404, "resource_not_found");
    assert_eq!(
        backend.get("/backend/v1/users").await.ok()["total_count"],
        1,
        "nothing was created or deleted through the public listener"
    );

    // The Frontend API, well-known documents, SDK and demo are not on the backend one.
    let browser = Browser::new(&split.public, Some(split.public.clone()));
    browser.get("/v1/environment").await.ok();
    assert_eq!(browser.get("/.well-known/jwks.json").await.status, 200);
    let on_backend = browser.at(&split.backend);
    for path in [
        "/v1/environment",
        "/v1/client",
        "/.well-known/jwks.json",
        "/openapi.json",
        "/",
    ] {
        on_backend
            .get(path)
            .await
            .assert_error(404, "resource_not_found");
    }
    on_backend
        .post("/v1/client/sign_ups", &[("username", "mallory")])
        .await
        .assert_error(404, "resource_not_found");

    // Probes and metrics answer on both.
    for base in [&split.public, &split.backend] {
        let plain = Browser::new(base, None);
        assert_eq!(plain.get("/healthz").await.status, 200, "{base}");
        assert_eq!(plain.get("/readyz").await.status, 200, "{base}");
        assert_eq!(plain.get("/metrics").await.status, 200, "{base}");
    }
    let _ = std::fs::remove_dir_all(&split.dir);
}

#[tokio::test]
async fn shutdown_stops_both_listeners() {
    let split = spawn_split().await;
    let public_addr = split.public.trim_start_matches("http://").to_owned();
    let backend_addr = split.backend.trim_start_matches("http://").to_owned();
    assert_eq!(
        Browser::new(&split.backend, None)
            .get("/healthz")
            .await
            .status,
        200
    );
    let _ = split.stop.send(());
    tokio::time::timeout(Duration::from_secs(10), split.served)
        .await
        .expect("stops within 10 s")
        .expect("served without panicking");
    for addr in [public_addr, backend_addr] {
        assert!(
            tokio::net::TcpStream::connect(&addr).await.is_err(),
            "{addr} is closed"
        );
    }
    let _ = std::fs::remove_dir_all(&split.dir);
}

fn event(created_at: i64) -> AuditEvent {
    AuditEvent {
        id: new_id(Kind::AuditEvent),
        kind: "sign_in.failed".into(),
        user_id: None,
        passkey_id: None,
        session_id: None,
        ip: Some("127.0.0.1".into()),
        user_agent: None,
        actor: None,
        created_at,
        data: "{}".into(),
    }
}

/// Builds (without serving) an application with `retention_days`; returns it with its
/// clock.
async fn built_with_retention(retention_days: u32) -> (Application, Arc<ManualClock>, PathBuf) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (url, dir) = fresh_database().await;
    let mut config = config(port, &url);
    config.audit.retention_days = retention_days;
    let clock = Arc::new(ManualClock::new());
    let app = Application::build(config, listener, clock.clone())
        .await
        .expect("build");
    (app, clock, dir)
}

async fn event_ids(app: &Application) -> Vec<String> {
    let page = Page {
        limit: 100,
        offset: 0,
    };
    let (events, _) = app
        .state()
        .auth
        .store()
        .list_audit_events(&Default::default(), page)
        .await
        .expect("events");
    events.into_iter().map(|e| e.id).collect()
}

#[tokio::test]
async fn audit_events_past_their_retention_are_deleted() {
    let (app, clock, dir) = built_with_retention(30).await;
    let auth = app.state().auth.clone();
    assert_eq!(auth.settings().audit_retention_days, 30);
    let now = auth.now();
    let day_ms = DAY_SECS * 1000;
    let old = event(now - 40 * day_ms);
    let recent = event(now - 20 * day_ms);
    let fresh = event(now);
    for e in [&old, &recent, &fresh] {
        auth.store().insert_audit_event(e).await.expect("insert");
    }

    let done = auth.clean_up().await.expect("clean-up");
    assert_eq!(done.audit_events, 1);
    let mut kept = event_ids(&app).await;
    kept.sort();
    let mut expected = vec![recent.id.clone(), fresh.id.clone()];
    expected.sort();
    assert_eq!(kept, expected);

    // Fifteen days on, the 20-day-old event is past 30 days; the fresh one is not.
    clock.advance_secs(15 * DAY_SECS);
    let done = auth.clean_up().await.expect("clean-up");
    assert_eq!(done.audit_events, 1);
    assert_eq!(event_ids(&app).await, vec![fresh.id.clone()]);
    assert_eq!(auth.clean_up().await.expect("clean-up").audit_events, 0);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn audit_retention_zero_keeps_events_forever() {
    let (app, clock, dir) = built_with_retention(0).await;
    let auth = app.state().auth.clone();
    assert_eq!(auth.settings().audit_retention_days, 0);
    let ancient = event(auth.now() - 3_650 * DAY_SECS * 1000);
    auth.store()
        .insert_audit_event(&ancient)
        .await
        .expect("insert");
    clock.advance_secs(400 * DAY_SECS);
    let done = auth.clean_up().await.expect("clean-up");
    assert_eq!(done.audit_events, 0);
    assert_eq!(event_ids(&app).await, vec![ancient.id.clone()]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn deleting_audit_events_works_in_batches() {
    let (app, clock, dir) = built_with_retention(1).await;
    let auth = app.state().auth.clone();
    let now = auth.now();
    // More than one batch of old events.
    for i in 0..5_010 {
        auth.store()
            .insert_audit_event(&event(now - 10 * DAY_SECS * 1000 - i))
            .await
            .expect("insert");
    }
    auth.store()
        .insert_audit_event(&event(now))
        .await
        .expect("insert");
    let removed = auth
        .store()
        .delete_audit_events_before(now - DAY_SECS * 1000)
        .await
        .expect("delete");
    assert_eq!(removed, 5_010);
    assert_eq!(event_ids(&app).await.len(), 1);
    clock.advance_secs(2 * DAY_SECS);
    assert_eq!(auth.clean_up().await.expect("clean-up").audit_events, 1);
    let _ = std::fs::remove_dir_all(dir);
}

/// The `latchkey` binary with a clean environment on `database_url`.
fn latchkey(database_url: &str, encryption_key: Option<&str>) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_latchkey"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("LATCHKEY_DATABASE__URL", database_url);
    if let Some(key) = encryption_key {
        cmd.env("LATCHKEY_KEYS__ENCRYPTION_KEY", key);
    }
    cmd
}

/// Runs the command to its end (killing it after 60 s, which fails the test); returns
/// whether it succeeded, its stdout and its stderr.
fn run(cmd: &mut std::process::Command) -> (bool, String, String) {
    use std::io::Read;
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run latchkey");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("latchkey {cmd:?} did not exit");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut err);
    }
    (status.success(), out, err)
}

#[tokio::test]
async fn keys_rotate_encrypts_keys_and_serve_refuses_a_wrong_encryption_key() {
    const KEY: &str = "0YjQ2mVt8xWq4Rz7LpN3sKd9FhG1bC5e-rotate";
    let (url, dir) = fresh_database().await;
    // A key stored before encryption was turned on.
    let (ok, out, err) = run(latchkey(&url, None).args(["keys", "rotate"]));
    assert!(ok, "{out}{err}");
    assert!(out.contains("\tsigning\tunencrypted"), "{out}");

    // Rotating with an encryption key encrypts the old key and the new one.
    let (ok, out, err) = run(latchkey(&url, Some(KEY)).args(["keys", "rotate"]));
    assert!(ok, "{out}{err}");
    assert!(out.contains("encrypted signing key key_"), "{out}");
    assert!(out.contains("\tsigning\tencrypted"), "{out}");
    assert!(out.contains("\tverify-only\tencrypted"), "{out}");
    assert!(!out.contains("unencrypted"), "{out}");

    // A wrong or missing key: rotation and start-up refuse, naming the setting.
    for key in [Some("a-wrong-key-that-is-long-enough-1234567890"), None] {
        let (ok, out, err) = run(latchkey(&url, key).args(["keys", "rotate"]));
        assert!(!ok, "rotated with {key:?}: {out}");
        assert!(err.contains("keys.encryption_key"), "{err}");
        let (ok, out, err) = run(latchkey(&url, key).args(["serve", "--listen", "127.0.0.1:0"]));
        assert!(!ok, "served with {key:?}: {out}");
        assert!(err.contains("keys.encryption_key"), "{err}");
    }
    let (ok, out, _) = run(latchkey(&url, None).args(["keys", "list"]));
    assert!(ok);
    assert_eq!(
        out.lines().filter(|l| l.starts_with("key_")).count(),
        2,
        "the refused rotations added no key: {out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
