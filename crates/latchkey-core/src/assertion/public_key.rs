//! Credential public keys as ring verifies them, one verifier per signature algorithm.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use webauthn_rs_core::proto::{COSEKey, COSEKeyType, ECDSACurve, EDDSACurve};

use super::parse::invalid;
use crate::encoding::{b64url, from_b64url};
use crate::error::{Error, Result};

/// The signature algorithm of a credential public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256 (COSE -7).
    Es256,
    /// ECDSA on P-384 with SHA-384 (COSE -35).
    Es384,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (COSE -257).
    Rs256,
    /// Ed25519 (COSE -8).
    EdDsa,
}

impl Algorithm {
    fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Es384 => "ES384",
            Algorithm::Rs256 => "RS256",
            Algorithm::EdDsa => "EdDSA",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Algorithm::Es256,
            Algorithm::Es384,
            Algorithm::Rs256,
            Algorithm::EdDsa,
        ]
        .into_iter()
        .find(|alg| alg.name() == name)
    }

    fn verifier(self) -> &'static dyn VerificationAlgorithm {
        match self {
            Algorithm::Es256 => &signature::ECDSA_P256_SHA256_ASN1,
            Algorithm::Es384 => &signature::ECDSA_P384_SHA384_ASN1,
            Algorithm::Rs256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Algorithm::EdDsa => &signature::ED25519,
        }
    }
}

/// A credential public key in the form ring verifies with: an uncompressed SEC1 point for
/// ECDSA, a DER `RSAPublicKey` for RSA, the 32 raw bytes for Ed25519.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: Algorithm,
    key: Vec<u8>,
}

impl PublicKey {
    /// Converts a COSE key as webauthn-rs stores it. Like webauthn-rs, the key type and
    /// curve choose the verifier. `Err` for keys no sign-in can use (P-521, Ed448).
    pub fn from_cose(cose: &COSEKey) -> Result<Self> {
        let (algorithm, key) = match &cose.key {
            COSEKeyType::EC_EC2(ec) => {
                let (algorithm, size) = match ec.curve {
                    ECDSACurve::SECP256R1 => (Algorithm::Es256, 32),
                    ECDSACurve::SECP384R1 => (Algorithm::Es384, 48),
                    ECDSACurve::SECP521R1 => return Err(invalid("P-521 keys are not supported")),
                };
                if ec.x.len() != size || ec.y.len() != size {
                    return Err(invalid("EC coordinates have the wrong size"));
                }
                let mut point = Vec::with_capacity(1 + 2 * size);
                point.push(0x04);
                point.extend_from_slice(&ec.x);
                point.extend_from_slice(&ec.y);
                (algorithm, point)
            }
            COSEKeyType::RSA(rsa) => (Algorithm::Rs256, rsa_public_key_der(&rsa.n, &rsa.e)),
            COSEKeyType::EC_OKP(okp) => match okp.curve {
                EDDSACurve::ED25519 if okp.x.len() == 32 => (Algorithm::EdDsa, okp.x.clone()),
                _ => return Err(invalid("only Ed25519 octet keys are supported")),
            },
        };
        Ok(Self { algorithm, key })
    }

    /// The algorithm this key verifies.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The stored text form: `<algorithm>:<key, base64url>`.
    pub fn encode(&self) -> String {
        format!("{}:{}", self.algorithm.name(), b64url(&self.key))
    }

    /// Reads [`PublicKey::encode`]'s form.
    pub fn decode(text: &str) -> Result<Self> {
        let (name, key) = text
            .split_once(':')
            .ok_or_else(|| Error::internal("stored public key has no algorithm"))?;
        let algorithm = Algorithm::from_name(name)
            .ok_or_else(|| Error::internal("stored public key has an unknown algorithm"))?;
        let key = from_b64url(key)
            .ok_or_else(|| Error::internal("stored public key is not base64url"))?;
        Ok(Self { algorithm, key })
    }

    /// Whether `signature` is this key's signature of `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(self.algorithm.verifier(), &self.key)
            .verify(message, signature)
            .is_ok()
    }
}

/// DER `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }` (RFC 8017
/// §A.1.1) from big-endian unsigned components.
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = der_unsigned_integer(n);
    body.extend(der_unsigned_integer(e));
    let mut der = vec![0x30];
    der.extend(der_length(body.len()));
    der.extend(body);
    der
}

fn der_unsigned_integer(bytes: &[u8]) -> Vec<u8> {
    // DER integers are minimal and signed: drop leading zeros, then add one back if the
    // top bit is set so the value stays positive.
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    let pad = digits.first().is_none_or(|b| b & 0x80 != 0);
    let mut der = vec![0x02];
    der.extend(der_length(digits.len() + usize::from(pad)));
    if pad {
        der.push(0);
    }
    der.extend_from_slice(digits);
    der
}

fn der_length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        return vec![len as u8];
    }
    let bytes = len.to_be_bytes();
    let start = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    let mut out = vec![0x80 | (bytes.len() - start) as u8];
    out.extend_from_slice(&bytes[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_keys_are_der_encoded_minimally() {
        assert_eq!(
            rsa_public_key_der(&[0x00, 0x81], &[1, 0, 1]),
            vec![0x30, 0x09, 0x02, 0x02, 0x00, 0x81, 0x02, 0x03, 1, 0, 1]
        );
        assert_eq!(der_length(256), vec![0x82, 0x01, 0x00]);
        assert_eq!(der_length(0x7f), vec![0x7f]);
    }

    #[test]
    fn keys_survive_their_stored_form() {
        let key = PublicKey {
            algorithm: Algorithm::Rs256,
            key: vec![1, 2, 3],
        };
        assert_eq!(PublicKey::decode(&key.encode()).expect("decoded"), key);
        assert!(PublicKey::decode("XS256:AQID").is_err());
        assert!(PublicKey::decode("AQID").is_err());
    }
}
