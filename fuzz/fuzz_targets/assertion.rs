//! Assertions (client data, authenticator data, signature, user handle) verified against
//! a real registered credential and request state: refused or accepted, never a panic.
#![no_main]

use latchkey_core::Settings;
use latchkey_core::ceremony::{Ceremonies, parse_assertion, parse_registration};
use latchkey_testkit::{Ceremony, SoftAuthenticator};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const ORIGIN: &str = "http://localhost:8080";

fn fixture() -> &'static (Ceremonies, String, String) {
    static STATE: OnceLock<(Ceremonies, String, String)> = OnceLock::new();
    STATE.get_or_init(|| {
        let settings = Settings::for_url(url::Url::parse(ORIGIN).expect("url"));
        let ceremonies = Ceremonies::new(&settings);
        let registration = ceremonies.start_registration(&[1; 16], "fuzz", Vec::new()).expect("options");
        let created = SoftAuthenticator::new().create(&registration.options_json, ORIGIN, &Ceremony::default()).expect("create");
        let response = parse_registration(&created.to_string()).expect("response");
        let stored = ceremonies.finish_registration(&response, &registration.state).expect("registered").credential;
        let request = ceremonies.start_authentication(Vec::new()).expect("request");
        (ceremonies, request.state, stored)
    })
}

fuzz_target!(|data: &[u8]| {
    let (ceremonies, state, stored) = fixture();
    if let Ok(assertion) = std::str::from_utf8(data).map_err(|_| ()).and_then(|t| parse_assertion(t).map_err(|_| ())) {
        let _ = ceremonies.finish_authentication(&assertion, state, stored, None);
    }
});
