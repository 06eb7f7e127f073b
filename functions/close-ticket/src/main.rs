//! Lambda function behind `POST /tickets/{reference}/proposal` and `POST /tickets/{reference}/close`: proposing closure and closing.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::changes::closing).await
}
