//! The seven-day closing, as the scheduler and the sweep drive it. A delivery names one
//! ticket; the ticket is re-read and closed only if it is still in proposed closure and its
//! time has come, with a write conditional on the version read. A second delivery, or a late
//! one after the customer answered, finds nothing to do and sends nothing.

use serde::Deserialize;
use tracing::{info, warn};

use crate::app::App;
use crate::domain::lifecycle;
use crate::domain::ticket::Reference;
use crate::effects;
use crate::store::{SaveError, StoreError};

/// What the function receives: a schedule's input for one ticket, or the sweep's tick.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AutoCloseInput {
    One(effects::AutoCloseEvent),
    Sweep { source: String },
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct AutoCloseReport {
    pub closed: usize,
    pub skipped: usize,
}

/// How many times a close is decided again after losing a race.
const ATTEMPTS: usize = 5;

/// Closes one ticket if, on a fresh read, it is due. Returns whether it closed it.
pub async fn close_if_due(app: &App, reference: Reference) -> Result<bool, StoreError> {
    for attempt in 1..=ATTEMPTS {
        let Some(ticket) = app.store.ticket(reference).await? else {
            warn!(reference, "auto-close for a ticket that does not exist");
            return Ok(false);
        };
        let now = app.clock.now();
        let Some(change) = lifecycle::auto_close(&ticket, &app.config.calendar, now) else {
            info!(reference, status = ?ticket.status, "auto-close: nothing to do");
            return Ok(false);
        };
        let pending = effects::for_change(app, &change, now)
            .map_err(|e| StoreError::Mapping(e.to_string()))?;
        match app.store.save_change(&change, &pending).await {
            Ok(()) => {
                info!(reference, "closed automatically");
                effects::deliver_now(app, &pending).await;
                return Ok(true);
            }
            Err(SaveError::Conflict) => crate::store::backoff(attempt).await,
            Err(SaveError::Store(e)) => return Err(e),
        }
    }
    warn!(
        reference,
        "auto-close gave way to other writers; the sweep will look again"
    );
    Ok(false)
}

/// The sweep: every ticket whose auto-close time has passed, found through the index that
/// holds only tickets in proposed closure, so that a lost schedule cannot leave one open.
pub async fn sweep(app: &App, limit: usize) -> Result<AutoCloseReport, StoreError> {
    let due = app.store.due_auto_closes(app.clock.now(), limit).await?;
    let mut report = AutoCloseReport::default();
    for reference in due {
        if close_if_due(app, reference).await? {
            report.closed += 1;
        } else {
            report.skipped += 1;
        }
    }
    Ok(report)
}

/// Handles one input of the auto-close function.
pub async fn handle(
    app: &App,
    input: AutoCloseInput,
    sweep_limit: usize,
) -> Result<AutoCloseReport, StoreError> {
    match input {
        AutoCloseInput::One(event) => {
            let closed = close_if_due(app, event.reference).await?;
            Ok(AutoCloseReport {
                closed: usize::from(closed),
                skipped: usize::from(!closed),
            })
        }
        AutoCloseInput::Sweep { source } => {
            info!(%source, "auto-close sweep");
            sweep(app, sweep_limit).await
        }
    }
}
