//! CF time coordinates: `units = "hours since 1800-01-01 00:00:0.0"` with
//! a `calendar` (every CF calendar: [`Calendar`]), decoded to dates as
//! cftime decodes them, and the labels climate analysis groups by (month,
//! season, day of year, hour, calendar day, year).
//!
//! ```
//! use darray::time::TimeAxis;
//! let t = TimeAxis::from_cf(&[0.0, 6.0, 24.0 * 59.0], "hours since 2000-01-01", "standard")?;
//! assert_eq!(t.datetimes()[1].to_string(), "2000-01-01T06:00:00");
//! assert_eq!(t.months(), vec![1, 1, 2]);          // 2000-02-29 is day 60
//! assert_eq!(t.days_of_year(), vec![1, 1, 60]);
//! assert_eq!(t.hours(), vec![0, 6, 0]);
//! // In a 360-day model calendar the same values are other dates.
//! let m = TimeAxis::from_cf(&[24.0 * 59.0], "hours since 2000-01-01", "360_day")?;
//! assert_eq!(m.datetimes()[0].to_string(), "2000-02-30T00:00:00");
//! # Ok::<(), darray::Error>(())
//! ```

mod calendar;
mod datetime;
mod units;

pub use calendar::{civil_from_days, days_from_civil, days_from_julian, julian_from_days, Calendar};
pub use datetime::DateTime;
pub use units::TimeUnits;

use crate::error::Result;

/// The dates of CF time values (cftime's `num2date`).
///
/// ```
/// let d = darray::time::num2date(&[0.0, 59.0], "days since 2001-01-01", "noleap")?;
/// assert_eq!(d[1].to_string(), "2001-03-01T00:00:00");
/// # Ok::<(), darray::Error>(())
/// ```
pub fn num2date(values: &[f64], units: &str, calendar: &str) -> Result<Vec<DateTime>> {
    let u = TimeUnits::parse(units, calendar.parse()?)?;
    values.iter().map(|&v| u.date(v)).collect()
}

/// The CF time values of dates (cftime's `date2num`).
///
/// ```
/// use darray::time::{date2num, DateTime};
/// let v = date2num(&[DateTime::new(2000, 2, 30)], "days since 2000-01-01", "360_day")?;
/// assert_eq!(v, vec![59.0]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn date2num(dates: &[DateTime], units: &str, calendar: &str) -> Result<Vec<f64>> {
    let u = TimeUnits::parse(units, calendar.parse()?)?;
    dates.iter().map(|d| u.value(d)).collect()
}

/// Decoded time steps of a CF time coordinate.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeAxis {
    calendar: Calendar,
    /// Microseconds since the calendar's 1970-01-01 of each step.
    micros: Vec<i64>,
    times: Vec<DateTime>,
}

impl TimeAxis {
    /// Decodes `values` in `units` (see [`TimeUnits::parse`]) of a
    /// `calendar` (any CF name; empty means `standard`). Unknown calendars,
    /// malformed units and non-finite values are `IoError::Time`.
    pub fn from_cf(values: &[f64], units: &str, calendar: &str) -> Result<TimeAxis> {
        TimeAxis::decode(values, &TimeUnits::parse(units, calendar.parse()?)?)
    }

    /// Decodes `values` in parsed units.
    pub fn decode(values: &[f64], units: &TimeUnits) -> Result<TimeAxis> {
        let micros = values.iter().map(|&v| units.micros(v)).collect::<Result<Vec<_>>>()?;
        let cal = units.calendar();
        let times = micros.iter().map(|&us| units::from_instant(us, cal)).collect();
        Ok(TimeAxis { calendar: cal, micros, times })
    }

    /// The calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar
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
    /// Microseconds since the calendar's 1970-01-01 of each step.
    pub fn micros(&self) -> &[i64] {
        &self.micros
    }
    /// Month of each step (1-12): labels for a monthly climatology.
    pub fn months(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(t.month)).collect()
    }
    /// Meteorological season of each step, as xarray's `time.season`
    /// orders them: 0 DJF, 1 MAM, 2 JJA, 3 SON.
    pub fn seasons(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(t.month % 12 / 3)).collect()
    }
    /// Year of each step.
    pub fn years(&self) -> Vec<i64> {
        self.times.iter().map(|t| t.year).collect()
    }
    /// Day of the year of each step (1 to the calendar's year length: 360,
    /// 365 or 366).
    pub fn days_of_year(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(self.calendar.day_of_year(t.year, t.month, t.day))).collect()
    }
    /// Hour of the day of each step (0-23): labels for a daily cycle.
    pub fn hours(&self) -> Vec<i64> {
        self.times.iter().map(|t| i64::from(t.hour)).collect()
    }
    /// The calendar day of each step, as days since the calendar's
    /// 1970-01-01: labels for daily means.
    pub fn dates(&self) -> Vec<i64> {
        self.micros.iter().map(|us| us.div_euclid(86_400_000_000)).collect()
    }
    /// Steps a day when the steps are evenly spaced by a whole fraction of a
    /// day (hourly: 24).
    pub fn steps_per_day(&self) -> Option<usize> {
        let dt = self.micros.get(1)? - self.micros.first()?;
        let even = self.micros.windows(2).all(|w| w[1] - w[0] == dt);
        (even && dt > 0 && 86_400_000_000 % dt == 0).then(|| (86_400_000_000 / dt) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, IoError};

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
        assert!(matches!(TimeAxis::from_cf(&[0.0], "days since 2000-01-01", "none"), Err(Error::Io(IoError::Time(_)))));
        assert!(matches!(
            TimeAxis::from_cf(&[0.0], "fortnights since 2000-01-01", ""),
            Err(Error::Io(IoError::Time(_)))
        ));
        assert!(matches!(TimeAxis::from_cf(&[0.0], "days after 2000-01-01", ""), Err(Error::Io(IoError::Time(_)))));
        // Before the reform the standard calendar is Julian.
        let t = TimeAxis::from_cf(&[0.0, 10.0], "days since 1500-02-20", "standard").unwrap();
        assert_eq!(t.datetimes()[1].to_string(), "1500-03-01T00:00:00");
        let t = TimeAxis::from_cf(&[0.0, 10.0], "days since 1500-02-20", "proleptic_gregorian").unwrap();
        assert_eq!(t.datetimes()[1].to_string(), "1500-03-02T00:00:00");
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
