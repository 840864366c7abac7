//! Chunk sources: values generated from the global index, so a source fuses
//! into whatever consumes it and never needs a buffer of its own.
//!
//! [`source_for`] builds the source of a built-in [`SourceOp`] for an
//! element type and shape (once, when the node is built); `from_fn` wraps
//! its closure directly with [`Erased::new`].

use crate::dtype::{AnySliceMut, CastFrom, DType, Element, Float, Numeric};
use crate::error::{Error, Result};
use crate::ops::{Dist, Scalar, SourceOp};
use crate::{with_dtype, with_float, with_numeric};
use std::marker::PhantomData;
use std::sync::Arc;

/// How a run of values walks the source's index space: value `k` is at
/// `index + k * step` along `axis` (the same index for every `k` without
/// an axis: a broadcast).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    pub axis: Option<usize>,
    pub step: isize,
}

impl Run {
    #[inline]
    fn at(&self, i0: usize, k: usize) -> usize {
        (i0 as isize + self.step * k as isize) as usize
    }
}

/// Generates values of a run through the source's index space.
pub trait Source: Send + Sync {
    /// The op data the source was built from (with the element type and
    /// the array's shape, all that [`source_for`] needs to build it again,
    /// except for custom sources).
    fn op(&self) -> &SourceOp;
    /// Element type of the values.
    fn dtype(&self) -> DType;
    /// Writes `out.len()` values starting at global multi-index `index`,
    /// walking as `run` says.
    fn fill(&self, index: &[usize], run: Run, out: AnySliceMut<'_>);
    /// True when every index gives the same value (`full`): a fused task
    /// then fills its tile register once instead of once per tile.
    fn is_constant(&self) -> bool {
        false
    }
}

/// Typed form of `Source`; every implementor is a `Source`.
pub(crate) trait TypedSource<T: Element>: Send + Sync {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]);
    fn is_constant(&self) -> bool {
        false
    }
}

/// A typed source with the op it computes.
pub(crate) struct Erased<T, S> {
    op: SourceOp,
    src: S,
    _t: PhantomData<fn() -> T>,
}

impl<T, S> Erased<T, S> {
    pub(crate) fn new(op: SourceOp, src: S) -> Self {
        Erased { op, src, _t: PhantomData }
    }
}

impl<T: Element, S: TypedSource<T>> Source for Erased<T, S> {
    fn op(&self) -> &SourceOp {
        &self.op
    }
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn fill(&self, index: &[usize], run: Run, out: AnySliceMut<'_>) {
        self.src.fill_typed(index, run, T::slice_mut(out));
    }
    fn is_constant(&self) -> bool {
        self.src.is_constant()
    }
}

