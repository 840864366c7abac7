//! Reading, for any format: the trait a format implements ([`Dataset`]:
//! list its variables, describe one, give a [`BlockReader`] of one) and
//! what every format then has ([`DatasetExt`]: typed lazy arrays, CF
//! decoding, time axes).

use super::{AttrValue, CfDecoding, Dimension, ReadOptions, Variable};
use crate::array::DArray;
use crate::chunks::{ChunkSpec, Chunks};
use crate::dtype::{DType, Element, Float};
use crate::error::{IoError, Result};
use crate::key::TokenHasher;
use crate::ops::BlockReader;
use crate::time::TimeAxis;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// A file or store of named variables, open for reading (an HDF5 /
/// NetCDF4 file; a Zarr store, a NetCDF classic file or a directory of
/// files would be others): what a format implements to be read lazily.
///
/// A format describes its variables and opens one as a [`BlockSource`];
/// the typed arrays, CF decoding and time axes of [`DatasetExt`] are built
/// from that alone. The trait is object safe, so datasets of several
/// formats can be held as `Box<dyn Dataset>`.
pub trait Dataset {
    /// The format's name (`"HDF5"`), for messages and keys.
    fn format(&self) -> &'static str;
    /// Where the data is (a file, a store's directory), for messages.
    fn path(&self) -> &Path;
    /// Every variable, in name order.
    fn variables(&self) -> Result<Vec<Variable>>;
    /// One variable. A name the dataset does not have is
    /// [`IoError::NotFound`] (listing those it has), one that names
    /// something else (a group) [`IoError::NotAVariable`].
    fn variable(&self, name: &str) -> Result<Variable>;
    /// The dimensions, in group then name order. By default those the
    /// variables' dimension names and shapes give (all in the root group,
    /// none unlimited); formats with dimensions of their own (NetCDF)
    /// list theirs, including those no variable holds values of.
    fn dimensions(&self) -> Result<Vec<Dimension>> {
        let mut dims = BTreeMap::new();
        for v in self.variables()? {
            for (d, &n) in v.dims.iter().zip(&v.shape) {
                let len: &mut usize = dims.entry(d.clone()).or_default();
                *len = (*len).max(n);
            }
        }
        Ok(dims
            .into_iter()
            .map(|(name, len)| Dimension { name, group: String::new(), len, unlimited: false })
            .collect())
    }
    /// The dataset's own attributes (HDF5: the root group's).
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>>;
    /// Opens `var`, as [`variable`](Dataset::variable) described it and
    /// with an element type (`var.dtype` is `Some`), for reading its blocks.
    fn open_variable(&self, var: &Variable, opts: &ReadOptions) -> Result<BlockSource>;
}

/// A variable opened for reading: what [`Dataset::open_variable`] gives.
pub struct BlockSource {
    /// Reads any block of the variable (offset and shape within its
    /// shape), in its element type, on worker threads.
    pub reader: Arc<dyn BlockReader>,
    /// The unit of storage: blocks of whole units are read without waste
    /// (the storage chunk; for contiguous data, a row along the leading
    /// axis). Default blocks are whole units, grown along the leading axis
    /// up to [`DEFAULT_READ_BYTES`].
    pub unit: Vec<usize>,
    /// A hash ([`TokenHasher`]) of what identifies the values read (the
    /// file, the variable, the read path): arrays with equal keys share
    /// their tasks, so two sources of one token must read the same values.
    pub token: u64,
}

