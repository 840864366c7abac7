//! The integration tests, as one binary: one link instead of one per file
//! (each links the whole crate with HDF5 and faer), so a build needs a
//! fraction of the disk and time. `tests/differential.rs` and
//! `tests/regressions.rs` stay apart: CI runs them again in release.

mod anomaly_var;
mod calendars;
mod climate;
mod climate_stats;
mod climate_stats_more;
mod codec;
mod common;
mod creation;
mod creation_more;
mod dataset;
mod delayed;
mod diagnostics;
mod dist;
mod elementwise;
mod engine;
mod futures;
mod fuzz_formats;
mod fuzz_readers;
mod group;
mod hdf5_reference;
mod hdf5_write;
mod io_plugin;
mod kernels;
mod layering;
mod linalg;
mod linalg_einsum;
mod linalg_eof;
mod linalg_factor;
mod linalg_norm;
mod many_files;
mod memory;
mod netcdf3;
mod netcdf_fidelity;
mod numpy_semantics;
mod ops_serde;
mod ops_tokens;
mod overlap;
mod reductions;
mod select;
mod shape;
mod stats;
mod structure;
mod ufuncs;
mod wire;
mod zarr;
