//! Moving windows along an axis, as pandas' and xarray's `rolling`: the
//! window of position `i` is `i - before ..= i + after`, clipped to the
//! array; NaN are left out, and a window holding fewer than `min_periods`
//! other values gives NaN (for `count`, fewer than `min_periods` positions). Sums, means and variances are kept running
//! (values enter and leave the window once; the sum compensated, the
//! variance by Welford's update, as pandas does), each over a row of
//! `inner` lanes at a time; minima and maxima scan short windows and keep a
//! monotone queue per lane for long ones.

use super::layout::{array, split, Rows};
use crate::dtype::{AnyArray, CastFrom, Float};
use crate::error::{Error, Result};
use crate::ops::{BlockOp, RollOp};
use std::collections::VecDeque;

/// Windows up to this long are scanned for their minimum or maximum;
/// longer ones keep a monotone queue per lane.
const SCAN_WINDOW: usize = 16;

/// A moving window over blocks of `T` into `U` (the same type, or `f32`
/// widened to `f64` as it is read).
pub(super) fn run<T: Float, U: Float + CastFrom<T>>(
    op: &BlockOp,
    args: &[&AnyArray],
    shape: &[usize],
) -> Result<AnyArray> {
    let BlockOp::Rolling { op, axis, before, after, min_periods, lead, len } = *op else {
        unreachable!("a rolling step")
    };
    let (rows, joined) = Rows::<T>::new(args, axis, op.name())?;
    let (outer, big_n, inner) = split(&joined, axis);
    let (so, sn, si) = split(shape, axis);
    if so != outer || si != inner || sn != len || lead + len > big_n {
        return Err(Error::Internal(format!("{} of {joined:?} into {shape:?}", op.name())));
    }
    // Short minima and maxima append their rows as they go; the other
    // reductions fill a block of NaN in place.
    let appended = matches!(op, RollOp::Min | RollOp::Max) && before + after < SCAN_WINDOW;
    let total = outer * len * inner;
    let mut out = if appended { Vec::with_capacity(total) } else { vec![U::nan(); total] };
    // Window of output position j (joined coordinates): lo ..= hi.
    let lo = |j: usize| (lead + j).saturating_sub(before);
    let hi = |j: usize| (lead + j + after).min(big_n - 1);
    let min_p = min_periods.max(1);
    for o in 0..outer {
        let src = |t: usize| rows.row(o, t);
        let dst_base = o * len * inner;
        match op {
            RollOp::Var { ddof } | RollOp::Std { ddof } if before + after < SCAN_WINDOW => {
                // Short windows: two passes over each (a running variance
                // keeps the rounding of values that have left it).
                let (mut sum, mut count, mut m2) = (vec![0.0f64; inner], vec![0usize; inner], vec![0.0f64; inner]);
                for j in 0..len {
                    sum.fill(0.0);
                    count.fill(0);
                    m2.fill(0.0);
                    for t in lo(j)..=hi(j) {
                        for ((s, c), v) in sum.iter_mut().zip(count.iter_mut()).zip(src(t)) {
                            let v = v.el_to_f64();
                            if !v.is_nan() {
                                *s += v;
                                *c += 1;
                            }
                        }
                    }
                    for t in lo(j)..=hi(j) {
                        for (((m, s), c), v) in m2.iter_mut().zip(&sum).zip(&count).zip(src(t)) {
                            let v = v.el_to_f64();
                            if !v.is_nan() {
                                let d = v - s / *c as f64;
                                *m += d * d;
                            }
                        }
                    }
                    let dst = &mut out[dst_base + j * inner..][..inner];
                    for ((d, &m), &c) in dst.iter_mut().zip(&m2).zip(&count) {
                        let c = c as f64;
                        if c >= min_p as f64 && c - ddof > 0.0 {
                            let var = m / (c - ddof);
                            *d = U::el_from_f64(if matches!(op, RollOp::Std { .. }) { var.sqrt() } else { var });
                        }
                    }
                }
            }
            RollOp::Sum | RollOp::Mean | RollOp::Count | RollOp::Var { .. } | RollOp::Std { .. } => {
                let mut acc = vec![Acc::default(); inner];
                let (mut a, mut b) = (0usize, 0usize); // rows a .. b are in the window
                for j in 0..len {
                    let (l, h) = (lo(j), hi(j) + 1);
                    while b < h {
                        acc.iter_mut().zip(src(b)).for_each(|(s, v)| s.add(v.el_to_f64()));
                        b += 1;
                    }
                    while a < l {
                        acc.iter_mut().zip(src(a)).for_each(|(s, v)| s.remove(v.el_to_f64()));
                        a += 1;
                    }
                    let dst = &mut out[dst_base + j * inner..][..inner];
                    // A count (pandas' `count`: a sum of `notna`) asks
                    // for `min_periods` positions, the others for values.
                    let positions = h - l >= min_periods;
                    for (d, s) in dst.iter_mut().zip(&acc) {
                        let ok = match op {
                            RollOp::Count => positions,
                            RollOp::Sum => s.n >= min_periods as i64,
                            _ => s.n >= min_periods as i64 && s.n > 0,
                        };
                        if ok {
                            *d = U::el_from_f64(s.value(op));
                        }
                    }
                }
            }
            RollOp::Min | RollOp::Max if before + after < SCAN_WINDOW => {
                // Branch-free rows in `T`: IEEE `max`/`min` skip NaN (a
                // window of NaN alone stays NaN).
                let max = op == RollOp::Max;
                let mut best = vec![T::nan(); inner];
                let mut count = vec![0u32; inner];
                // Counted only where `min_periods` needs more than one
                // value and the rows hold NaN (else a window's count is
                // its length).
                let nan_free = len == 0 || (lo(0)..=hi(len - 1)).all(|t| !src(t).iter().any(|v| v.is_nan()));
                let counted = min_p > 1 && !nan_free;
                let short = |j: usize| min_p > 1 && nan_free && hi(j) + 1 - lo(j) < min_p;
                for j in 0..len {
                    best.copy_from_slice(src(lo(j)));
                    if counted {
                        count.iter_mut().zip(&best).for_each(|(c, v)| *c = u32::from(!v.is_nan()));
                    }
                    for t in lo(j) + 1..=hi(j) {
                        let row = src(t);
                        if max {
                            best.iter_mut().zip(row).for_each(|(b, &v)| *b = num_traits::Float::max(*b, v));
                        } else {
                            best.iter_mut().zip(row).for_each(|(b, &v)| *b = num_traits::Float::min(*b, v));
                        }
                        if counted {
                            count.iter_mut().zip(row).for_each(|(c, &v)| *c += u32::from(!v.is_nan()));
                        }
                    }
                    if counted {
                        out.extend(best.iter().zip(&count).map(|(&b, &c)| {
                            if c as usize >= min_p {
                                U::cast_from(b)
                            } else {
                                U::nan()
                            }
                        }));
                    } else if short(j) {
                        out.extend(std::iter::repeat_n(U::nan(), inner));
                    } else {
                        out.extend(best.iter().map(|&b| U::cast_from(b)));
                    }
                }
            }
            RollOp::Min | RollOp::Max => {
                let max = op == RollOp::Max;
                let better = |a: f64, b: f64| if max { a >= b } else { a <= b };
                let mut q: VecDeque<usize> = VecDeque::new();
                for i in 0..inner {
                    q.clear();
                    let (mut b, mut count) = (0usize, 0usize);
                    let mut a = 0usize;
                    for j in 0..len {
                        let (l, h) = (lo(j), hi(j) + 1);
                        while b < h {
                            let v = src(b)[i].el_to_f64();
                            if !v.is_nan() {
                                count += 1;
                                while q.back().is_some_and(|&k| better(v, src(k)[i].el_to_f64())) {
                                    q.pop_back();
                                }
                                q.push_back(b);
                            }
                            b += 1;
                        }
                        while a < l {
                            count -= usize::from(!src(a)[i].el_to_f64().is_nan());
                            a += 1;
                        }
                        while q.front().is_some_and(|&k| k < l) {
                            q.pop_front();
                        }
                        if count >= min_p {
                            out[dst_base + j * inner + i] =
                                U::cast_from(src(*q.front().expect("a value in the window"))[i]);
                        }
                    }
                }
            }
            RollOp::Last | RollOp::First => {
                // The nearest value that is not NaN within the window, on
                // its one side (a fill with a limit).
                let last = op == RollOp::Last;
                for j in 0..len {
                    let dst = &mut out[dst_base + j * inner..][..inner];
                    let p = lead + j;
                    let (l, h) = (lo(j), hi(j));
                    for (i, d) in dst.iter_mut().enumerate() {
                        let mut t = p;
                        loop {
                            let v = src(t)[i];
                            if !v.el_is_nan() {
                                *d = U::cast_from(v);
                                break;
                            }
                            if (last && t == l) || (!last && t == h) {
                                break;
                            }
                            t = if last { t - 1 } else { t + 1 };
                        }
                    }
                }
            }
        }
    }
    array(shape, out)
}

