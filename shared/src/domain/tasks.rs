//! The action box: what support does on a ticket, with the hours spent. Tasks of the
//! internal-comment type are for staff only; the others show the customer what is being done.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::identity::Caller;
use super::lifecycle::{Refusal, clean_text, field};
use super::ticket::{Person, Reference};

/// Most hours one task may record.
pub const MAX_TASK_HOURS: f64 = 1000.0;

/// What kind of action a task records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    SupportOperation,
    SoftwareComment,
    CommercialComment,
    CustomerRequest,
    FirmwareComment,
    /// Staff only: never shown to a customer.
    InternalComment,
}

/// Where a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Pending,
    InProgress,
    Done,
    Cancelled,
}

/// One task of a ticket's action box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub id: String,
    pub reference: Reference,
    pub text: String,
    pub hours: f64,
    pub kind: TaskKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    pub status: TaskStatus,
    pub created_by: Person,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Task {
    /// Whether the customer side may see it.
    pub fn visible_to_customers(&self) -> bool {
        self.kind != TaskKind::InternalComment
    }

    /// Still to be done: the overview's "planned action".
    pub fn is_planned(&self) -> bool {
        matches!(self.status, TaskStatus::Pending | TaskStatus::InProgress)
    }
}

/// The body of `POST /tickets/{reference}/tasks` and `PATCH …/tasks/{id}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRequest {
    pub text: Option<String>,
    pub hours: Option<f64>,
    pub kind: Option<TaskKind>,
    /// `YYYY-MM-DD`, or `null` to clear it.
    #[serde(default, with = "double_option")]
    pub due_on: Option<Option<String>>,
    pub status: Option<TaskStatus>,
}

/// Tells "absent" from "null" for a field that can be cleared.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

fn staff_only(caller: &Caller) -> Result<(), Refusal> {
    if caller.role.is_staff() {
        Ok(())
    } else {
        Err(Refusal::Forbidden(
            "only support staff record actions".into(),
        ))
    }
}

fn hours(value: f64) -> Result<f64, Refusal> {
    if value.is_finite() && (0.0..=MAX_TASK_HOURS).contains(&value) {
        Ok((value * 100.0).round() / 100.0)
    } else {
        Err(field(
            "hours",
            "invalid",
            format!("hours are a number from 0 to {MAX_TASK_HOURS}"),
        ))
    }
}

fn due_on(value: Option<&str>) -> Result<Option<NaiveDate>, Refusal> {
    value
        .map(|v| {
            let v = v.trim();
            let strict = v.len() == 10
                && v.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                });
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .ok()
                .filter(|d| strict && d.year() >= 2000)
                .ok_or_else(|| {
                    field(
                        "due_on",
                        "invalid",
                        "the due date is YYYY-MM-DD, from 2000 on",
                    )
                })
        })
        .transpose()
}

/// A new task, as staff record it.
pub fn create(
    reference: Reference,
    caller: &Caller,
    request: TaskRequest,
    now: DateTime<Utc>,
) -> Result<Task, Refusal> {
    staff_only(caller)?;
    let text = clean_text("text", request.text.as_deref(), true)?.unwrap_or_default();
    let Some(kind) = request.kind else {
        return Err(field("kind", "required", "give the task's type"));
    };
    Ok(Task {
        id: uuid::Uuid::now_v7().to_string(),
        reference,
        text,
        hours: hours(request.hours.unwrap_or(0.0))?,
        kind,
        due_on: due_on(request.due_on.flatten().as_deref())?,
        status: request.status.unwrap_or(TaskStatus::Pending),
        created_by: Person::from_caller(caller),
        created_at: now,
        updated_at: now,
    })
}

/// A task changed by staff: any of its fields.
pub fn update(
    task: &Task,
    caller: &Caller,
    request: TaskRequest,
    now: DateTime<Utc>,
) -> Result<Task, Refusal> {
    staff_only(caller)?;
    let nothing = request.text.is_none()
        && request.hours.is_none()
        && request.kind.is_none()
        && request.due_on.is_none()
        && request.status.is_none();
    if nothing {
        return Err(field(
            "status",
            "required",
            "give at least one of `text`, `hours`, `kind`, `due_on`, `status`",
        ));
    }
    let mut next = task.clone();
    if let Some(text) = clean_text("text", request.text.as_deref(), false)? {
        next.text = text;
    }
    if let Some(value) = request.hours {
        next.hours = hours(value)?;
    }
    if let Some(kind) = request.kind {
        next.kind = kind;
    }
    if let Some(value) = request.due_on {
        next.due_on = due_on(value.as_deref())?;
    }
    if let Some(status) = request.status {
        next.status = status;
    }
    next.updated_at = now;
    Ok(next)
}
