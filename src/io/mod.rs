//! Files and stores: reading variables lazily as `DArray`s and writing
//! arrays back, streamed and atomically.
//!
//! Formats: [`hdf5`] (HDF5 and NetCDF4, read and write), [`netcdf3`]
//! (NetCDF classic, read) and [`zarr`] (Zarr v2 and v3, read and write);
//! [`open`] picks the reader from the file or directory.
//! Everything else here is format-neutral: variables and
//! attributes ([`Variable`], [`AttrValue`]), read and write options, CF
//! decoding ([`CfDecoding`]), CF time axes ([`time`]), codecs (deflate,
//! shuffle), and the atomic streamed [`Writer`]. A format plugs in by
//! implementing two traits:
//!
//! - [`Dataset`] (reading): list and describe the variables, and open one
//!   as a [`BlockSource`], a [`BlockReader`](crate::BlockReader) of its
//!   blocks. [`DatasetExt`] then gives every dataset typed lazy arrays,
//!   CF-decoded arrays and time axes.
//! - [`DatasetWriter`] with its [`VarWriter`] (writing): create a dataset
//!   at a path, define a variable, store its blocks (on the workers that
//!   compute them), close. [`Writer<F>`](Writer) drives it and owns the
//!   temporary name, the rename on `finish`, the cleanup on a drop or an
//!   error, and the poisoning after a failed write.
//!
//! Errors are [`IoError`]s, inside [`Error::Io`](crate::Error::Io).

mod atomic;
mod attr;
mod cf;
pub mod codec;
mod dataset;
pub mod hdf5;
mod many;
pub mod netcdf3;
mod open;
mod options;
pub mod time;
mod variable;
mod writer;
pub mod zarr;

pub(crate) use atomic::temp_name;
pub use atomic::write_atomic;
pub use attr::AttrValue;
pub use cf::CfDecoding;
pub(crate) use dataset::unsigned_view;
pub use dataset::{BlockSource, Dataset, DatasetExt, DEFAULT_READ_BYTES};
pub use many::{MultiDataset, COMPARE_BYTES};
pub use open::{open, open_many, open_many_along};
pub use options::{BloscCompressor, BloscShuffle, Codec, ReadOptions, VarOptions};
pub use variable::{Dimension, Variable};
pub use writer::{DatasetWriter, VarSpec, VarWriter, Writer};

pub use crate::error::IoError;
