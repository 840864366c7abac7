//! The side-by-side workloads of `../shared/bench/WORKLOADS.md`, one per run:
//!
//! ```text
//! cargo run --release --example bench_suite -- E1 [--size small|full] [--threads N] [--progress]
//!     [--inflate libdeflate|zlib-rs] [--hold auto|BYTES]
//! ```
//!
//! Prints one JSON line: workload, size, graph_build_s (building the lazy
//! expression), compute_s (lowering, optimizing and running it), n_tasks
//! (tasks run), peak_rss_mb (the process's peak resident memory),
//! minor_faults (pages the process faulted in) and result. A run whose
//! resident memory passes 16 GB stops with `exceeded_rss_gb`. `--inflate`
//! picks the deflate implementation of the file workloads (E4floor, E4, C1,
//! W1), `--hold` the re-read budget (`Config::hold_bytes`). L2floor is L2's
//! randomized SVD as dense calls on the whole matrix held in memory.

use darray::io::codec::DeflateImpl;
use darray::{linalg, ComputeAll, Config, DArray, ExecStats, Result};
use std::time::Instant;

/// x[i, j] = (7 i + 13 j) mod 101, as f64.
fn pattern(n: usize, m: usize, chunks: [usize; 2]) -> Result<DArray<f64>> {
    DArray::from_fn([n, m], chunks, |i| ((7 * i[0] + 13 * i[1]) % 101) as f64)
}

/// Reads a `kB` field of /proc/self/status.
fn status_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn json_str(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

struct Run {
    build_s: f64,
    compute_s: f64,
    stats: ExecStats,
    result: Vec<f64>,
    extra: Vec<(String, f64)>,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_secs_f64())
}

fn one(cfg: &Config, build: impl FnOnce() -> Result<DArray<f64>>) -> Result<Run> {
    let (x, build_s) = timed(build);
    let x = x?;
    let (r, compute_s) = timed(|| x.compute_with(cfg));
    let (v, stats) = r?;
    Ok(Run { build_s, compute_s, stats, result: vec![v[[]]], extra: vec![] })
}

/// Time to produce the pattern alone (`x.sum()`), reported as `gen_s`.
fn gen_time(n: usize, c: usize, cfg: &Config) -> Result<f64> {
    let (r, t) = timed(|| pattern(n, n, [c, c]).and_then(|x| x.sum().compute_with(cfg)));
    r.map(|_| t)
}

/// E3's floor: the same product (`x . x.T`, n x n) on whole in-memory
/// matrices with the multiply the engine's blocks use (the `gemm` crate on
/// `threads` threads; with the `blas` feature, OpenBLAS through ndarray).
fn matmul_floor(n: usize, threads: usize) -> f64 {
    let x = ndarray::Array2::from_shape_fn((n, n), |(i, j)| ((7 * i + 13 * j) % 101) as f64);
    let xt = x.t().as_standard_layout().into_owned();
    let mut c = ndarray::Array2::<f64>::zeros((n, n));
    let t = Instant::now();
    if cfg!(feature = "blas") {
        ndarray::linalg::general_mat_mul(1.0, &x, &xt, 0.0, &mut c);
    } else {
        // Rows split across the threads, each a plain single-threaded gemm.
        let rows = n.div_ceil(threads.max(1));
        std::thread::scope(|sc| {
            for (a, mut cc) in
                x.axis_chunks_iter(ndarray::Axis(0), rows).zip(c.axis_chunks_iter_mut(ndarray::Axis(0), rows))
            {
                let xt = &xt;
                sc.spawn(move || {
                    let m = a.nrows();
                    // SAFETY: live, distinct, row-major views of m x n, n x n
                    // and m x n elements.
                    unsafe {
                        gemm::gemm(
                            m,
                            n,
                            n,
                            cc.as_mut_ptr(),
                            1,
                            n as isize,
                            false,
                            a.as_ptr(),
                            1,
                            n as isize,
                            xt.as_ptr(),
                            1,
                            n as isize,
                            0.0,
                            1.0,
                            false,
                            false,
                            false,
                            gemm::Parallelism::None,
                        )
                    };
                });
            }
        });
    }
    let dt = t.elapsed().as_secs_f64();
    assert!(c[[1, 2]] > 0.0, "the product ran");
    dt
}

