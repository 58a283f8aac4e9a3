//! Strict parsing of a compact JWS (RFC 7515 §7.1) into its parts, and the ES256 and
//! RS256 signature checks (RFC 7518 §3.4 and §3.3).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::Signature;
use p256::ecdsa::signature::Verifier as _;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::Deserialize;

use crate::claims::Claims;
use crate::error::VerifyError;
use crate::jwks::PublicKey;

/// The algorithms accepted in a token's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    Es256,
    Rs256,
}

/// Longer strings are refused before any decoding; real tokens are well under 1 KiB.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// A token whose header has been checked but whose signature has not.
#[derive(Debug)]
pub(crate) struct UnverifiedJwt<'a> {
    /// The `kid` of the header.
    pub kid: String,
    /// The `alg` of the header.
    alg: Algorithm,
    /// `header.payload`, the bytes the signature covers.
    signing_input: &'a str,
    payload: Vec<u8>,
    signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    typ: Option<String>,
    // RFC 7515 §4.1.11: a recipient must refuse a token whose `crit` names an extension it
    // does not understand, and this one understands none.
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

fn malformed(message: &str) -> VerifyError {
    VerifyError::Malformed(message.to_owned())
}

fn decode(part: &str, what: &str) -> Result<Vec<u8>, VerifyError> {
    if part.is_empty() {
        return Err(VerifyError::Malformed(format!("the {what} is empty")));
    }
    // URL_SAFE_NO_PAD refuses padding and non-canonical trailing bits.
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| VerifyError::Malformed(format!("the {what} is not base64url without padding")))
}

/// Splits `token` and checks its header: `alg` must be `ES256` or `RS256` and a `kid`
/// present.
pub(crate) fn parse(token: &str) -> Result<UnverifiedJwt<'_>, VerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed("longer than 8 KiB"));
    }
    let mut parts = token.split('.');
    let (Some(header_part), Some(payload_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("a JWT has three dot-separated parts"));
    };
    let header_bytes = decode(header_part, "header")?;
    let header: Header = serde_json::from_slice(&header_bytes)
        .map_err(|_| malformed("the header is not a JSON object with a string alg"))?;
    // The algorithm is fixed here, before any key is looked up, so a token cannot choose
    // `none` or use the public key as an HMAC secret (RFC 8725 §2.1).
    let alg = match header.alg.as_str() {
        "ES256" => Algorithm::Es256,
        "RS256" => Algorithm::Rs256,
        _ => return Err(VerifyError::UnsupportedAlgorithm(header.alg)),
    };
    if header.crit.is_some() {
        return Err(malformed("the header has a crit parameter"));
    }
    if header
        .typ
        .as_deref()
        .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
    {
        return Err(malformed("the header's typ is not JWT"));
    }
    let kid = header
        .kid
        .ok_or_else(|| malformed("the header has no kid"))?;
    let payload = decode(payload_part, "payload")?;
    let signature = decode(signature_part, "signature")?;
    Ok(UnverifiedJwt {
        kid,
        alg,
        signing_input: &token[..header_part.len() + 1 + payload_part.len()],
        payload,
        signature,
    })
}

impl UnverifiedJwt<'_> {
    /// Checks the signature with `key`, then decodes the claims. A key verifies only
    /// tokens of its own algorithm: an ES256 key never checks an RS256 signature, nor the
    /// other way round.
    pub fn verify(self, key: &PublicKey) -> Result<Claims, VerifyError> {
        let input = self.signing_input.as_bytes();
        let verified = match (self.alg, key) {
            (Algorithm::Es256, PublicKey::Es256(key)) => {
                // JWS ES256 signatures are the raw 64-byte r || s, not DER.
                Signature::from_slice(&self.signature)
                    .is_ok_and(|signature| key.verify(input, &signature).is_ok())
            }
            (Algorithm::Rs256, PublicKey::Rs256 { n, e }) => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, input, &self.signature)
                .is_ok(),
            _ => false,
        };
        if !verified {
            return Err(VerifyError::BadSignature);
        }
        serde_json::from_slice(&self.payload)
            .map_err(|e| VerifyError::Malformed(format!("the claims do not parse: {e}")))
    }
}
