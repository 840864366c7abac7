//! Zarr v2 and v3 stores both ways against Python's zarr and xarray (the
//! oracles, from the venv `scripts/oracle-python` makes): stores zarr
//! writes with random shapes, chunks, element types, codecs (blosc lz4 /
//! zstd with shuffle, zstd, gzip, zlib, sharding), fill values, missing
//! chunks, groups, CF packing and consolidated metadata, read by darray in
//! random chunks; stores darray writes, read back by zarr and xarray.
//! Then stores that are broken in each way a store can be.

use crate::common::{oracle_python, run_oracle};
use darray::io::{zarr, AttrValue, BloscCompressor, BloscShuffle, Codec, Dataset, DatasetExt, ReadOptions, VarOptions};
use darray::{with_dtype, ChunkSpec, DArray, DType, Element, Error, IoError};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-zarr-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes one store per case (path, zarr_format, seed), its arrays drawn
/// from the seed, and describes each array as zarr reads it raw and as
/// xarray decodes it.
const WRITE: &str = r#"
import json, sys
import numpy as np, zarr, numcodecs, xarray as xr
from zarr.codecs import BloscCodec, ZstdCodec, GzipCodec
def flat(a):
    return [None if isinstance(x, float) and x != x else x for x in np.asarray(a).ravel().tolist()]
out = []
for case in json.load(sys.stdin):
    rng = np.random.default_rng(case["seed"])
    fmt = case["zarr_format"]
    root = zarr.open_group(case["path"], mode="w", zarr_format=fmt)
    root.attrs["title"] = "case %d" % case["seed"]
    desc = {"arrays": {}}
    types = ["i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f4", "f8", "bool"]
    for k in range(int(rng.integers(1, 5))):
        t = types[int(rng.integers(len(types)))]
        nd = int(rng.integers(0, 4))
        shape = tuple(int(rng.integers(1, 9)) for _ in range(nd))
        chunks = tuple(int(rng.integers(1, n + 1)) for n in shape)
        name = ("g/a%d" if rng.random() < 0.3 else "a%d") % k
        dims = ["%s_d%d" % (name.replace("/", "_"), j) for j in range(nd)]
        codec = int(rng.integers(0, 6))
        kw = {}
        if fmt == 3:
            kw["compressors"] = [None, BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"),
                BloscCodec(cname="zstd", clevel=3, shuffle="bitshuffle"), ZstdCodec(level=3), GzipCodec(level=4), None][codec]
            if kw["compressors"] is None:
                kw["compressors"] = None
            if codec == 5 and nd:
                # Sharded: shards of whole inner chunks.
                kw["shards"] = tuple(c * int(rng.integers(1, 3)) for c in chunks)
            kw["dimension_names"] = dims
        else:
            kw["compressors"] = [None, numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE),
                numcodecs.Blosc(cname="zstd", clevel=3, shuffle=numcodecs.Blosc.BITSHUFFLE), numcodecs.Zstd(level=3),
                numcodecs.GZip(level=4), numcodecs.Zlib(level=5)][codec]
        fill = None
        if t != "bool" and rng.random() < 0.6:
            fill = -7 if t[0] in "if" else 7
        if t == "bool":
            raw = rng.random(shape) < 0.5
        elif t[0] in "iu":
            info = np.iinfo(t)
            raw = rng.integers(max(info.min, -1000), min(info.max, 1000), size=shape, endpoint=True).astype(t)
        else:
            raw = rng.uniform(-1e3, 1e3, size=shape).astype(t)
            if raw.size:
                raw.flat[int(rng.integers(raw.size))] = np.nan
        if fill is not None and raw.size:
            raw.flat[int(rng.integers(raw.size))] = fill
        attrs = {"units": "K", "long_name": "variable %d" % k}
        if t in ("i2", "i4", "u2") and rng.random() < 0.6:
            attrs["scale_factor"] = 0.25
            attrs["add_offset"] = 10.0
        if fmt == 2:
            attrs["_ARRAY_DIMENSIONS"] = dims
        elif fill is not None and t != "bool":
            # xarray's encoding of CF's _FillValue in v3.
            from xarray.backends.zarr import FillValueCoder
            attrs["_FillValue"] = FillValueCoder.encode(fill, np.dtype(t))
        a = root.create_array(name, shape=shape, chunks=chunks, dtype=t, fill_value=fill, attributes=attrs, **kw)
        # Sometimes only the first half along axis 0 is written: the
        # other chunks are missing and read as the fill value.
        if nd and rng.random() < 0.3:
            h = shape[0] // 2
            a[:h] = raw[:h]
        else:
            a[...] = raw
        got = a[...]
        desc["arrays"][name] = {"dtype": str(np.dtype(t)), "shape": list(shape), "chunks": list(chunks),
            "dims": dims, "raw": flat(got), "fill": fill}
    consolidated = bool(rng.random() < 0.5)
    if consolidated:
        zarr.consolidate_metadata(case["path"])
    desc["consolidated"] = consolidated
    # What xarray decodes, for the root's arrays (xarray opens one group).
    ds = xr.open_zarr(case["path"], consolidated=consolidated, zarr_format=fmt, mask_and_scale=True)
    for name in ds.data_vars:
        v = ds[name].values
        if v.dtype.kind in "fiu":
            desc["arrays"][name]["decoded"] = flat(v.astype("f8"))
    out.append(desc)
