//! Many files as one dataset (xarray's `open_mfdataset`, concatenating
//! along one dimension): the files' variables along that dimension are
//! joined end to end, the others (coordinates such as latitude) must agree
//! in every file. Only metadata and the small variables compared are read
//! at open; a block of a joined variable is read from the files it spans.

use super::{AttrValue, BlockSource, Dataset, Dimension, ReadOptions, Variable};
use crate::dtype::{AnyArray, DType, Element};
use crate::error::{Error, IoError, Result};
use crate::key::TokenHasher;
use crate::ops::BlockReader;
use ndarray::Dimension as _;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Variables not along the dimension are compared value by value across
/// the files when they hold at most this many bytes (coordinates, bounds);
/// larger ones are compared by shape and type only, so opening stays cheap.
pub const COMPARE_BYTES: usize = 1 << 20;

/// Attributes that change what values mean: they must be equal in every
/// file for a joined variable to decode as one.
const DECODING_ATTRS: &[&str] = &[
    "scale_factor",
    "add_offset",
    "_FillValue",
    "missing_value",
    "units",
    "calendar",
    "_Unsigned",
    "valid_range",
    "valid_min",
    "valid_max",
];

/// Several files opened as one [`Dataset`], joined along one dimension
/// (see [`open_many`](super::open_many)): variables along it have the
/// files' extents added up, in the files' order; every other variable is
/// the first file's, checked against the others at open. It reads as any
/// dataset does ([`DatasetExt`](super::DatasetExt): `array`,
/// `array_decoded`, `time_axis`).
pub struct MultiDataset {
    path: PathBuf,
    dim: String,
    parts: Vec<Box<dyn Dataset + Send + Sync>>,
    /// Each variable as the whole reads it, with its axis along `dim` and
    /// the files' extents along it.
    vars: BTreeMap<String, Joined>,
}

/// A variable of the whole.
struct Joined {
    var: Variable,
    axis: Option<usize>,
    lens: Vec<usize>,
    /// The stored element type (the whole's is `f64` when re-referenced).
    stored: Option<DType>,
    /// Per file, `v * a + b` taking its CF time values into the first
    /// file's units, where its units differ.
    rebase: Vec<Option<Rebase>>,
}

impl std::fmt::Debug for MultiDataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MultiDataset({} files along {:?})", self.parts.len(), self.dim)
    }
}

fn mismatch(part: &dyn Dataset, message: String) -> Error {
    IoError::Mismatch { path: part.path().display().to_string(), message }.into()
}

