//! The OpenAPI 3.1 document at `GET /openapi.json`, rendered from [`OPERATIONS`]: the
//! route table registers a route only if it is listed here, so the document cannot miss one.

use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};

use crate::state::AppState;

/// How an operation's caller is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// Anyone.
    Public,
    /// A client if the caller has one (the `__client` cookie or a bearer client token);
    /// a caller without one is served too, and gets a new client where the call needs one.
    AnyClient,
    /// The caller's existing client: the `__client` cookie or a bearer client token.
    Client,
    /// The client's signed-in session (`?_latchkey_session_id=` or the last active one).
    Session,
    /// A Backend API secret key.
    SecretKey,
}

/// One documented operation of the HTTP API.
#[derive(Debug)]
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub caller: Caller,
    /// Body fields: name, JSON type, required.
    pub body: &'static [(&'static str, &'static str, bool)],
    /// Query parameters: name, JSON type.
    pub query: &'static [(&'static str, &'static str)],
    /// Schema of a successful (200) response.
    pub response: &'static str,
    /// Whether the response is wrapped in `{ response, client }`.
    pub enveloped: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    caller: Caller,
    response: &'static str,
) -> Operation {
    Operation {
        method,
        path,
        summary,
        caller,
        body: &[],
        query: &[],
        response,
        enveloped: false,
    }
}

const fn frontend(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    caller: Caller,
    response: &'static str,
) -> Operation {
    Operation {
        enveloped: true,
        ..op(method, path, summary, caller, response)
    }
}

const CREDENTIAL: (&str, &str, bool) = ("public_key_credential", "string", true);
const STRATEGY: (&str, &str, bool) = ("strategy", "string", true);
const PAGING: [(&str, &str); 2] = [("limit", "integer"), ("offset", "integer")];

