//! Binning: histograms (per block, summed by a reduction tree),
//! `bincount` and `digitize`, with NumPy's bin rules.

use super::layout::{array, typed};
use crate::dtype::{AnyArray, Element};
use crate::error::{Error, Result};
use crate::ops::BlockOp;

/// The bin of `v` between increasing `edges` (half-open, the last bin
/// closed), if any.
#[inline]
fn bin(edges: &[f64], v: f64) -> Option<usize> {
    let nb = edges.len().checked_sub(1)?;
    if v.is_nan() || nb == 0 || v < edges[0] || v > edges[nb] {
        return None;
    }
    Some((edges.partition_point(|&e| e <= v) - 1).min(nb - 1))
}

pub(super) fn run<T: Element>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let x = typed::<T>(args[0], op.name())?;
    match op {
        BlockOp::Histogram { edges } => {
            let mut counts = vec![0i64; edges.len().saturating_sub(1)];
            for v in x.iter() {
                if let Some(b) = bin(edges, v.el_to_f64()) {
                    counts[b] += 1;
                }
            }
            array(shape, counts)
        }
        BlockOp::Histogram2d { x_edges, y_edges } => {
            let y =
                typed::<T>(args.get(1).ok_or_else(|| Error::Internal("histogram2d of one block".into()))?, op.name())?;
            if y.shape() != x.shape() {
                return Err(Error::Internal(format!("histogram2d of {:?} and {:?}", x.shape(), y.shape())));
            }
            let ny = y_edges.len().saturating_sub(1);
            let mut counts = vec![0i64; x_edges.len().saturating_sub(1) * ny];
            for (a, b) in x.iter().zip(y.iter()) {
                if let (Some(i), Some(j)) = (bin(x_edges, a.el_to_f64()), bin(y_edges, b.el_to_f64())) {
                    counts[i * ny + j] += 1;
                }
            }
            array(shape, counts)
        }
        BlockOp::Bincount { length } => {
            let mut counts = vec![0i64; *length];
            for v in x.iter() {
                let f = v.el_to_f64();
                match counts.get_mut(f as usize) {
                    Some(c) if f >= 0.0 => *c += 1,
                    _ => {
                        return Err(Error::Invalid(format!(
                            "bincount: the value {v:?} is not in 0..{length} (values must be non-negative)"
                        )))
                    }
                }
            }
            array(shape, counts)
        }
        BlockOp::Digitize { bins, right } => {
            let increasing = bins.windows(2).all(|w| w[0] <= w[1]);
            let n = bins.len();
            let rev: Vec<f64> = bins.iter().rev().copied().collect();
            // NumPy: searchsorted(bins, x, side) with side "right" unless
            // `right`; decreasing bins search the reversed list.
            let search = |v: f64| -> usize {
                let below = |e: f64| if *right { e < v } else { e <= v };
                if v.is_nan() {
                    return if increasing { n } else { 0 };
                }
                if increasing {
                    bins.partition_point(|&e| below(e))
                } else {
                    n - rev.partition_point(|&e| below(e))
                }
            };
            let out: Vec<i64> = x.iter().map(|v| search(v.el_to_f64()) as i64).collect();
            array(shape, out)
        }
        _ => unreachable!("a binning step"),
    }
}
