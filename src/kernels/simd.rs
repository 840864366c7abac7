//! Run-time instruction-set dispatch for hot loops. The crate is built for
//! the portable x86-64 baseline (ranks of an MPI job may run on different
//! CPUs), which vectorises with 128-bit SSE2 only; `multiversion!` compiles a
//! loop twice, once more with AVX2 enabled, and picks at run time. Both
//! copies run the same operations in the same order (Rust never contracts
//! or reassociates floating point), so results are bit-identical either way.

use std::sync::atomic::{AtomicU8, Ordering};

/// 0: not detected yet, 1: baseline, 2: AVX2.
static STATE: AtomicU8 = AtomicU8::new(0);

/// Whether this CPU has AVX2 (detected once). Setting `DARRAY_NO_AVX2`
/// in the environment forces the baseline loops (to compare the two).
#[inline]
pub(crate) fn has_avx2() -> bool {
    match STATE.load(Ordering::Relaxed) {
        1 => false,
        2 => true,
        _ => {
            #[cfg(target_arch = "x86_64")]
            let yes = std::is_x86_feature_detected!("avx2") && std::env::var_os("DARRAY_NO_AVX2").is_none();
            #[cfg(not(target_arch = "x86_64"))]
            let yes = false;
            STATE.store(if yes { 2 } else { 1 }, Ordering::Relaxed);
            yes
        }
    }
}

/// Defines `fn name<G..>(args) -> R where [bounds] { body }` whose body is
/// compiled both for the baseline and with AVX2, chosen per call.
macro_rules! multiversion {
    ($(#[$m:meta])* $vis:vis fn $name:ident<$($g:ident),*>($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)?
        where [$($w:tt)*] $body:block) => {
        $(#[$m])*
        #[inline]
        $vis fn $name<$($g),*>($($a: $t),*) $(-> $r)? where $($w)* {
            #[inline(always)]
            fn inner<$($g),*>($($a: $t),*) $(-> $r)? where $($w)* $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2")]
            unsafe fn avx2<$($g),*>($($a: $t),*) $(-> $r)? where $($w)* {
                inner::<$($g),*>($($a),*)
            }
            #[cfg(target_arch = "x86_64")]
            if $crate::kernels::simd::has_avx2() {
                // SAFETY: the CPU has AVX2 (checked just now).
                return unsafe { avx2::<$($g),*>($($a),*) };
            }
            inner::<$($g),*>($($a),*)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::{AnyArray, AnySlice, AnySliceMut, Element};
    use crate::kernels::reduce::{Dest, Mean, Moment, Moments, Reducer, Simple, Sum};
    use crate::kernels::{elementwise::Map2, Kernel};

    /// Runs `f` with the AVX2 loops or the baseline ones. Other tests may run
    /// meanwhile; they are unaffected, since both give the same bits.
    fn with_avx2<R>(on: bool, f: impl FnOnce() -> R) -> R {
        has_avx2();
        let before = STATE.swap(if on { 2 } else { 1 }, Ordering::Relaxed);
        let r = f();
        STATE.store(before, Ordering::Relaxed);
        r
    }

    fn bits(a: &[AnyArray]) -> Vec<u64> {
        a.iter()
            .flat_map(|x| {
                let x = f64::view_any(x).expect("f64 accumulators");
                x.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn avx2_and_baseline_loops_give_the_same_bits() {
        // Not a silent pass: a CPU without AVX2 cannot check the AVX2 path,
        // so the test fails there unless told to skip it.
        if !std::is_x86_feature_detected!("avx2") {
            assert!(
                std::env::var_os("DARRAY_SKIP_AVX2_TEST").is_some(),
                "this CPU has no AVX2, so the AVX2 loops cannot be compared with the baseline; \
                 set DARRAY_SKIP_AVX2_TEST=1 to skip this test on such a machine"
            );
            eprintln!("SKIPPED: no AVX2 on this CPU (DARRAY_SKIP_AVX2_TEST is set)");
            return;
        }
        let xs: Vec<f64> = (0..3001)
            .map(|i| ((i * 7919) % 1013) as f64 / 7.0 - 60.0 + if i % 97 == 0 { f64::NAN } else { 0.0 })
            .collect();
        let reducers: Vec<Box<dyn Reducer>> = vec![
            Box::new(Simple::<f64, Sum>::new()),
            Box::new(Mean::<f64, f64>::new(true)),
            Box::new(Moments::<f64, f64>::new(Moment::Var(0.0), true)),
        ];
        for r in &reducers {
            let run = || {
                let mut cell = r.init(&[1]);
                r.fold(&mut cell, AnySlice::F64(&xs), Dest::Cell(0), (0, 0));
                let mut range = r.init(&[1000]);
                for row in xs.chunks_exact(1000) {
                    r.fold(&mut range, AnySlice::F64(row), Dest::Range(0), (0, 0));
                }
                (bits(&cell), bits(&range))
            };
            assert_eq!(with_avx2(true, run), with_avx2(false, run), "{}", r.name());
        }
        let k =
            Map2::<f64, f64, _>::new(crate::ops::ElemOp::custom("f", 0), |a: f64, b: f64| (a * 1.5 - b) / (a + 3.0));
        let run = || {
            let mut out = vec![0f64; xs.len() - 1];
            k.apply(&[AnySlice::F64(&xs[1..]), AnySlice::F64(&xs[..xs.len() - 1])], AnySliceMut::F64(&mut out));
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(with_avx2(true, run), with_avx2(false, run));
    }
}
