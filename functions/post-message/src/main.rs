//! Lambda function behind `POST /tickets/{reference}/messages`: a reply or an internal note.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::changes::post_message).await
}
