//! Differential tests: random programs (an input made in one of the ways a
//! user can make one, a chain of up to six operations, sometimes a final
//! reduction) computed by darray with the optimizer on and off, on 1 and 2
//! threads, on the threaded and the in-order executor, against an oracle written from NumPy's documented semantics as
//! plain loops over `ndarray::ArrayD<f64>` (tests/differential/oracle.rs).
//!
//! A failure prints the program (`Program`'s `Debug`), NumPy's answer and
//! each configuration's answer.
//!
//! The default run is 1000 cases over four tests. Long mode:
//! `DARRAY_DIFF_CASES=50000 cargo test --release --test differential`
//! (the total number of cases, spread over the tests in the same
//! proportions). `cargo test --test differential survey -- --ignored
//! --nocapture` (with `DARRAY_DIFF_SURVEY=N`, default 3000 cases) keeps
//! going past failures, shrinks each one and prints the distinct ones.

#[path = "differential/engine.rs"]
mod engine;
#[path = "differential/oracle.rs"]
mod oracle;
#[path = "differential/program.rs"]
mod program;

use darray::{ChunkSpec, Sel};
use engine::Outcome;
use ndarray::ArrayD;
use program::*;
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, FileFailurePersistence, TestRunner};

/// How close the engine must be to the oracle.
#[derive(Clone, Copy, Debug)]
struct Tol {
    /// Absolute tolerance, on top of a relative 1e-9.
    atol: f64,
    /// Compare squares (standard deviations: compared as variances).
    squares: bool,
}

/// A program with NumPy's answer.
#[derive(Debug)]
struct Case {
    program: Program,
    expected: Result<ArrayD<f64>, String>,
    tol: Tol,
    /// The array before the final reduction, and its tolerance.
    pre: Option<(ArrayD<f64>, Tol)>,
}

fn max_abs(a: &ArrayD<f64>) -> f64 {
    a.iter().filter(|v| v.is_finite()).fold(0.0, |m, v| m.max(v.abs()))
}

/// Resolves raw numbers into a program, running the oracle along the chain
/// (each step is chosen against the shape before it). The chain stops at
/// the first step NumPy rejects: that error is the expected outcome.
fn resolve(raw: &RawCase, base: &[SrcKind], others: &[SrcKind]) -> Case {
    let input = resolve_input(&raw.base, &raw.shape, base);
    let mut x = oracle::input_array(&input);
    let mut mag = max_abs(&x);
    let mut st = State { shape: input.shape.clone(), inexact: false };
    let mut ops = vec![];
    let mut expected = Ok(());
    for step in &raw.steps {
        let op = resolve_step(step, &st, others);
        let r = oracle::apply(&x, &op);
        // A mean rounds differently per chunking, and the oracle's hypot is
        // the textbook sqrt(a*a + b*b) where NumPy and darray call libm's
        // (an ulp apart): later steps must not turn that into a jump.
        if matches!(op, Op::SubMean { .. } | Op::Binary { op: BinOp::Hypot, .. }) {
            st.inexact = true;
        }
        ops.push(op);
        match r {
            Ok(y) => {
                x = y;
                mag = mag.max(max_abs(&x));
                st.shape = x.shape().to_vec();
            }
            Err(e) => {
                expected = Err(e);
                break;
            }
        }
    }
    let base_tol = 1e-9 * mag.max(1.0);
    let mut tol = Tol { atol: base_tol, squares: false };
    let mut reduce = None;
    let mut pre = None;
    let expected = match expected {
        Err(e) => Err(e),
        Ok(()) => match &raw.reduce {
            None => Ok(x),
            Some(rr) => {
                let mut red = resolve_reduce(rr, &st);
                let n: usize = match oracle::reduced_axes(x.ndim(), &red.axes) {
                    Ok(a) => a.iter().map(|&k| x.shape()[k]).product(),
                    Err(_) => 1,
                };
                let n = n.max(1) as f64;
                // A product that could overflow depends on the order of its
                // factors (inf * 0): left out.
                if red.kind == RedKind::Prod && n * (mag + 1.0).log10() > 250.0 {
                    red.kind = RedKind::Sum;
                }
                tol = match red.kind {
                    RedKind::Sum | RedKind::NanSum | RedKind::Mean | RedKind::NanMean => {
                        Tol { atol: base_tol * n, squares: false }
                    }
                    RedKind::Var(_) | RedKind::NanVar(_) => {
                        Tol { atol: 1e-9 * mag.max(1.0).powi(2) * n, squares: false }
                    }
                    RedKind::Std(_) | RedKind::NanStd(_) => {
                        Tol { atol: 1e-9 * mag.max(1.0).powi(2) * n, squares: true }
                    }
                    RedKind::Prod => Tol { atol: 1e-9, squares: false },
                    RedKind::ArgMin | RedKind::ArgMax | RedKind::AnyGt(_) | RedKind::AllGt(_) => {
                        Tol { atol: 0.0, squares: false }
                    }
                    _ => tol,
                };
                let r = oracle::reduce(&x, &red);
                reduce = Some(red);
                pre = Some((x, Tol { atol: base_tol, squares: false }));
                r
            }
        },
    };
    Case { program: Program { input, ops, reduce }, expected, tol, pre }
}

