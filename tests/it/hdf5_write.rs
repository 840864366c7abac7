//! Writing: round trips for every element type against the in-memory
//! values (the oracle), attributes and dimensions, atomicity, and the
//! typed errors for bad input (missing file or variable, a group, a wrong
//! element type, truncated and corrupt files).

use crate::common;

use darray::io::hdf5::{AttrValue, File, ReadOptions, VarOptions, Writer};
use darray::{Config, DArray, Error, IoError};
use ndarray::ArrayD;
use proptest::prelude::*;
use std::path::PathBuf;

/// Held by the test that checks what a child process inherits, and by
/// the tests that open files with the `hdf5` crate directly (without
/// darray's close-on-exec): a child started while such a file is open
/// would hold it.
static RAW_OPEN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn raw_open() -> std::sync::MutexGuard<'static, ()> {
    RAW_OPEN.lock().unwrap_or_else(|e| e.into_inner())
}

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
        .attr("scale_factor", 0.5f32)
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
    // Attributes keep their element type (a float32 scale factor stays
    // float32); the fill value is stored in the variable's type.
    assert_eq!(v.attrs["valid_range"], AttrValue::I32(vec![0, 600]));
    assert_eq!(v.attrs["scale_factor"], AttrValue::F32(vec![0.5]));
    assert_eq!(v.attrs["add_offset"], AttrValue::F64(vec![100.0]));
    assert_eq!(v.attrs["_FillValue"], AttrValue::I16(vec![311]));
    assert_eq!(f.variable("lat").unwrap().dims, ["lat"]);
    // `lon` and `time` are dimensions without values, not variables.
    let names: Vec<String> = f.variables().unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, ["lat", "t"]);
    let dims: Vec<(String, usize)> = f.dimensions().unwrap().into_iter().map(|d| (d.name, d.len)).collect();
    assert_eq!(dims, [("lat".to_string(), 5), ("lon".to_string(), 4), ("time".to_string(), 6)]);
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
    assert!(matches!(missing, Error::Io(IoError::File { .. })), "{missing}");
    let f = File::open(shared("air_temperature.nc")).unwrap();
    let e = f.array::<f32>("nope").unwrap_err();
    assert!(matches!(e, Error::Io(IoError::NotFound { ref available, .. }) if available.contains("air")), "{e}");
    let e = f.array::<f32>("air").unwrap_err();
    assert!(matches!(e, Error::Io(IoError::DType { ref stored, .. }) if stored == "int16"), "{e}");
    assert!(e.to_string().contains("cast::<float32>") || e.to_string().contains("cast"), "{e}");
    // A group is not a variable.
    let p = dir().join("group.h5");
    let mut w = Writer::create(&p).unwrap();
    w.write("g/x", &DArray::<f64>::ones([3], [3]).unwrap(), &VarOptions::default()).unwrap();
    w.finish().unwrap();
    let g = File::open(&p).unwrap();
    assert!(matches!(g.array::<f64>("g"), Err(Error::Io(IoError::NotAVariable { .. }))));
    assert_eq!(g.array::<f64>("g/x").unwrap().sum().compute().unwrap()[[]], 3.0);
    // Not an HDF5 file at all.
    let q = dir().join("text.nc");
    std::fs::write(&q, b"hello, not hdf5").unwrap();
    assert!(matches!(File::open(&q), Err(Error::Io(IoError::Format { .. }))));
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
        assert!(matches!(root(&e), Error::Io(IoError::Corrupt { .. } | IoError::Format { .. })), "{e}");
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
    assert!(matches!(root(&e), Error::Io(IoError::Corrupt { .. })), "{e}");
    let lib = f.array_with::<i16>("air", &ReadOptions::default().library_path(true)).unwrap();
    let e = lib.sum().compute().unwrap_err();
    assert!(matches!(root(&e), Error::Io(IoError::Format { .. } | IoError::Unsupported { .. })), "{e}");
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
    let _raw = raw_open();
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

