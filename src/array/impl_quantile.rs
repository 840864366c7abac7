//! Quantiles, percentiles and medians along any axes. A reduced axis may be
//! chunked: each task gathers the blocks of its lanes along the reduced
//! axes (every value a quantile needs) for one block of the other axes, so
//! the result is exactly that of the unchunked array. The other axes are
//! split first where one task would otherwise gather more than
//! [`QUANTILE_TASK_BYTES`].

use super::{DArray, ReduceOpts};
use crate::chunks::Chunks;
use crate::dtype::{CastFrom, Numeric};
use crate::error::Error;
use crate::expr::{build::blockwise, rechunk};
use crate::ops::QuantileMethod;

/// The most input bytes one quantile task gathers (dask's default chunk
/// size), unless a single row of lanes is larger.
pub const QUANTILE_TASK_BYTES: usize = 128 << 20;

impl<T: Numeric> DArray<T>
where
    T::Mean: CastFrom<T>,
{
    /// The `q`-th quantile (`0 <= q <= 1`) along `axis`, NumPy's default
    /// (linear) method; NaN where a lane holds NaN. Integers give `f64`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, 2.0, 3.0, 4.0], [10.0, 0.0, 5.0, 5.0]]), [2, 1])?;
    /// let q = x.quantile(0.5, 1).compute()?;
    /// assert_eq!(q.into_raw_vec_and_offset().0, vec![2.5, 5.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn quantile(&self, q: f64, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[q], QuantileMethod::Linear, &ReduceOpts::axis(axis), false, false)
    }

    /// As [`quantile`](DArray::quantile), NaN left out (NumPy's
    /// `nanquantile`): NaN only where a lane holds nothing else.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[f64::NAN, 1.0, 3.0, f64::NAN]), 2)?;
    /// assert_eq!(x.nanquantile(0.25, 0).compute()?[[]], 1.5);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn nanquantile(&self, q: f64, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[q], QuantileMethod::Linear, &ReduceOpts::axis(axis), true, false)
    }

    /// Quantiles `q` with a method over the axes of `o` (all axes when it
    /// names none), with a leading axis of `q`'s length (NumPy's result for
    /// an array of `q`). An empty lane gives NaN (NumPy raises); a `q`
    /// outside `[0, 1]`, a bad or repeated axis, give an array carrying the
    /// error.
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// use darray::ops::QuantileMethod;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]]), [1, 1])?;
    /// let all = x.quantile_with(&[0.0, 0.5, 1.0], QuantileMethod::Linear, &ReduceOpts::all());
    /// assert_eq!(all.compute()?.into_raw_vec_and_offset().0, vec![1.0, 2.5, 4.0]);
    /// let lower = x.quantile_with(&[0.5], QuantileMethod::Lower, &ReduceOpts::axis(0).keepdims(true));
    /// assert_eq!(lower.shape(), &[1, 1, 2]);
    /// assert_eq!(lower.compute()?.into_raw_vec_and_offset().0, vec![1.0, 2.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn quantile_with(&self, q: &[f64], method: QuantileMethod, o: &ReduceOpts) -> DArray<T::Mean> {
        self.quantile_node(q, method, o, false, true)
    }

    /// As [`quantile_with`](DArray::quantile_with), NaN left out.
    pub fn nanquantile_with(&self, q: &[f64], method: QuantileMethod, o: &ReduceOpts) -> DArray<T::Mean> {
        self.quantile_node(q, method, o, true, true)
    }

    /// The `p`-th percentile (`0 <= p <= 100`) along `axis`: the quantile
    /// `p / 100`.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::arange(0i32, 11, 1, 4)?;
    /// assert_eq!(x.percentile(90.0, 0).compute()?[[]], 9.0);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn percentile(&self, p: f64, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[p / 100.0], QuantileMethod::Linear, &ReduceOpts::axis(axis), false, false)
    }

    /// As [`percentile`](DArray::percentile), NaN left out.
    pub fn nanpercentile(&self, p: f64, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[p / 100.0], QuantileMethod::Linear, &ReduceOpts::axis(axis), true, false)
    }

    /// The median of all elements.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[3, 1], [4, 1]]), [1, 2])?;
    /// assert_eq!(x.median().compute()?[[]], 2.0);
    /// assert_eq!(x.median_axis(1).compute()?.into_raw_vec_and_offset().0, vec![2.0, 2.5]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn median(&self) -> DArray<T::Mean> {
        self.quantile_node(&[0.5], QuantileMethod::Linear, &ReduceOpts::all(), false, false)
    }

    /// The median along `axis`.
    pub fn median_axis(&self, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[0.5], QuantileMethod::Linear, &ReduceOpts::axis(axis), false, false)
    }

    /// The median of all elements, NaN left out.
    pub fn nanmedian(&self) -> DArray<T::Mean> {
        self.quantile_node(&[0.5], QuantileMethod::Linear, &ReduceOpts::all(), true, false)
    }

    /// The median along `axis`, NaN left out.
    pub fn nanmedian_axis(&self, axis: usize) -> DArray<T::Mean> {
        self.quantile_node(&[0.5], QuantileMethod::Linear, &ReduceOpts::axis(axis), true, false)
    }

    fn quantile_node(
        &self,
        q: &[f64],
        method: QuantileMethod,
        o: &ReduceOpts,
        skipna: bool,
        q_axis: bool,
    ) -> DArray<T::Mean> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        let nd = self.ndim();
        let mut axes = o.axes.clone().unwrap_or_else(|| (0..nd).collect());
        axes.sort_unstable();
        if let Some(&a) = axes.iter().find(|&&a| a >= nd) {
            return self.failed_as(Error::Axis { axis: a, ndim: nd });
        }
        if axes.windows(2).any(|w| w[0] == w[1]) {
            return self.failed_as(Error::Invalid(format!("repeated axis in {axes:?}")));
        }
        if let Some(bad) = q.iter().find(|q| !(0.0..=1.0).contains(*q)) {
            return self.failed_as(Error::Invalid(format!("quantiles must be in the range [0, 1], not {bad}")));
        }
        if q.is_empty() && !q_axis {
            return self.failed_as(Error::Invalid("no quantile asked for".into()));
        }
        // Quantiles are computed in the output type (`f64` for integers).
        let x = self.cast::<T::Mean>();
        let x = x.split_lanes(&axes);
        let dtype = <T::Mean as crate::dtype::Element>::DTYPE;
        let node = blockwise::quantile(x.node, axes, q.to_vec(), method, skipna, o.keepdims, q_axis, dtype);
        DArray::from_node(node)
    }
}

