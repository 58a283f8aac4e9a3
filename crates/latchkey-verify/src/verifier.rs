//! The verifier: its configuration, the JWKS cache and its refresh rules, and the checks
//! on the claims.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::claims::{Claims, SessionStatus};
use crate::error::{JwksError, VerifyError};
use crate::jwks::{self, Fetcher, Keys, PublicKey};
use crate::jwt;

/// How a [`Verifier`] checks tokens. Start from [`VerifierConfig::new`] and change the
/// fields you need:
///
/// ```
/// use latchkey_verify::VerifierConfig;
///
/// let config = VerifierConfig {
///     authorized_parties: vec!["https://app.example.com".into()],
///     ..VerifierConfig::new("https://auth.example.com")
/// };
/// assert_eq!(config.leeway_secs, 5);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The Latchkey server's public URL (its `server.public_url`), which tokens carry as
    /// `iss`. A trailing `/` is ignored.
    pub issuer: String,
    /// Where to fetch the JWKS; `None` means `{issuer}/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
    /// The browser origins (`azp`) whose tokens are accepted, e.g.
    /// `https://app.example.com`; a trailing `/` is ignored. Empty accepts any origin and
    /// tokens without `azp`.
    ///
    /// When the list is not empty, a token **without** `azp` is refused: the server mints
    /// such tokens for callers that sent no `Origin` (native apps, scripts), which are not
    /// among the listed browser origins. A backend that also serves native apps leaves the
    /// list empty.
    pub authorized_parties: Vec<String>,
    /// Accept sessions whose `sts` is `pending` (the user still has a task, such as adding
    /// a passkey). Off by default: a pending session counts as signed out.
    pub accept_pending: bool,
    /// Clock skew allowed when checking `exp` and `nbf`, in seconds. Default 5.
    pub leeway_secs: u64,
    /// The least time between two JWKS fetches caused by unknown `kid`s or a stale cache,
    /// in seconds. Default 30. Until the first fetch succeeds, every verification may try.
    pub min_refresh_interval_secs: u64,
    /// After this many seconds the cached JWKS is fetched again before use, so that keys
    /// the server has pruned stop being trusted. If that fetch fails, the cached keys are
    /// kept. Default 3600.
    pub jwks_max_age_secs: u64,
}

impl VerifierConfig {
    /// The defaults for tokens of the server at `issuer`: JWKS at
    /// `{issuer}/.well-known/jwks.json`, any `azp`, pending sessions refused, 5 s leeway,
    /// at most one JWKS refresh per 30 s, cached keys re-fetched after an hour.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            jwks_url: None,
            authorized_parties: Vec::new(),
            accept_pending: false,
            leeway_secs: 5,
            min_refresh_interval_secs: 30,
            jwks_max_age_secs: 3600,
        }
    }
}

/// Verifies Latchkey session tokens. Cheap to clone: clones share the JWKS cache, so
/// build one per issuer and hand clones around (it can be axum router state as is).
#[derive(Debug, Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    issuer: String,
    authorized_parties: Vec<String>,
    accept_pending: bool,
    leeway: i64,
    min_refresh_interval: i64,
    max_age: i64,
    /// `None` for a verifier built from a fixed JWKS: it never fetches.
    fetcher: Option<Fetcher>,
    /// The keys last fetched, and when. Only ever held briefly, never across an await.
    cache: RwLock<Option<Arc<CachedKeys>>>,
    /// Serialises fetches. Concurrent verifications that all miss wait here for one fetch
    /// instead of each making their own.
    fetch: tokio::sync::Mutex<FetchState>,
    /// The number of fetches that came to an outcome, success or failure; changed only
    /// while `fetch` is held. A fetch whose caller went away does not count.
    fetched: AtomicU64,
}

#[derive(Debug)]
struct CachedKeys {
    keys: Keys,
    fetched_at: i64,
}

