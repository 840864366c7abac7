//! Elementwise operations as data.
//!
//! An [`ElemOp`] says what an elementwise step computes; with the element
//! types of its inputs it determines the kernel (built once, when the node
//! is built, by the crate's dispatch from op and types to a monomorphised
//! loop) and the output type ([`ElemOp::out_dtype`]). The type rules are
//! those of the typed API:
//!
//! | ops | inputs | output |
//! | --- | --- | --- |
//! | `abs`, `neg`, `square`, `clip`; `add`, `sub`, `mul`, `div`, `floor_divide`, `mod`, `fmod`, `maximum`, `minimum`, `fmax`, `fmin` | numeric | same |
//! | `sqrt` .. `rad2deg`, `nan_to_num`, `powi`, `powf`, `pow`, `arctan2`, `hypot`, `copysign` | float | same |
//! | `isnan`, `isfinite`, `isinf`, `isposinf`, `isneginf`, `signbit` | float | `bool` |
//! | `eq`, `ne`, `lt`, `le`, `gt`, `ge` | any | `bool` |
//! | `not` | `bool` | `bool` |
//! | `invert`, `and`, `or`, `xor` | integer or `bool` | same |
//! | `left_shift`, `right_shift` | integer | same |
//! | `astype-U` | any | `U` |
//! | `where` | `bool`, `T`, `T` | `T` |
//!
//! A binary op takes two arrays of one type, or one array and a scalar of
//! its type on either side ([`ElemOp::ScalarRight`], [`ElemOp::ScalarLeft`]).
//! Scalar parameters (clip bounds, powers, scalar operands) must have the
//! input's type.
//!
//! User closures (`mapv` and the crate's own named closures) are
//! [`ElemOp::Custom`]: a name and a token stand for the closure, which only
//! its kernel holds. A custom op compares and hashes by name and token, and
//! does not serialise (the closure cannot be sent): serialising one is an
//! error naming it.

use super::scalar::Scalar;
use super::CustomOp;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What kinds of element an op takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Takes {
    Any,
    Numeric,
    Float,
    Bool,
    Integer,
    IntOrBool,
}

impl Takes {
    fn allows(self, d: DType) -> bool {
        match self {
            Takes::Any => true,
            Takes::Numeric => d != DType::Bool,
            Takes::Float => d.is_float(),
            Takes::Bool => d == DType::Bool,
            Takes::Integer => d != DType::Bool && !d.is_float(),
            Takes::IntOrBool => !d.is_float(),
        }
    }
    fn describe(self) -> &'static str {
        match self {
            Takes::Any => "any element type",
            Takes::Numeric => "a numeric type",
            Takes::Float => "a float type",
            Takes::Bool => "bool",
            Takes::Integer => "an integer type",
            Takes::IntOrBool => "an integer type or bool",
        }
    }
}

