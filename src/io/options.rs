//! How to read a variable and how to store one, for any format. The
//! fields are public for formats to read; build the options with the
//! methods.

use super::codec::DeflateImpl;
use super::AttrValue;
use crate::chunks::ChunkSpec;
use std::collections::BTreeMap;

/// How to read a variable: chunks and the read path.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The array's chunks; `None`: whole storage chunks, grown along the
    /// leading axis up to [`DEFAULT_READ_BYTES`](super::DEFAULT_READ_BYTES).
    pub chunks: Option<ChunkSpec>,
    /// Read through the format's own library where a format has both that
    /// and darray's parallel chunk decoder (HDF5 does).
    pub library_path: bool,
    /// What inflates deflated chunks on darray's chunk path.
    pub deflate_impl: DeflateImpl,
    /// CF decoding also masks values outside the valid range.
    pub mask_valid_range: bool,
}

impl ReadOptions {
    /// The array's chunks (by default whole multiples of the storage
    /// chunks, grown along the leading axis up to
    /// [`DEFAULT_READ_BYTES`](super::DEFAULT_READ_BYTES)).
    pub fn chunks(mut self, chunks: impl Into<ChunkSpec>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }
    /// Reads every block through the format library (HDF5's hyperslab
    /// read) instead of the parallel chunk path (slower; for checking the
    /// two agree). A format with one read path ignores it.
    pub fn library_path(mut self, on: bool) -> Self {
        self.library_path = on;
        self
    }
    /// With CF decoding (`array_decoded`), raw values outside
    /// `valid_range` / `valid_min` / `valid_max` become NaN too, as CF
    /// asks of generic applications and netCDF4-python does; off by
    /// default, as in xarray (see [`CfDecoding`](super::CfDecoding)).
    pub fn mask_valid_range(mut self, on: bool) -> Self {
        self.mask_valid_range = on;
        self
    }
    /// What inflates deflated chunks (libdeflate by default; the values
    /// are the same either way).
    pub fn deflate_impl(mut self, with: DeflateImpl) -> Self {
        self.deflate_impl = with;
        self
    }
}

/// How to store one variable.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VarOptions {
    /// The storage chunk shape; `None`: the array's own (first block's).
    pub chunks: Option<Vec<usize>>,
    /// Deflate (zlib) level 0-9, or `None` for no compression.
    pub deflate: Option<u8>,
    /// Byte shuffle before deflating.
    pub shuffle: bool,
    /// What deflates the chunks (same level, different bytes).
    pub deflate_impl: DeflateImpl,
    /// A compressor in place of deflate (and shuffle), for the formats
    /// that write it: Zarr; HDF5 refuses it (its writer deflates).
    pub codec: Option<Codec>,
    /// Dimension names, one per axis (or none).
    pub dims: Vec<String>,
    /// Attributes of the variable.
    pub attrs: BTreeMap<String, AttrValue>,
}

impl Default for VarOptions {
    /// The array's own chunk shape, deflate level 4 with shuffle (what
    /// NetCDF4 archives commonly use), no dimension names, no attributes.
    fn default() -> Self {
        VarOptions {
            chunks: None,
            deflate: Some(4),
            shuffle: true,
            deflate_impl: DeflateImpl::default(),
            codec: None,
            dims: vec![],
            attrs: BTreeMap::new(),
        }
    }
}

impl VarOptions {
    /// The storage chunk shape (the array is rechunked to it if needed).
    pub fn chunks(mut self, chunks: impl Into<Vec<usize>>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }
    /// Deflate level 0-9, or `None` for no compression.
    pub fn deflate(mut self, level: Option<u8>) -> Self {
        self.deflate = level;
        self
    }
    /// Byte shuffle before deflating (helps numeric data compress).
    pub fn shuffle(mut self, on: bool) -> Self {
        self.shuffle = on;
        self
    }
    /// What deflates the chunks (libdeflate by default): the level means
    /// the same effort in each, the bytes differ, any zlib reads both.
    pub fn deflate_impl(mut self, with: DeflateImpl) -> Self {
        self.deflate_impl = with;
        self
    }
    /// A compressor in place of deflate, for Zarr stores (the usual ones
    /// of Zarr data: blosc with lz4 or zstd and shuffle, zstd). The HDF5
    /// writer refuses it with [`IoError::Unsupported`](crate::IoError).
    ///
    /// ```
    /// use darray::io::{zarr, Codec, BloscCompressor, BloscShuffle, VarOptions};
    /// use darray::DArray;
    /// let dir = std::env::temp_dir().join(format!("darray-doc-codec-{}", std::process::id()));
    /// let lz4 = Codec::Blosc { cname: BloscCompressor::Lz4, clevel: 5, shuffle: BloscShuffle::Byte };
    /// let mut w = zarr::Writer::create(&dir)?;
    /// w.write("x", &DArray::<f32>::ones([100], [50])?, &VarOptions::default().codec(lz4))?;
    /// w.finish()?;
    /// use darray::io::DatasetExt;
    /// let s = zarr::Store::open(&dir)?;
    /// assert!(s.variable("x")?.filters[1].starts_with("blosc(cname=lz4, clevel=5, shuffle=shuffle"));
    /// assert_eq!(s.array::<f32>("x")?.sum().compute()?[[]], 100.0);
    /// # std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), darray::Error>(())
    /// ```
    pub fn codec(mut self, codec: Codec) -> Self {
        self.codec = Some(codec);
        self
    }
    /// Dimension names, one per axis. In HDF5, a variable of that name
    /// already in the file becomes the dimension scale, so write coordinate
    /// variables before the variables that use them; otherwise a
    /// NetCDF4-style dimension without values is made (and that name is
    /// then taken).
    pub fn dims<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.dims = names.into_iter().map(Into::into).collect();
        self
    }
    /// An attribute. `_FillValue` and `missing_value` are stored in the
    /// variable's own element type, as CF requires.
    pub fn attr(mut self, name: &str, value: impl Into<AttrValue>) -> Self {
        self.attrs.insert(name.to_string(), value.into());
        self
    }
    /// Several attributes (say, those of a variable being transformed).
    pub fn attrs(mut self, attrs: &BTreeMap<String, AttrValue>) -> Self {
        self.attrs.extend(attrs.iter().map(|(k, v)| (k.clone(), v.clone())));
        self
    }
}

/// A compressor other than deflate ([`VarOptions::codec`]), as Zarr
/// stores use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Codec {
    /// Zstandard at `level` (1-22; 3 is zstd's default).
    Zstd { level: i32 },
    /// Blosc: a shuffle, then an inner compressor at `clevel` (0-9).
    Blosc { cname: BloscCompressor, clevel: u8, shuffle: BloscShuffle },
}

/// Blosc's inner compressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloscCompressor {
    /// LZ4: fast (the default of numcodecs' Blosc).
    Lz4,
    /// LZ4HC: smaller, slower to write.
    Lz4hc,
    /// Zstandard.
    Zstd,
    /// zlib.
    Zlib,
}

impl BloscCompressor {
    /// Its name in Zarr metadata (`lz4`, ...).
    pub fn name(self) -> &'static str {
        match self {
            BloscCompressor::Lz4 => "lz4",
            BloscCompressor::Lz4hc => "lz4hc",
            BloscCompressor::Zstd => "zstd",
            BloscCompressor::Zlib => "zlib",
        }
    }
}

/// Blosc's shuffle before compressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BloscShuffle {
    /// None.
    No,
    /// Bytes of each element grouped (helps numbers compress).
    Byte,
    /// Bits grouped.
    Bit,
}
