//! Registration responses (client data JSON, attestation CBOR, authenticator data) verified
//! against a real ceremony state: every input is refused or accepted, never a panic.
#![no_main]

use latchkey_core::Settings;
use latchkey_core::ceremony::{Ceremonies, parse_registration};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn ceremony() -> &'static (Ceremonies, String) {
    static STATE: OnceLock<(Ceremonies, String)> = OnceLock::new();
    STATE.get_or_init(|| {
        let settings = Settings::for_url(url::Url::parse("http://localhost:8080").expect("url"));
        let ceremonies = Ceremonies::new(&settings);
        let challenge = ceremonies.start_registration(&[1; 16], "fuzz", Vec::new()).expect("options");
        (ceremonies, challenge.state)
    })
}

fuzz_target!(|data: &[u8]| {
    let (ceremonies, state) = ceremony();
    if let Ok(response) = std::str::from_utf8(data).map_err(|_| ()).and_then(|t| parse_registration(t).map_err(|_| ())) {
        let _ = ceremonies.finish_registration(&response, state);
    }
});
