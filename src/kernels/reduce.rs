//! Reducers: fold tiles into partial results, merge partials, finalise.
//!
//! A partial is plain data: a list of arrays shaped like the block with the
//! reduced axes set to length 1 (the accumulators).
//!
//! [`reducer_for`] builds the reducer of a [`ReduceOp`] for an input type
//! (once, when the node is built): whole-array and grouped reductions share
//! it, and every reducer is monomorphised for its input type.

use crate::dtype::{AnyArray, AnySlice, CastFrom, DType, Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::ops::ReduceOp;
use ndarray::{ArrayD, IxDyn};
use std::marker::PhantomData;
use std::sync::Arc;

/// Where a run of values folds to in the accumulator.
#[derive(Clone, Copy, Debug)]
pub enum Dest {
    /// All values fold into one accumulator cell.
    Cell(usize),
    /// Value `j` folds into cell `start + j`.
    Range(usize),
}

/// A blocked reduction, type-erased.
pub trait Reducer: Send + Sync {
    /// The op data the reducer was built from: with the input type
    /// ([`Reducer::in_dtype`]), all that [`reducer_for`] needs to build it
    /// again.
    fn op(&self) -> ReduceOp;
    /// Element type of the input.
    fn in_dtype(&self) -> DType;
    /// Name shown in graphs (`sum`, `mean`, ...).
    fn name(&self) -> &str {
        self.op().name()
    }
    /// Element type of the result.
    fn out_dtype(&self) -> DType;
    /// Parameters beyond the name (ddof), hashed into keys.
    fn params(&self) -> u64 {
        self.op().params()
    }
    /// True when `fold` needs element positions (argmin/argmax).
    fn needs_index(&self) -> bool {
        false
    }
    /// Bytes of accumulators per element of a partial (for memory plans).
    fn acc_bytes(&self) -> usize {
        self.init(&[0]).iter().map(|a| a.dtype().size()).sum()
    }
    /// Fresh accumulators of the given shape.
    fn init(&self, shape: &[usize]) -> Vec<AnyArray>;
    /// Folds the run `xs` into `acc` at `dest`; with `needs_index`, value
    /// `j` has position `idx.0 + j * idx.1`.
    fn fold(&self, acc: &mut [AnyArray], xs: AnySlice<'_>, dest: Dest, idx: (i64, i64));
    /// Merges `other` into `acc` (same shapes).
    fn merge(&self, acc: &mut [AnyArray], other: &[AnyArray]);
    /// Turns accumulators into the result; an error where the values
    /// have no result (`nanargmin` of an all-NaN slice).
    fn finalize(&self, acc: Vec<AnyArray>) -> Result<AnyArray>;
}

fn zeros_like<A: Element>(shape: &[usize], v: A) -> AnyArray {
    A::wrap(ArrayD::from_elem(IxDyn(shape), v))
}

fn slice<A: Element>(a: &AnyArray) -> &[A] {
    A::view_any(a).and_then(|a| a.as_slice()).expect("accumulators are standard-layout arrays of their own type")
}

fn slice_mut<A: Element>(a: &mut AnyArray) -> &mut [A] {
    A::view_any_mut(a)
        .and_then(|a| a.as_slice_mut())
        .expect("accumulators are standard-layout arrays of their own type")
}

/// A reduction with one accumulator per output cell.
pub(crate) trait SimpleOp<T>: Send + Sync + 'static {
    type Acc: Element;
    type Out: Element + CastFrom<Self::Acc>;
    const OP: ReduceOp;
    fn identity() -> Self::Acc;
    fn step(acc: Self::Acc, x: T) -> Self::Acc;
    fn merge(a: Self::Acc, b: Self::Acc) -> Self::Acc;
}

pub(crate) struct Simple<T, K>(PhantomData<fn(T) -> K>);

impl<T, K> Simple<T, K> {
    pub(crate) fn new() -> Self {
        Simple(PhantomData)
    }
}

impl<T: Element, K: SimpleOp<T>> Reducer for Simple<T, K> {
    fn op(&self) -> ReduceOp {
        K::OP
    }
    fn in_dtype(&self) -> DType {
        T::DTYPE
    }
    fn out_dtype(&self) -> DType {
        K::Out::DTYPE
    }
    fn init(&self, shape: &[usize]) -> Vec<AnyArray> {
        vec![zeros_like(shape, K::identity())]
    }
    fn fold(&self, acc: &mut [AnyArray], xs: AnySlice<'_>, dest: Dest, _: (i64, i64)) {
        let xs = T::slice(xs);
        let n = xs.len();
        let acc = slice_mut::<K::Acc>(&mut acc[0]);
        match dest {
            Dest::Cell(c) => acc[c] = K::merge(acc[c], fold_run::<T, K>(xs)),
            Dest::Range(s) => fold_range::<T, K>(xs, &mut acc[s..s + n]),
        }
    }
    fn merge(&self, acc: &mut [AnyArray], other: &[AnyArray]) {
        let o = slice::<K::Acc>(&other[0]);
        for (a, &b) in slice_mut::<K::Acc>(&mut acc[0]).iter_mut().zip(o) {
            *a = K::merge(*a, b);
        }
    }
    fn finalize(&self, mut acc: Vec<AnyArray>) -> Result<AnyArray> {
        let a = K::Acc::unwrap(acc.swap_remove(0)).expect("accumulator type");
        Ok(K::Out::wrap(a.mapv(K::Out::cast_from)))
    }
}

/// Independent accumulators of a run: enough for the adds of a vector
/// unit to overlap (4 x 256-bit registers of f64), and a shorter serial
/// chain per lane than one running total.
const LANES: usize = 64;

multiversion! {
    /// Folds a run into one value: `LANES` interleaved partial results,
    /// then combined pairwise (a balanced tree, as NumPy's pairwise sum).
    fn fold_run<T, K>(xs: &[T]) -> K::Acc where [T: Element, K: SimpleOp<T>] {
        if xs.len() < LANES {
            // Short runs (the rows of a narrow array): lanes would cost more
            // than they save.
            let mut r = K::identity();
            for &x in xs {
                r = K::step(r, x);
            }
            return r;
        }
        let mut lanes = [K::identity(); LANES];
        let mut chunks = xs.chunks_exact(LANES);
        for ch in &mut chunks {
            for k in 0..LANES {
                lanes[k] = K::step(lanes[k], ch[k]);
            }
        }
        let mut r = K::identity();
        for &x in chunks.remainder() {
            r = K::step(r, x);
        }
        let mut w = LANES;
        while w > 1 {
            w /= 2;
            for k in 0..w {
                lanes[k] = K::merge(lanes[k], lanes[k + w]);
            }
        }
        K::merge(lanes[0], r)
    }
}

multiversion! {
    fn fold_range<T, K>(xs: &[T], acc: &mut [K::Acc]) where [T: Element, K: SimpleOp<T>] {
        for (a, &x) in acc.iter_mut().zip(xs) {
            *a = K::step(*a, x);
        }
    }
}

macro_rules! simple_op {
    ($name:ident, $op:expr, [$($b:tt)*], $acc:ty, $out:ty, $id:expr, |$a:ident, $x:ident| $step:expr, |$m:ident, $n:ident| $merge:expr) => {
        pub(crate) struct $name;
        impl<T: $($b)*> SimpleOp<T> for $name {
            type Acc = $acc;
            type Out = $out;
            const OP: ReduceOp = $op;
            #[inline(always)]
            fn identity() -> $acc { $id }
            #[inline(always)]
            fn step($a: $acc, $x: T) -> $acc { $step }
            #[inline(always)]
            fn merge($m: $acc, $n: $acc) -> $acc { $merge }
        }
    };
}

#[inline(always)]
fn nan_min<T: Element>(a: T, b: T) -> T {
    if a.el_is_nan() || b.el_is_nan() {
        if a.el_is_nan() {
            a
        } else {
            b
        }
    } else if b < a {
        b
    } else {
        a
    }
}
#[inline(always)]
fn nan_max<T: Element>(a: T, b: T) -> T {
    if a.el_is_nan() || b.el_is_nan() {
        if a.el_is_nan() {
            a
        } else {
            b
        }
    } else if b > a {
        b
    } else {
        a
    }
}
/// Min/max ignoring NaN; NaN only when both are NaN ("no value yet").
#[inline(always)]
fn skip_nan<T: Element>(a: T, b: T, better: impl Fn(T, T) -> bool) -> T {
    if b.el_is_nan() {
        a
    } else if a.el_is_nan() || better(b, a) {
        b
    } else {
        a
    }
}

fn no_value<T: Numeric>() -> T {
    if T::IS_FLOAT {
        T::el_from_f64(f64::NAN)
    } else {
        T::highest()
    }
}
fn no_value_max<T: Numeric>() -> T {
    if T::IS_FLOAT {
        T::el_from_f64(f64::NAN)
    } else {
        T::lowest()
    }
}

simple_op!(
    Sum,
    ReduceOp::Sum,
    [Numeric],
    T::Accum,
    T::Sum,
    <T::Accum as num_traits::Zero>::zero(),
    |a, x| a.add_(<T::Accum as CastFrom<T>>::cast_from(x)),
    |a, b| a.add_(b)
);
simple_op!(
    NanSum,
    ReduceOp::NanSum,
    [Numeric],
    T::Accum,
    T::Sum,
    <T::Accum as num_traits::Zero>::zero(),
    |a, x| if x.el_is_nan() { a } else { a.add_(<T::Accum as CastFrom<T>>::cast_from(x)) },
    |a, b| a.add_(b)
);
simple_op!(
    Prod,
    ReduceOp::Prod,
    [Numeric],
    T::Accum,
    T::Sum,
    <T::Accum as num_traits::One>::one(),
    |a, x| a.mul_(<T::Accum as CastFrom<T>>::cast_from(x)),
    |a, b| a.mul_(b)
);
simple_op!(
    NanProd,
    ReduceOp::NanProd,
    [Numeric],
    T::Accum,
    T::Sum,
    <T::Accum as num_traits::One>::one(),
    |a, x| if x.el_is_nan() { a } else { a.mul_(<T::Accum as CastFrom<T>>::cast_from(x)) },
    |a, b| a.mul_(b)
);
simple_op!(Min, ReduceOp::Min, [Numeric], T, T, T::highest(), |a, x| nan_min(a, x), |a, b| nan_min(a, b));
simple_op!(Max, ReduceOp::Max, [Numeric], T, T, T::lowest(), |a, x| nan_max(a, x), |a, b| nan_max(a, b));
simple_op!(NanMin, ReduceOp::NanMin, [Numeric], T, T, no_value::<T>(), |a, x| skip_nan(a, x, |p, q| p < q), |a, b| {
    skip_nan(a, b, |p, q| p < q)
});
simple_op!(
    NanMax,
    ReduceOp::NanMax,
    [Numeric],
    T,
    T,
    no_value_max::<T>(),
    |a, x| skip_nan(a, x, |p, q| p > q),
    |a, b| skip_nan(a, b, |p, q| p > q)
);
simple_op!(Any, ReduceOp::Any, [Element + Into<bool>], bool, bool, false, |a, x| a | x.into(), |a, b| a | b);
simple_op!(All, ReduceOp::All, [Element + Into<bool>], bool, bool, true, |a, x| a & x.into(), |a, b| a & b);

/// What a moments reduction returns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Moment {
    Var(f64),
    Std(f64),
}

