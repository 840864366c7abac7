//! Grouping along a time coordinate by a date component (xarray's
//! `da.groupby("time.month")`): climatologies and anomalies.

use super::{Coord, DataArray};
use crate::array::{DArray, GroupBy};
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use crate::io::time::TimeAxis;
use std::str::FromStr;

/// The date component a time coordinate is grouped by, named as xarray's
/// `time.<key>`; the result's new dimension has this name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeKey {
    /// 1-12.
    Month,
    /// 0 DJF, 1 MAM, 2 JJA, 3 SON (xarray orders them DJF, JJA, MAM, SON
    /// as text; here they are numbers in the order of the year).
    Season,
    /// The year.
    Year,
    /// 1 to the calendar's year length (360, 365 or 366).
    DayOfYear,
    /// 0-23.
    Hour,
    /// The calendar day; its coordinate is a time coordinate in days
    /// since 1970-01-01 of the data's calendar.
    Date,
}

impl TimeKey {
    /// The name of the dimension grouping gives (`month`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TimeKey::Month => "month",
            TimeKey::Season => "season",
            TimeKey::Year => "year",
            TimeKey::DayOfYear => "dayofyear",
            TimeKey::Hour => "hour",
            TimeKey::Date => "date",
        }
    }

    fn labels(self, t: &TimeAxis) -> Vec<i64> {
        match self {
            TimeKey::Month => t.months(),
            TimeKey::Season => t.seasons(),
            TimeKey::Year => t.years(),
            TimeKey::DayOfYear => t.days_of_year(),
            TimeKey::Hour => t.hours(),
            TimeKey::Date => t.dates(),
        }
    }
}

impl FromStr for TimeKey {
    type Err = Error;
    /// `month`, `season`, `year`, `dayofyear`, `hour` or `date`, with or
    /// without xarray's `time.` prefix.
    fn from_str(s: &str) -> Result<TimeKey> {
        let key = s.rsplit_once('.').map_or(s, |(_, k)| k);
        Ok(match key {
            "month" => TimeKey::Month,
            "season" => TimeKey::Season,
            "year" => TimeKey::Year,
            "dayofyear" | "doy" => TimeKey::DayOfYear,
            "hour" => TimeKey::Hour,
            "date" | "day" => TimeKey::Date,
            _ => {
                return Err(Error::Invalid(format!(
                    "cannot group time by {s:?}: month, season, year, dayofyear, hour or date"
                )))
            }
        })
    }
}

/// A [`DataArray`] grouped along its time dimension (what
/// [`DataArray::groupby_time`] gives): each reduction gives one value per
/// group, along a dimension named after the key, whose coordinate holds
/// the group labels in increasing order.
#[derive(Clone)]
pub struct TimeGroupBy<T> {
    da: DataArray<T>,
    axis: usize,
    key: TimeKey,
    g: GroupBy<T>,
}

impl<T: Element> DataArray<T> {
    /// Groups along the time dimension (the one named `time` whose
    /// coordinate is a CF time coordinate, else the first such) by `key`:
    /// `"month"` (or `"time.month"`), `"season"`, `"year"`, `"dayofyear"`,
    /// `"hour"`, `"date"`, in the coordinate's calendar.
    ///
    /// ```
    /// use darray::dataset::{Coord, DataArray};
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0, 6.0]), 2)?;
    /// let time = Coord::new("time", vec![0.0, 1.0, 30.0, 31.0]).attr("units", "days since 2000-01-01").attr("calendar", "360_day");
    /// let da = DataArray::new("x", x, ["time"])?.with_coord(time)?;
    /// let g = da.groupby_time("month")?;
    /// let clim = g.mean();
    /// assert_eq!(clim.dims(), ["month"]);
    /// assert_eq!(clim.coord("month")?.values(), [1.0, 2.0]);
    /// assert_eq!(clim.compute()?.into_raw_vec_and_offset().0, vec![1.5, 5.0]);
    /// assert_eq!(g.anomalies()?.compute()?.into_raw_vec_and_offset().0, vec![-0.5, 0.5, -1.0, 1.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn groupby_time(&self, key: &str) -> Result<TimeGroupBy<T>> {
        let key: TimeKey = key.parse()?;
        let mut found = None;
        for (axis, d) in self.dims.iter().enumerate() {
            if let Some(t) = self.coords.get(d).map(Coord::time_axis).transpose()?.flatten() {
                if found.is_none() || d == "time" {
                    found = Some((axis, t));
                }
            }
        }
        let (axis, t) = found.ok_or_else(|| Error::Sel {
            dim: "time".into(),
            message: format!("{} has no time coordinate (one with CF time units) among {:?}", self.name, self.dims),
        })?;
        let time = &self.dims[axis];
        if self.dims.iter().chain(self.coords.keys()).any(|d| d == key.name() && d != time) {
            return Err(Error::Invalid(format!(
                "cannot group {} by {}: it already has a dimension or coordinate of that name",
                self.name,
                key.name()
            )));
        }
        let g = self.data.groupby(axis, &key.labels(&t)).validate()?;
        Ok(TimeGroupBy { da: self.clone(), axis, key, g })
    }
}

