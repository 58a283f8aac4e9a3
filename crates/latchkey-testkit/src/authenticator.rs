//! A software authenticator: discoverable credentials (ES256 by default, ES384 or RS256 on
//! request), "none" attestation, and knobs to break each rule the server must enforce.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{
    ECDSA_P256_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, EcdsaKeyPair, KeyPair,
    RSA_PKCS1_SHA256, RsaKeyPair,
};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;

/// The signature algorithm of new credentials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Algorithm {
    /// ECDSA on P-256 with SHA-256 (COSE -7).
    #[default]
    Es256,
    /// ECDSA on P-384 with SHA-384 (COSE -35).
    Es384,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (COSE -257), always with the same 2048-bit test key
    /// (ring cannot generate RSA keys).
    Rs256,
}

/// A credential's private key.
enum SigningKey {
    Ecdsa(EcdsaKeyPair, Algorithm),
    Rsa(RsaKeyPair),
}

/// The RSA test key, made for tests only.
const RSA_TEST_KEY: &[u8] = include_bytes!("../../latchkey-core/tests/fixtures/rsa-2048.pk8");

impl SigningKey {
    fn generate(algorithm: Algorithm) -> Result<Self, &'static str> {
        let rng = SystemRandom::new();
        let ecdsa = |alg| {
            let pkcs8 =
                EcdsaKeyPair::generate_pkcs8(alg, &rng).map_err(|_| "key generation failed")?;
            EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
                .map(|key| SigningKey::Ecdsa(key, algorithm))
                .map_err(|_| "key generation failed")
        };
        match algorithm {
            Algorithm::Es256 => ecdsa(&ECDSA_P256_SHA256_ASN1_SIGNING),
            Algorithm::Es384 => ecdsa(&ECDSA_P384_SHA384_ASN1_SIGNING),
            Algorithm::Rs256 => RsaKeyPair::from_pkcs8(RSA_TEST_KEY)
                .map(SigningKey::Rsa)
                .map_err(|_| "bad RSA test key"),
        }
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, &'static str> {
        let rng = SystemRandom::new();
        match self {
            SigningKey::Ecdsa(key, _) => key
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| "signing failed"),
            SigningKey::Rsa(key) => {
                let mut signature = vec![0; key.public().modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
                    .map_err(|_| "signing failed")?;
                Ok(signature)
            }
        }
    }

    /// The public key as a COSE_Key map (RFC 9053 §7).
    fn cose(&self) -> Cbor {
        let mut cose = BTreeMap::new();
        match self {
            SigningKey::Ecdsa(key, algorithm) => {
                let (alg, curve) = match algorithm {
                    Algorithm::Es384 => (-35, 2),
                    _ => (-7, 1),
                };
                // Uncompressed SEC1: 0x04, x, y.
                let point = key.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                cose.insert(Cbor::Integer(1), Cbor::Integer(2));
                cose.insert(Cbor::Integer(3), Cbor::Integer(alg));
                cose.insert(Cbor::Integer(-1), Cbor::Integer(curve));
                cose.insert(Cbor::Integer(-2), Cbor::Bytes(point[1..=size].to_vec()));
                cose.insert(Cbor::Integer(-3), Cbor::Bytes(point[1 + size..].to_vec()));
            }
            SigningKey::Rsa(key) => {
                let public: ring::rsa::PublicKeyComponents<Vec<u8>> = key.public().into();
                cose.insert(Cbor::Integer(1), Cbor::Integer(3));
                cose.insert(Cbor::Integer(3), Cbor::Integer(-257));
                cose.insert(Cbor::Integer(-1), Cbor::Bytes(public.n));
                cose.insert(Cbor::Integer(-2), Cbor::Bytes(public.e));
            }
        }
        Cbor::Map(cose)
    }
}

/// A credential as a WebAuthn server stores it after registration, both base64url.
#[derive(Debug, Clone)]
pub struct ExportedCredential {
    pub credential_id: String,
    /// The COSE_Key (RFC 9052) of the credential's public key.
    pub public_key: String,
    cose: BTreeMap<Cbor, Cbor>,
}

impl ExportedCredential {
    /// The COSE key (base64url) with member `label` set to the integer `value`: a key
    /// tampered with (another algorithm, another curve).
    pub fn public_key_with(&self, label: i128, value: i128) -> String {
        let mut cose = self.cose.clone();
        cose.insert(Cbor::Integer(label), Cbor::Integer(value));
        b64(&serde_cbor_2::to_vec(&Cbor::Map(cose)).unwrap_or_default())
    }
}

/// One stored credential.
#[derive(Clone)]
struct Credential {
    id: Vec<u8>,
    key: Arc<SigningKey>,
    rp_id: String,
    user_handle: Vec<u8>,
    counter: u32,
}

