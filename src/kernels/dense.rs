//! The dense steps of `crate::ops::DenseOp` on whole blocks, through faer
//! (sequential: the task graph supplies the parallelism; the first step
//! sets faer's process-wide parallelism to `Par::Seq`). Blocks enter as
//! faer views of the ndarray data, whatever its strides, and leave as
//! row-major arrays.

use crate::dtype::{AnyArray, DType, Element};
use crate::error::{Error, Result};
use crate::ops::DenseOp;
use faer::linalg::solvers::{Llt, PartialPivLu, Qr, Svd};
use faer::traits::RealField;
use faer::{Accum, Mat, MatMut, MatRef, Par};
use ndarray::{ArrayD, IxDyn};

/// Runs `op` on its arguments: the outputs, in the op's order of parts.
pub(crate) fn run(op: &DenseOp, args: &[&AnyArray]) -> Result<Vec<AnyArray>> {
    // faer's solvers (`Qr::new`, `Svd::new_thin`, ...) read its global
    // parallelism; each dense step runs on one worker, the graph supplies
    // the parallelism, so it is set to sequential once.
    static SEQUENTIAL: std::sync::Once = std::sync::Once::new();
    SEQUENTIAL.call_once(|| faer::set_global_parallelism(Par::Seq));
    if let DenseOp::Copy = op {
        return match args {
            [a] => Ok(vec![(*a).clone()]),
            _ => Err(Error::Internal(format!("a copy of {} blocks", args.len()))),
        };
    }
    let dtype = match op {
        DenseOp::PermBlock { dtype, .. } => Some(*dtype),
        _ => args.iter().map(|a| a.dtype()).find(|d| matches!(d, DType::F32 | DType::F64)),
    };
    match dtype {
        Some(DType::F32) => run_t::<f32>(op, args),
        Some(DType::F64) => run_t::<f64>(op, args),
        _ => Err(Error::Internal(format!("{} of no floating-point block", op.name()))),
    }
}

/// Element types faer factorises.
trait Real: RealField + Element + num_traits::Float {}
impl Real for f32 {}
impl Real for f64 {}

fn typed<T: Real>(a: &AnyArray) -> Result<&ArrayD<T>> {
    T::view_any(a).ok_or_else(|| Error::Internal(format!("a dense step read a {:?} block", a.dtype())))
}

/// A 2-D block (or a 1-D one as a column) as a faer view.
fn view<T: Real>(a: &AnyArray) -> Result<MatRef<'_, T>> {
    let a = typed::<T>(a)?;
    let (m, n, rs, cs) = match (a.shape(), a.strides()) {
        ([m], [s]) => (*m, 1, *s, 1),
        ([m, n], [rs, cs]) => (*m, *n, *rs, *cs),
        (s, _) => return Err(Error::Internal(format!("a dense step read a block of shape {s:?}"))),
    };
    // SAFETY: the view covers exactly the array's elements (its shape and
    // strides), borrowed for the array's lifetime.
    Ok(unsafe { MatRef::from_raw_parts(a.as_ptr(), m, n, rs, cs) })
}

/// A row-major `m x n` array of zeros and a faer view to write it through.
struct Out<T> {
    data: Vec<T>,
    m: usize,
    n: usize,
}

impl<T: Real> Out<T> {
    fn zeros(m: usize, n: usize) -> Self {
        Out { data: vec![T::el_from_f64(0.0); m * n], m, n }
    }
    fn from(x: MatRef<'_, T>) -> Self {
        let (m, n) = (x.nrows(), x.ncols());
        let mut o = Out::zeros(m, n);
        for i in 0..m {
            for j in 0..n {
                o.data[i * n + j] = x[(i, j)];
            }
        }
        o
    }
    fn view(&self) -> MatRef<'_, T> {
        MatRef::from_row_major_slice(&self.data, self.m, self.n)
    }
    fn mat(&mut self) -> MatMut<'_, T> {
        MatMut::from_row_major_slice_mut(&mut self.data, self.m, self.n)
    }
    fn array(self) -> AnyArray {
        T::wrap(ArrayD::from_shape_vec(IxDyn(&[self.m, self.n]), self.data).expect("m x n values"))
    }
}

