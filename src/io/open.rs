//! Opening a file of any format darray reads, the format chosen from the
//! file itself.

use super::{hdf5, netcdf3, zarr, Dataset, MultiDataset};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Opens `path` for reading in the format it is: a directory as a Zarr
/// store ([`zarr::Store`]) if it has Zarr metadata, else its NetCDF and
/// HDF5 files (`*.nc`, `*.nc4`, `*.h5`, ..., in name order) joined along
/// their record dimension ([`open_many`]); a file by its first bytes:
/// NetCDF classic
/// (`CDF` 1, 2 or 5) with [`netcdf3::File`], anything else as HDF5 /
/// NetCDF4 with [`hdf5::File`] (whose errors name a file of another
/// kind). The result reads through [`Dataset`] and
/// [`DatasetExt`](super::DatasetExt).
///
/// ```
/// use darray::io::{hdf5::{Writer, VarOptions}, DatasetExt};
/// use darray::DArray;
/// let dir = std::env::temp_dir().join(format!("darray-doc-open-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("x.nc");
/// let mut w = Writer::create(&path)?;
/// w.write("x", &DArray::<f32>::ones([4], [2])?, &VarOptions::default())?;
/// w.finish()?;
/// let ds = darray::io::open(&path)?;
/// assert_eq!(ds.format(), "HDF5");
/// assert_eq!(ds.array::<f32>("x")?.sum().compute()?[[]], 4.0);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(path: impl AsRef<Path>) -> Result<Box<dyn Dataset + Send + Sync>> {
    let path = path.as_ref();
    if path.is_dir() {
        if !is_zarr(path) {
            let files = data_files(path)?;
            if let [one] = &files[..] {
                return open(one);
            }
            if !files.is_empty() {
                return Ok(Box::new(open_many_sorted(&files)?));
            }
        }
        // A Zarr store, or the store's error saying it is none.
        return Ok(Box::new(zarr::Store::open(path)?));
    }
    let mut head = [0u8; 4];
    let n = match std::fs::File::open(path) {
        Ok(mut f) => f.read(&mut head).map_err(|e| Error::io(path, e))?,
        // A missing file: the format's own error says so.
        _ => 0,
    };
    if netcdf3_signature(&head[..n]) {
        Ok(Box::new(netcdf3::File::open(path)?))
    } else {
        Ok(Box::new(hdf5::File::open(path)?))
    }
}

fn netcdf3_signature(head: &[u8]) -> bool {
    head.starts_with(b"CDF") && head.len() == 4
}

/// Opens several files as one dataset joined along their record dimension
/// (the first file's unlimited dimension, else `time`): xarray's
/// `open_mfdataset(paths, combine="nested", concat_dim=...)` for files
/// split along time. Each file is opened with [`open`]; only metadata, and
/// the small variables compared across files, are read. See
/// [`MultiDataset`] for what must agree.
///
/// ```
/// use darray::io::{hdf5::{Writer, VarOptions}, Dataset, DatasetExt};
/// use darray::DArray;
/// let dir = std::env::temp_dir().join(format!("darray-doc-many-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let mut paths = vec![];
/// for k in 0..3 {
///     let p = dir.join(format!("part{k}.nc"));
///     let mut w = Writer::create(&p)?;
///     let t = DArray::<f64>::from_fn([2, 4], [2, 4], move |i| (k * 2 + i[0]) as f64)?;
///     w.write("t", &t, &VarOptions::default().dims(["time", "x"]))?;
///     w.finish()?;
///     paths.push(p);
/// }
/// let ds = darray::io::open_many(&paths)?;
/// assert_eq!(ds.variable("t")?.shape, [6, 4]);
/// assert_eq!(ds.array::<f64>("t")?.mean_axis(1).compute()?.into_raw_vec_and_offset().0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open_many<P: AsRef<Path>>(paths: &[P]) -> Result<MultiDataset> {
    let parts = open_parts(paths)?;
    let dim = record_dim(&parts)?;
    MultiDataset::new(parts, &dim)
}

/// The dimension to join along: the first file's unlimited one, else
/// `time`.
fn record_dim(parts: &[Box<dyn Dataset + Send + Sync>]) -> Result<String> {
    let Some(first) = parts.first() else {
        return Err(Error::Invalid("open_many needs at least one file".into()));
    };
    let dims = first.dimensions()?;
    match dims.iter().find(|d| d.unlimited) {
        Some(d) => Ok(d.name.clone()),
        None if dims.iter().any(|d| d.name == "time") => Ok("time".to_string()),
        None => {
            let names: Vec<String> = dims.into_iter().map(|d| d.name).collect();
            Err(Error::Invalid(format!(
                "{}: no unlimited dimension and no `time` to join the files along (dimensions: {}); \
                 name one with `open_many_along`",
                first.path().display(),
                names.join(", ")
            )))
        }
    }
}

/// [`open_many`] with the files in the order of the first value of the
/// joined dimension's coordinate, as xarray's `open_mfdataset` orders them
/// by default (`part_10` after `part_9`); if a file lacks that coordinate,
/// all keep their name order.
fn open_many_sorted(paths: &[std::path::PathBuf]) -> Result<MultiDataset> {
    use super::DatasetExt;
    let parts = open_parts(paths)?;
    let dim = record_dim(&parts)?;
    let first_value = |part: &(dyn Dataset + Send + Sync)| -> Result<Option<f64>> {
        match part.variable(&dim) {
            Ok(v) if v.shape.len() == 1 && v.shape[0] > 0 && v.dtype.is_some() => {
                let x = part.array_decoded::<f64>(&dim)?.slice(&[crate::Sel::span(0, 1)]).compute()?;
                let x = x.iter().next().copied();
                // CF times by their instant: the files' units may differ.
                Ok(match (x, super::time::TimeUnits::from_attrs(&v.attrs)) {
                    (Some(t), Ok(Some(u))) => u.micros(t).ok().map(|us| us as f64).or(Some(t)),
                    (x, _) => x,
                })
            }
            _ => Ok(None),
        }
    };
    let keys = parts.iter().map(|p| first_value(p.as_ref())).collect::<Result<Option<Vec<f64>>>>()?;
    let mut keyed: Vec<(usize, Box<dyn Dataset + Send + Sync>)> = parts.into_iter().enumerate().collect();
    if let Some(keys) = keys {
        // Stable: equal first values keep their name order.
        keyed.sort_by(|a, b| keys[a.0].total_cmp(&keys[b.0]));
    }
    MultiDataset::new(keyed.into_iter().map(|(_, p)| p).collect(), &dim)
}

/// [`open_many`] along the dimension `dim`.
pub fn open_many_along<P: AsRef<Path>>(paths: &[P], dim: &str) -> Result<MultiDataset> {
    MultiDataset::new(open_parts(paths)?, dim)
}

fn open_parts<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Box<dyn Dataset + Send + Sync>>> {
    paths.iter().map(|p| open(p.as_ref())).collect()
}

/// The data files of a directory that is not a Zarr store, in name order
/// (NetCDF and HDF5 by their usual extensions).
fn data_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(e.to_ascii_lowercase().as_str(), "nc" | "nc4" | "netcdf" | "h5" | "hdf5" | "he5" | "cdf")
                })
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether a directory has Zarr metadata at its root.
fn is_zarr(dir: &Path) -> bool {
    ["zarr.json", ".zgroup", ".zarray", ".zmetadata"].iter().any(|m| dir.join(m).is_file())
}
