//! Differential property test: the sign-in verifier (`latchkey_core::assertion`, on ring)
//! against webauthn-rs 0.6, which verified sign-ins before and still verifies
//! registrations. Each case registers nothing new: it takes a credential registered
//! through webauthn-rs, sets its stored counter and flags, builds a valid assertion and
//! applies one mutation (a member of client data, authenticator data, flags, counter,
//! signature, key type, encoding), then asks both verifiers.
//!
//! They must give the same verdict — accepted (with the same counter and backup flags),
//! refused as another challenge's, or refused as invalid — with two intended
//! differences, both on the origin:
//! - client data must name an allowed origin exactly; webauthn-rs compares parsed URLs,
//!   so it also accepts `http://localhost:8080/`, `HTTP://LOCALHOST:8080`, a path, a
//!   userinfo or a default port. Where webauthn-rs accepts such an origin, ours refuses.
//! - a `topOrigin` must be an allowed origin too; webauthn-rs ignores the member.
//!
//! webauthn-rs 0.6 cannot verify Ed25519 (and so refuses EdDSA keys at registration), so
//! an EdDSA case is held to the verdict webauthn-rs gives on its ES256 twin: the same
//! mutation of the same assertion, signed with a P-256 key.
//!
//! The RSA key in `fixtures/rsa-2048.pk8` is a test key made for this test (ring cannot
//! generate RSA keys).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::Settings;
use latchkey_core::assertion::PublicKey;
use latchkey_core::ceremony::{
    Ceremonies, Challenge, parse_assertion, parse_registration, webauthn_rs,
};
use latchkey_core::error::Error;
use latchkey_core::settings::{Url, UserVerification};
use proptest::prelude::*;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_cbor_2::Value as Cbor;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    Authentication, AuthenticationState, COSEAlgorithm, COSEKey, COSEKeyType, COSEOKPKey,
    Credential, EDDSACurve, UserVerificationPolicy,
};

const ORIGIN: &str = "http://localhost:8080";
const RP_ID: &str = "localhost";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Es256,
    Es384,
    Rs256,
    EdDsa,
}

const KINDS: [Kind; 4] = [Kind::Es256, Kind::Es384, Kind::Rs256, Kind::EdDsa];

enum Signer {
    Ecdsa(EcdsaKeyPair, i64, i64),
    Rsa(RsaKeyPair),
    Ed(Ed25519KeyPair),
}

impl Signer {
    fn new(kind: Kind) -> Self {
        let rng = SystemRandom::new();
        let ecdsa = |alg, cose_alg, curve| {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("pkcs8");
            let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("key");
            Signer::Ecdsa(key, cose_alg, curve)
        };
        match kind {
            Kind::Es256 => ecdsa(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, -7, 1),
            Kind::Es384 => ecdsa(&signature::ECDSA_P384_SHA384_ASN1_SIGNING, -35, 2),
            Kind::Rs256 => Signer::Rsa(
                RsaKeyPair::from_pkcs8(include_bytes!("fixtures/rsa-2048.pk8")).expect("rsa"),
            ),
            Kind::EdDsa => {
                let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).expect("pkcs8");
                Signer::Ed(Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("key"))
            }
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = SystemRandom::new();
        match self {
            Signer::Ecdsa(key, _, _) => key.sign(&rng, message).expect("sign").as_ref().to_vec(),
            Signer::Rsa(key) => {
                let mut out = vec![0; key.public().modulus_len()];
                key.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .expect("sign");
                out
            }
            Signer::Ed(key) => key.sign(message).as_ref().to_vec(),
        }
    }

