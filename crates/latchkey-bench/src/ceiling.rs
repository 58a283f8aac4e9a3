//! The ceiling: how many assertions per second sign-in verification checks on one core,
//! with no HTTP and no database — Latchkey's verifier (ring) and, measured in the same
//! run for comparison, webauthn-rs 0.6's, which verified sign-ins before. Both include
//! the decoding the server does (the credential JSON, the ceremony state, the stored
//! credential).

use latchkey_core::Settings;
use latchkey_core::ceremony::{Ceremonies, parse_assertion, parse_registration, webauthn_rs};
use latchkey_testkit::{Ceremony, SoftAuthenticator};
use std::time::{Duration, Instant};
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{Authentication, AuthenticationState, Credential};

/// Assertions verified per second on this thread by each verifier.
pub struct Ceiling {
    /// Latchkey's sign-in verifier.
    pub latchkey: f64,
    /// webauthn-rs's `authenticate_single_credential`, as sign-in called it before.
    pub webauthn_rs: f64,
}

/// Measures both verifiers for `duration` each, in alternating slices so that a change
/// of clock speed during the run weighs on both alike.
pub fn measure(duration: Duration) -> Ceiling {
    let origin = "http://localhost:8080";
    let settings = Settings::for_url(url_of(origin));
    let ceremonies = Ceremonies::new(&settings);
    let webauthn = webauthn_rs(&settings);
    let mut authenticator = SoftAuthenticator::new();
    let registration = ceremonies
        .start_registration(&[7; 16], "bench", Vec::new())
        .expect("registration options");
    let created = authenticator
        .create(&registration.options_json, origin, &Ceremony::default())
        .expect("create");
    let response = parse_registration(&created.to_string()).expect("registration response");
    let registered = ceremonies
        .finish_registration(&response, &registration.state)
        .expect("registered");
    let (stored, public_key) = (registered.credential, registered.public_key);
    let request = ceremonies
        .start_authentication(Vec::new())
        .expect("request options");
    let assertion = authenticator
        .get(&request.options_json, origin, &Ceremony::default())
        .expect("get")
        .to_string();

    let ours = || {
        let parsed = parse_assertion(&assertion).expect("assertion");
        ceremonies
            .finish_authentication(&parsed, &request.state, &stored, public_key.as_deref())
            .expect("verified");
    };
    let theirs = || {
        let parsed = parse_assertion(&assertion).expect("assertion");
        let state: AuthenticationState = serde_json::from_str(&request.state).expect("state");
        let mut credential: Credential = serde_json::from_str(&stored).expect("credential");
        let flags = AuthenticatorData::<Authentication>::try_from(
            parsed.response.authenticator_data.as_slice(),
        )
        .expect("authenticator data");
        credential.backup_eligible = flags.backup_eligible;
        let result = webauthn
            .authenticate_single_credential(&parsed, &state, &credential)
            .expect("verified");
        credential.counter = credential.counter.max(result.counter());
        credential.backup_state = result.backup_state();
        serde_json::to_string(&credential).expect("credential");
    };

    const SLICES: u32 = 10;
    let slice = duration / SLICES;
    let (mut ours_count, mut ours_time) = (0u64, Duration::ZERO);
    let (mut theirs_count, mut theirs_time) = (0u64, Duration::ZERO);
    for _ in 0..SLICES {
        let (count, took) = run_for(slice, &ours);
        ours_count += count;
        ours_time += took;
        let (count, took) = run_for(slice, &theirs);
        theirs_count += count;
        theirs_time += took;
    }
    Ceiling {
        latchkey: ours_count as f64 / ours_time.as_secs_f64(),
        webauthn_rs: theirs_count as f64 / theirs_time.as_secs_f64(),
    }
}

/// Runs `verify` repeatedly for about `duration`: how many times, and how long it took.
fn run_for(duration: Duration, verify: &dyn Fn()) -> (u64, Duration) {
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < duration {
        verify();
        count += 1;
    }
    (count, started.elapsed())
}

fn url_of(origin: &str) -> latchkey_core::settings::Url {
    latchkey_core::settings::Url::parse(origin).expect("origin")
}