/// A function of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum UnaryOp {
    /// Absolute value (integers wrap: `abs(MIN) == MIN`).
    Abs,
    /// Square root.
    Sqrt,
    /// `e^x`.
    Exp,
    /// Natural logarithm.
    Ln,
    /// Base-10 logarithm.
    Log10,
    /// Base-2 logarithm.
    Log2,
    /// Sine.
    Sin,
    /// Cosine.
    Cos,
    /// Tangent.
    Tan,
    /// Hyperbolic tangent.
    Tanh,
    /// Largest integer not above.
    Floor,
    /// Smallest integer not below.
    Ceil,
    /// Nearest integer, halves to even (NumPy's `round`/`rint`).
    Round,
    /// -1, 0 or 1 (both zeros give `+0`, as NumPy's `sign`; NaN kept).
    Signum,
    /// `1 / x`.
    Recip,
    /// `-x` (integers wrap).
    Neg,
    /// Logical not.
    Not,
    /// True where NaN.
    IsNan,
    /// True where neither infinite nor NaN.
    IsFinite,
    /// Limits to `[min, max]` (NaN stays NaN).
    Clip { min: Scalar, max: Scalar },
    /// Integer power.
    Powi(i32),
    /// Real power.
    Powf(Scalar),
    /// Inverse sine.
    Arcsin,
    /// Inverse cosine.
    Arccos,
    /// Inverse tangent.
    Arctan,
    /// Hyperbolic sine.
    Sinh,
    /// Hyperbolic cosine.
    Cosh,
    /// Inverse hyperbolic sine.
    Arcsinh,
    /// Inverse hyperbolic cosine.
    Arccosh,
    /// Inverse hyperbolic tangent.
    Arctanh,
    /// `ln(1 + x)`, accurate near 0.
    Log1p,
    /// `e^x - 1`, accurate near 0.
    Expm1,
    /// `2^x`.
    Exp2,
    /// Cube root.
    Cbrt,
    /// `x * x` (integers wrap).
    Square,
    /// Towards zero.
    Trunc,
    /// Degrees to radians.
    Deg2Rad,
    /// Radians to degrees.
    Rad2Deg,
    /// True where infinite.
    IsInf,
    /// True where `+inf`.
    IsPosInf,
    /// True where `-inf`.
    IsNegInf,
    /// True where the sign bit is set (`-0.0` and negative NaN too).
    Signbit,
    /// Rounds to `decimals` decimal places, halves to even, as NumPy's
    /// `round(x, decimals)`: `rint(x * 10^d) / 10^d` (for negative `d`,
    /// `rint(x / 10^-d) * 10^-d`).
    RoundDecimals(i32),
    /// NaN, `+inf` and `-inf` replaced by the given values (NumPy's
    /// `nan_to_num`).
    NanToNum { nan: Scalar, posinf: Scalar, neginf: Scalar },
    /// Bitwise not (NumPy's `invert`; logical not on `bool`).
    Invert,
}

impl UnaryOp {
    /// The name shown in graphs.
    pub fn name(&self) -> &'static str {
        use UnaryOp::*;
        match self {
            Abs => "abs",
            Sqrt => "sqrt",
            Exp => "exp",
            Ln => "ln",
            Log10 => "log10",
            Log2 => "log2",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Tanh => "tanh",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Signum => "signum",
            Recip => "recip",
            Neg => "neg",
            Not => "not",
            IsNan => "isnan",
            IsFinite => "isfinite",
            Clip { .. } => "clip",
            Powi(_) => "powi",
            Powf(_) => "powf",
            Arcsin => "arcsin",
            Arccos => "arccos",
            Arctan => "arctan",
            Sinh => "sinh",
            Cosh => "cosh",
            Arcsinh => "arcsinh",
            Arccosh => "arccosh",
            Arctanh => "arctanh",
            Log1p => "log1p",
            Expm1 => "expm1",
            Exp2 => "exp2",
            Cbrt => "cbrt",
            Square => "square",
            Trunc => "trunc",
            Deg2Rad => "deg2rad",
            Rad2Deg => "rad2deg",
            IsInf => "isinf",
            IsPosInf => "isposinf",
            IsNegInf => "isneginf",
            Signbit => "signbit",
            RoundDecimals(_) => "round_decimals",
            NanToNum { .. } => "nan_to_num",
            Invert => "invert",
        }
    }
    fn takes(&self) -> Takes {
        use UnaryOp::*;
        match self {
            Abs | Neg | Clip { .. } | Square => Takes::Numeric,
            Not => Takes::Bool,
            Invert => Takes::IntOrBool,
            _ => Takes::Float,
        }
    }
    /// The scalar parameters, which must have the input's type.
    fn scalars(&self) -> Vec<Scalar> {
        match *self {
            UnaryOp::Clip { min, max } => vec![min, max],
            UnaryOp::Powf(p) => vec![p],
            UnaryOp::NanToNum { nan, posinf, neginf } => vec![nan, posinf, neginf],
            _ => vec![],
        }
    }
    fn out_dtype(&self, t: DType) -> DType {
        use UnaryOp::*;
        match self {
            IsNan | IsFinite | IsInf | IsPosInf | IsNegInf | Signbit => DType::Bool,
            _ => t,
        }
    }
    fn hash_into(&self, h: &mut TokenHasher) {
        h.str(self.name());
        match *self {
            UnaryOp::Powi(n) | UnaryOp::RoundDecimals(n) => {
                h.u64(n as i64 as u64);
            }
            _ => self.scalars().iter().for_each(|s| s.hash_into(h)),
        }
    }
}

