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
    /// Dimension names as netCDF gives them (HDF5: the names of the
    /// attached dimension scales, without their group; `dim_k` where an
    /// axis has none).
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

/// A named dimension of a dataset, as netCDF defines them: a NetCDF4
/// file's dimensions with or without coordinate variables (HDF5 dimension
/// scales), a format's own dimension names otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    /// Its name, as variables' [`dims`](Variable::dims) give it.
    pub name: String,
    /// The group it is defined in (`""` for the root, `atmos/ocean` for a
    /// nested group): variables of that group and those below it use it.
    pub group: String,
    /// Its current length (for an unlimited dimension, the longest extent
    /// of a variable along it).
    pub len: usize,
    /// Whether it can grow (netCDF's unlimited, record dimension).
    pub unlimited: bool,
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.group.is_empty() {
            write!(f, "{}/", self.group)?;
        }
        write!(f, "{} = {}", self.name, self.len)?;
        if self.unlimited {
            write!(f, " (unlimited)")?;
        }
        Ok(())
    }
}