fn close(g: f64, w: f64, tol: Tol) -> bool {
    if g.is_nan() || w.is_nan() {
        return g.is_nan() && w.is_nan();
    }
    if g == w {
        return true;
    }
    if g.is_infinite() || w.is_infinite() {
        return false;
    }
    let (g, w) = if tol.squares {
        if g < 0.0 {
            return false;
        }
        (g * g, w * w)
    } else {
        (g, w)
    };
    (g - w).abs() <= 1e-9 * g.abs().max(w.abs()) + tol.atol
}

fn compare(got: &ArrayD<f64>, want: &ArrayD<f64>, tol: Tol) -> Result<(), String> {
    if got.shape() != want.shape() {
        return Err(format!("shape {:?}, NumPy's is {:?}", got.shape(), want.shape()));
    }
    let g = oracle::flat(got);
    let w = oracle::flat(want);
    for (k, (a, b)) in g.iter().zip(&w).enumerate() {
        if !close(*a, *b, tol) {
            return Err(format!("element {k} (row-major) is {a}, NumPy's is {b}"));
        }
    }
    Ok(())
}

/// How a case failed, coarsely (to tell distinct failures apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Failure {
    Panic,
    ErrorWhereNumpyGivesValue,
    ValueWhereNumpyRaises,
    WrongShape,
    WrongValue,
    WrongMetadata,
}

/// Runs a case under every configuration; a readable report of each
/// disagreement with NumPy.
fn check(case: &Case) -> Result<(), (Failure, String)> {
    let want_shape = case.expected.as_ref().ok().map(|w| w.shape());
    let outcomes = engine::run_all(&case.program, want_shape);
    let mut fails = vec![];
    let mut first = None;
    for (name, target, out) in &outcomes {
        let (expected, tol) = match (target, &case.pre) {
            // compute_all fails as a whole when the result raises.
            (engine::Target::BeforeReduction, _) if case.expected.is_err() => continue,
            (engine::Target::BeforeReduction, Some((p, t))) => (Ok(p.clone()), *t),
            (engine::Target::BeforeReduction, None) => continue,
            _ => (case.expected.clone(), case.tol),
        };
        let bad = match (&expected, out) {
            (_, Outcome::Panic(m)) => Some((Failure::Panic, format!("panicked: {m}"))),
            (_, Outcome::Wrong(m)) => Some((Failure::WrongMetadata, m.clone())),
            (Ok(w), Outcome::Value(g)) => compare(g, w, tol).err().map(|e| {
                let f = if g.shape() == w.shape() { Failure::WrongValue } else { Failure::WrongShape };
                (f, format!("{e}\n    got {g:?}"))
            }),
            (Ok(_), Outcome::Error(e)) => Some((Failure::ErrorWhereNumpyGivesValue, format!("error: {e}"))),
            (Err(_), Outcome::Value(g)) => Some((Failure::ValueWhereNumpyRaises, format!("value: {g:?}"))),
            (Err(_), Outcome::Error(_)) => None,
        };
        if let Some((f, m)) = bad {
            first.get_or_insert(f);
            fails.push(format!("  {name}: {m}"));
        } else {
            fails.push(format!("  {name}: ok"));
        }
    }
    match first {
        None => Ok(()),
        Some(f) => {
            let want = match &case.expected {
                Ok(w) => format!("{w:?}"),
                Err(e) => format!("raises: {e}"),
            };
            Err((f, format!("program: {:#?}\nNumPy: {want}\n{}", case.program, fails.join("\n"))))
        }
    }
}

