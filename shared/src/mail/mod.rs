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
                .and_then(|c| c.due_at)
                .map(|due| human_time(&config.calendar, due, language))
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

/// Everything a change's templates may use; each template takes what it needs.
#[derive(Serialize)]
struct ChangeContext<'a> {
    reference: u64,
    subject: &'a str,
    account_id: &'a str,
    desk_name: &'a str,
    author_name: &'a str,
    author_email: &'a str,
    from_support: bool,
    body: &'a str,
    asks_customer: bool,
    reopened: bool,
    status: &'a str,
    previous_status: &'a str,
    comment: Option<&'a str>,
    auto_close_at: String,
    closed_by: &'a str,
    closer_name: &'a str,
    clock: &'a str,
    due_at: String,
    /// The names of the message's attachments, as given (escaped in HTML like all text).
    attachments: Vec<&'a str>,
    previous_stage: &'a str,
    eta: Option<String>,
    category: &'a str,
    previous_category: &'a str,
    sla_due: Option<String>,
    stage: String,
    owner: &'a str,
    next_action: String,
}

/// The customer side of a ticket: the requester and the users in copy, each with the
/// language to write to them in (users in copy share the requester's).
fn customer_side(ticket: &Ticket) -> Vec<(Recipient, Language)> {
    let language = ticket.requester.language;
    std::iter::once((
        Recipient {
            name: ticket.requester.name.clone(),
            email: ticket.requester.email.clone(),
        },
        language,
    ))
    .chain(ticket.cc.iter().map(|address| {
        (
            Recipient {
                name: String::new(),
                email: address.clone(),
            },
            language,
        )
    }))
    .collect()
}

/// The e-mails a decided change sends. Public messages go to the customer side (never back
/// to their author) and, from the customer side, to the support inbox and the owner; status
/// and stage changes, proposals and closures go to the customer side. An internal note sends
/// nothing to anyone on the customer side.
pub fn for_change(
    config: &Config,
    templates: &Templates,
    change: &crate::domain::lifecycle::Change,
) -> Result<Vec<OutgoingEmail>, NotifyError> {
    use crate::domain::lifecycle::Notice;
    use crate::domain::ticket::{ClosedBy, MessageVisibility, NextAction};

    let ticket = &change.ticket;
    let from = Recipient {
        name: config.mail_from_name.clone(),
        email: config.mail_from_address.clone(),
    };
    let desk = Recipient {
        name: config.mail_from_name.clone(),
        email: config.support_inbox.clone(),
    };
    let base = |language: Language| ChangeContext {
        reference: ticket.reference,
        subject: &ticket.subject,
        account_id: &ticket.account_id,
        desk_name: &config.mail_from_name,
        author_name: "",
        author_email: "",
        from_support: false,
        body: "",
        asks_customer: false,
        reopened: false,
        status: ticket.status.label(language),
        previous_status: "",
        comment: None,
        auto_close_at: String::new(),
        closed_by: "",
        closer_name: "",
        clock: "",
        due_at: String::new(),
        attachments: Vec::new(),
        previous_stage: "",
        eta: None,
        category: ticket.category.label(language),
        previous_category: "",
        sla_due: None,
        stage: crate::store::enum_code(&ticket.stage),
        owner: ticket.owner.as_deref().unwrap_or("nobody yet"),
        next_action: crate::store::enum_code(&ticket.next_action),
    };

    let mut emails = Vec::new();
    let mut send = |kind: &str,
                    to: &Recipient,
                    language: Language,
                    context: &ChangeContext<'_>|
     -> Result<(), NotifyError> {
        let rendered = templates.render(kind, language, context)?;
        emails.push(compose::compose(kind, &from, to, &rendered)?);
        Ok(())
    };

    for notice in &change.notices {
        match notice {
            Notice::MessagePosted { message, reopened } => {
                if message.visibility != MessageVisibility::Public {
                    continue;
                }
                let from_support = message.author_role.is_staff();
                let asks_customer = from_support && ticket.next_action == NextAction::Customer;
                let body = text::shorten(&message.body, DESCRIPTION_EXCERPT_CHARS);
                let names: Vec<&str> = message
                    .attachments
                    .iter()
                    .map(|a| a.file_name.as_str())
                    .collect();
                let context = |language| ChangeContext {
                    attachments: names.clone(),
                    author_name: &message.author.name,
                    author_email: &message.author.email,
                    from_support,
                    body: &body,
                    asks_customer,
                    reopened: *reopened,
                    ..base(language)
                };
                for (to, language) in customer_side(ticket) {
                    if !to.email.eq_ignore_ascii_case(&message.author.email) {
                        send("message_posted", &to, language, &context(language))?;
                    }
                }
                if !from_support {
                    send(
                        "customer_replied",
                        &desk,
                        Language::En,
                        &context(Language::En),
                    )?;
                    if let Some(owner) = ticket.owner.as_deref().filter(|o| text::is_valid_email(o))
                    {
                        let owner = Recipient {
                            name: String::new(),
                            email: owner.to_owned(),
                        };
                        send(
                            "customer_replied",
                            &owner,
                            Language::En,
                            &context(Language::En),
                        )?;
                    }
                }
            }
            Notice::StatusChanged {
                from: before,
                to: after,
                comment,
            } => {
                let comment = comment
                    .as_deref()
                    .map(|c| text::shorten(c, DESCRIPTION_EXCERPT_CHARS));
                for (to, language) in customer_side(ticket) {
                    let context = ChangeContext {
                        status: after.label(language),
                        previous_status: before.label(language),
                        comment: comment.as_deref(),
                        ..base(language)
                    };
                    send("status_changed", &to, language, &context)?;
                }
            }
            Notice::ClosureProposed { comment } => {
                let Some(closure) = &ticket.closure else {
                    continue;
                };
                let comment = text::shorten(comment, DESCRIPTION_EXCERPT_CHARS);
                for (to, language) in customer_side(ticket) {
                    let context = ChangeContext {
                        comment: Some(&comment),
                        auto_close_at: human_time(
                            &config.calendar,
                            closure.auto_close_at,
                            language,
                        ),
                        ..base(language)
                    };
                    send("closure_proposed", &to, language, &context)?;
                }
            }
            Notice::StageChanged {
                from: before,
                to: after,
                comment,
                eta,
            } => {
                let comment = comment
                    .as_deref()
                    .map(|c| text::shorten(c, DESCRIPTION_EXCERPT_CHARS));
                for (to, language) in customer_side(ticket) {
                    let context = ChangeContext {
                        stage: after.label(language).to_owned(),
                        previous_stage: before.label(language),
                        comment: comment.as_deref(),
                        eta: eta.map(|at| human_time(&config.calendar, at, language)),
                        ..base(language)
                    };
                    send("stage_changed", &to, language, &context)?;
                }
            }
            Notice::CategoryChanged {
                from: before,
                to: after,
            } => {
                let due = ticket
                    .clock(ClockKind::Category)
                    .filter(|c| c.is_live())
                    .and_then(|c| c.due_at);
                for (to, language) in customer_side(ticket) {
                    let context = ChangeContext {
                        category: after.label(language),
                        previous_category: before.label(language),
                        sla_due: due.map(|at| human_time(&config.calendar, at, language)),
                        ..base(language)
                    };
                    send("category_changed", &to, language, &context)?;
                }
            }
            Notice::Breached { clock } => {
                let before = change.clocks_before.iter().find(|c| c.kind == *clock);
                let context = ChangeContext {
                    clock: clock.label(),
                    stage: ticket.stage.label(Language::En).to_owned(),
                    next_action: match ticket.next_action {
                        crate::domain::ticket::NextAction::Customer => "the customer".to_owned(),
                        crate::domain::ticket::NextAction::Support => "support".to_owned(),
                    },
                    due_at: before
                        .and_then(|c| c.due_at)
                        .map(|due| human_time(&config.calendar, due, Language::En))
                        .unwrap_or_default(),
                    ..base(Language::En)
                };
                send("sla_breached", &desk, Language::En, &context)?;
                if let Some(owner) = ticket.owner.as_deref().filter(|o| text::is_valid_email(o)) {
                    let owner = Recipient {
                        name: String::new(),
                        email: owner.to_owned(),
                    };
                    send("sla_breached", &owner, Language::En, &context)?;
                }
            }
            Notice::Closed { by } => {
                let closer = ticket
                    .closed
                    .as_ref()
                    .and_then(|c| c.person.as_ref())
                    .map_or("", |p| p.name.as_str());
                let closed_by = match by {
                    ClosedBy::Customer => "customer",
                    ClosedBy::Support => "support",
                    ClosedBy::Automatic => "automatic",
                };
                // The closing comment, if one was written, is the change's message.
                let comment = change
                    .messages
                    .first()
                    .map(|m| text::shorten(&m.body, DESCRIPTION_EXCERPT_CHARS));
                let context = |language| ChangeContext {
                    closed_by,
                    closer_name: closer,
                    comment: comment.as_deref(),
                    ..base(language)
                };
                for (to, language) in customer_side(ticket) {
                    send("ticket_closed", &to, language, &context(language))?;
                }
                if *by == ClosedBy::Customer {
                    send("ticket_closed", &desk, Language::En, &context(Language::En))?;
                }
            }
        }
    }
    Ok(emails)
}

