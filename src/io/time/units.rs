//! CF time units: `"<unit> since <reference>"`, parsed as cftime parses
//! them, and the conversion of values to instants (microseconds on the
//! calendar's own day count) and back.

use super::calendar::Calendar;
use super::datetime::{digits, field, parse_datetime, DateTime};
use crate::error::{IoError, Result};

const DAY_US: i64 = 86_400_000_000;

/// The units of a CF time coordinate, for one calendar.
///
/// ```
/// use darray::time::{Calendar, TimeUnits};
/// let u = TimeUnits::parse("hours since 2000-01-01 00:00:00 -06:00", Calendar::NoLeap)?;
/// assert_eq!(u.reference().to_string(), "2000-01-01T06:00:00"); // in UTC
/// assert_eq!(u.date(1.5)?.to_string(), "2000-01-01T07:30:00");
/// assert_eq!(u.value(&u.date(1.5)?)?, 1.5);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeUnits {
    calendar: Calendar,
    /// Microseconds in one unit.
    unit_us: i64,
    /// The reference instant: microseconds since the calendar's 1970-01-01.
    epoch_us: i64,
}

impl TimeUnits {
    /// The time units a variable's attributes give: `None` when its
    /// `units` are not CF time units (`<unit> since <date>`), else its
    /// `units` with its `calendar` (absent: `standard`) parsed; an unknown
    /// calendar or a malformed reference date is an error.
    ///
    /// ```
    /// use darray::io::AttrValue;
    /// use darray::time::TimeUnits;
    /// let attrs = [("units", AttrValue::from("days since 2001-1-1")), ("calendar", AttrValue::from("noleap"))];
    /// let u = TimeUnits::from_attrs(&attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())?;
    /// assert_eq!(u.unwrap().date(59.0)?.to_string(), "2001-03-01T00:00:00");
    /// assert_eq!(TimeUnits::from_attrs(&[("units".to_string(), AttrValue::from("K"))].into())?, None);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn from_attrs(attrs: &std::collections::BTreeMap<String, crate::io::AttrValue>) -> Result<Option<TimeUnits>> {
        let text = |k: &str| attrs.get(k).and_then(crate::io::AttrValue::as_str).unwrap_or("");
        if !text("units").contains(" since ") {
            return Ok(None);
        }
        Ok(Some(TimeUnits::parse(text("units"), text("calendar").parse()?)?))
    }

    /// Parses `units`: a unit (`microseconds`, `milliseconds`, `seconds`,
    /// `minutes`, `hours`, `days` and the abbreviations cftime takes;
    /// `months` of 30 days in `360_day`, `common_years` of 365 days in
    /// `noleap`), `since`, and a reference `Y-M-D` (one-digit fields and a
    /// signed year allowed) with an optional time `h:m[:s[.f]]` after a `T`
    /// or a space and an optional time zone (`Z`, `UTC`, `+hh[:mm]`,
    /// `-hhmm`). A reference that is not a date of `calendar` is an error.
    pub fn parse(units: &str, calendar: Calendar) -> Result<TimeUnits> {
        let bad = |why: &str| IoError::Time(format!("time units {units:?}: {why}"));
        let (unit, reference) = units.trim().split_once(" since ").ok_or_else(|| bad("not \"<unit> since <date>\""))?;
        let unit = unit.trim().to_ascii_lowercase();
        let unit_us = match unit.as_str() {
            "microseconds" | "microsecond" | "microsec" | "microsecs" => 1,
            "milliseconds" | "millisecond" | "millisec" | "millisecs" | "msec" | "msecs" | "ms" => 1000,
            "seconds" | "second" | "sec" | "secs" | "s" => 1_000_000,
            "minutes" | "minute" | "min" | "mins" => 60_000_000,
            "hours" | "hour" | "hr" | "hrs" | "h" => 3_600_000_000,
            "days" | "day" | "d" => DAY_US,
            "months" | "month" if calendar == Calendar::Day360 => 30 * DAY_US,
            "common_years" | "common_year" if calendar == Calendar::NoLeap => 365 * DAY_US,
            "months" | "month" => return Err(bad("months are a unit of the 360_day calendar only").into()),
            "common_years" | "common_year" => return Err(bad("common_years are a unit of noleap only").into()),
            _ => {
                return Err(bad(&format!(
                    "unknown unit {unit:?} (microseconds, milliseconds, seconds, minutes, hours or days)"
                ))
                .into())
            }
        };
        let (date, offset_us) = parse_reference(reference).map_err(|why| bad(&why))?;
        let local = instant(&date, calendar).map_err(|e| match e {
            crate::Error::Io(IoError::Time(why)) => bad(&why),
            other => bad(&other.to_string()),
        })?;
        Ok(TimeUnits { calendar, unit_us, epoch_us: local - offset_us })
    }

    /// The calendar.
    pub fn calendar(&self) -> Calendar {
        self.calendar
    }

    /// The reference instant, in UTC.
    pub fn reference(&self) -> DateTime {
        from_instant(self.epoch_us, self.calendar)
    }

    /// Microseconds in one unit.
    pub fn unit_micros(&self) -> i64 {
        self.unit_us
    }

    /// The instant of a value: microseconds since the calendar's
    /// 1970-01-01, rounded to the microsecond as cftime rounds it.
    pub fn micros(&self, value: f64) -> Result<i64> {
        let out = || IoError::Time(format!("time value {value} is not a date"));
        if !value.is_finite() {
            return Err(out().into());
        }
        // cftime leaves micro- and milliseconds as they round.
        let fine = self.unit_us <= 1000;
        let us = scaled_to_micros(value, self.unit_us as f64, fine).ok_or_else(out)?;
        Ok(self.epoch_us.checked_add(us).ok_or_else(out)?)
    }

    /// The instant of a date: microseconds since the calendar's 1970-01-01.
    pub fn instant(&self, date: &DateTime) -> Result<i64> {
        instant(date, self.calendar)
    }

    /// The date of a value.
    pub fn date(&self, value: f64) -> Result<DateTime> {
        Ok(from_instant(self.micros(value)?, self.calendar))
    }

    /// The value of a date in these units (cftime's `date2num`); a date
    /// that does not exist in the calendar is an error.
    pub fn value(&self, date: &DateTime) -> Result<f64> {
        let us = instant(date, self.calendar)?;
        let d = us.checked_sub(self.epoch_us).ok_or_else(|| IoError::Time(format!("{date} is out of range")))?;
        Ok(if d % self.unit_us == 0 { (d / self.unit_us) as f64 } else { d as f64 / self.unit_us as f64 })
    }
}

