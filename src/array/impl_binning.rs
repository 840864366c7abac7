//! Histograms and binning (NumPy's `histogram`, `histogram2d`,
//! `bincount`, `digitize`) and `topk`/`argtopk`. Histograms count each
//! block's values on its worker, into a `1 x bins` block per chunk,
//! summed by the reduction tree; `topk` gathers each lane's axis for one
//! block of the others.

use super::ComputeAll;
use super::{impl_reduce::DEFAULT_SPLIT_EVERY, DArray};
use crate::chunks::Chunks;
use crate::dtype::{Element, Numeric};
use crate::error::{Error, Result};
use crate::expr::{build::blockwise, rechunk, reduce};
use crate::ops::{BlockOp, ReduceOp};

/// Checks bin edges: at least two, increasing, finite.
fn check_edges(edges: &[f64]) -> Result<()> {
    if edges.len() < 2 || edges.windows(2).any(|w| w[0] >= w[1]) || edges.iter().any(|e| !e.is_finite()) {
        return Err(Error::Invalid(format!(
            "histogram bin edges must be finite and increasing, at least two: {edges:?}"
        )));
    }
    Ok(())
}

/// `bins` equal bins over `range` (NumPy's edges: `linspace(lo, hi, bins + 1)`).
fn uniform_edges(bins: usize, (lo, hi): (f64, f64)) -> Result<Vec<f64>> {
    if bins == 0 || !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return Err(Error::Invalid(format!("histogram of {bins} bins over ({lo}, {hi})")));
    }
    // An empty range widens by 0.5 on each side, as NumPy's does.
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    Ok((0..=bins).map(|i| if i == bins { hi } else { lo + (hi - lo) * i as f64 / bins as f64 }).collect())
}

impl<T: Numeric> DArray<T> {
    /// Counts of the values in the bins between `edges` (increasing): each
    /// bin half-open but the last, closed (NumPy's `histogram(a, bins=edges)`);
    /// NaN and values outside the edges are not counted.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 2.0, 3.0, 4.0, 9.0]), 4)?;
    /// let h = x.histogram_edges(&[1.0, 2.0, 3.0, 4.0]).compute()?;
    /// assert_eq!(h.into_raw_vec_and_offset().0, vec![1, 2, 2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn histogram_edges(&self, edges: &[f64]) -> DArray<i64> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        if let Err(e) = check_edges(edges) {
            return self.failed_as(e);
        }
        let bins = edges.len() - 1;
        let counts = per_chunk_counts(
            vec![self.node.clone()],
            BlockOp::Histogram { edges: edges.to_vec() },
            &[bins],
            &self.node.chunks,
        );
        DArray::from_node(counts)
    }

    /// Counts in `bins` equal bins over `range` (NumPy's `histogram(a,
    /// bins, range)`), with their edges; without a range it is the values'
    /// smallest and largest, computed first (NaN left out).
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[0.0, 0.5, 1.0, 1.5, 2.0]), 2)?;
    /// let (h, edges) = x.histogram(2, None)?;
    /// assert_eq!(edges, vec![0.0, 1.0, 2.0]);
    /// assert_eq!(h.compute()?.into_raw_vec_and_offset().0, vec![2, 3]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn histogram(&self, bins: usize, range: Option<(f64, f64)>) -> Result<(DArray<i64>, Vec<f64>)> {
        let range = match range {
            Some(r) => r,
            None => {
                let (lo, hi) = (self.nanmin(), self.nanmax());
                let ((lo, hi), _) = (&lo, &hi).compute_all_with(&crate::Config::default())?;
                (lo[[]].el_to_f64(), hi[[]].el_to_f64())
            }
        };
        let (lo, hi) = if range.0.is_nan() { (0.0, 1.0) } else { range };
        let edges = uniform_edges(bins, (lo, hi))?;
        Ok((self.histogram_edges(&edges), edges))
    }

    /// Occurrences of each value `0 .. n` of non-negative integers, `n`
    /// the largest value plus one but at least `minlength` (NumPy's
    /// `bincount`). The largest and smallest values are computed first; a
    /// negative value is an error.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[0u8, 1, 1, 3]), 3)?;
    /// assert_eq!(x.bincount(0)?.compute()?.into_raw_vec_and_offset().0, vec![1, 2, 0, 1]);
    /// assert_eq!(x.bincount(6)?.shape(), &[6]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn bincount(&self, minlength: usize) -> Result<DArray<i64>> {
        if T::IS_FLOAT {
            return Err(Error::Invalid("bincount counts integers, not floats".into()));
        }
        let x = self.clone().validate()?;
        let length = if x.is_empty() {
            minlength
        } else {
            let (lo, hi) = (x.min(), x.max());
            let ((lo, hi), _) = (&lo, &hi).compute_all_with(&crate::Config::default())?;
            let (lo, hi) = (lo[[]].el_to_f64(), hi[[]].el_to_f64());
            if lo < 0.0 {
                return Err(Error::Invalid(format!("bincount of a negative value ({lo})")));
            }
            minlength.max(hi as usize + 1)
        };
        Ok(DArray::from_node(per_chunk_counts(
            vec![x.node.clone()],
            BlockOp::Bincount { length },
            &[length],
            &x.node.chunks,
        )))
    }

    /// The index of the bin each value falls in (NumPy's `digitize`):
    /// `bins` increasing or decreasing; with `right`, bins closed on the
    /// right. NaN fall past the last bin of increasing bins.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[0.2, 6.4, 3.0, 1.6]), 2)?;
    /// let d = x.digitize(&[0.0, 1.0, 2.5, 4.0, 10.0], false).compute()?;
    /// assert_eq!(d.into_raw_vec_and_offset().0, vec![1, 4, 3, 2]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn digitize(&self, bins: &[f64], right: bool) -> DArray<i64> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        let inc = bins.windows(2).all(|w| w[0] <= w[1]);
        let dec = bins.windows(2).all(|w| w[0] >= w[1]);
        if !(inc || dec) || bins.iter().any(|b| b.is_nan()) {
            return self
                .failed_as(Error::Invalid("digitize: bins must be monotonically increasing or decreasing".into()));
        }
        let op = BlockOp::Digitize { bins: bins.to_vec(), right };
        let n = &self.node;
        DArray::from_node(blockwise::per_block(vec![n.clone()], op, n.shape.clone(), n.chunks.clone(), i64::DTYPE))
    }

    /// The `k` largest values along `axis`, largest first (`k < 0`: the
    /// `-k` smallest, smallest first), dask's `topk`; NaN counts as the
    /// largest value, ties go to the first position. Each task gathers the
    /// axis for one block of the others.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr1(&[5, 1, 9, 3, 7]), 2)?;
    /// assert_eq!(x.topk(2, 0).compute()?.into_raw_vec_and_offset().0, vec![9, 7]);
    /// assert_eq!(x.topk(-2, 0).compute()?.into_raw_vec_and_offset().0, vec![1, 3]);
    /// assert_eq!(x.argtopk(2, 0).compute()?.into_raw_vec_and_offset().0, vec![2, 4]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn topk(&self, k: isize, axis: usize) -> DArray<T> {
        self.topk_node(k, axis, false)
    }

    /// Positions (along `axis`) of [`topk`](DArray::topk)'s values.
    pub fn argtopk(&self, k: isize, axis: usize) -> DArray<i64> {
        self.topk_node(k, axis, true)
    }

    fn topk_node<U: Element>(&self, k: isize, axis: usize, arg: bool) -> DArray<U> {
        if let Some(e) = self.error() {
            return self.failed_as(e.clone());
        }
        if axis >= self.ndim() {
            return self.failed_as(Error::Axis { axis, ndim: self.ndim() });
        }
        let n = self.shape()[axis];
        if k.unsigned_abs() > n {
            return self.failed_as(Error::Invalid(format!("topk: k = {k} for axis {axis} of length {n}")));
        }
        let x = self.split_lanes(&[axis]);
        let op = BlockOp::TopK { axis, k, arg };
        DArray::from_node(blockwise::along(x.node, axis, op, Some(k.unsigned_abs()), None, U::DTYPE))
    }
}

