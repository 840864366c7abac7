//! The user API: `DArray<T>`, a lazy chunked n-d array.

mod impl_compute;
mod impl_constructors;
mod impl_expr;
mod impl_group;
mod impl_linalg;
mod impl_ops;
mod impl_overlap;
pub(crate) mod impl_reduce;
mod impl_structure;

pub use impl_compute::{compute_all, ComputeAll};
pub use impl_group::GroupBy;
pub use impl_linalg::tensordot;
pub use impl_ops::{where_, Operand};
pub use impl_overlap::Boundary;
pub use impl_reduce::ReduceOpts;
pub use impl_structure::{concatenate, stack, Sel};

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

    /// The shape (empty when the array carries an error).
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
