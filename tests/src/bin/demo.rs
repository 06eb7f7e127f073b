//! The main job, on the local AWS stack: Élodie, a store manager in Lyon, raises a ticket in
//! French about missing counts on one counter, with a colleague in copy; support answers, she
//! answers back with a photo she uploads through a presigned URL (the paused SLA clock resumes
//! with the time it had left), support hands over
//! to second line, whose deadline passes and breaches, the faulty counter goes through a
//! return (RMA) from request to completion, support proposes closure, seven days later the
//! auto-close schedule fires, and the management overview is printed.
//! Each request is an API Gateway event from `events/`, handled by the real handler; the
//! auto-close is fired with the very input its schedule carries, the clock moved forward.
//! Everything printed is read back from the stack: the stored items, the e-mails as SES
//! received them, and the schedules.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, Duration};
use portal::api::raise;
use portal::auto_close::{self, AutoCloseInput};
use portal::effects::sla_schedule_name;
use portal::ports::{Clock, ManualClock, SystemClock};
use portal_tests::events::{Answer, Event};
use portal_tests::{LocalStack, Names};
use serde_json::Value;

fn heading(title: &str) {
    println!(
        "\n=== {title} {}",
        "=".repeat(70usize.saturating_sub(title.len()))
    );
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[tokio::main]
async fn main() {
    let stack = LocalStack::connect().await;
    let names = Names::unique();
    stack.provision(&names, true).await;
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let app = stack.app(&names, clock.clone());
    println!(
        "table {}, schedule group {}, sender {}, support inbox {}",
        names.table,
        names.schedule_group,
        names.mail_from(),
        names.support_inbox
    );

    heading("POST /tickets (events/raise-ticket.customer.json)");
    let event = Event::load("raise-ticket.customer");
    println!("{}", pretty(&event.body()));
    let answer = Answer::of(raise::handle(&app, event.request()).await);
    heading(&format!("API response: {}", answer.status));
    if let Some(location) = answer.headers.get("location") {
        println!("location: {}", location.to_str().unwrap_or_default());
    }
    println!("{}", pretty(&answer.body));
    let Some(reference) = answer.body["reference"].as_u64() else {
        eprintln!("the raise did not succeed");
        std::process::exit(1);
    };

    heading("Stored in DynamoDB (every item of the ticket's partition)");
    let items = stack
        .clients
        .dynamodb
        .query()
        .table_name(&names.table)
        .key_condition_expression("#pk = :pk")
        .expression_attribute_names("#pk", "pk")
        .expression_attribute_values(":pk", AttributeValue::S(format!("TICKET#{reference}")))
        .send()
        .await
        .expect("query the ticket's items")
        .items
        .unwrap_or_default();
    for item in items {
        let value: Value = serde_dynamo::from_item(item).expect("item as JSON");
        println!("--- {}", value["sk"].as_str().unwrap_or_default());
        println!("{}", pretty(&value));
    }

    let mut seen = print_emails(
        &stack,
        0,
        "E-mails of the raise, as SES received them (read back from moto)",
    );

    heading("EventBridge Scheduler: the triage deadline");
    let name = sla_schedule_name(reference, portal::domain::ticket::ClockKind::Triage);
    let schedule = stack
        .schedule(&names.schedule_group, &name)
        .await
        .expect("the triage schedule exists");
    println!("name:                   {name}");
    println!(
        "group:                  {}",
        schedule.group_name().unwrap_or_default()
    );
    println!(
        "expression:             {}",
        schedule.schedule_expression().unwrap_or_default()
    );
    println!(
        "time zone:              {}",
        schedule.schedule_expression_timezone().unwrap_or_default()
    );
    println!(
        "after completion:       {}",
        schedule
            .action_after_completion()
            .map(|a| a.as_str())
            .unwrap_or_default()
    );
    if let Some(target) = schedule.target() {
        println!("target:                 {}", target.arn());
        println!("role:                   {}", target.role_arn());
        println!(
            "input:                  {}",
            target.input().unwrap_or_default()
        );
    }

    let reference_text = reference.to_string();
    let staff = |name: &str| Event::load(name).with_reference(&reference_text);
    let customer = |name: &str| Event::load(name).with_reference(&reference_text);

    clock.set(clock.now() + Duration::hours(1));
    step(
        &app,
        "Support answers and asks a question (events/post-message.staff.json)",
        portal::api::changes::post_message(&app, staff("post-message.staff").request()).await,
    );
    seen = print_emails(&stack, seen, "E-mails of the answer");
    print_clocks(
        &app,
        reference,
        "Clocks: triage met by the first response; the category clock paused, it is her turn",
    )
    .await;

    clock.set(clock.now() + Duration::days(1));
    let photo_id = attach_photo(&app, &reference_text).await;
    step(
        &app,
        "A day later, Élodie answers with the photo (events/post-message.customer.json)",
        portal::api::changes::post_message(
            &app,
            customer("post-message.customer")
                .edit_body(|b| b["attachments"] = serde_json::json!([photo_id]))
                .request(),
        )
        .await,
    );
    seen = print_emails(&stack, seen, "E-mails of her answer");
    print_clocks(
        &app,
        reference,
        "Clocks: the category clock resumed with the time it had left",
    )
    .await;

    clock.set(clock.now() + Duration::hours(1));
    step(
        &app,
        "Support hands over to second line (events/handover.second-line.staff.json)",
        portal::api::changes::update(&app, staff("handover.second-line.staff").request()).await,
    );
    seen = print_emails(&stack, seen, "E-mails of the hand-over");

    heading("EventBridge Scheduler: the second-line deadline");
    let name = portal::effects::sla_schedule_name(
        reference,
        portal::domain::ticket::ClockKind::SecondLine,
    );
    let schedule = stack
        .schedule(&names.schedule_group, &name)
        .await
        .expect("the second-line schedule exists");
    println!(
        "expression:             {}",
        schedule.schedule_expression().unwrap_or_default()
    );
    let input = schedule
        .target()
        .and_then(|t| t.input())
        .unwrap_or_default()
        .to_owned();
    println!("input:                  {input}");
    let input: portal::sla_monitor::SlaInput =
        serde_json::from_str(&input).expect("the schedule's input");
    let due = match &input {
        portal::sla_monitor::SlaInput::One(event) => event.due_at,
        portal::sla_monitor::SlaInput::Sweep { .. } => clock.now(),
    };
    clock.set(due + Duration::seconds(1));
    heading(&format!(
        "{}: nobody acted, the schedule fires with that input",
        clock.now()
    ));
    let report = portal::sla_monitor::handle(&app, input, 100)
        .await
        .expect("SLA run");
    println!(
        "{}",
        pretty(&serde_json::to_value(report).unwrap_or_default())
    );
    seen = print_emails(&stack, seen, "E-mails of the breach");
    print_clocks(&app, reference, "Clocks after the breach").await;

    seen = return_the_counter(&app, &stack, &reference_text, seen, &clock).await;

    clock.set(clock.now() + Duration::hours(2));
    step(
        &app,
        "Support proposes closure (events/propose-closure.staff.json)",
        portal::api::changes::closing(&app, staff("propose-closure.staff").request()).await,
    );
    seen = print_emails(&stack, seen, "E-mails of the proposal");

    heading("EventBridge Scheduler: the auto-close");
    let schedule = stack
        .schedule(
            &names.schedule_group,
            &portal::effects::auto_close_schedule_name(reference),
        )
        .await
        .expect("the auto-close schedule exists");
    println!(
        "expression:             {}",
        schedule.schedule_expression().unwrap_or_default()
    );
    let input = schedule
        .target()
        .and_then(|t| t.input())
        .unwrap_or_default()
        .to_owned();
    println!("input:                  {input}");

    clock.set(clock.now() + Duration::days(7) + Duration::minutes(1));
    heading(&format!(
        "Seven days later ({}): the schedule fires with that input",
        clock.now()
    ));
    let input: AutoCloseInput = serde_json::from_str(&input).expect("the schedule's input");
    let report = auto_close::handle(&app, input, 100)
        .await
        .expect("auto-close");
    println!(
        "{}",
        pretty(&serde_json::to_value(report).unwrap_or_default())
    );
    let ticket =
        Answer::of(portal::api::tickets::get(&app, staff("get-ticket.staff").request()).await);
    println!("{}", pretty(&ticket.body));
    print_emails(&stack, seen, "E-mails of the automatic closure");

    heading("The management overview (events/overview.manager.json, this month)");
    let day = clock.now().date_naive();
    let from = day.with_day(1).unwrap_or(day).to_string();
    let to = day.to_string();
    let overview = Event::load("overview.manager").with_query(&[("from", &from), ("to", &to)]);
    let answer = Answer::of(portal::api::overview::handle(&app, overview.request()).await);
    println!("status {}", answer.status);
    println!("{}", pretty(&answer.body));
}

/// The faulty counter goes back: Élodie asks for a return, support diagnoses remotely,
/// approves with a carrier and tracking number, receives the unit and completes the return.
async fn return_the_counter(
    app: &portal::App,
    stack: &LocalStack,
    reference: &str,
    mut seen: usize,
    clock: &ManualClock,
) -> usize {
    heading("Élodie asks for a return of the counter (events/rma-request.customer.json)");
    let request = Event::load("rma-request.customer").with_reference(reference);
    let answer = Answer::of(portal::api::rmas::handle(app, request.request()).await);
    println!(
        "status {}: return {} {}",
        answer.status, answer.body["id"], answer.body["status"]
    );
    let id = answer.body["id"].as_str().unwrap_or_default().to_owned();
    seen = print_emails(stack, seen, "E-mails of the return request");
    let steps = [
        serde_json::json!({"to": "remote_diagnosis", "note": "We are reading the counter's logs remotely.", "internal_note": "Suspect the power supply of batch 2024-11."}),
        serde_json::json!({"to": "approved", "carrier": "DHL Express", "tracking_number": "JD014600003828", "note": "A replacement counter ships today."}),
        serde_json::json!({"to": "unit_received"}),
        serde_json::json!({"to": "completed", "note": "The faulty unit was analysed: power supply fault."}),
    ];
    for body in steps {
        clock.set(clock.now() + Duration::hours(4));
        let event = Event::load("rma-step.staff")
            .with_reference(reference)
            .with_id(&id)
            .with_body(&body);
        let answer = Answer::of(portal::api::rmas::handle(app, event.request()).await);
        println!("step to {}: status {}", body["to"], answer.status);
    }
    let list = Event::load("rma-list.customer").with_reference(reference);
    let answer = Answer::of(portal::api::rmas::handle(app, list.request()).await);
    heading("The return as Élodie sees it (no internal assessment)");
    println!("{}", pretty(&answer.body));
    let history = Event::load("device-history.staff");
    let answer = Answer::of(portal::api::rmas::handle(app, history.request()).await);
    heading("The counter's service history, for staff (events/device-history.staff.json)");
    println!("{}", pretty(&answer.body));
    print_emails(stack, seen, "E-mails of the return's steps")
}

/// A real photo of the entrance, uploaded through the URL the API gives, confirmed, and
/// downloaded back through the download URL; returns the attachment's id.
async fn attach_photo(app: &portal::App, reference: &str) -> String {
    let photo: &[u8] = include_bytes!("../../fixtures/entree-nord.png");
    heading("Élodie attaches a photo (events/attachment-upload.customer.json)");
    let declare = Event::load("attachment-upload.customer")
        .with_reference(reference)
        .edit_body(|b| {
            b["file_name"] = serde_json::json!("entrée nord.png");
            b["content_type"] = serde_json::json!("image/png");
            b["size"] = serde_json::json!(photo.len());
        });
    let answer = Answer::of(portal::api::attachments::handle(app, declare.request()).await);
    println!("status {}", answer.status);
    println!("{}", pretty(&answer.body));
    let id = answer.body["id"].as_str().unwrap_or_default().to_owned();
    let url = answer.body["upload"]["url"].as_str().unwrap_or_default();
    let mut put = ureq::put(url);
    if let Some(headers) = answer.body["upload"]["headers"].as_object() {
        for (name, value) in headers {
            if !name.eq_ignore_ascii_case("content-length") {
                put = put.set(name, value.as_str().unwrap_or_default());
            }
        }
    }
    let status = put
        .send_bytes(photo)
        .map(|r| r.status())
        .unwrap_or_else(|e| match e {
            ureq::Error::Status(code, _) => code,
            ureq::Error::Transport(_) => 0,
        });
    println!("PUT {} bytes to the upload URL: HTTP {status}", photo.len());
    if status != 200 {
        eprintln!("the upload failed");
        std::process::exit(1);
    }

    let confirm = Event::load("attachment-confirm.customer")
        .with_reference(reference)
        .with_id(&id);
    let answer = Answer::of(portal::api::attachments::handle(app, confirm.request()).await);
    println!(
        "confirm: status {} state {}",
        answer.status, answer.body["state"]
    );

    let download = Event::load("attachment-download.customer")
        .with_reference(reference)
        .with_id(&id);
    let answer = Answer::of(portal::api::attachments::handle(app, download.request()).await);
    let link = answer.body["download"]["url"].as_str().unwrap_or_default();
    let mut bytes = Vec::new();
    if let Ok(response) = ureq::get(link).call() {
        println!(
            "GET the download URL: HTTP {}, Content-Disposition: {}",
            response.status(),
            response.header("content-disposition").unwrap_or_default()
        );
        let _ = std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes);
    }
    println!("(moto's S3 leaves out Content-Disposition; the tests check it against s3s-fs)");
    println!(
        "downloaded {} bytes, identical to the photo: {}",
        bytes.len(),
        bytes == photo
    );
    id
}