/// The synthetic climate file of `../shared/bench/make_climate.py` (path in
/// `CLIMATE_H5`).
fn climate_path() -> Result<String> {
    std::env::var("CLIMATE_H5")
        .map_err(|_| darray::Error::Invalid("set CLIMATE_H5 to the file make_climate.py wrote".into()))
}

/// Its `/t2m`, chunked like its storage, as dask reads it.
fn climate_file(with: DeflateImpl) -> Result<DArray<f32>> {
    let f = darray::io::hdf5::File::open(climate_path()?)?;
    let storage = f.variable("t2m")?.storage_chunks.unwrap_or_default();
    f.array_with("t2m", &darray::io::hdf5::ReadOptions::default().chunks(storage).deflate_impl(with))
}

/// E4floor: reads, inflates and un-shuffles every storage chunk of `/t2m`
/// on `threads` threads into reused buffers, and nothing else; returns the
/// bytes decoded. The chunk addresses come from HDF5's chunk index; the
/// codecs are darray's own (`darray::io::codec`), which an engine's read
/// path cannot beat.
fn decode_floor(threads: usize, with: DeflateImpl) -> Result<f64> {
    use std::os::unix::fs::FileExt;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let path = climate_path()?;
    let h5 = |e: hdf5::Error| darray::Error::Invalid(format!("{path}: {e}"));
    let ds = hdf5::File::open(&path).and_then(|f| f.dataset("t2m")).map_err(h5)?;
    let len = ds.chunk().unwrap_or_default().iter().product::<usize>() * 4;
    let mut locs = vec![];
    ds.chunks_visit(|c| {
        locs.push((c.addr, c.size as usize));
        0
    })
    .map_err(h5)?;
    let io =
        |e: std::io::Error| darray::Error::from(darray::IoError::File { path: path.clone(), message: e.to_string() });
    let file = std::fs::File::open(&path).map_err(io)?;
    let next = AtomicUsize::new(0);
    std::thread::scope(|sc| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                sc.spawn(|| -> Result<usize> {
                    let (mut stored, mut inflated, mut plain) = (vec![], vec![], vec![0u8; len]);
                    let mut done = 0;
                    while let Some(&(addr, size)) = locs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        stored.resize(size, 0);
                        file.read_exact_at(&mut stored, addr).map_err(io)?;
                        darray::io::codec::inflate_into(&stored, len, &mut inflated, with)
                            .map_err(|e| darray::Error::Invalid(e.to_string()))?;
                        darray::io::codec::unshuffle_into(&inflated, 4, &mut plain);
                        done += plain.len();
                    }
                    Ok(done)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a floor worker panicked")).sum::<Result<usize>>()
    })
    .map(|b| b as f64)
}

/// E4's computation on `x` (the climate data, read from any layout): the
/// time mean m, then m.sum() and (x - m).std() together; as dask, in
/// float32 (accumulated in f64).
fn e4(x: &DArray<f32>, build_s: f64, cfg: &Config) -> Result<Run> {
    let m = x.mean_axis(0);
    let (sum, std) = (m.sum(), (x - &m).std(0.0));
    let (r, compute_s) = timed(|| (&sum, &std).compute_all_with(cfg));
    let ((a, b), stats) = r?;
    Ok(Run { build_s, compute_s, stats, result: vec![f64::from(a[[]]), f64::from(b[[]])], extra: vec![] })
}

