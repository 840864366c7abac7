//! Reductions by dimension name, NaN skipped (xarray's `skipna`), and
//! weighted means (area weights by cos(latitude)).

use super::{Coord, DataArray, Dims};
use crate::array::{DArray, ReduceOpts};
use crate::dtype::{Element, Float, Numeric};
use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// What a reduction over `dims` leaves: the axes reduced, the dimension
/// names and coordinates kept.
struct Reduced {
    axes: Vec<usize>,
    dims: Vec<String>,
    coords: BTreeMap<String, Coord>,
}

impl<T: Element> DataArray<T> {
    fn reduced(&self, dims: &Dims) -> Result<Reduced> {
        let axes = match dims {
            Dims::All => (0..self.ndim()).collect(),
            Dims::Some(names) => {
                let mut axes = names.iter().map(|d| self.axis(d)).collect::<Result<Vec<_>>>()?;
                axes.sort_unstable();
                axes.dedup();
                axes
            }
        };
        let gone = |d: &String| axes.iter().any(|&a| &self.dims[a] == d);
        let kept = self.dims.iter().filter(|d| !gone(d)).cloned().collect();
        let coords =
            self.coords.iter().filter(|(_, c)| !c.dims().iter().any(gone)).map(|(k, c)| (k.clone(), c.clone()));
        let coords = coords.collect();
        Ok(Reduced { axes, dims: kept, coords })
    }

    /// `op` over the axes of `dims`; an unknown dimension gives an array
    /// carrying the error (as `DArray`'s operations do).
    fn reduce_by<U: Element>(&self, dims: Dims, op: impl FnOnce(&DArray<T>, &ReduceOpts) -> DArray<U>) -> DataArray<U> {
        match self.reduced(&dims) {
            Ok(r) => self.rewrap(op(&self.data, &ReduceOpts::axes(r.axes)), r.dims, r.coords),
            Err(e) => {
                let failed = op(&self.data, &ReduceOpts::all()).failed_with(e);
                self.rewrap(failed, vec![], BTreeMap::new())
            }
        }
    }
}

macro_rules! named_reductions {
    ($($(#[$doc:meta])* $name:ident ($($p:ident: $pt:ty),*) -> $out:ty = $with:ident;)*) => {
        impl<T: Numeric> DataArray<T> {
            $(
                $(#[$doc])*
                pub fn $name(&self, dims: impl Into<Dims> $(, $p: $pt)*) -> DataArray<$out> {
                    self.reduce_by(dims.into(), |x, o| x.$with(o $(, $p)*))
                }
            )*
        }
    };
}

named_reductions! {
    /// Sum over `dims` (a name, names, or [`Dims::all`]), NaN skipped;
    /// the coordinates of those dimensions are dropped.
    sum() -> T::Sum = nansum_with;
    /// Mean over `dims`, NaN skipped (NaN where every value is).
    ///
    /// ```
    /// use darray::dataset::{DataArray, Dims};
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, f64::NAN], [3.0, 4.0]]), [1, 2])?;
    /// let da = DataArray::new("x", x, ["time", "lat"])?;
    /// assert_eq!(da.mean("time").compute()?.into_raw_vec_and_offset().0, vec![2.0, 4.0]);
    /// assert_eq!(da.mean(["time", "lat"]).compute()?[[]], 8.0 / 3.0);
    /// assert_eq!(da.mean(Dims::all()).dims().len(), 0);
    /// assert!(matches!(da.mean("lon").compute(), Err(darray::Error::Dim { .. })));
    /// # Ok::<(), darray::Error>(())
    /// ```
    mean() -> T::Mean = nanmean_with;
    /// Minimum over `dims`, NaN skipped.
    min() -> T = nanmin_with;
    /// Maximum over `dims`, NaN skipped.
    max() -> T = nanmax_with;
    /// Variance over `dims` with `ddof` delta degrees of freedom (xarray's
    /// default is 0), NaN skipped.
    var(ddof: f64) -> T::Mean = nanvar_with;
    /// Standard deviation over `dims` with `ddof`, NaN skipped.
    std(ddof: f64) -> T::Mean = nanstd_with;
}