    /// The credential public key as a COSE map (RFC 9053).
    fn cose(&self) -> Cbor {
        let mut map = BTreeMap::new();
        match self {
            Signer::Ecdsa(key, alg, curve) => {
                let point = key.public_key().as_ref();
                let size = (point.len() - 1) / 2;
                map.insert(Cbor::Integer(1), Cbor::Integer(2));
                map.insert(Cbor::Integer(3), Cbor::Integer(i128::from(*alg)));
                map.insert(Cbor::Integer(-1), Cbor::Integer(i128::from(*curve)));
                map.insert(Cbor::Integer(-2), Cbor::Bytes(point[1..=size].to_vec()));
                map.insert(Cbor::Integer(-3), Cbor::Bytes(point[1 + size..].to_vec()));
            }
            Signer::Rsa(key) => {
                let public = key.public();
                let components: ring::rsa::PublicKeyComponents<Vec<u8>> = public.into();
                map.insert(Cbor::Integer(1), Cbor::Integer(3));
                map.insert(Cbor::Integer(3), Cbor::Integer(-257));
                map.insert(Cbor::Integer(-1), Cbor::Bytes(components.n));
                map.insert(Cbor::Integer(-2), Cbor::Bytes(components.e));
            }
            Signer::Ed(key) => {
                map.insert(Cbor::Integer(1), Cbor::Integer(1));
                map.insert(Cbor::Integer(3), Cbor::Integer(-8));
                map.insert(Cbor::Integer(-1), Cbor::Integer(6));
                map.insert(
                    Cbor::Integer(-2),
                    Cbor::Bytes(key.public_key().as_ref().to_vec()),
                );
            }
        }
        Cbor::Map(map)
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// One relying party, verified both ways, with a registered credential per key kind.
struct Fixture {
    /// Ceremonies (ours) and webauthn-rs, for UV required and preferred.
    ceremonies: [Ceremonies; 2],
    webauthn: [WebauthnCore; 2],
    signers: Vec<(Kind, Signer, Signer)>,
    /// The stored credential of each kind (serialised webauthn-rs `Credential`).
    credentials: Vec<(Kind, Credential)>,
}

fn settings(uv: UserVerification) -> Settings {
    let mut settings = Settings::for_url(Url::parse(ORIGIN).expect("url"));
    settings.user_verification = uv;
    settings
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let required = settings(UserVerification::Required);
        let preferred = settings(UserVerification::Preferred);
        let ceremonies = [Ceremonies::new(&required), Ceremonies::new(&preferred)];
        let webauthn = [webauthn_rs(&required), webauthn_rs(&preferred)];
        let signers: Vec<_> = KINDS
            .iter()
            // There is one RSA test key: another RSA key is a P-256 one.
            .map(|k| {
                let other = if *k == Kind::Rs256 { Kind::Es256 } else { *k };
                (*k, Signer::new(*k), Signer::new(other))
            })
            .collect();
        let credentials = KINDS
            .iter()
            .map(|kind| {
                let signer = &signers.iter().find(|s| s.0 == *kind).expect("signer").1;
                (*kind, register(&ceremonies[0], *kind, signer))
            })
            .collect();
        Fixture {
            ceremonies,
            webauthn,
            signers,
            credentials,
        }
    })
}

