//! Scheduled Lambda function (every minute): carries out the side effects that a change stored
//! but could not complete at once, such as an e-mail SES refused or a schedule the scheduler
//! did not take. Each run takes the due ones, oldest first.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use serde_json::{Value, json};

/// Most effects handled in one run; the next run takes the rest.
const BATCH: usize = 200;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let report = portal::effects::dispatch_due(app, BATCH).await?;
        tracing::info!(
            delivered = report.delivered,
            failed = report.failed,
            "outbox run"
        );
        Ok::<_, Error>(json!({ "delivered": report.delivered, "failed": report.failed }))
    }))
    .await
}
