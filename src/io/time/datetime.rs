//! A date and time of a calendar, and its ISO 8601 form.

use crate::error::{IoError, Result};
use std::fmt;
use std::str::FromStr;

/// A date and time of some calendar (UTC), to the microsecond. Years are
/// the calendar's ([`Calendar::has_year_zero`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
}

impl DateTime {
    /// Midnight of a date.
    pub fn new(year: i64, month: u32, day: u32) -> DateTime {
        DateTime { year, month, day, hour: 0, minute: 0, second: 0, microsecond: 0 }
    }
    /// The same date at `hour:minute:second`.
    pub fn at(self, hour: u32, minute: u32, second: u32) -> DateTime {
        DateTime { hour, minute, second, microsecond: 0, ..self }
    }
}

impl fmt::Display for DateTime {
    /// ISO 8601 (`2000-01-01T06:00:00`, with `.ffffff` when there are
    /// microseconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )?;
        if self.microsecond != 0 {
            write!(f, ".{:06}", self.microsecond)?;
        }
        Ok(())
    }
}

impl FromStr for DateTime {
    type Err = crate::Error;
    /// `Y-M-D` with an optional `(T| )h:m[:s[.f]]` (no time zone; whether
    /// the date exists depends on the calendar, checked where it is used).
    ///
    /// ```
    /// let t: darray::time::DateTime = "1999-12-31T18:30".parse()?;
    /// assert_eq!((t.year, t.hour, t.minute), (1999, 18, 30));
    /// # Ok::<(), darray::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<DateTime> {
        let bad = |why: String| IoError::Time(format!("{s:?} is not a date: {why}"));
        let (t, rest) = parse_datetime(s).map_err(bad)?;
        if !rest.trim().is_empty() {
            return Err(bad(format!("{:?} follows it", rest.trim())).into());
        }
        Ok(t)
    }
}

/// Splits a leading run of ASCII digits off `s`.
pub(super) fn digits(s: &str) -> (&str, &str) {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    s.split_at(n)
}

/// A field of 1 to `max` digits.
pub(super) fn field<'a>(s: &'a str, max: usize, what: &str) -> std::result::Result<(u32, &'a str), String> {
    let (d, rest) = digits(s);
    if d.is_empty() || d.len() > max {
        return Err(format!("the {what} is not a number of 1 to {max} digits"));
    }
    Ok((d.parse().map_err(|_| format!("bad {what}"))?, rest))
}

/// Parses `[+-]Y-M-D[(T| )h:m[:s[.f]]]`, returning the date and the rest.
pub(super) fn parse_datetime(s: &str) -> std::result::Result<(DateTime, &str), String> {
    let s = s.trim_start();
    let (neg, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (y, rest) = digits(s);
    if y.is_empty() || y.len() > 12 {
        return Err("no year".into());
    }
    let year: i64 = y.parse().map_err(|_| "bad year".to_string())?;
    let rest = rest.strip_prefix('-').ok_or("no month (dates are Y-M-D)")?;
    let (month, rest) = field(rest, 2, "month")?;
    let rest = rest.strip_prefix('-').ok_or("no day (dates are Y-M-D)")?;
    let (day, mut rest) = field(rest, 2, "day")?;
    let mut t = DateTime::new(if neg { -year } else { year }, month, day);
    // A time of day after `T` or a space: `h:m`, then `:s[.f]`.
    let after = rest.strip_prefix(['T', ' ']).map(str::trim_start);
    if let Some(r) = after.filter(|r| {
        let (d, tail) = digits(r);
        !d.is_empty() && tail.starts_with(':')
    }) {
        let (h, r) = field(r, 2, "hour")?;
        let (m, mut r) = field(&r[1..], 2, "minute")?;
        t.hour = h;
        t.minute = m;
        if let Some(sr) = r.strip_prefix(':') {
            let (sec, sr) = field(sr, 2, "second")?;
            t.second = sec;
            r = sr;
            if let Some(fr) = r.strip_prefix('.') {
                let (f, fr) = digits(fr);
                // The fraction to the microsecond (cftime keeps six digits).
                let six: String = f.chars().chain(std::iter::repeat('0')).take(6).collect();
                t.microsecond = six.parse().map_err(|_| "bad fraction of a second".to_string())?;
                r = fr;
            }
        }
        rest = r;
    }
    if t.hour > 23 || t.minute > 59 || t.second > 59 {
        return Err(format!("{t} is not a time of day"));
    }
    Ok((t, rest))
}