print(json.dumps(out))
"#;

fn dtype_of(numpy: &str) -> DType {
    DType::ALL.iter().copied().find(|d| d.name() == numpy).unwrap_or_else(|| panic!("numpy type {numpy}"))
}

/// An element as zarr's JSON gives it (NaN as null).
fn to_json<T: Element>(x: T) -> Value {
    match T::DTYPE {
        DType::Bool => Value::Bool(x.el_bits() != 0),
        DType::F32 | DType::F64 => serde_json::Number::from_f64(x.el_to_f64()).map_or(Value::Null, Value::Number),
        DType::I8 | DType::I16 | DType::I32 | DType::I64 => Value::from(x.el_bits() as i64),
        _ => Value::from(x.el_bits()),
    }
}

fn values<T: Element>(ds: &dyn Dataset, name: &str, chunks: ChunkSpec) -> Vec<Value> {
    let a = ds.array_with::<T>(name, &ReadOptions::default().chunks(chunks)).unwrap();
    a.compute().unwrap().iter().map(|&x| to_json(x)).collect()
}

fn same(a: &Value, b: &Value) -> bool {
    a == b || (a.as_f64().is_some() && a.as_f64() == b.as_f64())
}

/// One value of `s`, from the runner's seeded generator.
fn draw<S: Strategy>(runner: &mut TestRunner, s: S) -> S::Value {
    s.new_tree(runner).unwrap().current()
}

