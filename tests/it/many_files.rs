//! Many files opened as one dataset, against xarray (the oracle, from the
//! venv `scripts/oracle-python` makes): a random dataset split along time
//! at random points into NetCDF4 and NetCDF3 files by xarray, read by
//! darray's `io::open_many` (and `io::open` on their directory) in random
//! chunks and compared with xarray's concatenation of the files, raw and
//! CF-decoded. Then files that disagree, each in one way.

use crate::common::{oracle_python, run_oracle};
use darray::io::{Dataset, DatasetExt, ReadOptions};
use darray::{Error, IoError};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-many-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the parts of one case (dir, seed, parts, break) and prints
/// xarray's concatenation of them along time. `break` spoils one part in
/// one way, for the error cases.
const WRITE: &str = r#"
import json, sys
import numpy as np, xarray as xr
def flat(a):
    return [None if isinstance(x, float) and x != x else x for x in np.asarray(a, dtype="f8").ravel().tolist()]
case = json.load(sys.stdin)
rng = np.random.default_rng(case["seed"])
T, Y, X = int(rng.integers(case["parts"], 30)), int(rng.integers(1, 6)), int(rng.integers(1, 7))
cuts = sorted(rng.choice(np.arange(1, T), size=case["parts"] - 1, replace=False).tolist()) if case["parts"] > 1 else []
edges = [0] + cuts + [T]
lat = np.linspace(90, -90, Y)
lon = np.linspace(0, 360, X, endpoint=False)
t2m = rng.normal(280, 10, (T, Y, X)).astype("f4")
q = np.round(rng.uniform(0, 50, (T, Y)), 1)
q[rng.random((T, Y)) < 0.1] = np.nan
unlimited = bool(rng.random() < 0.5)
paths = []
for p in range(case["parts"]):
    a, b = edges[p], edges[p + 1]
    plat = lat.copy()
    if case["break"] == "lat" and p == 1:
        plat[0] += 0.5
    ds = xr.Dataset(
        {"t2m": (("time", "lat", "lon"), t2m[a:b], {"units": "K"}), "q": (("time", "lat"), q[a:b])},
        coords={"time": ("time", np.arange(a, b) / 4.0, {"units": "days since 2000-01-01", "calendar": "noleap"}),
                "lat": plat, "lon": lon})
    if case["break"] == "missing" and p == 1:
        ds = ds.drop_vars("q")
    scale = 0.1 if not (case["break"] == "scale" and p == 1) else 0.2
    fmt = "NETCDF3_64BIT" if p % 3 == 2 else "NETCDF4"
    enc = {"q": {"dtype": "i2", "scale_factor": scale, "_FillValue": -999}} if "q" in ds else {}
    if fmt == "NETCDF4":
        enc["t2m"] = {"zlib": True, "complevel": 1, "chunksizes": (min(3, b - a), Y, X)}
    path = "%s/part_%d.nc" % (case["dir"], p)
    ds.to_netcdf(path, format=fmt, encoding=enc, unlimited_dims=["time"] if unlimited else None)
    paths.append(path)
if case["break"] == "none":
    m = xr.concat([xr.open_dataset(p, decode_times=False) for p in paths], dim="time", data_vars="minimal", coords="minimal", compat="equals", join="exact")
    raw = xr.concat([xr.open_dataset(p, decode_times=False, mask_and_scale=False) for p in paths], dim="time", data_vars="minimal", coords="minimal", compat="equals", join="exact")
    print(json.dumps({"paths": paths, "shape": list(m.t2m.shape), "t2m": flat(m.t2m.values), "q": flat(m.q.values),
        "q_raw": np.asarray(raw.q.values).ravel().tolist(), "time": flat(m.time.values), "lat": flat(m.lat.values)}))
else:
    print(json.dumps({"paths": paths}))
"#;

fn draw<S: Strategy>(runner: &mut TestRunner, s: S) -> S::Value {
    s.new_tree(runner).unwrap().current()
}

fn write(py: &std::path::Path, name: &str, seed: u32, parts: usize, brk: &str) -> Value {
    let d = dir(name);
    let input = json!({"dir": d, "seed": seed, "parts": parts, "break": brk});
    serde_json::from_str(&run_oracle(py, WRITE, &input.to_string())).unwrap()
}