/// The case count for a test whose share of the default 1000 is `default`;
/// `DARRAY_DIFF_CASES` sets the total instead.
fn cases(default: u32) -> u32 {
    match std::env::var("DARRAY_DIFF_CASES").ok().and_then(|v| v.parse::<u64>().ok()) {
        Some(total) => ((default as u64 * total) / 1000).max(1) as u32,
        None => default,
    }
}

fn pt_config(default: u32) -> PtConfig {
    PtConfig {
        cases: cases(default),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("tests/differential/proptest-regressions"))),
        max_shrink_iters: 2000,
        ..PtConfig::default()
    }
}

fn prop_check(raw: &RawCase, base: &[SrcKind], others: &[SrcKind]) -> Result<(), TestCaseError> {
    let case = resolve(raw, base, others);
    check(&case).map_err(|(_, m)| TestCaseError::fail(m))
}

proptest! {
    #![proptest_config(pt_config(300))]
    /// Chains over `from_array`, `persist`, `map_blocks` and `from_block_fn` inputs.
    #[test]
    fn chains_over_in_memory_inputs(raw in raw_case(1, 6, 4)) {
        prop_check(&raw, IN_MEMORY, ALL_BUT_HDF5)?;
    }
}

proptest! {
    #![proptest_config(pt_config(250))]
    /// Chains over sources: `from_fn`, `arange` reshaped, `ones`, `full`.
    #[test]
    fn chains_over_sources(raw in raw_case(1, 6, 4)) {
        prop_check(&raw, SOURCES, ALL_BUT_HDF5)?;
    }
}

proptest! {
    #![proptest_config(pt_config(150))]
    /// Chains over HDF5 reads (random storage and read chunks).
    #[test]
    fn chains_over_hdf5_reads(raw in raw_case(1, 6, 4)) {
        prop_check(&raw, HDF5, ALL)?;
    }
}

proptest! {
    #![proptest_config(pt_config(300))]
    /// Short chains always ending in a reduction, over every kind of input.
    #[test]
    fn reductions_over_every_input(raw in raw_case(1, 3, 10)) {
        prop_check(&raw, ALL, ALL_BUT_HDF5)?;
    }
}

proptest! {
    #![proptest_config(pt_config(60))]
    /// Chains over arrays of up to 5000 elements, so that blocks span
    /// several tiles of a fused task.
    #[test]
    fn chains_over_large_blocks(raw in raw_case_of(raw_large_shape().boxed(), 1, 5, 4)) {
        prop_check(&raw, ALL, ALL_BUT_HDF5)?;
    }
}

