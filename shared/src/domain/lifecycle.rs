//! How a ticket moves once raised: messages and whose turn it is, staff status changes with
//! their legal transitions, proposing closure, closing (by the customer, by support, or by
//! itself seven days after a proposal), and a customer's answer reopening a proposal.
//!
//! Each decision takes the ticket as read and returns the change to write: the ticket's new
//! state, the messages and history entries to add, what people must be told, and what
//! happens to the auto-close schedule. Pure code: the clock is passed in.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::calendar::WorkingCalendar;
use super::identity::{Caller, Role};
use super::raise::{FieldError, MAX_COMMENTS_CHARS};
use super::text;
use super::ticket::{
    ClockKind, ClockState, ClosedBy, Closure, HistoryEntry, HistoryEvent, Message,
    MessageVisibility, NextAction, Person, ProposedClosure, Stage, Status, Ticket,
};

/// A proposed closure becomes a closure this long after the proposal: seven calendar days,
/// counted as 168 hours from the instant of the proposal.
pub const AUTO_CLOSE_AFTER: Duration = Duration::days(7);

/// The body of `POST /tickets/{reference}/messages`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    pub body: Option<String>,
    /// `public` (default) or, for staff, `internal`.
    #[serde(default)]
    pub visibility: Option<MessageVisibility>,
    /// Staff: the message asks the customer something, so it becomes the customer's turn.
    #[serde(default)]
    pub asks_customer: bool,
    /// Staff: sets whose turn it is, whatever the message.
    pub next_action: Option<NextAction>,
    /// Ids of the ticket's confirmed attachments the message refers to.
    #[serde(default)]
    pub attachments: Vec<String>,
}

/// The body of `PATCH /tickets/{reference}` (staff).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TicketUpdate {
    pub status: Option<Status>,
    pub next_action: Option<NextAction>,
    pub comment: Option<String>,
    /// The staff member who owns the ticket now (an e-mail address).
    pub owner: Option<String>,
    /// A more precise category; the customer is told.
    pub category: Option<String>,
    /// Third line: a new ETA (RFC 3339 with an offset); the old one is kept with the reason.
    pub eta: Option<String>,
    pub eta_reason: Option<String>,
}

/// The body of `POST /tickets/{reference}/proposal` and `/close`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosingRequest {
    pub comment: Option<String>,
}

/// Why a change is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 400: bad fields.
    Invalid(Vec<FieldError>),
    /// 403: the caller's role may not do this.
    Forbidden(String),
    /// 409: the ticket is closed; a follow-up is a new ticket.
    Closed,
    /// 409: the status cannot go from `from` to `to`.
    IllegalTransition { from: Status, to: Status },
    /// 409: the ticket cannot be handed over from `from` to `to`.
    IllegalHandover { from: Stage, to: Stage },
    /// 409: a return cannot go from `from` to `to`.
    IllegalRmaStep {
        from: crate::domain::rma::RmaStatus,
        to: crate::domain::rma::RmaStatus,
    },
}

/// What the people on the ticket must be told about a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A message was posted (internal notes are never announced to the customer side).
    MessagePosted {
        message: Message,
        reopened: bool,
    },
    StatusChanged {
        from: Status,
        to: Status,
        comment: Option<String>,
    },
    ClosureProposed {
        comment: String,
    },
    Closed {
        by: ClosedBy,
    },
    /// A clock ran out: the owner and the support team are alerted.
    Breached {
        clock: ClockKind,
    },
    StageChanged {
        from: Stage,
        to: Stage,
        comment: Option<String>,
        eta: Option<DateTime<Utc>>,
    },
    CategoryChanged {
        from: crate::domain::category::Category,
        to: crate::domain::category::Category,
    },
}

/// What becomes of the ticket's one-time schedules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleChange {
    /// Create, or move, the auto-close schedule.
    SetAutoClose(DateTime<Utc>),
    /// Remove the auto-close schedule.
    CancelAutoClose,
    /// Create, or move, an SLA clock's schedule to its deadline.
    SetClock(ClockKind, DateTime<Utc>),
    /// Remove an SLA clock's schedule (met, paused, breached or stopped).
    CancelClock(ClockKind),
}