impl MultiDataset {
    /// Joins `parts` (opened datasets, in order) along dimension `dim`,
    /// checking that they agree: the same variables, of the same types and
    /// dimensions; the same extents except along `dim`; the same decoding
    /// attributes (`scale_factor`, `units`, ...) for the joined ones; the
    /// same values for the small others ([`COMPARE_BYTES`]). The first
    /// disagreement is an [`IoError::Mismatch`] naming the file, the
    /// variable and what differs.
    pub fn new(parts: Vec<Box<dyn Dataset + Send + Sync>>, dim: &str) -> Result<MultiDataset> {
        let Some(first) = parts.first() else {
            return Err(Error::Invalid("open_many needs at least one file".into()));
        };
        let first_vars = first.variables()?;
        let mut vars = BTreeMap::new();
        for v in &first_vars {
            let axis = v.dims.iter().position(|d| d == dim);
            let lens = vec![axis.map_or(0, |a| v.shape[a])];
            vars.insert(v.name.clone(), Joined { var: v.clone(), axis, lens, stored: v.dtype, rebase: vec![None] });
        }
        if !first_vars.iter().any(|v| v.dims.iter().any(|d| d == dim)) {
            let dims: Vec<String> = first.dimensions()?.into_iter().map(|d| d.name).collect();
            return Err(mismatch(
                first.as_ref(),
                format!("no variable has the dimension {dim:?} to join along (dimensions: {})", dims.join(", ")),
            ));
        }
        // The first file's values of the variables compared, read once.
        let mut first_values: BTreeMap<String, Option<AnyArray>> = BTreeMap::new();
        for part in &parts[1..] {
            let theirs = part.variables()?;
            if let Some(extra) = theirs.iter().find(|v| !vars.contains_key(&v.name)) {
                return Err(mismatch(part.as_ref(), format!("variable {:?} is not in the first file", extra.name)));
            }
            for (name, j) in vars.iter_mut() {
                let Some(w) = theirs.iter().find(|w| &w.name == name) else {
                    return Err(mismatch(part.as_ref(), format!("variable {name:?} is missing")));
                };
                j.rebase.push(check_like(part.as_ref(), &j.var, w, j.axis)?);
                match j.axis {
                    Some(a) => j.lens.push(w.shape[a]),
                    None => {
                        let mine = match first_values.get(name) {
                            Some(m) => m.clone(),
                            None => {
                                let m = small_values(first.as_ref(), &j.var)?;
                                first_values.insert(name.clone(), m.clone());
                                m
                            }
                        };
                        if let Some(mine) = mine {
                            check_values(mine, part.as_ref(), &j.var)?;
                        }
                    }
                }
            }
        }
        for Joined { var: v, axis, lens, rebase, .. } in vars.values_mut() {
            if rebase.iter().any(Option::is_some) {
                // Values in the first file's units need not be whole.
                v.dtype = Some(DType::F64);
                v.type_name = DType::F64.name().to_string();
            }
            if let Some(a) = axis {
                v.shape[*a] = lens.iter().try_fold(0usize, |acc, &n| acc.checked_add(n)).ok_or_else(|| {
                    mismatch(
                        first.as_ref(),
                        format!("variable {:?}: the files' extents along {dim:?} overflow", v.name),
                    )
                })?;
            }
        }
        let path = first.path().parent().map_or_else(|| first.path().to_path_buf(), Path::to_path_buf);
        Ok(MultiDataset { path, dim: dim.to_string(), parts, vars })
    }

    /// The dimension the files are joined along.
    pub fn dim(&self) -> &str {
        &self.dim
    }

    /// The files, in order.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.parts.iter().map(|p| p.path().to_path_buf()).collect()
    }

    fn entry(&self, name: &str) -> Result<&Joined> {
        let name = name.trim_start_matches('/');
        self.vars.get(name).ok_or_else(|| {
            IoError::NotFound {
                path: self.path.display().to_string(),
                name: name.to_string(),
                available: self.vars.keys().cloned().collect::<Vec<_>>().join(", "),
            }
            .into()
        })
    }
}

/// `w` (of `part`) must be `v` but for its extent along `axis`, and for
/// the reference date of CF time units (`days since 2001-01-01` against
/// `hours since 2000-01-01`, same calendar), which is the linear map it
/// gives back, into `v`'s units.
fn check_like(part: &dyn Dataset, v: &Variable, w: &Variable, axis: Option<usize>) -> Result<Option<Rebase>> {
    let name = &v.name;
    // By element type: formats name types their own way (NetCDF3's
    // `double` is HDF5's `float64`).
    if w.dtype != v.dtype || (v.dtype.is_none() && w.type_name != v.type_name) {
        return Err(mismatch(part, format!("variable {name:?} holds {}, not {}", w.type_name, v.type_name)));
    }
    if w.dims != v.dims {
        return Err(mismatch(part, format!("variable {name:?} has dimensions {:?}, not {:?}", w.dims, v.dims)));
    }
    let other = |s: &[usize]| -> Vec<usize> {
        s.iter().enumerate().filter(|&(k, _)| Some(k) != axis).map(|(_, &n)| n).collect()
    };
    if other(&w.shape) != other(&v.shape) {
        return Err(mismatch(part, format!("variable {name:?} has shape {:?}, not {:?}", w.shape, v.shape)));
    }
    let rebase = axis.and_then(|_| time_rebase(v, w));
    if axis.is_some() {
        for k in DECODING_ATTRS.iter().filter(|k| rebase.is_none() || **k != "units") {
            // By their text, so NaN fill values are equal.
            let text = |x: &Variable| x.attrs.get(*k).map(|a| format!("{a:?}"));
            if text(v) != text(w) {
                let show = |a: Option<&AttrValue>| a.map_or_else(|| "none".to_string(), |a| a.to_string());
                return Err(mismatch(
                    part,
                    format!(
                        "variable {name:?} has {k} = {}, where the first file has {} (values would decode differently)",
                        show(w.attrs.get(*k)),
                        show(v.attrs.get(*k))
                    ),
                ));
            }
        }
    }
    Ok(rebase)
}

