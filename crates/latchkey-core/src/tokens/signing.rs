//! Signing session tokens: the keys in use, the claims, the compact JWS and the JWKS.

use base64::Engine as _;
use p256::ecdsa::{SigningKey, VerifyingKey};
use p256::pkcs8::EncodePublicKey as _;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, RSA_PKCS1_SHA256, RsaKeyPair,
    RsaPublicKeyComponents,
};
use rsa::pkcs1::DecodeRsaPublicKey as _;
use rsa::pkcs8::EncodePrivateKey as _;
use serde::Serialize;
use serde_json::{Value, json};
use std::sync::Arc;
use zeroize::Zeroizing;

use super::cipher::{KeyCipher, private_key_bytes};
use super::error::KeyError;
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{self, SigningAlgorithm};

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

/// How a signing key in use signs: ring's signers, several times faster than the
/// portable arithmetic used elsewhere.
enum Signer {
    /// A P-256 key, with its public half for the JWKS.
    Es256 {
        public: VerifyingKey,
        pair: EcdsaKeyPair,
    },
    /// A 2048-bit (or larger) RSA key.
    Rs256 { pair: RsaKeyPair },
}

/// A signing key in use: its id, its signer and the encoded JWS header of its tokens.
struct ActiveKey {
    kid: String,
    signer: Signer,
    /// `{"alg", "kid", "typ"}` in base64url, the same for every token: encoded once.
    header: String,
}

impl ActiveKey {
    /// The key of a stored one, opened with `cipher` when it is sealed.
    fn load(stored: &model::SigningKey, cipher: Option<&KeyCipher>) -> Result<Self, KeyError> {
        let kid = stored.kid.clone();
        let malformed = |reason| KeyError::Malformed {
            kid: kid.clone(),
            reason,
        };
        let bytes = private_key_bytes(stored, cipher)?;
        let signer = match stored.algorithm {
            SigningAlgorithm::Es256 => {
                let key = SigningKey::from_slice(&bytes)
                    .map_err(|_| malformed("not a P-256 private key"))?;
                let public = *key.verifying_key();
                let pair = EcdsaKeyPair::from_private_key_and_public_key(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    &key.to_bytes(),
                    public.to_encoded_point(false).as_bytes(),
                    &SystemRandom::new(),
                )
                .map_err(|_| malformed("not a P-256 private key"))?;
                Signer::Es256 { public, pair }
            }
            SigningAlgorithm::Rs256 => Signer::Rs256 {
                pair: RsaKeyPair::from_pkcs8(&bytes)
                    .map_err(|_| malformed("not an RSA private key in PKCS#8"))?,
            },
        };
        let header = json!({ "alg": stored.algorithm.as_str(), "kid": kid, "typ": "JWT" });
        let header = b64url(header.to_string().as_bytes());
        Ok(Self {
            kid,
            signer,
            header,
        })
    }

    fn algorithm(&self) -> SigningAlgorithm {
        match self.signer {
            Signer::Es256 { .. } => SigningAlgorithm::Es256,
            Signer::Rs256 { .. } => SigningAlgorithm::Rs256,
        }
    }

    /// The JWS signature of `input`: `r || s` for ES256, the PKCS#1 v1.5 signature for
    /// RS256.
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        let rng = SystemRandom::new();
        let failed = |_| Error::internal(format!("{} signing failed", self.algorithm().as_str()));
        match &self.signer {
            Signer::Es256 { pair, .. } => pair
                .sign(&rng, input)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(failed),
            Signer::Rs256 { pair } => {
                let mut signature = vec![0; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, input, &mut signature)
                    .map_err(failed)?;
                Ok(signature)
            }
        }
    }

    /// The public key as a JWK.
    fn jwk(&self) -> Value {
        match &self.signer {
            Signer::Es256 { public, .. } => {
                let point = public.to_encoded_point(false);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "alg": "ES256",
                    "use": "sig",
                    "kid": self.kid,
                    "x": point.x().map(|x| b64url(x)).unwrap_or_default(),
                    "y": point.y().map(|y| b64url(y)).unwrap_or_default(),
                })
            }
            Signer::Rs256 { pair } => {
                let public = RsaPublicKeyComponents::<Vec<u8>>::from(pair.public());
                json!({
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": self.kid,
                    "n": b64url(&public.n),
                    "e": b64url(&public.e),
                })
            }
        }
    }

    /// The public key as a DER SubjectPublicKeyInfo (RFC 5280).
    fn spki_der(&self) -> Result<Vec<u8>> {
        let der = match &self.signer {
            Signer::Es256 { public, .. } => public.to_public_key_der(),
            Signer::Rs256 { pair } => rsa::RsaPublicKey::from_pkcs1_der(pair.public().as_ref())
                .map_err(Error::internal)?
                .to_public_key_der(),
        };
        Ok(der.map_err(Error::internal)?.into_vec())
    }
}

