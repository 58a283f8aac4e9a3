//! Tests of latchkey-verify with keys and tokens made here: the checks, the JWKS fetch
//! and refresh against a local server, and the axum extractor.

mod support;

#[cfg(feature = "axum")]
mod extractor;
mod fetch;
mod verify;
