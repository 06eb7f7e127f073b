//! The DynamoDB store: one table for all state, items mapped with `serde_dynamo`.
//!
//! # Access patterns and keys
//!
//! | what | key | notes |
//! |---|---|---|
//! | a ticket by reference | `pk = TICKET#<ref>`, `sk = TICKET` | GetItem |
//! | a ticket's messages, oldest first | `pk = TICKET#<ref>`, `sk = MSG#<instant>#<id>` | Query, one item per message |
//! | a ticket's history | `pk = TICKET#<ref>`, `sk = HIST#<instant>#<id>` | Query, one item per entry |
//! | a ticket's pending side effects | `pk = TICKET#<ref>`, `sk = OUTBOX#<id>` | written with the change that needs them |
//! | a ticket's attachments | `pk = TICKET#<ref>`, `sk = ATTACH#<id>` | a pending one expires through TTL `expires_at` |
//! | how many attachments a ticket has had | `pk = TICKET#<ref>`, `sk = ATTACHMENT_COUNT` | raised under the cap in the same transaction |
//! | a ticket's tasks and returns | `pk = TICKET#<ref>`, `sk = TASK#<id>` / `RMA#<id>` | |
//! | a device's service history | GSI `gsi_device`: `device_pk = DEVICE#<serial>`, `device_key = <instant>#…` | one item per (ticket, serial) and each return |
//! | outstanding tickets | GSI `gsi_open`: `open_pk = OPEN`, `created_key` | sparse: only tickets not closed |
//! | management figures per day | `pk = STATS#<date>`, `sk = DAY` | counters added to in each change's transaction |
//! | a running SLA clock, for the sweep | `pk = TICKET#<ref>`, `sk = CLOCK#<clock>` | present only while the clock runs |
//! | the next reference | `pk = COUNTER`, `sk = TICKET_REFERENCE` | atomic `ADD`-style update |
//! | a raise already made with an idempotency key | `pk = IDEMPOTENCY#<sha256 of user and key>`, `sk = IDEMPOTENCY` | expires through TTL `expires_at` |
//! | an account's tickets, newest first | GSI `gsi_account`: `account_pk = ACCOUNT#<id>`, `created_key` | customers and resellers |
//! | every ticket, newest first | GSI `gsi_all`: `all_pk = TICKETS`, `created_key` | staff; one partition, fine at a support desk's rate of a few thousand tickets a day |
//! | what is due, by kind, oldest first | GSI `gsi_due`: `due_kind`, `due_at` | sparse: only items that carry the two attributes: pending side effects (`OUTBOX`), running SLA clocks (`SLA`, due at their deadline) and tickets in proposed closure (`AUTO_CLOSE`, due at their auto-close time) |
//!
//! `created_key` is `<created instant, fixed width>#<reference, zero-padded>`: unique, and its
//! order is the tickets' age, so "older than the last one shown" is a complete cursor.
//!
//! Messages and history are items of their own, so a ticket can hold thousands without its
//! own item growing. Every expression names attributes through `#placeholders`, never bare, so
//! reserved words such as `status` or `comment` cannot break a query. No operation here scans
//! the table.
//!
//! Instants are stored as RFC 3339 text in UTC with a `Z`, which sorts as time does; calendar
//! dates (`occurred_on`) as `YYYY-MM-DD` text, never as an instant.

mod cursor;
mod items;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, DeleteRequest, Put, PutRequest, ReturnValue, TransactWriteItem,
    WriteRequest,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use cursor::Cursor;
pub use items::{PendingEffect, PendingEffectKind};

use crate::adapters::describe;
use crate::domain::attachment::Attachment;
use crate::domain::raise::RaisedTicket;
use crate::domain::ticket::{
    ClockKind, ClockState, Message, MessageVisibility, NextAction, Reference, SlaClock, Stage,
    Status, Ticket,
};
use items::{
    IdempotencyItem, TicketItem, history_item, message_item, message_sk_prefix, outbox_item,
    ticket_key, ticket_pk,
};

/// The first reference handed out; later ones count up from here.
pub const FIRST_REFERENCE: Reference = 10_000;
/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;

/// A storage failure the caller cannot fix (the API answers 500 and logs it).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("dynamodb: {0}")]
    Service(String),
    #[error("stored item could not be read: {0}")]
    Mapping(String),
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        Self::Mapping(e.to_string())
    }
}