fn check_store(path: &Path, version: u8, desc: &Value, runner: &mut TestRunner) {
    let store = zarr::Store::open(path).unwrap();
    assert_eq!(store.zarr_format(), version);
    assert_eq!(store.is_consolidated(), desc["consolidated"].as_bool().unwrap());
    assert!(store.attrs().unwrap()["title"].as_str().unwrap().starts_with("case "));
    let arrays = desc["arrays"].as_object().unwrap();
    let names: Vec<String> = store.variables().unwrap().into_iter().map(|v| v.name).collect();
    let mut want: Vec<String> = arrays.keys().cloned().collect();
    want.sort();
    assert_eq!(names, want);
    for (name, d) in arrays {
        let v = store.variable(name).unwrap();
        let shape: Vec<usize> = serde_json::from_value(d["shape"].clone()).unwrap();
        let dims: Vec<String> = serde_json::from_value(d["dims"].clone()).unwrap();
        let dtype = dtype_of(d["dtype"].as_str().unwrap());
        assert_eq!((&v.shape, &v.dims, v.dtype), (&shape, &dims, Some(dtype)), "{name}");
        assert_eq!(v.attrs["units"], AttrValue::from("K"));
        assert!(!v.attrs.contains_key("_ARRAY_DIMENSIONS"));
        if let Some(fill) = d["fill"].as_f64() {
            assert_eq!(v.attrs["_FillValue"].as_f64(), Some(fill), "{name}");
        }
        let chunks = draw(runner, crate::common::chunking(shape.clone()));
        let raw = with_dtype!(dtype, T => values::<T>(&store, name, chunks.clone()));
        let want_raw = d["raw"].as_array().unwrap();
        assert!(
            raw.len() == want_raw.len() && raw.iter().zip(want_raw).all(|(a, b)| same(a, b)),
            "{name} raw: {raw:?} != {want_raw:?}"
        );
        // In whole storage chunks too (darray's own chunk read, where the
        // layout allows it).
        if let Some(c) = v.storage_chunks.clone().filter(|c| c.len() == shape.len() && !c.contains(&0)) {
            let c: Vec<usize> = c.iter().zip(&shape).map(|(&c, &n)| c.min(n).max(1)).collect();
            let whole = with_dtype!(dtype, T => values::<T>(&store, name, ChunkSpec::Shape(c)));
            assert!(whole.iter().zip(want_raw).all(|(a, b)| same(a, b)), "{name} in whole chunks");
        }
        if let Some(want) = d.get("decoded").and_then(Value::as_array) {
            let dec = store.array_decoded_with::<f64>(name, &ReadOptions::default().chunks(chunks)).unwrap();
            let dec: Vec<f64> = dec.compute().unwrap().iter().copied().collect();
            assert_eq!(dec.len(), want.len());
            for (k, (g, w)) in dec.iter().zip(want).enumerate() {
                match w.as_f64() {
                    None => assert!(g.is_nan(), "{name}[{k}]: {g}, xarray masks it"),
                    Some(w) => assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{name}[{k}]: {g} != {w}"),
                }
            }
        }
    }
}

#[test]
fn stores_zarr_writes_read_as_zarr_and_xarray_read_them() {
    let Some(py) = oracle_python() else { return };
    let mut runner = TestRunner::new(Config::default());
    let cases: Vec<Value> = (0..24)
        .map(|k| {
            let seed = draw(&mut runner, any::<u32>());
            json!({ "path": dir().join(format!("read{k}.zarr")), "zarr_format": 2 + k % 2, "seed": seed })
        })
        .collect();
    let descs: Vec<Value> = serde_json::from_str(&run_oracle(&py, WRITE, &json!(cases).to_string())).unwrap();
    for (case, desc) in cases.iter().zip(&descs) {
        let path = PathBuf::from(case["path"].as_str().unwrap());
        check_store(&path, case["zarr_format"].as_u64().unwrap() as u8, desc, &mut runner);
        // `io::open` takes a directory for a Zarr store.
        assert_eq!(darray::io::open(&path).unwrap().format(), "Zarr");
    }
}

/// Reads the stores darray wrote with zarr (raw values, fill value,
/// dimension names, attributes) and with xarray (dimensions, decoded).
const READ: &str = r#"
import json, sys
import numpy as np, zarr, xarray as xr
def flat(a):
    return [None if isinstance(x, float) and x != x else x for x in np.asarray(a).ravel().tolist()]
out = []
for case in json.load(sys.stdin):
    g = zarr.open_group(case["path"], mode="r")
    desc = {"format": g.metadata.zarr_format, "attrs": dict(g.attrs), "arrays": {}}
    for name in case["names"]:
        a = g[name]
        attrs = dict(a.attrs)
        dims = list(a.metadata.dimension_names or []) if g.metadata.zarr_format == 3 else attrs.pop("_ARRAY_DIMENSIONS", [])
        desc["arrays"][name] = {"dtype": str(a.dtype), "shape": list(a.shape), "chunks": list(a.chunks),
            "raw": flat(a[...]), "dims": dims, "attrs": {k: v for k, v in attrs.items() if k != "_FillValue"}}
    ds = xr.open_zarr(case["path"], mask_and_scale=True)
    desc["xarray"] = {n: {"dims": list(ds[n].dims), "decoded": flat(ds[n].values.astype("f8"))}
        for n in ds.data_vars if ds[n].dtype.kind in "fiu"}
    out.append(desc)
print(json.dumps(out))
"#;

