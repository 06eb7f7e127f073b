//! The routes that change a ticket after it is raised:
//! `POST /tickets/{reference}/messages` (reply or internal note),
//! `PATCH /tickets/{reference}` (staff: status, next action),
//! `POST /tickets/{reference}/proposal` (staff: propose closure) and
//! `POST /tickets/{reference}/close` (close).
//!
//! Each one loads the ticket, lets the domain decide, and writes the change only if the ticket
//! is still at the version it read. When another writer got there first, the decision is made
//! again on the fresh ticket, so two replies at the same instant both land; only if the
//! ticket keeps changing is the caller told to try again (409).

use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use serde_json::json;
use tracing::info;

use super::problem::ApiError;
use super::request;
use super::views::{MessageView, TicketView};
use crate::app::App;
use crate::domain::attachment::AttachmentState;
use crate::domain::identity::Caller;
use crate::domain::lifecycle::{
    self, Change, ClosingRequest, MessageRequest, Refusal, TicketUpdate,
};
use crate::domain::raise::FieldError;
use crate::domain::stages::{self, HandoverRequest};
use crate::domain::ticket::{AttachmentRef, Reference, Ticket};
use crate::effects;
use crate::store::SaveError;

/// How many times a change is decided again after losing a race.
const ATTEMPTS: usize = 5;

/// `POST /tickets/{reference}/messages`.
pub async fn post_message(app: &App, req: Request) -> Response<Body> {
    super::respond(reply(app, &req).await)
}

/// `PATCH /tickets/{reference}` and `POST /tickets/{reference}/handover`, told apart by the
/// path.
pub async fn update(app: &App, req: Request) -> Response<Body> {
    if req
        .uri()
        .path()
        .trim_end_matches('/')
        .ends_with("/handover")
    {
        super::respond(hand_over(app, &req).await)
    } else {
        super::respond(update_ticket(app, &req).await)
    }
}

async fn hand_over(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: HandoverRequest = request::json(request::body_bytes(req)?)?;
    let ticket = apply(app, &caller, reference, |ticket, now| {
        stages::hand_over(ticket, &caller, body.clone(), &app.config.calendar, now).map(Some)
    })
    .await?;
    Ok(request::json_response(
        200,
        &TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
    ))
}

/// `POST /tickets/{reference}/proposal` and `POST /tickets/{reference}/close`, told apart by
/// the path.
pub async fn closing(app: &App, req: Request) -> Response<Body> {
    let proposal = req
        .uri()
        .path()
        .trim_end_matches('/')
        .ends_with("/proposal");
    super::respond(close_or_propose(app, &req, proposal).await)
}

async fn reply(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let body: MessageRequest = request::json(request::body_bytes(req)?)?;
    // Attachments are looked up only once the caller is known to see the ticket.
    let attachments = if body.attachments.is_empty() {
        Vec::new()
    } else {
        super::visible_ticket(app, &caller, reference).await?;
        confirmed_attachments(app, reference, &body.attachments).await?
    };

    let mut posted = None;
    let ticket = apply(app, &caller, reference, |ticket, now| {
        let change = lifecycle::post_message(
            ticket,
            &caller,
            body.clone(),
            attachments.clone(),
            &app.config.calendar,
            now,
        )?;
        posted = change.messages.first().cloned();
        Ok(Some(change))
    })
    .await?;
    #[derive(Serialize)]
    struct Posted {
        message: Option<MessageView>,
        ticket: TicketView,
    }
    let view = Posted {
        message: posted.as_ref().and_then(|m| MessageView::of(m, &caller)),
        ticket: TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
    };
    Ok(request::json_response(201, &view))
}

async fn update_ticket(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let update: TicketUpdate = request::json(request::body_bytes(req)?)?;
    let ticket = apply(app, &caller, reference, |ticket, now| {
        lifecycle::update_ticket(
            ticket,
            &caller,
            update.clone(),
            &app.config.calendar,
            app.config.work_order_sla_days,
            now,
        )
    })
    .await?;
    Ok(request::json_response(
        200,
        &TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
    ))
}

async fn close_or_propose(
    app: &App,
    req: &Request,
    proposal: bool,
) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let reference = request::reference(req)?;
    let bytes = request::body_bytes_or_empty(req)?;
    let body: ClosingRequest = if bytes.is_empty() {
        ClosingRequest::default()
    } else {
        request::json(bytes)?
    };
    let ticket = apply(app, &caller, reference, |ticket, now| {
        if proposal {
            lifecycle::propose_closure(ticket, &caller, body.clone(), &app.config.calendar, now)
                .map(Some)
        } else {
            lifecycle::close(ticket, &caller, body.clone(), &app.config.calendar, now)
        }
    })
    .await?;
    Ok(request::json_response(
        200,
        &TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
    ))
}

