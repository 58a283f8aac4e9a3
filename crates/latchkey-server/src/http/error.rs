//! The one mapping from domain errors to HTTP: status, stable code, message, and the
//! request's trace id. Internal details never leave the server: the response carries the
//! error in its extensions, and the request-id middleware logs it.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being served, set by the request-id middleware.
    pub static TRACE_ID: String;
}

/// An error response of the API.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        ApiError(err)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.0.code(), self.0)
    }
}

/// The HTTP status and the short message of each error (API §5).
pub fn status_and_message(err: &Error) -> (StatusCode, &'static str) {
    use StatusCode as S;
    match err {
        Error::FormParamMissing(_) => (S::UNPROCESSABLE_ENTITY, "is missing"),
        Error::FormParamFormatInvalid { .. } => (S::UNPROCESSABLE_ENTITY, "is invalid"),
        Error::FormParamValueInvalid { .. } => (S::UNPROCESSABLE_ENTITY, "is invalid"),
        Error::IdentifierExists(_) => (S::UNPROCESSABLE_ENTITY, "That identifier is taken"),
        Error::IdentifierNotFound(_) => (S::UNPROCESSABLE_ENTITY, "Couldn't find your account"),
        Error::StrategyNotEnabled(_) => (S::UNPROCESSABLE_ENTITY, "Strategy not enabled"),
        Error::InvalidCredential(_) => (S::UNPROCESSABLE_ENTITY, "Invalid passkey credential"),
        Error::PasskeyNotVerified => (S::UNPROCESSABLE_ENTITY, "Passkey not verified"),
        Error::PasskeyAlreadyExists => (S::UNPROCESSABLE_ENTITY, "Passkey already exists"),
        Error::RequestBodyInvalid(_) => (S::BAD_REQUEST, "Request body invalid"),
        Error::ChallengeMismatch => (S::BAD_REQUEST, "Invalid verification"),
        Error::VerificationExpired => (S::BAD_REQUEST, "Verification expired"),
        Error::AlreadyVerified => (S::BAD_REQUEST, "Already verified"),
        Error::CodeIncorrect => (S::UNPROCESSABLE_ENTITY, "Incorrect code"),
        Error::VerificationFailed => (S::BAD_REQUEST, "Too many failed attempts"),
        Error::IdentifierNotVerified(_) => (S::UNPROCESSABLE_ENTITY, "Not verified"),
        Error::ReverificationRequired { .. } => (S::FORBIDDEN, "Additional verification required"),
        Error::RequestBodyTooLarge => (S::PAYLOAD_TOO_LARGE, "Request body too large"),
        Error::RequestTimeout => (S::REQUEST_TIMEOUT, "Request timeout"),
        Error::NotFound(_) => (S::NOT_FOUND, "Resource not found"),
        Error::PasskeyNotRegistered => (S::NOT_FOUND, "Passkey not registered"),
        Error::AuthenticationInvalid => (S::UNAUTHORIZED, "Unauthenticated"),
        Error::OriginInvalid => (S::FORBIDDEN, "Origin not allowed"),
        Error::UserBanned => (S::FORBIDDEN, "Account banned"),
        Error::OperatorRequired => (S::FORBIDDEN, "Operator required"),
        Error::EnrolmentInvalid => (S::UNPROCESSABLE_ENTITY, "Enrolment link invalid"),
        Error::SettingPinned(_) => (S::UNPROCESSABLE_ENTITY, "Setting pinned"),
        Error::PasskeyQuotaExceeded(_) => (S::FORBIDDEN, "Passkey quota exceeded"),
        Error::RateLimited { .. } => (S::TOO_MANY_REQUESTS, "Too many requests"),
        Error::Unavailable(_) => (
            S::SERVICE_UNAVAILABLE,
            "The service is temporarily unavailable",
        ),
        Error::Internal(_) => (S::INTERNAL_SERVER_ERROR, "Something went wrong"),
    }
}

/// The current request's trace id (empty outside a request).
pub fn trace_id() -> String {
    TRACE_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Errors)]
pub struct ErrorBody {
    /// One error, with a stable code.
    #[schema(min_items = 1)]
    errors: Vec<ErrorItem>,
    /// The request id, to quote when reporting a problem.
    trace_id: String,
}

/// One error of an error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorItem {
    /// A stable code, as `form_param_missing` (API §5).
    #[schema(value_type = String)]
    code: &'static str,
    message: String,
    long_message: String,
    meta: ErrorMeta,
}

/// What the error is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorMeta {
    /// The form field or query parameter at fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = String)]
    param_name: Option<&'static str>,
    /// What a `session_reverification_required` action needs.
    #[serde(skip_serializing_if = "Option::is_none")]
    reverification: Option<ReverificationMeta>,
}

/// The factor a guarded action needs, and how recently.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReverificationMeta {
    /// `first_factor`.
    #[schema(value_type = String)]
    level: &'static str,
    /// The factor must have been proved within this many minutes.
    after_minutes: i64,
}

/// The failure of a request that answered 5xx, left in the response's extensions for the
/// request-id middleware to log: its details never go to the client.
#[derive(Debug, Clone)]
pub struct ServerFailure(pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let (status, message) = status_and_message(&err);
        let internal = matches!(err, Error::Internal(_) | Error::Unavailable(_));
        let long_message = if internal {
            format!(
                "{message}; quote trace id {} when reporting it.",
                trace_id()
            )
        } else {
            err.to_string()
        };
        let body = ErrorBody {
            errors: vec![ErrorItem {
                code: err.code(),
                message: message.to_owned(),
                long_message,
                meta: ErrorMeta {
                    param_name: err.param_name(),
                    reverification: match err {
                        Error::ReverificationRequired { after_minutes } => {
                            Some(ReverificationMeta {
                                level: "first_factor",
                                after_minutes,
                            })
                        }
                        _ => None,
                    },
                },
            }],
            trace_id: trace_id(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let extensions = response.extensions_mut();
        extensions.insert(super::metrics::ErrorCode(err.code()));
        if internal {
            extensions.insert(ServerFailure(err.to_string()));
        }
        if let Error::RateLimited { retry_after_secs } = err
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
