//! Working a ticket through the support stages: handing it over to second line (an owner and
//! a comment) or third line (also a plan and an ETA), assigning an owner, moving the ETA (the
//! old one is kept with the reason), and changing the category. Each move starts, meets or
//! re-targets the SLA clocks it concerns; a clock already met is never started again.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::calendar::WorkingCalendar;
use super::category::{Category, CategoryRefusal};
use super::identity::Caller;
use super::lifecycle::{Actor, Change, Notice, Refusal, clean_text, field};
use super::sla::{ClockKind, ClockState, SlaClock};
use super::text;
use super::ticket::{EtaChange, HistoryEvent, Stage, StageRecord, Status, Ticket};

/// The body of `POST /tickets/{reference}/handover` (staff).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverRequest {
    /// `second_line` or `third_line`.
    pub to: Option<Stage>,
    /// The staff member who takes it (an e-mail address).
    pub owner: Option<String>,
    pub comment: Option<String>,
    /// Third line: the plan, the scope and the ETA (RFC 3339 with an offset).
    pub plan: Option<String>,
    pub eta: Option<String>,
}

/// Working days of the second-line clock.
const SECOND_LINE_DAYS: i32 = 3;
/// How much of a comment or reason the stage history on the ticket keeps; the whole text is
/// in the ticket's history items and messages.
pub const STAGE_NOTE_CHARS: usize = 280;
/// How many stages the ticket item keeps; older ones stay in the history items.
pub const STAGES_KEPT: usize = 50;
/// How many times one hand-over's ETA may move.
pub const MAX_ETA_CHANGES: usize = 100;

/// Keeps the ticket item bounded however often a ticket changes stage.
pub(super) fn keep_recent_stages(ticket: &mut Ticket) {
    let excess = ticket.stages.len().saturating_sub(STAGES_KEPT);
    ticket.stages.drain(..excess);
}

fn owner_address(value: &str) -> Result<String, Refusal> {
    let value = value.trim();
    if text::is_valid_email(value) {
        Ok(value.to_ascii_lowercase())
    } else {
        Err(field(
            "owner",
            "invalid",
            "the owner is a staff member's e-mail address",
        ))
    }
}

