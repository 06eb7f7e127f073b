//! The return (RMA) routes, one function behind them:
//! `POST /tickets/{reference}/rmas` (a customer asks for a return),
//! `GET /tickets/{reference}/rmas` (the ticket's returns),
//! `POST /tickets/{reference}/rmas/{id}/steps` (staff move it on), and
//! `GET /devices/{serial}/history` (staff: a device's tickets and returns).
//! Customers never see support's internal assessments.

use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::problem::ApiError;
use super::request;
use crate::app::App;
use crate::domain::identity::Caller;
use crate::domain::rma::{self, Rma, RmaRequest, RmaStepRequest};
use crate::domain::ticket::{Status, Ticket};
use crate::effects;
use crate::mail;
use crate::store::SaveError;

/// Every return route.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let id = request::path_parameter(&req, "id");
    let result = match (req.method().as_str(), id) {
        ("GET", _) if path.starts_with("/devices/") => history(app, &req).await,
        ("POST", Some(id)) if path.ends_with("/steps") => step(app, &req, &id).await,
        ("POST", None) => create(app, &req).await,
        ("GET", None) => list(app, &req).await,
        _ => Err(ApiError::NotFound("no such route".into())),
    };
    super::respond(result)
}

/// A return as `caller` may see it: internal assessments for staff only.
fn view(rma: &Rma, caller: &Caller) -> serde_json::Value {
    let mut value = serde_json::to_value(rma).unwrap_or_default();
    let staff = caller.role.is_staff();
    if let Some(steps) = value["steps"].as_array_mut() {
        for step in steps {
            if let Some(by) = step["by"].as_object_mut() {
                // People are shown by name and address, never by their identity-provider id.
                by.remove("user_id");
                by.remove("language");
            }
            if !staff && let Some(step) = step.as_object_mut() {
                step.remove("internal_note");
                step.remove("by_role");
            }
        }
    }
    if let Some(object) = value.as_object_mut() {
        object.remove("version");
    }
    value
}

async fn save_and_notify(app: &App, ticket: &Ticket, rma: &Rma) -> Result<(), ApiError> {
    let now = app.clock.now();
    let emails =
        mail::rma_changed(&app.config, &app.templates, ticket, rma).map_err(ApiError::internal)?;
    let pending = effects::pending(ticket.reference, now, emails, Vec::new());
    match app.store.put_rma(rma, &pending).await {
        Ok(()) => {
            effects::deliver_now(app, &pending).await;
            Ok(())
        }
        Err(SaveError::Conflict) => Err(ApiError::Conflict {
            code: "concurrent_update",
            message: format!("return {} changed meanwhile; read it again", rma.id),
            extra: json!({}),
        }),
        Err(SaveError::Store(e)) => Err(e.into()),
    }
}

async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: RmaRequest = request::json(request::body_bytes(req)?)?;
    let ticket = super::visible_ticket(app, &caller, reference).await?;
    if ticket.status == Status::Closed {
        return Err(super::changes::refusal(
            crate::domain::lifecycle::Refusal::Closed,
            reference,
        ));
    }
    let rma = rma::request(
        reference,
        &ticket.account_id,
        &caller,
        body,
        app.clock.now(),
    )
    .map_err(|r| super::changes::refusal(r, reference))?;
    save_and_notify(app, &ticket, &rma).await?;
    Ok(request::json_response(201, &view(&rma, &caller)))
}

async fn list(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    super::visible_ticket(app, &caller, reference).await?;
    let items: Vec<_> = app
        .store
        .rmas(reference)
        .await?
        .iter()
        .map(|r| view(r, &caller))
        .collect();
    Ok(request::json_response(200, &json!({ "items": items })))
}

async fn step(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: RmaStepRequest = request::json(request::body_bytes(req)?)?;
    let ticket = super::visible_ticket(app, &caller, reference).await?;
    let current = match uuid::Uuid::parse_str(id) {
        Ok(_) => app.store.rma(reference, id).await?,
        Err(_) => None,
    }
    .ok_or_else(|| {
        ApiError::NotFound(format!(
            "no return `{}` on this ticket",
            crate::domain::text::shorten(id, 64)
        ))
    })?;
    let next = rma::step(&current, &caller, body, app.clock.now())
        .map_err(|r| super::changes::refusal(r, reference))?;
    save_and_notify(app, &ticket, &next).await?;
    Ok(request::json_response(200, &view(&next, &caller)))
}

/// One entry of a device's service history.
#[derive(Debug, Serialize)]
struct HistoryEntry {
    kind: &'static str,
    reference: u64,
    account_id: String,
    at: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rma: Option<serde_json::Value>,
}

async fn history(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    if !caller.role.is_staff() {
        return Err(ApiError::Forbidden(
            "only support staff read a device's service history".into(),
        ));
    }
    let serial = request::path_parameter(req, "serial")
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let well_formed = !serial.is_empty()
        && serial.len() <= 64
        && serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !well_formed {
        return Err(ApiError::NotFound("no such device".into()));
    }
    let mut entries = Vec::new();
    for item in app.store.device_history(&serial).await? {
        let sk = item
            .get("sk")
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        let value: serde_json::Value = serde_dynamo::from_item(item).map_err(ApiError::internal)?;
        let reference = value["reference"].as_u64().unwrap_or_default();
        let account_id = value["account_id"].as_str().unwrap_or_default().to_owned();
        if sk.starts_with("RMA#") {
            let rma: Rma = serde_json::from_value(value.clone()).map_err(ApiError::internal)?;
            entries.push(HistoryEntry {
                kind: "rma",
                reference,
                account_id,
                at: value["created_at"].clone(),
                subject: None,
                rma: Some(view(&rma, &caller)),
            });
        } else {
            entries.push(HistoryEntry {
                kind: "ticket",
                reference,
                account_id,
                at: value["created_at"].clone(),
                subject: value["subject"].as_str().map(str::to_owned),
                rma: None,
            });
        }
    }
    Ok(request::json_response(
        200,
        &json!({ "serial": serial, "items": entries }),
    ))
}
