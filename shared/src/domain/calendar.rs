//! The support desk's working calendar: a time zone, working weekdays, daily business hours
//! (local wall-clock) and public holidays. It owns the business-time arithmetic behind SLA
//! deadlines: adding working time to an instant and measuring working time between two instants.

use std::collections::BTreeSet;
use std::iter;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;

/// How many calendar days a walk may cover (about ten years): past it, `add_working_time`
/// returns [`DateTime::<Utc>::MAX_UTC`] ("not within ten years") and `working_time_between`
/// counts only the working time in these first days after `from`.
const MAX_WALK_DAYS: usize = 3660;

/// The latest a nonexistent local time is searched for its gap's end; real gaps are at most 24h.
const MAX_GAP_SECONDS: i64 = 26 * 3600;

/// Opening time of the default support desk calendar.
const DEFAULT_OPEN: NaiveTime = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a valid time");
/// Closing time of the default support desk calendar.
const DEFAULT_CLOSE: NaiveTime = NaiveTime::from_hms_opt(17, 30, 0).expect("17:30 is a valid time");
/// Working weekdays of the default support desk calendar.
const DEFAULT_DAYS: [Weekday; 5] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
];

/// England and Wales bank holidays 2026–2028, substitute days included. Source: gov.uk bank
/// holidays (https://www.gov.uk/bank-holidays, England and Wales). Dates after gov.uk's published
/// range follow its usual pattern (Easter 16 April 2028): re-check when gov.uk lists 2028, and
/// extend this list before 2029 (after it, only weekends are skipped).
const ENGLAND_AND_WALES_BANK_HOLIDAYS: [NaiveDate; 24] = [
    // 2026
    ymd(2026, 1, 1),   // New Year's Day
    ymd(2026, 4, 3),   // Good Friday
    ymd(2026, 4, 6),   // Easter Monday
    ymd(2026, 5, 4),   // Early May bank holiday
    ymd(2026, 5, 25),  // Spring bank holiday
    ymd(2026, 8, 31),  // Summer bank holiday
    ymd(2026, 12, 25), // Christmas Day
    ymd(2026, 12, 28), // Boxing Day (substitute day)
    // 2027
    ymd(2027, 1, 1),   // New Year's Day
    ymd(2027, 3, 26),  // Good Friday
    ymd(2027, 3, 29),  // Easter Monday
    ymd(2027, 5, 3),   // Early May bank holiday
    ymd(2027, 5, 31),  // Spring bank holiday
    ymd(2027, 8, 30),  // Summer bank holiday
    ymd(2027, 12, 27), // Christmas Day (substitute day)
    ymd(2027, 12, 28), // Boxing Day (substitute day)
    // 2028
    ymd(2028, 1, 3),   // New Year's Day (substitute day)
    ymd(2028, 4, 14),  // Good Friday
    ymd(2028, 4, 17),  // Easter Monday
    ymd(2028, 5, 1),   // Early May bank holiday
    ymd(2028, 5, 29),  // Spring bank holiday
    ymd(2028, 8, 28),  // Summer bank holiday
    ymd(2028, 12, 25), // Christmas Day
    ymd(2028, 12, 26), // Boxing Day
];

/// A date built at compile time; an invalid one fails the build.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("invalid constant date"),
    }
}

/// When the desk works: time zone, working weekdays, daily hours and holidays (local dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    tz: Tz,
    /// Indexed by `Weekday::num_days_from_monday`.
    working_days: [bool; 7],
    open: NaiveTime,
    close: NaiveTime,
    holidays: BTreeSet<NaiveDate>,
}

/// Why a working calendar could not be built; each variant names the offending value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    /// The time zone is not an IANA name known to the tz database.
    #[error("unknown time zone {0:?} (expected an IANA name such as \"Europe/London\")")]
    UnknownTimeZone(String),
    /// The working hours do not parse, or opening is not before closing.
    #[error("bad working hours {0:?} (expected \"HH:MM-HH:MM\" with opening before closing)")]
    BadHours(String),
    /// The working days do not parse as weekday names or ranges.
    #[error("bad working days {0:?} (expected e.g. \"Mon-Fri\" or \"Mon,Tue,Thu\")")]
    BadDays(String),
    /// A holiday is not a valid `YYYY-MM-DD` date.
    #[error("bad holiday {0:?} (expected a date as YYYY-MM-DD)")]
    BadHoliday(String),
    /// No weekday is a working day.
    #[error("no working days: at least one weekday must be a working day")]
    NoWorkingDays,
}

