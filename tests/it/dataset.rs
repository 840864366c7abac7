//! The dataset layer against xarray (the oracle, from the venv
//! `scripts/oracle-python` makes): random datasets written by xarray (one
//! NetCDF4 file, a Zarr v2 copy, the same split into three files), opened
//! with `Dataset`, selected by label, reduced and grouped by name, and
//! compared with xarray doing the same; datasets written by darray read
//! back by xarray; bad selections; and selection by value against a plain
//! loop over random monotonic coordinates.

use crate::common::{chunking, oracle_python, run_oracle};
use darray::dataset::{Coord, DataArray, Dataset, Dims};
use darray::{DArray, DType, Error, IoError};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::PathBuf;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-dataset-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes one random case (dir, seed) as xarray would have it and prints
/// what xarray computes on it, with the labels it used.
const CASE: &str = r#"
import json, sys
import numpy as np, xarray as xr
TIMES = xr.coders.CFDatetimeCoder(use_cftime=True)
def flat(a):
    return [None if isinstance(x, float) and x != x else x for x in np.asarray(a, dtype="f8").ravel().tolist()]
case = json.load(sys.stdin)
rng = np.random.default_rng(case["seed"])
cal = ["standard", "noleap", "360_day", "all_leap", "julian", "proleptic_gregorian"][case["seed"] % 6]
T, Y, X = int(rng.integers(40, 200)), int(rng.integers(3, 9)), int(rng.integers(2, 7))
step = float(rng.choice([1.0, 2.0, 3.0]))
lat = np.linspace(80, -80, Y)
lon = np.sort(rng.choice(np.arange(0, 360, 7.5), X, replace=False))
t2m = rng.normal(280, 10, (T, Y, X)).astype("f4")
t2m[rng.random((T, Y, X)) < 0.05] = np.nan
q = np.round(rng.uniform(0, 50, (T, Y)), 1)
q[rng.random((T, Y)) < 0.1] = np.nan
n = rng.integers(-100, 100, (Y, X)).astype("i4")
time = np.arange(T) * step
ds = xr.Dataset(
    {"t2m": (("time", "lat", "lon"), t2m, {"units": "K", "long_name": "temperature"}),
     "q": (("time", "lat"), q, {"units": "mm"}), "n": (("lat", "lon"), n)},
    coords={"time": ("time", time, {"units": "days since 2001-01-01", "calendar": cal}),
            "lat": ("lat", lat, {"units": "degrees_north"}), "lon": ("lon", lon, {"units": "degrees_east"})},
    attrs={"title": "case %d" % case["seed"]})
enc = {"q": {"dtype": "i2", "scale_factor": np.float32(0.1), "add_offset": np.float32(10.0), "_FillValue": -999},
       "t2m": {"zlib": True, "complevel": 1, "chunksizes": (min(16, T), Y, X)}}
d = case["dir"]
ds.to_netcdf(d + "/one.nc", encoding=enc)
zenc = {"q": {"dtype": "i2", "scale_factor": np.float32(0.1), "add_offset": np.float32(10.0), "_FillValue": -999},
        "t2m": {"chunks": (25, Y, X)}}
ds.to_zarr(d + "/one.zarr", zarr_format=2, encoding=zenc, consolidated=True)
cuts = sorted(rng.choice(np.arange(1, T), 2, replace=False).tolist())
parts = []
for p, (a, b) in enumerate(zip([0] + cuts, cuts + [T])):
    parts.append("%s/part_%d.nc" % (d, p))
    ds.isel(time=slice(a, b)).to_netcdf(parts[-1], encoding=enc, unlimited_dims=["time"])

