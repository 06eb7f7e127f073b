//! The benchmark's instruments (`portal_tests::bench`), checked against the stack: what they
//! count is what was sent, and a replay is the same work without the network.

use std::sync::Arc;
use std::time::Duration;

use portal::App;
use portal::ports::ManualClock;
use portal_tests::LocalStack;
use portal_tests::bench::life::{self, Stage};
use portal_tests::bench::report::CallsRow;
use portal_tests::bench::tape::{Replay, SdkMeter};
use portal_tests::events::Event;

#[tokio::test]
async fn a_raise_is_counted_at_the_sdk_and_replays_to_the_same_answer_offline() {
    let stack = LocalStack::connect().await;
    let stage = Stage::new(&stack, life::start()).await;
    let raise = Event::load("raise-ticket.customer").without_header("idempotency-key");
    let played = stage
        .play(life::Step {
            label: "POST /tickets".into(),
            function: "raise-ticket",
            event: raise.0,
            at: life::start(),
        })
        .await;
    assert_eq!(played.status, 201, "{}", played.body);

    let row = CallsRow::of(&played, &Vec::new());
    assert_eq!(row.dynamodb, 3, "{:?}", row.detail);
    assert_eq!(row.scans, 0);
    assert!(row.ses >= 1, "the raise e-mails someone: {:?}", row.detail);
    assert!(
        played
            .exchanges
            .iter()
            .filter(|e| e.service == "dynamodb" && e.operation != "BatchWriteItem")
            .all(|e| serde_json::from_slice::<serde_json::Value>(&e.response)
                .is_ok_and(|body| body.get("ConsumedCapacity").is_some())),
        "every DynamoDB answer reports the capacity the recorder asked for"
    );

    // Replayed: every answer comes from the tape (the clients' HTTP client is the replay's),
    // twice over, and the handler answers as it did.
    // The meter counts CPU inside the SDK's operations only: some, and less than the whole.
    let replay = Replay::new(&played.exchanges);
    let meter = SdkMeter::default();
    let clients = replay.clients(&stack.clients, Some(&meter));
    let clock = Arc::new(ManualClock::new(life::start()));
    let app = App::new(stack.config(&stage.names), &clients, clock);
    let started = cpu_time::ThreadTime::now();
    for _ in 0..2 {
        replay.rewind();
        let (status, body) = life::invoke(&app, "raise-ticket", &played.step.event).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["reference"], played.body["reference"]);
    }
    let whole = started.elapsed();
    let sdk = meter
        .total()
        .expect("every operation reached its last hook");
    assert!(
        sdk > Duration::ZERO && sdk < whole,
        "SDK {sdk:?} of {whole:?}"
    );
}
