//! Elementwise kernels: typed closures over tiles, erased behind `Kernel`.
//!
//! [`kernel_for`] is the one dispatch from op data and input types to a
//! kernel: it runs once, when a node is built, and picks a closure
//! monomorphised for the element type (a scalar operand or parameter is
//! captured as a typed value), so the per-tile loop is what the typed API
//! would have written by hand. Custom ops (user closures) make their
//! kernel directly with [`Map1::new`].

use crate::dtype::{AnySlice, AnySliceMut, CastFrom, DType, Element, Numeric};
use crate::error::{Error, Result};
use crate::ops::{BinaryOp, ElemOp, Scalar, UnaryOp};
use crate::{with_dtype, with_float, with_numeric};
use std::marker::PhantomData;
use std::sync::Arc;

/// One elementwise step of a fused program: reads `args` tiles, writes `out`.
pub trait Kernel: Send + Sync {
    /// Operation name, shown in graphs.
    fn name(&self) -> &str;
    /// The op data the kernel was built from: with the input types
    /// ([`Kernel::in_dtypes`]), all that [`kernel_for`] needs to build it
    /// again (except for custom ops).
    fn op(&self) -> &ElemOp;
    /// Input element types, in argument order.
    fn in_dtypes(&self) -> Vec<DType>;
    /// Output element type.
    fn out_dtype(&self) -> DType;
    /// Applies the operation to runs of equal length.
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>);
}

/// `U = f(T)`.
pub(crate) struct Map1<T, U, F> {
    name: String,
    op: ElemOp,
    f: F,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Element, U: Element, F: Fn(T) -> U + Send + Sync> Map1<T, U, F> {
    pub(crate) fn new(op: ElemOp, f: F) -> Self {
        Map1 { name: op.name().into_owned(), op, f, _t: PhantomData }
    }
}

impl<T: Element, U: Element, F: Fn(T) -> U + Send + Sync> Kernel for Map1<T, U, F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn op(&self) -> &ElemOp {
        &self.op
    }
    fn in_dtypes(&self) -> Vec<DType> {
        vec![T::DTYPE]
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
    op: ElemOp,
    f: F,
    _t: PhantomData<fn(T) -> U>,
}

impl<T: Element, U: Element, F: Fn(T, T) -> U + Send + Sync> Map2<T, U, F> {
    pub(crate) fn new(op: ElemOp, f: F) -> Self {
        Map2 { name: op.name().into_owned(), op, f, _t: PhantomData }
    }
}

impl<T: Element, U: Element, F: Fn(T, T) -> U + Send + Sync> Kernel for Map2<T, U, F> {
    fn name(&self) -> &str {
        &self.name
    }
    fn op(&self) -> &ElemOp {
        &self.op
    }
    fn in_dtypes(&self) -> Vec<DType> {
        vec![T::DTYPE, T::DTYPE]
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

impl<T: Element> Kernel for Where<T> {
    fn name(&self) -> &str {
        "where"
    }
    fn op(&self) -> &ElemOp {
        &ElemOp::Where
    }
    fn in_dtypes(&self) -> Vec<DType> {
        vec![DType::Bool, T::DTYPE, T::DTYPE]
    }
    fn out_dtype(&self) -> DType {
        T::DTYPE
    }
    fn apply(&self, args: &[AnySlice<'_>], out: AnySliceMut<'_>) {
        select(bool::slice(args[0]), T::slice(args[1]), T::slice(args[2]), T::slice_mut(out));
    }
}

/// The kernel of a built-in op for inputs of types `inputs`; an error if
/// the op does not take them (its type rule, [`ElemOp::out_dtype`]) or is
/// a custom op (whose closure only its maker has).
pub(crate) fn kernel_for(op: &ElemOp, inputs: &[DType]) -> Result<Arc<dyn Kernel>> {
    let out = op.out_dtype(inputs)?;
    let k = match op {
        ElemOp::Unary(u) => unary(op, *u, inputs[0])?,
        ElemOp::Binary(b) => binary(*b, inputs[0], Pair(op))?,
        ElemOp::ScalarRight { op: b, scalar } => {
            binary(*b, inputs[0], WithScalar { op, scalar: *scalar, left: false })?
        }
        ElemOp::ScalarLeft { op: b, scalar } => binary(*b, inputs[0], WithScalar { op, scalar: *scalar, left: true })?,
        ElemOp::Cast(to) => cast(op, inputs[0], *to),
        ElemOp::Where => with_dtype!(inputs[1], T => Arc::new(Where::<T>(PhantomData)) as Arc<dyn Kernel>),
        ElemOp::Custom(_) => return Err(mismatch(op, inputs)),
    };
    if k.out_dtype() != out || k.in_dtypes() != inputs {
        return Err(mismatch(op, inputs));
    }
    Ok(k)
}

/// A dispatch that found no kernel after the type rule let the types
/// pass: the two disagree (a bug), reported rather than run.
fn mismatch(op: &ElemOp, inputs: &[DType]) -> Error {
    let names: Vec<&str> = inputs.iter().map(|d| d.name()).collect();
    Error::Internal(format!("no {} kernel for {names:?}", op.name()))
}

fn kernel1<T: Element, U: Element>(op: &ElemOp, f: impl Fn(T) -> U + Send + Sync + 'static) -> Result<Arc<dyn Kernel>> {
    Ok(Arc::new(Map1::new(op.clone(), f)))
}

/// A scalar parameter as the input's type (the type rule checked it).
fn scalar<T: Element>(op: &ElemOp, s: Scalar) -> Result<T> {
    s.get::<T>().ok_or_else(|| mismatch(op, &[T::DTYPE]))
}

fn unary(op: &ElemOp, u: UnaryOp, t: DType) -> Result<Arc<dyn Kernel>> {
    use UnaryOp::*;
    let no = || Err(mismatch(op, &[t]));
    macro_rules! float {
        ($f:expr) => {
            with_float!(t, T => kernel1::<T, _>(op, $f), other => no())
        };
    }
    match u {
        Abs => with_numeric!(t, T => kernel1::<T, T>(op, T::abs_val), bool => no()),
        Neg => with_numeric!(t, T => kernel1::<T, T>(op, T::neg_), bool => no()),
        Clip { min, max } => with_numeric!(t, T => {
            let (min, max) = (scalar::<T>(op, min)?, scalar::<T>(op, max)?);
            kernel1::<T, T>(op, move |x| if x < min { min } else if x > max { max } else { x })
        }, bool => no()),
        Not => kernel1::<bool, bool>(op, |x| !x),
        Sqrt => float!(|x: T| x.sqrt()),
        Exp => float!(|x: T| x.exp()),
        Ln => float!(|x: T| x.ln()),
        Log10 => float!(|x: T| x.log10()),
        Log2 => float!(|x: T| x.log2()),
        Sin => float!(|x: T| x.sin()),
        Cos => float!(|x: T| x.cos()),
        Tan => float!(|x: T| x.tan()),
        Tanh => float!(|x: T| x.tanh()),
        Floor => float!(|x: T| x.floor()),
        Ceil => float!(|x: T| x.ceil()),
        Round => float!(|x: T| x.round()),
        Signum => float!(|x: T| if x == 0.0 { 0.0 } else { x.signum() }),
        Recip => float!(|x: T| x.recip()),
        IsNan => float!(|x: T| x.is_nan()),
        IsFinite => float!(|x: T| x.is_finite()),
        Powi(n) => float!(move |x: T| x.powi(n)),
        Powf(p) => with_float!(t, T => {
            let p = scalar::<T>(op, p)?;
            kernel1::<T, T>(op, move |x| x.powf(p))
        }, other => no()),
    }
}

/// Makes a kernel from the typed function of a binary op: of two arrays,
/// or of an array and a scalar.
trait BinaryMaker {
    fn make<T: Element, U: Element>(
        self,
        f: impl Fn(T, T) -> U + Copy + Send + Sync + 'static,
    ) -> Result<Arc<dyn Kernel>>;
}

/// Two arrays.
struct Pair<'a>(&'a ElemOp);

impl BinaryMaker for Pair<'_> {
    fn make<T: Element, U: Element>(
        self,
        f: impl Fn(T, T) -> U + Copy + Send + Sync + 'static,
    ) -> Result<Arc<dyn Kernel>> {
        Ok(Arc::new(Map2::new(self.0.clone(), f)))
    }
}

/// An array and a scalar (captured as the array's type), on either side.
struct WithScalar<'a> {
    op: &'a ElemOp,
    scalar: Scalar,
    left: bool,
}

impl BinaryMaker for WithScalar<'_> {
    fn make<T: Element, U: Element>(
        self,
        f: impl Fn(T, T) -> U + Copy + Send + Sync + 'static,
    ) -> Result<Arc<dyn Kernel>> {
        let s = scalar::<T>(self.op, self.scalar)?;
        if self.left {
            kernel1(self.op, move |x| f(s, x))
        } else {
            kernel1(self.op, move |x| f(x, s))
        }
    }
}

