//! HDF5 and NetCDF4 files (a NetCDF4 file is an HDF5 file): list the
//! variables, read one lazily as a [`DArray`] (chunk by chunk, decompressing
//! in parallel), optionally with CF decoding, and write arrays back
//! ([`Writer`]), streaming, compressed in parallel, atomically.
//!
//! ```
//! use darray::io::hdf5::{File, Writer, VarOptions};
//! use darray::DArray;
//! let dir = std::env::temp_dir().join(format!("darray-doc-h5-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("t.nc");
//! // Write a packed (int16) variable with CF attributes ...
//! let raw = DArray::<i16>::from_fn([8, 4, 5], [4, 4, 5], |i| (i[0] * 100 + i[1] * 10 + i[2]) as i16)?;
//! let mut w = Writer::create(&path)?;
//! w.write("t", &raw, &VarOptions::default().dims(["time", "lat", "lon"]).attr("scale_factor", 0.5))?;
//! w.finish()?;
//! // ... and read it back lazily, decoded to float64.
//! let f = File::open(&path)?;
//! let v = f.variable("t")?;
//! assert_eq!((v.shape.as_slice(), v.dims.as_slice()), (&[8, 4, 5][..], &["time", "lat", "lon"].map(String::from)[..]));
//! let t = f.array_decoded::<f64>("t")?;
//! assert_eq!(t.max().compute()?[[]], 0.5 * 734.0);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cf;
mod filters;
mod meta;
mod read;
mod write;

pub use cf::CfDecoding;
pub use write::{VarOptions, Writer};

use crate::array::DArray;
use crate::chunks::{ChunkSpec, DEFAULT_CHUNK_BYTES};
use crate::dtype::{AnyArray, DType, Element, Float};
use crate::error::{Error, Result};
use crate::key::TokenHasher;
use ::hdf5::filters::Filter;
use filters::Step;
use read::{ChunkIndex, ChunkPath, Path, Reader};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

/// An attribute's value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// Text (fixed- or variable-length strings; arrays joined by newlines).
    Str(String),
    /// Signed integers (and booleans).
    Int(Vec<i64>),
    /// Unsigned integers.
    UInt(Vec<u64>),
    /// Floating-point numbers.
    Float(Vec<f64>),
    /// Another type, described.
    Other(String),
}

impl AttrValue {
    /// The text, for a string attribute.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }
    /// Every value as `f64`, for a numeric attribute.
    pub fn as_f64s(&self) -> Option<Vec<f64>> {
        match self {
            AttrValue::Int(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::UInt(v) => Some(v.iter().map(|&x| x as f64).collect()),
            AttrValue::Float(v) => Some(v.clone()),
            _ => None,
        }
    }
    /// The first value as `f64`, for a numeric attribute.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_f64s().and_then(|v| v.first().copied())
    }
}

impl fmt::Display for AttrValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, v: &[T]) -> fmt::Result {
            match v {
                [one] => write!(f, "{one}"),
                _ => write!(f, "[{}]", v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
            }
        }
        match self {
            AttrValue::Str(s) => write!(f, "{s:?}"),
            AttrValue::Int(v) => list(f, v),
            AttrValue::UInt(v) => list(f, v),
            AttrValue::Float(v) => list(f, v),
            AttrValue::Other(d) => write!(f, "<{d}>"),
        }
    }
}

macro_rules! attr_from {
    ($($t:ty => $v:ident as $u:ty),*) => {$(
        impl From<$t> for AttrValue {
            fn from(x: $t) -> Self {
                AttrValue::$v(vec![x as $u])
            }
        }
        impl From<Vec<$t>> for AttrValue {
            fn from(x: Vec<$t>) -> Self {
                AttrValue::$v(x.into_iter().map(|x| x as $u).collect())
            }
        }
    )*};
}
attr_from!(f64 => Float as f64, f32 => Float as f64, i64 => Int as i64, i32 => Int as i64, i16 => Int as i64,
    i8 => Int as i64, u64 => UInt as u64, u32 => UInt as u64, u16 => UInt as u64, u8 => UInt as u64);

impl From<&str> for AttrValue {
    fn from(s: &str) -> Self {
        AttrValue::Str(s.to_string())
    }
}

impl From<String> for AttrValue {
    fn from(s: String) -> Self {
        AttrValue::Str(s)
    }
}

