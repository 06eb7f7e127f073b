//! The ticket and the records that hang off it: its status, stage and next action as the
//! domain defines them, the people on it, its SLA clocks, its messages and its history.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::category::Category;
use super::identity::{Caller, Language, Role};

/// A ticket's reference number: short, unique, increasing; quoted on the phone.
pub type Reference = u64;

/// The ticket's status as the customer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    ReverificationApproved,
    HardToTune,
    ProposedClosure,
    Closed,
}

impl Status {
    /// How the status reads in an e-mail.
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::Open, Language::En) => "open",
            (Self::Open, Language::Fr) => "ouvert",
            (Self::ReverificationApproved, Language::En) => "re-verification approved",
            (Self::ReverificationApproved, Language::Fr) => "revérification approuvée",
            (Self::HardToTune, Language::En) => "hard to tune",
            (Self::HardToTune, Language::Fr) => "réglage difficile",
            (Self::ProposedClosure, Language::En) => "closure proposed",
            (Self::ProposedClosure, Language::Fr) => "clôture proposée",
            (Self::Closed, Language::En) => "closed",
            (Self::Closed, Language::Fr) => "clôturé",
        }
    }
}

/// Where support is with the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    FirstLine,
    SecondLine,
    ThirdLine,
    ProposedClosure,
    Closed,
}

impl Stage {
    /// How the stage reads in an e-mail to a customer.
    pub fn label(self, language: Language) -> &'static str {
        match (self, language) {
            (Self::FirstLine, Language::En) => "first-line support",
            (Self::FirstLine, Language::Fr) => "support de premier niveau",
            (Self::SecondLine, Language::En) => "second-line support (diagnosis)",
            (Self::SecondLine, Language::Fr) => "support de deuxième niveau (diagnostic)",
            (Self::ThirdLine, Language::En) => "engineering (third line)",
            (Self::ThirdLine, Language::Fr) => "ingénierie (troisième niveau)",
            (Self::ProposedClosure, Language::En) => "closure proposed",
            (Self::ProposedClosure, Language::Fr) => "clôture proposée",
            (Self::Closed, Language::En) => "closed",
            (Self::Closed, Language::Fr) => "clôturé",
        }
    }
}

/// One stage of the ticket's journey, as its history of stages keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    pub stage: Stage,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Third line: the plan and the ETA, with every earlier ETA and why it moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eta: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eta_changes: Vec<EtaChange>,
}

/// A moved ETA: the old one is kept, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EtaChange {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// Whose turn it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextAction {
    Customer,
    Support,
}

/// Whether the problem concerns one site or the whole account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueLevel {
    Site,
    Account,
}

/// Someone named on a ticket. A requester named by staff by e-mail alone has no user id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub email: String,
    pub name: String,
    pub language: Language,
}

impl Person {
    /// The caller as a person on the ticket.
    pub fn from_caller(caller: &Caller) -> Self {
        Self {
            user_id: Some(caller.user_id.clone()),
            email: caller.email.clone(),
            name: caller.name.clone(),
            language: caller.language,
        }
    }
}

pub use super::sla::{ClockKind, ClockState, SlaClock};

/// A support ticket, as stored and as the domain reasons about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub reference: Reference,
    pub account_id: String,
    pub issue_level: IssueLevel,
    pub counter_not_allocated: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<String>,
    #[serde(default)]
    pub counters: Vec<String>,
    pub subject: String,
    pub category: Category,
    /// The calendar date the problem happened or started: a date, never an instant.
    pub occurred_on: NaiveDate,
    /// The instant it happened, when the customer knows it, always with its offset resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurred_at: Option<DateTime<Utc>>,
    pub requester: Person,
    /// Who pressed the button: the requester, or staff raising on the customer's behalf.
    pub raised_by: Person,
    pub raised_by_role: Role,
    #[serde(default)]
    pub cc: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows_up: Option<Reference>,
    pub status: Status,
    pub stage: Stage,
    pub next_action: NextAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default)]
    pub clocks: Vec<SlaClock>,
    /// The first public staff reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_at: Option<DateTime<Utc>>,
    /// Every stage the ticket went through, oldest first; the last is the current one.
    #[serde(default)]
    pub stages: Vec<StageRecord>,
    /// While closure is proposed: when the ticket closes by itself, and the stage to return
    /// to if the customer answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<ProposedClosure>,
    /// Once closed: who closed it and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every write; every update is conditional on the version the writer read.
    pub version: u64,
}

impl Ticket {
    /// The clock of a kind, if the ticket has one.
    pub fn clock(&self, kind: ClockKind) -> Option<&SlaClock> {
        self.clocks.iter().find(|c| c.kind == kind)
    }
}

/// A proposal to close, waiting for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposedClosure {
    pub proposed_at: DateTime<Utc>,
    pub proposed_by: Person,
    /// Seven calendar days (168 hours) after the proposal.
    pub auto_close_at: DateTime<Utc>,
    /// Where the ticket was before the proposal; a customer reply returns it there.
    pub previous_stage: Stage,
}

/// Who closed a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedBy {
    Customer,
    Support,
    Automatic,
}

/// How a ticket was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub by: ClosedBy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    pub at: DateTime<Utc>,
}

/// Who may read a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageVisibility {
    /// The conversation: customer side and support.
    Public,
    /// A staff note that no customer ever sees.
    Internal,
}

/// One message of a ticket's conversation, stored as an item of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub reference: Reference,
    pub author: Person,
    pub author_role: Role,
    pub visibility: MessageVisibility,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Confirmed attachments the message refers to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
}

/// A message's reference to one of the ticket's confirmed attachments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

/// What happened to a ticket, kept as items of their own so history never grows the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HistoryEvent {
    Raised {
        category: Category,
        status: Status,
        stage: Stage,
    },
    /// A message was added; its id points at the message item.
    MessagePosted {
        message_id: String,
        visibility: MessageVisibility,
    },
    /// The first public staff reply.
    FirstResponse,
    StatusChanged {
        from: Status,
        to: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    NextActionChanged {
        from: NextAction,
        to: NextAction,
    },
    ClosureProposed {
        auto_close_at: DateTime<Utc>,
    },
    /// A customer answered a proposal: back to work.
    Reopened {
        stage: Stage,
    },
    Closed {
        by: ClosedBy,
    },
    StageChanged {
        from: Stage,
        to: Stage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
    OwnerChanged {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
    CategoryChanged {
        from: Category,
        to: Category,
    },
    EtaChanged {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        reason: String,
    },
    /// An SLA clock started, paused, resumed, moved, or ended; `due_at` while it runs.
    Clock {
        clock: ClockKind,
        state: ClockState,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due_at: Option<DateTime<Utc>>,
    },
}

/// One entry of a ticket's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    pub reference: Reference,
    pub at: DateTime<Utc>,
    pub actor: Person,
    pub actor_role: Role,
    pub event: HistoryEvent,
}
