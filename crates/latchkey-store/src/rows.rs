//! Column lists and row mapping, one function per record.

use latchkey_core::encoding::from_b64url;
use latchkey_core::error::{Error, Result};
use latchkey_core::model::{
    AuditEvent, CeremonyState, Client, EmailAddress, EmailCode, Mail, MailStatus, Passkey,
    PrimaryEmail, Role, Session, SessionStatus, SignIn, SignInStatus, SignUp, SignUpStatus,
    SigningAlgorithm, SigningKey, User, Verification, VerificationStatus,
};

use crate::value::{FromCell, Row};

pub const USER_COLUMNS: &str = "id, user_handle, username, email_id, email_address, first_name, last_name, \
     last_sign_in_at, created_at, updated_at, role, banned_at";
pub const CLIENT_COLUMNS: &str =
    "id, sign_in_id, sign_up_id, last_active_session_id, created_at, updated_at";
pub const SESSION_COLUMNS: &str = "id, client_id, user_id, status, last_active_at, expire_at, abandon_at, \
     created_at, updated_at, verified_at, ip, user_agent";
pub const EMAIL_ADDRESS_COLUMNS: &str =
    "id, user_id, email_address, verified_at, created_at, updated_at";
/// The public columns of an address's last code, `k`, as [`email_address`] reads them.
pub const ADDRESS_CODE_COLUMNS: &str = "k.status AS code_status, k.attempts AS code_attempts, \
     k.expire_at AS code_expire_at, k.created_at AS code_created_at";
pub const EMAIL_CODE_COLUMNS: &str = "owner_id, email_address_id, email_address, code_hash, status, \
     attempts, expire_at, created_at";
pub const PASSKEY_COLUMNS: &str = "id, user_id, name, credential_id, credential, aaguid, backed_up, transports, \
     verified, last_used_at, created_at, updated_at, public_key, user_handle";
pub const SIGN_IN_COLUMNS: &str = "id, client_id, status, identifier, user_id, created_session_id, abandon_at, created_at, updated_at";
pub const SIGN_UP_COLUMNS: &str = "id, client_id, status, username, email_address, first_name, last_name, \
     user_handle, created_user_id, created_session_id, abandon_at, created_at, updated_at";
pub const VERIFICATION_COLUMNS: &str = "owner_id, status, nonce, attempts, expire_at";
pub const AUDIT_COLUMNS: &str =
    "id, kind, user_id, passkey_id, session_id, ip, user_agent, actor, created_at, data";

pub const MAIL_COLUMNS: &str = "id, to_address, template, locale, data, status, attempts, \
     next_attempt_at, last_error, created_at, sent_at";

fn get<T: FromCell>(row: &Row, column: &str) -> Result<T> {
    row.get(column)
}

fn bytes(row: &Row, column: &str) -> Result<Option<Vec<u8>>> {
    get::<Option<String>>(row, column)?
        .map(|text| {
            from_b64url(&text).ok_or_else(|| Error::internal(format!("{column} is not base64url")))
        })
        .transpose()
}

