//! Run-time instruction-set dispatch for hot loops. The crate is built for
//! the portable x86-64 baseline (ranks of an MPI job may run on different
//! CPUs), which vectorises with 128-bit SSE2 only; `multiversion!` compiles a
//! loop twice, once more with AVX2 enabled, and picks at run time. Both
//! copies run the same operations in the same order (Rust never contracts
//! or reassociates floating point), so results are bit-identical either way.

use std::sync::atomic::{AtomicU8, Ordering};

/// Whether this CPU has AVX2 (detected once).
#[inline]
pub(crate) fn has_avx2() -> bool {
    static STATE: AtomicU8 = AtomicU8::new(0);
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
