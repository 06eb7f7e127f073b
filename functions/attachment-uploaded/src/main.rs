//! Lambda function S3 invokes for each object created under `pending/`: confirms the
//! attachment the key names, once the object is there with the declared size and type. An
//! upload that is not as declared is removed; the portal can also confirm explicitly, and
//! whichever comes first wins.

use aws_lambda_events::s3::S3Event;
use lambda_runtime::{Error, LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app: &'static portal::App = Box::leak(Box::new(portal::App::from_env().await?));

    run(service_fn(move |event: LambdaEvent<S3Event>| async move {
        let mut confirmed = 0;
        for record in event.payload.records {
            let Some(key) = record.s3.object.key else {
                continue;
            };
            match portal::attachments::confirm_uploaded_key(app, &key).await {
                Ok(true) => confirmed += 1,
                Ok(false) => {}
                Err(error) => tracing::warn!(%key, %error, "upload not confirmed"),
            }
        }
        Ok::<_, Error>(confirmed)
    }))
    .await
}
