//! Private signing keys at rest: sealed with AES-256-GCM under `keys.encryption_key`,
//! or plain.

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::{KeyError, MIN_ENCRYPTION_KEY_LEN};
use crate::encoding::{b64url, from_b64url};
use crate::ids::random_bytes;
use crate::model;

/// The prefix of a private key sealed by [`KeyCipher`] (version 1 of the format).
const SEALED_V1: &str = "enc:v1:";
/// The prefix of any sealed private key; plain base64url never contains `:`.
const SEALED: &str = "enc:";
/// Bytes of an AES-GCM nonce.
const NONCE_LEN: usize = 12;
/// HKDF salt and info: fixed, so one secret always derives the same AES key, and
/// specific to this use, so the secret used elsewhere derives an unrelated key.
const HKDF_SALT: &[u8] = b"latchkey keys.encryption_key";
const HKDF_INFO: &[u8] = b"latchkey signing-key encryption v1 aes-256-gcm";

/// Seals and opens private keys at rest with the key derived from `keys.encryption_key`.
#[derive(Clone)]
pub struct KeyCipher {
    aead: Aes256Gcm,
}

impl std::fmt::Debug for KeyCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyCipher(..)")
    }
}

impl KeyCipher {
    /// The cipher of a configured secret of at least [`MIN_ENCRYPTION_KEY_LEN`]
    /// characters; its AES-256 key is HKDF-SHA256 of the secret's UTF-8 bytes.
    pub fn from_secret(secret: &str) -> Result<Self, KeyError> {
        if secret.chars().count() < MIN_ENCRYPTION_KEY_LEN {
            return Err(KeyError::EncryptionKeyTooShort);
        }
        let mut okm = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(HKDF_SALT), secret.as_bytes())
            .expand(HKDF_INFO, okm.as_mut())
            .map_err(|_| KeyError::Derive)?;
        let key = Zeroizing::new(Key::<Aes256Gcm>::from(*okm));
        Ok(Self {
            aead: Aes256Gcm::new(&key),
        })
    }

    /// `key` with its private key sealed; a key already sealed is checked to open with
    /// this cipher and returned as it is.
    pub fn encrypt(&self, key: &model::SigningKey) -> Result<model::SigningKey, KeyError> {
        if is_encrypted(key) {
            self.open(&key.kid, &key.private_key)?;
            return Ok(key.clone());
        }
        let plain = plain_private_key(key)?;
        Ok(model::SigningKey {
            private_key: self.seal(&key.kid, &plain)?,
            ..key.clone()
        })
    }

    pub(super) fn seal(&self, kid: &str, private_key: &[u8]) -> Result<String, KeyError> {
        let nonce_bytes = random_bytes(NONCE_LEN);
        let nonce =
            Nonce::<Aes256Gcm>::try_from(nonce_bytes.as_slice()).map_err(|_| KeyError::Seal {
                kid: kid.to_owned(),
            })?;
        let sealed = self
            .aead
            .encrypt(
                &nonce,
                Payload {
                    msg: private_key,
                    aad: kid.as_bytes(),
                },
            )
            .map_err(|_| KeyError::Seal {
                kid: kid.to_owned(),
            })?;
        let mut out = nonce_bytes;
        out.extend_from_slice(&sealed);
        Ok(format!("{SEALED_V1}{}", b64url(&out)))
    }

    fn open(&self, kid: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        let malformed = |reason| KeyError::Malformed {
            kid: kid.to_owned(),
            reason,
        };
        let body = stored
            .strip_prefix(SEALED_V1)
            .ok_or_else(|| malformed("encrypted in an unknown format (by a newer Latchkey?)"))?;
        let bytes = from_b64url(body).ok_or_else(|| malformed("not base64url after enc:v1:"))?;
        if bytes.len() <= NONCE_LEN {
            return Err(malformed("too short to hold a nonce and a ciphertext"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce).map_err(|_| malformed("bad nonce"))?;
        self.aead
            .decrypt(
                &nonce,
                Payload {
                    msg: sealed,
                    aad: kid.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| KeyError::WrongEncryptionKey {
                kid: kid.to_owned(),
            })
    }
}

/// Whether the stored private key is sealed (and so needs `keys.encryption_key`).
pub fn is_encrypted(key: &model::SigningKey) -> bool {
    key.private_key.starts_with(SEALED)
}

/// The private key bytes of a key stored plain.
fn plain_private_key(key: &model::SigningKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    from_b64url(&key.private_key)
        .map(Zeroizing::new)
        .ok_or_else(|| KeyError::Malformed {
            kid: key.kid.clone(),
            reason: "not base64url",
        })
}

/// The private key bytes of a stored key (a P-256 scalar or an RSA PKCS#8 document),
/// opening it with `cipher` when it is sealed.
pub(super) fn private_key_bytes(
    key: &model::SigningKey,
    cipher: Option<&KeyCipher>,
) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if is_encrypted(key) {
        cipher
            .ok_or_else(|| KeyError::EncryptionKeyMissing {
                kid: key.kid.clone(),
            })?
            .open(&key.kid, &key.private_key)
    } else {
        plain_private_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    #[test]
    fn short_secrets_are_refused_and_the_cipher_does_not_print_its_key() {
        assert_eq!(
            KeyCipher::from_secret("too short").err(),
            Some(KeyError::EncryptionKeyTooShort)
        );
        assert!(KeyCipher::from_secret(&"x".repeat(31)).is_err());
        assert!(KeyCipher::from_secret(&"x".repeat(32)).is_ok());
        assert_eq!(
            format!("{:?}", KeyCipher::from_secret(SECRET).expect("cipher")),
            "KeyCipher(..)"
        );
    }
}
