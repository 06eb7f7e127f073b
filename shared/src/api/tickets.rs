//! `GET /tickets/{reference}` and `GET /tickets`: one ticket, and the tickets the caller may
//! see, newest first, filtered and cursor-paginated.

use std::collections::HashMap;

use lambda_http::{Body, Request, Response};
use serde::de::DeserializeOwned;

use super::problem::ApiError;
use super::request;
use super::views::{PageView, TicketView};
use crate::app::App;
use crate::domain::category::Category;
use crate::domain::identity::{Caller, Visibility};
use crate::domain::raise::FieldError;
use crate::store::{TicketFilter, TicketScope};

/// `GET /tickets/{reference}`.
pub async fn get(app: &App, req: Request) -> Response<Body> {
    super::respond(get_ticket(app, &req).await)
}

async fn get_ticket(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let ticket = super::visible_ticket(app, &caller, reference).await?;
    Ok(request::json_response(
        200,
        &TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
    ))
}

/// `GET /tickets`.
pub async fn list(app: &App, req: Request) -> Response<Body> {
    super::respond(list_tickets(app, &req).await)
}

const LIST_PARAMETERS: &[&str] = &[
    "status",
    "stage",
    "next_action",
    "category",
    "site_id",
    "account_id",
    "limit",
    "cursor",
];

async fn list_tickets(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let params = request::query(req, LIST_PARAMETERS)?;
    let limit = request::limit(&params, 25, 100)?;
    let cursor = request::cursor(&params)?;
    let filter = filter(&params, &caller)?;
    let scope = scope(&caller, params.get("account_id").map(String::as_str))?;

    let page = app
        .store
        .tickets(&scope, &filter, cursor.as_ref(), limit)
        .await?;
    let view = PageView {
        items: page
            .items
            .iter()
            .map(|t| TicketView::of(t, &caller, &app.config.calendar, app.clock.now()))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    };
    Ok(request::json_response(200, &view))
}

/// The accounts to list: what the caller may see, narrowed to one account on request. Naming
/// an account the caller cannot see is refused, never silently widened.
fn scope(caller: &Caller, account: Option<&str>) -> Result<TicketScope, ApiError> {
    match (caller.visibility(), account) {
        (Visibility::Everything, None) => Ok(TicketScope::All),
        (Visibility::Accounts(ids), None) => Ok(TicketScope::Accounts(ids.to_vec())),
        (_, Some(id)) if caller.can_see_account(id) => {
            Ok(TicketScope::Accounts(vec![id.to_owned()]))
        }
        (_, Some(_)) => Err(ApiError::Forbidden(
            "you may not list that account's tickets".into(),
        )),
    }
}

fn filter(params: &HashMap<String, String>, caller: &Caller) -> Result<TicketFilter, ApiError> {
    let mut errors = Vec::new();
    for name in ["account_id", "site_id"] {
        let bad = params.get(name).is_some_and(|v| {
            v.trim().is_empty()
                || v.len() > crate::domain::identity::MAX_ID_BYTES
                || crate::domain::text::has_line_breaks(v)
        });
        if bad {
            errors.push(FieldError {
                field: name.to_owned(),
                code: "invalid",
                message: format!(
                    "`{name}` is one non-empty line of at most {} bytes",
                    crate::domain::identity::MAX_ID_BYTES
                ),
            });
        }
    }
    let status = enum_param(params, "status", &mut errors);
    let stage = enum_param(params, "stage", &mut errors);
    let next_action = enum_param(params, "next_action", &mut errors);
    let category = params.get("category").and_then(|raw| {
        let parsed = Category::parse(raw);
        if parsed.is_none() {
            errors.push(FieldError {
                field: "category".into(),
                code: "unknown",
                message: format!("unknown category `{raw}`"),
            });
        }
        parsed
    });
    if stage.is_some() && !caller.role.is_staff() {
        errors.push(FieldError {
            field: "stage".into(),
            code: "not_allowed",
            message: "only support staff can filter by stage".into(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(TicketFilter {
        status,
        stage,
        next_action,
        category,
        site_id: params.get("site_id").cloned(),
    })
}

/// A query parameter naming one of an enum's codes.
fn enum_param<T: DeserializeOwned>(
    params: &HashMap<String, String>,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let raw = params.get(name)?;
    match serde_json::from_value(serde_json::Value::String(raw.clone())) {
        Ok(value) => Some(value),
        Err(_) => {
            errors.push(FieldError {
                field: name.to_owned(),
                code: "unknown",
                message: format!("`{raw}` is not a valid {name}"),
            });
            None
        }
    }
}
