//! Latchkey's domain: users, passkeys, WebAuthn ceremonies, sign-ins, sign-ups, sessions
//! and session tokens. Storage is reached only through the [`Store`] trait and time only
//! through the [`Clock`] trait; nothing here knows HTTP or SQL.

pub mod aaguid;
pub mod assertion;
pub mod auth;
pub mod ceremony;
pub mod clock;
pub mod encoding;
pub mod error;
pub mod ids;
pub mod model;
pub mod origin;
pub mod settings;
pub mod store;
pub mod tokens;
pub mod user_agent;
pub mod validate;

/// The keys kept in the database, under the path the server and CLI have always used.
pub use auth::keys as auth_keys;
pub use auth::{Auth, RequestContext};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use settings::Settings;
pub use store::Store;
