//! The CF calendars: which dates exist, and a day count for each.
//!
//! Every calendar numbers its days from its own 1970-01-01 (day 0; in
//! `standard` that is the Gregorian one, and earlier days are counted on
//! without a break into its Julian part), so a date's day number is
//! `days_from_date`, and `date_from_days` inverts it.
//! Years are as CF and cftime write them: the `standard` and `julian`
//! calendars have no year 0 (year -1 comes before year 1), the others use
//! astronomical numbering (year 0 exists).

use crate::error::{IoError, Result};
use std::fmt;
use std::str::FromStr;

/// A CF calendar (`calendar` attribute of a time coordinate).
///
/// ```
/// use darray::time::Calendar;
/// let c: Calendar = "365_day".parse()?;
/// assert_eq!(c, Calendar::NoLeap);
/// assert_eq!(c.days_in_month(2000, 2), 28);
/// assert_eq!(Calendar::Day360.day_of_year(2000, 12, 30), 360);
/// assert_eq!(Calendar::Standard.days_in_year(1582), 355); // the reform year
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Calendar {
    /// `standard` (also `gregorian`): Julian before 1582-10-15, Gregorian
    /// from then on; the ten days between do not exist.
    #[default]
    Standard,
    /// `proleptic_gregorian`: the Gregorian rules in every year.
    ProlepticGregorian,
    /// `julian`: a leap year every four years.
    Julian,
    /// `noleap` (also `365_day`).
    NoLeap,
    /// `all_leap` (also `366_day`).
    AllLeap,
    /// `360_day`: twelve months of 30 days.
    Day360,
}