/// Registers `signer`'s key through webauthn-rs ("none" attestation). webauthn-rs refuses
/// EdDSA keys, so an EdDSA credential is an ES256 registration with its key replaced.
fn register(ceremonies: &Ceremonies, kind: Kind, signer: &Signer) -> Credential {
    let id = vec![kind as u8 + 1; 16];
    let cose = match kind {
        Kind::EdDsa => Signer::new(Kind::Es256).cose(),
        _ => signer.cose(),
    };
    let options = ceremonies
        .start_registration(&[9; 16], "ada", Vec::new())
        .expect("options");
    let challenge =
        serde_json::from_str::<Value>(&options.options_json).expect("json")["challenge"]
            .as_str()
            .expect("challenge")
            .to_owned();
    let mut auth_data = Sha256::digest(RP_ID.as_bytes()).to_vec();
    auth_data.push(0x45); // UP, UV, AT
    auth_data.extend(0u32.to_be_bytes());
    auth_data.extend([0; 16]);
    auth_data.extend((id.len() as u16).to_be_bytes());
    auth_data.extend(&id);
    auth_data.extend(serde_cbor_2::to_vec(&cose).expect("cbor"));
    let mut attestation = BTreeMap::new();
    attestation.insert(Cbor::Text("fmt".into()), Cbor::Text("none".into()));
    attestation.insert(Cbor::Text("attStmt".into()), Cbor::Map(BTreeMap::new()));
    attestation.insert(Cbor::Text("authData".into()), Cbor::Bytes(auth_data));
    let client_data =
        json!({ "type": "webauthn.create", "challenge": challenge, "origin": ORIGIN });
    let response = json!({
        "id": b64(&id), "rawId": b64(&id), "type": "public-key",
        "response": {
            "clientDataJSON": b64(client_data.to_string().as_bytes()),
            "attestationObject": b64(&serde_cbor_2::to_vec(&Cbor::Map(attestation)).expect("cbor")),
        },
        "clientExtensionResults": {},
    });
    let response = parse_registration(&response.to_string()).expect("registration");
    let registered = ceremonies
        .finish_registration(&response, &options.state)
        .expect("registered");
    let mut credential: Credential = serde_json::from_str(&registered.credential).expect("json");
    if kind == Kind::EdDsa {
        let Cbor::Map(map) = signer.cose() else {
            unreachable!("a COSE key is a map")
        };
        let Some(Cbor::Bytes(x)) = map.get(&Cbor::Integer(-2)) else {
            unreachable!("an OKP key has x")
        };
        credential.cred = COSEKey {
            type_: COSEAlgorithm::EDDSA,
            key: COSEKeyType::EC_OKP(COSEOKPKey {
                curve: EDDSACurve::ED25519,
                x: x.clone(),
            }),
        };
    } else {
        assert_eq!(
            registered.public_key,
            PublicKey::from_cose(&credential.cred)
                .ok()
                .map(|k| k.encode()),
            "registration stores the converted key"
        );
    }
    credential
}

#[derive(Debug, Clone)]
enum Mutation {
    None,
    /// `type` set to this JSON value.
    Type(Value),
    /// `challenge` set to this JSON value (`None`: the right challenge with `=` padding).
    Challenge(Option<Value>),
    /// The challenge of another attempt.
    OtherChallenge,
    Origin(String),
    TopOrigin(Value),
    CrossOrigin(Value),
    TokenBinding(Value),
    /// A member client data may carry and the verifier ignores.
    ExtraMember,
    /// Client data that is not one JSON object (or not UTF-8).
    RawClientData(usize),
    /// A member (`type`, `challenge` or `origin`) left out.
    MissingMember(usize),
    RpId(String),
    /// Bytes after the fixed authenticator data, with the flags they need.
    AuthTail(usize),
    /// Signed authenticator data cut to this length.
    Truncated(usize),
    /// A byte of authenticator data or client data changed after signing.
    TamperAuthData(usize, u8),
    TamperClientData(usize, u8),
    Signature(usize, usize),
    /// Signed by another key of the same kind.
    OtherKey,
    /// The stored credential has a key of another kind.
    StoredKind(usize),
}

const ORIGINS: &[&str] = &[
    "http://localhost:8080/",
    "HTTP://localhost:8080",
    "http://LOCALHOST:8080",
    "http://localhost:8080/path",
    "http://localhost:8080?",
    "http://localhost:8080#x",
    "http://user@localhost:8080",
    "http://localhost:08080",
    "http://localhost:8081",
    "https://localhost:8080",
    "http://localhost",
    "http://localhost:8080.evil.example",
    "http://127.0.0.1:8080",
    "null",
    "not a url",
    "",
    " http://localhost:8080",
];

fn json_values() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(true)),
        Just(json!(false)),
        Just(json!(1)),
        Just(json!("yes")),
        Just(json!(ORIGIN)),
        Just(json!("http://localhost:8080/")),
        Just(json!("https://evil.example")),
        Just(json!({ "status": "present" })),
        Just(json!({ "status": "supported", "id": "abc" })),
        Just(json!({ "id": "abc" })),
        Just(json!([])),
    ]
}