/// The signing keys in use, newest first; the newest signs, all verify.
#[derive(Clone)]
pub struct KeySet {
    keys: Arc<[ActiveKey]>,
}

/// The size of generated RSA keys: what RS256 verifiers expect (some only accept it).
const RSA_BITS: usize = 2048;

impl KeySet {
    /// A fresh random signing key of `algorithm`, ready to store: sealed with `cipher`
    /// when one is given.
    pub fn generate(
        algorithm: SigningAlgorithm,
        now_ms: i64,
        cipher: Option<&KeyCipher>,
    ) -> Result<model::SigningKey, KeyError> {
        let kid = new_id(Kind::Key, now_ms);
        let private = match algorithm {
            SigningAlgorithm::Es256 => {
                let key = SigningKey::random(&mut rand::rngs::OsRng);
                Zeroizing::new(key.to_bytes().to_vec())
            }
            SigningAlgorithm::Rs256 => {
                let generated = |_| KeyError::Generate {
                    algorithm: algorithm.as_str(),
                };
                let key =
                    rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, RSA_BITS).map_err(generated)?;
                let der = key.to_pkcs8_der().map_err(|_| KeyError::Generate {
                    algorithm: algorithm.as_str(),
                })?;
                Zeroizing::new(der.as_bytes().to_vec())
            }
        };
        let private_key = match cipher {
            Some(cipher) => cipher.seal(&kid, &private)?,
            None => b64url(&private),
        };
        Ok(model::SigningKey {
            kid,
            algorithm,
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
            .map(|k| ActiveKey::load(k, cipher))
            .collect::<Result<Arc<[_]>, KeyError>>()?;
        if keys.is_empty() {
            return Err(KeyError::NoKey);
        }
        Ok(Self { keys })
    }

    fn signing_key(&self) -> Result<&ActiveKey> {
        self.keys
            .first()
            .ok_or_else(|| Error::internal("no signing key"))
    }

    /// The algorithm of the key that signs (the newest).
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.keys
            .first()
            .map_or(SigningAlgorithm::Es256, ActiveKey::algorithm)
    }

    /// A compact JWS of `claims`, signed by the newest key with its algorithm.
    pub fn sign(&self, claims: &Claims) -> Result<String> {
        let key = self.signing_key()?;
        let payload = serde_json::to_vec(claims).map_err(Error::internal)?;
        let mut token = format!("{}.{}", key.header, b64url(&payload));
        let signature = key.sign(token.as_bytes())?;
        token.push('.');
        token.push_str(&b64url(&signature));
        Ok(token)
    }

    /// The public keys as a JWK Set.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys.iter().map(ActiveKey::jwk).collect();
        json!({ "keys": keys })
    }

    /// The public key of the signing key (the newest) in PEM: a SubjectPublicKeyInfo,
    /// `-----BEGIN PUBLIC KEY-----`, as verifiers configured with one key take it.
    pub fn signing_public_key_pem(&self) -> Result<String> {
        Ok(pem("PUBLIC KEY", &self.signing_key()?.spki_der()?))
    }
}

