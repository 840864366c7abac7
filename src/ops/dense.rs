//! Dense kernels as data: one step of a blocked factorisation, run on whole
//! blocks of its arguments by `crate::kernels::dense`. Each produces one or
//! more outputs ("parts"); `linalg` builds its task graphs from them.

use crate::dtype::DType;
use serde::{Deserialize, Serialize};

/// One dense step. Arguments are whole blocks (2-D unless said), all of
/// one floating-point type; "stacked" means joined along rows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DenseOp {
    /// Thin QR of the arguments stacked: parts `[Q, R]`, `Q` of shape
    /// `rows x k`, `R` of `k x n` with `k = min(rows, n)` and a non-negative
    /// diagonal.
    Qr,
    /// `a @ b[start..start + len, :]`.
    MatMulRows { start: usize, len: usize },
    /// `a^T @ b`.
    MatMulTn,
    /// `a - b @ c`.
    SubMul,
    /// Thin SVD of `a`: parts `[U, S (1-D, decreasing), Vt]`, each row of
    /// `Vt` with its largest-magnitude entry positive.
    Svd,
    /// The argument unchanged (a part of a multi-part step as an array).
    Copy,
    /// LU with partial pivoting of the arguments stacked (`rows >= width`):
    /// parts `[L_0, .., L_{k-1}, U, perm]`, `L_i` the rows of the unit-lower
    /// factor matching argument `i`, and `perm` (1-D `i64`) such that
    /// stacked row `perm[r]` is row `r` of `L U`. An exactly zero pivot is
    /// an error (a singular matrix).
    LuPanel,
    /// Rows of the stacked blocks (after the first argument, a `perm` of
    /// `LuPanel`, and with `solve` a unit-lower `L` second) reordered by
    /// `perm`, split back into the blocks' shapes; with `solve` the first
    /// block becomes `L^-1` times itself.
    LuSwap { solve: bool },
    /// The block `order`-permutation matrix of a blocked LU: `P[o[r], r] =
    /// 1` where `o` is the row order the panels' `perm`s (the arguments,
    /// applied at row `offsets[i]`) give; the block at `(row0, col0)` of
    /// `shape`, for a matrix of `n` rows.
    PermBlock { n: usize, offsets: Vec<usize>, row0: usize, col0: usize, shape: [usize; 2], dtype: DType },
    /// `t^-1 (b - sum_j m_j @ x_j)` for a triangular `t` (lower or upper),
    /// arguments `[t, b, m_0, x_0, m_1, x_1, ..]`; a zero on `t`'s
    /// diagonal is an error (a singular matrix).
    TriSolve { lower: bool },
    /// The lower Cholesky factor of `a - sum_j l_j @ l_j^T`, arguments
    /// `[a, l_0, l_1, ..]`; an error if that is not positive definite.
    Cholesky,
    /// `(a - sum_j m_j @ k_j^T) @ l^-T`, arguments `[a, l, m_0, k_0, ..]`
    /// (`l` lower triangular): an off-diagonal block of a Cholesky factor.
    CholeskyOff,
    /// Least squares from a QR of `A`: arguments `[R, Q^T b]`, parts `[x,
    /// s, rank]`: the minimum-norm solution through the SVD of `R`
    /// (singular values at or below `rcond * s_max` dropped; `rcond` defaults to
    /// `eps * max(m, n)`, NumPy's), the singular values, and the rank
    /// (0-d `i64`).
    Lstsq { rows: usize, rcond: Option<f64> },
}

impl DenseOp {
    /// The name shown in graphs and task keys.
    pub fn name(&self) -> &'static str {
        match self {
            DenseOp::Qr => "qr",
            DenseOp::MatMulRows { .. } => "qr-q",
            DenseOp::MatMulTn => "matmul-tn",
            DenseOp::SubMul => "lu-update",
            DenseOp::Svd => "svd",
            DenseOp::Copy => "part",
            DenseOp::LuPanel => "lu-panel",
            DenseOp::LuSwap { .. } => "lu-swap",
            DenseOp::PermBlock { .. } => "lu-p",
            DenseOp::TriSolve { .. } => "solve-triangular",
            DenseOp::Cholesky => "cholesky",
            DenseOp::CholeskyOff => "cholesky-off",
            DenseOp::Lstsq { .. } => "lstsq",
        }
    }
}
