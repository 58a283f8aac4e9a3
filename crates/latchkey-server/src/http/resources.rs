//! The JSON shapes of API §2, built from the domain's views.

use latchkey_core::aaguid;
use latchkey_core::auth::{ClientView, PasskeyView, SessionView, SignInView, SignUpView, UserView};
use latchkey_core::model::{Passkey, SessionStatus, Verification, VerificationStatus};
use serde_json::{Value, json};

/// A Verification.
pub fn verification(v: &Verification) -> Value {
    let nonce = match v.status {
        VerificationStatus::Unverified => v.nonce.clone(),
        _ => None,
    };
    json!({
        "object": "verification_passkey",
        "status": v.status.as_str(),
        "strategy": "passkey",
        "nonce": nonce,
        "attempts": v.attempts,
        "expire_at": v.expire_at,
    })
}

/// A Passkey.
pub fn passkey(p: &Passkey, v: Option<&Verification>) -> Value {
    let provider = p.aaguid.as_deref().and_then(aaguid::provider).map(
        |pr| json!({ "name": pr.name, "icon_light": pr.icon_light, "icon_dark": pr.icon_dark }),
    );
    let verification = match v {
        Some(v) => verification(v),
        None if p.verified => json!({
            "object": "verification_passkey", "status": "verified", "strategy": "passkey",
            "nonce": null, "attempts": null, "expire_at": null,
        }),
        None => Value::Null,
    };
    json!({
        "object": "passkey",
        "id": p.id,
        "name": p.name,
        "verification": verification,
        "last_used_at": p.last_used_at,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "aaguid": p.aaguid,
        "provider": provider,
        "backed_up": p.backed_up,
        "transports": p.transports,
    })
}

/// A Passkey with its verification.
pub fn passkey_view(view: &PasskeyView) -> Value {
    passkey(&view.passkey, view.verification.as_ref())
}

/// A User.
pub fn user(view: &UserView) -> Value {
    let u = &view.user;
    let emails: Vec<Value> = u
        .email
        .iter()
        .map(|e| json!({ "id": e.id, "email_address": e.email_address }))
        .collect();
    let passkeys: Vec<Value> = view.passkeys.iter().map(|p| passkey(p, None)).collect();
    json!({
        "object": "user",
        "id": u.id,
        "username": u.username,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "email_addresses": emails,
        "passkeys": passkeys,
        "last_sign_in_at": u.last_sign_in_at,
        "created_at": u.created_at,
        "updated_at": u.updated_at,
    })
}

/// A session token, as `POST /v1/client/sessions/{id}/tokens` returns it.
pub fn token(jwt: &str) -> Value {
    json!({ "object": "token", "jwt": jwt })
}

/// A Session.
pub fn session(view: &SessionView) -> Value {
    let s = &view.session;
    let tasks = (s.status == SessionStatus::Pending).then(|| json!([{ "key": "setup-passkey" }]));
    json!({
        "object": "session",
        "id": s.id,
        "status": s.status.as_str(),
        "user": user(&view.user),
        "tasks": tasks,
        "last_active_token": view.token.as_ref().map(|jwt| token(jwt)),
        "last_active_at": s.last_active_at,
        "expire_at": s.expire_at,
        "abandon_at": s.abandon_at,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    })
}

/// A SignIn.
pub fn sign_in(view: &SignInView) -> Value {
    let s = &view.sign_in;
    let factors = if view.passkey_supported {
        json!([{ "strategy": "passkey" }])
    } else {
        json!([])
    };
    json!({
        "object": "sign_in_attempt",
        "id": s.id,
        "status": s.status.as_str(),
        "identifier": s.identifier,
        "supported_first_factors": factors,
        "first_factor_verification": view.verification.as_ref().map(verification),
        "created_session_id": s.created_session_id,
        "abandon_at": s.abandon_at,
    })
}

/// A SignUp.
pub fn sign_up(view: &SignUpView) -> Value {
    let s = &view.sign_up;
    let missing: Vec<&str> = match s.status {
        latchkey_core::model::SignUpStatus::MissingRequirements if s.user_handle.is_some() => {
            vec!["passkey"]
        }
        latchkey_core::model::SignUpStatus::MissingRequirements => vec!["username"],
        _ => vec![],
    };
    json!({
        "object": "sign_up_attempt",
        "id": s.id,
        "status": s.status.as_str(),
        "username": s.username,
        "email_address": s.email_address,
        "first_name": s.first_name,
        "last_name": s.last_name,
        "missing_fields": missing,
        "verification": view.verification.as_ref().map(verification),
        "created_user_id": s.created_user_id,
        "created_session_id": s.created_session_id,
        "abandon_at": s.abandon_at,
    })
}

/// A Client.
pub fn client(view: &ClientView) -> Value {
    let c = &view.client;
    json!({
        "object": "client",
        "id": c.id,
        "sessions": view.sessions.iter().map(session).collect::<Vec<_>>(),
        "sign_in": view.sign_in.as_ref().map(sign_in),
        "sign_up": view.sign_up.as_ref().map(sign_up),
        "last_active_session_id": c.last_active_session_id,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    })
}

/// A DeletedObject.
pub fn deleted(object: &str, id: &str) -> Value {
    json!({ "object": object, "id": id, "deleted": true })
}
