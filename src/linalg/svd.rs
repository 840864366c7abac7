//! SVD of tall-and-skinny (and, through the transpose, short-and-fat)
//! arrays through TSQR, and the randomized SVD of Halko, Martinsson and
//! Tropp (2011) for the leading components of any blocked 2-D array.

use super::{matrix_error, part, step, tsqr, zeros};
use crate::array::DArray;
use crate::dtype::Float;
use crate::error::Error;
use crate::ops::DenseOp;
use crate::s;

/// The thin SVD `a = u diag(s) vt` of a 2-D array: `u` (`m x k`), `s` (`k`,
/// decreasing), `vt` (`k x n`), `k = min(m, n)`. A tall array (`m >= n`, or
/// one block of columns) goes through [`tsqr`] and the SVD of its small R;
/// a wide one through its transpose. Signs are normalised as dask's
/// `svd_flip` does on the small factor: each row of `vt` has its
/// largest-magnitude entry positive on a tall array, each column of `u` on
/// a wide one (the choice follows the shape, not the chunking).
///
/// ```
/// use darray::{linalg, DArray};
/// let a = DArray::<f64>::from_fn([200, 3], [50, 3], |i| (i[0] * (i[1] + 1)) as f64 % 7.0)?;
/// let (u, s, vt) = linalg::svd(&a);
/// let back = (&u * &s).dot(&vt).compute()?;
/// assert!(back.iter().zip(a.compute()?.iter()).all(|(x, y)| (x - y).abs() < 1e-9));
/// # Ok::<(), darray::Error>(())
/// ```
pub fn svd<T: Float>(a: &DArray<T>) -> (DArray<T>, DArray<T>, DArray<T>) {
    if let Some(e) = matrix_error(a, "svd") {
        return (a.failed_with(e.clone()), a.failed_with(e.clone()), a.failed_with(e));
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    if m < n {
        let (u, s, vt) = svd(&a.t());
        return (vt.t(), s, u.t());
    }
    let k = m.min(n);
    let (q, r) = tsqr(a);
    if k == 0 {
        return (zeros(&[m, 0]), zeros(&[0]), zeros(&[0, n]));
    }
    let f = step::<T>(DenseOp::Svd, vec![(r.node.clone(), 0, 0)], &[k, k], 3);
    let ur = DArray::<T>::from_node(part::<T>(&(f.clone(), 0, 0), &[k, k]));
    let s = DArray::from_node(part::<T>(&(f.clone(), 0, 1), &[k]));
    let vt = DArray::from_node(part::<T>(&(f, 0, 2), &[k, n]));
    (q.dot(&ur), s, vt)
}

/// The `k` leading singular triplets of a 2-D array by randomized SVD: a
/// sketch `y = a @ omega` of `k + n_oversamples` Gaussian columns (seeded
/// by `seed`), `n_power_iter` power iterations re-orthonormalised by
/// [`tsqr`] at each step, then the SVD of the small `q^T a`. As dask's
/// `svd_compressed(a, k, n_power_iter, n_oversamples, seed)`; dask's
/// defaults are 0 power iterations and 10 oversamples. `k` larger than
/// `min(m, n)` is an error at compute.
///
/// ```
/// use darray::{linalg, DArray};
/// // A matrix of rank 2: its two singular values are found exactly.
/// let a = DArray::<f64>::from_fn([300, 40], [100, 40], |i| (i[0] % 5) as f64 * (i[1] + 1) as f64 + (i[0] % 3) as f64)?;
/// let (_, s, _) = linalg::svd_compressed(&a, 2, 2, 5, 0);
/// let (_, exact, _) = linalg::svd(&a);
/// let (s, exact) = (s.compute()?, exact.compute()?);
/// assert!((s[0] - exact[0]).abs() < 1e-8 * exact[0] && (s[1] - exact[1]).abs() < 1e-8 * exact[0]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn svd_compressed<T: Float>(
    a: &DArray<T>,
    k: usize,
    n_power_iter: usize,
    n_oversamples: usize,
    seed: u64,
) -> (DArray<T>, DArray<T>, DArray<T>) {
    let err = matrix_error(a, "svd_compressed").or_else(|| {
        let kmax = a.shape()[0].min(a.shape()[1]);
        (k == 0 || k > kmax)
            .then(|| Error::Invalid(format!("svd_compressed of k = {k} components of a {:?} matrix", a.shape())))
    });
    if let Some(e) = err {
        return (a.failed_with(e.clone()), a.failed_with(e.clone()), a.failed_with(e));
    }
    let (m, n) = (a.shape()[0], a.shape()[1]);
    let l = k.saturating_add(n_oversamples).min(m.min(n));
    let omega = match DArray::<f64>::random_standard_normal([n, l], vec![a.chunks()[1].clone(), vec![l]], seed) {
        Ok(o) => o.cast::<T>(),
        Err(e) => return (a.failed_with(e.clone()), a.failed_with(e.clone()), a.failed_with(e)),
    };
    let mut y = a.dot(&omega);
    for _ in 0..n_power_iter {
        let (qy, _) = tsqr(&y);
        let (qz, _) = tsqr(&a.t().dot(&qy));
        y = a.dot(&qz);
    }
    let (q, _) = tsqr(&y);
    let (ub, s, vt) = svd(&q.t().dot(a));
    let u = q.dot(&ub);
    (u.slice(&s![.., 0..k as isize]), s.slice(&s![0..k as isize]), vt.slice(&s![0..k as isize, ..]))
}
