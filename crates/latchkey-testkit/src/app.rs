//! The real server on port 0 with a fresh database, and an HTTP client that behaves like
//! a browser (cookie jar, `Origin` header).

use latchkey_core::{Auth, ManualClock};
use latchkey_server::{Application, Config};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::authenticator::{Ceremony, SoftAuthenticator};

/// A running server for one test.
pub struct TestApp {
    /// `http://localhost:<port>`: the public URL and origin.
    pub url: String,
    /// Where this process listens; differs from `url` for a replica.
    pub base: String,
    pub clock: Arc<ManualClock>,
    pub config: Config,
    /// The use cases of this process (to queue mail or wake its mail worker).
    pub auth: Arc<Auth>,
    dir: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    /// A server with the default configuration.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A server whose configuration `tweak` may change (after the test defaults are set).
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let dir = std::env::temp_dir().join(format!("latchkey-test-{}", unique_name()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("http://localhost:{port}");
        let mut config = Config::default();
        config.server.listen = format!("127.0.0.1:{port}");
        config.server.public_url = url.clone();
        config.database.url = match std::env::var("LATCHKEY_TEST_POSTGRES_URL") {
            Ok(server) => fresh_postgres_database(&server).await,
            Err(_) => format!("sqlite://{}", dir.join("latchkey.db").display()),
        };
        config.backend.secret_keys = vec!["sk_test_0123456789abcdef".into()];
        tweak(&mut config);
        let mut app = Self::start(config, listener, Arc::new(ManualClock::new())).await;
        app.dir = Some(dir);
        app
    }

    async fn start(config: Config, listener: TcpListener, clock: Arc<ManualClock>) -> Self {
        let base = format!(
            "http://localhost:{}",
            listener.local_addr().expect("addr").port()
        );
        let app = Application::build(config.clone(), listener, clock.clone())
            .await
            .expect("build app");
        let auth = app.state().auth.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self {
            url: config.server.public_url.clone(),
            base,
            clock,
            config,
            auth,
            dir: None,
            stop: Some(stop),
        }
    }

    /// A second server process on the same database and configuration (another replica
    /// behind the same public URL), sharing this one's clock.
    pub async fn spawn_replica(&self) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start(self.config.clone(), listener, self.clock.clone()).await
    }

    /// A browser on the server's own origin, with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base, Some(self.url.clone()))
    }

    /// A native app's client: no cookie and no `Origin`, its client token (handed out in
    /// `Authorization` for `?_is_native=1` when it started a first sign-in) sent back as
    /// `Authorization: Bearer`.
    pub async fn native(&self) -> Browser {
        let (native, reply) = self
            .native_call("/v1/client/sign_ins", &[("strategy", "passkey")])
            .await;
        reply.ok();
        native
    }

    /// A new native app whose first call is `POST path` with `form` (and `?_is_native=1`);
    /// returns it, holding the client token that call handed out, and the reply.
    pub async fn native_call(&self, path: &str, form: &[(&str, &str)]) -> (Browser, Reply) {
        let mut native = Browser::new(&self.base, None);
        let sep = if path.contains('?') { '&' } else { '?' };
        let reply = native.post(&format!("{path}{sep}_is_native=1"), form).await;
        native.bearer = reply
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert!(native.bearer.is_some(), "client token: {}", reply.body);
        (native, reply)
    }

    /// The Backend API secret key of the test configuration.
    pub fn secret_key(&self) -> &str {
        self.config.backend.secret_keys[0].expose_secret()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Creates an empty database named `latchkey_test_*` on the PostgreSQL server of `url`
/// and returns its URL. The test command drops these databases after the run.
pub async fn fresh_postgres_database(url: &str) -> String {
    use sqlx::Connection;
    let name = format!("latchkey_test_{}", unique_name().to_lowercase());
    let name = name.replace('-', "_");
    let mut admin = sqlx::PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create database");
    let mut db_url = url::Url::parse(url).expect("postgres url");
    db_url.set_path(&format!("/{name}"));
    db_url.to_string()
}

/// A response: status and JSON body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Reply {
    /// The first error code, if any.
    pub fn code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }

    /// The first error's `meta.param_name`.
    pub fn param(&self) -> &str {
        self.body["errors"][0]["meta"]["param_name"]
            .as_str()
            .unwrap_or("")
    }

    /// The `response` member of a success envelope.
    pub fn response(&self) -> &Value {
        &self.body["response"]
    }

    /// Asserts an error status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.body
        );
        assert!(
            self.body["trace_id"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            "trace id: {}",
            self.body
        );
    }

    /// Asserts success and returns the body.
    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, 200, "body: {}", self.body);
        &self.body
    }
}