fn workload(name: &str, s: usize, cfg: &Config, with: DeflateImpl) -> Result<Option<Run>> {
    let climate_file = || climate_file(with);
    Ok(Some(match name {
        "E1" => one(cfg, || {
            let n = 20000 / s;
            let x = DArray::<f64>::ones([n, n], [2000 / s, 2000 / s])?;
            Ok(((&x + 1.0) * 2.0 - &x).sum())
        })?,
        "E1x" => {
            // E1 on a non-constant x (benches/suite/dask_extra.py has dask's).
            let (n, c) = (20000 / s, 2000 / s);
            let mut r = one(cfg, || {
                let x = pattern(n, n, [c, c])?;
                Ok(((&x + 1.0) * 2.0 - &x).sum())
            })?;
            r.extra.push(("gen_s".into(), gen_time(n, c, cfg)?));
            r
        }
        "E5" => {
            let mut r = one(cfg, || Ok(DArray::<f64>::ones([10_000_000 / s], [100])?.sum()))?;
            r.extra.push(("per_task_us".into(), r.compute_s / r.stats.tasks_run as f64 * 1e6));
            r
        }
        "E6" => one(cfg, || {
            let n = 100_000 / s;
            Ok(DArray::<f64>::ones([n, n], [5000 / s, 5000 / s])?.sum())
        })?,
        "E2" => {
            let (n, c) = (10000 / s, 1000 / s);
            let mut r = one(cfg, || {
                let x = pattern(n, n, [c, c])?;
                Ok((&x.t() - &x.mean_axis(0)).powi(2).sum())
            })?;
            r.extra.push(("gen_s".into(), gen_time(n, c, cfg)?));
            r
        }
        "E6b" => one(cfg, || {
            let n = 100_000 / s;
            let x = DArray::<f64>::ones([n, n], [5000 / s, 5000 / s])?;
            Ok((&x + &x.t()).sum())
        })?,
        "E8" => {
            let (n, c) = (20000 / s, 2000 / s);
            let mut r = one(cfg, || {
                let x = pattern(n, n, [c, c])?;
                Ok((&x + &x.t()).sum())
            })?;
            r.extra.push(("gen_s".into(), gen_time(n, c, cfg)?));
            r
        }
        "E3" => {
            let (n, c) = (4000 / s, 1000 / s);
            let mut r = one(cfg, || {
                let x = pattern(n, n, [c, c])?;
                Ok(x.dot(&x.t()).mean_axis(0).sum())
            })?;
            r.extra.push(("gflops".into(), 2.0 * (n as f64).powi(3) / r.compute_s / 1e9));
            r
        }
        "E3floor" => {
            // Not a dask workload: the multiply alone, in its own process so
            // that E3's peak memory stays its own.
            let n = 4000 / s;
            let floor = matmul_floor(n, cfg.threads);
            let stats = ExecStats::default();
            let flop = 2.0 * (n as f64).powi(3);
            let extra = vec![("gflops".into(), flop / floor / 1e9)];
            Run { build_s: 0.0, compute_s: floor, stats, result: vec![], extra }
        }
        "E7" => {
            let n = 20000 / s;
            let (c, c2) = ((100 / s).max(1), (100 / s).max(1));
            let mut r = one(cfg, || Ok(pattern(n, n, [n, c])?.rechunk([c2, n]).sum()))?;
            r.extra.push(("gen_s".into(), {
                let (g, t) = timed(|| pattern(n, n, [n, c]).and_then(|x| x.sum().compute_with(cfg)));
                g?;
                t
            }));
            r
        }
        "E6c" => {
            let n = 60_000 / s;
            let c = 5000 / s;
            let mut r = one(cfg, || {
                let x = pattern(n, n, [c, c])?;
                Ok((&x - &x.mean_axis(0)).sum())
            })?;
            r.extra.push(("gen_s".into(), gen_time(n, c, cfg)?));
            r
        }
        "E4" => {
            let (x, build_s) = timed(climate_file);
            e4(&x?, build_s, cfg)?
        }
        "Z1" | "M1f" => {
            // E4 on the Zarr v2 copy (CLIMATE_ZARR) or on the 8 NetCDF4
            // files split along time (CLIMATE_MF, their directory), both
            // written by make_datasets.py; opened by io::open, which picks
            // the reader (the files joined along time).
            let var = if name == "Z1" { "CLIMATE_ZARR" } else { "CLIMATE_MF" };
            let (x, build_s) = timed(|| -> Result<DArray<f32>> {
                let path = std::env::var(var)
                    .map_err(|_| darray::Error::Invalid(format!("set {var} to what make_datasets.py wrote")))?;
                use darray::io::DatasetExt;
                let ds = darray::io::open(path)?;
                let storage = ds.variable("t2m")?.storage_chunks.unwrap_or_default();
                ds.array_with("t2m", &darray::io::ReadOptions::default().chunks(storage))
            });
            e4(&x?, build_s, cfg)?
        }
        "C1" => {
            // Day-of-year climatology of the E4 file: group of step t is
            // (t div 4) mod D on the first n = 4 D floor(T / 4 D) steps.
            let d = if s == 1 { 365 } else { 73 };
            let (x, build_s) = timed(|| -> Result<(DArray<f32>, Vec<i64>)> {
                let x = climate_file()?;
                let n = x.shape()[0] / (4 * d) * 4 * d;
                let labels = (0..n).map(|t| ((t / 4) % d) as i64).collect();
                Ok((x.slice(&[darray::Sel::span(0, n as isize)]), labels))
            });
            let (x, labels) = x?;
            let g = x.groupby(0, &labels);
            let clim = g.mean();
            let anom = &x - &g.expand(&clim);
            let (sum, std) = (clim.sum(), anom.std(0.0));
            let (r, compute_s) = timed(|| (&sum, &std).compute_all_with(cfg));
            let ((a, b), stats) = r?;
            Run { build_s, compute_s, stats, result: vec![f64::from(a[[]]), f64::from(b[[]])], extra: vec![] }
        }
        "E4floor" => {
            let (bytes, compute_s) = timed(|| decode_floor(cfg.threads, with));
            let bytes = bytes?;
            let extra = vec![("decoded_mb_per_s".into(), bytes / compute_s / 1e6)];
            Run { build_s: 0.0, compute_s, stats: ExecStats::default(), result: vec![bytes], extra }
        }
        "W1" => {
            // The anomalies against the time mean, written as float32,
            // deflate 4 + shuffle, the storage chunks; compute_s includes
            // the write (CLIMATE_OUT, default beside the input, replaced).
            let out = std::env::var("CLIMATE_OUT").or_else(|_| climate_path().map(|p| p + ".w1.darray.h5"))?;
            let (an, build_s) = timed(|| -> Result<DArray<f32>> {
                let x = climate_file()?;
                Ok(&x - &x.mean_axis(0))
            });
            let an = an?;
            let opts = darray::io::hdf5::VarOptions::default()
                .chunks([73 / s.min(73), 181, 360])
                .deflate(Some(4))
                .shuffle(true)
                .deflate_impl(with);
            let (stats, compute_s) = timed(|| -> Result<ExecStats> {
                let mut w = darray::io::hdf5::Writer::create(&out)?.config(cfg.clone());
                let stats = w.write("anomaly", &an, &opts)?;
                w.finish()?;
                Ok(stats)
            });
            let stats = stats?;
            let mb = std::fs::metadata(&out).map_or(0.0, |m| m.len() as f64 / 1e6);
            Run { build_s, compute_s, stats, result: vec![], extra: vec![("file_mb".into(), mb)] }
        }
        "Q1" => {
            // 90th percentile over time, NaN skipped, NumPy's linear method.
            let (x, build_s) = timed(climate_file);
            let q = x?.nanquantile(0.9, 0).sum();
            let (r, compute_s) = timed(|| q.compute_with(cfg));
            let (v, stats) = r?;
            Run { build_s, compute_s, stats, result: vec![f64::from(v[[]])], extra: vec![] }
        }
        "Q1big" => {
            // Q1's quantile on a generated input twice the machine's memory
            // (f32, E4's lanes, chunks of 1000 steps): memory stays bounded
            // by the tasks' lane blocks, not by the array.
            let mem = std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|m| m.lines().next().and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
                .unwrap_or(24 << 20)
                * 1024;
            let t = (2 * mem / (181 * 360 * 4)) as usize / 1000 * 1000 + 1000;
            let (x, build_s) = timed(|| {
                DArray::<f32>::from_fn([t, 181, 360], [1000, 181, 360], |i| {
                    ((i[0] * 7919 + i[1] * 104729 + i[2] * 1299709) % 1000) as f32
                })
            });
            let q = x?.nanquantile(0.9, 0).sum();
            let (r, compute_s) = timed(|| q.compute_with(cfg));
            let (v, stats) = r?;
            let extra =
                vec![("input_gb".into(), (t * 181 * 360 * 4) as f64 / 1e9), ("machine_gb".into(), mem as f64 / 1e9)];
            Run { build_s, compute_s, stats, result: vec![f64::from(v[[]])], extra }
        }
        "S1" => {
            // Cumulative sum along time in float64, then its mean over time.
            let (x, build_s) = timed(climate_file);
            let c = x?.cast::<f64>().cumsum(0).mean_axis(0).sum();
            let (r, compute_s) = timed(|| c.compute_with(cfg));
            let (v, stats) = r?;
            Run { build_s, compute_s, stats, result: vec![v[[]]], extra: vec![] }
        }
        "R1" => {
            // The maximum of each complete window of 5 steps (the T - 4
            // windows ending at steps 4 ..), in float64; their mean.
            let (x, build_s) = timed(climate_file);
            let x = x?;
            let t = x.shape()[0] as isize;
            let w = x.cast::<f64>().rolling(0, 5).max().slice(&[darray::Sel::span(4, t)]).mean();
            let (r, compute_s) = timed(|| w.compute_with(cfg));
            let (v, stats) = r?;
            Run { build_s, compute_s, stats, result: vec![v[[]]], extra: vec![] }
        }
        "L1" => {
            // Tall-and-skinny QR; abs() makes R independent of the signs.
            let n = 2_000_000 / s;
            let x = pattern(n, 100, [100_000 / s, 100])?;
            let ((q, r), build_s) = timed(|| linalg::tsqr(&x));
            let (ra, q2) = (r.abs().sum(), (&q * &q).sum());
            let (res, compute_s) = timed(|| (&ra, &q2).compute_all_with(cfg));
            let ((a, b), stats) = res?;
            Run { build_s, compute_s, stats, result: vec![a[[]], b[[]]], extra: vec![] }
        }
        "L2" => {
            // Leading 10 singular values, 2 power iterations (dask's
            // default 10 oversamples).
            let (n, m) = (100_000 / s, 2000 / s);
            one(cfg, || Ok(linalg::svd_compressed(&pattern(n, m, [10_000 / s, m])?, 10, 2, 10, 0).1.sum()))?
        }
        "L2floor" => {
            let (n, m) = (100_000 / s, 2000 / s);
            let compute_s = rsvd_floor(n, m, cfg.threads);
            Run { build_s: 0.0, compute_s, stats: ExecStats::default(), result: vec![], extra: vec![] }
        }
        "L3" => {
            let (n, c) = (4000 / s, 1000 / s);
            one(cfg, || {
                let a = DArray::<f64>::from_fn([n, n], [c, c], move |i| {
                    ((7 * i[0] + 13 * i[1]) % 101) as f64 / 101.0 + if i[0] == i[1] { n as f64 } else { 0.0 }
                })?;
                let b = DArray::<f64>::ones([n], [c])?;
                Ok(linalg::solve(&a, &b).sum())
            })?
        }
        _ => return Ok(None),
    }))
}