/// `value * factor` rounded to an integer the way cftime does it: to the
/// nearest, except that (for units coarser than milliseconds) a result one
/// microsecond off a whole second goes to that second. The product is
/// carried exactly (`mul_add` gives its rounding error), where cftime
/// carries it in a long double.
fn scaled_to_micros(value: f64, factor: f64, fine: bool) -> Option<i64> {
    let p = value * factor;
    if !p.is_finite() || p.abs() >= 9.2e18 {
        return None;
    }
    let err = value.mul_add(factor, -p);
    // The exact product as a whole part and a fraction in [0, 1), in
    // integers: past 2^53 an f64 cannot hold the odd neighbours of p.
    let (mut whole, mut frac) =
        if p.abs() < 4.5e15 { (p.floor() as i64, (p - p.floor()) + err) } else { (p as i64, err) };
    let k = frac.floor();
    whole += k as i64;
    frac -= k;
    let (floor, ceil) = (whole, whole + i64::from(frac > 0.0));
    let nearest = if frac > 0.5 || (frac == 0.5 && whole.rem_euclid(2) == 1) { whole + 1 } else { whole };
    let mut us = nearest;
    if !fine {
        match us.rem_euclid(1_000_000) {
            1 => us = floor,
            999_999 => us = ceil,
            _ => {}
        }
    }
    Some(us)
}