/// What a file says about one variable (an HDF5 dataset).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The dataset's path in the file, without the leading `/`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The element type, when it is one a `DArray` can hold.
    pub dtype: Option<DType>,
    /// The element type's name (`int16`, `float32`, `string`, ...).
    pub type_name: String,
    /// The storage chunk shape (`None` for contiguous storage).
    pub storage_chunks: Option<Vec<usize>>,
    /// Storage filters in pipeline order (`shuffle`, `deflate(4)`, ...).
    pub filters: Vec<String>,
    /// Dimension names from the attached dimension scales (`dim_k` where
    /// an axis has none).
    pub dims: Vec<String>,
    /// Attributes (`units`, `long_name`, `scale_factor`, ...), without the
    /// netCDF and HDF5 libraries' own bookkeeping attributes.
    pub attrs: BTreeMap<String, AttrValue>,
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims.iter().zip(&self.shape).map(|(d, n)| format!("{d}: {n}")).collect();
        write!(f, "{} {} ({})", self.name, self.type_name, dims.join(", "))?;
        match &self.storage_chunks {
            Some(c) => write!(f, " chunks {c:?}")?,
            None => write!(f, " contiguous")?,
        }
        if !self.filters.is_empty() {
            write!(f, " [{}]", self.filters.join(", "))?;
        }
        for key in ["long_name", "units"] {
            if let Some(v) = self.attrs.get(key) {
                write!(f, " {key}={v}")?;
            }
        }
        Ok(())
    }
}

/// How to read a variable: chunks and the read path.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    chunks: Option<ChunkSpec>,
    library_path: bool,
}

impl ReadOptions {
    /// The array's chunks (by default whole multiples of the storage
    /// chunks, grown along the leading axis toward the chunk byte budget).
    pub fn chunks(mut self, chunks: impl Into<ChunkSpec>) -> Self {
        self.chunks = Some(chunks.into());
        self
    }
    /// Reads every block through the HDF5 library's hyperslab read instead
    /// of the parallel chunk path (slower; for checking the two agree).
    pub fn library_path(mut self, on: bool) -> Self {
        self.library_path = on;
        self
    }
}

/// An open HDF5 / NetCDF4 file.
pub struct File {
    path: PathBuf,
    h5: ::hdf5::File,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "File({})", self.path.display())
    }
}

/// Marks the library's descriptor of `file` close-on-exec (HDF5 opens
/// files without it). Otherwise every child process started while the file
/// is open inherits the descriptor and, with it, HDF5's `flock` on the file:
/// a `Writer`'s exclusive lock then outlives `finish` in the child, and
/// opening the finished file fails ("unable to lock file") until the child
/// exits. (Unix, the default `sec2` driver.)
#[cfg(unix)]
pub(crate) fn close_on_exec(file: &::hdf5::File) {
    use std::ffi::{c_int, c_void};
    extern "C" {
        fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    }
    const F_GETFD: c_int = 1;
    const F_SETFD: c_int = 2;
    const FD_CLOEXEC: c_int = 1;
    if !matches!(file.access_plist().map(|p| p.driver()), Ok(::hdf5::plist::file_access::FileDriver::Sec2)) {
        return;
    }
    let mut handle: *mut c_void = std::ptr::null_mut();
    let status = ::hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5f::H5Fget_vfd_handle(file.id(), hdf5_sys::h5p::H5P_DEFAULT, &mut handle)
    });
    if status >= 0 && !handle.is_null() {
        // SAFETY: the sec2 driver's handle is a pointer to its descriptor.
        unsafe {
            let fd = *handle.cast::<c_int>();
            let flags = fcntl(fd, F_GETFD);
            if flags >= 0 {
                fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
            }
        }
    }
}

/// Elsewhere descriptors are not inherited by default.
#[cfg(not(unix))]
pub(crate) fn close_on_exec(_file: &::hdf5::File) {}

