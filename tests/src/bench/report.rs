//! The benchmark's report: one row type per table, the cost of a ticket's life at published
//! prices, the targets and whether each figure meets them, printed as tables and written as
//! JSON. Figures that miss a target are said to, plainly; nothing here fails.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::capacity::{self, Indexes, Units};
use super::life::Played;
use super::processes::Measured;
use super::scale::SweepRun;
use super::tape::Exchange;

/// AWS requests of one step, by service, and the DynamoDB capacity they consumed.
#[derive(Debug, Clone, Serialize)]
pub struct CallsRow {
    pub operation: String,
    pub function: String,
    pub status: u16,
    pub dynamodb: usize,
    pub s3: usize,
    pub ses: usize,
    pub scheduler: usize,
    pub scans: usize,
    pub capacity: Units,
    /// `service:Operation×n`, for every request sent.
    pub detail: Vec<String>,
}

/// Requests that left the function: a presigned URL goes through the SDK up to its signing
/// but is never sent, and has no answer.
pub fn sent(exchanges: &[Exchange]) -> impl Iterator<Item = &Exchange> {
    exchanges.iter().filter(|e| e.status != 0)
}

impl CallsRow {
    pub fn of(played: &Played, indexes: &Indexes) -> Self {
        let sent: Vec<Exchange> = sent(&played.exchanges).cloned().collect();
        let count = |service: &str| sent.iter().filter(|e| e.service == service).count();
        let mut detail: BTreeMap<String, usize> = BTreeMap::new();
        for e in &sent {
            *detail
                .entry(format!("{}:{}", e.service, e.operation))
                .or_insert(0) += 1;
        }
        Self {
            operation: played.step.label.clone(),
            function: played.step.function.to_owned(),
            status: played.status,
            dynamodb: count("dynamodb"),
            s3: count("s3"),
            ses: count("ses"),
            scheduler: count("scheduler"),
            scans: sent.iter().filter(|e| e.operation == "Scan").count(),
            capacity: capacity::units(&sent, indexes),
            detail: detail
                .into_iter()
                .map(|(k, n)| format!("{k}×{n}"))
                .collect(),
        }
    }
}

/// CPU time of one handler per invocation, its AWS calls answered in-process.
#[derive(Debug, Clone, Serialize)]
pub struct HandlerRow {
    pub operation: String,
    pub function: String,
    pub cpu_us: f64,
    /// The part of `cpu_us` spent inside the SDK's operations (serialising, signing, parsing
    /// the answers), NaN if it could not be metered; the rest is ours, with the SDK's set-up
    /// of each call.
    pub sdk_us: f64,
    /// Whether the replayed run answered as the recorded one did (if not, the figure is not
    /// that of the same work).
    pub same_answer: bool,
}

/// What building the application costs at a cold start, in process, in microseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StartupRow {
    pub sdk_config_and_clients_us: f64,
    pub templates_us: f64,
}

/// One function's release binary for arm64.
#[derive(Debug, Clone, Serialize)]
pub struct SizeRow {
    pub function: String,
    pub bytes: u64,
    pub ratio_to_hello_world: f64,
}

/// One function as a process against the Runtime API stand-in.
#[derive(Debug, Clone, Serialize)]
pub struct ProcessRow {
    pub function: String,
    /// The step of the life whose event the invocations repeat (on a ticket of their own).
    pub event: String,
    /// How that step answered in the life, for comparison with the outcomes.
    pub life_status: Option<u16>,
    pub cold_start_ms: f64,
    pub ratio_to_hello_world: f64,
    #[serde(flatten)]
    pub measured: Option<Measured>,
    pub failure: Option<String>,
}

/// Published prices, with their date (`tests/benches/prices.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prices {
    pub source: String,
    pub as_of: String,
    pub note: String,
    pub http_api_requests_per_million: f64,
    pub lambda_requests_per_million: f64,
    pub lambda_arm64_gb_second: f64,
    pub dynamodb_read_request_units_per_million: f64,
    pub dynamodb_write_request_units_per_million: f64,
    pub ses_emails_per_thousand: f64,
    pub scheduler_invocations_per_million: f64,
    pub s3_put_copy_post_list_per_thousand: f64,
    pub s3_get_head_per_thousand: f64,
    pub s3_storage_gb_month: f64,
    /// What each AWS request adds to a function's billed duration on AWS (it is far less on
    /// the loopback stack), in milliseconds.
    pub assumed_aws_request_ms: f64,
}

