//! The support portal's backend library, shared by every Lambda function in `functions/`.
//!
//! - [`domain`]: tickets, categories, callers, the working calendar; pure rules, no I/O.
//! - [`ports`]: the clock, mailer and scheduler the domain needs, as traits.
//! - [`adapters`]: one adapter per AWS service (SES, EventBridge Scheduler).
//! - [`store`]: the DynamoDB table, its keys and access patterns.
//! - [`mail`]: who is told what, rendered from templates into MIME.
//! - [`effects`]: the outbox that makes e-mails and schedules survive failures.
//! - [`api`]: the HTTP handlers behind API Gateway.
//! - [`auto_close`]: the seven-day closing, driven by schedules and a sweep.
//! - [`sla_monitor`]: SLA breaches, driven by schedules and a sweep.
//! - [`attachments`]: confirming uploads before an attachment can be used.
//! - [`app`] and [`config`]: what a function builds once per cold start; [`serve`]: how it
//!   starts and runs.

pub mod adapters;
pub mod api;
pub mod app;
pub mod attachments;
pub mod auto_close;
pub mod config;
pub mod domain;
pub mod effects;
pub mod mail;
pub mod ports;
pub mod serve;
pub mod sla_monitor;
pub mod store;

pub use app::App;
