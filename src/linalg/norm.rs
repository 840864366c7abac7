//! Vector and matrix norms (`numpy.linalg.norm`), built from blocked
//! elementwise operations and reductions; the singular-value norms go
//! through the blocked SVD.

use crate::array::{DArray, ReduceOpts};
use crate::dtype::{CastFrom, Float};
use crate::error::Error;
use crate::ops::ElemOp;
use crate::Operand;
use ndarray::LinalgScalar;

/// The order of a norm, NumPy's `ord` argument of `numpy.linalg.norm`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NormOrd {
    /// Frobenius norm (`'fro'`, matrices only).
    Fro,
    /// Nuclear norm, the sum of the singular values (`'nuc'`, matrices only).
    Nuc,
    /// `inf`: the largest `|x|` of a vector, the largest absolute row sum of
    /// a matrix.
    Inf,
    /// `-inf`: the smallest `|x|` of a vector, the smallest absolute row sum
    /// of a matrix.
    NegInf,
    /// A number: `(sum |x|^p)^(1/p)` for vectors (`0` counts the non-zeros);
    /// for matrices `1`/`-1` (largest/smallest absolute column sum) and
    /// `2`/`-2` (largest/smallest singular value). `P(±inf)` is `Inf`/`NegInf`.
    P(f64),
}

impl NormOrd {
    /// `P(±inf)` as `Inf`/`NegInf`, as NumPy compares `ord == inf`.
    fn normalized(self) -> NormOrd {
        match self {
            NormOrd::P(p) if p == f64::INFINITY => NormOrd::Inf,
            NormOrd::P(p) if p == f64::NEG_INFINITY => NormOrd::NegInf,
            o => o,
        }
    }
}

/// Matrix or vector norm, following `numpy.linalg.norm(x, ord, axis,
/// keepdims)`.
///
/// - `axis` `None`, `ord` `None`: the 2-norm of all elements flattened,
///   `sqrt(sum x²)`, whatever the number of axes.
/// - `axis` `None` with an `ord`: a vector norm of a 1-D `x`, a matrix norm
///   of a 2-D `x`; any other number of axes is an error.
/// - One axis: vector norms along it. `None` or `P(2)`: `sqrt(sum x²)`;
///   `Inf`: `max |x|`; `NegInf`: `min |x|`; `P(0)`: the number of non-zero
///   elements; `P(1)`: `sum |x|`; other `P(p)`: `(sum |x|^p)^(1/p)`. `Fro`
///   and `Nuc` are errors for vectors.
/// - Two axes `[r, c]`: matrix norms over them. `None` or `Fro`:
///   Frobenius; `Inf`/`NegInf`: the largest/smallest over rows of the sum
///   of `|x|` along `c`; `P(1)`/`P(-1)`: the largest/smallest over columns
///   of the sum of `|x|` along `r`; `P(2)`/`P(-2)`: the largest/smallest
///   singular value; `Nuc`: the sum of the singular values. Any other `P`
///   is an error. The singular-value norms (`P(±2)`, `Nuc`) take a 2-D `x`
///   only (they run the blocked [`svd`](super::svd)).
///
/// `keepdims` keeps the reduced axes as length 1. The result has `x`'s
/// float type. Errors ([`Error::Invalid`] for a bad order, repeated axes or
/// more than two of them, [`Error::Axis`] for an axis out of range) are
/// carried by the result and reported by `compute`, as for every operation;
/// `Inf`/`NegInf` of an empty vector, and the matrix `Inf`/`NegInf`/`P(±1)`
/// norms of an empty matrix, are errors at compute, as NumPy's (a maximum
/// of nothing); a vector's `P(1)` of nothing is 0.
///
/// ```
/// use darray::linalg::{norm, NormOrd};
/// use darray::DArray;
/// let x = DArray::from_array(ndarray::arr2(&[[3.0, -4.0], [0.0, 12.0]]), [1, 2])?;
/// assert_eq!(norm(&x, None, None, false).compute()?[[]], 13.0);
/// // Vector norms of each row.
/// let rows = norm(&x, Some(NormOrd::P(1.0)), Some(&[1]), false).compute()?;
/// assert_eq!(rows.into_raw_vec_and_offset().0, vec![7.0, 12.0]);
/// let maxabs = norm(&x, Some(NormOrd::Inf), Some(&[1]), true).compute()?;
/// assert_eq!(maxabs.shape(), &[2, 1]);
/// assert_eq!(maxabs.into_raw_vec_and_offset().0, vec![4.0, 12.0]);
/// // Matrix norms: largest absolute row sum, largest absolute column sum.
/// assert_eq!(norm(&x, Some(NormOrd::Inf), None, false).compute()?[[]], 12.0);
/// assert_eq!(norm(&x, Some(NormOrd::P(1.0)), None, false).compute()?[[]], 16.0);
/// // The Frobenius norm is not a vector norm.
/// let v = DArray::from_array(ndarray::arr1(&[3.0f32, 4.0]), 1)?;
/// assert!(matches!(norm(&v, Some(NormOrd::Fro), None, false).compute(), Err(darray::Error::Invalid(_))));
/// assert_eq!(norm(&v, Some(NormOrd::P(2.0)), None, false).compute()?[[]], 5.0);
/// # Ok::<(), darray::Error>(())
/// ```
pub fn norm<T: Float + LinalgScalar>(
    x: &DArray<T>,
    ord: Option<NormOrd>,
    axis: Option<&[usize]>,
    keepdims: bool,
) -> DArray<T> {
    if !x.is_valid() {
        return x.clone();
    }
    let ord = ord.map(NormOrd::normalized);
    let nd = x.ndim();
    let axes: Vec<usize> = match (axis, ord) {
        (None, None) => return x.square().sum_with(&ReduceOpts::all().keepdims(keepdims)).sqrt(),
        (None, Some(_)) if nd == 1 || nd == 2 => (0..nd).collect(),
        (None, Some(o)) => {
            return x.failed_with(Error::Invalid(format!(
                "norm of order {o:?} with no axis takes a 1-D or 2-D array, got {nd}-D \
                 (improper number of dimensions to norm)"
            )))
        }
        (Some(a), _) => a.to_vec(),
    };
    if let Some(&bad) = axes.iter().find(|&&a| a >= nd) {
        return x.failed_with(Error::Axis { axis: bad, ndim: nd });
    }
    match axes[..] {
        [a] => vector(x, ord, a, keepdims),
        [r, c] if r == c => x.failed_with(Error::Invalid(format!("norm: duplicate axes {axes:?}"))),
        [r, c] => matrix(x, ord, r, c, keepdims),
        _ => x.failed_with(Error::Invalid(format!(
            "norm takes one axis (vector norms) or two (matrix norms), got {axes:?} \
             (improper number of dimensions to norm)"
        ))),
    }
}

