//! Plugging data in from outside the crate, only through `darray::` paths
//! as another crate would: a `BlockReader` turned into a `DArray` and
//! computed on (against plain loops over the same values), and a whole toy
//! format (a directory of raw block files) implementing `Dataset` and
//! `DatasetWriter`, written through the atomic `io::Writer` and read back
//! with CF decoding and a time axis.

use crate::common;

use darray::dtype::AnyArray;
use darray::io::{
    AttrValue, BlockSource, Dataset, DatasetExt, DatasetWriter, ReadOptions, VarOptions, VarSpec, VarWriter, Variable,
    Writer,
};
use darray::{BlockReader, DArray, DType, Element, Error, IoError, ReduceOpts, Result, Sel};
use ndarray::{ArrayD, ArrayViewD, Axis, Dimension, IxDyn};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The value at a global index: distinct enough that a block read at the
/// wrong place shows.
fn value(i: &[usize]) -> f64 {
    i.iter().fold(0.0, |acc, &k| acc * 31.0 + k as f64) * 0.5 - 7.0
}

/// A reader of `value`, counting its reads.
struct Formula {
    reads: AtomicUsize,
}

impl BlockReader for Formula {
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        let block = ArrayD::from_shape_fn(IxDyn(shape), |i| {
            let g: Vec<usize> = i.slice().iter().zip(offset).map(|(a, b)| a + b).collect();
            value(&g)
        });
        Ok(AnyArray::F64(block))
    }
}