/// The typical ticket's life: which steps, how many times each.
pub const LIFE: [(&str, u32); 8] = [
    ("POST /tickets", 1),
    ("POST …/messages (staff reply)", 2),
    ("POST …/messages (customer reply)", 2),
    ("POST …/attachments (upload URL)", 2),
    ("S3 upload notification (confirm)", 2),
    ("PATCH /tickets/{reference}", 1),
    ("POST …/proposal", 1),
    ("auto-close schedule (one ticket)", 1),
];

/// Functions not behind API Gateway.
const NOT_API: [&str; 4] = [
    "attachment-uploaded",
    "auto-close",
    "sla-breach",
    "outbox-dispatcher",
];

/// The cost of 1,000 ticket lives, by item.
#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    pub lives: u32,
    pub prices_as_of: String,
    pub prices_source: String,
    pub lambda_memory_mb: u32,
    pub items: Vec<CostItem>,
    pub total_usd: f64,
    /// What the figure leaves out or could not measure.
    pub caveats: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CostItem {
    pub item: String,
    pub quantity: f64,
    pub usd: f64,
}

/// Works out the cost of 1,000 lives from the recorded steps, the handlers' CPU time and the
/// prices. `attachment_bytes` is the size of one attachment as declared.
pub fn cost(
    played: &[Played],
    handlers: &[HandlerRow],
    indexes: &Indexes,
    prices: &Prices,
    memory_mb: u32,
    attachment_bytes: u64,
) -> Cost {
    let lives = 1000.0;
    let mut api = 0.0;
    let mut invocations = 0.0;
    let mut gb_seconds = 0.0;
    let mut units = Units::default();
    let mut emails = 0.0;
    let mut s3_put = 0.0;
    let mut s3_get = 0.0;
    let mut scheduler_invocations = 0.0;
    let mut uploads = 0.0;
    let mut caveats = vec![
        "Lambda's init phase (billed since August 2025) is left out: at a support desk's rate many invocations are cold; see the cold starts above".to_owned(),
        "the sweeps' and the outbox dispatcher's own schedules (a fixed monthly cost, one Query per run when nothing is due) are left out".to_owned(),
        "DynamoDB deletes are counted as 1 KB: outbox entries hold an e-mail and are larger, so write units are a lower bound".to_owned(),
    ];
    for (label, times) in LIFE {
        let times = f64::from(times);
        let Some(step) = played.iter().find(|p| p.step.label == label) else {
            caveats.push(format!("step `{label}` was not played: not counted"));
            continue;
        };
        let sent: Vec<Exchange> = sent(&step.exchanges).cloned().collect();
        if !NOT_API.contains(&step.step.function) {
            api += times;
        }
        if step.step.function == "auto-close" {
            scheduler_invocations += times;
        }
        if step.step.function == "attachment-uploaded" {
            // The browser's upload itself, through the presigned URL.
            s3_put += times;
            uploads += times;
        }
        invocations += times;
        let cpu_ms = match handlers
            .iter()
            .find(|h| h.operation == label && h.cpu_us.is_finite())
        {
            Some(h) => h.cpu_us / 1000.0,
            None => {
                caveats.push(format!(
                    "no handler CPU figure for `{label}`: its duration counts the AWS requests only"
                ));
                0.0
            }
        };
        let billed_ms = (cpu_ms + sent.len() as f64 * prices.assumed_aws_request_ms).ceil();
        gb_seconds += times * f64::from(memory_mb) / 1024.0 * billed_ms / 1000.0;
        let mut step_units = capacity::units(&sent, indexes);
        step_units.read *= times;
        step_units.write *= times;
        units += step_units;
        for e in &sent {
            match (e.service, e.operation.as_str()) {
                ("ses", _) => emails += times * recipients(e) as f64,
                ("s3", "PutObject" | "CopyObject" | "ListObjectsV2") => s3_put += times,
                ("s3", "GetObject" | "HeadObject") => s3_get += times,
                _ => {}
            }
        }
    }
    let storage_gb = uploads * attachment_bytes as f64 / 1e9;
    let per_million = |n: f64, price: f64| n * lives / 1e6 * price;
    let items = vec![
        CostItem {
            item: "API Gateway HTTP API requests".into(),
            quantity: api * lives,
            usd: per_million(api, prices.http_api_requests_per_million),
        },
        CostItem {
            item: "Lambda requests".into(),
            quantity: invocations * lives,
            usd: per_million(invocations, prices.lambda_requests_per_million),
        },
        CostItem {
            item: format!("Lambda duration, arm64, {memory_mb} MB (GB-s)"),
            quantity: gb_seconds * lives,
            usd: gb_seconds * lives * prices.lambda_arm64_gb_second,
        },
        CostItem {
            item: "DynamoDB read request units".into(),
            quantity: units.read * lives,
            usd: per_million(units.read, prices.dynamodb_read_request_units_per_million),
        },
        CostItem {
            item: "DynamoDB write request units (indexes included)".into(),
            quantity: units.write * lives,
            usd: per_million(units.write, prices.dynamodb_write_request_units_per_million),
        },
        CostItem {
            item: "SES e-mails (one per recipient)".into(),
            quantity: emails * lives,
            usd: emails * lives / 1000.0 * prices.ses_emails_per_thousand,
        },
        CostItem {
            item: "EventBridge Scheduler invocations".into(),
            quantity: scheduler_invocations * lives,
            usd: per_million(
                scheduler_invocations,
                prices.scheduler_invocations_per_million,
            ),
        },
        CostItem {
            item: "S3 PUT-class requests".into(),
            quantity: s3_put * lives,
            usd: s3_put * lives / 1000.0 * prices.s3_put_copy_post_list_per_thousand,
        },
        CostItem {
            item: "S3 GET-class requests".into(),
            quantity: s3_get * lives,
            usd: s3_get * lives / 1000.0 * prices.s3_get_head_per_thousand,
        },
        CostItem {
            item: "S3 storage of the attachments, first month (GB)".into(),
            quantity: storage_gb * lives,
            usd: storage_gb * lives * prices.s3_storage_gb_month,
        },
    ];
    Cost {
        lives: 1000,
        prices_as_of: prices.as_of.clone(),
        prices_source: prices.source.clone(),
        lambda_memory_mb: memory_mb,
        total_usd: items.iter().map(|i| i.usd).sum(),
        items,
        caveats,
    }
}