pub fn user(row: &Row) -> Result<User> {
    let email = match (
        get::<Option<String>>(row, "email_id")?,
        get::<Option<String>>(row, "email_address")?,
    ) {
        (Some(id), Some(email_address)) => Some(PrimaryEmail { id, email_address }),
        _ => None,
    };
    Ok(User {
        id: get(row, "id")?,
        user_handle: bytes(row, "user_handle")?.unwrap_or_default(),
        username: get(row, "username")?,
        email,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        last_sign_in_at: get(row, "last_sign_in_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        role: Role::parse(&get::<String>(row, "role")?),
        banned_at: get(row, "banned_at")?,
    })
}

pub fn client(row: &Row) -> Result<Client> {
    Ok(Client {
        id: get(row, "id")?,
        sign_in_id: get(row, "sign_in_id")?,
        sign_up_id: get(row, "sign_up_id")?,
        last_active_session_id: get(row, "last_active_session_id")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub fn session(row: &Row) -> Result<Session> {
    Ok(Session {
        id: get(row, "id")?,
        client_id: get(row, "client_id")?,
        user_id: get(row, "user_id")?,
        status: SessionStatus::parse(&get::<String>(row, "status")?),
        last_active_at: get(row, "last_active_at")?,
        expire_at: get(row, "expire_at")?,
        abandon_at: get(row, "abandon_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        // Sessions stored before step-up proved their factor when created.
        verified_at: match get::<Option<i64>>(row, "verified_at")? {
            Some(at) => at,
            None => get(row, "created_at")?,
        },
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
    })
}

pub fn passkey(row: &Row) -> Result<Passkey> {
    let transports: String = get(row, "transports")?;
    Ok(Passkey {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        credential_id: bytes(row, "credential_id")?,
        credential: get(row, "credential")?,
        public_key: get(row, "public_key")?,
        user_handle: bytes(row, "user_handle")?,
        aaguid: get(row, "aaguid")?,
        backed_up: get::<i64>(row, "backed_up")? != 0,
        transports: serde_json::from_str(&transports).unwrap_or_default(),
        verified: get::<i64>(row, "verified")? != 0,
        last_used_at: get(row, "last_used_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub fn verification(row: &Row) -> Result<Verification> {
    Ok(Verification {
        owner_id: get(row, "owner_id")?,
        status: VerificationStatus::parse(&get::<String>(row, "status")?),
        nonce: get(row, "nonce")?,
        attempts: get(row, "attempts")?,
        expire_at: get(row, "expire_at")?,
    })
}

pub fn ceremony(row: &Row) -> Result<CeremonyState> {
    Ok(CeremonyState {
        state: get(row, "state")?,
        expire_at: get(row, "expire_at")?,
    })
}

pub fn sign_in(row: &Row) -> Result<SignIn> {
    Ok(SignIn {
        id: get(row, "id")?,
        client_id: get(row, "client_id")?,
        status: SignInStatus::parse(&get::<String>(row, "status")?),
        identifier: get(row, "identifier")?,
        user_id: get(row, "user_id")?,
        created_session_id: get(row, "created_session_id")?,
        abandon_at: get(row, "abandon_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub fn sign_up(row: &Row) -> Result<SignUp> {
    Ok(SignUp {
        id: get(row, "id")?,
        client_id: get(row, "client_id")?,
        status: SignUpStatus::parse(&get::<String>(row, "status")?),
        username: get(row, "username")?,
        email_address: get(row, "email_address")?,
        first_name: get(row, "first_name")?,
        last_name: get(row, "last_name")?,
        user_handle: bytes(row, "user_handle")?,
        created_user_id: get(row, "created_user_id")?,
        created_session_id: get(row, "created_session_id")?,
        abandon_at: get(row, "abandon_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

pub fn signing_key(row: &Row) -> Result<SigningKey> {
    let algorithm: String = get(row, "algorithm")?;
    Ok(SigningKey {
        algorithm: SigningAlgorithm::parse(&algorithm).ok_or_else(|| {
            Error::internal(format!("signing key with unknown algorithm {algorithm:?}"))
        })?,
        kid: get(row, "kid")?,
        private_key: get(row, "private_key")?,
        created_at: get(row, "created_at")?,
    })
}

pub fn audit_event(row: &Row) -> Result<AuditEvent> {
    Ok(AuditEvent {
        id: get(row, "id")?,
        kind: get(row, "kind")?,
        user_id: get(row, "user_id")?,
        passkey_id: get(row, "passkey_id")?,
        session_id: get(row, "session_id")?,
        ip: get(row, "ip")?,
        user_agent: get(row, "user_agent")?,
        actor: get(row, "actor")?,
        created_at: get(row, "created_at")?,
        data: get(row, "data")?,
    })
}

pub fn mail(row: &Row) -> Result<Mail> {
    Ok(Mail {
        id: get(row, "id")?,
        to: get(row, "to_address")?,
        template: get(row, "template")?,
        locale: get(row, "locale")?,
        data: get(row, "data")?,
        status: MailStatus::parse(&get::<String>(row, "status")?),
        attempts: get(row, "attempts")?,
        next_attempt_at: get(row, "next_attempt_at")?,
        last_error: get(row, "last_error")?,
        created_at: get(row, "created_at")?,
        sent_at: get(row, "sent_at")?,
    })
}

/// An address read with its last code's public columns (`code_status`,
/// `code_attempts`, `code_expire_at`, `code_created_at`; null without a code).
pub fn email_address(row: &Row) -> Result<EmailAddress> {
    let id: String = get(row, "id")?;
    let email_address: String = get(row, "email_address")?;
    let code = match get::<Option<String>>(row, "code_status")? {
        Some(status) => Some(EmailCode {
            owner_id: id.clone(),
            email_address_id: Some(id.clone()),
            email_address: email_address.clone(),
            code_hash: None,
            status: VerificationStatus::parse(&status),
            attempts: get(row, "code_attempts")?,
            expire_at: get(row, "code_expire_at")?,
            created_at: get(row, "code_created_at")?,
        }),
        None => None,
    };
    Ok(EmailAddress {
        user_id: get(row, "user_id")?,
        verified_at: get(row, "verified_at")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
        id,
        email_address,
        code,
    })
}

pub fn email_code(row: &Row) -> Result<EmailCode> {
    Ok(EmailCode {
        owner_id: get(row, "owner_id")?,
        email_address_id: get(row, "email_address_id")?,
        email_address: get(row, "email_address")?,
        code_hash: get(row, "code_hash")?,
        status: VerificationStatus::parse(&get::<String>(row, "status")?),
        attempts: get(row, "attempts")?,
        expire_at: get(row, "expire_at")?,
        created_at: get(row, "created_at")?,
    })
}
