//! The action box routes: `POST /tickets/{reference}/tasks` and
//! `PATCH /tickets/{reference}/tasks/{id}` (staff), and `GET /tickets/{reference}/tasks`
//! (anyone who may see the ticket; internal-comment tasks for staff only). Hours add up per
//! ticket.

use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::problem::ApiError;
use super::request;
use crate::app::App;
use crate::domain::tasks::{self, Task, TaskRequest};

/// Every task route.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let id = request::path_parameter(&req, "id");
    let result = match (req.method().as_str(), id) {
        ("POST", None) => create(app, &req).await,
        ("PATCH", Some(id)) => update(app, &req, &id).await,
        ("GET", None) => list(app, &req).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    };
    super::respond(result)
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: TaskRequest = request::json(request::body_bytes(req)?)?;
    let ticket = super::visible_ticket(app, &caller, reference).await?;
    open_ticket(&ticket)?;
    let task = tasks::create(reference, &caller, body, app.clock.now())
        .map_err(|r| super::changes::refusal(r, reference))?;
    app.store.put_task(&task).await?;
    Ok(request::json_response(201, &view(&task)))
}

async fn update(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: TaskRequest = request::json(request::body_bytes(req)?)?;
    super::visible_ticket(app, &caller, reference).await?;
    if !caller.role.is_staff() {
        return Err(ApiError::Forbidden(
            "only support staff record actions".into(),
        ));
    }
    let task = match uuid::Uuid::parse_str(id) {
        Ok(_) => app.store.task(reference, id).await?,
        Err(_) => None,
    }
    .ok_or_else(|| ApiError::NotFound("no such task on this ticket".into()))?;
    let next = tasks::update(&task, &caller, body, app.clock.now())
        .map_err(|r| super::changes::refusal(r, reference))?;
    app.store.put_task(&next).await?;
    Ok(request::json_response(200, &view(&next)))
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    super::visible_ticket(app, &caller, reference).await?;
    let staff = caller.role.is_staff();
    let visible: Vec<Task> = app
        .store
        .tasks(reference)
        .await?
        .into_iter()
        .filter(|t| staff || t.visible_to_customers())
        .collect();
    let total_hours = (visible
        .iter()
        .filter(|t| t.status != tasks::TaskStatus::Cancelled)
        .map(|t| t.hours)
        .sum::<f64>()
        * 100.0)
        .round()
        / 100.0;
    let items: Vec<_> = visible.iter().map(view).collect();
    Ok(request::json_response(
        200,
        &json!({ "items": items, "total_hours": total_hours }),
    ))
}

/// A task as the API shows it: its author by name and address only.
fn view(task: &Task) -> serde_json::Value {
    let mut value = serde_json::to_value(task).unwrap_or_default();
    if let Some(by) = value["created_by"].as_object_mut() {
        by.remove("user_id");
        by.remove("language");
    }
    value
}

/// A closed ticket's action box is closed too.
fn open_ticket(ticket: &crate::domain::ticket::Ticket) -> Result<(), ApiError> {
    if ticket.status == crate::domain::ticket::Status::Closed {
        return Err(super::changes::refusal(
            crate::domain::lifecycle::Refusal::Closed,
            ticket.reference,
        ));
    }
    Ok(())
}
