//! The benchmarks, in one run: `infra/local/bench.sh` builds the release binaries, starts the
//! local stack and runs this (`cargo bench -p portal-tests --bench portal`). It prints the
//! tables and writes them to `target/bench/report.json`. It reports figures; it fails only if
//! it cannot measure at all.
//!
//! Settings, all optional (the script sets them):
//! - `BENCH_ARM64_DIR`: where cargo-lambda put the arm64 builds (`<name>/bootstrap`);
//! - `BENCH_NATIVE_DIR`: native release builds of the same binaries, for the processes;
//! - `BENCH_SCALE`: stored-ticket counts for the sweeps, comma-separated (`1000,10000,100000`);
//! - `BENCH_QUICK=1`: shorter measurements, for trying the benchmark out;
//! - `BENCH_PARTS`: which parts to run, comma-separated, of `handlers`, `sizes`, `processes`,
//!   `scale` (all by default; the AWS requests and the cost are always there).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use criterion::Criterion;
use portal::App;
use portal::adapters::AwsClients;
use portal::ports::ManualClock;
use portal_tests::LocalStack;
use portal_tests::bench::capacity::Indexes;
use portal_tests::bench::life::{self, Played, Stage};
use portal_tests::bench::processes::{self, median};
use portal_tests::bench::report::{
    self, CallsRow, HandlerRow, Prices, ProcessRow, Report, SizeRow, StartupRow,
};
use portal_tests::bench::scale;
use portal_tests::bench::tape::{Replay, SdkMeter};
use portal_tests::events::Event;
use serde_json::Value;

/// The binaries measured: every function, and the floor.
const HELLO: &str = "hello-world";

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The parts that `BENCH_PARTS` can name.
const PARTS: [&str; 4] = ["handlers", "sizes", "processes", "scale"];

/// The benchmark's settings, read from the environment once; a value that cannot be read
/// stops the run before anything is measured, with a message that names it.
struct Settings {
    quick: bool,
    parts: Vec<String>,
    scale: Vec<usize>,
}

impl Settings {
    fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let quick = match var("BENCH_QUICK").as_deref().map(str::trim) {
            None | Some("0") => false,
            Some("1") => true,
            Some(other) => return Err(format!("BENCH_QUICK is '{other}': use 1 or 0")),
        };
        let parts = match var("BENCH_PARTS") {
            None => PARTS.map(str::to_owned).to_vec(),
            Some(list) => list
                .split(',')
                .map(|p| {
                    let p = p.trim();
                    if PARTS.contains(&p) {
                        Ok(p.to_owned())
                    } else {
                        Err(format!(
                            "BENCH_PARTS names '{p}', which is not a part: use any of {}",
                            PARTS.join(", ")
                        ))
                    }
                })
                .collect::<Result<_, _>>()?,
        };
        let scale = match var("BENCH_SCALE") {
            None => vec![1_000, 10_000, 100_000],
            Some(list) => list
                .split(',')
                .map(|n| match n.trim().parse::<usize>() {
                    // 1% of the stored tickets are due: fewer than 100 would leave none.
                    Ok(n) if n >= 100 => Ok(n),
                    _ => Err(format!(
                        "BENCH_SCALE holds '{}': each entry is a number of stored tickets, \
                         at least 100 (1% of them are due), as in 1000,10000,100000",
                        n.trim()
                    )),
                })
                .collect::<Result<_, _>>()?,
        };
        Ok(Self {
            quick,
            parts,
            scale,
        })
    }

    /// Whether a part of the benchmark is to run.
    fn wanted(&self, part: &str) -> bool {
        self.parts.iter().any(|p| p == part)
    }
}

