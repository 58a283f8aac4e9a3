//! The `latchkey` server: configuration, CLI, the HTTP API, and the embedded SDK and demo.

pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod http;
pub mod telemetry;

pub use app::{AppState, Application, StartError};
pub use config::Config;