// Comparisons are generated for every type, `bool` among them.
#[allow(clippy::bool_comparison)]
fn binary(b: BinaryOp, t: DType, m: impl BinaryMaker) -> Result<Arc<dyn Kernel>> {
    use BinaryOp::*;
    let no = || Err(Error::Internal(format!("no {} kernel for {}", b.name(), t.name())));
    match b {
        Add => with_numeric!(t, T => m.make(T::add_), bool => no()),
        Sub => with_numeric!(t, T => m.make(T::sub_), bool => no()),
        Mul => with_numeric!(t, T => m.make(T::mul_), bool => no()),
        Div => with_numeric!(t, T => m.make(T::div_), bool => no()),
        Rem => with_numeric!(t, T => m.make(T::rem_), bool => no()),
        Maximum => {
            with_numeric!(t, T => m.make(|a: T, b: T| if a.el_is_nan() || a >= b { a } else { b }), bool => no())
        }
        Minimum => {
            with_numeric!(t, T => m.make(|a: T, b: T| if a.el_is_nan() || a <= b { a } else { b }), bool => no())
        }
        Pow => with_float!(t, T => m.make(|a: T, b: T| a.powf(b)), other => no()),
        Eq => with_dtype!(t, T => m.make(|a: T, b: T| a == b)),
        Ne => with_dtype!(t, T => m.make(|a: T, b: T| a != b)),
        Lt => with_dtype!(t, T => m.make(|a: T, b: T| a < b)),
        Le => with_dtype!(t, T => m.make(|a: T, b: T| a <= b)),
        Gt => with_dtype!(t, T => m.make(|a: T, b: T| a > b)),
        Ge => with_dtype!(t, T => m.make(|a: T, b: T| a >= b)),
        And => m.make(|a: bool, b: bool| a & b),
        Or => m.make(|a: bool, b: bool| a | b),
        Xor => m.make(|a: bool, b: bool| a ^ b),
    }
}

fn cast(op: &ElemOp, from: DType, to: DType) -> Arc<dyn Kernel> {
    with_dtype!(from, T => with_dtype!(to, U => Arc::new(Map1::new(op.clone(), <U as CastFrom<T>>::cast_from)) as Arc<dyn Kernel>))
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