/// A decided change, ready to be written in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The ticket's new state; its version is one more than the version read.
    pub ticket: Ticket,
    pub messages: Vec<Message>,
    pub history: Vec<HistoryEntry>,
    pub notices: Vec<Notice>,
    pub schedules: Vec<ScheduleChange>,
    /// The clocks as they were read, so that storage updates only those that changed.
    pub clocks_before: Vec<crate::domain::sla::SlaClock>,
    /// What the change adds to the management figures, and the day it counts in.
    pub kpi: crate::domain::kpi::Deltas,
    pub kpi_day: chrono::NaiveDate,
}

impl Change {
    pub(super) fn new(ticket: &Ticket, now: DateTime<Utc>) -> Self {
        let mut next = ticket.clone();
        next.version += 1;
        next.updated_at = now;
        Self {
            ticket: next,
            messages: Vec::new(),
            history: Vec::new(),
            notices: Vec::new(),
            schedules: Vec::new(),
            clocks_before: ticket.clocks.clone(),
            kpi: Default::default(),
            kpi_day: now.date_naive(),
        }
    }

    pub(super) fn record(&mut self, actor: &Actor, now: DateTime<Utc>, event: HistoryEvent) {
        self.history.push(HistoryEntry {
            id: uuid::Uuid::now_v7().to_string(),
            reference: self.ticket.reference,
            at: now,
            actor: actor.person.clone(),
            actor_role: actor.role,
            event,
        });
    }

    /// Completes a change: clocks pause while the customer has the turn or closure is
    /// proposed and run otherwise; every clock that changed is written to the history; and
    /// each clock's schedule follows its deadline (set or moved while it runs, removed when
    /// it stops running).
    pub(super) fn done(
        mut self,
        before: &Ticket,
        actor: &Actor,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Self {
        let counting = self.ticket.next_action == NextAction::Support
            && !matches!(self.ticket.status, Status::ProposedClosure | Status::Closed);
        for clock in &mut self.ticket.clocks {
            if counting {
                clock.resume(calendar, now);
            } else {
                clock.pause(calendar, now);
            }
        }

        let mut events = Vec::new();
        for clock in &self.ticket.clocks {
            let old = before.clocks.iter().find(|c| c.kind == clock.kind);
            let was_running = old.is_some_and(|c| c.state == ClockState::Running);
            let running = clock.state == ClockState::Running;
            match (running, clock.due_at) {
                (true, Some(due))
                    if old.map(|c| c.due_at) != Some(clock.due_at) || !was_running =>
                {
                    self.schedules
                        .push(ScheduleChange::SetClock(clock.kind, due));
                }
                (false, _) if was_running => {
                    self.schedules.push(ScheduleChange::CancelClock(clock.kind));
                }
                _ => {}
            }
            let changed = old.is_none_or(|c| {
                c.state != clock.state
                    || c.due_at != clock.due_at
                    || c.budget_seconds != clock.budget_seconds
            });
            if changed {
                events.push(HistoryEvent::Clock {
                    clock: clock.kind,
                    state: clock.state,
                    due_at: clock.due_at,
                });
            }
        }
        // A clock this change found past its deadline ended breached: alert as for any breach.
        for event in &events {
            if let HistoryEvent::Clock {
                clock,
                state: ClockState::Breached,
                ..
            } = event
                && !self
                    .notices
                    .iter()
                    .any(|n| matches!(n, Notice::Breached { clock: c } if c == clock))
            {
                self.notices.push(Notice::Breached { clock: *clock });
            }
        }
        for event in events {
            self.record(actor, now, event);
        }
        self.kpi = crate::domain::kpi::for_change(&self, calendar, now);
        self.kpi_day = crate::domain::kpi::day_of(calendar, now);
        self
    }

    /// Enters a stage, keeping the stage history.
    fn enter_stage(&mut self, stage: Stage, comment: Option<String>, now: DateTime<Utc>) {
        use crate::domain::stages::STAGE_NOTE_CHARS;
        self.ticket.stage = stage;
        self.ticket.stages.push(crate::domain::ticket::StageRecord {
            stage,
            at: now,
            owner: self.ticket.owner.clone(),
            comment: comment.map(|c| text::shorten(&c, STAGE_NOTE_CHARS)),
            plan: None,
            eta: None,
            eta_changes: Vec::new(),
        });
        crate::domain::stages::keep_recent_stages(&mut self.ticket);
    }

    fn set_next_action(&mut self, actor: &Actor, now: DateTime<Utc>, to: NextAction) {
        let from = self.ticket.next_action;
        if from != to {
            self.ticket.next_action = to;
            self.record(actor, now, HistoryEvent::NextActionChanged { from, to });
        }
    }
}

/// Who acts: a person with a role, or the system itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub person: Person,
    pub role: Role,
}

