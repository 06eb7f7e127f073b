//! The sweeps at scale: 1,000, 10,000 and 100,000 stored tickets, of which 1% are due, and
//! what the SLA sweep and the auto-close sweep then read and take.
//!
//! Raising 100,000 tickets one by one through moto would take most of an hour, so each size
//! is loaded in bulk (`TicketStore::import_tickets`) from two real tickets raised through the
//! API: one with its SLA clocks running, one in proposed closure. Half the stored tickets are
//! copies of each; the due ones keep their deadlines, the others have them a year later. Each
//! sweep then runs as its function does, `SWEEP_LIMIT` at a time, until a run finds nothing.
//!
//! moto answers a query on an index by walking the whole table, which DynamoDB does not; the
//! time spent waiting for those queries is shown apart, so that what follows the due tickets
//! (the sweep's own work) can be told from what follows the table's size (moto's index).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use portal::domain::ticket::Ticket;
use portal::store::TicketStore;

use super::life::{self, SWEEP_LIMIT, Stage};
use super::tape::Exchange;
use crate::LocalStack;
use crate::events::Event;

/// One sweep at one size.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SweepRun {
    pub sweep: &'static str,
    pub stored_tickets: usize,
    pub due: usize,
    pub processed: usize,
    pub runs: usize,
    pub requests: usize,
    pub items_read: u64,
    pub seconds: f64,
    pub seconds_in_index_queries: f64,
    /// Requests and seconds waiting for them, by `service:Operation`.
    pub by_operation: BTreeMap<String, (usize, f64)>,
}

/// Runs both sweeps at each size.
pub async fn run(stack: &LocalStack, sizes: &[usize]) -> Result<Vec<SweepRun>, String> {
    let mut out = Vec::new();
    for &size in sizes {
        eprintln!("==> scale: loading {size} tickets");
        let stage = Stage::new(stack, life::start()).await;
        let (running, proposed, now) = templates(&stage).await?;
        // Loaded past the recorder: the bulk load is set-up, not the sweeps' work.
        let store = TicketStore::new(stack.clients.dynamodb.clone(), &stage.names.table);
        load(&store, &running, &proposed, size).await?;
        stage.clock.set(now);
        for sweep in ["SLA sweep", "auto-close sweep"] {
            stage.tape.take();
            let started = Instant::now();
            let (processed, runs) = drain(&stage, sweep).await?;
            let seconds = started.elapsed().as_secs_f64();
            let exchanges = stage.tape.take();
            let mut by_operation = BTreeMap::new();
            for e in &exchanges {
                let entry = by_operation
                    .entry(format!("{}:{}", e.service, e.operation))
                    .or_insert((0, 0.0));
                entry.0 += 1;
                entry.1 += e.elapsed.as_secs_f64();
            }
            out.push(SweepRun {
                sweep,
                stored_tickets: size,
                due: size / 100,
                processed,
                runs,
                requests: exchanges.len(),
                items_read: items_read(&exchanges),
                seconds,
                seconds_in_index_queries: exchanges
                    .iter()
                    .filter(|e| e.operation == "Query")
                    .map(|e| e.elapsed)
                    .sum::<Duration>()
                    .as_secs_f64(),
                by_operation,
            });
        }
        // The next size starts from an empty table; moto keeps everything in memory.
        let _ = stack
            .clients
            .dynamodb
            .delete_table()
            .table_name(&stage.names.table)
            .send()
            .await;
    }
    Ok(out)
}

