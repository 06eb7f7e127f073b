//! Proposing closure, closing, the customer's answer reopening, and the seven-day
//! auto-close driven by its schedule and by the sweep (CASES S05, S06, S08).

use std::sync::Arc;

use portal::auto_close::{self, AutoCloseInput};
use portal::effects::auto_close_schedule_name;

use super::{World, as_requester, as_staff, customer_raise};

/// The auto-close schedule of a ticket, if it exists, and the input it would deliver.
async fn auto_close_schedule(world: &World, reference: u64) -> Option<(String, AutoCloseInput)> {
    let schedule = world.schedule(&auto_close_schedule_name(reference)).await?;
    let target = schedule.target()?;
    assert_eq!(target.arn(), world.app.config.auto_close_function_arn);
    let input = serde_json::from_str(target.input()?).expect("the input the function reads");
    Some((schedule.schedule_expression()?.to_owned(), input))
}

/// Delivers what the schedule would deliver, as the function would receive it.
async fn fire(world: &World, input: AutoCloseInput) -> usize {
    auto_close::handle(&world.app, input, 100)
        .await
        .expect("auto-close run")
        .closed
}

#[tokio::test]
async fn a_proposal_asks_the_customer_and_closes_seven_days_later() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise).await;

    world.at("2026-12-04T10:00:00Z");
    let answer = world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "proposed_closure");
    assert_eq!(answer.body["stage"], "proposed_closure");
    assert_eq!(answer.body["next_action"], "customer");
    assert_eq!(answer.body["auto_close_at"], "2026-12-11T10:00:00Z");

    let mail = world
        .stack
        .emails_to(&requester)
        .pop()
        .expect("proposal e-mail");
    assert!(
        mail.text().contains("vendredi 11 décembre 2026"),
        "{}",
        mail.text()
    );
    assert_eq!(world.stack.emails_to(&colleague).len(), 2);

    let (expression, input) = auto_close_schedule(&world, reference)
        .await
        .expect("scheduled");
    assert_eq!(expression, "at(2026-12-11T10:00:00)");

    // Not a minute early.
    world.at("2026-12-04T10:01:00Z");
    assert_eq!(fire(&world, input.clone()).await, 0);
    world.at("2026-12-11T09:59:00Z");
    assert_eq!(fire(&world, input.clone()).await, 0);
    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(
        ticket.status,
        portal::domain::ticket::Status::ProposedClosure
    );

    // Just after the seven days it closes, once, with one e-mail, however often it is told.
    world.at("2026-12-11T10:00:01Z");
    assert_eq!(fire(&world, input.clone()).await, 1);
    assert_eq!(fire(&world, input).await, 0);
    let closed = world.get(&as_staff("get-ticket.staff", reference)).await;
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(closed.body["closed_by"], "automatic");
    assert_eq!(closed.body["closed_at"], "2026-12-11T10:00:01Z");
    let closings: Vec<_> = world
        .stack
        .emails_to(&requester)
        .into_iter()
        .filter(|m| m.subject().contains("clôturé"))
        .collect();
    assert_eq!(closings.len(), 1);
    assert!(closings[0].text().contains("sept jours"));
    // Nothing is left to fire for a closed ticket.
    assert!(auto_close_schedule(&world, reference).await.is_none());
    assert!(
        world
            .schedule(&format!("sla-{reference}-triage"))
            .await
            .is_none()
    );
}

#[tokio::test]
async fn proposing_again_restarts_the_seven_days() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    world.at("2026-12-04T10:00:00Z");
    world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    world.at("2026-12-08T15:30:00Z");
    let answer = world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    assert_eq!(answer.body["auto_close_at"], "2026-12-15T15:30:00Z");
    let (expression, input) = auto_close_schedule(&world, reference).await.expect("moved");
    assert_eq!(expression, "at(2026-12-15T15:30:00)");

    // The first proposal's time has passed, but the renewed one has not.
    world.at("2026-12-11T10:00:01Z");
    assert_eq!(fire(&world, input).await, 0);
    world.at("2026-12-11T10:00:01Z");
    assert_eq!(
        auto_close::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .closed,
        0
    );
}

#[tokio::test]
async fn a_customer_answer_reopens_and_cancels_the_automatic_closure() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    world.at("2026-12-04T10:00:00Z");
    world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    let (_, input) = auto_close_schedule(&world, reference)
        .await
        .expect("scheduled");

    world.at("2026-12-07T09:00:00Z");
    let answer = world
        .post(&as_requester("post-message.customer", &raise, reference))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let ticket = world
        .get(&as_staff("get-ticket.staff", reference))
        .await
        .body;
    assert_eq!(ticket["status"], "open");
    assert_eq!(ticket["next_action"], "support");
    assert_eq!(ticket["stage"], "first_line", "back where it was");
    assert!(ticket.get("auto_close_at").is_none());
    assert!(
        auto_close_schedule(&world, reference).await.is_none(),
        "schedule removed"
    );
    let desk = world
        .stack
        .emails_to(&world.names.support_inbox)
        .pop()
        .expect("alert");
    assert!(desk.subject().contains("Reopened"), "{}", desk.subject());

    // A late delivery of the old schedule closes nothing.
    world.at("2026-12-11T10:00:01Z");
    assert_eq!(fire(&world, input).await, 0);
    assert_eq!(
        auto_close::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .closed,
        0
    );
}

