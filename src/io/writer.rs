//! Writing, for any format: [`Writer`] streams arrays into a new dataset
//! block by block and publishes it atomically; a format implements
//! [`DatasetWriter`] (create, define a variable, close) and [`VarWriter`]
//! (store one block).

use super::atomic::Staged;
use super::{AttrValue, VarOptions};
use crate::array::DArray;
use crate::dtype::{DType, Element};
use crate::error::{Error, IoError, Result};
use crate::exec::ExecStats;
use crate::run::Config;
use std::path::Path;

/// A variable about to be written, as [`Writer`] hands it to the format.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct VarSpec<'a> {
    /// The name asked for (the format checks and normalises it).
    pub name: &'a str,
    /// The element type.
    pub dtype: DType,
    /// The shape.
    pub shape: &'a [usize],
    /// The storage chunk shape: as long as `shape`, each extent in
    /// `1..=max(1, shape[k])`. Blocks come as whole chunks (shorter at the
    /// array's far edges).
    pub chunks: &'a [usize],
}

/// A format's side of writing a new dataset (a file, a store): what
/// [`Writer`] drives. `Writer` owns the temporary name, the poisoning on a
/// failed write, the final rename and the cleanup; the format only writes
/// where it is told.
pub trait DatasetWriter: Sized {
    /// Stores the blocks of one variable.
    type Var: VarWriter;
    /// The format's name (`"HDF5"`), for messages.
    const FORMAT: &'static str;
    /// Creates a new, empty dataset at `tmp` (a file or a directory; the
    /// name is unused, create it exclusively). `path` is its final name,
    /// for messages.
    fn create(tmp: &Path, path: &Path) -> Result<Self>;
    /// Sets an attribute of the dataset itself.
    fn file_attr(&mut self, name: &str, value: &AttrValue) -> Result<()>;
    /// Checks that `var` can be made as `opts` say (names, dimensions)
    /// and makes it, before any of its values are written.
    fn define(&mut self, var: &VarSpec<'_>, opts: &VarOptions) -> Result<Self::Var>;
    /// Finishes `var` once all its blocks are stored (HDF5: attributes,
    /// dimension scales).
    fn end_var(&mut self, var: Self::Var, spec: &VarSpec<'_>, opts: &VarOptions) -> Result<()>;
    /// Writes everything out and closes the dataset; it is then moved to
    /// its final name. `Writer` syncs the file (or the directory's
    /// entries) to disk first; a format of many files syncs each of them.
    fn close(self) -> Result<()>;
    /// Closes a dataset that will not be published (it is then removed).
    fn abort(self) {}
}

/// Stores the blocks of one variable, on the workers that compute them.
pub trait VarWriter: Send + Sync {
    /// Stores the block at `offset`: a whole storage chunk, shorter at the
    /// array's far edges. Called on several threads at once, each block
    /// once; a 0-d variable has one block, at offset `[]`.
    fn write_block<T: Element>(&self, offset: &[usize], block: ndarray::ArrayViewD<'_, T>) -> Result<()>;
}

/// A new dataset being written in format `F` (for HDF5,
/// [`hdf5::Writer`](crate::io::hdf5::Writer)).
///
/// The dataset is written under a temporary name beside the final one
/// (`.NAME.partial-PID-N-TIME`, unique within and across processes) and
/// renamed to its final name by [`finish`](Writer::finish). So:
///
/// - Dropped without `finish` (an error, a panic), a writer removes its
///   temporary file or directory: nothing appears under the final name.
/// - A writer whose [`write`](Writer::write) or
///   [`file_attr`](Writer::file_attr) returned an error (a task that
///   failed or panicked part way, a name already taken, bad options) is
///   poisoned: later writes are refused, and `finish` returns an
///   [`IoError::File`] naming the first failure, removes the temporary
///   file and publishes nothing. A published file holds everything the
///   program asked to write.
/// - Several writers of one path (in one process or several) never share a
///   temporary file; each `finish` replaces whatever is under the final
///   name (a file atomically), so the writer that finishes last wins,
///   whole (readers see one complete file or the other, never a mix).
pub struct Writer<F: DatasetWriter> {
    format: Option<F>,
    staged: Staged,
    cfg: Config,
    /// The first error a write returned, if any: the writer cannot finish.
    failed: Option<String>,
}

impl<F: DatasetWriter> std::fmt::Debug for Writer<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Writer({})", self.staged.path().display())
    }
}

impl<F: DatasetWriter> Writer<F> {
    /// Starts a new dataset at `path` (written under a temporary name
    /// beside it, created exclusively: an existing file is never reused).
    ///
    /// On several ranks (MPI) rank 0 writes: the others compute their
    /// blocks and send them there, and [`finish`](Writer::finish) returns
    /// on every rank once rank 0 has published the file.
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let staged = Staged::new(path.as_ref());
        let cfg = Config::default();
        let format = if cfg.executor.rank() == 0 { Some(F::create(staged.tmp(), staged.path())?) } else { None };
        Ok(Writer { format, staged, cfg, failed: None })
    }

    /// The configuration computations run with (threads, progress bar).
    pub fn config(mut self, cfg: Config) -> Self {
        if cfg.executor.rank() != 0 {
            // Another rank's writer writes nothing itself.
            if let Some(f) = self.format.take() {
                f.abort();
            }
        }
        self.cfg = cfg;
        self
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        self.staged.path()
    }