/// Files in the test folder whose name contains `stem` (the final file and
/// any temporary one beside it).
fn files_named(stem: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(stem))
        .collect();
    v.sort();
    v
}

/// A write that fails part way (a panicking block, a block that cannot be
/// read) poisons the writer: `finish` refuses with a typed error, removes
/// the temporary file and publishes nothing. An older file under the final
/// name stays as it was, byte for byte.
#[test]
fn a_failed_write_cannot_be_finished() {
    // A file of another run already under the final name: must survive.
    let old_bytes = b"an older file".to_vec();
    // A source whose first stored chunk is damaged: its block task fails.
    let damaged = dir().join("poison-src.nc");
    let mut bytes = std::fs::read(shared("air_temperature.nc")).unwrap();
    for b in &mut bytes[200_000..200_400] {
        *b ^= 0x5a;
    }
    std::fs::write(&damaged, &bytes).unwrap();
    let src = File::open(&damaged).unwrap();
    let from_damaged = src.array_with::<i16>("air", &ReadOptions::default().chunks([730, 25, 53])).unwrap();
    let panicking = DArray::<f64>::ones([100], [10]).unwrap().map_blocks(|b, idx| {
        assert!(idx[0] != 7, "block 7 is bad");
        b
    });
    for (case, stem) in [(0, "poison-panic.nc"), (1, "poison-read.nc"), (2, "poison-second.nc")] {
        let p = dir().join(stem);
        std::fs::write(&p, &old_bytes).unwrap();
        let mut w = Writer::create(&p).unwrap();
        let e = match case {
            0 => w.write("x", &panicking, &VarOptions::default()).unwrap_err(),
            1 => w.write("air", &from_damaged, &VarOptions::default()).unwrap_err(),
            _ => {
                // A good variable first, then a failing one.
                w.write("good", &DArray::<f64>::ones([10], [5]).unwrap(), &VarOptions::default()).unwrap();
                w.write("x", &panicking, &VarOptions::default()).unwrap_err()
            }
        };
        match case {
            1 => assert!(matches!(root(&e), Error::Io(IoError::Corrupt { .. } | IoError::Format { .. })), "{e}"),
            _ => assert!(matches!(e, Error::TaskPanicked { ref message, .. } if message.contains("block 7")), "{e}"),
        }
        // Later writes are refused too (nothing is computed for them).
        let again = w.write("y", &DArray::<f64>::ones([4], [4]).unwrap(), &VarOptions::default()).unwrap_err();
        assert!(matches!(again, Error::Io(IoError::File { .. })), "{again}");
        let e = w.finish().expect_err("a writer that saw an error must not finish");
        let Error::Io(IoError::File { ref path, ref message }) = e else { panic!("not an Io error: {e}") };
        assert_eq!(path, &p.display().to_string());
        assert!(message.contains("failed"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), old_bytes, "case {case}: the old file was replaced");
        assert_eq!(files_named(stem), [stem], "case {case}: temporary files left");
        std::fs::remove_file(&p).unwrap();
    }
}

/// Writing a name that is already taken is an `Invalid` error naming it
/// (not the library's "unknown library error"), found before anything is
/// written; like any failed write it poisons the writer.
/// A panic that unwinds out of `write` (here from a progress observer, on
/// the calling thread) poisons the writer too.
#[test]
fn a_panic_through_write_poisons_the_writer() {
    struct Boom;
    impl darray::Observer for Boom {
        fn on_start(&self, _tasks: usize, _threads: usize) {
            panic!("observer fails");
        }
    }
    let p = dir().join("poison-unwind.nc");
    let mut w = Writer::create(&p).unwrap().config(Config::default().observe(std::sync::Arc::new(Boom)));
    let x = DArray::<f64>::ones([10], [5]).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.write("x", &x, &VarOptions::default())));
    assert!(r.is_err(), "the observer's panic reaches the caller");
    assert!(matches!(w.finish(), Err(Error::Io(IoError::File { ref message, .. })) if message.contains("panic")));
    assert!(!p.exists());
    assert!(files_named("poison-unwind.nc").is_empty());
}