/// Means from (count, sum) partials, summed in f64 (as NumPy sums, where
/// a mean needs no running mean: the sums vectorise).
pub(crate) struct Mean<T, O> {
    pub skip_nan: bool,
    _t: PhantomData<fn(T) -> O>,
}

impl<T, O> Mean<T, O> {
    pub(crate) fn new(skip_nan: bool) -> Self {
        Mean { skip_nan, _t: PhantomData }
    }
}

impl<T: Numeric, O: Float> Reducer for Mean<T, O> {
    fn op(&self) -> ReduceOp {
        if self.skip_nan {
            ReduceOp::NanMean
        } else {
            ReduceOp::Mean
        }
    }
    fn in_dtype(&self) -> DType {
        T::DTYPE
    }
    fn out_dtype(&self) -> DType {
        O::DTYPE
    }
    fn init(&self, shape: &[usize]) -> Vec<AnyArray> {
        vec![zeros_like(shape, 0f64), zeros_like(shape, 0f64)]
    }
    fn fold(&self, acc: &mut [AnyArray], xs: AnySlice<'_>, dest: Dest, _: (i64, i64)) {
        let xs = T::slice(xs);
        let n = xs.len();
        let [cn, cs] = acc else { unreachable!("two accumulators") };
        let (cn, cs) = (slice_mut::<f64>(cn), slice_mut::<f64>(cs));
        let skip = self.skip_nan;
        match dest {
            Dest::Cell(c) => {
                let (k, s) = lanes(xs, skip, |v| v);
                cn[c] += k;
                cs[c] += s;
            }
            Dest::Range(s) => count_sum_run(&mut cn[s..s + n], &mut cs[s..s + n], xs, skip),
        }
    }
    fn merge(&self, acc: &mut [AnyArray], other: &[AnyArray]) {
        for (a, o) in acc.iter_mut().zip(other) {
            for (x, y) in slice_mut::<f64>(a).iter_mut().zip(slice::<f64>(o)) {
                *x += y;
            }
        }
    }
    fn finalize(&self, acc: Vec<AnyArray>) -> Result<AnyArray> {
        let mut it = acc.into_iter().map(|a| f64::unwrap(a).expect("f64 accumulators"));
        let (n, s) = (it.next().unwrap(), it.next().unwrap());
        Ok(O::wrap(
            ndarray::Zip::from(&n).and(&s).map_collect(|&n, &s| O::cast_from(if n == 0.0 { f64::NAN } else { s / n })),
        ))
    }
}

