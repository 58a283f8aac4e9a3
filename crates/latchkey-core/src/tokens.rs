//! Session tokens: ES256 JWTs signed with keys kept in the store, and the JWKS that
//! verifies them.
//!
//! Private keys are stored as the base64url P-256 scalar, or, when `keys.encryption_key`
//! is set, sealed with AES-256-GCM as `enc:v1:<base64url(nonce ‖ ciphertext ‖ tag)>`: a
//! random 96-bit nonce per key, the key id as associated data (so a sealed key cannot be
//! moved to another row), and an AES key derived from the secret with HKDF-SHA256. Plain
//! keys stored before encryption was turned on still load.

use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use aes_gcm::{Aes256Gcm, Key};
use hkdf::Hkdf;
use p256::ecdsa::{SigningKey, VerifyingKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde::Serialize;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::Arc;
use zeroize::Zeroizing;

use crate::encoding::{b64url, from_b64url};
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id, random_bytes};
use crate::model;

/// The shortest `keys.encryption_key` accepted, in characters. A random 32-byte key
/// written in base64 or base64url (43 or 44 characters) is the intended form.
pub const MIN_ENCRYPTION_KEY_LEN: usize = 32;

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
    /// A stored key is neither a P-256 scalar nor a sealed one this version understands.
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
    /// There is no key to sign with.
    #[error("no signing key")]
    NoKey,
}

impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Error::Internal(err.to_string())
    }
}

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
        let scalar = plain_scalar(key)?;
        Ok(model::SigningKey {
            private_key: self.seal(&key.kid, &scalar)?,
            ..key.clone()
        })
    }

    fn seal(&self, kid: &str, scalar: &[u8]) -> Result<String, KeyError> {
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
                    msg: scalar,
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

/// The scalar of a key stored plain.
fn plain_scalar(key: &model::SigningKey) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    from_b64url(&key.private_key)
        .map(Zeroizing::new)
        .ok_or_else(|| KeyError::Malformed {
            kid: key.kid.clone(),
            reason: "not base64url",
        })
}

/// The P-256 key of a stored key, opening it with `cipher` when it is sealed.
fn private_key(
    key: &model::SigningKey,
    cipher: Option<&KeyCipher>,
) -> Result<SigningKey, KeyError> {
    let scalar = if is_encrypted(key) {
        cipher
            .ok_or_else(|| KeyError::EncryptionKeyMissing {
                kid: key.kid.clone(),
            })?
            .open(&key.kid, &key.private_key)?
    } else {
        plain_scalar(key)?
    };
    SigningKey::from_slice(&scalar).map_err(|_| KeyError::Malformed {
        kid: key.kid.clone(),
        reason: "not a P-256 private key",
    })
}

/// The claims of a session token (API §6). Times are Unix seconds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub sid: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `active` or `pending`.
    pub sts: &'static str,
    pub v: u8,
}

/// A signing key in use: its id, its public half, and its private half ready for ring's
/// P-256 signer (several times faster than the portable arithmetic used elsewhere).
struct ActiveKey {
    kid: String,
    public: VerifyingKey,
    signer: EcdsaKeyPair,
}

impl ActiveKey {
    fn new(kid: String, key: &SigningKey) -> Result<Self, KeyError> {
        let public = *key.verifying_key();
        let signer = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &key.to_bytes(),
            public.to_encoded_point(false).as_bytes(),
            &SystemRandom::new(),
        )
        .map_err(|_| KeyError::Malformed {
            kid: kid.clone(),
            reason: "not a P-256 private key",
        })?;
        Ok(Self {
            kid,
            public,
            signer,
        })
    }
}

/// The signing keys in use, newest first; the newest signs, all verify.
#[derive(Clone)]
pub struct KeySet {
    keys: Arc<[ActiveKey]>,
}

impl KeySet {
    /// A fresh random signing key, ready to store: sealed with `cipher` when one is given.
    pub fn generate(
        now_ms: i64,
        cipher: Option<&KeyCipher>,
    ) -> Result<model::SigningKey, KeyError> {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let kid = new_id(Kind::Key, now_ms);
        let scalar = Zeroizing::new(key.to_bytes().to_vec());
        let private_key = match cipher {
            Some(cipher) => cipher.seal(&kid, &scalar)?,
            None => b64url(&scalar),
        };
        Ok(model::SigningKey {
            kid,
            private_key,
            created_at: now_ms,
        })
    }