/// An array of `dtype` and `shape` with values from `seed` (a few equal to
/// -7, the fill value some cases use).
fn array_of<T: Element>(shape: &[usize], chunks: &[usize], seed: u64) -> DArray<T> {
    DArray::<T>::from_fn(shape, chunks, move |i| {
        let mut h = seed;
        for &k in i {
            h = h.wrapping_mul(6364136223846793005).wrapping_add(k as u64 + 1442695040888963407);
        }
        let r = (h >> 33) % 200;
        T::el_from_f64(if r < 10 { -7.0 } else { (r as f64 - 100.0) * 0.5 })
    })
    .unwrap()
}

#[test]
fn stores_darray_writes_read_in_zarr_and_xarray() {
    let Some(py) = oracle_python() else { return };
    let mut runner = TestRunner::new(Config::default());
    let types = [
        DType::I8,
        DType::I16,
        DType::I32,
        DType::I64,
        DType::U8,
        DType::U16,
        DType::U32,
        DType::U64,
        DType::F32,
        DType::F64,
        DType::Bool,
    ];
    let mut cases = vec![];
    let mut expect = vec![];
    for k in 0..16 {
        let path = dir().join(format!("write{k}.zarr"));
        let v2 = k % 2 == 0;
        let mut names = vec![];
        let mut arrays = vec![];
        let mut w2 = v2.then(|| zarr::WriterV2::create(&path).unwrap());
        let mut w3 = (!v2).then(|| zarr::Writer::create(&path).unwrap());
        macro_rules! with_w {
            ($w:ident => $e:expr) => {
                match (&mut w2, &mut w3) {
                    (Some($w), _) => $e,
                    (_, Some($w)) => $e,
                    _ => unreachable!(),
                }
            };
        }
        with_w!(w => w.file_attr("title", format!("store {k}")).unwrap());
        for j in 0..draw(&mut runner, 1..4usize) {
            let dtype = types[draw(&mut runner, 0..types.len())];
            let shape = draw(&mut runner, proptest::collection::vec(1..9usize, 0..4));
            let chunks: Vec<usize> = shape.iter().map(|&n| draw(&mut runner, 1..=n)).collect();
            let name = if draw(&mut runner, 0..4) == 0 { format!("grp/v{j}") } else { format!("v{j}") };
            let dims: Vec<String> = (0..shape.len()).map(|d| format!("{}_{d}", name.replace('/', "_"))).collect();
            let mut opts = VarOptions::default().dims(dims.clone()).attr("units", "m").attr("scale", 0.5f32);
            let blosc = |cname, shuffle| Codec::Blosc { cname, clevel: 5, shuffle };
            opts = match draw(&mut runner, 0..7) {
                0 => opts.deflate(None),
                1 => opts.shuffle(false),
                2 => opts.codec(blosc(BloscCompressor::Lz4, BloscShuffle::Byte)),
                3 => opts.codec(blosc(BloscCompressor::Zstd, BloscShuffle::Bit)),
                4 => opts.codec(blosc(BloscCompressor::Lz4hc, BloscShuffle::No)),
                5 => opts.codec(Codec::Zstd { level: 3 }),
                _ => opts,
            };
            let fill = dtype != DType::Bool && draw(&mut runner, 0..2) == 0;
            // -7 in the element type (0 for unsigned ones).
            let fill_value = with_dtype!(dtype, T => T::el_from_f64(-7.0).el_to_f64());
            if fill {
                opts = opts.attr("_FillValue", fill_value);
            }
            let seed = draw(&mut runner, any::<u64>());
            let raw: Vec<Value> = with_dtype!(dtype, T => {
                let a = array_of::<T>(&shape, &chunks, seed);
                with_w!(w => w.write(&name, &a, &opts).unwrap());
                a.compute().unwrap().iter().map(|&x| to_json(x)).collect()
            });
            names.push(name.clone());
            arrays.push(json!({"name": name, "dtype": dtype.name(), "shape": shape, "chunks": chunks, "dims": dims, "raw": raw, "fill": fill.then_some(fill_value)}));
        }
        if let Some(w) = w2 {
            w.finish().unwrap();
        }
        if let Some(w) = w3 {
            w.finish().unwrap();
        }
        cases.push(json!({"path": path, "names": names}));
        expect.push((v2, arrays));
    }
    let descs: Vec<Value> = serde_json::from_str(&run_oracle(&py, READ, &json!(cases).to_string())).unwrap();
    for (k, (desc, (v2, arrays))) in descs.iter().zip(&expect).enumerate() {
        assert_eq!(desc["format"], if *v2 { 2 } else { 3 });
        assert_eq!(desc["attrs"]["title"], format!("store {k}"));
        for a in arrays {
            let name = a["name"].as_str().unwrap();
            let d = &desc["arrays"][name];
            let dtype = a["dtype"].as_str().unwrap();
            assert_eq!(d["dtype"].as_str().unwrap(), dtype, "{name}");
            assert_eq!((&d["shape"], &d["chunks"], &d["dims"]), (&a["shape"], &a["chunks"], &a["dims"]), "{name}");
            assert_eq!(d["attrs"]["units"], "m");
            // A float32 attribute is written as the double it is.
            assert_eq!(d["attrs"]["scale"], 0.5);
            let (got, want) = (d["raw"].as_array().unwrap(), a["raw"].as_array().unwrap());
            assert!(
                got.len() == want.len() && got.iter().zip(want).all(|(g, w)| same(g, w)),
                "{name}: {got:?} != {want:?}"
            );
            // xarray: dimensions, and the fill value masked.
            if let Some(x) = desc["xarray"].get(name) {
                assert_eq!(x["dims"], a["dims"]);
                for (g, w) in x["decoded"].as_array().unwrap().iter().zip(want) {
                    let masked = a["fill"].as_f64().is_some() && w.as_f64() == a["fill"].as_f64();
                    if masked || w.is_null() {
                        assert!(g.is_null(), "{name}: xarray should mask {w}");
                    } else {
                        assert_eq!(g.as_f64(), w.as_f64().or(w.as_bool().map(f64::from)), "{name}");
                    }
                }
            }
        }
        // And darray reads its own store back, through io::open.
        let ds = darray::io::open(cases[k]["path"].as_str().unwrap()).unwrap();
        for a in arrays {
            let name = a["name"].as_str().unwrap();
            let dtype = ds.variable(name).unwrap().dtype.unwrap();
            let got = with_dtype!(dtype, T => values::<T>(ds.as_ref(), name, ChunkSpec::auto()));
            assert!(got.iter().zip(a["raw"].as_array().unwrap()).all(|(g, w)| same(g, w)), "{name}");
        }
    }
}

