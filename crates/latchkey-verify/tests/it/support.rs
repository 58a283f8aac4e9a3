//! Keys, JWKS documents and tokens made the way the Latchkey server makes them.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_verify::VerifierConfig;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
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
