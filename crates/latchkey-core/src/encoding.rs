//! base64url without padding, the one text encoding of binary values: WebAuthn fields,
//! client tokens, token signatures and sealed keys. A leaf module: it uses nothing else
//! in the crate, so any module can use it without making a cycle.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

/// base64url without padding, as every binary WebAuthn value travels.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding.
pub fn from_b64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_without_padding() {
        for bytes in [&b""[..], b"f", b"fo", b"foo", &[0xfb, 0xff, 0xfe]] {
            let text = b64url(bytes);
            assert!(!text.contains('='), "{text}");
            assert_eq!(from_b64url(&text).as_deref(), Some(bytes));
        }
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
        assert_eq!(from_b64url("not base64!"), None);
    }
}
