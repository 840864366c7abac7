//! Quantiles of whole lanes, with NumPy's definitions (`numpy.quantile`,
//! its `method`s; `nanquantile` leaves NaN out). A lane's values are
//! gathered into a scratch buffer, tile by tile of neighbouring lanes so
//! the input is read in contiguous runs, and the order statistics found
//! by selection (one `q`) or sorting (several).

use super::layout::{array, map_lanes, typed, Rows};
use crate::dtype::{AnyArray, Float};
use crate::error::{Error, Result};
use crate::ops::{BlockOp, QuantileMethod};
use ndarray::{ArrayD, IxDyn, SliceInfoElem};

pub(super) fn run<T: Float>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let BlockOp::Quantile { axes, grid, q, method, skipna, .. } = op else { unreachable!("a quantile step") };
    // One reduced axis: its blocks are read in place. Several: put
    // together, moved last (unless consecutive) and merged into one.
    let rows = match axes.as_slice() {
        [a] => Rows::new(args, *a, "quantile")?.0,
        _ => merged(assemble::<T>(args, axes, grid)?, axes),
    };
    if shape.iter().product::<usize>() != q.len() * rows.outer * rows.inner {
        return Err(Error::Internal(format!(
            "{} quantiles of {} lanes into {shape:?}",
            q.len(),
            rows.outer * rows.inner
        )));
    }
    let mut vals: Vec<f64> = Vec::with_capacity(rows.len());
    let out = map_lanes(&rows, q.len(), true, f64::NAN, |lane: &[T], res| {
        if gather(lane, *skipna, &mut vals) {
            quantiles(&mut vals, q, *method, res);
        } else {
            res.fill(f64::NAN);
        }
    });
    array(shape, out.into_iter().map(T::el_from_f64).collect())
}

/// Quantile `q` of each group of positions along the axis.
pub(super) fn run_groups<T: Float>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let BlockOp::GroupQuantile { axis, groups, q, method, skipna } = op else { unreachable!("a group quantile step") };
    let (rows, joined) = Rows::<T>::new(args, *axis, "groupby-quantile")?;
    let mut want = joined.clone();
    want[*axis] = groups.len();
    if want != shape || groups.iter().flatten().any(|&p| p >= rows.len()) {
        return Err(Error::Internal(format!("groupby-quantile of {joined:?} into {shape:?}")));
    }
    let (mut picked, mut vals): (Vec<T>, Vec<f64>) = (vec![], vec![]);
    let out = map_lanes(&rows, groups.len(), false, f64::NAN, |lane: &[T], res| {
        for (r, g) in res.iter_mut().zip(groups) {
            picked.clear();
            picked.extend(g.iter().map(|&p| lane[p]));
            *r = if gather(&picked, *skipna, &mut vals) {
                let mut one = [0.0];
                quantiles(&mut vals, &[*q], *method, &mut one);
                one[0]
            } else {
                f64::NAN
            };
        }
    });
    array(shape, out.into_iter().map(T::el_from_f64).collect())
}

/// The lane's values into `vals`, NaN left out with `skipna`; false when
/// a NaN makes the result NaN.
fn gather<T: Float>(lane: &[T], skipna: bool, vals: &mut Vec<f64>) -> bool {
    vals.clear();
    if !skipna && lane.iter().any(|v| v.is_nan()) {
        return false;
    }
    vals.extend(lane.iter().map(|v| v.el_to_f64()).filter(|v| !v.is_nan()));
    true
}

/// The assembled lane block with the reduced axes merged into one, as rows.
fn merged<'a, T: Float>(full: ArrayD<T>, axes: &[usize]) -> Rows<'a, T> {
    let nd = full.ndim();
    let n: usize = axes.iter().map(|&a| full.shape()[a]).product();
    if axes.windows(2).all(|w| w[1] == w[0] + 1) {
        let a0 = axes.first().copied().unwrap_or(0);
        let mut s: Vec<usize> = full.shape()[..a0].to_vec();
        s.push(n);
        s.extend_from_slice(&full.shape()[a0 + axes.len()..]);
        return Rows::from_array(full.into_shape_with_order(IxDyn(&s)).expect("standard layout"), a0);
    }
    let mut perm: Vec<usize> = (0..nd).filter(|a| !axes.contains(a)).collect();
    perm.extend_from_slice(axes);
    let lanes: usize = perm[..nd - axes.len()].iter().map(|&a| full.shape()[a]).product();
    let t = full.permuted_axes(IxDyn(&perm)).as_standard_layout().into_owned();
    Rows::from_array(t.into_shape_with_order(IxDyn(&[lanes, n])).expect("standard layout"), 1)
}

