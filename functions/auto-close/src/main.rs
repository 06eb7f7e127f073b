//! Lambda function invoked by each ticket's one-time auto-close schedule (input
//! `{"kind": "auto_close", "reference": …, "auto_close_at": …}`) and by the auto-close sweep's
//! rate schedule (input `{"source": "portal.auto-close-sweep"}`). It closes a ticket only if,
//! read afresh, it is still in proposed closure and past its time.

use lambda_runtime::{Error, LambdaEvent, run, service_fn};
use portal::auto_close::{self, AutoCloseInput};

/// Most tickets one sweep closes; the next sweep takes the rest.
const SWEEP_LIMIT: usize = 200;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(
        move |event: LambdaEvent<AutoCloseInput>| async move {
            let report = auto_close::handle(app, event.payload, SWEEP_LIMIT).await?;
            Ok::<_, Error>(serde_json::to_value(report)?)
        },
    ))
    .await
}
