//! Lambda function behind `POST /tickets/{reference}/proposal` and `POST /tickets/{reference}/close`: proposing closure and closing.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(portal::api::changes::closing(app, req).await)
    }))
    .await
}
