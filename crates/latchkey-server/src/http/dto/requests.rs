//! Request bodies and query strings. Body fields follow the form conventions of API §1:
//! every field is [`Text`] (a number or boolean read as its text, an object — a credential
//! sent as JSON — as its JSON), unknown fields are ignored, and a missing field is left to
//! the use case, which answers `form_param_missing` with the field's name. A field the
//! API does not require is `#[serde(default)]`, which the OpenAPI schema reads as optional.
//! The schema of every field is a string (`#[schema(value_type = String)]`): that is what
//! the API asks for, though any JSON value is read as its text.

use latchkey_core::Error;
use latchkey_core::auth::{FirstFactor, PasskeyImport};
use latchkey_core::settings::LiveSetting;
use latchkey_core::store::{AuditFilter, Page};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// A body field read as text: a string as it is, a number or boolean printed, an object
/// (a credential sent as JSON) as its JSON; `null` or no field at all is no value.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text(Option<String>);

impl Text {
    /// The text, if the field has one.
    pub fn as_deref(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The text, owned.
    pub fn into_inner(self) -> Option<String> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Through `Option`, a field left out is no value too, with no `#[serde(default)]`.
        Ok(Text(match Option::<Value>::deserialize(deserializer)? {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        }))
    }
}

/// A sign-up: with a username, or `strategy=passkey` for a passkey-first one.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignUpBody {
    /// `passkey` for a passkey-first sign-up; none for a sign-up with a username.
    #[serde(default)]
    #[schema(value_type = String)]
    pub strategy: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub username: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub email_address: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub first_name: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub last_name: Text,
}

/// A user made by the customer's backend.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateUserBody {
    #[schema(value_type = String)]
    pub username: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub email_address: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub first_name: Text,
    #[serde(default)]
    #[schema(value_type = String)]
    pub last_name: Text,
}

/// A passkey registered with another WebAuthn server for the same RP ID, to import for a
/// user. Binary values are base64url without padding.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ImportPasskeyBody {
    /// The credential id.
    #[schema(value_type = String)]
    pub credential_id: Text,
    /// The credential public key: a COSE_Key (RFC 9052) as WebAuthn servers store it;
    /// ES256, ES384 or RS256, the algorithms registration accepts.
    #[schema(value_type = String)]
    pub public_key: Text,
    /// The user handle (`user.id` of the creation options) the other server gave the
    /// credential: an authenticator returns it at sign-in. The user's own by default.
    #[serde(default)]
    #[schema(value_type = String)]
    pub user_handle: Text,
    /// 1 to 64 characters; by default named as a registration names it.
    #[serde(default)]
    #[schema(value_type = String)]
    pub name: Text,
    /// The signature counter last seen (0 by default).
    #[serde(default)]
    #[schema(value_type = String)]
    pub sign_count: Text,
    /// Transport hints, e.g. `["internal","hybrid"]`.
    #[serde(default)]
    #[schema(value_type = String)]
    pub transports: Text,
    /// `true` or `false` (default).
    #[serde(default)]
    #[schema(value_type = String)]
    pub backup_eligible: Text,
    /// `true` (only with `backup_eligible`) or `false` (default).
    #[serde(default)]
    #[schema(value_type = String)]
    pub backed_up: Text,
    /// The authenticator's AAGUID, a UUID.
    #[serde(default)]
    #[schema(value_type = String)]
    pub aaguid: Text,
    /// Unix milliseconds; now by default.
    #[serde(default)]
    #[schema(value_type = String)]
    pub created_at: Text,
    /// Unix milliseconds; none by default.
    #[serde(default)]
    #[schema(value_type = String)]
    pub last_used_at: Text,
}

impl ImportPasskeyBody {
    /// The import as the use case takes it.
    pub fn into_import(self) -> PasskeyImport {
        PasskeyImport {
            credential_id: self.credential_id.into_inner(),
            public_key: self.public_key.into_inner(),
            user_handle: self.user_handle.into_inner(),
            name: self.name.into_inner(),
            sign_count: self.sign_count.into_inner(),
            transports: self.transports.into_inner(),
            backup_eligible: self.backup_eligible.into_inner(),
            backed_up: self.backed_up.into_inner(),
            aaguid: self.aaguid.into_inner(),
            created_at: self.created_at.into_inner(),
            last_used_at: self.last_used_at.into_inner(),
        }
    }
}