/// An HTTP client with a cookie jar that sends an `Origin` like a browser.
#[derive(Clone)]
pub struct Browser {
    http: reqwest::Client,
    base: String,
    /// The `Origin` header sent on every request, if any.
    pub origin: Option<String>,
    /// `Authorization: Bearer` token for native callers.
    pub bearer: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// An `X-Forwarded-For` header, as a proxy would add.
    pub forwarded_for: Option<String>,
}

impl Browser {
    /// A browser talking to `base`, sending `origin`.
    pub fn new(base: &str, origin: Option<String>) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        Self {
            http,
            base: base.to_owned(),
            origin,
            bearer: None,
            forwarded_for: None,
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36".into(),
        }
    }

    /// The same browser (same cookie jar) talking to another server, e.g. a replica.
    pub fn at(&self, base: &str) -> Browser {
        Browser {
            base: base.to_owned(),
            ..self.clone()
        }
    }

    /// Any request with a raw body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("user-agent", &self.user_agent);
        if let Some(origin) = &self.origin {
            req = req.header("origin", origin);
        }
        if let Some(hops) = &self.forwarded_for {
            req = req.header("x-forwarded-for", hops);
        }
        if let Some(token) = &self.bearer {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let res = req.body(body).send().await.expect("request");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            headers,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, Vec::new()).await
    }

    /// `POST path` with a form body.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Reply {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.send(
            "POST",
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await
    }

    /// Signs up with a username; returns the completed sign-up body.
    pub async fn sign_up(&self, username: &str) -> Reply {
        self.post("/v1/client/sign_ups", &[("username", username)])
            .await
    }

    /// Starts a passkey registration; returns the passkey id and creation options.
    pub async fn start_passkey(&self) -> (String, String) {
        let reply = self.post("/v1/me/passkeys", &[]).await;
        let passkey = reply.ok()["response"].clone();
        (
            passkey["id"].as_str().expect("id").to_owned(),
            passkey["verification"]["nonce"]
                .as_str()
                .expect("nonce")
                .to_owned(),
        )
    }

    /// Finishes a passkey registration with a credential.
    pub async fn finish_passkey(&self, id: &str, credential: &Value) -> Reply {
        let credential = credential.to_string();
        self.post(
            &format!("/v1/me/passkeys/{id}/attempt_verification"),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", &credential),
            ],
        )
        .await
    }

    /// Registers a passkey of `authenticator` for the signed-in user.
    pub async fn register_passkey(
        &self,
        authenticator: &mut SoftAuthenticator,
        origin: &str,
    ) -> Reply {
        let (id, options) = self.start_passkey().await;
        let credential = authenticator
            .create(&options, origin, &Ceremony::default())
            .expect("create");
        self.finish_passkey(&id, &credential).await
    }

    /// Starts a discoverable sign-in; returns its id and request options.
    pub async fn start_sign_in(&self) -> (String, String) {
        let reply = self
            .post("/v1/client/sign_ins", &[("strategy", "passkey")])
            .await;
        let sign_in = reply.ok()["response"].clone();
        (
            sign_in["id"].as_str().expect("id").to_owned(),
            sign_in["first_factor_verification"]["nonce"]
                .as_str()
                .expect("nonce")
                .to_owned(),
        )
    }

    /// Answers a sign-in with a credential.
    pub async fn attempt_sign_in(&self, id: &str, credential: &str) -> Reply {
        self.post(
            &format!("/v1/client/sign_ins/{id}/attempt_first_factor"),
            &[
                ("strategy", "passkey"),
                ("public_key_credential", credential),
            ],
        )
        .await
    }

    /// A session token for one of the client's sessions (`POST .../tokens`, which must
    /// succeed).
    pub async fn mint_token(&self, session: &str) -> String {
        self.post(&format!("/v1/client/sessions/{session}/tokens"), &[])
            .await
            .ok()["jwt"]
            .as_str()
            .expect("a jwt")
            .to_owned()
    }

    /// The `Access-Control-Allow-Origin` a CORS preflight of a `POST` from `origin` gets.
    pub async fn cors_allows(&self, origin: &str) -> Option<String> {
        let preflight = self
            .http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/client/sign_ins", self.base),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .expect("preflight");
        preflight
            .headers()
            .get("access-control-allow-origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }

    /// A complete discoverable sign-in with `authenticator`.
    pub async fn sign_in(&self, authenticator: &mut SoftAuthenticator, origin: &str) -> Reply {
        let (id, options) = self.start_sign_in().await;
        let credential = authenticator
            .get(&options, origin, &Ceremony::default())
            .expect("get");
        self.attempt_sign_in(&id, &credential.to_string()).await
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A name no other test uses: an id made at the system clock's time.
pub(crate) fn unique_name() -> String {
    use latchkey_core::Clock;
    latchkey_core::ids::new_id(
        latchkey_core::ids::Kind::Key,
        latchkey_core::SystemClock.now_ms(),
    )
}
