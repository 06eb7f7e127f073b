//! Every AWS request a handler makes, recorded at the SDK, and played back without a network.
//!
//! A [`Recorder`] is an SDK interceptor: it sees each attempt leave (one request counted per
//! attempt, retries included) and its answer come back, and keeps both on a [`Tape`]. For
//! DynamoDB it also asks the service to report the capacity each request consumed
//! (`ReturnConsumedCapacity`), which DynamoDB does not do unless asked.
//!
//! A [`Replay`] is an HTTP client for the SDK that answers from a tape, in order, so that a
//! handler can run again and again with its AWS calls answered in-process: what it then costs
//! is our code, the SDK's serialisation and signing, and nothing of the network. An
//! [`SdkMeter`] on those clients tells the SDK's part of it apart.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_http_client::test_util::infallible_client_fn;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use bytes::Bytes;
use portal::adapters::AwsClients;

/// The four services the functions use, as the tape names them.
pub const SERVICES: [&str; 4] = ["dynamodb", "s3", "ses", "scheduler"];

/// DynamoDB operations that report consumed capacity when asked.
const REPORTS_CAPACITY: [&str; 10] = [
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
];

/// One request sent and the answer it got.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub service: &'static str,
    pub operation: String,
    pub request: Bytes,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub response: Bytes,
    /// From the request leaving to its answer read.
    pub elapsed: Duration,
}

/// The four clients again, each one's configuration changed by `$change`, which sees the
/// configuration builder as `$config` and the service's name as `$service`.
macro_rules! reconfigured {
    ($clients:expr, |$config:ident, $service:ident| $change:expr) => {{
        let clients: &AwsClients = $clients;
        AwsClients {
            dynamodb: {
                let ($config, $service) = (clients.dynamodb.config().to_builder(), "dynamodb");
                aws_sdk_dynamodb::Client::from_conf($change.build())
            },
            s3: {
                let ($config, $service) = (clients.s3.config().to_builder(), "s3");
                aws_sdk_s3::Client::from_conf($change.build())
            },
            ses: {
                let ($config, $service) = (clients.ses.config().to_builder(), "ses");
                aws_sdk_ses::Client::from_conf($change.build())
            },
            scheduler: {
                let ($config, $service) = (clients.scheduler.config().to_builder(), "scheduler");
                aws_sdk_scheduler::Client::from_conf($change.build())
            },
        }
    }};
}

/// Exchanges in the order they were sent, shared by the recorders of every client.
#[derive(Debug, Clone, Default)]
pub struct Tape(Arc<Mutex<Vec<Exchange>>>);

impl Tape {
    /// Takes what was recorded since the last call.
    pub fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn push(&self, exchange: Exchange) -> usize {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.push(exchange);
        all.len() - 1
    }

    fn answer(&self, sent: InFlight, status: u16, headers: Vec<(String, String)>, body: Bytes) {
        let mut all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(exchange) = all.get_mut(sent.index) {
            exchange.elapsed = sent.at.elapsed();
            exchange.status = status;
            exchange.headers = headers;
            exchange.response = body;
        }
    }

    /// Clients like `clients` whose every request is recorded on this tape.
    pub fn recording(&self, clients: &AwsClients) -> AwsClients {
        reconfigured!(clients, |config, service| config.interceptor(Recorder {
            service,
            tape: self.clone(),
        }))
    }
}

/// Which exchange of the tape the request in flight is, kept with the request's
/// configuration so that concurrent requests are answered into the right place.
#[derive(Debug, Clone, Copy)]
struct InFlight {
    index: usize,
    at: Instant,
}

impl Storable for InFlight {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug, Clone)]
struct Recorder {
    service: &'static str,
    tape: Tape,
}

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|m| m.name().to_owned())
        .unwrap_or_default()
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "BenchRecorder"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.service != "dynamodb" || !REPORTS_CAPACITY.contains(&operation(cfg).as_str()) {
            return Ok(());
        }
        let request = context.request_mut();
        let Some(body) = request.body().bytes() else {
            return Ok(());
        };
        let mut json: serde_json::Value = serde_json::from_slice(body)?;
        json["ReturnConsumedCapacity"] = "INDEXES".into();
        let body = serde_json::to_vec(&json)?;
        request
            .headers_mut()
            .insert("content-length", body.len().to_string());
        *request.body_mut() = SdkBody::from(body);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context
            .request()
            .body()
            .bytes()
            .map(Bytes::copy_from_slice)
            .unwrap_or_default();
        let index = self.tape.push(Exchange {
            service: self.service,
            operation: operation(cfg),
            request,
            status: 0,
            headers: Vec::new(),
            response: Bytes::new(),
            elapsed: Duration::ZERO,
        });
        cfg.interceptor_state().store_put(InFlight {
            index,
            at: Instant::now(),
        });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(sent) = cfg.load::<InFlight>().copied() else {
            return Ok(());
        };
        let response = context.response();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let body = response
            .body()
            .bytes()
            .map(Bytes::copy_from_slice)
            .unwrap_or_default();
        self.tape
            .answer(sent, response.status().as_u16(), headers, body);
        Ok(())
    }
}

