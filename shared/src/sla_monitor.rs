//! SLA breaches, as the scheduler and the sweep drive them. A delivery names one clock of
//! one ticket; the ticket is re-read and the breach recorded only if that clock still runs
//! and is past due, with a write conditional on the version read. The owner and the support
//! team are alerted once. The sweep finds running clocks past due through the index that
//! holds only running clocks, so a lost schedule cannot hide a breach.

use serde::Deserialize;
use tracing::{info, warn};

use crate::app::App;
use crate::domain::lifecycle;
use crate::domain::ticket::{ClockKind, Reference};
use crate::effects::{self, SlaDeadlineEvent};
use crate::store::StoreError;

/// What the SLA function receives: a clock's schedule input, or the sweep's tick.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SlaInput {
    One(SlaDeadlineEvent),
    Sweep { source: String },
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SlaReport {
    pub breached: usize,
    pub skipped: usize,
}

/// Records the breach of one clock if, on a fresh read, it is due. Returns whether it did.
pub async fn breach_if_due(
    app: &App,
    reference: Reference,
    clock: ClockKind,
) -> Result<bool, StoreError> {
    let breached = effects::system_change(app, reference, |ticket, now| {
        lifecycle::breach(ticket, clock, &app.config.calendar, now)
    })
    .await?;
    if breached {
        warn!(reference, clock = clock.code(), "SLA breached");
    }
    Ok(breached)
}

/// The sweep: every running clock past its deadline.
pub async fn sweep(app: &App, limit: usize) -> Result<SlaReport, StoreError> {
    let due = app.store.due_clocks(app.clock.now(), limit).await?;
    let mut report = SlaReport::default();
    for (reference, clock) in due {
        if breach_if_due(app, reference, clock).await? {
            report.breached += 1;
        } else {
            report.skipped += 1;
        }
    }
    Ok(report)
}

/// Handles one input of the SLA function.
pub async fn handle(
    app: &App,
    input: SlaInput,
    sweep_limit: usize,
) -> Result<SlaReport, StoreError> {
    match input {
        SlaInput::One(event) => {
            let breached = breach_if_due(app, event.reference, event.clock).await?;
            Ok(SlaReport {
                breached: usize::from(breached),
                skipped: usize::from(!breached),
            })
        }
        SlaInput::Sweep { source } => {
            info!(%source, "SLA sweep");
            sweep(app, sweep_limit).await
        }
    }
}
