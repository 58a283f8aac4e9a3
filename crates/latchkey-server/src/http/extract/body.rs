//! The body of a request, JSON or `application/x-www-form-urlencoded`, read into a typed
//! struct of the API's form fields.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use latchkey_core::Error;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::http::error::ApiError;

/// Bodies above this size are refused with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// A request body of type `T`: a JSON object or urlencoded fields (an empty body has no
/// fields), read through `T`'s `Deserialize`.
#[derive(Debug)]
pub struct Body<T>(pub T);

/// The fields of a request body, from JSON or `application/x-www-form-urlencoded`.
#[derive(Debug, Default)]
struct Fields(Map<String, Value>);

impl Fields {
    /// Parses a body of the given content type.
    fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Self, Error> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Fields::default());
        }
        let mime = content_type
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime == "application/json" || mime.ends_with("+json") {
            return match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => Ok(Fields(map)),
                Ok(_) => Err(Error::RequestBodyInvalid(
                    "the JSON body must be an object".into(),
                )),
                Err(e) => Err(Error::RequestBodyInvalid(e.to_string())),
            };
        }
        if mime.is_empty() || mime == "application/x-www-form-urlencoded" {
            let map = form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect();
            return Ok(Fields(map));
        }
        Err(Error::RequestBodyInvalid(format!(
            "unsupported content type {mime}"
        )))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| Error::RequestBodyTooLarge)?;
        Ok(Body(read(content_type.as_deref(), &bytes)?))
    }
}

/// Reads a body of the given content type as a `T`.
fn read<T: DeserializeOwned>(content_type: Option<&str>, body: &[u8]) -> Result<T, Error> {
    let Fields(fields) = Fields::parse(content_type, body)?;
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| Error::RequestBodyInvalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::dto::{AttemptBody, SignUpBody};

    #[test]
    fn bodies_parse_as_json_or_form() {
        let json: SignUpBody = read(
            Some("application/json"),
            br#"{"username":"ada","first_name":1,"strategy":{"a":1},"last_name":null,"x":[]}"#,
        )
        .expect("json");
        assert_eq!(json.username.as_deref(), Some("ada"));
        assert_eq!(json.first_name.as_deref(), Some("1"));
        assert_eq!(json.strategy.as_deref(), Some(r#"{"a":1}"#));
        assert_eq!(json.last_name.as_deref(), None);
        assert_eq!(json.email_address.as_deref(), None);
        let form: SignUpBody = read(
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            b"username=ada+l&strategy=%7B%7D",
        )
        .expect("form");
        assert_eq!(form.username.as_deref(), Some("ada l"));
        assert_eq!(form.strategy.as_deref(), Some("{}"));
        // A field the API requires is still read when left out, for core to name it.
        let empty: AttemptBody = read(Some("application/json"), b"{}").expect("empty");
        assert_eq!(empty.strategy.as_deref(), None);
        assert_eq!(empty.public_key_credential.as_deref(), None);
        let empty: AttemptBody = read(None, b"").expect("no body");
        assert_eq!(empty.strategy.as_deref(), None);
        assert!(read::<SignUpBody>(Some("application/json"), b"[1]").is_err());
        assert!(read::<SignUpBody>(Some("application/json"), b"{").is_err());
        assert!(read::<SignUpBody>(Some("text/plain"), b"hello").is_err());
        assert!(read::<SignUpBody>(Some("application/json"), b"").is_ok());
    }
}
