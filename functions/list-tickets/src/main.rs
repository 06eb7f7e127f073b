//! Lambda function behind `GET /tickets`: the tickets the caller may see, newest first.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::tickets::list).await
}
