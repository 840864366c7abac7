//! A `DataArray` of any element type, for datasets whose variables differ
//! in type.

use super::{Coord, DataArray};
use crate::array::Sel;
use crate::dtype::{DType, Element};
use crate::error::{Error, Result};
use crate::io::AttrValue;
use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// What every `DataArray<T>` does whatever `T` is.
pub(super) trait Erased: Send + Sync {
    fn dtype(&self) -> DType;
    fn name(&self) -> &str;
    fn dims(&self) -> &[String];
    fn shape(&self) -> &[usize];
    fn coords(&self) -> &BTreeMap<String, Coord>;
    fn attrs(&self) -> &BTreeMap<String, AttrValue>;
    fn isel(&self, dim: &str, sel: Sel) -> Result<AnyDataArray>;
    fn rename(&self, name: &str) -> AnyDataArray;
    fn write(&self, sink: &mut super::write::Sink<'_>) -> Result<()>;
    fn as_any(&self) -> &dyn Any;
}

impl<T: Element> Erased for DataArray<T> {
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn name(&self) -> &str {
        DataArray::name(self)
    }
    fn dims(&self) -> &[String] {
        DataArray::dims(self)
    }
    fn shape(&self) -> &[usize] {
        DataArray::shape(self)
    }
    fn coords(&self) -> &BTreeMap<String, Coord> {
        DataArray::coords(self)
    }
    fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        DataArray::attrs(self)
    }
    fn isel(&self, dim: &str, sel: Sel) -> Result<AnyDataArray> {
        Ok(DataArray::isel(self, dim, sel)?.into())
    }
    fn rename(&self, name: &str) -> AnyDataArray {
        self.clone().rename(name).into()
    }
    fn write(&self, sink: &mut super::write::Sink<'_>) -> Result<()> {
        sink.write(self)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A [`DataArray`] of any element type: a [`Dataset`](super::Dataset)'s
/// variables, which [`get`](AnyDataArray::get) gives back typed.
///
/// ```
/// use darray::dataset::{AnyDataArray, DataArray};
/// use darray::{DArray, DType};
/// let a: AnyDataArray = DataArray::new("n", DArray::<i32>::zeros([3], 3)?, ["x"])?.into();
/// assert_eq!((a.dtype(), a.dims()), (DType::I32, &["x".to_string()][..]));
/// assert_eq!(a.get::<i32>()?.shape(), [3]);
/// assert!(a.get::<f64>().is_err());
/// # Ok::<(), darray::Error>(())
/// ```
#[derive(Clone)]
pub struct AnyDataArray(pub(super) Arc<dyn Erased>);

impl<T: Element> From<DataArray<T>> for AnyDataArray {
    fn from(da: DataArray<T>) -> AnyDataArray {
        AnyDataArray(Arc::new(da))
    }
}

impl AnyDataArray {
    /// The element type.
    pub fn dtype(&self) -> DType {
        self.0.dtype()
    }
    /// The name.
    pub fn name(&self) -> &str {
        self.0.name()
    }
    /// The dimension names.
    pub fn dims(&self) -> &[String] {
        self.0.dims()
    }
    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }
    /// The coordinates.
    pub fn coords(&self) -> &BTreeMap<String, Coord> {
        self.0.coords()
    }
    /// The attributes.
    pub fn attrs(&self) -> &BTreeMap<String, AttrValue> {
        self.0.attrs()
    }
    /// Positions along `dim` (see [`DataArray::isel`]).
    pub fn isel(&self, dim: &str, sel: impl Into<Sel>) -> Result<AnyDataArray> {
        self.0.isel(dim, sel.into())
    }
    /// The same array under another name.
    pub fn rename(&self, name: &str) -> AnyDataArray {
        self.0.rename(name)
    }
    /// The typed array; asking for another type than it holds is
    /// [`Error::Invalid`] naming the type it holds.
    pub fn get<T: Element>(&self) -> Result<DataArray<T>> {
        self.0.as_any().downcast_ref::<DataArray<T>>().cloned().ok_or_else(|| {
            Error::Invalid(format!(
                "{} holds {} values, not {}: ask for {}",
                self.name(),
                self.dtype().name(),
                T::DTYPE.name(),
                self.dtype().name()
            ))
        })
    }
}

impl fmt::Debug for AnyDataArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims().iter().zip(self.shape()).map(|(d, n)| format!("{d}: {n}")).collect();
        write!(f, "<DataArray {:?} ({})> {}", self.name(), dims.join(", "), self.dtype().name())
    }
}