/// Why a file the library cannot open is plainly not HDF5, if it is: the
/// reason says what it is instead (the library's own message, "file
/// signature not found", says less).
fn not_hdf5(path: &FsPath) -> Option<String> {
    use std::io::Read;
    let mut head = [0u8; 8];
    let mut f = std::fs::File::open(path).ok()?;
    let n = f.read(&mut head).ok()?;
    match &head[..n] {
        [] => Some("the file is empty".to_string()),
        [b'C', b'D', b'F', v, ..] if matches!(v, 1 | 2 | 5) => Some(format!(
            "a NetCDF classic file (CDF-{v}), which this reader does not read: convert it with `nccopy -k nc4`"
        )),
        // An HDF5 signature may also follow a user block, further in.
        h if h.starts_with(b"\x89HDF") => None,
        _ if n < 8 => Some(format!("the file has only {n} bytes")),
        _ => None,
    }
}

/// Maps a library error to ours, naming the file.
pub(crate) fn h5err(path: &str) -> impl Fn(::hdf5::Error) -> Error + '_ {
    move |e| Error::Hdf5 { path: path.to_string(), message: e.to_string() }
}

impl File {
    /// Opens a file for reading. A missing file or a directory is an `Io`
    /// error; a file that is not HDF5 (an empty file, a text file, a NetCDF
    /// classic file), or is truncated, an `Hdf5` error.
    pub fn open(path: impl AsRef<FsPath>) -> Result<File> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            return Err(Error::Io { path: path.display().to_string(), message: "is a directory".to_string() });
        }
        let h5 = ::hdf5::File::open(&path).map_err(|e| {
            let p = path.display().to_string();
            match not_hdf5(&path) {
                Some(why) => Error::Hdf5 { path: p, message: format!("not an HDF5 / NetCDF4 file: {why}") },
                None => h5err(&p)(e),
            }
        })?;
        close_on_exec(&h5);
        Ok(File { path, h5 })
    }

    /// The file's path.
    pub fn path(&self) -> &FsPath {
        &self.path
    }

    fn p(&self) -> String {
        self.path.display().to_string()
    }

    /// Every variable (dataset) in the file, groups searched depth first,
    /// in name order.
    pub fn variables(&self) -> Result<Vec<Variable>> {
        let mut out = vec![];
        let mut groups = vec![self.h5.as_group().map_err(h5err(&self.p()))?];
        while let Some(g) = groups.pop() {
            for ds in g.datasets().map_err(h5err(&self.p()))? {
                out.push(self.describe(&ds)?);
            }
            groups.extend(g.groups().map_err(h5err(&self.p()))?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Names of the variables, for messages.
    fn names(&self) -> String {
        match self.variables() {
            Ok(v) if !v.is_empty() => v.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            _ => "no variables".to_string(),
        }
    }

    fn dataset(&self, name: &str) -> Result<::hdf5::Dataset> {
        let name = name.trim_start_matches('/');
        let exists = !name.is_empty() && self.h5.link_exists(name);
        if !exists {
            return Err(Error::NotFound { path: self.p(), name: name.to_string(), available: self.names() });
        }
        self.h5.dataset(name).map_err(|e| {
            if self.h5.group(name).is_ok() {
                Error::NotAVariable { path: self.p(), name: name.to_string(), kind: "group".to_string() }
            } else {
                h5err(&self.p())(e)
            }
        })
    }

    fn describe(&self, ds: &::hdf5::Dataset) -> Result<Variable> {
        let p = self.p();
        let desc = ds.dtype().and_then(|t| t.to_descriptor()).map_err(h5err(&p))?;
        Ok(Variable {
            name: ds.name().trim_start_matches('/').to_string(),
            shape: ds.shape(),
            dtype: meta::dtype_of(&desc),
            type_name: meta::type_name(&desc),
            storage_chunks: ds.chunk(),
            filters: ds.filters().iter().map(meta::filter_name).collect(),
            dims: meta::dimension_names(ds, &self.h5),
            attrs: meta::attributes(ds, &p)?,
        })
    }

    /// What the file says about one variable.
    pub fn variable(&self, name: &str) -> Result<Variable> {
        self.describe(&self.dataset(name)?)
    }

    /// The file's own (root group) attributes.
    pub fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        meta::attributes(&self.h5, &self.p())
    }

    /// A variable as a lazy array of its stored element type, read chunk by
    /// chunk only when computed (and only the chunks a result needs).
    ///
    /// Asking for another type than the stored one is an error that says
    /// which type to ask for.
    pub fn array<T: Element>(&self, name: &str) -> Result<DArray<T>> {
        self.array_with(name, &ReadOptions::default())
    }

    /// `array` with options (chunks, read path).
    pub fn array_with<T: Element>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        let ds = self.dataset(name)?;
        let var = self.describe(&ds)?;
        self.read_var(ds, &var, opts)
    }

    /// `array_with` of a dataset already opened and described.
    fn read_var<T: Element>(&self, ds: ::hdf5::Dataset, var: &Variable, opts: &ReadOptions) -> Result<DArray<T>> {
        let stored = var.dtype.ok_or_else(|| Error::Unsupported {
            path: self.p(),
            name: var.name.clone(),
            what: format!("its element type ({})", var.type_name),
        })?;
        if stored != T::DTYPE {
            return Err(Error::DType {
                path: self.p(),
                name: var.name.clone(),
                stored: stored.name().to_string(),
                requested: T::DTYPE.name().to_string(),
            });
        }
        let (reader, chunks) = self.reader(ds, var, opts)?;
        let spec = opts.chunks.clone().unwrap_or(ChunkSpec::Shape(chunks));
        // The key names the file, the variable, the read path and the grid.
        let grid = crate::chunks::Chunks::new(&var.shape, &spec, T::DTYPE.size())?;
        let mut h = TokenHasher::new("hdf5-read");
        h.str(&self.p()).str(&var.name).u64(opts.library_path as u64);
        for l in grid.sizes() {
            h.usizes(l);
        }
        DArray::from_reader(&format!("read-{}", var.name), &var.shape, spec, h.finish(), reader)
    }

    /// A variable with CF decoding (`scale_factor`, `add_offset`,
    /// `_FillValue`, `missing_value`) as `f32` or `f64`, missing values NaN.
    /// The stored values are read as they are and decoded as part of
    /// whatever consumes them (one fused pass).
    pub fn array_decoded<T: Float>(&self, name: &str) -> Result<DArray<T>> {
        self.array_decoded_with(name, &ReadOptions::default())
    }

    /// `array_decoded` with options.
    pub fn array_decoded_with<T: Float>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        let ds = self.dataset(name)?;
        let var = self.describe(&ds)?;
        let cf = CfDecoding::from_attrs(&var.attrs);
        macro_rules! go {
            ($s:ty) => {
                Ok(cf.apply::<$s, T>(&self.read_var::<$s>(ds, &var, opts)?))
            };
        }
        match var.dtype {
            Some(DType::I8) => go!(i8),
            Some(DType::I16) => go!(i16),
            Some(DType::I32) => go!(i32),
            Some(DType::I64) => go!(i64),
            Some(DType::U8) => go!(u8),
            Some(DType::U16) => go!(u16),
            Some(DType::U32) => go!(u32),
            Some(DType::U64) => go!(u64),
            Some(DType::F32) => go!(f32),
            Some(DType::F64) => go!(f64),
            Some(DType::Bool) | None => Err(Error::Unsupported {
                path: self.p(),
                name: var.name,
                what: format!("CF decoding of {} values", var.type_name),
            }),
        }
    }

    /// The CF time coordinate `name` (its `units` and `calendar`
    /// attributes) decoded to dates, with the labels to group by.
    ///
    /// ```
    /// # fn main() -> Result<(), darray::Error> {
    /// // The shared sample data (../shared/data/README.md), beside the crate.
    /// let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/era5_t2m_uk_2019-03.nc");
    /// # assert!(path.is_file(), "{} is missing: this example reads the shared sample data", path.display());
    /// let f = darray::io::hdf5::File::open(path)?;
    /// let t = f.time_axis("time")?;
    /// assert_eq!(t.datetimes()[0].to_string(), "2019-03-01T00:00:00");
    /// assert_eq!(t.steps_per_day(), Some(24));
    /// # Ok(()) }
    /// ```
    pub fn time_axis(&self, name: &str) -> Result<crate::time::TimeAxis> {
        let var = self.variable(name)?;
        let text = |k: &str| var.attrs.get(k).and_then(AttrValue::as_str).unwrap_or("").to_string();
        let values: Vec<f64> = self.array_decoded::<f64>(name)?.compute()?.iter().copied().collect();
        crate::time::TimeAxis::from_cf(&values, &text("units"), &text("calendar"))
    }

    /// The block reader of a variable, and its default chunk shape.
    fn reader(
        &self,
        ds: ::hdf5::Dataset,
        var: &Variable,
        opts: &ReadOptions,
    ) -> Result<(Arc<dyn crate::ops::BlockReader>, Vec<usize>)> {
        let p = self.p();
        let dtype = var.dtype.expect("checked by the caller");
        let big_endian = matches!(ds.dtype().map(|t| t.byte_order()), Ok(::hdf5::datatype::ByteOrder::BigEndian));
        let filters = ds.filters();
        for f in &filters {
            if !f.is_available() {
                return Err(Error::Unsupported {
                    path: p.clone(),
                    name: var.name.clone(),
                    what: format!("the {} filter (not built into this HDF5)", meta::filter_name(f)),
                });
            }
        }
        let steps: Option<Vec<Step>> = filters
            .iter()
            .map(|f| match f {
                Filter::Deflate(l) => Some(Step::Deflate(*l)),
                Filter::Shuffle => Some(Step::Shuffle),
                _ => None,
            })
            .collect();
        let base = var.storage_chunks.clone().unwrap_or_else(|| {
            // Contiguous: rows along the leading axis are contiguous bytes.
            let mut c = var.shape.clone();
            if let Some(c0) = c.first_mut() {
                *c0 = 1;
            }
            c
        });
        // Partial edge chunks stored unfiltered are not marked in the chunk
        // index: only the library knows to skip the filters there.
        let unfiltered_edges = ds.dcpl().is_ok_and(|pl| {
            let mut opts: std::ffi::c_uint = 0;
            let status = ::hdf5::sync::sync(|| unsafe { hdf5_sys::h5p::H5Pget_chunk_opts(pl.id(), &mut opts) });
            status >= 0 && opts & hdf5_sys::h5d::H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS != 0
        });
        // Our conversion is a byte copy (and swap): only for the standard
        // layouts, and a shuffle of whole elements. Anything else (a float
        // of another layout, an integer using fewer bits, an odd shuffle
        // parameter) is for the library's conversions.
        let plain = dtype != DType::Bool && standard_layout(&ds, dtype, big_endian) && shuffle_fits(&ds, dtype);
        let how = match (&var.storage_chunks, steps) {
            (Some(chunk), Some(steps)) if !opts.library_path && plain && !unfiltered_edges => {
                let index = ChunkIndex::read(&ds, &var.shape, chunk.clone(), dtype.size(), &p)?;
                let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
                let file_len = file.metadata().map_err(|e| Error::io(&self.path, e))?.len();
                let fill = self.fill_value(&ds, dtype)?;
                Path::Chunks(Box::new(ChunkPath { index, steps, file, file_len, fill }))
            }
            _ => Path::Library,
        };
        let reader = Reader { path: p, name: var.name.clone(), dtype, big_endian, ds, how };
        Ok((Arc::new(reader), default_chunks(&var.shape, &base, dtype.size())))
    }

    /// The dataset's fill value (what unwritten chunks hold), as a 0-d array.
    fn fill_value(&self, ds: &::hdf5::Dataset, dtype: DType) -> Result<AnyArray> {
        let dcpl = ds.dcpl().map_err(h5err(&self.p()))?;
        macro_rules! fill {
            ($t:ty) => {
                <$t as Element>::wrap(ndarray::ArrayD::from_elem(
                    vec![],
                    dcpl.fill_value_as::<$t>().unwrap_or_default(),
                ))
            };
        }
        Ok(match dtype {
            DType::Bool => fill!(bool),
            DType::I8 => fill!(i8),
            DType::I16 => fill!(i16),
            DType::I32 => fill!(i32),
            DType::I64 => fill!(i64),
            DType::U8 => fill!(u8),
            DType::U16 => fill!(u16),
            DType::U32 => fill!(u32),
            DType::U64 => fill!(u64),
            DType::F32 => fill!(f32),
            DType::F64 => fill!(f64),
        })
    }
}

