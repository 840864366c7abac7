//! NetCDF4 files as netCDF-C writes them (through Python's netCDF4, the
//! oracle, run from the venv `scripts/oracle-python` makes), read by
//! darray and compared with what netCDF4 and xarray read: dimensions
//! without coordinate variables, unlimited dimensions, groups, variables
//! named like a dimension they are not the coordinate of, `_Unsigned`
//! bytes, valid ranges, and the zstd, bzip2 and blosc compressors. Then a
//! copy written by darray, read back by netCDF4 and xarray.

use crate::common::{oracle_python, run_oracle};
use darray::io::hdf5::{File, ReadOptions, VarOptions, Writer};
use darray::io::{AttrValue, Dataset};
use darray::{with_dtype, DArray, Element, Error, IoError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-nc-fidelity-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The compressors netCDF-C's filter plugins (bundled with the netCDF4
/// wheel) write.
const COMPRESSORS: &[&str] = &["zstd", "bzip2", "blosc_lz", "blosc_lz4", "blosc_lz4hc", "blosc_zlib", "blosc_zstd"];

/// Writes the file (path on stdin) with netCDF4, then describes it as
/// netCDF4 reads it: every variable by path (dimensions, shape, values
/// decoded with netCDF4's defaults, which mask valid ranges), every
/// group's dimensions, and what xarray decodes `q` and `t` to.
const WRITE_AND_DESCRIBE: &str = r#"
import json, sys
import numpy as np, netCDF4, xarray as xr
args = json.load(sys.stdin)
path = args["path"]
d = netCDF4.Dataset(path, "w")
d.title = "fidelity"
d.createDimension("time", None)
d.createDimension("lat", 4)
d.createDimension("lon", 5)
d.createDimension("bnds", 2)
d.createDimension("nv", 3)
d.createDimension("station", 3)
d.createDimension("strlen", 2)
d.createDimension("y", 37)
d.createDimension("x", 29)
t = d.createVariable("time", "f8", ("time",))
t.units = "days since 2000-01-01"
t.calendar = "noleap"
t[:] = np.arange(6) * 30.0
tb = d.createVariable("time_bnds", "f8", ("time", "bnds"))
tb[:] = np.stack([np.arange(6) * 30.0, np.arange(6) * 30.0 + 30], axis=1)
lat = d.createVariable("lat", "f4", ("lat",))
lat[:] = [-60, -20, 20, 60]
lon = d.createVariable("lon", "f4", ("lon",))
lon[:] = np.arange(5) * 72.0
cv = d.createVariable("cell_verts", "f8", ("lat", "nv"))
cv[:] = np.arange(12).reshape(4, 3) / 7.0
st = d.createVariable("station", "i4", ("station", "strlen"))
st[:] = np.arange(6).reshape(3, 2) + 100
v = d.createVariable("t", "i2", ("time", "lat", "lon"), fill_value=-32767)
v.scale_factor = np.float32(0.01)
v.add_offset = np.float32(273.15)
v.set_auto_maskandscale(False)
raw = (np.arange(120).reshape(6, 4, 5) * 37 % 2000 - 1000).astype("i2")
raw[2, 1, 3] = -32767
v[:] = raw
f = d.createVariable("flags", "i1", ("lat", "lon"), fill_value=-1)
f._Unsigned = "true"
f.set_auto_maskandscale(False)
f[:] = (np.arange(20).reshape(4, 5) * 13 - 128).astype("i1")
q = d.createVariable("q", "f4", ("time", "lat", "lon"))
q.valid_range = np.array([0, 50], "f4")
q[:] = (np.arange(120).reshape(6, 4, 5) % 80 - 10).astype("f4")
for k, c in enumerate(args["compressors"]):
    a = d.createVariable("c_" + c, "f4", ("y", "x"), compression=c, chunksizes=(10, 8), shuffle=(k % 2 == 0))
    a[:] = (np.add.outer(np.arange(37), np.arange(29) * 3) % 17).astype("f4")
z = d.createVariable("z_i2", "i2", ("y", "x"), compression="zstd", complevel=9, shuffle=True, chunksizes=(37, 5))
z[:] = (np.add.outer(np.arange(37) * 100, np.arange(29)) - 1500).astype("i2")
g = d.createGroup("atmos")
g.createDimension("level", 3)
u = g.createVariable("u", "f4", ("time", "level"), compression="zstd")
u[:] = np.arange(18).reshape(6, 3) * 0.5
lev = g.createVariable("level", "f8", ("level",))
lev[:] = [1000.0, 850.0, 500.0]
deep = g.createGroup("deep")
w = deep.createVariable("w", "f8", ("level",))
w[:] = [1.5, -2.5, 3.5]
d.close()

d = netCDF4.Dataset(path)
out = {"vars": {}, "dims": []}
def walk(g, prefix):
    for name, var in g.variables.items():
        vals = np.ma.filled(np.ma.asarray(var[:], dtype="f8"), np.nan).ravel()
        out["vars"][prefix + name] = {
            "dims": list(var.dimensions), "shape": list(var.shape), "dtype": str(var.dtype),
            "values": [None if np.isnan(x) else float(x) for x in vals],
        }
    for name, dim in g.dimensions.items():
        out["dims"].append([prefix.rstrip("/"), name, len(dim), dim.isunlimited()])
    for name, sub in g.groups.items():
        walk(sub, prefix + name + "/")
walk(d, "")
d.close()
x = xr.open_dataset(path)
out["xarray_q"] = [None if np.isnan(v) else float(v) for v in x["q"].values.ravel()]
out["xarray_t_dtype"] = str(x["t"].dtype)
print(json.dumps(out))
"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()) + 1e-9
}