/// A window's running state: count of values, their compensated sum,
/// Welford's mean and sum of squared deviations, and infinities (a sum
/// would turn `inf - inf` into NaN once one leaves the window).
#[derive(Clone, Default)]
struct Acc {
    n: i64,
    sum: f64,
    comp: f64,
    mean: f64,
    m2: f64,
    pos_inf: i64,
    neg_inf: i64,
}

impl Acc {
    #[inline]
    fn add(&mut self, v: f64) {
        self.update(v, 1);
    }
    #[inline]
    fn remove(&mut self, v: f64) {
        self.update(v, -1);
    }
    #[inline]
    fn update(&mut self, v: f64, k: i64) {
        if v.is_nan() {
            return;
        }
        self.n += k;
        if v == f64::INFINITY {
            self.pos_inf += k;
            return;
        }
        if v == f64::NEG_INFINITY {
            self.neg_inf += k;
            return;
        }
        let x = k as f64 * v;
        let t = self.sum + x;
        self.comp += if self.sum.abs() >= x.abs() { (self.sum - t) + x } else { (x - t) + self.sum };
        self.sum = t;
        let finite = (self.n - self.pos_inf - self.neg_inf) as f64;
        if finite == 0.0 {
            self.mean = 0.0;
            self.m2 = 0.0;
        } else {
            let d = v - self.mean;
            self.mean += k as f64 * d / finite;
            self.m2 += k as f64 * d * (v - self.mean);
        }
    }
    fn value(&self, op: RollOp) -> f64 {
        let inf = match (self.pos_inf > 0, self.neg_inf > 0) {
            (true, true) => Some(f64::NAN),
            (true, false) => Some(f64::INFINITY),
            (false, true) => Some(f64::NEG_INFINITY),
            (false, false) => None,
        };
        let n = self.n as f64;
        match op {
            RollOp::Count => n,
            RollOp::Sum => inf.unwrap_or(self.sum + self.comp),
            RollOp::Mean => inf.unwrap_or((self.sum + self.comp) / n),
            RollOp::Var { ddof } | RollOp::Std { ddof } => {
                // One value left: no spread, whatever rounding the
                // removals left behind.
                let m2 = if self.n == 1 { 0.0 } else { self.m2.max(0.0) };
                let var = if inf.is_some() || n - ddof <= 0.0 { f64::NAN } else { m2 / (n - ddof) };
                if matches!(op, RollOp::Std { .. }) {
                    var.sqrt()
                } else {
                    var
                }
            }
            _ => unreachable!("a running window"),
        }
    }
}
