//! Returns (RMA), the action box and the management overview: each step of a return, dated,
//! e-mailed in the requester's language and kept; illegal steps refused; a device's history
//! by serial; tasks whose internal comments no customer sees; the overview and its figures.

use serde_json::{Value, json};

use super::{World, as_requester, as_staff, customer_raise};
use portal_tests::events::{Answer, Event};

async fn rma(world: &World, event: &Event) -> Answer {
    Answer::of(portal::api::rmas::handle(&world.app, event.request()).await)
}

async fn tasks(world: &World, event: &Event) -> Answer {
    Answer::of(portal::api::tasks::handle(&world.app, event.request()).await)
}

async fn overview(world: &World, event: &Event) -> Answer {
    Answer::of(portal::api::overview::handle(&world.app, event.request()).await)
}

fn request_rma(raise: &Event, reference: u64) -> Event {
    as_requester("get-ticket.customer", raise, reference)
        .on_route(
            "POST",
            "/tickets/{reference}/rmas",
            &format!("/tickets/{reference}/rmas"),
            &[("reference", &reference.to_string())],
        )
        .with_body(&json!({
            "serial": "PC-4471-0193",
            "fault": "Le capteur redémarre toutes les quelques minutes depuis la coupure.",
            "return_address": "Galeries Lumière, 12 rue de la République, 69002 Lyon",
        }))
}

fn step(reference: u64, id: &str, body: Value) -> Event {
    as_staff("get-ticket.staff", reference)
        .on_route(
            "POST",
            "/tickets/{reference}/rmas/{id}/steps",
            &format!("/tickets/{reference}/rmas/{id}/steps"),
            &[("reference", &reference.to_string()), ("id", id)],
        )
        .with_body(&body)
}

#[tokio::test]
async fn a_return_goes_from_request_to_completion_and_everyone_is_told() {
    let world = World::new().await;
    let (raise, requester, colleague) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;

    let answer = rma(&world, &request_rma(&raise, reference)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    assert_eq!(answer.body["status"], "requested");
    let id = answer.body["id"].as_str().expect("id").to_owned();

    // Straight to approval is refused: support diagnoses remotely first.
    let skip = step(
        reference,
        &id,
        json!({"to": "approved", "carrier": "DHL", "tracking_number": "1Z"}),
    );
    let refused = rma(&world, &skip).await;
    assert_eq!(refused.status, 409);
    assert_eq!(refused.body["code"], "illegal_rma_step");
    assert_eq!(refused.body["current_status"], "requested");

    world.at("2026-12-03T11:00:00Z");
    let diagnosis = step(
        reference,
        &id,
        json!({"to": "remote_diagnosis", "note": "Connexion au capteur.", "internal_note": "ASSESSMENT-7c2: PSU batch"}),
    );
    assert_eq!(rma(&world, &diagnosis).await.status, 200);
    // Approval needs a carrier and a tracking number.
    let incomplete = step(reference, &id, json!({"to": "approved"}));
    assert_eq!(rma(&world, &incomplete).await.status, 400);
    world.at("2026-12-04T09:00:00Z");
    let approve = step(
        reference,
        &id,
        json!({"to": "approved", "carrier": "DHL Express", "tracking_number": "JD014600003828"}),
    );
    assert_eq!(rma(&world, &approve).await.status, 200);
    world.at("2026-12-08T09:00:00Z");
    assert_eq!(
        rma(
            &world,
            &step(reference, &id, json!({"to": "unit_received"}))
        )
        .await
        .status,
        200
    );
    world.at("2026-12-09T09:00:00Z");
    let done = rma(&world, &step(reference, &id, json!({"to": "completed"}))).await;
    assert_eq!(done.status, 200);
    let steps: Vec<_> = done.body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| (s["status"].clone(), s["at"].clone()))
        .collect();
    assert_eq!(steps.len(), 5);
    assert_eq!(steps[2], (json!("approved"), json!("2026-12-04T09:00:00Z")));
    assert_eq!(
        rma(
            &world,
            &step(reference, &id, json!({"to": "unit_received"}))
        )
        .await
        .status,
        409
    );

    // Each step reached the requester and the colleague, in French.
    for address in [&requester, &colleague] {
        let returns: Vec<_> = world
            .stack
            .emails_to(address)
            .into_iter()
            .filter(|m| m.subject().contains("Retour de PC-4471-0193"))
            .collect();
        assert_eq!(returns.len(), 5, "{address}");
        assert!(returns[2].text().contains("DHL Express"));
        assert!(returns[2].text().contains("JD014600003828"));
        for mail in &returns {
            assert!(
                !mail.raw.contains("ASSESSMENT-7c2"),
                "internal assessment e-mailed"
            );
        }
    }

    // The customer reads its return without support's assessment; staff see it.
    let list = as_requester("get-ticket.customer", &raise, reference).on_route(
        "GET",
        "/tickets/{reference}/rmas",
        &format!("/tickets/{reference}/rmas"),
        &[("reference", &reference.to_string())],
    );
    let customer = rma(&world, &list).await;
    assert_eq!(customer.status, 200);
    assert!(!customer.body.to_string().contains("ASSESSMENT-7c2"));
    let stranger = rma(
        &world,
        &list.clone().with_claim("account_id", "acc-rival-chain"),
    )
    .await;
    assert_eq!(stranger.status, 404);

    // The device's service history, by serial, for staff: the ticket and the return.
    let history = as_staff("get-ticket.staff", reference).on_route(
        "GET",
        "/devices/{serial}/history",
        "/devices/PC-4471-0193/history",
        &[("serial", "PC-4471-0193")],
    );
    let answer = rma(&world, &history).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let kinds: Vec<_> = answer.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["kind"].clone())
        .collect();
    assert!(
        kinds.contains(&json!("ticket")) && kinds.contains(&json!("rma")),
        "{kinds:?}"
    );
    assert!(
        answer.body.to_string().contains("ASSESSMENT-7c2"),
        "staff see the assessment"
    );
    let as_customer = history
        .with_claim("role", "customer")
        .with_claim("account_id", "acc-galeries-lumiere");
    assert_eq!(rma(&world, &as_customer).await.status, 403);
}

