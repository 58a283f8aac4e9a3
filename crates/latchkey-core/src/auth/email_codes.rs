//! One-time codes mailed to prove an address: made and queued with their mail, then
//! checked (counted, expired, failed after three wrong tries, compared in constant time)
//! for every use — an address, a sign-up, a sign-in or a step-up.

use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{Auth, RequestContext};
use crate::encoding::b64url;
use crate::error::{Error, Result};
use crate::ids::{Kind, new_id};
use crate::model::{EmailCode, Mail, MailStatus, VerificationStatus};

/// A code is valid for ten minutes.
const CODE_TTL_MS: i64 = 600_000;
/// Wrong tries a code allows; the last one fails it.
const MAX_TRIES: i64 = 3;
/// The template of the mail that carries a code.
const CODE_TEMPLATE: &str = "verification_code";
/// The field a code is entered in.
pub(super) const CODE: &str = "code";
/// The strategy of emailed codes.
pub(super) const EMAIL_CODE: &str = "email_code";

/// Why a code is sent, as the mail's template words it.
#[derive(Debug, Clone, Copy)]
pub(super) enum Purpose {
    SignUp,
    SignIn,
    VerifyEmailAddress,
    Reverification,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignUp => "sign_up",
            Self::SignIn => "sign_in",
            Self::VerifyEmailAddress => "verify_email_address",
            Self::Reverification => "reverification",
        }
    }
}

/// Where a code goes and for whom.
pub(super) struct Recipient<'a> {
    /// The address the code is mailed to.
    pub address: &'a str,
    /// The user's address record it proves, if a user has it.
    pub address_id: Option<&'a str>,
    pub user_id: Option<&'a str>,
    /// How the mail greets the recipient (user-supplied: the template escapes it).
    pub name: Option<&'a str>,
    /// `false` for an address no user has: the code is made, so the answer looks the
    /// same, but no mail goes out.
    pub deliver: bool,
}

/// SHA-256 of the owner and the code, so a stored hash is worth nothing for another
/// owner's code.
fn code_hash(owner_id: &str, code: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(owner_id.as_bytes());
    hasher.update([0]);
    hasher.update(code.as_bytes());
    b64url(&hasher.finalize())
}

/// `a***@example.com`: enough of an address to recognise it.
pub(super) fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

impl Auth {
    /// Makes a code for `owner_id`, queued with its mail (when delivered) and its audit
    /// event in one write, after the per-address, per-IP and instance send limits;
    /// returns the code as shown (without its hash).
    pub(super) async fn send_code(
        &self,
        owner_id: &str,
        to: Recipient<'_>,
        purpose: Purpose,
        ctx: &RequestContext,
    ) -> Result<EmailCode> {
        let s = self.settings();
        let address_key = format!("email:to:{}", to.address);
        let ip_key = ctx.ip.as_ref().map(|ip| format!("email:ip:{ip}"));
        let mut limits = vec![
            (address_key.as_str(), s.email_sends_per_address_per_minute),
            ("email:instance", s.email_sends_per_minute),
        ];
        if let Some(ip_key) = &ip_key {
            limits.push((ip_key.as_str(), s.email_sends_per_ip_per_minute));
        }
        self.rate_limit(&limits).await?;
        let now = self.now();
        let code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
        let email_code = EmailCode {
            owner_id: owner_id.to_owned(),
            email_address_id: to.address_id.map(str::to_owned),
            email_address: to.address.to_owned(),
            code_hash: Some(code_hash(owner_id, &code)),
            status: VerificationStatus::Unverified,
            attempts: 0,
            expire_at: now + CODE_TTL_MS,
            created_at: now,
        };
        let mail = to.deliver.then(|| Mail {
            id: new_id(Kind::Mail, now),
            to: to.address.to_owned(),
            template: CODE_TEMPLATE.into(),
            locale: ctx.accept_language.clone(),
            data: json!({
                "code": code,
                "application_name": s.application_name,
                "expires_in_minutes": CODE_TTL_MS / 60_000,
                "purpose": purpose.as_str(),
                "name": to.name,
            })
            .to_string(),
            status: MailStatus::Queued,
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        });
        let event = self.event(
            "email.code_sent",
            ctx,
            to.user_id,
            None,
            None,
            json!({ "email_address_id": to.address_id, "purpose": purpose.as_str() }),
        );
        self.store
            .insert_email_code(&email_code, mail.as_ref(), &event)
            .await?;
        if mail.is_some() {
            self.mail_queued.notify_one();
        }
        Ok(EmailCode {
            code_hash: None,
            ..email_code
        })
    }

    /// Checks `code` against the owner's open code, counting the try: the code (with its
    /// hash, for [`EmailStore::use_email_code`](crate::store::EmailStore::use_email_code))
    /// when right; otherwise the failure is audited and the third wrong try fails it.
    pub(super) async fn check_code(
        &self,
        owner_id: &str,
        code: Option<&str>,
        user_id: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<EmailCode> {
        let code = code
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .ok_or(Error::FormParamMissing(CODE))?;
        let Some(tried) = self.store.try_email_code(owner_id, MAX_TRIES).await? else {
            return Err(self.closed_code_error(owner_id).await?);
        };
        if self.now() >= tried.expire_at {
            self.store
                .close_email_code(owner_id, VerificationStatus::Expired)
                .await?;
            return Err(Error::VerificationExpired);
        }
        let expected = tried.code_hash.as_deref().unwrap_or_default();
        if bool::from(
            expected
                .as_bytes()
                .ct_eq(code_hash(owner_id, code).as_bytes()),
        ) {
            return Ok(tried);
        }
        let failed = tried.attempts >= MAX_TRIES;
        if failed {
            self.store
                .close_email_code(owner_id, VerificationStatus::Failed)
                .await?;
        }
        let event = self.event(
            "email.verification_failed",
            ctx,
            user_id,
            None,
            None,
            json!({ "email_address_id": tried.email_address_id, "attempts": tried.attempts }),
        );
        self.store.insert_audit_event(&event).await?;
        Err(if failed {
            Error::VerificationFailed
        } else {
            Error::CodeIncorrect
        })
    }

    /// Why the owner has no open code to try.
    async fn closed_code_error(&self, owner_id: &str) -> Result<Error> {
        Ok(match self.store.find_email_code(owner_id).await? {
            Some(c) if c.status == VerificationStatus::Verified => Error::AlreadyVerified,
            Some(c) if c.status == VerificationStatus::Expired => Error::VerificationExpired,
            Some(_) => Error::VerificationFailed,
            None => Error::FormParamValueInvalid {
                param: "strategy",
                reason: "no code was sent: prepare the verification first".into(),
            },
        })
    }

    /// A code as of now: an open one past its expiry shows `expired`.
    pub(super) fn current_code(&self, mut code: EmailCode) -> EmailCode {
        if code.status == VerificationStatus::Unverified && self.now() >= code.expire_at {
            code.status = VerificationStatus::Expired;
        }
        code
    }
}
