//! The SLA clocks. A clock has a budget of business time on the desk's calendar; it runs,
//! pauses while the customer has the turn or closure is proposed, resumes with what it had
//! left, and ends met, breached or stopped (the ticket closed first).
//!
//! A clock keeps only what its deadline is derived from: the budget, the business time used
//! before it last started running, and since when it runs. Every change to a clock is also
//! written to the ticket's history as its own item, so the ticket item stays small however
//! often a clock pauses. The deadline is always `calendar.add_working_time(running_since,
//! budget - used)`: a pause, a new category or a new ETA moves it without losing or counting
//! twice any time already used. The third-line ETA counts wall-clock time instead, since it is
//! a date given to the customer: it falls due at that instant, later by any pause.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::WorkingCalendar;

/// The clocks of the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// First line: one working day from raising to the first public staff reply or the
    /// hand-over to second line.
    Triage,
    /// The category's SLA, from raising to proposed closure or the hand-over to third line.
    Category,
    /// Second line: three working days from the hand-over to proposed closure or third line.
    SecondLine,
    /// Third line: the ETA given at the hand-over, until proposed closure.
    ThirdLineEta,
}

impl ClockKind {
    /// The code used in schedule names and events.
    pub fn code(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::Category => "category",
            Self::SecondLine => "second_line",
            Self::ThirdLineEta => "third_line_eta",
        }
    }

    /// How the clock reads in an e-mail to staff.
    pub fn label(self) -> &'static str {
        match self {
            Self::Triage => "triage",
            Self::Category => "category",
            Self::SecondLine => "second-line",
            Self::ThirdLineEta => "third-line ETA",
        }
    }

    /// Every clock.
    pub const ALL: [ClockKind; 4] = [
        Self::Triage,
        Self::Category,
        Self::SecondLine,
        Self::ThirdLineEta,
    ];

    /// Reads a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Where a clock is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Running,
    Paused,
    Met,
    Breached,
    /// The ticket closed, or the clock no longer applies, before it was met.
    Stopped,
}

/// One change to a clock, as its history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockChange {
    Started,
    Paused,
    Resumed,
    Retargeted,
    Met,
    Breached,
    Stopped,
}

/// One SLA clock on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    pub kind: ClockKind,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    /// Counts wall-clock time instead of business time: the third-line ETA is a date given
    /// to the customer, due at that instant whatever the desk's hours.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub wall_clock: bool,
    /// The time the clock allows, in seconds (business time unless `wall_clock`).
    pub budget_seconds: i64,
    /// Business time used before `running_since`, in seconds.
    pub used_seconds: i64,
    /// While running: since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running_since: Option<DateTime<Utc>>,
    /// Wall-clock time spent paused in finished pauses, in seconds.
    #[serde(default)]
    pub paused_seconds: i64,
    /// While paused: since when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_since: Option<DateTime<Utc>>,
    /// While running: when the budget runs out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// When it was met, breached or stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// A clock as shown to staff at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockReading {
    pub kind: ClockKind,
    pub state: ClockState,
    pub started_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub budget_minutes: i64,
    /// Business time used so far.
    pub used_minutes: i64,
    /// Wall-clock time spent paused so far.
    pub paused_minutes: i64,
    pub ended_at: Option<DateTime<Utc>>,
}

