//! Lambda function invoked by each running SLA clock's one-time schedule (input
//! `{"kind": "sla_deadline", "reference": …, "clock": …, "due_at": …}`) and by the SLA sweep's
//! rate schedule (input `{"source": "portal.sla-sweep"}`). It records a breach only if, read
//! afresh, the clock still runs and is past due.

use portal::App;
use portal::sla_monitor::{self, SlaInput, SlaReport};

/// Most clocks one sweep handles; the next sweep takes the rest.
const SWEEP_LIMIT: usize = 200;

async fn breach(app: &'static App, input: SlaInput) -> Result<SlaReport, lambda_runtime::Error> {
    Ok(sla_monitor::handle(app, input, SWEEP_LIMIT).await?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal::serve::event(breach).await
}