/// The lane block: the argument blocks (row-major over `grid` along
/// `axes`) put together, in standard layout.
fn assemble<T: Float>(args: &[&AnyArray], axes: &[usize], grid: &[usize]) -> Result<ArrayD<T>> {
    let blocks = args.iter().map(|a| typed::<T>(a, "quantile")).collect::<Result<Vec<_>>>()?;
    if blocks.len() != grid.iter().product::<usize>() || blocks.is_empty() {
        return Err(Error::Internal(format!("quantile of {} blocks on a grid of {grid:?}", blocks.len())));
    }
    if let [one] = blocks.as_slice() {
        return Ok(one.as_standard_layout().into_owned());
    }
    // Block sizes along each reduced axis, from the blocks on its edge.
    let stride = |k: usize| grid[k + 1..].iter().product::<usize>();
    let sizes: Vec<Vec<usize>> =
        (0..axes.len()).map(|k| (0..grid[k]).map(|j| blocks[j * stride(k)].shape()[axes[k]]).collect()).collect();
    let mut shape = blocks[0].shape().to_vec();
    for (k, &a) in axes.iter().enumerate() {
        shape[a] = sizes[k].iter().sum();
    }
    let mut full = ArrayD::<T>::zeros(IxDyn(&shape));
    for (f, b) in blocks.iter().enumerate() {
        let mut sel: Vec<SliceInfoElem> = b.shape().iter().map(|&s| SliceInfoElem::from(0..s)).collect();
        for (k, &a) in axes.iter().enumerate() {
            let j = f / stride(k) % grid[k];
            let start: usize = sizes[k][..j].iter().sum();
            if b.shape()[a] != sizes[k][j] {
                return Err(Error::Internal("quantile blocks that do not tile their lanes".into()));
            }
            sel[a] = SliceInfoElem::from(start..start + sizes[k][j]);
        }
        full.slice_mut(sel.as_slice()).assign(b);
    }
    Ok(full)
}

/// The quantiles `q` of `v` (no NaN; reordered in place) into `out`; NaN
/// for an empty lane.
pub(crate) fn quantiles(v: &mut [f64], q: &[f64], method: QuantileMethod, out: &mut [f64]) {
    let n = v.len();
    if n == 0 {
        out.fill(f64::NAN);
        return;
    }
    if q.len() > 1 {
        v.sort_unstable_by(f64::total_cmp);
    }
    for (o, &qk) in out.iter_mut().zip(q) {
        let (lo, hi, gamma) = position(n, qk, method);
        let a = order_stat(v, lo, q.len() > 1);
        let b = if hi == lo { a } else { order_stat(v, hi, q.len() > 1) };
        *o = lerp(a, b, gamma);
    }
}

/// The `k`-th smallest value (`v` sorted, or selected in place).
fn order_stat(v: &mut [f64], k: usize, sorted: bool) -> f64 {
    if !sorted {
        v.select_nth_unstable_by(k, f64::total_cmp);
    }
    v[k]
}

/// The order statistics (0-based, within `0..n`) around quantile `q` of
/// `n` values and the weight of the upper one, as NumPy defines them.
pub(crate) fn position(n: usize, q: f64, method: QuantileMethod) -> (usize, usize, f64) {
    use QuantileMethod::*;
    let nf = n as f64;
    let last = n - 1;
    let clip = |i: f64| if i < 0.0 { 0 } else { (i as usize).min(last) };
    // Discontinuous methods pick one order statistic.
    let pick = |i: f64| {
        let k = clip(i);
        (k, k, 0.0)
    };
    match method {
        InvertedCdf | ClosestObservation => {
            let index = if method == InvertedCdf { nf * q - 1.0 } else { nf * q - 1.5 };
            let prev = index.floor();
            let g = index - prev;
            // H&F 3 takes the even order statistic (1-based) on a tie.
            let next = g > 0.0 || (method == ClosestObservation && g == 0.0 && prev.rem_euclid(2.0) == 0.0);
            pick(if next { prev + 1.0 } else { prev })
        }
        Lower => pick(((nf - 1.0) * q).floor()),
        Higher => pick(((nf - 1.0) * q).ceil()),
        Nearest => pick(((nf - 1.0) * q).round_ties_even()),
        _ => {
            let vi = match method {
                Linear | Midpoint => (nf - 1.0) * q,
                AveragedInvertedCdf => nf * q - 1.0,
                _ => {
                    let (alpha, beta) = match method {
                        InterpolatedInvertedCdf => (0.0, 1.0),
                        Hazen => (0.5, 0.5),
                        Weibull => (0.0, 0.0),
                        MedianUnbiased => (1.0 / 3.0, 1.0 / 3.0),
                        _ => (3.0 / 8.0, 3.0 / 8.0), // NormalUnbiased
                    };
                    nf * q + (alpha + q * (1.0 - alpha - beta)) - 1.0
                }
            };
            if vi.is_nan() {
                return (last, last, 0.0);
            }
            if vi < 0.0 {
                return (0, 0, 0.0);
            }
            if vi >= (n - 1) as f64 {
                return (last, last, 0.0);
            }
            let prev = vi.floor();
            let g = vi - prev;
            let gamma = match method {
                AveragedInvertedCdf if g == 0.0 => 0.5,
                AveragedInvertedCdf => 1.0,
                Midpoint if g == 0.0 => 0.0,
                Midpoint => 0.5,
                _ => g,
            };
            let p = prev as usize;
            (p, (p + 1).min(last), gamma)
        }
    }
}

/// NumPy's `_lerp`: from the nearer end, so `gamma = 1` gives `b` exactly.
#[inline]
pub(crate) fn lerp(a: f64, b: f64, t: f64) -> f64 {
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}
