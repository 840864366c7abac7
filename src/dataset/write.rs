//! Writing datasets and data arrays with their coordinates: NetCDF4 (the
//! HDF5 writer) and Zarr v3 / v2, streamed and published atomically.

use super::{Coord, DataArray, Dataset};
use crate::array::DArray;
use crate::dtype::Element;
use crate::error::Result;
use crate::io::{self, hdf5, zarr, AttrValue, DatasetWriter, VarOptions};
use crate::run::Config;
use std::collections::BTreeMap;
use std::path::Path;

/// The writer a dataset goes to.
pub(super) enum Sink<'a> {
    Nc(&'a mut hdf5::Writer),
    Zarr(&'a mut zarr::Writer),
    ZarrV2(&'a mut zarr::WriterV2),
}

impl Sink<'_> {
    pub(super) fn write<T: Element>(&mut self, da: &DataArray<T>) -> Result<()> {
        match self {
            Sink::Nc(w) => write_var(w, da),
            Sink::Zarr(w) => write_var(w, da),
            Sink::ZarrV2(w) => write_var(w, da),
        }
    }
    fn coord(&mut self, c: &Coord) -> Result<()> {
        match self {
            Sink::Nc(w) => write_coord(w, c),
            Sink::Zarr(w) => write_coord(w, c),
            Sink::ZarrV2(w) => write_coord(w, c),
        }
    }
    fn attr(&mut self, k: &str, v: &AttrValue) -> Result<()> {
        match self {
            Sink::Nc(w) => w.file_attr(k, v.clone()),
            Sink::Zarr(w) => w.file_attr(k, v.clone()),
            Sink::ZarrV2(w) => w.file_attr(k, v.clone()),
        }
    }
}

fn write_var<T: Element, F: DatasetWriter>(w: &mut io::Writer<F>, da: &DataArray<T>) -> Result<()> {
    let mut opts = VarOptions::default().dims(da.dims().to_vec()).attrs(da.attrs());
    // Scalar coordinates are listed as CF's `coordinates` say.
    // (with the names the variable's own attribute gave: auxiliary
    // coordinates kept as variables).
    let own = da.attrs().get("coordinates").and_then(AttrValue::as_str).unwrap_or("");
    let mut scalars: Vec<&str> = own.split_whitespace().collect();
    for c in da.coords().values().filter(|c| c.dims().is_empty()) {
        if !scalars.contains(&c.name()) {
            scalars.push(c.name());
        }
    }
    if !scalars.is_empty() {
        opts = opts.attr("coordinates", scalars.join(" "));
    }
    if T::DTYPE.is_float() && !da.attrs().contains_key("_FillValue") {
        // NaN marks missing values, as xarray writes floats.
        let nan = if T::DTYPE == crate::DType::F32 { AttrValue::from(f32::NAN) } else { AttrValue::from(f64::NAN) };
        opts = opts.attr("_FillValue", nan);
    }
    w.write(da.name(), da.data(), &opts)?;
    Ok(())
}

fn write_coord<F: DatasetWriter>(w: &mut io::Writer<F>, c: &Coord) -> Result<()> {
    let values = ndarray::Array1::from(c.values().to_vec()).into_dyn();
    let n = c.len().max(1);
    let x = DArray::from_array(values, n)?;
    let x = if c.dims().is_empty() { x.reshape(Vec::<usize>::new()) } else { x };
    let opts = VarOptions::default().dims(c.dims().to_vec()).attrs(c.attrs());
    crate::with_numeric!(c.dtype(), S => { w.write(c.name(), &x.cast::<S>(), &opts)?; }, bool => {
        w.write(c.name(), &x, &opts)?;
    });
    Ok(())
}

impl Dataset {
    fn write_all(&self, sink: &mut Sink<'_>) -> Result<()> {
        for (k, v) in self.attrs() {
            sink.attr(k, v)?;
        }
        // Coordinates first: HDF5 makes them the dimension scales of the
        // variables written after them.
        let vars = self.arrays()?;
        let mut coords: BTreeMap<String, Coord> = self.coords()?.clone();
        for v in &vars {
            for (k, c) in v.coords() {
                coords.entry(k.clone()).or_insert_with(|| c.clone());
            }
        }
        for c in coords.values() {
            sink.coord(c)?;
        }
        for v in &vars {
            v.0.write(sink)?;
        }
        Ok(())
    }

    /// Writes the dataset, its variables with their coordinates and
    /// attributes, to a new NetCDF4 file (published whole when done, as
    /// every writer of [`io`] does). Decoded variables are written decoded
    /// (floats, NaN as `_FillValue`).
    pub fn to_netcdf(&self, path: impl AsRef<Path>) -> Result<()> {
        self.to_netcdf_with(path, &Config::default())
    }

    /// `to_netcdf` with a configuration (threads, progress).
    pub fn to_netcdf_with(&self, path: impl AsRef<Path>, cfg: &Config) -> Result<()> {
        let mut w = hdf5::Writer::create(path)?.config(cfg.clone());
        self.write_all(&mut Sink::Nc(&mut w))?;
        w.finish()
    }

    /// Writes the dataset to a new Zarr v3 store with consolidated
    /// metadata (`dimension_names` from the dimensions).
    pub fn to_zarr(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut w = zarr::Writer::create(path)?;
        self.write_all(&mut Sink::Zarr(&mut w))?;
        w.finish()
    }

    /// Writes the dataset to a new Zarr v2 store (`_ARRAY_DIMENSIONS`,
    /// `.zmetadata`), which every version of zarr and xarray reads.
    pub fn to_zarr_v2(&self, path: impl AsRef<Path>) -> Result<()> {
        let mut w = zarr::WriterV2::create(path)?;
        self.write_all(&mut Sink::ZarrV2(&mut w))?;
        w.finish()
    }
}

impl<T: Element> DataArray<T> {
    /// Writes this array and its coordinates to a new NetCDF4 file (as a
    /// dataset of one variable, [`Dataset::to_netcdf`]).
    pub fn to_netcdf(&self, path: impl AsRef<Path>) -> Result<()> {
        Dataset::from_arrays([self.clone().into()])?.to_netcdf(path)
    }

    /// Writes this array and its coordinates to a new Zarr v3 store.
    pub fn to_zarr(&self, path: impl AsRef<Path>) -> Result<()> {
        Dataset::from_arrays([self.clone().into()])?.to_zarr(path)
    }
}