#[test]
fn writing_a_name_twice_is_a_typed_error_naming_it() {
    let p = dir().join("twice.nc");
    let x = DArray::<f64>::from_fn([6, 4], [3, 4], |i| (i[0] * 4 + i[1]) as f64).unwrap();
    let first = |name: &str, opts: VarOptions| {
        let mut w = Writer::create(&p).unwrap();
        w.write(name, &x, &opts).unwrap();
        w
    };
    // A writer with a first variable, the name written next, its array and
    // options, and words the error must contain.
    type Case<'a> = (Writer, &'a str, DArray<f64>, VarOptions, &'a [&'a str]);
    let cases: Vec<Case> = vec![
        (first("x", VarOptions::default()), "x", x.clone(), VarOptions::default(), &["\"x\"", "already", "a variable"]),
        // A leading slash or doubled slashes name the same variable.
        (first("x", VarOptions::default()), "/x", x.clone(), VarOptions::default(), &["\"x\"", "already"]),
        (first("g/a", VarOptions::default()), "g//a", x.clone(), VarOptions::default(), &["\"g/a\"", "already"]),
        // A dimension made without values takes its name: say so.
        (
            first("x", VarOptions::default().dims(["time", "lat"])),
            "time",
            DArray::<f64>::ones([6], [6]).unwrap(),
            VarOptions::default(),
            &["\"time\"", "dimension"],
        ),
        // A group's name, and a variable used as a group.
        (first("g/a", VarOptions::default()), "g", x.clone(), VarOptions::default(), &["\"g\"", "group"]),
        (first("a", VarOptions::default()), "a/b", x.clone(), VarOptions::default(), &["\"a\"", "not a group"]),
        // A dimension of another length than an existing variable of its name.
        (
            first("a", VarOptions::default()),
            "z",
            DArray::<f64>::ones([5], [5]).unwrap(),
            VarOptions::default().dims(["a"]),
            &["\"a\"", "shape"],
        ),
    ];
    for (mut w, name, y, opts, words) in cases {
        let e = w.write(name, &y, &opts).unwrap_err();
        let Error::Invalid(ref m) = e else { panic!("{name}: not an Invalid error: {e}") };
        assert!(words.iter().all(|k| m.contains(k)), "{name}: {m}");
        assert!(matches!(w.finish(), Err(Error::Io(IoError::File { .. }))));
        assert!(!p.exists());
    }
    assert!(files_named("twice.nc").is_empty());
    // The same names in separate files are fine.
    let mut w = Writer::create(&p).unwrap();
    w.write("time", &DArray::<f64>::ones([6], [6]).unwrap(), &VarOptions::default().dims(["time"])).unwrap();
    w.write("x", &x, &VarOptions::default().dims(["time", "lat"])).unwrap();
    w.finish().unwrap();
    let f = File::open(&p).unwrap();
    assert_eq!(f.variable("x").unwrap().dims, ["time", "lat"]);
    assert_eq!(f.array::<f64>("x").unwrap().compute().unwrap(), x.compute().unwrap());
    std::fs::remove_file(&p).unwrap();
}