/// `(a, b)` with `v_units = a * w_value + b`, when `v` and `w` have CF time
/// units that differ (unit or reference date) in one calendar and neither
/// is packed or masked but by NaN (a fill value would be mapped too).
fn time_rebase(v: &Variable, w: &Variable) -> Option<Rebase> {
    use super::time::TimeUnits;
    let text = |x: &Variable, k: &str| x.attrs.get(k).and_then(AttrValue::as_str).map(str::to_string);
    let (uv, uw) = (text(v, "units")?, text(w, "units")?);
    if uv == uw || text(v, "calendar") != text(w, "calendar") {
        return None;
    }
    // A NaN fill value maps to itself; any other would be mapped too.
    let plain = |x: &Variable| {
        let nan_or_none = |k: &str| x.attrs.get(k).is_none_or(|a| a.as_f64().is_some_and(f64::is_nan));
        !x.attrs.contains_key("scale_factor")
            && !x.attrs.contains_key("add_offset")
            && nan_or_none("_FillValue")
            && nan_or_none("missing_value")
    };
    if !plain(v) || !plain(w) {
        return None;
    }
    let (tv, tw) = (TimeUnits::from_attrs(&v.attrs).ok()??, TimeUnits::from_attrs(&w.attrs).ok()??);
    let (ev, ew) = (tv.micros(0.0).ok()?, tw.micros(0.0).ok()?);
    let unit = tv.unit_micros() as f64;
    Some((tw.unit_micros() as f64 / unit, (ew - ev) as f64 / unit))
}

/// All values of `v` in `d`, if it is small enough to compare
/// ([`COMPARE_BYTES`]) and of a type darray holds.
fn small_values(d: &dyn Dataset, v: &Variable) -> Result<Option<AnyArray>> {
    let Some(dtype) = v.dtype else { return Ok(None) };
    let bytes = v.shape.iter().fold(dtype.size(), |acc, &n| acc.saturating_mul(n));
    if bytes > COMPARE_BYTES {
        return Ok(None);
    }
    let src = d.open_variable(v, &ReadOptions::default())?;
    Ok(Some(src.reader.read(&vec![0; v.shape.len()], &v.shape)?))
}

/// A variable not joined must hold the same values in every file (when
/// small enough to compare): `first`'s values, as `small_values` read them.
fn check_values(first: AnyArray, part: &dyn Dataset, v: &Variable) -> Result<()> {
    let Some(theirs) = small_values(part, v)? else { return Ok(()) };
    let dtype = v.dtype.unwrap_or(DType::F64);
    crate::with_dtype!(dtype, T => {
        let typed = |x: AnyArray| {
            T::unwrap(x).ok_or_else(|| Error::Invalid(format!("variable {:?}: a block of another type", v.name)))
        };
        let (a, b) = (typed(first)?, typed(theirs)?);
        let differ = a.indexed_iter().zip(b.iter()).find(|((_, x), y)| x != y && !(x.el_is_nan() && y.el_is_nan()));
        if let Some(((at, x), y)) = differ {
            return Err(mismatch(
                part,
                format!("variable {:?} differs at {:?}: {y:?} where the first file has {x:?}", v.name, at.slice()),
            ));
        }
        Ok(())
    })
}