const CUMULATIVE: [u32; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// Days from 1970-01-01 to a proleptic Gregorian date (astronomical year;
/// H. Hinnant's `days_from_civil`).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date `z` days after 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days from (Gregorian) 1970-01-01 to a date of the Julian calendar
/// (astronomical year), through the Julian day number.
pub fn days_from_julian(y: i64, m: u32, d: u32) -> i64 {
    let a = (14 - i64::from(m)) / 12;
    let (yy, mm) = (y + 4800 - a, i64::from(m) + 12 * a - 3);
    i64::from(d) + (153 * mm + 2) / 5 + 365 * yy + yy.div_euclid(4) - 32083 - 2_440_588
}

/// The Julian-calendar date `z` days after (Gregorian) 1970-01-01.
pub fn julian_from_days(z: i64) -> (i64, u32, u32) {
    let c = z + 2_440_588 + 32_082;
    let d = (4 * c + 3).div_euclid(1461);
    let e = c - (1461 * d).div_euclid(4);
    let m = (5 * e + 2) / 153;
    let day = (e - (153 * m + 2) / 5 + 1) as u32;
    let month = (m + 3 - 12 * (m / 10)) as u32;
    (d - 4800 + m / 10, month, day)
}

fn gregorian_leap(a: i64) -> bool {
    (a % 4 == 0 && a % 100 != 0) || a % 400 == 0
}

/// Julian 1970-01-01 is Gregorian 1970-01-14.
const JULIAN_1970: i64 = 13;

/// The first day of the Gregorian calendar in the standard one.
const REFORM: (i64, u32, u32) = (1582, 10, 15);

impl Calendar {
    /// Every calendar, in the order CF lists them.
    pub const ALL: [Calendar; 6] = [
        Calendar::Standard,
        Calendar::ProlepticGregorian,
        Calendar::Julian,
        Calendar::NoLeap,
        Calendar::AllLeap,
        Calendar::Day360,
    ];

    /// The CF name (`standard`, `proleptic_gregorian`, `julian`, `noleap`,
    /// `all_leap`, `360_day`).
    pub fn name(self) -> &'static str {
        match self {
            Calendar::Standard => "standard",
            Calendar::ProlepticGregorian => "proleptic_gregorian",
            Calendar::Julian => "julian",
            Calendar::NoLeap => "noleap",
            Calendar::AllLeap => "all_leap",
            Calendar::Day360 => "360_day",
        }
    }

    /// Whether a year 0 exists (CF 1.9 and cftime's default): not in the
    /// `standard` and `julian` calendars.
    pub fn has_year_zero(self) -> bool {
        !matches!(self, Calendar::Standard | Calendar::Julian)
    }

    /// The astronomical year of a year of this calendar.
    fn astro(self, year: i64) -> i64 {
        if !self.has_year_zero() && year < 0 {
            year + 1
        } else {
            year
        }
    }

    /// The year of this calendar of an astronomical year.
    fn year_of_astro(self, a: i64) -> i64 {
        if !self.has_year_zero() && a <= 0 {
            a - 1
        } else {
            a
        }
    }

    /// Whether `year` has a 29 February (a 366-day year; never in `360_day`).
    pub fn is_leap(self, year: i64) -> bool {
        let a = self.astro(year);
        match self {
            Calendar::Standard if a < REFORM.0 => a.rem_euclid(4) == 0,
            Calendar::Standard | Calendar::ProlepticGregorian => gregorian_leap(a),
            Calendar::Julian => a.rem_euclid(4) == 0,
            Calendar::NoLeap | Calendar::Day360 => false,
            Calendar::AllLeap => true,
        }
    }

    /// Days in `month` (1-12) of `year` (21 in October 1582 of `standard`);
    /// 0 for a month out of range.
    pub fn days_in_month(self, year: i64, month: u32) -> u32 {
        if !(1..=12).contains(&month) {
            return 0;
        }
        let gap = if self.is_reform_month(year, month) { REFORM.2 - 5 } else { 0 };
        self.month_length(year, month) - gap
    }

    /// Days in `year`.
    pub fn days_in_year(self, year: i64) -> u32 {
        (1..=12).map(|m| self.days_in_month(year, m)).sum()
    }

    /// Whether this is October 1582 of `standard`, which lacks its 5th to
    /// 14th.
    fn is_reform_month(self, year: i64, month: u32) -> bool {
        self == Calendar::Standard && (self.astro(year), month) == (REFORM.0, REFORM.1)
    }

    /// Whether the date exists in this calendar.
    pub fn is_valid(self, year: i64, month: u32, day: u32) -> bool {
        if !(1..=12).contains(&month) || (year == 0 && !self.has_year_zero()) {
            return false;
        }
        let gap = self.is_reform_month(year, month) && (5..REFORM.2).contains(&day);
        (1..=self.month_length(year, month)).contains(&day) && !gap
    }

    /// A month's last day number (31 for October 1582 in `standard`).
    fn month_length(self, year: i64, month: u32) -> u32 {
        match (self, month) {
            (Calendar::Day360, _) => 30,
            (_, 2) if self.is_leap(year) => 29,
            (_, m) => MONTH_DAYS[m as usize - 1],
        }
    }

    /// The day number of a date (days since this calendar's 1970-01-01), or
    /// an error for a date that does not exist in it (2001-02-30 outside
    /// `360_day`, 1582-10-10 in `standard`, year 0 without a year zero).
    pub fn days_from_date(self, year: i64, month: u32, day: u32) -> Result<i64> {
        if !self.is_valid(year, month, day) {
            let why = if year == 0 && !self.has_year_zero() { " (it has no year 0)" } else { "" };
            return Err(IoError::Time(format!(
                "{year:04}-{month:02}-{day:02} is not a date of the {} calendar{why}",
                self.name()
            ))
            .into());
        }
        Ok(self.days_unchecked(self.astro(year), month, day))
    }

    fn days_unchecked(self, a: i64, m: u32, d: u32) -> i64 {
        let (m, d) = (i64::from(m), i64::from(d));
        match self {
            Calendar::Standard if (a, m, d) < (REFORM.0, i64::from(REFORM.1), i64::from(REFORM.2)) => {
                days_from_julian(a, m as u32, d as u32)
            }
            Calendar::Standard | Calendar::ProlepticGregorian => days_from_civil(a, m as u32, d as u32),
            Calendar::Julian => days_from_julian(a, m as u32, d as u32) - JULIAN_1970,
            Calendar::NoLeap => 365 * (a - 1970) + i64::from(CUMULATIVE[m as usize - 1]) + d - 1,
            Calendar::AllLeap => 366 * (a - 1970) + i64::from(CUMULATIVE[m as usize - 1]) + i64::from(m > 2) + d - 1,
            Calendar::Day360 => 360 * (a - 1970) + 30 * (m - 1) + d - 1,
        }
    }

    /// The date (year, month, day) of a day number.
    pub fn date_from_days(self, z: i64) -> (i64, u32, u32) {
        let (a, m, d) = match self {
            Calendar::Standard if z < days_from_civil(REFORM.0, REFORM.1, REFORM.2) => julian_from_days(z),
            Calendar::Standard | Calendar::ProlepticGregorian => civil_from_days(z),
            Calendar::Julian => julian_from_days(z + JULIAN_1970),
            Calendar::NoLeap | Calendar::AllLeap => {
                let len = if self == Calendar::NoLeap { 365 } else { 366 };
                let (a, mut r) = (1970 + z.div_euclid(len), z.rem_euclid(len) as u32);
                if len == 366 && r >= 60 {
                    r -= 1; // past 29 February: the 365-day table from here
                } else if len == 366 && r >= 59 {
                    return (self.year_of_astro(a), 2, 29);
                }
                let m = CUMULATIVE.iter().rposition(|&c| c <= r).unwrap_or(0).min(11);
                (a, m as u32 + 1, r - CUMULATIVE[m] + 1)
            }
            Calendar::Day360 => {
                let (a, r) = (1970 + z.div_euclid(360), z.rem_euclid(360) as u32);
                (a, r / 30 + 1, r % 30 + 1)
            }
        };
        (self.year_of_astro(a), m, d)
    }

    /// Day of the year (1 for 1 January; up to 360, 365 or 366), as cftime
    /// and xarray count it: from the month lengths, so in the `standard`
    /// calendar's 1582 the days after the reform keep their usual numbers
    /// (15 October is day 288). 0 for a month out of range.
    pub fn day_of_year(self, year: i64, month: u32, day: u32) -> u32 {
        match self {
            _ if !(1..=12).contains(&month) => 0,
            Calendar::Day360 => 30 * (month - 1) + day,
            _ => CUMULATIVE[month as usize - 1] + day + u32::from(month > 2 && self.is_leap(year)),
        }
    }
}