/// How many e-mails SES bills for one send: one per recipient.
fn recipients(exchange: &Exchange) -> usize {
    let body = String::from_utf8_lossy(&exchange.request);
    body.split('&')
        .filter(|pair| pair.starts_with("Destinations.member."))
        .count()
        .max(1)
}

/// The machine the figures were taken on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpu: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub rustc: String,
    /// How the benchmark itself was built: figures from a debug build are not release figures.
    pub build: String,
    pub date: String,
}

impl Machine {
    pub fn here() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let memory_kib: f64 = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let rustc = std::process::Command::new("rustc")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        Self {
            cpu,
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_gib: (memory_kib / 1024.0 / 1024.0 * 10.0).round() / 10.0,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
            rustc,
            build: if cfg!(debug_assertions) {
                "debug (figures are not release figures)".to_owned()
            } else {
                "optimized".to_owned()
            },
            date: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        }
    }
}

/// One target and how the figures stand against it.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub target: String,
    pub met: bool,
    pub detail: String,
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub machine: Machine,
    pub sizes: Vec<SizeRow>,
    pub processes: Vec<ProcessRow>,
    pub startup: StartupRow,
    pub handlers: Vec<HandlerRow>,
    /// CPU of one DynamoDB GetItem through the SDK alone, answered in-process, in µs: the
    /// floor of every handler that calls AWS.
    pub sdk_get_item_us: Option<f64>,
    pub calls: Vec<CallsRow>,
    pub scale: Vec<SweepRun>,
    pub cost: Cost,
    pub targets: Vec<Target>,
    /// Parts that could not be measured in this run, and why.
    pub skipped: Vec<String>,
}