/// Every route the server answers (besides the embedded SDK and demo files).
pub const OPERATIONS: &[Operation] = &[
    op(
        "GET",
        "/v1/environment",
        "What the SDK needs of the configuration",
        Caller::Public,
        "Environment",
    ),
    frontend(
        "GET",
        "/v1/client",
        "The caller's client, or null",
        Caller::AnyClient,
        "ClientOrNull",
    ),
    frontend(
        "DELETE",
        "/v1/client",
        "End every session of the client",
        Caller::Client,
        "ClientOrNull",
    ),
    Operation {
        body: &[
            ("strategy", "string", false),
            ("username", "string", false),
            ("email_address", "string", false),
            ("first_name", "string", false),
            ("last_name", "string", false),
        ],
        ..frontend(
            "POST",
            "/v1/client/sign_ups",
            "Sign up with a username, or start a passkey-first sign-up",
            Caller::AnyClient,
            "SignUp",
        )
    },
    Operation {
        body: &[STRATEGY, CREDENTIAL],
        ..frontend(
            "POST",
            "/v1/client/sign_ups/{id}/attempt_verification",
            "Finish a passkey-first sign-up",
            Caller::Client,
            "SignUp",
        )
    },
    Operation {
        body: &[
            ("strategy", "string", false),
            ("identifier", "string", false),
        ],
        ..frontend(
            "POST",
            "/v1/client/sign_ins",
            "Start a discoverable or identifier-first sign-in",
            Caller::AnyClient,
            "SignIn",
        )
    },
    Operation {
        body: &[STRATEGY],
        ..frontend(
            "POST",
            "/v1/client/sign_ins/{id}/prepare_first_factor",
            "Request options allowing the identified user's passkeys",
            Caller::Client,
            "SignIn",
        )
    },
    Operation {
        body: &[STRATEGY, CREDENTIAL],
        ..frontend(
            "POST",
            "/v1/client/sign_ins/{id}/attempt_first_factor",
            "Verify the assertion and create a session",
            Caller::Client,
            "SignIn",
        )
    },
    frontend(
        "POST",
        "/v1/client/sessions/{id}/touch",
        "Make the session the client's active one",
        Caller::Client,
        "Session",
    ),
    op(
        "POST",
        "/v1/client/sessions/{id}/tokens",
        "Mint a session token (JWT)",
        Caller::Client,
        "Token",
    ),
    frontend(
        "POST",
        "/v1/client/sessions/{id}/end",
        "Sign out of the session",
        Caller::Client,
        "Session",
    ),
    frontend(
        "GET",
        "/v1/me",
        "The signed-in user",
        Caller::Session,
        "User",
    ),
    frontend(
        "GET",
        "/v1/me/sessions",
        "The user's live sessions on every client",
        Caller::Session,
        "SessionList",
    ),
    frontend(
        "POST",
        "/v1/me/sessions/{id}/revoke",
        "Revoke one of the user's sessions",
        Caller::Session,
        "Session",
    ),
    frontend(
        "POST",
        "/v1/me/passkeys",
        "Start a passkey registration",
        Caller::Session,
        "Passkey",
    ),
    Operation {
        body: &[STRATEGY, CREDENTIAL],
        ..frontend(
            "POST",
            "/v1/me/passkeys/{id}/attempt_verification",
            "Verify and name the new passkey",
            Caller::Session,
            "Passkey",
        )
    },
    Operation {
        body: &[("name", "string", true)],
        ..frontend(
            "PATCH",
            "/v1/me/passkeys/{id}",
            "Rename a passkey",
            Caller::Session,
            "Passkey",
        )
    },
    frontend(
        "DELETE",
        "/v1/me/passkeys/{id}",
        "Delete a passkey",
        Caller::Session,
        "DeletedObject",
    ),
    Operation {
        query: &[("query", "string"), PAGING[0], PAGING[1]],
        ..op(
            "GET",
            "/backend/v1/users",
            "List users",
            Caller::SecretKey,
            "UserList",
        )
    },
    Operation {
        body: &[
            ("username", "string", true),
            ("email_address", "string", false),
            ("first_name", "string", false),
            ("last_name", "string", false),
        ],
        ..op(
            "POST",
            "/backend/v1/users",
            "Create a user",
            Caller::SecretKey,
            "User",
        )
    },
    op(
        "GET",
        "/backend/v1/users/{id}",
        "Get a user",
        Caller::SecretKey,
        "User",
    ),
    op(
        "DELETE",
        "/backend/v1/users/{id}",
        "Delete a user, their passkeys and sessions",
        Caller::SecretKey,
        "DeletedObject",
    ),
    op(
        "DELETE",
        "/backend/v1/users/{id}/passkeys/{passkey_id}",
        "Delete a user's passkey",
        Caller::SecretKey,
        "DeletedObject",
    ),
    Operation {
        query: &[
            ("user_id", "string"),
            ("status", "string"),
            PAGING[0],
            PAGING[1],
        ],
        ..op(
            "GET",
            "/backend/v1/sessions",
            "List sessions",
            Caller::SecretKey,
            "SessionPage",
        )
    },
    op(
        "GET",
        "/backend/v1/sessions/{id}",
        "Get a session",
        Caller::SecretKey,
        "Session",
    ),
    op(
        "POST",
        "/backend/v1/sessions/{id}/revoke",
        "Revoke a session",
        Caller::SecretKey,
        "Session",
    ),
    op(
        "GET",
        "/backend/v1/jwks",
        "The session token signing keys",
        Caller::SecretKey,
        "Jwks",
    ),
    Operation {
        query: &[("user_id", "string"), PAGING[0], PAGING[1]],
        ..op(
            "GET",
            "/backend/v1/audit_events",
            "Security events, newest first",
            Caller::SecretKey,
            "AuditEventPage",
        )
    },
    op(
        "GET",
        "/.well-known/jwks.json",
        "The session token signing keys",
        Caller::Public,
        "Jwks",
    ),
    op(
        "GET",
        "/.well-known/webauthn",
        "Related origins (404 unless configured)",
        Caller::Public,
        "RelatedOrigins",
    ),
    op(
        "GET",
        "/.well-known/assetlinks.json",
        "Android apps (404 unless configured)",
        Caller::Public,
        "AssetLinks",
    ),
    op(
        "GET",
        "/.well-known/apple-app-site-association",
        "Apple apps (404 unless configured)",
        Caller::Public,
        "AppleAppSiteAssociation",
    ),
    op(
        "GET",
        "/healthz",
        "The process is up",
        Caller::Public,
        "Status",
    ),
    op(
        "GET",
        "/readyz",
        "The database answers (503 when it does not)",
        Caller::Public,
        "Status",
    ),
    op(
        "GET",
        "/metrics",
        "Prometheus metrics (text)",
        Caller::Public,
        "Metrics",
    ),
    op(
        "GET",
        "/openapi.json",
        "This document",
        Caller::Public,
        "OpenApi",
    ),
];