impl WorkingCalendar {
    /// Builds a calendar; `open` must be before `close` and at least one weekday must work.
    pub fn new(
        tz: Tz,
        working_days: &[Weekday],
        open: NaiveTime,
        close: NaiveTime,
        holidays: impl IntoIterator<Item = NaiveDate>,
    ) -> Result<Self, CalendarError> {
        if open >= close {
            return Err(CalendarError::BadHours(format!(
                "{}-{}",
                format_time(open),
                format_time(close)
            )));
        }
        if working_days.is_empty() {
            return Err(CalendarError::NoWorkingDays);
        }
        let mut days = [false; 7];
        for day in working_days {
            days[day.num_days_from_monday() as usize] = true;
        }
        Ok(Self {
            tz,
            working_days: days,
            open,
            close,
            holidays: holidays.into_iter().collect(),
        })
    }

    /// Europe/London, Mon–Fri, 09:00–17:30, England and Wales bank holidays 2026–2028.
    pub fn support_desk_default() -> Self {
        Self::new(
            chrono_tz::Europe::London,
            &DEFAULT_DAYS,
            DEFAULT_OPEN,
            DEFAULT_CLOSE,
            ENGLAND_AND_WALES_BANK_HOLIDAYS,
        )
        .expect("the default calendar's constants are valid: 09:00 < 17:30 and Mon-Fri work")
    }

    /// Builds from settings strings, e.g. "Europe/London", "Mon-Fri", "09:00-17:30" and
    /// "2026-12-25,2026-12-28" (empty = no holidays); whitespace is tolerated.
    pub fn from_settings(
        tz: &str,
        days: &str,
        hours: &str,
        holidays: &str,
    ) -> Result<Self, CalendarError> {
        let tz_name = tz.trim();
        let tz: Tz = tz_name
            .parse()
            .map_err(|_| CalendarError::UnknownTimeZone(tz_name.to_owned()))?;
        let days = parse_days(days)?;
        let (open, close) = parse_hours(hours)?;
        let holidays = parse_holidays(holidays)?;
        Self::new(tz, &days, open, close, holidays)
    }

    /// The calendar's time zone.
    pub fn time_zone(&self) -> Tz {
        self.tz
    }

    /// The public holidays, in date order.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// Formats an instant as a person at the desk reads it, in the desk's time zone.
    pub fn local_time(&self, at: DateTime<Utc>) -> chrono::DateTime<Tz> {
        at.with_timezone(&self.tz)
    }

    /// Business time in one working day (close - open), e.g. 8h30.
    pub fn working_day(&self) -> Duration {
        self.close - self.open
    }

    /// Whether `at` is within business hours (opening instant included, closing excluded).
    pub fn is_working_time(&self, at: DateTime<Utc>) -> bool {
        let date = self.local_date(at);
        [date.pred_opt(), Some(date), date.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|day| self.window(day))
            .any(|(open, close)| open <= at && at < close)
    }

    /// The instant at which `amount` of business time, counted from `start`, is used up.
    /// `amount <= 0` returns `start`; past ten years of calendar it returns `MAX_UTC`.
    pub fn add_working_time(&self, start: DateTime<Utc>, amount: Duration) -> DateTime<Utc> {
        if amount <= Duration::zero() {
            return start;
        }
        let mut remaining = amount;
        let mut cursor = start;
        for (open, close) in self.windows_from(start) {
            let from = open.max(cursor);
            if from >= close {
                continue;
            }
            let available = close - from;
            if remaining <= available {
                // A deadline landing exactly on closing time stays there.
                return from + remaining;
            }
            remaining -= available;
            cursor = close;
        }
        DateTime::<Utc>::MAX_UTC
    }

    /// = `add_working_time(start, working_day() * days)`.
    pub fn add_working_days(&self, start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
        // Any count past i32::MAX is far beyond the ten-year walk, so clamping changes nothing.
        let days = i32::try_from(days).unwrap_or(i32::MAX);
        match self.working_day().checked_mul(days) {
            Some(amount) => self.add_working_time(start, amount),
            None => DateTime::<Utc>::MAX_UTC,
        }
    }

