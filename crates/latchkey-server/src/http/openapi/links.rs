//! The links between operations: how a value of one operation's successful response
//! feeds a parameter of another, so that clients and stateful test tools (schemathesis's
//! stateful phase) can chain calls.

use serde::Serialize;
use std::collections::BTreeMap;

use super::operation_id;
use crate::http::router::paths;

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

const SIGN_UPS: (&str, &str) = ("post", paths::SIGN_UPS);
const SIGN_UP_ATTEMPT: (&str, &str) = ("post", paths::SIGN_UP_ATTEMPT);
const SIGN_INS: (&str, &str) = ("post", paths::SIGN_INS);
const PREPARE: (&str, &str) = ("post", paths::SIGN_IN_PREPARE);
const ATTEMPT: (&str, &str) = ("post", paths::SIGN_IN_ATTEMPT);
const TOUCH: (&str, &str) = ("post", paths::SESSION_TOUCH);
const TOKENS: (&str, &str) = ("post", paths::SESSION_TOKENS);
const END: (&str, &str) = ("post", paths::SESSION_END);
const REMOVE: (&str, &str) = ("post", paths::SESSION_REMOVE);
const ME: (&str, &str) = ("get", paths::ME);
const MY_SESSIONS: (&str, &str) = ("get", paths::MY_SESSIONS);
const MY_ACTIVE_SESSIONS: (&str, &str) = ("get", paths::MY_ACTIVE_SESSIONS);
const REVOKE_MINE: (&str, &str) = ("post", paths::MY_SESSION_REVOKE);
const CREATE_PASSKEY: (&str, &str) = ("post", paths::MY_PASSKEYS);
const ATTEMPT_PASSKEY: (&str, &str) = ("post", paths::MY_PASSKEY_ATTEMPT);
const RENAME_PASSKEY: (&str, &str) = ("patch", paths::MY_PASSKEY);
const DELETE_PASSKEY: (&str, &str) = ("delete", paths::MY_PASSKEY);
const LIST_USERS: (&str, &str) = ("get", paths::USERS);
const CREATE_USER: (&str, &str) = ("post", paths::USERS);
const GET_USER: (&str, &str) = ("get", paths::USER);
const DELETE_USER: (&str, &str) = ("delete", paths::USER);
const IMPORT_PASSKEY: (&str, &str) = ("post", paths::USER_PASSKEYS);
const LIST_SESSIONS: (&str, &str) = ("get", paths::SESSIONS);
const GET_SESSION: (&str, &str) = ("get", paths::SESSION);
const REVOKE_SESSION: (&str, &str) = ("post", paths::SESSION_REVOKE);
const AUDIT_EVENTS: (&str, &str) = ("get", paths::AUDIT_EVENTS);

const ID: &str = "$response.body#/id";
const RESPONSE_ID: &str = "$response.body#/response/id";
const CREATED_SESSION: &str = "$response.body#/response/created_session_id";
const CREATED_USER: &str = "$response.body#/response/created_user_id";
const PATH_ID: &str = "path.id";

