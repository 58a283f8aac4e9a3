//! Building the application from configuration and serving it on a given listener, so
//! tests can run it on port 0 with their own clock.

use axum::Router;
use axum::extract::connect_info::IntoMakeServiceWithConnectInfo;
use latchkey_core::ids::random_bytes;
use latchkey_core::{Auth, Clock, ceremony::b64url};
use latchkey_store::{SqlStore, StoreOptions};
use sha2::{Digest, Sha256};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::Layer;

use crate::config::{Config, ConfigError};
use crate::http::{middleware, router};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    /// Web origins allowed for CORS and cookie-authenticated changes.
    pub web_origins: Arc<Vec<String>>,
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
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Store(#[from] latchkey_core::Error),
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
}

/// The setting under which the hashes of generated Backend API keys are kept.
const GENERATED_KEY_SETTING: &str = "backend_secret_key_sha256";

/// A built server, bound to its listener, ready to run.
pub struct Application {
    listener: TcpListener,
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
    /// Opens and migrates the database, loads keys and builds the routes.
    pub async fn build(
        config: Config,
        listener: TcpListener,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
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
            router: router::router(state.clone()),
            state,
            generated_secret_key,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (for tests and the CLI).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let cleanup = tokio::spawn(clean_up_periodically(self.state.auth.clone()));
        let app = tower::util::MapRequestLayer::new(middleware::override_method).layer(self.router);
        let service: IntoMakeServiceWithConnectInfo<_, SocketAddr> =
            axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<
                SocketAddr,
            >(app);
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        cleanup.abort();
        served
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
            config.backend.secret_keys.iter().map(|k| hash(k)).collect(),
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

/// Removes expired ceremonies, attempts and sessions every minute. Each statement is a
/// plain `DELETE ... WHERE expire_at < now`, so replicas running it at once do no harm.
async fn clean_up_periodically(auth: Arc<Auth>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        // Keep an hour of grace so a just-expired attempt still reports `expired`.
        if let Err(err) = auth.store().delete_expired(auth.now() - 3_600_000).await {
            tracing::warn!(error = %err, "clean-up failed");
        }
    }
}
