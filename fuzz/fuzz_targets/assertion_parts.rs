//! The sign-in verifier's own parsing (`latchkey_core::assertion`): arbitrary client data,
//! authenticator data and signature bytes, verified against a real P-256 key and a
//! relying party. Refused or accepted, never a panic; and anything accepted passed every
//! rule the verifier owns.
#![no_main]

use latchkey_core::assertion::{self, AuthenticatorData, ClientData, Expected, PublicKey, RelyingParty};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use webauthn_rs_core::proto::{COSEAlgorithm, COSEEC2Key, COSEKey, COSEKeyType, ECDSACurve};

const ORIGIN: &str = "http://localhost:8080";

fn fixture() -> &'static (RelyingParty, PublicKey) {
    static STATE: OnceLock<(RelyingParty, PublicKey)> = OnceLock::new();
    STATE.get_or_init(|| {
        let rp = RelyingParty::new("localhost", &[url::Url::parse(ORIGIN).expect("url")]);
        // The P-256 generator point: a valid public key.
        let x = hex(b"6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
        let y = hex(b"4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
        let cose = COSEKey {
            type_: COSEAlgorithm::ES256,
            key: COSEKeyType::EC_EC2(COSEEC2Key { curve: ECDSACurve::SECP256R1, x, y }),
        };
        (rp, PublicKey::from_cose(&cose).expect("key"))
    })
}

fn hex(text: &[u8]) -> Vec<u8> {
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("ascii"), 16).expect("hex"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    // Layout: client data length (2 bytes), authenticator data length (2 bytes), stored
    // counter (1 byte), then client data, authenticator data, and the signature.
    let [a, b, c, d, counter, rest @ ..] = data else { return };
    let client_len = usize::from(u16::from_be_bytes([*a, *b])).min(rest.len());
    let (client, rest) = rest.split_at(client_len);
    let auth_len = usize::from(u16::from_be_bytes([*c, *d])).min(rest.len());
    let (auth, signature) = rest.split_at(auth_len);
    let _ = ClientData::parse(client);
    let _ = AuthenticatorData::parse(auth);
    let (rp, key) = fixture();
    let expected = Expected {
        challenge: &[0; 32],
        user_verification: true,
        counter: u32::from(*counter),
    };
    if let Ok(verified) = assertion::verify(rp, &expected, Some(key), client, auth, signature) {
        let counter = u32::from(*counter);
        assert!(verified.user_verified);
        assert!(verified.counter > counter || (verified.counter == 0 && counter == 0));
    }
});
