//! The JWK Set (RFC 7517 §5): parsing it into verifying keys, and fetching it over HTTP.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::VerifyingKey;
use serde::Deserialize;

use crate::error::JwksError;

/// A larger document is refused: Latchkey's holds a few keys of ~200 bytes each.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// How long one fetch may take, connecting included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The usable keys of a JWK Set, by `kid`.
pub(crate) type Keys = HashMap<String, PublicKey>;

/// A key tokens are verified with; each verifies only tokens of its own algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// A P-256 key, for ES256.
    Es256(VerifyingKey),
    /// An RSA key of 2048 to 8192 bits, for RS256: the big-endian modulus and exponent.
    Rs256 { n: Vec<u8>, e: Vec<u8> },
}

/// The RSA moduli accepted, in bytes: 2048 to 8192 bits, as RS256 verification allows.
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

/// The signing keys of a JWK Set: ES256 P-256 keys and RS256 RSA keys. Keys of other types,
/// curves, algorithms or uses, without a `kid`, with coordinates that are not a point on the
/// curve or with an RSA modulus under 2048 bits are skipped
/// (RFC 7517 §5: a set may hold keys its reader does not understand); of two keys with the
/// same `kid` the first wins. A set without any usable key is an error.
pub(crate) fn parse(document: &[u8]) -> Result<Keys, JwksError> {
    let set: JwkSet = serde_json::from_slice(document)
        .map_err(|e| JwksError::Invalid(format!("not a JWK Set: {e}")))?;
    let mut keys = Keys::new();
    for value in set.keys {
        if let Some((kid, key)) = usable_key(value) {
            keys.entry(kid).or_insert(key);
        }
    }
    if keys.is_empty() {
        return Err(JwksError::Invalid(
            "no ES256 P-256 or RS256 RSA signing key".into(),
        ));
    }
    Ok(keys)
}

fn usable_key(value: serde_json::Value) -> Option<(String, PublicKey)> {
    let jwk: Jwk = serde_json::from_value(value).ok()?;
    if jwk.use_.as_deref().is_some_and(|use_| use_ != "sig") {
        return None;
    }
    let key = match jwk.kty.as_str() {
        "EC" => ec_key(&jwk)?,
        "RSA" => rsa_key(&jwk)?,
        _ => return None,
    };
    Some((jwk.kid?, key))
}

fn ec_key(jwk: &Jwk) -> Option<PublicKey> {
    let usable =
        jwk.crv.as_deref() == Some("P-256") && jwk.alg.as_deref().is_none_or(|alg| alg == "ES256");
    if !usable {
        return None;
    }
    let x = URL_SAFE_NO_PAD.decode(jwk.x.as_deref()?).ok()?;
    let y = URL_SAFE_NO_PAD.decode(jwk.y.as_deref()?).ok()?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    // SEC1 uncompressed point: 0x04 || x || y; from_sec1_bytes checks it is on the curve.
    let mut point = Vec::with_capacity(65);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    VerifyingKey::from_sec1_bytes(&point)
        .ok()
        .map(PublicKey::Es256)
}

fn rsa_key(jwk: &Jwk) -> Option<PublicKey> {
    if jwk.alg.as_deref().is_some_and(|alg| alg != "RS256") {
        return None;
    }
    // RFC 7518 §6.3.1: unsigned big-endian integers in their shortest form.
    let n = URL_SAFE_NO_PAD.decode(jwk.n.as_deref()?).ok()?;
    let e = URL_SAFE_NO_PAD.decode(jwk.e.as_deref()?).ok()?;
    let shortest = |int: &[u8]| int.first().is_some_and(|first| *first != 0);
    if !shortest(&n) || !shortest(&e) || !RSA_MODULUS_BYTES.contains(&n.len()) || e.len() > 4 {
        return None;
    }
    Some(PublicKey::Rs256 { n, e })
}