fn mutations() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        8 => Just(Mutation::None),
        1 => prop_oneof![
            Just(json!("webauthn.create")),
            Just(json!("webauthn.GET")),
            Just(json!("")),
            Just(json!(7)),
            Just(Value::Null),
        ].prop_map(Mutation::Type),
        1 => prop_oneof![
            Just(None),
            Just(Some(json!("AAAA"))),
            Just(Some(json!("!!"))),
            Just(Some(json!(""))),
            Just(Some(json!(12))),
            Just(Some(Value::Null)),
        ].prop_map(Mutation::Challenge),
        1 => Just(Mutation::OtherChallenge),
        2 => proptest::sample::select(ORIGINS).prop_map(|o| Mutation::Origin(o.to_owned())),
        1 => json_values().prop_map(Mutation::TopOrigin),
        1 => json_values().prop_map(Mutation::CrossOrigin),
        1 => json_values().prop_map(Mutation::TokenBinding),
        1 => Just(Mutation::ExtraMember),
        1 => (0..5usize).prop_map(Mutation::RawClientData),
        1 => (0..3usize).prop_map(Mutation::MissingMember),
        1 => prop_oneof![Just("localhost.".to_owned()), Just("LOCALHOST".to_owned()), Just("example.com".to_owned()), Just(String::new())].prop_map(Mutation::RpId),
        2 => (0..9usize).prop_map(Mutation::AuthTail),
        1 => (0..37usize).prop_map(Mutation::Truncated),
        1 => (0..37usize, 1..=255u8).prop_map(|(i, x)| Mutation::TamperAuthData(i, x)),
        1 => (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Mutation::TamperClientData(i, x)),
        2 => (0..8usize, any::<usize>()).prop_map(|(how, at)| Mutation::Signature(how, at)),
        1 => Just(Mutation::OtherKey),
        1 => (1..4usize).prop_map(Mutation::StoredKind),
    ]
}

/// The stored state of the credential and the policy of the relying party.
#[derive(Debug, Clone)]
struct Stored {
    uv_required: bool,
    registered_policy_required: bool,
    registered_uv: bool,
    counter: u32,
    backup_eligible: bool,
    backup_state: bool,
}

fn counters() -> impl Strategy<Value = u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(2),
        Just(41),
        Just(u32::MAX),
        any::<u32>()
    ]
}

fn stored() -> impl Strategy<Value = Stored> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        counters(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, c, counter, be, bs)| Stored {
            uv_required: a,
            registered_policy_required: b,
            registered_uv: c,
            counter,
            backup_eligible: be,
            backup_state: bs,
        })
}

/// Flags: UP and UV with any backup flags; the same without UP or without UV; any byte.
fn flags() -> impl Strategy<Value = u8> {
    let valid = (any::<bool>(), any::<bool>())
        .prop_map(|(be, bs)| 0x05 | if be { 0x08 } else { 0 } | if bs { 0x10 } else { 0 });
    prop_oneof![
        3 => valid.clone(),
        1 => valid.clone().prop_map(|f| f & !0x01),
        1 => valid.prop_map(|f| f & !0x04),
        1 => any::<u8>(),
    ]
}

/// The counter the authenticator reports, relative to the stored one.
fn next_counter() -> impl Strategy<Value = (u8, u32)> {
    (0..5u8, any::<u32>())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Accepted {
        counter: u32,
        backup_eligible: bool,
        backup_state: bool,
    },
    OtherChallenge,
    Invalid,
}

