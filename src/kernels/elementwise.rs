//! Elementwise kernels: typed closures over tiles, erased behind `Kernel`.
//!
//! [`kernel_for`] is the one dispatch from op data and input types to a
//! kernel: it runs once, when a node is built, and picks a closure
//! monomorphised for the element type (a scalar operand or parameter is
//! captured as a typed value), so the per-tile loop is what the typed API
//! would have written by hand. Custom ops (user closures) make their
//! kernel directly with [`Map1::new`].

use crate::dtype::{AnySlice, AnySliceMut, CastFrom, DType, Element, Float, Numeric};
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
        Round => float!(|x: T| x.round_ties_even()),
        Signum => float!(|x: T| if x == 0.0 { 0.0 } else { x.signum() }),
        Recip => float!(|x: T| x.recip()),
        IsNan => float!(|x: T| x.is_nan()),
        IsFinite => float!(|x: T| x.is_finite()),
        Powi(n) => float!(move |x: T| x.powi(n)),
        Powf(p) => with_float!(t, T => {
            let p = scalar::<T>(op, p)?;
            kernel1::<T, T>(op, move |x| x.powf(p))
        }, other => no()),
        Arcsin => float!(|x: T| x.asin()),
        Arccos => float!(|x: T| x.acos()),
        Arctan => float!(|x: T| x.atan()),
        Sinh => float!(|x: T| x.sinh()),
        Cosh => float!(|x: T| x.cosh()),
        Arcsinh => float!(|x: T| x.asinh()),
        Arccosh => float!(|x: T| x.acosh()),
        Arctanh => float!(|x: T| x.atanh()),
        Log1p => float!(|x: T| x.ln_1p()),
        Expm1 => float!(|x: T| x.exp_m1()),
        Exp2 => float!(|x: T| x.exp2()),
        Cbrt => float!(|x: T| x.cbrt()),
        Square => with_numeric!(t, T => kernel1::<T, T>(op, |x: T| x.mul_(x)), bool => no()),
        Trunc => float!(|x: T| x.trunc()),
        Deg2Rad => float!(|x: T| x.to_radians()),
        Rad2Deg => float!(|x: T| x.to_degrees()),
        IsInf => float!(|x: T| x.is_infinite()),
        IsPosInf => float!(|x: T| x == T::INFINITY),
        IsNegInf => float!(|x: T| x == T::NEG_INFINITY),
        Signbit => float!(|x: T| x.is_sign_negative()),
        RoundDecimals(d) => with_float!(t, T => {
            // NumPy's round: scale, round halves to even, scale back (the
            // scale itself in f64 for f32, as NumPy computes it).
            let f = 10f64.powi(d.unsigned_abs() as i32) as T;
            if d >= 0 {
                kernel1::<T, T>(op, move |x| (x * f).round_ties_even() / f)
            } else {
                kernel1::<T, T>(op, move |x| (x / f).round_ties_even() * f)
            }
        }, other => no()),
        NanToNum { nan, posinf, neginf } => with_float!(t, T => {
            let (n, p, m) = (scalar::<T>(op, nan)?, scalar::<T>(op, posinf)?, scalar::<T>(op, neginf)?);
            kernel1::<T, T>(op, move |x| {
                if x.is_nan() {
                    n
                } else if x == T::INFINITY {
                    p
                } else if x == T::NEG_INFINITY {
                    m
                } else {
                    x
                }
            })
        }, other => no()),
        Invert => with_int!(t, T => kernel1::<T, T>(op, |x: T| !x), other => kernel1::<bool, bool>(op, |x| !x)),
    }
}

/// As `with_dtype!` for the integer types; `bool` and floats evaluate
/// `$other`.
macro_rules! with_int {
    ($dt:expr, $t:ident => $body:expr, other => $other:expr) => {
        match $dt {
            DType::I8 => {
                type $t = i8;
                $body
            }
            DType::I16 => {
                type $t = i16;
                $body
            }
            DType::I32 => {
                type $t = i32;
                $body
            }
            DType::I64 => {
                type $t = i64;
                $body
            }
            DType::U8 => {
                type $t = u8;
                $body
            }
            DType::U16 => {
                type $t = u16;
                $body
            }
            DType::U32 => {
                type $t = u32;
                $body
            }
            DType::U64 => {
                type $t = u64;
                $body
            }
            _ => $other,
        }
    };
}
use with_int;

/// NumPy's `fmax`/`fmin` (`better(b, a)`: b wins): NaN loses to a number.
#[inline(always)]
fn fpick<T: Element>(a: T, b: T, better: impl Fn(T, T) -> bool) -> T {
    if b.el_is_nan() || (!a.el_is_nan() && !better(b, a)) {
        a
    } else {
        b
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
// Shifts are generated for every integer type: `as u64` and `a < 0` are
// no-ops for some.
#[allow(clippy::bool_comparison, clippy::unnecessary_cast, clippy::absurd_extreme_comparisons, unused_comparisons)]
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
        And => with_int!(t, T => m.make(|a: T, b: T| a & b), other => m.make(|a: bool, b: bool| a & b)),
        Or => with_int!(t, T => m.make(|a: T, b: T| a | b), other => m.make(|a: bool, b: bool| a | b)),
        Xor => with_int!(t, T => m.make(|a: T, b: T| a ^ b), other => m.make(|a: bool, b: bool| a ^ b)),
        FloorDiv => {
            with_int!(t, T => m.make(T::div_), other => with_float!(t, T => m.make(floor_div::<T>), other => no()))
        }
        Fmod => with_int!(t, T => m.make(|a: T, b: T| if b == 0 { 0 } else { a.wrapping_rem(b) }),
            other => with_float!(t, T => m.make(|a: T, b: T| a % b), other => no())),
        Fmax => with_numeric!(t, T => m.make(|a: T, b: T| fpick(a, b, |p, q| p > q)), bool => no()),
        Fmin => with_numeric!(t, T => m.make(|a: T, b: T| fpick(a, b, |p, q| p < q)), bool => no()),
        Arctan2 => with_float!(t, T => m.make(|a: T, b: T| a.atan2(b)), other => no()),
        Hypot => with_float!(t, T => m.make(|a: T, b: T| a.hypot(b)), other => no()),
        Copysign => with_float!(t, T => m.make(|a: T, b: T| a.copysign(b)), other => no()),
        Shl => with_int!(t, T => m.make(|a: T, b: T| {
            // `b` as unsigned: a negative shift is past the width (NumPy).
            let s = b as u64;
            if s < T::BITS as u64 { a << s } else { 0 }
        }), other => no()),
        Shr => with_int!(t, T => m.make(|a: T, b: T| {
            let s = b as u64;
            if s < T::BITS as u64 { a >> s } else if a < 0 { !0 } else { 0 }
        }), other => no()),
    }
}

/// NumPy's `floor_divide` of floats (npy_divmod): the floor of the exact
/// quotient, from `fmod` so that `a == b * (a // b) + a % b` holds as far
/// as rounding allows; division by zero gives `a / b` (inf or NaN).
#[inline(always)]
fn floor_div<T: Float>(a: T, b: T) -> T {
    if b == T::zero() {
        return a / b;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != T::zero() && ((b < T::zero()) != (m < T::zero())) {
        div = div - T::one();
    }
    if div == T::zero() {
        // A zero quotient takes the sign of the true quotient.
        return T::zero().copysign(a / b);
    }
    let f = div.floor();
    if div - f > T::from(0.5).expect("0.5 is a float") {
        f + T::one()
    } else {
        f
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
