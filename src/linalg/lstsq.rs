//! Least squares through TSQR: the minimum-norm solution from the SVD of
//! the small R, so rank-deficient systems are solved as NumPy solves them.

use super::{part, rhs, step, tsqr};
use crate::array::DArray;
use crate::dtype::Float;
use crate::ops::DenseOp;

/// What [`lstsq`] returns.
#[derive(Clone)]
pub struct Lstsq<T> {
    /// The minimum-norm least-squares solution (`n`, or `n x r` for a
    /// matrix `b`).
    pub x: DArray<T>,
    /// The sums of squared residuals of each column of `b` (`r`, or `1`
    /// for a vector `b`). Unlike NumPy (which returns an empty array when
    /// `a` is rank-deficient or `m <= n`) they are always given, as dask
    /// gives them.
    pub residuals: DArray<T>,
    /// The effective rank of `a` (0-d).
    pub rank: DArray<i64>,
    /// The singular values of `a`, decreasing.
    pub s: DArray<T>,
}

/// Least squares `min ||a x - b||` for a 2-D `a` (`m x n`) and `b` a vector
/// or matrix of `m` rows (NumPy's `lstsq`, default `rcond`: singular
/// values below `eps * max(m, n)` times the largest are dropped), through
/// [`tsqr`] of `a` and the SVD of its R.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[1.0f64, 0.0], [1.0, 1.0], [1.0, 2.0]]), [2, 2])?;
/// let b = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 2.0]), 2)?;
/// let fit = linalg::lstsq(&a, &b);
/// let x = fit.x.compute()?;
/// assert!((x[[0]] - 7.0 / 6.0).abs() < 1e-12 && (x[[1]] - 0.5).abs() < 1e-12);
/// assert_eq!(fit.rank.compute()?[[]], 2);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn lstsq<T: Float>(a: &DArray<T>, b: &DArray<T>) -> Lstsq<T> {
    let err = super::rhs_error(a, super::matrix_error(a, "lstsq"), b, "lstsq");
    if let Some(e) = err {
        return Lstsq {
            x: b.failed_with(e.clone()),
            residuals: b.failed_with(e.clone()),
            rank: b.failed_as(e.clone()),
            s: b.failed_with(e),
        };
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let (q, r) = tsqr(a);
    let k = m.min(n);
    let (b2, vector) = rhs(b, &q.chunks()[0]);
    let nr = b2.shape()[1];
    let qtb = q.t().dot(&b2).rechunk(vec![vec![k], vec![nr]]);
    let f = step::<T>(
        DenseOp::Lstsq { rows: m, rcond: None },
        vec![(r.node.clone(), 0, 0), (qtb.node.clone(), 0, 0)],
        &[n, nr],
        3,
    );
    let x2 = DArray::<T>::from_node(part::<T>(&(f.clone(), 0, 0), &[n, nr]));
    let s = DArray::from_node(part::<T>(&(f.clone(), 0, 1), &[k]));
    let rank = DArray::from_node(part::<i64>(&(f, 0, 2), &[]));
    let resid = &b2 - &a.dot(&x2);
    let residuals = (&resid * &resid).sum_axis(0);
    let x = if vector { x2.slice(&crate::s![.., 0]) } else { x2 };
    Lstsq { x, residuals, rank, s }
}