fn whole(shape: &[usize]) -> ArrayD<f64> {
    ArrayD::from_shape_fn(IxDyn(shape), |i| value(i.slice()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any shape and (irregular) chunking: the values, an elementwise
    /// step and a reduction along each axis equal plain loops.
    #[test]
    fn an_outside_reader_computes_like_loops((shape, chunks) in common::shape_and_chunks(3, 9)) {
        let reader = Arc::new(Formula { reads: AtomicUsize::new(0) });
        let x = DArray::<f64>::from_reader("formula", &shape, chunks, reader.clone()).unwrap();
        let want = whole(&shape);
        prop_assert_eq!(x.compute().unwrap(), want.clone());
        let y = (&x * 2.0 + 1.0).compute().unwrap();
        prop_assert_eq!(y, want.mapv(|v| v * 2.0 + 1.0));
        for axis in 0..shape.len() {
            let got = x.sum_axis(axis).compute().unwrap();
            // Plain loops: sum of each lane along `axis`, in order.
            let mut rest = shape.clone();
            rest.remove(axis);
            let mut out = ArrayD::<f64>::zeros(IxDyn(&rest));
            for (lane, o) in want.lanes(Axis(axis)).into_iter().zip(out.iter_mut()) {
                *o = lane.iter().sum();
            }
            common::assert_close(&got, &out, 1e-12)?;
        }
    }
}

#[test]
fn only_the_blocks_a_result_needs_are_read() {
    let reader = Arc::new(Formula { reads: AtomicUsize::new(0) });
    let x = DArray::<f64>::from_reader("formula", [40, 6], [10, 6], reader.clone()).unwrap();
    // Rows 12..18 lie in the second block of four.
    let part = x.slice(&[Sel::span(12, 18)]).compute().unwrap();
    assert_eq!(part, whole(&[40, 6]).slice_axis(Axis(0), (12..18).into()).to_owned());
    assert_eq!(reader.reads.load(Ordering::Relaxed), 1);
}

/// Readers that break the contract: an error, not a panic or a wrong
/// answer.
#[test]
fn a_reader_giving_the_wrong_block_is_an_error() {
    struct Wrong(&'static str);
    impl BlockReader for Wrong {
        fn read(&self, _: &[usize], shape: &[usize]) -> Result<AnyArray> {
            match self.0 {
                "type" => Ok(AnyArray::I32(ArrayD::zeros(IxDyn(shape)))),
                "shape" => Ok(AnyArray::F64(ArrayD::zeros(IxDyn(&[shape[0] + 1])))),
                _ => Err(Error::User("the store is offline".into())),
            }
        }
    }
    for (what, expect) in [("type", "int32"), ("shape", "shape"), ("fail", "offline")] {
        let x = DArray::<f64>::from_reader("wrong", [8], [4], Arc::new(Wrong(what))).unwrap();
        let e = x.sum().compute().unwrap_err();
        assert!(e.to_string().contains(expect), "{what}: {e}");
    }
}

// ---------------------------------------------------------------------------
// A toy format: a directory with one subdirectory per variable, holding a
// `meta` text file (dtype, shape, chunks, attributes) and one file of raw
// little-endian bytes per stored block, named by its block offset.

const RAW: &str = "RawDir";

/// Reads or writes `T` as little-endian bytes (what a real format's codec
/// would do).
fn le_bytes<T: Element>(v: ArrayViewD<'_, T>) -> Vec<u8> {
    let v = v.as_standard_layout();
    let s = v.as_slice().unwrap();
    // SAFETY: darray's element types are plain numbers (or bool), with no
    // padding.
    let b = unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<u8>(), std::mem::size_of_val(s)) };
    let n = std::mem::size_of::<T>();
    b.chunks(n)
        .flat_map(|c| if cfg!(target_endian = "big") { c.iter().rev().copied().collect() } else { c.to_vec() })
        .collect()
}

fn from_le(dtype: DType, bytes: &[u8], shape: &[usize]) -> Option<AnyArray> {
    macro_rules! read {
        ($t:ty, $v:ident) => {{
            let n = std::mem::size_of::<$t>();
            let vals: Vec<$t> = bytes.chunks_exact(n).map(|c| <$t>::from_le_bytes(c.try_into().unwrap())).collect();
            AnyArray::$v(ArrayD::from_shape_vec(IxDyn(shape), vals).ok()?)
        }};
    }
    Some(match dtype {
        DType::I16 => read!(i16, I16),
        DType::F64 => read!(f64, F64),
        _ => return None,
    })
}

fn block_file(var_dir: &Path, offset: &[usize]) -> PathBuf {
    let name: Vec<String> = offset.iter().map(usize::to_string).collect();
    var_dir.join(format!("block-{}", name.join("-")))
}

struct RawWriter {
    dir: PathBuf,
    attrs: BTreeMap<String, AttrValue>,
    /// Fails the block at this offset, to check the poisoning.
    fail_at: Option<Vec<usize>>,
}

struct RawVar {
    dir: PathBuf,
    fail_at: Option<Vec<usize>>,
    written: Mutex<usize>,
}

fn attr_line(k: &str, v: &AttrValue) -> String {
    match v {
        AttrValue::Str(s) => format!("attr {k} str {s}"),
        other => format!(
            "attr {k} num {}",
            other.as_f64s().unwrap().iter().map(f64::to_string).collect::<Vec<_>>().join(",")
        ),
    }
}

fn io_err(path: &Path, e: std::io::Error) -> Error {
    IoError::file(path, &e).into()
}

impl DatasetWriter for RawWriter {
    type Var = RawVar;
    const FORMAT: &'static str = RAW;

    fn create(tmp: &Path, _path: &Path) -> Result<Self> {
        std::fs::create_dir(tmp).map_err(|e| io_err(tmp, e))?;
        Ok(RawWriter { dir: tmp.to_path_buf(), attrs: BTreeMap::new(), fail_at: FAIL_AT.with(|f| f.borrow().clone()) })
    }
    fn file_attr(&mut self, name: &str, value: &AttrValue) -> Result<()> {
        self.attrs.insert(name.to_string(), value.clone());
        Ok(())
    }
    fn define(&mut self, var: &VarSpec<'_>, _opts: &VarOptions) -> Result<RawVar> {
        let dir = self.dir.join(var.name);
        if dir.exists() {
            return Err(Error::Invalid(format!("{} is written once", var.name)));
        }
        std::fs::create_dir(&dir).map_err(|e| io_err(&dir, e))?;
        Ok(RawVar { dir, fail_at: self.fail_at.clone(), written: Mutex::new(0) })
    }
    fn end_var(&mut self, var: RawVar, spec: &VarSpec<'_>, opts: &VarOptions) -> Result<()> {
        let list = |v: &[usize]| v.iter().map(usize::to_string).collect::<Vec<_>>().join(",");
        let mut meta =
            format!("dtype {}\nshape {}\nchunks {}\n", spec.dtype.name(), list(spec.shape), list(spec.chunks));
        for (k, v) in &opts.attrs {
            meta += &(attr_line(k, v) + "\n");
        }
        let expected: usize = spec.shape.iter().zip(spec.chunks).map(|(n, c)| n.div_ceil(*c)).product();
        assert_eq!(*var.written.lock().unwrap(), if spec.shape.contains(&0) { 0 } else { expected });
        std::fs::write(var.dir.join("meta"), meta).map_err(|e| io_err(&var.dir, e))
    }
    fn close(self) -> Result<()> {
        let meta: String = self.attrs.iter().map(|(k, v)| attr_line(k, v) + "\n").collect();
        std::fs::write(self.dir.join("attrs"), meta).map_err(|e| io_err(&self.dir, e))
    }
}

thread_local! {
    static FAIL_AT: std::cell::RefCell<Option<Vec<usize>>> = const { std::cell::RefCell::new(None) };
}

impl VarWriter for RawVar {
    fn write_block<T: Element>(&self, offset: &[usize], block: ArrayViewD<'_, T>) -> Result<()> {
        if self.fail_at.as_deref() == Some(offset) {
            return Err(Error::User(format!("disk full at block {offset:?}")));
        }
        let p = block_file(&self.dir, offset);
        let mut bytes: Vec<u8> = block.shape().iter().flat_map(|&n| (n as u64).to_le_bytes()).collect();
        bytes.extend(le_bytes(block));
        std::fs::write(&p, bytes).map_err(|e| io_err(&p, e))?;
        *self.written.lock().unwrap() += 1;
        Ok(())
    }
}

/// The toy format, open for reading.
struct RawDir {
    dir: PathBuf,
}

struct RawReader {
    dir: PathBuf,
    dtype: DType,
    chunks: Vec<usize>,
}

impl BlockReader for RawReader {
    /// Assembles any block from the stored ones it overlaps (each file
    /// read once per call).
    fn read(&self, offset: &[usize], shape: &[usize]) -> Result<AnyArray> {
        let mut stored: BTreeMap<Vec<usize>, AnyArray> = BTreeMap::new();
        let nd = shape.len();
        let mut f64s = ArrayD::<f64>::zeros(IxDyn(shape));
        let mut i16s = ArrayD::<i16>::zeros(IxDyn(shape));
        for i in ndarray::indices(shape) {
            let g: Vec<usize> = i.slice().iter().zip(offset).map(|(a, b)| a + b).collect();
            let start: Vec<usize> = g.iter().zip(&self.chunks).map(|(x, c)| x / c * c).collect();
            if !stored.contains_key(&start) {
                let p = block_file(&self.dir, &start);
                let bytes = std::fs::read(&p).map_err(|e| io_err(&p, e))?;
                let bshape: Vec<usize> =
                    bytes[..8 * nd].chunks(8).map(|c| u64::from_le_bytes(c.try_into().unwrap()) as usize).collect();
                let block = from_le(self.dtype, &bytes[8 * nd..], &bshape)
                    .ok_or_else(|| IoError::Corrupt { path: p.display().to_string(), detail: "bad block".into() })?;
                stored.insert(start.clone(), block);
            }
            let at: Vec<usize> = g.iter().zip(&start).map(|(x, s)| x - s).collect();
            match &stored[&start] {
                AnyArray::F64(b) => f64s[i.slice()] = b[at.as_slice()],
                AnyArray::I16(b) => i16s[i.slice()] = b[at.as_slice()],
                _ => unreachable!("from_le gives these two"),
            }
        }
        Ok(if self.dtype == DType::I16 { AnyArray::I16(i16s) } else { AnyArray::F64(f64s) })
    }
}

fn parse_attrs(text: &str) -> BTreeMap<String, AttrValue> {
    let mut attrs = BTreeMap::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("attr ")) {
        let mut parts = line.splitn(3, ' ');
        let (k, kind, v) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
        let value = match kind {
            "str" => AttrValue::Str(v.to_string()),
            _ => AttrValue::F64(v.split(',').map(|x| x.parse().unwrap()).collect()),
        };
        attrs.insert(k.to_string(), value);
    }
    attrs
}

