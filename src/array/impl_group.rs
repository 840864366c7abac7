//! Grouped reductions along one axis (climatologies, resampling), group
//! results broadcast back, weighted means.

use super::{DArray, ReduceOpts};
use crate::dtype::{Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::expr::{group_reduce_op, take_chunked, Node};
use crate::ops::ReduceOp;
use std::sync::Arc;

/// The positions along one axis of an array, grouped by label: made by
/// [`DArray::groupby`] or [`DArray::resample`]. Reductions give an array
/// with one position per group (in increasing label order) in place of the
/// axis; [`expand`](GroupBy::expand) broadcasts per-group values back.
///
/// Like an array, a grouping that cannot be built (a bad axis, labels of
/// the wrong length) carries its error: [`error`](GroupBy::error) and
/// [`validate`](GroupBy::validate) show it, and its reductions are arrays
/// carrying it (shaped like the grouped array), reported by `compute`.
///
/// ```
/// use darray::DArray;
/// // Six monthly values over two years; labels are the calendar month.
/// let x = DArray::from_array(ndarray::arr2(&[[1.0], [2.0], [3.0], [5.0], [6.0], [7.0]]), [2, 1])?;
/// let g = x.groupby(0, &[1, 2, 3, 1, 2, 3]);
/// let clim = g.mean();
/// assert_eq!(clim.compute()?.into_raw_vec_and_offset().0, vec![3.0, 4.0, 5.0]);
/// let anomaly = &x - &g.expand(&clim);
/// assert_eq!(anomaly.compute()?.into_raw_vec_and_offset().0, vec![-2.0, -2.0, -2.0, 2.0, 2.0, 2.0]);
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone)]
pub struct GroupBy<T> {
    /// The grouped array; when the grouping could not be built, an array
    /// carrying the error (shaped like the input), which every reduction
    /// then passes on (with no groups).
    pub(super) x: DArray<T>,
    pub(super) axis: usize,
    /// Group of each position (`None`: left out).
    pub(super) group: Arc<Vec<Option<usize>>>,
    labels: Vec<i64>,
}

impl<T: Element> std::fmt::Debug for GroupBy<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GroupBy(axis {}, {} groups of {:?})", self.axis, self.labels.len(), self.x)
    }
}

impl<T: Element> DArray<T> {
    /// Groups the positions along `axis` by `labels` (one per position;
    /// negative labels leave a position out). Labels of the wrong length
    /// or a bad axis give a grouping carrying the error.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::<f64>::ones([4], 2)?;
    /// let g = x.groupby(0, &[0, 1, 0]);
    /// assert!(g.error().is_some());
    /// assert!(matches!(g.sum().compute(), Err(darray::Error::Shape(_))));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn groupby(&self, axis: usize, labels: &[i64]) -> GroupBy<T> {
        let x = self;
        if x.error().is_some() {
            return GroupBy::failed(x.clone(), axis);
        }
        if axis >= x.ndim() {
            return GroupBy::failed(x.failed_with(Error::Axis { axis, ndim: x.ndim() }), axis);
        }
        if labels.len() != x.shape()[axis] {
            let e = Error::Shape(format!(
                "{} labels for axis {axis} of length {} (shape {:?})",
                labels.len(),
                x.shape()[axis],
                x.shape()
            ));
            return GroupBy::failed(x.failed_with(e), axis);
        }
        let mut uniq: Vec<i64> = labels.iter().copied().filter(|&l| l >= 0).collect();
        uniq.sort_unstable();
        uniq.dedup();
        let group = labels.iter().map(|&l| (l >= 0).then(|| uniq.binary_search(&l).expect("a label"))).collect();
        GroupBy { x: x.clone(), axis, group: Arc::new(group), labels: uniq }
    }

    /// Groups of `every` consecutive positions along `axis` (hourly to daily
    /// means: `every = 24`); a last, shorter group takes what is left.
    ///
    /// ```
    /// use darray::DArray;
    /// let hourly = DArray::<f64>::arange(0.0, 48.0, 1.0, 12)?;
    /// let daily = hourly.resample(0, 24).mean().compute()?;
    /// assert_eq!(daily.into_raw_vec_and_offset().0, vec![11.5, 35.5]);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn resample(&self, axis: usize, every: usize) -> GroupBy<T> {
        if every == 0 {
            // An error this array already carries is passed on instead.
            let e = Error::Invalid("resampling needs at least one position per group".into());
            return GroupBy::failed(self.failed_with(e), axis);
        }
        let n = self.shape().get(axis).copied().unwrap_or(0);
        let labels: Vec<i64> = (0..n).map(|i| (i / every) as i64).collect();
        self.groupby(axis, &labels)
    }
}