/// L2's floor: the same randomized SVD (10 + 10 columns, 2 power
/// iterations) as dense faer calls on the whole matrix held in memory, on
/// `threads` threads; the matrix is made before the clock starts.
fn rsvd_floor(n: usize, m: usize, threads: usize) -> f64 {
    use faer::{linalg::solvers::Qr, Mat, Par};
    let a = Mat::<f64>::from_fn(n, m, |i, j| ((7 * i + 13 * j) % 101) as f64);
    let l = 20.min(m);
    let omega = Mat::<f64>::from_fn(m, l, |i, j| (((i * 31 + j * 17) % 97) as f64 - 48.0) / 48.0);
    let par = Par::rayon(threads.max(1));
    let mul = |x: faer::MatRef<'_, f64>, y: faer::MatRef<'_, f64>| {
        let mut o = Mat::<f64>::zeros(x.nrows(), y.ncols());
        faer::linalg::matmul::matmul(o.as_mut(), faer::Accum::Replace, x, y, 1.0, par);
        o
    };
    let t = Instant::now();
    let mut y = mul(a.as_ref(), omega.as_ref());
    for _ in 0..2 {
        let q = Qr::new(y.as_ref()).compute_thin_Q();
        let z = mul(a.transpose(), q.as_ref());
        let qz = Qr::new(z.as_ref()).compute_thin_Q();
        y = mul(a.as_ref(), qz.as_ref());
    }
    let q = Qr::new(y.as_ref()).compute_thin_Q();
    let b = mul(q.transpose(), a.as_ref());
    let s = b.singular_values().expect("the SVD converges");
    let el = t.elapsed().as_secs_f64();
    assert!(s[0] > 0.0);
    el
}

