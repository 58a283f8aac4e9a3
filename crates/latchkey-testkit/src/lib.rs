//! Test helpers: [`TestApp`] boots the real server on port 0 with a fresh database and a
//! movable clock; [`SoftAuthenticator`] is a software passkey written on ring's P-256, independent
//! of webauthn-rs, that can also misbehave on purpose; [`SmtpSink`] is a real SMTP server
//! that keeps the mail it receives.

mod app;
mod authenticator;
mod proxy;
pub mod smtp;

pub use app::{Browser, Reply, TestApp, fresh_postgres_database};
pub use authenticator::{Algorithm, Ceremony, ExportedCredential, SoftAuthenticator, flip_bit};
pub use proxy::Proxy;
pub use smtp::SmtpSink;
