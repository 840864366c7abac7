//! The steps of `crate::ops::BlockOp` on whole blocks. Each kernel views
//! its blocks as `(outer, n, inner)`: the axis it works along in the
//! middle, the contiguous axes after it innermost, so its loops run over
//! rows of `inner` values and vectorise.

mod coarsen;
mod fit;
mod histogram;
mod layout;
mod quantile;
mod rolling;
mod scan;
mod select;

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
        // A window or scan may read `f32` into `f64` (the widening its
        // builder took over from a cast).
        BlockOp::Rolling { .. } => match (first(args, op)?, dtype) {
            (DType::F32, DType::F32) => rolling::run::<f32, f32>(op, args, shape),
            (DType::F32, DType::F64) => rolling::run::<f32, f64>(op, args, shape),
            (DType::F64, DType::F64) => rolling::run::<f64, f64>(op, args, shape),
            (i, d) => Err(Error::Internal(format!("a moving window of {i:?} in {d:?}"))),
        },
        BlockOp::GroupQuantile { .. } => match dtype {
            DType::F32 => quantile::run_groups::<f32>(op, args, shape),
            DType::F64 => quantile::run_groups::<f64>(op, args, shape),
            d => Err(Error::Internal(format!("quantiles in {d:?}"))),
        },
        BlockOp::Coarsen { .. } => match dtype {
            DType::F32 => coarsen::run::<f32>(op, args, shape),
            DType::F64 => coarsen::run::<f64>(op, args, shape),
            d => Err(Error::Internal(format!("coarsen in {d:?}"))),
        },
        BlockOp::Polyfit { .. } | BlockOp::Interp { .. } | BlockOp::InterpolateNa { .. } => match dtype {
            DType::F32 => fit::run::<f32>(op, args, shape),
            DType::F64 => fit::run::<f64>(op, args, shape),
            d => Err(Error::Internal(format!("{} in {d:?}", op.name()))),
        },
        // These read any element type and give `i64` (or, `topk`, the input's).
        BlockOp::Histogram { .. }
        | BlockOp::Histogram2d { .. }
        | BlockOp::Bincount { .. }
        | BlockOp::Digitize { .. } => {
            let input = first(args, op)?;
            crate::with_numeric!(input, T => histogram::run::<T>(op, args, shape),
                bool => Err(Error::Internal(format!("{} of bool", op.name()))))
        }
        BlockOp::TopK { .. } => {
            let input = first(args, op)?;
            crate::with_numeric!(input, T => select::run::<T>(op, args, shape),
                bool => Err(Error::Internal(format!("{} of bool", op.name()))))
        }
        BlockOp::Custom(c) => Err(Error::Internal(format!("the blockwise function `{}` has no code here", c.name()))),
        BlockOp::Scan { .. } => match (first(args, op)?, dtype) {
            (DType::F32, DType::F64) => scan::run::<f32, f64>(op, args, shape),
            (i, d) if i == d => crate::with_numeric!(d, T => scan::run::<T, T>(op, args, shape),
                bool => Err(Error::Internal("a scan of bool".into()))),
            (i, d) => Err(Error::Internal(format!("a scan of {i:?} in {d:?}"))),
        },
    }
}

/// The element type of the first argument.
fn first(args: &[&AnyArray], op: &BlockOp) -> Result<DType> {
    args.first().map(|a| a.dtype()).ok_or_else(|| Error::Internal(format!("{} of no block", op.name())))
}
