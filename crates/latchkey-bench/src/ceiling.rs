//! The ceiling: how many assertions Latchkey's verification (webauthn-rs, with the
//! credential and state decoding the server does) checks per second on one core, with
//! no HTTP and no database.

use latchkey_core::Settings;
use latchkey_core::ceremony::{Ceremonies, parse_assertion, parse_registration};
use latchkey_testkit::{Ceremony, SoftAuthenticator};
use std::time::{Duration, Instant};

/// Assertion verifications per second on this thread, measured for `duration`.
pub fn verifications_per_second(duration: Duration) -> f64 {
    let origin = "http://localhost:8080";
    let settings = Settings::for_url(url_of(origin));
    let ceremonies = Ceremonies::new(&settings);
    let mut authenticator = SoftAuthenticator::new();
    let registration = ceremonies
        .start_registration(&[7; 16], "bench", Vec::new())
        .expect("registration options");
    let created = authenticator
        .create(&registration.options_json, origin, &Ceremony::default())
        .expect("create");
    let response = parse_registration(&created.to_string()).expect("registration response");
    let stored = ceremonies
        .finish_registration(&response, &registration.state)
        .expect("registered")
        .credential;
    let request = ceremonies
        .start_authentication(Vec::new())
        .expect("request options");
    let assertion = authenticator
        .get(&request.options_json, origin, &Ceremony::default())
        .expect("get")
        .to_string();
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < duration {
        let parsed = parse_assertion(&assertion).expect("assertion");
        ceremonies
            .finish_authentication(&parsed, &request.state, &stored)
            .expect("verified");
        count += 1;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

fn url_of(origin: &str) -> latchkey_core::settings::Url {
    latchkey_core::settings::Url::parse(origin).expect("origin")
}