/// Keeps going past failures: shrinks each and prints the distinct ones.
/// `DARRAY_DIFF_SURVEY=N cargo test --test differential survey -- --ignored --nocapture`
#[test]
#[ignore]
fn survey() {
    use proptest::strategy::ValueTree;
    use std::collections::BTreeMap;
    let n: usize = std::env::var("DARRAY_DIFF_SURVEY").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    // (name, input kinds, other operands' kinds, max steps, reduction weight, large shapes)
    type Kind<'a> = (&'a str, &'a [SrcKind], &'a [SrcKind], usize, u32, bool);
    let kinds: [Kind; 5] = [
        ("in-memory", IN_MEMORY, ALL_BUT_HDF5, 6, 4, false),
        ("sources", SOURCES, ALL_BUT_HDF5, 6, 4, false),
        ("hdf5", HDF5, ALL, 6, 4, false),
        ("reductions", ALL, ALL_BUT_HDF5, 3, 10, false),
        ("large", ALL, ALL_BUT_HDF5, 5, 4, true),
    ];
    let mut runner = TestRunner::new(PtConfig::default());
    let mut found: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let (mut ok, mut raises, mut ops, mut reduced) = (0usize, 0usize, 0usize, 0usize);
    let mut op_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..n {
        let (_, base, others, max_steps, rw, large) = kinds[i % kinds.len()];
        let shapes = if large { raw_large_shape().boxed() } else { raw_shape().boxed() };
        let strat = raw_case_of(shapes, 1, max_steps, rw);
        let mut tree = strat.new_tree(&mut runner).unwrap();
        let fails = |raw: &RawCase| check(&resolve(raw, base, others)).err();
        {
            let c = resolve(&tree.current(), base, others);
            if c.expected.is_ok() {
                ok += 1;
            } else {
                raises += 1;
            }
            ops += c.program.ops.len();
            reduced += usize::from(c.program.reduce.is_some());
            for o in &c.program.ops {
                let s = format!("{o:?}");
                *op_kinds.entry(s.split([' ', '(', '{']).next().unwrap().to_string()).or_default() += 1;
            }
        }
        let Some(mut last) = fails(&tree.current()) else { continue };
        // Proptest's shrinking loop, bounded.
        for _ in 0..600 {
            if !tree.simplify() {
                break;
            }
            loop {
                if let Some(f) = fails(&tree.current()) {
                    if f.0 == last.0 {
                        last = f;
                        break;
                    }
                }
                if !tree.complicate() {
                    break;
                }
            }
        }
        let case = resolve(&tree.current(), base, others);
        let sig = signature(&case.program, last.0);
        let e = found.entry(sig).or_insert((0, last.1.clone()));
        e.0 += 1;
        if last.1.len() < e.1.len() {
            e.1 = last.1;
        }
    }
    std::panic::set_hook(quiet);
    println!("cases: {ok} with a value, {raises} raising; {ops} operations, {reduced} reductions");
    println!("operations: {op_kinds:?}");
    println!("{} distinct failure signatures in {n} cases", found.len());
    for (sig, (count, report)) in &found {
        println!("\n==== {sig} ({count} cases)\n{report}");
    }
}

/// A coarse description of a failing program: the failure, the input kind,
/// the operations and the reduction.
fn signature(p: &Program, f: Failure) -> String {
    let src = format!("{:?}", p.input.src);
    let src = src.split([' ', '(', '{']).next().unwrap().to_string();
    let ops: Vec<String> = p
        .ops
        .iter()
        .map(|o| {
            let s = format!("{o:?}");
            s.split([' ', '(', '{']).next().unwrap().to_string()
        })
        .collect();
    format!("{f:?} {src} [{}] {:?}", ops.join(", "), p.reduce.as_ref().map(|r| r.kind))
}

// ---------------------------------------------------------------------------
// Named regression cases (known bugs). Each runs under every configuration.

fn arange_input(shape: &[usize], chunks: ChunkSpec, src: Src) -> Input {
    let n: usize = shape.iter().product();
    Input { shape: shape.to_vec(), chunks, src, vals: (0..n).map(|i| i as f64).collect() }
}

/// The five ways of making a 2-d array that have shown bugs, chunked `[2, 2]`.
fn wrappers(shape: &[usize]) -> Vec<Input> {
    let c = ChunkSpec::Shape(vec![2, 2]);
    vec![
        arange_input(shape, c.clone(), Src::FromArray),
        arange_input(shape, c.clone(), Src::MapBlocks),
        arange_input(shape, c.clone(), Src::Persist),
        arange_input(shape, c.clone(), Src::BlockFn),
        arange_input(shape, c, Src::Hdf5 { storage: vec![2, 2], deflate: false, read_chunks: true }),
    ]
}