/// Mean and variance from (count, mean, M2) partials, merged with Chan's
/// parallel rule: stable where sum-of-squares would cancel.
pub(crate) struct Moments<T, O> {
    pub what: Moment,
    pub skip_nan: bool,
    _t: PhantomData<fn(T) -> O>,
}

impl<T, O> Moments<T, O> {
    pub(crate) fn new(what: Moment, skip_nan: bool) -> Self {
        Moments { what, skip_nan, _t: PhantomData }
    }
}

#[inline]
fn chan(n: &mut f64, m: &mut f64, m2: &mut f64, nb: f64, mb: f64, m2b: f64) {
    if nb == 0.0 {
        return;
    }
    let na = *n;
    let tot = na + nb;
    let d = mb - *m;
    *m += d * nb / tot;
    *m2 += m2b + d * d * na * nb / tot;
    *n = tot;
}

multiversion! {
    /// Adds a run to per-cell counts and sums (NaN skipped with `skip`).
    fn count_sum_run<T>(cn: &mut [f64], cs: &mut [f64], xs: &[T], skip: bool) where [T: Element] {
        if !skip {
            for ((k, a), &x) in cn.iter_mut().zip(cs.iter_mut()).zip(xs) {
                *k += 1.0;
                *a += x.el_to_f64();
            }
            return;
        }
        for ((k, a), &x) in cn.iter_mut().zip(cs.iter_mut()).zip(xs) {
            let v = x.el_to_f64();
            let ok = !v.is_nan();
            *k += f64::from(u8::from(ok));
            *a += if ok { v } else { 0.0 };
        }
    }
}