/// `got` (NaN for missing) equal to netCDF4's values (null for masked).
fn assert_values(name: &str, got: &[f64], want: &[Value]) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        match w.as_f64() {
            None => assert!(g.is_nan(), "{name}[{k}]: {g}, netCDF4 masks it"),
            Some(w) => assert!(close(*g, w), "{name}[{k}]: {g}, netCDF4 reads {w}"),
        }
    }
}

fn decoded(f: &File, name: &str, opts: &ReadOptions) -> Vec<f64> {
    f.array_decoded_with::<f64>(name, opts).unwrap().compute().unwrap().iter().copied().collect()
}

fn written(py: &Path, name: &str) -> (PathBuf, Value) {
    let path = dir().join(name);
    let input = json!({ "path": path, "compressors": COMPRESSORS }).to_string();
    let desc: Value = serde_json::from_str(&run_oracle(py, WRITE_AND_DESCRIBE, &input)).unwrap();
    (path, desc)
}

#[test]
fn netcdf_c_files_read_as_netcdf4_reads_them() {
    let Some(py) = oracle_python() else { return };
    let (path, desc) = written(&py, "users.nc");
    let f = File::open(&path).unwrap();
    let vars = desc["vars"].as_object().unwrap();

    // The same variables (dimension-only datasets are not among them; the
    // 2-d `station` is, by its netCDF name), with netCDF's dimension names.
    let names: Vec<String> = f.variables().unwrap().into_iter().map(|v| v.name).collect();
    let mut want: Vec<String> = vars.keys().cloned().collect();
    want.sort();
    assert_eq!(names, want);
    for (name, d) in vars {
        let v = f.variable(name).unwrap();
        let dims: Vec<String> = serde_json::from_value(d["dims"].clone()).unwrap();
        let shape: Vec<usize> = serde_json::from_value(d["shape"].clone()).unwrap();
        assert_eq!((&v.dims, &v.shape), (&dims, &shape), "{name}");
        // Values as netCDF4 decodes them: it masks valid ranges.
        let opts = ReadOptions::default().mask_valid_range(true);
        assert_values(name, &decoded(&f, name, &opts), d["values"].as_array().unwrap());
    }

    // The dimensions of every group, unlimited ones as long as their
    // variables.
    let mut dims: Vec<Value> =
        f.dimensions().unwrap().into_iter().map(|d| json!([d.group, d.name, d.len, d.unlimited])).collect();
    let mut want = desc["dims"].as_array().unwrap().clone();
    let key = |v: &Value| (v[0].as_str().unwrap().to_string(), v[1].as_str().unwrap().to_string());
    dims.sort_by_key(key);
    want.sort_by_key(key);
    assert_eq!(dims, want);

    // xarray keeps values outside the valid range (darray's default), and
    // decodes the int16 `t` to the float32 of its scale factor.
    assert_values("q (xarray)", &decoded(&f, "q", &ReadOptions::default()), desc["xarray_q"].as_array().unwrap());
    assert_eq!(desc["xarray_t_dtype"], "float32");
    assert_eq!(f.variable("t").unwrap().attrs["scale_factor"], AttrValue::F32(vec![0.01]));

    // `_Unsigned` bytes: raw as the unsigned type of their width too.
    let flags: Vec<u8> = f.array::<u8>("flags").unwrap().compute().unwrap().iter().copied().collect();
    let raw: Vec<i8> = f.array::<i8>("flags").unwrap().compute().unwrap().iter().copied().collect();
    assert_eq!(flags, raw.iter().map(|&r| r as u8).collect::<Vec<_>>());
    assert!(raw.iter().any(|&r| r < 0));
}

