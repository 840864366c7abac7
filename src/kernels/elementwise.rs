//! Elementwise kernels: typed closures over tiles, erased behind `Kernel`.

use crate::dtype::{AnySlice, AnySliceMut, DType, Element};
use std::marker::PhantomData;

/// One elementwise step of a fused program: reads `args` tiles, writes `out`.
pub trait Kernel: Send + Sync {
    /// Operation name, shown in graphs.
    fn name(&self) -> &str;
    /// Output element type.
    fn out_dtype(&self) -> DType;
    /// Applies the operation to runs of equal length.
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>);
}

/// `U = f(T)`.
pub(crate) struct Map1<T, U, F> {
    name: String,
    f: F,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Element, U: Element, F: Fn(T) -> U + Send + Sync> Map1<T, U, F> {
    pub(crate) fn new(name: impl Into<String>, f: F) -> Self {
        Map1 { name: name.into(), f, _t: PhantomData }
    }
}

impl<T: Element, U: Element, F: Fn(T) -> U + Send + Sync> Kernel for Map1<T, U, F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn out_dtype(&self) -> DType {
        U::DTYPE
    }
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>) {
        map1(T::slice(args[0]), U::slice_mut(out), &self.f);
    }
}

/// `U = f(T, T)`.
pub(crate) struct Map2<T, U, F> {
    name: String,
    f: F,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Element, U: Element, F: Fn(T, T) -> U + Send + Sync> Map2<T, U, F> {
    pub(crate) fn new(name: impl Into<String>, f: F) -> Self {
        Map2 { name: name.into(), f, _t: PhantomData }
    }
}

impl<T: Element, U: Element, F: Fn(T, T) -> U + Send + Sync> Kernel for Map2<T, U, F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn out_dtype(&self) -> DType {
        U::DTYPE
    }
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>) {
        map2(T::slice(args[0]), T::slice(args[1]), U::slice_mut(out), &self.f);
    }
}

/// `where(cond, a, b)`.
pub(crate) struct Where<T>(PhantomData<fn(T)>);

impl<T: Element> Where<T> {
    pub(crate) fn new() -> Self {
        Where(PhantomData)
    }
}

impl<T: Element> Kernel for Where<T> {
    fn name(&self) -> &str {
        "where"
    }
    fn out_dtype(&self) -> DType {
        T::DTYPE
    }
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>) {
        select(bool::slice(args[0]), T::slice(args[1]), T::slice(args[2]), T::slice_mut(out));
    }
}

multiversion! {
    fn map1<T, U, F>(a: &[T], o: &mut [U], f: &F) where [T: Element, U: Element, F: Fn(T) -> U] {
        for (o, &a) in o.iter_mut().zip(a) {
            *o = f(a);
        }
    }
}

multiversion! {
    fn map2<T, U, F>(a: &[T], b: &[T], o: &mut [U], f: &F) where [T: Element, U: Element, F: Fn(T, T) -> U] {
        for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
            *o = f(a, b);
        }
    }
}

multiversion! {
    fn select<T>(c: &[bool], a: &[T], b: &[T], o: &mut [T]) where [T: Element] {
        for (((o, &c), &a), &b) in o.iter_mut().zip(c).zip(a).zip(b) {
            *o = if c { a } else { b };
        }
    }
}
