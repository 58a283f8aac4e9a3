//! WebAuthn ceremonies: options out, verified credentials in.
//!
//! The options are sent to the browser as a JSON string (the `nonce` of a verification);
//! the matching webauthn-rs state is serialised for the store, which hands it back once.
//! Registration is verified by webauthn-rs; sign-in assertions by [`crate::assertion`].

use serde_json::Value;
use std::str::FromStr;
use std::time::Duration;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AttestationFormat, AttestationMetadata,
    AuthenticatorTransport, COSEAlgorithm, COSEEC2Key, COSEKey, COSEKeyType, Credential,
    ECDSACurve, ParsedAttestation, ParsedAttestationData, PublicKeyCredential,
    RegisterPublicKeyCredential, RegisteredExtensions, RegistrationState, UserVerificationPolicy,
};

use crate::assertion::{self, Expected, PublicKey, RelyingParty};
use crate::encoding::from_b64url;
use crate::error::{Error, Result};
use crate::settings::{Attestation, Settings, Url, UserVerification};

/// The form field that carries credentials.
const CREDENTIAL_PARAM: &str = "public_key_credential";
/// The form field of an imported credential's COSE key.
const PUBLIC_KEY_PARAM: &str = "public_key";

/// Starts and finishes registration and authentication ceremonies for one relying party.
pub struct Ceremonies {
    core: WebauthnCore,
    policy: UserVerificationPolicy,
    /// The attestation registration asks for.
    attestation: Attestation,
    /// The RP ID and the exact origins: checked for sign-in by [`crate::assertion`], and
    /// for registration after webauthn-rs, which compares origins as parsed URLs.
    relying_party: RelyingParty,
}

/// A credential that passed registration.
#[derive(Debug, Clone)]
pub struct RegisteredCredential {
    pub credential_id: Vec<u8>,
    /// The webauthn-rs credential, serialised for storage.
    pub credential: String,
    /// The credential public key as sign-in verifies it ([`PublicKey::encode`]); `None`
    /// for a key no assertion can be verified with.
    pub public_key: Option<String>,
    pub aaguid: Option<String>,
    pub backed_up: bool,
    pub transports: Vec<String>,
}

impl RegisteredCredential {
    /// A verified webauthn-rs credential in its stored form, with the public key
    /// converted for sign-in.
    fn new(
        credential: &Credential,
        aaguid: Option<String>,
        transports: Vec<String>,
    ) -> Result<Self> {
        Ok(RegisteredCredential {
            credential_id: credential.cred_id.to_vec(),
            backed_up: credential.backup_state,
            credential: serde_json::to_string(credential).map_err(Error::internal)?,
            public_key: PublicKey::from_cose(&credential.cred)
                .ok()
                .map(|key| key.encode()),
            aaguid,
            transports,
        })
    }
}

/// A credential registered with another WebAuthn server, as that server kept it.
#[derive(Debug, Clone)]
pub struct ForeignCredential {
    pub credential_id: Vec<u8>,
    /// The credential public key: a COSE_Key (RFC 9052 §7) in CBOR.
    pub cose_key: Vec<u8>,
    /// The signature counter last seen.
    pub counter: u32,
    /// Transport hints; unknown ones are dropped.
    pub transports: Vec<String>,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub aaguid: Option<String>,
}

/// The credential algorithms registration offers (webauthn-rs's default, which
/// [`Ceremonies::start_registration`] keeps): ES256, ES384 and RS256.
pub fn registration_algorithms() -> Vec<COSEAlgorithm> {
    COSEAlgorithm::secure_algs()
}

