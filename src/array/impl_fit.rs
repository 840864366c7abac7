//! Trends and interpolation along an axis: `polyfit` (a least-squares fit
//! per point of the other axes, NaN-aware as xarray's `skipna`),
//! `polyval`, `detrend`, linear `interp` to new coordinates and
//! `interpolate_na`. Each task gathers the axis for one block of the
//! others (split first where that would be large, as for quantiles).

use super::{DArray, Sel};
use crate::dtype::{CastFrom, Element, Float, Numeric};
use crate::error::Error;
use crate::expr::build::blockwise;
use crate::ops::BlockOp;

/// Coordinates for an axis of length `n`: `n` values, strictly increasing
/// or strictly decreasing, finite.
fn check_coords(x: &[f64], n: usize, what: &str) -> Result<(), Error> {
    if x.len() != n {
        return Err(Error::Shape(format!("{what}: {} coordinates for an axis of length {n}", x.len())));
    }
    let inc = x.windows(2).all(|w| w[0] < w[1]);
    let dec = x.windows(2).all(|w| w[0] > w[1]);
    if !(inc || dec) || x.iter().any(|v| !v.is_finite()) {
        return Err(Error::Invalid(format!("{what}: coordinates must be finite and strictly monotonic")));
    }
    Ok(())
}

impl<T: Numeric> DArray<T>
where
    T::Mean: CastFrom<T>,
{
    /// The array as lanes along `axis` for a fit at coordinates `x`: cast
    /// to the result's type, the other axes split as for quantiles; or the
    /// array carrying the error (a bad axis, bad coordinates).
    fn lanes_for(&self, axis: usize, x: &[f64], what: &str) -> Result<DArray<T::Mean>, DArray<T::Mean>> {
        if let Some(e) = self.error() {
            return Err(self.failed_as(e.clone()));
        }
        if axis >= self.ndim() {
            return Err(self.failed_as(Error::Axis { axis, ndim: self.ndim() }));
        }
        check_coords(x, self.shape()[axis], what).map_err(|e| self.failed_as(e))?;
        Ok(self.cast::<T::Mean>().split_lanes(&[axis]))
    }

    /// Least-squares polynomial coefficients of degree `deg` along `axis`
    /// against the coordinates `x`, for every point of the other axes:
    /// shape `[deg + 1, other axes...]`, highest power first (NumPy's
    /// `polyfit`, xarray's `degree` axis). With `skipna` each point's NaN
    /// are left out of its fit (else a NaN gives NaN); a point with fewer
    /// values than coefficients gives NaN.
    ///
    /// ```
    /// use darray::DArray;
    /// // 2 t + 1 at two points, over 5 steps.
    /// let x = DArray::from_array(ndarray::Array2::from_shape_fn((5, 2), |(t, j)| 2.0 * t as f64 + 1.0 + j as f64), [2, 1])?;
    /// let c = x.polyfit(0, &[0.0, 1.0, 2.0, 3.0, 4.0], 1, true).compute()?;
    /// assert!((c[[0, 0]] - 2.0).abs() < 1e-12 && (c[[1, 1]] - 2.0).abs() < 1e-12);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn polyfit(&self, axis: usize, x: &[f64], deg: usize, skipna: bool) -> DArray<T::Mean> {
        let y = match self.lanes_for(axis, x, "polyfit") {
            Ok(y) => y,
            Err(bad) => return bad,
        };
        let op = BlockOp::Polyfit { axis, x: x.to_vec(), deg, skipna };
        DArray::from_node(blockwise::along(y.node, axis, op, None, Some(deg + 1), <T::Mean as Element>::DTYPE))
    }

    /// Each lane along `axis` (at coordinates `x`, increasing or
    /// decreasing) linearly interpolated at `new`: the axis becomes
    /// `new.len()` positions. Outside the coordinates NaN, or with
    /// `extrapolate` the edge segments' lines.
    ///
    /// ```
    /// use darray::DArray;
    /// let y = DArray::<f64>::from_array(ndarray::arr1(&[0.0, 10.0, 20.0]), 2)?;
    /// let v = y.interp(0, &[0.0, 1.0, 2.0], &[0.5, 2.0, 3.0], false).compute()?;
    /// assert_eq!(v[0], 5.0);
    /// assert_eq!(v[1], 20.0);
    /// assert!(v[2].is_nan());
    /// assert_eq!(y.interp(0, &[2.0, 1.0, 0.0], &[3.0], true).compute()?[0], -10.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn interp(&self, axis: usize, x: &[f64], new: &[f64], extrapolate: bool) -> DArray<T::Mean> {
        let y = match self.lanes_for(axis, x, "interp") {
            Ok(y) => y,
            Err(bad) => return bad,
        };
        let op = BlockOp::Interp { axis, x: x.to_vec(), new: new.to_vec(), extrapolate };
        DArray::from_node(blockwise::along(y.node, axis, op, Some(new.len()), None, <T::Mean as Element>::DTYPE))
    }

    /// NaN between two values along `axis` filled by linear interpolation
    /// at the coordinates `x` (default `0, 1, ...`), as xarray's
    /// `interpolate_na`: at most the first `limit` NaN of each run; NaN
    /// before the first value or after the last stay.
    ///
    /// ```
    /// use darray::DArray;
    /// let n = f64::NAN;
    /// let y = DArray::from_array(ndarray::arr1(&[n, 1.0, n, n, 4.0, n]), 3)?;
    /// let f = y.interpolate_na(0, None, None).compute()?.into_raw_vec_and_offset().0;
    /// assert!(f[0].is_nan() && f[5].is_nan());
    /// assert_eq!(f[1..5], [1.0, 2.0, 3.0, 4.0]);
    /// let l = y.interpolate_na(0, None, Some(1)).compute()?.into_raw_vec_and_offset().0;
    /// assert_eq!(l[2], 2.0);
    /// assert!(l[3].is_nan());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn interpolate_na(&self, axis: usize, x: Option<&[f64]>, limit: Option<usize>) -> DArray<T::Mean> {
        let n = self.shape().get(axis).copied().unwrap_or(0);
        let x: Vec<f64> = x.map_or_else(|| (0..n).map(|i| i as f64).collect(), <[f64]>::to_vec);
        let y = match self.lanes_for(axis, &x, "interpolate_na") {
            Ok(y) => y,
            Err(bad) => return bad,
        };
        let op = BlockOp::InterpolateNa { axis, x, limit };
        DArray::from_node(blockwise::along(y.node, axis, op, Some(n), None, <T::Mean as Element>::DTYPE))
    }

    /// The array minus its least-squares line along `axis` (over the
    /// positions `0, 1, ...`, NaN left out of the fit): scipy's
    /// `detrend(type="linear")`.
    ///
    /// ```
    /// use darray::DArray;
    /// let y = DArray::<f64>::from_array(ndarray::arr1(&[1.0, 3.0, 5.0, 8.0]), 2)?;
    /// let d = y.detrend(0).compute()?;
    /// assert!(d.sum().abs() < 1e-12);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn detrend(&self, axis: usize) -> DArray<T::Mean> {
        let n = self.shape().get(axis).copied().unwrap_or(0);
        let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let c = self.polyfit(axis, &x, 1, true);
        &self.cast::<T::Mean>() - &polyval(&c, &x, axis)
    }
}

