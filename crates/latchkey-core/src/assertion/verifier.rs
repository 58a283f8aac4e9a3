//! The checks of WebAuthn §7.2 on one assertion, in webauthn-rs's order.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::parse::{AuthenticatorData, ClientData, invalid};
use super::public_key::PublicKey;
use crate::error::{Error, Result};
use crate::origin::Origins;
use crate::settings::Url;

/// Challenges travel base64url; like webauthn-rs, accept them with or without padding
/// (the decoded bytes are what must match).
const CHALLENGE_ENCODING: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

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
}
