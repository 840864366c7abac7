//! What a dataset says about one of its variables.

use super::AttrValue;
use crate::dtype::DType;
use std::collections::BTreeMap;
use std::fmt;

/// What a file or store says about one variable (an HDF5 dataset, a Zarr
/// array, a NetCDF variable).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its path in the file or store (`group/name`), without a leading `/`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The element type, when it is one a `DArray` can hold.
    pub dtype: Option<DType>,
    /// The element type's name (`int16`, `float32`, `string`, ...).
    pub type_name: String,
    /// The storage chunk shape (`None` for contiguous storage).
    pub storage_chunks: Option<Vec<usize>>,
    /// Storage filters (codecs) in pipeline order (`shuffle`, `deflate(4)`,
    /// ...).
    pub filters: Vec<String>,
    /// Dimension names (HDF5: from the attached dimension scales; `dim_k`
    /// where an axis has none).
    pub dims: Vec<String>,
    /// Attributes (`units`, `long_name`, `scale_factor`, ...), without the
    /// format libraries' own bookkeeping attributes.
    pub attrs: BTreeMap<String, AttrValue>,
}

impl fmt::Display for Variable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self.dims.iter().zip(&self.shape).map(|(d, n)| format!("{d}: {n}")).collect();
        write!(f, "{} {} ({})", self.name, self.type_name, dims.join(", "))?;
        match &self.storage_chunks {
            Some(c) => write!(f, " chunks {c:?}")?,
            None => write!(f, " contiguous")?,
        }
        if !self.filters.is_empty() {
            write!(f, " [{}]", self.filters.join(", "))?;
        }
        for key in ["long_name", "units"] {
            if let Some(v) = self.attrs.get(key) {
                write!(f, " {key}={v}")?;
            }
        }
        Ok(())
    }
}
