//! Opaque identifiers with a type prefix (`user_`, `sess_`, `pk_`, ...) and random secrets.

use rand::{Rng, RngCore, distributions::Alphanumeric};

use crate::clock::{Clock, SystemClock};

/// The kinds of object that carry a prefixed id.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    User,
    Session,
    Passkey,
    SignIn,
    SignUp,
    Client,
    Email,
    AuditEvent,
    Key,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Session => "sess",
            Kind::Passkey => "pk",
            Kind::SignIn => "sia",
            Kind::SignUp => "sua",
            Kind::Client => "client",
            Kind::Email => "idn",
            Kind::AuditEvent => "evt",
            Kind::Key => "key",
        }
    }
}

/// The alphabet of ids, in ASCII order so that ids sort as their numbers do.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A new id of the given kind, e.g. `user_0uBx3Xk2...`: eight characters of the creation
/// time in milliseconds, then sixteen random ones (95 bits). Ids made later sort later, so
/// the database appends to its indexes instead of writing pages all over them.
pub fn new_id(kind: Kind) -> String {
    let millis = u128::try_from(SystemClock.now_ms()).unwrap_or(0);
    let mut id = String::with_capacity(kind.prefix().len() + 25);
    id.push_str(kind.prefix());
    id.push('_');
    for place in (0..8).rev() {
        id.push(char::from(
            BASE62[(millis / 62u128.pow(place) % 62) as usize],
        ));
    }
    id.extend(
        rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from),
    );
    id
}

/// `len` bytes from the operating system's random generator.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A new user handle, WebAuthn's `user.id`: a random version-4 UUID's 16 bytes, never
/// derived from the user's id or name (WebAuthn §14.6.1).
pub fn new_user_handle() -> Vec<u8> {
    uuid::Uuid::new_v4().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_unique_and_sort_by_creation() {
        let first = new_id(Kind::Session);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = new_id(Kind::Session);
        assert!(first.starts_with("sess_") && first.len() == "sess_".len() + 24);
        assert!(first < second, "{first} then {second}");
        assert_ne!(new_id(Kind::User), new_id(Kind::User));
        assert!(second[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }
}
