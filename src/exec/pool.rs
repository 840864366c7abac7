//! Worker pools, one per thread count, built once and reused.

use crate::error::{Error, Result};
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

/// Most worker threads a pool may have: far past any machine's cores, low
/// enough that asking for a silly number is an error, not an exhausted
/// process.
pub const MAX_THREADS: usize = 4096;

/// The shared pool with `threads` workers.
pub(crate) fn pool(threads: usize) -> Result<Arc<ThreadPool>> {
    if threads == 0 || threads > MAX_THREADS {
        return Err(Error::Invalid(format!("{threads} worker threads: between 1 and {MAX_THREADS} are supported")));
    }
    static BLAS: std::sync::Once = std::sync::Once::new();
    BLAS.call_once(single_threaded_blas);
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<ThreadPool>>>> = OnceLock::new();
    let mut pools = POOLS.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = pools.get(&threads) {
        return Ok(p.clone());
    }
    let p = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("darray-{i}"))
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start {threads} worker threads: {e}")))?;
    let p = Arc::new(p);
    pools.insert(threads, p.clone());
    Ok(p)
}