impl Actor {
    pub fn of(caller: &Caller) -> Self {
        Self {
            person: Person::from_caller(caller),
            role: caller.role,
        }
    }

    pub(super) fn is_staff(&self) -> bool {
        self.role.is_staff()
    }
}

pub(super) fn field(field: &str, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::Invalid(vec![FieldError {
        field: field.to_owned(),
        code,
        message: message.into(),
    }])
}

/// Checks and normalises free text (a message or a comment).
pub(super) fn clean_text(
    name: &str,
    value: Option<&str>,
    required: bool,
) -> Result<Option<String>, Refusal> {
    let Some(value) = value.map(str::trim).filter(|v| !text::is_blank(v)) else {
        return if required {
            Err(field(name, "required", format!("`{name}` cannot be empty")))
        } else {
            Ok(None)
        };
    };
    if text::has_stray_controls(value) {
        return Err(field(
            name,
            "control_character",
            format!("`{name}` holds a control character"),
        ));
    }
    let value = text::nfc(&value.replace("\r\n", "\n"));
    if value.chars().count() > MAX_COMMENTS_CHARS {
        return Err(field(
            name,
            "too_long",
            format!(
                "`{name}` is at most {MAX_COMMENTS_CHARS} characters; attach longer text as a file"
            ),
        ));
    }
    Ok(Some(value))
}

