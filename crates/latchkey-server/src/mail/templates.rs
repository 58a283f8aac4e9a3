//! The templates of mail: a subject, a plain-text body and an HTML body per template and
//! language, rendered with minijinja (the HTML body with HTML escaping). English is built
//! in; `email.templates_dir` may override any file or add languages, with files named
//! `<template>.<language>.subject`, `.txt` and `.html`.

use include_dir::{Dir, include_dir};
use latchkey_core::model::Mail;
use minijinja::{AutoEscape, Environment, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::language;
use crate::config::ConfigError;

/// The built-in templates.
static BUILT_IN: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates/mail");

/// The parts of a message, each a file of its own.
const PARTS: [&str; 3] = ["subject", "txt", "html"];

/// The configuration key whose directory the templates come from.
const KEY: &str = "email.templates_dir";

/// Every template in every language, parsed.
pub struct Templates {
    env: Environment<'static>,
    /// The languages each template has.
    languages: BTreeMap<String, BTreeSet<String>>,
}

/// A message as its recipient reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The language it was rendered in.
    pub language: String,
    /// One line.
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a message could not be rendered; retrying does not help.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("no template named {0}")]
    UnknownTemplate(String),
    #[error("the values of the message are not JSON: {0}")]
    Values(#[from] serde_json::Error),
    #[error("rendering failed: {0:#}")]
    Template(#[from] minijinja::Error),
}

impl Templates {
    /// The built-in templates, overridden and added to by the files of `dir`; a file
    /// that does not parse, or a language that lacks one of the three parts, is a fault
    /// of `email.templates_dir`.
    pub fn load(dir: Option<&Path>) -> Result<Self, ConfigError> {
        let mut sources = BTreeMap::new();
        for file in BUILT_IN.files() {
            if let (Some(name), Some(source)) = (
                file.path().file_name().and_then(|n| n.to_str()),
                file.contents_utf8(),
            ) {
                sources.insert(name.to_owned(), source.to_owned());
            }
        }
        if let Some(dir) = dir {
            let fault = |e: &dyn std::fmt::Display| fault(format!("{}: {e}", dir.display()));
            for entry in std::fs::read_dir(dir).map_err(|e| fault(&e))? {
                let path = entry.map_err(|e| fault(&e))?.path();
                let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if split(name).is_some() {
                    let source = std::fs::read_to_string(&path)
                        .map_err(|e| fault(&format!("{name}: {e}")))?;
                    sources.insert(name.to_owned(), source);
                }
            }
        }
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        env.set_keep_trailing_newline(true);
        let mut languages: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (name, source) in sources {
            if let Some((template, language, _)) = split(&name) {
                languages
                    .entry(template.to_owned())
                    .or_default()
                    .insert(language.to_owned());
                env.add_template_owned(name.clone(), source)
                    .map_err(|e| fault(format!("{name}: {e:#}")))?;
            }
        }
        for (template, langs) in &languages {
            for language in langs {
                for part in PARTS {
                    let name = format!("{template}.{language}.{part}");
                    if env.get_template(&name).is_err() {
                        return Err(fault(format!("{name} is missing")));
                    }
                }
            }
        }
        Ok(Self { env, languages })
    }

    /// `mail` in the language its recipient prefers among those of its template.
    pub fn render(&self, mail: &Mail) -> Result<Rendered, RenderError> {
        let available: Vec<&str> = self
            .languages
            .get(&mail.template)
            .ok_or_else(|| RenderError::UnknownTemplate(mail.template.clone()))?
            .iter()
            .map(String::as_str)
            .collect();
        let language = language::negotiate(mail.locale.as_deref(), &available);
        let values = Value::from_serialize(serde_json::from_str::<serde_json::Value>(&mail.data)?);
        let part = |part: &str| -> Result<String, RenderError> {
            let name = format!("{}.{language}.{part}", mail.template);
            Ok(self.env.get_template(&name)?.render(&values)?)
        };
        Ok(Rendered {
            language: language.to_owned(),
            subject: part("subject")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: part("txt")?,
            html: part("html")?,
        })
    }
}

/// `<template>.<language>.<part>` split in three, when `name` is a template's file.
fn split(name: &str) -> Option<(&str, &str, &str)> {
    let (rest, part) = name.rsplit_once('.')?;
    let (template, language) = rest.rsplit_once('.')?;
    let valid_language =
        (2..=8).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    (PARTS.contains(&part) && valid_language && !template.is_empty())
        .then_some((template, language, part))
}

fn fault(message: String) -> ConfigError {
    ConfigError {
        key: KEY.to_owned(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use latchkey_core::model::MailStatus;

    fn mail(locale: Option<&str>, data: serde_json::Value) -> Mail {
        Mail {
            id: "mail_1".into(),
            to: "ada@example.com".into(),
            template: "verification_code".into(),
            locale: locale.map(str::to_owned),
            data: data.to_string(),
            status: MailStatus::Queued,
            attempts: 1,
            next_attempt_at: 0,
            last_error: None,
            created_at: 0,
            sent_at: None,
        }
    }

    #[test]
    fn the_built_in_code_mail_names_the_code_and_escapes_html() {
        let templates = Templates::load(None).expect("built-in templates");
        let values = serde_json::json!({
            "code": "123456", "application_name": "Acme", "expires_in_minutes": 10,
            "purpose": "sign_in", "name": "<b>Ada</b>"
        });
        let rendered = templates.render(&mail(Some("de"), values)).expect("render");
        assert_eq!(rendered.language, "en");
        assert_eq!(rendered.subject, "123456 is your Acme code");
        assert!(
            rendered.text.starts_with("Hi <b>Ada</b>,\n"),
            "{}",
            rendered.text
        );
        assert!(
            rendered.text.contains("sign in to Acme:\n\n    123456\n"),
            "{}",
            rendered.text
        );
        assert!(
            rendered.html.contains("Hi &lt;b&gt;Ada&lt;&#x2f;b&gt;,"),
            "{}",
            rendered.html
        );
        let anonymous = serde_json::json!({
            "code": "654321", "application_name": "Acme", "expires_in_minutes": 10,
            "purpose": "verify_email_address", "name": null
        });
        let rendered = templates.render(&mail(None, anonymous)).expect("render");
        assert!(rendered.text.starts_with("Hi,\n"), "{}", rendered.text);
        assert!(rendered.text.contains("verify your email address"));
        let unknown = Mail {
            template: "welcome".into(),
            ..mail(None, serde_json::json!({}))
        };
        assert!(matches!(
            templates.render(&unknown),
            Err(RenderError::UnknownTemplate(_))
        ));
    }

    #[test]
    fn a_language_missing_a_part_or_a_broken_template_stops_loading() {
        let dir = std::env::temp_dir().join(format!("latchkey-templates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("verification_code.fr.subject"), "Code {{ code }}").expect("write");
        let err = Templates::load(Some(&dir)).err().expect("incomplete");
        assert_eq!(err.key, KEY);
        assert!(
            err.message.contains("verification_code.fr.txt is missing"),
            "{err}"
        );
        std::fs::remove_file(dir.join("verification_code.fr.subject")).expect("remove");
        std::fs::write(dir.join("verification_code.en.txt"), "{% if %}").expect("write");
        let err = Templates::load(Some(&dir)).err().expect("broken");
        assert!(err.message.contains("verification_code.en.txt"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
