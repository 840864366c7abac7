//! Datasets as xarray users know them: variables with named dimensions,
//! coordinates and attributes, selected by coordinate value, reduced and
//! grouped by dimension name, written back with their coordinates.
//!
//! A [`Dataset`] is opened from any file or store `io::open` reads (one
//! NetCDF4/HDF5 or NetCDF3 file, a Zarr store, a directory of files) or from
//! a list of files joined along time ([`Dataset::open_many`]); opening reads
//! metadata only. Its variables come out as [`DataArray`]s: a lazy
//! [`DArray`](crate::DArray) with a dimension name per axis, the coordinate
//! ([`Coord`]) of each dimension that has one, and the attributes.
//!
//! ```
//! use darray::dataset::{DataArray, Dataset, Coord};
//! use darray::DArray;
//! let dir = std::env::temp_dir().join(format!("darray-doc-ds-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! // Four latitudes from north to south, three days.
//! let x = DArray::from_fn([3, 4], [3, 2], |i| (10 * i[0] + i[1]) as f64)?;
//! let da = DataArray::new("t", x, ["time", "lat"])?
//!     .with_coord(Coord::new("lat", vec![60.0, 30.0, 0.0, -30.0]))?
//!     .with_coord(Coord::new("time", vec![0.0, 1.0, 2.0]).attr("units", "days since 2000-01-01"))?;
//! da.to_netcdf(dir.join("t.nc"))?;
//!
//! let ds = Dataset::open(dir.join("t.nc"))?;
//! let t: DataArray<f64> = ds.get("t")?;
//! assert_eq!(t.dims(), ["time", "lat"]);
//! // Latitudes 45 to 0 (a decreasing coordinate): 30 and 0.
//! let band = t.sel_range("lat", 45.0, 0.0)?;
//! assert_eq!(band.coord("lat")?.values(), [30.0, 0.0]);
//! assert_eq!(band.mean("time").compute()?.into_raw_vec_and_offset().0, vec![11.0, 12.0]);
//! let day = t.sel("time", "2000-01-02")?; // a CF time coordinate, by date
//! assert_eq!(day.dims(), ["lat"]);
//! // Arithmetic aligns by dimension name, as xarray broadcasts.
//! let anomaly = &t - &t.mean("time");
//! assert_eq!(anomaly.dims(), ["time", "lat"]);
//! let by_lat = &t.mean("time") - &t;          // (lat) - (time, lat): dims (lat, time)
//! assert_eq!(by_lat.dims(), ["lat", "time"]);
//! assert_eq!(by_lat.compute()?[[1, 0]], -anomaly.compute()?[[0, 1]]);
//! # std::fs::remove_dir_all(&dir).ok();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Conventions (and where they differ from xarray's):
//! - Reductions skip NaN, as xarray's do by default for floats
//!   (`skipna=True`).
//! - Variables are decoded as xarray's `decode_cf` does: packed or masked
//!   integers become `f32` or `f64` by xarray's rule, see
//!   [`Dataset::get`].
//! - `sel_range` takes its two bounds in either order and keeps the
//!   values between them in the coordinate's order; xarray gives nothing
//!   for bounds against a decreasing coordinate's order.
//! - A value outside a coordinate is an [`Error::Sel`](crate::Error::Sel),
//!   also for `nearest` (beyond half a step past either end; a coordinate
//!   of one value takes any label), and so is a range with no values in it
//!   (xarray gives an empty selection).
//! - A full date (`"2000-01-01"`) is an instant, midnight: `sel` finds
//!   that step only. xarray reads it as the whole day; here periods are
//!   years and months (`"2000"`, `"2000-01"`), in `sel_range` only.
//! - Season labels are numbers, 0 DJF, 1 MAM, 2 JJA, 3 SON (xarray:
//!   text).
//! - Coordinates that index are dimension coordinates and scalar ones;
//!   auxiliary coordinates (a 2-d `lat` of a curvilinear grid, a station
//!   coordinate) stay data variables, and the `coordinates` attribute
//!   naming them is kept and written back.
//! - `Dataset::get::<T>` reads a stored variable as any float type (or
//!   its own integer type); after a selection the variables are arrays of
//!   the type [`Dataset::get_any`] chose, and `get` must ask for that one.
//! - An integer `scale_factor` decodes to `f64` (xarray keeps the integer
//!   type), and `_Unsigned = "false"` is not applied to unsigned data;
//!   `valid_*` attributes go with the packing attributes of a packed
//!   variable.

mod any;
mod coord;
mod data_array;
mod dims;
mod file;
mod impl_group;
mod impl_ops;
mod impl_reduce;
mod impl_select;
mod write;

pub use any::AnyDataArray;
pub use coord::{Coord, Label};
pub use data_array::DataArray;
pub use dims::Dims;
pub use file::Dataset;
pub use impl_group::{TimeGroupBy, TimeKey};
pub use impl_reduce::Weighted;
