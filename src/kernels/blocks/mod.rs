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
use ndarray::{ArrayD, ArrayViewD, Axis, CowArray, IxDyn};

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

/// The arguments joined along `axis`, in standard layout (one argument
/// already so is only viewed).
fn joined<'a, T: Element>(args: &[&'a AnyArray], axis: usize, what: &str) -> Result<CowArray<'a, T, IxDyn>> {
    let mut views = args.iter().map(|a| typed::<T>(a, what)).collect::<Result<Vec<_>>>()?;
    if views.len() == 1 {
        let one = views.pop().expect("one view");
        return Ok(if one.is_standard_layout() {
            CowArray::from(one)
        } else {
            CowArray::from(one.as_standard_layout().into_owned())
        });
    }
    let j = ndarray::concatenate(Axis(axis), &views).map_err(|e| Error::Internal(format!("{what}: {e}")))?;
    Ok(CowArray::from(j.as_standard_layout().into_owned()))
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