/// An OpenAPI link: how a value of one operation's successful response feeds a parameter
/// of another, so that clients and stateful test tools can chain calls (create a user,
/// then read or delete it; start a sign-in, then attempt it; …).
#[derive(Debug)]
pub struct Link {
    /// The operation whose 200 response carries the link: method, path.
    pub from: (&'static str, &'static str),
    /// The link's name, unique among the links of `from`.
    pub name: &'static str,
    /// The operation the link leads to: method, path.
    pub to: (&'static str, &'static str),
    /// `location.name` of a parameter of `to`, and the runtime expression that gives it.
    pub parameters: &'static [(&'static str, &'static str)],
}

const fn link(
    from: (&'static str, &'static str),
    name: &'static str,
    to: (&'static str, &'static str),
    parameters: &'static [(&'static str, &'static str)],
) -> Link {
    Link {
        from,
        name,
        to,
        parameters,
    }
}

const SIGN_UPS: (&str, &str) = ("POST", "/v1/client/sign_ups");
const SIGN_INS: (&str, &str) = ("POST", "/v1/client/sign_ins");
const PREPARE_FIRST_FACTOR: (&str, &str) =
    ("POST", "/v1/client/sign_ins/{id}/prepare_first_factor");
const ATTEMPT_FIRST_FACTOR: (&str, &str) =
    ("POST", "/v1/client/sign_ins/{id}/attempt_first_factor");
const TOUCH: (&str, &str) = ("POST", "/v1/client/sessions/{id}/touch");
const TOKENS: (&str, &str) = ("POST", "/v1/client/sessions/{id}/tokens");
const END: (&str, &str) = ("POST", "/v1/client/sessions/{id}/end");
const ME: (&str, &str) = ("GET", "/v1/me");
const MY_SESSIONS: (&str, &str) = ("GET", "/v1/me/sessions");
const REVOKE_MY_SESSION: (&str, &str) = ("POST", "/v1/me/sessions/{id}/revoke");
const CREATE_PASSKEY: (&str, &str) = ("POST", "/v1/me/passkeys");
const ATTEMPT_PASSKEY: (&str, &str) = ("POST", "/v1/me/passkeys/{id}/attempt_verification");
const RENAME_PASSKEY: (&str, &str) = ("PATCH", "/v1/me/passkeys/{id}");
const DELETE_PASSKEY: (&str, &str) = ("DELETE", "/v1/me/passkeys/{id}");
const LIST_USERS: (&str, &str) = ("GET", "/backend/v1/users");
const CREATE_USER: (&str, &str) = ("POST", "/backend/v1/users");
const GET_USER: (&str, &str) = ("GET", "/backend/v1/users/{id}");
const DELETE_USER: (&str, &str) = ("DELETE", "/backend/v1/users/{id}");
const LIST_SESSIONS: (&str, &str) = ("GET", "/backend/v1/sessions");
const GET_SESSION: (&str, &str) = ("GET", "/backend/v1/sessions/{id}");
const REVOKE_SESSION: (&str, &str) = ("POST", "/backend/v1/sessions/{id}/revoke");
const AUDIT_EVENTS: (&str, &str) = ("GET", "/backend/v1/audit_events");

