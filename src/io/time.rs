//! CF time coordinates: `units = "hours since 1800-01-01 00:00:0.0"` with
//! a `calendar`, decoded to dates, and the labels climate analysis groups
//! by (month, day of year, hour, calendar day).
//!
//! ```
//! use darray::time::TimeAxis;
//! let t = TimeAxis::from_cf(&[0.0, 6.0, 24.0 * 59.0], "hours since 2000-01-01", "standard")?;
//! assert_eq!(t.datetimes()[1].to_string(), "2000-01-01T06:00:00");
//! assert_eq!(t.months(), vec![1, 1, 2]);          // 2000-02-29 is day 60
//! assert_eq!(t.days_of_year(), vec![1, 1, 60]);
//! assert_eq!(t.hours(), vec![0, 6, 0]);
//! # Ok::<(), darray::Error>(())
//! ```

use crate::error::{IoError, Result};
use std::fmt;

/// A date and time of the proleptic Gregorian calendar (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
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

/// Days from 1970-01-01 to a date of the Julian calendar.
pub fn days_from_julian(y: i64, m: u32, d: u32) -> i64 {
    let a = (14 - i64::from(m)) / 12;
    let (yy, mm) = (y + 4800 - a, i64::from(m) + 12 * a - 3);
    // The Julian day number, less that of 1970-01-01.
    i64::from(d) + (153 * mm + 2) / 5 + 365 * yy + yy.div_euclid(4) - 32083 - 2_440_588
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Parses `YYYY-MM-DD[( |T)hh[:mm[:ss[.fff]]]][Z| UTC|+00:00]` into seconds
/// since 1970-01-01; with `julian_before_reform` (the standard calendar), a
/// date before 1582-10-15 is a Julian one.
fn parse_reference(s: &str, julian_before_reform: bool) -> Option<f64> {
    let s = s.trim().trim_end_matches('Z').trim_end_matches("UTC").trim_end_matches("+00:00").trim_end_matches("+0:00");
    let s = s.trim();
    let (date, time) = match s.find(['T', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut dp = date.splitn(3, '-');
    let (y, m, d): (i64, u32, u32) = (dp.next()?.parse().ok()?, dp.next()?.parse().ok()?, dp.next()?.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let mut secs = 0f64;
    if !time.is_empty() {
        for (part, scale) in time.split(':').zip([3600.0, 60.0, 1.0]) {
            secs += part.parse::<f64>().ok()? * scale;
        }
    }
    let days = if julian_before_reform && (y, m, d) < (1582, 10, 15) {
        days_from_julian(y, m, d)
    } else {
        days_from_civil(y, m, d)
    };
    Some(days as f64 * 86400.0 + secs)
}

/// Decoded time steps of a CF time coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    /// Seconds since 1970-01-01 of each step.
    seconds: Vec<f64>,
    times: Vec<DateTime>,
}

impl TimeAxis {
    /// Decodes `values` in `units` (`"<seconds|minutes|hours|days> since
    /// <date>"`) of a `calendar` (`standard`, `gregorian` or
    /// `proleptic_gregorian`; empty means `standard`). Other calendars,
    /// malformed units, non-finite values and (in the standard calendar,
    /// which is Julian before 1582-10-15) dates before the Gregorian
    /// reform are `IoError::Time`.
    pub fn from_cf(values: &[f64], units: &str, calendar: &str) -> Result<TimeAxis> {
        let cal = calendar.trim().to_ascii_lowercase();
        let standard = match cal.as_str() {
            "" | "standard" | "gregorian" => true,
            "proleptic_gregorian" => false,
            other => {
                return Err(IoError::Time(format!(
                    "calendar {other:?} is not supported (standard, gregorian, proleptic_gregorian are)"
                ))
                .into())
            }
        };
        let bad_units = || IoError::Time(format!("time units {units:?} are not \"<unit> since <date>\""));
        let (unit, reference) = units.split_once(" since ").ok_or_else(bad_units)?;
        let scale = match unit.trim().to_ascii_lowercase().as_str() {
            "seconds" | "second" | "secs" | "sec" | "s" => 1.0,
            "minutes" | "minute" | "mins" | "min" => 60.0,
            "hours" | "hour" | "hrs" | "hr" | "h" => 3600.0,
            "days" | "day" | "d" => 86400.0,
            _ => return Err(bad_units().into()),
        };
        let epoch = parse_reference(reference, standard).ok_or_else(bad_units)?;
        let reform = days_from_civil(1582, 10, 15) as f64 * 86400.0;
        let mut seconds = Vec::with_capacity(values.len());
        let mut times = Vec::with_capacity(values.len());
        for &v in values {
            let s = epoch + v * scale;
            if !s.is_finite() {
                return Err(IoError::Time(format!("time value {v} is not a date")).into());
            }
            if standard && s < reform {
                return Err(IoError::Time(format!(
                    "{v} {units} is before 1582-10-15, where the {cal:?} calendar is Julian; use proleptic_gregorian"
                ))
                .into());
            }
            // To the nearest second: float time values carry rounding.
            let whole = s.round() as i64;
            let (days, sod) = (whole.div_euclid(86400), whole.rem_euclid(86400));
            let (year, month, day) = civil_from_days(days);
            times.push(DateTime {
                year,
                month,
                day,
                hour: (sod / 3600) as u32,
                minute: (sod % 3600 / 60) as u32,
                second: (sod % 60) as u32,
            });
            seconds.push(s);
        }
        Ok(TimeAxis { seconds, times })
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.times.len()
    }
    /// True when there are no steps.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
    /// The date and time of each step.
    pub fn datetimes(&self) -> &[DateTime] {
        &self.times
    }
    /// Month of each step (1-12): labels for a monthly climatology.
    pub fn months(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(t.month)).collect()
    }
    /// Year of each step.
    pub fn years(&self) -> Vec<i64> {
        self.times.iter().map(|t| t.year).collect()
    }
    /// Day of the year of each step (1-366).
    pub fn days_of_year(&self) -> Vec<i64> {
        const START: [i64; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        self.times
            .iter()
            .map(|t| START[t.month as usize - 1] + i64::from(t.day) + i64::from(t.month > 2 && is_leap(t.year)))
            .collect()
    }
    /// Hour of the day of each step (0-23): labels for a daily cycle.
    pub fn hours(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(t.hour)).collect()
    }
    /// The calendar day of each step, as days since 1970-01-01: labels for
    /// daily means.
    pub fn dates(&self) -> Vec<i64> {
        self.times.iter().map(|t| days_from_civil(t.year, t.month, t.day)).collect()
    }
    /// Steps a day when the steps are evenly spaced by a whole fraction of a
    /// day (hourly: 24).
    pub fn steps_per_day(&self) -> Option<usize> {
        let dt = self.seconds.get(1)? - self.seconds.first()?;
        let even = self.seconds.windows(2).all(|w| ((w[1] - w[0]) - dt).abs() < 1e-6 * dt.abs().max(1.0));
        let per = 86400.0 / dt;
        (even && dt > 0.0 && per >= 1.0 && (per - per.round()).abs() < 1e-9).then_some(per.round() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn civil_days_round_trip_and_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
        assert_eq!(days_from_civil(1800, 1, 1), -62091);
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn units_and_calendars() {
        let t = TimeAxis::from_cf(&[1867128.0], "hours since 1800-01-01 00:00:0.0", "standard").unwrap();
        assert_eq!(t.datetimes()[0].to_string(), "2013-01-01T00:00:00");
        let t = TimeAxis::from_cf(&[1551398400.0, 1551402000.0], "seconds since 1970-01-01", "proleptic_gregorian")
            .unwrap();
        assert_eq!(t.datetimes()[1].to_string(), "2019-03-01T01:00:00");
        assert_eq!(t.steps_per_day(), Some(24));
        let t = TimeAxis::from_cf(&[0.5, 365.0], "days since 2001-01-01T00:00:00Z", "gregorian").unwrap();
        assert_eq!((t.hours(), t.days_of_year(), t.years()), (vec![12, 0], vec![1, 1], vec![2001, 2002]));
        assert!(matches!(
            TimeAxis::from_cf(&[0.0], "days since 2000-01-01", "noleap"),
            Err(Error::Io(IoError::Time(_)))
        ));
        assert!(matches!(
            TimeAxis::from_cf(&[0.0], "fortnights since 2000-01-01", ""),
            Err(Error::Io(IoError::Time(_)))
        ));
        assert!(matches!(TimeAxis::from_cf(&[0.0], "days after 2000-01-01", ""), Err(Error::Io(IoError::Time(_)))));
        assert!(matches!(
            TimeAxis::from_cf(&[0.0], "days since 1500-01-01", "standard"),
            Err(Error::Io(IoError::Time(_)))
        ));
        assert!(TimeAxis::from_cf(&[0.0], "days since 1500-01-01", "proleptic_gregorian").is_ok());
        assert!(matches!(
            TimeAxis::from_cf(&[f64::NAN], "days since 2000-01-01", ""),
            Err(Error::Io(IoError::Time(_)))
        ));
        // A reference before the reform is Julian in the standard calendar
        // (NCEP's "days since 0001-01-01"): Julian 0001-01-01 is two days
        // before the proleptic Gregorian one (values checked with cftime).
        assert_eq!(days_from_julian(1582, 10, 4) + 1, days_from_civil(1582, 10, 15));
        let t = TimeAxis::from_cf(&[730121.0, 730119.0], "days since 0001-01-01 00:00:00", "standard").unwrap();
        assert_eq!(t.datetimes()[0].to_string(), "2000-01-01T00:00:00");
        assert_eq!(t.datetimes()[1].to_string(), "1999-12-30T00:00:00");
        let t = TimeAxis::from_cf(&[730119.0], "days since 0001-01-01 00:00:00", "proleptic_gregorian").unwrap();
        assert_eq!(t.datetimes()[0].to_string(), "2000-01-01T00:00:00");
    }
}
