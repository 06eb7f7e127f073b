//! CASES S10: a customer sees its own account's tickets, a reseller those of the accounts it
//! manages, staff all. Another account's ticket is a 404 by reference, in lists and in every
//! sub-resource, and customers never see staff-only details.

use serde_json::json;

use super::{World, customer_raise};
use portal::domain::identity::Role;
use portal::domain::ticket::{Message, MessageVisibility, Person};
use portal_tests::events::Event;

#[tokio::test]
async fn another_accounts_ticket_does_not_exist_for_you() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let reference = world.raise_ok(event).await.to_string();

    let stranger = |name: &str| {
        Event::load(name)
            .with_claim("account_id", "acc-rival-chain")
            .with_claim("email", "spy@rival.example")
            .with_reference(&reference)
    };
    let own = world
        .get(&Event::load("get-ticket.customer").with_reference(&reference))
        .await;
    assert_eq!(own.status, 200);

    let answer = world.get(&stranger("get-ticket.customer")).await;
    assert_eq!(answer.status, 404);
    let unknown = world
        .get(&Event::load("get-ticket.customer").with_reference("99999999"))
        .await;
    // The stranger's answer is the same as for a reference that does not exist.
    assert_eq!(answer.body["title"], unknown.body["title"]);
    assert_eq!(unknown.status, 404);

    let answer = world.messages(&stranger("list-messages.customer")).await;
    assert_eq!(answer.status, 404);

    let list = world
        .list(
            &Event::load("list-tickets.customer")
                .with_claim("account_id", "acc-rival-chain")
                .with_query(&[]),
        )
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body["items"], json!([]));

    // Forging the account in the query does not widen the list.
    let forged = Event::load("list-tickets.customer")
        .with_claim("account_id", "acc-rival-chain")
        .with_query(&[("account_id", "acc-galeries-lumiere")]);
    assert_eq!(world.list(&forged).await.status, 403);

    let anonymous = Event::load("get-ticket.customer")
        .with_reference(&reference)
        .anonymous();
    assert_eq!(world.get(&anonymous).await.status, 401);
    let not_a_reference = Event::load("get-ticket.customer").with_reference("abc");
    assert_eq!(world.get(&not_a_reference).await.status, 404);
}

#[tokio::test]
async fn resellers_see_the_accounts_they_manage_and_staff_see_all() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let reference = world.raise_ok(event).await.to_string();

    let reseller = Event::load("list-tickets.reseller");
    let get = |claims: &Event| {
        Event::load("get-ticket.customer")
            .with_claim("role", "reseller")
            .without_claim("account_id")
            .with_claim("managed_account_ids", &claims.claim("managed_account_ids"))
            .with_reference(&reference)
    };
    assert_eq!(world.get(&get(&reseller)).await.status, 200);
    let other = reseller
        .clone()
        .with_claim("managed_account_ids", "[acc-elsewhere]");
    assert_eq!(world.get(&get(&other)).await.status, 404);

    let staff = world
        .get(&Event::load("get-ticket.staff").with_reference(&reference))
        .await;
    assert_eq!(staff.status, 200);
    assert_eq!(staff.body["stage"], "first_line");
    assert!(
        staff.body["clocks"]
            .as_array()
            .is_some_and(|c| c.len() == 2)
    );
}

#[tokio::test]
async fn customers_never_see_internal_notes_or_staff_details() {
    let world = World::new().await;
    let (event, _, _) = customer_raise();
    let reference = world.raise_ok(event).await;
    let note = Message {
        id: uuid::Uuid::now_v7().to_string(),
        reference,
        author: Person {
            user_id: Some("agent-1".into()),
            email: "agent@support.example".into(),
            name: "Agent".into(),
            language: Default::default(),
        },
        author_role: Role::SecondLine,
        visibility: MessageVisibility::Internal,
        body: "INTERNAL-MARKER-7f3a: customer is on the old firmware".into(),
        created_at: super::instant("2026-12-03T11:00:00Z"),
        attachments: Vec::new(),
    };
    world
        .app
        .store
        .append_message(&note)
        .await
        .expect("store the note");

    let customer = world
        .messages(&Event::load("list-messages.customer").with_reference(&reference.to_string()))
        .await;
    assert_eq!(customer.status, 200);
    assert!(!customer.body.to_string().contains("INTERNAL-MARKER-7f3a"));
    assert!(customer.body["items"][0].get("visibility").is_none());

    let staff = world
        .messages(&Event::load("list-messages.staff").with_reference(&reference.to_string()))
        .await;
    assert!(staff.body.to_string().contains("INTERNAL-MARKER-7f3a"));

    let ticket = world
        .get(&Event::load("get-ticket.customer").with_reference(&reference.to_string()))
        .await;
    for staff_only in ["stage", "owner", "clocks", "raised_by", "version"] {
        assert!(
            ticket.body.get(staff_only).is_none(),
            "{staff_only} shown to a customer"
        );
    }
}