/// The assertion of one case, signed by the signer of `kind`.
struct Built {
    assertion: String,
    state: String,
    stored: String,
    public_key: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn build(
    fixture: &Fixture,
    request: &Challenge,
    kind: Kind,
    stored: &Stored,
    flags: u8,
    (how, raw): (u8, u32),
    mutation: &Mutation,
) -> Built {
    let challenge =
        serde_json::from_str::<Value>(&request.options_json).expect("json")["challenge"]
            .as_str()
            .expect("challenge")
            .to_owned();
    let (_, signer, other) = fixture
        .signers
        .iter()
        .find(|s| s.0 == kind)
        .expect("signer");
    let stored_kind = match mutation {
        Mutation::StoredKind(n) => {
            KINDS[(KINDS.iter().position(|k| *k == kind).unwrap_or(0) + n) % 4]
        }
        _ => kind,
    };
    let mut credential = fixture
        .credentials
        .iter()
        .find(|c| c.0 == stored_kind)
        .expect("credential")
        .1
        .clone();
    let own_id = fixture
        .credentials
        .iter()
        .find(|c| c.0 == kind)
        .expect("credential")
        .1
        .cred_id
        .clone();
    credential.cred_id = own_id.clone();
    credential.counter = stored.counter;
    credential.user_verified = stored.registered_uv;
    credential.registration_policy = if stored.registered_policy_required {
        UserVerificationPolicy::Required
    } else {
        UserVerificationPolicy::Preferred
    };
    credential.backup_eligible = stored.backup_eligible;
    credential.backup_state = stored.backup_state;
    let counter = match how {
        0 => 0,
        1 => stored.counter,
        2 => stored.counter.saturating_add(1),
        3 => stored.counter.saturating_sub(1),
        _ => raw,
    };

    let mut members = serde_json::Map::new();
    members.insert("type".into(), json!("webauthn.get"));
    members.insert("challenge".into(), json!(challenge));
    members.insert("origin".into(), json!(ORIGIN));
    members.insert("crossOrigin".into(), json!(false));
    match mutation {
        Mutation::Type(v) => {
            members.insert("type".into(), v.clone());
        }
        Mutation::Challenge(None) => {
            members.insert("challenge".into(), json!(format!("{challenge}=")));
        }
        Mutation::Challenge(Some(v)) => {
            members.insert("challenge".into(), v.clone());
        }
        Mutation::OtherChallenge => {
            members.insert("challenge".into(), json!(b64(&[7; 32])));
        }
        Mutation::Origin(o) => {
            members.insert("origin".into(), json!(o));
        }
        Mutation::TopOrigin(v) => {
            members.insert("topOrigin".into(), v.clone());
        }
        Mutation::CrossOrigin(v) => {
            members.insert("crossOrigin".into(), v.clone());
        }
        Mutation::TokenBinding(v) => {
            members.insert("tokenBinding".into(), v.clone());
        }
        Mutation::ExtraMember => {
            members.insert(
                "other_keys_can_be_added_here".into(),
                json!("do not compare clientDataJSON against a template"),
            );
        }
        Mutation::MissingMember(i) => {
            members.remove(["type", "challenge", "origin"][*i]);
        }
        _ => {}
    }
    let mut client_data = Value::Object(members.clone()).to_string().into_bytes();
    if let Mutation::RawClientData(i) = mutation {
        client_data = match i {
            0 => Value::Array(members.values().cloned().collect())
                .to_string()
                .into_bytes(),
            1 => [b" \n".as_slice(), &client_data].concat(),
            2 => [client_data.as_slice(), b"x"].concat(),
            3 => [client_data.as_slice(), &[0xff]].concat(),
            // A duplicate `type` member.
            _ => [b"{\"type\":\"webauthn.get\",".as_slice(), &client_data[1..]].concat(),
        };
    }

    let rp_id = match mutation {
        Mutation::RpId(id) => id.as_str(),
        _ => RP_ID,
    };
    let mut flags = flags;
    let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
    let mut tail = Vec::new();
    if let Mutation::AuthTail(i) = mutation {
        let mut extensions = BTreeMap::new();
        extensions.insert(Cbor::Text("credProtect".into()), Cbor::Integer(2));
        let extensions = serde_cbor_2::to_vec(&Cbor::Map(extensions)).expect("cbor");
        let mut attested = vec![0; 16];
        attested.extend(4u16.to_be_bytes());
        attested.extend([1, 2, 3, 4]);
        attested.extend(serde_cbor_2::to_vec(&signer.cose()).expect("cbor"));
        let (bits, bytes) = match i {
            0 => (0x80, extensions),
            1 => (0x80, vec![0xa0]),
            2 => (0x80, vec![0x01]),
            3 => (0x80, vec![0xa1, 0x01, 0x02]),
            4 => (0x80, vec![0xa1]),
            5 => (0x40, attested.clone()),
            6 => (0x40, attested[..20].to_vec()),
            7 => (0xc0, [attested, extensions].concat()),
            _ => (0, vec![0xde, 0xad]),
        };
        flags |= bits;
        tail = bytes;
    }
    auth_data.push(flags);
    auth_data.extend(counter.to_be_bytes());
    auth_data.extend(tail);
    if let Mutation::Truncated(n) = mutation {
        auth_data.truncate(*n);
    }

    let message = [auth_data.as_slice(), &Sha256::digest(&client_data)[..]].concat();
    let mut signature = match mutation {
        Mutation::OtherKey => other.sign(&message),
        _ => signer.sign(&message),
    };
    match mutation {
        Mutation::TamperAuthData(i, x) => {
            if let Some(b) = auth_data.get_mut(*i) {
                *b ^= x;
            }
        }
        Mutation::TamperClientData(i, x) => {
            let i = i % client_data.len();
            client_data[i] ^= x;
        }
        Mutation::Signature(how, at) => {
            let at = at % signature.len();
            match how {
                0 => signature[at] ^= 1,
                1 => signature.truncate(at),
                2 => signature.push(0),
                3 => signature.clear(),
                4 => signature.insert(at, 0),
                // DER: an INTEGER with a needless leading zero byte.
                5 if signature.len() > 4 => {
                    signature[1] = signature[1].wrapping_add(1);
                    signature[3] = signature[3].wrapping_add(1);
                    signature.insert(4, 0);
                }
                // DER: the SEQUENCE length in long form.
                6 if signature.len() > 2 => {
                    signature.insert(1, 0x81);
                }
                _ => signature = vec![0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
            }
        }
        _ => {}
    }

    let assertion = json!({
        "id": b64(&own_id), "rawId": b64(&own_id), "type": "public-key",
        "response": {
            "clientDataJSON": b64(&client_data),
            "authenticatorData": b64(&auth_data),
            "signature": b64(&signature),
            "userHandle": b64(&[9; 16]),
        },
        "clientExtensionResults": {},
    });
    Built {
        assertion: assertion.to_string(),
        state: request.state.clone(),
        public_key: PublicKey::from_cose(&credential.cred)
            .ok()
            .map(|k| k.encode()),
        stored: serde_json::to_string(&credential).expect("json"),
    }
}

/// webauthn-rs's verdict, reached as sign-in reached it before: the stored
/// backup-eligibility flag aligned with the assertion's, then
/// `authenticate_single_credential`, the counter kept at the maximum.
fn webauthn_rs_verdict(webauthn: &WebauthnCore, built: &Built) -> Verdict {
    let assertion = parse_assertion(&built.assertion).expect("assertion");
    let state: AuthenticationState = serde_json::from_str(&built.state).expect("state");
    let mut credential: Credential = serde_json::from_str(&built.stored).expect("stored");
    let Ok(flags) = AuthenticatorData::<Authentication>::try_from(
        assertion.response.authenticator_data.as_slice(),
    ) else {
        return Verdict::Invalid;
    };
    credential.backup_eligible = flags.backup_eligible;
    match webauthn.authenticate_single_credential(&assertion, &state, &credential) {
        Ok(result) => Verdict::Accepted {
            counter: credential.counter.max(result.counter()),
            backup_eligible: result.backup_eligible(),
            backup_state: result.backup_state(),
        },
        Err(WebauthnError::MismatchedChallenge) => Verdict::OtherChallenge,
        Err(_) => Verdict::Invalid,
    }
}

fn our_verdict(ceremonies: &Ceremonies, built: &Built, public_key: Option<&str>) -> Verdict {
    let assertion = parse_assertion(&built.assertion).expect("assertion");
    match ceremonies.finish_authentication(&assertion, &built.state, &built.stored, public_key) {
        Ok(used) => {
            let credential: Credential = serde_json::from_str(&used.credential).expect("json");
            assert_eq!(
                used.public_key.is_some(),
                public_key.is_none(),
                "a key converted on the way is returned for storing"
            );
            Verdict::Accepted {
                counter: credential.counter,
                backup_eligible: credential.backup_eligible,
                backup_state: credential.backup_state,
            }
        }
        Err(Error::ChallengeMismatch) => Verdict::OtherChallenge,
        Err(Error::InvalidCredential(_)) => Verdict::Invalid,
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

/// Whether the mutation is one where ours is stricter on purpose (module doc).
fn stricter_origin(mutation: &Mutation) -> bool {
    match mutation {
        Mutation::Origin(origin) => origin != ORIGIN,
        Mutation::TopOrigin(value) => !value.is_null() && value != &json!(ORIGIN),
        _ => false,
    }
}

fn check(kind: Kind, stored: Stored, flags: u8, counter: (u8, u32), mutation: Mutation) {
    let fixture = fixture();
    let policy = usize::from(!stored.uv_required);
    let request = fixture.ceremonies[policy]
        .start_authentication(Vec::new())
        .expect("request");
    let built = build(fixture, &request, kind, &stored, flags, counter, &mutation);
    let reference = if kind == Kind::EdDsa {
        let twin = build(
            fixture,
            &request,
            Kind::Es256,
            &stored,
            flags,
            counter,
            &mutation,
        );
        webauthn_rs_verdict(&fixture.webauthn[policy], &twin)
    } else {
        webauthn_rs_verdict(&fixture.webauthn[policy], &built)
    };
    let ours = our_verdict(
        &fixture.ceremonies[policy],
        &built,
        built.public_key.as_deref(),
    );
    let lazily = our_verdict(&fixture.ceremonies[policy], &built, None);
    assert_eq!(ours, lazily, "a stored key and a converted one agree");
    let expected = match reference {
        Verdict::Accepted { .. } if stricter_origin(&mutation) => Verdict::Invalid,
        other => other,
    };
    assert_eq!(
        ours, expected,
        "{kind:?} {mutation:?} {stored:?} flags {flags:#04x} (webauthn-rs: {reference:?})"
    );
}

proptest! {
    // 256 cases per key kind in CI; `PROPTEST_CASES=100000` for a long run by hand.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn es256_verdicts_match_webauthn_rs(s in stored(), f in flags(), c in next_counter(), m in mutations()) {
        check(Kind::Es256, s, f, c, m);
    }

    #[test]
    fn es384_verdicts_match_webauthn_rs(s in stored(), f in flags(), c in next_counter(), m in mutations()) {
        check(Kind::Es384, s, f, c, m);
    }

    #[test]
    fn rs256_verdicts_match_webauthn_rs(s in stored(), f in flags(), c in next_counter(), m in mutations()) {
        check(Kind::Rs256, s, f, c, m);
    }

    #[test]
    fn eddsa_verdicts_match_webauthn_rs_on_the_es256_twin(s in stored(), f in flags(), c in next_counter(), m in mutations()) {
        check(Kind::EdDsa, s, f, c, m);
    }
}

/// A valid assertion of every kind is accepted, so the property above does not pass by
/// refusing everything.
#[test]
fn valid_assertions_of_every_kind_are_accepted() {
    let fixture = fixture();
    let stored = Stored {
        uv_required: true,
        registered_policy_required: true,
        registered_uv: true,
        counter: 4,
        backup_eligible: false,
        backup_state: false,
    };
    for kind in KINDS {
        let request = fixture.ceremonies[0]
            .start_authentication(Vec::new())
            .expect("request");
        let built = build(
            fixture,
            &request,
            kind,
            &stored,
            0x05,
            (2, 0),
            &Mutation::None,
        );
        let verdict = our_verdict(&fixture.ceremonies[0], &built, built.public_key.as_deref());
        assert_eq!(
            verdict,
            Verdict::Accepted {
                counter: 5,
                backup_eligible: false,
                backup_state: false
            },
            "{kind:?}"
        );
    }
}
