//! Byte-level fuzzing of the pure-Rust readers: NetCDF3 (classic and
//! 64-bit offset) and Zarr (v2 and v3, blosc, zstd, sharding). Seeds are
//! written by netCDF4 and zarr-python (the oracle venv); each case copies
//! one, applies one seeded mutation (a truncation, bit flips, an
//! overwrite with extreme bytes; in a Zarr store, of one of its files:
//! metadata or a chunk, or a number of the metadata replaced by an extreme
//! one), then opens it with `io::open`, lists its variables and reads each
//! (a corner of those too large to read whole), raw and CF-decoded. Every
//! call must return `Ok` or a typed error: a panic, a panicked task or a
//! case that does not finish in time fails the test, naming the mutation.
//! No C library is involved, so cases run in threads of this process.
//!
//! `DARRAY_FUZZ_CASES=N` sets the cases per seed (default 150).

use crate::common::{oracle_python, run_oracle, Rng};
use darray::io::DatasetExt;
use darray::{DArray, Element, Error, Sel};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const SEEDS: &str = r#"
import json, sys
import numpy as np, netCDF4, zarr
from zarr.codecs import BloscCodec, ZstdCodec
d = json.load(sys.stdin)["dir"]
out = []
for fmt in ["NETCDF3_CLASSIC", "NETCDF3_64BIT_OFFSET"]:
    p = "%s/%s.nc" % (d, fmt)
    with netCDF4.Dataset(p, "w", format=fmt) as f:
        f.createDimension("time", None); f.createDimension("lat", 3); f.createDimension("lon", 4)
        t = f.createVariable("time", "f8", ("time",)); t.units = "hours since 2000-01-01"; t.calendar = "noleap"
        t[:] = np.arange(5) * 6.0
        x = f.createVariable("x", "i2", ("time", "lat", "lon"), fill_value=-999); x.scale_factor = 0.5
        x[:] = np.arange(60).reshape(5, 3, 4)
        y = f.createVariable("y", "f4", ("lat", "lon")); y[:] = np.ones((3, 4)); y.long_name = "ones"
        b = f.createVariable("b", "i1", ("time",)); b._Unsigned = "true"; b[:] = np.arange(5)
        f.title = "seed"
    out.append(p)
for v in [2, 3]:
    p = "%s/v%d.zarr" % (d, v)
    g = zarr.open_group(p, mode="w", zarr_format=v)
    kw = {"compressors": BloscCodec(cname="lz4", clevel=5, shuffle="shuffle")} if v == 3 else {}
    a = g.create_array("x", shape=(10, 6), chunks=(4, 3), dtype="i2", fill_value=-7, **kw)
    a[:] = np.arange(60).reshape(10, 6); a.attrs["scale_factor"] = 0.25
    a.attrs["_ARRAY_DIMENSIONS" if v == 2 else "units"] = ["time", "lon"] if v == 2 else "K"
    if v == 3:
        s = g.create_array("s", shape=(8, 8), chunks=(2, 2), shards=(4, 4), dtype="f8", compressors=ZstdCodec(level=3))
        s[:] = np.arange(64.0).reshape(8, 8)
    t = g.create_array("t", shape=(10,), chunks=(5,), dtype="f8")
    t[:] = np.arange(10.0); t.attrs["units"] = "days since 2000-01-01"
    if v == 2:
        t.attrs["_ARRAY_DIMENSIONS"] = ["time"]
    zarr.consolidate_metadata(p)
    out.append(p)
print(json.dumps(out))
"#;

fn files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(p).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for e in entries {
            files(&e, out);
        }
    } else {
        out.push(p.to_path_buf());
    }
}

fn copy(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, to).unwrap();
    }
}