/// Every link between operations.
pub const LINKS: &[Link] = &[
    // A username sign-up creates a user and a session on the caller's client.
    link(
        SIGN_UPS,
        "AttemptSignUp",
        SIGN_UP_ATTEMPT,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        SIGN_UPS,
        "TouchCreatedSession",
        TOUCH,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "TokenOfCreatedSession",
        TOKENS,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "EndCreatedSession",
        END,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "RemoveCreatedSession",
        REMOVE,
        &[(PATH_ID, CREATED_SESSION)],
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
        REVOKE_MINE,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "GetCreatedSession",
        GET_SESSION,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "RevokeCreatedSessionByBackend",
        REVOKE_SESSION,
        &[(PATH_ID, CREATED_SESSION)],
    ),
    link(
        SIGN_UPS,
        "GetCreatedUser",
        GET_USER,
        &[(PATH_ID, CREATED_USER)],
    ),
    link(
        SIGN_UPS,
        "DeleteCreatedUser",
        DELETE_USER,
        &[(PATH_ID, CREATED_USER)],
    ),
    // A sign-in is prepared, then attempted.
    link(
        SIGN_INS,
        "PrepareFirstFactor",
        PREPARE,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        SIGN_INS,
        "AttemptFirstFactor",
        ATTEMPT,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        PREPARE,
        "AttemptFirstFactor",
        ATTEMPT,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    // A session of the client is touched, gives tokens, ends. (The user's session list has at
    // least the caller's own session.)
    link(TOUCH, "Token", TOKENS, &[(PATH_ID, RESPONSE_ID)]),
    link(TOUCH, "End", END, &[(PATH_ID, RESPONSE_ID)]),
    link(TOUCH, "Remove", REMOVE, &[(PATH_ID, RESPONSE_ID)]),
    link(ME, "GetUser", GET_USER, &[(PATH_ID, RESPONSE_ID)]),
    link(
        ME,
        "ListSessionsOfUser",
        LIST_SESSIONS,
        &[("query.user_id", RESPONSE_ID)],
    ),
    link(
        MY_SESSIONS,
        "Revoke",
        REVOKE_MINE,
        &[(PATH_ID, "$response.body#/response/0/id")],
    ),
    // The list of active devices is a bare array; a device is revoked from it.
    link(
        MY_ACTIVE_SESSIONS,
        "Revoke",
        REVOKE_MINE,
        &[(PATH_ID, "$response.body#/0/id")],
    ),
    // A passkey registration is started, then verified, renamed or deleted.
    link(
        CREATE_PASSKEY,
        "Attempt",
        ATTEMPT_PASSKEY,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        CREATE_PASSKEY,
        "Rename",
        RENAME_PASSKEY,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        CREATE_PASSKEY,
        "Delete",
        DELETE_PASSKEY,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    link(
        RENAME_PASSKEY,
        "Delete",
        DELETE_PASSKEY,
        &[(PATH_ID, RESPONSE_ID)],
    ),
    // A user is created, then read, listed, audited, given a passkey, deleted.
    link(CREATE_USER, "Get", GET_USER, &[(PATH_ID, ID)]),
    link(CREATE_USER, "Delete", DELETE_USER, &[(PATH_ID, ID)]),
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
    link(
        CREATE_USER,
        "ImportPasskey",
        IMPORT_PASSKEY,
        &[(PATH_ID, ID)],
    ),
    link(GET_USER, "Delete", DELETE_USER, &[(PATH_ID, ID)]),
    link(GET_SESSION, "Revoke", REVOKE_SESSION, &[(PATH_ID, ID)]),
];

/// A link as the specification spells it. utoipa's own `Link` serialises its fields in
/// snake case (`operation_id`), which no tool reads, so links are written through the
/// response's extensions, which are flattened into it as they are.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct OperationLink {
    operation_id: String,
    parameters: BTreeMap<&'static str, &'static str>,
}

/// Adds the links that start at `method path` to its successful response.
pub(super) fn add_links(success: &mut utoipa::openapi::Response, method: &str, path: &str) {
    let links: BTreeMap<&str, OperationLink> = LINKS
        .iter()
        .filter(|l| l.from == (method, path))
        .map(|l| {
            let link = OperationLink {
                operation_id: operation_id(l.to.0, l.to.1),
                parameters: l.parameters.iter().copied().collect(),
            };
            (l.name, link)
        })
        .collect();
    if links.is_empty() {
        return;
    }
    let links = serde_json::to_value(links).unwrap_or_default();
    success
        .extensions
        .get_or_insert_with(Default::default)
        .insert("links".into(), links);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::openapi::tests::rendered;
    use serde_json::Value;

    /// The schema at `pointer` (a JSON pointer into a response body) of `schema`, following
    /// `$ref`s, array items, the non-null branch of `oneOf`s and the branches of `allOf`s
    /// (a flattened struct's fields).
    fn schema_at<'a>(
        components: &'a Value,
        mut schema: &'a Value,
        pointer: &str,
    ) -> Option<&'a Value> {
        fn resolve<'a>(components: &'a Value, mut s: &'a Value) -> Option<&'a Value> {
            loop {
                if let Some(name) = s["$ref"].as_str() {
                    s = &components[name.trim_start_matches("#/components/schemas/")];
                } else if let Some(branches) = s["oneOf"].as_array() {
                    s = branches.iter().find(|b| b["type"] != "null")?;
                } else {
                    return Some(s);
                }
            }
        }
        fn property<'a>(components: &'a Value, s: &'a Value, name: &str) -> Option<&'a Value> {
            s["properties"].get(name).or_else(|| {
                s["allOf"]
                    .as_array()?
                    .iter()
                    .find_map(|branch| property(components, resolve(components, branch)?, name))
            })
        }
        for token in pointer.split('/').skip(1) {
            schema = resolve(components, schema)?;
            schema = if token.parse::<usize>().is_ok() {
                schema.get("items")?
            } else {
                property(components, schema, token)?
            };
        }
        resolve(components, schema)
    }

    #[test]
    fn every_link_joins_documented_operations_through_real_fields_and_parameters() {
        let doc = rendered();
        let components = &doc["components"]["schemas"];
        for l in LINKS {
            let source = &doc["paths"][l.from.1][l.from.0];
            let target = &doc["paths"][l.to.1][l.to.0];
            assert!(source.is_object(), "{:?} is documented", l.from);
            assert!(target.is_object(), "{:?} is documented", l.to);
            let success = &source["responses"]["200"]["content"]["application/json"]["schema"];
            assert!(
                source["responses"]["200"]["links"][l.name].is_object(),
                "{} is rendered",
                l.name
            );
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
                    "{:?} has no {location} parameter {name}",
                    l.to
                );
                let pointer = expression
                    .strip_prefix("$response.body#")
                    .expect("a response body expression");
                let field = schema_at(components, success, pointer)
                    .unwrap_or_else(|| panic!("{:?}: no {pointer}", l.from));
                assert!(
                    field["type"] == "string" || field["type"][0] == "string",
                    "{:?}: {pointer} is not a string",
                    l.from
                );
            }
        }
    }
}