/// What every [`Dataset`] can do, built on its methods: read a variable as
/// a lazy `DArray` of its stored type or CF-decoded, and decode a CF time
/// coordinate. (Formats also have these as inherent methods; the trait is
/// for code written for any format, `dyn Dataset` included.)
///
/// ```
/// use darray::io::{hdf5::{File, Writer, VarOptions}, Dataset, DatasetExt};
/// use darray::DArray;
/// let dir = std::env::temp_dir().join(format!("darray-doc-ext-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("x.nc");
/// let mut w = Writer::create(&path)?;
/// w.write("x", &DArray::<i16>::from_fn([6], [3], |i| i[0] as i16)?, &VarOptions::default().attr("scale_factor", 0.5))?;
/// w.finish()?;
/// let ds: Box<dyn Dataset> = Box::new(File::open(&path)?);
/// assert_eq!(ds.format(), "HDF5");
/// assert_eq!(ds.array_decoded::<f64>("x")?.sum().compute()?[[]], 0.5 * 15.0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait DatasetExt: Dataset {
    /// A variable as a lazy array of its stored element type, read chunk by
    /// chunk only when computed (and only the chunks a result needs).
    ///
    /// Asking for another type than the stored one is
    /// [`IoError::DType`], which says which type to ask for.
    fn array<T: Element>(&self, name: &str) -> Result<DArray<T>> {
        self.array_with(name, &ReadOptions::default())
    }

    /// `array` with options (chunks, read path).
    fn array_with<T: Element>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        read(self, &self.variable(name)?, opts)
    }

    /// A variable with CF decoding (`scale_factor`, `add_offset`,
    /// `_FillValue`, `missing_value`) as `f32` or `f64`, missing values NaN.
    /// The stored values are read as they are and decoded as part of
    /// whatever consumes them (one fused pass).
    fn array_decoded<T: Float>(&self, name: &str) -> Result<DArray<T>> {
        self.array_decoded_with(name, &ReadOptions::default())
    }

    /// `array_decoded` with options.
    fn array_decoded_with<T: Float>(&self, name: &str, opts: &ReadOptions) -> Result<DArray<T>> {
        read_decoded(self, &self.variable(name)?, opts)
    }

    /// The CF time coordinate `name` (its `units` and `calendar`
    /// attributes) decoded to dates, with the labels to group by.
    fn time_axis(&self, name: &str) -> Result<TimeAxis> {
        let var = self.variable(name)?;
        let text = |k: &str| var.attrs.get(k).and_then(AttrValue::as_str).unwrap_or("").to_string();
        let values: Vec<f64> =
            read_decoded::<_, f64>(self, &var, &ReadOptions::default())?.compute()?.iter().copied().collect();
        TimeAxis::from_cf(&values, &text("units"), &text("calendar"))
    }
}

impl<D: Dataset + ?Sized> DatasetExt for D {}

/// `var` of `ds` as a lazy array of `T`, its stored type.
fn read<D: Dataset + ?Sized, T: Element>(ds: &D, var: &Variable, opts: &ReadOptions) -> Result<DArray<T>> {
    let path = || ds.path().display().to_string();
    let stored = var.dtype.ok_or_else(|| IoError::Unsupported {
        path: path(),
        name: var.name.clone(),
        what: format!("its element type ({})", var.type_name),
    })?;
    if stored != T::DTYPE && unsigned_view(var) == Some(T::DTYPE) {
        // `_Unsigned`: the stored signed integers read as their bits.
        return crate::with_numeric!(stored, S => {
            let raw = read::<D, S>(ds, &Variable { attrs: BTreeMap::new(), ..var.clone() }, opts)?;
            // SAFETY: S and T are integer types of one size (unsigned_view).
            Ok(raw.map_named("as-unsigned", 0x5f55_6e73, |v: S| unsafe { std::mem::transmute_copy::<S, T>(&v) }))
        }, bool => unreachable!("bool is not a signed integer"));
    }
    if stored != T::DTYPE {
        return Err(IoError::DType {
            path: path(),
            name: var.name.clone(),
            stored: stored.name().to_string(),
            requested: T::DTYPE.name().to_string(),
        }
        .into());
    }
    let src = ds.open_variable(var, opts)?;
    let spec = match &opts.chunks {
        Some(c) => c.clone(),
        None => ChunkSpec::Shape(default_chunks(&var.shape, &src.unit, T::DTYPE.size())),
    };
    // The key names the data (the source's token) and the grid.
    let grid = Chunks::new(&var.shape, &spec, T::DTYPE.size())?;
    let mut h = TokenHasher::new("read");
    h.str(ds.format()).u64(src.token);
    for l in grid.sizes() {
        h.usizes(l);
    }
    DArray::from_reader_keyed(&format!("read-{}", var.name), &var.shape, spec, h.finish(), src.reader)
}

