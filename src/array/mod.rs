//! The user API: `DArray<T>`, a lazy chunked n-d array.
//!
//! # Errors
//!
//! One policy for every operation: **constructors return `Result`,
//! operations defer.**
//!
//! - A constructor (an array made from plain values: a shape and a chunk
//!   spec, an in-memory array, delayed blocks, a file) returns
//!   `Result<DArray<T>>`: its inputs are all known at the call and there is
//!   no array yet to carry an error.
//! - An operation on arrays (operators, elementwise functions, reductions,
//!   `slice`, `take`, `rechunk`, `reshape`, `concatenate`, `groupby` and
//!   the reductions and `expand` of its [`GroupBy`], `weighted_mean`,
//!   `rolling_mean`, `map_overlap`, products, the shape operations such
//!   as `pad`, `roll`, `broadcast_to`, `block`) never returns `Result` and
//!   never panics: one that cannot be built returns an array (or a
//!   `GroupBy`) carrying the error. Operators cannot return `Result`, so
//!   this is the one policy that covers them all, and it lets a chain be
//!   written without a `?` at every step. [`DArray::error`],
//!   [`DArray::is_valid`] and [`DArray::validate`] show the error at once;
//!   `compute`, `persist`, `graph` and `explain` report it.
//!
//! An operation on an array carrying an error passes that error on (the
//! first error is the cause). An errored array has the shape and chunks of
//! the input of the operation that failed (the first input, for one of
//! several), so its shape is never a misleading `[]` and shape-dependent
//! code downstream stays well-formed; only an operation given no array at
//! all (`concatenate(&[], 0)`) has shape `[0]`.

mod impl_binning;
mod impl_blockwise;
mod impl_coarsen;
mod impl_compute;
mod impl_constructors;
mod impl_creation;
mod impl_diff;
mod impl_expr;
mod impl_fit;
mod impl_group;
mod impl_linalg;
mod impl_ops;
mod impl_overlap;
mod impl_pad;
mod impl_quantile;
pub(crate) mod impl_reduce;
mod impl_rolling;
mod impl_scan;
mod impl_select;
mod impl_shape;
mod impl_stack;
mod impl_stats;
mod impl_structure;
mod s_macro;

pub use impl_binning::histogram2d;
pub use impl_blockwise::{apply_ufunc, map_blocks_multi};
pub use impl_coarsen::{Coarsen, CoarsenBoundary};
pub use impl_compute::{compute_all, ComputeAll};
pub use impl_creation::{meshgrid, Indexing};
pub use impl_fit::polyval;
pub use impl_group::GroupBy;
pub use impl_linalg::tensordot;
pub use impl_ops::{where_, Operand};
pub use impl_overlap::Boundary;
pub use impl_pad::PadMode;
pub use impl_quantile::QUANTILE_TASK_BYTES;
pub use impl_reduce::ReduceOpts;
pub use impl_rolling::Rolling;
pub use impl_select::{choose, extract, searchsorted, select, union1d, ChooseMode, Side, UniqueAll};
pub use impl_shape::broadcast_arrays;
pub use impl_stack::{block, dstack, hstack, vstack, Blocks};
pub(crate) use impl_structure::normalise;
pub use impl_structure::{concatenate, stack, Sel};
#[doc(hidden)]
pub use s_macro::{SelArg, StepArg};

use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::expr::Node;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A lazy n-dimensional array of `T` cut into chunks. Operations record a
/// blocked algorithm; nothing runs until [`compute`](DArray::compute) or
/// [`persist`](DArray::persist). Cloning is cheap (a reference count).
///
/// Operations that cannot fail by their types alone (operators, reductions
/// with an axis argument) never panic: a bad operand yields an array that
/// carries the error, reported by `compute` and visible through
/// [`error`](DArray::error) and [`validate`](DArray::validate).
///
/// ```
/// use darray::DArray;
/// let x = DArray::<f64>::ones([20, 20], [5, 5])?;
/// let y = ((&x + 1.0) * 2.0 - &x).sum();
/// assert_eq!(y.compute()?[[]], 1200.0);
/// # Ok::<(), darray::Error>(())
/// ```
pub struct DArray<T> {
    pub(crate) node: Arc<Node>,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for DArray<T> {
    fn clone(&self) -> Self {
        DArray { node: self.node.clone(), _t: PhantomData }
    }
}

impl<T: Element> DArray<T> {
    pub(crate) fn from_node(node: Arc<Node>) -> Self {
        debug_assert_eq!(node.dtype, T::DTYPE);
        DArray { node, _t: PhantomData }
    }

