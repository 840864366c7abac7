//! The crate's one error type.

use thiserror::Error;

/// Everything that can go wrong building or running a computation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum Error {
    /// Shapes that cannot be combined by NumPy's broadcasting rules.
    #[error("shapes {left:?} and {right:?} cannot be broadcast together")]
    Broadcast { left: Vec<usize>, right: Vec<usize> },
    /// A shape that does not fit what the operation needs.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A chunk specification that does not describe the array's shape.
    #[error("bad chunk specification: {0}")]
    Chunks(String),
    /// An axis number not below the array's number of dimensions.
    #[error("axis {axis} is out of range for an array of {ndim} dimensions")]
    Axis { axis: usize, ndim: usize },
    /// A reduction with no identity over an empty set of values (like NumPy's
    /// "zero-size array to reduction operation ... which has no identity").
    #[error("{op} of an empty array: the reduction has no identity")]
    EmptyReduction { op: &'static str },
    /// An argument outside what the operation accepts.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A user closure panicked while a task ran.
    #[error("task {task} panicked: {message}")]
    TaskPanicked { task: String, message: String },
    /// A task failed with an error of its own.
    #[error("task {task} failed: {source}")]
    TaskFailed {
        task: String,
        #[source]
        source: Box<Error>,
    },
    /// A user function returned an error.
    #[error("{0}")]
    User(String),
    /// Reading or writing a file or a dataset failed ([`IoError`] says how).
    #[error(transparent)]
    Io(#[from] IoError),
    /// The Graphviz `dot` program is missing or failed.
    #[error("graphviz: {0}")]
    Graphviz(String),
    /// A request for more than can be represented or held: a shape whose
    /// element or byte count overflows, more blocks than a graph can hold.
    #[error("too large: {0}")]
    TooLarge(String),
    /// A computation whose projected peak memory exceeds `Config::memory_limit`
    /// (checked before anything runs).
    #[error(
        "the computation would need about {needed} bytes at its peak but the memory limit is {limit} bytes \
         ({detail}); use smaller chunks, fewer threads, or raise `Config::memory_limit`"
    )]
    MemoryLimit { needed: u64, limit: u64, detail: String },
    /// A payload with no byte encoding (a delayed call's result is an
    /// arbitrary Rust value).
    #[error("cannot encode {0}")]
    NotEncodable(String),
    /// Bytes that are not an encoded payload: truncated, corrupt, or of
    /// another format version.
    #[error("cannot decode payload bytes: {0}")]
    Decode(String),
    /// A matrix without the factorisation or solution asked for: singular,
    /// not positive definite, an SVD that did not converge (NumPy's
    /// `LinAlgError`).
    #[error("linear algebra: {0}")]
    Linalg(String),
    /// A selection by coordinate value that cannot be made: a value the
    /// coordinate does not hold (or lies outside it), a coordinate that is
    /// not monotonic where the selection needs it, a dimension without a
    /// coordinate, a label of the wrong kind (a date for a number).
    #[error("selection on {dim}: {message}")]
    Sel { dim: String, message: String },
    /// A dimension name the array or dataset does not have.
    #[error("no dimension {name:?}; the dimensions are {available}")]
    Dim { name: String, available: String },
    /// The computation failed on another rank (its error, naming the task).
    #[error("rank {rank} failed: {message}")]
    RankFailed { rank: u32, message: String },
    /// A future was cancelled before it finished (its key).
    #[error("future {0} was cancelled")]
    Cancelled(String),
    /// The ranks of one computation built different task graphs.
    #[error("the ranks disagree: {0}")]
    GraphMismatch(String),
    /// The network between ranks (MPI) failed or is unavailable.
    #[error("communication: {0}")]
    Comm(String),
    /// A broken internal invariant: a bug in darray, caught before it could
    /// give a wrong answer. Please report it with the program that raised it.
    #[error("internal error (a bug in darray): {0}")]
    Internal(String),
}

/// Shorthand for `Result<T, darray::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong reading or writing data in a file or a store, whatever
/// its format (HDF5 today): the `Io` case of [`Error`](enum@Error).
///
/// ```
/// use darray::{io::hdf5::File, Error, IoError};
/// let e = File::open("/no/such/file.nc").unwrap_err();
/// assert!(matches!(e, Error::Io(IoError::File { .. })), "{e}");
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
pub enum IoError {
    /// The operating system refused a file operation (a missing file, a
    /// directory where a file was expected, no permission, a full disk), or
    /// a writer refused to finish because an earlier write failed.
    #[error("I/O error on {path}: {message}")]
    File { path: String, message: String },
    /// A format's library reported an error (HDF5: an unreadable or
    /// truncated file, a failed write). `format` names the format.
    #[error("{format} error on {path}: {message}")]
    Format { format: &'static str, path: String, message: String },
    /// A variable the file or store does not have.
    #[error("{path} has no variable {name:?}; it has: {available}")]
    NotFound { path: String, name: String, available: String },
    /// A name that is not a variable (a group, say).
    #[error("{name:?} in {path} is a {kind}, not a variable")]
    NotAVariable { path: String, name: String, kind: String },
    /// A variable read as another element type than the one stored.
    #[error(
        "variable {name:?} in {path} holds {stored} values, not {requested}: read it as that type and \
         convert with `.cast::<{requested}>()`, or read it with CF decoding (`array_decoded`)"
    )]
    DType { path: String, name: String, stored: String, requested: String },
    /// A storage filter or codec this build cannot decode, or an element
    /// type the reader does not support.
    #[error("variable {name:?} in {path}: {what} is not supported")]
    Unsupported { path: String, name: String, what: String },
    /// Stored data that cannot be what the file says it is (a truncated
    /// file, a chunk that does not inflate to its size).
    #[error("corrupt data in {path}: {detail}")]
    Corrupt { path: String, detail: String },
    /// A CF time coordinate that cannot be decoded (an unknown calendar,
    /// malformed units).
    #[error("time coordinate: {0}")]
    Time(String),
    /// Files opened together that disagree (a variable one lacks, other
    /// extents, coordinates of other values): `path` is the file that
    /// differs from the first.
    #[error("{path} does not match the first file: {message}")]
    Mismatch { path: String, message: String },
}

impl IoError {
    /// The operating system's error `e` on `path`.
    pub fn file(path: &std::path::Path, e: &std::io::Error) -> IoError {
        IoError::File { path: path.display().to_string(), message: e.to_string() }
    }
}

impl Error {
    pub(crate) fn io(path: &std::path::Path, e: std::io::Error) -> Error {
        Error::Io(IoError::file(path, &e))
    }
}