fn main() {
    let settings = Settings::from_env().unwrap_or_else(|problem| {
        eprintln!("benchmark settings: {problem}");
        std::process::exit(2);
    });
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let stack = runtime.block_on(LocalStack::connect());
    let mut skipped = Vec::new();

    eprintln!("==> playing a ticket's life through every function, recording AWS requests");
    let stage = runtime.block_on(Stage::new(&stack, life::start()));
    let played = runtime.block_on(life::play(&stage));
    let indexes = runtime.block_on(table_indexes(&stack, &stage.names.table));
    let calls: Vec<CallsRow> = played.iter().map(|p| CallsRow::of(p, &indexes)).collect();

    eprintln!("==> handler CPU with AWS answered in-process (criterion)");
    let mut criterion = Criterion::default()
        .output_directory(&repository().join("target/bench/criterion"))
        .without_plots()
        .sample_size(if settings.quick { 10 } else { 30 })
        .warm_up_time(Duration::from_millis(if settings.quick {
            100
        } else {
            500
        }))
        .measurement_time(Duration::from_millis(if settings.quick {
            300
        } else {
            2000
        }));
    let (handlers, startup, sdk_get_item_us) = if settings.wanted("handlers") {
        // One thread runs everything timed in process, as one Lambda invocation does.
        let in_process = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime");
        (
            handler_cpu(&mut criterion, &in_process, &stack, &stage, &played),
            startup_cost(&mut criterion, &in_process),
            sdk_floor(&mut criterion, &in_process, &stack, &stage, &played),
        )
    } else {
        skipped.push("handler CPU (not in BENCH_PARTS)".into());
        (Vec::new(), StartupRow::default(), None)
    };

    let sizes = match std::env::var_os("BENCH_ARM64_DIR").filter(|_| settings.wanted("sizes")) {
        Some(dir) => {
            let rows = sizes(Path::new(&dir));
            if !rows.iter().any(|r| r.function == HELLO) {
                skipped.push(format!(
                    "sizes: no hello-world build in {}",
                    Path::new(&dir).display()
                ));
            }
            rows
        }
        None => {
            skipped.push("sizes (BENCH_ARM64_DIR not set, or not in BENCH_PARTS)".into());
            Vec::new()
        }
    };

    let processes = match std::env::var_os("BENCH_NATIVE_DIR")
        .filter(|_| settings.wanted("processes"))
    {
        Some(dir) => {
            eprintln!("==> cold starts, invocations and memory of each binary");
            let runs = if settings.quick { (3, 20) } else { (30, 200) };
            runtime.block_on(run_processes(
                Path::new(&dir),
                runs,
                &stack,
                &stage,
                &played,
            ))
        }
        None => {
            skipped.push(
                "cold start and memory (BENCH_NATIVE_DIR not set, or not in BENCH_PARTS)".into(),
            );
            Vec::new()
        }
    };

    let scale = if settings.wanted("scale") {
        match runtime.block_on(scale::run(&stack, &settings.scale)) {
            Ok(rows) => rows,
            Err(e) => {
                skipped.push(format!("sweeps at scale: {e}"));
                Vec::new()
            }
        }
    } else {
        skipped.push("sweeps at scale (not in BENCH_PARTS)".into());
        Vec::new()
    };

    let prices: Prices = serde_json::from_str(
        &std::fs::read_to_string(repository().join("tests/benches/prices.json"))
            .expect("tests/benches/prices.json"),
    )
    .expect("prices.json has every price");
    let declared = life_attachment_size(&played);
    let cost = report::cost(
        &played,
        &handlers,
        &indexes,
        &prices,
        lambda_memory_mb(),
        declared,
    );

    let mut report = Report {
        machine: report::Machine::here(),
        sizes,
        processes,
        startup,
        handlers,
        sdk_get_item_us,
        calls,
        scale,
        cost,
        targets: Vec::new(),
        skipped,
    };
    report.targets = report::targets(&report);
    let text = report::render(&report);
    println!("\n{text}");
    let out = repository().join("target/bench");
    let _ = std::fs::create_dir_all(&out);
    let json = serde_json::to_string_pretty(&report).unwrap_or_default();
    for (name, content) in [
        ("report.json", json.as_str()),
        ("report.txt", text.as_str()),
    ] {
        match std::fs::write(out.join(name), content) {
            Ok(()) => println!("written to target/bench/{name}"),
            Err(e) => eprintln!("could not write target/bench/{name}: {e}"),
        }
    }
}