    /// The key set of stored keys (newest first). Sealed keys are opened with `cipher`;
    /// plain ones load with or without it.
    pub fn from_stored(
        stored: &[model::SigningKey],
        cipher: Option<&KeyCipher>,
    ) -> Result<Self, KeyError> {
        let keys = stored
            .iter()
            .map(|k| ActiveKey::new(k.kid.clone(), &private_key(k, cipher)?))
            .collect::<Result<Arc<[_]>, KeyError>>()?;
        if keys.is_empty() {
            return Err(KeyError::NoKey);
        }
        Ok(Self { keys })
    }

    /// A compact JWS of `claims`, signed by the newest key.
    pub fn sign(&self, claims: &Claims) -> Result<String> {
        let key = self
            .keys
            .first()
            .ok_or_else(|| Error::internal("no signing key"))?;
        let header = json!({ "alg": "ES256", "kid": key.kid, "typ": "JWT" });
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(&payload)
        );
        let signature = key
            .signer
            .sign(&SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| Error::internal("ES256 signing failed"))?;
        Ok(format!("{signing_input}.{}", b64url(signature.as_ref())))
    }

    /// The public keys as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|key| public_jwk(&key.kid, &key.public))
            .collect();
        json!({ "keys": keys })
    }
}

fn public_jwk(kid: &str, key: &VerifyingKey) -> Value {
    let point = key.to_encoded_point(false);
    json!({
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": kid,
        "x": point.x().map(|x| b64url(x)).unwrap_or_default(),
        "y": point.y().map(|y| b64url(y)).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{Signature, signature::Verifier};

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    fn cipher(secret: &str) -> KeyCipher {
        KeyCipher::from_secret(secret).expect("cipher")
    }

    #[test]
    fn signed_token_verifies_with_the_jwks_key() {
        let keys =
            KeySet::from_stored(&[KeySet::generate(0, None).expect("key")], None).expect("keys");
        let claims = Claims {
            iss: "http://localhost:8080".into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            iat: 100,
            nbf: 95,
            exp: 160,
            jti: "j".into(),
            azp: None,
            sts: "active",
            v: 1,
        };
        let jwt = keys.sign(&claims).expect("sign");
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        let jwk = &keys.jwks()["keys"][0];
        let mut sec1 = vec![4u8];
        sec1.extend(from_b64url(jwk["x"].as_str().unwrap_or_default()).unwrap_or_default());
        sec1.extend(from_b64url(jwk["y"].as_str().unwrap_or_default()).unwrap_or_default());
        let vk = VerifyingKey::from_sec1_bytes(&sec1).expect("jwk");
        let sig = Signature::from_slice(&from_b64url(parts[2]).unwrap_or_default()).expect("sig");
        let input = format!("{}.{}", parts[0], parts[1]);
        assert!(vk.verify(input.as_bytes(), &sig).is_ok());
        let mut tampered = input.into_bytes();
        tampered[5] ^= 1;
        assert!(vk.verify(&tampered, &sig).is_err());
    }

    #[test]
    fn sealed_keys_round_trip_and_are_not_the_plain_scalar() {
        let cipher = cipher(SECRET);
        let sealed = KeySet::generate(0, Some(&cipher)).expect("key");
        assert!(
            sealed.private_key.starts_with("enc:v1:"),
            "{}",
            sealed.private_key
        );
        assert!(is_encrypted(&sealed));
        let opened = private_key(&sealed, Some(&cipher)).expect("opens");
        let plain = b64url(&opened.to_bytes());
        assert!(!sealed.private_key.contains(&plain));
        // nonce (12) + scalar (32) + tag (16)
        let body = sealed.private_key.trim_start_matches("enc:v1:");
        assert_eq!(from_b64url(body).map(|b| b.len()), Some(60));
        // A fresh nonce each time: the same scalar seals differently.
        let plain_key = model::SigningKey {
            private_key: plain.clone(),
            ..sealed.clone()
        };
        let again = cipher.encrypt(&plain_key).expect("seal");
        assert_ne!(again.private_key, sealed.private_key);
        let set = KeySet::from_stored(&[sealed.clone(), again], Some(&cipher)).expect("loads");
        assert_eq!(set.jwks()["keys"][0]["kid"], sealed.kid.as_str());
        assert_eq!(set.jwks()["keys"][0], set.jwks()["keys"][1]);
    }

    #[test]
    fn a_wrong_or_missing_encryption_key_is_refused() {
        let sealed = KeySet::generate(0, Some(&cipher(SECRET))).expect("key");
        let wrong = cipher("another-secret-of-at-least-32-characters");
        assert_eq!(
            KeySet::from_stored(std::slice::from_ref(&sealed), Some(&wrong)).err(),
            Some(KeyError::WrongEncryptionKey {
                kid: sealed.kid.clone()
            })
        );
        let missing = KeySet::from_stored(std::slice::from_ref(&sealed), None)
            .err()
            .expect("refused");
        assert_eq!(
            missing,
            KeyError::EncryptionKeyMissing {
                kid: sealed.kid.clone()
            }
        );
        assert!(
            missing.to_string().contains("keys.encryption_key"),
            "{missing}"
        );
        let as_domain = Error::from(missing);
        assert!(as_domain.to_string().contains("keys.encryption_key"));
    }

    #[test]
    fn sealed_keys_are_bound_to_their_kid_and_tampering_is_detected() {
        let cipher = cipher(SECRET);
        let sealed = KeySet::generate(0, Some(&cipher)).expect("key");
        let moved = model::SigningKey {
            kid: "key_other".into(),
            ..sealed.clone()
        };
        assert!(matches!(
            KeySet::from_stored(&[moved], Some(&cipher)),
            Err(KeyError::WrongEncryptionKey { .. })
        ));
        let mut bytes = from_b64url(sealed.private_key.trim_start_matches("enc:v1:")).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = model::SigningKey {
            private_key: format!("enc:v1:{}", b64url(&bytes)),
            ..sealed.clone()
        };
        assert!(matches!(
            KeySet::from_stored(&[tampered], Some(&cipher)),
            Err(KeyError::WrongEncryptionKey { .. })
        ));
        for bad in ["enc:v9:AAAA", "enc:v1:!!", "enc:v1:AAAA"] {
            let key = model::SigningKey {
                private_key: bad.into(),
                ..sealed.clone()
            };
            assert!(
                matches!(
                    KeySet::from_stored(&[key], Some(&cipher)),
                    Err(KeyError::Malformed { .. })
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn plain_keys_still_load_and_can_be_sealed_later() {
        let cipher = cipher(SECRET);
        let plain = KeySet::generate(1, None).expect("key");
        assert!(!is_encrypted(&plain));
        let sealed = KeySet::generate(2, Some(&cipher)).expect("key");
        // Newest first: a sealed signer beside an older plain key.
        let set = KeySet::from_stored(&[sealed.clone(), plain.clone()], Some(&cipher))
            .expect("mixed keys load");
        assert_eq!(set.jwks()["keys"].as_array().map(Vec::len), Some(2));
        let plain_only = KeySet::from_stored(std::slice::from_ref(&plain), None).expect("plain");
        let resealed = cipher.encrypt(&plain).expect("seal");
        assert!(is_encrypted(&resealed));
        assert_eq!(resealed.kid, plain.kid);
        let reloaded =
            KeySet::from_stored(std::slice::from_ref(&resealed), Some(&cipher)).expect("opens");
        assert_eq!(reloaded.jwks(), plain_only.jwks());
        // Sealing a sealed key checks it and leaves it alone.
        assert_eq!(cipher.encrypt(&resealed).expect("sealed"), resealed);
        let other =
            KeyCipher::from_secret("another-secret-of-at-least-32-characters").expect("cipher");
        assert!(other.encrypt(&resealed).is_err());
    }

    #[test]
    fn short_secrets_are_refused_and_the_cipher_does_not_print_its_key() {
        assert_eq!(
            KeyCipher::from_secret("too short").err(),
            Some(KeyError::EncryptionKeyTooShort)
        );
        assert!(KeyCipher::from_secret(&"x".repeat(31)).is_err());
        assert!(KeyCipher::from_secret(&"x".repeat(32)).is_ok());
        assert_eq!(format!("{:?}", cipher(SECRET)), "KeyCipher(..)");
    }
}