/// Someone writes on the ticket. A customer-side message makes it support's turn and, during
/// a proposed closure, reopens the ticket; a staff message that asks something makes it the
/// customer's turn; the first public staff reply is the first response. A closed ticket takes
/// no message.
pub fn post_message(
    ticket: &Ticket,
    caller: &Caller,
    request: MessageRequest,
    attachments: Vec<crate::domain::ticket::AttachmentRef>,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<Change, Refusal> {
    let actor = Actor::of(caller);
    let visibility = request.visibility.unwrap_or(MessageVisibility::Public);
    if !actor.is_staff() {
        if visibility == MessageVisibility::Internal {
            return Err(Refusal::Forbidden(
                "only support staff write internal notes".into(),
            ));
        }
        if request.asks_customer || request.next_action.is_some() {
            return Err(field(
                if request.asks_customer {
                    "asks_customer"
                } else {
                    "next_action"
                },
                "not_allowed",
                "only support staff set whose turn it is",
            ));
        }
    }
    if visibility == MessageVisibility::Internal && request.asks_customer {
        return Err(field(
            "asks_customer",
            "not_allowed",
            "an internal note asks the customer nothing: the customer never sees it",
        ));
    }
    let body = clean_text("body", request.body.as_deref(), true)?.unwrap_or_default();
    if ticket.status == Status::Closed {
        return Err(Refusal::Closed);
    }

    let mut change = Change::new(ticket, now);
    let message = Message {
        id: uuid::Uuid::now_v7().to_string(),
        reference: ticket.reference,
        author: actor.person.clone(),
        author_role: actor.role,
        visibility,
        body,
        created_at: now,
        attachments,
    };
    change.record(
        &actor,
        now,
        HistoryEvent::MessagePosted {
            message_id: message.id.clone(),
            visibility,
        },
    );

    let public = visibility == MessageVisibility::Public;
    let mut reopened = false;
    if !actor.is_staff() {
        if let Some(closure) = change.ticket.closure.take() {
            reopen(&mut change, &actor, now, closure.previous_stage);
            reopened = true;
        }
        change.set_next_action(&actor, now, NextAction::Support);
    } else {
        if public && change.ticket.first_response_at.is_none() {
            change.ticket.first_response_at = Some(now);
            change.record(&actor, now, HistoryEvent::FirstResponse);
            meet_clock(&mut change, ClockKind::Triage, calendar, now);
        }
        let turn = match (request.next_action, public && request.asks_customer) {
            (Some(explicit), _) => Some(explicit),
            (None, true) => Some(NextAction::Customer),
            (None, false) => None,
        };
        if let Some(turn) = turn {
            change.set_next_action(&actor, now, turn);
        }
    }

    if public {
        change.notices.push(Notice::MessagePosted {
            message: message.clone(),
            reopened,
        });
    }
    change.messages.push(message);
    Ok(change.done(ticket, &actor, calendar, now))
}

/// A live clock is met.
fn meet_clock(
    change: &mut Change,
    kind: ClockKind,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) {
    if let Some(clock) = change.ticket.clocks.iter_mut().find(|c| c.kind == kind) {
        clock.end(ClockState::Met, calendar, now);
    }
}

/// Back to work after a proposal: status open, the stage it had, no auto-close.
fn reopen(change: &mut Change, actor: &Actor, now: DateTime<Utc>, stage: Stage) {
    let from = change.ticket.status;
    change.ticket.status = Status::Open;
    change.enter_stage(stage, None, now);
    change.ticket.closure = None;
    change.schedules.push(ScheduleChange::CancelAutoClose);
    change.record(actor, now, HistoryEvent::Reopened { stage });
    change.record(
        actor,
        now,
        HistoryEvent::StatusChanged {
            from,
            to: Status::Open,
            comment: None,
        },
    );
}

/// The status changes staff make by hand. Proposing closure and closing have their own
/// operations; a closed ticket stays closed.
pub fn legal_transition(from: Status, to: Status) -> bool {
    use Status::*;
    matches!(
        (from, to),
        (Open, ReverificationApproved)
            | (Open, HardToTune)
            | (ReverificationApproved, Open)
            | (ReverificationApproved, HardToTune)
            | (HardToTune, Open)
            | (HardToTune, ReverificationApproved)
            | (ProposedClosure, Open)
    )
}

/// Staff change the status and/or whose turn it is. Setting what is already set changes
/// nothing (`Ok(None)`).
pub fn update_ticket(
    ticket: &Ticket,
    caller: &Caller,
    update: TicketUpdate,
    calendar: &WorkingCalendar,
    work_order_sla_days: u32,
    now: DateTime<Utc>,
) -> Result<Option<Change>, Refusal> {
    let actor = Actor::of(caller);
    if !actor.is_staff() {
        return Err(Refusal::Forbidden(
            "only support staff change a ticket's status".into(),
        ));
    }
    let nothing = update.status.is_none()
        && update.next_action.is_none()
        && update.owner.is_none()
        && update.category.is_none()
        && update.eta.is_none();
    if nothing {
        return Err(field(
            "status",
            "required",
            "give at least one of `status`, `next_action`, `owner`, `category`, `eta`",
        ));
    }
    if update.eta_reason.is_some() && update.eta.is_none() {
        return Err(field(
            "eta_reason",
            "without_eta",
            "a reason goes with a new `eta`",
        ));
    }
    if matches!(
        update.status,
        Some(Status::Closed | Status::ProposedClosure)
    ) {
        return Err(field(
            "status",
            "use_closing",
            "propose closure with POST /tickets/{reference}/proposal and close with POST /tickets/{reference}/close",
        ));
    }
    let comment = clean_text("comment", update.comment.as_deref(), false)?;
    if ticket.status == Status::Closed {
        return Err(Refusal::Closed);
    }

    let mut change = Change::new(ticket, now);
    if let Some(to) = update.status.filter(|to| *to != ticket.status) {
        if !legal_transition(ticket.status, to) {
            return Err(Refusal::IllegalTransition {
                from: ticket.status,
                to,
            });
        }
        if ticket.status == Status::ProposedClosure {
            // Withdrawing a proposal: back to the stage it came from.
            let stage = ticket
                .closure
                .as_ref()
                .map_or(Stage::FirstLine, |c| c.previous_stage);
            change.enter_stage(stage, comment.clone(), now);
            change.ticket.closure = None;
            change.schedules.push(ScheduleChange::CancelAutoClose);
            // Withdrawn: the work is support's again.
            change.set_next_action(&actor, now, NextAction::Support);
        }
        change.ticket.status = to;
        change.record(
            &actor,
            now,
            HistoryEvent::StatusChanged {
                from: ticket.status,
                to,
                comment: comment.clone(),
            },
        );
        change.notices.push(Notice::StatusChanged {
            from: ticket.status,
            to,
            comment: comment.clone(),
        });
    }
    if comment.is_some() && change.ticket.status == ticket.status {
        return Err(field(
            "comment",
            "without_change",
            "a comment goes with a status change; to write to the customer, post a message",
        ));
    }
    if let Some(turn) = update.next_action {
        change.set_next_action(&actor, now, turn);
    }
    if let Some(owner) = update.owner.as_deref() {
        super::stages::assign(&mut change, &actor, owner, now)?;
    }
    if let Some(category) = update.category.as_deref() {
        super::stages::recategorise(
            &mut change,
            &actor,
            category,
            work_order_sla_days,
            calendar,
            now,
        )?;
    }
    if let Some(eta) = update.eta.as_deref() {
        super::stages::move_eta(
            &mut change,
            &actor,
            eta,
            update.eta_reason.as_deref(),
            calendar,
            now,
        )?;
    }
    let change = change.done(ticket, &actor, calendar, now);
    Ok((!change.history.is_empty()).then_some(change))
}

/// Staff believe it is solved: the customer is asked to confirm, and the ticket closes by
/// itself seven days later unless the customer answers. Proposing again restarts the seven
/// days.
pub fn propose_closure(
    ticket: &Ticket,
    caller: &Caller,
    request: ClosingRequest,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<Change, Refusal> {
    let actor = Actor::of(caller);
    if !actor.is_staff() {
        return Err(Refusal::Forbidden(
            "only support staff propose closure".into(),
        ));
    }
    let comment = clean_text("comment", request.comment.as_deref(), true)?.unwrap_or_default();
    if ticket.status == Status::Closed {
        return Err(Refusal::Closed);
    }

    let mut change = Change::new(ticket, now);
    let previous_stage = ticket
        .closure
        .as_ref()
        .map_or(ticket.stage, |c| c.previous_stage);
    let auto_close_at = now + AUTO_CLOSE_AFTER;
    change.ticket.closure = Some(ProposedClosure {
        proposed_at: now,
        proposed_by: actor.person.clone(),
        auto_close_at,
        previous_stage,
    });
    if ticket.status != Status::ProposedClosure {
        change.record(
            &actor,
            now,
            HistoryEvent::StatusChanged {
                from: ticket.status,
                to: Status::ProposedClosure,
                comment: None,
            },
        );
    }
    change.ticket.status = Status::ProposedClosure;
    if ticket.stage != Stage::ProposedClosure {
        change.enter_stage(Stage::ProposedClosure, Some(comment.clone()), now);
    }
    change.record(&actor, now, HistoryEvent::ClosureProposed { auto_close_at });
    change.set_next_action(&actor, now, NextAction::Customer);

    // The proposal's comment is a public message of the conversation.
    let message = Message {
        id: uuid::Uuid::now_v7().to_string(),
        reference: ticket.reference,
        author: actor.person.clone(),
        author_role: actor.role,
        visibility: MessageVisibility::Public,
        body: comment.clone(),
        created_at: now,
        attachments: Vec::new(),
    };
    if change.ticket.first_response_at.is_none() {
        change.ticket.first_response_at = Some(now);
        change.record(&actor, now, HistoryEvent::FirstResponse);
        meet_clock(&mut change, ClockKind::Triage, calendar, now);
    }
    // Proposing closure meets the category's SLA (and triage, with this public answer); the
    // line clocks pause while the customer decides, and resume if the ticket is reopened.
    meet_clock(&mut change, ClockKind::Category, calendar, now);
    change.messages.push(message);
    change.notices.push(Notice::ClosureProposed { comment });
    change
        .schedules
        .push(ScheduleChange::SetAutoClose(auto_close_at));
    Ok(change.done(ticket, &actor, calendar, now))
}

/// Someone closes the ticket: the customer side at any time, or support. Closing a closed
/// ticket changes nothing (`Ok(None)`), so nothing is sent twice.
pub fn close(
    ticket: &Ticket,
    caller: &Caller,
    request: ClosingRequest,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<Option<Change>, Refusal> {
    let actor = Actor::of(caller);
    let comment = clean_text("comment", request.comment.as_deref(), false)?;
    if ticket.status == Status::Closed {
        // Closing again changes nothing; a comment on it could not be kept, so it is refused
        // rather than dropped.
        return if comment.is_some() {
            Err(Refusal::Closed)
        } else {
            Ok(None)
        };
    }
    let by = if actor.is_staff() {
        ClosedBy::Support
    } else {
        ClosedBy::Customer
    };
    let mut change = Change::new(ticket, now);
    if let Some(comment) = comment {
        let message = Message {
            id: uuid::Uuid::now_v7().to_string(),
            reference: ticket.reference,
            author: actor.person.clone(),
            author_role: actor.role,
            visibility: MessageVisibility::Public,
            body: comment,
            created_at: now,
            attachments: Vec::new(),
        };
        change.record(
            &actor,
            now,
            HistoryEvent::MessagePosted {
                message_id: message.id.clone(),
                visibility: MessageVisibility::Public,
            },
        );
        change.messages.push(message);
    }
    finish(
        &mut change,
        &actor,
        calendar,
        now,
        by,
        Some(actor.person.clone()),
    );
    Ok(Some(change.done(ticket, &actor, calendar, now)))
}

/// The seven days have passed with no answer: the ticket closes by itself. Anything else (a
/// reply came, the proposal was renewed, it is already closed, the time has not come) means
/// there is nothing to do, so a late or repeated delivery changes nothing.
pub fn auto_close(
    ticket: &Ticket,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Option<Change> {
    let due = ticket.closure.as_ref()?.auto_close_at;
    if ticket.status != Status::ProposedClosure || due > now {
        return None;
    }
    let system = Actor {
        person: Person {
            user_id: None,
            email: String::new(),
            name: "automatic closure".to_owned(),
            language: Default::default(),
        },
        role: Role::FirstLine,
    };
    let mut change = Change::new(ticket, now);
    finish(
        &mut change,
        &system,
        calendar,
        now,
        ClosedBy::Automatic,
        None,
    );
    Some(change.done(ticket, &system, calendar, now))
}

fn finish(
    change: &mut Change,
    actor: &Actor,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
    by: ClosedBy,
    person: Option<Person>,
) {
    let from = change.ticket.status;
    let had_proposal = change.ticket.closure.take().is_some();
    change.ticket.status = Status::Closed;
    change.enter_stage(Stage::Closed, None, now);
    change.ticket.closed = Some(Closure {
        by,
        person,
        at: now,
    });
    for clock in &mut change.ticket.clocks {
        clock.end(ClockState::Stopped, calendar, now);
    }
    if had_proposal {
        change.schedules.push(ScheduleChange::CancelAutoClose);
    }
    change.record(
        actor,
        now,
        HistoryEvent::StatusChanged {
            from,
            to: Status::Closed,
            comment: None,
        },
    );
    change.record(actor, now, HistoryEvent::Closed { by });
    change.notices.push(Notice::Closed { by });
}

/// A clock's deadline has come: the breach is recorded, once. A clock that was met, paused,
/// already breached or stopped, or whose deadline moved later, does not breach, so a stale
/// or repeated delivery changes nothing.
pub fn breach(
    ticket: &Ticket,
    kind: ClockKind,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Option<Change> {
    if !ticket.clock(kind)?.is_due(now) {
        return None;
    }
    let system = Actor {
        person: Person {
            user_id: None,
            email: String::new(),
            name: "SLA monitor".to_owned(),
            language: Default::default(),
        },
        role: Role::Manager,
    };
    let mut change = Change::new(ticket, now);
    if let Some(clock) = change.ticket.clocks.iter_mut().find(|c| c.kind == kind) {
        clock.end(ClockState::Breached, calendar, now);
    }
    change.notices.push(Notice::Breached { clock: kind });
    Some(change.done(ticket, &system, calendar, now))
}
