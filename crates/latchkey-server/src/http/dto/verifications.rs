//! Verifications as shown: a passkey ceremony's or an emailed code's, and the factors
//! an attempt can be completed with.

use latchkey_core::model::{self, VerificationStatus};
use serde::Serialize;
use utoipa::ToSchema;

use super::kinds::{
    self, EmailCodeStrategy, EmailCodeVerificationObject, PasskeyStrategy, VerificationObject,
};

/// The state of a passkey ceremony; `nonce` holds the WebAuthn options while unverified.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    #[schema(inline)]
    object: VerificationObject,
    #[schema(inline)]
    status: kinds::VerificationStatus,
    #[schema(inline)]
    strategy: PasskeyStrategy,
    nonce: Option<String>,
    attempts: Option<i64>,
    expire_at: Option<i64>,
}

impl Verification {
    /// A stored verification; its options are shown only while it is open.
    pub fn new(v: &model::Verification) -> Self {
        let nonce = match v.status {
            VerificationStatus::Unverified => v.nonce.clone(),
            _ => None,
        };
        Verification {
            object: VerificationObject,
            status: v.status.into(),
            strategy: PasskeyStrategy,
            nonce,
            attempts: Some(v.attempts),
            expire_at: Some(v.expire_at),
        }
    }

    /// The verification of a verified passkey whose ceremony is gone.
    pub(super) fn settled() -> Self {
        Verification {
            object: VerificationObject,
            status: kinds::VerificationStatus::Verified,
            strategy: PasskeyStrategy,
            nonce: None,
            attempts: None,
            expire_at: None,
        }
    }
}

/// The state of an emailed code: `failed` after three wrong codes, `expired` ten minutes
/// after it was sent.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailCodeVerification {
    #[schema(inline)]
    object: EmailCodeVerificationObject,
    #[schema(inline)]
    status: kinds::VerificationStatus,
    #[schema(inline)]
    strategy: EmailCodeStrategy,
    /// Always null: a code travels by mail.
    nonce: Option<String>,
    attempts: Option<i64>,
    expire_at: Option<i64>,
}

impl EmailCodeVerification {
    /// The verification of a code (never its secret).
    pub fn new(c: &model::EmailCode) -> Self {
        EmailCodeVerification {
            object: EmailCodeVerificationObject,
            status: c.status.into(),
            strategy: EmailCodeStrategy,
            nonce: None,
            attempts: Some(c.attempts),
            expire_at: Some(c.expire_at),
        }
    }

    /// The verification of an address proved by a code that is gone (a sign-in's).
    pub fn settled() -> Self {
        EmailCodeVerification {
            object: EmailCodeVerificationObject,
            status: kinds::VerificationStatus::Verified,
            strategy: EmailCodeStrategy,
            nonce: None,
            attempts: None,
            expire_at: None,
        }
    }
}

/// A first factor's verification: a passkey ceremony's or an emailed code's.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum FactorVerification {
    Passkey(Verification),
    EmailCode(EmailCodeVerification),
}

impl FactorVerification {
    /// The factor prepared last, of a passkey ceremony and an emailed code.
    pub fn of(
        passkey: Option<&model::Verification>,
        code: Option<&model::EmailCode>,
    ) -> Option<Self> {
        match (passkey, code) {
            (_, Some(code)) => Some(Self::EmailCode(EmailCodeVerification::new(code))),
            (Some(passkey), None) => Some(Self::Passkey(Verification::new(passkey))),
            (None, None) => None,
        }
    }
}

/// A way to prove who one is.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Factor {
    /// A passkey.
    Passkey {
        #[schema(inline)]
        strategy: PasskeyStrategy,
    },
    /// A code mailed to one of the user's addresses.
    EmailCode {
        #[schema(inline)]
        strategy: EmailCodeStrategy,
        email_address_id: String,
        /// The address, masked: `a***@example.com`.
        safe_identifier: String,
    },
}

/// The factors of an attempt: a passkey when one can be used, then an emailed code to
/// the address given as `(id, masked address)`.
pub fn factors(passkey: bool, email: Option<&(String, String)>) -> Vec<Factor> {
    let mut factors = Vec::new();
    if passkey {
        factors.push(Factor::Passkey {
            strategy: PasskeyStrategy,
        });
    }
    if let Some((id, masked)) = email {
        factors.push(Factor::EmailCode {
            strategy: EmailCodeStrategy,
            email_address_id: id.clone(),
            safe_identifier: masked.clone(),
        });
    }
    factors
}
