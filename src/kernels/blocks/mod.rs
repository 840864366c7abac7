//! The steps of `crate::ops::BlockOp` on whole blocks. Each kernel views
//! its blocks as `(outer, n, inner)`: the axis it works along in the
//! middle, the contiguous axes after it innermost, so its loops run over
//! rows of `inner` values and vectorise.

mod layout;
mod quantile;
mod rolling;
mod scan;

use crate::dtype::{AnyArray, DType};
use crate::error::{Error, Result};
use crate::ops::BlockOp;

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
