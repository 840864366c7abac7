//! Operations as data: what the engine can compute, described by values
//! (enums with parameters) that can be compared, hashed, rewritten and sent
//! to another process. User code enters through the traits here, as the
//! `Custom` case of each kind of operation.

mod call;

pub use call::Value;
pub(crate) use call::{CallFn, ConvertFn};

use crate::dtype::AnyArray;
use crate::error::Result;

/// A user function over one whole chunk (`map_blocks`).
pub trait BlockFn: Send + Sync {
    /// Runs on a chunk and its block index.
    fn call(&self, chunk: AnyArray, block: &[usize]) -> Result<AnyArray>;
}

/// Produces whole blocks from outside the engine (a file): the leaves of a
/// graph that are neither generated nor held.
pub trait BlockReader: Send + Sync {
    /// The block whose first element is at `offset`, of shape `shape`.
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray>;
}
