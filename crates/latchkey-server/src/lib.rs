//! The `latchkey` server: configuration, CLI, the HTTP API, and the embedded SDK and demo.

pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod jobs;
pub mod listen;
pub mod mail;
pub mod state;
pub mod telemetry;

pub use app::Application;
pub use config::Config;
pub use error::StartError;
pub use state::AppState;
