//! The one error type of the domain. Each variant is a stable outcome that the HTTP layer
//! maps to a status and an error code in exactly one place.

/// Result with the domain [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in Latchkey, as the client is told about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A required field is absent.
    #[error("{0} is missing")]
    FormParamMissing(&'static str),
    /// A field is malformed (bad JSON, bad base64url).
    #[error("{param} is malformed: {reason}")]
    FormParamFormatInvalid { param: &'static str, reason: String },
    /// A field has a value that is not allowed.
    #[error("{param} is invalid: {reason}")]
    FormParamValueInvalid { param: &'static str, reason: String },
    /// The username or email address is taken.
    #[error("{0} is already taken")]
    IdentifierExists(&'static str),
    /// No user matches the identifier.
    #[error("no account matches this {0}")]
    IdentifierNotFound(&'static str),
    /// The body cannot be parsed at all.
    #[error("the request body cannot be parsed: {0}")]
    RequestBodyInvalid(String),
    /// The request took longer than allowed (a slow client).
    #[error("the request took too long")]
    RequestTimeout,
    /// The body is larger than allowed.
    #[error("the request body is too large")]
    RequestBodyTooLarge,
    /// The named resource does not exist or belongs to someone else.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// No active session, a bad client token or a bad secret key.
    #[error("authentication is missing or invalid")]
    AuthenticationInvalid,
    /// A cookie-authenticated call came from an origin that is not allowed.
    #[error("the request origin is not allowed")]
    OriginInvalid,
    /// The user is banned: they cannot sign in until an operator lifts the ban.
    #[error("this account is banned")]
    UserBanned,
    /// A dashboard call from a signed-in user who is not an operator.
    #[error("this account is not an operator")]
    OperatorRequired,
    /// A live setting the configuration pins.
    #[error("{0} is pinned by the configuration")]
    SettingPinned(&'static str),
    /// An operator enrolment link that is unknown, used or expired.
    #[error("this enrolment link is invalid, used or expired")]
    EnrolmentInvalid,
    /// The strategy or sign-up mode is turned off.
    #[error("{0} is not enabled")]
    StrategyNotEnabled(&'static str),
    /// The assertion names a credential that is unknown or deleted.
    #[error("this passkey is not registered")]
    PasskeyNotRegistered,
    /// The credential failed verification.
    #[error("the passkey credential is invalid: {0}")]
    InvalidCredential(String),
    /// The credential answers another challenge than this attempt's.
    #[error("the credential answers a different challenge")]
    ChallengeMismatch,
    /// The passkey's registration was never finished.
    #[error("this passkey has not been verified")]
    PasskeyNotVerified,
    /// The user has the maximum number of passkeys.
    #[error("the maximum number of passkeys ({0}) is reached")]
    PasskeyQuotaExceeded(u32),
    /// The credential id is already registered.
    #[error("this passkey is already registered")]
    PasskeyAlreadyExists,
    /// The challenge is past its time to live.
    #[error("the verification has expired")]
    VerificationExpired,
    /// The emailed code entered is not the one sent.
    #[error("the code is incorrect")]
    CodeIncorrect,
    /// Too many wrong codes: the verification failed; a new code must be sent.
    #[error("too many incorrect codes; request a new one")]
    VerificationFailed,
    /// The field's value must be proved (by an emailed code) first.
    #[error("{0} is not verified")]
    IdentifierNotVerified(&'static str),
    /// The action needs a factor proved within the last `after_minutes` minutes.
    #[error("this action needs you to verify again")]
    ReverificationRequired { after_minutes: i64 },
    /// The attempt was completed or its challenge was used once already.
    #[error("this verification was already used")]
    AlreadyVerified,
    /// Too many requests; retry after the given number of seconds.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// The database cannot be reached.
    #[error("the service is unavailable")]
    Unavailable(String),
    /// A fault of the server itself; details are logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    /// An internal error from anything displayable.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Error::Internal(err.to_string())
    }
}

impl Error {
    /// The stable error code clients and the SDK match on (API §5).
    pub fn code(&self) -> &'static str {
        match self {
            Error::FormParamMissing(_) => "form_param_missing",
            Error::FormParamFormatInvalid { .. } => "form_param_format_invalid",
            Error::FormParamValueInvalid { .. } => "form_param_value_invalid",
            Error::IdentifierExists(_) => "form_identifier_exists",
            Error::IdentifierNotFound(_) => "form_identifier_not_found",
            Error::RequestBodyInvalid(_) => "request_body_invalid",
            Error::RequestBodyTooLarge => "request_body_too_large",
            Error::RequestTimeout => "request_timeout",
            Error::NotFound(_) => "resource_not_found",
            Error::AuthenticationInvalid => "authentication_invalid",
            Error::OriginInvalid => "origin_invalid",
            Error::UserBanned => "user_banned",
            Error::OperatorRequired => "operator_required",
            Error::EnrolmentInvalid => "enrolment_invalid",
            Error::SettingPinned(_) => "setting_pinned",
            Error::StrategyNotEnabled(_) => "strategy_not_enabled",
            Error::PasskeyNotRegistered => "passkey_not_registered",
            Error::InvalidCredential(_) => "passkey_invalid_public_key_credential",
            Error::ChallengeMismatch => "passkey_invalid_verification",
            Error::PasskeyNotVerified => "passkey_identification_not_verified",
            Error::PasskeyQuotaExceeded(_) => "passkey_quota_exceeded",
            Error::PasskeyAlreadyExists => "passkey_already_exists",
            Error::VerificationExpired => "verification_expired",
            Error::AlreadyVerified => "verification_already_verified",
            Error::CodeIncorrect => "form_code_incorrect",
            Error::VerificationFailed => "verification_failed",
            Error::IdentifierNotVerified(_) => "form_identifier_not_verified",
            Error::ReverificationRequired { .. } => "session_reverification_required",
            Error::RateLimited { .. } => "rate_limit_exceeded",
            Error::Unavailable(_) => "service_unavailable",
            Error::Internal(_) => "internal_error",
        }
    }

    /// The form field at fault, for `meta.param_name`.
    pub fn param_name(&self) -> Option<&'static str> {
        match self {
            Error::FormParamMissing(p)
            | Error::IdentifierExists(p)
            | Error::IdentifierNotFound(p)
            | Error::IdentifierNotVerified(p)
            | Error::SettingPinned(p)
            | Error::FormParamFormatInvalid { param: p, .. }
            | Error::FormParamValueInvalid { param: p, .. } => Some(p),
            Error::CodeIncorrect => Some("code"),
            _ => None,
        }
    }
}