/// The source of a built-in op making elements of type `dtype` for an
/// array of shape `shape`; an error if the op does not make that type
/// ([`SourceOp::check`]), the shape is not one it makes (`arange` and
/// `linspace` are 1-d, `linspace` of `num` values), or it is custom.
pub(crate) fn source_for(op: &SourceOp, dtype: DType, shape: &[usize]) -> Result<Arc<dyn Source>> {
    op.check(dtype)?;
    if let SourceOp::Random { dist, .. } = op {
        dist.check_params(dtype)?;
    }
    let bad_shape = || Err(Error::Shape(format!("{} cannot make an array of shape {shape:?}", op.name())));
    match op {
        SourceOp::Const(v) => with_dtype!(dtype, T => {
            let v: T = val(op, v)?;
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), Const(v))) as Arc<dyn Source>)
        }),
        SourceOp::Arange { .. } | SourceOp::Linspace { .. } if shape.len() != 1 => bad_shape(),
        SourceOp::Arange { start, step } => with_numeric!(dtype, T => {
            let (start, step): (T, T) = (val(op, start)?, val(op, step)?);
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), Arange { start, step })) as Arc<dyn Source>)
        }, bool => Err(Error::Internal("arange of bool".into()))),
        SourceOp::Linspace { num, .. } if *num != shape[0] => bad_shape(),
        SourceOp::Linspace { start, stop, num, endpoint } => with_float!(dtype, T => {
            let (start, stop): (T, T) = (val(op, start)?, val(op, stop)?);
            let (num, endpoint) = (*num, *endpoint);
            let div = if endpoint { num.saturating_sub(1) } else { num };
            let step = if div > 0 { (stop - start) / T::cast_from(div as u64) } else { 0.0 };
            let last = if endpoint && num > 1 { Some((num - 1, stop)) } else { None };
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), Linspace { start, step, last })) as Arc<dyn Source>)
        }, other => Err(Error::Internal("linspace of a non-float type".into()))),
        SourceOp::Random { seed, dist } if dist.is_integer() => with_numeric!(dtype, T => {
            let src = RandomInt::<T>::new(*seed, c_strides(shape), *dist);
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), src)) as Arc<dyn Source>)
        }, bool => Err(Error::Internal("random integers of bool".into()))),
        SourceOp::Random { seed, dist } => with_float!(dtype, T => {
            let src = Random::<T>::new(*seed, c_strides(shape), *dist);
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), src)) as Arc<dyn Source>)
        }, other => Err(Error::Internal("random values of a non-float type".into()))),
        SourceOp::Custom(c) => {
            Err(Error::Invalid(format!("the custom source `{}` cannot be rebuilt from data", c.name())))
        }
    }
}

/// Row-major strides of `shape` (random values hash the flat index).
fn c_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1usize; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        strides[a] = strides[a + 1] * shape[a + 1];
    }
    strides
}

/// Fills the run `out` (of `run`, from `index`) with `f` of each
/// element's flat row-major index (`strides` are the array's, from
/// [`c_strides`]): random values depend on that index only.
#[inline]
fn fill_flat<T>(strides: &[usize], index: &[usize], run: Run, out: &mut [T], f: impl Fn(u64) -> T) {
    let flat: usize = index.iter().zip(strides).map(|(i, s)| i * s).sum();
    let d = run.axis.map_or(0, |a| run.step * strides[a] as isize);
    for (k, o) in out.iter_mut().enumerate() {
        *o = f((flat as isize + d * k as isize) as u64);
    }
}

/// A scalar parameter as the source's type (the type rule checked it).
fn val<T: Element>(op: &SourceOp, s: &Scalar) -> Result<T> {
    s.get().ok_or_else(|| Error::Internal(format!("{} scalar of another type", op.name())))
}

/// A constant (`zeros`, `ones`, `full`).
pub(crate) struct Const<T>(pub T);

impl<T: Element> TypedSource<T> for Const<T> {
    fn fill_typed(&self, _: &[usize], _: Run, out: &mut [T]) {
        out.fill(self.0);
    }
    fn is_constant(&self) -> bool {
        true
    }
}

/// `start + i * step` along one axis.
pub(crate) struct Arange<T> {
    pub start: T,
    pub step: T,
}

impl<T: Numeric + CastFrom<u64>> TypedSource<T> for Arange<T> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        for (k, o) in out.iter_mut().enumerate() {
            let i = if run.axis.is_some() { run.at(index[0], k) } else { index[0] };
            *o = self.start.add_(T::cast_from(i as u64).mul_(self.step));
        }
    }
}

/// NumPy's `linspace`: `start + i * step`, with the end point exact.
pub(crate) struct Linspace<T> {
    pub start: T,
    pub step: T,
    pub last: Option<(usize, T)>,
}

impl<T: Float + CastFrom<u64>> TypedSource<T> for Linspace<T> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        for (k, o) in out.iter_mut().enumerate() {
            let i = if run.axis.is_some() { run.at(index[0], k) } else { index[0] };
            *o = match self.last {
                Some((n, v)) if i == n => v,
                _ => self.start + T::cast_from(i as u64) * self.step,
            };
        }
    }
}

/// A user closure of the global index.
pub(crate) struct FromFn<F> {
    pub f: F,
}

