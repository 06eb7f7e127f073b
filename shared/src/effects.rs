//! Side effects that must never be lost: e-mails and schedules. A change stores the effects it
//! needs in the same transaction as the change itself (an outbox); they are then carried out at
//! once, and whatever failed stays stored and is retried by the outbox dispatcher until done.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tracing::{info, warn};

use crate::app::App;
use crate::domain::ticket::{ClockKind, Reference};
use crate::ports::{OneTimeSchedule, OutgoingEmail};
use crate::store::{PendingEffect, PendingEffectKind, StoreError};

/// Longest wait between two attempts at the same effect.
const MAX_BACKOFF: Duration = Duration::hours(1);

/// The input an SLA schedule delivers to the SLA function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SlaDeadlineEvent {
    pub kind: String,
    pub reference: Reference,
    pub clock: ClockKind,
    pub due_at: DateTime<Utc>,
}

/// The deterministic name of a clock's schedule: one schedule per running clock.
pub fn sla_schedule_name(reference: Reference, clock: ClockKind) -> String {
    format!("sla-{reference}-{}", clock.code())
}

/// The one-time schedule that fires when a clock falls due.
pub fn sla_schedule(
    app: &App,
    reference: Reference,
    clock: ClockKind,
    due_at: DateTime<Utc>,
) -> OneTimeSchedule {
    let event = SlaDeadlineEvent {
        kind: "sla_deadline".to_owned(),
        reference,
        clock,
        due_at,
    };
    OneTimeSchedule {
        name: sla_schedule_name(reference, clock),
        group: app.config.schedule_group.clone(),
        at: due_at,
        target_arn: app.config.sla_function_arn.clone(),
        role_arn: app.config.scheduler_role_arn.clone(),
        input: serde_json::to_string(&event).unwrap_or_default(),
        dead_letter_arn: Some(app.config.scheduler_dead_letter_arn.clone()),
    }
}

/// The deterministic name of a ticket's auto-close schedule.
pub fn auto_close_schedule_name(reference: Reference) -> String {
    format!("autoclose-{reference}")
}

/// The input an auto-close schedule delivers to the auto-close function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct AutoCloseEvent {
    pub kind: String,
    pub reference: Reference,
    pub auto_close_at: DateTime<Utc>,
}

/// The one-time schedule that closes a ticket when its proposal's seven days are over.
pub fn auto_close_schedule(app: &App, reference: Reference, at: DateTime<Utc>) -> OneTimeSchedule {
    let event = AutoCloseEvent {
        kind: "auto_close".to_owned(),
        reference,
        auto_close_at: at,
    };
    OneTimeSchedule {
        name: auto_close_schedule_name(reference),
        group: app.config.schedule_group.clone(),
        at,
        target_arn: app.config.auto_close_function_arn.clone(),
        role_arn: app.config.scheduler_role_arn.clone(),
        input: serde_json::to_string(&event).unwrap_or_default(),
        dead_letter_arn: Some(app.config.scheduler_dead_letter_arn.clone()),
    }
}

/// The side effects a decided change needs: its e-mails, and its schedules created, moved
/// or removed.
pub fn for_change(
    app: &App,
    change: &crate::domain::lifecycle::Change,
    now: DateTime<Utc>,
) -> Result<Vec<PendingEffect>, crate::mail::NotifyError> {
    use crate::domain::lifecycle::ScheduleChange;
    let reference = change.ticket.reference;
    let emails = crate::mail::for_change(&app.config, &app.templates, change)?;
    let mut effects = pending(reference, now, emails, Vec::new());
    let group = app.config.schedule_group.clone();
    for schedule in &change.schedules {
        let effect = match schedule {
            ScheduleChange::SetAutoClose(at) => {
                PendingEffectKind::Schedule(auto_close_schedule(app, reference, *at))
            }
            ScheduleChange::CancelAutoClose => PendingEffectKind::CancelSchedule {
                group: group.clone(),
                name: auto_close_schedule_name(reference),
            },
            ScheduleChange::SetClock(kind, due) => {
                PendingEffectKind::Schedule(sla_schedule(app, reference, *kind, *due))
            }
            ScheduleChange::CancelClock(kind) => PendingEffectKind::CancelSchedule {
                group: group.clone(),
                name: sla_schedule_name(reference, *kind),
            },
        };
        effects.push(PendingEffect {
            id: uuid::Uuid::now_v7().to_string(),
            reference,
            created_at: now,
            attempts: 0,
            effect,
        });
    }
    Ok(effects)
}

/// Wraps e-mails and schedules as pending effects of a ticket.
pub fn pending(
    reference: Reference,
    now: DateTime<Utc>,
    emails: Vec<OutgoingEmail>,
    schedules: Vec<OneTimeSchedule>,
) -> Vec<PendingEffect> {
    let effects = emails
        .into_iter()
        .map(PendingEffectKind::Email)
        .chain(schedules.into_iter().map(PendingEffectKind::Schedule));
    effects
        .map(|effect| PendingEffect {
            id: uuid::Uuid::now_v7().to_string(),
            reference,
            created_at: now,
            attempts: 0,
            effect,
        })
        .collect()
}

/// What became of a batch of effects.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    pub delivered: usize,
    pub failed: usize,
}