/// Pages this process faulted in without I/O (`minflt` of /proc/self/stat).
fn minor_faults() -> u64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ')'.
    s.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(7)?.parse().ok()).unwrap_or(0)
}

/// G1 (issue 7): an expression over a million blocks is built and
/// optimized symbolically; lowering it to tasks is timed separately.
fn graph_scale(size: &str, s: usize) {
    let n = 1_000_000 / s;
    let (x, build_s) = timed(|| -> Result<DArray<f64>> {
        let x = DArray::<f64>::ones([n, n], [1000 / s, 1000 / s])?;
        Ok((&x + &x.t()).mean_axis(0))
    });
    let x = x.expect("G1 builds");
    let (plan, optimize_s) = timed(|| x.explain());
    let plan = plan.expect("G1 plans");
    let (g, lower_s) = timed(|| x.graph());
    let tasks = g.map(|g| g.len()).unwrap_or(0);
    let peak = status_kb("VmHWM:").unwrap_or(0) as f64 / 1024.0;
    println!(
        "{{\"workload\": \"G1\", \"size\": {}, \"graph_build_s\": {build_s:.6}, \"optimize_s\": {optimize_s:.6}, \"blocks\": {}, \"planned_block_tasks\": {}, \"lower_s\": {lower_s:.4}, \"n_tasks\": {tasks}, \"peak_rss_mb\": {peak:.1}, \"engine\": \"darray {}\"}}",
        json_str(size),
        (n / (1000 / s)).pow(2),
        plan.block_tasks,
        env!("CARGO_PKG_VERSION")
    );
}

