//! Listening: binding the configured addresses, the accept loop with its header timeout,
//! graceful shutdown, and the split between the public listener and the Backend API's
//! own one.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::{Extension, Router};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::{Layer, ServiceBuilder, ServiceExt};

use crate::error::StartError;
use crate::http::middleware;
use crate::http::router::paths;

/// Binds the address of configuration key `key` (`server.listen`,
/// `server.backend_listen`), naming the key if it cannot.
pub async fn bind(key: &'static str, addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Bind { key, addr, source })
}

/// Serves `router` until `shutdown` resolves, then lets in-flight requests finish on
/// every listener. With `backend_listener`, `/backend/` is served only there, beside the
/// probes and metrics, and `listener` answers 404 `resource_not_found` under
/// `/backend/`; without it, `listener` serves everything.
pub async fn serve_until(
    listener: TcpListener,
    backend_listener: Option<TcpListener>,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let (stop, stopped) = watch::channel(false);
    let trigger = tokio::spawn(async move {
        shutdown.await;
        let _ = stop.send(true);
    });
    match backend_listener {
        None => serve(listener, router, header_timeout, stopped).await,
        Some(backend_listener) => {
            let public = serve(
                listener,
                restrict(router.clone(), Side::Public),
                header_timeout,
                stopped.clone(),
            );
            let backend = serve(
                backend_listener,
                restrict(router, Side::Backend),
                header_timeout,
                stopped,
            );
            tokio::join!(public, backend);
        }
    }
    trigger.abort();
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
    /// `/backend/`, the dashboard with the SDK it loads, the probes and the metrics.
    Backend,
}

/// Whether `path` is `prefix` or below it.
fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether `path` is under the Backend API's prefix.
fn is_backend_path(path: &str) -> bool {
    is_under(path, paths::BACKEND)
}

/// Whether the listener on `side` serves `path`.
fn serves(side: Side, path: &str) -> bool {
    match side {
        Side::Public => !is_backend_path(path),
        Side::Backend => {
            is_backend_path(path)
                || is_under(path, paths::DASHBOARD)
                || is_under(path, paths::SDK)
                || [paths::HEALTHZ, paths::READYZ, paths::METRICS].contains(&path)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_listener_serves_the_backend_api_dashboard_probes_and_metrics_only() {
        for path in [
            paths::BACKEND,
            paths::USERS,
            paths::DASHBOARD,
            "/dashboard/app.js",
            "/dashboard/backend/v1/users",
            "/sdk/latchkey.js",
            paths::HEALTHZ,
            paths::READYZ,
            paths::METRICS,
        ] {
            assert!(serves(Side::Backend, path), "{path}");
        }
        for path in [
            "/",
            paths::CLIENT,
            "/backendx",
            "/latchkey.js",
            "/dashboardx",
        ] {
            assert!(!serves(Side::Backend, path), "{path}");
        }
    }

    #[test]
    fn the_public_listener_serves_all_but_the_backend_api() {
        for path in [
            "/",
            paths::CLIENT,
            "/backendx",
            paths::HEALTHZ,
            paths::METRICS,
        ] {
            assert!(serves(Side::Public, path), "{path}");
        }
        for path in [paths::BACKEND, "/backend/", paths::USERS] {
            assert!(!serves(Side::Public, path), "{path}");
        }
    }
}
