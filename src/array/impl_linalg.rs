//! Linear algebra: `dot`, `matmul` and `tensordot` as blocked algorithms.
//! Each output block is a sum over the contracted blocks of block products,
//! added as a tree, so no block ever spans a whole contracted axis and
//! memory stays bounded by a few blocks per thread.

use super::DArray;
use crate::array::impl_reduce::DEFAULT_SPLIT_EVERY;
use crate::dtype::Float;
use crate::error::Error;
use crate::expr::{contract, Node};
use crate::kernels::product::{ContractSpec, Gemm};
use ndarray::LinalgScalar;
use std::sync::Arc;

/// A product that cannot be built: an operand's own error comes first (it
/// explains the bad shapes), else `e`, shaped like `a`.
fn invalid<T: Float>(a: &DArray<T>, b: &DArray<T>, e: Error) -> DArray<T> {
    match (a.error(), b.error()) {
        (Some(ea), _) => DArray::from_node(Node::invalid(ea.clone(), T::DTYPE, &a.node)),
        (None, Some(eb)) => DArray::from_node(Node::invalid(eb.clone(), T::DTYPE, &b.node)),
        (None, None) => DArray::from_node(Node::invalid(e, T::DTYPE, &a.node)),
    }
}

fn build<T: Float + LinalgScalar>(a: &DArray<T>, b: &DArray<T>, spec: ContractSpec) -> DArray<T> {
    DArray::from_node(contract(a.node.clone(), b.node.clone(), spec, Arc::new(Gemm::<T>::new()), DEFAULT_SPLIT_EVERY))
}

/// Sums products over pairs of axes (`axes_a[i]` of `a` with `axes_b[i]`
/// of `b`), like NumPy's `tensordot`: the result has `a`'s other axes
/// followed by `b`'s.
///
/// ```
/// use darray::{tensordot, DArray};
/// let a = DArray::<f64>::ones([3, 4, 5], [2, 2, 5])?;
/// let b = DArray::<f64>::ones([4, 3, 2], [1, 3, 2])?;
/// let c = tensordot(&a, &b, &[0, 1], &[1, 0]);
/// assert_eq!(c.shape(), &[5, 2]);
/// assert!(c.compute()?.iter().all(|&v| v == 12.0));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn tensordot<T: Float + LinalgScalar>(
    a: &DArray<T>,
    b: &DArray<T>,
    axes_a: &[usize],
    axes_b: &[usize],
) -> DArray<T> {
    if axes_a.len() != axes_b.len() {
        return invalid(
            a,
            b,
            Error::Invalid(format!("{} axes of a paired with {} axes of b", axes_a.len(), axes_b.len())),
        );
    }
    for (axes, nd) in [(axes_a, a.ndim()), (axes_b, b.ndim())] {
        if let Some(&bad) = axes.iter().find(|&&x| x >= nd) {
            return invalid(a, b, Error::Axis { axis: bad, ndim: nd });
        }
        if (1..axes.len()).any(|i| axes[..i].contains(&axes[i])) {
            return invalid(a, b, Error::Invalid(format!("repeated axis in {axes:?}")));
        }
    }
    let spec = ContractSpec {
        batch: vec![],
        contract: axes_a.iter().copied().zip(axes_b.iter().copied()).collect(),
        free_a: (0..a.ndim()).filter(|x| !axes_a.contains(x)).collect(),
        free_b: (0..b.ndim()).filter(|y| !axes_b.contains(y)).collect(),
    };
    build(a, b, spec)
}

impl<T: Float + LinalgScalar> DArray<T> {
    /// NumPy's `dot` for 1-D and 2-D arrays: inner product, matrix-vector
    /// or matrix-matrix product.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
    /// let x = DArray::from_array(a.clone(), [2, 1])?;
    /// assert_eq!(x.dot(&x.t()).compute()?, a.dot(&a.t()).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn dot(&self, other: &DArray<T>) -> DArray<T> {
        match (self.ndim(), other.ndim()) {
            (1, 1) | (1, 2) => tensordot(self, other, &[0], &[0]),
            (2, 1) | (2, 2) => tensordot(self, other, &[1], &[0]),
            (p, q) => invalid(
                self,
                other,
                Error::Invalid(format!("dot takes 1-D or 2-D arrays, got {p}-D and {q}-D; use matmul or tensordot")),
            ),
        }
    }

    /// NumPy's `matmul`: `dot` for 1-D and 2-D arrays; for more axes, a
    /// matrix product over the last two axes for each index of the leading
    /// (batch) axes, which must match.
    ///
    /// ```
    /// use darray::DArray;
    /// let a = DArray::<f32>::ones([4, 3, 5], [2, 3, 2])?;
    /// let b = DArray::<f32>::ones([4, 5, 2], [1, 5, 2])?;
    /// let c = a.matmul(&b);
    /// assert_eq!(c.shape(), &[4, 3, 2]);
    /// assert!(c.compute()?.iter().all(|&v| v == 5.0));
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn matmul(&self, other: &DArray<T>) -> DArray<T> {
        let (p, q) = (self.ndim(), other.ndim());
        if p <= 2 && q <= 2 && p > 0 && q > 0 {
            return self.dot(other);
        }
        if p != q || p < 2 || self.shape()[..p - 2] != other.shape()[..q - 2] {
            return invalid(
                self,
                other,
                Error::Shape(format!(
                    "matmul needs equal batch axes, got shapes {:?} and {:?}",
                    self.shape(),
                    other.shape()
                )),
            );
        }
        let spec = ContractSpec {
            batch: (0..p - 2).map(|i| (i, i)).collect(),
            contract: vec![(p - 1, p - 2)],
            free_a: vec![p - 2],
            free_b: vec![p - 1],
        };
        build(self, other, spec)
    }
}
