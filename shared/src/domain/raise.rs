//! Raising a ticket: the request as the portal sends it, every validation rule with the field
//! it names, who may raise for which account and category, and the ticket, opening message and
//! history entry that a valid request becomes. Pure code: no I/O, the clock is passed in.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::WorkingCalendar;
use super::category::{Category, CategoryRefusal};
use super::identity::{Caller, Language, Role};
use super::text;
use super::ticket::{
    ClockKind, HistoryEntry, HistoryEvent, IssueLevel, Message, MessageVisibility, NextAction,
    Person, Reference, SlaClock, Stage, StageRecord, Status, Ticket,
};

/// Longest subject, in characters: a one-line summary, short enough for an e-mail subject.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_COMMENTS_CHARS: usize = 20_000;
/// Most users in copy.
pub const MAX_CC: usize = 20;
/// Most device serial numbers on one ticket.
pub const MAX_COUNTERS: usize = 50;
/// Longest site id or serial number.
pub const MAX_ID_CHARS: usize = 64;
/// No counter of ours was installed before this date.
const EARLIEST_OCCURRENCE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};
/// How far in the future an `occurred_at` may be, for clocks that run a little fast.
const CLOCK_SKEW: Duration = Duration::minutes(5);

/// The body of `POST /tickets`. Unknown fields are refused so that a typo is named, not
/// silently dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RaiseRequest {
    pub issue_level: Option<IssueLevel>,
    #[serde(default)]
    pub counter_not_allocated: bool,
    pub site_id: Option<String>,
    #[serde(default)]
    pub counters: Vec<String>,
    pub subject: Option<String>,
    pub category: Option<String>,
    /// `YYYY-MM-DD`.
    pub occurred_on: Option<String>,
    /// RFC 3339 with an offset; optional.
    pub occurred_at: Option<String>,
    pub comments: Option<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    /// The (closed) ticket this one follows up.
    pub follows_up: Option<Reference>,
    /// Staff and resellers raise on behalf of an account and must name it; a customer may
    /// only name its own.
    pub account_id: Option<String>,
    /// Staff and resellers may name the customer user who asked; by default it is the caller.
    pub requester_email: Option<String>,
    pub requester_name: Option<String>,
    pub requester_language: Option<Language>,
}

/// One problem with one field, as the 400 problem body lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Why a raise is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RaiseRefusal {
    /// 400: each bad field.
    Invalid(Vec<FieldError>),
    /// 403: the caller may not do this (category or account).
    Forbidden(String),
    /// 422: a sales matter, answered with the sales contact.
    Commercial,
}

/// A request that passed every rule, ready to become a ticket once it has a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRaise {
    pub account_id: String,
    pub issue_level: IssueLevel,
    pub counter_not_allocated: bool,
    pub site_id: Option<String>,
    pub counters: Vec<String>,
    pub subject: String,
    pub category: Category,
    pub occurred_on: NaiveDate,
    pub occurred_at: Option<DateTime<Utc>>,
    pub comments: String,
    pub cc: Vec<String>,
    pub follows_up: Option<Reference>,
    pub requester: Person,
    pub raised_by: Person,
    pub raised_by_role: Role,
}

/// The records a raise writes in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedTicket {
    pub ticket: Ticket,
    pub opening_message: Message,
    pub history: HistoryEntry,
    /// What the raise adds to the management figures, and the day it counts in.
    pub kpi: super::kpi::Deltas,
    pub kpi_day: NaiveDate,
}

