//! Verify Latchkey session tokens in a Rust backend.
//!
//! A Latchkey session token is a short-lived JWT signed with **ES256**, or with **RS256**
//! when the server's `keys.algorithm` says so (API §6). Browsers
//! keep the current one in the `__session` cookie of the app's origin; native apps send
//! it as `Authorization: Bearer <jwt>`. This crate checks such a token against the
//! server's JWKS (`{issuer}/.well-known/jwks.json`) and returns its [`Claims`]:
//!
//! - the token is parsed strictly: three base64url parts without padding, a header whose
//!   `alg` is `ES256` or `RS256` (anything else, `none` and `HS256` included, is refused
//!   before any key is looked at) and which names a `kid`;
//! - the key is found by `kid` in the JWKS, which is fetched on first use and cached; an
//!   unknown `kid` (the server rotated its keys) refreshes the cache, at most once per
//!   [`VerifierConfig::min_refresh_interval_secs`], so tokens with made-up `kid`s cannot make
//!   the verifier hammer the server;
//! - the signature is verified with that key, which must be of the header's algorithm: an
//!   ES256 signature (raw `r || s`) with a P-256 key, an RS256 one (PKCS#1 v1.5, SHA-256)
//!   with an RSA key of 2048 to 8192 bits;
//! - `exp` and `nbf` are checked with [`VerifierConfig::leeway_secs`] of clock skew, `iss`
//!   must equal the configured issuer, `azp` must be in
//!   [`VerifierConfig::authorized_parties`] when that list is not empty, and `v` must be 1;
//! - a `pending` session (one with an unfinished task such as setting up a passkey) counts
//!   as signed out unless [`VerifierConfig::accept_pending`] is set.
//!
//! ```no_run
//! use latchkey_verify::{Verifier, VerifierConfig, VerifyError};
//!
//! # async fn run(token: &str) -> Result<(), VerifyError> {
//! let verifier = Verifier::new(VerifierConfig {
//!     authorized_parties: vec!["https://app.example.com".into()],
//!     ..VerifierConfig::new("https://auth.example.com")
//! })?;
//! // Clone the verifier freely: clones share one JWKS cache.
//! let claims = verifier.verify(token).await?;
//! println!("user {} in session {}", claims.sub, claims.sid);
//! # Ok(())
//! # }
//! ```
//!
//! With the `axum` feature, the `Session` extractor does the same for a request: it reads
//! the bearer token or else the `__session` cookie, and answers `401` with Latchkey's
//! error body when there is no valid session. It finds the [`Verifier`] in the router's
//! state through axum's `FromRef`; see `Session` for an example.
//!
//! Features: `rustls-tls` (default) lets the verifier fetch the JWKS over HTTPS; `axum`
//! adds the extractor.

#![warn(missing_docs)]

mod claims;
mod error;
#[cfg(feature = "axum")]
mod extract;
mod jwks;
mod jwt;
mod verifier;

pub use claims::{Claims, SessionStatus};
pub use error::{JwksError, VerifyError};
#[cfg(feature = "axum")]
pub use extract::{SESSION_COOKIE, Session, SessionRejection};
pub use verifier::{Verifier, VerifierConfig};
