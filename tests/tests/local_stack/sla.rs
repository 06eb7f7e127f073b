//! SLA clocks, breaches and the support stages, with an injected clock (CASES S01–S05): pauses
//! that keep the time left, first responses, re-targeting on category and stage changes, one
//! schedule per running clock, breaches recorded once, the sweep, and both daylight-saving
//! changes of Europe/London.

use serde_json::{Value, json};

use portal::sla_monitor::{self, SlaInput};

use super::{World, as_requester, as_staff, customer_raise, instant};

/// The clock of `kind` as staff see it.
async fn clock(world: &World, reference: u64, kind: &str) -> Value {
    let ticket = world
        .get(&as_staff("get-ticket.staff", reference))
        .await
        .body;
    ticket["clocks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == kind).cloned())
        .unwrap_or(Value::Null)
}

/// The `at()` expression of a clock's schedule, if it exists, and the input it carries.
async fn schedule(world: &World, reference: u64, kind: &str) -> Option<(String, SlaInput)> {
    let out = world.schedule(&format!("sla-{reference}-{kind}")).await?;
    let target = out.target()?;
    assert_eq!(target.arn(), world.app.config.sla_function_arn);
    assert!(
        target.dead_letter_config().is_some(),
        "deliveries that fail are kept"
    );
    assert!(target.retry_policy().is_some());
    let input = serde_json::from_str(target.input()?).expect("the SLA function's input");
    Some((out.schedule_expression()?.to_owned(), input))
}

async fn fire(world: &World, input: SlaInput) -> usize {
    sla_monitor::handle(&world.app, input, 100)
        .await
        .expect("SLA run")
        .breached
}

fn breach_alerts(world: &World, reference: u64) -> usize {
    world
        .stack
        .emails_to(&world.names.support_inbox)
        .into_iter()
        .filter(|m| {
            m.subject()
                .starts_with(&format!("[#{reference}] SLA breached"))
        })
        .count()
}

#[tokio::test]
async fn the_customers_turn_pauses_the_clock_which_resumes_with_the_time_it_had_left() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    // Thursday 3 December 10:00: the category clock has 3 working days (25h30).
    let reference = world.raise_ok(raise.clone()).await;
    let (at, _) = schedule(&world, reference, "category")
        .await
        .expect("scheduled");
    assert_eq!(at, "at(2026-12-08T10:00:00)");

    // At 12:00 support answers and asks something (one request): first response, triage met,
    // and the category clock pauses with 2h used.
    world.at("2026-12-03T12:00:00Z");
    world.post(&as_staff("post-message.staff", reference)).await;
    let category = clock(&world, reference, "category").await;
    assert_eq!(category["state"], "paused");
    assert_eq!(category["used_minutes"], 120);
    assert!(
        schedule(&world, reference, "category").await.is_none(),
        "no schedule while paused"
    );
    assert_eq!(clock(&world, reference, "triage").await["state"], "met");
    assert!(schedule(&world, reference, "triage").await.is_none());

    // Nothing breaches while paused, even at the original deadline.
    world.at("2026-12-08T10:00:01Z");
    assert_eq!(
        sla_monitor::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .breached,
        0
    );
    let stale = SlaInput::One(portal::effects::SlaDeadlineEvent {
        kind: "sla_deadline".into(),
        reference,
        clock: portal::domain::ticket::ClockKind::Category,
        due_at: instant("2026-12-08T10:00:00Z"),
    });
    assert_eq!(fire(&world, stale).await, 0);

    // The customer answers on Tuesday 8 December 12:00, with 23h30 left: due Friday 11
    // December 10:00 (5h30 Tuesday, 8h30 Wednesday, 8h30 Thursday, 1h Friday).
    world.at("2026-12-08T12:00:00Z");
    world
        .post(&as_requester("post-message.customer", &raise, reference))
        .await;
    let category = clock(&world, reference, "category").await;
    assert_eq!(category["state"], "running");
    assert_eq!(category["due_at"], "2026-12-11T10:00:00Z");
    assert_eq!(category["used_minutes"], 120);
    assert_eq!(category["paused_minutes"], 5 * 24 * 60);
    let (at, input) = schedule(&world, reference, "category")
        .await
        .expect("scheduled again");
    assert_eq!(at, "at(2026-12-11T10:00:00)");

    // A minute early nothing happens; on time the breach is recorded once.
    world.at("2026-12-11T09:59:00Z");
    assert_eq!(fire(&world, input_clone(&input)).await, 0);
    world.at("2026-12-11T10:00:00Z");
    assert_eq!(fire(&world, input_clone(&input)).await, 1);
    assert_eq!(
        fire(&world, input).await,
        0,
        "a second delivery does nothing"
    );
    assert_eq!(
        clock(&world, reference, "category").await["state"],
        "breached"
    );
    assert_eq!(breach_alerts(&world, reference), 1);
}