impl<T: Numeric> DataArray<T> {
    /// Number of values over `dims` that are not NaN.
    pub fn count(&self, dims: impl Into<Dims>) -> DataArray<i64> {
        self.reduce_by(dims.into(), |x, o| x.count(o))
    }
}

/// A [`DataArray`] with weights along one of its dimensions, for weighted
/// means and sums (xarray's `da.weighted(w)`): what
/// [`DataArray::weighted`] and [`DataArray::weighted_coslat`] give.
#[derive(Clone)]
pub struct Weighted<T> {
    da: DataArray<T>,
    axis: usize,
    weights: Vec<T>,
}

impl<T: Float> DataArray<T> {
    /// Weights along `dim`, one per position.
    pub fn weighted(&self, dim: &str, weights: Vec<T>) -> Result<Weighted<T>> {
        let axis = self.axis(dim)?;
        if weights.len() != self.shape()[axis] {
            return Err(Error::Shape(format!("{} weights for {dim} of length {}", weights.len(), self.shape()[axis])));
        }
        Ok(Weighted { da: self.clone(), axis, weights })
    }

    /// Area weights, cos(latitude), along the latitude dimension: the one
    /// whose coordinate is named `lat` or `latitude`, has `units` of
    /// degrees north or `standard_name = "latitude"`.
    ///
    /// ```
    /// use darray::dataset::{Coord, DataArray};
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, f64::NAN]]), [1, 2])?;
    /// let da = DataArray::new("x", x, ["lat", "lon"])?.with_coord(Coord::new("lat", vec![0.0, 60.0]))?;
    /// // Weights 1 and 0.5; the missing value's weight is left out.
    /// let m = da.weighted_coslat()?.mean(["lat", "lon"]).compute()?[[]];
    /// assert!((m - (1.0 + 2.0 + 0.5 * 3.0) / 2.5).abs() < 1e-12);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn weighted_coslat(&self) -> Result<Weighted<T>> {
        let is_lat = |c: &Coord| {
            let text = |k: &str| c.attrs().get(k).and_then(|v| v.as_str()).unwrap_or("").to_ascii_lowercase();
            let units = text("units");
            matches!(c.name(), "lat" | "latitude")
                || text("standard_name") == "latitude"
                || matches!(
                    units.as_str(),
                    "degrees_north" | "degree_north" | "degrees_n" | "degree_n" | "degreesn" | "degreen"
                )
        };
        let lat = self
            .dims
            .iter()
            .filter_map(|d| self.coords.get(d))
            .find(|c| is_lat(c))
            .ok_or_else(|| Error::Sel {
                dim: "lat".into(),
                message: format!(
                    "{} has no latitude coordinate (a dimension coordinate named lat or latitude, or in degrees_north) among {:?}",
                    self.name, self.dims
                ),
            })?;
        let w = lat.values().iter().map(|&v| T::cast_from(v.to_radians().cos())).collect();
        self.weighted(lat.name(), w)
    }
}

impl<T: Element> std::fmt::Debug for Weighted<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Weighted({} along {})", self.da.name, self.da.dims[self.axis])
    }
}

impl<T: Float> Weighted<T> {
    fn combine(&self, dims: Dims, mean: bool) -> DataArray<T> {
        self.da.reduce_by(dims, |x, o| x.weighted_reduce(self.axis, &self.weights, o, mean))
    }

    /// Weighted mean over `dims`: `sum(w x) / sum(w)`, a NaN value left
    /// out with its weight (NaN where no weight remains).
    pub fn mean(&self, dims: impl Into<Dims>) -> DataArray<T> {
        self.combine(dims.into(), true)
    }

    /// Weighted sum over `dims`, NaN skipped.
    pub fn sum(&self, dims: impl Into<Dims>) -> DataArray<T> {
        self.combine(dims.into(), false)
    }
}