/// `der` in PEM (RFC 7468): base64 in lines of 64 characters between the labels.
fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::from_b64url;
    use crate::tokens::cipher::is_encrypted;
    use p256::ecdsa::{Signature, signature::Verifier};
    use p256::pkcs8::DecodePublicKey as _;

    const SECRET: &str = "0123456789abcdef0123456789abcdef-test";

    fn cipher(secret: &str) -> KeyCipher {
        KeyCipher::from_secret(secret).expect("cipher")
    }

    #[test]
    fn signed_token_verifies_with_the_jwks_key() {
        let keys = KeySet::from_stored(
            &[KeySet::generate(SigningAlgorithm::Es256, 0, None).expect("key")],
            None,
        )
        .expect("keys");
        let claims = Claims {
            azp: None,
            ..claims()
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
        let sealed = KeySet::generate(SigningAlgorithm::Es256, 0, Some(&cipher)).expect("key");
        assert!(
            sealed.private_key.starts_with("enc:v1:"),
            "{}",
            sealed.private_key
        );
        assert!(is_encrypted(&sealed));
        let opened = private_key_bytes(&sealed, Some(&cipher)).expect("opens");
        let plain = b64url(&opened);
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
        let sealed =
            KeySet::generate(SigningAlgorithm::Es256, 0, Some(&cipher(SECRET))).expect("key");
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
        let sealed = KeySet::generate(SigningAlgorithm::Es256, 0, Some(&cipher)).expect("key");
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
        let plain = KeySet::generate(SigningAlgorithm::Es256, 1, None).expect("key");
        assert!(!is_encrypted(&plain));
        let sealed = KeySet::generate(SigningAlgorithm::Es256, 2, Some(&cipher)).expect("key");
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

    fn claims() -> Claims {
        Claims {
            iss: "http://localhost:8080".into(),
            sub: "user_1".into(),
            sid: "sess_1".into(),
            iat: 100,
            nbf: 95,
            exp: 160,
            jti: "j".into(),
            azp: Some("http://localhost:3000".into()),
            sts: "active",
            v: 1,
        }
    }

    /// Whether `jwt` verifies with the JWK of its `kid` in `jwks`, by RS256 on ring's
    /// verifier given the JWK's `n` and `e`.
    fn rs256_verifies(jwt: &str, jwks: &Value) -> bool {
        let parts: Vec<&str> = jwt.split('.').collect();
        let header: Value =
            serde_json::from_slice(&from_b64url(parts[0]).unwrap_or_default()).unwrap_or_default();
        let Some(jwk) = jwks["keys"]
            .as_array()
            .and_then(|keys| keys.iter().find(|k| k["kid"] == header["kid"]))
        else {
            return false;
        };
        let field = |name: &str| from_b64url(jwk[name].as_str().unwrap_or_default());
        let (Some(n), Some(e), Some(signature)) = (field("n"), field("e"), from_b64url(parts[2]))
        else {
            return false;
        };
        header["alg"] == "RS256"
            && jwk["kty"] == "RSA"
            && RsaPublicKeyComponents { n, e }
                .verify(
                    &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                    format!("{}.{}", parts[0], parts[1]).as_bytes(),
                    &signature,
                )
                .is_ok()
    }

    #[test]
    fn an_rs256_token_verifies_with_the_jwks_key_and_tampering_is_detected() {
        let stored = KeySet::generate(SigningAlgorithm::Rs256, 0, None).expect("key");
        assert_eq!(stored.algorithm, SigningAlgorithm::Rs256);
        let keys = KeySet::from_stored(std::slice::from_ref(&stored), None).expect("keys");
        assert_eq!(keys.algorithm(), SigningAlgorithm::Rs256);
        let jwt = keys.sign(&claims()).expect("sign");
        let header: Value = serde_json::from_slice(
            &from_b64url(jwt.split('.').next().unwrap_or_default()).unwrap_or_default(),
        )
        .expect("header");
        assert_eq!(
            header,
            json!({ "alg": "RS256", "kid": stored.kid, "typ": "JWT" })
        );
        let jwks = keys.jwks();
        let jwk = &jwks["keys"][0];
        assert_eq!(
            (&jwk["kty"], &jwk["alg"], &jwk["use"], &jwk["e"]),
            (
                &json!("RSA"),
                &json!("RS256"),
                &json!("sig"),
                &json!("AQAB")
            )
        );
        assert_eq!(
            from_b64url(jwk["n"].as_str().unwrap_or_default()).map(|n| n.len()),
            Some(256),
            "a 2048-bit modulus"
        );
        assert!(jwk.get("crv").is_none() && jwk.get("x").is_none());
        assert!(rs256_verifies(&jwt, &jwks));

        let parts: Vec<&str> = jwt.split('.').collect();
        let other = keys
            .sign(&Claims {
                sub: "user_admin".into(),
                ..claims()
            })
            .expect("sign");
        let forged_payload = other.split('.').nth(1).unwrap_or_default();
        let forged = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(!rs256_verifies(&forged, &jwks), "a swapped payload");
        let foreign = KeySet::from_stored(
            &[model::SigningKey {
                kid: stored.kid.clone(),
                ..KeySet::generate(SigningAlgorithm::Rs256, 0, None).expect("key")
            }],
            None,
        )
        .expect("keys");
        assert!(
            !rs256_verifies(&foreign.sign(&claims()).expect("sign"), &jwks),
            "another key under the same kid"
        );
    }

    #[test]
    fn rs256_keys_seal_reload_and_sign_beside_es256_keys() {
        let cipher = cipher(SECRET);
        let rsa = KeySet::generate(SigningAlgorithm::Rs256, 2, Some(&cipher)).expect("key");
        assert!(is_encrypted(&rsa));
        let ec = KeySet::generate(SigningAlgorithm::Es256, 1, None).expect("key");
        // Newest first: the RSA key signs, the EC key still verifies.
        let set = KeySet::from_stored(&[rsa.clone(), ec.clone()], Some(&cipher)).expect("loads");
        assert_eq!(set.algorithm(), SigningAlgorithm::Rs256);
        let jwks = set.jwks();
        let types: Vec<&Value> = jwks["keys"]
            .as_array()
            .map(|keys| keys.iter().map(|k| &k["kty"]).collect())
            .unwrap_or_default();
        assert_eq!(types, [&json!("RSA"), &json!("EC")]);
        assert!(rs256_verifies(&set.sign(&claims()).expect("sign"), &jwks));
        // An RSA key is not a P-256 scalar, nor the other way round.
        let as_ec = model::SigningKey {
            algorithm: SigningAlgorithm::Es256,
            ..rsa.clone()
        };
        assert!(matches!(
            KeySet::from_stored(&[as_ec], Some(&cipher)),
            Err(KeyError::Malformed { .. })
        ));
        let as_rsa = model::SigningKey {
            algorithm: SigningAlgorithm::Rs256,
            ..ec
        };
        assert!(matches!(
            KeySet::from_stored(&[as_rsa], None),
            Err(KeyError::Malformed { .. })
        ));
    }

    #[test]
    fn the_signing_key_is_printed_as_a_spki_pem() {
        let rsa = KeySet::generate(SigningAlgorithm::Rs256, 2, None).expect("key");
        let ec = KeySet::generate(SigningAlgorithm::Es256, 1, None).expect("key");
        let pem = KeySet::from_stored(&[rsa.clone(), ec.clone()], None)
            .expect("keys")
            .signing_public_key_pem()
            .expect("pem");
        let lines: Vec<&str> = pem.lines().collect();
        assert_eq!(lines.first(), Some(&"-----BEGIN PUBLIC KEY-----"));
        assert_eq!(lines.last(), Some(&"-----END PUBLIC KEY-----"));
        assert!(lines.iter().all(|line| line.len() <= 64));
        // The SubjectPublicKeyInfo of a 2048-bit RSA key with exponent 65537: the fixed
        // prefix (rsaEncryption, a 257-byte modulus) and suffix such verifiers expect.
        let body: String = lines[1..lines.len() - 1].concat();
        assert!(
            body.starts_with("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"),
            "{body}"
        );
        assert!(body.ends_with("IDAQAB"), "{body}");
        let der = base64::engine::general_purpose::STANDARD
            .decode(&body)
            .expect("base64");
        let n = from_b64url(
            KeySet::from_stored(&[rsa], None).expect("keys").jwks()["keys"][0]["n"]
                .as_str()
                .unwrap_or_default(),
        )
        .expect("n");
        assert!(der.windows(n.len()).any(|w| w == n), "the JWK's modulus");

        let pem = KeySet::from_stored(&[ec], None)
            .expect("keys")
            .signing_public_key_pem()
            .expect("pem");
        let key = VerifyingKey::from_public_key_pem(&pem).expect("a P-256 SPKI");
        let keys = KeySet::from_stored(
            &[KeySet::generate(SigningAlgorithm::Es256, 0, None).expect("key")],
            None,
        )
        .expect("keys");
        assert_ne!(
            keys.signing_public_key_pem().expect("pem"),
            pem,
            "each key its own"
        );
        assert_eq!(
            pem,
            key.to_public_key_pem(Default::default()).expect("pem"),
            "the standard encoding"
        );
    }
}
