//! Lambda function invoked by each running SLA clock's one-time schedule (input
//! `{"kind": "sla_deadline", "reference": …, "clock": …, "due_at": …}`) and by the SLA sweep's
//! rate schedule (input `{"source": "portal.sla-sweep"}`). It records a breach only if, read
//! afresh, the clock still runs and is past due.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use portal::sla_monitor::{self, SlaInput};

/// Most clocks one sweep handles; the next sweep takes the rest.
const SWEEP_LIMIT: usize = 200;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |event: LambdaEvent<SlaInput>| async move {
        let report = sla_monitor::handle(app, event.payload, SWEEP_LIMIT).await?;
        Ok::<_, Error>(serde_json::to_value(report)?)
    }))
    .await
}
