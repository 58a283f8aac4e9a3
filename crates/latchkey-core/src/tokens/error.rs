//! Why signing keys cannot be sealed, opened or used, and the shortest secret accepted.

use crate::error::Error;

/// The shortest `keys.encryption_key` accepted, in characters. A random 32-byte key
/// written in base64 or base64url (43 or 44 characters) is the intended form.
pub const MIN_ENCRYPTION_KEY_LEN: usize = 32;

/// Why signing keys cannot be sealed, opened or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The configured secret is too short to be a key.
    #[error(
        "keys.encryption_key must be at least {MIN_ENCRYPTION_KEY_LEN} characters \
         (generate one with `openssl rand -base64 32`)"
    )]
    EncryptionKeyTooShort,
    /// HKDF refused to derive the AES key (never for a 32-byte key).
    #[error("keys.encryption_key cannot be turned into an AES-256 key")]
    Derive,
    /// A stored key is encrypted and no encryption key is configured.
    #[error(
        "signing key {kid} is stored encrypted but keys.encryption_key is not set; \
         set it to the key the signing keys were encrypted with"
    )]
    EncryptionKeyMissing {
        /// The key id.
        kid: String,
    },
    /// A stored key does not open with the configured encryption key.
    #[error(
        "signing key {kid} cannot be decrypted: keys.encryption_key is not the key it was \
         encrypted with, or the stored key is damaged"
    )]
    WrongEncryptionKey {
        /// The key id.
        kid: String,
    },
    /// A stored key is not a private key of its algorithm, or is sealed in a way this
    /// version does not understand.
    #[error("signing key {kid} is malformed: {reason}")]
    Malformed {
        /// The key id.
        kid: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Sealing failed (never for a 32-byte scalar).
    #[error("signing key {kid} cannot be encrypted")]
    Seal {
        /// The key id.
        kid: String,
    },
    /// A new key could not be generated (the system's random source failed).
    #[error("a new {algorithm} signing key could not be generated")]
    Generate {
        /// The key's algorithm.
        algorithm: &'static str,
    },
    /// There is no key to sign with.
    #[error("no signing key")]
    NoKey,
}

impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Error::Internal(err.to_string())
    }
}
