//! Lambda function behind `POST /tickets`: raises a support ticket.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::raise::handle).await
}
