//! Lambda function behind the action box routes: support's tasks on a ticket and their hours.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::tasks::handle).await
}
