//! Opaque identifiers with a type prefix (`user_`, `sess_`, `pk_`, ...) and random secrets.

use rand::{Rng, RngCore, distributions::Alphanumeric};

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

/// A new random id of the given kind, e.g. `user_2bX9...`.
pub fn new_id(kind: Kind) -> String {
    let suffix: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("{}_{suffix}", kind.prefix())
}

/// `len` bytes from the operating system's random generator.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}