impl Dataset for RawDir {
    fn format(&self) -> &'static str {
        RAW
    }
    fn path(&self) -> &Path {
        &self.dir
    }
    fn variables(&self) -> Result<Vec<Variable>> {
        let mut names: Vec<String> = std::fs::read_dir(&self.dir)
            .map_err(|e| io_err(&self.dir, e))?
            .filter_map(|e| e.ok().filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        names.iter().map(|n| self.variable(n)).collect()
    }
    fn variable(&self, name: &str) -> Result<Variable> {
        let meta = std::fs::read_to_string(self.dir.join(name).join("meta")).map_err(|_| IoError::NotFound {
            path: self.dir.display().to_string(),
            name: name.to_string(),
            available: "see variables()".to_string(),
        })?;
        let field = |k: &str| meta.lines().find_map(|l| l.strip_prefix(k).map(str::trim)).unwrap_or("");
        let list = |k: &str| -> Vec<usize> {
            field(k).split(',').filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()).collect()
        };
        let dtype = [DType::I16, DType::F64].into_iter().find(|d| d.name() == field("dtype "));
        Ok(Variable {
            name: name.to_string(),
            shape: list("shape "),
            dtype,
            type_name: field("dtype ").to_string(),
            storage_chunks: Some(list("chunks ")),
            filters: vec![],
            dims: (0..list("shape ").len()).map(|k| format!("dim_{k}")).collect(),
            attrs: parse_attrs(&meta),
        })
    }
    fn attrs(&self) -> Result<BTreeMap<String, AttrValue>> {
        let p = self.dir.join("attrs");
        Ok(parse_attrs(&std::fs::read_to_string(&p).map_err(|e| io_err(&p, e))?))
    }
    fn open_variable(&self, var: &Variable, _opts: &ReadOptions) -> Result<BlockSource> {
        let chunks = var.storage_chunks.clone().unwrap_or_default();
        let dtype = var.dtype.expect("described with a type");
        let reader = RawReader { dir: self.dir.join(&var.name), dtype, chunks: chunks.clone() };
        let mut h = darray::key::TokenHasher::new("rawdir");
        h.str(&self.dir.display().to_string()).str(&var.name);
        Ok(BlockSource { reader: Arc::new(reader), unit: chunks, token: h.finish() })
    }
}