/// How a transaction ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transacted {
    Done,
    /// A condition failed: another writer got there first, or a limit was reached.
    Cancelled,
}

/// What saving a change can run into.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Someone else changed the ticket since it was read.
    #[error("the ticket changed since it was read")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What creating a ticket can run into.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// The idempotency key was used before; its record says for what.
    #[error("idempotency key already used")]
    KeyUsed(IdempotencyRecord),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a stored idempotency key remembers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub request_hash: String,
    pub reference: Reference,
}

/// An idempotency key as scoped to its user, and the fingerprint of the request body.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    pub user_id: String,
    pub key: String,
    pub request_hash: String,
}

/// The filters of a ticket list; each is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketFilter {
    pub status: Option<Status>,
    pub stage: Option<Stage>,
    pub next_action: Option<NextAction>,
    pub category: Option<crate::domain::category::Category>,
    pub site_id: Option<String>,
}

/// Which tickets a list may draw from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketScope {
    All,
    Accounts(Vec<String>),
}

/// One page of results and the cursor for the next, if there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Cursor>,
}

/// The DynamoDB adapter.
#[derive(Debug, Clone)]
pub struct TicketStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

fn service<E, R>(err: aws_sdk_dynamodb::error::SdkError<E, R>) -> StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    StoreError::Service(describe(&err))
}