fn vector<T: Element>(v: Vec<T>) -> AnyArray {
    let n = v.len();
    T::wrap(ArrayD::from_shape_vec(IxDyn(&[n]), v).expect("n values"))
}

/// The arguments stacked along rows (a copy; one argument is viewed).
fn stacked<'a, T: Real>(args: &[&'a AnyArray]) -> Result<Stack<'a, T>> {
    if let [one] = args {
        return Ok(Stack::View(view::<T>(one)?));
    }
    let views = args.iter().map(|a| view::<T>(a)).collect::<Result<Vec<_>>>()?;
    let n = views.first().map_or(0, |v| v.ncols());
    if views.iter().any(|v| v.ncols() != n) {
        return Err(Error::Internal("stacked blocks of different widths".into()));
    }
    let m = views.iter().map(|v| v.nrows()).sum();
    let mut s = Mat::<T>::zeros(m, n);
    let mut r = 0;
    for v in views {
        s.as_mut().submatrix_mut(r, 0, v.nrows(), n).copy_from(v);
        r += v.nrows();
    }
    Ok(Stack::Owned(s))
}

enum Stack<'a, T: Real> {
    View(MatRef<'a, T>),
    Owned(Mat<T>),
}

impl<T: Real> Stack<'_, T> {
    fn as_ref(&self) -> MatRef<'_, T> {
        match self {
            Stack::View(v) => *v,
            Stack::Owned(m) => m.as_ref(),
        }
    }
}

fn matmul<T: Real>(dst: MatMut<'_, T>, accum: Accum, a: MatRef<'_, T>, b: MatRef<'_, T>, alpha: T) {
    faer::linalg::matmul::matmul(dst, accum, a, b, alpha, Par::Seq);
}

fn neg_one<T: Real>() -> T {
    T::el_from_f64(-1.0)
}

fn one<T: Real>() -> T {
    T::el_from_f64(1.0)
}

fn singular(what: &str) -> Error {
    Error::Linalg(format!("singular matrix: {what}"))
}

