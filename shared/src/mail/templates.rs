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

/// Every template, each parsed the first time it is rendered and kept for the life of the
/// function: a function sends a few kinds of e-mail, and a cold start parses none. The tests
/// render every template in every language, so a broken one fails there, not in production.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn load() -> Self {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_loader(|name| {
            Ok(SOURCES
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, source)| (*source).to_owned()))
        });
        Self { env }
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A context with every variable any template uses, with markup in the user's text.
    fn everything() -> serde_json::Value {
        let mut context = json!({
            "reference": 10042, "subject": "<b>Counts</b> & more", "category": "Data accuracy issue",
            "site_id": "site-lyon", "counters": ["PC-1", "PC-2"], "occurred_on": "2026-11-30",
            "description": "Since Monday <script>x</script>", "recipient_name": "Élodie",
            "requester_name": "Élodie Martin", "requester_email": "elodie@example.com",
            "copied": true, "desk_name": "Support", "account_id": "acc-1", "cc": ["a@example.com"],
            "raised_by_staff": true, "raised_by_name": "Priya", "triage_due": "Friday",
        });
        let more = json!({
            "category_due": "Tuesday", "author_name": "Priya", "author_email": "p@example.com",
            "from_support": true, "body": "Please <i>restart</i>", "asks_customer": true,
            "reopened": true, "status": "open", "previous_status": "hard to tune",
            "comment": "Done <b>now</b>", "auto_close_at": "10 December", "closed_by": "customer",
            "closer_name": "Élodie", "clock": "triage", "due_at": "Friday", "stage": "second line",
        });
        let rest = json!({
            "owner": "o@example.com", "next_action": "support", "attachments": ["<i>photo</i>.png"],
            "previous_stage": "first line", "eta": "18 December", "previous_category": "Other",
            "sla_due": "Friday", "serial": "PC-1", "requested": true, "carrier": "DHL",
            "tracking_number": "JD01", "reason": "Fixed remotely", "note": "A <b>note</b>",
            "name": "x",
        });
        for part in [more, rest] {
            if let (Some(all), serde_json::Value::Object(part)) = (context.as_object_mut(), part) {
                all.extend(part);
            }
        }
        context
    }

    /// Every e-mail, in every language it exists in, renders: a one-line subject that carries
    /// the reference, a plain-text part, and an HTML part in which user text is never markup.
    #[test]
    fn every_email_renders_in_each_of_its_languages() {
        let templates = Templates::load();
        let kinds: std::collections::BTreeSet<&str> = SOURCES
            .iter()
            .filter_map(|(name, _)| name.split_once('/')?.1.split('.').next())
            .collect();
        let customer_facing = [
            "ticket_raised_ack",
            "message_posted",
            "status_changed",
            "closure_proposed",
            "ticket_closed",
            "stage_changed",
            "category_changed",
            "rma_updated",
        ];
        for kind in kinds {
            let languages: &[Language] = if customer_facing.contains(&kind) {
                &[Language::En, Language::Fr]
            } else {
                &[Language::En]
            };
            for language in languages {
                let rendered = templates
                    .render(kind, *language, &everything())
                    .unwrap_or_else(|e| panic!("{kind} in {language:?}: {e}"));
                assert!(
                    rendered.subject.contains("10042"),
                    "{kind}: {}",
                    rendered.subject
                );
                assert!(
                    !rendered.subject.trim().contains('\n'),
                    "{kind}: one-line subject"
                );
                assert!(rendered.text.len() > 20, "{kind}: plain text");
                assert!(!rendered.html.contains("<script>"), "{kind}: escaped HTML");
                assert!(!rendered.html.contains("<b>Counts"), "{kind}: escaped HTML");
            }
        }
    }

    #[test]
    fn french_and_english_differ() {
        let templates = Templates::load();
        let en = templates
            .render("rma_updated", Language::En, &everything())
            .expect("en");
        let fr = templates
            .render("rma_updated", Language::Fr, &everything())
            .expect("fr");
        assert!(en.text.contains("Hello") && fr.text.contains("Bonjour"));
    }
}
