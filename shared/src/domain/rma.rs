//! Returns (RMA): a customer asks, from one of its tickets, to return a faulty device.
//! Support first diagnoses remotely (many faults are fixed without a return), then approves
//! (a replacement ships, with carrier and tracking number) or rejects (with a reason); the
//! faulty unit is received; the RMA is completed. Every step is dated and kept.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::identity::{Caller, Role};
use super::lifecycle::{Refusal, clean_text, field};
use super::ticket::{Person, Reference};

/// Where a return is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RmaStatus {
    Requested,
    RemoteDiagnosis,
    Approved,
    Rejected,
    UnitReceived,
    Completed,
}

impl RmaStatus {
    /// The steps support may take from here.
    pub fn next(self) -> &'static [RmaStatus] {
        use RmaStatus::*;
        match self {
            Requested => &[RemoteDiagnosis],
            RemoteDiagnosis => &[Approved, Rejected],
            Approved => &[UnitReceived],
            UnitReceived => &[Completed],
            Rejected | Completed => &[],
        }
    }

    /// How the step reads in an e-mail.
    pub fn label(self, language: super::identity::Language) -> &'static str {
        use super::identity::Language::{En, Fr};
        match (self, language) {
            (Self::Requested, En) => "requested",
            (Self::Requested, Fr) => "demandé",
            (Self::RemoteDiagnosis, En) => "remote diagnosis in progress",
            (Self::RemoteDiagnosis, Fr) => "diagnostic à distance en cours",
            (Self::Approved, En) => "approved: a replacement is on its way",
            (Self::Approved, Fr) => "approuvé : un remplacement est en route",
            (Self::Rejected, En) => "rejected",
            (Self::Rejected, Fr) => "refusé",
            (Self::UnitReceived, En) => "faulty unit received",
            (Self::UnitReceived, Fr) => "appareil défectueux reçu",
            (Self::Completed, En) => "completed",
            (Self::Completed, Fr) => "terminé",
        }
    }
}

/// One dated step of a return.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RmaStep {
    pub status: RmaStatus,
    pub at: DateTime<Utc>,
    pub by: Person,
    pub by_role: Role,
    /// Shown to the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Support's own assessment: never shown to a customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_note: Option<String>,
}

/// A return merchandise authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rma {
    pub id: String,
    pub reference: Reference,
    pub account_id: String,
    pub serial: String,
    pub fault: String,
    pub return_address: String,
    pub status: RmaStatus,
    pub steps: Vec<RmaStep>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejection_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// The body of `POST /tickets/{reference}/rmas`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmaRequest {
    pub serial: Option<String>,
    pub fault: Option<String>,
    pub return_address: Option<String>,
}

/// The body of `POST /tickets/{reference}/rmas/{id}/steps` (staff).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RmaStepRequest {
    pub to: Option<RmaStatus>,
    pub note: Option<String>,
    pub internal_note: Option<String>,
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub reason: Option<String>,
}

/// Why a step is refused, besides bad fields.
pub fn illegal(from: RmaStatus, to: RmaStatus) -> Refusal {
    Refusal::IllegalRmaStep { from, to }
}

fn one_line(name: &str, value: Option<&str>) -> Result<String, Refusal> {
    let value = value.map(str::trim).filter(|v| !super::text::is_blank(v));
    match value {
        Some(v) if !super::text::has_line_breaks(v) && v.chars().count() <= 100 => {
            Ok(super::text::nfc(v))
        }
        Some(_) => Err(field(
            name,
            "invalid",
            format!("`{name}` is one line of at most 100 characters"),
        )),
        None => Err(field(name, "required", format!("give the `{name}`"))),
    }
}

/// A customer (or staff for it) asks to return a device, from a ticket of its account.
pub fn request(
    reference: Reference,
    account_id: &str,
    caller: &Caller,
    body: RmaRequest,
    now: DateTime<Utc>,
) -> Result<Rma, Refusal> {
    let serial = one_line("serial", body.serial.as_deref())?;
    let well_formed = serial.len() <= 64
        && serial.starts_with(|c: char| c.is_ascii_alphanumeric())
        && serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'));
    if !well_formed {
        return Err(field(
            "serial",
            "invalid",
            "a serial number is letters, digits, `-`, `_`, `.` or `/`",
        ));
    }
    let fault = clean_text("fault", body.fault.as_deref(), true)?.unwrap_or_default();
    let return_address =
        clean_text("return_address", body.return_address.as_deref(), true)?.unwrap_or_default();
    if fault.chars().count() > 5000 {
        return Err(field(
            "fault",
            "too_long",
            "the fault is at most 5,000 characters",
        ));
    }
    if return_address.chars().count() > 1000 {
        return Err(field(
            "return_address",
            "too_long",
            "the return address is at most 1,000 characters",
        ));
    }
    let by = Person::from_caller(caller);
    Ok(Rma {
        id: uuid::Uuid::now_v7().to_string(),
        reference,
        account_id: account_id.to_owned(),
        serial: serial.to_ascii_uppercase(),
        fault,
        return_address,
        status: RmaStatus::Requested,
        steps: vec![RmaStep {
            status: RmaStatus::Requested,
            at: now,
            by,
            by_role: caller.role,
            note: None,
            internal_note: None,
        }],
        carrier: None,
        tracking_number: None,
        rejection_reason: None,
        created_at: now,
        updated_at: now,
        version: 1,
    })
}

/// Support moves a return one step on.
pub fn step(
    rma: &Rma,
    caller: &Caller,
    body: RmaStepRequest,
    now: DateTime<Utc>,
) -> Result<Rma, Refusal> {
    if !caller.role.is_staff() {
        return Err(Refusal::Forbidden(
            "only support staff move a return on".into(),
        ));
    }
    let Some(to) = body.to else {
        return Err(field(
            "to",
            "required",
            "give the step: remote_diagnosis, approved, rejected, unit_received or completed",
        ));
    };
    let note = clean_text("note", body.note.as_deref(), false)?;
    let internal_note = clean_text("internal_note", body.internal_note.as_deref(), false)?;
    if !rma.status.next().contains(&to) {
        return Err(illegal(rma.status, to));
    }
    let mut next = rma.clone();
    match to {
        RmaStatus::Approved => {
            next.carrier = Some(one_line("carrier", body.carrier.as_deref())?);
            next.tracking_number = Some(one_line(
                "tracking_number",
                body.tracking_number.as_deref(),
            )?);
        }
        RmaStatus::Rejected => {
            next.rejection_reason =
                Some(clean_text("reason", body.reason.as_deref(), true)?.unwrap_or_default());
        }
        _ => {}
    }
    next.status = to;
    next.steps.push(RmaStep {
        status: to,
        at: now,
        by: Person::from_caller(caller),
        by_role: caller.role,
        note,
        internal_note,
    });
    next.updated_at = now;
    next.version += 1;
    Ok(next)
}
