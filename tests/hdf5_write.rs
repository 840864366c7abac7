//! Writing: round trips for every element type against the in-memory
//! values (the oracle), attributes and dimensions, atomicity, and the
//! typed errors for bad input (missing file or variable, a group, a wrong
//! element type, truncated and corrupt files).

mod common;

use darray::io::hdf5::{AttrValue, File, ReadOptions, VarOptions, Writer};
use darray::{Config, DArray, Error};
use ndarray::ArrayD;
use proptest::prelude::*;
use std::path::PathBuf;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-h5-tests-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn shared(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(name)
}

/// The failure at the bottom of a task error.
fn root(e: &Error) -> &Error {
    match e {
        Error::TaskFailed { source, .. } => root(source),
        other => other,
    }
}

macro_rules! round_trip {
    ($name:ident, $t:ty, $gen:expr) => {
        #[test]
        fn $name() {
            let p = dir().join(concat!(stringify!($name), ".nc"));
            let shape = [13usize, 7, 5];
            let a: ArrayD<$t> = ArrayD::from_shape_fn(shape.to_vec(), |i| {
                let k = (i[0] * 35 + i[1] * 5 + i[2]) as i64;
                $gen(k)
            });
            let x = DArray::from_array(a.clone(), [4, 7, 2]).unwrap();
            for (deflate, shuffle) in [(Some(4), true), (None, false), (Some(1), false)] {
                let mut w = Writer::create(&p).unwrap();
                w.write("v", &x, &VarOptions::default().deflate(deflate).shuffle(shuffle)).unwrap();
                w.finish().unwrap();
                let f = File::open(&p).unwrap();
                let v = f.variable("v").unwrap();
                assert_eq!(v.storage_chunks, Some(vec![4, 7, 2]));
                assert_eq!(v.filters.len(), usize::from(deflate.is_some()) + usize::from(shuffle));
                for opts in [ReadOptions::default(), ReadOptions::default().chunks([5, 3, 5]).library_path(true)] {
                    assert_eq!(f.array_with::<$t>("v", &opts).unwrap().compute().unwrap(), a);
                }
            }
        }
    };
}

round_trip!(round_trip_f64, f64, |k: i64| k as f64 * 0.25 - 3.0);
round_trip!(round_trip_f32, f32, |k: i64| (k as f32).sin());
round_trip!(round_trip_i8, i8, |k: i64| (k % 250 - 125) as i8);
round_trip!(round_trip_i16, i16, |k: i64| (k * 97 - 20000) as i16);
round_trip!(round_trip_i32, i32, |k: i64| (k * 1_000_003 - 7) as i32);
round_trip!(round_trip_i64, i64, |k: i64| k * 1_000_000_007 - (1 << 40));
round_trip!(round_trip_u8, u8, |k: i64| (k % 256) as u8);
round_trip!(round_trip_u16, u16, |k: i64| (k * 131 % 65536) as u16);
round_trip!(round_trip_u32, u32, |k: i64| (k * 7_000_003) as u32);
round_trip!(round_trip_u64, u64, |k: i64| (k as u64) << 40);
round_trip!(round_trip_bool, bool, |k: i64| k % 3 == 0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    /// Random shapes, array chunkings and storage chunkings: what is read
    /// back is what was written.
    #[test]
    fn random_round_trips((shape, spec) in common::shape(3, 9).prop_flat_map(|s| (Just(s.clone()), common::chunking(s))),
                          store in prop::collection::vec(1usize..6, 3), seed in 0u64..1000) {
        let p = dir().join(format!("prop-{seed}.h5"));
        let x = DArray::<f64>::random_normal(&shape, spec, 0.0, 1.0, seed).unwrap();
        let want = x.compute().unwrap();
        let mut opts = VarOptions::default();
        if !shape.is_empty() {
            opts = opts.chunks(store[..shape.len()].to_vec());
        }
        let mut w = Writer::create(&p).unwrap();
        w.write("x", &x, &opts).unwrap();
        w.finish().unwrap();
        let got = File::open(&p).unwrap().array::<f64>("x").unwrap().compute().unwrap();
        prop_assert_eq!(got, want);
    }
}

