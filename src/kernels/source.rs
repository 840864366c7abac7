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
        SourceOp::Random { seed, dist } => with_float!(dtype, T => {
            let mut strides = vec![1usize; shape.len()];
            for a in (0..shape.len().saturating_sub(1)).rev() {
                strides[a] = strides[a + 1] * shape[a + 1];
            }
            let src = Random::<T>::new(*seed, strides, *dist);
            Ok(Arc::new(Erased::<T, _>::new(op.clone(), src)) as Arc<dyn Source>)
        }, other => Err(Error::Internal("random values of a non-float type".into()))),
        SourceOp::Custom(c) => {
            Err(Error::Invalid(format!("the custom source `{}` cannot be rebuilt from data", c.name())))
        }
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

    #[inline]
    fn value(&self, flat: u64) -> T {
        let h = mix(self.key ^ flat);
        let x = match self.dist {
            Dist::Uniform { low, high } => low + (high - low) * unit(h),
            Dist::Normal { mean, std } => {
                // Box-Muller on two independent uniforms of this index.
                let u1 = 1.0 - unit(h);
                let u2 = unit(mix(h));
                mean + std * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            }
        };
        T::cast_from(x)
    }
}

impl<T: Float> TypedSource<T> for Random<T> {
    fn fill_typed(&self, index: &[usize], run: Run, out: &mut [T]) {
        let flat: usize = index.iter().zip(&self.strides).map(|(i, s)| i * s).sum();
        let d = run.axis.map_or(0, |a| run.step * self.strides[a] as isize);
        for (k, o) in out.iter_mut().enumerate() {
            *o = self.value((flat as isize + d * k as isize) as u64);
        }
    }
}
