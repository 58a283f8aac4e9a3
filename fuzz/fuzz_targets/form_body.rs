//! Request bodies as JSON and as `application/x-www-form-urlencoded`.
#![no_main]

use latchkey_server::http::extract::Fields;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for content_type in [Some("application/json"), Some("application/x-www-form-urlencoded"), None] {
        if let Ok(fields) = Fields::parse(content_type, data) {
            let _ = fields.text("public_key_credential");
        }
    }
});
