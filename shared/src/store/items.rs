//! How each record is laid out as a DynamoDB item: its keys, its index attributes, and the
//! domain value flattened beside them.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::attachment::{Attachment, AttachmentState};
use crate::domain::rma::Rma;
use crate::domain::tasks::Task;
use crate::domain::ticket::{
    ClockKind, ClockState, HistoryEntry, Message, Reference, SlaClock, Ticket,
};
use crate::ports::{OneTimeSchedule, OutgoingEmail};

use super::{IDEMPOTENCY_TTL_HOURS, IdempotencyClaim};

/// The one partition of `gsi_open`: tickets not closed.
pub const OPEN_TICKETS: &str = "OPEN";
/// The one partition of `gsi_all`.
pub const ALL_TICKETS: &str = "TICKETS";
/// The `due_kind` of pending side effects in `gsi_due`.
pub const DUE_OUTBOX: &str = "OUTBOX";
/// The `due_kind` of running SLA clocks in `gsi_due`, due at their deadline.
pub const DUE_SLA: &str = "SLA";
/// The `due_kind` of tickets in proposed closure in `gsi_due`, due at their auto-close time.
pub const DUE_AUTO_CLOSE: &str = "AUTO_CLOSE";
/// How long an inline delivery has before the dispatcher may try the same effect.
const OUTBOX_GRACE: Duration = Duration::minutes(2);

/// An instant as a sortable key: fixed-width RFC 3339 in UTC with milliseconds.
pub fn instant_key(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn ticket_pk(reference: Reference) -> String {
    format!("TICKET#{reference}")
}

pub fn ticket_key(reference: Reference) -> (String, String) {
    (ticket_pk(reference), "TICKET".to_owned())
}

pub fn account_pk(account_id: &str) -> String {
    format!("ACCOUNT#{account_id}")
}

pub fn message_sk_prefix() -> &'static str {
    "MSG#"
}

/// The ticket item, with the attributes of the two list indexes.
#[derive(Debug, Serialize, Deserialize)]
pub struct TicketItem {
    pk: String,
    sk: String,
    account_pk: String,
    all_pk: String,
    pub created_key: String,
    /// Present only while the ticket is not closed, so the outstanding index holds only those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    open_pk: Option<String>,
    /// Present only while closure is proposed, so the auto-close index holds only those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    due_at: Option<String>,
    #[serde(flatten)]
    pub ticket: Ticket,
}

impl TicketItem {
    pub fn new(ticket: &Ticket) -> Self {
        let (pk, sk) = ticket_key(ticket.reference);
        let auto_close = ticket
            .closure
            .as_ref()
            .filter(|_| ticket.status == crate::domain::ticket::Status::ProposedClosure)
            .map(|c| c.auto_close_at);
        Self {
            pk,
            sk,
            account_pk: account_pk(&ticket.account_id),
            all_pk: ALL_TICKETS.to_owned(),
            created_key: format!(
                "{}#{:012}",
                instant_key(ticket.created_at),
                ticket.reference
            ),
            open_pk: (ticket.status != crate::domain::ticket::Status::Closed)
                .then(|| OPEN_TICKETS.to_owned()),
            due_kind: auto_close.map(|_| DUE_AUTO_CLOSE.to_owned()),
            due_at: auto_close.map(instant_key),
            ticket: ticket.clone(),
        }
    }
}

/// A message item; its sort key orders the conversation.
#[derive(Debug, Serialize, Deserialize)]
pub struct MessageItem {
    pk: String,
    pub sk: String,
    #[serde(flatten)]
    pub message: Message,
}

pub fn message_item(message: &Message) -> MessageItem {
    MessageItem {
        pk: ticket_pk(message.reference),
        sk: format!(
            "{}{}#{}",
            message_sk_prefix(),
            instant_key(message.created_at),
            message.id
        ),
        message: message.clone(),
    }
}

/// A history item.
#[derive(Debug, Serialize, Deserialize)]
pub struct HistoryItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    pub entry: HistoryEntry,
}

pub fn history_item(entry: &HistoryEntry) -> HistoryItem {
    HistoryItem {
        pk: ticket_pk(entry.reference),
        sk: format!("HIST#{}#{}", instant_key(entry.at), entry.id),
        entry: entry.clone(),
    }
}

/// A side effect that a change needs and that has not been carried out yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingEffect {
    pub id: String,
    pub reference: Reference,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: u32,
    pub effect: PendingEffectKind,
}

/// What is to be done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingEffectKind {
    Email(OutgoingEmail),
    Schedule(OneTimeSchedule),
    CancelSchedule { group: String, name: String },
}

/// A running SLA clock's entry in the due index: one item per running clock, present only
/// while it runs, so the sweep reads only clocks that can breach.
#[derive(Debug, Serialize, Deserialize)]
pub struct ClockItem {
    pk: String,
    sk: String,
    due_kind: String,
    due_at: String,
    pub reference: Reference,
    pub clock: ClockKind,
}

pub fn clock_key(reference: Reference, clock: ClockKind) -> (String, String) {
    (ticket_pk(reference), format!("CLOCK#{}", clock.code()))
}

/// The index item of a running clock, or `None` when the clock is not running.
pub fn clock_item(reference: Reference, clock: &SlaClock) -> Option<ClockItem> {
    let due = clock
        .due_at
        .filter(|_| clock.state == ClockState::Running)?;
    let (pk, sk) = clock_key(reference, clock.kind);
    Some(ClockItem {
        pk,
        sk,
        due_kind: DUE_SLA.to_owned(),
        due_at: instant_key(due),
        reference,
        clock: clock.kind,
    })
}

