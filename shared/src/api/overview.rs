//! `GET /overview` (managers): the outstanding tickets, each with its stage, owner, next
//! action, SLA state and latest planned action, and the KPI figures of a date range
//! (`from`, `to`, `YYYY-MM-DD`, at most 366 days). The outstanding list reads the index of
//! tickets not closed; the figures read one counter item per day of the range.

use chrono::{Duration, NaiveDate};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;

use super::problem::ApiError;
use super::request;
use crate::app::App;
use crate::domain::identity::Role;
use crate::domain::kpi::Figures;
use crate::domain::sla::ClockState;
use crate::domain::ticket::{NextAction, Reference, Stage, Status, Ticket};

/// Longest range of figures one request reads.
const MAX_DAYS: i64 = 366;

#[derive(Debug, Serialize)]
struct Outstanding {
    reference: Reference,
    account_id: String,
    subject: String,
    status: Status,
    stage: Stage,
    owner: Option<String>,
    next_action: NextAction,
    /// `breached` if any clock breached, else `overdue` if a running clock is past due,
    /// `running`, `paused`, or `none`.
    sla_state: &'static str,
    next_deadline: Option<chrono::DateTime<chrono::Utc>>,
    planned_action: Option<serde_json::Value>,
}

fn sla_state(ticket: &Ticket, now: chrono::DateTime<chrono::Utc>) -> &'static str {
    let states: Vec<_> = ticket.clocks.iter().map(|c| c.state).collect();
    if states.contains(&ClockState::Breached) {
        "breached"
    } else if ticket.clocks.iter().any(|c| c.is_due(now)) {
        "overdue"
    } else if states.contains(&ClockState::Running) {
        "running"
    } else if states.contains(&ClockState::Paused) {
        "paused"
    } else {
        "none"
    }
}

fn date(
    params: &std::collections::HashMap<String, String>,
    name: &str,
    default: NaiveDate,
) -> Result<NaiveDate, ApiError> {
    match params.get(name) {
        None => Ok(default),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|_| raw.len() == 10)
            .ok_or_else(|| {
                ApiError::bad_request("invalid_date", format!("`{name}` is a date YYYY-MM-DD"))
            }),
    }
}

/// `GET /overview`.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    super::respond(overview(app, &req).await)
}

async fn overview(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    if caller.role != Role::Manager {
        return Err(ApiError::Forbidden(
            "the overview is for support management".into(),
        ));
    }
    let params = request::query(req, &["from", "to", "limit", "cursor"])?;
    let now = app.clock.now();
    let today = crate::domain::kpi::day_of(&app.config.calendar, now);
    let to = date(&params, "to", today)?;
    let from = date(&params, "from", to - Duration::days(29))?;
    if from > to || (to - from).num_days() >= MAX_DAYS {
        return Err(ApiError::bad_request(
            "invalid_range",
            format!("`from` is on or before `to`, at most {MAX_DAYS} days apart"),
        ));
    }
    let limit = request::limit(&params, 50, 100)?;
    let cursor = request::cursor(&params)?;

    let page = app.store.open_tickets(cursor.as_ref(), limit).await?;
    let mut outstanding = Vec::with_capacity(page.items.len());
    for ticket in &page.items {
        let planned = app
            .store
            .tasks(ticket.reference)
            .await?
            .into_iter()
            .filter(|t| t.is_planned())
            .max_by_key(|t| (t.due_on, t.updated_at));
        outstanding.push(Outstanding {
            reference: ticket.reference,
            account_id: ticket.account_id.clone(),
            subject: ticket.subject.clone(),
            status: ticket.status,
            stage: ticket.stage,
            owner: ticket.owner.clone(),
            next_action: ticket.next_action,
            sla_state: sla_state(ticket, now),
            next_deadline: ticket.clocks.iter().filter_map(|c| c.due_at).min(),
            planned_action: planned.map(|t| json!({ "text": t.text, "due_on": t.due_on, "status": t.status, "kind": t.kind })),
        });
    }
    let days = app.store.stats_days(from, to).await?;
    let figures = Figures::from_days(from, to, &days);
    let mut body = json!({ "outstanding": outstanding, "figures": figures });
    if let Some(next) = page.next {
        body["next_cursor"] = json!(next.encode());
    }
    Ok(request::json_response(200, &body))
}
