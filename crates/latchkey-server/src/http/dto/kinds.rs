//! The closed sets of the wire format: the constant `object` of every resource and the
//! other fields that only ever hold one value, and the statuses. Each serializes as the
//! same string the contract names (API §2), and its schema admits only those strings, so
//! the OpenAPI document says exactly what a field can hold.

use latchkey_core::model;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

/// The schema of a string that is always `value`.
fn constant_schema(value: &'static str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([value]))
        .description(Some(format!("Always `{value}`.")))
        .into()
}

/// Defines a unit type that is always the string `$value`: it serializes as that string,
/// reads only that string, and its schema is a single-value enum of it.
macro_rules! constant {
    ($(#[$doc:meta])* $name:ident = $value:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                if value == $value {
                    Ok($name)
                } else {
                    Err(de::Error::invalid_value(de::Unexpected::Str(&value), &$value))
                }
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                constant_schema($value)
            }
        }

        impl ToSchema for $name {}
    };
}

constant!(
    /// The `object` of a development browser.
    DevBrowserObject = "dev_browser"
);

constant!(
    /// The `object` of a Client.
    ClientObject = "client"
);
constant!(
    /// The `object` of a Session.
    SessionObject = "session"
);
constant!(
    /// The `object` of where and on what a session was last seen.
    SessionActivityObject = "session_activity"
);
constant!(
    /// The `object` of a User.
    UserObject = "user"
);
constant!(
    /// The `object` of a Passkey.
    PasskeyObject = "passkey"
);
constant!(
    /// The `object` of a Verification.
    VerificationObject = "verification_passkey"
);
constant!(
    /// The `object` of a SignIn.
    SignInObject = "sign_in_attempt"
);
constant!(
    /// The `object` of a SignUp.
    SignUpObject = "sign_up_attempt"
);
constant!(
    /// The `object` of a session token.
    TokenObject = "token"
);
constant!(
    /// The `object` of an operator's enrolment link.
    OperatorEnrolmentObject = "operator_enrolment"
);
constant!(
    /// The `object` of the overview.
    OverviewObject = "overview"
);
constant!(
    /// The `object` of the live settings.
    LiveSettingsObject = "live_settings"
);
constant!(
    /// The `object` of an audit event.
    AuditEventObject = "audit_event"
);
constant!(
    /// The one strategy, of a verification or a first factor.
    PasskeyStrategy = "passkey"
);
constant!(
    /// The `object` of an emailed code's verification.
    EmailCodeVerificationObject = "verification_email_code"
);
constant!(
    /// The strategy of emailed one-time codes.
    EmailCodeStrategy = "email_code"
);
constant!(
    /// The `object` of an EmailAddress.
    EmailAddressObject = "email_address"
);
constant!(
    /// The `object` of a session's step-up.
    SessionVerificationObject = "session_verification"
);
constant!(
    /// The level of a step-up: one factor.
    FirstFactorLevel = "first_factor"
);
constant!(
    /// The namespace of an Android asset link's target.
    AndroidAppNamespace = "android_app"
);
constant!(
    /// An EC JWK's key type.
    EcKeyType = "EC"
);
constant!(
    /// A JWK's curve.
    P256Curve = "P-256"
);
constant!(
    /// An EC JWK's algorithm.
    Es256Algorithm = "ES256"
);
constant!(
    /// An RSA JWK's key type.
    RsaKeyType = "RSA"
);
constant!(
    /// An RSA JWK's algorithm.
    Rs256Algorithm = "RS256"
);
constant!(
    /// A JWK's use.
    SignatureUse = "sig"
);

/// The `deleted` of a DeletedObject: always `true`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted;

impl Serialize for Deleted {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(true)
    }
}

impl PartialSchema for Deleted {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .enum_values(Some([true]))
            .description(Some("Always `true`."))
            .into()
    }
}

impl ToSchema for Deleted {}

/// The kind of object a delete removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeletedKind {
    User,
    Passkey,
    EmailAddress,
}

/// The status of a session's step-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionVerificationStatus {
    NeedsFirstFactor,
    Complete,
}

/// The status of a verification (API §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerificationStatus {
    Unverified,
    Verified,
    Failed,
    Expired,
}

impl From<model::VerificationStatus> for VerificationStatus {
    fn from(status: model::VerificationStatus) -> Self {
        use model::VerificationStatus as S;
        match status {
            S::Unverified => Self::Unverified,
            S::Verified => Self::Verified,
            S::Failed => Self::Failed,
            S::Expired => Self::Expired,
        }
    }
}

