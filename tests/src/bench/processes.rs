//! The functions as Lambda runs them: a release binary started as a process, talking to a
//! local stand-in for the Lambda Runtime API (`AWS_LAMBDA_RUNTIME_API`), which hands out
//! events on `GET /2018-06-01/runtime/invocation/next` and takes answers on
//! `POST …/invocation/{id}/response` (or `/error`).
//!
//! *Cold start* is the time from starting the process to its first request for work: what
//! Lambda's init phase spends in our code, building the SDK clients included. The first
//! invocation is then timed apart from the warm ones: what it costs more is what the first
//! request pays for work left to it (the connection to the AWS endpoint, lazy set-up in the
//! SDK). A warm invocation's time also holds one loopback round trip more than the first's
//! (the event is ready before the function asks for it). *Peak memory* is the process's
//! high-water resident set (`VmHWM`) after the invocations. The function's logs (stdout and
//! stderr) go to a file, which a failure quotes.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::{Mutex, mpsc};

/// What the stand-in saw.
#[derive(Debug)]
enum Seen {
    /// The function asked for work.
    Next(Instant),
    /// The function answered an invocation (or reported it failed).
    Answer {
        at: Instant,
        body: Bytes,
        error: bool,
    },
    /// The function reported that it could not start.
    InitError(Bytes),
}

#[derive(Clone)]
struct RuntimeApi {
    events: Arc<Mutex<mpsc::Receiver<(String, Value)>>>,
    seen: mpsc::UnboundedSender<Seen>,
}

async fn next(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let _ = api.seen.send(Seen::Next(Instant::now()));
    let event = api.events.lock().await.recv().await;
    let Some((id, event)) = event else {
        // No more work: the process waits here until it is stopped, as on Lambda.
        std::future::pending::<()>().await;
        return (HeaderMap::new(), String::new());
    };
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() + 30_000)
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("lambda-runtime-aws-request-id", id);
    set("lambda-runtime-deadline-ms", deadline.to_string());
    set(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:eu-west-1:123456789012:function:bench".to_owned(),
    );
    set(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000;Sampled=0".to_owned(),
    );
    (headers, event.to_string())
}

async fn answer(State(api): State<RuntimeApi>, UrlPath(_id): UrlPath<String>, body: Bytes) {
    let _ = api.seen.send(Seen::Answer {
        at: Instant::now(),
        body,
        error: false,
    });
}

async fn error(State(api): State<RuntimeApi>, UrlPath(_id): UrlPath<String>, body: Bytes) {
    let _ = api.seen.send(Seen::Answer {
        at: Instant::now(),
        body,
        error: true,
    });
}

async fn init_error(State(api): State<RuntimeApi>, body: Bytes) {
    let _ = api.seen.send(Seen::InitError(body));
}

/// One function process, started against its own stand-in.
struct Process {
    child: tokio::process::Child,
    started: Instant,
    events: mpsc::Sender<(String, Value)>,
    seen: mpsc::UnboundedReceiver<Seen>,
    server: tokio::task::JoinHandle<()>,
    log: std::path::PathBuf,
}

/// How long any one wait may take before the run is called failed.
const PATIENCE: Duration = Duration::from_secs(30);