/// Whether the stored element type is the standard one of `dtype` (two's
/// complement integers or IEEE floats using every bit, in that byte order).
fn standard_layout(ds: &::hdf5::Dataset, dtype: DType, big: bool) -> bool {
    use ::hdf5::globals as g;
    let Ok(t) = ds.dtype() else { return false };
    let want = match (dtype, big) {
        (DType::Bool, _) => return false,
        (DType::I8, false) => *g::H5T_STD_I8LE,
        (DType::I8, true) => *g::H5T_STD_I8BE,
        (DType::I16, false) => *g::H5T_STD_I16LE,
        (DType::I16, true) => *g::H5T_STD_I16BE,
        (DType::I32, false) => *g::H5T_STD_I32LE,
        (DType::I32, true) => *g::H5T_STD_I32BE,
        (DType::I64, false) => *g::H5T_STD_I64LE,
        (DType::I64, true) => *g::H5T_STD_I64BE,
        (DType::U8, false) => *g::H5T_STD_U8LE,
        (DType::U8, true) => *g::H5T_STD_U8BE,
        (DType::U16, false) => *g::H5T_STD_U16LE,
        (DType::U16, true) => *g::H5T_STD_U16BE,
        (DType::U32, false) => *g::H5T_STD_U32LE,
        (DType::U32, true) => *g::H5T_STD_U32BE,
        (DType::U64, false) => *g::H5T_STD_U64LE,
        (DType::U64, true) => *g::H5T_STD_U64BE,
        (DType::F32, false) => *g::H5T_IEEE_F32LE,
        (DType::F32, true) => *g::H5T_IEEE_F32BE,
        (DType::F64, false) => *g::H5T_IEEE_F64LE,
        (DType::F64, true) => *g::H5T_IEEE_F64BE,
    };
    ::hdf5::sync::sync(|| unsafe { hdf5_sys::h5t::H5Tequal(t.id(), want) }) > 0
}

