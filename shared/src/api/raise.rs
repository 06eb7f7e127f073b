//! `POST /tickets`: a customer, reseller or staff member raises a ticket.
//!
//! The ticket, its opening message, its history entry, the e-mails and the triage schedule it
//! needs, and the idempotency record are written in one transaction; then the e-mails and the
//! schedule are carried out. If SES or the scheduler fails, the raise still succeeds and the
//! outbox dispatcher retries what is left.

use lambda_http::{Body, Request, Response};
use serde_json::json;
use sha2::{Digest, Sha256};
use tracing::info;

use super::problem::ApiError;
use super::request;
use super::views::TicketView;
use crate::app::App;
use crate::domain::raise::{FieldError, RaiseRefusal, RaiseRequest};
use crate::effects;
use crate::mail;
use crate::store::{CreateError, IdempotencyClaim};

/// Longest accepted `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 128;

/// Handles one request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    super::respond(raise(app, &req).await)
}

async fn raise(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let caller = request::caller(req)?;
    let body = request::body_bytes(req)?;
    let raise: RaiseRequest = request::json(body)?;
    let idempotency = idempotency_claim(req, &caller.user_id, body)?;
    let now = app.clock.now();

    let valid = raise
        .validate(&caller, now)
        .map_err(|refusal| match refusal {
            RaiseRefusal::Invalid(errors) => ApiError::Validation(errors),
            RaiseRefusal::Forbidden(message) => ApiError::Forbidden(message),
            RaiseRefusal::Commercial => ApiError::Unprocessable {
                code: "commercial_request",
                message: format!(
                    "commercial requests are handled by our sales team: please write to {}",
                    app.config.sales_contact
                ),
                extra: json!({ "sales_contact": app.config.sales_contact }),
            },
        })?;
    if let Some(followed) = valid.follows_up {
        // A follow-up continues a ticket of the same account, which the caller can see.
        let visible = matches!(
            app.store.ticket(followed).await?,
            Some(t) if caller.can_see_account(&t.account_id) && t.account_id == valid.account_id
        );
        if !visible {
            return Err(ApiError::Validation(vec![FieldError {
                field: "follows_up".into(),
                code: "not_found",
                message: format!("there is no ticket {followed} that you can see"),
            }]));
        }
    }

    let reference = app.store.next_reference().await?;
    let raised = valid.into_records(
        reference,
        now,
        &app.config.calendar,
        app.config.work_order_sla_days,
    );
    let emails = mail::ticket_raised(
        &app.config,
        &app.templates,
        &raised.ticket,
        &raised.opening_message,
    )
    .map_err(ApiError::internal)?;
    // One schedule per running clock, at its deadline.
    let schedules = raised
        .ticket
        .clocks
        .iter()
        .filter_map(|clock| {
            Some(effects::sla_schedule(
                app,
                reference,
                clock.kind,
                clock.due_at?,
            ))
        })
        .collect();
    let pending = effects::pending(reference, now, emails, schedules);

    match app
        .store
        .create_ticket(&raised, &pending, idempotency.as_ref(), now)
        .await
    {
        Ok(()) => {}
        Err(CreateError::KeyUsed(record)) => {
            let same_request = idempotency
                .as_ref()
                .is_some_and(|c| c.request_hash == record.request_hash);
            if !same_request {
                return Err(ApiError::Unprocessable {
                    code: "idempotency_key_reused",
                    message: "this Idempotency-Key was already used for a different request; use a new key for a new ticket".into(),
                    extra: json!({ "reference": record.reference }),
                });
            }
            let ticket = super::visible_ticket(app, &caller, record.reference).await?;
            info!(
                reference = ticket.reference,
                "raise replayed for idempotency key"
            );
            return Ok(created(
                &TicketView::of(&ticket, &caller, &app.config.calendar, app.clock.now()),
                true,
            ));
        }
        Err(CreateError::Store(e)) => return Err(e.into()),
    }
    info!(
        reference,
        category = raised.ticket.category.code(),
        "ticket raised"
    );

    let report = effects::deliver_now(app, &pending).await;
    info!(
        reference,
        delivered = report.delivered,
        pending = report.failed,
        "side effects of the raise"
    );
    Ok(created(
        &TicketView::of(
            &raised.ticket,
            &caller,
            &app.config.calendar,
            app.clock.now(),
        ),
        false,
    ))
}

fn created(view: &TicketView, replayed: bool) -> Response<Body> {
    let mut response = request::json_response(201, view);
    let headers = response.headers_mut();
    if let Ok(location) = format!("/tickets/{}", view.reference).parse() {
        headers.insert("location", location);
    }
    if replayed && let Ok(value) = "true".parse() {
        headers.insert("idempotent-replayed", value);
    }
    response
}

/// The `Idempotency-Key` header as a claim on the caller's request: the key, scoped to the
/// user, and a fingerprint of the body (key order and spacing do not matter).
fn idempotency_claim(
    req: &Request,
    user_id: &str,
    body: &[u8],
) -> Result<Option<IdempotencyClaim>, ApiError> {
    let Some(value) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    let well_formed = !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY
        && key.bytes().all(|b| b.is_ascii_graphic());
    if !well_formed {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            format!("Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"),
        ));
    }
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let hash = Sha256::digest(canonical.as_bytes());
    Ok(Some(IdempotencyClaim {
        user_id: user_id.to_owned(),
        key: key.to_owned(),
        request_hash: hash.iter().map(|b| format!("{b:02x}")).collect(),
    }))
}
