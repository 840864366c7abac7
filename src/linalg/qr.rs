//! QR of tall-and-skinny arrays (direct TSQR, Benson et al.: a QR per row
//! block, the QR of the stacked R factors as a tree, Q recovered by
//! products back down the tree) and of short-and-fat ones (`sfqr`).

use super::{join, matrix_error, part, step, zeros, Arg};
use crate::array::impl_reduce::DEFAULT_SPLIT_EVERY;
use crate::array::DArray;
use crate::dtype::Float;
use crate::expr::{self, Node};
use crate::ops::DenseOp;
use std::sync::Arc;

/// Row chunks merged so each block has at least `n` rows (a remainder
/// joins the last block; fewer than `n` rows in all make one block).
fn merge_at_least(sizes: &[usize], n: usize) -> Vec<usize> {
    let mut out: Vec<usize> = vec![];
    let mut acc = 0;
    for &s in sizes {
        acc += s;
        if acc >= n.max(1) {
            out.push(acc);
            acc = 0;
        }
    }
    match out.last_mut() {
        Some(last) => *last += acc,
        None => out.push(acc),
    }
    out
}

/// The tall-and-skinny QR `a = q r` of a 2-D array: `q` (`m x k`, blocked
/// along rows like `a`) with orthonormal columns and `r` (`k x n`, one
/// block) upper triangular with a non-negative diagonal, `k = min(m, n)`.
/// `a` is read with one block of columns (rechunked if it has more) and row
/// blocks of at least `n` rows (neighbours merged where they are shorter);
/// the R factors are stacked and factorised 16 at a time, as a tree.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::<f64>::from_fn([1000, 4], [100, 4], |i| ((7 * i[0] + 13 * i[1]) % 11) as f64 + (i[0] == i[1]) as u8 as f64)?;
/// let (q, r) = linalg::tsqr(&a);
/// let back = q.dot(&r).compute()?;
/// let want = a.compute()?;
/// assert!(back.iter().zip(want.iter()).all(|(x, y)| (x - y).abs() < 1e-9));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn tsqr<T: Float>(a: &DArray<T>) -> (DArray<T>, DArray<T>) {
    if let Some(e) = matrix_error(a, "tsqr") {
        return (a.failed_with(e.clone()), a.failed_with(e));
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let k = m.min(n);
    if k == 0 {
        return (zeros(&[m, k]), zeros(&[k, n]));
    }
    let rows = merge_at_least(&a.chunks()[0], n);
    let a = a.rechunk(vec![rows.clone(), vec![n]]);
    // Level 0: (node, rows of its Q, rows of its R).
    let mut levels: Vec<Vec<(Arc<Node>, usize, usize)>> = vec![rows
        .iter()
        .enumerate()
        .map(|(i, &mi)| {
            let ki = mi.min(n);
            (step::<T>(DenseOp::Qr, vec![(a.node.clone(), i, 0)], &[mi, ki], 2), mi, ki)
        })
        .collect()];
    // Each level's parent of every node and its first row in the parent.
    let mut parents: Vec<Vec<(usize, usize)>> = vec![];
    while levels.last().expect("a level").len() > 1 {
        let cur = levels.last().expect("a level");
        let mut next = vec![];
        let mut up = vec![];
        for (g, group) in cur.chunks(DEFAULT_SPLIT_EVERY).enumerate() {
            let args: Vec<Arg> = group.iter().map(|(node, _, _)| (node.clone(), 0, 1)).collect();
            let mut off = 0;
            for (_, _, kc) in group {
                up.push((g, off));
                off += kc;
            }
            let kg = off.min(n);
            next.push((step::<T>(DenseOp::Qr, args, &[off, kg], 2), off, kg));
        }
        parents.push(up);
        levels.push(next);
    }
    let (root, root_rows, _) = levels.last().expect("a level")[0].clone();
    let r = DArray::from_node(part::<T>(&(root.clone(), 0, 1), &[k, n]));
    // Down the tree: each node's Q times its rows of the product above.
    let mut above: Vec<Arc<Node>> = vec![part::<T>(&(root, 0, 0), &[root_rows, k])];
    for lv in (0..levels.len() - 1).rev() {
        above = levels[lv]
            .iter()
            .zip(&parents[lv])
            .map(|((node, qm, kc), &(p, off))| {
                let op = DenseOp::MatMulRows { start: off, len: *kc };
                step::<T>(op, vec![(node.clone(), 0, 0), (above[p].clone(), 0, 0)], &[*qm, k], 1)
            })
            .collect();
    }
    let q = DArray::from_node(expr::concat(above, 0));
    (q, r)
}