#[test]
fn groups_and_dimensions_have_a_way_in() {
    let Some(py) = oracle_python() else { return };
    let (path, _) = written(&py, "groups.nc");
    let f = File::open(&path).unwrap();
    assert_eq!(f.groups().unwrap(), ["atmos", "atmos/deep"]);
    let names = |g: &str| f.variables_in(g).unwrap().into_iter().map(|v| v.name).collect::<Vec<_>>();
    assert_eq!(names("atmos"), ["atmos/level", "atmos/u"]);
    assert_eq!(names("/atmos/deep/"), ["atmos/deep/w"]);
    assert!(names("").contains(&"t".to_string()) && !names("").contains(&"atmos/u".to_string()));
    // A dimension from a parent group, by its own name.
    assert_eq!(f.variable("atmos/deep/w").unwrap().dims, ["level"]);
    assert_eq!(f.variable("atmos/u").unwrap().dims, ["time", "level"]);
    let u = f.array::<f32>("atmos/u").unwrap().compute().unwrap();
    assert_eq!(u[[5, 2]], 8.5);
    // Names that are not variables say what they are.
    for (name, kind) in [("bnds", "dimension"), ("nv", "dimension"), ("atmos", "group")] {
        match f.variable(name) {
            Err(Error::Io(IoError::NotAVariable { kind: k, .. })) => assert!(k.starts_with(kind), "{name}: {k}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(f.variables_in("nowhere"), Err(Error::Io(IoError::NotFound { .. }))));
    assert!(matches!(f.variables_in("t"), Err(Error::Invalid(_))));
    // Through the format-neutral trait as well.
    let ds: &dyn Dataset = &f;
    assert!(ds.dimensions().unwrap().iter().any(|d| d.name == "time" && d.unlimited && d.len == 6));
}

#[test]
fn plugin_compressors_decode_on_the_chunk_path_only() {
    let Some(py) = oracle_python() else { return };
    let (path, desc) = written(&py, "compressed.nc");
    let f = File::open(&path).unwrap();
    for c in COMPRESSORS {
        let name = format!("c_{c}");
        let v = f.variable(&name).unwrap();
        let filter = if c.starts_with("blosc") { "blosc" } else { c };
        assert!(v.filters.iter().any(|x| x == filter), "{name}: {:?}", v.filters);
        // Blocks across storage chunks and partial edge chunks.
        for opts in [ReadOptions::default(), ReadOptions::default().chunks([7, 13])] {
            assert_values(&name, &decoded(&f, &name, &opts), desc["vars"][&name]["values"].as_array().unwrap());
        }
        // This HDF5 has no plugins: its own read path says which filter.
        let err = f.array_with::<f32>(&name, &ReadOptions::default().library_path(true)).unwrap_err().to_string();
        assert!(err.contains(&format!("its {filter} storage filter")) && !err.contains("filter filter"), "{err}");
    }
    let z: Vec<f64> = f.array::<i16>("z_i2").unwrap().compute().unwrap().iter().map(|&x| x as f64).collect();
    assert_values("z_i2", &z, desc["vars"]["z_i2"]["values"].as_array().unwrap());
}

/// Reads the copy (path on stdin) and the original with netCDF4, and says
/// where they differ: variables, dimensions, raw values, attributes and
/// their types; and what xarray decodes the copy's `t` to.
const COMPARE_COPY: &str = r#"
import json, sys
import numpy as np, netCDF4, xarray as xr
args = json.load(sys.stdin)
a, b = netCDF4.Dataset(args["original"]), netCDF4.Dataset(args["copy"])
diffs = []
for d in (a, b):
    d.set_auto_maskandscale(False)
if sorted(a.variables) != sorted(b.variables):
    diffs.append(f"variables {sorted(a.variables)} != {sorted(b.variables)}")
for name, va in a.variables.items():
    vb = b.variables.get(name)
    if vb is None:
        continue
    if va.dimensions != vb.dimensions or va.shape != vb.shape or va.dtype != vb.dtype:
        diffs.append(f"{name}: {va.dimensions} {va.shape} {va.dtype} != {vb.dimensions} {vb.shape} {vb.dtype}")
    elif not np.array_equal(np.asarray(va[:]), np.asarray(vb[:])):
        diffs.append(f"{name}: values differ")
    for k in va.ncattrs():
        x, y = np.asarray(va.getncattr(k)), np.asarray(vb.getncattr(k)) if k in vb.ncattrs() else None
        if y is None or x.dtype != y.dtype or not np.array_equal(x, y):
            diffs.append(f"{name}.{k}: {x!r} != {y!r}")
for name, dim in a.dimensions.items():
    if name not in b.dimensions or len(b.dimensions[name]) != len(dim):
        diffs.append(f"dimension {name}")
print(json.dumps({"diffs": diffs, "t_dtype": str(xr.open_dataset(args["copy"])["t"].dtype)}))
"#;

#[test]
fn a_copy_keeps_dimensions_values_and_attribute_types() {
    let Some(py) = oracle_python() else { return };
    let (path, _) = written(&py, "original.nc");
    let copy = dir().join("copy.nc");
    let f = File::open(&path).unwrap();
    // The root group's variables, coordinates (1-d, named as their
    // dimension) first, as the writer asks.
    let mut vars: Vec<_> = f.variables().unwrap().into_iter().filter(|v| !v.name.contains('/')).collect();
    vars.sort_by_key(|v| !(v.dims.len() == 1 && v.dims[0] == v.name));
    let mut w = Writer::create(&copy).unwrap();
    for (k, v) in f.attrs().unwrap() {
        w.file_attr(&k, v).unwrap();
    }
    for v in &vars {
        let opts = VarOptions::default().dims(v.dims.clone()).attrs(&v.attrs);
        with_dtype!(v.dtype.unwrap(), T => write_raw::<T>(&mut w, &f, &v.name, &opts));
    }
    w.finish().unwrap();
    let input = json!({ "original": path, "copy": copy }).to_string();
    let out: Value = serde_json::from_str(&run_oracle(&py, COMPARE_COPY, &input)).unwrap();
    let diffs: Vec<String> = serde_json::from_value(out["diffs"].clone()).unwrap();
    // Only what lies in groups is not copied.
    assert!(diffs.is_empty(), "{diffs:#?}");
    assert_eq!(out["t_dtype"], "float32");
}

fn write_raw<T: Element>(w: &mut Writer, f: &File, name: &str, opts: &VarOptions) {
    let a: DArray<T> = f.array(name).unwrap();
    w.write(name, &a, opts).unwrap();
}

#[test]
fn attributes_keep_their_type_through_a_write() {
    let path = dir().join("attr-types.nc");
    let x = DArray::<i16>::from_fn([4], [4], |i| i[0] as i16).unwrap();
    let attrs: BTreeMap<&str, AttrValue> = [
        ("f32", AttrValue::from(vec![0.5f32, 1.5])),
        ("f64", AttrValue::from(0.1)),
        ("i8", AttrValue::from(-3i8)),
        ("u16", AttrValue::from(vec![7u16, 9])),
        ("i64", AttrValue::from(1i64 << 40)),
        ("u64", AttrValue::from(u64::MAX)),
        ("s", AttrValue::from("text")),
    ]
    .into_iter()
    .collect();
    let mut opts = VarOptions::default();
    for (k, v) in &attrs {
        opts = opts.attr(k, v.clone());
    }
    let mut w = Writer::create(&path).unwrap();
    w.write("x", &x, &opts).unwrap();
    w.finish().unwrap();
    let got = File::open(&path).unwrap().variable("x").unwrap().attrs;
    for (k, v) in attrs {
        assert_eq!(got[k], v, "{k}");
    }
}
