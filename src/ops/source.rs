//! Sources as data: arrays whose values are a function of the index.
//!
//! A source's kernel also depends on the array's element type and shape
//! (random numbers hash the flat index), which the node holds; the op
//! holds everything else. Type rules: `full` makes its scalar's type;
//! `arange` a numeric type and `linspace` a float type, both their
//! scalars'; random sources of a continuous distribution a float type of
//! the caller's choice, of a discrete one (`Integers`, `Poisson`,
//! `Binomial`) an integer type, whose range must hold every value the
//! distribution can take ([`Dist::check_params`]).

use super::scalar::Scalar;
use super::CustomOp;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};

/// Distribution of a random source (parameters in `f64`, or scalars of the
/// output type for `Integers`; compared by bits). `Uniform`, `Normal`,
/// `Exponential` and `Gamma` make float types; `Integers`, `Poisson` and
/// `Binomial` make integer types.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Dist {
    /// Uniform in `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Normal with mean and standard deviation.
    Normal { mean: f64, std: f64 },
    /// Exponential with the scale `1 / rate`.
    Exponential { scale: f64 },
    /// Gamma with shape `k` and scale (NumPy's `shape`, `scale`).
    Gamma { shape: f64, scale: f64 },
    /// Poisson with mean `lam`.
    Poisson { lam: f64 },
    /// Binomial: successes in `n` trials of probability `p`.
    Binomial { n: u64, p: f64 },
    /// Uniform integers in `low..=max` (both of the output type).
    Integers { low: Scalar, max: Scalar },
}

impl Dist {
    fn bits(&self) -> (u64, u64, u64, u64) {
        match *self {
            Dist::Uniform { low, high } => (0, low.to_bits(), high.to_bits(), 0),
            Dist::Normal { mean, std } => (1, mean.to_bits(), std.to_bits(), 0),
            Dist::Exponential { scale } => (2, scale.to_bits(), 0, 0),
            Dist::Gamma { shape, scale } => (3, shape.to_bits(), scale.to_bits(), 0),
            Dist::Poisson { lam } => (4, lam.to_bits(), 0, 0),
            Dist::Binomial { n, p } => (5, n, p.to_bits(), 0),
            Dist::Integers { low, max } => (6, low.bits(), max.bits(), low.dtype() as u64 | (max.dtype() as u64) << 8),
        }
    }

    /// `Integers`' lowest and largest values, exactly (integer scalars'
    /// bits are sign- or zero-extended as their type is).
    pub(crate) fn integer_range(&self) -> Option<(i128, i128)> {
        let value = |s: &Scalar| match s.dtype() {
            DType::I8 | DType::I16 | DType::I32 | DType::I64 => s.bits() as i64 as i128,
            _ => s.bits() as i128,
        };
        match self {
            Dist::Integers { low, max } => Some((value(low), value(max))),
            _ => None,
        }
    }

    /// True for the distributions of integer counts and values.
    pub fn is_integer(&self) -> bool {
        matches!(self, Dist::Poisson { .. } | Dist::Binomial { .. } | Dist::Integers { .. })
    }