x = xr.open_dataset(d + "/one.nc", decode_times=TIMES)
lat_a, lat_b = sorted(rng.uniform(-85, 85, 2).tolist(), reverse=True)
near = float(rng.uniform(-80, 80))
lon_exact = float(lon[int(rng.integers(0, X))])
i0, i1, st = int(rng.integers(0, T // 2)), int(rng.integers(T // 2, T)), int(rng.integers(1, 4))
d0 = x.time.values[int(rng.integers(0, T))]
m0 = "%04d-%02d" % (d0.year, d0.month)
band = x.t2m.sel(lat=slice(max(lat_a, lat_b), min(lat_a, lat_b)))
t = x.t2m
clim = t.groupby("time.month").mean()
season = t.groupby("time.season").mean()
order = ["DJF", "MAM", "JJA", "SON"]
season = season.sel(season=[s for s in order if s in season.season.values])
w = np.cos(np.deg2rad(t.lat))
out = {
    "paths": {"nc": d + "/one.nc", "zarr": d + "/one.zarr", "parts": parts},
    "calendar": cal,
    "dtypes": {k: str(x[k].dtype) for k in ["t2m", "q", "n"]},
    # Zarr attributes are JSON numbers: xarray decodes packed q to float64.
    "zarr_dtypes": {k: str(xr.open_dataset(d + "/one.zarr", engine="zarr")[k].dtype) for k in ["t2m", "q", "n"]},
    "shape": [T, Y, X],
    "labels": {"lat_a": lat_a, "lat_b": lat_b, "near": near, "lon_exact": lon_exact, "i0": i0, "i1": i1, "st": st,
               "date": d0.strftime("%Y-%m-%dT%H:%M:%S"), "month": m0},
    "band_lat": flat(band.lat), "band": flat(band.values),
    "near_lat": float(t.sel(lat=near, method="nearest").lat), "near": flat(t.sel(lat=near, method="nearest").values),
    "lon_exact": flat(t.sel(lon=lon_exact).values),
    "isel_time": int(x.time.isel(time=slice(i0, i1, st)).size),
    "isel": flat(x.q.isel(time=slice(i0, i1, st)).values),
    "date": flat(t.sel(time=d0).values),
    "month": flat(t.sel(time=slice(m0, m0)).values),
    "mean_time": flat(t.mean("time").values), "q_std_lat": flat(x.q.std("lat").values),
    "n_sum": flat(x.n.sum(["lat", "lon"]).values),
    "clim_months": [int(m) for m in clim.month.values], "clim": flat(clim.values),
    "season": flat(season.values), "n_seasons": int(season.sizes["season"]),
    "doy": flat(t.groupby("time.dayofyear").mean().values),
    "weighted": flat(t.weighted(w).mean(("lat", "lon")).values),
    "anom": flat((t.groupby("time.month") - clim).values),
    "bcast": flat((t.mean("time") - x.q).values), "bcast_dims": list((t.mean("time") - x.q).dims),
}
print(json.dumps(out))
"#;

/// Compares darray's values with xarray's (`null` for NaN), in f32's
/// precision relative to the magnitude.
fn same(what: &str, got: &ndarray::ArrayD<f64>, want: &Value) {
    same_at(what, got, want, 1.0)
}

/// `same`, relative to at least `scale` (the size of the operands of a
/// difference: anomalies of values near 280 are good to f32's precision
/// there).
fn same_at(what: &str, got: &ndarray::ArrayD<f64>, want: &Value, scale: f64) {
    let want = want.as_array().unwrap_or_else(|| panic!("{what}: no oracle values"));
    assert_eq!(got.len(), want.len(), "{what}: {} values against xarray's {}", got.len(), want.len());
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match w.as_f64() {
            None => assert!(g.is_nan(), "{what}[{i}]: {g}, xarray NaN"),
            Some(w) => assert!((g - w).abs() <= 2e-5 * w.abs().max(scale), "{what}[{i}]: {g}, xarray {w}"),
        }
    }
}

fn f64s<T: darray::Element>(da: &DataArray<T>) -> ndarray::ArrayD<f64>
where
    f64: darray::CastFrom<T>,
{
    da.data().cast::<f64>().compute().unwrap()
}

/// Everything the oracle did, done by darray on `ds`.
fn check(ds: &Dataset, o: &Value, how: &str) {
    let l = &o["labels"];
    let num = |k: &str| l[k].as_f64().unwrap();
    let int = |k: &str| l[k].as_i64().unwrap() as isize;
    let types = if how.ends_with("Zarr") { &o["zarr_dtypes"] } else { &o["dtypes"] };
    for (k, want) in types.as_object().unwrap() {
        assert_eq!(ds.get_any(k).unwrap().dtype().name(), want.as_str().unwrap(), "{how}: type of {k}");
    }
    let t: DataArray<f32> = ds.get("t2m").unwrap();
    assert_eq!(t.dims(), ["time", "lat", "lon"], "{how}");
    assert_eq!(t.attrs()["units"].as_str(), Some("K"));
    let q: DataArray<f32> = ds.get("q").unwrap();
    let n: DataArray<i32> = ds.get("n").unwrap();
    assert!(!q.attrs().contains_key("scale_factor"), "{how}: decoded q keeps its packing attributes");

    // Labels on the decreasing latitude, given in either order.
    let band = t.sel_range("lat", num("lat_a"), num("lat_b")).unwrap();
    let band2 = t.sel_range("lat", num("lat_b"), num("lat_a")).unwrap();
    let lats = ndarray::Array1::from(band.coord("lat").unwrap().values().to_vec()).into_dyn();
    same(&format!("{how} band lat"), &lats, &o["band_lat"]);
    same(&format!("{how} band"), &f64s(&band), &o["band"]);
    let bits = |a: &DataArray<f32>| a.compute().unwrap().mapv(f32::to_bits);
    assert_eq!(bits(&band2), bits(&band), "{how}: bounds in either order");
    let near = t.sel_nearest("lat", num("near")).unwrap();
    assert_eq!(near.coord("lat").unwrap().values(), [o["near_lat"].as_f64().unwrap()], "{how}");
    assert_eq!(near.dims(), ["time", "lon"]);
    same(&format!("{how} nearest"), &f64s(&near), &o["near"]);
    same(&format!("{how} lon"), &f64s(&t.sel("lon", num("lon_exact")).unwrap()), &o["lon_exact"]);
    let qs = q.isel("time", darray::Sel::range(Some(int("i0")), Some(int("i1")), int("st"))).unwrap();
    same(&format!("{how} isel"), &f64s(&qs), &o["isel"]);
    let tt = qs.coord("time").unwrap().time_axis().unwrap().unwrap();
    assert_eq!(tt.len() as u64, o["isel_time"].as_u64().unwrap(), "{how}: isel's time coordinate");
    // Dates, and a month standing for all its steps.
    let day = t.sel("time", l["date"].as_str().unwrap()).unwrap();
    same(&format!("{how} date"), &f64s(&day), &o["date"]);
    let m = l["month"].as_str().unwrap();
    same(&format!("{how} month"), &f64s(&t.sel_range("time", m, m).unwrap()), &o["month"]);

    // Reductions and groups by name.
    same(&format!("{how} mean"), &f64s(&t.mean("time")), &o["mean_time"]);
    same(&format!("{how} q std"), &f64s(&q.std("lat", 0.0)), &o["q_std_lat"]);
    same(&format!("{how} n sum"), &f64s(&n.sum(["lat", "lon"])), &o["n_sum"]);
    let g = t.groupby_time("time.month").unwrap();
    let clim = g.mean();
    assert_eq!(clim.dims(), ["month", "lat", "lon"]);
    let months: Vec<i64> = o["clim_months"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    assert_eq!(g.labels(), &months[..], "{how}: the months ({})", o["calendar"]);
    same(&format!("{how} climatology"), &f64s(&clim), &o["clim"]);
    same_at(&format!("{how} anomalies"), &f64s(&g.anomalies().unwrap()), &o["anom"], 300.0);
    let seasons = t.groupby_time("season").unwrap().mean();
    assert_eq!(seasons.shape()[0] as u64, o["n_seasons"].as_u64().unwrap());
    same(&format!("{how} seasons"), &f64s(&seasons), &o["season"]);
    same(&format!("{how} day of year"), &f64s(&t.groupby_time("dayofyear").unwrap().mean()), &o["doy"]);
    // Arithmetic aligned by name: (lat, lon) - (time, lat) is (lat, lon, time).
    let b = &t.mean("time") - &q;
    let dims: Vec<&str> = o["bcast_dims"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(b.dims(), &dims[..], "{how}");
    same_at(&format!("{how} broadcast"), &f64s(&b), &o["bcast"], 300.0);
    same(&format!("{how} weighted"), &f64s(&t.weighted_coslat().unwrap().mean(["lat", "lon"])), &o["weighted"]);
}

/// Reads what darray wrote with xarray and compares it with xarray's own
/// selection of the original.
const READ_BACK: &str = r#"
import json, sys
import numpy as np, xarray as xr
TIMES = xr.coders.CFDatetimeCoder(use_cftime=True)
c = json.load(sys.stdin)
orig = xr.open_dataset(c["orig"], decode_times=TIMES).sel(lat=slice(c["lat_a"], c["lat_b"])).isel(time=slice(c["i0"], c["i1"]))
for path in c["paths"]:
    got = xr.open_dataset(path, engine="zarr", decode_times=TIMES) if path.endswith(".zarr") else xr.open_dataset(path, decode_times=TIMES)
    for k in ["t2m", "q", "n"]:
        assert got[k].dims == orig[k].dims, (path, k, got[k].dims, orig[k].dims)
        assert got[k].dtype == orig[k].dtype, (path, k, got[k].dtype, orig[k].dtype)
        np.testing.assert_allclose(got[k].values, orig[k].values, rtol=1e-6, atol=1e-5, equal_nan=True, err_msg=path + " " + k)
    for k in ["time", "lat", "lon"]:
        assert list(got[k].values) == list(orig[k].values), (path, k)
    assert got.attrs["title"] == orig.attrs["title"], path
    assert got.t2m.attrs["long_name"] == "temperature", path
print("ok")
"#;

#[test]
fn datasets_against_xarray() {
    let Some(py) = oracle_python() else { return };
    for seed in 0..6u32 {
        let d = dir(&format!("case{seed}"));
        let o: Value =
            serde_json::from_str(&run_oracle(&py, CASE, &json!({"dir": d, "seed": seed}).to_string())).unwrap();
        let p = &o["paths"];
        let nc = Dataset::open(p["nc"].as_str().unwrap()).unwrap();
        assert_eq!(nc.data_vars(), ["n", "q", "t2m"]);
        assert_eq!(nc.attrs()["title"].as_str(), Some(format!("case {seed}").as_str()));
        check(&nc, &o, &format!("seed {seed} NetCDF4"));
        check(&Dataset::open(p["zarr"].as_str().unwrap()).unwrap(), &o, &format!("seed {seed} Zarr"));
        let parts: Vec<&str> = p["parts"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        check(&Dataset::open_many(&parts).unwrap(), &o, &format!("seed {seed} three files"));

        // A box and a period, written by darray in each format with its
        // coordinates, read back by xarray.
        let l = &o["labels"];
        let (i0, i1) = (l["i0"].as_i64().unwrap() as isize, l["i1"].as_i64().unwrap() as isize);
        let sub = nc
            .sel_range("lat", l["lat_a"].as_f64().unwrap(), l["lat_b"].as_f64().unwrap())
            .unwrap()
            .isel("time", darray::Sel::span(i0, i1))
            .unwrap();
        let out = [d.join("sub.nc"), d.join("sub.zarr"), d.join("sub_v2.zarr")];
        sub.to_netcdf(&out[0]).unwrap();
        sub.to_zarr(&out[1]).unwrap();
        sub.to_zarr_v2(&out[2]).unwrap();
        let (a, b) = (l["lat_a"].as_f64().unwrap(), l["lat_b"].as_f64().unwrap());
        let c = json!({"orig": p["nc"], "paths": out, "lat_a": a.max(b), "lat_b": a.min(b), "i0": i0, "i1": i1});
        assert_eq!(run_oracle(&py, READ_BACK, &c.to_string()).trim(), "ok", "seed {seed}");
        // And by darray: the same values and labels.
        let back = Dataset::open(&out[0]).unwrap();
        let (t0, t1): (DataArray<f32>, DataArray<f32>) = (sub.get("t2m").unwrap(), back.get("t2m").unwrap());
        assert_eq!(t0.coords(), t1.coords(), "seed {seed}");
        assert_eq!(t0.compute().unwrap().mapv(f32::to_bits), t1.compute().unwrap().mapv(f32::to_bits));
    }
}

fn small() -> DataArray<f64> {
    let x = DArray::from_fn([4, 3], [2, 3], |i| (10 * i[0] + i[1]) as f64).unwrap();
    DataArray::new("x", x, ["time", "lat"])
        .unwrap()
        .with_coord(Coord::new("lat", vec![45.0, 0.0, -45.0]))
        .unwrap()
        .with_coord(Coord::new("time", vec![0.0, 6.0, 12.0, 18.0]).attr("units", "hours since 2000-01-01"))
        .unwrap()
}

#[test]
fn bad_selections_are_typed_errors() {
    let da = small();
    let sel = |r: Result<DataArray<f64>, Error>| matches!(r, Err(Error::Sel { .. }));
    assert!(sel(da.sel("lat", 10.0)), "a value not in the coordinate");
    assert!(sel(da.sel_nearest("lat", 100.0)), "beyond the coordinate");
    assert!(da.sel_nearest("lat", 60.0).is_ok(), "within half a step of the end");
    assert!(sel(da.sel_range("lat", 80.0, 60.0)), "a range with nothing in it");
    assert!(sel(da.sel("time", "2000-01-02")), "a date not in the time coordinate");
    assert!(sel(da.sel("lat", "2000-01-02")), "a date on latitude");
    assert!(sel(da.sel("time", "2000-01")), "a month for an exact selection");
    assert!(sel(da.isel("lat", 3)) && sel(da.isel("lat", -4)), "positions out of range");
    assert!(sel(da.sel("lat", f64::NAN)));
    assert!(matches!(da.sel("lon", 1.0), Err(Error::Dim { .. })));
    assert!(matches!(da.mean("lon").compute(), Err(Error::Dim { .. })));
    assert!(matches!(da.weighted("lat", vec![1.0]), Err(Error::Shape(_))));
    assert!(matches!(da.groupby_time("week"), Err(Error::Invalid(_))));
    // Arithmetic on arrays whose dimensions or coordinates disagree.
    let short = DataArray::new("s", DArray::<f64>::zeros([2], 2).unwrap(), ["lat"]).unwrap();
    assert!(matches!((&da - &short).compute(), Err(Error::Shape(_))));
    let moved = da.clone().with_coord(Coord::new("lat", vec![1.0, 2.0, 3.0])).unwrap();
    assert!(matches!((&da + &moved).compute(), Err(Error::Invalid(_))));
    assert_eq!((&da * &da).compute().unwrap(), da.compute().unwrap().mapv(|v| v * v));
    let lat_less = DataArray::new("y", DArray::<f64>::zeros([3], 3).unwrap(), ["x"]).unwrap();
    assert!(matches!(lat_less.weighted_coslat(), Err(Error::Sel { .. })));
    assert!(matches!(lat_less.groupby_time("month"), Err(Error::Sel { .. })));
    assert!(matches!(lat_less.sel("x", 0.0), Err(Error::Sel { .. })), "no coordinate");
    // A coordinate that is not monotonic.
    let zig = DataArray::new("z", DArray::<f64>::zeros([3], 3).unwrap(), ["x"])
        .unwrap()
        .with_coord(Coord::new("x", vec![0.0, 2.0, 1.0]))
        .unwrap();
    assert!(zig.sel("x", 2.0).is_ok());
    assert!(sel(zig.sel_nearest("x", 1.2)) && sel(zig.sel_range("x", 0.0, 1.0)));
    // An unknown calendar.
    let cal = Coord::new("time", vec![0.0]).attr("units", "days since 2000-01-01").attr("calendar", "lunar");
    let bad = DataArray::new("t", DArray::<f64>::zeros([1], 1).unwrap(), ["time"]).unwrap().with_coord(cal).unwrap();
    assert!(matches!(bad.groupby_time("month"), Err(Error::Io(IoError::Time(_)))));
    assert!(matches!(bad.sel("time", "2000-01-01"), Err(Error::Io(IoError::Time(_)))));
    // Periods far from 1970 end where they should (instants compared
    // exactly), and absurd years are errors, not overflows.
    let far = Coord::new("time", vec![0.0, 365.0, 366.0]).attr("units", "days since 1600-01-01");
    let far = DataArray::new("t", DArray::<f64>::zeros([3], 3).unwrap(), ["time"]).unwrap().with_coord(far).unwrap();
    assert_eq!(far.sel_range("time", "1600", "1600").unwrap().shape(), [2]);
    assert!(far.sel_range("time", "999999", "999999").is_err());
    assert!(far.sel("time", "9223372036854775807").is_err());
    assert!(far.sel("time", "99999999999999999-01-01").is_err());
    // float32 coordinates match decimal labels as xarray does.
    let f = Coord::new("lat", vec![0.1f32 as f64, 0.2f32 as f64, 0.3f32 as f64]).with_dtype(DType::F32);
    let f = DataArray::new("f", DArray::<f64>::zeros([3], 3).unwrap(), ["lat"]).unwrap().with_coord(f).unwrap();
    assert!(f.sel("lat", 0.1).is_ok());
    assert_eq!(f.sel_range("lat", 0.1, 0.2).unwrap().shape(), [2]);
    // A group dimension that would clash with one there is.
    let m = DataArray::new("m", DArray::<f64>::zeros([2, 4], [2, 4]).unwrap(), ["month", "time"]).unwrap();
    let m = m.with_coord(Coord::new("time", vec![0.0, 31.0, 60.0, 91.0]).attr("units", "days since 2001-01-01"));
    assert!(matches!(m.unwrap().groupby_time("month"), Err(Error::Invalid(_))));
    // Labels that do not fit.
    assert!(matches!(DataArray::new("x", DArray::<f64>::zeros([3], 3).unwrap(), ["a", "b"]), Err(Error::Shape(_))));
    assert!(matches!(
        DataArray::new("x", DArray::<f64>::zeros([3, 3], 3).unwrap(), ["a", "a"]),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(da.clone().with_coord(Coord::new("lat", vec![1.0])), Err(Error::Shape(_))));
    assert!(matches!(da.with_data(DArray::<f64>::zeros([3], 3).unwrap()), Err(Error::Shape(_))));
    // A variable the dataset does not have, or asked for in another type.
    let d = dir("errors");
    da.to_netcdf(d.join("x.nc")).unwrap();
    let ds = Dataset::open(d.join("x.nc")).unwrap();
    assert!(matches!(ds.get::<f64>("y"), Err(Error::Io(IoError::NotFound { .. }))));
    assert!(matches!(ds.get::<i32>("x"), Err(Error::Invalid(_))));
    assert!(matches!(ds.isel("lon", 0), Err(Error::Dim { .. })));
    assert!(matches!(ds.sel("lat", 1.0), Err(Error::Sel { .. })));
    let mut other = Dataset::new();
    other.insert(da.clone()).unwrap();
    let moved = da.with_coord(Coord::new("lat", vec![1.0, 2.0, 3.0])).unwrap().rename("y");
    assert!(matches!(other.insert(moved), Err(Error::Invalid(_))), "a coordinate that differs");
    let longer = DataArray::new("z", DArray::<f64>::zeros([5], 5).unwrap(), ["lat"]).unwrap();
    assert!(matches!(other.insert(longer), Err(Error::Shape(_))), "a dimension of another length");
}

#[test]
fn reductions_and_scalar_coordinates_round_trip() {
    let da = small();
    // An index selection leaves a scalar coordinate, written as CF's
    // `coordinates` attribute and read back as a coordinate.
    let one = da.isel("time", 1).unwrap();
    assert_eq!(one.coords()["time"].dims().len(), 0);
    let d = dir("scalar");
    one.to_netcdf(d.join("one.nc")).unwrap();
    let back: DataArray<f64> = Dataset::open(d.join("one.nc")).unwrap().get("x").unwrap();
    assert_eq!(back.coords(), one.coords());
    assert_eq!(back.compute().unwrap(), one.compute().unwrap());
    // Reductions drop the coordinates of what they reduce.
    let m = da.mean(Dims::all());
    assert!(m.coords().is_empty() && m.dims().is_empty());
    let s = da.sum("time");
    assert_eq!(s.coords().keys().collect::<Vec<_>>(), ["lat"]);
    assert_eq!(s.compute().unwrap().into_raw_vec_and_offset().0, vec![60.0, 64.0, 68.0]);
    assert_eq!(da.count("lat").compute().unwrap().into_raw_vec_and_offset().0, vec![3; 4]);
    // Groups by hour and by date carry their labels as coordinates.
    let by_date = da.groupby_time("date").unwrap().mean();
    let c = by_date.coord("date").unwrap();
    assert_eq!(c.time_axis().unwrap().unwrap().datetimes()[0].to_string(), "2000-01-01T00:00:00");
    assert_eq!(c.dtype(), DType::I64);
    let by_hour = da.groupby_time("hour").unwrap();
    assert_eq!(by_hour.labels(), [0, 6, 12, 18]);
    assert_eq!(by_hour.count().compute().unwrap().len(), 12);
}

/// Sorted distinct coordinate values, increasing or decreasing, and a
/// random chunking of an array along them.
fn coords_and_chunks() -> impl Strategy<Value = (Vec<f64>, darray::ChunkSpec, bool)> {
    (1usize..30).prop_flat_map(|n| (prop::collection::btree_set(-1000i32..1000, n), any::<bool>())).prop_flat_map(
        |(set, up)| {
            let mut v: Vec<f64> = set.into_iter().map(|x| x as f64 / 4.0).collect();
            if !up {
                v.reverse();
            }
            let n = v.len();
            (Just(v), chunking(vec![n]), Just(up))
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    /// `sel`, `sel_nearest` and `sel_range` pick what a plain loop over
    /// the coordinate picks, on either direction and any chunking.
    #[test]
    fn selection_by_value_matches_a_loop((c, chunks, _up) in coords_and_chunks(), a in -300.0f64..300.0, b in -300.0f64..300.0, k in any::<prop::sample::Index>()) {
        let n = c.len();
        let x = DArray::from_fn([n], chunks, |i| i[0] as f64 * 1.5).unwrap();
        let da = DataArray::new("x", x, ["d"]).unwrap().with_coord(Coord::new("d", c.clone())).unwrap();
        // Exact.
        let i = k.index(n);
        prop_assert_eq!(da.sel("d", c[i]).unwrap().compute().unwrap()[[]], i as f64 * 1.5);
        // Range: every position between the bounds, in order.
        let (lo, hi) = (a.min(b), a.max(b));
        let want: Vec<usize> = (0..n).filter(|&j| c[j] >= lo && c[j] <= hi).collect();
        match da.sel_range("d", a, b) {
            Ok(r) => {
                prop_assert_eq!(r.coord("d").unwrap().values().to_vec(), want.iter().map(|&j| c[j]).collect::<Vec<_>>());
                prop_assert_eq!(r.compute().unwrap().into_raw_vec_and_offset().0, want.iter().map(|&j| j as f64 * 1.5).collect::<Vec<_>>());
            }
            Err(e) => {
                prop_assert!(want.is_empty(), "{e}");
                prop_assert!(matches!(e, Error::Sel { .. }), "{e}");
            }
        }
        // Nearest: the smallest distance, ties to the larger value; an
        // error only beyond half a step past the ends.
        let best = (0..n).min_by(|&p, &q| {
            let (dp, dq) = ((c[p] - a).abs(), (c[q] - a).abs());
            dp.partial_cmp(&dq).unwrap().then(c[q].partial_cmp(&c[p]).unwrap())
        }).unwrap();
        let (first, last) = (c[0].min(c[n - 1]), c[0].max(c[n - 1]));
        let edge = |p: usize, q: usize| (c[p] - c[q]).abs() / 2.0;
        let (lo_half, hi_half) = if n == 1 { (f64::INFINITY, f64::INFINITY) } else if c[0] < c[n - 1] { (edge(0, 1), edge(n - 1, n - 2)) } else { (edge(n - 1, n - 2), edge(0, 1)) };
        match da.sel_nearest("d", a) {
            Ok(r) => prop_assert_eq!(r.coord("d").unwrap().values()[0], c[best]),
            Err(e) => prop_assert!(a < first - lo_half || a > last + hi_half, "{e}"),
        }
    }
}

/// The real `air_temperature.nc` of `../shared/data` through the dataset
/// layer, against its `reference.json`: the mean over time by name, the
/// daily means by calendar date, the first steps by label.
#[test]
fn air_temperature_by_name_against_the_reference() {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    let r: Value = serde_json::from_str(&std::fs::read_to_string(data.join("reference.json")).unwrap()).unwrap();
    let r = &r["air_temperature.nc:/air"]["decoded"];
    let ds = Dataset::open(data.join("air_temperature.nc")).unwrap();
    let air: DataArray<f64> = ds.get("air").unwrap();
    assert_eq!(air.dims(), ["time", "lat", "lon"]);
    assert_eq!(ds.get_any("air").unwrap().dtype(), DType::F64, "int16 with a float64 scale_factor");
    let mean = air.mean("time");
    assert_eq!(mean.dims(), ["lat", "lon"]);
    let m = mean.compute().unwrap();
    let want = r["axis0_mean"]["sum"].as_f64().unwrap();
    assert!((m.sum() - want).abs() < 1e-9 * want, "{} against {want}", m.sum());
    for s in r["axis0_mean"]["samples"].as_array().unwrap() {
        let ix: Vec<usize> = s["index"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert!((m[[ix[0], ix[1]]] - s["value"].as_f64().unwrap()).abs() < 1e-9);
    }
    // The first five days, by date.
    let days = air.sel_range("time", "2013-01-01", "2013-01-05T23:59").unwrap();
    assert_eq!(days.shape()[0], 20);
    let daily = days.groupby_time("date").unwrap().mean().mean(["lat", "lon"]).compute().unwrap();
    let want: Vec<f64> = r["daily_mean_first5"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    for (g, w) in daily.iter().zip(&want) {
        assert!((g - w).abs() < 1e-9, "daily mean {g} against {w}");
    }
    // The first steps, and a box of the decreasing latitude.
    let steps = air.isel("time", darray::Sel::span(0, 5)).unwrap().mean(["lat", "lon"]).compute().unwrap();
    for (g, w) in steps.iter().zip(r["per_step_mean_first5"].as_array().unwrap()) {
        assert!((g - w.as_f64().unwrap()).abs() < 1e-9);
    }
    let boxed = air.sel_range("lat", 30.0, 60.0).unwrap().sel_range("lon", 250.0, 300.0).unwrap();
    let lat = boxed.coord("lat").unwrap().values();
    assert_eq!((lat[0], lat[lat.len() - 1]), (60.0, 30.0));
    assert_eq!(boxed.shape(), [2920, 13, 21]);
}
