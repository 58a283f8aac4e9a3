//! Sign-in assertions verified on ring (WebAuthn §7.2, "Verifying an Authentication
//! Assertion"): client data, authenticator data, signature and signature counter.
//!
//! Registration stays on webauthn-rs; the credential public key it verified is converted
//! once into [`PublicKey`], the form ring's verifier takes, and stored beside the
//! credential. Every rule webauthn-rs 0.6 applies to an assertion is applied here too, in
//! the same order, so a failure maps to the same [`Error`] variant; the property test in
//! `tests/assertion_differential.rs` holds the two to the same verdicts. The one rule
//! that is stricter on purpose is the origin: client data must name one of the allowed
//! origins exactly, as a string (webauthn-rs compares parsed URLs, so it also accepts a
//! trailing slash, a path, upper-case letters or a default port), and so must
//! `topOrigin` when the client sends one.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use webauthn_rs_core::proto::{COSEKey, COSEKeyType, ECDSACurve, EDDSACurve};

use crate::encoding::{b64url, from_b64url};
use crate::error::{Error, Result};
use crate::origin::Origins;
use crate::settings::Url;

/// User present (WebAuthn §6.1 flags, bit 0).
const UP: u8 = 0x01;
/// User verified (bit 2).
const UV: u8 = 0x04;
/// Backup eligible (bit 3).
const BE: u8 = 0x08;
/// Backup state (bit 4).
const BS: u8 = 0x10;
/// Attested credential data included (bit 6).
const AT: u8 = 0x40;
/// Extension data included (bit 7).
const ED: u8 = 0x80;
/// rpIdHash (32), flags (1), signCount (4).
const FIXED_LEN: usize = 37;
/// The longest credential id WebAuthn allows (§5.8.3), which webauthn-rs also enforces on
/// attested credential data.
const CREDENTIAL_ID_MAX_LEN: usize = 1023;

/// Challenges travel base64url; like webauthn-rs, accept them with or without padding
/// (the decoded bytes are what must match).
const CHALLENGE_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn invalid(what: &str) -> Error {
    Error::InvalidCredential(what.to_owned())
}

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

/// What the relying party expects of every ceremony.
#[derive(Debug, Clone)]
pub struct RelyingParty {
    rp_id_hash: [u8; 32],
    origins: Origins,
}

impl RelyingParty {
    /// The relying party `rp_id`, accepting client data from exactly `origins`.
    pub fn new<'a>(rp_id: &str, origins: impl IntoIterator<Item = &'a Url>) -> Self {
        let digest = ring::digest::digest(&ring::digest::SHA256, rp_id.as_bytes());
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(digest.as_ref());
        Self {
            rp_id_hash,
            origins: Origins::new(origins),
        }
    }

    /// The origins client data may name.
    pub fn origins(&self) -> &Origins {
        &self.origins
    }

    /// Whether `origin` is, character for character, one of the allowed origins.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.origins.allows(origin)
    }
}

/// What this attempt and the stored credential expect of one assertion.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The attempt's challenge.
    pub challenge: &'a [u8],
    /// Whether the UV flag must be set.
    pub user_verification: bool,
    /// The stored signature counter.
    pub counter: u32,
}

/// The parts of a verified assertion the credential record keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The authenticator's signature counter.
    pub counter: u32,
    /// The UV flag.
    pub user_verified: bool,
    /// The BE flag: the credential may be synced.
    pub backup_eligible: bool,
    /// The BS flag: the credential is synced.
    pub backup_state: bool,
}

/// `clientDataJSON` (WebAuthn §5.8.1), read without copying where it can be.
#[derive(Debug, Deserialize)]
pub struct ClientData<'a> {
    /// `type`: `webauthn.get` for an assertion.
    #[serde(rename = "type", borrow)]
    pub kind: Cow<'a, str>,
    /// `challenge`, base64url.
    #[serde(borrow)]
    pub challenge: Cow<'a, str>,
    /// `origin`, as the client serialised it.
    #[serde(borrow)]
    pub origin: Cow<'a, str>,
    /// `crossOrigin`: a boolean when present.
    #[serde(rename = "crossOrigin", default)]
    pub cross_origin: Option<bool>,
    /// `topOrigin`: the top-level origin of a cross-origin call.
    #[serde(rename = "topOrigin", default, borrow)]
    pub top_origin: Option<Cow<'a, str>>,
    /// `tokenBinding`: an object with a `status` when present.
    #[serde(rename = "tokenBinding", default, borrow)]
    pub token_binding: Option<TokenBinding<'a>>,
}