/// The table's global secondary indexes and the partition key of each, as deployed.
async fn table_indexes(stack: &LocalStack, table: &str) -> Indexes {
    let described = stack
        .clients
        .dynamodb
        .describe_table()
        .table_name(table)
        .send()
        .await
        .expect("describe the benchmark's table");
    described
        .table
        .and_then(|t| t.global_secondary_indexes)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|index| {
            let key = index
                .key_schema
                .iter()
                .flatten()
                .find(|k| k.key_type == aws_sdk_dynamodb::types::KeyType::Hash)?
                .attribute_name
                .clone();
            Some((index.index_name?, key))
        })
        .collect()
}

/// Runs of each handler with the SDK's share metered.
const METERED_RUNS: usize = 200;

/// Each step of the life again, its AWS calls answered from its recording, timed by
/// criterion in CPU time of the one thread that runs it.
fn handler_cpu(
    criterion: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    stack: &LocalStack,
    stage: &Stage,
    played: &[Played],
) -> Vec<HandlerRow> {
    let mut rows = Vec::new();
    for (n, step) in played.iter().enumerate() {
        let replay = Replay::new(&step.exchanges);
        let clock = Arc::new(ManualClock::new(step.step.at));
        let app = App::new(
            stack.config(&stage.names),
            &replay.clients(&stack.clients, None),
            clock.clone(),
        );
        let function = step.step.function;
        let payload = step.step.event.to_string();
        let run = |app: &App| {
            replay.rewind();
            runtime.block_on(life::invoke_payload(app, function, &payload))
        };
        let (status, _) = run(&app);
        let id = format!("handler-{n:02}");
        criterion.bench_function(&id, |b| {
            b.iter_custom(|iterations| {
                let started = cpu_time::ThreadTime::now();
                for _ in 0..iterations {
                    std::hint::black_box(run(&app));
                }
                started.elapsed()
            })
        });
        // The SDK's share, from a pass of its own with the meter on (its clock readings would
        // weigh on criterion's figure), applied to criterion's median.
        let meter = SdkMeter::default();
        let metered = App::new(
            stack.config(&stage.names),
            &replay.clients(&stack.clients, Some(&meter)),
            clock,
        );
        let started = cpu_time::ThreadTime::now();
        for _ in 0..METERED_RUNS {
            std::hint::black_box(run(&metered));
        }
        let whole = started.elapsed().as_secs_f64();
        let sdk_share = match meter.total() {
            Some(sdk) if whole > 0.0 => (sdk.as_secs_f64() / whole).min(1.0),
            _ => f64::NAN,
        };
        let cpu_us = median_us(&id);
        rows.push(HandlerRow {
            operation: step.step.label.clone(),
            function: function.to_owned(),
            cpu_us,
            sdk_us: cpu_us * sdk_share,
            same_answer: status == step.status,
        });
    }
    rows
}

/// The floor under every handler that calls AWS: one DynamoDB GetItem through the SDK alone
/// (building, serialising and signing the request, parsing the recorded answer: a ticket),
/// answered in-process like the handlers. `None` if the life read no ticket by key.
fn sdk_floor(
    criterion: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    stack: &LocalStack,
    stage: &Stage,
    played: &[Played],
) -> Option<f64> {
    let read = played
        .iter()
        .flat_map(|p| &p.exchanges)
        .find(|e| e.operation == "GetItem" && e.status == 200 && has_item(&e.response))?;
    let replay = Replay::new(std::slice::from_ref(read));
    let clients = replay.clients(&stack.clients, None);
    let get = || {
        replay.rewind();
        runtime
            .block_on(
                clients
                    .dynamodb
                    .get_item()
                    .table_name(&stage.names.table)
                    .key("pk", AttributeValue::S("TICKET#SUP-000001".into()))
                    .key("sk", AttributeValue::S("TICKET".into()))
                    .send(),
            )
            .map(drop)
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
    };
    if let Err(e) = get() {
        eprintln!("the SDK floor could not be measured: {e}");
        return None;
    }
    criterion.bench_function("sdk-get-item", |b| {
        b.iter_custom(|iterations| {
            let started = cpu_time::ThreadTime::now();
            for _ in 0..iterations {
                let _ = std::hint::black_box(get());
            }
            started.elapsed()
        })
    });
    Some(median_us("sdk-get-item"))
}

