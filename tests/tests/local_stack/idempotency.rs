//! CASES S09: a double submit with the same Idempotency-Key makes one ticket, one set of
//! e-mails and one schedule; the same key with another body is refused.

use serde_json::json;

use super::{World, customer_raise};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_submit_makes_one_ticket_one_set_of_emails_and_one_schedule() {
    let world = std::sync::Arc::new(World::new().await);
    let (event, requester, colleague) = customer_raise();
    let event = event.with_header("idempotency-key", &uuid::Uuid::new_v4().to_string());

    let first = {
        let (world, event) = (world.clone(), event.clone());
        tokio::spawn(async move { world.raise(&event).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let second = world.raise(&event).await;
    let first = first.await.expect("first raise");

    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(first.body["reference"], second.body["reference"]);
    let replays = [&first, &second]
        .iter()
        .filter(|a| a.headers.contains_key("idempotent-replayed"))
        .count();
    assert_eq!(replays, 1);

    assert_eq!(world.stack.emails_to(&requester).len(), 1);
    assert_eq!(world.stack.emails_to(&colleague).len(), 1);
    let schedules = world
        .stack
        .clients
        .scheduler
        .list_schedules()
        .group_name(&world.names.schedule_group)
        .send()
        .await
        .expect("list schedules");
    // One schedule per running clock (triage and category), made once.
    let mut names: Vec<_> = schedules
        .schedules()
        .iter()
        .filter_map(|s| s.name())
        .collect();
    names.sort();
    let reference = first.body["reference"].as_u64().expect("reference");
    assert_eq!(
        names,
        vec![
            format!("sla-{reference}-category"),
            format!("sla-{reference}-triage")
        ]
    );

    // A third retry, later, still replays the same ticket.
    let third = world.raise(&event).await;
    assert_eq!(third.body["reference"], first.body["reference"]);
    assert_eq!(world.stack.emails_to(&requester).len(), 1);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let event = event.with_header("idempotency-key", "order-1234-raise");
    let first = world.raise(&event).await;
    assert_eq!(first.status, 201);

    let other = event.edit_body(|b| b["subject"] = json!("Un tout autre problème"));
    let answer = world.raise(&other).await;
    assert_eq!(answer.status, 422, "{}", answer.body);
    assert_eq!(answer.body["code"], "idempotency_key_reused");
}

#[tokio::test]
async fn keys_belong_to_their_user() {
    let world = World::new().await;
    let (alice, _, _) = customer_raise();
    let (bob, _, _) = customer_raise();
    let first = world
        .raise(&alice.with_header("idempotency-key", "same-key"))
        .await;
    let second = world
        .raise(&bob.with_header("idempotency-key", "same-key"))
        .await;
    assert_eq!((first.status, second.status), (201, 201));
    assert_ne!(first.body["reference"], second.body["reference"]);
}

#[tokio::test]
async fn a_malformed_key_is_a_400() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let answer = world
        .raise(&event.with_header("idempotency-key", &"k".repeat(300)))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["code"], "invalid_idempotency_key");
}