/// The wire name of a transport (`internal`, `hybrid`, ...).
fn transport_name(transport: &AuthenticatorTransport) -> Option<String> {
    serde_json::to_value(transport)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// The stored credential after a successful assertion.
#[derive(Debug, Clone)]
pub struct UsedCredential {
    pub credential: String,
    pub backed_up: bool,
    /// The public key converted from the credential, for a passkey stored without one.
    pub public_key: Option<String>,
}

/// The members of webauthn-rs's serialised `AuthenticationState` that an assertion is
/// checked against (its allowed credentials and `appid` are unused here: the passkey is
/// looked up by id, and no `appid` extension is ever requested).
#[derive(serde::Deserialize)]
struct SignInState {
    challenge: String,
    policy: UserVerificationPolicy,
}

/// A ceremony's options (for the browser) and state (for the store).
#[derive(Debug, Clone)]
pub struct Challenge {
    pub options_json: String,
    pub state: String,
}

impl Ceremonies {
    /// Ceremonies for the relying party of `settings`.
    pub fn new(settings: &Settings) -> Self {
        let policy = match settings.user_verification {
            UserVerification::Required => UserVerificationPolicy::Required,
            UserVerification::Preferred => UserVerificationPolicy::Preferred,
        };
        Self {
            core: webauthn_rs(settings),
            policy,
            attestation: settings.attestation,
            relying_party: RelyingParty::new(&settings.rp_id, allowed_origins(settings)),
        }
    }

    /// Creation options for a discoverable credential (`residentKey: required`) that
    /// exclude the user's existing credentials.
    pub fn start_registration(
        &self,
        user_handle: &[u8],
        user_name: &str,
        exclude: Vec<Vec<u8>>,
    ) -> Result<Challenge> {
        let builder = self
            .core
            .new_challenge_register_builder(user_handle, user_name, user_name)
            .map_err(Error::internal)?
            .require_resident_key(true)
            .user_verification_policy(self.policy)
            .attestation(match self.attestation {
                Attestation::None => AttestationConveyancePreference::None,
                Attestation::Indirect => AttestationConveyancePreference::Indirect,
                Attestation::Direct => AttestationConveyancePreference::Direct,
            })
            .exclude_credentials(Some(exclude.into_iter().collect()));
        let (options, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(Error::internal)?;
        Ok(Challenge {
            options_json: options_json(&options.public_key)?,
            state: serde_json::to_string(&state).map_err(Error::internal)?,
        })
    }

    /// Verifies a registration response against its state.
    pub fn finish_registration(
        &self,
        credential: &RegisterPublicKeyCredential,
        state: &str,
    ) -> Result<RegisteredCredential> {
        let state: RegistrationState = serde_json::from_str(state).map_err(Error::internal)?;
        let attested = inspect_attestation(&credential.response.attestation_object)?;
        let verified = self
            .core
            .register_credential(credential, &state, None)
            .map_err(|err| match err {
                // webauthn-rs reports a credential from `excludeCredentials` this way.
                WebauthnError::CredentialAlteredAlgFromRequest => Error::PasskeyAlreadyExists,
                other => map_webauthn_error(other),
            })?;
        self.relying_party
            .origins()
            .check_client_data(credential.response.client_data_json.as_ref())?;
        let transports = credential
            .response
            .transports
            .iter()
            .flatten()
            .filter_map(transport_name)
            .collect();
        RegisteredCredential::new(&verified, attested.aaguid, transports)
    }

    /// Checks a credential registered with another WebAuthn server and builds it as
    /// [`Ceremonies::finish_registration`] would have: its COSE key must parse and use an
    /// algorithm registration offers ([`registration_algorithms`]) on its own curve.
    pub fn import_credential(&self, foreign: ForeignCredential) -> Result<RegisteredCredential> {
        let invalid = |reason: String| Error::FormParamValueInvalid {
            param: PUBLIC_KEY_PARAM,
            reason,
        };
        let cbor: serde_cbor_2::Value = serde_cbor_2::from_slice(&foreign.cose_key)
            .map_err(|_| invalid("not a CBOR COSE_Key".into()))?;
        let cose = COSEKey::try_from(&cbor)
            .map_err(|err| invalid(format!("not a usable COSE_Key: {err:?}")))?;
        if !registration_algorithms().contains(&cose.type_) {
            return Err(invalid(format!(
                "algorithm {:?} is not accepted",
                cose.type_
            )));
        }
        // RFC 9053 §2.1: ES256 is ECDSA on P-256, ES384 on P-384; webauthn-rs picks the
        // verifier by curve, so a key naming another algorithm is refused here.
        let consistent = matches!(
            (&cose.type_, &cose.key),
            (
                COSEAlgorithm::ES256,
                COSEKeyType::EC_EC2(COSEEC2Key {
                    curve: ECDSACurve::SECP256R1,
                    ..
                })
            ) | (
                COSEAlgorithm::ES384,
                COSEKeyType::EC_EC2(COSEEC2Key {
                    curve: ECDSACurve::SECP384R1,
                    ..
                })
            ) | (COSEAlgorithm::RS256, COSEKeyType::RSA(_))
        );
        if !consistent {
            return Err(invalid(format!(
                "the key does not match its algorithm {:?}",
                cose.type_
            )));
        }
        PublicKey::from_cose(&cose)
            .map_err(|_| invalid("the key cannot verify sign-ins".into()))?;
        let transports: Vec<AuthenticatorTransport> = foreign
            .transports
            .iter()
            .filter_map(|t| AuthenticatorTransport::from_str(t).ok())
            .filter(|t| *t != AuthenticatorTransport::Unknown)
            .collect();
        let credential = Credential {
            cred_id: foreign.credential_id,
            cred: cose,
            counter: foreign.counter,
            transports: Some(transports.clone()),
            // The other server's policy is unknown: the passkey is held to today's, as if
            // it had registered here.
            user_verified: self.policy == UserVerificationPolicy::Required,
            backup_eligible: foreign.backup_eligible,
            backup_state: foreign.backed_up,
            registration_policy: self.policy,
            extensions: RegisteredExtensions::none(),
            attestation: ParsedAttestation {
                data: ParsedAttestationData::None,
                metadata: AttestationMetadata::None,
            },
            attestation_format: AttestationFormat::None,
        };
        let transports = transports.iter().filter_map(transport_name).collect();
        RegisteredCredential::new(&credential, foreign.aaguid, transports)
    }

    /// Request options listing `allow` (empty for discoverable and autofill sign-in).
    pub fn start_authentication(&self, allow: Vec<Credential>) -> Result<Challenge> {
        let builder = self
            .core
            .new_challenge_authenticate_builder(allow, Some(self.policy))
            .map_err(Error::internal)?
            .allow_backup_eligible_upgrade(true);
        let (options, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(Error::internal)?;
        Ok(Challenge {
            options_json: options_json(&options.public_key)?,
            state: serde_json::to_string(&state).map_err(Error::internal)?,
        })
    }

    /// Verifies an assertion made with `stored` (a serialised credential) against its state,
    /// and returns the credential with its new counter and backup flags. `public_key` is
    /// the stored [`PublicKey`]; without one (a passkey stored before keys were converted)
    /// it is converted from the credential and returned for storing.
    pub fn finish_authentication(
        &self,
        assertion: &PublicKeyCredential,
        state: &str,
        stored: &str,
        public_key: Option<&str>,
    ) -> Result<UsedCredential> {
        let state: SignInState = serde_json::from_str(state).map_err(Error::internal)?;
        let challenge = from_b64url(&state.challenge)
            .ok_or_else(|| Error::internal("stored challenge is not base64url"))?;
        let mut credential: Credential = serde_json::from_str(stored).map_err(Error::internal)?;
        if credential.cred_id.as_slice() != assertion.raw_id.as_slice() {
            return Err(Error::InvalidCredential(
                "the assertion is not made with this credential".into(),
            ));
        }
        let (key, converted) = match public_key {
            Some(text) => (Some(PublicKey::decode(text)?), None),
            None => {
                let key = PublicKey::from_cose(&credential.cred).ok();
                let converted = key.as_ref().map(PublicKey::encode);
                (key, converted)
            }
        };
        // User verification is required by today's policy, by the policy the passkey was
        // registered under, or because it was verified then with UV only preferred (a
        // user shown a PIN once expects it to be asked for again).
        let user_verification = state.policy == UserVerificationPolicy::Required
            || match credential.registration_policy {
                UserVerificationPolicy::Required => true,
                UserVerificationPolicy::Preferred => credential.user_verified,
                UserVerificationPolicy::Discouraged_DO_NOT_USE => false,
            };
        let expected = Expected {
            challenge: &challenge,
            user_verification,
            counter: credential.counter,
        };
        let response = &assertion.response;
        let verified = assertion::verify(
            &self.relying_party,
            &expected,
            key.as_ref(),
            response.client_data_json.as_slice(),
            response.authenticator_data.as_slice(),
            response.signature.as_slice(),
        )?;
        // A passkey that becomes (or stops being) synced changes its backup-eligibility
        // flag; the signature proves possession of the key, so the change is recorded.
        credential.counter = credential.counter.max(verified.counter);
        credential.backup_state = verified.backup_state;
        credential.backup_eligible = verified.backup_eligible;
        Ok(UsedCredential {
            backed_up: verified.backup_state,
            credential: serde_json::to_string(&credential).map_err(Error::internal)?,
            public_key: converted,
        })
    }
}

/// The origins client data may name: the allowed, the apps' and the related origins.
fn allowed_origins(settings: &Settings) -> impl Iterator<Item = &Url> {
    settings
        .origins
        .iter()
        .chain(&settings.app_origins)
        .chain(&settings.related_origins)
}

/// webauthn-rs for the relying party of `settings`, as registration uses it (and as the
/// differential tests and the benchmark compare sign-in against it).
pub fn webauthn_rs(settings: &Settings) -> WebauthnCore {
    let timeout = Duration::from_secs(u64::try_from(settings.challenge_ttl_secs).unwrap_or(300));
    WebauthnCore::new_unsafe_experts_only(
        &settings.rp_name,
        &settings.rp_id,
        allowed_origins(settings).cloned().collect(),
        timeout,
        Some(false),
        Some(false),
    )
}

/// Parses `public_key_credential` as a registration response.
pub fn parse_registration(json: &str) -> Result<RegisterPublicKeyCredential> {
    serde_json::from_str(json).map_err(format_error)
}

/// Parses `public_key_credential` as an assertion.
pub fn parse_assertion(json: &str) -> Result<PublicKeyCredential> {
    serde_json::from_str(json).map_err(format_error)
}

/// The credential id of a stored webauthn-rs credential.
pub fn stored_credential(stored: &str) -> Result<Credential> {
    serde_json::from_str(stored).map_err(Error::internal)
}

fn format_error(err: serde_json::Error) -> Error {
    Error::FormParamFormatInvalid {
        param: CREDENTIAL_PARAM,
        reason: err.to_string(),
    }
}

fn map_webauthn_error(err: WebauthnError) -> Error {
    match err {
        WebauthnError::MismatchedChallenge => Error::ChallengeMismatch,
        other => Error::InvalidCredential(format!("{other:?}")),
    }
}

/// What Latchkey reads from an attestation object itself.
struct Attested {
    aaguid: Option<String>,
}

/// Reads the AAGUID from the attested credential data (WebAuthn §6.5.1): authData is
/// rpIdHash(32) flags(1) signCount(4) then, with the AT flag, aaguid(16).
fn inspect_attestation(attestation_object: &[u8]) -> Result<Attested> {
    let invalid = |what: &str| Error::InvalidCredential(format!("attestation object: {what}"));
    let value: serde_cbor_2::Value =
        serde_cbor_2::from_slice(attestation_object).map_err(|_| invalid("not CBOR"))?;
    let serde_cbor_2::Value::Map(map) = value else {
        return Err(invalid("not a map"));
    };
    let auth_data = map
        .iter()
        .find_map(|(k, v)| match (k, v) {
            (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(b)) if k == "authData" => {
                Some(b)
            }
            _ => None,
        })
        .ok_or_else(|| invalid("no authData"))?;
    const ATTESTED: u8 = 0x40;
    let aaguid = match auth_data.get(32) {
        Some(flags) if flags & ATTESTED != 0 && auth_data.len() >= 53 => {
            let bytes: [u8; 16] = auth_data[37..53]
                .try_into()
                .map_err(|_| invalid("aaguid"))?;
            (bytes != [0u8; 16]).then(|| uuid::Uuid::from_bytes(bytes).to_string())
        }
        _ => None,
    };
    Ok(Attested { aaguid })
}

/// Serialises options in their JSON form, dropping `null` members, which
/// `PublicKeyCredential.parse*OptionsFromJSON` rejects for sequences.
fn options_json(options: &impl serde::Serialize) -> Result<String> {
    let mut value = serde_json::to_value(options).map_err(Error::internal)?;
    drop_nulls(&mut value);
    serde_json::to_string(&value).map_err(Error::internal)
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_are_dropped_everywhere() {
        let mut v = serde_json::json!({"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}]});
        drop_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": {"d": 1}, "e": [{}]}));
    }

    #[test]
    fn attestation_without_cbor_is_invalid() {
        assert!(matches!(
            inspect_attestation(b"not cbor"),
            Err(Error::InvalidCredential(_))
        ));
    }
}