/// A function of two elements of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    /// `+` (integers wrap).
    Add,
    /// `-` (integers wrap).
    Sub,
    /// `*` (integers wrap).
    Mul,
    /// `/`: true division for floats; for integers NumPy's
    /// `floor_divide` (`//`: rounds towards minus infinity, so that
    /// `a == (a / b) * b + a % b`; division by zero gives 0, as NumPy's).
    Div,
    /// NumPy's `remainder`: the sign of the divisor (shown as `mod`).
    Rem,
    /// `a ^ b` for floats.
    Pow,
    /// The larger, NaN propagating (NumPy's `maximum`).
    Maximum,
    /// The smaller, NaN propagating (NumPy's `minimum`).
    Minimum,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// Logical and.
    And,
    /// Logical or.
    Or,
    /// Logical exclusive or.
    Xor,
    /// NumPy's `floor_divide` (`//`): `floor(a / b)` for floats, as `Div`
    /// for integers.
    FloorDiv,
    /// C's `fmod`: the remainder of truncating division, the dividend's
    /// sign (an integer remainder by zero gives 0, as NumPy's).
    Fmod,
    /// The larger, NaN ignored unless both are NaN (NumPy's `fmax`).
    Fmax,
    /// The smaller, NaN ignored unless both are NaN (NumPy's `fmin`).
    Fmin,
    /// `atan(a / b)` in the quadrant of `(b, a)`.
    Arctan2,
    /// `sqrt(a^2 + b^2)` without overflow on the way.
    Hypot,
    /// `|a|` with the sign of `b`.
    Copysign,
    /// `a << b` (0 when `b` is negative or not below the bit width, as
    /// NumPy's `left_shift`).
    Shl,
    /// `a >> b`, arithmetic for signed types (past the bit width: 0, or
    /// -1 for a negative `a`, as NumPy's `right_shift`).
    Shr,
}

impl BinaryOp {
    /// The name shown in graphs.
    pub fn name(&self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Rem => "mod",
            Pow => "pow",
            Maximum => "maximum",
            Minimum => "minimum",
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
            And => "and",
            Or => "or",
            Xor => "xor",
            FloorDiv => "floor_divide",
            Fmod => "fmod",
            Fmax => "fmax",
            Fmin => "fmin",
            Arctan2 => "arctan2",
            Hypot => "hypot",
            Copysign => "copysign",
            Shl => "left_shift",
            Shr => "right_shift",
        }
    }
    /// True for the comparisons, which give `bool`.
    pub fn is_comparison(&self) -> bool {
        use BinaryOp::*;
        matches!(self, Eq | Ne | Lt | Le | Gt | Ge)
    }
    fn takes(&self) -> Takes {
        use BinaryOp::*;
        match self {
            Pow | Arctan2 | Hypot | Copysign => Takes::Float,
            And | Or | Xor => Takes::IntOrBool,
            Shl | Shr => Takes::Integer,
            _ if self.is_comparison() => Takes::Any,
            _ => Takes::Numeric,
        }
    }
    fn out_dtype(&self, t: DType) -> DType {
        if self.is_comparison() {
            DType::Bool
        } else {
            t
        }
    }
}

