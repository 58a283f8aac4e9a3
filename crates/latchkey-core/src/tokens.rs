//! Session tokens: ES256 JWTs signed with keys kept in the store, and the JWKS that
//! verifies them.

use p256::ecdsa::{Signature, SigningKey, VerifyingKey, signature::Signer};
use serde::Serialize;
use serde_json::{Value, json};

use crate::ceremony::{b64url, from_b64url};
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

/// The signing keys in use, newest first; the newest signs, all verify.
#[derive(Clone)]
pub struct KeySet {
    keys: Vec<(String, SigningKey)>,
}

impl KeySet {
    /// A fresh random signing key, ready to store.
    pub fn generate(now_ms: i64) -> model::SigningKey {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        model::SigningKey {
            kid: new_id(Kind::Key),
            private_key: b64url(&key.to_bytes()),
            created_at: now_ms,
        }
    }

    /// The key set of stored keys (newest first).
    pub fn from_stored(stored: &[model::SigningKey]) -> Result<Self> {
        let keys = stored
            .iter()
            .map(|k| {
                let bytes = from_b64url(&k.private_key).ok_or_else(|| {
                    Error::internal(format!("signing key {} is not base64url", k.kid))
                })?;
                let key = SigningKey::from_slice(&bytes).map_err(Error::internal)?;
                Ok((k.kid.clone(), key))
            })
            .collect::<Result<Vec<_>>>()?;
        if keys.is_empty() {
            return Err(Error::internal("no signing key"));
        }
        Ok(Self { keys })
    }

    /// A compact JWS of `claims`, signed by the newest key.
    pub fn sign(&self, claims: &Claims) -> Result<String> {
        let (kid, key) = self
            .keys
            .first()
            .ok_or_else(|| Error::internal("no signing key"))?;
        let header = json!({ "alg": "ES256", "kid": kid, "typ": "JWT" });
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(&payload)
        );
        let signature: Signature = key.sign(signing_input.as_bytes());
        Ok(format!("{signing_input}.{}", b64url(&signature.to_bytes())))
    }

    /// The public keys as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|(kid, key)| public_jwk(kid, key.verifying_key()))
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
    use p256::ecdsa::signature::Verifier;

    #[test]
    fn signed_token_verifies_with_the_jwks_key() {
        let keys = KeySet::from_stored(&[KeySet::generate(0)]).expect("keys");
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
}