/// Live settings to change, by their configuration keys; those left out keep their
/// value.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LiveSettingsBody {
    #[serde(default, rename = "auth.passkey")]
    #[schema(value_type = String)]
    pub passkey: Text,
    #[serde(default, rename = "auth.sign_up_with_username")]
    #[schema(value_type = String)]
    pub sign_up_with_username: Text,
    #[serde(default, rename = "auth.sign_up_with_passkey")]
    #[schema(value_type = String)]
    pub sign_up_with_passkey: Text,
    #[serde(default, rename = "webauthn.max_passkeys_per_user")]
    #[schema(value_type = String)]
    pub max_passkeys_per_user: Text,
    #[serde(default, rename = "webauthn.user_verification")]
    #[schema(value_type = String)]
    pub user_verification: Text,
    #[serde(default, rename = "webauthn.attestation")]
    #[schema(value_type = String)]
    pub attestation: Text,
    #[serde(default, rename = "sessions.lifetime_secs")]
    #[schema(value_type = String)]
    pub lifetime_secs: Text,
    #[serde(default, rename = "sessions.inactivity_secs")]
    #[schema(value_type = String)]
    pub inactivity_secs: Text,
    #[serde(default, rename = "sessions.token_ttl_secs")]
    #[schema(value_type = String)]
    pub token_ttl_secs: Text,
    #[serde(default, rename = "rate_limit.per_ip_per_minute")]
    #[schema(value_type = String)]
    pub per_ip_per_minute: Text,
    #[serde(default, rename = "rate_limit.per_client_per_minute")]
    #[schema(value_type = String)]
    pub per_client_per_minute: Text,
    #[serde(default, rename = "email.sends_per_address_per_minute")]
    #[schema(value_type = String)]
    pub sends_per_address_per_minute: Text,
    #[serde(default, rename = "email.sends_per_ip_per_minute")]
    #[schema(value_type = String)]
    pub sends_per_ip_per_minute: Text,
    #[serde(default, rename = "email.sends_per_minute")]
    #[schema(value_type = String)]
    pub sends_per_minute: Text,
    #[serde(default, rename = "audit.retention_days")]
    #[schema(value_type = String)]
    pub retention_days: Text,
    /// Origins separated by commas or white space (a JSON body may give a list).
    #[serde(default, rename = "webauthn.origins")]
    #[schema(value_type = String)]
    pub origins: Text,
    /// Origins as `webauthn.origins`; empty for none.
    #[serde(default, rename = "webauthn.related_origins")]
    #[schema(value_type = String)]
    pub related_origins: Text,
}

impl LiveSettingsBody {
    /// The settings given, by name, with their values as text.
    pub fn changes(self) -> Vec<(String, String)> {
        use LiveSetting as S;
        [
            (S::Passkey, self.passkey),
            (S::SignUpWithUsername, self.sign_up_with_username),
            (S::SignUpWithPasskey, self.sign_up_with_passkey),
            (S::MaxPasskeysPerUser, self.max_passkeys_per_user),
            (S::UserVerification, self.user_verification),
            (S::Attestation, self.attestation),
            (S::SessionLifetimeSecs, self.lifetime_secs),
            (S::SessionInactivitySecs, self.inactivity_secs),
            (S::TokenTtlSecs, self.token_ttl_secs),
            (S::CeremoniesPerIpPerMinute, self.per_ip_per_minute),
            (S::CeremoniesPerClientPerMinute, self.per_client_per_minute),
            (
                S::EmailSendsPerAddressPerMinute,
                self.sends_per_address_per_minute,
            ),
            (S::EmailSendsPerIpPerMinute, self.sends_per_ip_per_minute),
            (S::EmailSendsPerMinute, self.sends_per_minute),
            (S::AuditRetentionDays, self.retention_days),
            (S::Origins, self.origins),
            (S::RelatedOrigins, self.related_origins),
        ]
        .into_iter()
        .filter_map(|(setting, text)| Some((setting.name().to_owned(), text.into_inner()?)))
        .collect()
    }
}

/// An operator to invite, by username.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct OperatorBody {
    #[schema(value_type = String)]
    pub username: Text,
}

/// An operator's enrolment link used: the token of its fragment.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EnrolmentBody {
    #[serde(default)]
    #[schema(value_type = String)]
    pub token: Text,
}

/// A sign-in: no identifier for a discoverable sign-in.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SignInBody {
    /// `passkey`, or `email_code` with an email address as `identifier` (the code is
    /// mailed at once).
    #[serde(default)]
    #[schema(value_type = String)]
    pub strategy: Text,
    /// A username or email address; none for a discoverable sign-in.
    #[serde(default)]
    #[schema(value_type = String)]
    pub identifier: Text,
}

/// The factor to prepare: `passkey`, or `email_code` (to one of the user's addresses).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PrepareBody {
    /// `passkey` or `email_code`.
    #[schema(value_type = String)]
    pub strategy: Text,
    /// With `email_code`: the address to mail; the sign-in's (or primary) one by default.
    #[serde(default)]
    #[schema(value_type = String)]
    pub email_address_id: Text,
}

