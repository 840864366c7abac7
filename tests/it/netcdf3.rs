//! NetCDF classic files (CDF-1, CDF-2 and CDF-5) written by netCDF-C
//! through Python's netCDF4 (the oracle, from the venv
//! `scripts/oracle-python` makes), with random dimensions, record counts,
//! variables of every type, attributes and CF packing; read by darray in
//! random chunks and compared with what netCDF4 reads, raw and decoded.
//! Then files cut short and files of other kinds.

use crate::common::{oracle_python, run_oracle};
use darray::io::{netcdf3::File, AttrValue, DatasetExt, ReadOptions};
use darray::{with_dtype, ChunkSpec, DType, Element, Error, IoError};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::path::PathBuf;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-nc3-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes one file per case (path, format, seed), its structure drawn
/// from the seed, and describes each as netCDF4 reads it.
const WRITE: &str = r#"
import json, sys
import numpy as np, netCDF4
out = []
for case in json.load(sys.stdin):
    rng = np.random.default_rng(case["seed"])
    fmt = case["format"]
    d = netCDF4.Dataset(case["path"], "w", format=fmt)
    d.title = "case %d" % case["seed"]
    d.version = np.int16(3)
    d.weights = np.array([0.5, 1.5], "f4")
    dims = {"rec": None}
    for k in range(int(rng.integers(1, 4))):
        dims["d%d" % k] = int(rng.integers(1, 7))
    for name, n in dims.items():
        d.createDimension(name, n)
    nrec = int(rng.integers(0, 6))
    types = ["i1", "i2", "i4", "f4", "f8"] + (["u1", "u2", "u4", "i8", "u8"] if fmt == "NETCDF3_64BIT_DATA" else [])
    nvars = int(rng.integers(1, 6))
    for k in range(nvars):
        t = types[int(rng.integers(len(types)))]
        fixed = [n for n in dims if n != "rec"]
        pick = [n for n in fixed if rng.random() < 0.6]
        record = rng.random() < 0.6
        vd = (["rec"] if record else []) + pick
        fill = None
        if t in ("i1", "i2", "i4", "f4", "f8") and rng.random() < 0.5:
            fill = np.array(-7, t)
        v = d.createVariable("v%d" % k, t, vd, fill_value=fill)
        v.set_auto_maskandscale(False)
        if rng.random() < 0.5 and t.startswith("i"):
            v.scale_factor = np.float32(0.25)
            v.add_offset = 10.0
        if t == "i1" and rng.random() < 0.5:
            v._Unsigned = "true"
        v.units = "m s-1"
        shape = [nrec if n == "rec" else dims[n] for n in vd]
        info = np.iinfo(t) if t[0] in "iu" else None
        lo, hi = (max(info.min, -1000), min(info.max, 1000)) if info else (-1e6, 1e6)
        raw = rng.uniform(lo, hi, size=shape).astype(t)
        if fill is not None and raw.size:
            raw.flat[int(rng.integers(raw.size))] = fill
        if record and nrec:
            v[0:nrec] = raw
        elif not record:
            v[:] = raw
    c = d.createVariable("label", "S1", ("d0",))
    d.close()
    d = netCDF4.Dataset(case["path"])
    desc = {"dims": [[n, len(x), x.isunlimited()] for n, x in d.dimensions.items()], "vars": {}, "attrs": {}}
    for k in d.ncattrs():
        a = np.asarray(d.getncattr(k))
        desc["attrs"][k] = [str(a.dtype), a.ravel().tolist()]
    for name, v in d.variables.items():
        if name == "label":
            continue
        v.set_auto_maskandscale(False)
        raw = np.asarray(v[:])
        v.set_auto_maskandscale(True)
        dec = np.ma.filled(np.ma.asarray(v[:], dtype="f8"), np.nan)
        desc["vars"][name] = {
            "dims": list(v.dimensions), "shape": list(v.shape), "dtype": str(v.dtype),
            "raw": raw.ravel().tolist(),
            "decoded": [None if np.isnan(x) else float(x) for x in dec.ravel()],
            "attrs": {k: str(np.asarray(v.getncattr(k)).dtype) for k in v.ncattrs()},
        }
    d.close()
    out.append(desc)
print(json.dumps(out))
"#;

const FORMATS: &[(&str, u8)] = &[("NETCDF3_CLASSIC", 1), ("NETCDF3_64BIT_OFFSET", 2), ("NETCDF3_64BIT_DATA", 5)];

