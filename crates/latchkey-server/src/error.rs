//! Why the server, or a command of the CLI, could not start.

use std::net::SocketAddr;

use crate::config::ConfigError;

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
