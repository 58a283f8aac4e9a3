//! The `[email]` delivery keys checked into a [`MailDelivery`]: the relay (if any), the
//! sender, the time limit, the attempts and the templates' directory.

use lettre::message::Mailbox;
use secrecy::SecretString;
use std::path::PathBuf;
use std::time::Duration;

use super::{Config, ConfigError, invalid};

/// How mail is delivered.
#[derive(Debug, Clone)]
pub struct MailDelivery {
    /// The SMTP relay; `None` keeps mail in the development outbox.
    pub relay: Option<SmtpRelay>,
    pub from: Mailbox,
    /// How long one delivery may take.
    pub timeout: Duration,
    /// Attempts at a message before it fails.
    pub max_attempts: u32,
    /// Templates that override or add to the built-in ones.
    pub templates_dir: Option<PathBuf>,
}

/// An SMTP relay to hand mail to.
#[derive(Debug, Clone)]
pub struct SmtpRelay {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User name and password, when the relay asks for them.
    pub credentials: Option<(String, SecretString)>,
}

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// A plain connection upgraded with `STARTTLS`, which the relay must offer.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption: only for a relay on the same host or in tests.
    None,
}

impl Config {
    /// The `[email]` delivery keys, each checked.
    pub fn mail_delivery(&self) -> Result<MailDelivery, ConfigError> {
        let email = &self.email;
        let tls = match email.smtp_tls.as_str() {
            "starttls" => SmtpTls::StartTls,
            "tls" => SmtpTls::Tls,
            "none" => SmtpTls::None,
            _ => {
                return Err(invalid(
                    "email.smtp_tls",
                    "must be \"starttls\", \"tls\" or \"none\"",
                ));
            }
        };
        let credentials = match (&email.smtp_username, &email.smtp_password) {
            (Some(user), Some(password)) => Some((user.clone(), password.clone())),
            (None, None) => None,
            (Some(_), None) => {
                return Err(invalid(
                    "email.smtp_password",
                    "is needed with smtp_username",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "email.smtp_username",
                    "is needed with smtp_password",
                ));
            }
        };
        let relay = match &email.smtp_host {
            Some(host) if host.trim().is_empty() || host.contains(['/', ' ']) => {
                return Err(invalid("email.smtp_host", "must be a host name or address"));
            }
            Some(host) => Some(SmtpRelay {
                host: host.clone(),
                port: email.smtp_port,
                tls,
                credentials,
            }),
            None => None,
        };
        if email.smtp_port == 0 {
            return Err(invalid("email.smtp_port", "must be greater than 0"));
        }
        let from = email.from.parse::<Mailbox>().map_err(|e| {
            invalid(
                "email.from",
                format!("{e}: write `Name <address>` or an address"),
            )
        })?;
        if email.timeout_secs == 0 {
            return Err(invalid("email.timeout_secs", "must be greater than 0"));
        }
        if email.max_attempts == 0 {
            return Err(invalid("email.max_attempts", "must be greater than 0"));
        }
        let templates_dir = match &email.templates_dir {
            Some(dir) if !std::path::Path::new(dir).is_dir() => {
                return Err(invalid(
                    "email.templates_dir",
                    format!("{dir} is not a directory"),
                ));
            }
            Some(dir) => Some(PathBuf::from(dir)),
            None => None,
        };
        Ok(MailDelivery {
            relay,
            from,
            timeout: Duration::from_secs(u64::from(email.timeout_secs)),
            max_attempts: email.max_attempts,
            templates_dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::env;
    use super::*;

    #[test]
    fn delivery_keys_are_read_from_the_environment_and_checked() {
        let config = Config::load(
            None,
            env(&[
                ("LATCHKEY_EMAIL__SMTP_HOST", "smtp.example.com"),
                ("LATCHKEY_EMAIL__SMTP_PORT", "465"),
                ("LATCHKEY_EMAIL__SMTP_TLS", "tls"),
                ("LATCHKEY_EMAIL__SMTP_USERNAME", "mailer"),
                ("LATCHKEY_EMAIL__SMTP_PASSWORD", "hunter2-hunter2"),
                ("LATCHKEY_EMAIL__FROM", "Acme <login@acme.test>"),
            ]),
            vec![],
        )
        .expect("valid");
        let delivery = config.mail_delivery().expect("valid");
        let relay = delivery.relay.expect("relay");
        assert_eq!((relay.host.as_str(), relay.port), ("smtp.example.com", 465));
        assert_eq!(relay.tls, SmtpTls::Tls);
        assert_eq!(relay.credentials.map(|c| c.0).as_deref(), Some("mailer"));
        assert_eq!(delivery.from.email.to_string(), "login@acme.test");
        let shown = toml::to_string(&config.masked()).expect("toml");
        assert!(!shown.contains("hunter2"), "{shown}");
        let defaults = Config::load(None, env(&[]), vec![]).expect("valid");
        let delivery = defaults.mail_delivery().expect("valid");
        assert!(delivery.relay.is_none());
        assert_eq!(delivery.max_attempts, 8);

        for (name, value, key) in [
            ("LATCHKEY_EMAIL__SMTP_TLS", "ssl", "email.smtp_tls"),
            ("LATCHKEY_EMAIL__SMTP_PORT", "0", "email.smtp_port"),
            ("LATCHKEY_EMAIL__SMTP_PORT", "70000", "email.smtp_port"),
            ("LATCHKEY_EMAIL__SMTP_HOST", " ", "email.smtp_host"),
            (
                "LATCHKEY_EMAIL__SMTP_USERNAME",
                "mailer",
                "email.smtp_password",
            ),
            ("LATCHKEY_EMAIL__FROM", "not an address", "email.from"),
            ("LATCHKEY_EMAIL__TIMEOUT_SECS", "0", "email.timeout_secs"),
            ("LATCHKEY_EMAIL__MAX_ATTEMPTS", "0", "email.max_attempts"),
            (
                "LATCHKEY_EMAIL__TEMPLATES_DIR",
                "/nonexistent/templates",
                "email.templates_dir",
            ),
        ] {
            let err = Config::load(None, env(&[(name, value)]), vec![]).expect_err(name);
            assert_eq!(err.key, key, "{name}={value}: {err}");
        }
    }
}
