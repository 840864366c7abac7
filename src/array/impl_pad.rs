//! `pad` with NumPy's modes: the input's blocks plus edge blocks cut like
//! its longest block; wide periodic pads repeat one period by doubling.

use super::impl_ops::{where_, Operand};
use super::impl_reduce::DEFAULT_SPLIT_EVERY;
use super::impl_structure::{concatenate, Sel};
use super::DArray;
use crate::chunks::{checked_len, ChunkSpec, MAX_AXIS_BLOCKS};
use crate::dtype::{DType, Element};
use crate::error::Error;
use crate::expr::reduce;
use crate::ops::{BinaryOp, ReduceOp};
use ndarray::{ArrayD, Axis};

// ------------------------------------------------------------ pad modes

/// How [`DArray::pad`] fills the new positions, named after NumPy's
/// `np.pad` modes (`[a b c d]` padded by 3 before shown).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode<T> {
    /// `constant` with `constant_values=v`: `v v v | a b c d`.
    Constant(T),
    /// `edge`: `a a a | a b c d`.
    Edge,
    /// `reflect` (even): mirrored about the edge value, `d c b | a b c d`;
    /// wider pads go on reflecting, and an axis of length 1 repeats its
    /// value (as NumPy does).
    Reflect,
    /// `symmetric` (even): mirrored with the edge value, `c b a | a b c d`.
    Symmetric,
    /// `wrap`: from the other end, `b c d | a b c d`.
    Wrap,
    /// `linear_ramp` with `end_values=v`: from `v` towards the edge value,
    /// as NumPy's `linspace` computes it (in `f64`, where NumPy's end value
    /// enters too, whatever the array's type; floored for integers).
    /// Numeric types only.
    LinearRamp(f64),
    /// `maximum` over `stat_length` positions at each edge (`None`: the
    /// whole axis).
    Maximum(Option<usize>),
    /// `minimum`, like `Maximum`.
    Minimum(Option<usize>),
    /// `mean`, like `Maximum` (rounded half to even for integers). Numeric
    /// types only.
    Mean(Option<usize>),
    /// `median`, like `Maximum` (NaN where a NaN is among the values;
    /// rounded half to even for integers). Numeric types only; each edge's
    /// `stat_length` positions are gathered into one block along the axis.
    Median(Option<usize>),
}

impl<T> PadMode<T> {
    fn name(&self) -> &'static str {
        match self {
            PadMode::Constant(_) => "constant",
            PadMode::Edge => "edge",
            PadMode::Reflect => "reflect",
            PadMode::Symmetric => "symmetric",
            PadMode::Wrap => "wrap",
            PadMode::LinearRamp(_) => "linear_ramp",
            PadMode::Maximum(_) => "maximum",
            PadMode::Minimum(_) => "minimum",
            PadMode::Mean(_) => "mean",
            PadMode::Median(_) => "median",
        }
    }
}

// ------------------------------------------------------------ pad

