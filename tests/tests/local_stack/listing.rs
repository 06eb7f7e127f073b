//! Lists: tickets newest first with filters and a cursor; a conversation of 600 long messages
//! read back whole, oldest first, in pages (CASES S18).

use std::collections::HashSet;

use chrono::Duration;
use serde_json::{Value, json};

use super::{World, customer_raise, instant};
use portal::domain::identity::Role;
use portal::domain::ticket::{Message, MessageVisibility, Person};
use portal_tests::events::Event;

#[tokio::test]
async fn tickets_come_newest_first_filtered_and_in_pages() {
    let world = World::new().await;
    let mut raised = Vec::new();
    for i in 0..7 {
        world
            .clock
            .set(instant("2026-12-03T10:00:00Z") + Duration::minutes(i));
        let (event, _, _) = customer_raise();
        let event = event.edit_body(|b| {
            if i % 2 == 1 {
                b["category"] = json!("technical_question");
                b["site_id"] = json!("site-paris-opera");
            }
        });
        raised.push(world.raise_ok(event).await);
    }

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", "3")];
        if let Some(c) = cursor.as_deref() {
            query.push(("cursor", c));
        }
        let answer = world
            .list(&Event::load("list-tickets.customer").with_query(&query))
            .await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        for item in answer.body["items"].as_array().expect("items") {
            seen.push(item["reference"].as_u64().expect("reference"));
        }
        match answer.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut newest_first = raised.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    let answer = world
        .list(&Event::load("list-tickets.staff").with_query(&[
            ("category", "technical_question"),
            ("site_id", "site-paris-opera"),
            ("status", "open"),
            ("next_action", "support"),
            ("stage", "first_line"),
        ]))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let found: HashSet<u64> = answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["reference"].as_u64())
        .collect();
    let expected: HashSet<u64> = raised.iter().copied().skip(1).step_by(2).collect();
    assert_eq!(found, expected);

    let bad = world
        .list(
            &Event::load("list-tickets.staff")
                .with_query(&[("status", "pending"), ("colour", "red")]),
        )
        .await;
    assert_eq!(bad.status, 400);
    let bad = world
        .list(&Event::load("list-tickets.customer").with_query(&[("stage", "first_line")]))
        .await;
    assert_eq!(bad.status, 400);
    let bad = world
        .list(&Event::load("list-tickets.customer").with_query(&[("cursor", "%%%")]))
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test]
async fn six_hundred_long_messages_read_back_whole_in_order() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let reference = world.raise_ok(event).await;
    let author = Person {
        user_id: Some("u-1".into()),
        email: "elodie@galeries-lumiere.example".into(),
        name: "Élodie".into(),
        language: Default::default(),
    };
    // 2 KB of multi-byte French text per message.
    let text = "Données manquantes à l'entrée — capteur réinitialisé ; ".repeat(36);
    let start = instant("2026-12-03T11:00:00Z");
    for i in 0..600 {
        let message = Message {
            id: uuid::Uuid::now_v7().to_string(),
            reference,
            author: author.clone(),
            author_role: if i % 2 == 0 {
                Role::Customer
            } else {
                Role::SecondLine
            },
            visibility: if i % 50 == 49 {
                MessageVisibility::Internal
            } else {
                MessageVisibility::Public
            },
            body: format!("#{i:03} {text}"),
            created_at: start + Duration::seconds(i),
            attachments: Vec::new(),
        };
        world
            .app
            .store
            .append_message(&message)
            .await
            .expect("append");
    }

    for (event, expected) in [
        ("list-messages.staff", 601),
        ("list-messages.customer", 601 - 12),
    ] {
        let mut bodies: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut query = vec![("limit", "200")];
            if let Some(c) = cursor.as_deref() {
                query.push(("cursor", c));
            }
            let answer = world
                .messages(
                    &Event::load(event)
                        .with_reference(&reference.to_string())
                        .with_query(&query),
                )
                .await;
            assert_eq!(answer.status, 200, "{}", answer.body);
            pages += 1;
            bodies.extend(
                answer.body["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .map(|m| m["body"].as_str().unwrap_or_default().to_owned()),
            );
            match answer.body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(bodies.len(), expected, "{event}");
        assert!(pages >= 3, "{event} came in {pages} pages");
        assert!(
            bodies[0].starts_with("Depuis hier"),
            "opening message first"
        );
        let numbers: Vec<&str> = bodies[1..].iter().map(|b| &b[1..4]).collect();
        let mut sorted = numbers.clone();
        sorted.sort();
        assert_eq!(numbers, sorted, "{event}: oldest first");
    }

    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(
        ticket.version, 1,
        "messages never grow or touch the ticket item"
    );
    let _ = Value::Null;
}