impl<T: Element> GroupBy<T> {
    /// A grouping that could not be built: `x` carries the error.
    fn failed(x: DArray<T>, axis: usize) -> GroupBy<T> {
        GroupBy { x, axis, group: Arc::new(vec![]), labels: vec![] }
    }
    /// The error this grouping carries, if building it (or the grouped
    /// array) failed.
    pub fn error(&self) -> Option<&Error> {
        self.x.error()
    }
    /// `Ok(self)` if the grouping was built without error.
    pub fn validate(self) -> Result<Self> {
        match self.x.error() {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }
    /// The group labels, in the order of the result's group axis.
    pub fn labels(&self) -> &[i64] {
        &self.labels
    }
    /// Number of groups.
    pub fn ngroups(&self) -> usize {
        self.labels.len()
    }
    /// The grouped axis.
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// The reduction `op` of each group, giving `U`.
    fn reduce<U: Element>(&self, op: ReduceOp) -> DArray<U> {
        DArray::from_node(group_reduce_op(op, self.x.node.clone(), self.axis, &self.group, self.ngroups(), U::DTYPE))
    }

    /// Per-group values (`per_group`, with the groups along the grouped
    /// axis, as a reduction gives them) broadcast back to every position:
    /// `x - g.expand(&g.mean())` is the anomaly against the group means.
    /// The result is chunked like the grouped array along the axis, so it
    /// fuses with it; each block gathers only the groups it needs, and the
    /// expanded array is never held whole. Every position must be in a
    /// group. An error of the grouping or of `per_group`, or values of the
    /// wrong shape, give an array carrying the error.
    pub fn expand<U: Element>(&self, per_group: &DArray<U>) -> DArray<U> {
        let p = per_group;
        if let Some(e) = self.error() {
            return DArray::from_node(Node::invalid(e.clone(), U::DTYPE, &self.x.node));
        }
        if p.error().is_some() {
            return p.clone();
        }
        if p.ndim() <= self.axis || p.shape()[self.axis] != self.ngroups() {
            return p.failed_with(Error::Shape(format!(
                "per-group values of shape {:?} for {} groups along axis {}",
                p.shape(),
                self.ngroups(),
                self.axis
            )));
        }
        let idx: Option<Vec<usize>> = self.group.iter().copied().collect();
        let Some(idx) = idx else {
            let e = Error::Invalid("positions left out of every group (negative labels) cannot be expanded".into());
            return p.failed_with(e);
        };
        let out = self.x.chunks()[self.axis].clone();
        DArray::from_node(take_chunked(p.node.clone(), self.axis, idx, out))
    }
}

// The grouped reductions: the entries of the reduction table marked
// `group`, with the same ops, types and parameters as `DArray`'s.
macro_rules! group_reductions {
    ($($(#[$doc:meta])* $name:ident, $axis:ident, $with:ident ($($p:ident: $pt:ty),*) [$($bound:tt)*]
        -> $out:ty = $op:expr $(, group $gdoc:literal)?;)*) => {$(
        group_reductions!(@one [$($gdoc)?] $name ($($p: $pt),*) [$($bound)*] -> $out = $op);
    )*};
    (@one [] $($rest:tt)*) => {};
    (@one [$gdoc:literal] $name:ident ($($p:ident: $pt:ty),*) [$($bound:tt)*] -> $out:ty = $op:expr) => {
        impl<T: $($bound)*> GroupBy<T> {
            #[doc = $gdoc]
            pub fn $name(&self $(, $p: $pt)*) -> DArray<$out> {
                self.reduce($op)
            }
        }
    };
}
super::impl_reduce::reduction_table!(group_reductions);

impl<T: Numeric> GroupBy<T> {
    /// Number of values in each group that are not NaN.
    pub fn count(&self) -> DArray<i64> {
        let valid = self.x.map_named("notnan", 0, |v: T| i64::from(!v.el_is_nan()));
        let g = GroupBy { x: valid, axis: self.axis, group: self.group.clone(), labels: self.labels.clone() };
        g.sum()
    }
}

impl<T: Element> DArray<T> {
    /// Number of values that are not NaN, over the axes of `o`.
    ///
    /// ```
    /// use darray::{DArray, ReduceOpts};
    /// let x = DArray::from_array(ndarray::arr1(&[1.0, f64::NAN, 3.0]), 2)?;
    /// assert_eq!(x.count(&ReduceOpts::all()).compute()?[[]], 2);
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn count(&self, o: &ReduceOpts) -> DArray<i64> {
        self.map_named("notnan", 0, |v: T| i64::from(!v.el_is_nan())).sum_with(o)
    }
}

impl<T: Float> DArray<T> {
    /// Weighted mean along `axis` (area weighting by cos(latitude), say):
    /// `sum(w x) / sum(w)`, NaN values skipped together with their weights.
    /// One weight per position along the axis; a bad axis or weights of
    /// the wrong length give an array carrying the error.
    ///
    /// ```
    /// use darray::DArray;
    /// let x = DArray::from_array(ndarray::arr2(&[[1.0, 3.0], [f64::NAN, 5.0]]), [1, 2])?;
    /// let m = x.weighted_mean(1, &[1.0, 3.0]).compute()?;
    /// assert_eq!(m.into_raw_vec_and_offset().0, vec![2.5, 5.0]);
    /// assert!(x.weighted_mean(1, &[1.0]).validate().is_err());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn weighted_mean(&self, axis: usize, weights: &[T]) -> DArray<T::Sum> {
        self.weighted_reduce(axis, weights, &ReduceOpts::axis(axis), true)
    }

    /// With one weight per position along `axis`, over the axes of `o`:
    /// `sum(w x) / sum(w)` with NaN values left out with their weights
    /// (`mean`), or `sum(w x)` with NaN skipped. A bad axis or weights of
    /// the wrong length give an array carrying the error.
    pub(crate) fn weighted_reduce(&self, axis: usize, weights: &[T], o: &ReduceOpts, mean: bool) -> DArray<T::Sum> {
        let x = self;
        let nd = x.ndim();
        let bad = |e: Error| DArray::from_node(Node::invalid(e, <T::Sum as Element>::DTYPE, &x.node));
        if let Some(e) = x.error() {
            return bad(e.clone());
        }
        if axis >= nd {
            return bad(Error::Axis { axis, ndim: nd });
        }
        if weights.len() != x.shape()[axis] {
            return bad(Error::Shape(format!(
                "{} weights for axis {axis} of length {}",
                weights.len(),
                x.shape()[axis]
            )));
        }
        // The weights as an array that broadcasts along `axis` only.
        let mut shape = vec![1; nd];
        shape[axis] = weights.len();
        let w = ndarray::ArrayD::from_shape_vec(shape, weights.to_vec()).expect("one weight per position");
        let mut chunks: Vec<Vec<usize>> = vec![vec![1]; nd];
        chunks[axis] = x.chunks()[axis].clone();
        // The grid is `x`'s own along `axis` and one block elsewhere: valid.
        let w = match DArray::from_array(w, crate::ChunkSpec::Explicit(chunks)) {
            Ok(w) => w,
            Err(e) => return bad(e),
        };
        let num = (x * &w).nansum_with(o);
        if !mean {
            return num;
        }
        let valid = x.map_named("notnan", 0, |v: T| if v.is_nan() { T::zero() } else { T::one() });
        let den = (&valid * &w).sum_with(o);
        &num / &den
    }
}
