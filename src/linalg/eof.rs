//! Empirical orthogonal functions (principal components of a field's
//! anomalies), as the `eofs` package defines them.

use super::svd;
use crate::array::DArray;
use crate::dtype::Float;
use crate::error::Error;
use crate::s;

/// What [`eof`] returns: the `k` leading modes.
#[derive(Clone)]
pub struct Eof<T> {
    /// The EOFs (`k` x the field's shape): right singular vectors of the
    /// weighted anomalies, unscaled (`eofs`' `eofscaling=0`), the weights
    /// left in.
    pub eofs: DArray<T>,
    /// The principal components (`time x k`): the left singular vectors
    /// times the singular values (`pcscaling=0`).
    pub pcs: DArray<T>,
    /// The fraction of the total (weighted) variance each mode explains
    /// (`k`).
    pub variance_fraction: DArray<T>,
    /// The singular values of the weighted anomalies (all of them, decreasing).
    pub singular_values: DArray<T>,
}

/// EOF analysis of `x` (time along axis 0, the field along the others): the
/// time mean is removed, the anomalies are multiplied by `weights`
/// (broadcast against one field; `eofs` recommends the square root of
/// cos(latitude), so that variance is weighted by area), flattened to
/// `time x points` and factorised by the exact [`svd`]. Missing values
/// (NaN) are not removed: a field with NaN gives NaN modes.
///
/// ```
/// use darray::{linalg, DArray};
/// // Two patterns in time: the first explains most of the variance.
/// let x = DArray::<f64>::from_fn([40, 3, 4], [10, 3, 4], |i| {
///     let t = i[0] as f64;
///     3.0 * t.sin() * (i[1] as f64 + 1.0) + 0.5 * (2.0 * t).cos() * i[2] as f64
/// })?;
/// let w = DArray::<f64>::ones([3, 1], 3)?;
/// let e = linalg::eof(&x, Some(&w), 2);
/// let f = e.variance_fraction.compute()?;
/// assert!(f[[0]] > 0.9 && (f[[0]] + f[[1]] - 1.0).abs() < 1e-9);
/// assert_eq!(e.eofs.shape(), &[2, 3, 4]);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn eof<T: Float>(x: &DArray<T>, weights: Option<&DArray<T>>, k: usize) -> Eof<T> {
    let err = x.error().cloned().or_else(|| {
        (x.ndim() < 2).then(|| Error::Shape(format!("eof needs time and at least one field axis, not {:?}", x.shape())))
    });
    let t = x.shape().first().copied().unwrap_or(0);
    let field: Vec<usize> = x.shape().iter().skip(1).copied().collect();
    let points: usize = field.iter().product();
    let err = err.or_else(|| {
        (k == 0 || k > t.min(points)).then(|| Error::Invalid(format!("eof of {k} modes of a {:?} field", x.shape())))
    });
    if let Some(e) = err {
        return Eof {
            eofs: x.failed_with(e.clone()),
            pcs: x.failed_with(e.clone()),
            variance_fraction: x.failed_with(e.clone()),
            singular_values: x.failed_with(e),
        };
    }
    let mut anom = x - &x.mean_axis(0).expand_dims(0);
    if let Some(w) = weights {
        anom = &anom * w;
    }
    let flat = anom.reshape([t, points]);
    let (u, sv, vt) = svd(&flat);
    let kk = k as isize;
    let s_k = sv.slice(&s![0..kk]);
    let pcs = &u.slice(&s![.., 0..kk]) * &s_k;
    let mut eof_shape = vec![k];
    eof_shape.extend(&field);
    let eofs = vt.slice(&s![0..kk, ..]).reshape(eof_shape);
    let total = (&sv * &sv).sum();
    let variance_fraction = &(&s_k * &s_k) / &total;
    Eof { eofs, pcs, variance_fraction, singular_values: sv }
}