/// Checks the figures against the targets.
pub fn targets(report: &Report) -> Vec<Target> {
    let mut out = Vec::new();
    let misses = |items: Vec<String>| {
        if items.is_empty() {
            "all".to_owned()
        } else {
            format!("missed by {}", items.join(", "))
        }
    };
    if !report.processes.is_empty() {
        let slow: Vec<String> = report
            .processes
            .iter()
            .filter(|p| p.function != "hello-world")
            // A ratio that is not a number (a failed run) misses too.
            .filter(|p| {
                p.ratio_to_hello_world.partial_cmp(&1.5) == Some(Ordering::Greater)
                    || p.ratio_to_hello_world.is_nan()
            })
            .map(|p| match &p.failure {
                Some(_) => format!("{} (failed)", p.function),
                None => format!("{} ({:.2}×)", p.function, p.ratio_to_hello_world),
            })
            .collect();
        out.push(Target {
            target: "cold start within 1.5× hello-world's".into(),
            met: slow.is_empty(),
            detail: misses(slow),
        });
        let invocations = report
            .processes
            .iter()
            .filter_map(|p| p.measured.as_ref())
            .map(|m| m.invocations)
            .max()
            .unwrap_or(0);
        let big: Vec<String> = report
            .processes
            .iter()
            .filter_map(|p| match p.measured.as_ref().and_then(|m| m.peak_rss_mb) {
                Some(peak) if peak < 40.0 => None,
                Some(peak) => Some(format!("{} ({peak:.1} MB)", p.function)),
                None => Some(format!("{} (not measured)", p.function)),
            })
            .collect();
        out.push(Target {
            target: format!("peak memory under 40 MB over {invocations} invocations"),
            met: big.is_empty(),
            detail: misses(big),
        });
    }
    let raise = report
        .calls
        .iter()
        .find(|c| c.operation == "POST /tickets" && c.status == 201);
    out.push(Target {
        target: "raise-ticket in at most 3 DynamoDB requests".into(),
        met: raise.is_some_and(|c| c.dynamodb <= 3),
        detail: raise.map_or("the raise did not succeed: not measured".to_owned(), |c| {
            format!("{} requests", c.dynamodb)
        }),
    });
    let scans: Vec<String> = report
        .calls
        .iter()
        .filter(|c| c.scans > 0)
        .map(|c| c.operation.clone())
        .collect();
    out.push(Target {
        target: "no Scan".into(),
        met: scans.is_empty(),
        detail: if scans.is_empty() {
            "none in any operation".into()
        } else {
            format!("Scan in {}", scans.join(", "))
        },
    });
    if !report.handlers.is_empty() {
        let slow: Vec<String> = report
            .handlers
            .iter()
            .filter(|h| h.cpu_us.partial_cmp(&100.0) != Some(Ordering::Less) || !h.same_answer)
            .map(|h| match (h.cpu_us.is_finite(), h.same_answer) {
                (false, _) => format!("{} (not measured)", h.operation),
                (true, false) => format!("{} (replay answered differently)", h.operation),
                (true, true) => format!("{} ({:.0} µs)", h.operation, h.cpu_us),
            })
            .collect();
        out.push(Target {
            target: "handler CPU under 100 µs per invocation, network excluded".into(),
            met: slow.is_empty(),
            detail: misses(slow),
        });
    }
    out
}

