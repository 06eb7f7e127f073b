//! Lambda function behind the return (RMA) routes: requests, steps, and a device's service history.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::rmas::handle).await
}