/// QR of a short-and-fat 2-D array (`m <= n`): `q` (`m x m`, one block) and
/// `r` (`m x n`, blocked along columns like `a`). `a` is read with one
/// block of rows and a first column block of at least `m` columns
/// (rechunked where needed); `r`'s other blocks are `q^T a_j`.
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::<f64>::from_fn([3, 50], [3, 10], |i| ((7 * i[0] + 13 * i[1]) % 11) as f64)?;
/// let (q, r) = linalg::sfqr(&a);
/// assert_eq!((q.shape(), r.shape()), (&[3, 3][..], &[3, 50][..]));
/// let back = q.dot(&r).compute()?;
/// assert!(back.iter().zip(a.compute()?.iter()).all(|(x, y)| (x - y).abs() < 1e-9));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn sfqr<T: Float>(a: &DArray<T>) -> (DArray<T>, DArray<T>) {
    if let Some(e) = matrix_error(a, "sfqr") {
        return (a.failed_with(e.clone()), a.failed_with(e));
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let k = m.min(n);
    if k == 0 {
        return (zeros(&[m, k]), zeros(&[k, n]));
    }
    // The first column block takes columns until it has `m` (or all).
    let mut cols = a.chunks()[1].clone();
    let mut first = 0;
    while first < cols.len() && cols[..=first].iter().sum::<usize>() < m {
        first += 1;
    }
    let first = first.min(cols.len() - 1);
    let merged: usize = cols[..=first].iter().sum();
    cols.splice(..=first, [merged]);
    let a = a.rechunk(vec![vec![m], cols.clone()]);
    let qr0 = step::<T>(DenseOp::Qr, vec![(a.node.clone(), 0, 0)], &[m, k], 2);
    let mut blocks = vec![part::<T>(&(qr0.clone(), 0, 1), &[k, cols[0]])];
    for (j, &nj) in cols.iter().enumerate().skip(1) {
        blocks.push(step::<T>(DenseOp::MatMulTn, vec![(qr0.clone(), 0, 0), (a.node.clone(), j, 0)], &[k, nj], 1));
    }
    let q = DArray::from_node(part::<T>(&(qr0, 0, 0), &[m, k]));
    (q, join(vec![blocks]))
}

/// QR of a 2-D array: [`tsqr`] when it has one block of columns or at
/// least as many rows as columns, else [`sfqr`].
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::<f64>::eye(6, None, 0, 2)?;
/// let (q, r) = linalg::qr(&a);
/// assert_eq!(q.dot(&r).compute()?, a.compute()?);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn qr<T: Float>(a: &DArray<T>) -> (DArray<T>, DArray<T>) {
    if a.ndim() == 2 && (a.numblocks()[1] == 1 || a.shape()[0] >= a.shape()[1]) {
        tsqr(a)
    } else {
        sfqr(a)
    }
}

#[cfg(test)]
mod tests {
    use super::merge_at_least;

    #[test]
    fn merging_gives_blocks_of_at_least_n_rows() {
        assert_eq!(merge_at_least(&[3, 3, 3, 1], 4), vec![6, 4]);
        assert_eq!(merge_at_least(&[5, 5], 4), vec![5, 5]);
        assert_eq!(merge_at_least(&[1, 1], 4), vec![2]);
        assert_eq!(merge_at_least(&[4, 4, 1], 4), vec![4, 5]);
        assert_eq!(merge_at_least(&[0, 2, 0], 1), vec![2]);
    }
}
