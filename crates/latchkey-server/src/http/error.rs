//! The one mapping from domain errors to HTTP: status, stable code, message, and the
//! request's trace id. Internal details are logged, never sent.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::Error;
use serde_json::json;

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

/// The HTTP status of each error (API §5).
pub fn status_of(err: &Error) -> StatusCode {
    match err {
        Error::FormParamMissing(_)
        | Error::FormParamFormatInvalid { .. }
        | Error::FormParamValueInvalid { .. }
        | Error::IdentifierExists(_)
        | Error::IdentifierNotFound(_)
        | Error::StrategyNotEnabled(_)
        | Error::InvalidCredential(_)
        | Error::PasskeyNotVerified
        | Error::PasskeyAlreadyExists => StatusCode::UNPROCESSABLE_ENTITY,
        Error::RequestBodyInvalid(_)
        | Error::ChallengeMismatch
        | Error::VerificationExpired
        | Error::AlreadyVerified => StatusCode::BAD_REQUEST,
        Error::RequestBodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        Error::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
        Error::NotFound(_) | Error::PasskeyNotRegistered => StatusCode::NOT_FOUND,
        Error::AuthenticationInvalid => StatusCode::UNAUTHORIZED,
        Error::OriginInvalid | Error::PasskeyQuotaExceeded(_) => StatusCode::FORBIDDEN,
        Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        Error::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The current request's trace id (a fresh one outside a request).
pub fn trace_id() -> String {
    TRACE_ID.try_with(Clone::clone).unwrap_or_default()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let err = self.0;
        let status = status_of(&err);
        let (message, long_message) = match &err {
            Error::Internal(_) | Error::Unavailable(_) => {
                tracing::error!(error = %err, "request failed");
                let message = if status == StatusCode::SERVICE_UNAVAILABLE {
                    "The service is temporarily unavailable"
                } else {
                    "Something went wrong"
                };
                (
                    message.to_owned(),
                    format!(
                        "{message}; quote trace id {} when reporting it.",
                        trace_id()
                    ),
                )
            }
            other => (short_message(other).to_owned(), other.to_string()),
        };
        let meta = match err.param_name() {
            Some(param) => json!({ "param_name": param }),
            None => json!({}),
        };
        let body = json!({
            "errors": [{ "code": err.code(), "message": message, "long_message": long_message, "meta": meta }],
            "trace_id": trace_id(),
        });
        let mut response = (status, axum::Json(body)).into_response();
        response
            .extensions_mut()
            .insert(super::metrics::ErrorCode(err.code()));
        if let Error::RateLimited { retry_after_secs } = err
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

fn short_message(err: &Error) -> &'static str {
    match err {
        Error::FormParamMissing(_) => "is missing",
        Error::FormParamFormatInvalid { .. } => "is invalid",
        Error::FormParamValueInvalid { .. } => "is invalid",
        Error::IdentifierExists(_) => "That identifier is taken",
        Error::IdentifierNotFound(_) => "Couldn't find your account",
        Error::RequestBodyInvalid(_) => "Request body invalid",
        Error::RequestBodyTooLarge => "Request body too large",
        Error::RequestTimeout => "Request timeout",
        Error::NotFound(_) => "Resource not found",
        Error::AuthenticationInvalid => "Unauthenticated",
        Error::OriginInvalid => "Origin not allowed",
        Error::StrategyNotEnabled(_) => "Strategy not enabled",
        Error::PasskeyNotRegistered => "Passkey not registered",
        Error::InvalidCredential(_) => "Invalid passkey credential",
        Error::ChallengeMismatch => "Invalid verification",
        Error::PasskeyNotVerified => "Passkey not verified",
        Error::PasskeyQuotaExceeded(_) => "Passkey quota exceeded",
        Error::PasskeyAlreadyExists => "Passkey already exists",
        Error::VerificationExpired => "Verification expired",
        Error::AlreadyVerified => "Already verified",
        Error::RateLimited { .. } => "Too many requests",
        Error::Unavailable(_) | Error::Internal(_) => "Something went wrong",
    }
}
