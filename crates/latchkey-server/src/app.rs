//! Building the application from configuration and serving it on given listeners (the
//! public one, and optionally a separate one for the Backend API), so tests can run it on
//! port 0 with their own clock.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use latchkey_core::ids::random_bytes;
use latchkey_core::tokens::KeyError;
use latchkey_core::{Auth, Clock, ceremony::b64url};
use latchkey_store::{SqlStore, StoreOptions};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::{Layer, ServiceBuilder, ServiceExt};

use crate::config::{Config, ConfigError};
use crate::http::{middleware, router};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    /// Web origins allowed for CORS and cookie-authenticated changes.
    pub web_origins: Arc<Vec<String>>,
    /// Whether `server.public_url` is HTTPS: the client cookie is then `Secure` and
    /// `__Host-`-prefixed.
    pub secure_cookies: bool,
    /// SHA-256 of each Backend API secret key.
    pub backend_key_hashes: Arc<Vec<Vec<u8>>>,
    /// Request and ceremony counters of this process.
    pub metrics: Arc<crate::http::metrics::Metrics>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Invalid configuration, naming the key.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database failed, or what it holds cannot be used (such as signing keys that
    /// `keys.encryption_key` does not open).
    #[error("{}", store_message(.0))]
    Store(#[from] latchkey_core::Error),
    /// Signing keys cannot be sealed or opened with `keys.encryption_key`.
    #[error(transparent)]
    Keys(#[from] KeyError),
    /// A configured address cannot be listened on.
    #[error("cannot listen on {addr} ({key}): {source}")]
    Bind {
        /// The configuration key of the address.
        key: &'static str,
        /// The address.
        addr: SocketAddr,
        /// Why binding failed.
        source: std::io::Error,
    },
    /// Any other I/O failure of a listener.
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// A start-up failure of the store or the domain: a lost database says so; internal
/// errors (a failed migration, keys that cannot be decrypted) carry their own message.
fn store_message(err: &latchkey_core::Error) -> String {
    match err {
        latchkey_core::Error::Unavailable(detail) => format!("database unavailable: {detail}"),
        latchkey_core::Error::Internal(detail) => detail.clone(),
        other => other.to_string(),
    }
}

/// Binds the address of configuration key `key` (`server.listen`,
/// `server.backend_listen`), naming the key if it cannot.
pub async fn bind(key: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { key, addr, source })
}

/// The setting under which the hashes of generated Backend API keys are kept.
const GENERATED_KEY_SETTING: &str = "backend_secret_key_sha256";

/// A built server, bound to its listeners, ready to run.
pub struct Application {
    listener: TcpListener,
    /// The Backend API's own listener; when present the public one does not serve it.
    backend_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
    /// A Backend API key generated on this first start, to print once.
    pub generated_secret_key: Option<String>,
}

/// Opens the configured store, applying migrations.
pub async fn open_store(config: &Config) -> Result<SqlStore, StartError> {
    let options = StoreOptions {
        url: config.database.url.clone(),
        max_connections: config.database.max_connections,
        statement_timeout_ms: config.database.statement_timeout_ms,
    };
    Ok(SqlStore::open(&options).await?)
}

impl Application {
    /// Opens and migrates the database, loads keys and builds the routes, to serve on
    /// `listener` (and on `server.backend_listen`, bound here, when it is set).
    pub async fn build(
        config: Config,
        listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        Self::build_with_backend(config, listener, None, clock).await
    }

    /// [`Application::build`] with the Backend API's own listener. With
    /// `backend_listener` (or, when it is `None`, `server.backend_listen`), `/backend/`
    /// is served only there, beside the probes and metrics, and the public listener
    /// answers 404 `resource_not_found` under `/backend/`; with neither, the one
    /// listener serves everything.
    pub async fn build_with_backend(
        config: Config,
        listener: TcpListener,
        backend_listener: Option<TcpListener>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let backend_listener = match (backend_listener, config.backend_listen_addr()?) {
            (Some(backend), _) => Some(backend),
            (None, Some(addr)) => Some(bind("server.backend_listen", addr).await?),
            (None, None) => None,
        };
        let settings = config.settings()?;
        let store = Arc::new(open_store(&config).await?);
        let auth = Arc::new(Auth::new(settings.clone(), store.clone(), clock).await?);
        let (backend_key_hashes, generated_secret_key) = backend_keys(&config, &auth).await?;
        let trusted_proxies = Arc::new(config.trusted_proxies()?);
        let state = AppState {
            trusted_proxies,
            metrics: Arc::default(),
            web_origins: Arc::new(config.web_origins()),
            secure_cookies: settings.public_url.scheme() == "https",
            config: Arc::new(config),
            auth,
            backend_key_hashes: Arc::new(backend_key_hashes),
        };
        Ok(Self {
            listener,
            backend_listener,
            router: router::router(state.clone()),
            state,
            generated_secret_key,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address of the Backend API's own listener, if it has one.
    pub fn backend_addr(&self) -> std::io::Result<Option<SocketAddr>> {
        self.backend_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()
    }

    /// The shared state (for tests and the CLI).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish on every
    /// listener.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let cleanup = tokio::spawn(clean_up_periodically(
            self.state.auth.clone(),
            self.state.config.audit_retention_days(),
        ));
        let (stop, stopped) = watch::channel(false);
        let trigger = tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        let header_timeout =
            Duration::from_secs(u64::from(self.state.config.server.header_timeout_secs));
        match self.backend_listener {
            None => serve(self.listener, self.router, header_timeout, stopped).await,
            Some(backend_listener) => {
                let public = serve(
                    self.listener,
                    restrict(self.router.clone(), Side::Public),
                    header_timeout,
                    stopped.clone(),
                );
                let backend = serve(
                    backend_listener,
                    restrict(self.router, Side::Backend),
                    header_timeout,
                    stopped,
                );
                tokio::join!(public, backend);
            }
        }
        trigger.abort();
        cleanup.abort();
    }
}

/// Serves `router` on `listener` until `stopped` turns true (or its sender is gone), then
/// stops accepting and lets in-flight requests finish. A client gets `header_timeout` to
/// send each request's headers, counted from when the connection opens or its previous
/// response ends; slower (or idle) connections are closed.
async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    mut stopped: watch::Receiver<bool>,
) {
    let app = ServiceBuilder::new()
        .map_request(|req: hyper::Request<Incoming>| req.map(axum::body::Body::new))
        .map_request(middleware::override_method)
        .service(router);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let connections = GracefulShutdown::new();
    let mut stop = pin!(async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    });
    loop {
        let (stream, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    wait_after_accept_error(&err).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = Extension(ConnectInfo(client)).layer(app.clone());
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = connections.watch(conn);
        tokio::spawn(async move {
            if let Err(err) = conn.await {
                tracing::debug!(error = %err, %client, "connection ended with an error");
            }
        });
    }
    drop(listener);
    connections.shutdown().await;
}

/// After a failed accept: a connection reset before it was accepted costs nothing; other
/// errors (such as running out of file descriptors) are waited out rather than spun on.
async fn wait_after_accept_error(err: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if !matches!(
        err.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::warn!(error = %err, "accepting a connection failed");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Which listener a request came in on, when the Backend API has its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    /// Everything but `/backend/`.
    Public,
    /// `/backend/`, the probes and the metrics only.
    Backend,
}

/// Whether `path` is under the Backend API's prefix.
fn is_backend_path(path: &str) -> bool {
    path == "/backend" || path.starts_with("/backend/")
}

/// Whether the listener on `side` serves `path`.
fn serves(side: Side, path: &str) -> bool {
    match side {
        Side::Public => !is_backend_path(path),
        Side::Backend => {
            is_backend_path(path) || matches!(path, "/healthz" | "/readyz" | "/metrics")
        }
    }
}

/// `router` limited to the paths the listener on `side` serves; others answer 404
/// `resource_not_found`, with a request id like any response.
fn restrict(router: Router, side: Side) -> Router {
    let not_found = Router::new()
        .fallback(middleware::not_found)
        .layer(axum::middleware::from_fn(middleware::request_id));
    router.layer(axum::middleware::from_fn_with_state(
        (side, not_found),
        only_served,
    ))
}

async fn only_served(
    State((side, not_found)): State<(Side, Router)>,
    req: Request,
    next: Next,
) -> Response {
    if serves(side, req.uri().path()) {
        next.run(req).await
    } else {
        not_found
            .oneshot(req)
            .await
            .unwrap_or_else(|never| match never {})
    }
}

/// Hashes of the configured Backend API keys; with none configured, a key generated
/// on first start (stored as its hash) is returned to print once.
async fn backend_keys(
    config: &Config,
    auth: &Auth,
) -> Result<(Vec<Vec<u8>>, Option<String>), StartError> {
    let hash = |key: &str| Sha256::digest(key.as_bytes()).to_vec();
    if !config.backend.secret_keys.is_empty() {
        return Ok((
            config
                .backend
                .secret_keys
                .iter()
                .map(|k| hash(k.expose_secret()))
                .collect(),
            None,
        ));
    }
    let key = format!("sk_{}", b64url(&random_bytes(24)));
    let generated = auth
        .store()
        .insert_setting(GENERATED_KEY_SETTING, &b64url(&hash(&key)))
        .await?;
    let stored = auth
        .store()
        .find_setting(GENERATED_KEY_SETTING)
        .await?
        .unwrap_or_default();
    let hashes = latchkey_core::ceremony::from_b64url(&stored)
        .into_iter()
        .collect();
    Ok((hashes, generated.then_some(key)))
}

/// What one clean-up pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CleanUp {
    /// Expired ceremonies, attempts, sessions and rate-limit windows.
    pub expired: u64,
    /// Audit events past their retention.
    pub audit_events: u64,
}

/// One clean-up pass at the clock's current time: removes what expired more than an
/// hour ago (the grace lets a just-expired attempt still report `expired`) and audit
/// events older than `audit_retention_days` (`None` keeps them forever). Each statement
/// is a plain `DELETE ... WHERE time < cutoff`, so replicas running it at once do no harm.
pub async fn clean_up(
    auth: &Auth,
    audit_retention_days: Option<u32>,
) -> latchkey_core::Result<CleanUp> {
    const GRACE_MS: i64 = 3_600_000;
    const DAY_MS: i64 = 86_400_000;
    let now = auth.now();
    let expired = auth.store().delete_expired(now - GRACE_MS).await?;
    let audit_events = match audit_retention_days {
        Some(days) => {
            auth.store()
                .delete_audit_events_before(now - i64::from(days) * DAY_MS)
                .await?
        }
        None => 0,
    };
    Ok(CleanUp {
        expired,
        audit_events,
    })
}

/// Runs [`clean_up`] and reloads the signing keys every minute.
async fn clean_up_periodically(auth: Arc<Auth>, audit_retention_days: Option<u32>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match clean_up(&auth, audit_retention_days).await {
            Ok(done) if done.audit_events > 0 => tracing::info!(
                audit_events = done.audit_events,
                retention_days = audit_retention_days,
                "deleted audit events past their retention"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "clean-up failed"),
        }
        // Pick up keys rotated by `latchkey keys rotate` or another replica.
        if let Err(err) = auth.reload_keys().await {
            tracing::warn!(error = %err, "reloading signing keys failed");
        }
    }
}
