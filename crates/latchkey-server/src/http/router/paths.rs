//! Every route path of the server (besides the embedded SDK and demo files), written
//! once: handlers' `#[utoipa::path]` attributes, the metrics and the listeners name these.

/// The prefix of the Backend API, which may get a listener of its own.
pub const BACKEND: &str = "/backend";
/// The prefix of the Frontend API.
pub const FRONTEND: &str = "/v1";
/// The embedded browser SDK.
pub const SDK: &str = "/sdk";
/// The dashboard: its pages, and below it the Frontend API its operators sign in with
/// (`/dashboard/v1`) and the Backend API they act through (`/dashboard/backend/v1`).
pub const DASHBOARD: &str = "/dashboard";

pub const ENVIRONMENT: &str = "/v1/environment";
pub const CLIENT: &str = "/v1/client";
pub const DEV_BROWSER: &str = "/v1/dev_browser";
pub const SIGN_UPS: &str = "/v1/client/sign_ups";
pub const SIGN_UP_PREPARE: &str = "/v1/client/sign_ups/{id}/prepare_verification";
pub const SIGN_UP_ATTEMPT: &str = "/v1/client/sign_ups/{id}/attempt_verification";
pub const SIGN_INS: &str = "/v1/client/sign_ins";
pub const SIGN_IN_PREPARE: &str = "/v1/client/sign_ins/{id}/prepare_first_factor";
pub const SIGN_IN_ATTEMPT: &str = "/v1/client/sign_ins/{id}/attempt_first_factor";
pub const CLIENT_SESSIONS: &str = "/v1/client/sessions";
pub const SESSION_TOUCH: &str = "/v1/client/sessions/{id}/touch";
pub const SESSION_TOKENS: &str = "/v1/client/sessions/{id}/tokens";
pub const SESSION_END: &str = "/v1/client/sessions/{id}/end";
pub const SESSION_REMOVE: &str = "/v1/client/sessions/{id}/remove";
pub const SESSION_VERIFY: &str = "/v1/client/sessions/{id}/verify";
pub const SESSION_VERIFY_PREPARE: &str = "/v1/client/sessions/{id}/verify/prepare_first_factor";
pub const SESSION_VERIFY_ATTEMPT: &str = "/v1/client/sessions/{id}/verify/attempt_first_factor";
pub const ME: &str = "/v1/me";
pub const MY_SESSIONS: &str = "/v1/me/sessions";
pub const MY_ACTIVE_SESSIONS: &str = "/v1/me/sessions/active";
pub const MY_SESSION_REVOKE: &str = "/v1/me/sessions/{id}/revoke";
pub const MY_PASSKEYS: &str = "/v1/me/passkeys";
pub const MY_PASSKEY: &str = "/v1/me/passkeys/{id}";
pub const MY_PASSKEY_ATTEMPT: &str = "/v1/me/passkeys/{id}/attempt_verification";
pub const MY_EMAIL_ADDRESSES: &str = "/v1/me/email_addresses";
pub const MY_EMAIL_ADDRESS: &str = "/v1/me/email_addresses/{id}";
pub const MY_EMAIL_ADDRESS_PREPARE: &str = "/v1/me/email_addresses/{id}/prepare_verification";
pub const MY_EMAIL_ADDRESS_ATTEMPT: &str = "/v1/me/email_addresses/{id}/attempt_verification";
/// Served only below [`DASHBOARD`]: an operator's enrolment link used.
pub const ENROLMENTS: &str = "/v1/enrolments";

pub const USERS: &str = "/backend/v1/users";
pub const USER: &str = "/backend/v1/users/{id}";
pub const USER_BAN: &str = "/backend/v1/users/{id}/ban";
pub const USER_UNBAN: &str = "/backend/v1/users/{id}/unban";
pub const USER_PASSKEYS: &str = "/backend/v1/users/{id}/passkeys";
pub const USER_PASSKEY: &str = "/backend/v1/users/{id}/passkeys/{passkey_id}";
pub const SESSIONS: &str = "/backend/v1/sessions";
pub const SESSION: &str = "/backend/v1/sessions/{id}";
pub const SESSION_REVOKE: &str = "/backend/v1/sessions/{id}/revoke";
pub const BACKEND_JWKS: &str = "/backend/v1/jwks";
pub const AUDIT_EVENTS: &str = "/backend/v1/audit_events";
pub const AUDIT_EVENTS_EXPORT: &str = "/backend/v1/audit_events/export";
pub const OVERVIEW: &str = "/backend/v1/overview";
pub const OPERATORS: &str = "/backend/v1/operators";
pub const LIVE_SETTINGS: &str = "/backend/v1/live_settings";
/// The development outbox, served only while no SMTP relay is configured.
pub const DEV_MAIL: &str = "/backend/v1/dev/mail";

pub const JWKS: &str = "/.well-known/jwks.json";
pub const WEBAUTHN: &str = "/.well-known/webauthn";
pub const ASSETLINKS: &str = "/.well-known/assetlinks.json";
pub const APPLE_APP_SITE_ASSOCIATION: &str = "/.well-known/apple-app-site-association";

pub const HEALTHZ: &str = "/healthz";
pub const READYZ: &str = "/readyz";
pub const METRICS: &str = "/metrics";
pub const OPENAPI: &str = "/openapi.json";
