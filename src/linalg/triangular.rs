//! Triangular solves by blocks (substitution, one task per block of the
//! solution) and the blocked Cholesky factorisation (left-looking: each
//! block of the factor from the blocks left of it).

use super::{at, join, rhs, rhs_error, square_blocks, square_error, step, unrhs, zeros, Arg};
use crate::array::DArray;
use crate::dtype::Float;
use crate::expr::Node;
use crate::ops::DenseOp;
use std::sync::Arc;

/// Solves `a x = b` for a triangular `a` (its lower triangle with `lower`,
/// else its upper one; the other is not read), `b` a vector or a matrix of
/// as many rows, as SciPy's and dask's `solve_triangular`. A zero on the
/// diagonal is an `Error::Linalg` at compute.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[2.0, 0.0], [1.0, 4.0]]), 1)?;
/// let b = DArray::from_array(ndarray::arr1(&[2.0, 9.0]), 1)?;
/// let x = linalg::solve_triangular(&a, &b, true).compute()?;
/// assert_eq!(x, ndarray::arr1(&[1.0, 2.0]).into_dyn());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn solve_triangular<T: Float>(a: &DArray<T>, b: &DArray<T>, lower: bool) -> DArray<T> {
    let err = rhs_error(a, square_error(a, "solve_triangular"), b, "solve_triangular");
    if let Some(e) = err {
        return b.failed_with(e);
    }
    if a.shape()[0] == 0 {
        return b.clone();
    }
    let a = square_blocks(a);
    let sizes = a.chunks()[0].clone();
    let nb = sizes.len();
    let (b2, vector) = rhs(b, &sizes);
    let bcols = b2.chunks()[1].clone();
    let mut x: Vec<Vec<Arc<Node>>> = vec![vec![]; nb];
    let order: Vec<usize> = if lower { (0..nb).collect() } else { (0..nb).rev().collect() };
    for (done, &i) in order.iter().enumerate() {
        x[i] = (0..bcols.len())
            .map(|c| {
                let mut args: Vec<Arg> =
                    vec![(a.node.clone(), at(i, i, nb), 0), (b2.node.clone(), at(i, c, bcols.len()), 0)];
                for &j in &order[..done] {
                    args.push((a.node.clone(), at(i, j, nb), 0));
                    args.push((x[j][c].clone(), 0, 0));
                }
                step::<T>(DenseOp::TriSolve { lower }, args, &[sizes[i], bcols[c]], 1)
            })
            .collect();
    }
    unrhs(join(x), vector)
}

/// The Cholesky factor `l` of a symmetric positive-definite matrix, lower
/// triangular with `a = l l^T` (NumPy's `cholesky`; only `a`'s lower
/// triangle is read), blocked like `a` with its columns chunked as its
/// rows. A matrix that is not positive definite is an `Error::Linalg` at
/// compute.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[4.0, 2.0], [2.0, 5.0]]), 1)?;
/// let l = linalg::cholesky(&a).compute()?;
/// assert_eq!(l, ndarray::arr2(&[[2.0, 0.0], [1.0, 2.0]]).into_dyn());
/// # Ok::<(), darray::Error>(())
/// ```
pub fn cholesky<T: Float>(a: &DArray<T>) -> DArray<T> {
    if let Some(e) = square_error(a, "cholesky") {
        return a.failed_with(e);
    }
    if a.shape()[0] == 0 {
        return a.clone();
    }
    let a = square_blocks(a);
    let sizes = a.chunks()[0].clone();
    let nb = sizes.len();
    let mut l: Vec<Vec<Option<Arc<Node>>>> = vec![vec![None; nb]; nb];
    let blk = |l: &Vec<Vec<Option<Arc<Node>>>>, i: usize, j: usize| -> Arg {
        (l[i][j].clone().expect("an earlier block"), 0, 0)
    };
    for k in 0..nb {
        let mut args: Vec<Arg> = vec![(a.node.clone(), at(k, k, nb), 0)];
        args.extend((0..k).map(|j| blk(&l, k, j)));
        l[k][k] = Some(step::<T>(DenseOp::Cholesky, args, &[sizes[k], sizes[k]], 1));
        for i in k + 1..nb {
            let mut args: Vec<Arg> = vec![(a.node.clone(), at(i, k, nb), 0), blk(&l, k, k)];
            for j in 0..k {
                args.push(blk(&l, i, j));
                args.push(blk(&l, k, j));
            }
            l[i][k] = Some(step::<T>(DenseOp::CholeskyOff, args, &[sizes[i], sizes[k]], 1));
        }
    }
    join(
        (0..nb)
            .map(|i| {
                (0..nb).map(|j| l[i][j].clone().unwrap_or_else(|| zeros::<T>(&[sizes[i], sizes[j]]).node)).collect()
            })
            .collect(),
    )
}