    /// Business time between two instants (zero when `to <= from`); counts at most ten years.
    pub fn working_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        let mut cursor = from;
        for (open, close) in self.windows_from(from) {
            if open >= to {
                break;
            }
            let start = open.max(cursor);
            let end = close.min(to);
            if start < end {
                total += end - start;
            }
            cursor = cursor.max(close);
        }
        total
    }

    /// The local calendar date of an instant.
    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.tz).date_naive()
    }

    /// Whether `date` is a working day: a working weekday that is not a holiday.
    fn is_working_date(&self, date: NaiveDate) -> bool {
        self.working_days[date.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains(&date)
    }

    /// The UTC opening and closing instants of `date`, if it has any working time.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_working_date(date) {
            return None;
        }
        let open = self.resolve_local(date.and_time(self.open))?;
        let close = self.resolve_local(date.and_time(self.close))?;
        (open < close).then_some((open, close))
    }

    /// Working windows in order, from the day before `start`'s local date, for at most
    /// `MAX_WALK_DAYS` days after it (the day before catches windows near a DST fold).
    fn windows_from(
        &self,
        start: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let date = self.local_date(start);
        let first = date.pred_opt().unwrap_or(date);
        iter::successors(Some(first), |day| day.succ_opt())
            .take(MAX_WALK_DAYS + 2)
            .filter_map(|day| self.window(day))
    }

    /// A local wall-clock time as a UTC instant: the earlier one when ambiguous (DST fold), and
    /// the first valid instant after it when it does not exist (DST gap).
    fn resolve_local(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        if let Some(at) = self.tz.from_local_datetime(&local).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        // In a gap: binary-search the first valid whole second after it (transitions fall on
        // whole seconds), which is the transition instant itself.
        let base = local.with_nanosecond(0)?;
        let valid = |seconds: i64| {
            base.checked_add_signed(Duration::seconds(seconds))
                .and_then(|candidate| self.tz.from_local_datetime(&candidate).earliest())
        };
        let (mut invalid, mut found) = (0_i64, MAX_GAP_SECONDS);
        valid(found)?;
        while found - invalid > 1 {
            let mid = invalid + (found - invalid) / 2;
            if valid(mid).is_some() {
                found = mid;
            } else {
                invalid = mid;
            }
        }
        valid(found).map(|at| at.with_timezone(&Utc))
    }
}

/// "HH:MM", or "HH:MM:SS" / with fraction when the time has them.
fn format_time(time: NaiveTime) -> String {
    if time.second() == 0 && time.nanosecond() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.to_string()
    }
}

/// Parses "Mon-Fri", "Mon,Tue,Thu" or a mix; a range may wrap round the week ("Sun-Thu").
fn parse_days(days: &str) -> Result<Vec<Weekday>, CalendarError> {
    let bad = || CalendarError::BadDays(days.trim().to_owned());
    let parse = |name: &str| name.trim().parse::<Weekday>().map_err(|_| bad());
    let mut parsed = Vec::new();
    for piece in days
        .split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
    {
        match piece.split_once('-') {
            Some((first, last)) => {
                let (mut day, last) = (parse(first)?, parse(last)?);
                parsed.push(day);
                while day != last {
                    day = day.succ();
                    parsed.push(day);
                }
            }
            None => parsed.push(parse(piece)?),
        }
    }
    Ok(parsed)
}

/// Parses "09:00-17:30" (also "9:00", or with seconds) into opening and closing times.
fn parse_hours(hours: &str) -> Result<(NaiveTime, NaiveTime), CalendarError> {
    let bad = || CalendarError::BadHours(hours.trim().to_owned());
    let parse = |text: &str| {
        let text = text.trim();
        NaiveTime::parse_from_str(text, "%H:%M")
            .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M:%S"))
            .map_err(|_| bad())
    };
    let (open, close) = hours.split_once('-').ok_or_else(bad)?;
    let (open, close) = (parse(open)?, parse(close)?);
    if open >= close {
        return Err(bad());
    }
    Ok((open, close))
}

