//! Zarr stores, format v2 and v3, read and written, on a local directory,
//! through the `zarrs` crate: the usual codecs (blosc with lz4, zstd or
//! zlib and shuffle; zstd; gzip; zlib; bz2; crc32c; the v3 sharding
//! codec), fill values, dimension names (`dimension_names` in v3, xarray's
//! `_ARRAY_DIMENSIONS` in v2), attributes (CF's decoded as for NetCDF4) and
//! consolidated metadata.
//!
//! - [`Store`] reads: each block task reads and decodes the chunks it
//!   covers on its worker, and only the chunks a result needs are read; a
//!   chunk the store lacks is the fill value; a truncated or corrupt one is
//!   an error naming it.
//! - [`Writer`] (v3) and [`WriterV2`] write: the store is made under a
//!   temporary name beside the final one, each worker writes the chunk
//!   files of the blocks it computes, the metadata is written last
//!   (arrays', groups', then the consolidated metadata), and the finished
//!   store is renamed into place: a failed write never looks complete.
//!   Compression follows [`VarOptions`](crate::io::VarOptions): deflate
//!   with shuffle is blosc (zlib, byte shuffle), deflate alone gzip (v3) or
//!   zlib (v2), none none.

mod direct;
mod meta;
mod read;
mod store;
mod write;

pub use store::Store;
pub use write::{ArrayWriter, StoreWriter};

/// A new Zarr v3 store, written chunk by chunk and published whole (see
/// [`io::Writer`](crate::io::Writer)).
pub type Writer = crate::io::Writer<StoreWriter<3>>;

/// A new Zarr v2 store (xarray's `_ARRAY_DIMENSIONS`, `.zmetadata`).
pub type WriterV2 = crate::io::Writer<StoreWriter<2>>;