#[tokio::test]
async fn the_customer_closes_once_and_closing_again_changes_nothing() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    world.at("2026-12-03T15:00:00Z");
    let close = as_requester("close-ticket.customer", &raise, reference);
    let answer = world.closing(&close).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["status"], "closed");
    assert_eq!(answer.body["closed_by"], "customer");
    let sent = world.stack.emails_to(&requester).len();
    let desk = world.stack.emails_to(&world.names.support_inbox).len();

    world.at("2026-12-03T15:05:00Z");
    // A comment on an already closed ticket could not be kept: refused, not dropped.
    let with_comment = world.closing(&close).await;
    assert_eq!(with_comment.status, 409);
    assert_eq!(with_comment.body["code"], "ticket_closed");
    let again = world.closing(&close.clone().with_raw_body("")).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["closed_at"], "2026-12-03T15:00:00Z");
    assert_eq!(world.stack.emails_to(&requester).len(), sent);
    assert_eq!(
        world.stack.emails_to(&world.names.support_inbox).len(),
        desk
    );
    let ticket = world
        .app
        .store
        .ticket(reference)
        .await
        .expect("read")
        .expect("ticket");
    assert_eq!(ticket.version, 2);

    // Proposing closure of a closed ticket is refused.
    let answer = world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    assert_eq!(answer.status, 409);
    // Only staff propose.
    let customer = as_requester("propose-closure.staff", &raise, reference)
        .with_claim("role", "customer")
        .with_claim("account_id", "acc-galeries-lumiere");
    assert_eq!(world.closing(&customer).await.status, 403);
}

#[tokio::test]
async fn the_sweep_closes_what_a_lost_schedule_left_open() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    world.at("2026-12-04T10:00:00Z");
    world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    world
        .stack
        .clients
        .scheduler
        .delete_schedule()
        .group_name(&world.names.schedule_group)
        .name(auto_close_schedule_name(reference))
        .send()
        .await
        .expect("lose the schedule");

    world.at("2026-12-11T10:00:00Z");
    let report = auto_close::sweep(&world.app, 100).await.expect("sweep");
    assert_eq!(report.closed, 1);
    let again = auto_close::sweep(&world.app, 100).await.expect("sweep");
    assert_eq!(
        again.closed + again.skipped,
        0,
        "closed tickets leave the index"
    );
    let closings = world
        .stack
        .emails_to(&requester)
        .into_iter()
        .filter(|m| m.subject().contains("clôturé"))
        .count();
    assert_eq!(closings, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_racing_the_auto_close_leaves_one_consistent_outcome() {
    for round in 0..3 {
        let world = Arc::new(World::new().await);
        let (raise, requester, _) = customer_raise();
        let reference = world.raise_ok(raise.clone()).await;
        world.at("2026-12-04T10:00:00Z");
        world
            .closing(&as_staff("propose-closure.staff", reference))
            .await;
        let (_, input) = auto_close_schedule(&world, reference)
            .await
            .expect("scheduled");
        world.at("2026-12-11T10:00:00Z");

        let reply = {
            let world = world.clone();
            let event = as_requester("post-message.customer", &raise, reference);
            tokio::spawn(async move { world.post(&event).await })
        };
        let close = {
            let world = world.clone();
            tokio::spawn(async move { fire(&world, input).await })
        };
        let reply = reply.await.expect("reply");
        let closed = close.await.expect("auto-close");

        let ticket = world
            .app
            .store
            .ticket(reference)
            .await
            .expect("read")
            .expect("ticket");
        let page = world
            .app
            .store
            .messages(reference, true, None, 50)
            .await
            .expect("messages");
        let closings = world
            .stack
            .emails_to(&requester)
            .into_iter()
            .filter(|m| m.subject().contains("clôturé"))
            .count();
        if reply.status == 201 {
            // The reply won: open again, never closed, and its message is there.
            assert_eq!(closed, 0, "round {round}");
            assert_eq!(ticket.status, portal::domain::ticket::Status::Open);
            assert_eq!(page.items.len(), 3);
            assert_eq!(closings, 0);
        } else {
            // The closure won: the reply was refused and nothing of it was stored.
            assert_eq!(reply.status, 409, "round {round}: {}", reply.body);
            assert_eq!(closed, 1);
            assert_eq!(ticket.status, portal::domain::ticket::Status::Closed);
            assert_eq!(page.items.len(), 2);
            assert_eq!(closings, 1);
        }
    }
}

#[tokio::test]
async fn the_scheduled_inputs_in_events_are_what_the_function_reads() {
    for name in ["auto-close", "auto-close-sweep"] {
        let path = portal_tests::events::events_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(path).expect("event file");
        let input: AutoCloseInput = serde_json::from_str(&text).expect("an auto-close input");
        match (name, input) {
            ("auto-close", AutoCloseInput::One(event)) => assert_eq!(event.reference, 10000),
            ("auto-close-sweep", AutoCloseInput::Sweep { source }) => {
                assert_eq!(source, "portal.auto-close-sweep");
            }
            (name, other) => panic!("{name} read as {other:?}"),
        }
    }
}