/// An elementwise operation: what a step of a fused program computes.
///
/// ```
/// use darray::ops::{BinaryOp, ElemOp, Scalar};
/// use darray::DType;
/// let op = ElemOp::ScalarRight { op: BinaryOp::Lt, scalar: Scalar::F32(2.0) };
/// assert_eq!(op.out_dtype(&[DType::F32])?, DType::Bool);
/// assert!(op.out_dtype(&[DType::F64]).is_err()); // the scalar is f32
/// assert_eq!(op.name(), "lt");
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ElemOp {
    /// `f(x)`.
    Unary(UnaryOp),
    /// `f(a, b)` of two arrays (broadcast together).
    Binary(BinaryOp),
    /// `f(x, scalar)`.
    ScalarRight { op: BinaryOp, scalar: Scalar },
    /// `f(scalar, x)`.
    ScalarLeft { op: BinaryOp, scalar: Scalar },
    /// Conversion to another type with NumPy's `astype` rules.
    Cast(DType),
    /// `where(cond, a, b)`.
    Where,
    /// A user closure, named by its token (not serialisable).
    #[serde(serialize_with = "super::refuse_custom", skip_deserializing)]
    Custom(CustomOp),
}

impl From<UnaryOp> for ElemOp {
    fn from(u: UnaryOp) -> ElemOp {
        ElemOp::Unary(u)
    }
}
impl From<BinaryOp> for ElemOp {
    fn from(b: BinaryOp) -> ElemOp {
        ElemOp::Binary(b)
    }
}

impl ElemOp {
    /// A custom op: `name` for graphs, `token` standing for the closure.
    pub fn custom(name: &str, token: u64) -> ElemOp {
        ElemOp::Custom(CustomOp::new(name, token))
    }