fn input_clone(input: &SlaInput) -> SlaInput {
    input.clone()
}

#[tokio::test]
async fn an_internal_note_is_not_a_response_and_the_breach_alerts_the_owner_and_support() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    world
        .patch(
            &as_staff("update-ticket.staff", reference)
                .with_raw_body(r#"{"owner": "agent.owner@support.example"}"#),
        )
        .await;

    world.at("2026-12-03T10:30:00Z");
    world
        .post(&as_staff("post-message.internal.staff", reference))
        .await;
    let triage = clock(&world, reference, "triage").await;
    assert_eq!(triage["state"], "running");
    assert_eq!(triage["due_at"], "2026-12-04T10:00:00Z");

    let (_, input) = schedule(&world, reference, "triage")
        .await
        .expect("still scheduled");
    world.at("2026-12-04T10:00:00Z");
    assert_eq!(fire(&world, input).await, 1);
    assert_eq!(breach_alerts(&world, reference), 1);
    let owner = world.stack.emails_to("agent.owner@support.example");
    assert_eq!(owner.len(), 1);
    assert!(owner[0].text().contains("triage"));
    // The customer is not told of internal SLA alerts, and sees only the category's due date.
    assert!(
        world
            .stack
            .emails_to(&requester)
            .iter()
            .all(|m| !m.subject().contains("SLA"))
    );
    let view = world
        .get(&as_requester("get-ticket.customer", &raise, reference))
        .await
        .body;
    assert!(view.get("clocks").is_none());
    assert_eq!(view["sla_due_at"], "2026-12-08T10:00:00Z");
}

#[tokio::test]
async fn a_closed_ticket_never_breaches_and_leaves_no_schedule() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let (_, input) = schedule(&world, reference, "triage")
        .await
        .expect("scheduled");

    world.at("2026-12-03T11:00:00Z");
    world
        .closing(&as_requester("close-ticket.customer", &raise, reference))
        .await;
    assert!(schedule(&world, reference, "triage").await.is_none());
    assert!(schedule(&world, reference, "category").await.is_none());

    // Even if the schedule had survived (its delete failed), the function's guard holds.
    world.at("2026-12-04T10:00:01Z");
    assert_eq!(fire(&world, input).await, 0);
    world.at("2026-12-09T10:00:00Z");
    assert_eq!(
        sla_monitor::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .breached,
        0
    );
    assert_eq!(breach_alerts(&world, reference), 0);
    assert_eq!(clock(&world, reference, "triage").await["state"], "stopped");
}

#[tokio::test]
async fn the_sweep_records_a_breach_whose_schedule_was_lost() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    world
        .stack
        .clients
        .scheduler
        .delete_schedule()
        .group_name(&world.names.schedule_group)
        .name(format!("sla-{reference}-triage"))
        .send()
        .await
        .expect("lose the schedule");

    world.at("2026-12-04T09:59:00Z");
    assert_eq!(
        sla_monitor::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .breached,
        0
    );
    world.at("2026-12-04T10:05:00Z");
    let report = sla_monitor::sweep(&world.app, 100).await.expect("sweep");
    assert_eq!(report.breached, 1);
    assert_eq!(breach_alerts(&world, reference), 1);
    let again = sla_monitor::sweep(&world.app, 100).await.expect("sweep");
    assert_eq!(
        again.breached + again.skipped,
        0,
        "a breached clock leaves the index"
    );
}

