//! Building the application from configuration and serving it on given listeners (the
//! public one, and optionally a separate one for the Backend API), so tests can run it on
//! port 0 with their own clock.

use axum::Router;
use latchkey_core::Clock;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::error::StartError;
use crate::http::router;
use crate::listen::{bind, serve_until};
use crate::mail::MailWorker;
use crate::state::AppState;

/// A built server, bound to its listeners, ready to run.
pub struct Application {
    listener: TcpListener,
    /// The Backend API's own listener; when present the public one does not serve it.
    backend_listener: Option<TcpListener>,
    router: Router,
    state: AppState,
    mail: MailWorker,
    /// A Backend API key generated on this first start, to print once.
    pub generated_secret_key: Option<String>,
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
        let (state, generated_secret_key) = AppState::build(config, clock).await?;
        let mail = MailWorker::new(state.auth.clone(), &state.config)?;
        Ok(Self {
            listener,
            backend_listener,
            mail,
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
    /// listener; the background jobs and the mail worker run meanwhile.
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let jobs = crate::jobs::spawn(self.state.auth.clone());
        let mail = self.mail.spawn();
        let header_timeout =
            Duration::from_secs(u64::from(self.state.config.server.header_timeout_secs));
        serve_until(
            self.listener,
            self.backend_listener,
            self.router,
            header_timeout,
            shutdown,
        )
        .await;
        jobs.abort();
        mail.abort();
    }
}
