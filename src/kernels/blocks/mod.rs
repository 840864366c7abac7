//! The steps of `crate::ops::BlockOp` on whole blocks. Each kernel views
//! its blocks as `(outer, n, inner)`: the axis it works along in the
//! middle, the contiguous axes after it innermost, so its loops run over
//! rows of `inner` values and vectorise.

mod quantile;
mod rolling;
mod scan;

use crate::dtype::{AnyArray, DType, Element};
use crate::error::{Error, Result};
use crate::ops::BlockOp;
use ndarray::{ArrayD, ArrayViewD, CowArray, IxDyn};

/// Runs `op` on its argument blocks, giving the block of `shape` and `dtype`.
pub(crate) fn run(op: &BlockOp, args: &[&AnyArray], shape: &[usize], dtype: DType) -> Result<AnyArray> {
    match op {
        BlockOp::Quantile { .. } => match dtype {
            DType::F32 => quantile::run::<f32>(op, args, shape),
            DType::F64 => quantile::run::<f64>(op, args, shape),
            d => Err(Error::Internal(format!("quantiles in {d:?}"))),
        },
        BlockOp::Rolling { .. } => match dtype {
            DType::F32 => rolling::run::<f32>(op, args, shape),
            DType::F64 => rolling::run::<f64>(op, args, shape),
            d => Err(Error::Internal(format!("a moving window in {d:?}"))),
        },
        BlockOp::Scan { .. } => crate::with_numeric!(dtype, T => scan::run::<T>(op, args, shape),
            bool => Err(Error::Internal("a scan of bool".into()))),
    }
}

/// A block as a `T` view.
fn typed<'a, T: Element>(a: &'a AnyArray, what: &str) -> Result<ArrayViewD<'a, T>> {
    T::view_any(a)
        .map(|x| x.view())
        .ok_or_else(|| Error::Internal(format!("{what} read a {:?} block as {:?}", a.dtype(), T::DTYPE)))
}

/// The arguments joined along `axis`, without copying them: row `(o, t)`
/// (the `inner` values at outer index `o` and joined position `t`) is a
/// slice of the argument holding `t`.
struct Rows<'a, T> {
    parts: Vec<CowArray<'a, T, IxDyn>>,
    /// Per joined position: its argument, the position there, that argument's length.
    at: Vec<(usize, usize, usize)>,
    inner: usize,
}

impl<'a, T: Element> Rows<'a, T> {
    fn new(args: &[&'a AnyArray], axis: usize, what: &str) -> Result<(Rows<'a, T>, Vec<usize>)> {
        let parts: Vec<CowArray<'a, T, IxDyn>> =
            args.iter().map(|a| typed::<T>(a, what).map(standard)).collect::<Result<_>>()?;
        let first = parts.first().ok_or_else(|| Error::Internal(format!("{what} of no block")))?;
        let mut shape = first.shape().to_vec();
        let (outer, _, inner) = split(&shape, axis);
        let mut at = vec![];
        for (k, p) in parts.iter().enumerate() {
            let (o, n, i) = split(p.shape(), axis);
            if (o, i) != (outer, inner) {
                return Err(Error::Internal(format!("{what} joined blocks of shapes {:?} and {:?}", shape, p.shape())));
            }
            at.extend((0..n).map(|t| (k, t, n)));
        }
        shape[axis] = at.len();
        Ok((Rows { parts, at, inner }, shape))
    }

    #[inline]
    fn row(&self, o: usize, t: usize) -> &[T] {
        let (k, lt, n) = self.at[t];
        let s = self.parts[k].as_slice().expect("standard layout");
        &s[(o * n + lt) * self.inner..][..self.inner]
    }
}

/// A view in standard layout: itself, or a copy.
fn standard<T: Element>(v: ArrayViewD<'_, T>) -> CowArray<'_, T, IxDyn> {
    if v.is_standard_layout() {
        CowArray::from(v)
    } else {
        CowArray::from(v.as_standard_layout().into_owned())
    }
}

/// `(outer, n, inner)` of `shape` around `axis`.
fn split(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (shape[..axis].iter().product(), shape[axis], shape[axis + 1..].iter().product())
}

/// An array of `shape` from row-major values.
fn array<T: Element>(shape: &[usize], v: Vec<T>) -> Result<AnyArray> {
    ArrayD::from_shape_vec(IxDyn(shape), v)
        .map(T::wrap)
        .map_err(|e| Error::Internal(format!("a block of shape {shape:?}: {e}")))
}