multiversion! {
    /// Welford's update of a run of cells that share the count `k - 1`.
    fn welford_run<T>(cn: &mut [f64], cm: &mut [f64], c2: &mut [f64], xs: &[T], k: f64, inv: f64) where [T: Element] {
        for (((c, m), q), &x) in cn.iter_mut().zip(cm.iter_mut()).zip(c2.iter_mut()).zip(xs) {
            let x = x.el_to_f64();
            let d = x - *m;
            *m += d * inv;
            *q += d * (x - *m);
            *c = k;
        }
    }
}

multiversion! {
    /// Count and sum of `f(x)` over `xs` (NaN skipped with `skip`), in
    /// eight branch-free lanes so the loop vectorises.
    fn lanes<T, F>(xs: &[T], skip: bool, f: F) -> (f64, f64) where [T: Element, F: Fn(f64) -> f64] {
        if !skip {
            // Nothing skipped: the count is the length, and one sum remains.
            let mut s = [0f64; 8];
            let mut chunks = xs.chunks_exact(8);
            for ch in &mut chunks {
                for j in 0..8 {
                    s[j] += f(ch[j].el_to_f64());
                }
            }
            let rest: f64 = chunks.remainder().iter().map(|x| f(x.el_to_f64())).sum();
            return (xs.len() as f64, s.iter().sum::<f64>() + rest);
        }
        let (mut k, mut s) = ([0f64; 8], [0f64; 8]);
        let mut chunks = xs.chunks_exact(8);
        for ch in &mut chunks {
            for j in 0..8 {
                let v = ch[j].el_to_f64();
                let ok = !v.is_nan();
                k[j] += f64::from(u8::from(ok));
                s[j] += if ok { f(v) } else { 0.0 };
            }
        }
        let (mut kr, mut sr) = (k.iter().sum::<f64>(), s.iter().sum::<f64>());
        for &x in chunks.remainder() {
            let v = x.el_to_f64();
            if !v.is_nan() {
                kr += 1.0;
                sr += f(v);
            }
        }
        (kr, sr)
    }
}