/// Whether a shuffle filter, if any, shuffles whole elements (its parameter
/// is the element size, as HDF5 sets it).
fn shuffle_fits(ds: &::hdf5::Dataset, dtype: DType) -> bool {
    let Ok(dcpl) = ds.dcpl() else { return false };
    let (mut flags, mut n, mut config) = (0, 1usize, 0);
    let mut cd = [0 as std::ffi::c_uint; 1];
    let status = ::hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5p::H5Pget_filter_by_id2(
            dcpl.id(),
            hdf5_sys::h5z::H5Z_FILTER_SHUFFLE,
            &mut flags,
            &mut n,
            cd.as_mut_ptr(),
            0,
            std::ptr::null_mut(),
            &mut config,
        )
    });
    // No shuffle (an error: not in the pipeline) fits; one must say the size.
    status < 0 || (n >= 1 && cd[0] as usize == dtype.size())
}

/// Whole storage chunks, grown along the leading axis while a block stays
/// within the chunk byte budget.
fn default_chunks(shape: &[usize], storage: &[usize], itemsize: usize) -> Vec<usize> {
    let mut c: Vec<usize> = storage.iter().zip(shape).map(|(&c, &s)| c.min(s).max(1)).collect();
    if let Some(&c0) = c.first() {
        // Saturating: the extents come from the file, which may be corrupt.
        let bytes = c.iter().fold(itemsize, |acc, &n| acc.saturating_mul(n));
        let k = (DEFAULT_CHUNK_BYTES / bytes.max(1)).max(1);
        let most = shape[0].div_ceil(c0).max(1);
        c[0] = c0.saturating_mul(k.min(most));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::default_chunks;
    use crate::chunks::DEFAULT_CHUNK_BYTES;

    #[test]
    fn default_chunks_grow_whole_storage_chunks_along_axis_0() {
        // 73 x 181 x 360 f32 = 19.0 MB; 7 of them fit in 128 MiB.
        assert_eq!(default_chunks(&[2920, 181, 360], &[73, 181, 360], 4), vec![511, 181, 360]);
        // Never past the axis: one block.
        assert_eq!(default_chunks(&[2920, 25, 53], &[730, 25, 53], 2), vec![2920, 25, 53]);
        // A chunk above the budget stays one chunk.
        assert_eq!(default_chunks(&[100, 10000, 10000], &[1, 10000, 10000], 8), vec![1, 10000, 10000]);
        assert_eq!(default_chunks(&[], &[], 8), Vec::<usize>::new());
        // Extents from a corrupt file do not overflow.
        assert_eq!(default_chunks(&[usize::MAX, usize::MAX], &[usize::MAX, usize::MAX], 8), [usize::MAX; 2]);
        assert_eq!(default_chunks(&[usize::MAX, 2], &[1, 2], 8)[0], DEFAULT_CHUNK_BYTES / 16);
    }
}
