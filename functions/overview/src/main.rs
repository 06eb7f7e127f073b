//! Lambda function behind `GET /overview`: outstanding tickets and the KPI figures, for managers.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(portal::api::overview::handle(app, req).await)
    }))
    .await
}