fn expect(program: Program) -> Result<(), String> {
    let mut x = oracle::input_array(&program.input);
    let mut expected = Ok(());
    for op in &program.ops {
        match oracle::apply(&x, op) {
            Ok(y) => x = y,
            Err(e) => {
                expected = Err(e);
                break;
            }
        }
    }
    let tol = Tol { atol: 1e-9, squares: false };
    let pre = (expected.is_ok() && program.reduce.is_some()).then(|| (x.clone(), tol));
    let expected = expected.and_then(|()| match &program.reduce {
        Some(r) => oracle::reduce(&x, r),
        None => Ok(x),
    });
    let case = Case { program, expected, tol, pre };
    check(&case).map_err(|(_, m)| m)
}

fn expect_all(programs: Vec<Program>) {
    let fails: Vec<String> = programs.into_iter().filter_map(|p| expect(p).err()).collect();
    assert!(fails.is_empty(), "{} failing:\n{}", fails.len(), fails.join("\n\n"));
}

#[test]
fn regression_transpose_then_rechunk() {
    // x.t().rechunk([2, 4]) over [2, 2] chunks.
    let mut ps = vec![];
    for shape in [[4, 4], [6, 4], [4, 6], [5, 3]] {
        for input in wrappers(&shape) {
            ps.push(Program { input, ops: vec![Op::T, Op::Rechunk(ChunkSpec::Shape(vec![2, 4]))], reduce: None });
        }
    }
    expect_all(ps);
}

#[test]
fn regression_transpose_add_rechunk_sum() {
    // (&x.t() + 1.0).rechunk([2, 4]).sum_axis(1)
    let mut ps = vec![];
    for shape in [[4, 4], [6, 4], [4, 6]] {
        for input in wrappers(&shape) {
            ps.push(Program {
                input,
                ops: vec![Op::T, Op::Scalar(ScalarOp::Add, 1.0), Op::Rechunk(ChunkSpec::Shape(vec![2, 4]))],
                reduce: Some(Reduce { kind: RedKind::Sum, axes: Some(vec![1]), keepdims: false, split_every: None }),
            });
        }
    }
    expect_all(ps);
}

#[test]
fn regression_reshape_plus_rechunk_broadcast() {
    // x.reshape([3, 1]) + x.rechunk([2]) over [1, 2, 3] chunked [1, 1, 1].
    let x = Input { shape: vec![3], chunks: ChunkSpec::Shape(vec![1]), src: Src::FromArray, vals: vec![1.0, 2.0, 3.0] };
    // The other operand is the same values, made and rechunked apart.
    let other = Input { chunks: ChunkSpec::Shape(vec![2]), ..x.clone() };
    expect_all(vec![Program {
        input: x,
        ops: vec![Op::Reshape(vec![3, 1]), Op::Binary { op: BinOp::Add, other, other_left: false }],
        reduce: None,
    }]);
    // The exact expression, one array used twice.
    use darray::DArray;
    let x = DArray::from_array(ndarray::arr1(&[1.0, 2.0, 3.0]), [1]).unwrap();
    let want = ndarray::arr2(&[[2.0, 3.0, 4.0], [3.0, 4.0, 5.0], [4.0, 5.0, 6.0]]).into_dyn();
    for (name, cfg) in engine::configs() {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (x.reshape([3, 1]) + x.rechunk([2])).compute_with(&cfg).map(|r| r.0)
        }));
        match got {
            Ok(Ok(g)) => assert_eq!(g, want, "{name}"),
            Ok(Err(e)) => panic!("{name}: error {e}"),
            Err(_) => panic!("{name}: panicked"),
        }
    }
}

#[test]
fn regression_min_over_empty_axis_raises() {
    let mut ps = vec![];
    for kind in [RedKind::Min, RedKind::Max, RedKind::ArgMin, RedKind::ArgMax, RedKind::NanMin, RedKind::NanMax] {
        for (shape, axis) in [(vec![0usize, 3], 0usize), (vec![3, 0], 1), (vec![0], 0), (vec![0, 0], 0)] {
            ps.push(Program {
                input: arange_input(&shape, ChunkSpec::Shape(vec![2; shape.len()]), Src::FromArray),
                ops: vec![],
                reduce: Some(Reduce { kind, axes: Some(vec![axis]), keepdims: false, split_every: None }),
            });
        }
    }
    expect_all(ps);
}