/// Mutates one file of the copy; says what it did.
fn mutate(target: &Path, rng: &mut Rng) -> String {
    let mut all = vec![];
    files(target, &mut all);
    let f = &all[rng.below(all.len())];
    let mut b = std::fs::read(f).unwrap();
    let name = f.strip_prefix(target).unwrap_or(f).display().to_string();
    let what = match rng.below(5) {
        0 => {
            let n = rng.below(b.len());
            b.truncate(n);
            format!("{name} truncated to {n} bytes")
        }
        1 if !b.is_empty() => {
            let k = 1 + rng.below(8);
            for _ in 0..k {
                let head = if rng.below(2) == 0 { 256 } else { usize::MAX };
                let at = rng.below(b.len().min(head));
                b[at] ^= 1 << rng.below(8);
            }
            format!("{name}: {k} bits flipped")
        }
        2 if !b.is_empty() => {
            let at = rng.below(b.len());
            let fill = [0xff, 0x7f, 0x00, 0x80][rng.below(4)];
            let n = (1 + rng.below(8)).min(b.len() - at);
            b[at..at + n].fill(fill);
            format!("{name}: {n} bytes at {at} set to {fill:#x}")
        }
        3 if name.ends_with("json") || name.contains(".z") => {
            // A number of the metadata made extreme.
            let text = String::from_utf8_lossy(&b).into_owned();
            let nums: Vec<(usize, usize)> = {
                let bytes = text.as_bytes();
                let mut v = vec![];
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i].is_ascii_digit() {
                        let s = i;
                        while i < bytes.len() && bytes[i].is_ascii_digit() {
                            i += 1;
                        }
                        v.push((s, i));
                    }
                    i += 1;
                }
                v
            };
            if nums.is_empty() {
                return format!("{name}: no number to change");
            }
            let (s, e) = nums[rng.below(nums.len())];
            let new = ["0", "99999999999999999999", "4294967296", "18446744073709551615", "1e308", "-1"][rng.below(6)];
            b = format!("{}{new}{}", &text[..s], &text[e..]).into_bytes();
            format!("{name}: number at {s} set to {new}")
        }
        _ => {
            let at = rng.below(b.len().max(1));
            let junk: Vec<u8> = (0..16).map(|_| rng.next() as u8).collect();
            b.splice(at.min(b.len())..at.min(b.len()), junk);
            format!("{name}: 16 random bytes inserted at {at}")
        }
    };
    std::fs::write(f, &b).unwrap();
    what
}

fn bounded<T: Element>(a: DArray<T>) -> DArray<T> {
    let n = a.shape().iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    if n.is_some_and(|n| n <= 1 << 20) {
        return a;
    }
    let corner: Vec<Sel> = a.shape().iter().map(|&d| Sel::span(0, d.min(8) as isize)).collect();
    a.slice(&corner)
}

/// Every reader call on `path`; the first panic, as text.
fn exercise(path: &Path) -> Option<String> {
    let panicked = |e: &Error| match e {
        Error::TaskPanicked { task, message } => Some(format!("task {task} panicked: {message}")),
        _ => None,
    };
    let run = || -> Option<String> {
        let ds = match darray::io::open(path) {
            Ok(ds) => ds,
            Err(e) => return panicked(&e),
        };
        let _ = ds.attrs();
        let _ = ds.dimensions();
        for v in ds.variables().unwrap_or_default().iter().take(16) {
            let r = darray::with_dtype!(v.dtype.unwrap_or(darray::DType::F64), T => {
                ds.array::<T>(&v.name).and_then(|a| bounded(a).compute()).map(|_| ())
            });
            if let Some(p) = r.as_ref().err().and_then(panicked) {
                return Some(p);
            }
            let r = ds.array_decoded::<f64>(&v.name).and_then(|a| bounded(a).compute());
            if let Some(p) = r.as_ref().err().and_then(panicked) {
                return Some(p);
            }
            let _ = ds.time_axis(&v.name);
        }
        None
    };
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(p) => p,
        Err(e) => Some(
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default(),
        ),
    }
}

#[test]
fn netcdf3_and_zarr_readers_never_panic_on_damaged_input() {
    let Some(py) = oracle_python() else { return };
    let root = std::env::temp_dir().join(format!("darray-fuzz-formats-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let seeds_dir = root.join("seeds");
    std::fs::create_dir_all(&seeds_dir).unwrap();
    let seeds: Vec<String> =
        serde_json::from_str(&run_oracle(&py, SEEDS, &serde_json::json!({"dir": seeds_dir}).to_string())).unwrap();
    let cases: u64 = std::env::var("DARRAY_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(150);
    // The seeds themselves read cleanly.
    for s in &seeds {
        assert_eq!(exercise(Path::new(s)), None, "{s}");
        assert!(darray::io::open(s).unwrap().variables().unwrap().len() >= 2, "{s}");
    }
    let mut failures = vec![];
    for (k, seed) in seeds.iter().enumerate() {
        for case in 0..cases {
            let mut rng = Rng::new(case.wrapping_mul(7919) ^ (k as u64) << 32);
            let seed = Path::new(seed);
            let target = root.join(format!("case-{k}-{case}")).join(seed.file_name().unwrap());
            copy(seed, &target);
            let what = mutate(&target, &mut rng);
            let (tx, rx) = mpsc::channel();
            let t = target.clone();
            std::thread::spawn(move || {
                let _ = tx.send(exercise(&t));
            });
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(None) => {
                    let _ = std::fs::remove_dir_all(target.parent().unwrap());
                }
                Ok(Some(p)) => failures.push(format!("{} case {case}, {what}: panicked: {p}", seed.display())),
                Err(_) => failures.push(format!("{} case {case}, {what}: did not finish in 60 s", seed.display())),
            }
        }
    }
    assert!(failures.is_empty(), "{} of the cases failed:\n{}", failures.len(), failures.join("\n"));
    let _ = std::fs::remove_dir_all(&root);
}