/// Fetches one JWKS URL.
#[derive(Debug)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl Fetcher {
    pub fn new(url: reqwest::Url) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .user_agent(concat!("latchkey-verify/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| error_chain(&e))?;
        Ok(Self { client, url })
    }

    /// GETs and parses the JWKS.
    pub async fn fetch(&self) -> Result<Keys, JwksError> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| JwksError::Request(error_chain(&e)))?;
        if !response.status().is_success() {
            return Err(JwksError::Status(response.status().as_u16()));
        }
        let too_large = || JwksError::Invalid("larger than 256 KiB".into());
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| JwksError::Request(error_chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        parse(&body)
    }
}

/// An error and its sources, e.g. "error sending request: … : connection refused", since
/// reqwest's own message leaves out the cause.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::SigningKey;

    fn jwk(kid: &str, key: &SigningKey) -> serde_json::Value {
        let point = key.verifying_key().to_encoded_point(false);
        serde_json::json!({
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": kid,
            "x": URL_SAFE_NO_PAD.encode(point.x().expect("x")),
            "y": URL_SAFE_NO_PAD.encode(point.y().expect("y")),
        })
    }

    #[test]
    fn skips_keys_it_cannot_use_and_keeps_the_first_of_a_kid() {
        let a = SigningKey::from_slice(&[1; 32]).expect("key");
        let b = SigningKey::from_slice(&[2; 32]).expect("key");
        let mut rsa = jwk("rsa", &a);
        rsa["kty"] = "RSA".into();
        let short_rsa = serde_json::json!({
            "kty": "RSA", "alg": "RS256", "kid": "short",
            "n": URL_SAFE_NO_PAD.encode([0xc5; 128]), "e": "AQAB",
        });
        let padded_rsa = serde_json::json!({
            "kty": "RSA", "alg": "RS256", "kid": "padded",
            "n": URL_SAFE_NO_PAD.encode([0; 257]), "e": "AQAB",
        });
        let rs384 = serde_json::json!({
            "kty": "RSA", "alg": "RS384", "kid": "rs384",
            "n": URL_SAFE_NO_PAD.encode([0xc5; 256]), "e": "AQAB",
        });
        let rs256 = serde_json::json!({
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "r",
            "n": URL_SAFE_NO_PAD.encode([0xc5; 256]), "e": "AQAB",
        });
        let mut p384 = jwk("p384", &a);
        p384["crv"] = "P-384".into();
        let mut hs = jwk("hs", &a);
        hs["alg"] = "HS256".into();
        let mut enc = jwk("enc", &a);
        enc["use"] = "enc".into();
        let mut off_curve = jwk("off", &a);
        off_curve["y"] = URL_SAFE_NO_PAD.encode([7u8; 32]).into();
        let mut no_kid = jwk("x", &a);
        no_kid.as_object_mut().expect("object").remove("kid");
        let set = serde_json::json!({ "keys": [
            rsa, p384, hs, enc, off_curve, no_kid, short_rsa, padded_rsa, rs384, "junk",
            jwk("a", &a), jwk("a", &b), jwk("b", &b), rs256
        ]});
        let keys = parse(set.to_string().as_bytes()).expect("keys");
        let mut kids: Vec<_> = keys.keys().cloned().collect();
        kids.sort();
        assert_eq!(kids, ["a", "b", "r"]);
        assert_eq!(keys["a"], PublicKey::Es256(*a.verifying_key()));
        assert_eq!(
            keys["r"],
            PublicKey::Rs256 {
                n: vec![0xc5; 256],
                e: vec![1, 0, 1]
            }
        );
    }

    #[test]
    fn a_set_without_usable_keys_is_an_error() {
        assert!(matches!(
            parse(b"{\"keys\":[]}"),
            Err(JwksError::Invalid(_))
        ));
        assert!(matches!(parse(b"[]"), Err(JwksError::Invalid(_))));
        assert!(matches!(parse(b"not json"), Err(JwksError::Invalid(_))));
    }
}