#[test]
fn attributes_dimensions_and_coordinates_round_trip() {
    let p = dir().join("attrs.nc");
    let lat = DArray::<f32>::linspace(-90.0, 90.0, 5, true, 5).unwrap();
    let x = DArray::<i16>::from_fn([6, 5, 4], [3, 5, 4], |i| (i[0] * 100 + i[1] * 10 + i[2]) as i16).unwrap();
    let mut w = Writer::create(&p).unwrap();
    w.file_attr("title", "a test").unwrap();
    w.write("lat", &lat, &VarOptions::default().dims(["lat"]).attr("units", "degrees_north")).unwrap();
    let opts = VarOptions::default()
        .dims(["time", "lat", "lon"])
        .attr("units", "K")
        .attr("scale_factor", 0.5)
        .attr("add_offset", 100.0)
        .attr("_FillValue", 311i64)
        .attr("valid_range", vec![0i32, 600]);
    w.write("t", &x, &opts).unwrap();
    w.finish().unwrap();
    let f = File::open(&p).unwrap();
    assert_eq!(f.attrs().unwrap()["title"], AttrValue::Str("a test".into()));
    let v = f.variable("t").unwrap();
    assert_eq!(v.dims, ["time", "lat", "lon"]);
    assert_eq!(v.attrs["units"].as_str(), Some("K"));
    assert_eq!(v.attrs["valid_range"], AttrValue::Int(vec![0, 600]));
    // The fill value is stored in the variable's type.
    assert_eq!(v.attrs["_FillValue"], AttrValue::Int(vec![311]));
    assert_eq!(f.variable("lat").unwrap().dims, ["lat"]);
    let names: Vec<String> = f.variables().unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, ["lat", "lon", "t", "time"]);
    // CF decoding: value 311 is missing, others are 0.5 v + 100.
    let dec = f.array_decoded::<f64>("t").unwrap().compute().unwrap();
    let raw = x.compute().unwrap();
    for (d, r) in dec.iter().zip(&raw) {
        if *r == 311 {
            assert!(d.is_nan());
        } else {
            assert_eq!(*d, 0.5 * f64::from(*r) + 100.0);
        }
    }
}