#[derive(Debug, Default)]
struct FetchState {
    last_attempt: Option<i64>,
    last_error: Option<JwksError>,
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn trim_slash(value: &str) -> String {
    value.trim_end_matches('/').to_owned()
}

impl Verifier {
    /// A verifier that fetches the JWKS over HTTP on first use. Fails only when the
    /// configuration is unusable (empty issuer, a JWKS URL that is not http(s)).
    pub fn new(config: VerifierConfig) -> Result<Self, VerifyError> {
        let issuer = trim_slash(&config.issuer);
        let url = config
            .jwks_url
            .clone()
            .unwrap_or_else(|| format!("{issuer}/.well-known/jwks.json"));
        let url = reqwest::Url::parse(&url)
            .map_err(|e| VerifyError::InvalidConfig(format!("JWKS URL {url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(VerifyError::InvalidConfig(format!(
                "JWKS URL {url} is not http or https"
            )));
        }
        let fetcher = Fetcher::new(url).map_err(VerifyError::InvalidConfig)?;
        Self::build(config, Some(fetcher), None)
    }

    /// A verifier that trusts exactly the keys of `jwks_json` (a JWK Set document, as
    /// served at `/.well-known/jwks.json`) and never fetches: for offline use and tests.
    /// `jwks_url`, `min_refresh_interval_secs` and `jwks_max_age_secs` are ignored.
    pub fn with_jwks(config: VerifierConfig, jwks_json: &str) -> Result<Self, VerifyError> {
        let keys = jwks::parse(jwks_json.as_bytes())?;
        Self::build(
            config,
            None,
            Some(CachedKeys {
                keys,
                fetched_at: 0,
            }),
        )
    }