fn to_item<T: Serialize>(value: &T) -> Result<HashMap<String, AttributeValue>, StoreError> {
    Ok(serde_dynamo::to_item(value)?)
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

impl TicketStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Takes the next reference from the atomic counter. Numbers taken by a raise that then
    /// fails are not reused: references only ever increase, with gaps allowed.
    pub async fn next_reference(&self) -> Result<Reference, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s("COUNTER"))
            .key("sk", s("TICKET_REFERENCE"))
            .update_expression("SET #value = if_not_exists(#value, :start) + :one")
            .expression_attribute_names("#value", "value")
            .expression_attribute_values(
                ":start",
                AttributeValue::N((FIRST_REFERENCE - 1).to_string()),
            )
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(service)?;
        out.attributes()
            .and_then(|a| a.get("value"))
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| StoreError::Mapping("counter update returned no number".into()))
    }

    /// Writes a new ticket, its opening message, its history entry, the side effects it needs
    /// and, with a key, the idempotency record, all in one transaction: all or nothing.
    pub async fn create_ticket(
        &self,
        raised: &RaisedTicket,
        effects: &[PendingEffect],
        idempotency: Option<&IdempotencyClaim>,
        now: DateTime<Utc>,
    ) -> Result<(), CreateError> {
        let mut writes = vec![
            self.put(to_item(&TicketItem::new(&raised.ticket))?, true)?,
            self.put(to_item(&message_item(&raised.opening_message))?, false)?,
            self.put(to_item(&history_item(&raised.history))?, false)?,
        ];
        for effect in effects {
            writes.push(self.put(to_item(&outbox_item(effect))?, false)?);
        }
        writes.extend(self.clock_writes(raised.ticket.reference, &[], &raised.ticket.clocks)?);
        for item in items::device_ticket_items(&raised.ticket) {
            writes.push(self.put(to_item(&item)?, false)?);
        }
        writes.extend(self.stats_write(raised.kpi_day, &raised.kpi)?);
        if let Some(claim) = idempotency {
            let record = IdempotencyItem::new(claim, raised.ticket.reference, now);
            writes.push(self.put(to_item(&record)?, true)?);
        }

        match self.transact(writes).await? {
            Transacted::Done => Ok(()),
            Transacted::Cancelled => match idempotency {
                Some(claim) => match self.idempotency_record(claim).await? {
                    Some(record) => Err(CreateError::KeyUsed(record)),
                    None => Err(CreateError::Store(StoreError::Service(
                        "the new ticket's transaction was cancelled".into(),
                    ))),
                },
                None => Err(CreateError::Store(StoreError::Service(
                    "the new ticket's transaction was cancelled".into(),
                ))),
            },
        }
    }

    /// Writes a decided change in one transaction: the ticket's new state, only if the
    /// ticket is still at the version the change was decided on, with its new messages,
    /// history entries and pending side effects.
    pub async fn save_change(
        &self,
        change: &crate::domain::lifecycle::Change,
        effects: &[PendingEffect],
    ) -> Result<(), SaveError> {
        let ticket = self.put_versioned(
            to_item(&TicketItem::new(&change.ticket))?,
            change.ticket.version,
        )?;
        let mut writes = vec![ticket];
        for message in &change.messages {
            writes.push(self.put(to_item(&message_item(message))?, false)?);
        }
        for entry in &change.history {
            writes.push(self.put(to_item(&history_item(entry))?, false)?);
        }
        for effect in effects {
            writes.push(self.put(to_item(&outbox_item(effect))?, false)?);
        }
        writes.extend(self.clock_writes(
            change.ticket.reference,
            &change.clocks_before,
            &change.ticket.clocks,
        )?);
        writes.extend(self.stats_write(change.kpi_day, &change.kpi)?);

        match self.transact(writes).await? {
            Transacted::Done => Ok(()),
            Transacted::Cancelled => Err(SaveError::Conflict),
        }
    }

    /// References of tickets in proposed closure whose auto-close time has come, oldest
    /// first. The index holds only tickets in proposed closure.
    pub async fn due_auto_closes(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Reference>, StoreError> {
        let items: Vec<TicketItem> = self.due(items::DUE_AUTO_CLOSE, now, limit).await?;
        Ok(items.into_iter().map(|i| i.ticket.reference).collect())
    }

    /// Stores a new, pending attachment, unless the ticket has its most already. The count
    /// of attachments ever declared on the ticket is kept in an item of its own, raised in the
    /// same transaction under the cap, so concurrent declarations cannot pass it.
    pub async fn add_attachment(
        &self,
        attachment: &Attachment,
        max_per_ticket: usize,
    ) -> Result<bool, StoreError> {
        let count = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key("pk", s(ticket_pk(attachment.reference)))
            .key("sk", s("ATTACHMENT_COUNT"))
            .update_expression("SET #n = if_not_exists(#n, :zero) + :one")
            .condition_expression("attribute_not_exists(#n) OR #n < :max")
            .expression_attribute_names("#n", "count")
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":max", AttributeValue::N(max_per_ticket.to_string()))
            .build()
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        let writes = vec![
            TransactWriteItem::builder().update(count).build(),
            self.put(to_item(&items::attachment_item(attachment))?, true)?,
        ];
        Ok(self.transact(writes).await? == Transacted::Done)
    }

    /// One attachment of a ticket.
    pub async fn attachment(
        &self,
        reference: Reference,
        id: &str,
    ) -> Result<Option<Attachment>, StoreError> {
        let item: Option<items::AttachmentItem> =
            self.get(items::attachment_key(reference, id)).await?;
        Ok(item.map(|i| i.attachment))
    }

    /// Every attachment of a ticket, oldest first.
    pub async fn attachments(&self, reference: Reference) -> Result<Vec<Attachment>, StoreError> {
        let items: Vec<items::AttachmentItem> = self
            .partition(reference, items::attachment_sk_prefix())
            .await?;
        let mut found: Vec<Attachment> = items.into_iter().map(|i| i.attachment).collect();
        found.sort_by_key(|a| a.created_at);
        Ok(found)
    }

    /// Records that an attachment's object is there: confirmed, and no longer expiring. Only a
    /// pending record changes; confirming twice is harmless.
    pub async fn confirm_attachment(&self, attachment: &Attachment) -> Result<(), StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&items::attachment_item(attachment))?))
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(service(e)),
        }
    }

    /// Adds a change's figures to its day's counters, in the change's own transaction.
    fn stats_write(
        &self,
        day: chrono::NaiveDate,
        deltas: &crate::domain::kpi::Deltas,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        if deltas.is_empty() {
            return Ok(None);
        }
        let mut update = aws_sdk_dynamodb::types::Update::builder()
            .table_name(&self.table)
            .key("pk", s(items::stats_pk(day)))
            .key("sk", s("DAY"));
        let mut parts = Vec::with_capacity(deltas.len());
        for (i, (name, amount)) in deltas.iter().enumerate() {
            parts.push(format!("#k{i} :v{i}"));
            update = update
                .expression_attribute_names(format!("#k{i}"), name)
                .expression_attribute_values(
                    format!(":v{i}"),
                    AttributeValue::N(amount.to_string()),
                );
        }
        let update = update
            .update_expression(format!("ADD {}", parts.join(", ")))
            .build()
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        Ok(Some(TransactWriteItem::builder().update(update).build()))
    }

    /// The counters of each day of a range (at most 400 days), in as few reads as possible.
    pub async fn stats_days(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<std::collections::BTreeMap<String, i64>>, StoreError> {
        let days: Vec<_> = from
            .iter_days()
            .take_while(|d| *d <= to)
            .take(400)
            .collect();
        let mut found = Vec::new();
        for chunk in days.chunks(100) {
            let keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|d| {
                    HashMap::from([
                        ("pk".to_owned(), s(items::stats_pk(*d))),
                        ("sk".to_owned(), s("DAY")),
                    ])
                })
                .collect();
            let mut request = Some(
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .map_err(|e| StoreError::Mapping(e.to_string()))?,
            );
            while let Some(keys) = request.take() {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, keys)
                    .send()
                    .await
                    .map_err(service)?;
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(&self.table))
                    .unwrap_or_default()
                {
                    let counters = item
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_n().ok()?.parse::<i64>().ok()?)))
                        .collect();
                    found.push(counters);
                }
                request = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table));
            }
        }
        Ok(found)
    }

    /// Tickets not closed, oldest first, from the index that holds only those.
    pub async fn open_tickets(
        &self,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Ticket>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi_open")
            .expression_attribute_names("#open", "open_pk")
            .expression_attribute_values(":open", s(items::OPEN_TICKETS))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        query = match after {
            Some(cursor) => query
                .key_condition_expression("#open = :open AND #created > :after")
                .expression_attribute_names("#created", "created_key")
                .expression_attribute_values(":after", s(cursor.position())),
            None => query.key_condition_expression("#open = :open"),
        };
        let out = query.send().await.map_err(service)?;
        let mut found = Vec::new();
        for item in out.items.unwrap_or_default() {
            found.push(serde_dynamo::from_item::<_, TicketItem>(item)?);
        }
        let next = out
            .last_evaluated_key
            .and(found.last().map(|t| Cursor::new(&t.created_key)));
        Ok(Page {
            items: found.into_iter().map(|t| t.ticket).collect(),
            next,
        })
    }

    /// Writes a task (new or changed).
    pub async fn put_task(&self, task: &crate::domain::tasks::Task) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&items::task_item(task))?))
            .send()
            .await
            .map_err(service)?;
        Ok(())
    }

    /// The tasks of a ticket, oldest first.
    pub async fn tasks(
        &self,
        reference: Reference,
    ) -> Result<Vec<crate::domain::tasks::Task>, StoreError> {
        let items: Vec<items::TaskItem> = self.partition(reference, "TASK#").await?;
        Ok(items.into_iter().map(|i| i.task).collect())
    }

    /// One task of a ticket.
    pub async fn task(
        &self,
        reference: Reference,
        id: &str,
    ) -> Result<Option<crate::domain::tasks::Task>, StoreError> {
        let item: Option<items::TaskItem> = self.get(items::task_key(reference, id)).await?;
        Ok(item.map(|i| i.task))
    }

    /// Writes a return (a new one, or a step on from the version read) with the e-mails it
    /// needs, in one transaction.
    pub async fn put_rma(
        &self,
        rma: &crate::domain::rma::Rma,
        effects: &[PendingEffect],
    ) -> Result<(), SaveError> {
        let mut writes = vec![self.put_versioned(to_item(&items::rma_item(rma))?, rma.version)?];
        for effect in effects {
            writes.push(self.put(to_item(&outbox_item(effect))?, false)?);
        }
        match self.transact(writes).await? {
            Transacted::Done => Ok(()),
            Transacted::Cancelled => Err(SaveError::Conflict),
        }
    }

    /// The returns of a ticket, oldest first.
    pub async fn rmas(
        &self,
        reference: Reference,
    ) -> Result<Vec<crate::domain::rma::Rma>, StoreError> {
        let items: Vec<items::RmaItem> = self.partition(reference, "RMA#").await?;
        Ok(items.into_iter().map(|i| i.rma).collect())
    }

    /// One return of a ticket.
    pub async fn rma(
        &self,
        reference: Reference,
        id: &str,
    ) -> Result<Option<crate::domain::rma::Rma>, StoreError> {
        let item: Option<items::RmaItem> = self.get(items::rma_key(reference, id)).await?;
        Ok(item.map(|i| i.rma))
    }

    /// A device's service history, oldest first: the tickets that name its serial and its
    /// returns, read from the device index.
    pub async fn device_history(
        &self,
        serial: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi_device")
                .key_condition_expression("#device = :device")
                .expression_attribute_names("#device", "device_pk")
                .expression_attribute_values(":device", s(items::device_pk(serial)))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(service)?;
            found.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if found.len() < 1000 => start = Some(key),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Every item of a ticket's partition whose sort key starts with `prefix`.
    async fn partition_items(
        &self,
        reference: Reference,
        prefix: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", "pk")
                .expression_attribute_names("#sk", "sk")
                .expression_attribute_values(":pk", s(ticket_pk(reference)))
                .expression_attribute_values(":prefix", s(prefix))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(service)?;
            found.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        Ok(found)
    }

    /// Keeps the due index's clock items in step with the clocks: an item for each running
    /// clock, at its deadline, and none for the others. Only clocks that changed are written.
    fn clock_writes(
        &self,
        reference: Reference,
        before: &[SlaClock],
        after: &[SlaClock],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::new();
        for clock in after {
            let old = before.iter().find(|c| c.kind == clock.kind);
            if old == Some(clock) {
                continue;
            }
            match items::clock_item(reference, clock) {
                Some(item) => writes.push(self.put(to_item(&item)?, false)?),
                None if old.is_some_and(|c| c.state == ClockState::Running) => {
                    let (pk, sk) = items::clock_key(reference, clock.kind);
                    let delete = Delete::builder()
                        .table_name(&self.table)
                        .key("pk", s(pk))
                        .key("sk", s(sk))
                        .build()
                        .map_err(|e| StoreError::Mapping(e.to_string()))?;
                    writes.push(TransactWriteItem::builder().delete(delete).build());
                }
                None => {}
            }
        }
        Ok(writes)
    }

    /// Running clocks whose deadline has come, oldest first, as (ticket, clock). The index
    /// holds only running clocks, so the cost follows the number due, not the tickets.
    pub async fn due_clocks(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<(Reference, ClockKind)>, StoreError> {
        let items: Vec<items::ClockItem> = self.due(items::DUE_SLA, now, limit).await?;
        Ok(items.into_iter().map(|i| (i.reference, i.clock)).collect())
    }

    /// Sends one transaction. One that collides with another in flight (a
    /// `TransactionConflict`) is sent again a few times; one cancelled because a condition
    /// failed is an answer for the caller, not an error.
    async fn transact(&self, writes: Vec<TransactWriteItem>) -> Result<Transacted, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Transacted::Done),
                Err(err) if attempt < 4 && is_transaction_conflict(&err) => {
                    tokio::time::sleep(std::time::Duration::from_millis(20 * attempt)).await;
                }
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_transaction_canceled_exception()) =>
                {
                    return Ok(Transacted::Cancelled);
                }
                Err(err) => return Err(service(err)),
            }
        }
    }

    /// A put of a versioned record: a first version only if nothing is there yet, a later one
    /// only over the version before it.
    fn put_versioned(
        &self,
        item: HashMap<String, AttributeValue>,
        version: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        if version <= 1 {
            return self.put(item, true);
        }
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("#version = :expected")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":expected", AttributeValue::N((version - 1).to_string()))
            .build()
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put(
        &self,
        item: HashMap<String, AttributeValue>,
        must_be_new: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder().table_name(&self.table).set_item(Some(item));
        if must_be_new {
            put = put
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", "pk");
        }
        let put = put
            .build()
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// What an idempotency key was used for, if it was.
    pub async fn idempotency_record(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let (pk, sk) = IdempotencyItem::key(&claim.user_id, &claim.key);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(service)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let item: IdempotencyItem = serde_dynamo::from_item(item)?;
        Ok(Some(IdempotencyRecord {
            request_hash: item.request_hash,
            reference: item.reference,
        }))
    }

    /// A ticket by reference, read consistently.
    pub async fn ticket(&self, reference: Reference) -> Result<Option<Ticket>, StoreError> {
        let item: Option<TicketItem> = self.get(ticket_key(reference)).await?;
        Ok(item.map(|i| i.ticket))
    }

    /// One item by key, read consistently.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        (pk, sk): (String, String),
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(service)?;
        out.item
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .transpose()
    }

    /// Every item of a ticket's partition whose sort key starts with `prefix`, oldest first.
    async fn partition<T: serde::de::DeserializeOwned>(
        &self,
        reference: Reference,
        prefix: &str,
    ) -> Result<Vec<T>, StoreError> {
        self.partition_items(reference, prefix)
            .await?
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// Appends a message to a ticket's conversation. Each message is an item of its own.
    pub async fn append_message(&self, message: &Message) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&message_item(message))?))
            .send()
            .await
            .map_err(service)?;
        Ok(())
    }

    /// A page of a ticket's messages, oldest first; internal notes only when asked for.
    pub async fn messages(
        &self,
        reference: Reference,
        include_internal: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Message>, StoreError> {
        let mut items = Vec::with_capacity(limit);
        let mut start = after.map(|c| {
            HashMap::from([
                ("pk".to_owned(), s(ticket_pk(reference))),
                ("sk".to_owned(), s(c.position().to_owned())),
            ])
        });
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", "pk")
                .expression_attribute_names("#sk", "sk")
                .expression_attribute_values(":pk", s(ticket_pk(reference)))
                .expression_attribute_values(":prefix", s(message_sk_prefix()))
                .set_exclusive_start_key(start.take())
                .limit(i32::try_from(limit - items.len()).unwrap_or(i32::MAX));
            if !include_internal {
                query = query
                    .filter_expression("#visibility = :public")
                    .expression_attribute_names("#visibility", "visibility")
                    .expression_attribute_values(":public", s("public"));
            }
            let out = query.send().await.map_err(service)?;
            for item in out.items.unwrap_or_default() {
                let item: items::MessageItem = serde_dynamo::from_item(item)?;
                debug_assert!(
                    include_internal || item.message.visibility == MessageVisibility::Public
                );
                items.push(item);
            }
            match out.last_evaluated_key {
                Some(key) if items.len() < limit => start = Some(key),
                Some(_) => break,
                None => {
                    return Ok(Page {
                        items: items.into_iter().map(|i| i.message).collect(),
                        next: None,
                    });
                }
            }
        }
        let next = items.last().map(|i| Cursor::new(&i.sk));
        Ok(Page {
            items: items.into_iter().map(|i| i.message).collect(),
            next,
        })
    }

    /// A page of tickets, newest first, from the accounts in scope, with filters. Each account
    /// is its own index partition; the pages of several are merged by age.
    pub async fn tickets(
        &self,
        scope: &TicketScope,
        filter: &TicketFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page<Ticket>, StoreError> {
        let partitions: Vec<(&str, &str, String)> = match scope {
            TicketScope::All => vec![("gsi_all", "all_pk", items::ALL_TICKETS.to_owned())],
            TicketScope::Accounts(ids) => ids
                .iter()
                .map(|id| ("gsi_account", "account_pk", items::account_pk(id)))
                .collect(),
        };
        let mut found: Vec<TicketItem> = Vec::new();
        let mut more = false;
        for (index, key_attr, key) in partitions {
            let (page, partition_has_more) = self
                .ticket_partition(index, key_attr, &key, filter, before, limit)
                .await?;
            more |= partition_has_more;
            found.extend(page);
        }
        found.sort_by(|a, b| b.created_key.cmp(&a.created_key));
        if found.len() > limit {
            found.truncate(limit);
            more = true;
        }
        let next = if more {
            found.last().map(|t| Cursor::new(&t.created_key))
        } else {
            None
        };
        Ok(Page {
            items: found.into_iter().map(|t| t.ticket).collect(),
            next,
        })
    }

    /// Up to `limit` matching tickets of one index partition older than the cursor, and
    /// whether the partition may hold more.
    async fn ticket_partition(
        &self,
        index: &str,
        key_attr: &str,
        key: &str,
        filter: &TicketFilter,
        before: Option<&Cursor>,
        limit: usize,
    ) -> Result<(Vec<TicketItem>, bool), StoreError> {
        let mut found = Vec::new();
        let mut start = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .scan_index_forward(false)
                .expression_attribute_names("#part", key_attr)
                .expression_attribute_values(":part", s(key))
                .set_exclusive_start_key(start.take())
                .limit(i32::try_from(limit.max(10)).unwrap_or(i32::MAX));
            query = match before {
                Some(cursor) => query
                    .key_condition_expression("#part = :part AND #created < :before")
                    .expression_attribute_names("#created", "created_key")
                    .expression_attribute_values(":before", s(cursor.position())),
                None => query.key_condition_expression("#part = :part"),
            };
            let mut conditions = Vec::new();
            let mut add = |attr: &str, value: String| {
                conditions.push(format!("#f_{attr} = :f_{attr}"));
                (
                    format!("#f_{attr}"),
                    attr.to_owned(),
                    format!(":f_{attr}"),
                    value,
                )
            };
            let mut bindings = Vec::new();
            if let Some(v) = filter.status {
                bindings.push(add("status", enum_code(&v)));
            }
            if let Some(v) = filter.stage {
                bindings.push(add("stage", enum_code(&v)));
            }
            if let Some(v) = filter.next_action {
                bindings.push(add("next_action", enum_code(&v)));
            }
            if let Some(v) = filter.category {
                bindings.push(add("category", v.code().to_owned()));
            }
            if let Some(v) = &filter.site_id {
                bindings.push(add("site_id", v.clone()));
            }
            if !conditions.is_empty() {
                query = query.filter_expression(conditions.join(" AND "));
                for (name, attr, placeholder, value) in bindings {
                    query = query
                        .expression_attribute_names(name, attr)
                        .expression_attribute_values(placeholder, s(value));
                }
            }

            let out = query.send().await.map_err(service)?;
            for item in out.items.unwrap_or_default() {
                found.push(serde_dynamo::from_item::<_, TicketItem>(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if found.len() < limit => start = Some(key),
                Some(_) => return Ok((found, true)),
                None => return Ok((found, false)),
            }
        }
    }

    /// Pending side effects that are due, oldest first, across all tickets.
    pub async fn due_effects(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<PendingEffect>, StoreError> {
        let items: Vec<items::OutboxItem> = self.due(items::DUE_OUTBOX, now, limit).await?;
        Ok(items.into_iter().map(|i| i.effect).collect())
    }

    /// Items of one kind in the due index whose time has come, oldest first: a read whose
    /// cost follows the number due, not the size of the table.
    async fn due<T: serde::de::DeserializeOwned>(
        &self,
        kind: &str,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<T>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi_due")
            .key_condition_expression("#kind = :kind AND #due <= :now")
            .expression_attribute_names("#kind", "due_kind")
            .expression_attribute_names("#due", "due_at")
            .expression_attribute_values(":kind", s(kind))
            .expression_attribute_values(":now", s(items::instant_key(now)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(service)?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| Ok(serde_dynamo::from_item(item)?))
            .collect()
    }

    /// Forgets side effects that have been carried out, in as few requests as possible. Every
    /// batch is tried even when one fails (an effect not forgotten is carried out again), and
    /// the first failure is returned.
    pub async fn complete_effects(&self, done: &[&PendingEffect]) -> Result<(), StoreError> {
        let mut first_error = None;
        for chunk in done.chunks(25) {
            let requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|effect| {
                    let (pk, sk) = items::outbox_key(effect);
                    DeleteRequest::builder()
                        .key("pk", s(pk))
                        .key("sk", s(sk))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| StoreError::Mapping(e.to_string()))
                })
                .collect::<Result<_, _>>()?;
            if let Err(error) = self.batch_write(requests).await {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Loads tickets as they stand, without their conversation or history: each ticket's
    /// item and one per running clock, 25 to a request, overwriting what is there. For bulk
    /// loads (a migration from another helpdesk, the benchmarks' scale runs), not for changes,
    /// which go through `save_change` with their history and side effects.
    pub async fn import_tickets(&self, tickets: &[Ticket]) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for ticket in tickets {
            requests.push(to_item(&TicketItem::new(ticket))?);
            for clock in &ticket.clocks {
                if let Some(item) = items::clock_item(ticket.reference, clock) {
                    requests.push(to_item(&item)?);
                }
            }
        }
        let requests: Vec<WriteRequest> = requests
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|p| WriteRequest::builder().put_request(p).build())
                    .map_err(|e| StoreError::Mapping(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        for chunk in requests.chunks(25) {
            self.batch_write(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// One BatchWriteItem of at most 25 requests. DynamoDB may hand back some it could not do
    /// yet; those are sent again, a few times, before giving up with an error.
    async fn batch_write(&self, mut requests: Vec<WriteRequest>) -> Result<(), StoreError> {
        for attempt in 0..5 {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
            }
            let out = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(service)?;
            requests = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
        }
        Err(StoreError::Service(format!(
            "{} writes still unprocessed after retries",
            requests.len()
        )))
    }

    /// Records a failed attempt and when to try again. Does nothing if the effect has been
    /// completed meanwhile.
    pub async fn postpone_effect(
        &self,
        effect: &PendingEffect,
        retry_at: DateTime<Utc>,
        error: &str,
    ) -> Result<(), StoreError> {
        let (pk, sk) = items::outbox_key(effect);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .update_expression("SET #due = :due, #attempts = #attempts + :one, #error = :error")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", "pk")
            .expression_attribute_names("#due", "due_at")
            .expression_attribute_names("#attempts", "attempts")
            .expression_attribute_names("#error", "last_error")
            .expression_attribute_values(":due", s(items::instant_key(retry_at)))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":error", s(error))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(service(e)),
        }
    }
}

/// A short, random wait before trying again after losing a race, longer with each attempt,
/// so that writers who collided do not collide again in step.
pub async fn backoff(attempt: usize) {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 20;
    let millis = 10 * u64::try_from(attempt).unwrap_or(10) + jitter;
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

/// Whether a transaction was cancelled only because it collided with another one.
fn is_transaction_conflict<R>(
    err: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> bool {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => {
            let codes: Vec<_> = e
                .cancellation_reasons()
                .iter()
                .filter_map(|r| r.code())
                .collect();
            codes.contains(&"TransactionConflict")
                && codes
                    .iter()
                    .all(|c| matches!(*c, "None" | "TransactionConflict"))
        }
        _ => false,
    }
}

/// The stored code of a unit enum (its serde name).
pub fn enum_code<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// Words an expression may hold besides `#name` and `:value` placeholders.
    const KEYWORDS: &[&str] = &[
        "AND",
        "OR",
        "NOT",
        "SET",
        "REMOVE",
        "ADD",
        "DELETE",
        "BETWEEN",
        "IN",
        "begins_with",
        "attribute_exists",
        "attribute_not_exists",
        "if_not_exists",
        "contains",
    ];

    /// Every expression this module builds names attributes through `#placeholders`, so a
    /// reserved word such as `status`, `value` or `comment` can never break a request.
    #[test]
    fn expressions_never_name_an_attribute_bare() {
        let source = include_str!("mod.rs");
        let test_start = source.find("#[cfg(test)]").unwrap_or(source.len());
        let mut checked = 0;
        for (at, _) in source[..test_start].match_indices("_expression(") {
            let rest = &source[at + "_expression(".len()..];
            let rest = rest.trim_start();
            let literal = if let Some(r) = rest.strip_prefix('"') {
                &r[..r.find('"').expect("closing quote")]
            } else if let Some(r) = rest.strip_prefix("format!(\"") {
                &r[..r.find('"').expect("closing quote")]
            } else {
                // Built from pieces checked where they are written (`conditions`).
                continue;
            };
            checked += 1;
            let mut chars = literal.char_indices().peekable();
            while let Some((i, c)) = chars.next() {
                if !(c.is_ascii_alphabetic() || c == '_') {
                    continue;
                }
                let mut end = i + c.len_utf8();
                while let Some(&(j, d)) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '{' || d == '}' {
                        end = j + d.len_utf8();
                        chars.next();
                    } else {
                        break;
                    }
                }
                let word = &literal[i..end];
                let sigil = literal[..i].chars().last();
                assert!(
                    matches!(sigil, Some('#' | ':')) || KEYWORDS.contains(&word),
                    "bare attribute name `{word}` in expression `{literal}`"
                );
            }
        }
        assert!(checked >= 8, "only {checked} expressions found");
        // The filter conditions of ticket lists are built with placeholders too.
        assert!(source.contains(r##"format!("#f_{attr} = :f_{attr}")"##));
    }
}
