//! An open NetCDF classic file: its header, read once at open, describes
//! the variables; blocks are read on the workers by positional reads.

use super::header::{nc_type, Bad, Header, Var};
use super::read::Reader;
use crate::error::{Error, IoError, Result};
use crate::io::{AttrValue, BlockSource, Dataset, Dimension, ReadOptions, Variable};
use crate::key::TokenHasher;
use std::collections::BTreeMap;
use std::fmt;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The format's name, in messages and keys.
pub(crate) const FORMAT: &str = "NetCDF3";

/// The most header bytes read before a header is taken for corrupt: far
/// more than the largest real headers (thousands of variables).
const MAX_HEADER: u64 = 64 << 20;

/// An open NetCDF classic file (CDF-1 classic, CDF-2 64-bit offset, CDF-5
/// 64-bit data), for reading: variables are read lazily, by records. Its
/// methods are those of every [`Dataset`] (with
/// [`DatasetExt`](crate::io::DatasetExt)): `array`, `array_decoded`,
/// `time_axis`, ...
///
/// ```
/// use darray::io::{netcdf3::File, DatasetExt};
/// // A classic file of one record variable `v(time, x)` of shorts, built
/// // byte by byte from the format's specification.
/// let mut b = b"CDF\x01".to_vec();
/// let n = |b: &mut Vec<u8>, v: u32| b.extend(v.to_be_bytes());
/// n(&mut b, 3); // records
/// n(&mut b, 0x0A); n(&mut b, 2); // two dimensions
/// n(&mut b, 4); b.extend(b"time"); n(&mut b, 0);
/// n(&mut b, 1); b.extend(b"x\0\0\0"); n(&mut b, 2);
/// n(&mut b, 0); n(&mut b, 0); // no attributes
/// n(&mut b, 0x0B); n(&mut b, 1); // one variable
/// n(&mut b, 1); b.extend(b"v\0\0\0"); n(&mut b, 2); n(&mut b, 0); n(&mut b, 1);
/// n(&mut b, 0); n(&mut b, 0); n(&mut b, 3); n(&mut b, 4);
/// let begin = b.len() as u32 + 4;
/// n(&mut b, begin);
/// for v in [1i16, 2, 3, 4, 5, 6] { b.extend(v.to_be_bytes()); }
/// let path = std::env::temp_dir().join(format!("darray-doc-nc3-{}.nc", std::process::id()));
/// std::fs::write(&path, &b)?;
/// let f = File::open(&path)?;
/// assert_eq!(f.variable("v")?.shape, [3, 2]);
/// assert_eq!(f.array::<i16>("v")?.sum().compute()?[[]], 21);
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct File {
    path: PathBuf,
    header: Header,
    numrecs: u64,
    file_len: u64,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "netcdf3::File({}, CDF-{})", self.path.display(), self.header.version)
    }
}

/// What a file that is not NetCDF classic is instead, by its first bytes.
fn what_else(head: &[u8]) -> String {
    match head {
        [] => "the file is empty".to_string(),
        h if h.starts_with(b"\x89HDF\r\n\x1a\n") => {
            "it is an HDF5 / NetCDF4 file: open it with `io::hdf5::File` (or `io::open`)".to_string()
        }
        [b'C', b'D', b'F', v, ..] => format!("it says NetCDF classic version {v}, which does not exist (1, 2 or 5)"),
        h if h.len() < 4 => format!("the file has only {} bytes", h.len()),
        _ => "it has no NetCDF classic signature (CDF)".to_string(),
    }
}

