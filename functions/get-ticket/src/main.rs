//! Lambda function behind `GET /tickets/{reference}`: one ticket, as the caller may see it.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::tickets::get).await
}
