//! The benchmarks' parts, run together by `tests/benches/portal.rs` (through
//! `infra/local/bench.sh`): they report figures and never fail on them.
//!
//! - [`tape`] records every AWS request at the SDK and plays the answers back in-process;
//! - [`life`] plays a ticket's life through every function's handler;
//! - [`capacity`] works out DynamoDB capacity units from what was sent and read;
//! - [`processes`] runs the release binaries against a local Lambda Runtime API stand-in;
//! - [`scale`] loads thousands of tickets and times the sweeps;
//! - [`report`] prices a ticket's life and prints the tables.

pub mod capacity;
pub mod life;
pub mod processes;
pub mod report;
pub mod scale;
pub mod tape;
