//! What every handler can reach, [`AppState`], and how it is built from configuration:
//! the database opened and migrated, the use cases with their signing keys, and the
//! hashes of the Backend API keys.

use axum::extract::FromRef;
use latchkey_core::{Auth, Clock, auth_keys};
use latchkey_store::{SqlStore, StoreOptions};
use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;

use crate::config::Config;
use crate::error::StartError;
use crate::http::metrics::Metrics;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    /// Whether `server.public_url` is HTTPS: the client cookie is then `Secure` and
    /// `__Host-`-prefixed.
    pub secure_cookies: bool,
    /// SHA-256 of each Backend API secret key.
    pub backend_key_hashes: Arc<Vec<Vec<u8>>>,
    /// Request and ceremony counters of this process.
    pub metrics: Arc<Metrics>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<Vec<IpAddr>>,
}

/// Lets a handler or middleware that needs only the use cases take `State<Arc<Auth>>`.
impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// Lets the metrics take `State<Arc<Metrics>>`.
impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

impl AppState {
    /// Opens and migrates the database, loads the signing keys (generating the first)
    /// and the Backend API key hashes. With no Backend API key configured, the key
    /// generated on this first start is returned too, to print once.
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Option<String>), StartError> {
        let settings = config.settings()?;
        let store = Arc::new(open_store(&config).await?);
        let auth = Arc::new(Auth::new(settings.clone(), store.clone(), clock).await?);
        let (backend_key_hashes, generated_secret_key) =
            backend_keys(&config, store.as_ref()).await?;
        let trusted_proxies = Arc::new(config.trusted_proxies()?);
        let state = AppState {
            trusted_proxies,
            metrics: Arc::default(),
            secure_cookies: settings.public_url.scheme() == "https",
            config: Arc::new(config),
            auth,
            backend_key_hashes: Arc::new(backend_key_hashes),
        };
        Ok((state, generated_secret_key))
    }
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

/// Hashes of the configured Backend API keys; with none configured, those of the key
/// generated on first start, which is returned when this start generated it.
async fn backend_keys(
    config: &Config,
    store: &SqlStore,
) -> Result<(Vec<Vec<u8>>, Option<String>), StartError> {
    if !config.backend.secret_keys.is_empty() {
        let hash = |key: &str| Sha256::digest(key.as_bytes()).to_vec();
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
    let generated = auth_keys::generated_backend_key(store).await?;
    Ok((generated.hashes, generated.key))
}