    /// The name shown in graphs and keys (`add`, `astype-float32`, ...).
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            ElemOp::Unary(u) => u.name().into(),
            ElemOp::Binary(b) | ElemOp::ScalarRight { op: b, .. } | ElemOp::ScalarLeft { op: b, .. } => b.name().into(),
            ElemOp::Cast(d) => format!("astype-{}", d.name()).into(),
            ElemOp::Where => "where".into(),
            ElemOp::Custom(c) => c.name().into(),
        }
    }

    /// Number of inputs (`None` for a custom op: its kernel knows).
    pub fn arity(&self) -> Option<usize> {
        match self {
            ElemOp::Binary(_) => Some(2),
            ElemOp::Where => Some(3),
            ElemOp::Custom(_) => None,
            _ => Some(1),
        }
    }

    /// The output type for inputs of types `inputs`, or an error saying
    /// why the op does not take them. A custom op's types are its
    /// closure's, so asking is an error.
    pub fn out_dtype(&self, inputs: &[DType]) -> Result<DType> {
        let bad = |why: String| Error::Invalid(format!("{} {why}", self.name()));
        if let Some(n) = self.arity() {
            if inputs.len() != n {
                return Err(bad(format!("takes {n} inputs, got {}", inputs.len())));
            }
        }
        let check = |takes: Takes, t: DType, scalars: &[Scalar]| -> Result<()> {
            if !takes.allows(t) {
                return Err(bad(format!("takes {}, not {}", takes.describe(), t.name())));
            }
            match scalars.iter().find(|s| s.dtype() != t) {
                Some(s) => Err(bad(format!("on {} needs scalars of that type, got a {}", t.name(), s.dtype().name()))),
                None => Ok(()),
            }
        };
        match self {
            ElemOp::Unary(u) => {
                check(u.takes(), inputs[0], &u.scalars())?;
                Ok(u.out_dtype(inputs[0]))
            }
            ElemOp::Binary(b) => {
                if inputs[0] != inputs[1] {
                    return Err(bad(format!(
                        "needs inputs of one type, got {} and {}",
                        inputs[0].name(),
                        inputs[1].name()
                    )));
                }
                check(b.takes(), inputs[0], &[])?;
                Ok(b.out_dtype(inputs[0]))
            }
            ElemOp::ScalarRight { op, scalar } | ElemOp::ScalarLeft { op, scalar } => {
                check(op.takes(), inputs[0], &[*scalar])?;
                Ok(op.out_dtype(inputs[0]))
            }
            ElemOp::Cast(to) => Ok(*to),
            ElemOp::Where => {
                if inputs[0] != DType::Bool || inputs[1] != inputs[2] {
                    return Err(bad(format!(
                        "needs a bool condition and two values of one type, got {}, {}, {}",
                        inputs[0].name(),
                        inputs[1].name(),
                        inputs[2].name()
                    )));
                }
                Ok(inputs[1])
            }
            ElemOp::Custom(c) => Err(bad(format!("is a custom op ({}): only its kernel knows its types", c.token()))),
        }
    }

    /// Feeds the op (its kind and every parameter, scalars by type and
    /// bits) to a token: equal ops feed equal data.
    pub fn hash_into(&self, h: &mut TokenHasher) {
        match self {
            ElemOp::Unary(u) => {
                h.str("unary");
                u.hash_into(h);
            }
            ElemOp::Binary(b) => {
                h.str("binary").str(b.name());
                if *b == BinaryOp::Div {
                    // Integer `/` floors since NumPy's `//` was adopted:
                    // keys of the truncating op stay distinct.
                    h.str("floored");
                }
            }
            ElemOp::ScalarRight { op, scalar } => {
                h.str("scalar-right").str(op.name());
                scalar.hash_into(h);
            }
            ElemOp::ScalarLeft { op, scalar } => {
                h.str("scalar-left").str(op.name());
                scalar.hash_into(h);
            }
            ElemOp::Cast(d) => {
                h.str("cast").u64(*d as u64);
            }
            ElemOp::Where => {
                h.str("where");
            }
            ElemOp::Custom(c) => c.hash_into(h),
        }
    }

    /// Every built-in op, with sample parameters of type `t` where it has
    /// any, that takes inputs of type `t` (for tests and tools that walk
    /// the op set): each one's input types are given with it.
    pub fn builtins_for(t: DType) -> Vec<(ElemOp, Vec<DType>)> {
        use BinaryOp::*;
        use UnaryOp::*;
        let one = |x: f64| Scalar::from_f64(t, x);
        let unary = [
            Abs,
            Sqrt,
            Exp,
            Ln,
            Log10,
            Log2,
            Sin,
            Cos,
            Tan,
            Tanh,
            Floor,
            Ceil,
            Round,
            Signum,
            Recip,
            Neg,
            Not,
            IsNan,
            IsFinite,
            Clip { min: one(0.0), max: one(5.0) },
            Powi(3),
            Powf(one(2.0)),
            Arcsin,
            Arccos,
            Arctan,
            Sinh,
            Cosh,
            Arcsinh,
            Arccosh,
            Arctanh,
            Log1p,
            Expm1,
            Exp2,
            Cbrt,
            Square,
            Trunc,
            Deg2Rad,
            Rad2Deg,
            IsInf,
            IsPosInf,
            IsNegInf,
            Signbit,
            RoundDecimals(2),
            RoundDecimals(-1),
            NanToNum { nan: one(0.0), posinf: one(9.0), neginf: one(-9.0) },
            Invert,
        ];
        let binary = [
            Add, Sub, Mul, Div, Rem, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Xor, FloorDiv, Fmod, Fmax,
            Fmin, Arctan2, Hypot, Copysign, Shl, Shr,
        ];
        let mut out: Vec<(ElemOp, Vec<DType>)> = vec![];
        let mut push = |op: ElemOp, ins: Vec<DType>| {
            if op.out_dtype(&ins).is_ok() {
                out.push((op, ins));
            }
        };
        for u in unary {
            push(ElemOp::Unary(u), vec![t]);
        }
        for b in binary {
            push(ElemOp::Binary(b), vec![t, t]);
            push(ElemOp::ScalarRight { op: b, scalar: one(3.0) }, vec![t]);
            push(ElemOp::ScalarLeft { op: b, scalar: one(3.0) }, vec![t]);
        }
        for &to in DType::ALL {
            push(ElemOp::Cast(to), vec![t]);
        }
        push(ElemOp::Where, vec![DType::Bool, t, t]);
        out
    }
}

impl std::fmt::Display for ElemOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}
