//! Signing session tokens: the keys in use, the claims, the compact JWS and the JWKS.

use p256::ecdsa::{SigningKey, VerifyingKey};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use zeroize::Zeroizing;

use super::cipher::{KeyCipher, private_key};
use super::error::KeyError;
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model;

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
    use crate::encoding::from_b64url;
    use crate::tokens::cipher::is_encrypted;
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
}