const ID: &str = "$response.body#/id";
const RESPONSE_ID: &str = "$response.body#/response/id";
const CREATED_SESSION: &str = "$response.body#/response/created_session_id";
const CREATED_USER: &str = "$response.body#/response/created_user_id";

/// Every link between operations.
pub const LINKS: &[Link] = &[
    // A username sign-up creates a user and a session on the caller's client.
    link(
        SIGN_UPS,
        "AttemptSignUp",
        ("POST", "/v1/client/sign_ups/{id}/attempt_verification"),
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        SIGN_UPS,
        "TouchCreatedSession",
        TOUCH,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "TokenOfCreatedSession",
        TOKENS,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "EndCreatedSession",
        END,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "MeInCreatedSession",
        ME,
        &[("query._latchkey_session_id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "RevokeCreatedSession",
        REVOKE_MY_SESSION,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "GetCreatedSession",
        GET_SESSION,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "RevokeCreatedSessionByBackend",
        REVOKE_SESSION,
        &[("path.id", CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "GetCreatedUser",
        GET_USER,
        &[("path.id", CREATED_USER)],
    ),
    link(
        SIGN_UPS,
        "DeleteCreatedUser",
        DELETE_USER,
        &[("path.id", CREATED_USER)],
    ),
    // A sign-in is prepared, then attempted.
    link(
        SIGN_INS,
        "PrepareFirstFactor",
        PREPARE_FIRST_FACTOR,
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        SIGN_INS,
        "AttemptFirstFactor",
        ATTEMPT_FIRST_FACTOR,
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        PREPARE_FIRST_FACTOR,
        "AttemptFirstFactor",
        ATTEMPT_FIRST_FACTOR,
        &[("path.id", RESPONSE_ID)],
    ),
    // A session of the client is touched, gives tokens, ends. (`/v1/me/sessions` lists at
    // least the caller's own session.)
    link(TOUCH, "Token", TOKENS, &[("path.id", RESPONSE_ID)]),
    link(TOUCH, "End", END, &[("path.id", RESPONSE_ID)]),
    link(ME, "GetUser", GET_USER, &[("path.id", RESPONSE_ID)]),
    link(
        ME,
        "ListSessionsOfUser",
        LIST_SESSIONS,
        &[("query.user_id", RESPONSE_ID)],
    ),
    link(
        MY_SESSIONS,
        "Revoke",
        REVOKE_MY_SESSION,
        &[("path.id", "$response.body#/response/0/id")],
    ),
    // A passkey registration is started, then verified, renamed or deleted.
    link(
        CREATE_PASSKEY,
        "Attempt",
        ATTEMPT_PASSKEY,
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        CREATE_PASSKEY,
        "Rename",
        RENAME_PASSKEY,
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        CREATE_PASSKEY,
        "Delete",
        DELETE_PASSKEY,
        &[("path.id", RESPONSE_ID)],
    ),
    link(
        RENAME_PASSKEY,
        "Delete",
        DELETE_PASSKEY,
        &[("path.id", RESPONSE_ID)],
    ),
    // A user is created, then read, listed, audited, deleted.
    link(CREATE_USER, "Get", GET_USER, &[("path.id", ID)]),
    link(CREATE_USER, "Delete", DELETE_USER, &[("path.id", ID)]),
    link(
        CREATE_USER,
        "Find",
        LIST_USERS,
        &[("query.query", "$response.body#/username")],
    ),
    link(
        CREATE_USER,
        "ListSessions",
        LIST_SESSIONS,
        &[("query.user_id", ID)],
    ),
    link(
        CREATE_USER,
        "ListAuditEvents",
        AUDIT_EVENTS,
        &[("query.user_id", ID)],
    ),
    link(GET_USER, "Delete", DELETE_USER, &[("path.id", ID)]),
    link(GET_SESSION, "Revoke", REVOKE_SESSION, &[("path.id", ID)]),
];

/// The documented operation for `method` and `path`, if any.
pub fn find(method: &str, path: &str) -> Option<&'static Operation> {
    OPERATIONS
        .iter()
        .find(|o| o.method == method && o.path == path)
}

/// `GET /openapi.json`
pub async fn openapi(State(state): State<AppState>) -> Json<Value> {
    Json(document(state.auth.settings().public_url.as_str()))
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// The `operationId` of an operation: its method and path, as in `get /v1/me`.
fn operation_id(method: &str, path: &str) -> String {
    format!("{} {}", method.to_lowercase(), path)
}

/// The links of the 200 response of `o`.
fn links_of(o: &Operation) -> Map<String, Value> {
    LINKS
        .iter()
        .filter(|l| l.from == (o.method, o.path))
        .map(|l| {
            let parameters: Map<String, Value> = l
                .parameters
                .iter()
                .map(|(name, expr)| ((*name).to_owned(), json!(expr)))
                .collect();
            let value =
                json!({ "operationId": operation_id(l.to.0, l.to.1), "parameters": parameters });
            (l.name.to_owned(), value)
        })
        .collect()
}

fn operation(o: &Operation) -> Value {
    let mut parameters: Vec<Value> = o
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    parameters.extend(o.query.iter().map(|(name, kind)| json!({ "name": name, "in": "query", "required": false, "schema": { "type": kind } })));
    if o.caller != Caller::SecretKey && o.caller != Caller::Public {
        parameters.push(json!({ "name": "_is_native", "in": "query", "required": false, "schema": { "type": "string" }, "description": "1: the client token travels in Authorization instead of the cookie" }));
    }
    if o.caller == Caller::Session {
        parameters.push(json!({ "name": "_latchkey_session_id", "in": "query", "required": false, "schema": { "type": "string" } }));
    }
    let success = if o.enveloped {
        json!({ "type": "object", "required": ["response", "client"], "properties": { "response": schema_ref(o.response), "client": schema_ref("ClientOrNull") } })
    } else {
        schema_ref(o.response)
    };
    let content_type = if o.response == "Metrics" {
        "text/plain"
    } else {
        "application/json"
    };
    let mut responses = json!({
        "200": { "description": "Success", "content": { content_type: { "schema": success } } },
        "4XX": { "description": "An error with a stable code (API §5)", "content": { "application/json": { "schema": schema_ref("Errors") } } },
    });
    let links = links_of(o);
    if !links.is_empty() {
        responses["200"]["links"] = Value::Object(links);
    }
    if matches!(o.path, "/readyz") || o.caller != Caller::Public {
        responses["503"] = json!({ "description": "The database is unavailable", "content": { "application/json": { "schema": schema_ref(if o.path == "/readyz" { "Status" } else { "Errors" }) } } });
    }
    let mut op = json!({
        "operationId": operation_id(o.method, o.path),
        "summary": o.summary,
        "tags": [if o.path.starts_with("/backend") { "backend" } else if o.path.starts_with("/v1") { "frontend" } else { "public" }],
        "parameters": parameters,
        "responses": responses,
    });
    op["security"] = match o.caller {
        Caller::Public => json!([]),
        Caller::SecretKey => json!([{ "secret_key": [] }]),
        Caller::AnyClient => json!([{ "client_cookie": [] }, { "client_token": [] }, {}]),
        Caller::Client | Caller::Session => {
            json!([{ "client_cookie": [] }, { "client_token": [] }])
        }
    };
    if !o.body.is_empty() {
        let properties: Map<String, Value> = o
            .body
            .iter()
            .map(|(name, kind, _)| ((*name).to_owned(), json!({ "type": kind })))
            .collect();
        let required: Vec<&str> = o
            .body
            .iter()
            .filter(|(_, _, r)| *r)
            .map(|(n, _, _)| *n)
            .collect();
        let schema = json!({ "type": "object", "properties": properties, "required": required });
        op["requestBody"] = json!({
            "required": !required.is_empty(),
            "content": {
                "application/x-www-form-urlencoded": { "schema": schema },
                "application/json": { "schema": schema },
            },
        });
    }
    op
}

/// The whole document.
pub fn document(server_url: &str) -> Value {
    let mut paths = Map::new();
    for o in OPERATIONS {
        let item = paths.entry(o.path.to_owned()).or_insert_with(|| json!({}));
        item[o.method.to_lowercase()] = operation(o);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Latchkey", "version": env!("CARGO_PKG_VERSION"), "description": "Passkey-first authentication: Frontend API (/v1), Backend API (/backend/v1) and public documents." },
        "servers": [{ "url": server_url.trim_end_matches('/') }],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "client_cookie": { "type": "apiKey", "in": "cookie", "name": "__client" },
                "client_token": { "type": "http", "scheme": "bearer", "description": "A native client's token" },
                "secret_key": { "type": "http", "scheme": "bearer", "description": "A Backend API secret key" },
            },
            "schemas": schemas(),
        },
    })
}

fn nullable(kind: &str) -> Value {
    json!({ "type": [kind, "null"] })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn schemas() -> Value {
    let verification = object(
        &["object", "status", "strategy", "nonce"],
        json!({
            "object": { "const": "verification_passkey" },
            "status": { "enum": ["unverified", "verified", "failed", "expired"] },
            "strategy": { "const": "passkey" },
            "nonce": nullable("string"),
            "attempts": nullable("integer"),
            "expire_at": nullable("integer"),
        }),
    );
    let passkey = object(
        &[
            "object",
            "id",
            "name",
            "verification",
            "created_at",
            "updated_at",
        ],
        json!({
            "object": { "const": "passkey" },
            "id": { "type": "string" },
            "name": nullable("string"),
            "verification": { "oneOf": [schema_ref("Verification"), { "type": "null" }] },
            "last_used_at": nullable("integer"),
            "created_at": { "type": "integer" },
            "updated_at": { "type": "integer" },
            "aaguid": nullable("string"),
            "provider": { "oneOf": [{ "type": "null" }, object(&["name"], json!({ "name": { "type": "string" }, "icon_light": nullable("string"), "icon_dark": nullable("string") }))] },
            "backed_up": { "type": "boolean" },
            "transports": { "type": "array", "items": { "type": "string" } },
        }),
    );
    let user = object(
        &[
            "object",
            "id",
            "email_addresses",
            "passkeys",
            "created_at",
            "updated_at",
        ],
        json!({
            "object": { "const": "user" },
            "id": { "type": "string" },
            "username": nullable("string"),
            "first_name": nullable("string"),
            "last_name": nullable("string"),
            "email_addresses": { "type": "array", "items": object(&["id", "email_address"], json!({ "id": { "type": "string" }, "email_address": { "type": "string" } })) },
            "passkeys": { "type": "array", "items": schema_ref("Passkey") },
            "last_sign_in_at": nullable("integer"),
            "created_at": { "type": "integer" },
            "updated_at": { "type": "integer" },
        }),
    );
    let session = object(
        &["object", "id", "status", "user", "expire_at", "abandon_at"],
        json!({
            "object": { "const": "session" },
            "id": { "type": "string" },
            "status": { "enum": ["active", "pending", "ended", "expired", "removed", "revoked", "abandoned"] },
            "user": schema_ref("User"),
            "tasks": { "oneOf": [{ "type": "null" }, { "type": "array", "items": object(&["key"], json!({ "key": { "type": "string" } })) }] },
            "last_active_token": { "oneOf": [{ "type": "null" }, schema_ref("Token")] },
            "last_active_at": { "type": "integer" },
            "expire_at": { "type": "integer" },
            "abandon_at": { "type": "integer" },
            "created_at": { "type": "integer" },
            "updated_at": { "type": "integer" },
        }),
    );
    let sign_in = object(
        &["object", "id", "status", "supported_first_factors"],
        json!({
            "object": { "const": "sign_in_attempt" },
            "id": { "type": "string" },
            "status": { "enum": ["needs_identifier", "needs_first_factor", "complete", "abandoned"] },
            "identifier": nullable("string"),
            "supported_first_factors": { "type": "array", "items": object(&["strategy"], json!({ "strategy": { "const": "passkey" } })) },
            "first_factor_verification": { "oneOf": [schema_ref("Verification"), { "type": "null" }] },
            "created_session_id": nullable("string"),
            "abandon_at": { "type": "integer" },
        }),
    );
    let sign_up = object(
        &["object", "id", "status", "missing_fields"],
        json!({
            "object": { "const": "sign_up_attempt" },
            "id": { "type": "string" },
            "status": { "enum": ["missing_requirements", "complete", "abandoned"] },
            "username": nullable("string"),
            "email_address": nullable("string"),
            "first_name": nullable("string"),
            "last_name": nullable("string"),
            "missing_fields": { "type": "array", "items": { "type": "string" } },
            "verification": { "oneOf": [schema_ref("Verification"), { "type": "null" }] },
            "created_user_id": nullable("string"),
            "created_session_id": nullable("string"),
            "abandon_at": { "type": "integer" },
        }),
    );
    let client = object(
        &["object", "id", "sessions"],
        json!({
            "object": { "const": "client" },
            "id": { "type": "string" },
            "sessions": { "type": "array", "items": schema_ref("Session") },
            "sign_in": { "oneOf": [schema_ref("SignIn"), { "type": "null" }] },
            "sign_up": { "oneOf": [schema_ref("SignUp"), { "type": "null" }] },
            "last_active_session_id": nullable("string"),
            "created_at": { "type": "integer" },
            "updated_at": { "type": "integer" },
        }),
    );
    let page = |item: &str| {
        object(
            &["data", "total_count"],
            json!({ "data": { "type": "array", "items": schema_ref(item) }, "total_count": { "type": "integer" } }),
        )
    };
    json!({
        "Verification": verification,
        "Passkey": passkey,
        "User": user,
        "Session": session,
        "SignIn": sign_in,
        "SignUp": sign_up,
        "Client": client,
        "ClientOrNull": { "oneOf": [schema_ref("Client"), { "type": "null" }] },
        "SessionList": { "type": "array", "items": schema_ref("Session") },
        "UserList": page("User"),
        "SessionPage": page("Session"),
        "AuditEventPage": page("AuditEvent"),
        "AuditEvent": object(&["id", "type", "created_at", "data"], json!({
            "object": { "const": "audit_event" }, "id": { "type": "string" }, "type": { "type": "string" },
            "user_id": nullable("string"), "passkey_id": nullable("string"), "session_id": nullable("string"),
            "ip": nullable("string"), "user_agent": nullable("string"), "created_at": { "type": "integer" }, "data": {},
        })),
        "DeletedObject": object(&["object", "id", "deleted"], json!({ "object": { "type": "string" }, "id": { "type": "string" }, "deleted": { "const": true } })),
        "Token": object(&["object", "jwt"], json!({ "object": { "const": "token" }, "jwt": { "type": "string" } })),
        "Environment": object(&["auth_config", "display_config"], json!({ "auth_config": { "type": "object" }, "display_config": { "type": "object" } })),
        "Jwks": object(&["keys"], json!({ "keys": { "type": "array", "items": object(&["kty", "crv", "kid", "x", "y"], json!({
            "kty": { "const": "EC" }, "crv": { "const": "P-256" }, "alg": { "const": "ES256" }, "use": { "const": "sig" },
            "kid": { "type": "string" }, "x": { "type": "string" }, "y": { "type": "string" },
        })) } })),
        "RelatedOrigins": object(&["origins"], json!({ "origins": { "type": "array", "items": { "type": "string" } } })),
        "AssetLinks": { "type": "array", "items": { "type": "object" } },
        "AppleAppSiteAssociation": object(&["webcredentials"], json!({ "webcredentials": { "type": "object" } })),
        "Status": object(&["status"], json!({ "status": { "type": "string" } })),
        "Metrics": { "type": "string" },
        "OpenApi": { "type": "object" },
        "Errors": object(&["errors", "trace_id"], json!({
            "errors": { "type": "array", "minItems": 1, "items": object(&["code", "message", "long_message", "meta"], json!({
                "code": { "type": "string" }, "message": { "type": "string" }, "long_message": { "type": "string" },
                "meta": object(&[], json!({ "param_name": { "type": "string" } })),
            })) },
            "trace_id": { "type": "string" },
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema at `pointer` (a JSON pointer into a response body) of `schema`, following
    /// `$ref`s, array items and the non-null branch of `oneOf`s.
    fn schema_at<'a>(
        components: &'a Value,
        mut schema: &'a Value,
        pointer: &str,
    ) -> Option<&'a Value> {
        let resolve = |mut s: &'a Value| loop {
            if let Some(name) = s["$ref"].as_str() {
                s = &components[name.trim_start_matches("#/components/schemas/")];
            } else if let Some(branches) = s["oneOf"].as_array() {
                s = branches.iter().find(|b| b["type"] != "null")?;
            } else {
                return Some(s);
            }
        };
        for token in pointer.split('/').skip(1) {
            schema = resolve(schema)?;
            schema = if token.parse::<usize>().is_ok() {
                schema.get("items")?
            } else {
                schema["properties"].get(token)?
            };
        }
        resolve(schema)
    }

    #[test]
    fn every_link_joins_documented_operations_through_real_fields_and_parameters() {
        let doc = document("http://localhost:8080");
        let components = &doc["components"]["schemas"];
        for l in LINKS {
            let from = find(l.from.0, l.from.1).expect("the link's source is documented");
            let to = find(l.to.0, l.to.1).expect("the link's target is documented");
            let source = &doc["paths"][from.path][from.method.to_lowercase()];
            let success = &source["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(
                source["responses"]["200"]["links"][l.name].is_object(),
                "{} is rendered",
                l.name
            );
            let target = &doc["paths"][to.path][to.method.to_lowercase()];
            assert_eq!(
                LINKS
                    .iter()
                    .filter(|o| o.from == l.from && o.name == l.name)
                    .count(),
                1,
                "link names are unique per operation: {}",
                l.name
            );
            for (parameter, expression) in l.parameters {
                let (location, name) = parameter.split_once('.').expect("location.name");
                assert!(
                    target["parameters"]
                        .as_array()
                        .expect("parameters")
                        .iter()
                        .any(|p| p["in"] == location && p["name"] == name),
                    "{} {} has no {location} parameter {name}",
                    to.method,
                    to.path
                );
                let pointer = expression
                    .strip_prefix("$response.body#")
                    .expect("a response body expression");
                let field = schema_at(components, success, pointer)
                    .unwrap_or_else(|| panic!("{} {}: no {pointer}", from.method, from.path));
                assert!(
                    field["type"] == "string" || field["type"][0] == "string",
                    "{} {}: {pointer} is not a string",
                    from.method,
                    from.path
                );
            }
        }
    }

    #[test]
    fn only_calls_that_serve_a_caller_without_a_client_leave_authentication_optional() {
        let doc = document("http://localhost:8080");
        for o in OPERATIONS {
            let security = doc["paths"][o.path][o.method.to_lowercase()]["security"]
                .as_array()
                .expect("security")
                .clone();
            let optional = security.is_empty() || security.iter().any(|s| s == &json!({}));
            let expected = matches!(o.caller, Caller::Public | Caller::AnyClient);
            assert_eq!(optional, expected, "{} {}", o.method, o.path);
        }
    }
}