fn close(got: &[f64], want: &Value, what: &str, tol: f64) {
    let want = want.as_array().unwrap();
    assert_eq!(got.len(), want.len(), "{what}");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        match w.as_f64() {
            None => assert!(g.is_nan(), "{what}[{k}]: {g}, xarray masks it"),
            Some(w) => assert!((g - w).abs() <= tol * w.abs().max(1.0), "{what}[{k}]: {g} != {w}"),
        }
    }
}

#[test]
fn files_split_along_time_read_as_xarray_concatenates_them() {
    let Some(py) = oracle_python() else { return };
    let mut runner = TestRunner::new(Config::default());
    for case in 0..8 {
        let seed = draw(&mut runner, any::<u32>());
        let parts = 1 + case % 4;
        let want = write(&py, &format!("ok{case}"), seed, parts, "none");
        let paths: Vec<String> = serde_json::from_value(want["paths"].clone()).unwrap();
        let ds = darray::io::open_many(&paths).unwrap();
        assert_eq!(ds.dim(), "time");
        let shape: Vec<usize> = serde_json::from_value(want["shape"].clone()).unwrap();
        assert_eq!(ds.variable("t2m").unwrap().shape, shape);
        let chunks = draw(&mut runner, crate::common::chunking(shape.clone()));
        let t2m = ds.array_decoded_with::<f64>("t2m", &ReadOptions::default().chunks(chunks)).unwrap();
        close(&t2m.compute().unwrap().iter().copied().collect::<Vec<_>>(), &want["t2m"], "t2m", 1e-9);
        let q = ds.array_decoded::<f64>("q").unwrap().compute().unwrap();
        close(&q.iter().copied().collect::<Vec<_>>(), &want["q"], "q", 1e-6);
        let q_raw = ds.array::<i16>("q").unwrap().compute().unwrap();
        assert_eq!(q_raw.iter().map(|&x| json!(x)).collect::<Vec<_>>(), want["q_raw"].as_array().unwrap().clone());
        let time = ds.array::<f64>("time").unwrap().compute().unwrap();
        close(&time.iter().copied().collect::<Vec<_>>(), &want["time"], "time", 1e-9);
        // The time axis decodes across the files, in its own calendar.
        assert_eq!(ds.time_axis("time").unwrap().len(), shape[0]);
        let lat = ds.array::<f64>("lat").unwrap().compute().unwrap();
        close(&lat.iter().copied().collect::<Vec<_>>(), &want["lat"], "lat", 1e-9);
        // Copies named against time order (`f_9` holds the first part)
        // open in time order, by their first time value.
        if parts > 1 {
            let other = dir(&format!("renamed{case}"));
            for (p, path) in paths.iter().enumerate() {
                std::fs::copy(path, other.join(format!("f_{}.nc", 9 - p))).unwrap();
            }
            let r = darray::io::open(&other).unwrap();
            let t2m = r.array_decoded::<f64>("t2m").unwrap().compute().unwrap();
            close(&t2m.iter().copied().collect::<Vec<_>>(), &want["t2m"], "renamed t2m", 1e-9);
        }
        // The directory opens as the same dataset.
        let parent = PathBuf::from(&paths[0]).parent().unwrap().to_path_buf();
        let whole = darray::io::open(&parent).unwrap();
        // (A directory of one file is that file.)
        assert_eq!(whole.format(), if parts > 1 { "many files" } else { "HDF5" });
        assert_eq!(whole.variable("t2m").unwrap().shape, shape);
    }
}

fn mismatch_of(r: Result<darray::io::MultiDataset, Error>) -> (String, String) {
    match r {
        Err(Error::Io(IoError::Mismatch { path, message })) => (path, message),
        other => panic!("expected a mismatch, got {other:?}"),
    }
}

