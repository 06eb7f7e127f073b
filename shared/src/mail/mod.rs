//! E-mail notifications: who is told what about a ticket, in which language, rendered from
//! the templates and composed into MIME messages ready for SES.

pub mod compose;
pub mod templates;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::identity::Language;
use crate::domain::text;
use crate::domain::ticket::{ClockKind, Message, Ticket};
use crate::ports::OutgoingEmail;
pub use compose::{ComposeError, Recipient};
pub use templates::{RenderError, Templates};

/// How much of a description an e-mail quotes; the rest is in the portal.
const DESCRIPTION_EXCERPT_CHARS: usize = 2_000;

/// A notification could not be produced: a defect in a template or the configuration.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
}

#[derive(Serialize)]
struct RaisedContext<'a> {
    reference: u64,
    subject: &'a str,
    category: &'a str,
    site_id: Option<&'a str>,
    counters: &'a [String],
    occurred_on: String,
    description: &'a str,
    recipient_name: String,
    requester_name: &'a str,
    requester_email: &'a str,
    /// The recipient is in copy, not the requester.
    copied: bool,
    desk_name: &'a str,
    account_id: &'a str,
    cc: &'a [String],
    raised_by_staff: bool,
    raised_by_name: &'a str,
    triage_due: String,
    category_due: Option<String>,
}

/// The e-mails a new ticket sends: an acknowledgement to the requester and to each user in
/// copy, in the requester's language (users in copy are the requester's colleagues), and an
/// alert to the support inbox. One message per recipient, so nobody sees another's address
/// in a header they did not expect.
pub fn ticket_raised(
    config: &Config,
    templates: &Templates,
    ticket: &Ticket,
    opening: &Message,
) -> Result<Vec<OutgoingEmail>, NotifyError> {
    let from = Recipient {
        name: config.mail_from_name.clone(),
        email: config.mail_from_address.clone(),
    };
    let description = text::shorten(&opening.body, DESCRIPTION_EXCERPT_CHARS);
    let context = |recipient_name: &str, copied: bool, language: Language| {
        let due = |kind| {
            ticket
                .clock(kind)
                .map(|c| human_time(&config.calendar, c.due_at, language))
        };
        RaisedContext {
            reference: ticket.reference,
            subject: &ticket.subject,
            category: ticket.category.label(language),
            site_id: ticket.site_id.as_deref(),
            counters: &ticket.counters,
            occurred_on: ticket.occurred_on.to_string(),
            description: &description,
            recipient_name: recipient_name.to_owned(),
            requester_name: &ticket.requester.name,
            requester_email: &ticket.requester.email,
            copied,
            desk_name: &config.mail_from_name,
            account_id: &ticket.account_id,
            cc: &ticket.cc,
            raised_by_staff: ticket.raised_by_role.is_staff(),
            raised_by_name: &ticket.raised_by.name,
            triage_due: due(ClockKind::Triage).unwrap_or_default(),
            category_due: due(ClockKind::Category),
        }
    };

    let language = ticket.requester.language;
    let mut emails = Vec::with_capacity(ticket.cc.len() + 2);
    let requester = Recipient {
        name: ticket.requester.name.clone(),
        email: ticket.requester.email.clone(),
    };
    let rendered = templates.render(
        "ticket_raised_ack",
        language,
        &context(&ticket.requester.name, false, language),
    )?;
    emails.push(compose::compose(
        "ticket_raised_ack",
        &from,
        &requester,
        &rendered,
    )?);
    for address in &ticket.cc {
        let colleague = Recipient {
            name: String::new(),
            email: address.clone(),
        };
        // Only the address of a user in copy is known, so the greeting names nobody.
        let rendered =
            templates.render("ticket_raised_ack", language, &context("", true, language))?;
        emails.push(compose::compose(
            "ticket_raised_ack",
            &from,
            &colleague,
            &rendered,
        )?);
    }
    let desk = Recipient {
        name: config.mail_from_name.clone(),
        email: config.support_inbox.clone(),
    };
    let rendered = templates.render(
        "ticket_raised_alert",
        Language::En,
        &context(&config.mail_from_name, false, Language::En),
    )?;
    emails.push(compose::compose(
        "ticket_raised_alert",
        &from,
        &desk,
        &rendered,
    )?);
    Ok(emails)
}

/// An instant as the desk's calendar shows it, e.g. "Friday 4 December 2026, 17:00
/// (Europe/London)" or "vendredi 4 décembre 2026 à 17:00 (Europe/London)".
pub fn human_time(calendar: &WorkingCalendar, at: DateTime<Utc>, language: Language) -> String {
    const DAYS_EN: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const DAYS_FR: [&str; 7] = [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ];
    const MONTHS_EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const MONTHS_FR: [&str; 12] = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ];
    let local = calendar.local_time(at);
    let day = local.weekday().num_days_from_monday() as usize;
    let month = local.month0() as usize;
    let zone = calendar.time_zone().name();
    match language {
        Language::En => format!(
            "{} {} {} {}, {:02}:{:02} ({zone})",
            DAYS_EN[day],
            local.day(),
            MONTHS_EN[month],
            local.year(),
            local.hour(),
            local.minute()
        ),
        Language::Fr => format!(
            "{} {} {} {} à {:02}:{:02} ({zone})",
            DAYS_FR[day],
            local.day(),
            MONTHS_FR[month],
            local.year(),
            local.hour(),
            local.minute()
        ),
    }
}
