//! The seven-day closing, as the scheduler and the sweep drive it. A delivery names one
//! ticket; the ticket is re-read and closed only if it is still in proposed closure and its
//! time has come, with a write conditional on the version read. A second delivery, or a late
//! one after the customer answered, finds nothing to do and sends nothing.

use serde::Deserialize;
use tracing::info;

use crate::app::App;
use crate::domain::lifecycle;
use crate::domain::ticket::Reference;
use crate::effects;
use crate::store::StoreError;

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

/// Closes one ticket if, on a fresh read, it is due. Returns whether it closed it.
pub async fn close_if_due(app: &App, reference: Reference) -> Result<bool, StoreError> {
    let closed = effects::system_change(app, reference, |ticket, now| {
        lifecycle::auto_close(ticket, &app.config.calendar, now)
    })
    .await?;
    info!(reference, closed, "auto-close");
    Ok(closed)
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