#[test]
fn files_that_disagree_say_which_and_where() {
    let Some(py) = oracle_python() else { return };
    for (brk, says) in [("lat", "\"lat\" differs at"), ("missing", "\"q\""), ("scale", "scale_factor")] {
        let out = write(&py, brk, 7, 3, brk);
        let paths: Vec<String> = serde_json::from_value(out["paths"].clone()).unwrap();
        let (path, message) = mismatch_of(darray::io::open_many(&paths));
        assert!(path.ends_with("part_1.nc"), "{brk}: {path}");
        assert!(message.contains(says), "{brk}: {message}");
    }
    // No such dimension to join along; no files at all.
    let out = write(&py, "dim", 7, 2, "none");
    let paths: Vec<String> = serde_json::from_value(out["paths"].clone()).unwrap();
    let (_, message) = mismatch_of(darray::io::open_many_along(&paths, "level"));
    assert!(message.contains("\"level\""), "{message}");
    assert!(matches!(darray::io::open_many::<&str>(&[]), Err(Error::Invalid(_))));
}

/// Parts whose time units differ (each file referenced to its own start,
/// in hours or days), as xarray decodes and joins them; named against time
/// order, so `io::open` on the directory must order them by instant.
const UNITS: &str = r#"
import json, sys
import numpy as np, xarray as xr
case = json.load(sys.stdin)
TIMES = xr.coders.CFDatetimeCoder(use_cftime=True)
paths = []
for p, (start, unit) in enumerate([(0, "hours"), (30, "days"), (61, "hours")]):
    t = np.arange(start, start + 5) + (0.25 if unit == "hours" else 0.0)
    ref = "2001-01-01" if p == 0 else "2001-%02d-01" % (p + 1)
    vals = (t - [0, 31, 59][p]) * (24 if unit == "hours" else 1)
    ds = xr.Dataset({"x": (("time",), np.arange(start, start + 5, dtype="f4"))},
                    coords={"time": ("time", vals, {"units": "%s since %s" % (unit, ref), "calendar": case["calendar"]})})
    path = "%s/%s.nc" % (case["dir"], "abc"[2 - p])
    ds.to_netcdf(path)
    paths.append(path)
m = xr.concat([xr.open_dataset(p, decode_times=TIMES) for p in paths], dim="time")
print(json.dumps({"paths": paths, "times": [v.strftime("%Y-%m-%dT%H:%M:%S") for v in m.time.values], "x": m.x.values.tolist()}))
"#;

#[test]
fn files_with_different_time_units_join_as_xarray_decodes_them() {
    let Some(py) = oracle_python() else { return };
    for cal in ["standard", "noleap", "360_day"] {
        let d = dir(&format!("units-{cal}"));
        let o: Value =
            serde_json::from_str(&run_oracle(&py, UNITS, &json!({"dir": d, "calendar": cal}).to_string())).unwrap();
        let want: Vec<&str> = o["times"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let paths: Vec<String> =
            o["paths"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        for ds in [Box::new(darray::io::open_many(&paths).unwrap()) as Box<dyn Dataset>, darray::io::open(&d).unwrap()]
        {
            let t = ds.time_axis("time").unwrap();
            let got: Vec<String> = t.datetimes().iter().map(|d| d.to_string()).collect();
            assert_eq!(got, want, "{cal}");
            assert_eq!(ds.variable("time").unwrap().dtype, Some(darray::DType::F64));
            let x = ds.array::<f32>("x").unwrap().compute().unwrap();
            let xw: Vec<f64> = o["x"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(x.iter().map(|&v| v as f64).collect::<Vec<_>>(), xw, "{cal}");
        }
    }
    // Another calendar in one file is still a mismatch.
    let d = dir("units-calendar");
    let o: Value =
        serde_json::from_str(&run_oracle(&py, UNITS, &json!({"dir": d, "calendar": "noleap"}).to_string())).unwrap();
    let d2 = dir("units-calendar-2");
    let o2: Value =
        serde_json::from_str(&run_oracle(&py, UNITS, &json!({"dir": d2, "calendar": "360_day"}).to_string())).unwrap();
    let paths = [o["paths"][0].as_str().unwrap(), o2["paths"][1].as_str().unwrap()];
    let r = darray::io::open_many(&paths);
    assert!(matches!(r, Err(Error::Io(IoError::Mismatch { .. }))), "{:?}", r.err());
}
