//! Lambda function behind `GET /overview`: outstanding tickets and the KPI figures, for managers.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::overview::handle).await
}