/// A store path in a directory of its own (tests run in parallel, and
/// each counts the temporary names beside its store).
fn scratch(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("darray-io-plugin-{}", std::process::id())).join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d.join("store")
}

fn partials(path: &Path) -> usize {
    std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().contains(".partial-"))
        .count()
}

/// A packed variable and a time coordinate: written through the atomic
/// writer, read back (typed, CF-decoded, as a time axis) through the
/// toy format's `Dataset`, against the values written.
#[test]
fn an_outside_format_writes_and_reads_through_the_io_traits() {
    let path = scratch("store");
    let raw: ArrayD<i16> = ArrayD::from_shape_fn(IxDyn(&[10, 7]), |i| (i[0] * 7 + i[1]) as i16 * 3 - 50);
    let x = DArray::from_array(raw.clone(), [4, 7]).unwrap();
    let hours = DArray::from_array(ArrayD::from_shape_fn(IxDyn(&[10]), |i| i[0] as f64 * 6.0), [10]).unwrap();
    let mut w = Writer::<RawWriter>::create(&path).unwrap();
    w.file_attr("title", "toy").unwrap();
    w.write("time", &hours, &VarOptions::default().attr("units", "hours since 2000-01-01")).unwrap();
    // Stored in chunks of 3 rows (the array is rechunked for it).
    let opts = VarOptions::default().chunks([3, 5]).attr("scale_factor", 0.5).attr("_FillValue", -50i16);
    w.write("t", &x, &opts).unwrap();
    assert!(!path.exists(), "nothing under the final name before finish");
    w.finish().unwrap();
    assert_eq!(partials(&path), 0);

    let ds = RawDir { dir: path.clone() };
    assert_eq!(ds.attrs().unwrap()["title"], AttrValue::Str("toy".into()));
    let names: Vec<String> = ds.variables().unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, ["t", "time"]);
    assert_eq!(ds.variable("t").unwrap().storage_chunks, Some(vec![3, 5]));
    // Typed: the stored values; blocks of any chunking assemble.
    assert_eq!(ds.array::<i16>("t").unwrap().compute().unwrap(), raw);
    let odd = ReadOptions::default().chunks([4, 4]);
    assert_eq!(ds.array_with::<i16>("t", &odd).unwrap().compute().unwrap(), raw);
    // CF-decoded, against the definition: raw * scale, the fill value NaN.
    let decoded = ds.array_decoded::<f64>("t").unwrap();
    let want = raw.mapv(|r| if r == -50 { f64::NAN } else { f64::from(r) * 0.5 });
    let got = decoded.compute().unwrap();
    assert!(got.iter().zip(&want).all(|(g, w)| g == w || (g.is_nan() && w.is_nan())));
    let mean = decoded.nanmean_with(&ReduceOpts::axis(0)).compute().unwrap();
    for j in 0..7 {
        let col: Vec<f64> = want.index_axis(Axis(1), j).iter().copied().filter(|v| !v.is_nan()).collect();
        assert!((mean[[j]] - col.iter().sum::<f64>() / col.len() as f64).abs() < 1e-12);
    }
    // The time coordinate, as dates.
    let t = ds.time_axis("time").unwrap();
    assert_eq!(t.datetimes()[5].to_string(), "2000-01-02T06:00:00");
    assert_eq!(t.steps_per_day(), Some(4));
    // The neutral errors: a wrong element type, a missing variable, and
    // the same through `dyn Dataset`.
    let e = ds.array::<f64>("t").unwrap_err();
    assert!(matches!(e, Error::Io(IoError::DType { ref stored, .. }) if stored == "int16"), "{e}");
    let dynamic: Box<dyn Dataset> = Box::new(RawDir { dir: path.clone() });
    assert!(matches!(dynamic.array::<i16>("nope"), Err(Error::Io(IoError::NotFound { .. }))));
    assert_eq!(dynamic.array::<i16>("t").unwrap().max().compute().unwrap()[[]], *raw.iter().max().unwrap());

    // A second store replaces the first whole.
    let mut w = Writer::<RawWriter>::create(&path).unwrap();
    w.write("only", &hours, &VarOptions::default()).unwrap();
    w.finish().unwrap();
    let names: Vec<String> = RawDir { dir: path.clone() }.variables().unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(names, ["only"]);
    std::fs::remove_dir_all(&path).unwrap();
}

