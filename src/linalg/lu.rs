//! Blocked LU with partial pivoting (right-looking, as LAPACK's `getrf`):
//! for each block column, the LU of the whole panel below the diagonal
//! picks pivots from all its rows; the panel's row order is applied to the
//! blocks on its right (and, for `lu`, on its left), the row of U solved,
//! and the trailing blocks updated. Solves run the same sweep over the
//! right-hand side's columns, then substitute backwards.

use super::{at, join, part, rhs, rhs_error, square_blocks, square_error, step, unrhs, zeros, Arg};
use crate::array::DArray;
use crate::dtype::{Element, Float};
use crate::error::Error;
use crate::expr::Node;
use crate::ops::DenseOp;
use std::sync::Arc;

/// The blocks an elimination leaves: `l[i][k]` (`i >= k`), `u[k][j]` (`j >=
/// k`, right-hand-side columns after the matrix's), and each panel's row
/// order.
struct Elim {
    sizes: Vec<usize>,
    widths: Vec<usize>,
    l: Vec<Vec<Option<Arg>>>,
    u: Vec<Vec<Option<Arg>>>,
    perms: Vec<Arg>,
}

/// Eliminates `a` (square blocks), carrying the column blocks of `b`
/// (rows chunked as `a`'s) along.
fn eliminate<T: Float>(a: &DArray<T>, b: Option<&DArray<T>>) -> Elim {
    let sizes = a.chunks()[0].clone();
    let nb = sizes.len();
    let bcols = b.map(|b| b.chunks()[1].clone()).unwrap_or_default();
    let widths: Vec<usize> = sizes.iter().chain(&bcols).copied().collect();
    let ncols = widths.len();
    let mut cur: Vec<Vec<Arg>> = (0..nb)
        .map(|i| {
            (0..ncols)
                .map(|j| match b {
                    Some(b) if j >= nb => (b.node.clone(), at(i, j - nb, bcols.len()), 0),
                    _ => (a.node.clone(), at(i, j, nb), 0),
                })
                .collect()
        })
        .collect();
    let mut l = vec![vec![None; nb]; nb];
    let mut u = vec![vec![None; ncols]; nb];
    let mut perms = vec![];
    for k in 0..nb {
        let below = nb - k;
        let args: Vec<Arg> = (k..nb).map(|i| cur[i][k].clone()).collect();
        let panel = step::<T>(DenseOp::LuPanel, args, &[sizes[k], sizes[k]], below + 2);
        for (i, row) in l.iter_mut().enumerate().skip(k) {
            row[k] = Some((panel.clone(), 0, i - k));
        }
        u[k][k] = Some((panel.clone(), 0, below));
        let perm: Arg = (panel.clone(), 0, below + 1);
        for j in k + 1..ncols {
            let mut args = vec![perm.clone(), (panel.clone(), 0, 0)];
            args.extend((k..nb).map(|i| cur[i][j].clone()));
            let swap = step::<T>(DenseOp::LuSwap { solve: true }, args, &[sizes[k], widths[j]], below);
            u[k][j] = Some((swap.clone(), 0, 0));
            for i in k + 1..nb {
                let args = vec![(swap.clone(), 0, i - k), (panel.clone(), 0, i - k), (swap.clone(), 0, 0)];
                cur[i][j] = (step::<T>(DenseOp::SubMul, args, &[sizes[i], widths[j]], 1), 0, 0);
            }
        }
        perms.push(perm);
    }
    Elim { sizes, widths, l, u, perms }
}

fn failed3<T: Element>(a: &DArray<T>, e: Error) -> (DArray<T>, DArray<T>, DArray<T>) {
    (a.failed_with(e.clone()), a.failed_with(e.clone()), a.failed_with(e))
}

