//! Session tokens: JWTs signed with keys kept in the store, and their JWKS. Each key has
//! its algorithm: ES256 (P-256) or RS256 (RSA 2048, PKCS#1 v1.5 with SHA-256); the
//! newest key signs, so `keys.algorithm` takes effect when a key of it is added.
//!
//! Private keys are stored as the base64url P-256 scalar or RSA PKCS#8 DER, or, when `keys.encryption_key`
//! is set, sealed with AES-256-GCM as `enc:v1:<base64url(nonce ‖ ciphertext ‖ tag)>`: a
//! random 96-bit nonce per key, the key id as associated data (so a sealed key cannot be
//! moved to another row), and an AES key derived from the secret with HKDF-SHA256. Plain
//! keys stored before encryption was turned on still load.

mod cipher;
mod error;
mod signing;

pub use cipher::{KeyCipher, is_encrypted};
pub use error::{KeyError, MIN_ENCRYPTION_KEY_LEN};
pub use signing::{Claims, KeySet};