impl<T: Element> std::fmt::Debug for TimeGroupBy<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TimeGroupBy({} by {}, {} groups)", self.da.name, self.key.name(), self.labels().len())
    }
}

impl<T: Element> TimeGroupBy<T> {
    /// The labels of the groups, in the result's order.
    pub fn labels(&self) -> &[i64] {
        self.g.labels()
    }

    /// The key's dimension with its coordinate, in place of time.
    fn labelled<U: Element>(&self, data: DArray<U>) -> DataArray<U> {
        let time = &self.da.dims[self.axis];
        let mut dims = self.da.dims.clone();
        dims[self.axis] = self.key.name().to_string();
        let mut coords = self.da.coords.clone();
        let old = coords.remove(time);
        let mut c = Coord::new(self.key.name(), self.labels().iter().map(|&l| l as f64).collect())
            .with_dtype(crate::DType::I64);
        if self.key == TimeKey::Date {
            c = c.attr("units", "days since 1970-01-01");
            if let Some(cal) = old.as_ref().and_then(|o| o.attrs().get("calendar")) {
                c = c.attr("calendar", cal.clone());
            }
        }
        coords.insert(c.name().to_string(), c);
        self.da.rewrap(data, dims, coords)
    }
}

impl<T: Numeric> TimeGroupBy<T> {
    /// Mean of each group, NaN skipped: the climatology.
    pub fn mean(&self) -> DataArray<T::Mean> {
        self.labelled(self.g.nanmean())
    }
    /// Sum of each group, NaN skipped.
    pub fn sum(&self) -> DataArray<T::Sum> {
        self.labelled(self.g.nansum())
    }
    /// Smallest value of each group, NaN skipped.
    pub fn min(&self) -> DataArray<T> {
        self.labelled(self.g.nanmin())
    }
    /// Largest value of each group, NaN skipped.
    pub fn max(&self) -> DataArray<T> {
        self.labelled(self.g.nanmax())
    }
    /// Variance of each group with `ddof`, NaN skipped.
    pub fn var(&self, ddof: f64) -> DataArray<T::Mean> {
        self.labelled(self.g.nanvar(ddof))
    }
    /// Standard deviation of each group with `ddof`, NaN skipped.
    pub fn std(&self, ddof: f64) -> DataArray<T::Mean> {
        self.labelled(self.g.nanstd(ddof))
    }
    /// Number of values of each group that are not NaN.
    pub fn count(&self) -> DataArray<i64> {
        self.labelled(self.g.count())
    }

    /// Each value minus its group's mean (the anomalies against the
    /// climatology), with the original dimensions and coordinates; one
    /// fused pass per chunk after the climatology.
    pub fn anomalies(&self) -> Result<DataArray<T::Mean>>
    where
        T::Mean: crate::dtype::CastFrom<T>,
    {
        let x: DArray<T::Mean> = self.da.data.cast();
        let clim = self.g.expand(&self.g.nanmean());
        self.da.with_data((&x - &clim).validate()?)
    }
}