    fn build(
        config: VerifierConfig,
        fetcher: Option<Fetcher>,
        keys: Option<CachedKeys>,
    ) -> Result<Self, VerifyError> {
        let issuer = trim_slash(&config.issuer);
        if issuer.is_empty() {
            return Err(VerifyError::InvalidConfig("the issuer is empty".into()));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                issuer,
                authorized_parties: config
                    .authorized_parties
                    .iter()
                    .map(|party| trim_slash(party))
                    .collect(),
                accept_pending: config.accept_pending,
                leeway: saturating_i64(config.leeway_secs),
                min_refresh_interval: saturating_i64(config.min_refresh_interval_secs),
                max_age: saturating_i64(config.jwks_max_age_secs),
                fetcher,
                cache: RwLock::new(keys.map(Arc::new)),
                fetch: tokio::sync::Mutex::new(FetchState::default()),
                fetched: AtomicU64::new(0),
            }),
        })
    }

    /// The issuer tokens must carry, without a trailing `/`.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// Verifies `token` now (by the system clock) and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        self.verify_at(token, unix_now()).await
    }

    /// Verifies `token` as of `now` (Unix seconds) and returns its claims. The JWKS cache's
    /// age and refresh limit are measured on the same clock, so tests can move time
    /// without sleeping.
    pub async fn verify_at(&self, token: &str, now: i64) -> Result<Claims, VerifyError> {
        let jwt = jwt::parse(token)?;
        let key = self.key(&jwt.kid, now).await?;
        let claims = jwt.verify(&key)?;
        self.check(&claims, now)?;
        Ok(claims)
    }

    /// The claim checks that follow a good signature.
    fn check(&self, claims: &Claims, now: i64) -> Result<(), VerifyError> {
        let inner = &*self.inner;
        if claims.v != 1 {
            return Err(VerifyError::UnsupportedVersion(claims.v));
        }
        if claims.iss != inner.issuer {
            return Err(VerifyError::WrongIssuer {
                expected: inner.issuer.clone(),
                found: claims.iss.clone(),
            });
        }
        // RFC 7519 §4.1.4: the token must not be accepted on or after `exp`.
        if now >= claims.exp.saturating_add(inner.leeway) {
            return Err(VerifyError::Expired {
                exp: claims.exp,
                now,
            });
        }
        if now < claims.nbf.saturating_sub(inner.leeway) {
            return Err(VerifyError::NotYetValid {
                nbf: claims.nbf,
                now,
            });
        }
        if !inner.authorized_parties.is_empty() {
            let allowed = claims
                .azp
                .as_ref()
                .is_some_and(|azp| inner.authorized_parties.contains(azp));
            if !allowed {
                return Err(VerifyError::UnauthorizedParty(claims.azp.clone()));
            }
        }
        if claims.sts == SessionStatus::Pending && !inner.accept_pending {
            return Err(VerifyError::SessionPending);
        }
        Ok(())
    }

    fn cached(&self) -> Option<Arc<CachedKeys>> {
        // A panic elsewhere while holding the lock cannot leave the Option half-written.
        let cache = self.inner.cache.read().unwrap_or_else(|e| e.into_inner());
        cache.clone()
    }

    /// The key named `kid`, fetching the JWKS when there is none yet, when the cache is
    /// older than `max_age`, or when `kid` is unknown — the last two at most once per
    /// `min_refresh_interval`.
    async fn key(&self, kid: &str, now: i64) -> Result<PublicKey, VerifyError> {
        let inner = &*self.inner;
        let cached = self.cached();
        let Some(fetcher) = &inner.fetcher else {
            return find(cached.as_deref(), kid).ok_or_else(|| unknown(kid));
        };
        let fresh_key = |cached: Option<&CachedKeys>| {
            cached
                .filter(|keys| now.abs_diff(keys.fetched_at) < inner.max_age.unsigned_abs())
                .and_then(|keys| keys.keys.get(kid).cloned())
        };
        if let Some(key) = fresh_key(cached.as_deref()) {
            return Ok(key);
        }

        let seen = inner.fetched.load(Ordering::Acquire);
        let mut state = inner.fetch.lock().await;
        let cached = self.cached();
        if let Some(key) = fresh_key(cached.as_deref()) {
            return Ok(key);
        }
        if inner.fetched.load(Ordering::Acquire) != seen {
            // Another verification fetched while this one waited: use its outcome, good
            // or bad, rather than fetch again.
            return match (find(cached.as_deref(), kid), &state.last_error) {
                (Some(key), _) => Ok(key),
                (None, Some(error)) => Err(error.clone().into()),
                (None, None) => Err(unknown(kid)),
            };
        }
        if cached.is_some() {
            let recent = state
                .last_attempt
                .is_some_and(|last| now.abs_diff(last) < inner.min_refresh_interval.unsigned_abs());
            if recent {
                return find(cached.as_deref(), kid).ok_or_else(|| unknown(kid));
            }
        }

        state.last_attempt = Some(now);
        let result = fetcher.fetch().await;
        inner.fetched.fetch_add(1, Ordering::AcqRel);
        match result {
            Ok(keys) => {
                state.last_error = None;
                let key = keys.get(kid).cloned();
                let fresh = Arc::new(CachedKeys {
                    keys,
                    fetched_at: now,
                });
                *inner.cache.write().unwrap_or_else(|e| e.into_inner()) = Some(fresh);
                key.ok_or_else(|| unknown(kid))
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                // Rather than fail every request while the server is unreachable, keep
                // trusting the keys already fetched.
                find(cached.as_deref(), kid).ok_or(VerifyError::Jwks(error))
            }
        }
    }
}

fn find(cached: Option<&CachedKeys>, kid: &str) -> Option<PublicKey> {
    cached.and_then(|keys| keys.keys.get(kid).cloned())
}

fn unknown(kid: &str) -> VerifyError {
    VerifyError::UnknownKey(kid.to_owned())
}

// This crate's clock: `verify` reads the wall clock here and only here; `verify_at`
// takes the time from the caller.
#[allow(clippy::disallowed_methods)]
fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    saturating_i64(secs)
}
