//! Shared test helpers: random shapes, chunkings and an independent
//! reduction oracle written as plain loops over ndarray values.
#![allow(dead_code)]

use darray::ChunkSpec;
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;

/// Shapes of 0 to 4 dimensions, including zero-length and length-1 axes.
pub fn shape(max_dims: usize, max_len: usize) -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(prop_oneof![1 => Just(0usize), 2 => Just(1usize), 6 => 2..=max_len], 0..=max_dims)
}

/// A random explicit chunking of `shape`.
pub fn chunking(shape: Vec<usize>) -> impl Strategy<Value = ChunkSpec> {
    let axes: Vec<BoxedStrategy<Vec<usize>>> = shape
        .iter()
        .map(|&n| {
            if n == 0 {
                Just(vec![0]).boxed()
            } else {
                prop::collection::vec(1..=n, 1..=n)
                    .prop_map(move |cuts| {
                        // Cut points from random lengths, clipped to n.
                        let mut out = vec![];
                        let mut left = n;
                        for c in cuts {
                            if left == 0 {
                                break;
                            }
                            let c = c.min(left);
                            out.push(c);
                            left -= c;
                        }
                        if left > 0 {
                            out.push(left);
                        }
                        out
                    })
                    .boxed()
            }
        })
        .collect();
    axes.prop_map(ChunkSpec::Explicit)
}

/// A shape and a chunking of it.
pub fn shape_and_chunks(max_dims: usize, max_len: usize) -> impl Strategy<Value = (Vec<usize>, ChunkSpec)> {
    shape(max_dims, max_len).prop_flat_map(|s| (Just(s.clone()), chunking(s)))
}

/// Values for an array of `shape`, drawn from `elem`.
pub fn values<T: std::fmt::Debug + Clone + 'static>(
    shape: &[usize],
    elem: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = ArrayD<T>> {
    let shape = shape.to_vec();
    let n: usize = shape.iter().product();
    prop::collection::vec(elem, n).prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap())
}

/// Floats with occasional NaN when `nan` is set.
pub fn float(nan: bool) -> BoxedStrategy<f64> {
    if nan {
        prop_oneof![9 => -100.0..100.0f64, 1 => Just(f64::NAN)].boxed()
    } else {
        (-100.0..100.0f64).boxed()
    }
}

/// Reduces `a` over `axes` by gathering each output cell's values in
/// row-major order and applying `f` to them.
pub fn oracle<T: Clone, U: Clone + Default>(
    a: &ArrayD<T>,
    axes: &[usize],
    keepdims: bool,
    f: impl Fn(&[T]) -> U,
) -> ArrayD<U> {
    let nd = a.ndim();
    let out_shape: Vec<usize> = (0..nd).map(|d| if axes.contains(&d) { 1 } else { a.shape()[d] }).collect();
    let cells: usize = out_shape.iter().product();
    let mut groups: Vec<Vec<T>> = vec![vec![]; cells];
    for (idx, v) in a.indexed_iter() {
        let mut flat = 0;
        for d in 0..nd {
            let i = if axes.contains(&d) { 0 } else { idx[d] };
            flat = flat * out_shape[d] + i;
        }
        groups[flat].push(v.clone());
    }
    let vals: Vec<U> = groups.iter().map(|g| f(g)).collect();
    let kept = ArrayD::from_shape_vec(IxDyn(&out_shape), vals).unwrap();
    if keepdims {
        kept
    } else {
        let s: Vec<usize> = (0..nd).filter(|d| !axes.contains(d)).map(|d| a.shape()[d]).collect();
        kept.into_shape_with_order(IxDyn(&s)).unwrap()
    }
}

/// Float equality with NaN equal to NaN and a relative tolerance.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs()))
}

/// Asserts two float arrays match in shape and values.
pub fn assert_close(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: f64) -> Result<(), TestCaseError> {
    prop_assert_eq!(got.shape(), want.shape());
    for (g, w) in got.iter().zip(want.iter()) {
        prop_assert!(close(*g, *w, tol), "got {} want {}\n got {:?}\nwant {:?}", g, w, got, want);
    }
    Ok(())
}

/// The Python with the interop oracles (NumPy, cftime, netCDF4, zarr,
/// xarray): `$DARRAY_ORACLE_PYTHON`, else the venv `scripts/oracle-python`
/// makes (once, from PyPI). `None` only outside CI, where the install
/// failed (offline): the caller says it skipped. Under CI it must work.
pub fn oracle_python() -> Option<std::path::PathBuf> {
    static PY: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    PY.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = no_inherit(&mut std::process::Command::new(format!("{root}/scripts/oracle-python"))).output();
        match out {
            Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).trim().into()),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(std::env::var_os("CI").is_none(), "scripts/oracle-python failed under CI: {why}");
                eprintln!("SKIPPED: no oracle Python (scripts/oracle-python failed: {why})");
                None
            }
        }
    })
    .clone()
}

/// Runs `script` in the oracle Python with `input` on stdin, returning
/// its stdout (a failure of the script fails the test).
pub fn run_oracle(python: &std::path::Path, script: &str, input: &str) -> String {
    use std::io::Write;
    let mut child = no_inherit(&mut std::process::Command::new(python))
        .args(["-W", "ignore", "-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the oracle Python");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "oracle script failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// splitmix64: a small deterministic generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5eed_f022_d00d_0001)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// In `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// `cmd` with every descriptor but stdin, stdout and stderr closed in the
/// child: HDF5 opens files without close-on-exec, and a child started
/// while another test has one open (darray sets close-on-exec just after
/// the open) would hold its lock, so that test's next open fails.
pub fn no_inherit(cmd: &mut std::process::Command) -> &mut std::process::Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: only async-signal-safe calls (close_range, close) between
    // fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) != 0 {
                for fd in 3..4096 {
                    libc::close(fd);
                }
            }
            Ok(())
        })
    }
}