/// Carries out one effect. A schedule whose time has already passed is not created (it would
/// fire at once); the SLA sweep finds such deadlines instead.
async fn carry_out(app: &App, effect: &PendingEffect, now: DateTime<Utc>) -> Result<(), String> {
    match &effect.effect {
        PendingEffectKind::Email(email) => {
            let id = app.mailer.send(email).await.map_err(|e| e.to_string())?;
            info!(
                reference = effect.reference,
                purpose = %email.purpose,
                message_id = %id,
                "e-mail sent"
            );
            Ok(())
        }
        PendingEffectKind::Schedule(schedule) if schedule.at <= now => {
            // Never created for a time that has passed (it would fire at once); an older
            // schedule of the same name is removed, and the sweep finds what is due.
            app.scheduler
                .delete(&schedule.group, &schedule.name)
                .await
                .map_err(|e| e.to_string())?;
            warn!(
                reference = effect.reference,
                schedule = %schedule.name,
                at = %schedule.at,
                "schedule time has passed; not created, the sweep covers it"
            );
            Ok(())
        }
        PendingEffectKind::CancelSchedule { group, name } => {
            app.scheduler
                .delete(group, name)
                .await
                .map_err(|e| e.to_string())?;
            info!(reference = effect.reference, schedule = %name, "schedule removed");
            Ok(())
        }
        PendingEffectKind::Schedule(schedule) => {
            app.scheduler
                .upsert(schedule)
                .await
                .map_err(|e| e.to_string())?;
            info!(
                reference = effect.reference,
                schedule = %schedule.name,
                at = %schedule.at,
                "schedule set"
            );
            Ok(())
        }
    }
}

/// Carries out effects just stored by a change. What succeeds is forgotten; what fails stays
/// stored for the dispatcher, and the change itself still succeeds.
pub async fn deliver_now(app: &App, effects: &[PendingEffect]) -> DeliveryReport {
    let now = app.clock.now();
    let mut done = Vec::with_capacity(effects.len());
    let mut report = DeliveryReport::default();
    for effect in effects {
        match carry_out(app, effect, now).await {
            Ok(()) => done.push(effect),
            Err(error) => {
                report.failed += 1;
                warn!(reference = effect.reference, effect = %effect.id, %error,
                    "side effect failed; kept for retry");
            }
        }
    }
    report.delivered = done.len();
    if let Err(error) = app.store.complete_effects(&done).await {
        // The effects happened; the dispatcher will find the records and repeat them, which
        // for a schedule is harmless and for an e-mail is a duplicate, never a loss.
        warn!(%error, "could not forget completed side effects");
    }
    report
}

/// The dispatcher's run: every stored effect that is due is tried again, with a growing
/// wait between attempts.
pub async fn dispatch_due(app: &App, limit: usize) -> Result<DeliveryReport, StoreError> {
    let now = app.clock.now();
    let due = app.store.due_effects(now, limit).await?;
    let mut report = DeliveryReport::default();
    let mut done = Vec::with_capacity(due.len());
    for effect in &due {
        match carry_out(app, effect, now).await {
            Ok(()) => done.push(effect),
            Err(error) => {
                report.failed += 1;
                let retry_at = now + backoff(effect.attempts + 1);
                warn!(reference = effect.reference, effect = %effect.id, attempts = effect.attempts + 1,
                    %error, %retry_at, "side effect failed again");
                app.store.postpone_effect(effect, retry_at, &error).await?;
            }
        }
    }
    report.delivered = done.len();
    app.store.complete_effects(&done).await?;
    Ok(report)
}

/// How many times a scheduled job decides again after losing a race to another writer.
const SYSTEM_ATTEMPTS: usize = 5;

/// A change the system makes on its own (a breach, an automatic closure): the ticket is read
/// afresh, `decide` says what to change (nothing, when it no longer applies), and the change is
/// written only if the ticket is still as read; after a lost race it is decided again. Returns
/// whether a change was made.
pub async fn system_change(
    app: &App,
    reference: Reference,
    decide: impl Fn(
        &crate::domain::ticket::Ticket,
        DateTime<Utc>,
    ) -> Option<crate::domain::lifecycle::Change>,
) -> Result<bool, StoreError> {
    for attempt in 1..=SYSTEM_ATTEMPTS {
        let Some(ticket) = app.store.ticket(reference).await? else {
            warn!(reference, "scheduled work for a ticket that does not exist");
            return Ok(false);
        };
        let now = app.clock.now();
        let Some(change) = decide(&ticket, now) else {
            return Ok(false);
        };
        let pending =
            for_change(app, &change, now).map_err(|e| StoreError::Mapping(e.to_string()))?;
        match app.store.save_change(&change, &pending).await {
            Ok(()) => {
                deliver_now(app, &pending).await;
                return Ok(true);
            }
            Err(crate::store::SaveError::Conflict) => crate::store::backoff(attempt).await,
            Err(crate::store::SaveError::Store(e)) => return Err(e),
        }
    }
    warn!(
        reference,
        "gave way to other writers; the sweep will look again"
    );
    Ok(false)
}

/// One minute after the first failure, doubling, at most an hour.
fn backoff(attempts: u32) -> Duration {
    let minutes = 1_i64
        .checked_shl(attempts.saturating_sub(1).min(10))
        .unwrap_or(i64::MAX);
    Duration::minutes(minutes).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(4), Duration::minutes(8));
        assert_eq!(backoff(50), Duration::hours(1));
    }
}
