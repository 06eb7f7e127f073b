//! Lambda function behind `GET /tickets/{reference}/messages`: a ticket's conversation.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::messages::list).await
}