/// The status of a message of the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Queued,
    Sent,
    Failed,
    Logged,
}

impl From<model::MailStatus> for MailStatus {
    fn from(status: model::MailStatus) -> Self {
        use model::MailStatus as S;
        match status {
            S::Queued => Self::Queued,
            S::Sent => Self::Sent,
            S::Failed => Self::Failed,
            S::Logged => Self::Logged,
        }
    }
}

/// The status of a session (API §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Active,
    Pending,
    Ended,
    Expired,
    Removed,
    Revoked,
    Abandoned,
}

impl From<model::SessionStatus> for SessionStatus {
    fn from(status: model::SessionStatus) -> Self {
        use model::SessionStatus as S;
        match status {
            S::Active => Self::Active,
            S::Pending => Self::Pending,
            S::Ended => Self::Ended,
            S::Expired => Self::Expired,
            S::Removed => Self::Removed,
            S::Revoked => Self::Revoked,
            S::Abandoned => Self::Abandoned,
        }
    }
}

/// What a user may do beyond their own account: `admin` for the operators who run the
/// instance from the dashboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    User,
    Admin,
}

impl From<model::Role> for UserRole {
    fn from(role: model::Role) -> Self {
        match role {
            model::Role::User => Self::User,
            model::Role::Admin => Self::Admin,
        }
    }
}

/// The status of a sign-in attempt (API §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignInStatus {
    NeedsIdentifier,
    NeedsFirstFactor,
    Complete,
    Abandoned,
}

impl From<model::SignInStatus> for SignInStatus {
    fn from(status: model::SignInStatus) -> Self {
        use model::SignInStatus as S;
        match status {
            S::NeedsIdentifier => Self::NeedsIdentifier,
            S::NeedsFirstFactor => Self::NeedsFirstFactor,
            S::Complete => Self::Complete,
            S::Abandoned => Self::Abandoned,
        }
    }
}

/// The status of a sign-up attempt (API §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SignUpStatus {
    MissingRequirements,
    Complete,
    Abandoned,
}

impl From<model::SignUpStatus> for SignUpStatus {
    fn from(status: model::SignUpStatus) -> Self {
        use model::SignUpStatus as S;
        match status {
            S::MissingRequirements => Self::MissingRequirements,
            S::Complete => Self::Complete,
            S::Abandoned => Self::Abandoned,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    /// The JSON of `value`.
    fn wire<T: Serialize>(value: T) -> Value {
        serde_json::to_value(value).expect("json")
    }

    #[test]
    fn statuses_serialize_as_cores_wire_names() {
        use model::{
            SessionStatus as Session, SignInStatus as SignIn, SignUpStatus as SignUp,
            VerificationStatus as Verification,
        };
        for s in [
            Verification::Unverified,
            Verification::Verified,
            Verification::Failed,
            Verification::Expired,
        ] {
            assert_eq!(wire(VerificationStatus::from(s)), s.as_str());
        }
        for s in [
            Session::Active,
            Session::Pending,
            Session::Ended,
            Session::Expired,
            Session::Removed,
            Session::Revoked,
            Session::Abandoned,
        ] {
            assert_eq!(wire(SessionStatus::from(s)), s.as_str());
        }
        for s in [
            SignIn::NeedsIdentifier,
            SignIn::NeedsFirstFactor,
            SignIn::Complete,
            SignIn::Abandoned,
        ] {
            assert_eq!(wire(SignInStatus::from(s)), s.as_str());
        }
        for s in [
            SignUp::MissingRequirements,
            SignUp::Complete,
            SignUp::Abandoned,
        ] {
            assert_eq!(wire(SignUpStatus::from(s)), s.as_str());
        }
    }

    #[test]
    fn a_constant_is_its_string_and_its_schema_admits_only_it() {
        assert_eq!(wire(SignInObject), "sign_in_attempt");
        assert_eq!(
            wire(SignInObject::schema()),
            json!({ "type": "string", "enum": ["sign_in_attempt"], "description": "Always `sign_in_attempt`." })
        );
        assert_eq!(
            serde_json::from_value::<EcKeyType>(json!("EC")).ok(),
            Some(EcKeyType)
        );
        assert!(serde_json::from_value::<EcKeyType>(json!("RSA")).is_err());
        assert_eq!(wire(Deleted), true);
        assert_eq!(wire(DeletedKind::Passkey), "passkey");
    }
}
