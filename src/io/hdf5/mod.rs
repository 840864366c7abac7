//! HDF5 and NetCDF4 files (a NetCDF4 file is an HDF5 file): list the
//! variables, read one lazily as a [`DArray`] (chunk by chunk, decompressing
//! in parallel), optionally with CF decoding, and write arrays back
//! ([`Writer`]), streaming, compressed in parallel, atomically.
//!
//! Only what is HDF5's is here: [`File`] implements the format-neutral
//! [`Dataset`] (the chunk index, the library's read path, attributes and
//! dimension scales), [`H5Writer`] the [`DatasetWriter`](crate::io::DatasetWriter)
//! behind [`Writer`]. Options, variables, CF decoding and the atomic writer
//! are [`crate::io`]'s, re-exported here.
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

mod common;
mod meta;
mod read;
mod write;

use common::{close_on_exec, h5err, FORMAT};

pub use crate::io::{AttrValue, CfDecoding, ReadOptions, VarOptions, Variable};
pub use write::{H5Var, H5Writer};

/// A new HDF5 / NetCDF4 file being written: the format-neutral atomic
/// [`io::Writer`](crate::io::Writer) writing HDF5 (see there for how a
/// failure never leaves a partial file).
pub type Writer = crate::io::Writer<H5Writer>;

use crate::array::DArray;
use crate::dtype::{AnyArray, DType, Element, Float};
use crate::error::{Error, IoError, Result};
use crate::io::codec::Codec;
use crate::io::{BlockSource, Dataset, DatasetExt};
use crate::key::TokenHasher;
use ::hdf5::filters::Filter;
use read::{ChunkIndex, ChunkPath, Path, Reader};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

/// An open HDF5 / NetCDF4 file. Its methods are those of every
/// [`Dataset`] (with [`DatasetExt`]), callable without importing the
/// traits.
pub struct File {
    path: PathBuf,
    h5: ::hdf5::File,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "File({})", self.path.display())
    }
}

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
        [b'C', b'D', b'F', v, ..] if matches!(v, 1 | 2 | 5) => {
            Some(format!("a NetCDF classic file (CDF-{v}): open it with `io::netcdf3::File` (or `io::open`)"))
        }
        // An HDF5 signature may also follow a user block, further in.
        h if h.starts_with(b"\x89HDF") => None,
        _ if n < 8 => Some(format!("the file has only {n} bytes")),
        _ => None,
    }
}