/// The polynomials of `coeffs` (shape `[deg + 1, other axes...]`, highest
/// power first, as [`DArray::polyfit`] gives) at the coordinates `x`,
/// placed along a new axis at `axis` of the result (Horner's rule, fused).
///
/// ```
/// use darray::{polyval, DArray};
/// let c = DArray::from_array(ndarray::arr2(&[[2.0], [1.0]]), [2, 1])?; // 2 x + 1
/// let v = polyval(&c, &[0.0, 1.0, 2.0], 0).compute()?;
/// assert_eq!(v.into_raw_vec_and_offset().0, vec![1.0, 3.0, 5.0]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn polyval<T: Float>(coeffs: &DArray<T>, x: &[f64], axis: usize) -> DArray<T> {
    if let Some(e) = coeffs.error() {
        return coeffs.failed_with(e.clone());
    }
    let nd = coeffs.ndim();
    if nd == 0 || axis >= nd {
        return coeffs.failed_with(Error::Axis { axis, ndim: nd });
    }
    let m = coeffs.shape()[0];
    if m == 0 {
        return coeffs.failed_with(Error::Shape("polyval of no coefficients".into()));
    }
    // The coordinates along `axis`, length 1 on the others.
    let mut xs = vec![1usize; nd];
    xs[axis] = x.len();
    let xv = ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&xs), x.iter().map(|&v| T::el_from_f64(v)).collect())
        .expect("x.len() values");
    let chunks: Vec<usize> = xs.iter().map(|&s| s.max(1)).collect();
    let xa = match DArray::from_array(xv, chunks) {
        Ok(a) => a,
        Err(e) => return coeffs.failed_with(e),
    };
    let term = |k: usize| {
        let mut sel = vec![Sel::index(k as isize)];
        sel.extend((1..nd).map(|_| Sel::all()));
        coeffs.slice(&sel).expand_dims(axis)
    };
    let mut acc = term(0);
    for k in 1..m {
        acc = &(&acc * &xa) + &term(k);
    }
    // A constant keeps the coordinates' axis too.
    if m == 1 {
        acc = &acc + &(&xa * T::el_from_f64(0.0));
    }
    acc
}
