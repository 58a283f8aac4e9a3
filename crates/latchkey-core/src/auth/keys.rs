//! The keys kept in the database: the signing keys of session tokens and the Backend API key.
//!
//! The signing keys are loaded (the first one generated) when the server starts, and
//! rotated, pruned and listed by `latchkey keys`; the Backend API secret key is generated
//! on first start when none is configured.
//!
//! These work on a [`Store`] alone, without an [`Auth`](crate::Auth): `latchkey keys`
//! must run where the server would refuse to start (keys that the configured
//! `keys.encryption_key` does not open) and must not add a key just by looking.

use sha2::{Digest, Sha256};

use crate::encoding::{b64url, from_b64url};
use crate::error::Result;
use crate::ids::random_bytes;
use crate::store::Store;
use crate::tokens::{KeyCipher, KeySet, is_encrypted};

/// The stored signing keys, generating the first one (sealed with `cipher`, if any)
/// when there is none. A sealed key that `cipher` cannot open is an error naming
/// `keys.encryption_key`.
pub async fn load_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    now_ms: i64,
) -> Result<KeySet> {
    let mut stored = store.list_signing_keys().await?;
    if stored.is_empty() {
        store
            .insert_signing_key(&KeySet::generate(now_ms, cipher)?)
            .await?;
        stored = store.list_signing_keys().await?;
    }
    Ok(KeySet::from_stored(&stored, cipher)?)
}

/// [`load_signing_keys`] at start-up, warning when `cipher` is set but keys stored
/// before it was are still plain (`latchkey keys rotate` seals them).
pub async fn bootstrap_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    now_ms: i64,
) -> Result<KeySet> {
    let keys = load_signing_keys(store, cipher, now_ms).await?;
    if cipher.is_some() {
        let stored = store.list_signing_keys().await?;
        let plain = stored.iter().filter(|k| !is_encrypted(k)).count();
        if plain > 0 {
            tracing::warn!(
                plain,
                "signing keys stored before keys.encryption_key was set are still \
                 unencrypted; `latchkey keys rotate` encrypts them"
            );
        }
    }
    Ok(keys)
}

/// What [`rotate_signing_keys`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The `kid`s of keys that were stored plain and are now sealed with the cipher.
    pub encrypted: Vec<String>,
    /// The `kid` of the new signing key.
    pub added: String,
}

/// Adds a new signing key (sealed with `cipher`, if any): new tokens are signed with
/// it, tokens signed with older keys still verify. With `cipher`, keys stored plain are
/// sealed first. Refuses before changing anything when the stored keys do not open with
/// `cipher`, since the server could not start with them.
pub async fn rotate_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    now_ms: i64,
) -> Result<Rotation> {
    let stored = store.list_signing_keys().await?;
    if !stored.is_empty() {
        KeySet::from_stored(&stored, cipher)?;
    }
    let mut encrypted = Vec::new();
    if let Some(cipher) = cipher {
        for key in stored.iter().filter(|k| !is_encrypted(k)) {
            store.update_signing_key(&cipher.encrypt(key)?).await?;
            encrypted.push(key.kid.clone());
        }
    }
    let key = KeySet::generate(now_ms, cipher)?;
    store.insert_signing_key(&key).await?;
    Ok(Rotation {
        encrypted,
        added: key.kid,
    })
}

/// Deletes every signing key but the newest, the one that signs; returns how many went.
/// Tokens signed with a removed key no longer verify.
pub async fn prune_signing_keys(store: &dyn Store) -> Result<u64> {
    store.prune_signing_keys(1).await
}

/// A stored signing key as `latchkey keys list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyInfo {
    pub kid: String,
    /// When it was added, Unix milliseconds.
    pub created_at: i64,
    /// Whether it signs new tokens (the newest); the others only verify.
    pub signing: bool,
    /// Whether its private key is sealed with `keys.encryption_key`.
    pub encrypted: bool,
}

/// The stored signing keys, newest (the signer) first.
pub async fn list_signing_keys(store: &dyn Store) -> Result<Vec<SigningKeyInfo>> {
    Ok(store
        .list_signing_keys()
        .await?
        .iter()
        .enumerate()
        .map(|(i, key)| SigningKeyInfo {
            kid: key.kid.clone(),
            created_at: key.created_at,
            signing: i == 0,
            encrypted: is_encrypted(key),
        })
        .collect())
}

/// The setting under which the hash of the generated Backend API key is kept.
const GENERATED_BACKEND_KEY_SETTING: &str = "backend_secret_key_sha256";

/// The Backend API secret key generated when none is configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedBackendKey {
    /// SHA-256 of the generated key the database holds; when replicas start together,
    /// the first one's key is the one kept.
    pub hashes: Vec<Vec<u8>>,
    /// The key itself when this call generated it, to show once: only its hash is stored.
    pub key: Option<String>,
}

/// The generated Backend API secret key: on first start a random `sk_...` key is made
/// and its hash stored; later starts (and other replicas) find that hash.
pub async fn generated_backend_key(store: &dyn Store) -> Result<GeneratedBackendKey> {
    let key = format!("sk_{}", b64url(&random_bytes(24)));
    let hash = Sha256::digest(key.as_bytes());
    let generated = store
        .insert_setting(GENERATED_BACKEND_KEY_SETTING, &b64url(&hash))
        .await?;
    let stored = store
        .find_setting(GENERATED_BACKEND_KEY_SETTING)
        .await?
        .unwrap_or_default();
    Ok(GeneratedBackendKey {
        hashes: from_b64url(&stored).into_iter().collect(),
        key: generated.then_some(key),
    })
}
