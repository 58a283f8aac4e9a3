//! Opaque identifiers with a type prefix (`user_`, `sess_`, `pk_`, ...) and random secrets.

use rand::{Rng, RngCore};
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, PoisonError};

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
    Mail,
    DevBrowser,
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
            Kind::Mail => "mail",
            Kind::DevBrowser => "dvb",
        }
    }
}

/// The alphabet of ids, in ASCII order so that ids sort as their numbers do.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters of the time part and of the random part of an id.
const TIME_LEN: u32 = 8;
const SUFFIX_LEN: u32 = 16;
/// How many random parts there are: 62^16, about 2^95.
const SUFFIX_SPACE: u128 = 62u128.pow(SUFFIX_LEN);
/// The largest step from one random part to the next within a millisecond.
const MAX_STEP: u128 = 1 << 32;
/// Milliseconds whose last random part is remembered.
const REMEMBERED: usize = 4096;

/// The last random part given out at each recently used millisecond, with when it was
/// last used (a count of ids made), for [`new_id`].
static LAST_SUFFIX: LazyLock<Mutex<Recent>> = LazyLock::new(Mutex::default);

#[derive(Default)]
struct Recent {
    suffixes: HashMap<u128, (u128, u64)>,
    made: u64,
}

impl Recent {
    /// A random part for an id made at `millis` that sorts after every one this process
    /// gave out at the same millisecond: the first is uniformly random, each later one
    /// the previous plus a random step of at most 2^32.
    fn next(&mut self, millis: u128, rng: &mut impl Rng) -> u128 {
        self.made += 1;
        let suffix = match self.suffixes.get(&millis) {
            Some(&(last, _)) => last
                .checked_add(rng.gen_range(1..=MAX_STEP))
                .filter(|next| *next < SUFFIX_SPACE)
                // Only when the first was within 2^32 per id of the top (about one
                // chance in 10^16 per id); order within the millisecond is then lost.
                .unwrap_or_else(|| rng.gen_range(0..SUFFIX_SPACE)),
            None => rng.gen_range(0..SUFFIX_SPACE),
        };
        if self.suffixes.len() >= REMEMBERED && !self.suffixes.contains_key(&millis) {
            // Forget the half least recently used.
            let oldest_kept = self.made.saturating_sub(REMEMBERED as u64 / 2);
            self.suffixes.retain(|_, (_, used)| *used >= oldest_kept);
        }
        self.suffixes.insert(millis, (suffix, self.made));
        suffix
    }
}

/// Appends the `len` lowest base62 digits of `n`, most significant first.
fn push_base62(id: &mut String, n: u128, len: u32) {
    for place in (0..len).rev() {
        id.push(char::from(BASE62[(n / 62u128.pow(place) % 62) as usize]));
    }
}

/// A new id of the given kind, e.g. `user_0uBx3Xk2...`: eight characters of the creation
/// time `now_ms` (milliseconds since the epoch, from the [`crate::Clock`]), then sixteen
/// random ones (95 bits). Ids made later sort later, so the database appends to its
/// indexes instead of writing pages all over them, and lists ordered by creation time
/// break ties by id. Within one millisecond (a busy moment, or a clock that stands still
/// in tests) the ids this process makes still sort in the order they were made: each
/// random part steps up from the last one of that millisecond by a random amount.
pub fn new_id(kind: Kind, now_ms: i64) -> String {
    let millis = u128::try_from(now_ms).unwrap_or(0);
    let suffix = LAST_SUFFIX
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .next(millis, &mut rand::thread_rng());
    let mut id = String::with_capacity(kind.prefix().len() + 1 + (TIME_LEN + SUFFIX_LEN) as usize);
    id.push_str(kind.prefix());
    id.push('_');
    push_base62(&mut id, millis, TIME_LEN);
    push_base62(&mut id, suffix, SUFFIX_LEN);
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
        let now = 1_767_225_600_000;
        let first = new_id(Kind::Session, now);
        let second = new_id(Kind::Session, now + 1);
        assert!(first.starts_with("sess_") && first.len() == "sess_".len() + 24);
        assert!(first < second, "{first} then {second}");
        assert_ne!(new_id(Kind::User, now), new_id(Kind::User, now));
        assert!(second[5..].bytes().all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn ids_made_at_one_millisecond_sort_in_the_order_they_were_made() {
        let now = 1_767_225_600_123;
        let ids: Vec<String> = (0..1000).map(|_| new_id(Kind::SignIn, now)).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert!(ids.iter().all(|id| id[4..12] == ids[0][4..12]));
        // Another clock's millisecond in between does not disturb the order.
        let before = new_id(Kind::SignIn, now);
        new_id(Kind::SignIn, now - 86_400_000);
        assert!(new_id(Kind::SignIn, now) > before);
    }

    #[test]
    fn forgetting_old_milliseconds_keeps_the_recent_ones() {
        let mut recent = Recent::default();
        let mut rng = rand::thread_rng();
        let frozen = 1_000;
        let mut last = recent.next(frozen, &mut rng);
        for millis in 0..3 * REMEMBERED as u128 {
            recent.next(2_000 + millis, &mut rng);
            if millis % 100 == 0 {
                let next = recent.next(frozen, &mut rng);
                assert!(next > last);
                last = next;
            }
        }
        assert!(recent.suffixes.len() <= REMEMBERED);
    }

    #[test]
    fn the_time_part_is_the_clock_time_in_base62() {
        assert_eq!(&new_id(Kind::Key, 0)[4..12], "00000000");
        assert_eq!(&new_id(Kind::Key, 61)[4..12], "0000000z");
        assert_eq!(&new_id(Kind::Key, 62)[4..12], "00000010");
        // A clock before the epoch counts as the epoch, as the system clock did.
        assert_eq!(&new_id(Kind::Key, -5)[4..12], "00000000");
    }
}
