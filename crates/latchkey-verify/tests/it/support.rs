//! Keys, JWKS documents and tokens made the way the Latchkey server makes them.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::VerifierConfig;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use rsa::pkcs8::EncodePrivateKey as _;
use serde_json::{Value, json};

/// The issuer of the test tokens.
pub const ISS: &str = "http://localhost:8080";
/// The browser origin the test tokens are minted for.
pub const APP: &str = "http://localhost:3000";
/// The time of most checks; tokens are issued at it.
pub const NOW: i64 = 1_700_000_000;

pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

// Tokens checked by `verify` (the system clock) are issued at the real time.
#[allow(clippy::disallowed_methods)]
pub fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    i64::try_from(secs).expect("secs fit i64")
}

/// A signing key with its kid.
pub struct Key {
    pub kid: String,
    pub signing: SigningKey,
}

impl Key {
    pub fn generate(kid: &str) -> Self {
        Self {
            kid: kid.into(),
            signing: SigningKey::random(&mut rand::rngs::OsRng),
        }
    }

    /// The public JWK, as the server publishes it.
    pub fn jwk(&self) -> Value {
        let point = self.signing.verifying_key().to_encoded_point(false);
        json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid,
            "x": b64(point.x().expect("x")),
            "y": b64(point.y().expect("y")),
        })
    }

    /// A token with the standard header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({ "alg": "ES256", "kid": self.kid, "typ": "JWT" }),
            claims,
        )
    }

    /// A token with any header, signed with ES256 whatever the header says.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let signature: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }
}

/// An RS256 signing key with its kid: a 2048-bit RSA key, as the server makes them.
pub struct RsaKey {
    pub kid: String,
    pair: RsaKeyPair,
}

impl RsaKey {
    pub fn generate(kid: &str) -> Self {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("RSA key");
        let der = key.to_pkcs8_der().expect("PKCS#8");
        Self {
            kid: kid.into(),
            pair: RsaKeyPair::from_pkcs8(der.as_bytes()).expect("ring key"),
        }
    }

    /// The public JWK, as the server publishes it.
    pub fn jwk(&self) -> Value {
        let public = RsaPublicKeyComponents::<Vec<u8>>::from(self.pair.public());
        json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
            "n": b64(&public.n), "e": b64(&public.e),
        })
    }

    /// A token with the standard header.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(
            &json!({ "alg": "RS256", "kid": self.kid, "typ": "JWT" }),
            claims,
        )
    }

    /// A token with any header, signed with RS256 whatever the header says.
    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                input.as_bytes(),
                &mut signature,
            )
            .expect("sign");
        format!("{input}.{}", b64(signature))
    }
}

/// A JWK Set of these JWKs.
pub fn jwks_of(keys: &[Value]) -> String {
    json!({ "keys": keys }).to_string()
}

/// A JWK Set of `keys`.
pub fn jwks(keys: &[&Key]) -> String {
    json!({ "keys": keys.iter().map(|key| key.jwk()).collect::<Vec<_>>() }).to_string()
}

/// The claims of an active session's token issued at `iat`.
pub fn claims_at(iat: i64) -> Value {
    json!({
        "iss": ISS,
        "sub": "user_1",
        "sid": "sess_1",
        "iat": iat,
        "nbf": iat - 5,
        "exp": iat + 60,
        "jti": "jti_1",
        "azp": APP,
        "sts": "active",
        "v": 1,
    })
}

/// The claims of an active session's token issued at [`NOW`].
pub fn claims() -> Value {
    claims_at(NOW)
}

/// The default configuration for [`ISS`].
pub fn config() -> VerifierConfig {
    VerifierConfig::new(ISS)
}
