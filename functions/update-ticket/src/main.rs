//! Lambda function behind `PATCH /tickets/{reference}`: staff change the status or whose turn it is.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::changes::update).await
}
