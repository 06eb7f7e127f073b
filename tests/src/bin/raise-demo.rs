//! The main job, on the local AWS stack: Élodie, a store manager in Lyon, raises a ticket in
//! French about missing counts on one counter, with a colleague in copy. The request is the
//! API Gateway event in `events/raise-ticket.customer.json`, handled by the real handler.
//! Everything printed afterwards is read back from the stack: the stored items, the e-mails
//! as SES received them, and the triage schedule.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use portal::api::raise;
use portal::effects::sla_schedule_name;
use portal::ports::SystemClock;
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
    let app = stack.app(&names, Arc::new(SystemClock));
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

    heading("E-mails as SES received them (read back from moto)");
    for email in stack.sent_emails() {
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

    heading("EventBridge Scheduler: the triage deadline");
    let name = sla_schedule_name(reference, portal::domain::ticket::ClockKind::Triage);
    let schedule = stack
        .clients
        .scheduler
        .get_schedule()
        .name(&name)
        .group_name(&names.schedule_group)
        .send()
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
}