/// Prints the ticket's SLA clocks as staff see them.
async fn print_clocks(app: &portal::App, reference: u64, title: &str) {
    heading(title);
    let event = Event::load("get-ticket.staff").with_reference(&reference.to_string());
    let ticket = Answer::of(portal::api::tickets::get(app, event.request()).await);
    println!("{}", pretty(&ticket.body["clocks"]));
}

/// Prints a handler's answer under a heading; a failed step stops the demo.
fn step(_app: &portal::App, title: &str, response: lambda_http::Response<lambda_http::Body>) {
    heading(title);
    let answer = Answer::of(response);
    println!("status {}", answer.status);
    println!("{}", pretty(&answer.body));
    if answer.status >= 400 {
        eprintln!("the step failed with HTTP {}", answer.status);
        std::process::exit(1);
    }
}

/// Prints the e-mails SES received after the first `seen`; returns how many there are now.
fn print_emails(stack: &LocalStack, seen: usize, title: &str) -> usize {
    heading(title);
    let all = stack.sent_emails();
    for email in &all[seen.min(all.len())..] {
        println!(
            "--- envelope to: {}",
            email.envelope_recipients().join(", ")
        );
        for header in [
            "From",
            "To",
            "Subject",
            "Auto-Submitted",
            "X-Auto-Response-Suppress",
        ] {
            for line in email.header_lines(header) {
                println!("{line}");
            }
        }
        println!("decoded subject: {}", email.subject());
        println!();
        println!("{}", email.text());
    }
    all.len()
}
