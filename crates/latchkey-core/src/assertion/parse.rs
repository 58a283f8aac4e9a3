//! Parsing of an assertion's client data and authenticator data, refusing malformed ones.

use serde::Deserialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::error::{Error, Result};

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

/// The refusal of a credential, saying `what` is wrong with it.
pub(super) fn invalid(what: &str) -> Error {
    Error::InvalidCredential(what.to_owned())
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

#[cfg(test)]
mod tests {
    use super::*;

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