impl<T: Numeric, O: Float> Reducer for Moments<T, O> {
    fn op(&self) -> ReduceOp {
        match (self.what, self.skip_nan) {
            (Moment::Var(ddof), false) => ReduceOp::Var { ddof },
            (Moment::Var(ddof), true) => ReduceOp::NanVar { ddof },
            (Moment::Std(ddof), false) => ReduceOp::Std { ddof },
            (Moment::Std(ddof), true) => ReduceOp::NanStd { ddof },
        }
    }
    fn in_dtype(&self) -> DType {
        T::DTYPE
    }
    fn out_dtype(&self) -> DType {
        O::DTYPE
    }
    fn init(&self, shape: &[usize]) -> Vec<AnyArray> {
        vec![zeros_like(shape, 0f64), zeros_like(shape, 0f64), zeros_like(shape, 0f64)]
    }
    fn fold(&self, acc: &mut [AnyArray], xs: AnySlice<'_>, dest: Dest, _: (i64, i64)) {
        let xs = T::slice(xs);
        let n = xs.len();
        let [cn, cm, c2] = acc else { unreachable!("three accumulators") };
        let (cn, cm, c2) = (slice_mut::<f64>(cn), slice_mut::<f64>(cm), slice_mut::<f64>(c2));
        match dest {
            Dest::Cell(c) => {
                // Two passes over the run (it is in cache), then merge. Eight
                // lanes each, branch-free, so both loops vectorise (one
                // running total would wait on every add).
                let skip = self.skip_nan;
                let (k, s) = lanes(xs, skip, |v| v);
                if k == 0.0 {
                    return;
                }
                let mean = s / k;
                let (_, q) = lanes(xs, skip, |v| (v - mean) * (v - mean));
                chan(&mut cn[c], &mut cm[c], &mut c2[c], k, mean, q);
            }
            Dest::Range(s) if !self.skip_nan && n > 0 => {
                // Every cell of the run has seen the same rows so far (a run
                // covers whole accumulator cells once per row), so all share
                // one count: Welford's update with one reciprocal per run.
                let k = cn[s] + 1.0;
                let inv = 1.0 / k;
                let (cn, cm, c2) = (&mut cn[s..s + n], &mut cm[s..s + n], &mut c2[s..s + n]);
                debug_assert!(cn.iter().all(|&c| c == k - 1.0), "cells of a run share a count");
                welford_run(cn, cm, c2, xs, k, inv);
            }
            Dest::Range(s) => {
                for (j, &x) in xs.iter().enumerate() {
                    if self.skip_nan && x.el_is_nan() {
                        continue;
                    }
                    let i = s + j;
                    let x = x.el_to_f64();
                    cn[i] += 1.0;
                    let d = x - cm[i];
                    cm[i] += d / cn[i];
                    c2[i] += d * (x - cm[i]);
                }
            }
        }
    }
    fn merge(&self, acc: &mut [AnyArray], other: &[AnyArray]) {
        let (on, om, o2) = (slice::<f64>(&other[0]), slice::<f64>(&other[1]), slice::<f64>(&other[2]));
        let [cn, cm, c2] = acc else { unreachable!("three accumulators") };
        let (cn, cm, c2) = (slice_mut::<f64>(cn), slice_mut::<f64>(cm), slice_mut::<f64>(c2));
        for i in 0..cn.len() {
            chan(&mut cn[i], &mut cm[i], &mut c2[i], on[i], om[i], o2[i]);
        }
    }
    fn finalize(&self, acc: Vec<AnyArray>) -> Result<AnyArray> {
        let mut it = acc.into_iter().map(|a| f64::unwrap(a).expect("f64 accumulators"));
        let (n, m2) = (it.next().unwrap(), it.nth(1).unwrap());
        let out = ndarray::Zip::from(&n).and(&m2).map_collect(|&n, &m2| {
            let v = match self.what {
                Moment::Var(ddof) | Moment::Std(ddof) => {
                    // NumPy's `var`: M2 / max(n - ddof, 0) (so inf, or NaN for
                    // M2 = 0, past the degrees of freedom; NaN for a NaN
                    // ddof, which `np.maximum` propagates); `nanvar` gives
                    // NaN wherever n - ddof <= 0.
                    let dof = n - ddof;
                    let v = if n == 0.0 || dof.is_nan() || (self.skip_nan && dof <= 0.0) {
                        f64::NAN
                    } else {
                        m2 / dof.max(0.0)
                    };
                    if matches!(self.what, Moment::Std(_)) {
                        v.sqrt()
                    } else {
                        v
                    }
                }
            };
            O::cast_from(v)
        });
        Ok(O::wrap(out))
    }
}