/// A small v2 store with one array `t` (4 x 4, chunks 2 x 2, float32,
/// fill value -1) written by darray, for the broken-store cases.
fn small_store(name: &str) -> PathBuf {
    let path = dir().join(name);
    let mut w = zarr::WriterV2::create(&path).unwrap();
    let t = DArray::<f32>::from_fn([4, 4], [2, 2], |i| (i[0] * 4 + i[1]) as f32).unwrap();
    w.write("t", &t, &VarOptions::default().dims(["y", "x"]).attr("_FillValue", -1.0f32)).unwrap();
    w.finish().unwrap();
    path
}

fn read_t(path: &Path) -> Result<Vec<f32>, Error> {
    let s = zarr::Store::open(path)?;
    Ok(s.array::<f32>("t")?.compute()?.iter().copied().collect())
}

#[test]
fn broken_stores_are_typed_errors() {
    // A missing chunk is the fill value, as Zarr defines.
    let p = small_store("missing.zarr");
    std::fs::remove_file(p.join("t/0.1")).unwrap();
    let v = read_t(&p).unwrap();
    assert_eq!(&v[..4], &[0.0, 1.0, -1.0, -1.0]);
    // A truncated chunk: an error naming it.
    let p = small_store("truncated.zarr");
    let chunk = p.join("t/1.0");
    let bytes = std::fs::read(&chunk).unwrap();
    std::fs::write(&chunk, &bytes[..bytes.len() / 2]).unwrap();
    let e = read_t(&p).unwrap_err();
    match &e {
        Error::TaskFailed { source, .. } => match source.as_ref() {
            Error::Io(IoError::Corrupt { detail, .. }) => {
                assert!(detail.contains("[1, 0]") && detail.contains("t/1.0"), "{detail}")
            }
            other => panic!("a truncated chunk read as {other:?}"),
        },
        other => panic!("a truncated chunk read as {other:?}"),
    }
    // Malformed metadata, both where it is consolidated and where not.
    let p = small_store("badjson.zarr");
    std::fs::write(p.join(".zmetadata"), b"{ not json").unwrap();
    assert!(
        matches!(zarr::Store::open(&p), Err(Error::Io(IoError::Format { message, .. })) if message.contains(".zmetadata"))
    );
    std::fs::remove_file(p.join(".zmetadata")).unwrap();
    std::fs::write(p.join("t/.zarray"), b"{\"zarr_format\": 2, \"shape\": [4]}").unwrap();
    assert!(matches!(zarr::Store::open(&p), Err(Error::Io(IoError::Format { .. }))));
    // An unknown codec: the variable is listed, reading it names the codec.
    let p = small_store("codec.zarr");
    std::fs::remove_file(p.join(".zmetadata")).unwrap();
    let meta = std::fs::read_to_string(p.join("t/.zarray")).unwrap();
    let mut m: Value = serde_json::from_str(&meta).unwrap();
    m["compressor"] = json!({"id": "nosuchcodec", "level": 1});
    std::fs::write(p.join("t/.zarray"), m.to_string()).unwrap();
    let s = zarr::Store::open(&p).unwrap();
    assert_eq!(s.variables().unwrap().len(), 1);
    match s.array::<f32>("t") {
        Err(Error::Io(IoError::Unsupported { what, .. })) => assert!(what.contains("nosuchcodec"), "{what}"),
        other => panic!("an unknown codec read as {other:?}"),
    }
    // No metadata at all, a file, a missing path.
    let empty = dir().join("empty.zarr");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(
        matches!(zarr::Store::open(&empty), Err(Error::Io(IoError::Format { message, .. })) if message.contains("not a Zarr store"))
    );
    let file = dir().join("file.txt");
    std::fs::write(&file, b"hello").unwrap();
    assert!(matches!(zarr::Store::open(&file), Err(Error::Io(IoError::Format { .. }))));
    assert!(matches!(zarr::Store::open(dir().join("nope")), Err(Error::Io(IoError::File { .. }))));
    // Names: a group is not a variable, a missing one lists those there.
    let s = zarr::Store::open(small_store("names.zarr")).unwrap();
    assert!(matches!(s.array::<f32>("u"), Err(Error::Io(IoError::NotFound { available, .. })) if available == "t"));
    assert!(matches!(s.array::<f64>("t"), Err(Error::Io(IoError::DType { .. }))));
}

