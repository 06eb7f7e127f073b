//! Scheduled Lambda function (every minute): carries out the side effects that a change stored
//! but could not complete at once, such as an e-mail SES refused or a schedule the scheduler
//! did not take. Each run takes the due ones, oldest first.

use portal::App;
use portal::effects::{self, DeliveryReport};
use serde_json::Value;

/// Most effects handled in one run; the next run takes the rest.
const BATCH: usize = 200;

async fn dispatch(
    app: &'static App,
    _tick: Value,
) -> Result<DeliveryReport, lambda_runtime::Error> {
    let report = effects::dispatch_due(app, BATCH).await?;
    tracing::info!(
        delivered = report.delivered,
        failed = report.failed,
        "outbox run"
    );
    Ok(report)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal::serve::event(dispatch).await
}