impl File {
    /// Opens a file for reading. A missing file or a directory is an
    /// [`IoError::File`]; a file that is not HDF5 (an empty file, a text
    /// file, a NetCDF classic file), or is truncated, an
    /// [`IoError::Format`] (of format `"HDF5"`).
    pub fn open(path: impl AsRef<FsPath>) -> Result<File> {
        let path = path.as_ref().to_path_buf();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            return Err(
                IoError::File { path: path.display().to_string(), message: "is a directory".to_string() }.into()
            );
        }
        let h5 = ::hdf5::File::open(&path).map_err(|e| {
            let p = path.display().to_string();
            match not_hdf5(&path) {
                Some(why) => {
                    IoError::Format { format: FORMAT, path: p, message: format!("not an HDF5 / NetCDF4 file: {why}") }
                        .into()
                }
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

    /// Every variable in the file, those of groups named by their path
    /// (`atmos/t`), in name order. netCDF-C's datasets that only stand for
    /// a dimension without values (`bnds`, `nv`, ...) are not variables:
    /// they are in [`dimensions`](File::dimensions).
    pub fn variables(&self) -> Result<Vec<Variable>> {
        let mut out = vec![];
        for g in self.all_groups()? {
            out.extend(self.group_variables(&g)?);
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The paths of the file's groups below the root (`atmos`,
    /// `atmos/ocean`), in name order: open a group's variables by path
    /// (`f.array::<f32>("atmos/t")`), or list them with
    /// [`variables_in`](File::variables_in).
    pub fn groups(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> =
            self.all_groups()?.iter().map(|g| g.name().trim_start_matches('/').to_string()).collect();
        names.retain(|n| !n.is_empty());
        names.sort();
        Ok(names)
    }

    /// The variables of one group (its path, `""` or `/` for the root),
    /// not those of groups inside it, in name order.
    pub fn variables_in(&self, group: &str) -> Result<Vec<Variable>> {
        let path = group.trim_matches('/');
        let g = if path.is_empty() {
            self.h5.as_group()
        } else if self.h5.link_exists(path) {
            self.h5.group(path)
        } else {
            return Err(
                IoError::NotFound { path: self.p(), name: path.to_string(), available: self.group_names() }.into()
            );
        };
        let g = g.map_err(|_| Error::Invalid(format!("{path:?} in {} is a variable, not a group", self.p())))?;
        let mut out = self.group_variables(&g)?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The dimensions of every group (netCDF's: a dimension scale, with a
    /// coordinate variable or without), in group then name order.
    pub fn dimensions(&self) -> Result<Vec<crate::io::Dimension>> {
        let p = self.p();
        let groups = self.all_groups()?;
        let mut dims = BTreeMap::new();
        for g in &groups {
            for ds in g.datasets().map_err(h5err(&p))? {
                // A scale of more than one axis (netCDF-C's `station(station,
                // strlen)`) is the dimension of its first.
                if !meta::is_scale(&ds) || ds.ndim() == 0 {
                    continue;
                }
                let path = ds.name().trim_start_matches('/').to_string();
                let space = ds.space().map_err(h5err(&p))?;
                let unlimited = space.maxdims().first().is_some_and(Option::is_none);
                dims.insert(path, (ds.shape()[0], unlimited));
            }
        }
        // An unlimited dimension is as long as its longest variable
        // (netCDF-C does not always extend a dimension-only scale).
        for g in &groups {
            for ds in g.datasets().map_err(h5err(&p))? {
                for (scale, n) in meta::dimension_paths(&ds, &self.h5).into_iter().zip(ds.shape()) {
                    if let Some((len, true)) = scale.and_then(|s| dims.get_mut(&s)) {
                        *len = (*len).max(n);
                    }
                }
            }
        }
        let mut out: Vec<crate::io::Dimension> = dims
            .into_iter()
            .map(|(path, (len, unlimited))| {
                let group = path.rsplit_once('/').map_or("", |(g, _)| g).to_string();
                crate::io::Dimension { name: meta::base_name(&path).to_string(), group, len, unlimited }
            })
            .collect();
        out.sort_by(|a, b| (&a.group, &a.name).cmp(&(&b.group, &b.name)));
        Ok(out)
    }

    /// The root group and every group inside it.
    fn all_groups(&self) -> Result<Vec<::hdf5::Group>> {
        let mut out = vec![];
        let mut todo = vec![self.h5.as_group().map_err(h5err(&self.p()))?];
        while let Some(g) = todo.pop() {
            todo.extend(g.groups().map_err(h5err(&self.p()))?);
            out.push(g);
        }
        Ok(out)
    }

    /// The variables directly in `g`, unordered.
    fn group_variables(&self, g: &::hdf5::Group) -> Result<Vec<Variable>> {
        let mut out = vec![];
        for ds in g.datasets().map_err(h5err(&self.p()))? {
            if !meta::is_dimension_only(&ds) {
                out.push(self.describe(&ds)?);
            }
        }
        Ok(out)
    }

    /// Names of the variables, for messages.
    fn names(&self) -> String {
        match self.variables() {
            Ok(v) if !v.is_empty() => v.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            _ => "no variables".to_string(),
        }
    }

    /// Names of the groups, for messages.
    fn group_names(&self) -> String {
        match self.groups() {
            Ok(g) if !g.is_empty() => g.join(", "),
            _ => "no groups".to_string(),
        }
    }

    /// The HDF5 dataset of variable `name` (a path in the file; netCDF-C
    /// stores a variable named like a dimension it is not the coordinate
    /// of under a prefixed name).
    fn dataset(&self, name: &str) -> Result<::hdf5::Dataset> {
        let name = name.trim_start_matches('/');
        let stored = match name.rsplit_once('/') {
            Some((g, b)) => format!("{g}/{}{b}", meta::NON_COORD),
            None => format!("{}{name}", meta::NON_COORD),
        };
        let link = [name, &stored].into_iter().find(|n| !name.is_empty() && self.h5.link_exists(n));
        let Some(link) = link else {
            return Err(IoError::NotFound { path: self.p(), name: name.to_string(), available: self.names() }.into());
        };
        let not = |kind: &str| IoError::NotAVariable { path: self.p(), name: name.to_string(), kind: kind.into() };
        match self.h5.dataset(link) {
            Ok(ds) if meta::is_dimension_only(&ds) => Err(not("dimension without values (see `dimensions`)").into()),
            Ok(ds) => Ok(ds),
            Err(_) if self.h5.group(link).is_ok() => Err(not("group (see `variables_in`)").into()),
            Err(e) => Err(h5err(&self.p())(e)),
        }
    }

    fn describe(&self, ds: &::hdf5::Dataset) -> Result<Variable> {
        let p = self.p();
        let desc = ds.dtype().and_then(|t| t.to_descriptor()).map_err(h5err(&p))?;
        let path = ds.name().trim_start_matches('/').to_string();
        let name = match path.rsplit_once('/') {
            Some((g, _)) => format!("{g}/{}", meta::base_name(&path)),
            None => meta::base_name(&path).to_string(),
        };
        Ok(Variable {
            name,
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
        DatasetExt::array(self, name)
    }

    /// `array` with options (chunks, read path).
    pub fn array_with<T: Element>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        DatasetExt::array_with(self, name, opts)
    }

    /// A variable with CF decoding (`scale_factor`, `add_offset`,
    /// `_FillValue`, `missing_value`) as `f32` or `f64`, missing values NaN.
    /// The stored values are read as they are and decoded as part of
    /// whatever consumes them (one fused pass).
    pub fn array_decoded<T: Float>(&self, name: &str) -> Result<DArray<T>> {
        DatasetExt::array_decoded(self, name)
    }

    /// `array_decoded` with options.
    pub fn array_decoded_with<T: Float>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        DatasetExt::array_decoded_with(self, name, opts)
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
        DatasetExt::time_axis(self, name)
    }

    /// The block reader of a variable, and its unit of storage.
    fn source(&self, var: &Variable, opts: &ReadOptions) -> Result<BlockSource> {
        let p = self.p();
        let ds = self.dataset(&var.name)?;
        // What the reader relies on comes from the file, not the caller.
        let desc = ds.dtype().and_then(|t| t.to_descriptor()).map_err(h5err(&p))?;
        let (shape, storage_chunks) = (ds.shape(), ds.chunk());
        let Some(dtype) = meta::dtype_of(&desc) else {
            return Err(IoError::Unsupported {
                path: p,
                name: var.name.clone(),
                what: format!("its element type ({})", meta::type_name(&desc)),
            }
            .into());
        };
        if var.dtype != Some(dtype) || var.shape != shape {
            return Err(Error::Invalid(format!(
                "variable {:?} of {p} holds {} values of shape {shape:?}, not {} of shape {:?} as described",
                var.name,
                dtype.name(),
                var.dtype.map_or("unknown", DType::name),
                var.shape
            )));
        }
        let big_endian = matches!(ds.dtype().map(|t| t.byte_order()), Ok(::hdf5::datatype::ByteOrder::BigEndian));
        let filters = ds.filters();
        // Ours decodes deflate, shuffle and the plugin compressors; the
        // library decodes what it has built in (not the plugins).
        let codecs: Option<Vec<Codec>> = filters.iter().map(meta::codec_of).collect();
        let unit = storage_chunks.clone().unwrap_or_else(|| {
            // Contiguous: rows along the leading axis are contiguous bytes.
            let mut c = shape.clone();
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
        let missing = filters.iter().find(|f| !f.is_available());
        let how = match (storage_chunks, codecs) {
            (Some(chunk), Some(codecs)) if !opts.library_path && plain && !unfiltered_edges => {
                let index = ChunkIndex::read(&ds, &shape, chunk, dtype.size(), &p)?;
                let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
                let file_len = file.metadata().map_err(|e| Error::io(&self.path, e))?.len();
                let fill = self.fill_value(&ds, dtype)?;
                Path::Chunks(Box::new(ChunkPath { index, codecs, file, file_len, fill, inflate: opts.deflate_impl }))
            }
            _ => match missing {
                // The library would fail on every chunk: say so at once.
                Some(f) => {
                    let why = match codecs_ok(&filters) {
                        true => "darray decodes it, but not for this variable, which needs HDF5's own read path",
                        false => "neither this HDF5 nor darray decodes it",
                    };
                    return Err(IoError::Unsupported {
                        path: p,
                        name: var.name.clone(),
                        what: format!("its {} storage filter ({why})", meta::filter_name(f)),
                    }
                    .into());
                }
                None => Path::Library,
            },
        };
        // The token names the file, the variable and the read path.
        let mut h = TokenHasher::new("hdf5-read");
        h.str(&p).str(&var.name).u64(opts.library_path as u64);
        let reader = Reader { path: p, name: var.name.clone(), dtype, big_endian, ds, how };
        Ok(BlockSource { reader: Arc::new(reader), unit, token: h.finish() })
    }

    /// The dataset's fill value (what unwritten chunks hold), as a 0-d array.
    fn fill_value(&self, ds: &::hdf5::Dataset, dtype: DType) -> Result<AnyArray> {
        let dcpl = ds.dcpl().map_err(h5err(&self.p()))?;
        Ok(crate::with_dtype!(dtype, T => {
            T::wrap(ndarray::ArrayD::from_elem(vec![], dcpl.fill_value_as::<T>().unwrap_or_default()))
        }))
    }
}

impl Dataset for File {
    fn format(&self) -> &'static str {
        FORMAT
    }
    fn path(&self) -> &FsPath {
        &self.path
    }
    fn variables(&self) -> Result<Vec<Variable>> {
        File::variables(self)
    }
    fn variable(&self, name: &str) -> Result<Variable> {
        File::variable(self, name)
    }
    fn dimensions(&self) -> Result<Vec<crate::io::Dimension>> {
        File::dimensions(self)
    }
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        File::attrs(self)
    }
    fn open_variable(&self, var: &Variable, opts: &ReadOptions) -> Result<BlockSource> {
        self.source(var, opts)
    }
}

/// Whether darray's chunk path decodes every filter of the pipeline.
fn codecs_ok(filters: &[Filter]) -> bool {
    filters.iter().all(|f| meta::codec_of(f).is_some())
}

/// Whether the stored element type is the standard one of `dtype` (two's
/// complement integers or IEEE floats using every bit, in that byte order).
fn standard_layout(ds: &::hdf5::Dataset, dtype: DType, big: bool) -> bool {
    use hdf5_sys::h5t::{H5T_order_t, H5Tequal, H5Tset_order};
    let Ok(t) = ds.dtype() else { return false };
    // The library's standard type of `dtype` (a copy of its native one,
    // `H5T_STD_I16LE` say), set to the stored byte order.
    let want = crate::with_numeric!(dtype, T => ::hdf5::Datatype::from_type::<T>(), bool => return false);
    let Ok(want) = want else { return false };
    let order = if big { H5T_order_t::H5T_ORDER_BE } else { H5T_order_t::H5T_ORDER_LE };
    ::hdf5::sync::sync(|| unsafe { H5Tset_order(want.id(), order) >= 0 && H5Tequal(t.id(), want.id()) > 0 })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every numeric type in both byte orders is standard; another order,
    /// another size or fewer bits is not. The oracle is the library's table
    /// of predefined types.
    #[test]
    fn standard_layouts_are_the_predefined_types() {
        use ::hdf5::globals as g;
        let dir = std::env::temp_dir().join(format!("darray-h5-layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = ::hdf5::File::create(dir.join("t.h5")).unwrap();
        let table = [
            (DType::I8, *g::H5T_STD_I8LE, *g::H5T_STD_I8BE),
            (DType::I16, *g::H5T_STD_I16LE, *g::H5T_STD_I16BE),
            (DType::I32, *g::H5T_STD_I32LE, *g::H5T_STD_I32BE),
            (DType::I64, *g::H5T_STD_I64LE, *g::H5T_STD_I64BE),
            (DType::U8, *g::H5T_STD_U8LE, *g::H5T_STD_U8BE),
            (DType::U16, *g::H5T_STD_U16LE, *g::H5T_STD_U16BE),
            (DType::U32, *g::H5T_STD_U32LE, *g::H5T_STD_U32BE),
            (DType::U64, *g::H5T_STD_U64LE, *g::H5T_STD_U64BE),
            (DType::F32, *g::H5T_IEEE_F32LE, *g::H5T_IEEE_F32BE),
            (DType::F64, *g::H5T_IEEE_F64LE, *g::H5T_IEEE_F64BE),
        ];
        let make = |name: &str, t: hdf5_sys::h5i::hid_t| -> ::hdf5::Dataset {
            let cname = std::ffi::CString::new(name).unwrap();
            let id = ::hdf5::sync::sync(|| unsafe {
                let space = hdf5_sys::h5s::H5Screate_simple(1, [4u64].as_ptr(), std::ptr::null());
                let d = hdf5_sys::h5d::H5Dcreate2(
                    f.id(),
                    cname.as_ptr(),
                    t,
                    space,
                    hdf5_sys::h5p::H5P_DEFAULT,
                    hdf5_sys::h5p::H5P_DEFAULT,
                    hdf5_sys::h5p::H5P_DEFAULT,
                );
                hdf5_sys::h5s::H5Sclose(space);
                d
            });
            assert!(id >= 0);
            ::hdf5::sync::sync(|| unsafe { hdf5_sys::h5d::H5Dclose(id) });
            f.dataset(name).unwrap()
        };
        for (k, &(dtype, le, be)) in table.iter().enumerate() {
            let (dl, db) = (make(&format!("le{k}"), le), make(&format!("be{k}"), be));
            assert!(standard_layout(&dl, dtype, false) && standard_layout(&db, dtype, true), "{dtype:?}");
            assert!(!standard_layout(&dl, dtype, true) && !standard_layout(&db, dtype, false), "{dtype:?}");
            // Another type of the table is not this one's layout.
            let other = table[(k + 1) % table.len()].0;
            assert!(!standard_layout(&dl, other, false), "{dtype:?} as {other:?}");
            assert!(!standard_layout(&dl, DType::Bool, false));
        }
        // An integer using fewer bits than its size.
        let narrow = ::hdf5::sync::sync(|| unsafe {
            let t = hdf5_sys::h5t::H5Tcopy(*g::H5T_STD_I32LE);
            hdf5_sys::h5t::H5Tset_precision(t, 20);
            t
        });
        assert!(!standard_layout(&make("narrow", narrow), DType::I32, false));
        drop(f);
        std::fs::remove_dir_all(&dir).ok();
    }
}
