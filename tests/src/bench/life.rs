//! A ticket's life, step by step, as the functions see it: each step is one invocation of one
//! function with the event Lambda would deliver (API Gateway requests from `events/`, a
//! schedule's input, an S3 notification). Played once against the local stack, with every AWS
//! request recorded, it gives the request counts and capacity of each operation; its events
//! and recordings then drive the handler and process benchmarks.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use portal::App;
use portal::ports::ManualClock;
use serde_json::{Value, json};

use super::tape::{Exchange, Tape};
use crate::events::{Answer, Event};
use crate::{LocalStack, Names};

/// Most items a sweep or an outbox run takes, as in the functions' `main`.
pub const SWEEP_LIMIT: usize = 200;

/// One invocation of one function.
#[derive(Debug, Clone)]
pub struct Step {
    /// What it is, as the tables show it.
    pub label: String,
    /// The function (its crate in `functions/`).
    pub function: &'static str,
    /// The event as Lambda delivers it.
    pub event: Value,
    /// The time it runs at.
    pub at: DateTime<Utc>,
}

/// A step as it went: its answer and the AWS requests it made.
#[derive(Debug, Clone)]
pub struct Played {
    pub step: Step,
    pub status: u16,
    pub body: Value,
    pub exchanges: Vec<Exchange>,
}

/// Runs one function's handler on an event, as its `main` would, and gives the status (the
/// HTTP status for the API, 200 or 500 for the others) and the body of the answer.
pub async fn invoke(app: &App, function: &str, event: &Value) -> (u16, Value) {
    invoke_payload(app, function, &event.to_string()).await
}

/// [`invoke`] with the event as Lambda hands it over, as JSON text: reading it is part of the
/// function's work.
pub async fn invoke_payload(app: &App, function: &str, payload: &str) -> (u16, Value) {
    let done = |ok: bool| (if ok { 200 } else { 500 }, Value::Null);
    match function {
        "sla-breach" => match serde_json::from_str(payload) {
            Ok(input) => done(
                portal::sla_monitor::handle(app, input, SWEEP_LIMIT)
                    .await
                    .is_ok(),
            ),
            Err(_) => (400, Value::Null),
        },
        "auto-close" => match serde_json::from_str(payload) {
            Ok(input) => done(
                portal::auto_close::handle(app, input, SWEEP_LIMIT)
                    .await
                    .is_ok(),
            ),
            Err(_) => (400, Value::Null),
        },
        "outbox-dispatcher" => done(
            portal::effects::dispatch_due(app, SWEEP_LIMIT)
                .await
                .is_ok(),
        ),
        "attachment-uploaded" => {
            let Ok(event) = serde_json::from_str::<Value>(payload) else {
                return (400, Value::Null);
            };
            let mut ok = true;
            for record in event["Records"].as_array().into_iter().flatten() {
                let key = record["s3"]["object"]["key"].as_str().unwrap_or_default();
                ok &= portal::attachments::confirm_uploaded_key(app, key)
                    .await
                    .is_ok();
            }
            done(ok)
        }
        api => {
            let Ok(request) = lambda_http::request::from_str(payload) else {
                return (400, Value::Null);
            };
            let response = match api {
                "raise-ticket" => portal::api::raise::handle(app, request).await,
                "get-ticket" => portal::api::tickets::get(app, request).await,
                "list-tickets" => portal::api::tickets::list(app, request).await,
                "list-messages" => portal::api::messages::list(app, request).await,
                "post-message" => portal::api::changes::post_message(app, request).await,
                "update-ticket" => portal::api::changes::update(app, request).await,
                "close-ticket" => portal::api::changes::closing(app, request).await,
                "attachments" => portal::api::attachments::handle(app, request).await,
                "tasks" => portal::api::tasks::handle(app, request).await,
                "rma" => portal::api::rmas::handle(app, request).await,
                "overview" => portal::api::overview::handle(app, request).await,
                _ => return (0, Value::Null),
            };
            let answer = Answer::of(response);
            (answer.status, answer.body)
        }
    }
}

/// Where a life is played: a fresh table on the local stack, every request recorded.
#[derive(Debug)]
pub struct Stage {
    pub stack: LocalStack,
    pub names: Names,
    pub tape: Tape,
    pub clock: Arc<ManualClock>,
    pub app: App,
}

impl Stage {
    pub async fn new(stack: &LocalStack, start: DateTime<Utc>) -> Self {
        let names = Names::unique();
        stack.provision(&names, true).await;
        let tape = Tape::default();
        let recording = LocalStack {
            endpoint: stack.endpoint.clone(),
            clients: tape.recording(&stack.clients),
        };
        let clock = Arc::new(ManualClock::new(start));
        let app = recording.app(&names, clock.clone());
        Self {
            stack: stack.clone(),
            names,
            tape,
            clock,
            app,
        }
    }

    /// Plays one step and keeps what it did.
    pub async fn play(&self, step: Step) -> Played {
        self.clock.set(step.at);
        self.tape.take();
        let (status, body) = invoke(&self.app, step.function, &step.event).await;
        Played {
            exchanges: self.tape.take(),
            step,
            status,
            body,
        }
    }
}

/// The support desk's morning, in the first week of December.
pub fn start() -> DateTime<Utc> {
    "2026-12-03T10:00:00Z".parse().unwrap_or_default()
}