impl Process {
    async fn start(binary: &Path, env: &[(String, String)], log: &Path) -> Result<Self, String> {
        let (events_in, events_out) = mpsc::channel(1);
        let (seen_in, seen_out) = mpsc::unbounded_channel();
        let api = RuntimeApi {
            events: Arc::new(Mutex::new(events_out)),
            seen: seen_in,
        };
        let router = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route("/2018-06-01/runtime/invocation/{id}/response", post(answer))
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(api);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| format!("runtime API stand-in: {e}"))?;
        let address = listener
            .local_addr()
            .map_err(|e| format!("runtime API stand-in: {e}"))?;
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let stderr = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let stdout = stderr
            .try_clone()
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let started = Instant::now();
        let child = tokio::process::Command::new(binary)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        Ok(Self {
            child,
            started,
            events: events_in,
            seen: seen_out,
            server,
            log: log.to_owned(),
        })
    }

    async fn wait(&mut self) -> Result<Seen, String> {
        let seen = tokio::select! {
            seen = tokio::time::timeout(PATIENCE, self.seen.recv()) => seen,
            exit = self.child.wait() => {
                return Err(format!(
                    "the function exited ({}); its log: {}",
                    exit.map(|s| s.to_string()).unwrap_or_default(),
                    self.log_tail()
                ));
            }
        };
        match seen {
            Ok(Some(Seen::InitError(body))) => Err(format!(
                "the function could not start: {}",
                String::from_utf8_lossy(&body)
            )),
            Ok(Some(seen)) => Ok(seen),
            Ok(None) => Err("the runtime API stand-in stopped".to_owned()),
            Err(_) => Err(format!(
                "no word from the function in {PATIENCE:?}; its log: {}",
                self.log_tail()
            )),
        }
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let start = log.len().saturating_sub(2000);
        log.get(start..).unwrap_or_default().to_owned()
    }

    /// Waits for the first request for work: the end of the cold start.
    async fn ready(&mut self) -> Result<Duration, String> {
        loop {
            if let Seen::Next(at) = self.wait().await? {
                return Ok(at - self.started);
            }
        }
    }

    /// Hands out one event and waits for its answer.
    async fn invoke(&mut self, id: String, event: &Value) -> Result<(Duration, Outcome), String> {
        let sent = Instant::now();
        self.events
            .send((id, event.clone()))
            .await
            .map_err(|_| "the runtime API stand-in stopped".to_owned())?;
        loop {
            if let Seen::Answer { at, body, error } = self.wait().await? {
                return Ok((at - sent, Outcome::of(&body, error)));
            }
        }
    }

    /// The process's peak resident memory so far, in KiB.
    fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    async fn stop(mut self) {
        let _ = self.child.kill().await;
        self.server.abort();
    }
}

/// How an invocation ended, as the tables count it: the HTTP status of an API answer,
/// `ok` for another function's answer, `error` for a reported failure.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Outcome(String);

impl Outcome {
    fn of(body: &[u8], error: bool) -> Self {
        if error {
            return Self("error".to_owned());
        }
        let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        match json["statusCode"].as_u64() {
            Some(code) => Self(code.to_string()),
            None => Self("ok".to_owned()),
        }
    }
}

/// What one binary measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Measured {
    /// Cold starts, in milliseconds, one per fresh process.
    pub cold_start_runs_ms: Vec<f64>,
    /// The first invocation of a process, in milliseconds.
    pub first_invocation_ms: f64,
    /// The median of the invocations after the first, in milliseconds.
    pub warm_invocation_ms: f64,
    /// How many invocations the process took.
    pub invocations: usize,
    /// Peak resident memory over all invocations, in MB (10^6 bytes), if it could be read.
    pub peak_rss_mb: Option<f64>,
    /// How the invocations ended, by outcome.
    pub outcomes: BTreeMap<String, usize>,
}

/// Starts `binary` once to its first request for work, and stops it: one cold start, in
/// milliseconds.
pub async fn cold_start(
    binary: &Path,
    env: &[(String, String)],
    log: &Path,
) -> Result<f64, String> {
    let mut process = Process::start(binary, env, log).await?;
    let ready = process.ready().await;
    process.stop().await;
    Ok(millis(ready?))
}

/// Starts `binary` once more to run `invocations` invocations of `event`; `cold_start_ms`
/// are its cold starts, measured before.
pub async fn measure(
    binary: &Path,
    env: &[(String, String)],
    event: &Value,
    cold_start_ms: Vec<f64>,
    invocations: usize,
    log: &Path,
) -> Result<Measured, String> {
    let mut process = Process::start(binary, env, log).await?;
    let run = async {
        process.ready().await?;
        let mut times = Vec::new();
        let mut outcomes = BTreeMap::new();
        for n in 0..invocations {
            let (took, outcome) = process.invoke(format!("bench-{n}"), event).await?;
            times.push(millis(took));
            *outcomes.entry(outcome.0).or_insert(0) += 1;
        }
        let peak = process.peak_rss_kib();
        let first = times.first().copied().unwrap_or_default();
        let mut warm = times.get(1..).unwrap_or_default().to_vec();
        Ok::<_, String>(Measured {
            cold_start_runs_ms: cold_start_ms.clone(),
            first_invocation_ms: first,
            warm_invocation_ms: median(&mut warm),
            invocations,
            peak_rss_mb: peak.map(|kib| kib as f64 * 1024.0 / 1e6),
            outcomes,
        })
    }
    .await;
    process.stop().await;
    run
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of some figures (0 for none).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
