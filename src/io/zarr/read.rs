//! Reading a block of a Zarr array on a worker: zarrs reads and decodes
//! the chunks the block covers (missing ones are the fill value); an
//! error is traced back to the chunk that caused it.

use super::direct::Direct;
use crate::dtype::{AnyArray, DType, Element};
use crate::error::{IoError, Result};
use crate::ops::BlockReader;
use std::sync::Arc;
use zarrs::array::{Array, ArrayBytes, ArrayError, ArraySubset, CodecOptions};
use zarrs::filesystem::FilesystemStore;

/// Reads blocks of one array.
pub(crate) struct Reader {
    pub path: String,
    pub name: String,
    pub dtype: DType,
    pub array: Arc<Array<FilesystemStore>>,
    /// darray's own read of whole chunks, where the layout allows.
    pub direct: Option<Direct>,
}

impl Reader {
    /// The error for a failed read of `subset`: the first chunk of it that
    /// does not read on its own is named (a truncated or corrupt chunk
    /// file); failing that, zarrs' error as it is.
    fn diagnose(&self, subset: &ArraySubset, e: &ArrayError) -> crate::Error {
        if let Ok(Some(chunks)) = self.array.chunks_in_array_subset(subset) {
            for idx in chunks.indices().iter() {
                if let Err(ce) = self.array.retrieve_chunk::<ArrayBytes<'static>>(&idx) {
                    let key = self.array.chunk_key(&idx);
                    return self.error(&format!("chunk {idx:?} (file {key}): {ce}"), &ce);
                }
            }
        }
        self.error(&format!("block at {:?} of shape {:?}: {e}", subset.start(), subset.shape()), e)
    }

    fn error(&self, what: &str, e: &ArrayError) -> crate::Error {
        let detail = format!("variable {:?}, {what}", self.name);
        match e {
            ArrayError::StorageError(_) => IoError::File { path: self.path.clone(), message: detail }.into(),
            _ => IoError::Corrupt { path: self.path.clone(), detail }.into(),
        }
    }

    fn read_as<T: Element + zarrs::array::ElementOwned>(&self, subset: &ArraySubset) -> Result<AnyArray> {
        // One block per worker: zarrs' own parallelism would nest tasks
        // inside darray's pool, past the memory the scheduler plans for.
        let opts = CodecOptions::default().with_concurrent_target(1);
        match self.array.retrieve_array_subset_opt::<ndarray::ArrayD<T>>(subset, &opts) {
            Ok(a) => Ok(T::wrap(a)),
            Err(e) => Err(self.diagnose(subset, &e)),
        }
    }
}

impl Reader {
    /// A whole chunk by darray's own read, if this block is one and the
    /// store has it.
    fn read_direct<T: Element>(&self, d: &Direct, offset: &[usize], shape: &[usize]) -> Result<Option<AnyArray>> {
        let Some(idx) = d.whole_chunk(offset, shape) else { return Ok(None) };
        let Some(values) = d.read::<T>(&idx, &self.path, &self.name)? else { return Ok(None) };
        let a = ndarray::ArrayD::from_shape_vec(shape.to_vec(), values)
            .map_err(|e| crate::Error::Internal(format!("a chunk of {shape:?}: {e}")))?;
        Ok(Some(T::wrap(a)))
    }
}

impl BlockReader for Reader {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        if let Some(d) = &self.direct {
            let got = crate::with_dtype!(self.dtype, T => self.read_direct::<T>(d, offset, shape)?);
            if let Some(a) = got {
                return Ok(a);
            }
        }
        let start: Vec<u64> = offset.iter().map(|&o| o as u64).collect();
        let extent: Vec<u64> = shape.iter().map(|&n| n as u64).collect();
        let subset = ArraySubset::new_with_start_shape(start, extent).map_err(|e| IoError::Corrupt {
            path: self.path.clone(),
            detail: format!("variable {:?}: {e}", self.name),
        })?;
        crate::with_dtype!(self.dtype, T => self.read_as::<T>(&subset))
    }
}