impl SlaClock {
    /// A clock that starts running now with `budget` of business time.
    pub fn start(
        kind: ClockKind,
        budget: Duration,
        now: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> Self {
        let mut clock = Self {
            kind,
            state: ClockState::Running,
            started_at: now,
            wall_clock: false,
            budget_seconds: budget.num_seconds(),
            used_seconds: 0,
            running_since: Some(now),
            paused_seconds: 0,
            paused_since: None,
            due_at: None,
            ended_at: None,
        };
        clock.due_at = clock.deadline(calendar);
        clock
    }

    /// A clock due at a given instant, counting wall-clock time: the third-line ETA. Paused,
    /// it moves later by as long as it was paused.
    pub fn until(
        kind: ClockKind,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
        calendar: &WorkingCalendar,
    ) -> Self {
        let mut clock = Self::start(kind, due - now, now, calendar);
        clock.wall_clock = true;
        clock.due_at = clock.deadline(calendar);
        clock
    }

    /// Time between two instants as this clock counts it.
    fn span(&self, calendar: &WorkingCalendar, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if self.wall_clock {
            (to - from).max(Duration::zero())
        } else {
            calendar.working_time_between(from, to)
        }
    }

    /// Counting, or waiting to count again.
    pub fn is_live(&self) -> bool {
        matches!(self.state, ClockState::Running | ClockState::Paused)
    }

    fn deadline(&self, calendar: &WorkingCalendar) -> Option<DateTime<Utc>> {
        let since = self.running_since?;
        let left = Duration::seconds((self.budget_seconds - self.used_seconds).max(0));
        Some(if self.wall_clock {
            since + left
        } else {
            calendar.add_working_time(since, left)
        })
    }

    /// Business time used up to `now`.
    pub fn used(&self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> Duration {
        let running = self
            .running_since
            .filter(|_| self.state == ClockState::Running)
            .map_or(Duration::zero(), |since| self.span(calendar, since, now));
        Duration::seconds(self.used_seconds) + running
    }

    /// Folds the running stretch into `used_seconds`.
    fn settle(&mut self, calendar: &WorkingCalendar, now: DateTime<Utc>) {
        if let (ClockState::Running, Some(since)) = (self.state, self.running_since) {
            self.used_seconds += self.span(calendar, since, now).num_seconds();
        }
        self.running_since = None;
        self.due_at = None;
    }

    /// Counts from `now`, with the budget left.
    fn run_from(&mut self, now: DateTime<Utc>, calendar: &WorkingCalendar) {
        self.state = ClockState::Running;
        self.running_since = Some(now);
        self.due_at = self.deadline(calendar);
    }

    /// Adds a pause that ends now to the time spent paused.
    fn close_pause(&mut self, now: DateTime<Utc>) {
        if let Some(since) = self.paused_since.take() {
            self.paused_seconds += (now - since).num_seconds().max(0);
        }
    }

    /// Stops counting while the customer has the turn. Only a running clock pauses.
    pub fn pause(&mut self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> Option<ClockChange> {
        if self.state != ClockState::Running {
            return None;
        }
        // Past its deadline, the clock has breached: there is nothing left to pause.
        if self.is_due(now) {
            return self.end(ClockState::Breached, calendar, now);
        }
        self.settle(calendar, now);
        self.state = ClockState::Paused;
        self.paused_since = Some(now);
        Some(ClockChange::Paused)
    }

    /// Counts again, with the time it had left.
    pub fn resume(
        &mut self,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Option<ClockChange> {
        if self.state != ClockState::Paused {
            return None;
        }
        self.close_pause(now);
        self.run_from(now, calendar);
        Some(ClockChange::Resumed)
    }

    /// A new budget (a new category's SLA, a new ETA), counted from the clock's start: the
    /// time already used stays used.
    pub fn retarget(
        &mut self,
        budget: Duration,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Option<ClockChange> {
        if !self.is_live() {
            return None;
        }
        let running = self.state == ClockState::Running;
        self.settle(calendar, now);
        self.budget_seconds = budget.num_seconds();
        if running {
            self.running_since = Some(now);
            self.due_at = self.deadline(calendar);
        }
        Some(ClockChange::Retargeted)
    }

    /// Brings back a clock that was stopped because it no longer applied (a category without
    /// an SLA), with a new budget and the time it had used. Met and breached clocks stay so.
    pub fn revive(
        &mut self,
        budget: Duration,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Option<ClockChange> {
        if self.state != ClockState::Stopped {
            return None;
        }
        self.ended_at = None;
        self.budget_seconds = budget.num_seconds();
        self.run_from(now, calendar);
        Some(ClockChange::Resumed)
    }

    /// Ends the clock: met, breached or stopped; one already past its deadline ends breached.
    /// A clock that has ended stays ended.
    pub fn end(
        &mut self,
        outcome: ClockState,
        calendar: &WorkingCalendar,
        now: DateTime<Utc>,
    ) -> Option<ClockChange> {
        if !self.is_live() {
            return None;
        }
        // A deadline that has passed is a breach, even if the work is done before the
        // breach was recorded: lateness in noticing never turns it into a success.
        let outcome = if self.is_due(now) {
            ClockState::Breached
        } else {
            outcome
        };
        self.settle(calendar, now);
        self.close_pause(now);
        self.state = outcome;
        self.ended_at = Some(now);
        Some(match outcome {
            ClockState::Met => ClockChange::Met,
            ClockState::Breached => ClockChange::Breached,
            _ => ClockChange::Stopped,
        })
    }

    /// Whether it runs and its deadline has come.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        self.state == ClockState::Running && self.due_at.is_some_and(|due| due <= now)
    }

    /// The clock as staff see it at `now`.
    pub fn reading(&self, calendar: &WorkingCalendar, now: DateTime<Utc>) -> ClockReading {
        let paused_now = match (self.state, self.paused_since) {
            (ClockState::Paused, Some(since)) => (now - since).num_seconds().max(0),
            _ => 0,
        };
        ClockReading {
            kind: self.kind,
            state: self.state,
            started_at: self.started_at,
            due_at: self.due_at,
            budget_minutes: self.budget_seconds / 60,
            used_minutes: self.used(calendar, now).num_minutes(),
            paused_minutes: (self.paused_seconds + paused_now) / 60,
            ended_at: self.ended_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("instant")
    }

    fn day(calendar: &WorkingCalendar) -> Duration {
        calendar.working_day()
    }

    #[test]
    fn a_pause_keeps_the_time_that_was_left() {
        let calendar = WorkingCalendar::support_desk_default();
        // Thursday 3 December 2026, 10:00 GMT: one working day, due Friday 10:00.
        let mut clock = SlaClock::start(
            ClockKind::Triage,
            day(&calendar),
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        assert_eq!(clock.due_at, Some(at("2026-12-04T10:00:00Z")));

        // Two hours later the customer has the turn, for three days.
        clock.pause(&calendar, at("2026-12-03T12:00:00Z"));
        assert_eq!(clock.due_at, None);
        assert!(
            !clock.is_due(at("2026-12-04T11:00:00Z")),
            "no breach while paused"
        );
        // Monday 7 December 12:00, with 6h30 left: 5h30 on Monday, 1h on Tuesday.
        clock.resume(&calendar, at("2026-12-07T12:00:00Z"));
        assert_eq!(clock.due_at, Some(at("2026-12-08T10:00:00Z")));
        let reading = clock.reading(&calendar, at("2026-12-07T12:00:00Z"));
        assert_eq!(reading.used_minutes, 120);
        assert_eq!(reading.paused_minutes, 4 * 24 * 60);
    }

    #[test]
    fn flipping_between_paused_states_neither_restarts_nor_double_counts() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Category,
            day(&calendar) * 3,
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        assert_eq!(
            clock.pause(&calendar, at("2026-12-03T11:00:00Z")),
            Some(ClockChange::Paused)
        );
        assert_eq!(
            clock.pause(&calendar, at("2026-12-03T15:00:00Z")),
            None,
            "already paused"
        );
        clock.resume(&calendar, at("2026-12-03T16:00:00Z"));
        assert_eq!(
            clock.used(&calendar, at("2026-12-03T16:00:00Z")),
            Duration::hours(1)
        );
    }

    #[test]
    fn a_new_budget_keeps_the_time_used() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Category,
            day(&calendar) * 3,
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        clock.pause(&calendar, at("2026-12-03T12:00:00Z"));
        clock.resume(&calendar, at("2026-12-04T12:00:00Z"));
        // Re-categorised to a 1-day SLA on Friday at 13:00: 3h used, 5h30 left: 4h30 on
        // Friday, 1h on Monday.
        clock.retarget(day(&calendar), &calendar, at("2026-12-04T13:00:00Z"));
        assert_eq!(
            clock.used(&calendar, at("2026-12-04T13:00:00Z")),
            Duration::hours(3)
        );
        assert_eq!(clock.due_at, Some(at("2026-12-07T10:00:00Z")));
    }

    #[test]
    fn an_eta_is_due_at_its_instant_even_outside_working_hours() {
        let calendar = WorkingCalendar::support_desk_default();
        // Handed over Friday 18:00 with an ETA of Monday 08:00: due Monday 08:00, not at once.
        let mut clock = SlaClock::until(
            ClockKind::ThirdLineEta,
            at("2026-12-07T08:00:00Z"),
            at("2026-12-04T18:00:00Z"),
            &calendar,
        );
        assert_eq!(clock.due_at, Some(at("2026-12-07T08:00:00Z")));
        assert!(!clock.is_due(at("2026-12-04T18:05:00Z")));
        // Paused for a day, it moves a day later.
        clock.pause(&calendar, at("2026-12-05T08:00:00Z"));
        clock.resume(&calendar, at("2026-12-06T08:00:00Z"));
        assert_eq!(clock.due_at, Some(at("2026-12-08T08:00:00Z")));
    }

    #[test]
    fn a_stopped_clock_can_be_brought_back_with_its_time() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Category,
            day(&calendar) * 3,
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        clock.end(ClockState::Stopped, &calendar, at("2026-12-03T12:00:00Z"));
        clock.revive(day(&calendar) * 3, &calendar, at("2026-12-03T14:00:00Z"));
        // 2h used, 23h30 left from Thursday 14:00: due Tuesday 8 December 12:00.
        assert_eq!(clock.due_at, Some(at("2026-12-08T12:00:00Z")));
        let mut met = clock.clone();
        met.end(ClockState::Met, &calendar, at("2026-12-03T15:00:00Z"));
        assert_eq!(
            met.revive(day(&calendar), &calendar, at("2026-12-03T16:00:00Z")),
            None
        );
    }

    #[test]
    fn work_done_after_the_deadline_is_a_breach_not_a_success() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Triage,
            day(&calendar),
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        // Due Friday 10:00; met Friday 10:03, before any sweep noticed.
        assert_eq!(
            clock.end(ClockState::Met, &calendar, at("2026-12-04T10:03:00Z")),
            Some(ClockChange::Breached)
        );
        assert_eq!(clock.state, ClockState::Breached);
    }

    #[test]
    fn a_clock_paused_after_its_deadline_has_breached() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Triage,
            day(&calendar),
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        assert_eq!(
            clock.pause(&calendar, at("2026-12-04T10:03:00Z")),
            Some(ClockChange::Breached)
        );
        assert_eq!(clock.state, ClockState::Breached);
    }

    #[test]
    fn an_ended_clock_stays_ended_and_never_falls_due() {
        let calendar = WorkingCalendar::support_desk_default();
        let mut clock = SlaClock::start(
            ClockKind::Triage,
            day(&calendar),
            at("2026-12-03T10:00:00Z"),
            &calendar,
        );
        assert_eq!(
            clock.end(ClockState::Met, &calendar, at("2026-12-03T11:00:00Z")),
            Some(ClockChange::Met)
        );
        assert_eq!(
            clock.end(ClockState::Breached, &calendar, at("2026-12-05T11:00:00Z")),
            None
        );
        assert!(!clock.is_due(at("2026-12-09T00:00:00Z")));
        assert_eq!(clock.resume(&calendar, at("2026-12-04T11:00:00Z")), None);
    }
}