#[tokio::test]
async fn return_emails_follow_the_requesters_language() {
    let world = World::new().await;
    let (raise, requester, _) = customer_raise();
    let raise = raise.with_claim("locale", "en-GB");
    let reference = world.raise_ok(raise.clone()).await;
    let answer = rma(&world, &request_rma(&raise, reference)).await;
    assert_eq!(answer.status, 201);
    let id = answer.body["id"].as_str().expect("id").to_owned();
    rma(
        &world,
        &step(reference, &id, json!({"to": "remote_diagnosis"})),
    )
    .await;
    let reject = step(
        reference,
        &id,
        json!({"to": "rejected", "reason": "Fixed remotely: firmware restored."}),
    );
    assert_eq!(rma(&world, &reject).await.status, 200);
    let mails: Vec<_> = world
        .stack
        .emails_to(&requester)
        .into_iter()
        .filter(|m| m.subject().contains("Return of PC-4471-0193"))
        .collect();
    assert_eq!(mails.len(), 3);
    assert!(mails[2].text().contains("rejected") && mails[2].text().contains("firmware restored"));
    assert!(mails[2].html().contains("Reason:"));
}

fn task_route(base: Event, reference: u64, method: &str, id: Option<&str>) -> Event {
    let (template, path) = match id {
        Some(id) => (
            "/tickets/{reference}/tasks/{id}".to_owned(),
            format!("/tickets/{reference}/tasks/{id}"),
        ),
        None => (
            "/tickets/{reference}/tasks".to_owned(),
            format!("/tickets/{reference}/tasks"),
        ),
    };
    let reference_text = reference.to_string();
    let mut params = vec![("reference", reference_text.as_str())];
    if let Some(id) = id {
        params.push(("id", id));
    }
    base.on_route(method, &template, &path, &params)
}

#[tokio::test]
async fn tasks_add_up_and_internal_comments_stay_with_staff() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let staff = as_staff("get-ticket.staff", reference);
    let add = |body: Value| task_route(staff.clone(), reference, "POST", None).with_body(&body);

    let first = tasks(&world, &add(json!({"text": "Remote restart", "hours": 1.5, "kind": "support_operation", "due_on": "2026-12-04", "status": "in_progress"}))).await;
    assert_eq!(first.status, 201, "{}", first.body);
    let id = first.body["id"].as_str().expect("id").to_owned();
    let internal = tasks(&world, &add(json!({"text": "TASK-SECRET-91: margin check", "hours": 0.5, "kind": "internal_comment"}))).await;
    assert_eq!(internal.status, 201);
    let bad = tasks(
        &world,
        &add(json!({"text": "x", "hours": -1, "kind": "support_operation"})),
    )
    .await;
    assert_eq!(bad.status, 400);
    let update = task_route(staff.clone(), reference, "PATCH", Some(&id))
        .with_body(&json!({"status": "done", "hours": 2}));
    assert_eq!(tasks(&world, &update).await.body["hours"], 2.0);

    let list_staff = tasks(&world, &task_route(staff.clone(), reference, "GET", None)).await;
    assert_eq!(list_staff.body["total_hours"], 2.5);
    let customer = as_requester("get-ticket.customer", &raise, reference);
    let list_customer = tasks(
        &world,
        &task_route(customer.clone(), reference, "GET", None),
    )
    .await;
    assert_eq!(list_customer.status, 200);
    assert!(!list_customer.body.to_string().contains("TASK-SECRET-91"));
    assert_eq!(list_customer.body["total_hours"], 2.0);
    // Customers do not write tasks; strangers see nothing.
    let attempt = task_route(customer.clone(), reference, "POST", None)
        .with_body(&json!({"text": "x", "kind": "customer_request"}));
    assert_eq!(tasks(&world, &attempt).await.status, 403);
    let stranger = task_route(
        customer.with_claim("account_id", "acc-rival-chain"),
        reference,
        "GET",
        None,
    );
    assert_eq!(tasks(&world, &stranger).await.status, 404);
}

