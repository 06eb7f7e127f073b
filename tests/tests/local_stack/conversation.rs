//! Replies, internal notes, whose turn it is, the first response, status changes and
//! concurrent writers (issue: conversation and status changes; CASES S07, S08, S12).

use std::sync::Arc;

use serde_json::json;

use super::{World, as_requester, as_staff, customer_raise};
use portal_tests::events::Event;

#[tokio::test]
async fn a_customer_reply_makes_it_supports_turn_and_tells_everyone_else() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");

    world.at("2026-12-03T11:00:00Z");
    let reply = as_requester("post-message.customer", &raise, reference);
    let answer = world.post(&reply).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["ticket"]["next_action"], "support");
    assert_eq!(answer.body["message"]["from"], "customer");

    // The colleague and support hear of it; the author does not get her own words back.
    assert_eq!(
        world.stack.emails_to(&requester).len(),
        1,
        "only the raise acknowledgement"
    );
    let copy = world.stack.emails_to(&colleague);
    assert_eq!(copy.len(), 2);
    assert!(
        copy[1]
            .subject()
            .starts_with(&format!("[#{reference}] Nouveau message"))
    );
    assert_eq!(
        copy[1].header_lines("Auto-Submitted"),
        vec!["Auto-Submitted: auto-generated"]
    );
    let desk = world.stack.emails_to(&world.names.support_inbox);
    assert_eq!(desk.len(), 2);
    assert!(desk[1].subject().contains("Customer reply"));
}

#[tokio::test]
async fn the_first_public_staff_reply_is_the_first_response_and_can_ask_the_customer() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    // An internal note is not a response.
    world.at("2026-12-03T10:30:00Z");
    let note = world
        .post(&as_staff("post-message.internal.staff", reference))
        .await;
    assert_eq!(note.status, 201, "{}", note.body);
    assert!(note.body["ticket"]["first_response_at"].is_null());

    world.at("2026-12-03T11:00:00Z");
    let answer = world.post(&as_staff("post-message.staff", reference)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["ticket"]["next_action"], "customer");
    assert_eq!(
        answer.body["ticket"]["first_response_at"],
        "2026-12-03T11:00:00Z"
    );
    let clocks = answer.body["ticket"]["clocks"]
        .as_array()
        .expect("clocks")
        .clone();
    let triage = clocks
        .iter()
        .find(|c| c["kind"] == "triage")
        .expect("triage");
    assert_eq!(triage["state"], "met");
    let gone = world.schedule(&format!("sla-{reference}-triage")).await;
    assert!(gone.is_none(), "the met clock's schedule is removed");

    // Requester and colleague each get the reply.
    assert_eq!(world.stack.emails_to(&requester).len(), 2);
    assert_eq!(world.stack.emails_to(&colleague).len(), 2);
    let reply = &world.stack.emails_to(&requester)[1];
    assert!(reply.text().contains("power-cycle") || reply.text().contains("Support"));

    // A later reply never moves the first response.
    world.at("2026-12-03T12:00:00Z");
    let later = world
        .post(
            &as_staff("post-message.staff", reference)
                .edit_body(|b| b["asks_customer"] = json!(false)),
        )
        .await;
    assert_eq!(
        later.body["ticket"]["first_response_at"],
        "2026-12-03T11:00:00Z"
    );
    assert_eq!(later.body["ticket"]["next_action"], "customer", "unchanged");
}

#[tokio::test]
async fn a_colleague_in_copy_replies_without_becoming_the_requester() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let reply = as_requester("post-message.customer", &raise, reference)
        .with_claim("email", &colleague)
        .with_claim("name", "Julien Roux")
        .with_claim("sub", "julien-sub");
    let answer = world.post(&reply).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(
        answer.body["ticket"]["requester"]["email"],
        json!(requester)
    );
    assert_eq!(
        world.stack.emails_to(&requester).len(),
        2,
        "the requester hears of it"
    );
    assert_eq!(
        world.stack.emails_to(&colleague).len(),
        1,
        "not his own words back"
    );
}

