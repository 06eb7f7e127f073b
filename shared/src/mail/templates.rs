//! The e-mail templates, kept as files under `shared/templates/<language>/` and compiled into
//! the binary. Names ending in `.html` are HTML-escaped; subjects and plain text are not.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

use crate::domain::identity::Language;

/// The three parts (`.subject.txt`, `.txt`, `.html`) of each template, by language.
macro_rules! template_files {
    ($($lang:literal / $name:literal),* $(,)?) => {
        &[$(
            (
                concat!($lang, "/", $name, ".subject.txt"),
                include_str!(concat!("../../templates/", $lang, "/", $name, ".subject.txt")),
            ),
            (
                concat!($lang, "/", $name, ".txt"),
                include_str!(concat!("../../templates/", $lang, "/", $name, ".txt")),
            ),
            (
                concat!($lang, "/", $name, ".html"),
                include_str!(concat!("../../templates/", $lang, "/", $name, ".html")),
            ),
        )*]
    };
}

/// (name, source) of every template. Customer-facing ones exist in every language; the
/// support team's are in English.
const SOURCES: &[(&str, &str)] = template_files![
    "en" / "ticket_raised_ack",
    "fr" / "ticket_raised_ack",
    "en" / "ticket_raised_alert",
    "en" / "message_posted",
    "fr" / "message_posted",
    "en" / "status_changed",
    "fr" / "status_changed",
    "en" / "closure_proposed",
    "fr" / "closure_proposed",
    "en" / "ticket_closed",
    "fr" / "ticket_closed",
    "en" / "customer_replied",
    "en" / "sla_breached",
    "en" / "stage_changed",
    "fr" / "stage_changed",
    "en" / "category_changed",
    "fr" / "category_changed",
    "en" / "rma_updated",
    "fr" / "rma_updated",
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