/// argmin / argmax: (best value, its position) partials; ties go to the
/// smaller position and NaN wins (NumPy's rules).
pub(crate) struct Arg<T> {
    pub max: bool,
    /// `nanargmin`/`nanargmax`: NaN never wins, and a slice of NaN alone
    /// is an error (NumPy's `ValueError`).
    pub skip_nan: bool,
    _t: PhantomData<fn(T)>,
}

impl<T> Arg<T> {
    pub(crate) fn new(max: bool, skip_nan: bool) -> Self {
        Arg { max, skip_nan, _t: PhantomData }
    }
}

impl<T: Numeric> Arg<T> {
    /// Is (b, ib) better than (a, ia)?
    #[inline]
    fn better(&self, a: T, ia: i64, b: T, ib: i64) -> bool {
        if ib < 0 || (self.skip_nan && b.el_is_nan()) {
            return false;
        }
        if ia < 0 {
            return true;
        }
        match (a.el_is_nan(), b.el_is_nan()) {
            (true, true) => ib < ia,
            (true, false) => false,
            (false, true) => true,
            _ => {
                if self.max {
                    b > a || (b == a && ib < ia)
                } else {
                    b < a || (b == a && ib < ia)
                }
            }
        }
    }
}

impl<T: Numeric> Reducer for Arg<T> {
    fn op(&self) -> ReduceOp {
        match (self.max, self.skip_nan) {
            (true, false) => ReduceOp::ArgMax,
            (false, false) => ReduceOp::ArgMin,
            (true, true) => ReduceOp::NanArgMax,
            (false, true) => ReduceOp::NanArgMin,
        }
    }
    fn in_dtype(&self) -> DType {
        T::DTYPE
    }
    fn out_dtype(&self) -> DType {
        DType::I64
    }
    fn needs_index(&self) -> bool {
        true
    }
    fn init(&self, shape: &[usize]) -> Vec<AnyArray> {
        vec![zeros_like(shape, T::default()), zeros_like(shape, -1i64)]
    }
    fn fold(&self, acc: &mut [AnyArray], xs: AnySlice<'_>, dest: Dest, idx: (i64, i64)) {
        let xs = T::slice(xs);
        let [av, ai] = acc else { unreachable!("two accumulators") };
        let (av, ai) = (slice_mut::<T>(av), slice_mut::<i64>(ai));
        for (j, &x) in xs.iter().enumerate() {
            let pos = idx.0 + j as i64 * idx.1;
            let c = match dest {
                Dest::Cell(c) => c,
                Dest::Range(s) => s + j,
            };
            if self.better(av[c], ai[c], x, pos) {
                av[c] = x;
                ai[c] = pos;
            }
        }
    }
    fn merge(&self, acc: &mut [AnyArray], other: &[AnyArray]) {
        let (ov, oi) = (slice::<T>(&other[0]), slice::<i64>(&other[1]));
        let [av, ai] = acc else { unreachable!("two accumulators") };
        let (av, ai) = (slice_mut::<T>(av), slice_mut::<i64>(ai));
        for c in 0..av.len() {
            if self.better(av[c], ai[c], ov[c], oi[c]) {
                av[c] = ov[c];
                ai[c] = oi[c];
            }
        }
    }
    fn finalize(&self, mut acc: Vec<AnyArray>) -> Result<AnyArray> {
        let pos = acc.swap_remove(1);
        // Only `nanargmin`/`nanargmax` leave a position unset over values
        // (empty reductions are refused when the node is built).
        if self.skip_nan && i64::view_any(&pos).is_some_and(|p| p.iter().any(|&i| i < 0)) {
            return Err(Error::Invalid(format!("{}: all-NaN slice encountered", self.op().name())));
        }
        Ok(pos)
    }
}