/// `tokenBinding`: long unused by browsers, still well-formed or refused.
#[derive(Debug, Deserialize)]
pub struct TokenBinding<'a> {
    /// `status`.
    #[serde(borrow)]
    pub status: Cow<'a, str>,
    /// `id`, when present.
    #[serde(default, borrow)]
    pub id: Option<Cow<'a, str>>,
}

impl<'a> ClientData<'a> {
    /// Parses client data: a JSON object with a string `type`, `challenge` and `origin`.
    pub fn parse(json: &'a [u8]) -> Result<Self> {
        // serde would also read a struct from a JSON array; client data is an object.
        let first = json
            .iter()
            .find(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'));
        if first != Some(&b'{') {
            return Err(invalid("client data is not a JSON object"));
        }
        serde_json::from_slice(json).map_err(|_| invalid("client data cannot be parsed"))
    }
}

/// The fixed part of authenticator data (WebAuthn §6.1), checked to be well-formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatorData {
    /// SHA-256 of the RP ID the authenticator used.
    pub rp_id_hash: [u8; 32],
    /// The flags byte (UP, UV, BE, BS, AT, ED).
    pub flags: u8,
    /// The signature counter.
    pub counter: u32,
}

/// Authenticator extension outputs: a CBOR map keyed by extension identifiers.
#[derive(Deserialize)]
struct ExtensionOutputs {
    #[serde(flatten)]
    _outputs: BTreeMap<String, serde_cbor_2::Value>,
}

impl AuthenticatorData {
    /// Parses authenticator data: the fixed 37 bytes, then attested credential data when
    /// AT is set and an extensions map when ED is set, each of which must be well-formed.
    /// Bytes after them are covered by the signature and otherwise ignored, as webauthn-rs
    /// does.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let fixed = bytes
            .get(..FIXED_LEN)
            .ok_or_else(|| invalid("authenticator data is too short"))?;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(&fixed[..32]);
        let flags = fixed[32];
        let counter = u32::from_be_bytes([fixed[33], fixed[34], fixed[35], fixed[36]]);
        let mut rest = &bytes[FIXED_LEN..];
        if flags & AT != 0 {
            // aaguid (16), credentialIdLength (2), credentialId, credentialPublicKey (CBOR).
            let head = rest
                .get(..18)
                .ok_or_else(|| invalid("attested credential data is too short"))?;
            let id_len = usize::from(u16::from_be_bytes([head[16], head[17]]));
            if id_len > CREDENTIAL_ID_MAX_LEN {
                return Err(invalid("credential id is too long"));
            }
            rest = rest
                .get(18 + id_len..)
                .ok_or_else(|| invalid("credential id is truncated"))?;
            let (_, used) = cbor_item(rest)?;
            rest = &rest[used..];
        }
        if flags & ED != 0 {
            let (value, _) = cbor_item(rest)?;
            serde_cbor_2::value::from_value::<ExtensionOutputs>(value)
                .map_err(|_| invalid("extensions are not a map"))?;
        }
        Ok(Self {
            rp_id_hash,
            flags,
            counter,
        })
    }

    /// The UP flag.
    pub fn user_present(&self) -> bool {
        self.flags & UP != 0
    }

    /// The UV flag.
    pub fn user_verified(&self) -> bool {
        self.flags & UV != 0
    }

    /// The BE flag.
    pub fn backup_eligible(&self) -> bool {
        self.flags & BE != 0
    }

    /// The BS flag.
    pub fn backup_state(&self) -> bool {
        self.flags & BS != 0
    }
}

/// One CBOR data item at the start of `bytes`, and how many bytes it took.
fn cbor_item(bytes: &[u8]) -> Result<(serde_cbor_2::Value, usize)> {
    let mut de = serde_cbor_2::Deserializer::from_slice(bytes);
    let value = serde_cbor_2::Value::deserialize(&mut de)
        .map_err(|_| invalid("authenticator data holds bad CBOR"))?;
    Ok((value, de.byte_offset()))
}