#[tokio::test]
async fn the_overview_lists_what_is_outstanding_and_the_figures_of_a_range() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let open = world.raise_ok(raise.clone()).await;
    let closed = world.raise_ok(customer_raise().0).await;
    let manager = as_staff("get-ticket.staff", open)
        .with_claim("role", "manager")
        .on_route("GET", "/overview", "/overview", &[]);

    // A planned action on the open ticket; the other is answered, proposed and auto-closed.
    let staff = as_staff("get-ticket.staff", open);
    tasks(&world, &task_route(staff, open, "POST", None).with_body(&json!({"text": "Visit the store", "kind": "support_operation", "due_on": "2026-12-10"}))).await;
    world.at("2026-12-03T11:00:00Z");
    world
        .closing(&as_staff("propose-closure.staff", closed))
        .await;
    world.at("2026-12-10T11:00:01Z");
    portal::auto_close::sweep(&world.app, 10)
        .await
        .expect("sweep");
    // The open ticket's triage clock breaches.
    portal::sla_monitor::sweep(&world.app, 10)
        .await
        .expect("sweep");

    let answer = overview(
        &world,
        &manager
            .clone()
            .with_query(&[("from", "2026-12-01"), ("to", "2026-12-31")]),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let outstanding = answer.body["outstanding"].as_array().expect("outstanding");
    let references: Vec<_> = outstanding
        .iter()
        .filter_map(|t| t["reference"].as_u64())
        .collect();
    assert!(references.contains(&open) && !references.contains(&closed));
    let row = outstanding
        .iter()
        .find(|t| t["reference"] == json!(open))
        .expect("row");
    assert_eq!(row["stage"], "first_line");
    assert_eq!(row["next_action"], "support");
    assert_eq!(row["sla_state"], "breached");
    assert_eq!(row["planned_action"]["text"], "Visit the store");

    let figures = &answer.body["figures"];
    assert_eq!(figures["opened"], 2);
    assert_eq!(figures["closed"], 1);
    assert_eq!(figures["closed_automatically"], 1);
    assert_eq!(figures["auto_close_rate"], 1.0);
    assert_eq!(figures["sla"]["triage"]["breached"], 1);
    assert_eq!(figures["sla"]["triage"]["met"], 1);
    assert_eq!(figures["sla"]["category_data_accuracy"]["met"], 1);
    assert_eq!(figures["mean_first_response_minutes"], 60.0);

    // A range with none of these days counts nothing; only managers read it.
    let empty = overview(
        &world,
        &manager
            .clone()
            .with_query(&[("from", "2026-11-01"), ("to", "2026-11-30")]),
    )
    .await;
    assert_eq!(empty.body["figures"]["opened"], 0);
    let bad = overview(
        &world,
        &manager
            .clone()
            .with_query(&[("from", "2026-12-31"), ("to", "2026-12-01")]),
    )
    .await;
    assert_eq!(bad.status, 400);
    let agent = overview(&world, &manager.with_claim("role", "first_line")).await;
    assert_eq!(agent.status, 403);
}

#[tokio::test]
async fn the_event_files_of_returns_tasks_and_the_overview_are_served() {
    let world = World::new().await;
    let (raise, _, _) = customer_raise();
    let reference = world.raise_ok(raise.clone()).await;
    let as_customer = |name: &str| {
        Event::load(name)
            .with_claim("email", &raise.claim("email"))
            .with_claim("sub", &raise.claim("sub"))
            .with_reference(&reference.to_string())
    };
    assert_eq!(
        rma(&world, &as_customer("rma-request.customer"))
            .await
            .status,
        201
    );
    assert_eq!(
        rma(&world, &as_customer("rma-list.customer")).await.status,
        200
    );
    assert_eq!(
        rma(&world, &Event::load("device-history.staff"))
            .await
            .status,
        200
    );
    let created = tasks(&world, &as_staff("task-create.staff", reference)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    let update = as_staff("task-update.staff", reference).with_id(&id);
    assert_eq!(tasks(&world, &update).await.status, 200);
    assert_eq!(
        tasks(&world, &as_customer("task-list.customer"))
            .await
            .status,
        200
    );
    assert_eq!(
        overview(&world, &Event::load("overview.manager"))
            .await
            .status,
        200
    );
}
