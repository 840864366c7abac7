//! `Dataset`: the variables of a file, store or directory of files (or of
//! arrays put together), with their coordinates.

use super::impl_select::Positions;
use super::{AnyDataArray, Coord, DataArray, Label};
use crate::array::{DArray, Sel};
use crate::dtype::{DType, Element};
use crate::error::{Error, IoError, Result};
use crate::io::{self, AttrValue, DatasetExt, Variable};
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

type Source = Arc<dyn io::Dataset + Send + Sync>;

/// A variable: still as the file describes it, or an array.
#[derive(Clone)]
enum Entry {
    Stored(Variable),
    Array(AnyDataArray),
}

/// Named variables with shared coordinates and attributes, opened from a
/// file or store lazily (xarray's `Dataset`): see the [module](super)
/// documentation.
///
/// Opening reads metadata only; the coordinates (small, 1-d) are read the
/// first time something needs them, and variables block by block when
/// computed.
#[derive(Clone)]
pub struct Dataset {
    source: Option<Source>,
    vars: BTreeMap<String, Entry>,
    coords: Arc<OnceLock<Result<BTreeMap<String, Coord>>>>,
    /// Coordinate variables of the source (dimension coordinates, scalar
    /// coordinates named by `coordinates` attributes).
    coord_vars: Vec<Variable>,
    attrs: BTreeMap<String, AttrValue>,
    skipped: Vec<String>,
}

/// The CF encoding attributes decoding consumes.
const ENCODING: [&str; 5] = ["scale_factor", "add_offset", "_FillValue", "missing_value", "_Unsigned"];

impl Dataset {
    /// Opens a file or store of any format darray reads ([`io::open`]):
    /// NetCDF4/HDF5, NetCDF3, a Zarr store, a directory of files joined
    /// along time.
    pub fn open(path: impl AsRef<Path>) -> Result<Dataset> {
        Dataset::from_source(Arc::from(io::open(path)?))
    }

    /// Opens files as one dataset joined along their record (time)
    /// dimension ([`io::open_many`]: the files' other variables and
    /// coordinates are checked to agree; a file that disagrees is an error
    /// naming it and what differs).
    pub fn open_many<P: AsRef<Path>>(paths: &[P]) -> Result<Dataset> {
        Dataset::from_source(Arc::new(io::open_many(paths)?))
    }

    /// The variables of any [`io::Dataset`] (a format of one's own).
    pub fn from_source(source: Source) -> Result<Dataset> {
        let all = source.variables()?;
        let named: Vec<String> = all
            .iter()
            .filter_map(|v| v.attrs.get("coordinates").and_then(AttrValue::as_str))
            .flat_map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        let (mut vars, mut coord_vars, mut skipped) = (BTreeMap::new(), vec![], vec![]);
        for v in all {
            let dim_coord = v.dims.len() == 1 && v.dims[0] == v.name;
            let scalar_coord = v.shape.is_empty() && named.contains(&v.name);
            if v.dtype.is_none() {
                skipped.push(v.name.clone());
            } else if dim_coord || scalar_coord {
                coord_vars.push(v);
            } else {
                vars.insert(v.name.clone(), Entry::Stored(v));
            }
        }
        Ok(Dataset {
            attrs: source.attrs()?,
            source: Some(source),
            vars,
            coords: Arc::new(OnceLock::new()),
            coord_vars,
            skipped,
        })
    }

    /// An empty dataset, to [`insert`](Dataset::insert) arrays into.
    pub fn new() -> Dataset {
        Dataset {
            source: None,
            vars: BTreeMap::new(),
            coords: Arc::new(OnceLock::from(Ok(BTreeMap::new()))),
            coord_vars: vec![],
            attrs: BTreeMap::new(),
            skipped: vec![],
        }
    }

    /// A dataset of these arrays (see [`insert`](Dataset::insert)).
    pub fn from_arrays(arrays: impl IntoIterator<Item = AnyDataArray>) -> Result<Dataset> {
        let mut ds = Dataset::new();
        for a in arrays {
            ds.insert(a)?;
        }
        Ok(ds)
    }