/// The median of `v` as NumPy's `np.median` gives it (NaN if any is NaN;
/// the mean of the two middle values, in the type's own arithmetic for
/// floats and rounded half to even for integers).
fn median_of<T: Element>(v: &mut [T]) -> T {
    if v.iter().any(|x| x.el_is_nan()) {
        return T::el_from_f64(f64::NAN);
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = v.len();
    let (a, b) = (v[(n - 1) / 2], v[n / 2]);
    match T::DTYPE {
        DType::F32 => T::el_from_f64(((a.el_to_f64() as f32 + b.el_to_f64() as f32) / 2.0) as f64),
        DType::F64 => T::el_from_f64((a.el_to_f64() + b.el_to_f64()) / 2.0),
        _ => T::el_from_f64(((a.el_to_f64() + b.el_to_f64()) / 2.0).round_ties_even()),
    }
}

impl<T: Element> DArray<T> {
    /// Pads with `mode` (NumPy's `np.pad(a, pad_width, mode)`):
    /// `width[a] = (before, after)` positions are added to axis `a`; a
    /// single pair applies to every axis. Axes are padded one after the
    /// other, as NumPy does, so corners come from the later axes' rule
    /// applied to the already padded earlier axes. The result is the input's
    /// blocks with the new positions as extra blocks at each edge: flipped
    /// or shifted slices of the input, constants, and per-edge statistics
    /// broadcast along the axis. Modes other than `Constant` cannot extend
    /// an empty axis; `LinearRamp`, `Mean` and `Median` need a numeric
    /// type; `stat_length` 0 is an error for `Maximum`/`Minimum` (as in
    /// NumPy) and for integer `Mean`/`Median` (NaN for floats).
    ///
    /// ```
    /// use darray::{DArray, PadMode};
    /// let a = DArray::from_array(ndarray::arr1(&[1, 2, 3, 4, 5]), 2)?;
    /// let pad = |m| a.pad(&[(2, 3)], m).compute().map(|r| r.into_raw_vec_and_offset().0);
    /// // The examples of NumPy's documentation of np.pad.
    /// assert_eq!(pad(PadMode::Edge)?, vec![1, 1, 1, 2, 3, 4, 5, 5, 5, 5]);
    /// assert_eq!(pad(PadMode::Reflect)?, vec![3, 2, 1, 2, 3, 4, 5, 4, 3, 2]);
    /// assert_eq!(pad(PadMode::Symmetric)?, vec![2, 1, 1, 2, 3, 4, 5, 5, 4, 3]);
    /// assert_eq!(pad(PadMode::Wrap)?, vec![4, 5, 1, 2, 3, 4, 5, 1, 2, 3]);
    /// let two = |m| a.pad(&[(2, 2)], m).compute().map(|r| r.into_raw_vec_and_offset().0);
    /// assert_eq!(two(PadMode::Maximum(None))?, vec![5, 5, 1, 2, 3, 4, 5, 5, 5]);
    /// assert_eq!(two(PadMode::Mean(None))?, vec![3, 3, 1, 2, 3, 4, 5, 3, 3]);
    /// assert_eq!(two(PadMode::Median(None))?, vec![3, 3, 1, 2, 3, 4, 5, 3, 3]);
    /// let m = DArray::from_array(ndarray::arr2(&[[1, 2], [3, 4]]), 1)?;
    /// let p = m.pad(&[(3, 2), (2, 3)], PadMode::Minimum(None)).compute()?;
    /// let r = [1, 1, 1, 2, 1, 1, 1];
    /// assert_eq!(p, ndarray::arr2(&[r, r, r, r, [3, 3, 3, 4, 3, 3, 3], r, r]).into_dyn());
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn pad(&self, width: &[(usize, usize)], mode: PadMode<T>) -> DArray<T> {
        if self.error().is_some() {
            return self.clone();
        }
        let nd = self.ndim();
        let widths: Vec<(usize, usize)> = match width.len() {
            1 => vec![width[0]; nd],
            l if l == nd => width.to_vec(),
            l => {
                return self.failed_with(Error::Invalid(format!(
                    "pad: {l} (before, after) pairs for an array of {nd} axes (give 1 or {nd})"
                )))
            }
        };
        let name = mode.name();
        let numeric_only = matches!(mode, PadMode::LinearRamp(_) | PadMode::Mean(_) | PadMode::Median(_));
        if numeric_only && T::DTYPE == DType::Bool {
            return self.failed_with(Error::Invalid(format!("pad mode {name} needs a numeric array, not bool")));
        }
        let mut shape = self.shape().to_vec();
        for (a, &(b, e)) in widths.iter().enumerate() {
            shape[a] = shape[a].saturating_add(b).saturating_add(e);
        }
        if let Err(e) = checked_len(&shape, std::mem::size_of::<T>()) {
            return self.failed_with(e);
        }
        if !matches!(mode, PadMode::Constant(_)) {
            if let Some(a) = (0..nd).find(|&a| self.shape()[a] == 0 && widths[a] != (0, 0)) {
                return self.failed_with(Error::Invalid(format!(
                    "pad: cannot extend the empty axis {a} with mode {name} (only constant can)"
                )));
            }
            if self.is_empty() {
                // NumPy returns at once: the result is empty too.
                return self.pad(width, PadMode::Constant(T::default()));
            }
        }
        let zero_stat = match mode {
            PadMode::Maximum(Some(0)) | PadMode::Minimum(Some(0)) => true,
            PadMode::Mean(Some(0)) | PadMode::Median(Some(0)) => !T::DTYPE.is_float(),
            _ => false,
        };
        if zero_stat && nd > 0 {
            return self.failed_with(Error::Invalid(format!("pad: stat_length of 0 yields no value for {name}")));
        }
        let mut y = self.clone();
        for (axis, &(before, after)) in widths.iter().enumerate() {
            if before > 0 || after > 0 {
                y = y.pad_axis(axis, before, after, &mode);
            }
        }
        y
    }

    /// Pads one axis: the pieces before and after, joined around `self`.
    fn pad_axis(&self, axis: usize, before: usize, after: usize, mode: &PadMode<T>) -> DArray<T> {
        let n = self.shape()[axis];
        let (lo, hi) = (-(before as isize), (n + after) as isize);
        let side = |right: bool, w: usize| -> Vec<DArray<T>> {
            if w == 0 {
                return vec![];
            }
            let (from, to) = if right { (n as isize, hi) } else { (lo, 0) };
            match *mode {
                PadMode::Constant(v) => {
                    let mut shape = self.shape().to_vec();
                    shape[axis] = w;
                    vec![DArray::full(&shape, v, ChunkSpec::Explicit(self.sizes_with(axis, w)))
                        .unwrap_or_else(|e| self.failed_with(e))]
                }
                PadMode::Edge => vec![self.spread(axis, w, if right { n - 1 } else { 0 })],
                // NumPy's legacy rule: reflecting a single value repeats it.
                PadMode::Reflect if n == 1 => vec![self.spread(axis, w, 0)],
                PadMode::Reflect => {
                    let period = 2 * (n as isize - 1);
                    self.mapped(axis, from, to, period, |p| {
                        let m = p.rem_euclid(period);
                        (if m >= n as isize { period - m } else { m }) as usize
                    })
                }
                PadMode::Symmetric => {
                    let period = 2 * n as isize;
                    self.mapped(axis, from, to, period, |p| {
                        let m = p.rem_euclid(period);
                        (if m >= n as isize { period - 1 - m } else { m }) as usize
                    })
                }
                PadMode::Wrap => self.mapped(axis, from, to, n as isize, |p| p.rem_euclid(n as isize) as usize),
                PadMode::LinearRamp(end) => vec![self.ramp(axis, w, end, right)],
                PadMode::Maximum(l) | PadMode::Minimum(l) | PadMode::Mean(l) | PadMode::Median(l) => {
                    let l = l.unwrap_or(n).min(n);
                    let slab = if right { self.span_on(axis, n - l, n) } else { self.span_on(axis, 0, l) };
                    let mut shape = self.shape().to_vec();
                    shape[axis] = w;
                    vec![slab.stat(axis, mode).broadcast_chunked(&shape, self.sizes_with(axis, w))]
                }
            }
        };
        let mut parts = side(false, before);
        parts.push(self.clone());
        parts.extend(side(true, after));
        concatenate(&parts, axis)
    }

    /// Position `at` along `axis` repeated `w` times.
    fn spread(&self, axis: usize, w: usize, at: usize) -> DArray<T> {
        let mut shape = self.shape().to_vec();
        shape[axis] = w;
        self.span_on(axis, at, at + 1).broadcast_chunked(&shape, self.sizes_with(axis, w))
    }

    /// Positions `from..to` along `axis` (relative to `self`'s start)
    /// read from `map(position)`, which repeats with `period`: maximal runs
    /// stepping by +1 or -1 become one slice each, and whole periods past
    /// the first two one piece repeated by doubling (a few nodes for any
    /// width).
    fn mapped(
        &self,
        axis: usize,
        from: isize,
        to: isize,
        period: isize,
        map: impl Fn(isize) -> usize,
    ) -> Vec<DArray<T>> {
        // The whole periods: from the first multiple of `period` at or
        // after `from` to the last at or before `to`.
        let (a, b) = (from + (period - from.rem_euclid(period)) % period, to - to.rem_euclid(period));
        if b - a < 2 * period {
            return self.runs(axis, from, to, &map);
        }
        let mut out = self.runs(axis, from, a, &map);
        let one = concatenate(&self.runs(axis, a, a + period, &map), axis);
        let copies = ((b - a) / period) as usize;
        if copies.saturating_mul(one.chunks()[axis].len()) > MAX_AXIS_BLOCKS {
            let e =
                format!("pad: {copies} periods of the input along axis {axis} are more than {MAX_AXIS_BLOCKS} blocks");
            return vec![self.failed_with(Error::TooLarge(e))];
        }
        out.push(one.repeat_whole(axis, copies));
        out.extend(self.runs(axis, b, to, &map));
        out
    }

    /// The slices of [`mapped`](Self::mapped) for `from..to`.
    fn runs(&self, axis: usize, from: isize, to: isize, map: &impl Fn(isize) -> usize) -> Vec<DArray<T>> {
        let mut out = vec![];
        let mut p = from;
        while p < to {
            let s = map(p) as isize;
            let step = if p + 1 < to && map(p + 1) as isize == s - 1 { -1 } else { 1 };
            let mut len = 1;
            while p + len < to && map(p + len) as isize == s + step * len {
                len += 1;
            }
            let s = s as usize;
            let l = len as usize;
            out.push(if step == 1 { self.span_on(axis, s, s + l) } else { self.rev_on(axis, s + 1 - l, s + 1) });
            p += len;
        }
        out
    }

    /// The statistic of a stat mode along `axis`, kept as length 1.
    fn stat(&self, axis: usize, mode: &PadMode<T>) -> DArray<T> {
        let bool_ = T::DTYPE == DType::Bool;
        match mode {
            PadMode::Maximum(_) if bool_ => self.reduce_keep(ReduceOp::Any, axis),
            PadMode::Minimum(_) if bool_ => self.reduce_keep(ReduceOp::All, axis),
            PadMode::Maximum(_) => self.reduce_keep(ReduceOp::Max, axis),
            PadMode::Minimum(_) => self.reduce_keep(ReduceOp::Min, axis),
            PadMode::Mean(_) => {
                // NumPy's mean is the sum over the count (in f64 for
                // integers, exact for them), rounded half to even for
                // integers; the mean reduction's merged partials may round
                // a half differently.
                let count = self.shape()[axis] as f64;
                if T::DTYPE.is_float() {
                    let sum = self.reduce_keep(ReduceOp::Sum, axis);
                    return sum.binary(BinaryOp::Div, Operand::Scalar(T::el_from_f64(count)), false);
                }
                let signed = matches!(T::DTYPE, DType::I8 | DType::I16 | DType::I32 | DType::I64);
                let sum_type = if signed { DType::I64 } else { DType::U64 };
                let node = reduce(ReduceOp::Sum, self.node.clone(), Some(&[axis]), true, DEFAULT_SPLIT_EVERY, sum_type);
                let sum: DArray<f64> = if signed {
                    DArray::<i64>::from_node(node).as_dtype()
                } else {
                    DArray::<u64>::from_node(node).as_dtype()
                };
                (sum / count).round().as_dtype()
            }
            _ => {
                // Median: the slab in one block along the axis, each lane's
                // median spread over it, then one position kept.
                if self.shape()[axis] == 0 {
                    let mut shape = self.shape().to_vec();
                    shape[axis] = 1;
                    let nan = T::el_from_f64(f64::NAN);
                    return DArray::full(&shape, nan, ChunkSpec::Explicit(self.sizes_with(axis, 1)))
                        .unwrap_or_else(|e| self.failed_with(e));
                }
                let mut sizes = self.chunks().to_vec();
                sizes[axis] = vec![self.shape()[axis]];
                let med = self.rechunk(ChunkSpec::Explicit(sizes)).map_blocks(move |mut b: ArrayD<T>, _| {
                    for mut lane in b.lanes_mut(Axis(axis)) {
                        let m = median_of(&mut lane.to_vec());
                        lane.fill(m);
                    }
                    b
                });
                med.span_on(axis, 0, 1)
            }
        }
    }

    /// NumPy's linear ramp of `w` positions from `end` to the edge value
    /// (`np.linspace(end, edge, w, endpoint=False)` in `f64`, floored for
    /// integers), reversed after the array.
    fn ramp(&self, axis: usize, w: usize, start: f64, right: bool) -> DArray<T> {
        let n = self.shape()[axis];
        let edge: DArray<f64> = self.span_on(axis, if right { n - 1 } else { 0 }, if right { n } else { 1 }).as_dtype();
        let delta = &edge - start;
        let div = w as f64;
        let step = &delta / div;
        // linspace divides first when any step is zero (denormals, gh-5437).
        let any_zero = step.equal(0.0).any();
        let sizes = self.sizes_with(axis, w);
        let i = match DArray::<f64>::arange(0.0, div, 1.0, ChunkSpec::Explicit(vec![sizes[axis].clone()])) {
            Ok(i) => i,
            Err(e) => return self.failed_with(e),
        };
        let mut sel = vec![Sel::NewAxis; self.ndim()];
        sel[axis] = Sel::all();
        let i = i.slice(&sel);
        let plain = &(&i * &step) + start;
        let tiny = &(&(&i / div) * &delta) + start;
        let mut r = where_(&any_zero, &tiny, &plain);
        if !T::DTYPE.is_float() {
            r = r.floor();
        }
        let r: DArray<T> = r.as_dtype();
        if right {
            r.flip_axis(axis)
        } else {
            r
        }
    }
}
