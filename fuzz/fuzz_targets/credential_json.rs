//! `public_key_credential` text as both a registration response and an assertion: any
//! input parses or is a format error, never a panic.
#![no_main]

use latchkey_core::ceremony::{parse_assertion, parse_registration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_registration(text);
        let _ = parse_assertion(text);
    }
});