    /// Adds (or replaces) a variable under its name. Its coordinates join
    /// the dataset's; one that differs from the dataset's coordinate of the
    /// same name is [`Error::Invalid`], as is a name taken by a coordinate.
    pub fn insert(&mut self, da: impl Into<AnyDataArray>) -> Result<()> {
        let da = da.into();
        let mut coords = self.coords()?.clone();
        for (d, &n) in da.dims().iter().zip(da.shape()) {
            let other = self.vars.iter().filter(|(k, _)| k.as_str() != da.name()).find_map(|(k, e)| {
                let (dims, shape) = match e {
                    Entry::Stored(v) => (&v.dims[..], &v.shape[..]),
                    Entry::Array(a) => (a.dims(), a.shape()),
                };
                dims.iter().position(|x| x == d).filter(|&i| shape[i] != n).map(|i| (k, shape[i]))
            });
            if let Some((k, m)) = other {
                return Err(Error::Shape(format!("{} has {d} of length {n}, {k} of length {m}", da.name())));
            }
        }
        if coords.contains_key(da.name()) {
            return Err(Error::Invalid(format!("{:?} is the name of a coordinate", da.name())));
        }
        for (k, c) in da.coords() {
            match coords.get(k) {
                Some(have) if have.values() != c.values() || have.dims() != c.dims() => {
                    return Err(Error::Invalid(format!(
                        "{}'s coordinate {k} differs from the dataset's ({} values against {})",
                        da.name(),
                        c.len(),
                        have.len()
                    )));
                }
                Some(_) => {}
                None => {
                    coords.insert(k.clone(), c.clone());
                }
            }
        }
        self.coords = Arc::new(OnceLock::from(Ok(coords)));
        self.vars.insert(da.name().to_string(), Entry::Array(da));
        Ok(())
    }

    /// Sets an attribute of the dataset.
    pub fn set_attr(&mut self, key: &str, value: impl Into<AttrValue>) {
        self.attrs.insert(key.to_string(), value.into());
    }

    /// The names of the data variables (not the coordinates), in order.
    pub fn data_vars(&self) -> Vec<&str> {
        self.vars.keys().map(String::as_str).collect()
    }