/// Verifies one assertion's response members against the relying party, the attempt and
/// the stored credential (`key` is `None` when the stored key cannot verify anything).
///
/// The checks run in webauthn-rs's order, so the first failure is the same: parsing,
/// type, challenge (the only [`Error::ChallengeMismatch`]), origin, RP ID hash, flags,
/// signature, counter.
pub fn verify(
    rp: &RelyingParty,
    expected: &Expected<'_>,
    key: Option<&PublicKey>,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
) -> Result<Verified> {
    let data = AuthenticatorData::parse(authenticator_data)?;
    let client = ClientData::parse(client_data_json)?;
    let origin_allowed = rp.allows_origin(&client.origin);
    // webauthn-rs reads the origin as a URL while parsing, so an origin that is not one
    // fails before the challenge is compared.
    if !origin_allowed && Url::parse(&client.origin).is_err() {
        return Err(invalid("client data origin is not a URL"));
    }
    // §7.2 step 11.
    if client.kind != "webauthn.get" {
        return Err(invalid("client data type is not webauthn.get"));
    }
    // Step 12.
    let challenge = CHALLENGE_ENCODING
        .decode(client.challenge.as_bytes())
        .map_err(|_| invalid("client data challenge is not base64url"))?;
    if challenge != expected.challenge {
        return Err(Error::ChallengeMismatch);
    }
    // Step 13, exactly; and §5.8.1: `topOrigin` names the top-level origin of a
    // cross-origin iframe, which must be ours as well.
    if !origin_allowed {
        return Err(invalid("client data origin is not allowed"));
    }
    if client
        .top_origin
        .as_deref()
        .is_some_and(|top| !rp.allows_origin(top))
    {
        return Err(invalid("client data top origin is not allowed"));
    }
    // Step 15.
    if data.rp_id_hash != rp.rp_id_hash {
        return Err(invalid("RP ID hash does not match"));
    }
    // Steps 16 and 17.
    if !data.user_present() {
        return Err(invalid("user not present"));
    }
    if expected.user_verification && !data.user_verified() {
        return Err(invalid("user not verified"));
    }
    // Step 18 (§6.1.3): a credential cannot be backed up without being eligible.
    if data.backup_state() && !data.backup_eligible() {
        return Err(invalid("backup state without backup eligibility"));
    }
    // Steps 20 and 21: the signature covers authenticatorData ‖ SHA-256(clientDataJSON).
    let client_hash = ring::digest::digest(&ring::digest::SHA256, client_data_json);
    let mut message = Vec::with_capacity(authenticator_data.len() + 32);
    message.extend_from_slice(authenticator_data);
    message.extend_from_slice(client_hash.as_ref());
    if !key.is_some_and(|key| key.verify(&message, signature)) {
        return Err(invalid("signature does not verify"));
    }
    // Step 22: a counter that does not move forward while either value is non-zero
    // signals a cloned authenticator.
    if (data.counter > 0 || expected.counter > 0) && data.counter <= expected.counter {
        return Err(invalid("signature counter did not increase"));
    }
    Ok(Verified {
        counter: data.counter,
        user_verified: data.user_verified(),
        backup_eligible: data.backup_eligible(),
        backup_state: data.backup_state(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rp() -> RelyingParty {
        RelyingParty::new(
            "localhost",
            &[
                Url::parse("http://localhost:8080").expect("url"),
                Url::parse("android:apk-key-hash:abc").expect("url"),
            ],
        )
    }

    #[test]
    fn origins_match_as_exact_strings() {
        let rp = rp();
        assert!(rp.allows_origin("http://localhost:8080"));
        assert!(rp.allows_origin("android:apk-key-hash:abc"));
        for other in [
            "http://localhost:8080/",
            "HTTP://localhost:8080",
            "http://LOCALHOST:8080",
            "http://localhost:8080/path",
            "http://user@localhost:8080",
            "https://localhost:8080",
            "http://localhost:8081",
            "http://localhost",
            "android:apk-key-hash:abcd",
        ] {
            assert!(!rp.allows_origin(other), "{other}");
        }
        let default_port = RelyingParty::new(
            "example.com",
            &[Url::parse("https://example.com:443/").expect("url")],
        );
        assert!(default_port.allows_origin("https://example.com"));
        assert!(!default_port.allows_origin("https://example.com:443"));
    }

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

    #[test]
    fn authenticator_data_must_be_well_formed() {
        let mut data = vec![0u8; 37];
        assert!(AuthenticatorData::parse(&data).is_ok());
        assert!(AuthenticatorData::parse(&data[..36]).is_err());
        data[32] = ED;
        assert!(AuthenticatorData::parse(&data).is_err());
        data.push(0xa0); // an empty map
        assert!(AuthenticatorData::parse(&data).is_ok());
        data[37] = 0x01; // an integer
        assert!(AuthenticatorData::parse(&data).is_err());
        data[32] = AT;
        assert!(AuthenticatorData::parse(&data).is_err());
    }

    #[test]
    fn client_data_must_be_an_object() {
        assert!(ClientData::parse(br#"["webauthn.get","AA","http://localhost:8080"]"#).is_err());
        assert!(ClientData::parse(br#"{"type":"webauthn.get","challenge":"AA"}"#).is_err());
        let parsed = ClientData::parse(
            br#" {"type":"webauthn.get","challenge":"AA","origin":"x","other":[1]}"#,
        )
        .expect("parsed");
        assert_eq!(parsed.kind, "webauthn.get");
        assert!(
            ClientData::parse(br#"{"type":"a","type":"b","challenge":"AA","origin":"x"}"#).is_err()
        );
    }
}