    /// The name shown in graphs.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Uniform { .. } => "random_uniform",
            Dist::Normal { .. } => "random_normal",
            Dist::Exponential { .. } => "random_exponential",
            Dist::Gamma { .. } => "random_gamma",
            Dist::Poisson { .. } => "random_poisson",
            Dist::Binomial { .. } => "random_binomial",
            Dist::Integers { .. } => "random_integers",
        }
    }

    /// Whether the parameters are valid for values of type `dtype` (whose
    /// kind, float or integer, [`SourceOp::check`] checks): finite and in
    /// range, with every value the distribution can take representable in
    /// `dtype`. `Poisson`'s support is unbounded: `lam + 40 sqrt(lam) + 10`
    /// must fit (a value beyond has probability below 1e-40).
    ///
    /// ```
    /// use darray::ops::Dist;
    /// use darray::DType;
    /// assert!(Dist::Poisson { lam: 4.0 }.check_params(DType::I64).is_ok());
    /// assert!(Dist::Poisson { lam: 100.0 }.check_params(DType::U8).is_err());
    /// assert!(Dist::Binomial { n: 10, p: 1.5 }.check_params(DType::I64).is_err());
    /// ```
    pub fn check_params(&self, dtype: DType) -> Result<()> {
        let bad = |why: String| Err(Error::Invalid(format!("{}: {why}", self.name())));
        // The largest value of an integer `dtype` (counts are made as i64).
        let (top, top_bits) = crate::with_numeric!(dtype, T => {
            let h = <T as crate::dtype::Numeric>::highest();
            if <T as crate::dtype::Numeric>::IS_FLOAT {
                (f64::MAX, u64::MAX)
            } else {
                (crate::dtype::Element::el_to_f64(h), crate::dtype::Element::el_bits(h))
            }
        }, bool => (1.0, 1));
        let top = top.min(i64::MAX as f64);
        match *self {
            // NumPy's `uniform(1, 0)` is fine: values in (0, 1].
            Dist::Uniform { low, high } if !(low.is_finite() && high.is_finite()) => {
                bad(format!("bounds {low}, {high} must be finite"))
            }
            Dist::Normal { mean, std } if !(std >= 0.0 && mean.is_finite() && std.is_finite()) => {
                bad(format!("needs a finite mean and std >= 0, got {mean}, {std}"))
            }
            Dist::Exponential { scale } if !(scale >= 0.0 && scale.is_finite()) => {
                bad(format!("scale must be finite and >= 0, got {scale}"))
            }
            Dist::Gamma { shape, scale }
                if !(shape >= 0.0 && scale >= 0.0 && shape.is_finite() && scale.is_finite()) =>
            {
                bad(format!("shape and scale must be finite and >= 0, got {shape}, {scale}"))
            }
            Dist::Poisson { lam } if !(lam >= 0.0 && lam.is_finite()) => {
                bad(format!("lam must be finite and >= 0, got {lam}"))
            }
            Dist::Poisson { lam } if lam + 40.0 * lam.sqrt() + 10.0 > top => {
                bad(format!("lam {lam} is too large for {} values", dtype.name()))
            }
            Dist::Binomial { p, .. } if !(0.0..=1.0).contains(&p) => bad(format!("p must be in [0, 1], got {p}")),
            Dist::Binomial { n, .. } if n > top_bits.min(i64::MAX as u64) => {
                bad(format!("n {n} is too large for {} values", dtype.name()))
            }
            Dist::Integers { low, max }
                if low.dtype() != max.dtype() || self.integer_range().is_some_and(|(lo, hi)| lo > hi) =>
            {
                bad(format!("low {low} is above the largest value {max}"))
            }
            _ => Ok(()),
        }
    }
}

impl PartialEq for Dist {
    fn eq(&self, o: &Dist) -> bool {
        self.bits() == o.bits()
    }
}
impl Eq for Dist {}
impl std::hash::Hash for Dist {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.bits().hash(h);
    }
}

/// A source: values generated from the global index.
///
/// ```
/// use darray::ops::{Scalar, SourceOp};
/// use darray::DType;
/// let op = SourceOp::Arange { start: Scalar::I32(0), step: Scalar::I32(3) };
/// assert_eq!(op.name(), "arange");
/// assert!(op.check(DType::I32).is_ok());
/// assert!(op.check(DType::F64).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceOp {
    /// Every value the same (`zeros`, `ones`, `full`).
    Const(Scalar),
    /// `start + i * step` along the one axis.
    Arange { start: Scalar, step: Scalar },
    /// `num` values from `start` to `stop` (included when `endpoint`).
    Linspace { start: Scalar, stop: Scalar, num: usize, endpoint: bool },
    /// Counter-based random numbers: a hash of the seed and the flat index.
    Random { seed: u64, dist: Dist },
    /// A user closure of the index (`from_fn`; not serialisable).
    #[serde(serialize_with = "super::refuse_custom", skip_deserializing)]
    Custom(CustomOp),
}

impl SourceOp {
    /// The name shown in graphs.
    pub fn name(&self) -> &str {
        match self {
            SourceOp::Const(_) => "full",
            SourceOp::Arange { .. } => "arange",
            SourceOp::Linspace { .. } => "linspace",
            SourceOp::Random { dist, .. } => dist.name(),
            SourceOp::Custom(c) => c.name(),
        }
    }