/// A date's instant: microseconds since the calendar's 1970-01-01.
pub(super) fn instant(t: &DateTime, cal: Calendar) -> Result<i64> {
    let bad = || IoError::Time(format!("{t} is not a time of day of the {cal} calendar"));
    if t.hour > 23 || t.minute > 59 || t.second > 59 || t.microsecond > 999_999 {
        return Err(bad().into());
    }
    let days = cal.days_from_date(t.year, t.month, t.day)?;
    let tod = ((i64::from(t.hour) * 60 + i64::from(t.minute)) * 60 + i64::from(t.second)) * 1_000_000
        + i64::from(t.microsecond);
    days.checked_mul(DAY_US).and_then(|d| d.checked_add(tod)).ok_or_else(|| bad().into())
}

/// The date and time of an instant.
pub(super) fn from_instant(us: i64, cal: Calendar) -> DateTime {
    let (days, tod) = (us.div_euclid(DAY_US), us.rem_euclid(DAY_US));
    let (year, month, day) = cal.date_from_days(days);
    let secs = tod / 1_000_000;
    DateTime {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs % 3600 / 60) as u32,
        second: (secs % 60) as u32,
        microsecond: (tod % 1_000_000) as u32,
    }
}

/// Parses a reference date and its time zone (the offset from UTC, in
/// microseconds, of the local time it is written in).
fn parse_reference(s: &str) -> std::result::Result<(DateTime, i64), String> {
    let (t, rest) = parse_datetime(s)?;
    let tz = rest.trim();
    let offset = match tz {
        "" | "Z" | "z" | "UTC" | "utc" | "GMT" => 0,
        _ => {
            let (sign, r) = match tz.as_bytes()[0] {
                b'+' => (1, &tz[1..]),
                b'-' => (-1, &tz[1..]),
                _ => return Err(format!("{tz:?} after the date is not a time zone")),
            };
            // `hh`, `hh:mm` or `hhmm`: the hour is the first two digits.
            let n = digits(r).0.len().min(2);
            let (h, _) = field(&r[..n], 2, "time zone hour")?;
            let r = &r[n..];
            let r = r.strip_prefix(':').unwrap_or(r);
            let (m, r) = if r.is_empty() { (0, r) } else { field(r, 2, "time zone minute")? };
            if !r.is_empty() || h > 23 || m > 59 {
                return Err(format!("{tz:?} is not a time zone"));
            }
            sign * (i64::from(h) * 60 + i64::from(m)) * 60_000_000
        }
    };
    Ok((t, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_follows_cftime() {
        // 1e-7 days is 8640 us; a third of a day is 08:00 exactly.
        assert_eq!(scaled_to_micros(1e-7, DAY_US as f64, false), Some(8640));
        assert_eq!(scaled_to_micros(1.0 / 3.0, DAY_US as f64, false), Some(28_800_000_000));
        // Rounded to one microsecond off a second, the value goes to the
        // second when the product is past it (values checked with cftime).
        assert_eq!(scaled_to_micros(0.999_999_3, 1e6, false), Some(1_000_000));
        assert_eq!(scaled_to_micros(0.999_999, 1e6, false), Some(999_999));
        assert_eq!(scaled_to_micros(1.000_001_3, 1e6, false), Some(1_000_001));
        assert_eq!(scaled_to_micros(0.999_999_3, 1e3, true), Some(1000));
        assert_eq!(scaled_to_micros(-0.000_001, 1e6, false), Some(0));
        assert_eq!(scaled_to_micros(1e300, 1e6, false), None);
    }

    #[test]
    fn references() {
        let (t, off) = parse_reference("1800-1-1 0:0:0.5 -6").unwrap();
        assert_eq!((t.year, t.month, t.day, t.microsecond, off), (1800, 1, 1, 500_000, -21_600_000_000));
        assert_eq!(parse_reference("2000-01-01T00:00:00Z").unwrap().1, 0);
        assert_eq!(parse_reference("-0001-01-01").unwrap().0.year, -1);
        assert_eq!(parse_reference("2000-01-01 +05:30").unwrap().1, 19_800_000_000);
        for bad in ["2000", "2000-01", "2000-13-01x", "2000-01-01 25:00", "2000-01-01 junk", "x"] {
            assert!(parse_reference(bad).is_err(), "{bad}");
        }
    }
}
