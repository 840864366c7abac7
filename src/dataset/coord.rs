//! Coordinates: the values along a dimension that `sel` looks labels up
//! in, and the labels themselves (numbers, dates, text).

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::io::time::{Calendar, DateTime, TimeAxis, TimeUnits};
use crate::io::AttrValue;
use std::collections::BTreeMap;
use std::fmt;

/// The coordinate of a dimension (`lat`, `time`): its values, kept in
/// memory (coordinates are small), in the element type they are stored as,
/// and its attributes. A coordinate whose `units` are CF time units
/// (`days since 1850-01-01`, with its `calendar`) is a time coordinate:
/// `sel` takes dates for it and `groupby_time` groups by it.
///
/// ```
/// use darray::dataset::Coord;
/// let t = Coord::new("time", vec![0.0, 31.0]).attr("units", "days since 2001-01-01").attr("calendar", "noleap");
/// assert_eq!(t.time_axis()?.unwrap().months(), vec![1, 2]);
/// assert!(Coord::new("lat", vec![10.0]).time_axis()?.is_none());
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Coord {
    name: String,
    /// `[name]` for a dimension coordinate; empty for a scalar one (what an
    /// index selection leaves).
    dims: Vec<String>,
    values: Vec<f64>,
    dtype: DType,
    attrs: BTreeMap<String, AttrValue>,
}

impl Coord {
    /// The coordinate of dimension `name`, stored as `f64`.
    pub fn new(name: impl Into<String>, values: Vec<f64>) -> Coord {
        let name = name.into();
        Coord { dims: vec![name.clone()], name, values, dtype: DType::F64, attrs: BTreeMap::new() }
    }

    /// The same coordinate with an attribute.
    pub fn attr(mut self, key: &str, value: impl Into<AttrValue>) -> Coord {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    /// The same coordinate written as `dtype` (its values are kept as
    /// `f64`, which holds every value of the numeric types up to 2^53).
    pub fn with_dtype(mut self, dtype: DType) -> Coord {
        self.dtype = dtype;
        self
    }

    pub(crate) fn from_parts(name: &str, values: Vec<f64>, dtype: DType, attrs: BTreeMap<String, AttrValue>) -> Coord {
        Coord { name: name.to_string(), dims: vec![name.to_string()], values, dtype, attrs }
    }

    /// Its name (that of its dimension).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `[name]`, or nothing for a scalar coordinate.
    pub fn dims(&self) -> &[String] {
        &self.dims
    }
    /// The values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }
    /// Number of values.
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether it has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// The element type it is written as.
    pub fn dtype(&self) -> DType {
        self.dtype
    }
    /// The attributes.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        &self.attrs
    }

    fn text(&self, key: &str) -> &str {
        self.attrs.get(key).and_then(AttrValue::as_str).unwrap_or("")
    }

    /// The time units, when `units` are CF time units (`<unit> since
    /// <date>`); malformed units or an unknown calendar are errors.
    fn time_units(&self) -> Result<Option<TimeUnits>> {
        let units = self.text("units");
        if !units.contains(" since ") {
            return Ok(None);
        }
        let cal: Calendar = self.text("calendar").parse()?;
        Ok(Some(TimeUnits::parse(units, cal)?))
    }

    /// The decoded dates, for a time coordinate (`None` for another).
    pub fn time_axis(&self) -> Result<Option<TimeAxis>> {
        match self.time_units()? {
            Some(u) => Ok(Some(TimeAxis::decode(&self.values, &u)?)),
            None => Ok(None),
        }
    }

    /// The values at `start, start + step, ...` (`count` of them).
    pub(crate) fn stepped(&self, start: usize, step: isize, count: usize) -> Coord {
        let values = (0..count).map(|k| self.values[(start as isize + k as isize * step) as usize]).collect();
        Coord { values, ..self.clone() }
    }

    /// The scalar coordinate of position `i`.
    pub(crate) fn at(&self, i: usize) -> Coord {
        Coord { dims: vec![], values: vec![self.values[i]], ..self.clone() }
    }

