//! The outside world as the domain needs it: a clock, a mailer and a scheduler of one-time
//! deadlines. Each has one AWS adapter in `adapters/`; tests may put their own in place.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};

/// The current instant; injected so that tests can move time.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock, to the millisecond: what is stored and shown never carries more.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Sets the time.
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = at;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A finished e-mail: the complete MIME message and the addresses it goes to. The envelope
/// recipients are given explicitly, so nothing in the message text can add one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingEmail {
    /// What the e-mail is for, for logs (e.g. `ticket_raised_ack`).
    pub purpose: String,
    pub recipients: Vec<String>,
    /// The MIME message, base64-encoded for storage.
    pub raw_base64: String,
}

/// A one-time EventBridge Scheduler schedule that invokes a function with a JSON input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimeSchedule {
    /// Deterministic, so that creating it twice is harmless and moving it needs no lookup.
    pub name: String,
    pub group: String,
    pub at: DateTime<Utc>,
    pub target_arn: String,
    pub role_arn: String,
    pub input: String,
    /// Where the scheduler puts a delivery it could not make after its retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dead_letter_arn: Option<String>,
}

/// An outbound call failed; the effect stays pending and is tried again.
#[derive(Debug, thiserror::Error)]
#[error("{service}: {message}")]
pub struct DeliveryError {
    pub service: &'static str,
    pub message: String,
}

/// Sends e-mail.
#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends one message; returns the provider's message id.
    async fn send(&self, email: &OutgoingEmail) -> Result<String, DeliveryError>;
}

/// Creates and moves one-time schedules.
#[async_trait]
pub trait DeadlineScheduler: Send + Sync {
    /// Creates the schedule, or moves it if one of that name exists already.
    async fn upsert(&self, schedule: &OneTimeSchedule) -> Result<(), DeliveryError>;

    /// Removes a schedule; one that does not exist (fired, or never made) is not an error.
    async fn delete(&self, group: &str, name: &str) -> Result<(), DeliveryError>;
}
