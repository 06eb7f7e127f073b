//! The settings of a deployment, read once per cold start from environment variables. A
//! missing or malformed value stops the start with a message naming the variable.

use crate::domain::attachment::AttachmentRules;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::text;

/// Everything the functions need to know about their deployment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The one DynamoDB table (`TABLE_NAME`).
    pub table_name: String,
    /// Sender of every notification (`MAIL_FROM_ADDRESS`, `MAIL_FROM_NAME`).
    pub mail_from_address: String,
    pub mail_from_name: String,
    /// The support team's shared inbox (`SUPPORT_INBOX`).
    pub support_inbox: String,
    /// Where commercial requests are sent instead of becoming tickets (`SALES_CONTACT`).
    pub sales_contact: String,
    /// EventBridge Scheduler group for SLA and auto-close schedules (`SCHEDULE_GROUP`).
    pub schedule_group: String,
    /// The function that SLA schedules invoke (`SLA_FUNCTION_ARN`).
    pub sla_function_arn: String,
    /// The function that auto-close schedules invoke (`AUTO_CLOSE_FUNCTION_ARN`).
    pub auto_close_function_arn: String,
    /// Where the scheduler puts deliveries it could not make (`SCHEDULER_DEAD_LETTER_ARN`).
    pub scheduler_dead_letter_arn: String,
    /// The role the scheduler assumes to invoke them (`SCHEDULER_ROLE_ARN`).
    pub scheduler_role_arn: String,
    /// The support desk's working calendar (`SUPPORT_TIME_ZONE`, `SUPPORT_WORKING_DAYS`,
    /// `SUPPORT_HOURS`, `SUPPORT_HOLIDAYS`).
    pub calendar: WorkingCalendar,
    /// The work-order category's SLA in working days (`WORK_ORDER_SLA_DAYS`, default 3).
    pub work_order_sla_days: u32,
    /// The attachments bucket (`ATTACHMENTS_BUCKET`).
    pub attachments_bucket: String,
    /// Allowed attachment types and sizes (`ATTACHMENT_TYPES`, e.g. `image/png=20MB,…`) and
    /// the most per ticket (`ATTACHMENTS_PER_TICKET`, default 50).
    pub attachment_rules: AttachmentRules,
}

/// A setting that is missing or unusable.
#[derive(Debug, thiserror::Error)]
#[error("configuration variable {name}: {problem}")]
pub struct ConfigError {
    pub name: &'static str,
    pub problem: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so that tests can give their own.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ConfigError {
                    name,
                    problem: "is not set".into(),
                })
        };
        let optional = |name: &'static str, default: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        let address = |name: &'static str| {
            let value = required(name)?;
            if text::is_valid_email(&value) {
                Ok(value)
            } else {
                Err(ConfigError {
                    name,
                    problem: format!("`{value}` is not an e-mail address"),
                })
            }
        };

        let calendar = WorkingCalendar::from_settings(
            &optional("SUPPORT_TIME_ZONE", "Europe/London"),
            &optional("SUPPORT_WORKING_DAYS", "Mon-Fri"),
            &optional("SUPPORT_HOURS", "09:00-17:30"),
            &lookup("SUPPORT_HOLIDAYS").unwrap_or_else(default_holidays),
        )
        .map_err(|e| ConfigError {
            name: "SUPPORT_*",
            problem: e.to_string(),
        })?;
        let work_order_sla_days = optional("WORK_ORDER_SLA_DAYS", "3")
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=30).contains(d))
            .ok_or(ConfigError {
                name: "WORK_ORDER_SLA_DAYS",
                problem: "must be a whole number of working days from 1 to 30".into(),
            })?;

        let mut attachment_rules = AttachmentRules::default();
        if let Some(types) = lookup("ATTACHMENT_TYPES").filter(|t| !t.trim().is_empty()) {
            attachment_rules.types =
                AttachmentRules::parse_types(&types).map_err(|e| ConfigError {
                    name: "ATTACHMENT_TYPES",
                    problem: e.to_string(),
                })?;
        }
        attachment_rules.max_per_ticket = optional("ATTACHMENTS_PER_TICKET", "50")
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=500).contains(n))
            .ok_or(ConfigError {
                name: "ATTACHMENTS_PER_TICKET",
                problem: "must be a whole number from 1 to 500".into(),
            })?;

        Ok(Self {
            table_name: required("TABLE_NAME")?,
            attachments_bucket: required("ATTACHMENTS_BUCKET")?,
            attachment_rules,
            mail_from_address: address("MAIL_FROM_ADDRESS")?,
            mail_from_name: text::single_line(&optional("MAIL_FROM_NAME", "Support")),
            support_inbox: address("SUPPORT_INBOX")?,
            sales_contact: address("SALES_CONTACT")?,
            schedule_group: required("SCHEDULE_GROUP")?,
            sla_function_arn: required("SLA_FUNCTION_ARN")?,
            auto_close_function_arn: required("AUTO_CLOSE_FUNCTION_ARN")?,
            scheduler_dead_letter_arn: required("SCHEDULER_DEAD_LETTER_ARN")?,
            scheduler_role_arn: required("SCHEDULER_ROLE_ARN")?,
            calendar,
            work_order_sla_days,
        })
    }
}

/// The default calendar's holidays, as the operator would write them.
fn default_holidays() -> String {
    WorkingCalendar::support_desk_default()
        .holidays()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("TABLE_NAME", "portal"),
            ("ATTACHMENTS_BUCKET", "portal-attachments"),
            ("MAIL_FROM_ADDRESS", "support@portal.example"),
            ("SUPPORT_INBOX", "desk@portal.example"),
            ("SALES_CONTACT", "sales@portal.example"),
            ("SCHEDULE_GROUP", "portal-sla"),
            (
                "SLA_FUNCTION_ARN",
                "arn:aws:lambda:eu-west-1:123456789012:function:sla",
            ),
            (
                "SCHEDULER_ROLE_ARN",
                "arn:aws:iam::123456789012:role/scheduler",
            ),
            (
                "AUTO_CLOSE_FUNCTION_ARN",
                "arn:aws:lambda:eu-west-1:123456789012:function:auto-close",
            ),
            (
                "SCHEDULER_DEAD_LETTER_ARN",
                "arn:aws:sqs:eu-west-1:123456789012:scheduler-dead-letters",
            ),
        ])
    }

    #[test]
    fn defaults_fill_the_calendar() {
        let s = settings();
        let config = Config::from_lookup(|k| s.get(k).map(|v| v.to_string())).expect("valid");
        assert_eq!(config.work_order_sla_days, 3);
        assert_eq!(config.calendar, WorkingCalendar::support_desk_default());
    }

    #[test]
    fn a_missing_variable_is_named() {
        let mut s = settings();
        s.remove("SUPPORT_INBOX");
        let err = Config::from_lookup(|k| s.get(k).map(|v| v.to_string())).expect_err("missing");
        assert_eq!(err.name, "SUPPORT_INBOX");
    }

    #[test]
    fn a_bad_value_is_named() {
        let mut s = settings();
        s.insert("WORK_ORDER_SLA_DAYS", "many");
        let err = Config::from_lookup(|k| s.get(k).map(|v| v.to_string())).expect_err("bad");
        assert_eq!(err.name, "WORK_ORDER_SLA_DAYS");
    }
}