#[test]
fn failed_writes_publish_nothing_and_names_are_checked() {
    let path = dir().join("failed.zarr");
    let _ = std::fs::remove_dir_all(&path);
    let x = DArray::<f64>::ones([4], [2]).unwrap();
    for bad in ["", "/a", "a", "a/b", "__x", "g/../h", ".zattrs", "g/zarr.json", ".zmetadata"] {
        let mut w = zarr::Writer::create(&path).unwrap();
        w.write("a", &x, &VarOptions::default()).unwrap();
        let r = w.write(bad, &x, &VarOptions::default());
        assert!(matches!(r, Err(Error::Invalid(_))), "{bad:?}: {r:?}");
        // Poisoned by the failed write: nothing is published.
        assert!(w.finish().is_err());
        assert!(!path.exists());
    }
    // A fill value the element type cannot hold.
    let mut w = zarr::Writer::create(&path).unwrap();
    let r = w.write("u", &DArray::<u8>::ones([4], [2]).unwrap(), &VarOptions::default().attr("_FillValue", -1.0));
    assert!(matches!(r, Err(Error::Invalid(m)) if m.contains("not a uint8")));
    drop(w);
    // Zarr's codecs are not HDF5's: that writer says so.
    let nc = dir().join("codec.nc");
    let mut w = darray::io::hdf5::Writer::create(&nc).unwrap();
    let r = w.write("z", &x, &VarOptions::default().codec(Codec::Zstd { level: 3 }));
    assert!(matches!(r, Err(Error::Io(darray::IoError::Unsupported { .. }))), "{r:?}");
    assert!(w.finish().is_err() && !nc.exists());
    // A task that panics mid-write: nothing is published either.
    let mut w = zarr::Writer::create(&path).unwrap();
    let bad = x.mapv(|v: f64| if v > 0.0 { panic!("boom") } else { v });
    assert!(w.write("a", &bad, &VarOptions::default()).is_err());
    drop(w);
    assert!(!path.exists());
    let leftovers = std::fs::read_dir(dir())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains("failed.zarr.partial"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn sixty_four_bit_fill_values_stay_exact_and_names_default() {
    for v2 in [true, false] {
        let path = dir().join(format!("fill64-{v2}.zarr"));
        let i =
            DArray::<i64>::from_fn([4], [2], |k| if k[0] == 1 { -9223372036854775806 } else { k[0] as i64 }).unwrap();
        let u = DArray::<u64>::from_fn([4], [3], |k| if k[0] == 2 { u64::MAX } else { k[0] as u64 }).unwrap();
        let oi = VarOptions::default().attr("_FillValue", -9223372036854775806i64);
        let ou = VarOptions::default().attr("_FillValue", u64::MAX);
        if v2 {
            let mut w = zarr::WriterV2::create(&path).unwrap();
            w.write("i", &i, &oi).unwrap();
            w.write("u", &u, &ou).unwrap();
            w.finish().unwrap();
        } else {
            let mut w = zarr::Writer::create(&path).unwrap();
            w.write("i", &i, &oi).unwrap();
            w.write("u", &u, &ou).unwrap();
            w.finish().unwrap();
        }
        let s = zarr::Store::open(&path).unwrap();
        let (vi, vu) = (s.variable("i").unwrap(), s.variable("u").unwrap());
        assert_eq!(vi.attrs["_FillValue"], AttrValue::from(-9223372036854775806i64), "v2 {v2}");
        assert_eq!(vu.attrs["_FillValue"], AttrValue::from(u64::MAX), "v2 {v2}");
        // No names given: the reader's own, written for xarray.
        assert_eq!(vi.dims, ["dim_0"]);
        let d: Vec<f64> = s.array_decoded::<f64>("u").unwrap().compute().unwrap().iter().copied().collect();
        assert!(d[2].is_nan() && d[3] == 3.0, "{d:?}");
        let d: Vec<f64> = s.array_decoded::<f64>("i").unwrap().compute().unwrap().iter().copied().collect();
        assert!(d[1].is_nan() && d[0] == 0.0, "{d:?}");
    }
}

proptest! {
    #![proptest_config(Config { cases: 24, ..Config::default() })]
    /// Round trips through both versions in random chunks of storage and
    /// of reading, with and without compression.
    #[test]
    fn round_trips(shape in proptest::collection::vec(1..7usize, 0..4), seed in any::<u64>(), v2 in any::<bool>(), codec in 0..3u8) {
        let chunks: Vec<usize> = shape.iter().map(|&n| (seed as usize % n) + 1).collect();
        let a = array_of::<i32>(&shape, &chunks, seed);
        let path = dir().join(format!("rt-{seed}-{v2}.zarr"));
        let opts = match codec { 0 => VarOptions::default().deflate(None), 1 => VarOptions::default().shuffle(false), _ => VarOptions::default() };
        if v2 {
            let mut w = zarr::WriterV2::create(&path).unwrap();
            w.write("x", &a, &opts).unwrap();
            w.finish().unwrap();
        } else {
            let mut w = zarr::Writer::create(&path).unwrap();
            w.write("x", &a, &opts).unwrap();
            w.finish().unwrap();
        }
        let s = zarr::Store::open(&path).unwrap();
        prop_assert_eq!(s.variable("x").unwrap().storage_chunks, Some(chunks));
        let read_chunks: Vec<usize> = shape.iter().map(|&n| (seed as usize / 7 % n) + 1).collect();
        let back = s.array_with::<i32>("x", &ReadOptions::default().chunks(read_chunks)).unwrap().compute().unwrap();
        prop_assert_eq!(back, a.compute().unwrap());
        std::fs::remove_dir_all(&path).unwrap();
    }
}