impl<T: Element, F: Fn(&[usize]) -> T + Send + Sync> TypedSource<T> for FromFn<F> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        let Some(axis) = run.axis else {
            let v = (self.f)(index);
            out.fill(v);
            return;
        };
        // The index lives on the stack for up to 8 dimensions.
        let mut buf = [0usize; 8];
        let mut heap;
        let idx: &mut [usize] = if index.len() <= 8 {
            buf[..index.len()].copy_from_slice(index);
            &mut buf[..index.len()]
        } else {
            heap = index.to_vec();
            &mut heap
        };
        for o in out.iter_mut() {
            *o = (self.f)(idx);
            idx[axis] = (idx[axis] as isize + run.step) as usize;
        }
    }
}

/// Counter-based random numbers: each value is a hash of (seed, global flat
/// index), so results do not depend on chunking, order or thread count.
pub(crate) struct Random<T> {
    /// `mix(seed)`, hoisted out of the per-element hash.
    pub key: u64,
    pub strides: Vec<usize>,
    pub dist: Dist,
    pub _t: PhantomData<fn() -> T>,
}

#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A uniform double in [0, 1) from the top 52 bits of `h`, built from the
/// bit pattern (no integer-to-float conversion, which does not vectorise).
#[inline]
fn unit(h: u64) -> f64 {
    f64::from_bits(0x3ff0_0000_0000_0000 | (h >> 12)) - 1.0
}

impl<T: Float> Random<T> {
    pub(crate) fn new(seed: u64, strides: Vec<usize>, dist: Dist) -> Self {
        Random { key: mix(seed), strides, dist, _t: PhantomData }
    }

    /// `f` of each element's first draw (its hash), as `T`: one loop per
    /// distribution, so the distribution is not matched per element.
    #[inline]
    fn fill_with(&self, index: &[usize], run: Run, out: &mut [T], f: impl Fn(u64) -> f64) {
        fill_flat(&self.strides, index, run, out, |flat| T::cast_from(f(mix(self.key ^ flat))));
    }
}

impl<T: Float> TypedSource<T> for Random<T> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        match self.dist {
            Dist::Uniform { low, high } => self.fill_with(index, run, out, |h| low + (high - low) * unit(h)),
            Dist::Normal { mean, std } => self.fill_with(index, run, out, |h| {
                let (r, c) = Stream::from_hash(h).box_muller();
                mean + std * r * c
            }),
            Dist::Exponential { scale } => self.fill_with(index, run, out, |h| -scale * (1.0 - unit(h)).ln()),
            Dist::Gamma { shape, scale } => {
                self.fill_with(index, run, out, |h| scale * std_gamma(&mut Stream::from_hash(h), shape))
            }
            // The type rule keeps integer distributions out of float sources.
            Dist::Poisson { .. } | Dist::Binomial { .. } | Dist::Integers { .. } => out.fill(T::cast_from(f64::NAN)),
        }
    }
}

/// The draws of one element: a counter-based stream keyed by (seed, flat
/// index). Draw 0 is `mix(key ^ flat)` and draw `j >= 1` is
/// `mix(draw0 + (j - 1) * golden)` (splitmix64 from that state), so the
/// first two draws are the ones `random_uniform` and `random_normal` use,
/// and every value depends on the seed and its index only: a rejection
/// sampler may take as many draws as it needs without touching another
/// element's stream.
pub(crate) struct Stream {
    h0: u64,
    j: u64,
}