#[tokio::test]
async fn internal_notes_never_reach_the_customer_side() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let marker = "MARKER-internal-5d1c";
    let note = as_staff("post-message.internal.staff", reference)
        .edit_body(|b| b["body"] = json!(format!("{marker}: old firmware")));
    assert_eq!(world.post(&note).await.status, 201);
    world.post(&as_staff("post-message.staff", reference)).await;

    for address in [&requester, &colleague] {
        for email in world.stack.emails_to(address) {
            assert!(!email.raw.contains(marker) && !email.text().contains(marker));
        }
        assert_eq!(
            world.stack.emails_to(address).len(),
            2,
            "the ack and the public reply"
        );
    }
    let listed = world
        .messages(&as_requester("list-messages.customer", &raise, reference))
        .await;
    assert!(!listed.body.to_string().contains(marker));

    // A customer cannot write one.
    let attempt = as_requester("post-message.customer", &raise, reference)
        .edit_body(|b| b["visibility"] = json!("internal"));
    assert_eq!(world.post(&attempt).await.status, 403);
    let attempt = as_requester("post-message.customer", &raise, reference)
        .edit_body(|b| b["next_action"] = json!("customer"));
    assert_eq!(world.post(&attempt).await.status, 400);
}

#[tokio::test]
async fn strangers_cannot_write_on_or_change_a_ticket() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let stranger = |name: &str| {
        as_requester(name, &raise, reference).with_claim("account_id", "acc-rival-chain")
    };
    assert_eq!(
        world.post(&stranger("post-message.customer")).await.status,
        404
    );
    assert_eq!(
        world
            .closing(&stranger("close-ticket.customer"))
            .await
            .status,
        404
    );
    let customer_patch = as_requester("update-ticket.staff", &raise, reference)
        .with_claim("role", "customer")
        .with_claim("account_id", "acc-galeries-lumiere");
    assert_eq!(world.patch(&customer_patch).await.status, 403);
}

#[tokio::test]
async fn status_changes_follow_the_legal_transitions_and_tell_the_customer() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    let answer = world
        .patch(&as_staff("update-ticket.staff", reference))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "reverification_approved");
    let mail = &world.stack.emails_to(&requester)[1];
    assert!(
        mail.subject().contains("revérification approuvée"),
        "{}",
        mail.subject()
    );
    assert_eq!(world.stack.emails_to(&colleague).len(), 2);

    // Setting the same status again changes nothing and sends nothing; a comment with it
    // would be lost, so it is refused.
    let with_comment = world
        .patch(&as_staff("update-ticket.staff", reference))
        .await;
    assert_eq!(with_comment.status, 400);
    assert_eq!(super::error_fields(&with_comment.body), vec!["comment"]);
    let again = world
        .patch(
            &as_staff("update-ticket.staff", reference)
                .with_raw_body(r#"{"status": "reverification_approved"}"#),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["version"], answer.body["version"]);
    assert_eq!(world.stack.emails_to(&requester).len(), 2);

    // Closing goes through its own operation, not a status edit.
    let sideways =
        as_staff("update-ticket.staff", reference).edit_body(|b| b["status"] = json!("closed"));
    assert_eq!(world.patch(&sideways).await.status, 400);

    // From proposed closure, only back to open.
    world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    let illegal = as_staff("update-ticket.staff", reference)
        .edit_body(|b| b["status"] = json!("hard_to_tune"));
    let answer = world.patch(&illegal).await;
    assert_eq!(answer.status, 409, "{}", answer.body);
    assert_eq!(answer.body["code"], "illegal_transition");
    assert_eq!(answer.body["current_status"], "proposed_closure");

    // A closed ticket stays closed.
    world
        .closing(&as_requester("close-ticket.customer", &raise, reference))
        .await;
    let reopen =
        as_staff("update-ticket.staff", reference).edit_body(|b| b["status"] = json!("open"));
    let answer = world.patch(&reopen).await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.body["code"], "ticket_closed");
}

#[tokio::test]
async fn staff_can_hand_the_turn_back_and_forth() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    let turn =
        as_staff("update-ticket.staff", reference).with_raw_body(r#"{"next_action": "customer"}"#);
    let answer = world.patch(&turn).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["next_action"], "customer");
    assert_eq!(answer.body["status"], "open");
}