impl<T: crate::dtype::Element> DArray<T> {
    /// The array with the chunks of the axes not in `axes` split (each
    /// block into near-equal parts, so every new block lies in one old
    /// one) until the lanes of one block of them, whole along `axes`, fit
    /// in `QUANTILE_TASK_BYTES`. The outer axes are split first, so rows
    /// stay long.
    pub(super) fn split_lanes(&self, axes: &[usize]) -> DArray<T> {
        let nd = self.ndim();
        let lane: usize = axes.iter().map(|&a| self.shape()[a]).product::<usize>() * std::mem::size_of::<T>();
        let budget = (QUANTILE_TASK_BYTES / lane.max(1)).max(1); // lanes per task
        let mut sizes = self.chunks().to_vec();
        let others: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
        let largest = |s: &[usize]| s.iter().copied().max().unwrap_or(0);
        let mut changed = false;
        for (k, &a) in others.iter().enumerate() {
            let inner: usize = others[k + 1..].iter().map(|&b| largest(&sizes[b])).product();
            if largest(&sizes[a]).saturating_mul(inner) <= budget {
                break;
            }
            let room = (budget / inner.max(1)).max(1);
            sizes[a] = sizes[a]
                .iter()
                .flat_map(|&c| {
                    let parts = c.div_ceil(room).max(1);
                    (0..parts).map(move |k| c / parts + usize::from(k < c % parts))
                })
                .collect();
            changed = true;
        }
        if !changed {
            return self.clone();
        }
        DArray::from_node(rechunk(self.node.clone(), Chunks::from_sizes(sizes)))
    }
}

impl<T: Numeric> super::GroupBy<T>
where
    T::Mean: CastFrom<T>,
{
    /// The `q`-th quantile of each group (the 90th percentile of each day
    /// of the year), NumPy's linear method; NaN where a group holds NaN.
    /// Each task gathers the grouped axis for one block of the others.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, 10.0, 2.0, 20.0, 3.0, 30.0]), 2)?;
    /// let g = x.groupby(0, &[0, 1, 0, 1, 0, 1]);
    /// assert_eq!(g.quantile(0.5).compute()?.into_raw_vec_and_offset().0, vec![2.0, 20.0]);
    /// assert_eq!(g.median().compute()?.into_raw_vec_and_offset().0, vec![2.0, 20.0]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn quantile(&self, q: f64) -> DArray<T::Mean> {
        self.quantile_with(q, QuantileMethod::Linear, false)
    }
    /// As [`quantile`](super::GroupBy::quantile), NaN left out.
    pub fn nanquantile(&self, q: f64) -> DArray<T::Mean> {
        self.quantile_with(q, QuantileMethod::Linear, true)
    }
    /// The median of each group.
    pub fn median(&self) -> DArray<T::Mean> {
        self.quantile_with(0.5, QuantileMethod::Linear, false)
    }
    /// The median of each group, NaN left out.
    pub fn nanmedian(&self) -> DArray<T::Mean> {
        self.quantile_with(0.5, QuantileMethod::Linear, true)
    }
    /// The `q`-th quantile of each group by `method`, NaN left out with
    /// `skipna`.
    pub fn quantile_with(&self, q: f64, method: QuantileMethod, skipna: bool) -> DArray<T::Mean> {
        let x = &self.x;
        if let Some(e) = x.error() {
            return x.failed_as(e.clone());
        }
        if !(0.0..=1.0).contains(&q) {
            return x.failed_as(Error::Invalid(format!("quantiles must be in the range [0, 1], not {q}")));
        }
        let mut groups = vec![vec![]; self.ngroups()];
        for (p, g) in self.group.iter().enumerate() {
            if let Some(g) = g {
                groups[*g].push(p);
            }
        }
        let x = x.cast::<T::Mean>().split_lanes(&[self.axis]);
        let dtype = <T::Mean as crate::dtype::Element>::DTYPE;
        let op = crate::ops::BlockOp::GroupQuantile { axis: self.axis, groups, q, method, skipna };
        let n = self.ngroups();
        DArray::from_node(blockwise::along(x.node, self.axis, op, Some(n), None, dtype))
    }
}