fn dtype_of(numpy: &str) -> DType {
    match numpy {
        "int8" => DType::I8,
        "int16" => DType::I16,
        "int32" => DType::I32,
        "int64" => DType::I64,
        "uint8" => DType::U8,
        "uint16" => DType::U16,
        "uint32" => DType::U32,
        "uint64" => DType::U64,
        "float32" => DType::F32,
        "float64" => DType::F64,
        other => panic!("numpy type {other}"),
    }
}

/// The raw values of `name` read by darray in `chunks`, as JSON numbers.
fn raw_values<T: Element + Into<Value>>(f: &File, name: &str, chunks: ChunkSpec) -> Vec<Value> {
    let a = f.array_with::<T>(name, &ReadOptions::default().chunks(chunks)).unwrap();
    a.compute().unwrap().iter().map(|&x| x.into()).collect()
}

fn check_file(f: &File, version: u8, desc: &Value, runner: &mut TestRunner) {
    assert_eq!(f.version(), version);
    let dims: Vec<Value> = f.dimensions().unwrap().into_iter().map(|d| json!([d.name, d.len, d.unlimited])).collect();
    let mut want = desc["dims"].as_array().unwrap().clone();
    want.sort_by_key(|d| d[0].as_str().unwrap().to_string());
    assert_eq!(dims, want);
    // Global attributes in their own types.
    let attrs = f.attrs().unwrap();
    assert_eq!(attrs["title"].as_str(), desc["attrs"]["title"][1][0].as_str());
    assert_eq!(attrs["version"], AttrValue::I16(vec![3]));
    assert_eq!(attrs["weights"], AttrValue::F32(vec![0.5, 1.5]));
    // `label` is text: described, not readable as numbers.
    assert_eq!(f.variable("label").unwrap().type_name, "char");
    assert!(matches!(f.array::<i8>("label"), Err(Error::Io(IoError::Unsupported { .. }))));
    for (name, d) in desc["vars"].as_object().unwrap() {
        let v = f.variable(name).unwrap();
        let shape: Vec<usize> = serde_json::from_value(d["shape"].clone()).unwrap();
        let vdims: Vec<String> = serde_json::from_value(d["dims"].clone()).unwrap();
        let dtype = dtype_of(d["dtype"].as_str().unwrap());
        assert_eq!((&v.shape, &v.dims, v.dtype), (&shape, &vdims, Some(dtype)), "{name}");
        for (k, t) in d["attrs"].as_object().unwrap() {
            let got = v.attrs[k].dtype().map_or("str", |t| t.name());
            let want = if t.as_str().unwrap().starts_with("<U") { "str" } else { t.as_str().unwrap() };
            assert_eq!(got, want, "{name}.{k}");
        }
        // Raw values in random chunks, then decoded as netCDF4 decodes.
        let chunks = draw(runner, crate::common::chunking(shape.clone()));
        let raw = with_dtype!(dtype, T => raw_values::<T>(f, name, chunks.clone()));
        let want_raw = d["raw"].as_array().unwrap();
        let same = |a: &Value, b: &Value| a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64());
        assert!(raw.len() == want_raw.len() && raw.iter().zip(want_raw).all(|(a, b)| same(a, b)), "{name} raw");
        let dec = f.array_decoded_with::<f64>(name, &ReadOptions::default().chunks(chunks)).unwrap();
        let dec: Vec<f64> = dec.compute().unwrap().iter().copied().collect();
        // netCDF4 also masks a type's default fill value where a variable
        // has no `_FillValue`; darray, as xarray, masks only the values
        // the attributes name. Raw bytes hit the byte default (-127) by
        // chance: such points are not compared.
        let named_fill = v.attrs.contains_key("_FillValue") || v.attrs.contains_key("missing_value");
        let default_fill = match dtype {
            DType::I8 => -127.0,
            DType::U8 => 255.0,
            DType::I16 => -32767.0,
            DType::U16 => 65535.0,
            DType::I32 => -2147483647.0,
            DType::U32 => 4294967295.0,
            DType::I64 => -9223372036854775806.0,
            DType::U64 => 18446744073709551614.0,
            _ => 9.969209968386869e36,
        };
        for (k, (g, w)) in dec.iter().zip(d["decoded"].as_array().unwrap()).enumerate() {
            match w.as_f64() {
                None if !named_fill && raw[k].as_f64() == Some(default_fill) => {}
                None => assert!(g.is_nan(), "{name}[{k}]: {g}, netCDF4 masks it"),
                Some(w) => assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "{name}[{k}]: {g} != {w}"),
            }
        }
    }
}

/// One value of `s`, from the runner's seeded generator.
fn draw<S: Strategy>(runner: &mut TestRunner, s: S) -> S::Value {
    s.new_tree(runner).unwrap().current()
}

