//! The HTTP API, one module per route. Each handler reads as a story: parse and authorise,
//! load, decide (in the domain), write, notify, respond. Errors become problem bodies in one
//! place, `problem`.

pub mod attachments;
pub mod changes;
pub mod messages;
pub mod overview;
pub mod problem;
pub mod raise;
pub mod request;
pub mod rmas;
pub mod tasks;
pub mod tickets;
pub mod views;

use lambda_http::{Body, Response};

use crate::app::App;
use crate::domain::identity::Caller;
use crate::domain::ticket::{Reference, Ticket};
pub use problem::ApiError;

/// Turns a handler's result into the response.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// A ticket the caller may see. Another account's ticket answers exactly like a ticket that
/// does not exist, so that references cannot be probed.
pub async fn visible_ticket(
    app: &App,
    caller: &Caller,
    reference: Reference,
) -> Result<Ticket, ApiError> {
    match app.store.ticket(reference).await? {
        Some(ticket) if caller.can_see_account(&ticket.account_id) => Ok(ticket),
        _ => Err(ApiError::NotFound(format!("no ticket {reference}"))),
    }
}