    /// Variables left out because darray holds no array of their type
    /// (strings, compound types).
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// The dataset's attributes.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        &self.attrs
    }

    /// The coordinates, by name: for an opened dataset its dimension
    /// coordinates (1-d variables named as their dimension) and the scalar
    /// ones variables' `coordinates` attributes name, read (decoded) on
    /// first use.
    pub fn coords(&self) -> Result<&BTreeMap<String, Coord>> {
        self.coords.get_or_init(|| self.read_coords()).as_ref().map_err(Clone::clone)
    }

    /// The coordinate `name`.
    pub fn coord(&self, name: &str) -> Result<&Coord> {
        self.coords()?.get(name).ok_or_else(|| Error::Sel {
            dim: name.to_string(),
            message: format!("the dataset has no coordinate {name:?}"),
        })
    }

    fn read_coords(&self) -> Result<BTreeMap<String, Coord>> {
        let Some(src) = &self.source else { return Ok(BTreeMap::new()) };
        let mut out = BTreeMap::new();
        for v in &self.coord_vars {
            let values = src.array_decoded::<f64>(&v.name)?.compute()?.iter().copied().collect();
            // Decoded, as xarray keeps them: the encoding attributes go.
            let mut c = Coord::from_parts(&v.name, values, natural_dtype(v), without_encoding(&v.attrs));
            if v.shape.is_empty() {
                c = c.at(0);
            }
            out.insert(v.name.clone(), c);
        }
        Ok(out)
    }

    /// Variable `name` as a `DataArray<T>`: for a stored variable, read
    /// CF-decoded when `T` is a float (packed integers unpacked, missing
    /// values NaN) and as stored when `T` is an integer type (which must
    /// then be the stored type, and the variable not packed or masked).
    /// [`get_any`](Dataset::get_any) gives each variable the type xarray
    /// decodes it to.
    pub fn get<T: Element>(&self, name: &str) -> Result<DataArray<T>> {
        match self.entry(name)? {
            Entry::Array(a) => a.get::<T>(),
            Entry::Stored(v) => self.read::<T>(v),
        }
    }

    /// Variable `name` in the type xarray's `decode_cf` gives it: the
    /// stored type when no CF decoding applies, else a float chosen by
    /// xarray's rule (the `scale_factor`/`add_offset` type; `f64` for
    /// 32-bit integers with both, or with an `add_offset` alone; masked
    /// integers of up to 16 bits `f32`, wider `f64`).
    pub fn get_any(&self, name: &str) -> Result<AnyDataArray> {
        match self.entry(name)? {
            Entry::Array(a) => Ok(a.clone()),
            Entry::Stored(v) => {
                crate::with_dtype!(natural_dtype(v), S => Ok(self.read::<S>(v)?.into()))
            }
        }
    }

    /// Every data variable, as [`get_any`](Dataset::get_any) gives it.
    pub fn arrays(&self) -> Result<Vec<AnyDataArray>> {
        self.vars.keys().map(|k| self.get_any(k)).collect()
    }

    fn entry(&self, name: &str) -> Result<&Entry> {
        self.vars.get(name).ok_or_else(|| {
            let path = self.source.as_ref().map_or(String::from("the dataset"), |s| s.path().display().to_string());
            let available = self.vars.keys().cloned().collect::<Vec<_>>().join(", ");
            IoError::NotFound { path, name: name.to_string(), available }.into()
        })
    }

    fn read<T: Element>(&self, v: &Variable) -> Result<DataArray<T>> {
        let src = self.source.as_ref().expect("stored variables come from a source");
        let data: DArray<T> = crate::with_float!(T::DTYPE, F => {
            let x: Box<dyn Any> = Box::new(src.array_decoded::<F>(&v.name)?);
            *x.downcast::<DArray<T>>().expect("F is T")
        }, other => {
            if natural_dtype(v) != T::DTYPE {
                return Err(Error::Invalid(format!(
                    "{} decodes to {} values, not {}: ask for {} (or a float type)",
                    v.name,
                    natural_dtype(v).name(),
                    T::DTYPE.name(),
                    natural_dtype(v).name()
                )));
            }
            src.array::<T>(&v.name)?
        });
        let decoded = T::DTYPE.is_float() && v.attrs.keys().any(|k| ENCODING.contains(&k.as_str()));
        let attrs = if decoded { without_encoding(&v.attrs) } else { v.attrs.clone() };
        let mut da = DataArray::new(v.name.clone(), data, v.dims.clone())?;
        da.attrs = attrs;
        let named: Vec<&str> =
            v.attrs.get("coordinates").and_then(AttrValue::as_str).map_or(vec![], |s| s.split_whitespace().collect());
        for (k, c) in self.coords()? {
            let fits = match c.dims() {
                [d] => v.dims.iter().position(|x| x == d).is_some_and(|a| v.shape[a] == c.len()),
                _ => named.contains(&k.as_str()),
            };
            if fits {
                da = da.with_coord(c.clone())?;
            }
        }
        Ok(da)
    }

    /// Positions along `dim` of every variable that has it, and of its
    /// coordinate (see [`DataArray::isel`]).
    pub fn isel(&self, dim: &str, sel: impl Into<Sel>) -> Result<Dataset> {
        let sel = sel.into();
        let mut coords = self.coords()?.clone();
        let len = match coords.get(dim) {
            Some(c) if !c.dims().is_empty() => Some(c.len()),
            _ => None,
        };
        let mut vars = BTreeMap::new();
        let mut found = len.is_some();
        for a in self.arrays()? {
            let a = if a.dims().iter().any(|d| d == dim) {
                found = true;
                a.isel(dim, sel)?
            } else {
                a
            };
            vars.insert(a.name().to_string(), Entry::Array(a));
        }
        if !found {
            return Err(Error::Dim { name: dim.to_string(), available: format!("{:?}", self.dims()?) });
        }
        if let (Some(n), Some(c)) = (len, coords.get_mut(dim)) {
            *c = Positions::of(dim, sel, n)?.apply(c);
        }
        Ok(Dataset {
            source: None,
            vars,
            coords: Arc::new(OnceLock::from(Ok(coords))),
            coord_vars: vec![],
            attrs: self.attrs.clone(),
            skipped: self.skipped.clone(),
        })
    }

    /// The dimension names of the variables, in order of first use.
    pub fn dims(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = vec![];
        for a in self.arrays()? {
            for d in a.dims() {
                if !out.contains(d) {
                    out.push(d.clone());
                }
            }
        }
        Ok(out)
    }

    fn dim_coord(&self, dim: &str) -> Result<&Coord> {
        match self.coords()?.get(dim) {
            Some(c) if !c.dims().is_empty() => Ok(c),
            _ => Err(Error::Sel {
                dim: dim.to_string(),
                message: format!("the dataset has no coordinate for {dim} to select by value in"),
            }),
        }
    }

    /// The position of `label` in the coordinate of `dim`, for every
    /// variable (see [`DataArray::sel`]).
    pub fn sel(&self, dim: &str, label: impl Into<Label>) -> Result<Dataset> {
        let i = self.dim_coord(dim)?.exact(&label.into())?;
        self.isel(dim, Sel::Index(i as isize))
    }

    /// The position closest to `label` (see [`DataArray::sel_nearest`]).
    pub fn sel_nearest(&self, dim: &str, label: impl Into<Label>) -> Result<Dataset> {
        let i = self.dim_coord(dim)?.nearest(&label.into())?;
        self.isel(dim, Sel::Index(i as isize))
    }

    /// The positions between two labels (see [`DataArray::sel_range`]).
    pub fn sel_range(&self, dim: &str, from: impl Into<Label>, to: impl Into<Label>) -> Result<Dataset> {
        let r = self.dim_coord(dim)?.range(&from.into(), &to.into())?;
        self.isel(dim, Sel::span(r.start as isize, r.end as isize))
    }
}