/// Vector norms along `axis`.
fn vector<T: Float + LinalgScalar>(x: &DArray<T>, ord: Option<NormOrd>, axis: usize, keepdims: bool) -> DArray<T> {
    let o = ReduceOpts::axis(axis).keepdims(keepdims);
    match ord {
        None => x.square().sum_with(&o).sqrt(),
        Some(NormOrd::P(2.0)) => x.square().sum_with(&o).sqrt(),
        Some(NormOrd::Inf) => x.abs().max_with(&o),
        Some(NormOrd::NegInf) => x.abs().min_with(&o),
        Some(NormOrd::P(0.0)) => {
            x.not_equal(Operand::Scalar(T::zero())).unary::<T>(ElemOp::Cast(T::DTYPE)).sum_with(&o)
        }
        Some(NormOrd::P(1.0)) => x.abs().sum_with(&o),
        Some(NormOrd::P(p)) => {
            // As NumPy: the power in the array's type, then the reciprocal
            // of `p` in that type.
            let p = <T as CastFrom<f64>>::cast_from(p);
            x.abs().powf(p).sum_with(&o).powf(p.recip())
        }
        Some(o @ (NormOrd::Fro | NormOrd::Nuc)) => {
            x.failed_with(Error::Invalid(format!("invalid norm order {o:?} for vectors")))
        }
    }
}

/// Matrix norms over rows `r` and columns `c`.
fn matrix<T: Float + LinalgScalar>(
    x: &DArray<T>,
    ord: Option<NormOrd>,
    r: usize,
    c: usize,
    keepdims: bool,
) -> DArray<T> {
    let both = ReduceOpts::axes([r, c]).keepdims(keepdims);
    // Sums of |x| along one axis (kept as length 1), then the extreme over
    // both: the length-1 axis reduces to itself.
    let abs_sums = |along: usize| x.abs().sum_with(&ReduceOpts::axis(along).keepdims(true));
    match ord {
        None | Some(NormOrd::Fro) => x.square().sum_with(&both).sqrt(),
        Some(NormOrd::Inf) => abs_sums(c).max_with(&both),
        Some(NormOrd::NegInf) => abs_sums(c).min_with(&both),
        Some(NormOrd::P(1.0)) => abs_sums(r).max_with(&both),
        Some(NormOrd::P(-1.0)) => abs_sums(r).min_with(&both),
        Some(NormOrd::P(2.0)) => singular(x, keepdims, |s| s.max_with(&ReduceOpts::all())),
        Some(NormOrd::P(-2.0)) => singular(x, keepdims, |s| s.min_with(&ReduceOpts::all())),
        Some(NormOrd::Nuc) => singular(x, keepdims, |s| s.sum_with(&ReduceOpts::all())),
        Some(o) => x.failed_with(Error::Invalid(format!("invalid norm order {o:?} for matrices"))),
    }
}

/// `pick` (the largest, the smallest, the sum) of the singular values of
/// the 2-D `x`, as a 0-d array (`[1, 1]` with `keepdims`).
fn singular<T: Float + LinalgScalar>(
    x: &DArray<T>,
    keepdims: bool,
    pick: impl Fn(&DArray<T>) -> DArray<T>,
) -> DArray<T> {
    if x.ndim() != 2 {
        return x.failed_with(Error::Invalid(format!(
            "the singular-value norms (orders 2, -2 and nuclear) take a 2-D array, got {}-D",
            x.ndim()
        )));
    }
    // The singular values of a matrix and of its transpose agree, so the
    // order of the two axes does not matter.
    let (_, s, _): (DArray<T>, DArray<T>, DArray<T>) = super::svd(x);
    let v = pick(&s);
    if keepdims {
        v.reshape([1, 1])
    } else {
        v
    }
}
