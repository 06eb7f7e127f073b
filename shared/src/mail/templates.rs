//! The e-mail templates, kept as files under `shared/templates/<language>/` and compiled into
//! the binary. Names ending in `.html` are HTML-escaped; subjects and plain text are not.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::domain::identity::Language;

/// (name, source) of every template.
const SOURCES: &[(&str, &str)] = &[
    (
        "en/ticket_raised_ack.subject.txt",
        include_str!("../../templates/en/ticket_raised_ack.subject.txt"),
    ),
    (
        "en/ticket_raised_ack.txt",
        include_str!("../../templates/en/ticket_raised_ack.txt"),
    ),
    (
        "en/ticket_raised_ack.html",
        include_str!("../../templates/en/ticket_raised_ack.html"),
    ),
    (
        "fr/ticket_raised_ack.subject.txt",
        include_str!("../../templates/fr/ticket_raised_ack.subject.txt"),
    ),
    (
        "fr/ticket_raised_ack.txt",
        include_str!("../../templates/fr/ticket_raised_ack.txt"),
    ),
    (
        "fr/ticket_raised_ack.html",
        include_str!("../../templates/fr/ticket_raised_ack.html"),
    ),
    (
        "en/ticket_raised_alert.subject.txt",
        include_str!("../../templates/en/ticket_raised_alert.subject.txt"),
    ),
    (
        "en/ticket_raised_alert.txt",
        include_str!("../../templates/en/ticket_raised_alert.txt"),
    ),
    (
        "en/ticket_raised_alert.html",
        include_str!("../../templates/en/ticket_raised_alert.html"),
    ),
];

/// A template failed to render: a defect in a template, never in user input.
#[derive(Debug, thiserror::Error)]
#[error("template {name}: {source}")]
pub struct RenderError {
    name: String,
    source: minijinja::Error,
}

/// The subject, plain-text and HTML parts of one e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Every template, parsed once per cold start.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Parses every template; a broken one stops the start.
    pub fn load() -> Result<Self, RenderError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in SOURCES {
            env.add_template(name, source)
                .map_err(|source| RenderError {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    /// Renders the three parts of `kind` in `language`.
    pub fn render(
        &self,
        kind: &str,
        language: Language,
        context: &impl Serialize,
    ) -> Result<Rendered, RenderError> {
        let part = |suffix: &str| {
            let name = format!("{}/{kind}.{suffix}", language.code());
            let template = self.env.get_template(&name).map_err(|source| RenderError {
                name: name.clone(),
                source,
            })?;
            template
                .render(context)
                .map_err(|source| RenderError { name, source })
        };
        Ok(Rendered {
            subject: part("subject.txt")?,
            text: part("txt")?,
            html: part("html")?,
        })
    }
}
