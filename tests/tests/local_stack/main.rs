//! Integration tests against the local AWS stack (moto), through the real handlers with the
//! API Gateway events of `events/`. Each test has its own table, schedule group and
//! addresses. Run them through `tests/run.sh`, which starts the stack.

mod attachments;
mod bench;
mod closing;
mod conversation;
mod emails;
mod idempotency;
mod listing;
mod outbox;
mod raising;
mod returns;
mod sla;
mod tenancy;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use portal::App;
use portal::ports::ManualClock;
use portal_tests::events::{Answer, Event};
use portal_tests::{LocalStack, Names};
use serde_json::Value;

/// Thursday 3 December 2026, 10:00 in London: a working day, in hours.
pub const NOW: &str = "2026-12-03T10:00:00Z";

/// One test's world: the stack, its own resources, and the app on a clock the test controls.
pub struct World {
    pub stack: LocalStack,
    pub names: Names,
    pub app: App,
    pub clock: Arc<ManualClock>,
}

pub fn instant(text: &str) -> DateTime<Utc> {
    text.parse().expect("an RFC 3339 instant")
}

impl World {
    /// A fresh world whose SES sender is verified.
    pub async fn new() -> Self {
        Self::with_sender(true).await
    }

    /// A fresh world; with `verified` false, SES refuses every e-mail until `verify_sender`.
    pub async fn with_sender(verified: bool) -> Self {
        // `PORTAL_TEST_LOG=1` shows the functions' logs, for finding out why a test failed.
        static LOGS: std::sync::Once = std::sync::Once::new();
        if std::env::var_os("PORTAL_TEST_LOG").is_some() {
            LOGS.call_once(lambda_http::tracing::init_default_subscriber);
        }
        let stack = LocalStack::connect().await;
        let names = Names::unique();
        stack.provision(&names, verified).await;
        let clock = Arc::new(ManualClock::new(instant(NOW)));
        let app = stack.app(&names, clock.clone());
        Self {
            stack,
            names,
            app,
            clock,
        }
    }

    /// Sends an event to the raise handler.
    pub async fn raise(&self, event: &Event) -> Answer {
        Answer::of(portal::api::raise::handle(&self.app, event.request()).await)
    }

    pub async fn get(&self, event: &Event) -> Answer {
        Answer::of(portal::api::tickets::get(&self.app, event.request()).await)
    }

    pub async fn list(&self, event: &Event) -> Answer {
        Answer::of(portal::api::tickets::list(&self.app, event.request()).await)
    }

    pub async fn post(&self, event: &Event) -> Answer {
        Answer::of(portal::api::changes::post_message(&self.app, event.request()).await)
    }

    pub async fn patch(&self, event: &Event) -> Answer {
        Answer::of(portal::api::changes::update(&self.app, event.request()).await)
    }

    pub async fn closing(&self, event: &Event) -> Answer {
        Answer::of(portal::api::changes::closing(&self.app, event.request()).await)
    }

    /// Moves the clock.
    pub fn at(&self, text: &str) {
        self.clock.set(instant(text));
    }

    pub async fn messages(&self, event: &Event) -> Answer {
        Answer::of(portal::api::messages::list(&self.app, event.request()).await)
    }

    /// A schedule of this world's group, if it exists.
    pub async fn schedule(
        &self,
        name: &str,
    ) -> Option<aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput> {
        self.stack.schedule(&self.names.schedule_group, name).await
    }

    /// The triage schedule of a ticket, which must exist.
    pub async fn triage_schedule(
        &self,
        reference: u64,
    ) -> aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput {
        let name = portal::effects::sla_schedule_name(
            reference,
            portal::domain::ticket::ClockKind::Triage,
        );
        self.schedule(&name)
            .await
            .unwrap_or_else(|| panic!("schedule {name} exists"))
    }

    /// Raises the customer event with fresh addresses and no idempotency key; returns the
    /// reference.
    pub async fn raise_ok(&self, event: Event) -> u64 {
        let answer = self.raise(&event).await;
        assert_eq!(answer.status, 201, "raise failed: {}", answer.body);
        answer.body["reference"].as_u64().expect("a reference")
    }
}

/// A unique address, so that a test finds its own e-mails among everyone's.
pub fn address(who: &str) -> String {
    format!(
        "{who}-{}@galeries-lumiere.example",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

/// The customer's raise event, from `events/`, with unique requester and CC addresses and no
/// idempotency key.
pub fn customer_raise() -> (Event, String, String) {
    let requester = address("elodie");
    let colleague = address("julien");
    let event = Event::load("raise-ticket.customer")
        .without_header("idempotency-key")
        .with_claim("email", &requester)
        .with_claim("sub", &uuid::Uuid::new_v4().to_string())
        .edit_body(|b| b["cc"] = Value::from(vec![colleague.clone()]));
    (event, requester, colleague)
}

/// A customer-side event of `name` for the ticket, as the requester of `customer_raise`.
pub fn as_requester(name: &str, raise: &Event, reference: u64) -> Event {
    Event::load(name)
        .with_claim("email", &raise.claim("email"))
        .with_claim("sub", &raise.claim("sub"))
        .with_reference(&reference.to_string())
}

/// A staff event of `name` for the ticket.
pub fn as_staff(name: &str, reference: u64) -> Event {
    Event::load(name).with_reference(&reference.to_string())
}

/// The field names of a 400 problem body.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