    /// The error for a call on a writer that already failed.
    fn refuse(&self, what: &str) -> Option<Error> {
        self.failed.as_ref().map(|first| {
            Error::Io(IoError::File {
                path: self.path().display().to_string(),
                message: format!("{what}: an earlier write to this file failed ({first}); the file is not written"),
            })
        })
    }

    /// Runs one write step; any error poisons the writer, and so does a
    /// panic that unwinds through it (the step is marked failed until it
    /// returns `Ok`).
    fn guarded<R>(&mut self, what: &str, step: impl FnOnce(&mut Self) -> Result<R>) -> Result<R> {
        if let Some(e) = self.refuse(what) {
            return Err(e);
        }
        self.failed = Some(format!("{what}: interrupted by a panic"));
        let res = step(self);
        self.failed = res.as_ref().err().map(|e| format!("{what}: {e}"));
        res
    }

    /// An attribute of the dataset itself (HDF5: the root group). An error
    /// poisons the writer, as for [`write`](Writer::write).
    pub fn file_attr(&mut self, name: &str, value: impl Into<AttrValue>) -> Result<()> {
        let value = value.into();
        self.guarded(&format!("file attribute {name:?}"), |w| match w.format.as_mut() {
            Some(f) => f.file_attr(name, &value),
            None => Ok(()),
        })
    }

    /// Computes `x` and stores it as variable `name`, chunk by chunk: memory
    /// stays bounded by the blocks in flight, and blocks are encoded
    /// (compressed) in parallel on the workers.
    ///
    /// Each name is written once: a name already in the dataset (HDF5: a
    /// variable, a group, or a dimension made without values for an
    /// earlier variable) is an [`Error::Invalid`] naming it, found before
    /// anything is written. Any error poisons the writer:
    /// [`finish`](Writer::finish) will refuse.
    pub fn write<T: Element>(&mut self, name: &str, x: &DArray<T>, opts: &VarOptions) -> Result<ExecStats> {
        self.guarded(&format!("writing {name:?}"), |w| w.write_var(name, x, opts))
    }

    fn write_var<T: Element>(&mut self, name: &str, x: &DArray<T>, opts: &VarOptions) -> Result<ExecStats> {
        let x = x.clone().validate()?;
        let nd = x.ndim();
        if !opts.dims.is_empty() && opts.dims.len() != nd {
            return Err(Error::Invalid(format!("{} dimension names for a {nd}-d array", opts.dims.len())));
        }
        let chunk: Vec<usize> = match &opts.chunks {
            Some(c) if c.len() != nd || c.contains(&0) => {
                return Err(Error::Chunks(format!("storage chunks {c:?} for an array of shape {:?}", x.shape())))
            }
            Some(c) => c.clone(),
            None => x.chunks().iter().map(|l| l.first().copied().unwrap_or(1)).collect(),
        };
        // Chunks within the (fixed) shape.
        let chunk: Vec<usize> = chunk.iter().zip(x.shape()).map(|(&c, &n)| c.min(n).max(1)).collect();
        // Blocks must be whole storage chunks (edge chunks may be short).
        let regular = x
            .chunks()
            .iter()
            .zip(&chunk)
            .all(|(l, &c)| l.iter().rev().skip(1).all(|&b| b == c) && l.last().is_none_or(|&b| b <= c));
        let x = if regular { x } else { x.rechunk(chunk.clone()) };
        let spec = VarSpec { name, dtype: T::DTYPE, shape: x.shape(), chunks: &chunk };
        let var = match self.format.as_mut() {
            Some(f) => Some(f.define(&spec, opts)?),
            None => None,
        };
        // Blocks go to the writing rank only.
        let mut cfg = self.cfg.clone();
        if let Some(e) = cfg.executor.to_root() {
            cfg.executor = e;
        }
        let stats = if x.shape().contains(&0) {
            ExecStats::default()
        } else {
            x.for_each_block_with(&cfg, |_, offset, block| match &var {
                Some(v) => v.write_block(offset, block),
                // Chunks held on every rank (a persisted array) reach them all.
                None => Ok(()),
            })?
        };
        if let (Some(f), Some(v)) = (self.format.as_mut(), var) {
            f.end_var(v, &spec, opts)?;
        }
        Ok(stats)
    }

    /// Closes the dataset and moves it to its final name (replacing any
    /// file there: of several writers of one path, the last to finish
    /// wins).
    ///
    /// A writer that saw an error refuses: an [`IoError::File`] naming the
    /// first failure, the temporary file removed, nothing published.
    pub fn finish(mut self) -> Result<()> {
        let Some(format) = self.format.take() else {
            // Another rank writes: wait until it has published.
            if let Some(e) = self.refuse("not finished") {
                return Err(e);
            }
            return self.cfg.executor.barrier();
        };
        if let Some(e) = self.refuse("not finished") {
            format.abort();
            return Err(e);
        }
        format.close()?;
        // On an error the temporary file is removed when `staged` drops.
        self.staged.publish()?;
        self.cfg.executor.barrier()
    }
}

impl<F: DatasetWriter> Drop for Writer<F> {
    /// Closes the dataset, unfinished: the temporary file is then removed.
    fn drop(&mut self) {
        if let Some(f) = self.format.take() {
            f.abort();
        }
    }
}