/// A pending side effect as stored: under its ticket, and in the due index.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutboxItem {
    pk: String,
    sk: String,
    due_kind: String,
    due_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_error: Option<String>,
    #[serde(flatten)]
    pub effect: PendingEffect,
}

pub fn outbox_key(effect: &PendingEffect) -> (String, String) {
    (ticket_pk(effect.reference), format!("OUTBOX#{}", effect.id))
}

pub fn outbox_item(effect: &PendingEffect) -> OutboxItem {
    let (pk, sk) = outbox_key(effect);
    OutboxItem {
        pk,
        sk,
        due_kind: DUE_OUTBOX.to_owned(),
        due_at: instant_key(effect.created_at + OUTBOX_GRACE),
        last_error: None,
        effect: effect.clone(),
    }
}

/// An idempotency key's record, scoped to the user who sent it.
#[derive(Debug, Serialize, Deserialize)]
pub struct IdempotencyItem {
    pk: String,
    sk: String,
    pub request_hash: String,
    pub reference: Reference,
    created_at: DateTime<Utc>,
    /// Epoch seconds, for DynamoDB's TTL.
    expires_at: i64,
}

impl IdempotencyItem {
    /// The user and key are hashed together, length-prefixed, so that no pair of (user, key)
    /// can spell the same item key as another, whatever characters either holds.
    pub fn key(user_id: &str, key: &str) -> (String, String) {
        use sha2::{Digest, Sha256};
        let mut hash = Sha256::new();
        for part in [user_id, key] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        let digest: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        (format!("IDEMPOTENCY#{digest}"), "IDEMPOTENCY".to_owned())
    }

    pub fn new(claim: &IdempotencyClaim, reference: Reference, now: DateTime<Utc>) -> Self {
        let (pk, sk) = Self::key(&claim.user_id, &claim.key);
        Self {
            pk,
            sk,
            request_hash: claim.request_hash.clone(),
            reference,
            created_at: now,
            expires_at: (now + Duration::hours(IDEMPOTENCY_TTL_HOURS)).timestamp(),
        }
    }
}

/// An attachment's record, under its ticket. A pending one expires (TTL) if never confirmed.
#[derive(Debug, Serialize, Deserialize)]
pub struct AttachmentItem {
    pk: String,
    sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
    #[serde(flatten)]
    pub attachment: Attachment,
}

/// How long a pending attachment is kept waiting for its upload.
pub const PENDING_ATTACHMENT_HOURS: i64 = 24;

pub fn attachment_sk_prefix() -> &'static str {
    "ATTACH#"
}

pub fn attachment_key(reference: Reference, id: &str) -> (String, String) {
    (
        ticket_pk(reference),
        format!("{}{id}", attachment_sk_prefix()),
    )
}

pub fn attachment_item(attachment: &Attachment) -> AttachmentItem {
    let (pk, sk) = attachment_key(attachment.reference, &attachment.id);
    let expires_at = (attachment.state == AttachmentState::Pending)
        .then(|| (attachment.created_at + Duration::hours(PENDING_ATTACHMENT_HOURS)).timestamp());
    AttachmentItem {
        pk,
        sk,
        expires_at,
        attachment: attachment.clone(),
    }
}

/// A task of a ticket's action box.
#[derive(Debug, Serialize, Deserialize)]
pub struct TaskItem {
    pk: String,
    sk: String,
    #[serde(flatten)]
    pub task: Task,
}

pub fn task_key(reference: Reference, id: &str) -> (String, String) {
    (ticket_pk(reference), format!("TASK#{id}"))
}

pub fn task_item(task: &Task) -> TaskItem {
    let (pk, sk) = task_key(task.reference, &task.id);
    TaskItem {
        pk,
        sk,
        task: task.clone(),
    }
}

/// The device index's partition for a serial number.
pub fn device_pk(serial: &str) -> String {
    format!("DEVICE#{}", serial.to_ascii_uppercase())
}

/// A return, under its ticket and in the device index.
#[derive(Debug, Serialize, Deserialize)]
pub struct RmaItem {
    pk: String,
    sk: String,
    device_pk: String,
    device_key: String,
    #[serde(flatten)]
    pub rma: Rma,
}

pub fn rma_key(reference: Reference, id: &str) -> (String, String) {
    (ticket_pk(reference), format!("RMA#{id}"))
}

pub fn rma_item(rma: &Rma) -> RmaItem {
    let (pk, sk) = rma_key(rma.reference, &rma.id);
    RmaItem {
        pk,
        sk,
        device_pk: device_pk(&rma.serial),
        device_key: format!("{}#RMA#{}", instant_key(rma.created_at), rma.id),
        rma: rma.clone(),
    }
}

/// A ticket's entry in a device's service history: one per serial the ticket names.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeviceTicketItem {
    pk: String,
    sk: String,
    device_pk: String,
    device_key: String,
    pub reference: Reference,
    pub account_id: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
}

pub fn device_ticket_items(ticket: &Ticket) -> Vec<DeviceTicketItem> {
    ticket
        .counters
        .iter()
        .map(|serial| DeviceTicketItem {
            pk: ticket_pk(ticket.reference),
            sk: format!("DEVICE#{}", serial.to_ascii_uppercase()),
            device_pk: device_pk(serial),
            device_key: format!(
                "{}#TICKET#{:012}",
                instant_key(ticket.created_at),
                ticket.reference
            ),
            reference: ticket.reference,
            account_id: ticket.account_id.clone(),
            subject: ticket.subject.clone(),
            created_at: ticket.created_at,
        })
        .collect()
}

/// The counters of one day of management figures.
pub fn stats_pk(day: chrono::NaiveDate) -> String {
    format!("STATS#{day}")
}