impl Dataset for MultiDataset {
    fn format(&self) -> &'static str {
        "many files"
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn variables(&self) -> Result<Vec<Variable>> {
        Ok(self.vars.values().map(|j| j.var.clone()).collect())
    }
    fn variable(&self, name: &str) -> Result<Variable> {
        Ok(self.entry(name)?.var.clone())
    }
    /// The first file's dimensions, the joined one as long as all files'.
    fn dimensions(&self) -> Result<Vec<Dimension>> {
        let total = self.vars.values().find_map(|j| j.axis.map(|a| j.var.shape[a])).unwrap_or(0);
        let mut dims = self.parts[0].dimensions()?;
        for d in dims.iter_mut().filter(|d| d.name == self.dim) {
            d.len = total;
        }
        Ok(dims)
    }
    /// The first file's attributes.
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        self.parts[0].attrs()
    }
    fn open_variable(&self, var: &Variable, opts: &ReadOptions) -> Result<BlockSource> {
        let j = self.entry(&var.name)?;
        let Some(axis) = j.axis else {
            return self.parts[0].open_variable(var, opts);
        };
        let mut h = TokenHasher::new("many");
        h.usizes(&[axis]);
        let mut readers = vec![];
        let mut unit = None;
        let rebased = j.rebase.iter().any(Option::is_some);
        for ((part, &len), rebase) in self.parts.iter().zip(&j.lens).zip(&j.rebase) {
            let mut v = j.var.clone();
            v.shape[axis] = len;
            v.dtype = j.stored;
            let src = part.open_variable(&v, opts)?;
            h.u64(src.token);
            if let Some((a, b)) = rebase {
                h.u64(a.to_bits()).u64(b.to_bits());
            }
            unit.get_or_insert(src.unit);
            // Re-referenced: every file's values as f64, mapped where needed.
            let map = rebased.then(|| rebase.unwrap_or((1.0, 0.0)));
            readers.push((len, src.reader, map));
        }
        let dtype = j.var.dtype.unwrap_or(DType::F64);
        let reader = ConcatReader { axis, dtype, parts: readers };
        Ok(BlockSource { reader: Arc::new(reader), unit: unit.unwrap_or_default(), token: h.finish() })
    }
}

/// Reads a block of a joined variable from the files it spans.
struct ConcatReader {
    axis: usize,
    dtype: DType,
    /// Each file's extent along the axis, its reader, and the map into
    /// the first file's time units (values then become `f64`).
    parts: Vec<(usize, Arc<dyn BlockReader>, Option<Rebase>)>,
}

/// `v * a + b`: a file's CF time values in the first file's units.
type Rebase = (f64, f64);

/// A block as `f64`, mapped by `v * a + b`.
fn rebased(block: AnyArray, (a, b): Rebase) -> Result<AnyArray> {
    let dtype = block.dtype();
    crate::with_dtype!(dtype, T => {
        let x = T::unwrap(block).ok_or_else(|| Error::Internal("a block of another type".into()))?;
        Ok(f64::wrap(x.mapv(|v| v.el_to_f64() * a + b)))
    })
}

impl BlockReader for ConcatReader {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        let (a, lo, hi) = (self.axis, offset[self.axis], offset[self.axis] + shape[self.axis]);
        let mut pieces = vec![];
        let mut start = 0;
        for (len, r, map) in &self.parts {
            let (s, e) = (lo.max(start), hi.min(start + len));
            if s < e {
                let (mut o, mut n) = (offset.to_vec(), shape.to_vec());
                o[a] = s - start;
                n[a] = e - s;
                let piece = r.read(&o, &n)?;
                pieces.push(match map {
                    Some(m) => rebased(piece, *m)?,
                    None => piece,
                });
            }
            start += len;
        }
        if pieces.len() == 1 {
            return Ok(pieces.pop().expect("one piece"));
        }
        crate::with_dtype!(self.dtype, T => {
            let arrays: Vec<ndarray::ArrayD<T>> = pieces
                .into_iter()
                .map(T::unwrap)
                .collect::<Option<_>>()
                .ok_or_else(|| Error::Invalid("a file gave a block of another element type".into()))?;
            let views: Vec<_> = arrays.iter().map(|x| x.view()).collect();
            ndarray::concatenate(ndarray::Axis(a), &views)
                .map(T::wrap)
                .map_err(|e| Error::Shape(format!("joining a block of the files: {e}")))
        })
    }
}
