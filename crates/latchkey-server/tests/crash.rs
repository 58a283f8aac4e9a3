//! Crash safety: registrations and sign-ins run against the real binary, which is killed
//! with SIGKILL mid-load and restarted on the same database. Everything acknowledged with
//! a 200 must still be there and usable; nothing half-written may be visible.

use latchkey_testkit::{Browser, Ceremony, SoftAuthenticator};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const SECRET: &str = "sk_crash_test_0123456789";

struct Server {
    child: Child,
    base: String,
}

#[allow(clippy::zombie_processes)] // the Server's Drop kills and waits for it
async fn start(port: u16, database: &str) -> Server {
    let url = format!("http://localhost:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_latchkey"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--public-url",
            &url,
            "--database-url",
            database,
        ])
        .env("LATCHKEY_BACKEND__SECRET_KEYS", format!("[\"{SECRET}\"]"))
        .env("LATCHKEY_RATE_LIMIT__PER_IP_PER_MINUTE", "1000000")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn latchkey");
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http
            .get(format!("{url}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Server { child, base: url };
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("latchkey did not start");
}

/// What the server acknowledged before it died.
#[derive(Default)]
struct Acknowledged {
    users: Vec<String>,
    /// Passkeys whose verification answered 200, with their authenticators.
    passkeys: Vec<SoftAuthenticator>,
    /// Sessions created by sign-ins that answered 200, with their client tokens.
    sessions: Vec<(String, String)>,
}

fn native(base: &str, token: Option<&str>) -> Browser {
    let mut b = Browser::new(base, None);
    b.bearer = token.map(str::to_owned);
    b
}

/// One user's journey; records each step the server acknowledged.
async fn journey(base: &str, name: &str, acked: &Mutex<Acknowledged>) -> Option<()> {
    let signed_up = native(base, None)
        .post("/v1/client/sign_ups?_is_native=1", &[("username", name)])
        .await;
    if signed_up.status != 200 {
        return None;
    }
    let token = signed_up
        .headers
        .get("authorization")?
        .to_str()
        .ok()?
        .to_owned();
    acked.lock().await.users.push(
        signed_up.body["response"]["created_user_id"]
            .as_str()?
            .to_owned(),
    );
    let me = native(base, Some(&token));
    let started = me.post("/v1/me/passkeys", &[]).await;
    let id = started.body["response"]["id"].as_str()?.to_owned();
    let mut authenticator = SoftAuthenticator::new();
    let credential = authenticator
        .create(
            started.body["response"]["verification"]["nonce"].as_str()?,
            base,
            &Ceremony::default(),
        )
        .ok()?;
    if me.finish_passkey(&id, &credential).await.status != 200 {
        return None;
    }
    let sign_in = native(base, None)
        .post(
            "/v1/client/sign_ins?_is_native=1",
            &[("strategy", "passkey")],
        )
        .await;
    let client_token = sign_in
        .headers
        .get("authorization")?
        .to_str()
        .ok()?
        .to_owned();
    let options = sign_in.body["response"]["first_factor_verification"]["nonce"]
        .as_str()?
        .to_owned();
    let assertion = authenticator
        .get(&options, base, &Ceremony::default())
        .ok()?;
    let attempt = native(base, Some(&client_token))
        .attempt_sign_in(
            sign_in.body["response"]["id"].as_str()?,
            &assertion.to_string(),
        )
        .await;
    let mut acked = acked.lock().await;
    acked.passkeys.push(authenticator);
    if attempt.status == 200 {
        acked.sessions.push((
            client_token,
            attempt.body["response"]["created_session_id"]
                .as_str()?
                .to_owned(),
        ));
    }
    Some(())
}

async fn crash_and_recover(database: &str, dir: &std::path::Path) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = start(port, database).await;
    let acked = std::sync::Arc::new(Mutex::new(Acknowledged::default()));
    let deadline = Instant::now() + Duration::from_millis(1500);
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (base, acked) = (server.base.clone(), acked.clone());
            tokio::spawn(async move {
                let mut i = 0;
                // Bounded: at most 1,000 journeys per worker, and the server dies first.
                while i < 1000 && journey(&base, &format!("w{w}u{i}"), &acked).await.is_some() {
                    i += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep_until(deadline.into()).await;
    server.child.kill().expect("SIGKILL");
    let _ = server.child.wait();
    for worker in workers {
        let _ = worker.await;
    }
    let server = start(port, database).await;
    let mut acked = acked.lock().await;
    assert!(
        acked.users.len() > 5 && !acked.passkeys.is_empty(),
        "load ran: {} users",
        acked.users.len()
    );
    let backend = native(&server.base, Some(SECRET));
    for user in &acked.users {
        assert_eq!(
            backend
                .get(&format!("/backend/v1/users/{user}"))
                .await
                .status,
            200,
            "user {user} survived"
        );
    }
    for (client_token, session) in &acked.sessions {
        let token = native(&server.base, Some(client_token))
            .post(&format!("/v1/client/sessions/{session}/tokens"), &[])
            .await;
        assert_eq!(
            token.status, 200,
            "session {session} usable: {}",
            token.body
        );
    }
    let base = server.base.clone();
    for authenticator in acked.passkeys.iter_mut() {
        let b = native(&base, None);
        let sign_in = b
            .post(
                "/v1/client/sign_ins?_is_native=1",
                &[("strategy", "passkey")],
            )
            .await;
        let b = native(
            &base,
            sign_in
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok()),
        );
        let options = sign_in.body["response"]["first_factor_verification"]["nonce"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        let assertion = authenticator
            .get(&options, &base, &Ceremony::default())
            .expect("get");
        let done = b
            .attempt_sign_in(
                sign_in.body["response"]["id"].as_str().unwrap_or(""),
                &assertion.to_string(),
            )
            .await;
        assert_eq!(
            done.status, 200,
            "acknowledged passkey signs in after the crash: {}",
            done.body
        );
    }
    // Nothing half-written: every verified passkey has its credential, every session its user.
    let pool = sqlx::AnyPool::connect(database).await.expect("connect");
    let broken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM passkeys WHERE verified = 1 AND (credential_id IS NULL OR credential IS NULL OR name IS NULL)",
    )
    .fetch_one(&pool)
    .await
    .expect("query");
    assert_eq!(broken, 0);
    let orphans: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions WHERE user_id NOT IN (SELECT id FROM users)",
    )
    .fetch_one(&pool)
    .await
    .expect("query");
    assert_eq!(orphans, 0);
    let completed: Vec<(String,)> = sqlx::query_as("SELECT id FROM sign_ins WHERE status = 'complete' AND created_session_id NOT IN (SELECT id FROM sessions)")
        .fetch_all(&pool)
        .await
        .expect("query");
    assert!(
        completed.is_empty(),
        "a complete sign-in always has its session"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(dir);
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    sqlx::any::install_default_drivers();
    let dir = std::env::temp_dir().join(format!("latchkey-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let database = match std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
        Ok(server) => latchkey_testkit::fresh_postgres_database(&server).await,
        Err(_) => format!("sqlite://{}?mode=rwc", dir.join("latchkey.db").display()),
    };
    crash_and_recover(&database, &dir).await;
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish_and_refuses_new_ones() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = std::env::temp_dir().join(format!("latchkey-term-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let database = format!("sqlite://{}?mode=rwc", dir.join("latchkey.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = start(port, &database).await;
    // A request whose body is still arriving when the signal comes.
    let body = "username=inflight";
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let head = format!(
        "POST /v1/client/sign_ups HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream
        .write_all(&body.as_bytes()[..5])
        .await
        .expect("write part");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = server.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
        .write_all(&body.as_bytes()[5..])
        .await
        .expect("write rest");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let status = server.child.wait().expect("exit");
    assert!(status.success(), "clean exit: {status:?}");
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "no new connections"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
