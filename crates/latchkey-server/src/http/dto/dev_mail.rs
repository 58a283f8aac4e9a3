//! The development outbox as the Backend API shows it: each message with, once logged,
//! what its recipient would read.

use latchkey_core::model::Mail;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::kinds::MailStatus;
use crate::mail::Rendered;

/// A message of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct DevMail {
    id: String,
    /// The recipient's address.
    to: String,
    /// The template's name, as `verification_code`.
    template: String,
    /// The `Accept-Language` the message was queued with.
    locale: Option<String>,
    status: MailStatus,
    attempts: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
    /// The language it was rendered in (logged messages only).
    language: Option<String>,
    /// The subject line (logged messages only).
    subject: Option<String>,
    /// The plain-text body (logged messages only).
    text: Option<String>,
    /// The HTML body (logged messages only).
    html: Option<String>,
}

impl DevMail {
    /// `mail` with what it renders to, when it is rendered.
    pub fn new(mail: &Mail, rendered: Option<Rendered>) -> Self {
        let (language, subject, text, html) = match rendered {
            Some(r) => (
                Some(r.language),
                Some(r.subject),
                Some(r.text),
                Some(r.html),
            ),
            None => (None, None, None, None),
        };
        DevMail {
            id: mail.id.clone(),
            to: mail.to.clone(),
            template: mail.template.clone(),
            locale: mail.locale.clone(),
            status: mail.status.into(),
            attempts: mail.attempts,
            last_error: mail.last_error.clone(),
            created_at: mail.created_at,
            sent_at: mail.sent_at,
            language,
            subject,
            text,
            html,
        }
    }
}

/// The query of the development outbox.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MailListQuery {
    /// Items per page, 0 to 500 (10 by default).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Items to skip.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}
