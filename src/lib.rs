//! # darray: lazy chunked n-dimensional arrays
//!
//! `DArray<T>` is an n-d array cut into a grid of `ndarray` blocks. Every
//! operation records a blocked algorithm; `compute()` lowers the expression
//! to a task graph, fuses elementwise chains (with their sources and the
//! first step of reductions) into one pass per chunk, and runs it on a
//! locality-aware threaded scheduler in memory bounded by threads x chunk
//! size.
//!
//! ```
//! use darray::DArray;
//! let x = DArray::<f64>::random_normal([1000, 1000], [250, 250], 0.0, 1.0, 1)?;
//! let anomaly = &x - &x.mean_with(&darray::ReduceOpts::axis(0).keepdims(true));
//! let s = anomaly.std_axis(0, 0.0);
//! assert_eq!(s.shape(), &[1000]);
//! let s = s.compute()?;
//! assert!(s.iter().all(|v| (v - 1.0).abs() < 0.15));
//! # Ok::<(), darray::Error>(())
//! ```
//!
//! The pipeline, one module per stage: [`array`](mod@array) (user API) ->
//! `expr` (the logical expression) -> [`optimize`] (rules behind one trait:
//! rewrites, then the physical plan) -> `lower` (plan to tasks) -> [`graph`]
//! (per-chunk tasks, as data: [`GraphSpec`]) -> [`exec`] (executors behind
//! one trait), with `program` (fused programs) and `kernels` doing the
//! per-chunk work; [`ops`] describes every operation as data, [`io`]
//! reads and writes files, and [`dataset`] puts names, coordinates and
//! attributes on arrays (xarray's `Dataset` and `DataArray`).

// Links OpenBLAS for ndarray's `blas` feature.
#[cfg(feature = "blas")]
extern crate blas_src;

pub mod array;
pub mod chunks;
pub mod dataset;
pub mod delayed;
pub mod diagnostics;
pub mod dtype;
pub mod error;
pub mod exec;
mod expr;
pub mod graph;
pub mod io;
mod kernels;
pub mod key;
pub mod linalg;
mod lower;
pub mod ops;
pub mod optimize;
mod program;
mod run;

pub use array::{apply_ufunc, histogram2d, map_blocks_multi, polyval, Coarsen, CoarsenBoundary};
pub use array::{block, broadcast_arrays, dstack, hstack, vstack, Blocks, PadMode};
pub use array::{choose, extract, searchsorted, select, union1d, ChooseMode, Side, UniqueAll};
pub use array::{compute_all, tensordot, ComputeAll, DArray, GroupBy, ReduceOpts, Rolling, QUANTILE_TASK_BYTES};
pub use array::{concatenate, meshgrid, stack, where_, Boundary, Indexing, Operand, Sel};
pub use chunks::{ChunkSpec, Chunks, DEFAULT_CHUNK_BYTES, MAX_AXIS_BLOCKS};
pub use dataset::{DataArray, Dataset};
pub use dtype::{Bitwise, CastFrom, DType, Element, Float, Integer, Numeric};
pub use error::{Error, IoError, Result};
pub use exec::{register, ExecStats, Executor, MemoryLimit, Observer, ObserverGuard, TaskEvent, MAX_THREADS};
pub use graph::{GraphSpec, MemoryProjection, Plan, TaskGraph, TaskInfo};
pub use io::time;
pub use key::Key;
pub use ops::{BlockFn, BlockReader};
pub use run::{Config, HoldBytes};
