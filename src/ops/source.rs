//! Sources as data: arrays whose values are a function of the index.
//!
//! A source's kernel also depends on the array's element type and shape
//! (random numbers hash the flat index), which the node holds; the op
//! holds everything else. Type rules: `full` makes its scalar's type;
//! `arange` a numeric type and `linspace` a float type, both their
//! scalars'; random sources a float type of the caller's choice.

use super::scalar::Scalar;
use super::CustomOp;
use crate::dtype::DType;
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use serde::{Deserialize, Serialize};

/// Distribution of a random source (parameters in `f64`; compared by bits).
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub enum Dist {
    /// Uniform in `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Normal with mean and standard deviation.
    Normal { mean: f64, std: f64 },
}

impl Dist {
    fn bits(&self) -> (u64, u64, u64) {
        match *self {
            Dist::Uniform { low, high } => (0, low.to_bits(), high.to_bits()),
            Dist::Normal { mean, std } => (1, mean.to_bits(), std.to_bits()),
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
            SourceOp::Random { dist: Dist::Uniform { .. }, .. } => "random_uniform",
            SourceOp::Random { dist: Dist::Normal { .. }, .. } => "random_normal",
            SourceOp::Custom(c) => c.name(),
        }
    }

    /// Whether the source can make elements of type `dtype` (an error
    /// saying why not). A custom source's type is its closure's, so asking
    /// is an error.
    pub fn check(&self, dtype: DType) -> Result<()> {
        let bad = |why: &str| Err(Error::Invalid(format!("{} {why}, not {}", self.name(), dtype.name())));
        let float = matches!(dtype, DType::F32 | DType::F64);
        let scalars: &[Scalar] = match self {
            SourceOp::Const(v) => std::slice::from_ref(v),
            SourceOp::Arange { start, step } if dtype != DType::Bool => &[*start, *step],
            SourceOp::Arange { .. } => return bad("makes a numeric type"),
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
                let (kind, a, b) = dist.bits();
                h.str("random").u64(*seed).u64(kind).u64(a).u64(b);
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
        ];
        all.into_iter().filter(|op| op.check(t).is_ok()).collect()
    }
}

impl std::fmt::Display for SourceOp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