/// A 2-D histogram of the pairs `(x, y)` (NumPy's `histogram2d` with
/// explicit edges): `counts[i, j]` counts pairs with `x` in bin `i` of
/// `x_edges` and `y` in bin `j` of `y_edges`. `y` is rechunked to `x`'s
/// chunks; arrays of different shapes give an array carrying the error.
///
/// ```
/// use darray::{histogram2d, DArray};
/// let x = DArray::from_array(ndarray::arr1(&[0.5, 1.5, 1.5, 0.5]), 2)?;
/// let y = DArray::from_array(ndarray::arr1(&[0.5, 0.5, 1.5, 0.5]), 3)?;
/// let h = histogram2d(&x, &y, &[0.0, 1.0, 2.0], &[0.0, 1.0, 2.0]).compute()?;
/// assert_eq!(h.into_raw_vec_and_offset().0, vec![2, 0, 1, 1]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn histogram2d<T: Numeric>(x: &DArray<T>, y: &DArray<T>, x_edges: &[f64], y_edges: &[f64]) -> DArray<i64> {
    if let Some(e) = x.error().or(y.error()) {
        return x.failed_as(e.clone());
    }
    if x.shape() != y.shape() {
        return x.failed_as(Error::Shape(format!("histogram2d of shapes {:?} and {:?}", x.shape(), y.shape())));
    }
    if let Err(e) = check_edges(x_edges).and_then(|_| check_edges(y_edges)) {
        return x.failed_as(e);
    }
    let yn = if y.chunks() == x.chunks() { y.node.clone() } else { rechunk(y.node.clone(), x.node.chunks.clone()) };
    let op = BlockOp::Histogram2d { x_edges: x_edges.to_vec(), y_edges: y_edges.to_vec() };
    let bins = [x_edges.len() - 1, y_edges.len() - 1];
    DArray::from_node(per_chunk_counts(vec![x.node.clone(), yn], op, &bins, &x.node.chunks))
}

/// Counts of shape `bins` per chunk of `chunks` (a block `1 x bins` each,
/// stacked along a leading axis), summed over that axis.
fn per_chunk_counts(
    inputs: Vec<std::sync::Arc<crate::expr::Node>>,
    op: BlockOp,
    bins: &[usize],
    chunks: &Chunks,
) -> std::sync::Arc<crate::expr::Node> {
    let nblocks = chunks.nblocks();
    let mut shape = vec![nblocks];
    shape.extend_from_slice(bins);
    let mut sizes = vec![vec![1; nblocks]];
    sizes.extend(bins.iter().map(|&b| vec![b]));
    let parts = blockwise::per_block(inputs, op, shape, Chunks::from_sizes(sizes), i64::DTYPE);
    reduce(ReduceOp::Sum, parts, Some(&[0]), false, DEFAULT_SPLIT_EVERY, i64::DTYPE)
}
