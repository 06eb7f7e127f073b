//! `GET /tickets/{reference}/messages`: the conversation, oldest first, cursor-paginated.
//! Customers never receive internal notes.

use lambda_http::{Body, Request, Response};

use super::problem::ApiError;
use super::request;
use super::views::{MessageView, PageView};
use crate::app::App;

/// `GET /tickets/{reference}/messages`.
pub async fn list(app: &App, req: Request) -> Response<Body> {
    super::respond(list_messages(app, &req).await)
}

async fn list_messages(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let params = request::query(req, &["limit", "cursor"])?;
    let limit = request::limit(&params, 50, 200)?;
    let cursor = request::cursor(&params)?;
    if cursor
        .as_ref()
        .is_some_and(|c| !c.position().starts_with("MSG#"))
    {
        return Err(ApiError::bad_request(
            "invalid_cursor",
            "the cursor does not belong to this list",
        ));
    }
    super::visible_ticket(app, &caller, reference).await?;

    let page = app
        .store
        .messages(reference, caller.role.is_staff(), cursor.as_ref(), limit)
        .await?;
    let view = PageView {
        items: page
            .items
            .iter()
            .filter_map(|m| MessageView::of(m, &caller))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    };
    Ok(request::json_response(200, &view))
}
