//! The served OpenAPI document is the committed `docs/openapi.json`, so a change to the
//! API's types or routes shows in review. After such a change, regenerate it with
//! `LATCHKEY_UPDATE_OPENAPI=1 cargo test -p latchkey-server openapi`.

use latchkey_testkit::TestApp;
use serde_json::{Value, json};
use std::path::Path;

/// The server URL the committed document names: the default `server.public_url`.
const COMMITTED_SERVER: &str = "http://localhost:8080";

#[tokio::test]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = TestApp::spawn().await;
    let mut served = app.browser().get("/openapi.json").await.ok().clone();
    assert_eq!(
        served["servers"][0]["url"].as_str(),
        Some(app.url.trim_end_matches('/'))
    );
    served["servers"] = json!([{ "url": COMMITTED_SERVER }]);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    let rendered = serde_json::to_string_pretty(&served).expect("json") + "\n";
    if std::env::var_os("LATCHKEY_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, rendered).expect("write docs/openapi.json");
        return;
    }
    let committed: Value = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    assert!(
        served == committed,
        "docs/openapi.json differs from the served document; regenerate it with \
         `LATCHKEY_UPDATE_OPENAPI=1 cargo test -p latchkey-server openapi`"
    );
}