/// The report as text tables.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let m = &report.machine;
    let _ = writeln!(
        s,
        "Machine: {}, {} cores, {} GiB, Linux {}, {}, benchmark build {}; run {}",
        m.cpu, m.cores, m.memory_gib, m.kernel, m.rustc, m.build, m.date
    );

    if !report.sizes.is_empty() {
        let _ = writeln!(
            s,
            "\n1. Size: release builds for arm64 (cargo lambda build --release --arm64)"
        );
        let _ = writeln!(s, "{:<22} {:>10} {:>8}", "function", "MiB", "× hello");
        for r in &report.sizes {
            let _ = writeln!(
                s,
                "{:<22} {:>10.2} {:>8.2}",
                r.function,
                r.bytes as f64 / 1024.0 / 1024.0,
                r.ratio_to_hello_world
            );
        }
    }

    if !report.processes.is_empty() {
        let starts = report
            .processes
            .iter()
            .filter_map(|p| p.measured.as_ref().map(|m| m.cold_start_runs_ms.len()))
            .max()
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "\n2-3. Processes against a local Lambda Runtime API stand-in: native x86_64 release builds (cargo-lambda's arm64 builds cannot run here), median of {starts} cold starts, then the step's event repeated on a ticket of its own"
        );
        let _ = writeln!(
            s,
            "{:<22} {:>10} {:>8} {:>10} {:>10} {:>8}  outcomes (the life's answer)",
            "function", "cold ms", "× hello", "1st inv ms", "warm ms", "peak MB"
        );
        for r in &report.processes {
            match &r.measured {
                Some(p) => {
                    let outcomes: Vec<String> =
                        p.outcomes.iter().map(|(k, n)| format!("{k}×{n}")).collect();
                    let _ = writeln!(
                        s,
                        "{:<22} {:>10.2} {:>8.2} {:>10.2} {:>10.2} {:>8.1}  {} ({})",
                        r.function,
                        r.cold_start_ms,
                        r.ratio_to_hello_world,
                        p.first_invocation_ms,
                        p.warm_invocation_ms,
                        p.peak_rss_mb.unwrap_or(f64::NAN),
                        outcomes.join(" "),
                        r.life_status.map_or("-".to_owned(), |s| s.to_string())
                    );
                }
                None => {
                    let _ = writeln!(
                        s,
                        "{:<22} failed: {}",
                        r.function,
                        r.failure.as_deref().unwrap_or("")
                    );
                }
            }
        }
        if report.startup.sdk_config_and_clients_us > 0.0 {
            let _ = writeln!(
                s,
                "Building the application at a cold start, in process: SDK configuration and four clients {:.0} µs, the e-mail templates' environment {:.0} µs (a template is parsed when first rendered).",
                report.startup.sdk_config_and_clients_us, report.startup.templates_us
            );
        }
        let extra = |p: &ProcessRow| {
            p.measured
                .as_ref()
                .map(|m| m.first_invocation_ms - m.warm_invocation_ms)
        };
        let mut ours: Vec<f64> = report
            .processes
            .iter()
            .filter(|p| p.function != "hello-world")
            .filter_map(extra)
            .collect();
        let hello = report
            .processes
            .iter()
            .find(|p| p.function == "hello-world")
            .and_then(extra)
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            s,
            "First invocation vs warm: {:+.2} ms (median over the functions; hello-world {hello:+.2} ms). \
             The first AWS request opens the connection to the endpoint and resolves credentials \
             and endpoint rules on first use: start-up does not pay it, the first invocation does \
             (on AWS, with a TLS handshake to each service it calls first).",
            super::processes::median(&mut ours)
        );
    }

    if !report.handlers.is_empty() {
        let _ = writeln!(
            s,
            "\n4. Handler CPU per invocation, AWS answered in-process (criterion, median of thread CPU time)"
        );
        let _ = writeln!(
            s,
            "{:<40} {:<20} {:>9} {:>9} {:>9}",
            "operation", "function", "CPU µs", "SDK µs", "rest µs"
        );
        for h in &report.handlers {
            let _ = writeln!(
                s,
                "{:<40} {:<20} {:>9.1} {:>9.1} {:>9.1}{}",
                h.operation,
                h.function,
                h.cpu_us,
                h.sdk_us,
                h.cpu_us - h.sdk_us,
                if h.same_answer {
                    ""
                } else {
                    "  (replay answered differently)"
                }
            );
        }
        let _ = write!(
            s,
            "'SDK µs' is the part spent inside the SDK's operations, from each one's first \
             interceptor hook to its last (serialising, signing, the replay answering, parsing), \
             measured as a share in a separate pass of 200 runs and applied to the median; 'rest' \
             is our code (reading the event, checks, items, e-mails) and the SDK's set-up of each \
             call before its first hook."
        );
        match report.sdk_get_item_us {
            Some(floor) => {
                let _ = writeln!(
                    s,
                    " One DynamoDB GetItem of a ticket through the SDK alone, answered the same \
                     way, takes {floor:.1} µs."
                );
            }
            None => s.push('\n'),
        }
    }

    let _ = writeln!(
        s,
        "\n5. AWS requests per operation, counted at the SDK; DynamoDB capacity (reported by the stack / estimated RRU + WRU)"
    );
    let _ = writeln!(
        s,
        "{:<40} {:>6} {:>5} {:>3} {:>4} {:>6} {:>5} {:>9} {:>6} {:>6}  detail",
        "operation", "status", "ddb", "s3", "ses", "sched", "scans", "reported", "RRU", "WRU"
    );
    for c in &report.calls {
        let _ = writeln!(
            s,
            "{:<40} {:>6} {:>5} {:>3} {:>4} {:>6} {:>5} {:>9.1} {:>6.1} {:>6.1}  {}",
            c.operation,
            c.status,
            c.dynamodb,
            c.s3,
            c.ses,
            c.scheduler,
            c.scans,
            c.capacity.reported,
            c.capacity.read,
            c.capacity.write,
            c.detail.join(" ")
        );
    }

    if !report.scale.is_empty() {
        let _ = writeln!(
            s,
            "\n6. Sweeps at scale: 1% of the stored tickets due (the SLA sweep processes each due ticket's running clocks), {} at a time, run until none is left",
            super::life::SWEEP_LIMIT
        );
        let _ = writeln!(
            s,
            "{:<18} {:>8} {:>6} {:>9} {:>5} {:>9} {:>10} {:>9} {:>15} {:>14}",
            "sweep",
            "stored",
            "due",
            "processed",
            "runs",
            "requests",
            "items read",
            "seconds",
            "in index query",
            "ms/item other"
        );
        for r in &report.scale {
            let _ = writeln!(
                s,
                "{:<18} {:>8} {:>6} {:>9} {:>5} {:>9} {:>10} {:>9.2} {:>15.2} {:>14.2}",
                r.sweep,
                r.stored_tickets,
                r.due,
                r.processed,
                r.runs,
                r.requests,
                r.items_read,
                r.seconds,
                r.seconds_in_index_queries,
                (r.seconds - r.seconds_in_index_queries) * 1000.0 / r.processed.max(1) as f64
            );
        }
        let _ = writeln!(
            s,
            "'items read' counts what the index queries returned and the tickets read by key; 'ms/item other' is the time \
             outside the index queries per item processed. moto answers an index query by walking the whole table, so its \
             'in index query' time grows with the stored tickets; DynamoDB reads only the index entries returned."
        );
    }

    let c = &report.cost;
    let _ = writeln!(
        s,
        "\n7. Cost of {} ticket lives (raise, four messages, two attachments, one status change, proposal, auto-close), prices of {} ({})",
        c.lives, c.prices_as_of, c.prices_source
    );
    for i in &c.items {
        let _ = writeln!(s, "{:<52} {:>14.1} {:>10.4} USD", i.item, i.quantity, i.usd);
    }
    let _ = writeln!(s, "{:<52} {:>14} {:>10.4} USD", "total", "", c.total_usd);
    for caveat in &c.caveats {
        let _ = writeln!(s, "  not in the figure: {caveat}");
    }

    let _ = writeln!(s, "\nTargets");
    for t in &report.targets {
        let _ = writeln!(
            s,
            "{:<6} {:<58} {}",
            if t.met { "met" } else { "MISSED" },
            t.target,
            t.detail
        );
    }
    for skipped in &report.skipped {
        let _ = writeln!(s, "not measured: {skipped}");
    }
    s
}