    /// The shape. An array carrying an error has the shape of the input of
    /// the operation that failed (see the [module doc](crate::array)), so
    /// an empty shape always means a 0-d array; check
    /// [`is_valid`](DArray::is_valid) to tell an errored array apart.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::ones([3, 2], [3, 1])?;
    /// let bad = a.sum_axis(5);
    /// assert!(!bad.is_valid());
    /// assert_eq!(bad.shape(), &[3, 2]);
    /// assert_eq!(bad.chunks(), a.chunks());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.node.shape
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.node.shape.len()
    }
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.node.shape.iter().product()
    }
    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Block lengths along each axis.
    pub fn chunks(&self) -> &[Vec<usize>] {
        self.node.chunks.sizes()
    }
    /// Number of blocks along each axis.
    pub fn numblocks(&self) -> Vec<usize> {
        self.node.chunks.numblocks()
    }
    /// Total bytes of the array's elements (not what is held in memory).
    pub fn nbytes(&self) -> usize {
        self.len() * std::mem::size_of::<T>()
    }
    /// The error this array carries, if an operation building it failed.
    pub fn error(&self) -> Option<&Error> {
        self.node.error()
    }
    /// True when the array was built without error (it can be computed).
    pub fn is_valid(&self) -> bool {
        self.node.error().is_none()
    }
    /// This array failed with `e`, shaped like it; an error it already
    /// carries comes first (it is the cause).
    pub(crate) fn failed_with(&self, e: Error) -> DArray<T> {
        match self.error() {
            Some(_) => self.clone(),
            None => DArray::from_node(Node::invalid(e, T::DTYPE, &self.node)),
        }
    }
    /// As [`failed_with`](DArray::failed_with), for a result of type `U`.
    pub(crate) fn failed_as<U: Element>(&self, e: Error) -> DArray<U> {
        DArray::from_node(Node::invalid(self.error().cloned().unwrap_or(e), U::DTYPE, &self.node))
    }
    /// `Ok(self)` if the array was built without error.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f64>::ones([3], [3]).unwrap();
    /// let b = DArray::<f64>::ones([4], [4]).unwrap();
    /// assert!((a + b).validate().is_err());
    /// ```
    pub fn validate(self) -> Result<Self> {
        match self.node.error() {
            Some(e) => Err(e.clone()),
            None => Ok(self),
        }
    }
    /// The stable token naming this array's tasks.
    pub fn token(&self) -> u64 {
        self.node.token
    }
}

impl<T: Element> fmt::Debug for DArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error() {
            Some(e) => write!(f, "DArray<{}>(error: {e})", T::DTYPE.name()),
            None => write!(
                f,
                "DArray<{}>(shape={:?}, numblocks={:?}, op={})",
                T::DTYPE.name(),
                self.shape(),
                self.numblocks(),
                self.node.label
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::array::{concatenate, stack, tensordot, Sel};

    fn kind(e: Option<&Error>) -> &'static str {
        match e {
            Some(Error::Axis { .. }) => "axis",
            Some(Error::Broadcast { .. }) => "broadcast",
            Some(Error::Shape(_)) => "shape",
            Some(Error::Invalid(_)) => "invalid",
            Some(Error::TooLarge(_)) => "too large",
            Some(Error::Chunks(_)) => "chunks",
            Some(_) => "other",
            None => "none",
        }
    }

    #[test]
    fn an_errored_array_keeps_the_shape_of_the_failed_operations_input() {
        let a = DArray::<f64>::ones([4, 3], [2, 3]).unwrap();
        let b = DArray::<f64>::ones([5], [5]).unwrap();
        let cases: Vec<(DArray<f64>, &[usize], &str)> = vec![
            (&a + &b, &[4, 3], "broadcast"),
            (&b + &a, &[5], "broadcast"),
            (a.sum_axis(2), &[4, 3], "axis"),
            (a.slice(&[Sel::index(9)]), &[4, 3], "invalid"),
            (a.take(&[0], 3), &[4, 3], "axis"),
            (a.rechunk([3, 3, 3]), &[4, 3], "chunks"),
            (a.reshape([5]), &[4, 3], "shape"),
            (a.swap_axes(0, 2), &[4, 3], "axis"),
            (a.permuted_axes(&[0, 0]), &[4, 3], "invalid"),
            (concatenate(&[a.clone(), b.clone()], 0), &[4, 3], "shape"),
            (stack(&[b.clone(), a.clone()], 0), &[5], "shape"),
            (a.dot(&b), &[4, 3], "shape"),
            (tensordot(&a, &b, &[0, 1], &[0]), &[4, 3], "invalid"),
            (a.rolling_mean(1, 4, false), &[4, 3], "invalid"),
            (a.weighted_mean(0, &[1.0]), &[4, 3], "shape"),
            (a.groupby(1, &[0]).sum(), &[4, 3], "shape"),
            (concatenate::<f64>(&[], 0), &[0], "invalid"),
            (stack::<f64>(&[], 0), &[0], "invalid"),
        ];
        for (i, (x, shape, k)) in cases.into_iter().enumerate() {
            assert!(!x.is_valid(), "case {i}");
            assert_eq!(x.shape(), shape, "case {i}");
            assert_eq!(x.chunks().len(), shape.len(), "case {i}: chunks match the shape");
            assert_eq!(kind(x.error()), k, "case {i}: {:?}", x.error());
            assert!(x.compute().is_err() && x.graph().is_err() && x.explain().is_err(), "case {i}");
        }
    }

    #[test]
    fn the_first_error_is_passed_on_with_its_shape() {
        let a = DArray::<f64>::ones([4, 3], [2, 3]).unwrap();
        let bad = a.sum_axis(7);
        let chained = vec![
            (&bad + 1.0).sum(),
            bad.t().slice(&[Sel::index(0)]),
            bad.reshape([12]).rechunk(4),
            bad.dot(&a),
            a.dot(&bad),
            stack(&[a.clone(), bad.clone()], 9),
            bad.swap_axes(0, 9),
            bad.rolling_mean(5, 0, true),
            bad.groupby(0, &[]).expand(&a),
            a.groupby(0, &[0, 0, 1, 1]).expand(&bad),
        ];
        for (i, x) in chained.into_iter().enumerate() {
            assert!(matches!(x.error(), Some(Error::Axis { axis: 7, .. })), "case {i}: {:?}", x.error());
            assert_eq!(x.shape(), &[4, 3], "case {i}");
        }
    }

    #[test]
    fn an_overflowing_shape_is_never_reported() {
        let a = DArray::<u8>::zeros([1 << 40, 1], [1 << 30, 1]).unwrap();
        let b = DArray::<u8>::zeros([1, 1 << 40], [1, 1 << 30]).unwrap();
        let c = &a + &b;
        assert_eq!(kind(c.error()), "too large");
        assert_eq!(c.shape(), a.shape());
        assert_eq!(c.len(), 1 << 40);
    }
}