/// The LU decomposition with partial pivoting `a = p l u` of a square
/// matrix (the factors SciPy's and dask's `lu` give, though they also
/// factorise singular matrices): `p` a permutation matrix, `l` unit
/// lower triangular, `u` upper triangular, all blocked like `a` (with its
/// columns chunked as its rows). Pivots are chosen over whole block
/// columns, as LAPACK's `getrf` does. An exactly singular matrix is an
/// `Error::Linalg` at compute.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[1.0f64, 2.0, 0.0], [4.0, 1.0, 3.0], [2.0, 8.0, 1.0]]), 2)?;
/// let (p, l, u) = linalg::lu(&a);
/// let back = p.dot(&l).dot(&u).compute()?;
/// assert!(back.iter().zip(a.compute()?.iter()).all(|(x, y)| (x - y).abs() < 1e-12));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn lu<T: Float>(a: &DArray<T>) -> (DArray<T>, DArray<T>, DArray<T>) {
    if let Some(e) = square_error(a, "lu") {
        return failed3(a, e);
    }
    if a.shape()[0] == 0 {
        return (a.clone(), a.clone(), a.clone());
    }
    let a = square_blocks(a);
    let Elim { sizes, l, u, perms, .. } = eliminate(&a, None);
    let nb = sizes.len();
    let n: usize = sizes.iter().sum();
    let offsets: Vec<usize> = (0..nb).map(|k| sizes[..k].iter().sum()).collect();
    // Later panels reorder the rows of earlier columns of L.
    let mut lcol: Vec<Vec<Arg>> = (0..nb).map(|k| (k..nb).map(|i| l[i][k].clone().expect("l")).collect()).collect();
    for (k, col) in lcol.iter_mut().enumerate() {
        for kk in k + 1..nb {
            let mut args = vec![perms[kk].clone()];
            args.extend(col[kk - k..].iter().cloned());
            let fix = step::<T>(DenseOp::LuSwap { solve: false }, args, &[sizes[kk], sizes[k]], nb - kk);
            for i in kk..nb {
                col[i - k] = (fix.clone(), 0, i - kk);
            }
        }
    }
    let grid = |f: &dyn Fn(usize, usize) -> Arc<Node>| -> DArray<T> {
        join((0..nb).map(|i| (0..nb).map(|j| f(i, j)).collect()).collect())
    };
    let lm = grid(&|i, j| {
        if i >= j {
            part::<T>(&lcol[j][i - j], &[sizes[i], sizes[j]])
        } else {
            zeros::<T>(&[sizes[i], sizes[j]]).node
        }
    });
    let um = grid(&|i, j| match &u[i][j] {
        Some(b) => part::<T>(b, &[sizes[i], sizes[j]]),
        None => zeros::<T>(&[sizes[i], sizes[j]]).node,
    });
    let pm = grid(&|i, j| {
        let op = DenseOp::PermBlock {
            n,
            offsets: offsets.clone(),
            row0: offsets[i],
            col0: offsets[j],
            shape: [sizes[i], sizes[j]],
            dtype: T::DTYPE,
        };
        step::<T>(op, perms.clone(), &[sizes[i], sizes[j]], 1)
    });
    (pm, lm, um)
}

/// Solves `a x = b` for a square `a` and `b` a vector or a matrix of as
/// many rows (NumPy's `solve`), by the blocked LU with partial pivoting of
/// [`lu`] run over `b`'s columns too, then backward substitution by
/// blocks. An exactly singular `a` is an `Error::Linalg` at compute.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[3.0f64, 1.0], [1.0, 2.0]]), 1)?;
/// let b = DArray::from_array(ndarray::arr1(&[9.0, 8.0]), 1)?;
/// let x = linalg::solve(&a, &b).compute()?;
/// assert!((x[[0]] - 2.0).abs() < 1e-12 && (x[[1]] - 3.0).abs() < 1e-12);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn solve<T: Float>(a: &DArray<T>, b: &DArray<T>) -> DArray<T> {
    let err = rhs_error(a, square_error(a, "solve"), b, "solve");
    if let Some(e) = err {
        return b.failed_with(e);
    }
    if a.shape()[0] == 0 {
        return b.clone();
    }
    let a = square_blocks(a);
    let (b2, vector) = rhs(b, &a.chunks()[0]);
    let Elim { sizes, widths, u, .. } = eliminate(&a, Some(&b2));
    let nb = sizes.len();
    let mut x: Vec<Vec<Arc<Node>>> = vec![vec![]; nb];
    for i in (0..nb).rev() {
        x[i] = (nb..widths.len())
            .map(|c| {
                let mut args = vec![u[i][i].clone().expect("u"), u[i][c].clone().expect("y")];
                for (j, xj) in x.iter().enumerate().skip(i + 1) {
                    args.push(u[i][j].clone().expect("u"));
                    args.push((xj[c - nb].clone(), 0, 0));
                }
                step::<T>(DenseOp::TriSolve { lower: false }, args, &[sizes[i], widths[c]], 1)
            })
            .collect();
    }
    unrhs(join(x), vector)
}

/// The inverse of a square matrix (NumPy's `inv`): [`solve`] with the
/// identity. An exactly singular matrix is an `Error::Linalg` at compute.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::from_array(ndarray::arr2(&[[4.0f64, 7.0], [2.0, 6.0]]), 1)?;
/// let inv = linalg::inv(&a).compute()?;
/// assert!((inv[[0, 0]] - 0.6).abs() < 1e-12 && (inv[[0, 1]] + 0.7).abs() < 1e-12);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn inv<T: Float>(a: &DArray<T>) -> DArray<T> {
    if let Some(e) = square_error(a, "inv") {
        return a.failed_with(e);
    }
    let n = a.shape()[0];
    match DArray::<T>::eye(n, None, 0, vec![a.chunks()[0].clone(), a.chunks()[0].clone()]) {
        Ok(eye) => solve(a, &eye),
        Err(e) => a.failed_with(e),
    }
}