/// Two real tickets, raised through the handlers: one left with its clocks running, one
/// answered and proposed for closure; and a time when both are due.
async fn templates(stage: &Stage) -> Result<(Ticket, Ticket, DateTime<Utc>), String> {
    let t0 = life::start();
    let raise = || Event::load("raise-ticket.customer").without_header("idempotency-key");
    let mut references = Vec::new();
    for _ in 0..2 {
        let (status, body) = life::invoke(&stage.app, "raise-ticket", &raise().0).await;
        if status != 201 {
            return Err(format!(
                "raising a template ticket answered {status}: {body}"
            ));
        }
        references.push(body["reference"].as_u64().unwrap_or_default().to_string());
    }
    let second = &references[1];
    stage.clock.set(t0 + chrono::Duration::hours(1));
    for name in ["post-message.staff", "propose-closure.staff"] {
        let event = Event::load(name).with_reference(second);
        let function = if name.starts_with("post") {
            "post-message"
        } else {
            "close-ticket"
        };
        let (status, body) = life::invoke(&stage.app, function, &event.0).await;
        if status >= 300 {
            return Err(format!("{name} answered {status}: {body}"));
        }
    }
    let mut tickets = Vec::new();
    for reference in &references {
        let reference = reference.parse().unwrap_or_default();
        match stage.app.store.ticket(reference).await {
            Ok(Some(ticket)) => tickets.push(ticket),
            other => return Err(format!("template ticket {reference}: {other:?}")),
        }
    }
    let (Some(proposed), Some(running)) = (tickets.pop(), tickets.pop()) else {
        return Err("the template tickets were not read back".to_owned());
    };
    let auto_close = proposed
        .closure
        .as_ref()
        .map(|c| c.auto_close_at)
        .ok_or("the proposed ticket has no auto-close time")?;
    let last_deadline = running
        .clocks
        .iter()
        .filter_map(|c| c.due_at)
        .max()
        .unwrap_or(auto_close);
    Ok((
        running,
        proposed,
        auto_close.max(last_deadline) + chrono::Duration::minutes(1),
    ))
}

/// Brings the table to `size` tickets: the two templates (the first of each half) and copies,
/// half of each kind; 1% of all are due for each sweep.
async fn load(
    store: &TicketStore,
    running: &Ticket,
    proposed: &Ticket,
    size: usize,
) -> Result<(), String> {
    let year = chrono::Duration::days(365);
    let due_each = size / 100;
    let mut batch = Vec::with_capacity(1000);
    for n in 2..size {
        let half = n % 2;
        let index = n / 2;
        let mut ticket = if half == 0 {
            running.clone()
        } else {
            proposed.clone()
        };
        ticket.reference = 100_000 + n as u64;
        if index >= due_each {
            for clock in &mut ticket.clocks {
                clock.due_at = clock.due_at.map(|d| d + year);
                clock.running_since = clock.running_since.map(|d| d + year);
            }
            if let Some(closure) = &mut ticket.closure {
                closure.auto_close_at += year;
            }
        }
        batch.push(ticket);
        if batch.len() == batch.capacity() || n + 1 == size {
            store
                .import_tickets(&batch)
                .await
                .map_err(|e| format!("loading tickets: {e}"))?;
            batch.clear();
        }
    }
    Ok(())
}

/// Runs a sweep as its schedule would, again and again, until a run finds nothing due.
async fn drain(stage: &Stage, sweep: &str) -> Result<(usize, usize), String> {
    let mut processed = 0;
    let mut runs = 0;
    loop {
        runs += 1;
        let found = if sweep == "SLA sweep" {
            portal::sla_monitor::sweep(&stage.app, SWEEP_LIMIT)
                .await
                .map(|r| r.breached + r.skipped)
        } else {
            portal::auto_close::sweep(&stage.app, SWEEP_LIMIT)
                .await
                .map(|r| r.closed + r.skipped)
        }
        .map_err(|e| format!("{sweep}: {e}"))?;
        processed += found;
        if found == 0 || runs > 10_000 {
            return Ok((processed, runs));
        }
    }
}

/// Items DynamoDB read for these requests: those a query returned (with no filter, what it
/// read) and those a read by key found.
fn items_read(exchanges: &[Exchange]) -> u64 {
    exchanges
        .iter()
        .filter(|e| e.service == "dynamodb")
        .map(|e| {
            let body: serde_json::Value = serde_json::from_slice(&e.response).unwrap_or_default();
            match e.operation.as_str() {
                "Query" | "Scan" => body["ScannedCount"].as_u64().unwrap_or(0),
                "GetItem" => u64::from(body.get("Item").is_some()),
                _ => 0,
            }
        })
        .sum()
}