#[test]
fn classic_files_of_every_version_read_as_netcdf4_reads_them() {
    let Some(py) = oracle_python() else { return };
    let mut runner = TestRunner::new(Config::default());
    let seeds: Vec<u64> = (0..24).map(|_| draw(&mut runner, any::<u32>()) as u64).collect();
    let cases: Vec<Value> = seeds
        .iter()
        .enumerate()
        .map(|(k, &seed)| {
            let (format, _) = FORMATS[k % FORMATS.len()];
            json!({ "path": dir().join(format!("case{k}.nc")), "format": format, "seed": seed })
        })
        .collect();
    let descs: Vec<Value> = serde_json::from_str(&run_oracle(&py, WRITE, &json!(cases).to_string())).unwrap();
    for (k, (case, desc)) in cases.iter().zip(&descs).enumerate() {
        let path = PathBuf::from(case["path"].as_str().unwrap());
        let f = File::open(&path).unwrap_or_else(|e| panic!("case {k} (seed {}): {e}", seeds[k]));
        check_file(&f, FORMATS[k % FORMATS.len()].1, desc, &mut runner);
        // `io::open` picks this reader.
        assert_eq!(darray::io::open(&path).unwrap().format(), "NetCDF3");
    }
}

#[test]
fn cut_short_or_of_another_kind_is_a_typed_error() {
    let Some(py) = oracle_python() else { return };
    let path = dir().join("whole.nc");
    let case = json!([{ "path": path, "format": "NETCDF3_64BIT_OFFSET", "seed": 7 }]);
    run_oracle(&py, WRITE, &case.to_string());
    let bytes = std::fs::read(&path).unwrap();
    let whole = File::open(&path).unwrap();
    let vars = whole.variables().unwrap();
    // Every cut: an error at open (in the header) or when reading the
    // data past the cut, never a panic or a wrong answer.
    let cut = dir().join("cut.nc");
    for n in (0..bytes.len()).step_by(3) {
        std::fs::write(&cut, &bytes[..n]).unwrap();
        let f = match File::open(&cut) {
            Ok(f) => f,
            Err(Error::Io(IoError::Format { format: "NetCDF3", .. })) => continue,
            Err(e) => panic!("cut at {n}: {e}"),
        };
        for v in f.variables().unwrap().iter().filter(|v| v.dtype.is_some()) {
            // What is read is what the whole file holds.
            let got = with_dtype!(v.dtype.unwrap(), T => f.array::<T>(&v.name).unwrap().compute().map(|a| {
                a == whole.array::<T>(&v.name).unwrap().compute().unwrap()
            }));
            match got {
                Ok(same) => assert!(same, "cut at {n}, {}: other values", v.name),
                Err(Error::TaskFailed { task, source }) => match *source {
                    Error::Io(IoError::Corrupt { detail, .. }) => {
                        assert!(task.contains(&v.name) && detail.contains("truncated"), "{task}: {detail}")
                    }
                    e => panic!("cut at {n}, {}: {e}", v.name),
                },
                Err(e) => panic!("cut at {n}, {}: {e}", v.name),
            }
        }
    }
    // Files of other kinds say what they are.
    let other = dir().join("other.nc");
    let h5 = dir().join("h5.nc");
    let mut w = darray::io::hdf5::Writer::create(&h5).unwrap();
    w.write("x", &darray::DArray::<f32>::zeros([3], [3]).unwrap(), &Default::default()).unwrap();
    w.finish().unwrap();
    std::fs::copy(&h5, &other).unwrap();
    let says = |p: &PathBuf| match File::open(p) {
        Err(Error::Io(IoError::Format { message, .. })) => message,
        other => panic!("{other:?}"),
    };
    assert!(says(&other).contains("HDF5 / NetCDF4"), "{}", says(&other));
    for (content, what) in
        [(&b""[..], "empty"), (b"hello, world", "no NetCDF classic signature"), (b"CDF\x03abcd", "version 3")]
    {
        std::fs::write(&other, content).unwrap();
        assert!(says(&other).contains(what), "{}", says(&other));
    }
    assert!(matches!(File::open(dir()), Err(Error::Io(IoError::File { .. }))));
    assert!(matches!(File::open(dir().join("missing.nc")), Err(Error::Io(IoError::File { .. }))));
    // The HDF5 reader names a classic file, and `io::open` reads both.
    assert!(darray::io::hdf5::File::open(&path).unwrap_err().to_string().contains("io::netcdf3::File"));
    assert_eq!(darray::io::open(&h5).unwrap().format(), "HDF5");
    let ds = darray::io::open(&path).unwrap();
    assert_eq!(ds.variables().unwrap(), vars);
}