#[test]
fn regression_extreme_slice_steps() {
    let mut ps = vec![];
    for step in [isize::MAX, isize::MIN, isize::MIN + 1, -isize::MAX] {
        for (start, stop) in [(None, None), (Some(2), None), (None, Some(1)), (Some(isize::MIN), Some(isize::MAX))] {
            for chunks in [1, 2, 5] {
                ps.push(Program {
                    input: arange_input(&[5], ChunkSpec::Shape(vec![chunks]), Src::FromArray),
                    ops: vec![Op::Slice(vec![Sel::range(start, stop, step)])],
                    reduce: None,
                });
            }
        }
    }
    expect_all(ps);
}

#[test]
fn regression_remainder_follows_numpy() {
    // np.remainder / Python's %: the result takes the sign of the divisor.
    let x = Input {
        shape: vec![4],
        chunks: ChunkSpec::Shape(vec![2]),
        src: Src::FromArray,
        vals: vec![-1.0, 1.0, -3.5, 4.0],
    };
    let other = Input { vals: vec![3.0, -3.0, 2.0, -3.0], ..x.clone() };
    expect_all(vec![
        Program { input: x.clone(), ops: vec![Op::Scalar(ScalarOp::Rem, 3.0)], reduce: None },
        Program { input: x.clone(), ops: vec![Op::Scalar(ScalarOp::Rem, -2.0)], reduce: None },
        Program { input: x.clone(), ops: vec![Op::Scalar(ScalarOp::RRem, -2.0)], reduce: None },
        Program { input: x, ops: vec![Op::Binary { op: BinOp::Rem, other, other_left: false }], reduce: None },
    ]);
}

#[test]
fn regression_negative_zero() {
    // np.negative(0.0) is -0.0, so 1 / -x is -inf where x is 0.
    let x = Input { shape: vec![3], chunks: ChunkSpec::Shape(vec![2]), src: Src::FromArray, vals: vec![0.0, 2.0, 0.0] };
    let ones = Input { src: Src::Ones, vals: vec![1.0; 3], ..x.clone() };
    let div = Op::Binary { op: BinOp::Div, other: ones, other_left: true };
    expect_all(vec![
        Program { input: x.clone(), ops: vec![Op::Unary(UnOp::Neg), div.clone()], reduce: None },
        Program {
            input: x,
            ops: vec![Op::Unary(UnOp::Neg), div],
            reduce: Some(Reduce { kind: RedKind::ArgMax, axes: None, keepdims: false, split_every: None }),
        },
    ]);
}

/// The oracle's slice rules against values computed by hand from Python.
#[test]
fn oracle_slice_indices_follow_python() {
    let p = |a, b, s, n| oracle::slice_positions(a, b, s, n).unwrap();
    assert_eq!(p(None, None, 1, 5), vec![0, 1, 2, 3, 4]);
    assert_eq!(p(None, None, -2, 5), vec![4, 2, 0]);
    assert_eq!(p(Some(-2), None, -2, 7), vec![5, 3, 1]);
    assert_eq!(p(Some(1), Some(-1), 2, 6), vec![1, 3]);
    assert_eq!(p(None, Some(-10), -1, 5), vec![4, 3, 2, 1, 0]);
    assert_eq!(p(Some(10), None, -1, 3), vec![2, 1, 0]);
    assert_eq!(p(None, None, isize::MAX, 5), vec![0]);
    assert_eq!(p(None, None, isize::MIN, 5), vec![4]);
    assert_eq!(p(Some(isize::MIN), Some(isize::MAX), 1, 3), vec![0, 1, 2]);
    assert!(p(None, None, 1, 0).is_empty());
    assert!(oracle::slice_positions(None, None, 0, 3).is_err());
}
