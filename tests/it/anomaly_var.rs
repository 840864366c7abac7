//! The one-pass variance of anomalies (`optimize/anomaly_var.rs`):
//! `var`/`std` of `x - x.mean(B)` against NumPy's two-pass definition
//! written as plain loops, over random shapes, chunkings, reduced axes,
//! `ddof` and NaN; the rule fires where it should and nowhere else.

use darray::{Config, DArray, ReduceOpts};
use ndarray::{ArrayD, Dimension, IxDyn};
use proptest::prelude::*;

/// `var(x - mean_B(x), ddof)` by its definition: the anomaly array, its
/// mean, the mean of squared deviations, in f64.
fn oracle(x: &ArrayD<f64>, b: &[usize], ddof: f64) -> f64 {
    let shape = x.shape().to_vec();
    let n_b: usize = b.iter().map(|&a| shape[a]).product();
    // Each point's mean along B.
    let point =
        |i: &[usize]| -> Vec<usize> { (0..shape.len()).map(|a| if b.contains(&a) { 0 } else { i[a] }).collect() };
    let mut sums: std::collections::HashMap<Vec<usize>, f64> = Default::default();
    for (i, &v) in x.indexed_iter() {
        *sums.entry(point(i.slice())).or_default() += v;
    }
    let anomaly: Vec<f64> = x.indexed_iter().map(|(i, &v)| v - sums[&point(i.slice())] / n_b as f64).collect();
    let n = anomaly.len() as f64;
    let mean = anomaly.iter().sum::<f64>() / n;
    anomaly.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / (n - ddof)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= tol * (1.0 + b.abs())
}

#[derive(Debug, Clone)]
struct Case {
    shape: Vec<usize>,
    chunks: Vec<usize>,
    values: Vec<f64>,
    /// Leading axes reduced (without keepdims), or these axes with keepdims.
    axes: Vec<usize>,
    keepdims: bool,
    ddof: f64,
}

fn case() -> impl Strategy<Value = Case> {
    prop::collection::vec(1usize..6, 1..4)
        .prop_flat_map(|shape| {
            let nd = shape.len();
            let n: usize = shape.iter().product();
            let chunks: Vec<BoxedStrategy<usize>> = shape.iter().map(|&s| (1..=s).boxed()).collect();
            // Values of a few magnitudes, NaN now and then.
            let value = prop_oneof![20 => -1e3f64..1e3, 1 => Just(f64::NAN), 2 => 250.0f64..300.0];
            (
                Just(shape),
                chunks,
                prop::collection::vec(value, n),
                prop::sample::subsequence((0..nd).collect::<Vec<_>>(), 1..=nd),
                any::<bool>(),
                prop_oneof![Just(0.0), Just(1.0)],
            )
        })
        .prop_map(|(shape, chunks, values, axes, keepdims, ddof)| {
            // Without keepdims, broadcasting needs the reduced axes to lead.
            let axes = if keepdims { axes } else { (0..axes.len()).collect() };
            Case { shape, chunks, values, axes, keepdims, ddof }
        })
}

/// The task graph computes no anomaly: no subtraction runs.
fn rewritten(y: &DArray<f64>) -> bool {
    !y.graph().unwrap().tasks().any(|t| t.ops.iter().any(|o| o.contains("sub")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn var_and_std_of_anomalies_follow_the_definition(c in case()) {
        let a = ArrayD::from_shape_vec(IxDyn(&c.shape), c.values.clone()).unwrap();
        let x = DArray::from_array(a.clone(), c.chunks.clone()).unwrap();
        let m = x.mean_with(&ReduceOpts::axes(c.axes.clone()).keepdims(c.keepdims));
        let anomaly = &x - &m;
        let want = oracle(&a, &c.axes, c.ddof);
        let n = a.len() as f64;
        let var = anomaly.var(c.ddof);
        let std = anomaly.std(c.ddof);
        let (v, s) = (var.compute().unwrap()[[]], std.compute().unwrap()[[]]);
        if n - c.ddof > 0.0 {
            prop_assert!(rewritten(&var) && rewritten(&std));
            prop_assert!(close(v, want, 1e-9), "var {v} want {want}");
            prop_assert!(close(s, want.sqrt(), 1e-9), "std {s} want {}", want.sqrt());
        } else {
            // N - ddof = 0: left to the two-pass form (NumPy's inf / NaN).
            prop_assert!(!rewritten(&var));
        }
        // The two-pass form agrees.
        let off = Config::default().without_rule("anomaly-var");
        let v2 = var.compute_with(&off).unwrap().0[[]];
        prop_assert!(close(v, v2, 1e-9) || (n - c.ddof <= 0.0), "{v} vs two-pass {v2}");
        // m - x: the same squares, rewritten alike.
        let flipped = (&m - &x).var(c.ddof);
        prop_assert_eq!(rewritten(&flipped), n - c.ddof > 0.0);
        let flipped = flipped.compute().unwrap()[[]];
        prop_assert!(close(flipped, v, 1e-12) || (v.is_infinite() && flipped.is_infinite()));
    }

    #[test]
    fn float32_anomalies_round_as_the_two_pass_form(c in case()) {
        let a = ArrayD::from_shape_vec(IxDyn(&c.shape), c.values.iter().map(|&v| v as f32).collect()).unwrap();
        let x = DArray::from_array(a.clone(), c.chunks.clone()).unwrap();
        let m = x.mean_with(&ReduceOpts::axes(c.axes.clone()).keepdims(c.keepdims));
        let std = (&x - &m).std(c.ddof);
        let want = oracle(&a.mapv(f64::from), &c.axes, c.ddof).sqrt();
        let got = f64::from(std.compute().unwrap()[[]]);
        if a.len() as f64 - c.ddof > 0.0 {
            // Within f32 rounding of the exact value (the two-pass form in
            // f32 is no closer).
            prop_assert!(close(got, want, 1e-5), "{got} want {want}");
        }
    }
}

#[test]
fn other_patterns_are_left_alone() {
    let a = ArrayD::from_shape_fn(IxDyn(&[6, 4]), |i| (i[0] * 7 + i[1] * 3) as f64 % 5.0);
    let x = DArray::from_array(a.clone(), [2, 2]).unwrap();
    let other = DArray::from_array(a.mapv(|v| v + 1.0), [2, 2]).unwrap();
    // The mean of another array, a sum instead of a mean, a NaN-skipping
    // variance, a variance along one axis only: two-pass, as written.
    let cases = [
        (&x - &other.mean_axis(0)).var(0.0),
        (&x - &x.sum_axis(0)).var(0.0),
        (&x - &x.mean_axis(0)).nanvar(0.0),
        (&x - &x.mean_axis(0)).var_axis(1, 0.0).sum(),
    ];
    for y in &cases {
        assert!(
            !rewritten(y),
            "rewritten: {:?}",
            y.graph().unwrap().tasks().map(|t| t.ops.clone()).collect::<Vec<_>>()
        );
    }
    // The rule's own case, for contrast.
    assert!(rewritten(&(&x - &x.mean_axis(0)).var(0.0)));
}