/// What a ceremony should do differently from a well-behaved authenticator.
#[derive(Debug, Clone, Default)]
pub struct Ceremony {
    /// `clientDataJSON.type` instead of the right one.
    pub client_data_type: Option<String>,
    /// Hash this RP ID instead of the options' one.
    pub rp_id: Option<String>,
    /// Sign a challenge other than the options' one.
    pub challenge: Option<Vec<u8>>,
    /// Report this counter instead of the next one.
    pub counter: Option<u32>,
    /// Send this user handle instead of the credential's.
    pub user_handle: Option<Option<Vec<u8>>>,
    /// Run in a cross-origin iframe under this top-level origin (`crossOrigin: true`).
    pub top_origin: Option<String>,
    /// Register the newest credential again (same id and key) instead of a new one,
    /// ignoring `excludeCredentials`, as a buggy or malicious client might.
    pub reuse_credential: bool,
}

/// A software passkey provider with its own credentials.
pub struct SoftAuthenticator {
    credentials: Vec<Credential>,
    pub aaguid: [u8; 16],
    /// User presence flag.
    pub user_present: bool,
    /// User verification flag.
    pub user_verified: bool,
    /// Backup eligibility and state flags.
    pub backup_eligible: bool,
    pub backup_state: bool,
    /// Whether counters are used (synced passkeys keep them at 0).
    pub use_counter: bool,
    /// The algorithm of credentials created from now on.
    pub algorithm: Algorithm,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(text).unwrap_or_default()
}

impl SoftAuthenticator {
    /// A device-bound authenticator with counters, UP and UV, and an all-zero AAGUID.
    pub fn new() -> Self {
        Self {
            credentials: Vec::new(),
            aaguid: [0; 16],
            user_present: true,
            user_verified: true,
            backup_eligible: false,
            backup_state: false,
            use_counter: true,
            algorithm: Algorithm::Es256,
        }
    }

