//! Raising: validation with each bad field named, who may choose what, identity, the stored
//! records, the triage deadline and its schedule, references under concurrent raises, dates.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{NOW, World, customer_raise, error_fields, instant};
use portal_tests::events::Event;

#[tokio::test]
async fn a_raise_stores_the_ticket_message_history_and_schedules_triage() {
    let world = World::new().await;
    let (event, requester, _) = customer_raise();
    let answer = world.raise(&event).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let reference = answer.body["reference"].as_u64().expect("reference");
    assert_eq!(
        answer.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/tickets/{reference}").as_str())
    );
    // The customer sees the category SLA's due date, not the stage or the clocks.
    assert_eq!(answer.body["status"], "open");
    assert_eq!(answer.body["next_action"], "support");
    assert_eq!(answer.body["requester"]["email"], Value::from(requester));
    assert_eq!(answer.body["occurred_on"], "2026-11-30");
    // Thursday 10:00 + 3 working days of 8h30 = Tuesday 10:00 (GMT).
    assert_eq!(answer.body["sla_due_at"], "2026-12-08T10:00:00Z");
    assert!(answer.body.get("stage").is_none() && answer.body.get("clocks").is_none());

    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("stored");
    let triage = ticket
        .clock(portal::domain::ticket::ClockKind::Triage)
        .expect("triage clock");
    // One working day from Thursday 10:00 is Friday 10:00.
    assert_eq!(triage.due_at, Some(instant("2026-12-04T10:00:00Z")));
    assert_eq!(ticket.created_at, instant(NOW));

    let page = world
        .app
        .store
        .messages(reference, true, None, 10)
        .await
        .expect("messages");
    assert_eq!(page.items.len(), 1);
    assert!(page.items[0].body.starts_with("Depuis hier"));

    let schedule = world.triage_schedule(reference).await;
    assert_eq!(
        schedule.schedule_expression(),
        Some("at(2026-12-04T10:00:00)")
    );
    assert_eq!(schedule.schedule_expression_timezone(), Some("UTC"));
    let target = schedule.target().expect("target");
    assert_eq!(target.arn(), world.app.config.sla_function_arn);
    let input: Value = serde_json::from_str(target.input().unwrap_or("{}")).expect("input JSON");
    assert_eq!(input["reference"], json!(reference));
    assert_eq!(input["clock"], "triage");
}

#[tokio::test]
async fn every_bad_field_is_named_in_one_400() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let event = event.edit_body(|b| {
        b["subject"] = json!("");
        b["site_id"] = Value::Null;
        b["occurred_on"] = json!("30/11/2026");
        b["cc"] = json!(["not-an-address"]);
        b["counters"] = json!(["PC 1 with spaces"]);
        b["comments"] = json!("   ");
    });
    let answer = world.raise(&event).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let fields = error_fields(&answer.body);
    for field in [
        "subject",
        "site_id",
        "occurred_on",
        "cc[0]",
        "counters[0]",
        "comments",
    ] {
        assert!(
            fields.contains(&field.to_owned()),
            "{field} not named in {fields:?}"
        );
    }
    assert!(world.stack.emails_to(&world.names.support_inbox).is_empty());
}

#[tokio::test]
async fn malformed_bodies_are_400s_that_say_why() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();

    let answer = world.raise(&event.clone().with_raw_body("{not json")).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["code"], "invalid_json");

    let answer = world
        .raise(&event.clone().edit_body(|b| b["counters"] = json!("PC-1")))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(error_fields(&answer.body), vec!["counters"]);

    let answer = world
        .raise(&event.clone().edit_body(|b| b["priority"] = json!("urgent")))
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("priority")
    );

    let answer = world
        .raise(&event.clone().with_header("content-type", "text/plain"))
        .await;
    assert_eq!(answer.status, 415);

    let huge = "x".repeat(300 * 1024);
    let answer = world
        .raise(&event.edit_body(|b| b["comments"] = json!(huge)))
        .await;
    assert_eq!(answer.status, 413);
}