impl File {
    /// Opens a file for reading, reading its header. A missing file or a
    /// directory is an [`IoError::File`]; a file of another kind (an HDF5
    /// / NetCDF4 file, an empty or a text file) an [`IoError::Format`] that
    /// says what it is; a header cut short or corrupt, an
    /// [`IoError::Format`] saying where.
    pub fn open(path: impl AsRef<Path>) -> Result<File> {
        let path = path.as_ref().to_path_buf();
        let p = path.display().to_string();
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            return Err(IoError::File { path: p, message: "is a directory".to_string() }.into());
        }
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let file_len = meta.len();
        let format = |message: String| -> Error { IoError::Format { format: FORMAT, path: p.clone(), message }.into() };
        // Reads more of the file until the header parses (headers are
        // small; their size is known only by parsing them).
        let mut want = file_len.min(1 << 16);
        let header = loop {
            let mut buf = vec![0u8; want as usize];
            file.read_exact_at(&mut buf, 0).map_err(|e| Error::io(&path, e))?;
            if super::header::version(&buf).is_none() {
                return Err(format(format!("not a NetCDF classic file: {}", what_else(&buf[..buf.len().min(8)]))));
            }
            match Header::parse(&buf) {
                Ok(h) => break h,
                Err(Bad::Short(_)) if want < file_len && want < MAX_HEADER => want = (want * 4).min(file_len),
                Err(Bad::Short(m)) if want >= MAX_HEADER => {
                    return Err(format(format!("the header is larger than {MAX_HEADER} bytes, so corrupt: {m}")))
                }
                Err(e) => return Err(format(e.message())),
            }
        };
        let record_size = header.record_size();
        let numrecs = match header.numrecs {
            Some(n) => n,
            // Streaming: as many whole records as the file holds.
            None => {
                let first = header.vars.iter().filter(|v| header.is_record(v)).map(|v| v.begin).min();
                match (first, record_size) {
                    (Some(b), s) if s > 0 => file_len.saturating_sub(b) / s,
                    _ => 0,
                }
            }
        };
        Ok(File { path, header, numrecs, file_len })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The format version: 1 (classic), 2 (64-bit offset) or 5 (64-bit
    /// data).
    pub fn version(&self) -> u8 {
        self.header.version
    }

    fn p(&self) -> String {
        self.path.display().to_string()
    }

    fn describe(&self, v: &Var) -> Result<Variable> {
        let (dtype, type_name, _) = nc_type(v.nc_type).expect("checked when parsed");
        let mut shape = vec![];
        for &d in &v.dimids {
            let n = self.header.dim_len(d, self.numrecs);
            shape.push(usize::try_from(n).map_err(|_| {
                Error::from(IoError::Format {
                    format: FORMAT,
                    path: self.p(),
                    message: format!("variable {:?} has {n} elements along an axis", v.name),
                })
            })?);
        }
        Ok(Variable {
            name: v.name.clone(),
            shape,
            dtype,
            type_name: type_name.to_string(),
            storage_chunks: None,
            filters: vec![],
            dims: v.dimids.iter().map(|&d| self.header.dims[d].0.clone()).collect(),
            attrs: v.attrs.clone(),
        })
    }

    fn var(&self, name: &str) -> Result<&Var> {
        self.header.vars.iter().find(|v| v.name == name).ok_or_else(|| {
            let available = match self.header.vars.len() {
                0 => "no variables".to_string(),
                _ => self.header.vars.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", "),
            };
            IoError::NotFound { path: self.p(), name: name.to_string(), available }.into()
        })
    }

    /// Every variable, in name order.
    pub fn variables(&self) -> Result<Vec<Variable>> {
        let mut out = self.header.vars.iter().map(|v| self.describe(v)).collect::<Result<Vec<_>>>()?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// What the file says about one variable.
    pub fn variable(&self, name: &str) -> Result<Variable> {
        self.describe(self.var(name)?)
    }

    /// The dimensions, in name order; the record dimension is unlimited,
    /// as long as the records written.
    pub fn dimensions(&self) -> Result<Vec<Dimension>> {
        let mut out: Vec<Dimension> = (0..self.header.dims.len())
            .map(|d| Dimension {
                name: self.header.dims[d].0.clone(),
                group: String::new(),
                len: self.header.dim_len(d, self.numrecs) as usize,
                unlimited: self.header.dims[d].1 == 0,
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// The file's global attributes.
    pub fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        Ok(self.header.attrs.clone())
    }

    fn source(&self, var: &Variable) -> Result<BlockSource> {
        let v = self.var(&var.name)?;
        let own = self.describe(v)?;
        let Some(dtype) = own.dtype else {
            return Err(IoError::Unsupported {
                path: self.p(),
                name: var.name.clone(),
                what: format!("its element type ({})", own.type_name),
            }
            .into());
        };
        if var.dtype != own.dtype || var.shape != own.shape {
            return Err(Error::Invalid(format!(
                "variable {:?} of {} is {} of shape {:?}, not as described",
                var.name,
                self.p(),
                dtype.name(),
                own.shape
            )));
        }
        let record = self.header.is_record(v);
        let file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        let reader = Reader {
            path: self.p(),
            name: var.name.clone(),
            dtype,
            file,
            file_len: self.file_len,
            shape: own.shape.clone(),
            begin: v.begin,
            record_stride: record.then(|| self.header.record_size()),
        };
        // The unit: one record (or one row along the first axis).
        let mut unit = own.shape.clone();
        if let Some(u) = unit.first_mut() {
            *u = 1;
        }
        let mut h = TokenHasher::new("netcdf3-read");
        h.str(&self.p()).str(&var.name).u64(self.numrecs);
        Ok(BlockSource { reader: Arc::new(reader), unit, token: h.finish() })
    }
}

impl Dataset for File {
    fn format(&self) -> &'static str {
        FORMAT
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn variables(&self) -> Result<Vec<Variable>> {
        File::variables(self)
    }
    fn variable(&self, name: &str) -> Result<Variable> {
        File::variable(self, name)
    }
    fn dimensions(&self) -> Result<Vec<Dimension>> {
        File::dimensions(self)
    }
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        File::attrs(self)
    }
    fn open_variable(&self, var: &Variable, _opts: &ReadOptions) -> Result<BlockSource> {
        self.source(var)
    }
}
