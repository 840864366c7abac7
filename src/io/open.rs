//! Opening a file of any format darray reads, the format chosen from the
//! file itself.

use super::{hdf5, netcdf3, zarr, Dataset};
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Opens `path` for reading in the format it is: a directory as a Zarr
/// store ([`zarr::Store`]), a file by its first bytes: NetCDF classic
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
