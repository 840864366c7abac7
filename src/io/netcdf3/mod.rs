//! NetCDF classic files, read: CDF-1 (classic), CDF-2 (64-bit offset) and
//! CDF-5 (64-bit data), as the NetCDF file format specification defines
//! them. The header is read once at open; variables are read lazily, a
//! block at a time by positional reads on the workers (a record variable's
//! default blocks are whole records, grown up to
//! [`DEFAULT_READ_BYTES`](crate::io::DEFAULT_READ_BYTES)), and decoded by
//! the same format-neutral CF decoding as NetCDF4 (`array_decoded`, with
//! `_Unsigned`, which NetCDF3 files converted from unsigned data carry).

mod file;
mod header;
mod read;

pub use file::File;