/// Whether a GetItem answer holds an item (a miss is a 200 too, with an empty body).
fn has_item(response: &[u8]) -> bool {
    serde_json::from_slice::<Value>(response).is_ok_and(|body| body.get("Item").is_some())
}

/// What a cold start spends building the application: the SDK configuration and its four
/// clients, and the e-mail templates' environment.
fn startup_cost(criterion: &mut Criterion, runtime: &tokio::runtime::Runtime) -> StartupRow {
    // The variables Lambda sets for every function that the loader takes directly. (It still
    // reads the rest of this process's environment and profile files for its other settings,
    // as it does on Lambda, where there are none.)
    let lambda_environment = |name: &str| {
        let value = match name {
            "AWS_REGION" => "eu-west-1",
            "AWS_ACCESS_KEY_ID" | "AWS_SECRET_ACCESS_KEY" | "AWS_SESSION_TOKEN" => "testing",
            _ => return None,
        };
        Some(value.to_owned())
    };
    criterion.bench_function("startup-sdk", |b| {
        b.iter_custom(|iterations| {
            let started = cpu_time::ThreadTime::now();
            for _ in 0..iterations {
                let sdk = runtime.block_on(AwsClients::sdk_loader(&lambda_environment).load());
                std::hint::black_box(AwsClients::from_sdk_config(&sdk));
            }
            started.elapsed()
        })
    });
    criterion.bench_function("startup-templates", |b| {
        b.iter_custom(|iterations| {
            let started = cpu_time::ThreadTime::now();
            for _ in 0..iterations {
                std::hint::black_box(portal::mail::Templates::load());
            }
            started.elapsed()
        })
    });
    StartupRow {
        sdk_config_and_clients_us: median_us("startup-sdk"),
        templates_us: median_us("startup-templates"),
    }
}

/// Criterion's median for one benchmark, in microseconds.
fn median_us(id: &str) -> f64 {
    let path = repository().join(format!("target/bench/criterion/{id}/new/estimates.json"));
    std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|v| v["median"]["point_estimate"].as_f64())
        .map_or(f64::NAN, |ns| ns / 1000.0)
}

/// The size of each arm64 build, beside hello-world's.
fn sizes(dir: &Path) -> Vec<SizeRow> {
    let size = |name: &str| {
        std::fs::metadata(dir.join(name).join("bootstrap"))
            .map(|m| m.len())
            .ok()
    };
    let hello = size(HELLO).map_or(f64::NAN, |b| b as f64);
    function_names()
        .into_iter()
        .chain([HELLO.to_owned()])
        .filter_map(|name| {
            let bytes = size(&name)?;
            Some(SizeRow {
                function: name,
                bytes,
                ratio_to_hello_world: bytes as f64 / hello,
            })
        })
        .collect()
}

