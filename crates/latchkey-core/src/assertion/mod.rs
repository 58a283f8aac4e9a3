//! Sign-in assertions verified on ring (WebAuthn §7.2), held to webauthn-rs's verdicts.
//!
//! Client data, authenticator data, signature and signature counter are checked as
//! "Verifying an Authentication Assertion" says. Registration stays on webauthn-rs; the
//! credential public key it verified is converted once into [`PublicKey`], the form
//! ring's verifier takes, and stored beside the credential. Every rule webauthn-rs 0.6
//! applies to an assertion is applied here too, in the same order, so a failure maps to
//! the same [`Error`](crate::error::Error) variant; the property test in
//! `tests/assertion_differential.rs` holds the two to the same verdicts. The one rule
//! that is stricter on purpose is the origin: client data must name one of the allowed
//! origins exactly, as a string (webauthn-rs compares parsed URLs, so it also accepts a
//! trailing slash, a path, upper-case letters or a default port), and so must
//! `topOrigin` when the client sends one.

mod parse;
mod public_key;
mod verifier;

pub use parse::{AuthenticatorData, ClientData, TokenBinding};
pub use public_key::{Algorithm, PublicKey};
pub use verifier::{Expected, RelyingParty, Verified, verify};
