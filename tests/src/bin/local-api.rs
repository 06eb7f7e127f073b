//! The local API for the front end's developers.
//!
//! `local-api serve` serves every route of the HTTP API on 127.0.0.1 (port `PORTAL_API_PORT`,
//! default 8787) with API Gateway's paths, turning each request into the API Gateway HTTP API
//! (v2) event the deployed function receives and running the same handler, against the local
//! AWS stack named by `PORTAL_LOCAL_ENDPOINT` (it refuses any other). It also does what AWS
//! would do around the functions: it fires schedules when they fall due, and runs the outbox
//! dispatcher and the SLA and auto-close sweeps.
//!
//! `local-api token --role customer --account acc-demo [--email …] [--name …] [--locale fr]`
//! prints a development token for `Authorization: Bearer …`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use portal::App;
use portal::ports::SystemClock;
use portal_tests::local_api::{self, DevClaims, Function};
use portal_tests::{LocalStack, Names};

/// Largest request body, as Lambda's synchronous payload limit.
const MAX_BODY: usize = 6 * 1024 * 1024;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("token") => token(&args[1..]),
        Some("serve") => serve().await,
        _ => {
            eprintln!(
                "usage: local-api serve | local-api token --role ROLE [--account ID] [--managed A,B] [--email E] [--name N] [--locale en|fr] [--sub S]"
            );
            std::process::exit(2);
        }
    }
}

fn token(args: &[String]) {
    let mut options: HashMap<&str, String> = HashMap::new();
    for pair in args.chunks(2) {
        if let [flag, value] = pair {
            options.insert(flag.trim_start_matches("--"), value.clone());
        }
    }
    let role = options
        .get("role")
        .cloned()
        .unwrap_or_else(|| "customer".to_owned());
    let email = options
        .get("email")
        .cloned()
        .unwrap_or_else(|| format!("{}@portal.local.example", role.replace('_', ".")));
    let claims = DevClaims {
        sub: options
            .get("sub")
            .cloned()
            .unwrap_or_else(|| format!("dev-{role}")),
        name: options
            .get("name")
            .cloned()
            .unwrap_or_else(|| email.clone()),
        email,
        account_id: options
            .get("account")
            .cloned()
            .or_else(|| (role == "customer").then(|| "acc-demo".to_owned())),
        managed_account_ids: options
            .get("managed")
            .map(|m| m.split(',').map(str::to_owned).collect())
            .unwrap_or_default(),
        locale: options
            .get("locale")
            .cloned()
            .unwrap_or_else(|| "en".to_owned()),
        exp: u64::try_from((chrono::Utc::now() + chrono::Duration::days(30)).timestamp())
            .unwrap_or(0),
        role,
    };
    match local_api::sign(&claims) {
        Ok(token) => println!("{token}"),
        Err(e) => {
            eprintln!("cannot sign: {e}");
            std::process::exit(1);
        }
    }
}

async fn serve() {
    let endpoint = std::env::var(portal_tests::ENDPOINT_VARIABLE).unwrap_or_default();
    let local =
        endpoint.starts_with("http://127.0.0.1:") || endpoint.starts_with("http://localhost:");
    if !local {
        eprintln!(
            "refusing to start: {} must name the local AWS stack on a loopback address (got `{endpoint}`); start it with infra/local/api.sh",
            portal_tests::ENDPOINT_VARIABLE
        );
        std::process::exit(1);
    }
    let stack = LocalStack::connect().await;
    let names = Names::local();
    stack.provision(&names, true).await;
    let app = Arc::new(stack.app(&names, Arc::new(SystemClock)));

    tokio::spawn(background(app.clone(), stack.clone(), names.clone()));

    let port: u16 = std::env::var("PORTAL_API_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(8787);
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on 127.0.0.1:{port}: {e}");
            std::process::exit(1);
        }
    };
    println!("local API on http://127.0.0.1:{port} (local AWS stack {endpoint})");
    let router = axum::Router::new().fallback(handle).with_state(app);
    if let Err(e) = axum::serve(listener, router).await {
        eprintln!("server stopped: {e}");
    }
}

