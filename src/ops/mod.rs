//! Operations as data: what the engine can compute, described by values
//! (enums with parameters) that can be compared, hashed, rewritten and sent
//! to another process. User code enters through the traits here, as the
//! `Custom` case of each kind of operation.
//!
//! One enum per kind of node: [`ElemOp`] (elementwise steps), [`SourceOp`]
//! (values generated from the index), [`ReduceOp`] (reductions, for whole
//! arrays and for groups alike). Each knows its name (as shown in graphs),
//! its type rule (which input types it takes, and the output type), and
//! how it feeds a token ([`crate::key::TokenHasher`]): equal op data gives
//! equal tokens, and scalars feed their type and bit pattern.
//!
//! The crate turns op data and input types into a kernel once, when a node
//! is built (one dispatch from the runtime types to monomorphised loops);
//! every kernel, source and reducer can say which op it was built from, so
//! a program can be written as (op, types) steps and rebuilt elsewhere.
//!
//! Built-in ops serialise with serde, in readable form (`{"ScalarRight":
//! {"op":"Add","scalar":{"F64":2.5}}}`). A binary format (CBOR, say)
//! carries every scalar exactly; JSON cannot hold NaN or infinities, and
//! `serde_json` parses floats exactly only with its `float_roundtrip`
//! feature. A `Custom` op stands for a closure
//! (`mapv`, `from_fn`, ...): it holds a name and a token, not the closure,
//! so serialising one is an error naming it, and it cannot be rebuilt from
//! data. This module is the bottom layer: it uses only the element types,
//! errors and tokens.

mod elementwise;
mod reduce;
mod scalar;
mod source;

pub use elementwise::{BinaryOp, ElemOp, UnaryOp};
pub use reduce::ReduceOp;
pub use scalar::Scalar;
pub use source::{Dist, SourceOp};

mod blocks;
mod call;
mod dense;

pub use blocks::{BlockOp, QuantileMethod, RollOp, ScanOp};
pub use dense::DenseOp;

pub use call::Value;
pub(crate) use call::{BlockValueFn, CallFn, ConvertFn};

use crate::dtype::AnyArray;
use crate::error::Result;
use crate::key::TokenHasher;
use std::sync::Arc;

/// A user function over one whole chunk (`map_blocks`).
pub trait BlockFn: Send + Sync {
    /// Runs on a chunk and its block index.
    fn call(&self, chunk: AnyArray, block: &[usize]) -> Result<AnyArray>;
}

/// A user function on whole blocks of several arrays (`apply_ufunc`,
/// `map_blocks_multi`, custom reductions): one output block from the
/// blocks a step reads, with the output block's index.
pub trait StepFn: Send + Sync {
    /// Runs on the step's blocks.
    fn call(&self, blocks: &[&AnyArray], block: &[usize]) -> Result<AnyArray>;
}

/// Produces whole blocks from outside the engine (a file): the leaves of a
/// graph that are neither generated nor held.
pub trait BlockReader: Send + Sync {
    /// The block whose first element is at `offset`, of shape `shape`.
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray>;
}

/// The data of an op that runs a user closure: a name for graphs and a
/// token standing for the closure (closures cannot be compared or hashed,
/// so each gets a fresh token unless its maker derives one from what
/// identifies it).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CustomOp {
    name: Arc<str>,
    token: u64,
}

impl CustomOp {
    /// A custom op named `name`, identified by `token`.
    pub fn new(name: &str, token: u64) -> CustomOp {
        CustomOp { name: Arc::from(name), token }
    }
    /// The name shown in graphs.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The token standing for the closure.
    pub fn token(&self) -> u64 {
        self.token
    }
    pub(crate) fn hash_into(&self, h: &mut TokenHasher) {
        h.str("custom").str(&self.name).u64(self.token);
    }
}

/// serde's `serialize_with` for the `Custom` variants: a closure cannot be
/// written, so the error names the op.
fn refuse_custom<S: serde::Serializer>(c: &CustomOp, _: S) -> std::result::Result<S::Ok, S::Error> {
    Err(serde::ser::Error::custom(format!(
        "the custom op `{}` (token {}) runs a user closure and cannot be serialised",
        c.name, c.token
    )))
}
