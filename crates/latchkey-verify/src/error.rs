//! Why a token was refused, or why the JWKS could not be had.

/// Why [`Verifier::verify`](crate::Verifier::verify) refused a token. One variant per
/// reason; every variant but [`VerifyError::Jwks`] and [`VerifyError::InvalidConfig`]
/// means the token itself is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The string is not a well-formed Latchkey JWT: not three base64url parts without
    /// padding, a header or claims that are not the expected JSON, no `kid`, an unknown
    /// `sts`, a `crit` header, or longer than 8 KiB.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// The header's `alg` is neither `ES256` nor `RS256` (`none` and `HS256` included).
    #[error("unsupported algorithm {0:?}: only ES256 and RS256 are accepted")]
    UnsupportedAlgorithm(String),
    /// No key in the JWKS has the token's `kid`, even after a refresh.
    #[error("no signing key with kid {0:?}")]
    UnknownKey(String),
    /// The signature does not verify with the key named by `kid`, or that key is not of
    /// the header's `alg`.
    #[error("the signature does not verify")]
    BadSignature,
    /// `exp` (plus the leeway) has passed.
    #[error("the token expired at {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time of the check.
        now: i64,
    },
    /// `nbf` (minus the leeway) is still in the future.
    #[error("the token is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The token's `nbf`.
        nbf: i64,
        /// The time of the check.
        now: i64,
    },
    /// `iss` is not the configured issuer.
    #[error("the token was issued by {found:?}, not {expected:?}")]
    WrongIssuer {
        /// The configured issuer.
        expected: String,
        /// The token's `iss`.
        found: String,
    },
    /// The list of authorized parties is set and the token's `azp` is not in it, or the
    /// token has no `azp`.
    #[error("{}", unauthorized_party(.0.as_deref()))]
    UnauthorizedParty(Option<String>),
    /// The token's `v` is not 1.
    #[error("unsupported token version {0}")]
    UnsupportedVersion(u64),
    /// The session is `pending` and the verifier does not accept pending sessions.
    #[error("the session is pending a task and counts as signed out")]
    SessionPending,
    /// The JWKS could not be fetched or understood, and no cached key could stand in.
    #[error("JWKS unavailable: {0}")]
    Jwks(#[from] JwksError),
    /// The [`VerifierConfig`](crate::VerifierConfig) is unusable (e.g. the JWKS URL does not
    /// parse).
    #[error("invalid verifier configuration: {0}")]
    InvalidConfig(String),
}

fn unauthorized_party(azp: Option<&str>) -> String {
    match azp {
        Some(azp) => format!("the token's authorized party {azp:?} is not allowed"),
        None => "the token has no authorized party (azp) and the verifier requires one".into(),
    }
}

/// Why the JWKS could not be fetched or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The request failed: connection refused, timeout, TLS…
    #[error("fetching the JWKS failed: {0}")]
    Request(String),
    /// The server answered with a status other than 2xx.
    #[error("the JWKS URL answered HTTP {0}")]
    Status(u16),
    /// The document is not a JWK Set with at least one usable ES256 P-256 or RS256 RSA
    /// key, or is over
    /// 256 KiB.
    #[error("invalid JWKS: {0}")]
    Invalid(String),
}
