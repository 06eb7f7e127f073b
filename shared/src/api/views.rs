//! What the API shows of a ticket and its messages. Staff see everything; the customer side
//! sees the conversation and the category SLA's due date, never internal notes, the stage,
//! the owner or the SLA internals.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::domain::calendar::WorkingCalendar;
use crate::domain::category::Category;
use crate::domain::identity::{Caller, Role};
use crate::domain::sla::{ClockReading, ClockState};
use crate::domain::ticket::{
    ClockKind, ClosedBy, IssueLevel, Message, MessageVisibility, NextAction, Person, Reference,
    Stage, StageRecord, Status, Ticket,
};

/// A person as shown in the API.
#[derive(Debug, Serialize)]
pub struct PersonView {
    pub name: String,
    pub email: String,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self {
            name: p.name.clone(),
            email: p.email.clone(),
        }
    }
}

/// A ticket as shown in the API.
#[derive(Debug, Serialize)]
pub struct TicketView {
    pub reference: Reference,
    pub account_id: String,
    pub status: Status,
    pub next_action: NextAction,
    pub subject: String,
    pub category: Category,
    pub issue_level: IssueLevel,
    pub counter_not_allocated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    pub counters: Vec<String>,
    pub occurred_on: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    pub requester: PersonView,
    pub cc: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follows_up: Option<Reference>,
    /// While closure is proposed: when the ticket closes by itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_close_at: Option<DateTime<Utc>>,
    /// Once closed: who closed it (`customer`, `support`, `automatic`) and when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<ClosedBy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// When the category's SLA falls due, if the category has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffTicketDetails>,
}

/// What only staff see of a ticket.
#[derive(Debug, Serialize)]
pub struct StaffTicketDetails {
    pub stage: Stage,
    pub owner: Option<String>,
    pub raised_by: PersonView,
    pub raised_by_role: Role,
    /// Each clock with its state, deadline, time used and time paused.
    pub clocks: Vec<ClockReading>,
    /// Every stage, oldest first, with its owner, comment, date and SLA outcome.
    pub stages: Vec<StageView>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub version: u64,
}

impl TicketView {
    /// The ticket as `caller` may see it at `now`.
    pub fn of(
        ticket: &Ticket,
        caller: &Caller,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            reference: ticket.reference,
            account_id: ticket.account_id.clone(),
            status: ticket.status,
            next_action: ticket.next_action,
            subject: ticket.subject.clone(),
            category: ticket.category,
            issue_level: ticket.issue_level,
            counter_not_allocated: ticket.counter_not_allocated,
            site_id: ticket.site_id.clone(),
            counters: ticket.counters.clone(),
            occurred_on: ticket.occurred_on,
            occurred_at: ticket.occurred_at,
            requester: (&ticket.requester).into(),
            cc: ticket.cc.clone(),
            follows_up: ticket.follows_up,
            auto_close_at: ticket.closure.as_ref().map(|c| c.auto_close_at),
            closed_by: ticket.closed.as_ref().map(|c| c.by),
            closed_at: ticket.closed.as_ref().map(|c| c.at),
            sla_due_at: ticket.clock(ClockKind::Category).and_then(|c| c.due_at),
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            staff: caller.role.is_staff().then(|| StaffTicketDetails {
                stage: ticket.stage,
                owner: ticket.owner.clone(),
                raised_by: (&ticket.raised_by).into(),
                raised_by_role: ticket.raised_by_role,
                clocks: ticket
                    .clocks
                    .iter()
                    .map(|c| c.reading(calendar, now))
                    .collect(),
                stages: ticket
                    .stages
                    .iter()
                    .map(|s| StageView::of(s, ticket))
                    .collect(),
                first_response_at: ticket.first_response_at,
                version: ticket.version,
            }),
        }
    }
}

/// A stage of the ticket's journey, for staff.
#[derive(Debug, Serialize)]
pub struct StageView {
    #[serde(flatten)]
    pub record: StageRecord,
    /// The state of the stage's own clock: met, breached, running…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla_outcome: Option<ClockState>,
}

impl StageView {
    fn of(record: &StageRecord, ticket: &Ticket) -> Self {
        let clock = match record.stage {
            Stage::FirstLine => Some(ClockKind::Triage),
            Stage::SecondLine => Some(ClockKind::SecondLine),
            Stage::ThirdLine => Some(ClockKind::ThirdLineEta),
            Stage::ProposedClosure | Stage::Closed => None,
        };
        Self {
            record: record.clone(),
            sla_outcome: clock.and_then(|k| ticket.clock(k)).map(|c| c.state),
        }
    }
}

/// Which side of the conversation wrote a message.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Customer,
    Support,
}

/// A message as shown in the API.
#[derive(Debug, Serialize)]
pub struct MessageView {
    pub id: String,
    pub from: Side,
    pub author: PersonView,
    pub body: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<crate::domain::ticket::AttachmentRef>,
    /// Staff only: `public` or `internal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visibility: Option<MessageVisibility>,
}

impl MessageView {
    /// The message as `caller` may see it; `None` when it is hidden from the caller.
    pub fn of(message: &Message, caller: &Caller) -> Option<Self> {
        let staff = caller.role.is_staff();
        if !staff && message.visibility != MessageVisibility::Public {
            return None;
        }
        Some(Self {
            id: message.id.clone(),
            from: if message.author_role.is_staff() {
                Side::Support
            } else {
                Side::Customer
            },
            author: (&message.author).into(),
            body: message.body.clone(),
            created_at: message.created_at,
            attachments: message.attachments.clone(),
            visibility: staff.then_some(message.visibility),
        })
    }
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub struct PageView<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