impl fmt::Display for Calendar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Calendar {
    type Err = crate::Error;

    /// A CF calendar name, any case; empty is `standard` (CF's default).
    fn from_str(s: &str) -> Result<Calendar> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "" | "standard" | "gregorian" => Calendar::Standard,
            "proleptic_gregorian" => Calendar::ProlepticGregorian,
            "julian" => Calendar::Julian,
            "noleap" | "365_day" => Calendar::NoLeap,
            "all_leap" | "366_day" => Calendar::AllLeap,
            "360_day" => Calendar::Day360,
            other => {
                return Err(IoError::Time(format!(
                    "unknown calendar {other:?} (standard, gregorian, proleptic_gregorian, julian, noleap, \
                     365_day, all_leap, 366_day and 360_day are CF's)"
                ))
                .into())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The date after `(y, m, d)`, from the calendar's month lengths.
    fn next_day(cal: Calendar, (y, m, d): (i64, u32, u32)) -> (i64, u32, u32) {
        if cal == Calendar::Standard && (y, m, d) == (1582, 10, 4) {
            (1582, 10, 15)
        } else if d < cal.month_length(y, m) {
            (y, m, d + 1)
        } else if m < 12 {
            (y, m + 1, 1)
        } else if y == -1 && !cal.has_year_zero() {
            (1, 1, 1)
        } else {
            (y + 1, 1, 1)
        }
    }

    #[test]
    fn day_counts_invert_and_step_by_one() {
        for cal in Calendar::ALL {
            let mut prev = cal.date_from_days(-800_000);
            for z in -799_999..800_000 {
                let (y, m, d) = cal.date_from_days(z);
                assert_eq!((y, m, d), next_day(cal, prev), "{cal}: day {z}");
                assert_eq!(cal.days_from_date(y, m, d).unwrap(), z, "{cal} {y}-{m}-{d}");
                prev = (y, m, d);
            }
            let (y, m, d) = cal.date_from_days(0);
            assert_eq!((y, m, d, cal.day_of_year(y, m, d)), (1970, 1, 1, 1), "{cal}");
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(days_from_julian(1582, 10, 4) + 1, days_from_civil(1582, 10, 15));
        assert_eq!(days_from_julian(1970, 1, 1), JULIAN_1970);
        let s = Calendar::Standard;
        assert_eq!(s.days_from_date(1582, 10, 4).unwrap() + 1, s.days_from_date(1582, 10, 15).unwrap());
        assert!(s.days_from_date(1582, 10, 10).is_err());
        assert!(s.days_from_date(0, 1, 1).is_err());
        assert_eq!(s.date_from_days(s.days_from_date(1, 1, 1).unwrap() - 1), (-1, 12, 31));
        assert!(Calendar::Day360.is_valid(2001, 2, 30));
        assert!(!Calendar::NoLeap.is_valid(2000, 2, 29));
        assert!(Calendar::AllLeap.is_valid(2001, 2, 29));
        assert!(Calendar::Julian.is_leap(1900) && !Calendar::ProlepticGregorian.is_leap(1900));
        assert_eq!("GREGORIAN".parse::<Calendar>().unwrap(), s);
        assert!("none".parse::<Calendar>().is_err());
    }
}