impl Stream {
    #[inline]
    fn from_hash(h0: u64) -> Stream {
        Stream { h0, j: 0 }
    }
    /// The stream of element `flat` under `seed` (for values drawn when an
    /// array is built: `choice`, `permutation`).
    pub(crate) fn new(seed: u64, flat: u64) -> Stream {
        Stream::from_hash(mix(mix(seed) ^ flat))
    }
    #[inline]
    fn next_u64(&mut self) -> u64 {
        let v = if self.j == 0 { self.h0 } else { mix(self.h0.wrapping_add((self.j - 1).wrapping_mul(GOLDEN))) };
        self.j += 1;
        v
    }
    /// Uniform in [0, 1).
    #[inline]
    fn uniform(&mut self) -> f64 {
        unit(self.next_u64())
    }
    /// Box-Muller on the next two draws: the radius and the cosine, whose
    /// product is a standard normal (for a fresh stream, the one
    /// `random_normal` has always given).
    fn box_muller(&mut self) -> (f64, f64) {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        ((-2.0 * u1.ln()).sqrt(), (std::f64::consts::TAU * u2).cos())
    }
    /// Standard normal.
    fn normal(&mut self) -> f64 {
        let (r, c) = self.box_muller();
        r * c
    }
    /// Uniform in `0..m` for `m > 0`, unbiased (Lemire's multiply and
    /// reject; a draw is rejected with probability below `m / 2^64`).
    pub(crate) fn below(&mut self, m: u64) -> u64 {
        let mut prod = self.next_u64() as u128 * m as u128;
        if (prod as u64) < m {
            let t = m.wrapping_neg() % m;
            // Each try fails with probability <= 1/2: 64 failures in a row
            // (< 1e-19) keep the last, almost unbiased, value.
            for _ in 0..64 {
                if (prod as u64) >= t {
                    break;
                }
                prod = self.next_u64() as u128 * m as u128;
            }
        }
        (prod >> 64) as u64
    }
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Rejection loops stop after this many tries (each accepts with
/// probability > 0.5, most > 0.9): reaching it has probability < 1e-300.
const MAX_TRIES: usize = 1024;

/// Standard gamma of shape `k` (Marsaglia and Tsang, 2000; for `k < 1` the
/// boost `G(k + 1) * U^(1/k)`), every draw from the element's stream.
fn std_gamma(s: &mut Stream, k: f64) -> f64 {
    if k <= 0.0 {
        return 0.0;
    }
    if k < 1.0 {
        let u = 1.0 - s.uniform();
        return std_gamma(s, k + 1.0) * u.powf(1.0 / k);
    }
    let d = k - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    for _ in 0..MAX_TRIES {
        let x = s.normal();
        let t = 1.0 + c * x;
        if t <= 0.0 {
            continue;
        }
        let v = t * t * t;
        let u = 1.0 - s.uniform();
        if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
    d
}

/// `ln Gamma(x)` for `x >= 1` (NumPy's `random_loggam`: Stirling's series
/// after shifting `x` up to 7).
fn loggam(x: f64) -> f64 {
    const A: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.41025641025641e-3,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let n = if x < 7.0 { (7.0 - x) as i64 } else { 0 };
    let mut x0 = x + n as f64;
    let x2 = (1.0 / x0) * (1.0 / x0);
    let mut gl0 = A[9];
    for k in (0..9).rev() {
        gl0 *= x2;
        gl0 += A[k];
    }
    let mut gl = gl0 / x0 + 0.5 * 1.8378770664093453 + (x0 - 0.5) * x0.ln() - x0;
    for _ in 0..n {
        gl -= (x0 - 1.0).ln();
        x0 -= 1.0;
    }
    gl
}

/// Poisson of mean `lam`: multiplication of uniforms below 10 (NumPy's
/// `random_poisson_mult`), Hörmann's PTRS transformed rejection above
/// (`random_poisson_ptrs`).
fn poisson(s: &mut Stream, lam: f64) -> i64 {
    if lam <= 0.0 {
        return 0;
    }
    if lam < 10.0 {
        let enlam = (-lam).exp();
        let mut prod = 1.0;
        // P(X > 10_000) for lam < 10 is far below 1e-300.
        for x in 0..10_000 {
            prod *= s.uniform();
            if prod <= enlam {
                return x;
            }
        }
        return 10_000;
    }
    let slam = lam.sqrt();
    let loglam = lam.ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let invalpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    for _ in 0..MAX_TRIES {
        let u = s.uniform() - 0.5;
        let v = s.uniform();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lam + 0.43).floor();
        if us >= 0.07 && v <= vr {
            return k as i64;
        }
        if k < 0.0 || (us < 0.013 && v > us) {
            continue;
        }
        if v.ln() + invalpha.ln() - (a / (us * us) + b).ln() <= -lam + k * loglam - loggam(k + 1.0) {
            return k as i64;
        }
    }
    lam as i64
}

/// Binomial(n, p) by inversion for `n * p <= 30` after `p <= 1/2` by
/// symmetry (NumPy's `random_binomial_inversion`).
fn binomial_inversion(s: &mut Stream, n: u64, p: f64) -> u64 {
    if p > 0.5 {
        return n - binomial_inversion(s, n, 1.0 - p);
    }
    if n == 0 || p <= 0.0 {
        return 0;
    }
    let q = 1.0 - p;
    let qn = (n as f64 * q.ln()).exp();
    let np = n as f64 * p;
    let bound = (n as f64).min(np + 10.0 * (np * q + 1.0).sqrt());
    for _ in 0..MAX_TRIES {
        let mut x = 0u64;
        let mut px = qn;
        let mut u = s.uniform();
        // A walk past `bound` (probability below 1e-20) draws again.
        while u > px {
            x += 1;
            if x as f64 > bound {
                break;
            }
            u -= px;
            px = ((n - x + 1) as f64 * p * px) / (x as f64 * q);
        }
        if u <= px {
            return x;
        }
    }
    np as u64
}

/// Binomial(n, p), exactly: while `n * min(p, 1 - p) > 30`, Knuth's split
/// by the `a`-th smallest of the `n` uniforms (a Beta(a, n + 1 - a) variate
/// from two gammas), which halves `n`; then inversion. About `log2(n)`
/// splits, each of a few draws.
fn binomial(s: &mut Stream, mut n: u64, mut p: f64) -> u64 {
    let mut count = 0u64;
    while n as f64 * p.min(1.0 - p) > 30.0 {
        let a = 1 + n / 2;
        let b = n + 1 - a;
        let ga = std_gamma(s, a as f64);
        let gb = std_gamma(s, b as f64);
        let x = ga / (ga + gb);
        if x >= p {
            n = a - 1;
            p = (p / x).clamp(0.0, 1.0);
        } else {
            count += a;
            n = b - 1;
            p = ((p - x) / (1.0 - x)).clamp(0.0, 1.0);
        }
    }
    count + binomial_inversion(s, n, p)
}

/// Counter-based random integers (uniform, Poisson, binomial): each value
/// is drawn from its element's [`Stream`], so it depends only on the seed
/// and its flat index.
pub(crate) struct RandomInt<T> {
    key: u64,
    strides: Vec<usize>,
    dist: Dist,
    /// For `Integers`: the lowest value (as i128) and the count of values
    /// minus one.
    low: i128,
    span: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T: Numeric> RandomInt<T> {
    fn new(seed: u64, strides: Vec<usize>, dist: Dist) -> Self {
        let (low, span) = match dist.integer_range() {
            Some((lo, hi)) => (lo, (hi - lo) as u64),
            None => (0, 0),
        };
        RandomInt { key: mix(seed), strides, dist, low, span, _t: PhantomData }
    }

    #[inline]
    fn value(&self, flat: u64) -> T {
        let mut s = Stream::from_hash(mix(self.key ^ flat));
        let v: i128 = match self.dist {
            Dist::Integers { .. } => {
                let r = if self.span == u64::MAX { s.next_u64() } else { s.below(self.span + 1) };
                self.low + r as i128
            }
            Dist::Poisson { lam } => poisson(&mut s, lam) as i128,
            Dist::Binomial { n, p } => binomial(&mut s, n, p) as i128,
            _ => 0,
        };
        // In range of `T` by the parameter checks: the low 64 bits are the
        // value's bit pattern.
        T::el_from_bits(v as u64)
    }
}

impl<T: Numeric> TypedSource<T> for RandomInt<T> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        fill_flat(&self.strides, index, run, out, |flat| self.value(flat));
    }
}
