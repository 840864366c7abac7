//! Every variable of the real files in `../shared/data/`, in each stored
//! variant (compressed, small chunks, contiguous) and several chunkings,
//! against the reference answers NumPy computed (`reference.json`, the
//! time-mean `.npy` files). All accumulation is in f64 (the stored values
//! are cast to f64 before reducing), so floats are compared to 1e-9.

use darray::io::hdf5::{File, ReadOptions};
use darray::{compute_all, ChunkSpec, DArray, ReduceOpts, Sel};
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name)
}

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(data("reference.json")).expect("reference.json")).unwrap()
}

fn close(got: f64, want: f64, what: &str) {
    let tol = 1e-9 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number, not {v}"))
}

/// A little-endian f64 `.npy` file (version 1.0, C order).
fn npy(name: &str) -> Vec<f64> {
    let b = std::fs::read(data(name)).unwrap();
    assert_eq!(&b[..6], b"\x93NUMPY");
    let hlen = u16::from_le_bytes([b[8], b[9]]) as usize;
    let header = std::str::from_utf8(&b[10..10 + hlen]).unwrap();
    assert!(header.contains("'<f8'") && header.contains("'fortran_order': False"), "{header}");
    b[10 + hlen..].chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

/// The reference statistics of `x` (NaN-skipping when `nan`).
fn check(x: &DArray<f64>, r: &Value, nan: bool, what: &str) {
    let all = ReduceOpts::all();
    let (sum, min, max, mean, std) = if nan {
        (x.nansum(), x.nanmin(), x.nanmax(), x.nanmean(), x.nanstd_with(&all, 0.0))
    } else {
        (x.sum(), x.min(), x.max(), x.mean(), x.std(0.0))
    };
    let count = x.mapv(|v| f64::from(u8::from(!v.is_nan()))).sum();
    let m0 = if nan { x.nanmean_axis(0) } else { x.mean_axis(0) };
    let m0k = if nan {
        x.nanmean_with(&ReduceOpts::axis(0).keepdims(true))
    } else {
        x.mean_with(&ReduceOpts::axis(0).keepdims(true))
    };
    let anom = x - &m0k;
    let anom_std = if nan { anom.nanstd_with(&all, 0.0) } else { anom.std(0.0) };
    let all = [sum, min, max, mean, std, count, m0, anom_std];
    let [sum, min, max, mean, std, count, m0, anom_std]: [ndarray::ArrayD<f64>; 8] =
        compute_all(&all[..]).unwrap().try_into().unwrap();
    close(sum[[]], f(&r["sum"]), &format!("{what} sum"));
    close(min[[]], f(&r["min"]), &format!("{what} min"));
    close(max[[]], f(&r["max"]), &format!("{what} max"));
    close(mean[[]], f(&r["mean"]), &format!("{what} mean"));
    close(std[[]], f(&r["std"]), &format!("{what} std"));
    assert_eq!(count[[]], f(&r["count"]), "{what} count");
    close(anom_std[[]], f(&r["anomaly_std"]), &format!("{what} anomaly std"));
    let a0 = &r["axis0_mean"];
    let shape: Vec<usize> = a0["shape"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    assert_eq!(m0.shape(), &shape[..]);
    let finite = m0.iter().filter(|v| !v.is_nan()).count();
    assert_eq!(finite as u64, a0["count_finite"].as_u64().unwrap(), "{what} axis0 mean count");
    close(m0.iter().filter(|v| !v.is_nan()).sum(), f(&a0["sum"]), &format!("{what} axis0 mean sum"));
    for s in a0["samples"].as_array().unwrap() {
        let idx: Vec<usize> = s["index"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        match s["value"].as_f64() {
            Some(v) => close(m0[idx.as_slice()], v, &format!("{what} axis0 mean at {idx:?}")),
            None => assert!(m0[idx.as_slice()].is_nan(), "{what} axis0 mean at {idx:?} is missing"),
        }
    }
    for (i, v) in r["per_step_mean_first5"].as_array().unwrap().iter().enumerate() {
        let step = x.slice(&[Sel::index(i as isize)]);
        let m = if nan { step.nanmean() } else { step.mean() };
        close(m.compute().unwrap()[[]], f(v), &format!("{what} step {i} mean"));
    }
}

/// Daily means of the first 5 days: `spd` steps a day.
fn check_daily(x: &DArray<f64>, r: &Value, spd: usize, what: &str) {
    for (d, v) in r["daily_mean_first5"].as_array().unwrap().iter().enumerate() {
        let day = x.slice(&[Sel::span((d * spd) as isize, ((d + 1) * spd) as isize)]);
        close(day.mean().compute().unwrap()[[]], f(v), &format!("{what} day {d} mean"));
    }
}

/// Chunkings to try: the default, the storage chunks, and one that cuts
/// across storage chunks on every axis.
fn chunkings(shape: &[usize], storage: Option<&Vec<usize>>) -> Vec<Option<ChunkSpec>> {
    let mut out = vec![None];
    if let Some(c) = storage {
        out.push(Some(ChunkSpec::from(c.clone())));
    }
    out.push(Some(ChunkSpec::from(shape.iter().map(|&n| (n / 3).max(1) + 1).collect::<Vec<usize>>())));
    out
}

fn read_options(chunks: &Option<ChunkSpec>) -> ReadOptions {
    match chunks {
        Some(c) => ReadOptions::default().chunks(c.clone()),
        None => ReadOptions::default(),
    }
}

#[test]
fn air_temperature_raw_and_decoded_match_reference_in_every_variant() {
    let r = reference();
    let e = &r["air_temperature.nc:/air"];
    let time_mean = npy("ref_air_time_mean_decoded.npy");
    for name in ["air_temperature.nc", "air_temperature_smallchunks.nc", "air_temperature_contiguous.nc"] {
        let file = File::open(data(name)).unwrap();
        let var = file.variable("air").unwrap();
        assert_eq!(var.dims, ["time", "lat", "lon"]);
        assert_eq!(var.attrs["scale_factor"].as_f64(), Some(0.01));
        assert_eq!(var.attrs["units"].as_str(), Some("degK"));
        for chunks in chunkings(&var.shape, var.storage_chunks.as_ref()) {
            let opts = read_options(&chunks);
            let what = format!("{name} chunks {chunks:?}");
            // Raw: exact integer sum of the stored int16 values.
            let raw = file.array_with::<i16>("air", &opts).unwrap();
            assert_eq!(raw.sum().compute().unwrap()[[]], e["raw"]["sum"].as_i64().unwrap(), "{what} raw sum");
            check(&raw.cast::<f64>(), &e["raw"], false, &format!("{what} raw"));
            let dec = file.array_decoded_with::<f64>("air", &opts).unwrap();
            check(&dec, &e["decoded"], false, &format!("{what} decoded"));
            check_daily(&dec, &e["decoded"], 4, &what);
            let tm = dec.mean_axis(0).compute().unwrap();
            for (g, w) in tm.iter().zip(&time_mean) {
                close(*g, *w, &format!("{what} time mean"));
            }
        }
    }
}

#[test]
fn era5_t2m_matches_reference_in_both_variants() {
    let r = reference();
    let e = &r["era5_t2m_uk_2019-03.nc:/t2m"];
    let time_mean = npy("ref_era5_t2m_time_mean.npy");
    for name in ["era5_t2m_uk_2019-03.nc", "era5_t2m_uk_2019-03_contiguous.nc"] {
        let file = File::open(data(name)).unwrap();
        let var = file.variable("t2m").unwrap();
        assert_eq!(var.dims, ["time", "latitude", "longitude"]);
        assert_eq!(file.variable("latitude").unwrap().dims, ["latitude"]);
        for chunks in chunkings(&var.shape, var.storage_chunks.as_ref()) {
            let opts = read_options(&chunks);
            let what = format!("{name} chunks {chunks:?}");
            let x = file.array_with::<f32>("t2m", &opts).unwrap().cast::<f64>();
            check(&x, &e["raw"], false, &what);
            check_daily(&x, &e["raw"], 24, &what);
            let dec = file.array_decoded_with::<f64>("t2m", &opts).unwrap();
            check(&dec, &e["decoded"], false, &format!("{what} decoded"));
            let tm = x.mean_axis(0).compute().unwrap();
            for (g, w) in tm.iter().zip(&time_mean) {
                close(*g, *w, &format!("{what} time mean"));
            }
        }
    }
}

#[test]
fn basin_mask_int8_sums_and_missing_values() {
    let r = reference();
    let e = &r["basin_mask.nc:/basin"];
    let file = File::open(data("basin_mask.nc")).unwrap();
    let var = file.variable("basin").unwrap();
    assert_eq!(var.dims, ["Z", "Y", "X"]);
    assert_eq!(var.attrs["missing_value"].as_f64(), Some(-100.0));
    for chunks in chunkings(&var.shape, var.storage_chunks.as_ref()) {
        let opts = read_options(&chunks);
        let what = format!("basin chunks {chunks:?}");
        let raw = file.array_with::<i8>("basin", &opts).unwrap();
        assert_eq!(raw.sum().compute().unwrap()[[]], e["raw"]["sum"].as_i64().unwrap(), "{what}");
        check(&raw.cast::<f64>(), &e["raw"], false, &what);
        let dec = file.array_decoded_with::<f64>("basin", &opts).unwrap();
        check(&dec, &e["decoded"], true, &format!("{what} decoded"));
    }
}

#[test]
fn chunk_path_and_library_path_give_identical_values() {
    for (name, var) in [("air_temperature_smallchunks.nc", "air"), ("era5_t2m_uk_2019-03.nc", "t2m")] {
        let file = File::open(data(name)).unwrap();
        let shape = file.variable(var).unwrap().shape;
        let odd = ReadOptions::default().chunks(shape.iter().map(|&n| n / 4 + 3).collect::<Vec<usize>>());
        macro_rules! same {
            ($t:ty) => {{
                let a = file.array_with::<$t>(var, &odd).unwrap().compute().unwrap();
                let b = file.array_with::<$t>(var, &odd.clone().library_path(true)).unwrap().compute().unwrap();
                assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()), "{name}");
                assert_eq!(a.shape(), &shape[..]);
            }};
        }
        match var {
            "air" => {
                let a = file.array_with::<i16>(var, &odd).unwrap().compute().unwrap();
                let b = file.array_with::<i16>(var, &odd.clone().library_path(true)).unwrap().compute().unwrap();
                assert_eq!(a, b);
            }
            _ => same!(f32),
        }
    }
}

#[test]
fn only_the_chunks_a_result_needs_are_read() {
    let file = File::open(data("air_temperature_smallchunks.nc")).unwrap();
    let x = file.array_with::<i16>("air", &ReadOptions::default().chunks([100, 10, 20])).unwrap();
    assert_eq!(x.numblocks(), vec![30, 3, 3]);
    // One time step touches one block row: 3 x 3 read tasks.
    let step = x.slice(&[Sel::index(150)]);
    let g = step.graph().unwrap();
    let reads = g.tasks().filter(|t| t.ops.iter().any(|o| o.starts_with("read-"))).count();
    assert_eq!(reads, 9);
    let (v, stats) = step.compute_with(&darray::Config::default()).unwrap();
    let all = x.compute().unwrap();
    assert_eq!(v, all.index_axis(ndarray::Axis(0), 150));
    assert!(stats.tasks_run <= 9 + 9);
}