#[tokio::test]
async fn stages_start_meet_and_retarget_clocks_without_losing_time() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    // The customer has the turn for a day: the category clock keeps 1h used.
    world.at("2026-12-03T11:00:00Z");
    world
        .patch(
            &as_staff("update-ticket.staff", reference)
                .with_raw_body(r#"{"next_action": "customer"}"#),
        )
        .await;
    world.at("2026-12-04T11:00:00Z");
    world
        .patch(
            &as_staff("update-ticket.staff", reference)
                .with_raw_body(r#"{"next_action": "support"}"#),
        )
        .await;

    // A more precise category with a 1-day SLA: 1h used, 7h30 left from Friday 11:00, due
    // Friday 17:30 + 1h = Monday 10:00; the customer is told.
    let answer = world
        .patch(
            &as_staff("update-ticket.category.staff", reference)
                .with_raw_body(r#"{"category": "technical_question"}"#),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let category = clock(&world, reference, "category").await;
    assert_eq!(category["due_at"], "2026-12-07T10:00:00Z");
    assert_eq!(category["used_minutes"], 60);
    assert_eq!(category["paused_minutes"], 24 * 60);
    let told = world
        .stack
        .emails_to(&requester)
        .pop()
        .expect("category e-mail");
    assert!(
        told.subject().contains("Nouvelle catégorie"),
        "{}",
        told.subject()
    );

    // Hand-over to second line: triage met, a 3-day second-line clock starts.
    let answer = world
        .patch(&as_staff("handover.second-line.staff", reference))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.body["stage"], "second_line");
    assert_eq!(answer.body["owner"], "karim.benali@support.example");
    assert_eq!(clock(&world, reference, "triage").await["state"], "met");
    let second = clock(&world, reference, "second_line").await;
    assert_eq!(second["state"], "running");
    assert_eq!(second["due_at"], "2026-12-09T11:00:00Z");
    assert!(schedule(&world, reference, "second_line").await.is_some());

    // Third line with a plan and an ETA: category and second line met, the ETA clock runs.
    world.at("2026-12-07T09:30:00Z");
    let answer = world
        .patch(&as_staff("handover.third-line.staff", reference))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(clock(&world, reference, "category").await["state"], "met");
    assert_eq!(
        clock(&world, reference, "second_line").await["state"],
        "met"
    );
    let eta = clock(&world, reference, "third_line_eta").await;
    assert_eq!(eta["due_at"], "2026-12-18T17:00:00Z");
    let stages = answer.body["stages"].as_array().expect("stages").clone();
    assert_eq!(stages.len(), 3);
    assert_eq!(stages[1]["sla_outcome"], "met");
    assert!(stages[2]["plan"].as_str().is_some_and(|p| !p.is_empty()));

    // A new ETA keeps the old one and the reason.
    let answer = world
        .patch(&as_staff("update-ticket.eta.staff", reference))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let change = &answer.body["stages"][2]["eta_changes"][0];
    assert_eq!(change["from"], "2026-12-18T17:00:00Z");
    assert_eq!(change["to"], "2027-01-08T17:00:00Z");
    assert!(change["reason"].as_str().is_some_and(|r| !r.is_empty()));
    assert_eq!(
        clock(&world, reference, "third_line_eta").await["due_at"],
        "2027-01-08T17:00:00Z"
    );

    // Back to second line: its clock was met and is not started again.
    let back = as_staff("handover.second-line.staff", reference);
    assert_eq!(world.patch(&back).await.status, 200);
    assert_eq!(
        clock(&world, reference, "second_line").await["state"],
        "met"
    );
    assert!(schedule(&world, reference, "second_line").await.is_none());

    // Hand-overs need their fields; staff-only categories need the right role.
    let missing = as_staff("handover.third-line.staff", reference).edit_body(|b| {
        b.as_object_mut().map(|o| o.remove("eta"));
    });
    assert_eq!(world.patch(&missing).await.status, 400);
    let blocker = as_staff("update-ticket.category.staff", reference)
        .with_raw_body(r#"{"category": "accuracy_audit_blocker"}"#);
    assert_eq!(world.patch(&blocker).await.status, 403);
    assert_eq!(
        world
            .patch(&blocker.with_claim("role", "tuning_specialist"))
            .await
            .status,
        200
    );
    let customer = as_requester("handover.second-line.staff", &raise, reference)
        .with_claim("role", "customer")
        .with_claim("account_id", "acc-galeries-lumiere");
    assert_eq!(world.patch(&customer).await.status, 403);
}

#[tokio::test]
async fn deadlines_cross_both_daylight_saving_changes_to_the_minute() {
    for (raised, due, expression) in [
        // Friday 27 March 2026 17:00 GMT: 30 minutes on Friday, 8h on Monday 30 March from
        // 09:00 BST, due 17:00 BST = 16:00 UTC.
        (
            "2026-03-27T17:00:00Z",
            "2026-03-30T16:00:00Z",
            "at(2026-03-30T16:00:00)",
        ),
        // Friday 23 October 2026 17:00 BST (16:00 UTC): due Monday 26 October 17:00 GMT.
        (
            "2026-10-23T16:00:00Z",
            "2026-10-26T17:00:00Z",
            "at(2026-10-26T17:00:00)",
        ),
    ] {
        let world = World::new().await;
        world.at(raised);
        let (raise, _, _) = customer_raise();
        let raise = raise.edit_body(|b| b["occurred_on"] = json!("2026-03-20"));
        let reference = world.raise_ok(raise).await;
        let triage = clock(&world, reference, "triage").await;
        assert_eq!(triage["due_at"], due, "raised {raised}");
        let (at, input) = schedule(&world, reference, "triage")
            .await
            .expect("scheduled");
        assert_eq!(at, expression);

        world.clock.set(instant(due) - chrono::Duration::minutes(1));
        assert_eq!(fire(&world, input.clone()).await, 0, "not a minute early");
        world.at(due);
        assert_eq!(fire(&world, input).await, 1);
    }
}

#[tokio::test]
async fn the_scheduled_inputs_in_events_are_what_the_sla_function_reads() {
    for name in ["sla-deadline", "sla-sweep"] {
        let path = portal_tests::events::events_dir().join(format!("{name}.json"));
        let text = std::fs::read_to_string(path).expect("event file");
        let input: SlaInput = serde_json::from_str(&text).expect("an SLA input");
        match (name, input) {
            ("sla-deadline", SlaInput::One(event)) => assert_eq!(event.reference, 10000),
            ("sla-sweep", SlaInput::Sweep { source }) => assert_eq!(source, "portal.sla-sweep"),
            (name, other) => panic!("{name} read as {other:?}"),
        }
    }
}

/// Found by testing the SLA rules with hostile sequences.
#[tokio::test]
async fn etas_and_category_round_trips_keep_their_deadlines() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    // An ETA outside working hours is due at that instant, not at the end of the working day.
    world.at("2026-12-04T16:00:00Z");
    let third = as_staff("handover.third-line.staff", reference)
        .edit_body(|b| b["eta"] = json!("2026-12-05T12:00:00+00:00"));
    assert_eq!(world.patch(&third).await.status, 200);
    assert_eq!(
        clock(&world, reference, "third_line_eta").await["due_at"],
        "2026-12-05T12:00:00Z"
    );
    world.at("2026-12-04T18:00:00Z");
    assert_eq!(
        sla_monitor::sweep(&world.app, 100)
            .await
            .expect("sweep")
            .breached,
        0
    );

    // Back to second line: the ETA no longer runs; a new hand-over follows the new ETA.
    let second = as_staff("handover.second-line.staff", reference);
    assert_eq!(world.patch(&second).await.status, 200);
    assert_eq!(
        clock(&world, reference, "third_line_eta").await["state"],
        "stopped"
    );
    assert!(
        schedule(&world, reference, "third_line_eta")
            .await
            .is_none()
    );
    let again = as_staff("handover.third-line.staff", reference)
        .edit_body(|b| b["eta"] = json!("2026-12-09T17:30:00+00:00"));
    assert_eq!(world.patch(&again).await.status, 200);
    let eta = clock(&world, reference, "third_line_eta").await;
    assert_eq!(eta["state"], "running");
    assert_eq!(eta["due_at"], "2026-12-09T17:30:00Z");

    // Proposal and reopen: the ETA clock paused and resumes, and its ETA can still move.
    world
        .closing(&as_staff("propose-closure.staff", reference))
        .await;
    assert_eq!(
        clock(&world, reference, "third_line_eta").await["state"],
        "paused"
    );
    world
        .post(&as_requester("post-message.customer", &raise, reference))
        .await;
    assert_eq!(
        clock(&world, reference, "third_line_eta").await["state"],
        "running"
    );
    let moved = world
        .patch(&as_staff("update-ticket.eta.staff", reference))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);

    // A long reason is kept whole in the history; the ticket item keeps a short one.
    let reason = "r".repeat(19_000);
    let long = as_staff("update-ticket.eta.staff", reference).edit_body(move |b| {
        b["eta"] = json!("2027-01-15T17:00:00+00:00");
        b["eta_reason"] = json!(reason);
    });
    let answer = world.patch(&long).await;
    assert_eq!(answer.status, 200);
    let stages = answer.body["stages"].as_array().expect("stages").clone();
    let kept = stages
        .iter()
        .rev()
        .find(|s| s["eta_changes"].is_array())
        .and_then(|s| s["eta_changes"].as_array().and_then(|c| c.last().cloned()))
        .expect("an ETA change");
    assert!(
        kept["reason"]
            .as_str()
            .is_some_and(|r| r.chars().count() <= 280)
    );
}

#[tokio::test]
async fn a_category_without_an_sla_and_back() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    let set = |code: &str, role: &str| {
        as_staff("update-ticket.category.staff", reference)
            .with_claim("role", role)
            .with_raw_body(&format!(r#"{{"category": "{code}"}}"#))
    };
    world.at("2026-12-03T12:00:00Z");
    assert_eq!(
        world
            .patch(&set("accuracy_audit_blocker", "tuning_specialist"))
            .await
            .status,
        200
    );
    assert_eq!(
        clock(&world, reference, "category").await["state"],
        "stopped"
    );
    world.at("2026-12-03T14:00:00Z");
    assert_eq!(
        world
            .patch(&set("data_accuracy", "first_line"))
            .await
            .status,
        200
    );
    let category = clock(&world, reference, "category").await;
    assert_eq!(category["state"], "running");
    assert_eq!(category["used_minutes"], 120);
    // 23h30 left from Thursday 14:00: due Tuesday 8 December 12:00.
    assert_eq!(category["due_at"], "2026-12-08T12:00:00Z");
}

#[tokio::test]
async fn work_done_after_a_deadline_the_monitor_had_not_noticed_is_still_a_breach() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    // Triage was due Friday 10:00; support's first answer comes at 10:03, before any sweep.
    world.at("2026-12-04T10:03:00Z");
    world.post(&as_staff("post-message.staff", reference)).await;
    assert_eq!(
        clock(&world, reference, "triage").await["state"],
        "breached"
    );
    assert_eq!(
        breach_alerts(&world, reference),
        1,
        "alerted like any breach"
    );
    // And the schedule that fires late finds nothing more to do.
    let late = SlaInput::One(portal::effects::SlaDeadlineEvent {
        kind: "sla_deadline".into(),
        reference,
        clock: portal::domain::ticket::ClockKind::Triage,
        due_at: instant("2026-12-04T10:00:00Z"),
    });
    assert_eq!(fire(&world, late).await, 0);
    assert_eq!(breach_alerts(&world, reference), 1);
}

#[tokio::test]
async fn a_clock_paused_after_its_deadline_is_breached_not_paused() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise).await;
    // Triage was due Friday 10:00; at 10:03 staff hand the turn to the customer.
    world.at("2026-12-04T10:03:00Z");
    let turn =
        as_staff("update-ticket.staff", reference).with_raw_body(r#"{"next_action": "customer"}"#);
    assert_eq!(world.patch(&turn).await.status, 200);
    assert_eq!(
        clock(&world, reference, "triage").await["state"],
        "breached"
    );
    assert_eq!(breach_alerts(&world, reference), 1);
}
