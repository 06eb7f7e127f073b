//! Side effects are never lost: when SES refuses a raise's e-mails, the raise still succeeds,
//! the need is kept with the ticket, and the outbox dispatcher sends them once SES accepts.

use chrono::Duration;

use super::{World, customer_raise, instant};

#[tokio::test]
async fn emails_refused_by_ses_go_out_on_a_later_dispatch() {
    // The sender is not verified yet: SES rejects every message.
    let world = World::with_sender(false).await;
    let (event, requester, colleague) = customer_raise();
    let reference = world.raise_ok(event).await;

    assert!(world.stack.emails_to(&requester).is_empty());
    let later = instant(super::NOW) + Duration::minutes(5);
    let pending = world
        .app
        .store
        .due_effects(later, 100)
        .await
        .expect("pending effects");
    assert_eq!(
        pending.len(),
        3,
        "three e-mails wait; the schedule was created"
    );
    assert!(pending.iter().all(|p| p.reference == reference));

    // A dispatch too early does nothing: the inline attempt has its grace period.
    let report = portal::effects::dispatch_due(&world.app, 100)
        .await
        .expect("dispatch");
    assert_eq!((report.delivered, report.failed), (0, 0));

    // Still refused: each failure is recorded and pushed back.
    world.clock.set(later);
    let report = portal::effects::dispatch_due(&world.app, 100)
        .await
        .expect("dispatch");
    assert_eq!((report.delivered, report.failed), (0, 3));
    let retry = world
        .app
        .store
        .due_effects(later + Duration::minutes(2), 100)
        .await
        .expect("pending");
    assert_eq!(retry.len(), 3);
    assert!(retry.iter().all(|p| p.attempts == 1));

    // SES accepts now.
    world.stack.verify_sender(&world.names).await;
    world.clock.set(later + Duration::minutes(2));
    let report = portal::effects::dispatch_due(&world.app, 100)
        .await
        .expect("dispatch");
    assert_eq!((report.delivered, report.failed), (3, 0));
    assert_eq!(world.stack.emails_to(&requester).len(), 1);
    assert_eq!(world.stack.emails_to(&colleague).len(), 1);
    assert_eq!(world.stack.emails_to(&world.names.support_inbox).len(), 1);
    let ack = &world.stack.emails_to(&requester)[0];
    assert!(ack.subject().contains(&reference.to_string()));

    // Done is done: nothing left, nothing sent twice.
    world.clock.set(later + Duration::hours(2));
    let report = portal::effects::dispatch_due(&world.app, 100)
        .await
        .expect("dispatch");
    assert_eq!((report.delivered, report.failed), (0, 0));
    assert_eq!(world.stack.emails_to(&requester).len(), 1);
}

#[tokio::test]
async fn a_schedule_the_scheduler_refused_is_created_later() {
    let world = World::new().await;
    // The schedule group does not exist yet: the scheduler refuses the triage schedule.
    world
        .stack
        .clients
        .scheduler
        .delete_schedule_group()
        .name(&world.names.schedule_group)
        .send()
        .await
        .expect("remove the group");
    let (event, requester, _) = customer_raise();
    let reference = world.raise_ok(event).await;
    assert_eq!(
        world.stack.emails_to(&requester).len(),
        1,
        "e-mails did not wait"
    );

    world
        .stack
        .clients
        .scheduler
        .create_schedule_group()
        .name(&world.names.schedule_group)
        .send()
        .await
        .expect("restore the group");
    world.clock.set(instant(super::NOW) + Duration::minutes(3));
    let report = portal::effects::dispatch_due(&world.app, 100)
        .await
        .expect("dispatch");
    assert_eq!(
        (report.delivered, report.failed),
        (2, 0),
        "the triage and category schedules"
    );
    let schedule = world.triage_schedule(reference).await;
    assert_eq!(
        schedule.schedule_expression(),
        Some("at(2026-12-04T10:00:00)")
    );
}
