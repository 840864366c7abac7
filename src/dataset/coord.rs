//! Coordinates: the values along a dimension that `sel` looks labels up
//! in, and the labels themselves (numbers, dates, text).

use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::io::time::{DateTime, TimeAxis, TimeUnits};
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

    /// The time units, when `units` are CF time units (`<unit> since
    /// <date>`); malformed units or an unknown calendar are errors.
    fn time_units(&self) -> Result<Option<TimeUnits>> {
        TimeUnits::from_attrs(&self.attrs)
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
    /// coordinate the instants (exact microseconds), with the units.
    fn keys(&self) -> Result<Keys> {
        match self.time_units()? {
            Some(u) => {
                let us = self.values.iter().map(|&v| u.micros(v)).collect::<Result<_>>()?;
                Ok(Keys::Time(us, u))
            }
            None => Ok(Keys::Num(self.values.clone())),
        }
    }

    /// A label as a number of this (numeric) coordinate: in `f32`'s
    /// precision for an `f32` coordinate, so `0.1` finds `0.1f32`.
    fn number(&self, label: &Label) -> Result<f64> {
        let v = match label {
            Label::Value(v) => *v,
            Label::Date(d) => {
                return Err(self.err(format!("{d} is a date, and {} is not a time coordinate", self.name)))
            }
            Label::Text(s) => s
                .trim()
                .parse::<f64>()
                .map_err(|_| self.err(format!("{s:?} is not a number, and {} is not a time coordinate", self.name)))?,
        };
        if v.is_nan() {
            return Err(self.err("NaN is not a label".into()));
        }
        Ok(if self.dtype == DType::F32 { v as f32 as f64 } else { v })
    }

    /// The instants a label of this time coordinate stands for: one, or
    /// for a year (`"2000"`) or month (`"2000-03"`) its first and last.
    fn instants(&self, label: &Label, u: &TimeUnits) -> Result<(i64, i64)> {
        let date = |d: &DateTime| {
            if d.year.abs() > MAX_YEAR {
                return Err(self.err(format!("{d}: a year beyond {MAX_YEAR}")));
            }
            u.instant(d)
        };
        match label {
            Label::Value(v) => u.micros(*v).map(|x| (x, x)),
            Label::Date(d) => date(d).map(|x| (x, x)),
            Label::Text(s) => {
                if let Some((lo, hi)) = partial_date(s) {
                    return Ok((date(&lo)?, date(&hi)? - 1));
                }
                let d: DateTime = s.parse()?;
                date(&d).map(|x| (x, x))
            }
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
        let found = match self.keys()? {
            Keys::Num(k) => {
                let x = self.number(label)?;
                k.iter().position(|&v| v == x)
            }
            Keys::Time(k, u) => {
                let (lo, hi) = self.instants(label, &u)?;
                if lo != hi {
                    return Err(self.err(format!("{label} is a period, not a value: use sel_range")));
                }
                k.iter().position(|&v| v == lo)
            }
        };
        found.ok_or_else(|| {
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
        let got = match self.keys()? {
            Keys::Num(k) => nearest_in(&k, self.number(label)?),
            Keys::Time(k, u) => nearest_in(&k, self.instants(label, &u)?.0),
        };
        got.map_err(|why| match why {
            Miss::NotMonotonic => self.err("nearest needs a monotonic coordinate (increasing or decreasing)".into()),
            Miss::Outside => self.err(format!("{label} is outside the coordinate ({})", self.span())),
        })
    }

    /// The positions of the values between two labels (inclusive, in
    /// either order), a contiguous run of a monotonic coordinate.
    pub(crate) fn range(&self, a: &Label, b: &Label) -> Result<std::ops::Range<usize>> {
        let got = match self.keys()? {
            Keys::Num(k) => range_in(&k, (self.number(a)?, self.number(a)?), (self.number(b)?, self.number(b)?)),
            Keys::Time(k, u) => range_in(&k, self.instants(a, &u)?, self.instants(b, &u)?),
        };
        got.map_err(|why| match why {
            Miss::NotMonotonic => self.err("a range needs a monotonic coordinate (increasing or decreasing)".into()),
            Miss::Outside => self.err(format!("no values between {a} and {b} ({})", self.span())),
        })
    }
}

/// Years a label may have: beyond them calendar arithmetic would overflow.
const MAX_YEAR: i64 = 1_000_000;

/// A coordinate's values as what labels are compared with.
enum Keys {
    Num(Vec<f64>),
    /// Instants, compared exactly (as `f64` they would collide 285 years
    /// from 1970).
    Time(Vec<i64>, TimeUnits),
}

/// Why a lookup found nothing.
enum Miss {
    NotMonotonic,
    Outside,
}

/// What lookups compare: numbers, or instants exactly.
trait Key: Copy + PartialOrd {
    /// The distance between two keys.
    fn gap(self, other: Self) -> f64;
}
impl Key for f64 {
    fn gap(self, other: f64) -> f64 {
        (self - other).abs()
    }
}
impl Key for i64 {
    fn gap(self, other: i64) -> f64 {
        (i128::from(self) - i128::from(other)).unsigned_abs() as f64
    }
}

fn monotonic<K: Key>(keys: &[K]) -> bool {
    keys.windows(2).all(|w| w[0] < w[1]) || keys.windows(2).all(|w| w[0] > w[1])
}

fn nearest_in<K: Key>(keys: &[K], x: K) -> std::result::Result<usize, Miss> {
    let n = keys.len();
    if n == 0 {
        return Err(Miss::Outside);
    }
    if !monotonic(keys) {
        return Err(Miss::NotMonotonic);
    }
    if n > 1 {
        // Half a step past either end at most.
        let (first, second, last, before) = if keys[0] < keys[n - 1] {
            (keys[0], keys[1], keys[n - 1], keys[n - 2])
        } else {
            (keys[n - 1], keys[n - 2], keys[0], keys[1])
        };
        let below = x < first && 2.0 * x.gap(first) > first.gap(second);
        let above = x > last && 2.0 * x.gap(last) > last.gap(before);
        if below || above {
            return Err(Miss::Outside);
        }
    }
    let mut best = 0;
    for (i, &k) in keys.iter().enumerate() {
        let (d, db) = (k.gap(x), keys[best].gap(x));
        if d < db || (d == db && k > keys[best]) {
            best = i;
        }
    }
    Ok(best)
}

fn range_in<K: Key>(keys: &[K], a: (K, K), b: (K, K)) -> std::result::Result<std::ops::Range<usize>, Miss> {
    let pick = |p: K, q: K, low: bool| if (p < q) == low { p } else { q };
    let (lo, hi) = (pick(a.0, b.0, true), pick(a.1, b.1, false));
    if !monotonic(keys) {
        return Err(Miss::NotMonotonic);
    }
    let inside: Vec<usize> = (0..keys.len()).filter(|&i| keys[i] >= lo && keys[i] <= hi).collect();
    match (inside.first(), inside.last()) {
        (Some(&s), Some(&e)) => Ok(s..e + 1),
        _ => Err(Miss::Outside),
    }
}

/// `YYYY` or `YYYY-MM`: the first instant of the period and of the next.
fn partial_date(s: &str) -> Option<(DateTime, DateTime)> {
    let s = s.trim();
    let (y, m) = match s.split_once('-') {
        Some((y, m)) if !y.is_empty() => (y, Some(m)),
        _ => (s, None),
    };
    if !(4..=6).contains(&y.len()) || !y.bytes().all(|c| c.is_ascii_digit()) {
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