fn run_t<T: Real>(op: &DenseOp, args: &[&AnyArray]) -> Result<Vec<AnyArray>> {
    let arg = |i: usize| -> Result<MatRef<'_, T>> {
        view::<T>(args.get(i).ok_or_else(|| Error::Internal(format!("{} without argument {i}", op.name())))?)
    };
    Ok(match op {
        DenseOp::Qr => {
            let a = stacked::<T>(args)?;
            let a = a.as_ref();
            let qr = Qr::new(a);
            let (mut q, mut r) = (Out::from(qr.compute_thin_Q().as_ref()), Out::from(qr.thin_R()));
            // R's diagonal made non-negative (Q's columns flipped to match),
            // so the factors do not depend on the kernel's sign choices.
            for d in 0..r.m.min(r.n) {
                if r.data[d * r.n + d] < T::el_from_f64(0.0) {
                    r.data[d * r.n..(d + 1) * r.n].iter_mut().for_each(|x| *x = -*x);
                    (0..q.m).for_each(|i| q.data[i * q.n + d] = -q.data[i * q.n + d]);
                }
            }
            vec![q.array(), r.array()]
        }
        DenseOp::MatMulRows { start, len } => {
            let (a, b) = (arg(0)?, arg(1)?);
            let b = b.submatrix(*start, 0, *len, b.ncols());
            let mut o = Out::zeros(a.nrows(), b.ncols());
            matmul(o.mat(), Accum::Replace, a, b, one());
            vec![o.array()]
        }
        DenseOp::MatMulTn => {
            let (a, b) = (arg(0)?, arg(1)?);
            let mut o = Out::zeros(a.ncols(), b.ncols());
            matmul(o.mat(), Accum::Replace, a.transpose(), b, one());
            vec![o.array()]
        }
        DenseOp::SubMul => {
            let mut o = Out::from(arg(0)?);
            matmul(o.mat(), Accum::Add, arg(1)?, arg(2)?, neg_one());
            vec![o.array()]
        }
        DenseOp::Copy => unreachable!("copies run before the type dispatch"),
        DenseOp::Svd => {
            let (u, s, vt) = svd_signed(arg(0)?)?;
            vec![u.array(), vector(s), vt.array()]
        }
        DenseOp::LuPanel => lu_panel::<T>(args)?,
        DenseOp::LuSwap { solve } => {
            let first = if *solve { 2 } else { 1 };
            if args.len() <= first {
                return Err(Error::Internal("a row swap without blocks".into()));
            }
            let perm = perm_of(args[0], usize::MAX)?;
            let blocks = &args[first..];
            let s = stacked::<T>(blocks)?;
            let s = s.as_ref();
            if perm.len() != s.nrows() {
                return Err(Error::Internal("a row order of another length".into()));
            }
            let mut out = vec![];
            let mut r0 = 0;
            for (bi, b) in blocks.iter().enumerate() {
                let (m, n) = (b.shape()[0], s.ncols());
                let mut o = Out::zeros(m, n);
                for i in 0..m {
                    let src = perm[r0 + i];
                    for j in 0..n {
                        o.data[i * n + j] = s[(src, j)];
                    }
                }
                if *solve && bi == 0 {
                    let l = arg(1)?;
                    faer::linalg::triangular_solve::solve_unit_lower_triangular_in_place(l, o.mat(), Par::Seq);
                }
                r0 += m;
                out.push(o.array());
            }
            out
        }
        DenseOp::PermBlock { n, offsets, row0, col0, shape, .. } => {
            let mut order: Vec<usize> = (0..*n).collect();
            if args.len() != offsets.len() || row0 + shape[0] > *n || col0 + shape[1] > *n {
                return Err(Error::Internal("a permutation block outside its matrix".into()));
            }
            for (k, &off) in offsets.iter().enumerate() {
                let perm = perm_of(args[k], n.saturating_sub(off))?;
                let old: Vec<usize> = order[off..off + perm.len()].to_vec();
                for (r, &p) in perm.iter().enumerate() {
                    order[off + r] = old[p];
                }
            }
            let mut o = Out::<T>::zeros(shape[0], shape[1]);
            for c in 0..shape[1] {
                let r = order[col0 + c];
                if (*row0..row0 + shape[0]).contains(&r) {
                    o.data[(r - row0) * shape[1] + c] = one();
                }
            }
            vec![o.array()]
        }
        DenseOp::TriSolve { lower } => {
            let t = arg(0)?;
            let mut o = Out::from(arg(1)?);
            for j in (2..args.len()).step_by(2) {
                matmul(o.mat(), Accum::Add, arg(j)?, arg(j + 1)?, neg_one());
            }
            if (0..t.nrows()).any(|d| t[(d, d)] == T::el_from_f64(0.0)) {
                return Err(singular("a zero on the diagonal of a triangular matrix"));
            }
            if *lower {
                faer::linalg::triangular_solve::solve_lower_triangular_in_place(t, o.mat(), Par::Seq);
            } else {
                faer::linalg::triangular_solve::solve_upper_triangular_in_place(t, o.mat(), Par::Seq);
            }
            vec![o.array()]
        }
        DenseOp::Cholesky => {
            let mut s = Out::from(arg(0)?);
            for j in 1..args.len() {
                let l = arg(j)?;
                matmul(s.mat(), Accum::Add, l, l.transpose(), neg_one());
            }
            let n = s.m;
            let llt = Llt::new(s.view(), faer::Side::Lower)
                .map_err(|_| Error::Linalg("matrix is not positive definite".into()))?;
            let mut l = Out::from(llt.L());
            for i in 0..n {
                for j in i + 1..n {
                    l.data[i * n + j] = T::el_from_f64(0.0);
                }
            }
            vec![l.array()]
        }
        DenseOp::CholeskyOff => {
            let l = arg(1)?;
            let mut o = Out::from(arg(0)?);
            for j in (2..args.len()).step_by(2) {
                matmul(o.mat(), Accum::Add, arg(j)?, arg(j + 1)?.transpose(), neg_one());
            }
            // X L^T = S  <=>  L X^T = S^T: solve on the transpose in place.
            let t = o.mat();
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(l, t.transpose_mut(), Par::Seq);
            vec![o.array()]
        }
        DenseOp::Lstsq { rows, rcond } => {
            let (r, qtb) = (arg(0)?, arg(1)?);
            let (u, s, vt) = svd_signed(r)?;
            let smax = s.first().copied().unwrap_or(T::el_from_f64(0.0));
            let eps = T::epsilon().el_to_f64();
            let rc = rcond.unwrap_or(eps * (*rows).max(r.ncols()) as f64);
            let cut = T::el_from_f64(rc) * smax;
            let rank = s.iter().filter(|&&x| x > cut).count();
            // x = V S^+ U^T (Q^T b), over the kept singular values.
            let mut w = Out::<T>::zeros(rank, qtb.ncols());
            matmul(w.mat(), Accum::Replace, u.view().subcols(0, rank).transpose(), qtb, one());
            for (row, &si) in w.data.chunks_mut(qtb.ncols().max(1)).zip(&s) {
                let inv = one::<T>() / si;
                row.iter_mut().for_each(|x| *x *= inv);
            }
            let mut x = Out::<T>::zeros(r.ncols(), qtb.ncols());
            matmul(x.mat(), Accum::Replace, vt.view().subrows(0, rank).transpose(), w.view(), one());
            vec![x.array(), vector(s), <i64 as Element>::wrap(ndarray::arr0(rank as i64).into_dyn())]
        }
    })
}

