//! Handing a rendered message to the SMTP relay, with lettre over tokio and rustls.

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::time::Duration;

use super::templates::Rendered;
use crate::config::{ConfigError, SmtpRelay, SmtpTls};

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// It never will be: a bad recipient, or a relay that refused it for good (5xx).
    #[error("{0}")]
    Permanent(String),
    /// It may be later: the relay is unreachable, slow or busy.
    #[error("{0}")]
    Transient(String),
}

/// The configured relay, connected to anew for each message.
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

impl Smtp {
    /// A client of `relay` sending as `from`, giving up on a message after `timeout`.
    pub fn new(relay: &SmtpRelay, from: Mailbox, timeout: Duration) -> Result<Self, ConfigError> {
        type Transport = AsyncSmtpTransport<Tokio1Executor>;
        let tls_fault = |e: lettre::transport::smtp::Error| ConfigError {
            key: "email.smtp_host".to_owned(),
            message: e.to_string(),
        };
        let mut builder = match relay.tls {
            SmtpTls::StartTls => Transport::starttls_relay(&relay.host).map_err(tls_fault)?,
            SmtpTls::Tls => Transport::relay(&relay.host).map_err(tls_fault)?,
            SmtpTls::None => Transport::builder_dangerous(&relay.host),
        }
        .port(relay.port)
        .timeout(Some(timeout));
        if let Some((user, password)) = &relay.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            timeout,
        })
    }

    /// Sends `message` to `to` as text with an HTML alternative.
    pub async fn send(&self, to: &str, message: &Rendered) -> Result<(), SendError> {
        let recipient: Mailbox = to
            .parse()
            .map_err(|e| SendError::Permanent(format!("recipient {to}: {e}")))?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(&message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Transient(e.to_string())),
            Err(_) => Err(SendError::Transient(format!(
                "no answer from the relay within {} s",
                self.timeout.as_secs()
            ))),
        }
    }
}
