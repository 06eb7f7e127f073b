//! Lambda function behind `POST /tickets/{reference}/attachments`,
//! `POST /tickets/{reference}/attachments/{id}/confirm`, `GET /tickets/{reference}/attachments`
//! and `GET /tickets/{reference}/attachments/{id}`: upload URLs, confirmation, the list and
//! download URLs. The files themselves never pass through it.

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    portal::serve::http(portal::api::attachments::handle).await
}