#[tokio::test]
async fn a_closed_ticket_takes_no_message() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    world
        .closing(&as_requester("close-ticket.customer", &raise, reference))
        .await;
    let before = world.stack.emails_to(&requester).len();

    let answer = world
        .post(&as_requester("post-message.customer", &raise, reference))
        .await;
    assert_eq!(answer.status, 409);
    assert_eq!(answer.body["code"], "ticket_closed");
    assert!(
        answer.body["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("follows_up")
    );
    assert_eq!(
        world.stack.emails_to(&requester).len(),
        before,
        "nothing sent"
    );
    let page = world
        .app
        .store
        .messages(reference, true, None, 50)
        .await
        .expect("messages");
    assert_eq!(
        page.items.len(),
        2,
        "the opening message and the closing comment only"
    );

    // The follow-up is a new ticket that names it.
    let follow_up = raise.edit_body(|b| b["follows_up"] = json!(reference));
    assert_eq!(world.raise(&follow_up).await.status, 201);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replies_at_the_same_instant_both_survive() {
    let world = Arc::new(World::new().await);
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let mut replies = tokio::task::JoinSet::new();
    for i in 0..4 {
        let world = world.clone();
        let event: Event = if i % 2 == 0 {
            as_requester("post-message.customer", &raise, reference)
        } else {
            as_staff("post-message.staff", reference)
        }
        .edit_body(|b| b["body"] = json!(format!("reply number {i}")));
        replies.spawn(async move { world.post(&event).await.status });
    }
    let statuses = replies.join_all().await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let page = world
        .app
        .store
        .messages(reference, true, None, 50)
        .await
        .expect("messages");
    assert_eq!(page.items.len(), 5);
    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(
        ticket.version, 5,
        "each reply wrote on the version before it"
    );
}

/// Found by hostile-input testing of the change routes.
#[tokio::test]
async fn malformed_or_lossy_change_requests_are_refused() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    // Only one JSON object is a body: trailing text, a second object or an array is not.
    for body in [
        r#"{} x"#,
        r#"{"body":"first"}{"body":"second"}"#,
        r#"["array form"]"#,
    ] {
        let event = as_requester("post-message.customer", &raise, reference).with_raw_body(body);
        let answer = world.post(&event).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert_eq!(answer.body["code"], "invalid_json");
    }
    let close = as_requester("close-ticket.customer", &raise, reference).with_raw_body("{} x");
    assert_eq!(world.closing(&close).await.status, 400);

    // Nothing visible is not a message.
    for blank in ["\u{2800}", "\u{3164}", "\u{00AD}"] {
        let event = as_requester("post-message.customer", &raise, reference)
            .edit_body(|b| b["body"] = json!(blank));
        assert_eq!(world.post(&event).await.status, 400, "{blank:?}");
    }

    // An internal note cannot ask the customer anything.
    let note = as_staff("post-message.internal.staff", reference)
        .edit_body(|b| b["asks_customer"] = json!(true));
    assert_eq!(world.post(&note).await.status, 400);

    // A comment with no status change would be lost.
    let turn = as_staff("update-ticket.staff", reference)
        .with_raw_body(r#"{"next_action": "customer", "comment": "over to you"}"#);
    assert_eq!(world.patch(&turn).await.status, 400);

    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(ticket.version, 1, "nothing above changed the ticket");
}

#[tokio::test]
async fn a_long_reply_to_many_people_quotes_an_excerpt() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let many: Vec<String> = (0..20).map(|i| super::address(&format!("cc{i}"))).collect();
    let raise = raise.edit_body(|b| b["cc"] = json!(many.clone()));
    let reference = world.raise_ok(raise.clone()).await;
    let reply = as_requester("post-message.customer", &raise, reference)
        .edit_body(|b| b["body"] = json!("😀".repeat(20_000)));
    let answer = world.post(&reply).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let mail = world.stack.emails_to(&many[0]).pop().expect("reply e-mail");
    assert!(
        mail.raw.len() < 64 * 1024,
        "an excerpt, not the whole reply"
    );
    assert!(mail.text().contains('…'));
    let page = world
        .app
        .store
        .messages(reference, true, None, 10)
        .await
        .expect("messages");
    assert_eq!(
        page.items[1].body.chars().count(),
        20_000,
        "the message itself is whole"
    );
}
