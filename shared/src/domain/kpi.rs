//! The figures management needs, kept as per-day counters that every change adds to: tickets
//! opened and closed, automatic closures and reopenings, SLA clocks met and breached (per
//! clock, and per category for the category clock), first responses and their delay, and the
//! time spent waiting on customers. A date range's figures are the sum of its days, so their
//! cost follows the length of the range, never the number of tickets.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::WorkingCalendar;
use super::lifecycle::Change;
use super::sla::ClockState;
use super::ticket::{ClosedBy, HistoryEvent, Ticket};

/// Counter name → amount to add.
pub type Deltas = BTreeMap<String, i64>;

/// The desk's calendar day an instant falls on: the day the figures count it in.
pub fn day_of(calendar: &WorkingCalendar, at: DateTime<Utc>) -> NaiveDate {
    calendar.local_time(at).date_naive()
}

/// What a new ticket adds.
pub fn for_raise(ticket: &Ticket) -> Deltas {
    Deltas::from([
        ("opened".to_owned(), 1),
        (format!("opened_{}", ticket.category.code()), 1),
    ])
}

/// What a change adds, read from the history it writes.
pub fn for_change(change: &Change, calendar: &WorkingCalendar, now: DateTime<Utc>) -> Deltas {
    let mut deltas = Deltas::new();
    let mut add = |name: String, amount: i64| *deltas.entry(name).or_insert(0) += amount;
    let ticket = &change.ticket;
    for entry in &change.history {
        match &entry.event {
            HistoryEvent::Closed { by } => {
                add("closed".into(), 1);
                if *by == ClosedBy::Automatic {
                    add("closed_automatically".into(), 1);
                }
                // Time spent waiting on the customer: the category clock's pauses, or the
                // longest any clock paused.
                let waited = ticket
                    .clocks
                    .iter()
                    .map(|c| c.reading(calendar, now).paused_minutes)
                    .max()
                    .unwrap_or(0);
                add("customer_wait_minutes".into(), waited);
            }
            HistoryEvent::Reopened { .. } => add("reopened".into(), 1),
            HistoryEvent::FirstResponse => {
                add("first_responses".into(), 1);
                let delay = calendar
                    .working_time_between(ticket.created_at, now)
                    .num_minutes();
                add("first_response_minutes".into(), delay);
            }
            HistoryEvent::Clock { clock, state, .. } => {
                let outcome = match state {
                    ClockState::Met => "met",
                    ClockState::Breached => "breached",
                    _ => continue,
                };
                add(format!("{outcome}_{}", clock.code()), 1);
                if *clock == super::sla::ClockKind::Category {
                    add(format!("{outcome}_category_{}", ticket.category.code()), 1);
                }
            }
            _ => {}
        }
    }
    deltas
}

/// The figures of a date range, from its days' counters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub opened: i64,
    pub closed: i64,
    pub closed_automatically: i64,
    pub reopened: i64,
    /// Of the tickets closed, the share closed by the seven-day rule.
    pub auto_close_rate: Option<f64>,
    /// Reopenings per ticket closed.
    pub reopen_rate: Option<f64>,
    pub opened_by_category: BTreeMap<String, i64>,
    /// Per clock (`triage`, `category`, `second_line`, `third_line_eta`) and per category
    /// (`category_<code>`): met, breached and the share met.
    pub sla: BTreeMap<String, Attainment>,
    pub breaches: i64,
    /// Mean business minutes from raising to the first public staff reply.
    pub mean_first_response_minutes: Option<f64>,
    /// Mean minutes a closed ticket spent waiting on the customer.
    pub mean_customer_wait_minutes: Option<f64>,
}

/// How often a clock was met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attainment {
    pub met: i64,
    pub breached: i64,
    pub attainment: Option<f64>,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Figures {
    /// Sums the days' counters.
    pub fn from_days(from: NaiveDate, to: NaiveDate, days: &[BTreeMap<String, i64>]) -> Self {
        let mut total: BTreeMap<String, i64> = BTreeMap::new();
        for day in days {
            for (name, value) in day {
                *total.entry(name.clone()).or_insert(0) += value;
            }
        }
        let get = |name: &str| total.get(name).copied().unwrap_or(0);
        let mut sla: BTreeMap<String, Attainment> = BTreeMap::new();
        for (name, value) in &total {
            let (outcome, clock) = match name.split_once('_') {
                Some(("met", clock)) => ("met", clock),
                Some(("breached", clock)) => ("breached", clock),
                _ => continue,
            };
            let entry = sla.entry(clock.to_owned()).or_insert(Attainment {
                met: 0,
                breached: 0,
                attainment: None,
            });
            if outcome == "met" {
                entry.met += value;
            } else {
                entry.breached += value;
            }
        }
        for entry in sla.values_mut() {
            entry.attainment = ratio(entry.met, entry.met + entry.breached);
        }
        let breaches = ["triage", "category", "second_line", "third_line_eta"]
            .iter()
            .map(|c| get(&format!("breached_{c}")))
            .sum();
        let opened_by_category = total
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("opened_").map(|c| (c.to_owned(), *v)))
            .collect();
        Self {
            from,
            to,
            opened: get("opened"),
            closed: get("closed"),
            closed_automatically: get("closed_automatically"),
            reopened: get("reopened"),
            auto_close_rate: ratio(get("closed_automatically"), get("closed")),
            reopen_rate: ratio(get("reopened"), get("closed")),
            opened_by_category,
            sla,
            breaches,
            mean_first_response_minutes: ratio(
                get("first_response_minutes"),
                get("first_responses"),
            ),
            mean_customer_wait_minutes: ratio(get("customer_wait_minutes"), get("closed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_add_up_into_rates() {
        let day1 = BTreeMap::from([
            ("opened".to_owned(), 3),
            ("opened_data_accuracy".to_owned(), 3),
            ("closed".to_owned(), 2),
            ("closed_automatically".to_owned(), 1),
            ("met_triage".to_owned(), 3),
            ("breached_category".to_owned(), 1),
            ("met_category_data_accuracy".to_owned(), 1),
        ]);
        let day2 = BTreeMap::from([
            ("closed".to_owned(), 2),
            ("reopened".to_owned(), 1),
            ("breached_triage".to_owned(), 1),
        ]);
        let from = NaiveDate::from_ymd_opt(2026, 12, 1).expect("date");
        let f = Figures::from_days(from, from, &[day1, day2]);
        assert_eq!(f.closed, 4);
        assert_eq!(f.auto_close_rate, Some(0.25));
        assert_eq!(f.reopen_rate, Some(0.25));
        assert_eq!(f.sla["triage"].attainment, Some(0.75));
        assert_eq!(f.sla["category_data_accuracy"].met, 1);
        assert_eq!(f.breaches, 2);
        assert_eq!(f.opened_by_category["data_accuracy"], 3);
    }
}
