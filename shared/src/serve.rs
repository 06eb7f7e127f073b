//! How every function starts: JSON logs, the application built once per cold start (a bad
//! setting stops the start with a message naming it), then the Lambda runtime loop handing each
//! invocation to the handler. The binaries in `functions/` are one call to one of these, on
//! tokio's current-thread runtime: Lambda hands an environment one invocation at a time, so
//! worker threads would only add their start to every cold start.

use std::future::Future;

use lambda_http::{Body, Request, Response};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::app::App;

/// Builds the application for the life of this execution environment.
async fn start() -> Result<&'static App, lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    Ok(Box::leak(Box::new(App::from_env().await?)))
}

/// Runs an API function: each API Gateway request goes to `handler`, whose response is final
/// (errors are already problem bodies).
pub async fn http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(&'static App, Request) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Response<Body>> + Send,
{
    let app = start().await?;
    lambda_http::run(lambda_http::service_fn(move |req: Request| async move {
        Ok::<_, lambda_http::Error>(handler(app, req).await)
    }))
    .await
}

/// Runs a function invoked with an event (a schedule's input, an S3 notification): each
/// event's payload goes to `handler`, whose answer is the invocation's result.
pub async fn event<E, O, F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    E: DeserializeOwned + Send + 'static,
    O: Serialize + Send,
    F: Fn(&'static App, E) -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<O, lambda_runtime::Error>> + Send,
{
    let app = start().await?;
    lambda_runtime::run(lambda_runtime::service_fn(
        move |event: LambdaEvent<E>| async move { handler(app, event.payload).await },
    ))
    .await
}
