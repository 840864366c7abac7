//! Elementwise kernels: typed closures over tiles, erased behind `Kernel`.

use crate::dtype::{AnyVec, DType, Element};
use std::marker::PhantomData;

/// One elementwise step of a fused program: reads `args` tiles, writes `out`.
pub trait Kernel: Send + Sync {
    /// Operation name, shown in graphs.
    fn name(&self) -> &str;
    /// Output element type.
    fn out_dtype(&self) -> DType;
    /// Applies the operation to the first `n` elements of each argument.
    fn apply(&self, args: &[&AnyVec], out: &mut AnyVec, n: usize);
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
    fn apply(&self, args: &[&AnyVec], out: &mut AnyVec, n: usize) {
        let a = &T::vec(args[0])[..n];
        let o = &mut U::vec_mut(out)[..n];
        for (o, &a) in o.iter_mut().zip(a) {
            *o = (self.f)(a);
        }
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
    fn apply(&self, args: &[&AnyVec], out: &mut AnyVec, n: usize) {
        let a = &T::vec(args[0])[..n];
        let b = &T::vec(args[1])[..n];
        let o = &mut U::vec_mut(out)[..n];
        for ((o, &a), &b) in o.iter_mut().zip(a).zip(b) {
            *o = (self.f)(a, b);
        }
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
    fn apply(&self, args: &[&AnyVec], out: &mut AnyVec, n: usize) {
        let c = &bool::vec(args[0])[..n];
        let a = &T::vec(args[1])[..n];
        let b = &T::vec(args[2])[..n];
        let o = &mut T::vec_mut(out)[..n];
        for (((o, &c), &a), &b) in o.iter_mut().zip(c).zip(a).zip(b) {
            *o = if c { a } else { b };
        }
    }
}