fn main() {
    darray::exec::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(name) = args.first().cloned() else {
        eprintln!("usage: bench_suite WORKLOAD [--size small|full] [--threads N]");
        std::process::exit(2);
    };
    let opt = |flag: &str| args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).cloned();
    let size = opt("--size").unwrap_or_else(|| "full".into());
    let s = if size == "small" { 4 } else { 1 };
    let mut cfg = Config::default();
    if let Some(t) = opt("--threads").and_then(|t| t.parse().ok()) {
        cfg = cfg.threads(t);
    }
    let with: DeflateImpl = match opt("--inflate").map(|v| v.parse()) {
        None => DeflateImpl::default(),
        Some(Ok(w)) => w,
        Some(Err(e)) => {
            eprintln!("bench_suite: {e}");
            std::process::exit(2);
        }
    };
    match opt("--hold").as_deref() {
        None | Some("auto") => {}
        Some(b) => match b.parse::<usize>() {
            Ok(b) => cfg = cfg.hold_bytes(b),
            Err(_) => {
                eprintln!("bench_suite: --hold takes auto or a number of bytes, not {b:?}");
                std::process::exit(2);
            }
        },
    }
    if args.iter().any(|a| a == "--progress") {
        // Drawn even when standard error is not a terminal, to measure its cost.
        cfg = cfg.observe(std::sync::Arc::new(darray::diagnostics::ProgressBar::forced()));
    }
    let limit_gb: f64 = std::env::var("PEER_RSS_LIMIT_GB").ok().and_then(|v| v.parse().ok()).unwrap_or(16.0);
    {
        let (name, size) = (name.clone(), size.clone());
        std::thread::spawn(move || loop {
            if status_kb("VmRSS:").is_some_and(|kb| kb as f64 > limit_gb * 1024.0 * 1024.0) {
                println!(
                    "{{\"workload\": {}, \"size\": {}, \"exceeded_rss_gb\": {limit_gb}}}",
                    json_str(&name),
                    json_str(&size)
                );
                std::process::exit(3);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        });
    }
    if name == "G1" {
        graph_scale(&size, s);
        return;
    }
    match workload(&name, s, &cfg, with) {
        Ok(Some(r)) => {
            let peak = status_kb("VmHWM:").unwrap_or(0) as f64 / 1024.0;
            let res: Vec<String> = r.result.iter().map(|v| format!("{v:?}")).collect();
            let mut line = format!(
                "{{\"workload\": {}, \"size\": {}, \"graph_build_s\": {:.6}, \"compute_s\": {:.4}, \"n_tasks\": {}, \"peak_rss_mb\": {:.1}, \"minor_faults\": {}, \"result\": [{}]",
                json_str(&name),
                json_str(&size),
                r.build_s,
                r.compute_s,
                r.stats.tasks_run,
                peak,
                minor_faults(),
                res.join(", ")
            );
            for (k, v) in &r.extra {
                line += &format!(", {}: {v:.4}", json_str(k));
            }
            if r.stats.comm.ranks > 1 {
                let c = r.stats.comm;
                line += &format!(
                    ", \"rank\": {}, \"ranks\": {}, \"bytes_sent\": {}, \"bytes_received\": {}",
                    c.rank, c.ranks, c.bytes_sent, c.bytes_received
                );
            }
            let multiply = if cfg!(feature = "blas") { "openblas" } else { "gemm" };
            line += &format!(
                ", \"threads\": {}, \"multiply\": \"{multiply}\", \"inflate\": {}, \"hold_bytes\": {}, \"engine\": \"darray {}\"}}",
                cfg.threads,
                json_str(&format!("{with:?}")),
                cfg.hold_bytes.resolve(cfg.memory_limit.resolve()),
                env!("CARGO_PKG_VERSION")
            );
            println!("{line}");
        }
        Ok(None) => {
            println!(
                "{{\"workload\": {}, \"size\": {}, \"unsupported\": \"not implemented yet in darray {}\"}}",
                json_str(&name),
                json_str(&size),
                env!("CARGO_PKG_VERSION")
            );
        }
        Err(e) => {
            println!(
                "{{\"workload\": {}, \"size\": {}, \"error\": {}}}",
                json_str(&name),
                json_str(&size),
                json_str(&e.to_string())
            );
            std::process::exit(1);
        }
    }
}
