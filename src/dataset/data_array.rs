//! `DataArray`: a lazy array with a name per dimension, coordinates and
//! attributes.

use super::Coord;
use crate::array::DArray;
use crate::dtype::Element;
use crate::error::{Error, Result};
use crate::io::AttrValue;
use ndarray::ArrayD;
use std::collections::BTreeMap;
use std::fmt;

/// A lazy n-d array whose axes have names (`time`, `lat`, `lon`), with
/// the coordinate of each dimension that has one and the variable's
/// attributes: xarray's `DataArray` over a [`DArray`]. Every operation is
/// as lazy as the `DArray` beneath; coordinates are kept in memory.
///
/// ```
/// use darray::dataset::{Coord, DataArray};
/// use darray::DArray;
/// let x = DArray::from_fn([2, 3], [1, 3], |i| (i[0] * 3 + i[1]) as f32)?;
/// let da = DataArray::new("x", x, ["y", "lon"])?.with_coord(Coord::new("lon", vec![0.0, 120.0, 240.0]))?;
/// assert_eq!(da.axis("lon")?, 1);
/// assert_eq!(da.sum("y").compute()?.into_raw_vec_and_offset().0, vec![3.0, 5.0, 7.0]);
/// assert!(matches!(da.axis("lat"), Err(darray::Error::Dim { .. })));
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone)]
pub struct DataArray<T> {
    pub(super) name: String,
    pub(super) data: DArray<T>,
    pub(super) dims: Vec<String>,
    pub(super) coords: BTreeMap<String, Coord>,
    pub(super) attrs: BTreeMap<String, AttrValue>,
}

impl<T: Element> DataArray<T> {
    /// `data` with a name per axis (distinct), no coordinates and no
    /// attributes.
    pub fn new<S: Into<String>>(
        name: impl Into<String>,
        data: DArray<T>,
        dims: impl IntoIterator<Item = S>,
    ) -> Result<DataArray<T>> {
        let dims: Vec<String> = dims.into_iter().map(Into::into).collect();
        if dims.len() != data.ndim() {
            return Err(Error::Shape(format!(
                "{} dimension names {dims:?} for an array of {} dimensions",
                dims.len(),
                data.ndim()
            )));
        }
        if let Some((i, d)) = dims.iter().enumerate().find(|(i, d)| dims[..*i].contains(d)) {
            return Err(Error::Invalid(format!("dimension name {d:?} given twice (axis {i})")));
        }
        Ok(DataArray { name: name.into(), data, dims, coords: BTreeMap::new(), attrs: BTreeMap::new() })
    }

    /// The same array with a coordinate: a dimension coordinate must be as
    /// long as its dimension; a scalar one must not name a dimension.
    pub fn with_coord(mut self, coord: Coord) -> Result<DataArray<T>> {
        match coord.dims() {
            [d] => {
                let axis = self.axis(d)?;
                if coord.len() != self.shape()[axis] {
                    return Err(Error::Shape(format!(
                        "coordinate {d} has {} values for a dimension of length {}",
                        coord.len(),
                        self.shape()[axis]
                    )));
                }
            }
            _ if self.dims.iter().any(|d| d == coord.name()) => {
                return Err(Error::Invalid(format!("scalar coordinate {:?} names a dimension", coord.name())));
            }
            _ => {}
        }
        self.coords.insert(coord.name().to_string(), coord);
        Ok(self)
    }

    /// The same array with an attribute.
    pub fn attr(mut self, key: &str, value: impl Into<AttrValue>) -> DataArray<T> {
        self.attrs.insert(key.to_string(), value.into());
        self
    }

    /// The same array under another name.
    pub fn rename(mut self, name: impl Into<String>) -> DataArray<T> {
        self.name = name.into();
        self
    }

    /// Other data of the same shape with these dimensions, coordinates and
    /// attributes (what arithmetic on [`data`](DataArray::data) gives
    /// back): `da.with_data(da.data() - 273.15)`.
    pub fn with_data<U: Element>(&self, data: DArray<U>) -> Result<DataArray<U>> {
        if data.shape() != self.shape() {
            return Err(Error::Shape(format!(
                "data of shape {:?} for dimensions {:?} of shape {:?}",
                data.shape(),
                self.dims,
                self.shape()
            )));
        }
        Ok(self.rewrap(data, self.dims.clone(), self.coords.clone()))
    }

    /// Another array with this one's name and attributes.
    pub(super) fn rewrap<U: Element>(
        &self,
        data: DArray<U>,
        dims: Vec<String>,
        coords: BTreeMap<String, Coord>,
    ) -> DataArray<U> {
        DataArray { name: self.name.clone(), data, dims, coords, attrs: self.attrs.clone() }
    }

    /// Its name (the variable's).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The lazy array.
    pub fn data(&self) -> &DArray<T> {
        &self.data
    }
    /// The lazy array, without the labels.
    pub fn into_data(self) -> DArray<T> {
        self.data
    }
    /// The dimension names, one per axis.
    pub fn dims(&self) -> &[String] {
        &self.dims
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.data.shape()
    }
    /// The number of dimensions.
    pub fn ndim(&self) -> usize {
        self.dims.len()
    }
    /// The coordinates, by name (dimension coordinates and scalar ones).
    pub fn coords(&self) -> &BTreeMap<String, Coord> {
        &self.coords
    }
    /// The attributes.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        &self.attrs
    }

    /// The axis of dimension `dim`; [`Error::Dim`] if it has none.
    pub fn axis(&self, dim: &str) -> Result<usize> {
        self.dims
            .iter()
            .position(|d| d == dim)
            .ok_or_else(|| Error::Dim { name: dim.to_string(), available: format!("{:?}", self.dims) })
    }

    /// The coordinate `name`; [`Error::Sel`] if there is none.
    pub fn coord(&self, name: &str) -> Result<&Coord> {
        self.coords.get(name).ok_or_else(|| Error::Sel {
            dim: name.to_string(),
            message: format!(
                "{} has no coordinate {name:?} (it has {:?})",
                self.name,
                self.coords.keys().collect::<Vec<_>>()
            ),
        })
    }

    /// Computes the values.
    pub fn compute(&self) -> Result<ArrayD<T>> {
        self.data.compute()
    }

    /// Computes the values and keeps them: the same labels over a `DArray`
    /// whose chunks are held.
    pub fn persist(&self) -> Result<DataArray<T>> {
        Ok(self.rewrap(self.data.persist()?, self.dims.clone(), self.coords.clone()))
    }
}

impl<T: Element> fmt::Debug for DataArray<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<T: Element> fmt::Display for DataArray<T> {
    /// xarray's summary: name, dimensions with lengths, element type, then
    /// the coordinates and attributes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims.iter().zip(self.shape()).map(|(d, n)| format!("{d}: {n}")).collect();
        write!(f, "<DataArray {:?} ({})> {}", self.name, dims.join(", "), T::DTYPE.name())?;
        for c in self.coords.values() {
            let v = c.values();
            let shown = match v {
                [] => String::new(),
                [a] => format!("{a}"),
                [a, .., b] => format!("{a} .. {b}"),
            };
            write!(f, "\n  * {} ({}) {}", c.name(), c.dims().join(", "), shown)?;
        }
        for (k, v) in &self.attrs {
            write!(f, "\n    {k}: {v}")?;
        }
        Ok(())
    }
}