impl Default for Dataset {
    fn default() -> Dataset {
        Dataset::new()
    }
}

impl fmt::Debug for Dataset {
    /// xarray's summary: coordinates, data variables, attributes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Dataset>")?;
        if let Ok(coords) = self.coords() {
            for c in coords.values() {
                write!(f, "\n  coord {} ({}) {} values", c.name(), c.dims().join(", "), c.len())?;
            }
        }
        for (k, e) in &self.vars {
            match e {
                Entry::Stored(v) => write!(f, "\n  {k} ({}) {:?} {}", v.dims.join(", "), v.shape, v.type_name)?,
                Entry::Array(a) => write!(f, "\n  {a:?}")?,
            }
        }
        Ok(())
    }
}

/// The stored type as read: signed integers marked `_Unsigned` as their
/// unsigned type.
fn stored_view(v: &Variable) -> DType {
    io::unsigned_view(v).or(v.dtype).unwrap_or(DType::F64)
}

/// xarray's `decode_cf` type (`_choose_float_dtype`, and the promotion of
/// masked integers).
fn natural_dtype(v: &Variable) -> DType {
    let dt = stored_view(v);
    let attr = |k: &str| v.attrs.get(k);
    let (scale, offset) = (attr("scale_factor"), attr("add_offset"));
    let float_of = |a: &AttrValue| match a.dtype() {
        Some(DType::F32) => DType::F32,
        _ => DType::F64,
    };
    let int = !dt.is_float() && dt != DType::Bool;
    if scale.is_some() || offset.is_some() {
        return match (scale, offset) {
            (Some(s), Some(o)) if s.dtype() == o.dtype() && s.dtype().is_some_and(DType::is_float) => {
                if int && dt.size() == 4 {
                    DType::F64
                } else {
                    float_of(s)
                }
            }
            (_, Some(_)) => DType::F64,
            (Some(s), None) => float_of(s),
            (None, None) => unreachable!("one of them is there"),
        };
    }
    let masked = attr("_FillValue").is_some() || attr("missing_value").is_some();
    match dt {
        _ if !masked || !int => dt,
        _ if dt.size() <= 2 => DType::F32,
        _ => DType::F64,
    }
}

fn without_encoding(attrs: &BTreeMap<String, AttrValue>) -> BTreeMap<String, AttrValue> {
    let scaled = attrs.contains_key("scale_factor") || attrs.contains_key("add_offset");
    let range = ["valid_range", "valid_min", "valid_max"];
    attrs
        .iter()
        .filter(|(k, _)| {
            let k = k.as_str();
            let encoding = ENCODING.contains(&k) || (scaled && range.contains(&k));
            !encoding
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