fn problem(status: u16, code: &str, detail: &str) -> Response {
    let body = serde_json::json!({
        "type": format!("urn:support-portal:problem:{code}"),
        "title": code,
        "status": status,
        "detail": detail,
        "code": code,
    });
    Response::builder()
        .status(status)
        .header("content-type", "application/problem+json")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let headers: HashMap<String, String> = request
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned())))
        .collect();
    let Some((template, function, params)) = local_api::route(&method, &path) else {
        let allowed = local_api::methods_for(&path);
        if allowed.is_empty() {
            return problem(404, "not_found", "no such route");
        }
        let mut response = problem(
            405,
            "method_not_allowed",
            "this path does not take that method",
        );
        if let Ok(value) = allowed.join(", ").parse() {
            response.headers_mut().insert("allow", value);
        }
        return response;
    };
    // What the JWT authorizer does: no valid token, no call.
    let Some(claims) = local_api::verify(headers.get("authorization").map(String::as_str)) else {
        return problem(401, "unauthorized", "a valid bearer token is required");
    };
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), MAX_BODY).await else {
        return problem(
            413,
            "payload_too_large",
            "the body is over 6 MB; upload files through an attachment upload URL",
        );
    };
    let body = String::from_utf8_lossy(&bytes);
    let event = local_api::event(&local_api::Incoming {
        method: &method,
        template,
        path: &path,
        raw_query: &query,
        headers: &headers,
        path_parameters: &params,
        claims: &claims,
        body: &body,
    });
    let Ok(lambda_request) = lambda_http::request::from_str(&event.to_string()) else {
        return problem(400, "bad_request", "the request could not be read");
    };
    let response = match function {
        Function::RaiseTicket => portal::api::raise::handle(&app, lambda_request).await,
        Function::GetTicket => portal::api::tickets::get(&app, lambda_request).await,
        Function::ListTickets => portal::api::tickets::list(&app, lambda_request).await,
        Function::ListMessages => portal::api::messages::list(&app, lambda_request).await,
        Function::PostMessage => portal::api::changes::post_message(&app, lambda_request).await,
        Function::UpdateTicket => portal::api::changes::update(&app, lambda_request).await,
        Function::CloseTicket => portal::api::changes::closing(&app, lambda_request).await,
        Function::Attachments => portal::api::attachments::handle(&app, lambda_request).await,
        Function::Rma => portal::api::rmas::handle(&app, lambda_request).await,
        Function::Tasks => portal::api::tasks::handle(&app, lambda_request).await,
        Function::Overview => portal::api::overview::handle(&app, lambda_request).await,
    };
    let (parts, body) = response.into_parts();
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let mut out = Response::builder().status(parts.status.as_u16());
    for (name, value) in &parts.headers {
        out = out.header(name.as_str(), value.as_bytes());
    }
    out.body(Body::from(bytes)).unwrap_or_default()
}

/// What AWS does around the functions: schedules fire when due (and delete themselves), the
/// outbox dispatcher runs every minute, the sweeps every few.
async fn background(app: Arc<App>, stack: LocalStack, names: Names) {
    loop {
        fire_due_schedules(&app, &stack, &names).await;
        let _ = portal::effects::dispatch_due(&app, 200).await;
        let _ = portal::sla_monitor::sweep(&app, 200).await;
        let _ = portal::auto_close::sweep(&app, 200).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

async fn fire_due_schedules(app: &App, stack: &LocalStack, names: &Names) {
    let scheduler = &stack.clients.scheduler;
    let Ok(list) = scheduler
        .list_schedules()
        .group_name(&names.schedule_group)
        .send()
        .await
    else {
        return;
    };
    let now = chrono::Utc::now();
    for summary in list.schedules() {
        let Some(name) = summary.name() else { continue };
        let Some(schedule) = stack.schedule(&names.schedule_group, name).await else {
            continue;
        };
        let due = schedule
            .schedule_expression()
            .and_then(|e| e.strip_prefix("at(")?.strip_suffix(')').map(str::to_owned))
            .and_then(|at| chrono::NaiveDateTime::parse_from_str(&at, "%Y-%m-%dT%H:%M:%S").ok())
            .map(|at| at.and_utc());
        if due.is_none_or(|due| due > now) {
            continue;
        }
        let Some(target) = schedule.target() else {
            continue;
        };
        let input = target.input().unwrap_or("{}");
        if target.arn() == app.config.sla_function_arn {
            if let Ok(input) = serde_json::from_str(input) {
                let _ = portal::sla_monitor::handle(app, input, 200).await;
            }
        } else if let Ok(input) = serde_json::from_str(input) {
            let _ = portal::auto_close::handle(app, input, 200).await;
        }
        // ActionAfterCompletion DELETE.
        let _ = scheduler
            .delete_schedule()
            .group_name(&names.schedule_group)
            .name(name)
            .send()
            .await;
        println!("fired schedule {name}");
    }
}
