//! Worker pools, one per thread count, built once and reused.

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

#[cfg(feature = "blas")]
extern "C" {
    fn openblas_set_num_threads(n: std::os::raw::c_int);
}

/// Our workers already run one block product each: BLAS threads of its own
/// would only oversubscribe the cores.
fn single_threaded_blas() {
    #[cfg(feature = "blas")]
    // SAFETY: a plain setter of OpenBLAS's global thread count.
    unsafe {
        openblas_set_num_threads(1)
    };
}

/// The shared pool with `threads` workers.
pub(crate) fn pool(threads: usize) -> Arc<ThreadPool> {
    static BLAS: std::sync::Once = std::sync::Once::new();
    BLAS.call_once(single_threaded_blas);
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    pools
        .entry(threads)
        .or_insert_with(|| {
            Arc::new(
                ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("darray-{i}"))
                    .build()
                    .expect("spawning worker threads"),
            )
        })
        .clone()
}
