//! Climate analysis on the real files in `../shared/data/`: CF time axes,
//! daily means by calendar day against `reference.json`, and a monthly
//! climatology with anomalies against plain ndarray loops (all in f64).

use darray::io::hdf5::File;
use darray::{DArray, ReduceOpts};
use ndarray::{ArrayD, Axis};
use serde_json::Value;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name)
}

fn reference(key: &str) -> Value {
    let r: Value = serde_json::from_str(&std::fs::read_to_string(data("reference.json")).unwrap()).unwrap();
    r[key].clone()
}

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{what}: got {got}, want {want}");
}

#[test]
fn time_axes_of_the_shared_files() {
    let air = File::open(data("air_temperature.nc")).unwrap().time_axis("time").unwrap();
    assert_eq!(air.len(), 2920);
    assert_eq!(air.datetimes()[0].to_string(), "2013-01-01T00:00:00");
    assert_eq!(air.datetimes()[2919].to_string(), "2014-12-31T18:00:00");
    assert_eq!(air.steps_per_day(), Some(4));
    assert_eq!(air.days_of_year()[2919], 365);
    let era5 = File::open(data("era5_t2m_uk_2019-03.nc")).unwrap().time_axis("time").unwrap();
    assert_eq!(era5.datetimes()[743].to_string(), "2019-03-31T23:00:00");
    assert!(era5.months().iter().all(|&m| m == 3));
    assert_eq!(era5.hours()[..3], [0, 1, 2]);
}

/// Spatial means of the first five daily means, grouping steps by date.
fn daily_first5(f: &File, var: &str) -> Vec<f64> {
    let x: DArray<f64> = f.array_decoded(var).unwrap();
    let days = f.time_axis("time").unwrap().dates();
    let daily = x.groupby(0, &days).mean();
    let m = daily.mean_with(&ReduceOpts::axes([1, 2])).compute().unwrap();
    m.iter().take(5).copied().collect()
}

#[test]
fn daily_means_match_the_reference() {
    for (file, var, key) in [
        ("era5_t2m_uk_2019-03.nc", "t2m", "era5_t2m_uk_2019-03.nc:/t2m"),
        ("era5_t2m_uk_2019-03_contiguous.nc", "t2m", "era5_t2m_uk_2019-03.nc:/t2m"),
        ("air_temperature_smallchunks.nc", "air", "air_temperature.nc:/air"),
    ] {
        let f = File::open(data(file)).unwrap();
        let want = reference(key)["decoded"]["daily_mean_first5"].clone();
        for (d, (g, w)) in daily_first5(&f, var).iter().zip(want.as_array().unwrap()).enumerate() {
            close(*g, w.as_f64().unwrap(), &format!("{file} day {d}"));
        }
        // Resampling by steps a day gives the same days.
        let t = f.time_axis("time").unwrap();
        let x: DArray<f64> = f.array_decoded(var).unwrap();
        let by_steps = x.resample(0, t.steps_per_day().unwrap()).mean();
        let by_date = x.groupby(0, &t.dates()).mean();
        assert_eq!(by_steps.compute().unwrap(), by_date.compute().unwrap());
    }
}

#[test]
fn monthly_climatology_and_anomalies_match_loops() {
    let f = File::open(data("air_temperature.nc")).unwrap();
    let months = f.time_axis("time").unwrap().months();
    let x: DArray<f64> = f.array_decoded("air").unwrap();
    let g = x.groupby(0, &months);
    assert_eq!(g.labels(), (1..=12).collect::<Vec<i64>>());
    let clim = g.mean();
    let anomaly = &x - &g.expand(&clim);
    let (c, a) = darray::compute_all((&clim, &anomaly.std(0.0))).unwrap();
    // The oracle, on the whole array in memory.
    let all: ArrayD<f64> = x.compute().unwrap();
    let mut want = ArrayD::<f64>::zeros(vec![12, 25, 53]);
    let mut count = [0usize; 12];
    for (t, &m) in months.iter().enumerate() {
        let k = m as usize - 1;
        count[k] += 1;
        let mut row = want.index_axis_mut(Axis(0), k);
        row += &all.index_axis(Axis(0), t);
    }
    for (k, &n) in count.iter().enumerate() {
        want.index_axis_mut(Axis(0), k).mapv_inplace(|v| v / n as f64);
    }
    for (g, w) in c.iter().zip(&want) {
        close(*g, *w, "monthly climatology");
    }
    let mut sq = 0.0;
    for (t, &m) in months.iter().enumerate() {
        let d = &all.index_axis(Axis(0), t) - &want.index_axis(Axis(0), m as usize - 1);
        sq += d.mapv(|v| v * v).sum();
    }
    close(a[[]], (sq / all.len() as f64).sqrt(), "anomaly std");
}

#[test]
fn decoding_to_two_types_in_one_graph() {
    let f = File::open(data("air_temperature.nc")).unwrap();
    let a: DArray<f32> = f.array_decoded("air").unwrap();
    let b: DArray<f64> = f.array_decoded("air").unwrap();
    let d = (&a.cast::<f64>() - &b).max().compute().unwrap();
    assert!(d[[]].abs() < 1e-4, "{d}");
}