fn future_instant(name: &str, value: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, Refusal> {
    let at = DateTime::parse_from_rfc3339(value.trim())
        .map_err(|_| {
            field(
                name,
                "invalid",
                format!("`{name}` is an RFC 3339 date-time with an offset, e.g. 2026-12-18T17:00:00+00:00"),
            )
        })?
        .with_timezone(&Utc);
    if at <= now {
        return Err(field(
            name,
            "in_past",
            format!("`{name}` must be in the future"),
        ));
    }
    Ok(at)
}

fn clock_mut(change: &mut Change, kind: ClockKind) -> Option<&mut SlaClock> {
    change.ticket.clocks.iter_mut().find(|c| c.kind == kind)
}

fn meet(change: &mut Change, kind: ClockKind, calendar: &WorkingCalendar, now: DateTime<Utc>) {
    if let Some(clock) = clock_mut(change, kind) {
        clock.end(ClockState::Met, calendar, now);
    }
}

/// Starts a clock unless the ticket already has one of that kind (met or not).
fn start(
    change: &mut Change,
    kind: ClockKind,
    budget: Duration,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) {
    if change.ticket.clock(kind).is_none() {
        change
            .ticket
            .clocks
            .push(SlaClock::start(kind, budget, now, calendar));
    }
}

/// Hands the ticket over to second or third line.
pub fn hand_over(
    ticket: &Ticket,
    caller: &Caller,
    request: HandoverRequest,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<Change, Refusal> {
    let actor = Actor::of(caller);
    if !actor.is_staff() {
        return Err(Refusal::Forbidden(
            "only support staff hand tickets over".into(),
        ));
    }
    let to = match request.to {
        Some(to @ (Stage::SecondLine | Stage::ThirdLine)) => to,
        _ => {
            return Err(field(
                "to",
                "invalid",
                "hand over `to` `second_line` or `third_line`",
            ));
        }
    };
    let owner = owner_address(request.owner.as_deref().unwrap_or_default())?;
    let comment = clean_text("comment", request.comment.as_deref(), true)?;
    let (plan, eta) = if to == Stage::ThirdLine {
        let plan = clean_text("plan", request.plan.as_deref(), true)?;
        let Some(eta) = request.eta.as_deref() else {
            return Err(field("eta", "required", "third line gives an ETA"));
        };
        (plan, Some(future_instant("eta", eta, now)?))
    } else {
        (None, None)
    };
    if ticket.status == Status::Closed {
        return Err(Refusal::Closed);
    }
    let from = ticket.stage;
    let legal = matches!(
        (from, to),
        (Stage::FirstLine, _)
            | (Stage::SecondLine, Stage::ThirdLine)
            | (Stage::ThirdLine, Stage::SecondLine)
    );
    if !legal {
        return Err(Refusal::IllegalHandover { from, to });
    }

    let mut change = Change::new(ticket, now);
    change.ticket.stage = to;
    change.ticket.owner = Some(owner.clone());
    change.ticket.stages.push(StageRecord {
        stage: to,
        at: now,
        owner: Some(owner.clone()),
        comment: comment
            .as_deref()
            .map(|c| text::shorten(c, STAGE_NOTE_CHARS)),
        plan: plan
            .as_deref()
            .map(|p| text::shorten(p, STAGE_NOTE_CHARS * 4)),
        eta,
        eta_changes: Vec::new(),
    });
    keep_recent_stages(&mut change.ticket);
    change.record(
        &actor,
        now,
        HistoryEvent::StageChanged {
            from,
            to,
            owner: Some(owner),
        },
    );

    // The hand-over ends triage; each line's clock starts once and only once.
    meet(&mut change, ClockKind::Triage, calendar, now);
    match (to, eta) {
        (Stage::ThirdLine, Some(eta)) => {
            meet(&mut change, ClockKind::Category, calendar, now);
            meet(&mut change, ClockKind::SecondLine, calendar, now);
            // A hand-over gives an ETA: the ETA clock follows it, whatever an earlier one did.
            match clock_mut(&mut change, ClockKind::ThirdLineEta) {
                Some(clock) if clock.is_live() => {
                    let used = clock.used(calendar, now);
                    clock.retarget(used + (eta - now), calendar, now);
                }
                Some(clock) => {
                    *clock = SlaClock::until(ClockKind::ThirdLineEta, eta, now, calendar)
                }
                None => change.ticket.clocks.push(SlaClock::until(
                    ClockKind::ThirdLineEta,
                    eta,
                    now,
                    calendar,
                )),
            }
        }
        _ => {
            // Back from third line, its ETA no longer applies.
            if let Some(clock) = clock_mut(&mut change, ClockKind::ThirdLineEta) {
                clock.end(ClockState::Stopped, calendar, now);
            }
            let budget = calendar.working_day() * SECOND_LINE_DAYS;
            start(&mut change, ClockKind::SecondLine, budget, calendar, now);
        }
    }
    change.notices.push(Notice::StageChanged {
        from,
        to,
        comment,
        eta,
    });
    Ok(change.done(ticket, &actor, calendar, now))
}

/// Gives the ticket an owner.
pub(super) fn assign(
    change: &mut Change,
    actor: &Actor,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let owner = owner_address(owner)?;
    if change.ticket.owner.as_deref() == Some(owner.as_str()) {
        return Ok(());
    }
    change.ticket.owner = Some(owner.clone());
    if let Some(stage) = change.ticket.stages.last_mut() {
        stage.owner = Some(owner.clone());
    }
    change.record(
        actor,
        now,
        HistoryEvent::OwnerChanged { owner: Some(owner) },
    );
    Ok(())
}

/// Moves the ticket to a more precise category. The category clock takes the new SLA,
/// counted from the raise, without losing time already used or paused; a category without
/// an SLA stops it.
pub(super) fn recategorise(
    change: &mut Change,
    actor: &Actor,
    code: &str,
    work_order_sla_days: u32,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let Some(to) = Category::parse(code.trim()) else {
        return Err(field(
            "category",
            "unknown",
            format!("unknown category `{code}`"),
        ));
    };
    match to.check_chooser(actor.role) {
        Ok(()) => {}
        Err(CategoryRefusal::Commercial) => {
            return Err(field(
                "category",
                "not_a_ticket",
                "a commercial request is not a ticket",
            ));
        }
        Err(CategoryRefusal::NotAllowed) => {
            return Err(Refusal::Forbidden(format!(
                "the category `{}` can only be set by {}",
                to.code(),
                if to == Category::AccuracyAuditBlocker {
                    "a tuning specialist"
                } else {
                    "support staff"
                }
            )));
        }
    }
    let from = change.ticket.category;
    if from == to {
        return Ok(());
    }
    change.ticket.category = to;
    let budget = to
        .sla_working_days(work_order_sla_days)
        .map(|days| calendar.working_day() * i32::try_from(days).unwrap_or(i32::MAX));
    let third_line = change.ticket.stage == Stage::ThirdLine;
    match (clock_mut(change, ClockKind::Category), budget) {
        (Some(clock), Some(budget)) => {
            // A clock stopped by a category without an SLA comes back with its time.
            if clock.state == ClockState::Stopped && !third_line {
                clock.revive(budget, calendar, now);
            } else {
                clock.retarget(budget, calendar, now);
            }
        }
        (Some(clock), None) => {
            clock.end(ClockState::Stopped, calendar, now);
        }
        (None, Some(budget)) if !third_line => {
            // The old category had no SLA: the new one counts from now.
            change
                .ticket
                .clocks
                .push(SlaClock::start(ClockKind::Category, budget, now, calendar));
        }
        (None, _) => {}
    }
    change.record(actor, now, HistoryEvent::CategoryChanged { from, to });
    change.notices.push(Notice::CategoryChanged { from, to });
    Ok(())
}

/// Third line moves its ETA; the old one is kept with the reason, and the ETA clock follows.
pub(super) fn move_eta(
    change: &mut Change,
    actor: &Actor,
    eta: &str,
    reason: Option<&str>,
    calendar: &WorkingCalendar,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let to = future_instant("eta", eta, now)?;
    let reason = clean_text("eta_reason", reason, true)?.unwrap_or_default();
    if change.ticket.stage != Stage::ThirdLine {
        return Err(field(
            "eta",
            "not_third_line",
            "only a ticket with third line has an ETA",
        ));
    }
    // The latest third-line stage that gave an ETA (a reopen re-enters the stage without one).
    let Some(stage) = change
        .ticket
        .stages
        .iter_mut()
        .rev()
        .find(|s| s.stage == Stage::ThirdLine && s.eta.is_some())
    else {
        return Err(field(
            "eta",
            "no_eta",
            "this ticket's hand-over to third line gave no ETA",
        ));
    };
    let Some(from) = stage.eta else {
        return Err(field(
            "eta",
            "no_eta",
            "this ticket's hand-over to third line gave no ETA",
        ));
    };
    if stage.eta_changes.len() >= MAX_ETA_CHANGES {
        return Err(field(
            "eta",
            "too_many_changes",
            format!("an ETA moves at most {MAX_ETA_CHANGES} times; hand the ticket over again"),
        ));
    }
    stage.eta = Some(to);
    stage.eta_changes.push(EtaChange {
        from,
        to,
        reason: text::shorten(&reason, STAGE_NOTE_CHARS),
        at: now,
    });
    if let Some(clock) = clock_mut(change, ClockKind::ThirdLineEta) {
        let used = clock.used(calendar, now);
        clock.retarget(used + (to - now), calendar, now);
    }
    change.record(actor, now, HistoryEvent::EtaChanged { from, to, reason });
    Ok(())
}