/// Two writers of one path in one process do not share a temporary file;
/// finishing both leaves the one finished last (the last rename wins), and
/// no temporary file.
#[test]
fn writers_of_one_path_do_not_collide() {
    let p = dir().join("two-writers.nc");
    let val = |k: f64| DArray::<f64>::full([20, 3], k, [5, 3]).unwrap();
    for last_first in [false, true] {
        let mut w1 = Writer::create(&p).unwrap();
        let mut w2 = Writer::create(&p).unwrap();
        w1.write("v", &val(1.0), &VarOptions::default()).unwrap();
        w2.write("v", &val(2.0), &VarOptions::default()).unwrap();
        let want = if last_first {
            w2.finish().unwrap();
            w1.finish().unwrap();
            1.0
        } else {
            w1.finish().unwrap();
            w2.finish().unwrap();
            2.0
        };
        let got = File::open(&p).unwrap().array::<f64>("v").unwrap().compute().unwrap();
        assert_eq!(got, ndarray::ArrayD::from_elem(vec![20, 3], want));
        assert_eq!(files_named("two-writers.nc"), ["two-writers.nc"]);
    }
    // Many at once, on threads: one of them, whole.
    let handles: Vec<_> = (0..6)
        .map(|k| {
            let p = p.clone();
            std::thread::spawn(move || {
                let mut w = Writer::create(&p).unwrap();
                w.write("v", &DArray::<f64>::full([20, 3], k as f64, [5, 3]).unwrap(), &VarOptions::default()).unwrap();
                w.finish().unwrap();
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let got = File::open(&p).unwrap().array::<f64>("v").unwrap().compute().unwrap();
    let k = got[[0, 0]];
    assert!((0.0..6.0).contains(&k) && got.iter().all(|&v| v == k), "{got}");
    assert_eq!(files_named("two-writers.nc"), ["two-writers.nc"]);
}

/// Opening what is not an HDF5 file (another format, an empty file, a
/// directory, a missing or impossible path) is a typed error, never a
/// panic: `Io` where the path itself is the problem, `Hdf5` for the bytes.
#[test]
fn opening_what_is_not_hdf5_is_a_typed_error() {
    let d = dir().join("not-hdf5");
    std::fs::create_dir_all(&d).unwrap();
    let put = |name: &str, bytes: &[u8]| {
        let p = d.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut noise = vec![0u8; 4096];
    let mut x = 12345u32;
    for b in &mut noise {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        *b = (x >> 16) as u8;
    }
    let loop_a = d.join("loop-a");
    let _ = std::fs::remove_file(&loop_a);
    let _ = std::fs::remove_file(d.join("loop-b"));
    std::os::unix::fs::symlink(d.join("loop-b"), &loop_a).unwrap();
    std::os::unix::fs::symlink(&loop_a, d.join("loop-b")).unwrap();
    let hdf5_signature = b"\x89HDF\r\n\x1a\n";
    let cases: Vec<(PathBuf, &str, &str)> = vec![
        (d.join("missing.nc"), "io", "No such file"),
        (d.join("no/such/dir/x.nc"), "io", "No such file"),
        (PathBuf::from("bad\0name.nc"), "io", "nul"),
        (loop_a.clone(), "io", "symbolic links"),
        (d.clone(), "io", "directory"),
        (put("empty.nc", b""), "hdf5", "empty"),
        (put("text.nc", b"time,temperature\n0,280.5\n"), "hdf5", ""),
        (put("short.nc", b"\x89HD"), "hdf5", ""),
        (put("classic.nc", b"CDF\x01\0\0\0\0\0\0\0\x0a"), "hdf5", "NetCDF classic"),
        (put("classic64.nc", b"CDF\x02\0\0\0\0\0\0\0\x0a"), "hdf5", "CDF-2"),
        (put("signature-only.nc", hdf5_signature), "hdf5", ""),
        (put("signature-then-noise.nc", &[&hdf5_signature[..], &noise].concat()), "hdf5", ""),
        (put("noise.nc", &noise), "hdf5", ""),
        (put("zeros.nc", &[0u8; 8192]), "hdf5", ""),
        (PathBuf::from("/dev/null"), "hdf5", "empty"),
    ];
    for (p, kind, words) in cases {
        let e = std::panic::catch_unwind(|| File::open(&p)).unwrap_or_else(|_| panic!("{p:?}: a panic"));
        let e = e.expect_err("not an HDF5 file");
        let Error::Io(IoError::File { message, .. } | IoError::Format { message, .. }) = &e else {
            panic!("{p:?}: {e:?}")
        };
        assert_eq!(matches!(e, Error::Io(IoError::File { .. })), kind == "io", "{p:?}: {e}");
        assert!(message.to_lowercase().contains(&words.to_lowercase()), "{p:?}: {e}");
    }
    std::fs::remove_dir_all(&d).unwrap();
}

/// A child process started while a writer (or a reader) is open does not
/// inherit the file's descriptor: HDF5 opens files without close-on-exec
/// and holds a `flock` on them, so an inherited writer's exclusive lock
/// kept the finished file locked ("unable to lock file") while the child
/// ran.
#[test]
fn child_processes_do_not_inherit_open_files() {
    let _raw = raw_open();
    let p = dir().join("inherit.nc");
    let mut w = Writer::create(&p).unwrap();
    let reader = File::open(shared("era5_t2m_uk_2019-03.nc")).unwrap();
    let mut child = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    w.write("x", &DArray::<f64>::ones([8], [4]).unwrap(), &VarOptions::default()).unwrap();
    w.finish().unwrap();
    let opened = File::open(&p).map(|f| f.array::<f64>("x").unwrap().sum().compute().unwrap()[[]]);
    // The child's open descriptors, by what they point at.
    let fds: Vec<PathBuf> = std::fs::read_dir(format!("/proc/{}/fd", child.id()))
        .map(|d| d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok()).collect())
        .unwrap_or_default();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(opened, Ok(8.0));
    let leaked: Vec<&PathBuf> = fds.iter().filter(|f| f.to_string_lossy().contains(".nc")).collect();
    assert!(leaked.is_empty(), "the child holds {leaked:?}");
    drop(reader);
}

/// Chunks reach the file in grid order through the writer's reorder
/// buffer (on one thread exactly; on more, a chunk may go out of turn when
/// more than its bound wait), with either deflate implementation; every
/// reader (both inflaters, HDF5's own path) gets the values back.
#[test]
fn chunks_are_written_in_grid_order_with_either_deflate() {
    use darray::io::codec::DeflateImpl;
    let _raw = raw_open();
    let shape = [40usize, 9, 11];
    let a = ArrayD::from_shape_fn(shape.to_vec(), |i| ((i[0] * 99 + i[1] * 11 + i[2]) as f32 * 0.37).sin());
    let x = DArray::from_array(a.clone(), [2, 9, 4]).unwrap();
    for (with, threads) in [(DeflateImpl::Libdeflate, 1), (DeflateImpl::ZlibRs, 1), (DeflateImpl::Libdeflate, 2)] {
        let p = dir().join(format!("order-{with:?}-{threads}.nc"));
        let mut w = Writer::create(&p).unwrap().config(Config::default().threads(threads));
        w.write("v", &(&x * 2.0f32), &VarOptions::default().deflate_impl(with)).unwrap();
        w.finish().unwrap();
        let ds = hdf5::File::open(&p).unwrap().dataset("v").unwrap();
        let mut at: Vec<(Vec<u64>, u64)> = vec![];
        ds.chunks_visit(|c| {
            at.push((c.offset.to_vec(), c.addr));
            0
        })
        .unwrap();
        assert_eq!(at.len(), 20 * 3);
        at.sort();
        // Row-major grid order is address order.
        if threads == 1 {
            assert!(at.windows(2).all(|w| w[0].1 < w[1].1), "{with:?}: {at:?}");
        }
        let f = File::open(&p).unwrap();
        for opts in [
            ReadOptions::default().deflate_impl(DeflateImpl::Libdeflate),
            ReadOptions::default().deflate_impl(DeflateImpl::ZlibRs),
            ReadOptions::default().library_path(true),
        ] {
            let got = f.array_with::<f32>("v", &opts).unwrap().compute().unwrap();
            assert_eq!(got, a.mapv(|v| v * 2.0), "{with:?} {opts:?}");
        }
    }
}