/// A block that fails part way poisons the writer: `finish` refuses,
/// naming the failure, and no store appears; a writer dropped unfinished
/// leaves nothing either.
#[test]
fn a_failed_block_publishes_nothing() {
    let path = scratch("poisoned");
    FAIL_AT.with(|f| *f.borrow_mut() = Some(vec![4, 0]));
    let mut w = Writer::<RawWriter>::create(&path).unwrap();
    FAIL_AT.with(|f| *f.borrow_mut() = None);
    let x = DArray::<f64>::from_fn([10, 3], [2, 3], |i| i[0] as f64).unwrap();
    let e = w.write("x", &x, &VarOptions::default()).unwrap_err();
    assert!(e.to_string().contains("disk full"), "{e}");
    let again = w.write("y", &x, &VarOptions::default()).unwrap_err();
    assert!(matches!(again, Error::Io(IoError::File { .. })), "{again}");
    let Err(Error::Io(IoError::File { message, .. })) = w.finish() else { panic!("finish must refuse") };
    assert!(message.contains("disk full"), "{message}");
    assert!(!path.exists());
    assert_eq!(partials(&path), 0);

    let mut w = Writer::<RawWriter>::create(&path).unwrap();
    w.write("x", &x, &VarOptions::default()).unwrap();
    drop(w);
    assert!(!path.exists());
    assert_eq!(partials(&path), 0);
}