/// The unsigned type a signed integer variable marked `_Unsigned = "true"`
/// holds (netCDF's convention for NetCDF3 bytes), which it can be read as.
pub(crate) fn unsigned_view(var: &Variable) -> Option<DType> {
    let on = var.attrs.get("_Unsigned").and_then(AttrValue::as_str).is_some_and(|s| s.eq_ignore_ascii_case("true"));
    match var.dtype? {
        DType::I8 if on => Some(DType::U8),
        DType::I16 if on => Some(DType::U16),
        DType::I32 if on => Some(DType::U32),
        DType::I64 if on => Some(DType::U64),
        _ => None,
    }
}

/// `var` of `ds` CF-decoded to `T`, whatever numeric type it is stored as.
fn read_decoded<D: Dataset + ?Sized, T: Float>(ds: &D, var: &Variable, opts: &ReadOptions) -> Result<DArray<T>> {
    let cf = CfDecoding::from_attrs(&var.attrs).mask_valid_range(opts.mask_valid_range);
    let unsupported = || IoError::Unsupported {
        path: ds.path().display().to_string(),
        name: var.name.clone(),
        what: format!("CF decoding of {} values", var.type_name),
    };
    let stored = var.dtype.ok_or_else(unsupported)?;
    crate::with_numeric!(stored, S => Ok(cf.apply::<S, T>(&read::<D, S>(ds, var, opts)?)), bool => Err(unsupported().into()))
}

/// The most bytes of a default read block: whole storage units are grown
/// along the leading axis up to it. Small enough that a file of a few
/// hundred megabytes gives several blocks to each of a laptop's threads
/// (the E4 file, 761 MB in 40 storage chunks of 19 MB, gives 40 blocks,
/// where 128 MiB blocks gave 6 to 2 threads), and well under the re-read
/// budget; large enough that per-task costs vanish. A fixed size, not one
/// from the machine, so every process builds the same graph.
pub const DEFAULT_READ_BYTES: usize = 32 << 20;

/// Whole storage units, grown along the leading axis while a block stays
/// within `DEFAULT_READ_BYTES`.
fn default_chunks(shape: &[usize], unit: &[usize], itemsize: usize) -> Vec<usize> {
    let mut c: Vec<usize> = unit.iter().zip(shape).map(|(&c, &s)| c.min(s).max(1)).collect();
    if let Some(&c0) = c.first() {
        // Saturating: the extents come from the file, which may be corrupt.
        let bytes = c.iter().fold(itemsize, |acc, &n| acc.saturating_mul(n));
        let k = (DEFAULT_READ_BYTES / bytes.max(1)).max(1);
        let most = shape[0].div_ceil(c0).max(1);
        c[0] = c0.saturating_mul(k.min(most));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::{default_chunks, DEFAULT_READ_BYTES};

    #[test]
    fn default_chunks_grow_whole_storage_chunks_along_axis_0() {
        // 73 x 181 x 360 f32 = 19.0 MB: one fits in 32 MiB, not two.
        assert_eq!(default_chunks(&[2920, 181, 360], &[73, 181, 360], 4), vec![73, 181, 360]);
        // 1 MiB storage chunks: 32 of them.
        assert_eq!(default_chunks(&[1000, 256, 512], &[1, 256, 512], 8), vec![32, 256, 512]);
        // Never past the axis: one block.
        assert_eq!(default_chunks(&[2920, 25, 53], &[730, 25, 53], 2), vec![2920, 25, 53]);
        // A chunk above the budget stays one chunk.
        assert_eq!(default_chunks(&[100, 10000, 10000], &[1, 10000, 10000], 8), vec![1, 10000, 10000]);
        assert_eq!(default_chunks(&[], &[], 8), Vec::<usize>::new());
        // Extents from a corrupt file do not overflow.
        assert_eq!(default_chunks(&[usize::MAX, usize::MAX], &[usize::MAX, usize::MAX], 8), [usize::MAX; 2]);
        assert_eq!(default_chunks(&[usize::MAX, 2], &[1, 2], 8)[0], DEFAULT_READ_BYTES / 16);
    }
}
