//! Fits and interpolation along whole lanes: `polyfit` (least squares on
//! the Vandermonde matrix by Householder QR, its columns scaled to unit
//! norm as NumPy's `polyfit` does), `interp` and `interpolate_na`
//! (linear, at given coordinates).

use super::layout::{array, map_lanes, Rows};
use crate::dtype::{AnyArray, Float};
use crate::error::{Error, Result};
use crate::ops::BlockOp;

pub(super) fn run<T: Float>(op: &BlockOp, args: &[&AnyArray], shape: &[usize]) -> Result<AnyArray> {
    let axis = match op {
        BlockOp::Polyfit { axis, .. } | BlockOp::Interp { axis, .. } | BlockOp::InterpolateNa { axis, .. } => *axis,
        _ => unreachable!("a fitting step"),
    };
    let (rows, joined) = Rows::<T>::new(args, axis, op.name())?;
    let n = rows.len();
    let bad = || Error::Internal(format!("{} of {joined:?} into {shape:?}", op.name()));
    let out: Vec<f64> = match op {
        BlockOp::Polyfit { x, deg, skipna, .. } => {
            let m = deg + 1;
            if x.len() != n || shape.iter().product::<usize>() != m * rows.outer * rows.inner {
                return Err(bad());
            }
            let full = Lstsq::new(&vandermonde(x, *deg), n, m);
            let (mut xs, mut ys) = (vec![], vec![]);
            map_lanes(&rows, m, true, f64::NAN, |lane: &[T], res| {
                let has_nan = lane.iter().any(|v| v.is_nan());
                if !has_nan {
                    ys.clear();
                    ys.extend(lane.iter().map(|v| v.el_to_f64()));
                    full.solve(&ys, res);
                } else if *skipna {
                    xs.clear();
                    ys.clear();
                    for (xi, v) in x.iter().zip(lane) {
                        if !v.is_nan() {
                            xs.push(*xi);
                            ys.push(v.el_to_f64());
                        }
                    }
                    Lstsq::new(&vandermonde(&xs, *deg), xs.len(), m).solve(&ys, res);
                }
            })
        }
        BlockOp::Interp { x, new, extrapolate, .. } => {
            if x.len() != n {
                return Err(bad());
            }
            let table: Vec<Option<(usize, usize, f64)>> = new.iter().map(|&u| segment(x, u, *extrapolate)).collect();
            map_lanes(&rows, new.len(), false, f64::NAN, |lane: &[T], res| {
                for (r, t) in res.iter_mut().zip(&table) {
                    if let Some((lo, hi, w)) = *t {
                        let a = lane[lo].el_to_f64();
                        *r = if w == 0.0 { a } else { a + w * (lane[hi].el_to_f64() - a) };
                    }
                }
            })
        }
        BlockOp::InterpolateNa { x, limit, .. } => {
            if x.len() != n {
                return Err(bad());
            }
            map_lanes(&rows, n, false, f64::NAN, |lane: &[T], res| {
                let mut last: Option<usize> = None;
                for (i, v) in lane.iter().enumerate() {
                    res[i] = v.el_to_f64();
                    if v.is_nan() {
                        continue;
                    }
                    if let Some(l) = last.filter(|&l| l + 1 < i) {
                        let (a, b) = (lane[l].el_to_f64(), res[i]);
                        let fill = limit.map_or(i - l - 1, |lim| lim.min(i - l - 1));
                        for k in l + 1..l + 1 + fill {
                            res[k] = a + (x[k] - x[l]) / (x[i] - x[l]) * (b - a);
                        }
                    }
                    last = Some(i);
                }
            })
        }
        _ => unreachable!("a fitting step"),
    };
    array(shape, out.into_iter().map(T::el_from_f64).collect())
}