/// The CPU time of the thread spent inside SDK operations: from each operation's first
/// interceptor hook (before its input is serialised) to its last (after its answer is parsed),
/// summed; while operations overlap (a handler that sends several at once), the time counts
/// once. The replay's answering is inside that span; what the SDK does before the first hook
/// (merging the client's configuration for the call) and after the last is outside it.
#[derive(Debug, Clone, Default)]
pub struct SdkMeter(Arc<MeterState>);

#[derive(Debug, Default)]
struct MeterState {
    in_flight: AtomicUsize,
    /// The thread's CPU time when the first of the operations in flight began, in ns.
    since_ns: AtomicU64,
    total_ns: AtomicU64,
}

fn thread_cpu_ns() -> u64 {
    u64::try_from(cpu_time::ThreadTime::now().as_duration().as_nanos()).unwrap_or(u64::MAX)
}

impl SdkMeter {
    /// The CPU time counted so far; `None` while an operation is in flight, or if one never
    /// reached its last hook (the SDK stops some failures before it), which leaves the count
    /// stuck.
    pub fn total(&self) -> Option<Duration> {
        (self.0.in_flight.load(Ordering::Relaxed) == 0)
            .then(|| Duration::from_nanos(self.0.total_ns.load(Ordering::Relaxed)))
    }
}

impl Intercept for SdkMeter {
    fn name(&self) -> &'static str {
        "BenchSdkMeter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.0.in_flight.fetch_add(1, Ordering::Relaxed) == 0 {
            self.0.since_ns.store(thread_cpu_ns(), Ordering::Relaxed);
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if self.0.in_flight.fetch_sub(1, Ordering::Relaxed) == 1 {
            let spent = thread_cpu_ns().saturating_sub(self.0.since_ns.load(Ordering::Relaxed));
            self.0.total_ns.fetch_add(spent, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// The answers of one recorded handler run, for each service, given back in the order they
/// were recorded, from the start again after each [`Replay::rewind`]. Requests that were
/// never sent (presigned URLs) have no answer and are left out.
#[derive(Debug, Clone)]
pub struct Replay {
    services: Vec<Answers>,
}

/// One service's recorded answers and the next one to give.
#[derive(Debug, Clone)]
struct Answers {
    service: &'static str,
    exchanges: Arc<Vec<Exchange>>,
    next: Arc<AtomicUsize>,
}

impl Replay {
    pub fn new(exchanges: &[Exchange]) -> Self {
        let services = SERVICES
            .iter()
            .map(|service| {
                let mine: Vec<Exchange> = exchanges
                    .iter()
                    .filter(|e| e.service == *service && e.status != 0)
                    .cloned()
                    .collect();
                Answers {
                    service,
                    exchanges: Arc::new(mine),
                    next: Arc::new(AtomicUsize::new(0)),
                }
            })
            .collect();
        Self { services }
    }

    /// Starts every service's answers from the first again.
    pub fn rewind(&self) {
        for answers in &self.services {
            answers.next.store(0, Ordering::Relaxed);
        }
    }

    fn http_client(&self, service: &str) -> SharedHttpClient {
        let (exchanges, next) = self
            .services
            .iter()
            .find(|a| a.service == service)
            .map(|a| (a.exchanges.clone(), a.next.clone()))
            .unwrap_or_default();
        infallible_client_fn(move |_request| {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(exchange) = exchanges.get(index) else {
                let mut response = http::Response::new(SdkBody::from("no more recorded answers"));
                *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                return response;
            };
            let mut response = http::Response::new(SdkBody::from(exchange.response.clone()));
            *response.status_mut() = http::StatusCode::from_u16(exchange.status)
                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
            for (name, value) in &exchange.headers {
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_bytes()),
                    http::HeaderValue::from_str(value),
                ) {
                    response.headers_mut().append(name, value);
                }
            }
            response
        })
    }

    /// Clients like `clients` (same region, credentials and settings) answered by this replay,
    /// their operations' CPU counted by `meter` if there is one.
    pub fn clients(&self, clients: &AwsClients, meter: Option<&SdkMeter>) -> AwsClients {
        reconfigured!(clients, |config, service| {
            let mut config = config.http_client(self.http_client(service));
            if let Some(meter) = meter {
                config = config.interceptor(meter.clone());
            }
            config
        })
    }
}
