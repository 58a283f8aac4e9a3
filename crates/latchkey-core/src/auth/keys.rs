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
use crate::model::SigningAlgorithm;
use crate::store::Store;
use crate::tokens::{KeyCipher, KeySet, is_encrypted};

/// The stored signing keys, generating the first one (of `algorithm`, sealed with
/// `cipher`, if any) when there is none. A sealed key that `cipher` cannot open is an
/// error naming `keys.encryption_key`.
pub async fn load_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    algorithm: SigningAlgorithm,
    now_ms: i64,
) -> Result<KeySet> {
    let mut stored = store.list_signing_keys().await?;
    if stored.is_empty() {
        store
            .insert_signing_key(&KeySet::generate(algorithm, now_ms, cipher)?)
            .await?;
        stored = store.list_signing_keys().await?;
    }
    Ok(KeySet::from_stored(&stored, cipher)?)
}

/// [`load_signing_keys`] at start-up. When the newest key's algorithm is not the
/// configured `algorithm`, a key of it is added and becomes the signer; the older keys
/// stay in the JWKS, so tokens they signed verify until they are pruned. Warns when
/// `cipher` is set but keys stored before it was are still plain (`latchkey keys
/// rotate` seals them).
pub async fn bootstrap_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    algorithm: SigningAlgorithm,
    now_ms: i64,
) -> Result<KeySet> {
    let mut keys = load_signing_keys(store, cipher, algorithm, now_ms).await?;
    if keys.algorithm() != algorithm {
        // Newer than the newest key even if this clock is behind the one that added it,
        // so that the new key is the one that signs.
        let newest = store
            .list_signing_keys()
            .await?
            .first()
            .map(|k| k.created_at);
        let at = newest.map_or(now_ms, |newest| now_ms.max(newest + 1));
        let key = KeySet::generate(algorithm, at, cipher)?;
        store.insert_signing_key(&key).await?;
        tracing::info!(
            kid = %key.kid,
            algorithm = algorithm.as_str(),
            previous = keys.algorithm().as_str(),
            "keys.algorithm differs from the newest signing key's: added a key that signs \
             from now on; the older keys verify until `latchkey keys prune`"
        );
        keys = load_signing_keys(store, cipher, algorithm, now_ms).await?;
    }
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

/// Adds a new signing key of `algorithm` (sealed with `cipher`, if any): new tokens are
/// signed with it, tokens signed with older keys still verify. With `cipher`, keys stored plain are
/// sealed first. Refuses before changing anything when the stored keys do not open with
/// `cipher`, since the server could not start with them.
pub async fn rotate_signing_keys(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
    algorithm: SigningAlgorithm,
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
    let key = KeySet::generate(algorithm, now_ms, cipher)?;
    store.insert_signing_key(&key).await?;
    Ok(Rotation {
        encrypted,
        added: key.kid,
    })
}

/// The public key of the signing key (the newest) in PEM (SubjectPublicKeyInfo), for
/// verifiers given one key rather than the JWKS. Adds no key: with none stored, it is an
/// error. Sealed keys are opened with `cipher`, since the public key is derived from the
/// private one.
pub async fn signing_public_key_pem(
    store: &dyn Store,
    cipher: Option<&KeyCipher>,
) -> Result<String> {
    let stored = store.list_signing_keys().await?;
    KeySet::from_stored(&stored, cipher)?.signing_public_key_pem()
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
    /// What it signs with.
    pub algorithm: SigningAlgorithm,
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
            algorithm: key.algorithm,
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