/// The reducer of `op` for input of type `t`; an error if the op does not
/// take that type (its type rule, [`ReduceOp::out_dtype`]).
pub(crate) fn reducer_for(op: ReduceOp, t: DType) -> Result<Arc<dyn Reducer>> {
    let out = op.out_dtype(t)?;
    let r: Arc<dyn Reducer> = match op {
        ReduceOp::Any => Arc::new(Simple::<bool, Any>::new()),
        ReduceOp::All => Arc::new(Simple::<bool, All>::new()),
        _ => crate::with_numeric!(t, T => numeric::<T>(op), bool => None).ok_or_else(|| mismatch(op, t))?,
    };
    if r.out_dtype() != out || r.in_dtype() != t || r.op() != op {
        return Err(mismatch(op, t));
    }
    Ok(r)
}

/// A dispatch that found no reducer after the type rule let the type pass
/// (a bug), reported rather than run.
fn mismatch(op: ReduceOp, t: DType) -> Error {
    Error::Internal(format!("no {} reducer for {}", op.name(), t.name()))
}

fn numeric<T: Numeric>(op: ReduceOp) -> Option<Arc<dyn Reducer>> {
    Some(match op {
        ReduceOp::Sum => Arc::new(Simple::<T, Sum>::new()),
        ReduceOp::Prod => Arc::new(Simple::<T, Prod>::new()),
        ReduceOp::Min => Arc::new(Simple::<T, Min>::new()),
        ReduceOp::Max => Arc::new(Simple::<T, Max>::new()),
        ReduceOp::NanSum => Arc::new(Simple::<T, NanSum>::new()),
        ReduceOp::NanMin => Arc::new(Simple::<T, NanMin>::new()),
        ReduceOp::NanMax => Arc::new(Simple::<T, NanMax>::new()),
        ReduceOp::Mean => Arc::new(Mean::<T, T::Mean>::new(false)),
        ReduceOp::NanMean => Arc::new(Mean::<T, T::Mean>::new(true)),
        ReduceOp::Var { ddof } => Arc::new(Moments::<T, T::Mean>::new(Moment::Var(ddof), false)),
        ReduceOp::Std { ddof } => Arc::new(Moments::<T, T::Mean>::new(Moment::Std(ddof), false)),
        ReduceOp::NanVar { ddof } => Arc::new(Moments::<T, T::Mean>::new(Moment::Var(ddof), true)),
        ReduceOp::NanStd { ddof } => Arc::new(Moments::<T, T::Mean>::new(Moment::Std(ddof), true)),
        ReduceOp::ArgMin => Arc::new(Arg::<T>::new(false, false)),
        ReduceOp::ArgMax => Arc::new(Arg::<T>::new(true, false)),
        ReduceOp::NanArgMin => Arc::new(Arg::<T>::new(false, true)),
        ReduceOp::NanArgMax => Arc::new(Arg::<T>::new(true, true)),
        ReduceOp::NanProd => Arc::new(Simple::<T, NanProd>::new()),
        ReduceOp::Any | ReduceOp::All => return None,
    })
}
