//! A backend whose `GET /api/me` needs a Latchkey session.
//!
//! ```text
//! LATCHKEY_URL=http://localhost:8080 cargo run -p latchkey-verify --features axum --example backend
//! curl -H "Authorization: Bearer $JWT" http://127.0.0.1:3000/api/me
//! ```
//!
//! Environment: `LATCHKEY_URL` (the Latchkey server's public URL, default
//! `http://localhost:8080`), `PORT` (default 3000), `ALLOWED_ORIGINS` (comma-separated browser origins that may
//! call this backend cross-origin, default the Latchkey URL) and
//! `LATCHKEY_AUTHORIZED_PARTIES` (comma-separated origins whose tokens are accepted; empty
//! or unset accepts any).

use std::env;

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderValue, Method};
use axum::routing::get;
use axum::{Json, Router};
use latchkey_verify::{Session, Verifier, VerifierConfig};
use serde_json::{Value, json};
use tower_http::cors::CorsLayer;

/// `GET /api/me`: who is calling. Without a valid session the extractor answers 401.
async fn me(Session(claims): Session) -> Json<Value> {
    Json(json!({ "user_id": claims.sub, "session_id": claims.sid }))
}

fn list(name: &str) -> Option<Vec<String>> {
    let value = env::var(name).ok()?;
    Some(
        value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    )
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let issuer = env::var("LATCHKEY_URL").unwrap_or_else(|_| "http://localhost:8080".into());
    let verifier = Verifier::new(VerifierConfig {
        authorized_parties: list("LATCHKEY_AUTHORIZED_PARTIES").unwrap_or_default(),
        ..VerifierConfig::new(issuer.clone())
    })?;

    // A page on another origin sends the token in the Authorization header, which makes
    // its request need a CORS preflight.
    let origins = list("ALLOWED_ORIGINS")
        .unwrap_or_else(|| vec![issuer.trim_end_matches('/').to_owned()])
        .iter()
        .map(|origin| HeaderValue::from_str(origin))
        .collect::<Result<Vec<_>, _>>()?;
    let cors = CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([Method::GET])
        .allow_headers([AUTHORIZATION, CONTENT_TYPE]);

    let app = Router::new()
        .route("/api/me", get(me))
        .layer(cors)
        .with_state(verifier);
    let port: u16 = env::var("PORT").map_or(Ok(3000), |port| port.parse())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "backend on http://{}, verifying tokens of {issuer}",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}