/// Parses a comma-separated list of `YYYY-MM-DD` dates; empty pieces are ignored.
fn parse_holidays(holidays: &str) -> Result<Vec<NaiveDate>, CalendarError> {
    holidays
        .split(',')
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let bad = || CalendarError::BadHoliday(piece.to_owned());
            // Insist on four-digit years etc.: chrono alone would read "26-12-25" as AD 26.
            let shape_ok = piece.len() == 10
                && piece.bytes().enumerate().all(|(index, byte)| match index {
                    4 | 7 => byte == b'-',
                    _ => byte.is_ascii_digit(),
                });
            if !shape_ok {
                return Err(bad());
            }
            NaiveDate::parse_from_str(piece, "%Y-%m-%d").map_err(|_| bad())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An instant written as a UTC RFC 3339 string.
    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test instants are valid RFC 3339")
            .with_timezone(&Utc)
    }

    fn london() -> WorkingCalendar {
        WorkingCalendar::support_desk_default()
    }

    fn paris() -> WorkingCalendar {
        WorkingCalendar::from_settings("Europe/Paris", "Mon-Fri", "08:00-18:00", "")
            .expect("valid Paris settings")
    }

    fn hm(hours: i64, minutes: i64) -> Duration {
        Duration::hours(hours) + Duration::minutes(minutes)
    }

    #[test]
    fn default_calendar_shape() {
        let cal = london();
        assert_eq!(cal.time_zone(), chrono_tz::Europe::London);
        assert_eq!(cal.working_day(), hm(8, 30));
        let same = WorkingCalendar::from_settings(
            "Europe/London",
            "Mon-Fri",
            "09:00-17:30",
            "2026-01-01,2026-04-03,2026-04-06,2026-05-04,2026-05-25,2026-08-31,2026-12-25,\
             2026-12-28,2027-01-01,2027-03-26,2027-03-29,2027-05-03,2027-05-31,2027-08-30,\
             2027-12-27,2027-12-28,2028-01-03,2028-04-14,2028-04-17,2028-05-01,2028-05-29,\
             2028-08-28,2028-12-25,2028-12-26",
        );
        assert_eq!(same, Ok(cal));
    }

    #[test]
    fn default_bank_holidays_fall_on_weekdays() {
        for date in ENGLAND_AND_WALES_BANK_HOLIDAYS {
            let weekday = date.weekday();
            assert!(weekday.num_days_from_monday() < 5, "{date} is a {weekday}");
        }
        // Good Friday and Easter Monday bracket Easter Sunday.
        for (friday, monday) in [((2026, 4, 3), (2026, 4, 6)), ((2027, 3, 26), (2027, 3, 29))] {
            assert_eq!(ymd(friday.0, friday.1, friday.2).weekday(), Weekday::Fri);
            assert_eq!(ymd(monday.0, monday.1, monday.2).weekday(), Weekday::Mon);
        }
    }

    #[test]
    fn domain_examples_on_default_calendar() {
        let cal = london();
        // Sanity: 2026-12-03 is a Thursday.
        assert_eq!(ymd(2026, 12, 3).weekday(), Weekday::Thu);
        let cases = [
            // Mon 30 Nov 17:00 GMT -> Tue 1 Dec 17:00 GMT.
            ("2026-11-30T17:00:00Z", "2026-12-01T17:00:00Z"),
            // Sat 5 Dec 11:00 GMT -> Mon 7 Dec 17:30 GMT (closing time stays closing time).
            ("2026-12-05T11:00:00Z", "2026-12-07T17:30:00Z"),
            // Sun 6 Dec 20:00 GMT -> Mon 7 Dec 17:30 GMT.
            ("2026-12-06T20:00:00Z", "2026-12-07T17:30:00Z"),
            // Fri 4 Dec 17:00 GMT -> Mon 7 Dec 17:00 GMT (30 min Friday + 8h Monday).
            ("2026-12-04T17:00:00Z", "2026-12-07T17:00:00Z"),
            // Mon 7 Dec 07:00 GMT (before opening) -> Mon 7 Dec 17:30 GMT.
            ("2026-12-07T07:00:00Z", "2026-12-07T17:30:00Z"),
            // Wed 2 Dec 13:15 GMT (mid-day) -> Thu 3 Dec 13:15 GMT.
            ("2026-12-02T13:15:00Z", "2026-12-03T13:15:00Z"),
            // Fri 4 Dec 17:30 GMT (at closing) -> Mon 7 Dec 17:30 GMT.
            ("2026-12-04T17:30:00Z", "2026-12-07T17:30:00Z"),
            // Mon 15 Jun 17:00 BST (16:00Z) -> Tue 16 Jun 17:00 BST (16:00Z).
            ("2026-06-15T16:00:00Z", "2026-06-16T16:00:00Z"),
        ];
        for (start, due) in cases {
            assert_eq!(
                cal.add_working_days(utc(start), 1),
                utc(due),
                "raised {start}"
            );
        }
        // Three working days from Thu 3 Dec 10:00 GMT -> Tue 8 Dec 10:00 GMT.
        assert_eq!(
            cal.add_working_days(utc("2026-12-03T10:00:00Z"), 3),
            utc("2026-12-08T10:00:00Z")
        );
        // Zero or negative amounts leave the start unchanged, even outside hours.
        let saturday = utc("2026-12-05T11:00:00Z");
        assert_eq!(cal.add_working_days(saturday, 0), saturday);
        assert_eq!(
            cal.add_working_time(saturday, Duration::minutes(-5)),
            saturday
        );
        // One minute from Saturday: Mon 7 Dec 09:01 GMT.
        assert_eq!(
            cal.add_working_time(saturday, Duration::minutes(1)),
            utc("2026-12-07T09:01:00Z")
        );
    }

    #[test]
    fn spring_forward_weekend() {
        let cal = london();
        // Fri 27 Mar 17:00 GMT; clocks go forward Sun 29 Mar; due Mon 30 Mar 17:00 BST (16:00Z).
        let start = utc("2026-03-27T17:00:00Z");
        let due = utc("2026-03-30T16:00:00Z");
        assert_eq!(cal.add_working_days(start, 1), due);
        assert_eq!(cal.working_time_between(start, due), hm(8, 30));
        // Friday 09:00 GMT to Monday 17:30 BST (16:30Z): two full days.
        assert_eq!(
            cal.working_time_between(utc("2026-03-27T09:00:00Z"), utc("2026-03-30T16:30:00Z")),
            hm(17, 0)
        );
        // Monday opens 09:00 BST = 08:00Z.
        assert!(!cal.is_working_time(utc("2026-03-30T07:59:00Z")));
        assert!(cal.is_working_time(utc("2026-03-30T08:00:00Z")));
    }

    #[test]
    fn fall_back_weekend() {
        let cal = london();
        // Fri 23 Oct 17:00 BST (16:00Z); clocks go back Sun 25 Oct; due Mon 26 Oct 17:00 GMT.
        let start = utc("2026-10-23T16:00:00Z");
        let due = utc("2026-10-26T17:00:00Z");
        assert_eq!(cal.add_working_days(start, 1), due);
        assert_eq!(cal.working_time_between(start, due), hm(8, 30));
        // Friday 09:00 BST (08:00Z) to Monday 17:30 GMT (17:30Z): two full days.
        assert_eq!(
            cal.working_time_between(utc("2026-10-23T08:00:00Z"), utc("2026-10-26T17:30:00Z")),
            hm(17, 0)
        );
        // Friday closes 17:30 BST = 16:30Z; Monday opens 09:00 GMT = 09:00Z.
        assert!(!cal.is_working_time(utc("2026-10-23T16:30:00Z")));
        assert!(cal.is_working_time(utc("2026-10-23T16:29:00Z")));
        assert!(!cal.is_working_time(utc("2026-10-26T08:59:00Z")));
        assert!(cal.is_working_time(utc("2026-10-26T09:00:00Z")));
    }

    #[test]
    fn christmas_holidays_are_skipped() {
        let cal = london();
        // Thu 24 Dec 17:00 GMT: 30 min Thursday, skip Fri 25 (Christmas), the weekend and
        // Mon 28 (substitute Boxing Day), 8h Tuesday -> Tue 29 Dec 17:00 GMT.
        let start = utc("2026-12-24T17:00:00Z");
        assert_eq!(cal.add_working_days(start, 1), utc("2026-12-29T17:00:00Z"));
        assert!(!cal.is_working_time(utc("2026-12-25T12:00:00Z")));
        assert!(!cal.is_working_time(utc("2026-12-28T12:00:00Z")));
        assert!(cal.is_working_time(utc("2026-12-29T09:00:00Z")));
    }

    #[test]
    fn a_holiday_is_skipped_like_a_weekend() {
        // Wednesday 2 Dec 2026 made a holiday: Tue 1 Dec 17:00 GMT -> Thu 3 Dec 17:00 GMT,
        // just as Fri 4 Dec 17:00 GMT -> Mon 7 Dec 17:00 GMT skips the weekend.
        let cal =
            WorkingCalendar::from_settings("Europe/London", "Mon-Fri", "09:00-17:30", "2026-12-02")
                .expect("valid settings");
        let start = utc("2026-12-01T17:00:00Z");
        assert_eq!(cal.add_working_days(start, 1), utc("2026-12-03T17:00:00Z"));
        assert_eq!(
            cal.add_working_days(utc("2026-12-04T17:00:00Z"), 1),
            utc("2026-12-07T17:00:00Z")
        );
        // Tue 17:00 to Thu 17:00 GMT counts 30 min + 8h.
        assert_eq!(
            cal.working_time_between(start, utc("2026-12-03T17:00:00Z")),
            hm(8, 30)
        );
    }

    #[test]
    fn paris_four_business_hours() {
        let cal = paris();
        let four = Duration::hours(4);
        let cases = [
            // Mon 12 Jan 17:00 CET (16:00Z) -> Tue 13 Jan 11:00 CET (10:00Z).
            ("2026-01-12T16:00:00Z", four, "2026-01-13T10:00:00Z"),
            // Warning 1h before: 3h from Mon 17:00 CET -> Tue 10:00 CET (09:00Z).
            (
                "2026-01-12T16:00:00Z",
                Duration::hours(3),
                "2026-01-13T09:00:00Z",
            ),
            // Fri 16 Jan 17:30 CET (16:30Z) -> Mon 19 Jan 11:30 CET (10:30Z).
            ("2026-01-16T16:30:00Z", four, "2026-01-19T10:30:00Z"),
            // Sat 17 Jan 10:00 CET (09:00Z) -> Mon 19 Jan 12:00 CET (11:00Z).
            ("2026-01-17T09:00:00Z", four, "2026-01-19T11:00:00Z"),
            // Mon 19 Jan 07:00 CET (06:00Z) -> Mon 19 Jan 12:00 CET (11:00Z).
            ("2026-01-19T06:00:00Z", four, "2026-01-19T11:00:00Z"),
            // Summer: Mon 15 Jun 17:00 CEST (15:00Z) -> Tue 16 Jun 11:00 CEST (09:00Z).
            ("2026-06-15T15:00:00Z", four, "2026-06-16T09:00:00Z"),
            // Summer warning: 3h -> Tue 16 Jun 10:00 CEST (08:00Z).
            (
                "2026-06-15T15:00:00Z",
                Duration::hours(3),
                "2026-06-16T08:00:00Z",
            ),
        ];
        for (start, amount, due) in cases {
            assert_eq!(
                cal.add_working_time(utc(start), amount),
                utc(due),
                "from {start}"
            );
        }
    }

    #[test]
    fn working_time_between_cases() {
        let cal = london();
        // Within a day: Wed 2 Dec 10:00 -> 12:45 GMT.
        let within = (utc("2026-12-02T10:00:00Z"), utc("2026-12-02T12:45:00Z"));
        assert_eq!(cal.working_time_between(within.0, within.1), hm(2, 45));
        // Across a night: Wed 2 Dec 16:00 -> Thu 3 Dec 10:00 GMT = 1h30 + 1h.
        let night = (utc("2026-12-02T16:00:00Z"), utc("2026-12-03T10:00:00Z"));
        assert_eq!(cal.working_time_between(night.0, night.1), hm(2, 30));
        // Across a weekend: Fri 4 Dec 15:00 -> Mon 7 Dec 11:00 GMT = 2h30 + 2h.
        let weekend = (utc("2026-12-04T15:00:00Z"), utc("2026-12-07T11:00:00Z"));
        assert_eq!(cal.working_time_between(weekend.0, weekend.1), hm(4, 30));
        // Entirely outside hours: Sat 5 Dec -> Sun 6 Dec.
        let outside = (utc("2026-12-05T00:00:00Z"), utc("2026-12-06T23:00:00Z"));
        assert_eq!(
            cal.working_time_between(outside.0, outside.1),
            Duration::zero()
        );
        // Reversed or equal arguments -> zero.
        assert_eq!(
            cal.working_time_between(weekend.1, weekend.0),
            Duration::zero()
        );
        assert_eq!(cal.working_time_between(night.0, night.0), Duration::zero());
        // A full week Mon 00:00 -> Mon 00:00 GMT = 5 x 8h30.
        let week = (utc("2026-11-30T00:00:00Z"), utc("2026-12-07T00:00:00Z"));
        assert_eq!(cal.working_time_between(week.0, week.1), hm(42, 30));
    }

    /// Whether `at` is a closing instant of the calendar.
    fn is_closing_instant(cal: &WorkingCalendar, at: DateTime<Utc>) -> bool {
        let date = cal.local_date(at);
        [date.pred_opt(), Some(date), date.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|day| cal.window(day))
            .any(|(_, close)| close == at)
    }

    fn check_round_trip(cal: &WorkingCalendar, first: &str, last: &str) {
        let amounts = [
            Duration::minutes(1),
            Duration::minutes(37),
            Duration::hours(4),
            cal.working_day(),
            cal.working_day() + Duration::minutes(1),
            Duration::hours(17),
            cal.working_day() * 3,
            cal.working_day() * 10,
        ];
        let (mut start, last) = (utc(first), utc(last));
        let mut checked = 0;
        while start <= last {
            for amount in amounts {
                let due = cal.add_working_time(start, amount);
                assert!(due > start, "{amount} from {start}");
                assert_eq!(
                    cal.working_time_between(start, due),
                    amount,
                    "{amount} from {start}"
                );
                assert!(
                    cal.is_working_time(due) || is_closing_instant(cal, due),
                    "{amount} from {start} ends outside hours at {due}"
                );
                checked += 1;
            }
            start += Duration::minutes(37);
        }
        assert!(checked > 2000, "only {checked} cases");
    }

    #[test]
    fn round_trip_london_across_dst_and_easter() {
        // Mon 23 Mar to Tue 7 Apr 2026: clocks go forward 29 Mar, Good Friday 3 Apr,
        // Easter Monday 6 Apr.
        check_round_trip(&london(), "2026-03-23T00:00:00Z", "2026-04-07T00:00:00Z");
    }

    #[test]
    fn round_trip_london_across_fall_back_and_christmas() {
        // Clocks go back 25 Oct; Christmas and substitute Boxing Day 25 and 28 Dec.
        check_round_trip(&london(), "2026-10-19T00:00:00Z", "2026-11-02T00:00:00Z");
        check_round_trip(&london(), "2026-12-21T00:00:00Z", "2027-01-04T00:00:00Z");
    }

    #[test]
    fn round_trip_paris() {
        // Paris clocks go forward Sun 29 Mar 2026.
        check_round_trip(&paris(), "2026-03-23T00:00:00Z", "2026-04-06T00:00:00Z");
    }

    #[test]
    fn hours_in_dst_gap_and_fold() {
        // Every day 01:30-03:00 London time: the hours straddle both clock changes.
        let cal = WorkingCalendar::from_settings("Europe/London", "Mon-Sun", "01:30-03:00", "")
            .expect("valid settings");
        // Sun 29 Mar 2026: 01:30 does not exist (01:00 GMT jumps to 02:00 BST), so the day
        // opens at 02:00 BST = 01:00Z and closes 03:00 BST = 02:00Z.
        let (open, close) = cal.window(ymd(2026, 3, 29)).expect("working day");
        assert_eq!(
            (open, close),
            (utc("2026-03-29T01:00:00Z"), utc("2026-03-29T02:00:00Z"))
        );
        // Sun 25 Oct 2026: 01:30 happens twice; the earlier is 01:30 BST = 00:30Z; closes
        // 03:00 GMT = 03:00Z.
        let (open, close) = cal.window(ymd(2026, 10, 25)).expect("working day");
        assert_eq!(
            (open, close),
            (utc("2026-10-25T00:30:00Z"), utc("2026-10-25T03:00:00Z"))
        );
        // Saturday 28 Mar 01:30 GMT: 1h30 that day, then 30 min on Sunday -> 01:30Z.
        assert_eq!(
            cal.add_working_time(utc("2026-03-28T01:30:00Z"), Duration::hours(2)),
            utc("2026-03-29T01:30:00Z")
        );
        check_round_trip(&cal, "2026-03-26T00:00:00Z", "2026-04-02T00:00:00Z");
        check_round_trip(&cal, "2026-10-22T00:00:00Z", "2026-10-29T00:00:00Z");
    }

    #[test]
    fn a_skipped_day_has_no_working_time() {
        // Samoa skipped Fri 30 Dec 2011 entirely (Thu 29 Dec 23:59:59 -10:00 was followed by
        // Sat 31 Dec 00:00 +14:00, i.e. 2011-12-30T10:00:00Z).
        let cal = WorkingCalendar::from_settings("Pacific/Apia", "Mon-Sun", "09:00-17:00", "")
            .expect("valid settings");
        assert_eq!(cal.window(ymd(2011, 12, 30)), None);
        assert_eq!(
            cal.resolve_local(ymd(2011, 12, 30).and_time(DEFAULT_OPEN)),
            Some(utc("2011-12-30T10:00:00Z"))
        );
        // Thu 29 Dec 16:00 -10:00 (2011-12-30T02:00Z) + 2h -> Sat 31 Dec 10:00 +14:00.
        assert_eq!(
            cal.add_working_time(utc("2011-12-30T02:00:00Z"), Duration::hours(2)),
            utc("2011-12-30T20:00:00Z")
        );
    }

    #[test]
    fn walk_is_capped() {
        // Holidays on every Monday for twenty years: no working time at all.
        let mondays = iter::successors(Some(ymd(2026, 1, 5)), |day| {
            day.checked_add_signed(Duration::days(7))
        })
        .take(52 * 20);
        let cal = WorkingCalendar::new(
            chrono_tz::Europe::London,
            &[Weekday::Mon],
            DEFAULT_OPEN,
            DEFAULT_CLOSE,
            mondays,
        )
        .expect("valid calendar");
        let start = utc("2026-01-01T00:00:00Z");
        assert_eq!(cal.add_working_days(start, 1), DateTime::<Utc>::MAX_UTC);
        // Absurd amounts are not walked past ten years either.
        let london = london();
        assert_eq!(
            london.add_working_days(start, u32::MAX),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            london.add_working_time(start, Duration::MAX),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(
            london.add_working_days(DateTime::<Utc>::MAX_UTC, 1),
            DateTime::<Utc>::MAX_UTC
        );
        // Between counts at most ten years, and the sentinel end is cheap.
        let capped = london.working_time_between(start, DateTime::<Utc>::MAX_UTC);
        assert!(capped > london.working_day() * 2400 && capped < london.working_day() * 2700);
        // But 500 working days (about two years) are fine.
        let due = london.add_working_days(start, 500);
        assert_eq!(
            london.working_time_between(start, due),
            london.working_day() * 500
        );
    }

    #[test]
    fn from_settings_accepts_good_strings() {
        let cal = WorkingCalendar::from_settings(
            " Europe/Paris ",
            " mon , Tue,thursday ",
            " 8:00 - 18:00 ",
            " 2026-12-25 , 2026-12-28, ",
        )
        .expect("valid settings");
        let expected = WorkingCalendar::new(
            chrono_tz::Europe::Paris,
            &[Weekday::Mon, Weekday::Tue, Weekday::Thu],
            NaiveTime::from_hms_opt(8, 0, 0).expect("valid"),
            NaiveTime::from_hms_opt(18, 0, 0).expect("valid"),
            [ymd(2026, 12, 25), ymd(2026, 12, 28)],
        );
        assert_eq!(Ok(cal), expected);
        // A range can wrap round the week; empty holidays mean none.
        let sun_thu = WorkingCalendar::from_settings("Asia/Dubai", "Sun-Thu", "09:00-17:00", "")
            .expect("valid settings");
        let expected = WorkingCalendar::new(
            chrono_tz::Asia::Dubai,
            &[
                Weekday::Sun,
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
            ],
            NaiveTime::from_hms_opt(9, 0, 0).expect("valid"),
            NaiveTime::from_hms_opt(17, 0, 0).expect("valid"),
            [],
        );
        assert_eq!(Ok(sun_thu), expected);
    }

    #[test]
    fn from_settings_names_bad_values() {
        let settings = |tz, days, hours, holidays| {
            WorkingCalendar::from_settings(tz, days, hours, holidays).map(|_| ())
        };
        let ok = ("Europe/London", "Mon-Fri", "09:00-17:30", "2026-12-25");
        assert_eq!(settings(ok.0, ok.1, ok.2, ok.3), Ok(()));

        let err = settings("Europe/Londres", ok.1, ok.2, ok.3);
        assert_eq!(
            err,
            Err(CalendarError::UnknownTimeZone("Europe/Londres".into()))
        );
        assert_eq!(
            settings("", ok.1, ok.2, ok.3),
            Err(CalendarError::UnknownTimeZone(String::new()))
        );

        for days in ["Mon-Fry", "Mon-Tue-Wed", "Weekdays", "Mon;Tue"] {
            assert_eq!(
                settings(ok.0, days, ok.2, ok.3),
                Err(CalendarError::BadDays(days.into()))
            );
        }
        assert_eq!(
            settings(ok.0, "  ", ok.2, ok.3),
            Err(CalendarError::NoWorkingDays)
        );

        for hours in [
            "09:00",
            "9-5",
            "09:00-25:00",
            "17:30-09:00",
            "09:00-09:00",
            "09:00 to 17:30",
        ] {
            assert_eq!(
                settings(ok.0, ok.1, hours, ok.3),
                Err(CalendarError::BadHours(hours.into()))
            );
        }

        for (holidays, bad) in [
            ("2026-12-25,2026-13-01", "2026-13-01"),
            ("25/12/2026", "25/12/2026"),
            ("26-12-25", "26-12-25"),
            ("2026-02-30", "2026-02-30"),
        ] {
            assert_eq!(
                settings(ok.0, ok.1, ok.2, holidays),
                Err(CalendarError::BadHoliday(bad.into()))
            );
        }
    }

    #[test]
    fn new_validates_and_messages_name_values() {
        let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("valid");
        let five = NaiveTime::from_hms_opt(17, 0, 0).expect("valid");
        let tz = chrono_tz::Europe::London;
        assert_eq!(
            WorkingCalendar::new(tz, &[Weekday::Mon], five, nine, []),
            Err(CalendarError::BadHours("17:00-09:00".into()))
        );
        assert_eq!(
            WorkingCalendar::new(tz, &[], nine, five, []),
            Err(CalendarError::NoWorkingDays)
        );
        let message = CalendarError::BadHoliday("2026-13-01".into()).to_string();
        assert!(message.contains("\"2026-13-01\""), "{message}");
        let message = CalendarError::UnknownTimeZone("Mars/Olympus".into()).to_string();
        assert!(message.contains("\"Mars/Olympus\""), "{message}");
    }
}