#[tokio::test]
async fn categories_follow_the_role_and_commercial_requests_go_to_sales() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();

    let answer = world
        .raise(
            &event
                .clone()
                .edit_body(|b| b["category"] = json!("software_bug")),
        )
        .await;
    assert_eq!(answer.status, 403, "{}", answer.body);

    let answer = world
        .raise(
            &event
                .clone()
                .edit_body(|b| b["category"] = json!("commercial_request")),
        )
        .await;
    assert_eq!(answer.status, 422);
    assert_eq!(answer.body["code"], "commercial_request");
    assert_eq!(
        answer.body["sales_contact"],
        Value::from(world.names.sales_contact.clone())
    );

    let staff = Event::load("raise-ticket.staff")
        .edit_body(|b| b["category"] = json!("accuracy_audit_blocker"));
    assert_eq!(world.raise(&staff).await.status, 403);
    let tuning = staff.with_claim("role", "tuning_specialist");
    assert_eq!(world.raise(&tuning).await.status, 201);
}

#[tokio::test]
async fn identity_comes_only_from_the_authorizer() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let answer = world.raise(&event.clone().anonymous()).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.body["status"], 401);

    let answer = world
        .raise(&event.clone().with_claim("role", "superuser"))
        .await;
    assert_eq!(answer.status, 401);

    // A customer naming another account in the body is refused, not obeyed.
    let answer = world
        .raise(&event.edit_body(|b| b["account_id"] = json!("acc-someone-else")))
        .await;
    assert_eq!(answer.status, 403);
}

#[tokio::test]
async fn staff_raise_on_a_customers_behalf() {
    let world = World::new().await;
    let buyer = super::address("buyer");
    let event = Event::load("raise-ticket.staff")
        .edit_body(|b| b["requester_email"] = json!(buyer.clone()));
    let answer = world.raise(&event).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["account_id"], "acc-northwind");
    assert_eq!(
        answer.body["requester"]["email"],
        Value::from(buyer.clone())
    );
    assert_eq!(answer.body["raised_by_role"], "first_line");
    assert_eq!(world.stack.emails_to(&buyer).len(), 1);

    let without_account = Event::load("raise-ticket.staff").edit_body(|b| {
        b.as_object_mut().map(|o| o.remove("account_id"));
    });
    let answer = world.raise(&without_account).await;
    assert_eq!(answer.status, 400);
    assert_eq!(error_fields(&answer.body), vec!["account_id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn references_are_unique_under_concurrent_raises() {
    let world = Arc::new(World::new().await);
    let mut raises = tokio::task::JoinSet::new();
    for _ in 0..12 {
        let world = world.clone();
        raises.spawn(async move {
            let (event, _, _) = customer_raise();
            world.raise_ok(event).await
        });
    }
    let references = raises.join_all().await;
    let unique: HashSet<_> = references.iter().collect();
    assert_eq!(unique.len(), references.len(), "{references:?}");
    assert!(
        references
            .iter()
            .all(|r| *r >= portal::store::FIRST_REFERENCE)
    );
}

#[tokio::test]
async fn dates_stay_dates_and_instants_keep_their_offset() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let event = event.with_claim("locale", "pt-BR").edit_body(|b| {
        b["occurred_on"] = json!("2025-03-04");
        b["occurred_at"] = json!("2025-03-04T23:30:00-03:00");
    });
    let answer = world.raise(&event).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["occurred_on"], "2025-03-04");
    assert_eq!(answer.body["occurred_at"], "2025-03-05T02:30:00Z");
    let reference = answer.body["reference"].as_u64().expect("reference");

    // Read back by people in three time zones: the date is the same text for all.
    for zone in ["America/Sao_Paulo", "Europe/Paris", "Pacific/Auckland"] {
        let get = Event::load("get-ticket.customer")
            .with_claim("email", &event.claim("email"))
            .with_claim("zoneinfo", zone)
            .with_reference(&reference.to_string());
        let answer = world.get(&get).await;
        assert_eq!(answer.body["occurred_on"], "2025-03-04", "{zone}");
    }

    let (event, _, _) = customer_raise();
    let naive = event.edit_body(|b| b["occurred_at"] = json!("2025-03-04T23:30"));
    let answer = world.raise(&naive).await;
    assert_eq!(answer.status, 400);
    assert_eq!(error_fields(&answer.body), vec!["occurred_at"]);
}

#[tokio::test]
async fn a_follow_up_names_a_ticket_the_caller_can_see() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let first = world.raise_ok(event.clone()).await;

    let answer = world
        .raise(&event.clone().edit_body(|b| b["follows_up"] = json!(first)))
        .await;
    assert_eq!(answer.status, 201);
    assert_eq!(answer.body["follows_up"], json!(first));

    let stranger = event
        .with_claim("account_id", "acc-other")
        .edit_body(|b| b["follows_up"] = json!(first));
    let answer = world.raise(&stranger).await;
    assert_eq!(answer.status, 400);
    assert_eq!(error_fields(&answer.body), vec!["follows_up"]);
}

