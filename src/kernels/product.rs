//! Block products for `tensordot`/`matmul`: permute each block to
//! (batch, free, contracted) order, multiply with ndarray's matrix multiply
//! (BLAS when the `blas` feature is on), and add partial products.

use crate::dtype::{AnyArray, DType, Float};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array3, ArrayD, ArrayView2, ArrayViewMut2, Axis, IxDyn, LinalgScalar};
use std::marker::PhantomData;

/// Which axes of the two operands pair up. Output axes are the batch
/// axes, then `a`'s free axes, then `b`'s free axes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) struct ContractSpec {
    pub batch: Vec<(usize, usize)>,
    pub contract: Vec<(usize, usize)>,
    pub free_a: Vec<usize>,
    pub free_b: Vec<usize>,
}

/// A typed block product and sum.
pub(crate) trait BlockProduct: Send + Sync {
    /// The element type it multiplies (all it needs to be rebuilt:
    /// [`product_for`]).
    fn dtype(&self) -> DType;
    fn product(&self, a: &AnyArray, b: &AnyArray, spec: &ContractSpec) -> AnyArray;
    fn add(&self, parts: &[&AnyArray]) -> AnyArray;
}

/// The block product of a float type.
pub(crate) fn product_for(dtype: DType) -> crate::error::Result<std::sync::Arc<dyn BlockProduct>> {
    crate::with_float!(dtype, T => Ok(std::sync::Arc::new(Gemm::<T>::new()) as std::sync::Arc<dyn BlockProduct>),
        other => Err(crate::error::Error::Invalid(format!("block products of {} are not supported", dtype.name()))))
}

/// `c = a . b`. With the `blas` feature, ndarray's product (BLAS);
/// otherwise the `gemm` crate, whose kernels use AVX-512 where the CPU has
/// it (ndarray's built-in multiply stops at AVX2/FMA).
fn matmul_into<T: Float + LinalgScalar>(a: &ArrayView2<T>, b: &ArrayView2<T>, c: &mut ArrayViewMut2<T>) {
    if cfg!(feature = "blas") || !(T::DTYPE == DType::F64 || T::DTYPE == DType::F32) {
        general_mat_mul(T::one(), a, b, T::zero(), c);
        return;
    }
    let (m, k) = a.dim();
    let n = b.dim().1;
    let (sa, sb, sc) = (a.strides(), b.strides(), [c.strides()[0], c.strides()[1]]);
    // SAFETY: pointers and strides come from live views of the right
    // shapes; `c` is borrowed mutably and overlaps neither input.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            sc[1],
            sc[0],
            false,
            a.as_ptr(),
            sa[1],
            sa[0],
            b.as_ptr(),
            sb[1],
            sb[0],
            T::zero(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

pub(crate) struct Gemm<T>(PhantomData<fn(T)>);

impl<T> Gemm<T> {
    pub(crate) fn new() -> Self {
        Gemm(PhantomData)
    }
}

impl<T: Float + LinalgScalar> BlockProduct for Gemm<T> {
    fn dtype(&self) -> DType {
        T::DTYPE
    }
    fn product(&self, a: &AnyArray, b: &AnyArray, spec: &ContractSpec) -> AnyArray {
        let (a, b) = (T::view_any(a).expect("operand type"), T::view_any(b).expect("operand type"));
        let nb = spec.batch.len();
        let pa: Vec<usize> = spec
            .batch
            .iter()
            .map(|p| p.0)
            .chain(spec.free_a.iter().copied())
            .chain(spec.contract.iter().map(|p| p.0))
            .collect();
        let pb: Vec<usize> = spec
            .batch
            .iter()
            .map(|p| p.1)
            .chain(spec.contract.iter().map(|p| p.1))
            .chain(spec.free_b.iter().copied())
            .collect();
        let av = a.view().permuted_axes(IxDyn(&pa));
        let bv = b.view().permuted_axes(IxDyn(&pb));
        let prod = |s: &[usize]| s.iter().product::<usize>();
        let batch = prod(&av.shape()[..nb]);
        let m = prod(&av.shape()[nb..nb + spec.free_a.len()]);
        let k = prod(&av.shape()[nb + spec.free_a.len()..]);
        let n = prod(&bv.shape()[nb + spec.contract.len()..]);
        let mut out_shape: Vec<usize> = av.shape()[..nb + spec.free_a.len()].to_vec();
        out_shape.extend_from_slice(&bv.shape()[nb + spec.contract.len()..]);
        // One axis of each kind: the permuted views are the matrices, read
        // through their strides (a transposed operand is not copied).
        if nb == 0 && spec.free_a.len() == 1 && spec.contract.len() == 1 && spec.free_b.len() == 1 {
            let a2 = av.into_dimensionality::<ndarray::Ix2>().expect("2-D");
            let b2 = bv.into_dimensionality::<ndarray::Ix2>().expect("2-D");
            let mut c = ndarray::Array2::<T>::zeros((m, n));
            matmul_into(&a2, &b2, &mut c.view_mut());
            return T::wrap(c.into_dyn());
        }
        // Standard layout makes the reshape to 3-D a view (a copy only when
        // the permutation needs one).
        let (sa, sb) = (av.as_standard_layout(), bv.as_standard_layout());
        let a3 = sa.view().into_shape_with_order((batch, m, k)).expect("standard layout");
        let b3 = sb.view().into_shape_with_order((batch, k, n)).expect("standard layout");
        let mut c = Array3::<T>::zeros((batch, m, n));
        for i in 0..batch {
            matmul_into(&a3.index_axis(Axis(0), i), &b3.index_axis(Axis(0), i), &mut c.index_axis_mut(Axis(0), i));
        }
        T::wrap(c.into_shape_with_order(IxDyn(&out_shape)).expect("same size").into_dyn())
    }

    fn add(&self, parts: &[&AnyArray]) -> AnyArray {
        let mut it = parts.iter().map(|p| T::view_any(p).expect("operand type"));
        let mut acc: ArrayD<T> = it.next().expect("a sum has parts").clone();
        for p in it {
            acc += p;
        }
        T::wrap(acc)
    }
}
