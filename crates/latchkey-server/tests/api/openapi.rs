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

/// The values the schema `property` of component `schema` admits: its `enum`, or `[]` when
/// it is open (a plain string). A single-branch `oneOf` wrapping is looked through.
fn admitted(doc: &Value, schema: &str, property: &str) -> Vec<Value> {
    let mut field = &doc["components"]["schemas"][schema]["properties"][property];
    assert!(field.is_object(), "{schema}.{property} is documented");
    if let Some([only]) = field["oneOf"].as_array().map(Vec::as_slice) {
        field = only;
    }
    field["enum"].as_array().cloned().unwrap_or_default()
}

/// The contract's closed sets (API §2) are in the document, so that contract suites and
/// schema fuzzers check them: each resource's constant `object`, the statuses, the one
/// strategy and the other fixed values the old hand-written document stated.
#[tokio::test]
async fn the_document_states_the_contracts_closed_sets() {
    let app = TestApp::spawn().await;
    let doc = app.browser().get("/openapi.json").await.ok().clone();
    let objects = [
        ("Client", "client"),
        ("Session", "session"),
        ("ActiveSession", "session"),
        ("SessionActivity", "session_activity"),
        ("User", "user"),
        ("Passkey", "passkey"),
        ("Verification", "verification_passkey"),
        ("SignIn", "sign_in_attempt"),
        ("SignUp", "sign_up_attempt"),
        ("Token", "token"),
        ("AuditEvent", "audit_event"),
        ("EmailAddress", "email_address"),
        ("EmailCodeVerification", "verification_email_code"),
        ("SessionVerification", "session_verification"),
        ("DevBrowser", "dev_browser"),
        ("LiveSettings", "live_settings"),
        ("Overview", "overview"),
        ("OperatorEnrolment", "operator_enrolment"),
    ];
    for (schema, object) in objects {
        assert_eq!(
            admitted(&doc, schema, "object"),
            [json!(object)],
            "{schema}.object"
        );
    }
    // Every schema with an `object` is a resource above, or a DeletedObject.
    for (name, schema) in doc["components"]["schemas"].as_object().expect("schemas") {
        if schema["properties"]["object"].is_object() && name != "DeletedObject" {
            assert!(
                objects.iter().any(|(s, _)| s == name),
                "{name}.object is not constant"
            );
        }
    }
    let session_statuses = [
        "active",
        "pending",
        "ended",
        "expired",
        "removed",
        "revoked",
        "abandoned",
    ];
    let statuses = [
        ("Session", &session_statuses[..]),
        ("ActiveSession", &session_statuses),
        (
            "SignIn",
            &[
                "needs_identifier",
                "needs_first_factor",
                "complete",
                "abandoned",
            ],
        ),
        ("SignUp", &["missing_requirements", "complete", "abandoned"]),
        (
            "Verification",
            &["unverified", "verified", "failed", "expired"],
        ),
        (
            "EmailCodeVerification",
            &["unverified", "verified", "failed", "expired"],
        ),
        ("SessionVerification", &["needs_first_factor", "complete"]),
    ];
    for (schema, values) in statuses {
        assert_eq!(admitted(&doc, schema, "status"), values, "{schema}.status");
    }
    let fixed = [
        ("Verification", "strategy", json!(["passkey"])),
        ("EmailCodeVerification", "strategy", json!(["email_code"])),
        ("SessionVerification", "level", json!(["first_factor"])),
        (
            "DeletedObject",
            "object",
            json!(["user", "passkey", "email_address"]),
        ),
        ("DeletedObject", "deleted", json!([true])),
        ("EcJwk", "kty", json!(["EC"])),
        ("EcJwk", "crv", json!(["P-256"])),
        ("EcJwk", "alg", json!(["ES256"])),
        ("EcJwk", "use", json!(["sig"])),
        ("RsaJwk", "kty", json!(["RSA"])),
        ("RsaJwk", "alg", json!(["RS256"])),
        ("RsaJwk", "use", json!(["sig"])),
    ];
    for (schema, property, values) in fixed {
        assert_eq!(
            json!(admitted(&doc, schema, property)),
            values,
            "{schema}.{property}"
        );
    }
    // A JWK is a P-256 key or an RSA key, each with its own fields.
    let jwks = doc["components"]["schemas"]["Jwk"]["oneOf"]
        .as_array()
        .expect("JWK kinds")
        .iter()
        .map(|kind| kind["$ref"].clone())
        .collect::<Vec<_>>();
    assert_eq!(
        jwks,
        [
            json!("#/components/schemas/EcJwk"),
            json!("#/components/schemas/RsaJwk")
        ]
    );
    for (schema, fields) in [
        ("EcJwk", &["kty", "crv", "alg", "use", "kid", "x", "y"][..]),
        ("RsaJwk", &["kty", "alg", "use", "kid", "n", "e"]),
    ] {
        assert_eq!(
            doc["components"]["schemas"][schema]["required"],
            json!(fields),
            "{schema}"
        );
    }
    // A first factor is a passkey or an emailed code, each with its one strategy.
    let factors = doc["components"]["schemas"]["Factor"]["oneOf"]
        .as_array()
        .expect("factor kinds")
        .iter()
        .map(|kind| kind["properties"]["strategy"]["enum"].clone())
        .collect::<Vec<_>>();
    assert_eq!(factors, [json!(["passkey"]), json!(["email_code"])]);
    assert_eq!(
        doc["components"]["schemas"]["Errors"]["properties"]["errors"]["minItems"],
        1
    );
    // Request body fields are strings (API §1), not a reference to a generic schema.
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let Some(content) = operation["requestBody"]["content"].as_object() else {
                continue;
            };
            for media in content.values() {
                let reference = media["schema"]["$ref"].as_str().expect("a body schema");
                let name = reference.trim_start_matches("#/components/schemas/");
                let properties = doc["components"]["schemas"][name]["properties"]
                    .as_object()
                    .expect("body fields");
                for (field, schema) in properties {
                    assert_eq!(schema["type"], "string", "{method} {path}: {field}");
                }
            }
        }
    }
}