#[test]
fn a_failed_computation_leaves_no_file() {
    let p = dir().join("failed.nc");
    let x = DArray::<f64>::ones([100], [10]).unwrap().map_blocks(|b, idx| {
        assert!(idx[0] != 7, "block 7 is bad");
        b
    });
    let mut w = Writer::create(&p).unwrap();
    let e = w.write("x", &x, &VarOptions::default()).unwrap_err();
    assert!(matches!(e, Error::TaskPanicked { ref message, .. } if message.contains("block 7")), "{e}");
    drop(w);
    assert!(!p.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("failed.nc"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn writing_streams_in_bounded_memory() {
    let p = dir().join("stream.h5");
    let x = DArray::<f64>::from_fn([64, 1000], [4, 1000], |i| (i[0] + i[1]) as f64).unwrap();
    let mut w = Writer::create(&p).unwrap().config(Config::default().threads(2));
    let stats = w.write("x", &x, &VarOptions::default()).unwrap();
    w.finish().unwrap();
    assert_eq!(stats.tasks_run, 16);
    // Blocks go to the file as they are made: none is held by the scheduler.
    assert_eq!(stats.peak_chunks_held, 0);
    assert_eq!(File::open(&p).unwrap().array::<f64>("x").unwrap().compute().unwrap(), x.compute().unwrap());
}

#[test]
fn bad_input_gives_typed_errors() {
    let missing = File::open(dir().join("no-such-file.nc")).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing}");
    let f = File::open(shared("air_temperature.nc")).unwrap();
    let e = f.array::<f32>("nope").unwrap_err();
    assert!(matches!(e, Error::NotFound { ref available, .. } if available.contains("air")), "{e}");
    let e = f.array::<f32>("air").unwrap_err();
    assert!(matches!(e, Error::DType { ref stored, .. } if stored == "int16"), "{e}");
    assert!(e.to_string().contains("cast::<float32>") || e.to_string().contains("cast"), "{e}");
    // A group is not a variable.
    let p = dir().join("group.h5");
    let mut w = Writer::create(&p).unwrap();
    w.write("g/x", &DArray::<f64>::ones([3], [3]).unwrap(), &VarOptions::default()).unwrap();
    w.finish().unwrap();
    let g = File::open(&p).unwrap();
    assert!(matches!(g.array::<f64>("g"), Err(Error::NotAVariable { .. })));
    assert_eq!(g.array::<f64>("g/x").unwrap().sum().compute().unwrap()[[]], 3.0);
    // Not an HDF5 file at all.
    let q = dir().join("text.nc");
    std::fs::write(&q, b"hello, not hdf5").unwrap();
    assert!(matches!(File::open(&q), Err(Error::Hdf5 { .. })));
}

#[test]
fn truncated_file_is_an_error_never_a_panic() {
    let bytes = std::fs::read(shared("air_temperature.nc")).unwrap();
    for keep in [bytes.len() / 2, bytes.len() - 1000, 4000] {
        let p = dir().join(format!("trunc-{keep}.nc"));
        std::fs::write(&p, &bytes[..keep]).unwrap();
        let res = File::open(&p).and_then(|f| {
            let a = f.array::<i16>("air")?.sum().compute();
            let b = f.array_with::<i16>("air", &ReadOptions::default().library_path(true))?.sum().compute();
            a.and(b)
        });
        let e = res.expect_err("a truncated file cannot be read whole");
        assert!(matches!(root(&e), Error::Corrupt { .. } | Error::Hdf5 { .. }), "{e}");
    }
}

#[test]
fn corrupt_chunk_is_an_error_on_both_paths() {
    let mut bytes = std::fs::read(shared("air_temperature.nc")).unwrap();
    // Inside the first stored chunk of /air (1.19 MB from byte 32820).
    for b in &mut bytes[200_000..200_400] {
        *b ^= 0x5a;
    }
    let p = dir().join("corrupt.nc");
    std::fs::write(&p, &bytes).unwrap();
    let f = File::open(&p).unwrap();
    let e = f.array::<i16>("air").unwrap().sum().compute().unwrap_err();
    assert!(matches!(root(&e), Error::Corrupt { .. }), "{e}");
    let lib = f.array_with::<i16>("air", &ReadOptions::default().library_path(true)).unwrap();
    let e = lib.sum().compute().unwrap_err();
    assert!(matches!(root(&e), Error::Hdf5 { .. } | Error::Unsupported { .. }), "{e}");
    // The other chunks are intact: a slice of the last half-year reads fine.
    let by_chunk = ReadOptions::default().chunks([730, 25, 53]);
    let last = f.array_with::<i16>("air", &by_chunk).unwrap().slice(&[darray::Sel::span(2200, 2920)]);
    assert!(last.sum().compute().is_ok());
}

/// Files written by the HDF5 library itself with layouts our writer never
/// makes: a user block before the HDF5 data, and partial edge chunks stored
/// unfiltered. Both read paths must give the values written.
#[test]
fn user_blocks_and_unfiltered_edge_chunks() {
    let p = dir().join("userblock.h5");
    let a = ndarray::Array2::from_shape_fn((10, 6), |(i, j)| (i * 6 + j) as f64 * 0.5 - 7.0);
    {
        let f = hdf5::File::with_options().with_fcpl(|c| c.userblock(512)).create(&p).unwrap();
        f.new_dataset::<f64>().shape([10, 6]).chunk([4, 6]).create("plain").unwrap().write(&a).unwrap();
        let z = f.new_dataset::<f64>().shape([10, 6]).chunk([4, 4]).shuffle().deflate(3).create("zipped").unwrap();
        z.write(&a).unwrap();
        let e = f
            .new_dataset::<f64>()
            .shape([10, 6])
            .chunk([4, 4])
            .shuffle()
            .deflate(3)
            .with_dcpl(|d| d.chunk_opts(hdf5::plist::dataset_create::ChunkOpts::DONT_FILTER_PARTIAL_CHUNKS))
            .create("edges")
            .unwrap();
        e.write(&a).unwrap();
    }
    let f = File::open(&p).unwrap();
    let want = a.into_dyn();
    for name in ["plain", "zipped", "edges"] {
        for lib in [false, true] {
            let x = f.array_with::<f64>(name, &ReadOptions::default().library_path(lib)).unwrap();
            assert_eq!(x.compute().unwrap(), want, "{name}, library path {lib}");
        }
    }
}
