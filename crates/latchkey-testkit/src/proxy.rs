//! A TCP proxy that can cut every connection and refuse new ones, to make a database
//! unreachable and reachable again without touching the database server.

use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A proxy from a local port to `target`.
pub struct Proxy {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    /// Starts forwarding a free local port to `target` (`host:port`).
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let proxy = Self {
            port: listener.local_addr().expect("addr").port(),
            target: target.to_owned(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    /// The local port.
    pub fn port(&self) -> u16 {
        self.port
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target.clone();
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let conn = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                if let Ok(mut list) = tasks.lock() {
                    list.push(conn.abort_handle());
                }
            }
        });
        if let Ok(mut list) = self.tasks.lock() {
            list.push(accept.abort_handle());
        }
    }

    /// Cuts every connection and stops accepting.
    pub fn cut(&self) {
        if let Ok(mut list) = self.tasks.lock() {
            list.drain(..).for_each(|t| t.abort());
        }
    }

    /// Accepts connections again on the same port.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("rebind proxy");
        self.serve(listener);
    }
}