/// The answer to a factor: the credential the authenticator made, as JSON, or the
/// emailed code.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AttemptBody {
    /// `passkey` or `email_code`.
    #[schema(value_type = String)]
    pub strategy: Text,
    /// With `passkey`: the `PublicKeyCredential` as JSON (text, or an object in a JSON
    /// body).
    #[serde(default)]
    #[schema(value_type = String)]
    pub public_key_credential: Text,
    /// With `email_code`: the six digits mailed.
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Text,
}

impl AttemptBody {
    /// The answer as the use cases take it.
    pub fn first_factor(&self) -> FirstFactor<'_> {
        FirstFactor {
            strategy: self.strategy.as_deref(),
            credential: self.public_key_credential.as_deref(),
            code: self.code.as_deref(),
        }
    }
}

/// A new email address of the signed-in user.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct EmailAddressBody {
    #[schema(value_type = String)]
    pub email_address: Text,
}

/// Changes to the signed-in user.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct UpdateMeBody {
    /// A verified address of the user, to become the primary one.
    #[serde(default)]
    #[schema(value_type = String)]
    pub primary_email_address_id: Text,
}

/// A step-up to start.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct VerifyBody {
    /// `first_factor`, the one level there is.
    #[serde(default)]
    #[schema(value_type = String)]
    pub level: Text,
}

/// A passkey's new name.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RenameBody {
    #[schema(value_type = String)]
    pub name: Text,
}

/// The query of a Frontend call that acts for the caller's client.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientQuery {
    /// `1`: the client token travels in `Authorization` instead of the cookie.
    pub _is_native: Option<String>,
}

/// The query of a Frontend call that acts for a signed-in session.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// `1`: the client token travels in `Authorization` instead of the cookie.
    pub _is_native: Option<String>,
    /// The session to act as; the client's last active one by default.
    pub _latchkey_session_id: Option<String>,
    /// The vendor SDK's name for `_latchkey_session_id` (that one wins when both are given).
    pub _clerk_session_id: Option<String>,
}

/// The query of the user list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// The start of a username or email address, or a user id, or a passkey id (its
    /// owner).
    pub query: Option<String>,
    /// The id of the last user of the previous page: the page starts after it (keyset
    /// pagination, which stays fast on any page of a large list).
    pub starting_after: Option<String>,
    /// Items per page, 0 to 500 (10 by default).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Items to skip.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

/// The query of the session list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionListQuery {
    pub user_id: Option<String>,
    /// A stored status: `active`, `pending`, `ended`, `expired`, `removed`, `revoked` or
    /// `abandoned`.
    pub status: Option<String>,
    /// Items per page, 0 to 500 (10 by default).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Items to skip.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

/// A page of a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 0 to 500 (10 by default).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Items to skip.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

/// Which audit events to list or export; each parameter given narrows them.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilterQuery {
    pub user_id: Option<String>,
    /// The event's type, as `sign_in.failed`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub kind: Option<String>,
    /// The operator who made the change (a user id).
    pub actor: Option<String>,
    /// Created at or after, in Unix milliseconds.
    #[param(value_type = Option<i64>)]
    pub since: Option<String>,
    /// Created before, in Unix milliseconds.
    #[param(value_type = Option<i64>)]
    pub until: Option<String>,
}

impl EventFilterQuery {
    /// The filter these parameters make; a time that is not a whole number is refused.
    pub fn filter(self) -> Result<AuditFilter, Error> {
        let time = |param: &'static str, raw: Option<String>| {
            raw.map(|raw| {
                raw.parse::<i64>()
                    .map_err(|_| Error::FormParamValueInvalid {
                        param,
                        reason: "must be Unix milliseconds".into(),
                    })
            })
            .transpose()
        };
        Ok(AuditFilter {
            since: time("since", self.since)?,
            until: time("until", self.until)?,
            user_id: self.user_id,
            kind: self.kind,
            actor: self.actor,
        })
    }
}

/// The format of the audit log's export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `ndjson` (one JSON event per line, the default) or `csv`.
    pub format: Option<String>,
}

/// The validated page of `limit` (default 10, at most 500) and `offset`.
pub fn page(limit: Option<&str>, offset: Option<&str>) -> Result<Page, Error> {
    let number = |param: &'static str, raw: Option<&str>, default: i64, max: i64| match raw {
        None => Ok(default),
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=max).contains(n))
            .ok_or(Error::FormParamValueInvalid {
                param,
                reason: format!("must be a number from 0 to {max}"),
            }),
    };
    Ok(Page {
        limit: number("limit", limit, 10, 500)?,
        offset: number("offset", offset, 0, i64::MAX)?,
    })
}