    fn err(&self, message: String) -> Error {
        Error::Sel { dim: self.name.clone(), message }
    }

    /// The comparable keys of the values: the numbers, or for a time
    /// coordinate the instants (microseconds), and the units for labels.
    fn keys(&self) -> Result<(Vec<f64>, Option<TimeUnits>)> {
        match self.time_units()? {
            Some(u) => {
                let us = self.values.iter().map(|&v| u.micros(v).map(|x| x as f64)).collect::<Result<_>>()?;
                Ok((us, Some(u)))
            }
            None => Ok((self.values.clone(), None)),
        }
    }

    /// The key interval a label stands for: one point, or for a partial
    /// date (`"2000"`, `"2000-03"`) on a time coordinate, its year or month.
    fn label_keys(&self, label: &Label, units: Option<&TimeUnits>) -> Result<(f64, f64)> {
        let instant = |u: &TimeUnits, d: &DateTime| u.instant(d).map(|x| x as f64);
        match (label, units) {
            (Label::Value(v), None) if v.is_nan() => Err(self.err("NaN is not a label".into())),
            (Label::Value(v), None) => Ok((*v, *v)),
            (Label::Value(v), Some(u)) => u.micros(*v).map(|x| (x as f64, x as f64)),
            (Label::Date(d), Some(u)) => instant(u, d).map(|x| (x, x)),
            (Label::Date(d), None) => {
                Err(self.err(format!("{d} is a date, and {} is not a time coordinate", self.name)))
            }
            (Label::Text(s), None) => match s.trim().parse::<f64>() {
                Ok(v) => self.label_keys(&Label::Value(v), None),
                Err(_) => Err(self.err(format!("{s:?} is not a number, and {} is not a time coordinate", self.name))),
            },
            (Label::Text(s), Some(u)) => {
                if let Some((lo, hi)) = partial_date(s) {
                    let end = instant(u, &hi)? - 1.0;
                    return Ok((instant(u, &lo)?, end));
                }
                let d: DateTime = s.parse()?;
                instant(u, &d).map(|x| (x, x))
            }
        }
    }

    fn direction(&self, keys: &[f64]) -> Option<std::cmp::Ordering> {
        use std::cmp::Ordering::*;
        if keys.windows(2).all(|w| w[0] < w[1]) {
            Some(Less)
        } else if keys.windows(2).all(|w| w[0] > w[1]) {
            Some(Greater)
        } else {
            None
        }
    }

    fn span(&self) -> String {
        match (self.values.first(), self.values.last()) {
            (Some(a), Some(b)) => format!("{} holds {} values from {a} to {b}", self.name, self.len()),
            _ => format!("{} is empty", self.name),
        }
    }

    /// The position of a label equal to one of the values.
    pub(crate) fn exact(&self, label: &Label) -> Result<usize> {
        let (keys, u) = self.keys()?;
        let (lo, hi) = self.label_keys(label, u.as_ref())?;
        if lo != hi {
            return Err(self.err(format!("{label} is a period, not a value: use sel_range")));
        }
        keys.iter().position(|&k| k == lo).ok_or_else(|| {
            self.err(format!(
                "{label} is not a value of the coordinate ({}); sel_nearest takes the closest",
                self.span()
            ))
        })
    }

