//! Lambda function invoked by each ticket's one-time auto-close schedule (input
//! `{"kind": "auto_close", "reference": …, "auto_close_at": …}`) and by the auto-close sweep's
//! rate schedule (input `{"source": "portal.auto-close-sweep"}`). It closes a ticket only if,
//! read afresh, it is still in proposed closure and past its time.

use portal::App;
use portal::auto_close::{self, AutoCloseInput, AutoCloseReport};

/// Most tickets one sweep closes; the next sweep takes the rest.
const SWEEP_LIMIT: usize = 200;

async fn close(
    app: &'static App,
    input: AutoCloseInput,
) -> Result<AutoCloseReport, lambda_runtime::Error> {
    Ok(auto_close::handle(app, input, SWEEP_LIMIT).await?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal::serve::event(close).await
}