#[tokio::test]
async fn every_event_file_is_a_valid_request() {
    for entry in std::fs::read_dir(portal_tests::events::events_dir()).expect("events/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let event = Event::load(&name);
        // The scheduled functions' inputs are not API requests; they are checked beside their
        // functions' tests.
        if event.0.get("requestContext").is_none() {
            continue;
        }
        let request = event.request();
        assert!(
            portal::api::request::caller(&request).is_ok(),
            "{name}: the claims do not make a caller"
        );
    }
}

/// Found by hostile-input testing: each of these once answered 500, leaked, or was accepted.
#[tokio::test]
async fn hostile_inputs_get_clear_client_errors() {
    let world = World::new().await;

    // A quoted local part is valid RFC 5322 but not deliverable: a 400 naming the field.
    let (event, _, _) = customer_raise();
    let answer = world
        .raise(
            &event
                .clone()
                .edit_body(|b| b["cc"] = json!(["\"john doe\"@x.example"])),
        )
        .await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(error_fields(&answer.body), vec!["cc[0]"]);

    // Invisible or reordering characters do not make a subject.
    for subject in ["\u{200B}\u{200B}", "\u{FEFF}", "invoice \u{202E}gpj.exe"] {
        let answer = world
            .raise(&event.clone().edit_body(|b| b["subject"] = json!(subject)))
            .await;
        assert_eq!(answer.status, 400, "{subject:?}");
    }

    // Dates are YYYY-MM-DD exactly, and plausible.
    for date in ["+2026-11-30", "2026-1-1", "0000-01-01", "-0001-01-01"] {
        let answer = world
            .raise(&event.clone().edit_body(|b| b["occurred_on"] = json!(date)))
            .await;
        assert_eq!(answer.status, 400, "{date}");
        assert_eq!(error_fields(&answer.body), vec!["occurred_on"]);
    }

    // An oversized account claim is an unusable identity, not a storage failure.
    let answer = world
        .raise(&event.clone().with_claim("account_id", &"a".repeat(3000)))
        .await;
    assert_eq!(answer.status, 401);
    let answer = world
        .list(&Event::load("list-tickets.staff").with_query(&[("account_id", &"a".repeat(2100))]))
        .await;
    assert_eq!(answer.status, 400);

    // Only the canonical spelling of a reference names a ticket.
    let reference = world.raise_ok(event.clone()).await;
    for spelling in [format!("+{reference}"), format!("0{reference}")] {
        let get = Event::load("get-ticket.customer")
            .with_claim("email", &event.claim("email"))
            .with_reference(&spelling);
        assert_eq!(world.get(&get).await.status, 404, "{spelling}");
    }

    // A reseller listing the same account twice sees each ticket once.
    let reseller = Event::load("list-tickets.reseller").with_claim(
        "managed_account_ids",
        "[acc-galeries-lumiere acc-galeries-lumiere]",
    );
    let answer = world.list(&reseller).await;
    let references: Vec<_> = answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["reference"].clone())
        .collect();
    let unique: HashSet<_> = references.iter().map(|r| r.to_string()).collect();
    assert_eq!(unique.len(), references.len());

    // A reseller cannot tie one account's ticket to another account's.
    let across = Event::load("raise-ticket.customer")
        .without_header("idempotency-key")
        .with_claim("role", "reseller")
        .without_claim("account_id")
        .with_claim(
            "managed_account_ids",
            "[acc-galeries-lumiere acc-northwind]",
        )
        .edit_body(|b| {
            b["account_id"] = json!("acc-northwind");
            b["follows_up"] = json!(reference);
        });
    let answer = world.raise(&across).await;
    assert_eq!(answer.status, 400, "{}", answer.body);
    assert_eq!(error_fields(&answer.body), vec!["follows_up"]);
}

#[tokio::test]
async fn idempotency_keys_cannot_collide_across_users() {
    let world = World::new().await;
    let (first, _, _) = customer_raise();
    let first = first
        .with_claim("sub", "user-x")
        .with_header("idempotency-key", "acct#k1");
    assert_eq!(world.raise(&first).await.status, 201);
    let (second, _, _) = customer_raise();
    let second = second
        .with_claim("sub", "user-x#acct")
        .with_claim("account_id", "acc-rival-chain")
        .with_header("idempotency-key", "k1")
        .edit_body(|b| b["subject"] = json!("Autre chose"));
    let answer = world.raise(&second).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}