/// The points of `x` (increasing or decreasing) around `u` and the weight
/// of the second: `u` itself where it is a point; outside `x`, the edge
/// segment with `extrapolate`, else none.
fn segment(x: &[f64], u: f64, extrapolate: bool) -> Option<(usize, usize, f64)> {
    let n = x.len();
    if n == 0 || u.is_nan() {
        return None;
    }
    let inc = n < 2 || x[0] <= x[n - 1];
    // Positions in increasing order of coordinate.
    let at = |i: usize| if inc { i } else { n - 1 - i };
    let xs = |i: usize| x[at(i)];
    let p = (0..n).collect::<Vec<_>>().partition_point(|&i| xs(i) <= u);
    if p > 0 && xs(p - 1) == u {
        return Some((at(p - 1), at(p - 1), 0.0));
    }
    if n == 1 {
        return extrapolate.then_some((0, 0, 0.0));
    }
    let (lo, hi) = match p {
        0 if !extrapolate => return None,
        0 => (0, 1),
        p if p == n && !extrapolate => return None,
        p if p == n => (n - 2, n - 1),
        p => (p - 1, p),
    };
    Some((at(lo), at(hi), (u - xs(lo)) / (xs(hi) - xs(lo))))
}

/// The `n x (deg + 1)` Vandermonde matrix of `x`, row-major, highest power first.
fn vandermonde(x: &[f64], deg: usize) -> Vec<f64> {
    x.iter().flat_map(|&xi| (0..=deg).map(move |j| xi.powi((deg - j) as i32))).collect()
}

/// A least-squares solver for one `n x m` matrix: Householder QR of its
/// columns scaled to unit norm, reused for every right-hand side.
struct Lstsq {
    n: usize,
    m: usize,
    /// The factored matrix, column-major: R above the diagonal, the
    /// reflectors' vectors on and below it.
    a: Vec<f64>,
    beta: Vec<f64>,
    diag: Vec<f64>,
    scale: Vec<f64>,
    /// Fewer rows than columns, or a numerically zero diagonal of R.
    deficient: bool,
}

impl Lstsq {
    fn new(rowmajor: &[f64], n: usize, m: usize) -> Lstsq {
        let mut a = vec![0.0; n * m];
        let mut scale = vec![1.0; m];
        for j in 0..m {
            let norm = (0..n).map(|i| rowmajor[i * m + j].powi(2)).sum::<f64>().sqrt();
            scale[j] = if norm > 0.0 { norm } else { 1.0 };
            for i in 0..n {
                a[j * n + i] = rowmajor[i * m + j] / scale[j];
            }
        }
        let (mut beta, mut diag) = (vec![0.0; m], vec![0.0; m]);
        let deficient_shape = n < m;
        for j in 0..m.min(n) {
            let norm = (j..n).map(|i| a[j * n + i].powi(2)).sum::<f64>().sqrt();
            let alpha = if a[j * n + j] > 0.0 { -norm } else { norm };
            diag[j] = alpha;
            a[j * n + j] -= alpha;
            let vv: f64 = (j..n).map(|i| a[j * n + i].powi(2)).sum();
            beta[j] = if vv > 0.0 { 2.0 / vv } else { 0.0 };
            for c in j + 1..m {
                let d: f64 = (j..n).map(|i| a[j * n + i] * a[c * n + i]).sum::<f64>() * beta[j];
                for i in j..n {
                    a[c * n + i] -= d * a[j * n + i];
                }
            }
        }
        let big = diag.iter().fold(0.0f64, |b, d| b.max(d.abs()));
        let tol = big * f64::EPSILON * n.max(m) as f64;
        let deficient = deficient_shape || diag.iter().any(|d| d.abs() <= tol);
        Lstsq { n, m, a, beta, diag, scale, deficient }
    }

    /// The coefficients for `y` into `out` (NaN when deficient).
    fn solve(&self, y: &[f64], out: &mut [f64]) {
        let (n, m, a) = (self.n, self.m, &self.a);
        if self.deficient {
            out.fill(f64::NAN);
            return;
        }
        let mut z = y.to_vec();
        for j in 0..m {
            let d: f64 = (j..n).map(|i| a[j * n + i] * z[i]).sum::<f64>() * self.beta[j];
            for i in j..n {
                z[i] -= d * a[j * n + i];
            }
        }
        for j in (0..m).rev() {
            let s: f64 = (j + 1..m).map(|c| a[c * n + j] * out[c]).sum();
            out[j] = (z[j] - s) / self.diag[j];
        }
        for (o, s) in out.iter_mut().zip(&self.scale) {
            *o /= s;
        }
    }
}
