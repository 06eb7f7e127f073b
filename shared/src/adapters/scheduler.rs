//! EventBridge Scheduler: one-time `at(...)` schedules that invoke a function once and then
//! delete themselves. Creating an existing schedule moves it instead, so retries are harmless.

use async_trait::async_trait;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode,
    RetryPolicy, Target,
};
use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::ports::{DeadlineScheduler, DeliveryError, OneTimeSchedule};

/// How often the scheduler retries a failed invocation.
const MAX_RETRY_ATTEMPTS: i32 = 20;
/// How long it keeps trying, in seconds.
const MAX_EVENT_AGE_SECONDS: i32 = 24 * 60 * 60;

/// Schedules through EventBridge Scheduler.
#[derive(Debug, Clone)]
pub struct EventBridgeScheduler {
    client: aws_sdk_scheduler::Client,
}

impl EventBridgeScheduler {
    pub fn new(client: aws_sdk_scheduler::Client) -> Self {
        Self { client }
    }
}

fn failure(message: impl Into<String>) -> DeliveryError {
    DeliveryError {
        service: "scheduler",
        message: message.into(),
    }
}

/// The `at()` expression for an instant, in UTC. The scheduler counts in whole seconds, so a
/// fraction rounds up: a deadline never fires before it is due.
pub fn at_expression(at: DateTime<Utc>) -> String {
    let whole = at.trunc_subsecs(0);
    let at = if whole < at {
        whole + Duration::seconds(1)
    } else {
        whole
    };
    format!("at({})", at.format("%Y-%m-%dT%H:%M:%S"))
}

#[async_trait]
impl DeadlineScheduler for EventBridgeScheduler {
    async fn upsert(&self, schedule: &OneTimeSchedule) -> Result<(), DeliveryError> {
        // A delivery that fails is retried for up to a day, then kept in the dead-letter
        // queue; the sweeps find whatever it was about in any case.
        let retry = RetryPolicy::builder()
            .maximum_retry_attempts(MAX_RETRY_ATTEMPTS)
            .maximum_event_age_in_seconds(MAX_EVENT_AGE_SECONDS)
            .build();
        let mut target = Target::builder()
            .arn(&schedule.target_arn)
            .role_arn(&schedule.role_arn)
            .input(&schedule.input)
            .retry_policy(retry);
        if let Some(arn) = &schedule.dead_letter_arn {
            target = target.dead_letter_config(DeadLetterConfig::builder().arn(arn).build());
        }
        let target = target.build().map_err(|e| failure(e.to_string()))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| failure(e.to_string()))?;
        let expression = at_expression(schedule.at);

        let created = self
            .client
            .create_schedule()
            .name(&schedule.name)
            .group_name(&schedule.group)
            .schedule_expression(&expression)
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window.clone())
            .target(target.clone())
            .action_after_completion(ActionAfterCompletion::Delete)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conflict_exception()) =>
            {
                self.client
                    .update_schedule()
                    .name(&schedule.name)
                    .group_name(&schedule.group)
                    .schedule_expression(&expression)
                    .schedule_expression_timezone("UTC")
                    .flexible_time_window(window)
                    .target(target)
                    .action_after_completion(ActionAfterCompletion::Delete)
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| failure(super::describe(&e)))
            }
            Err(e) => Err(failure(super::describe(&e))),
        }
    }

    async fn delete(&self, group: &str, name: &str) -> Result<(), DeliveryError> {
        match self
            .client
            .delete_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(failure(super::describe(&e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_of_a_second_round_up() {
        let at: DateTime<Utc> = "2026-12-04T17:00:00.250Z".parse().expect("instant");
        assert_eq!(at_expression(at), "at(2026-12-04T17:00:01)");
        let at: DateTime<Utc> = "2026-12-04T17:00:00Z".parse().expect("instant");
        assert_eq!(at_expression(at), "at(2026-12-04T17:00:00)");
    }
}
