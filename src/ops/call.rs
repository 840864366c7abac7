//! User calls of the delayed API: the `Custom` operation of task graphs
//! that are not arrays.

use crate::dtype::AnyArray;
use crate::error::Result;
use std::any::Any;
use std::sync::Arc;

/// A value produced by a task.
pub type Value = Arc<dyn Any + Send + Sync>;

/// A delayed call: a user function of its dependencies' values.
pub(crate) type CallFn = dyn Fn(&[&Value]) -> Result<Value> + Send + Sync;

/// Turns an array's block into a delayed value (`to_delayed`).
pub(crate) type BlockValueFn = dyn Fn(&AnyArray) -> Result<Value> + Send + Sync;

/// Turns a delayed value into a chunk of the expected shape.
pub(crate) type ConvertFn = dyn Fn(&Value, &[usize]) -> Result<AnyArray> + Send + Sync;