    /// An authenticator that reports the given AAGUID (e.g. a known provider's).
    pub fn with_aaguid(aaguid: &str) -> Self {
        let hex: String = aaguid.chars().filter(|c| *c != '-').collect();
        let mut bytes = [0u8; 16];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("00"), 16).unwrap_or(0);
        }
        Self {
            aaguid: bytes,
            ..Self::new()
        }
    }

    fn flags(&self) -> u8 {
        let mut flags = 0;
        if self.user_present {
            flags |= UP;
        }
        if self.user_verified {
            flags |= UV;
        }
        if self.backup_eligible {
            flags |= BE;
        }
        if self.backup_state {
            flags |= BS;
        }
        flags
    }

    /// The id (base64url) of the newest credential.
    pub fn last_credential_id(&self) -> Option<String> {
        self.credentials.last().map(|c| b64(&c.id))
    }

    /// A credential made outside any ceremony here, as another WebAuthn server's
    /// registration left it (with that server's `user_handle`): its id and COSE public
    /// key, for importing. Its counter starts at 0.
    pub fn new_credential(
        &mut self,
        rp_id: &str,
        user_handle: &[u8],
    ) -> Result<ExportedCredential, &'static str> {
        let key = Arc::new(SigningKey::generate(self.algorithm)?);
        let id: Vec<u8> = (0..32).map(|_| rand::random::<u8>()).collect();
        let Cbor::Map(cose) = key.cose() else {
            return Err("cose");
        };
        let exported = ExportedCredential {
            credential_id: b64(&id),
            public_key: b64(&serde_cbor_2::to_vec(&Cbor::Map(cose.clone())).map_err(|_| "cbor")?),
            cose,
        };
        self.credentials.push(Credential {
            id,
            key,
            rp_id: rp_id.to_owned(),
            user_handle: user_handle.to_vec(),
            counter: 0,
        });
        Ok(exported)
    }

    /// `navigator.credentials.create()` answered as `PublicKeyCredential.toJSON()`.
    /// `Err` when a credential of this authenticator is excluded (InvalidStateError).
    pub fn create(
        &mut self,
        options_json: &str,
        origin: &str,
        how: &Ceremony,
    ) -> Result<Value, &'static str> {
        let options: Value =
            serde_json::from_str(options_json).map_err(|_| "options are not JSON")?;
        let rp_id = options["rp"]["id"].as_str().ok_or("no rp.id")?.to_owned();
        let excluded: Vec<Vec<u8>> = options["excludeCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str())
                    .map(unb64)
                    .collect()
            })
            .unwrap_or_default();
        if !how.reuse_credential
            && self
                .credentials
                .iter()
                .any(|c| c.rp_id == rp_id && excluded.contains(&c.id))
        {
            return Err("InvalidStateError");
        }
        let challenge = how
            .challenge
            .clone()
            .unwrap_or_else(|| unb64(options["challenge"].as_str().unwrap_or("")));
        let (key, id) = match (how.reuse_credential, self.credentials.last()) {
            (true, Some(last)) => (last.key.clone(), last.id.clone()),
            _ => (
                Arc::new(SigningKey::generate(self.algorithm)?),
                (0..32).map(|_| rand::random::<u8>()).collect(),
            ),
        };
        let counter = how.counter.unwrap_or(if self.use_counter { 1 } else { 0 });
        let cose = serde_cbor_2::to_vec(&key.cose()).map_err(|_| "cbor")?;
        let mut auth_data =
            Sha256::digest(how.rp_id.as_deref().unwrap_or(&rp_id).as_bytes()).to_vec();
        auth_data.push(self.flags() | AT);
        auth_data.extend(counter.to_be_bytes());
        auth_data.extend(self.aaguid);
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(cose);
        let mut attestation = BTreeMap::new();
        attestation.insert(Cbor::Text("fmt".into()), Cbor::Text("none".into()));
        attestation.insert(Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new()));
        attestation.insert(
            Cbor::Text("authData".into()),
            Cbor::Bytes(auth_data.clone()),
        );
        let attestation = serde_cbor_2::to_vec(&Cbor::Map(attestation)).map_err(|_| "cbor")?;
        let client_data = client_data(
            how.client_data_type.as_deref().unwrap_or("webauthn.create"),
            &challenge,
            origin,
            how.top_origin.as_deref(),
        );
        self.credentials.push(Credential {
            id: id.clone(),
            key,
            rp_id,
            user_handle: unb64(options["user"]["id"].as_str().unwrap_or("")),
            counter,
        });
        Ok(json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "attestationObject": b64(&attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
        }))
    }

    /// `navigator.credentials.get()` answered as `PublicKeyCredential.toJSON()`, with the
    /// newest credential for the RP that `allowCredentials` permits.
    pub fn get(
        &mut self,
        options_json: &str,
        origin: &str,
        how: &Ceremony,
    ) -> Result<Value, &'static str> {
        let options: Value =
            serde_json::from_str(options_json).map_err(|_| "options are not JSON")?;
        let rp_id = options["rpId"].as_str().ok_or("no rpId")?.to_owned();
        let allowed: Vec<Vec<u8>> = options["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str())
                    .map(unb64)
                    .collect()
            })
            .unwrap_or_default();
        let challenge = how
            .challenge
            .clone()
            .unwrap_or_else(|| unb64(options["challenge"].as_str().unwrap_or("")));
        let flags = self.flags();
        let use_counter = self.use_counter;
        let credential = self
            .credentials
            .iter_mut()
            .rev()
            .find(|c| c.rp_id == rp_id && (allowed.is_empty() || allowed.contains(&c.id)))
            .ok_or("NotAllowedError")?;
        if use_counter {
            credential.counter += 1;
        }
        let counter = how.counter.unwrap_or(credential.counter);
        let mut auth_data =
            Sha256::digest(how.rp_id.as_deref().unwrap_or(&rp_id).as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend(counter.to_be_bytes());
        let client_data = client_data(
            how.client_data_type.as_deref().unwrap_or("webauthn.get"),
            &challenge,
            origin,
            how.top_origin.as_deref(),
        );
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(client_data.as_bytes()));
        let signature = credential.key.sign(&signed)?;
        let user_handle = how
            .user_handle
            .clone()
            .unwrap_or_else(|| Some(credential.user_handle.clone()));
        Ok(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "response": {
                "clientDataJSON": b64(client_data.as_bytes()),
                "authenticatorData": b64(&auth_data),
                "signature": b64(&signature),
                "userHandle": user_handle.map(|h| b64(&h)),
            },
            "clientExtensionResults": {},
        }))
    }

    /// Forgets the newest credential's private key in favour of a clone with the given
    /// counter (a cloned authenticator lagging behind).
    pub fn set_counter(&mut self, counter: u32) {
        if let Some(c) = self.credentials.last_mut() {
            c.counter = counter;
        }
    }
}

fn client_data(kind: &str, challenge: &[u8], origin: &str, top_origin: Option<&str>) -> String {
    let mut data = json!({
        "type": kind, "challenge": b64(challenge), "origin": origin, "crossOrigin": top_origin.is_some(),
    });
    if let Some(top) = top_origin {
        data["topOrigin"] = top.into();
    }
    data.to_string()
}

/// Flips one bit of a base64url member of a credential's `response` (tampering).
pub fn flip_bit(credential: &mut Value, member: &str, byte: usize) {
    let mut bytes = unb64(credential["response"][member].as_str().unwrap_or(""));
    if let Some(b) = bytes.get_mut(byte) {
        *b ^= 0x01;
    }
    credential["response"][member] = Value::String(b64(&bytes));
}