/// Plays a ticket's life through every function: raising, reading, replies both ways, a
/// change of stage, an attachment uploaded and confirmed, a task, a return, the overview, the
/// proposal of closure and, eight days on, the auto-close, an SLA deadline, both sweeps and
/// the outbox run.
pub async fn play(stage: &Stage) -> Vec<Played> {
    let t0 = start();
    let mut played = Vec::new();
    let step = |label: &str, function, event: Event, at| Step {
        label: label.to_owned(),
        function,
        event: event.0,
        at,
    };

    let raised = stage
        .play(step(
            "POST /tickets",
            "raise-ticket",
            Event::load("raise-ticket.customer").without_header("idempotency-key"),
            t0,
        ))
        .await;
    let reference = reference_of(&raised);
    played.push(raised);
    let on = |name: &str| Event::load(name).with_reference(&reference);

    // A second ticket, left alone so that its first SLA deadline passes.
    let untouched = stage
        .play(step(
            "POST /tickets",
            "raise-ticket",
            Event::load("raise-ticket.customer").without_header("idempotency-key"),
            t0,
        ))
        .await;
    let untouched = reference_of(&untouched);

    let hour = |h| t0 + Duration::hours(h);
    for (label, function, event, at) in [
        (
            "GET /tickets/{reference}",
            "get-ticket",
            on("get-ticket.customer"),
            t0,
        ),
        (
            "GET /tickets",
            "list-tickets",
            Event::load("list-tickets.customer"),
            t0,
        ),
        (
            "GET /tickets/{reference}/messages",
            "list-messages",
            on("list-messages.customer"),
            t0,
        ),
        (
            "POST …/messages (staff reply)",
            "post-message",
            on("post-message.staff"),
            hour(1),
        ),
        (
            "POST …/messages (customer reply)",
            "post-message",
            on("post-message.customer"),
            hour(2),
        ),
        (
            "PATCH /tickets/{reference}",
            "update-ticket",
            on("update-ticket.staff"),
            hour(2),
        ),
        (
            "POST …/handover (second line)",
            "update-ticket",
            on("handover.second-line.staff"),
            hour(2),
        ),
    ] {
        played.push(stage.play(step(label, function, event, at)).await);
    }

    let declared = stage
        .play(step(
            "POST …/attachments (upload URL)",
            "attachments",
            on("attachment-upload.customer"),
            hour(2),
        ))
        .await;
    let (key, size) = upload(&declared, &reference);
    played.push(declared);
    let mut uploaded = Event::load("attachment-uploaded");
    uploaded.0["Records"][0]["s3"]["bucket"]["name"] = json!(stage.names.bucket);
    uploaded.0["Records"][0]["s3"]["object"]["key"] = json!(key);
    uploaded.0["Records"][0]["s3"]["object"]["size"] = json!(size);

    for (label, function, event, at) in [
        (
            "S3 upload notification (confirm)",
            "attachment-uploaded",
            uploaded,
            hour(2),
        ),
        ("POST …/tasks", "tasks", on("task-create.staff"), hour(3)),
        ("POST …/rmas", "rma", on("rma-request.customer"), hour(3)),
        (
            "GET /overview",
            "overview",
            Event::load("overview.manager"),
            hour(3),
        ),
        (
            "POST …/proposal",
            "close-ticket",
            on("propose-closure.staff"),
            hour(4),
        ),
    ] {
        played.push(stage.play(step(label, function, event, at)).await);
    }

    let later = t0 + Duration::days(8);
    let schedule = |input: Value| Event(input);
    for (label, function, event) in [
        (
            "auto-close schedule (one ticket)",
            "auto-close",
            schedule(
                json!({"kind": "auto_close", "reference": reference.parse::<u64>().unwrap_or(0),
                            "auto_close_at": (hour(4) + Duration::days(7)).to_rfc3339()}),
            ),
        ),
        (
            "SLA deadline schedule (one clock)",
            "sla-breach",
            schedule(
                json!({"kind": "sla_deadline", "reference": untouched.parse::<u64>().unwrap_or(0),
                            "clock": "triage", "due_at": hour(24).to_rfc3339()}),
            ),
        ),
        ("SLA sweep", "sla-breach", Event::load("sla-sweep")),
        (
            "auto-close sweep",
            "auto-close",
            Event::load("auto-close-sweep"),
        ),
        (
            "outbox run",
            "outbox-dispatcher",
            Event::load("outbox-dispatcher"),
        ),
    ] {
        played.push(stage.play(step(label, function, event, later)).await);
    }
    played
}

/// The reference a raise answered with.
fn reference_of(raised: &Played) -> String {
    raised.body["reference"]
        .as_u64()
        .unwrap_or_default()
        .to_string()
}

/// Uploads a file of the declared size through the URL a declaration answered with, as a
/// browser would (not through the SDK, so not counted); gives the object's key and size.
fn upload(declared: &Played, reference: &str) -> (String, usize) {
    let size = serde_json::from_str::<Value>(declared.step.event["body"].as_str().unwrap_or("{}"))
        .ok()
        .and_then(|body| body["size"].as_u64())
        .unwrap_or(0) as usize;
    let url = declared.body["upload"]["url"].as_str().unwrap_or_default();
    let mut put = ureq::put(url);
    for (name, value) in declared.body["upload"]["headers"]
        .as_object()
        .into_iter()
        .flatten()
    {
        if !name.eq_ignore_ascii_case("content-length") {
            put = put.set(name, value.as_str().unwrap_or_default());
        }
    }
    if let Err(e) = put.send_bytes(&vec![0; size]) {
        eprintln!("the benchmark's upload failed: {e}");
    }
    let id = declared.body["id"].as_str().unwrap_or_default();
    (format!("pending/tickets/{reference}/{id}"), size)
}