/// Thin SVD with reproducible signs: each row of `Vt` has its
/// largest-magnitude entry positive (dask's `svd_flip` on `v`), `U`'s
/// columns flipped to match.
fn svd_signed<T: Real>(a: MatRef<'_, T>) -> Result<(Out<T>, Vec<T>, Out<T>)> {
    let svd = Svd::new_thin(a).map_err(|e| Error::Linalg(format!("the SVD did not converge: {e:?}")))?;
    let k = a.nrows().min(a.ncols());
    let (mut u, mut vt) = (Out::from(svd.U()), Out::from(svd.V().transpose()));
    let s: Vec<T> = (0..k).map(|i| svd.S()[i]).collect();
    for r in 0..k {
        let row = &vt.data[r * vt.n..(r + 1) * vt.n];
        let big = row.iter().copied().fold(T::el_from_f64(0.0), |b, x| if x.abs() > b.abs() { x } else { b });
        if big < T::el_from_f64(0.0) {
            vt.data[r * vt.n..(r + 1) * vt.n].iter_mut().for_each(|x| *x = -*x);
            (0..u.m).for_each(|i| u.data[i * u.n + r] = -u.data[i * u.n + r]);
        }
    }
    Ok((u, s, vt))
}

/// A row order (from `LuPanel`), each entry below its length and `bound`.
fn perm_of(a: &AnyArray, bound: usize) -> Result<Vec<usize>> {
    let p = i64::view_any(a).ok_or_else(|| Error::Internal("a row order that is not i64".into()))?;
    let lim = p.len().min(bound) as i64;
    if p.iter().any(|&x| !(0..lim).contains(&x)) {
        return Err(Error::Internal("a row order with an entry out of range".into()));
    }
    Ok(p.iter().map(|&x| x as usize).collect())
}

/// LU with partial pivoting of a panel: the unit-lower rows per argument,
/// the upper factor, the row order.
fn lu_panel<T: Real>(args: &[&AnyArray]) -> Result<Vec<AnyArray>> {
    let s = stacked::<T>(args)?;
    let a = s.as_ref();
    let w = a.ncols();
    if a.nrows() < w {
        return Err(Error::Internal("an LU panel with fewer rows than columns".into()));
    }
    let lu = PartialPivLu::new(a);
    let (l, u) = (lu.L(), lu.U());
    if (0..w).any(|d| u[(d, d)] == T::el_from_f64(0.0)) {
        return Err(singular("an exactly zero pivot in LU with partial pivoting"));
    }
    let mut out = vec![];
    let mut r0 = 0;
    for b in args {
        let m = b.shape()[0];
        out.push(Out::from(l.submatrix(r0, 0, m, w)).array());
        r0 += m;
    }
    out.push(Out::from(u).array());
    let (fwd, _) = lu.P().arrays();
    out.push(vector(fwd.iter().map(|&p| p as i64).collect()));
    Ok(out)
}