    /// The position of the value closest to a label (of two as close, the
    /// larger value, as xarray picks); the coordinate must be monotonic,
    /// and a label beyond half a step past either end is an error.
    pub(crate) fn nearest(&self, label: &Label) -> Result<usize> {
        let (keys, u) = self.keys()?;
        let (x, _) = self.label_keys(label, u.as_ref())?;
        if keys.is_empty() {
            return Err(self.err(format!("{label}: {}", self.span())));
        }
        if self.direction(&keys).is_none() {
            return Err(self.err("nearest needs a monotonic coordinate (increasing or decreasing)".into()));
        }
        let n = keys.len();
        let (lo, hi) = (keys[0].min(keys[n - 1]), keys[0].max(keys[n - 1]));
        let half = |a: f64, b: f64| (a - b).abs() / 2.0;
        let (below, above) = if n > 1 {
            let at_lo = if keys[0] <= keys[n - 1] { half(keys[0], keys[1]) } else { half(keys[n - 1], keys[n - 2]) };
            let at_hi = if keys[0] <= keys[n - 1] { half(keys[n - 1], keys[n - 2]) } else { half(keys[0], keys[1]) };
            (lo - at_lo, hi + at_hi)
        } else {
            (f64::NEG_INFINITY, f64::INFINITY)
        };
        if x < below || x > above {
            return Err(self.err(format!("{label} is outside the coordinate ({})", self.span())));
        }
        let mut best = 0;
        for (i, &k) in keys.iter().enumerate() {
            let (d, db) = ((k - x).abs(), (keys[best] - x).abs());
            if d < db || (d == db && k > keys[best]) {
                best = i;
            }
        }
        Ok(best)
    }

    /// The positions of the values between two labels (inclusive, in
    /// either order), a contiguous run of a monotonic coordinate.
    pub(crate) fn range(&self, a: &Label, b: &Label) -> Result<std::ops::Range<usize>> {
        let (keys, u) = self.keys()?;
        let (a0, a1) = self.label_keys(a, u.as_ref())?;
        let (b0, b1) = self.label_keys(b, u.as_ref())?;
        let (lo, hi) = if a0 <= b0 { (a0, b1.max(a1)) } else { (b0, a1.max(b1)) };
        if self.direction(&keys).is_none() {
            return Err(self.err("a range needs a monotonic coordinate (increasing or decreasing)".into()));
        }
        let inside: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] >= lo && keys[i] <= hi).collect();
        match (inside.first(), inside.last()) {
            (Some(&s), Some(&e)) => Ok(s..e + 1),
            _ => Err(self.err(format!("no values between {a} and {b} ({})", self.span()))),
        }
    }
}

/// `YYYY` or `YYYY-MM`: the first instant of the period and of the next.
fn partial_date(s: &str) -> Option<(DateTime, DateTime)> {
    let s = s.trim();
    let (y, m) = match s.split_once('-') {
        Some((y, m)) if !y.is_empty() => (y, Some(m)),
        _ => (s, None),
    };
    if y.len() < 4 || !y.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let y: i64 = y.parse().ok()?;
    match m {
        None => Some((DateTime::new(y, 1, 1), DateTime::new(y + 1, 1, 1))),
        Some(m) if !m.is_empty() && m.len() <= 2 && m.bytes().all(|c| c.is_ascii_digit()) => {
            let m: u32 = m.parse().ok()?;
            if !(1..=12).contains(&m) {
                return None;
            }
            let next = if m == 12 { DateTime::new(y + 1, 1, 1) } else { DateTime::new(y, m + 1, 1) };
            Some((DateTime::new(y, m, 1), next))
        }
        _ => None,
    }
}

/// A value to look up in a coordinate: a number, a date (for a time
/// coordinate), or text, which is a date (`"2000-03-15T06:00"`, or for
/// ranges also a year `"2000"` or a month `"2000-03"`) for a time
/// coordinate and a number otherwise. Numbers on a time coordinate are in
/// its units.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    /// A number.
    Value(f64),
    /// A date.
    Date(DateTime),
    /// Text, read as the coordinate needs.
    Text(String),
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Label::Value(v) => write!(f, "{v}"),
            Label::Date(d) => write!(f, "{d}"),
            Label::Text(s) => write!(f, "{s:?}"),
        }
    }
}

macro_rules! label_from_number {
    ($($t:ty),*) => {$(
        impl From<$t> for Label {
            fn from(v: $t) -> Label {
                Label::Value(v as f64)
            }
        }
    )*};
}
label_from_number!(f64, f32, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl From<DateTime> for Label {
    fn from(d: DateTime) -> Label {
        Label::Date(d)
    }
}
impl From<&str> for Label {
    fn from(s: &str) -> Label {
        Label::Text(s.to_string())
    }
}
impl From<String> for Label {
    fn from(s: String) -> Label {
        Label::Text(s)
    }
}