#[derive(Serialize)]
struct RmaContext<'a> {
    reference: u64,
    subject: &'a str,
    serial: &'a str,
    status: &'a str,
    requested: bool,
    carrier: Option<&'a str>,
    tracking_number: Option<&'a str>,
    reason: Option<String>,
    note: Option<String>,
    desk_name: &'a str,
}

/// The e-mails of a return's step: to the requester and the users in copy, in the
/// requester's language. Support's internal assessment never goes in them.
pub fn rma_changed(
    config: &Config,
    templates: &Templates,
    ticket: &Ticket,
    rma: &crate::domain::rma::Rma,
) -> Result<Vec<OutgoingEmail>, NotifyError> {
    let from = Recipient {
        name: config.mail_from_name.clone(),
        email: config.mail_from_address.clone(),
    };
    let step = rma.steps.last();
    let mut emails = Vec::new();
    for (to, language) in customer_side(ticket) {
        let context = RmaContext {
            reference: ticket.reference,
            subject: &ticket.subject,
            serial: &rma.serial,
            status: rma.status.label(language),
            requested: rma.status == crate::domain::rma::RmaStatus::Requested,
            carrier: rma
                .carrier
                .as_deref()
                .filter(|_| rma.status == crate::domain::rma::RmaStatus::Approved),
            tracking_number: rma.tracking_number.as_deref(),
            reason: rma
                .rejection_reason
                .as_deref()
                .filter(|_| rma.status == crate::domain::rma::RmaStatus::Rejected)
                .map(|r| text::shorten(r, DESCRIPTION_EXCERPT_CHARS)),
            note: step
                .and_then(|s| s.note.as_deref())
                .map(|n| text::shorten(n, DESCRIPTION_EXCERPT_CHARS)),
            desk_name: &config.mail_from_name,
        };
        let rendered = templates.render("rma_updated", language, &context)?;
        emails.push(compose::compose("rma_updated", &from, &to, &rendered)?);
    }
    Ok(emails)
}