/// The functions in `functions/`, by name.
fn function_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repository().join("functions"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Each binary as a process: `cold_runs` cold starts, then `invocations` of the event of its
/// first step in the life (hello-world gets an empty object).
async fn run_processes(
    dir: &Path,
    (cold_runs, invocations): (usize, usize),
    stack: &LocalStack,
    stage: &Stage,
    played: &[Played],
) -> Vec<ProcessRow> {
    let mut env: Vec<(String, String)> = stack
        .settings(&stage.names)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    for (k, v) in [
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", stack.endpoint.as_str()),
        ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
        ("ATTACHMENTS_PER_TICKET", "500"),
    ] {
        env.push((k.to_owned(), v.to_owned()));
    }
    let logs = repository().join("target/bench/logs");
    let _ = std::fs::create_dir_all(&logs);

    let mut jobs: Vec<(String, String, Option<u16>, Value)> = vec![(
        HELLO.to_owned(),
        "{}".to_owned(),
        None,
        Value::Object(Default::default()),
    )];
    for name in function_names() {
        match played.iter().find(|p| p.step.function == name) {
            Some(p) => {
                let event = on_fresh_ticket(stage, &p.step.event).await;
                jobs.push((name, p.step.label.clone(), Some(p.status), event));
            }
            None => jobs.push((name, "(none)".to_owned(), None, Value::Null)),
        }
    }

    // Cold starts in rounds, one start of every binary per round, so that a noisy spell of
    // the machine weighs on all of them alike rather than on whichever ran during it.
    let mut starts: Vec<Result<Vec<f64>, String>> = vec![Ok(Vec::new()); jobs.len()];
    for _ in 0..cold_runs {
        for ((name, ..), runs) in jobs.iter().zip(&mut starts) {
            if let Ok(times) = runs {
                let log = logs.join(format!("{name}.log"));
                match processes::cold_start(&dir.join(name), &env, &log).await {
                    Ok(ms) => times.push(ms),
                    Err(failure) => *runs = Err(failure),
                }
            }
        }
    }

    let mut rows: Vec<ProcessRow> = Vec::new();
    let mut hello_cold = f64::NAN;
    for ((name, label, life_status, event), runs) in jobs.into_iter().zip(starts) {
        let binary = dir.join(&name);
        let log = logs.join(format!("{name}.log"));
        let result = match runs {
            Ok(runs) => processes::measure(&binary, &env, &event, runs, invocations, &log).await,
            Err(failure) => Err(failure),
        };
        let row = match result {
            Ok(measured) => {
                let cold = median(&mut measured.cold_start_runs_ms.clone());
                if name == HELLO {
                    hello_cold = cold;
                }
                ProcessRow {
                    function: name,
                    event: label,
                    life_status,
                    cold_start_ms: cold,
                    ratio_to_hello_world: cold / hello_cold,
                    measured: Some(measured),
                    failure: None,
                }
            }
            Err(failure) => ProcessRow {
                function: name,
                event: label,
                life_status,
                cold_start_ms: f64::NAN,
                ratio_to_hello_world: f64::NAN,
                measured: None,
                failure: Some(failure),
            },
        };
        eprintln!(
            "    {:<20} cold {:.2} ms{}",
            row.function,
            row.cold_start_ms,
            row.failure
                .as_deref()
                .map(|f| format!(" FAILED: {f}"))
                .unwrap_or_default()
        );
        rows.push(row);
    }
    rows
}

/// The event again, on a newly raised ticket, so that a process's invocations work on an open
/// ticket rather than on the life's, which is closed by the end. Events that name no ticket
/// are kept as they are.
async fn on_fresh_ticket(stage: &Stage, event: &Value) -> Value {
    let names_ticket =
        event["pathParameters"]["reference"].is_string() || event["reference"].is_u64();
    if !names_ticket {
        return event.clone();
    }
    stage.clock.set(life::start());
    let raise = Event::load("raise-ticket.customer").without_header("idempotency-key");
    let (_, body) = life::invoke(&stage.app, "raise-ticket", &raise.0).await;
    stage.tape.take();
    let reference = body["reference"].as_u64().unwrap_or_default();
    if event["reference"].is_u64() {
        let mut event = event.clone();
        event["reference"] = reference.into();
        return event;
    }
    Event(event.clone())
        .with_reference(&reference.to_string())
        .0
}

/// The functions' memory as the template sets it (`MemorySize` in its globals).
fn lambda_memory_mb() -> u32 {
    std::fs::read_to_string(repository().join("infra/template.yaml"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.trim().strip_prefix("MemorySize:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(128)
}

/// The size of the attachment the life declares.
fn life_attachment_size(played: &[Played]) -> u64 {
    played
        .iter()
        .find(|p| p.step.function == "attachments")
        .and_then(|p| {
            serde_json::from_str::<Value>(p.step.event["body"].as_str().unwrap_or("null")).ok()
        })
        .and_then(|body| body["size"].as_u64())
        .unwrap_or(0)
}
