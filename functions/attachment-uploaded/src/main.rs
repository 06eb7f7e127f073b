//! Lambda function S3 invokes for each object created under `pending/`: confirms the
//! attachment the key names, once the object is there with the declared size and type. An
//! upload that is not as declared is removed; the portal can also confirm explicitly, and
//! whichever comes first wins.

use aws_lambda_events::s3::S3Event;
use portal::App;

/// Confirms each uploaded object the event names; returns how many were confirmed.
async fn confirm(app: &'static App, event: S3Event) -> Result<usize, lambda_runtime::Error> {
    let mut confirmed = 0;
    for key in event.records.into_iter().filter_map(|r| r.s3.object.key) {
        match portal::attachments::confirm_uploaded_key(app, &key).await {
            Ok(true) => confirmed += 1,
            Ok(false) => {}
            Err(error) => tracing::warn!(%key, %error, "upload not confirmed"),
        }
    }
    Ok(confirmed)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    portal::serve::event(confirm).await
}