/// The attachments a message refers to: each must be one of this ticket's, uploaded and
/// confirmed; any other id is a 400 that names it.
async fn confirmed_attachments(
    app: &App,
    reference: Reference,
    ids: &[String],
) -> Result<Vec<AttachmentRef>, ApiError> {
    const MAX_PER_MESSAGE: usize = 20;
    if ids.len() > MAX_PER_MESSAGE {
        return Err(ApiError::Validation(vec![FieldError {
            field: "attachments".into(),
            code: "too_many",
            message: format!("a message refers to at most {MAX_PER_MESSAGE} attachments"),
        }]));
    }
    let mut found = Vec::with_capacity(ids.len());
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let attachment = match uuid::Uuid::parse_str(id) {
            Ok(_) => app.store.attachment(reference, id).await?,
            Err(_) => None,
        };
        match attachment {
            Some(a) if a.state == AttachmentState::Confirmed => {
                if !found.iter().any(|f: &AttachmentRef| f.id == a.id) {
                    found.push(AttachmentRef {
                        id: a.id,
                        file_name: a.file_name,
                        content_type: a.content_type,
                        size: a.size,
                    });
                }
            }
            Some(_) => errors.push(FieldError {
                field: format!("attachments[{i}]"),
                code: "attachment_not_uploaded",
                message: format!("attachment `{id}` has not been uploaded and confirmed yet"),
            }),
            None => errors.push(FieldError {
                field: format!("attachments[{i}]"),
                code: "not_found",
                message: format!(
                    "this ticket has no attachment `{}`",
                    crate::domain::text::shorten(id, 64)
                ),
            }),
        }
    }
    if errors.is_empty() {
        Ok(found)
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Loads the ticket the caller may see, decides, and saves; again on a lost race. Returns
/// the ticket as it now stands (unchanged when the decision was to change nothing).
async fn apply(
    app: &App,
    caller: &Caller,
    reference: Reference,
    mut decide: impl FnMut(&Ticket, DateTime<Utc>) -> Result<Option<Change>, Refusal>,
) -> Result<Ticket, ApiError> {
    for attempt in 1..=ATTEMPTS {
        let ticket = super::visible_ticket(app, caller, reference).await?;
        let now = app.clock.now();
        let Some(change) = decide(&ticket, now).map_err(|r| refusal(r, reference))? else {
            return Ok(ticket);
        };
        let pending = effects::for_change(app, &change, now).map_err(ApiError::internal)?;
        match app.store.save_change(&change, &pending).await {
            Ok(()) => {
                info!(reference, version = change.ticket.version, "ticket changed");
                effects::deliver_now(app, &pending).await;
                return Ok(change.ticket);
            }
            Err(SaveError::Conflict) => {
                info!(
                    reference,
                    attempt, "lost a race to another writer; deciding again"
                );
                crate::store::backoff(attempt).await;
            }
            Err(SaveError::Store(e)) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict {
        code: "concurrent_update",
        message: format!("ticket {reference} is being changed by others; try again"),
        extra: json!({}),
    })
}

/// The API's answer to a refusal of the domain.
pub fn refusal(refusal: Refusal, reference: Reference) -> ApiError {
    match refusal {
        Refusal::Invalid(errors) => ApiError::Validation(errors),
        Refusal::Forbidden(message) => ApiError::Forbidden(message),
        Refusal::Closed => ApiError::Conflict {
            code: "ticket_closed",
            message: format!(
                "ticket {reference} is closed and takes no more changes; raise a new ticket with \"follows_up\": {reference}"
            ),
            extra: json!({ "current_status": "closed", "follows_up": reference }),
        },
        Refusal::IllegalRmaStep { from, to } => ApiError::Conflict {
            code: "illegal_rma_step",
            message: format!(
                "the return cannot go from {} to {}; it is {}",
                crate::store::enum_code(&from),
                crate::store::enum_code(&to),
                crate::store::enum_code(&from)
            ),
            extra: json!({ "current_status": from, "requested_status": to }),
        },
        Refusal::IllegalHandover { from, to } => ApiError::Conflict {
            code: "illegal_handover",
            message: format!(
                "the ticket cannot be handed over from {} to {}; it is at {}",
                crate::store::enum_code(&from),
                crate::store::enum_code(&to),
                crate::store::enum_code(&from)
            ),
            extra: json!({ "current_stage": from, "requested_stage": to }),
        },
        Refusal::IllegalTransition { from, to } => ApiError::Conflict {
            code: "illegal_transition",
            message: format!(
                "the status cannot change from {} to {}; it is {}",
                from.label(Default::default()),
                to.label(Default::default()),
                from.label(Default::default())
            ),
            extra: json!({ "current_status": from, "requested_status": to }),
        },
    }
}