    /// Whether the source can make elements of type `dtype` (an error
    /// saying why not). A custom source's type is its closure's, so asking
    /// is an error.
    pub fn check(&self, dtype: DType) -> Result<()> {
        let bad = |why: &str| Err(Error::Invalid(format!("{} {why}, not {}", self.name(), dtype.name())));
        let float = dtype.is_float();
        let scalars: &[Scalar] = match self {
            SourceOp::Const(v) => std::slice::from_ref(v),
            SourceOp::Arange { start, step } if dtype != DType::Bool => &[*start, *step],
            SourceOp::Arange { .. } => return bad("makes a numeric type"),
            SourceOp::Random { dist, .. } if dist.is_integer() => {
                if float || dtype == DType::Bool {
                    return bad("makes an integer type");
                }
                match dist {
                    Dist::Integers { low, max } => &[*low, *max],
                    _ => &[],
                }
            }
            SourceOp::Linspace { .. } | SourceOp::Random { .. } if !float => return bad("makes a float type"),
            SourceOp::Linspace { start, stop, .. } => &[*start, *stop],
            SourceOp::Random { .. } => &[],
            SourceOp::Custom(_) => return bad("is a custom source: only its closure knows its type"),
        };
        if scalars.iter().any(|s| s.dtype() != dtype) {
            return bad("has scalars of another type");
        }
        Ok(())
    }

    /// True when every index gives the same value.
    pub fn is_constant(&self) -> bool {
        matches!(self, SourceOp::Const(_))
    }

    /// Feeds the op and its parameters to a token.
    pub fn hash_into(&self, h: &mut TokenHasher) {
        match self {
            SourceOp::Const(v) => {
                h.str("full");
                v.hash_into(h);
            }
            SourceOp::Arange { start, step } => {
                h.str("arange");
                start.hash_into(h);
                step.hash_into(h);
            }
            SourceOp::Linspace { start, stop, num, endpoint } => {
                h.str("linspace");
                start.hash_into(h);
                stop.hash_into(h);
                h.u64(*num as u64).u64(*endpoint as u64);
            }
            SourceOp::Random { seed, dist } => {
                let (kind, a, b, c) = dist.bits();
                h.str("random").u64(*seed).u64(kind).u64(a).u64(b);
                // (The first two kinds keep the tokens they always had.)
                if kind > 1 {
                    h.u64(c);
                }
            }
            SourceOp::Custom(c) => c.hash_into(h),
        }
    }

    /// Every built-in source that makes elements of type `t`, with sample
    /// parameters (for tests and tools that walk the op set).
    pub fn builtins_for(t: DType) -> Vec<SourceOp> {
        let s = |x: f64| Scalar::from_f64(t, x);
        let all = vec![
            SourceOp::Const(s(1.0)),
            SourceOp::Arange { start: s(2.0), step: s(3.0) },
            SourceOp::Linspace { start: s(-1.0), stop: s(2.0), num: 7, endpoint: true },
            SourceOp::Linspace { start: s(0.0), stop: s(1.0), num: 4, endpoint: false },
            SourceOp::Random { seed: 7, dist: Dist::Uniform { low: -1.0, high: 3.0 } },
            SourceOp::Random { seed: 8, dist: Dist::Normal { mean: 1.0, std: 2.0 } },
            SourceOp::Random { seed: 9, dist: Dist::Exponential { scale: 2.0 } },
            SourceOp::Random { seed: 10, dist: Dist::Gamma { shape: 0.5, scale: 2.0 } },
            SourceOp::Random { seed: 11, dist: Dist::Gamma { shape: 3.0, scale: 1.0 } },
            SourceOp::Random { seed: 12, dist: Dist::Poisson { lam: 3.0 } },
            SourceOp::Random { seed: 13, dist: Dist::Poisson { lam: 20.0 } },
            SourceOp::Random { seed: 14, dist: Dist::Binomial { n: 20, p: 0.3 } },
            SourceOp::Random { seed: 15, dist: Dist::Binomial { n: 100, p: 0.6 } },
            SourceOp::Random { seed: 16, dist: Dist::Integers { low: s(2.0), max: s(9.0) } },
        ];
        all.into_iter()
            .filter(|op| op.check(t).is_ok())
            .filter(|op| !matches!(op, SourceOp::Random { dist, .. } if dist.check_params(t).is_err()))
            .collect()
    }
}

impl std::fmt::Display for SourceOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