impl RaiseRequest {
    /// Applies every rule; all field errors are reported together.
    pub fn validate(self, caller: &Caller, now: DateTime<Utc>) -> Result<ValidRaise, RaiseRefusal> {
        let mut errors = Vec::new();

        let category = match self.category.as_deref().map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("category", "required", "choose a category"));
                None
            }
            Some(code) => match Category::parse(code) {
                Some(c) => Some(c),
                None => {
                    let known: Vec<_> = Category::ALL.iter().map(|c| c.code()).collect();
                    errors.push(FieldError::new(
                        "category",
                        "unknown",
                        format!("unknown category `{code}`; one of: {}", known.join(", ")),
                    ));
                    None
                }
            },
        };
        // A sales matter or a category the role may not use is refused before anything else.
        if let Some(category) = category {
            match category.check_chooser(caller.role) {
                Ok(()) => {}
                Err(CategoryRefusal::Commercial) => return Err(RaiseRefusal::Commercial),
                Err(CategoryRefusal::NotAllowed) => {
                    return Err(RaiseRefusal::Forbidden(format!(
                        "the category `{}` cannot be chosen by a {} user",
                        category.code(),
                        role_name(caller.role)
                    )));
                }
            }
        }
        let account_id = resolve_account(caller, self.account_id.as_deref(), &mut errors)?;

        let issue_level = self.issue_level.unwrap_or_else(|| {
            errors.push(FieldError::new(
                "issue_level",
                "required",
                "say whether the problem is at `site` or `account` level",
            ));
            IssueLevel::Site
        });
        let site_id = one_line_id("site_id", self.site_id.as_deref(), &mut errors);
        if issue_level == IssueLevel::Site && !self.counter_not_allocated && site_id.is_none() {
            errors.push(FieldError::new(
                "site_id",
                "required",
                "a site-level ticket names its site, unless the counter is not allocated yet",
            ));
        }

        let counters = validate_counters(&self.counters, &mut errors);
        let subject = validate_subject(self.subject.as_deref(), &mut errors);
        let comments = validate_comments(self.comments.as_deref(), &mut errors);
        let occurred_on = validate_occurred_on(self.occurred_on.as_deref(), now, &mut errors);
        let occurred_at = validate_occurred_at(self.occurred_at.as_deref(), now, &mut errors);

        let requester = resolve_requester(caller, &self, &mut errors);
        let cc = validate_cc(&self.cc, &requester.email, &mut errors);

        if let Some(0) = self.follows_up {
            errors.push(FieldError::new(
                "follows_up",
                "invalid",
                "give the reference of the ticket this one follows up",
            ));
        }

        match (errors.is_empty(), category, subject, comments, occurred_on) {
            (true, Some(category), Some(subject), Some(comments), Some(occurred_on)) => {
                Ok(ValidRaise {
                    account_id,
                    issue_level,
                    counter_not_allocated: self.counter_not_allocated,
                    site_id,
                    counters,
                    subject,
                    category,
                    occurred_on,
                    occurred_at,
                    comments,
                    cc,
                    follows_up: self.follows_up,
                    requester,
                    raised_by: Person::from_caller(caller),
                    raised_by_role: caller.role,
                })
            }
            _ => Err(RaiseRefusal::Invalid(errors)),
        }
    }
}

