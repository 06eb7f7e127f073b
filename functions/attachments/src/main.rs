//! Lambda function behind `POST /tickets/{reference}/attachments`,
//! `POST /tickets/{reference}/attachments/{id}/confirm`, `GET /tickets/{reference}/attachments`
//! and `GET /tickets/{reference}/attachments/{id}`: upload URLs, confirmation, the list and
//! download URLs. The files themselves never pass through it.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(portal::api::attachments::handle(app, req).await)
    }))
    .await
}