impl ValidRaise {
    /// The ticket, its opening message and its first history entry. The triage clock runs one
    /// working day and the category clock the category's SLA, both on the desk's calendar.
    pub fn into_records(
        self,
        reference: Reference,
        now: DateTime<Utc>,
        calendar: &WorkingCalendar,
        work_order_sla_days: u32,
    ) -> RaisedTicket {
        let day = calendar.working_day();
        let mut clocks = vec![SlaClock::start(ClockKind::Triage, day, now, calendar)];
        if let Some(days) = self.category.sla_working_days(work_order_sla_days) {
            clocks.push(SlaClock::start(
                ClockKind::Category,
                day * i32::try_from(days).unwrap_or(i32::MAX),
                now,
                calendar,
            ));
        }

        let ticket = Ticket {
            reference,
            account_id: self.account_id,
            issue_level: self.issue_level,
            counter_not_allocated: self.counter_not_allocated,
            site_id: self.site_id,
            counters: self.counters,
            subject: self.subject,
            category: self.category,
            occurred_on: self.occurred_on,
            occurred_at: self.occurred_at,
            requester: self.requester,
            raised_by: self.raised_by.clone(),
            raised_by_role: self.raised_by_role,
            cc: self.cc,
            follows_up: self.follows_up,
            status: Status::Open,
            stage: Stage::FirstLine,
            next_action: NextAction::Support,
            owner: None,
            clocks,
            first_response_at: None,
            stages: vec![StageRecord {
                stage: Stage::FirstLine,
                at: now,
                owner: None,
                comment: None,
                plan: None,
                eta: None,
                eta_changes: Vec::new(),
            }],
            closure: None,
            closed: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let opening_message = Message {
            id: uuid::Uuid::now_v7().to_string(),
            reference,
            author: self.raised_by.clone(),
            author_role: self.raised_by_role,
            visibility: MessageVisibility::Public,
            body: self.comments,
            created_at: now,
            attachments: Vec::new(),
        };
        let history = HistoryEntry {
            id: uuid::Uuid::now_v7().to_string(),
            reference,
            at: now,
            actor: self.raised_by,
            actor_role: self.raised_by_role,
            event: HistoryEvent::Raised {
                category: ticket.category,
                status: ticket.status,
                stage: ticket.stage,
            },
        };
        RaisedTicket {
            kpi: super::kpi::for_raise(&ticket),
            kpi_day: super::kpi::day_of(calendar, now),
            ticket,
            opening_message,
            history,
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Reseller => "reseller",
        Role::FirstLine => "first-line",
        Role::SecondLine => "second-line",
        Role::ThirdLine => "third-line",
        Role::TuningSpecialist => "tuning specialist",
        Role::Manager => "manager",
    }
}

/// The account the ticket is for. A customer raises for its own account; a reseller for one
/// it manages; staff for any account, which they must name.
fn resolve_account(
    caller: &Caller,
    requested: Option<&str>,
    errors: &mut Vec<FieldError>,
) -> Result<String, RaiseRefusal> {
    let requested = requested.map(str::trim).filter(|s| !s.is_empty());
    match (caller.role, requested) {
        (Role::Customer, None) => Ok(caller.account_id.clone().unwrap_or_default()),
        (_, Some(id)) if caller.can_see_account(id) => {
            if text::has_line_breaks(id) || id.len() > super::identity::MAX_ID_BYTES {
                errors.push(FieldError::new(
                    "account_id",
                    "invalid",
                    "an account id is one line of at most 128 bytes",
                ));
            }
            Ok(id.to_owned())
        }
        (_, Some(_)) => Err(RaiseRefusal::Forbidden(
            "you may not raise tickets for that account".into(),
        )),
        (_, None) => {
            errors.push(FieldError::new(
                "account_id",
                "required",
                "name the customer account the ticket is raised for",
            ));
            Ok(String::new())
        }
    }
}

fn resolve_requester(caller: &Caller, req: &RaiseRequest, errors: &mut Vec<FieldError>) -> Person {
    let Some(email) = req.requester_email.as_deref().map(str::trim) else {
        if req.requester_name.is_some() || req.requester_language.is_some() {
            errors.push(FieldError::new(
                "requester_email",
                "required",
                "a requester named by name or language needs an e-mail address",
            ));
        }
        return Person::from_caller(caller);
    };
    if caller.role == Role::Customer {
        errors.push(FieldError::new(
            "requester_email",
            "not_allowed",
            "a customer raises tickets in its own name",
        ));
    } else if !text::is_valid_email(email) {
        errors.push(FieldError::new(
            "requester_email",
            "invalid",
            format!("`{email}` is not a deliverable e-mail address"),
        ));
    }
    let name = req
        .requester_name
        .as_deref()
        .map(text::single_line)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.to_owned());
    Person {
        user_id: None,
        email: email.to_ascii_lowercase(),
        name: text::shorten(&name, 120),
        language: req.requester_language.unwrap_or(caller.language),
    }
}

fn one_line_id(field: &str, value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let value = value.map(str::trim).filter(|v| !text::is_blank(v))?;
    if text::has_line_breaks(value) || value.chars().count() > MAX_ID_CHARS {
        errors.push(FieldError::new(
            field,
            "invalid",
            format!("`{field}` is one line of at most {MAX_ID_CHARS} characters"),
        ));
        return None;
    }
    Some(text::nfc(value))
}

fn validate_counters(counters: &[String], errors: &mut Vec<FieldError>) -> Vec<String> {
    if counters.len() > MAX_COUNTERS {
        errors.push(FieldError::new(
            "counters",
            "too_many",
            format!("at most {MAX_COUNTERS} counters per ticket"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(counters.len());
    for (i, serial) in counters.iter().enumerate() {
        let serial = serial.trim();
        let well_formed = !serial.is_empty()
            && serial.len() <= MAX_ID_CHARS
            && serial
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
        if !well_formed {
            errors.push(FieldError::new(
                format!("counters[{i}]"),
                "invalid",
                "a serial number is 1 to 64 letters, digits, `-`, `_`, `.` or `/`",
            ));
        } else if !out.iter().any(|s| s.eq_ignore_ascii_case(serial)) {
            out.push(serial.to_ascii_uppercase());
        }
    }
    out
}

fn validate_subject(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let Some(subject) = value.map(str::trim).filter(|s| !text::is_blank(s)) else {
        errors.push(FieldError::new(
            "subject",
            "required",
            "give a one-line description",
        ));
        return None;
    };
    if text::has_line_breaks(subject) {
        errors.push(FieldError::new(
            "subject",
            "line_break",
            "the subject is one line: no line breaks or control characters",
        ));
        return None;
    }
    let subject = text::nfc(subject);
    if subject.chars().count() > MAX_SUBJECT_CHARS {
        errors.push(FieldError::new(
            "subject",
            "too_long",
            format!("the subject is at most {MAX_SUBJECT_CHARS} characters"),
        ));
        return None;
    }
    Some(subject)
}

fn validate_comments(value: Option<&str>, errors: &mut Vec<FieldError>) -> Option<String> {
    let Some(comments) = value.map(str::trim).filter(|s| !text::is_blank(s)) else {
        errors.push(FieldError::new(
            "comments",
            "required",
            "describe the problem: what, where, when, which device and how",
        ));
        return None;
    };
    if text::has_stray_controls(comments) {
        errors.push(FieldError::new(
            "comments",
            "control_character",
            "the description holds a control character",
        ));
        return None;
    }
    let comments = text::nfc(&comments.replace("\r\n", "\n"));
    if comments.chars().count() > MAX_COMMENTS_CHARS {
        errors.push(FieldError::new(
            "comments",
            "too_long",
            format!("the description is at most {MAX_COMMENTS_CHARS} characters; attach longer logs as files"),
        ));
        return None;
    }
    Some(comments)
}

/// A calendar date, kept as a date: `2026-03-29` stays `2026-03-29` for everybody. A date
/// after tomorrow (UTC) cannot have happened in any time zone yet.
fn validate_occurred_on(
    value: Option<&str>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let Some(value) = value.map(str::trim).filter(|s| !s.is_empty()) else {
        errors.push(FieldError::new(
            "occurred_on",
            "required",
            "give the date the problem happened or started (YYYY-MM-DD)",
        ));
        return None;
    };
    let strict = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let parsed = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .filter(|_| strict);
    let Some(date) = parsed else {
        errors.push(FieldError::new(
            "occurred_on",
            "invalid",
            format!("`{value}` is not a calendar date of the form YYYY-MM-DD"),
        ));
        return None;
    };
    if date < EARLIEST_OCCURRENCE {
        errors.push(FieldError::new(
            "occurred_on",
            "too_old",
            format!("the date is before {EARLIEST_OCCURRENCE}; check the year"),
        ));
        return None;
    }
    let latest = now.date_naive().succ_opt().unwrap_or(NaiveDate::MAX);
    if date > latest {
        errors.push(FieldError::new(
            "occurred_on",
            "in_future",
            "the problem cannot have happened in the future",
        ));
        return None;
    }
    Some(date)
}

/// An instant needs its offset: a local time without one would be guessed, so it is refused.
fn validate_occurred_at(
    value: Option<&str>,
    now: DateTime<Utc>,
    errors: &mut Vec<FieldError>,
) -> Option<DateTime<Utc>> {
    let value = value.map(str::trim).filter(|s| !s.is_empty())?;
    let Ok(at) = DateTime::parse_from_rfc3339(value) else {
        errors.push(FieldError::new(
            "occurred_at",
            "invalid",
            format!(
                "`{value}` is not an RFC 3339 date-time with an offset (e.g. 2026-03-04T23:30:00-03:00)"
            ),
        ));
        return None;
    };
    let at = at.with_timezone(&Utc);
    if at > now + CLOCK_SKEW {
        errors.push(FieldError::new(
            "occurred_at",
            "in_future",
            "the problem cannot have happened in the future",
        ));
        return None;
    }
    Some(at)
}

fn validate_cc(cc: &[String], requester: &str, errors: &mut Vec<FieldError>) -> Vec<String> {
    if cc.len() > MAX_CC {
        errors.push(FieldError::new(
            "cc",
            "too_many",
            format!("at most {MAX_CC} users in copy"),
        ));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(cc.len());
    for (i, address) in cc.iter().enumerate() {
        let address = address.trim();
        if !text::is_valid_email(address) {
            errors.push(FieldError::new(
                format!("cc[{i}]"),
                "invalid",
                format!(
                    "`{}` is not a deliverable e-mail address",
                    text::single_line(address)
                ),
            ));
            continue;
        }
        let address = address.to_ascii_lowercase();
        if address != requester.to_ascii_lowercase() && !out.contains(&address) {
            out.push(address);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn caller(role: &str) -> Caller {
        let mut claims: HashMap<String, String> = [
            ("sub", "user-1"),
            ("email", "elodie.martin@galeries.example"),
            ("name", "Élodie Martin"),
            ("role", role),
            ("locale", "fr"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        if role == "customer" {
            claims.insert("account_id".into(), "acc-1".into());
        }
        Caller::from_claims(&claims).expect("test caller")
    }

    fn now() -> DateTime<Utc> {
        "2026-12-03T10:00:00Z".parse().expect("instant")
    }

    fn good() -> RaiseRequest {
        RaiseRequest {
            issue_level: Some(IssueLevel::Site),
            site_id: Some("site-lyon".into()),
            counters: vec!["pc-1".into(), "PC-1".into()],
            subject: Some("Comptages manquants".into()),
            category: Some("data_accuracy".into()),
            occurred_on: Some("2026-11-30".into()),
            comments: Some("Depuis lundi, plus de comptages.".into()),
            cc: vec!["Julien.Roux@galeries.example".into()],
            ..RaiseRequest::default()
        }
    }

    #[test]
    fn a_good_request_passes_and_is_normalised() {
        let valid = good().validate(&caller("customer"), now()).expect("valid");
        assert_eq!(valid.account_id, "acc-1");
        assert_eq!(valid.counters, vec!["PC-1"]);
        assert_eq!(valid.cc, vec!["julien.roux@galeries.example"]);
        assert_eq!(valid.requester.language, Language::Fr);
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let req = RaiseRequest {
            issue_level: Some(IssueLevel::Site),
            subject: Some("Printer down\r\nBcc: attacker@example.com".into()),
            category: Some("data_accuracy".into()),
            occurred_on: Some("2026-13-01".into()),
            cc: vec!["not-an-address".into()],
            counters: vec!["bad serial!".into()],
            ..RaiseRequest::default()
        };
        let Err(RaiseRefusal::Invalid(errors)) = req.validate(&caller("customer"), now()) else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "site_id",
            "counters[0]",
            "subject",
            "comments",
            "occurred_on",
            "cc[0]",
        ] {
            assert!(
                fields.contains(&expected),
                "{expected} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn no_site_is_needed_for_an_unallocated_counter() {
        let req = RaiseRequest {
            site_id: None,
            counter_not_allocated: true,
            ..good()
        };
        assert!(req.validate(&caller("customer"), now()).is_ok());
    }

    #[test]
    fn categories_are_checked_against_the_role() {
        let req = RaiseRequest {
            category: Some("device_bug".into()),
            ..good()
        };
        assert!(matches!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Forbidden(_))
        ));
        let req = RaiseRequest {
            category: Some("commercial_request".into()),
            ..good()
        };
        assert_eq!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Commercial)
        );
    }

    #[test]
    fn a_customer_cannot_raise_for_another_account() {
        let req = RaiseRequest {
            account_id: Some("acc-2".into()),
            ..good()
        };
        assert!(matches!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Forbidden(_))
        ));
    }

    #[test]
    fn staff_must_name_the_account() {
        let Err(RaiseRefusal::Invalid(errors)) = good().validate(&caller("first_line"), now())
        else {
            panic!("expected field errors");
        };
        assert_eq!(errors[0].field, "account_id");
        let req = RaiseRequest {
            account_id: Some("acc-9".into()),
            requester_email: Some("buyer@acc9.example".into()),
            ..good()
        };
        let valid = req.validate(&caller("first_line"), now()).expect("valid");
        assert_eq!(valid.requester.email, "buyer@acc9.example");
        assert_eq!(valid.raised_by.email, "elodie.martin@galeries.example");
    }

    #[test]
    fn dates_stay_dates_and_instants_need_offsets() {
        let req = RaiseRequest {
            occurred_at: Some("2025-03-04T23:30:00-03:00".into()),
            occurred_on: Some("2025-03-04".into()),
            ..good()
        };
        let valid = req.validate(&caller("customer"), now()).expect("valid");
        assert_eq!(valid.occurred_on.to_string(), "2025-03-04");
        assert_eq!(
            valid.occurred_at.map(|t| t.to_rfc3339()),
            Some("2025-03-05T02:30:00+00:00".into())
        );

        let req = RaiseRequest {
            occurred_at: Some("2025-03-04T23:30".into()),
            ..good()
        };
        assert!(matches!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Invalid(e)) if e[0].field == "occurred_at"
        ));
        let req = RaiseRequest {
            occurred_on: Some("2026-12-10".into()),
            ..good()
        };
        assert!(matches!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Invalid(e)) if e[0].code == "in_future"
        ));
    }

    #[test]
    fn subjects_are_limited_in_characters_not_bytes() {
        let req = RaiseRequest {
            subject: Some("é".repeat(MAX_SUBJECT_CHARS)),
            ..good()
        };
        assert!(req.validate(&caller("customer"), now()).is_ok());
        let req = RaiseRequest {
            subject: Some("é".repeat(10_000)),
            ..good()
        };
        assert!(matches!(
            req.validate(&caller("customer"), now()),
            Err(RaiseRefusal::Invalid(e)) if e[0].code == "too_long"
        ));
    }
}
