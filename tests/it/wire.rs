//! Task graphs as data: every graph of built-in operations writes to a
//! spec, survives a binary serde round trip (CBOR), and rebuilds into a
//! graph with the same keys, dependencies and operations whose every task
//! gives the same bytes as the original's. Graphs holding user code refuse
//! to encode; corrupt specs are errors, not panics.

use darray::exec::{ExecOptions, Executor, InOrder};
use darray::graph::Payload;
use darray::{concatenate, linalg, stack, tensordot, where_, DArray, Error, GraphSpec, TaskGraph};
use std::collections::HashMap;
use std::sync::Mutex;

/// Every task's result, encoded, by task index (the in-order executor,
/// asked for every task).
fn results(g: &TaskGraph) -> HashMap<u32, Vec<u8>> {
    let got = Mutex::new(HashMap::new());
    let all: Vec<u32> = (0..g.len() as u32).collect();
    let mut opts = ExecOptions::default();
    opts.threads = 1;
    InOrder
        .execute(g, &all, &opts, &|t, p: std::sync::Arc<Payload>| {
            got.lock().unwrap().insert(t, p.encode()?);
            Ok(())
        })
        .expect("the graph runs");
    got.into_inner().unwrap()
}

fn round_trip(g: &TaskGraph) -> TaskGraph {
    let spec = g.to_spec().expect("built-in operations encode");
    let mut bytes = vec![];
    ciborium::into_writer(&spec, &mut bytes).expect("serialises");
    let back: GraphSpec = ciborium::from_reader(bytes.as_slice()).expect("deserialises");
    TaskGraph::from_spec(&back).expect("rebuilds")
}

fn check(name: &str, g: TaskGraph) {
    let h = round_trip(&g);
    assert_eq!(h.to_string(), g.to_string(), "{name}: keys, deps and ops");
    assert_eq!(results(&h), results(&g), "{name}: every task's result");
}

fn programs() -> darray::Result<Vec<(&'static str, TaskGraph)>> {
    let x = DArray::<f64>::random_normal([12, 10], [5, 4], 0.0, 1.0, 3)?;
    let i = DArray::arange(0i64, 120, 1, 25)?.reshape([12, 10]);
    let m = DArray::from_array(ndarray::Array2::from_shape_fn((12, 10), |(a, b)| (a * 10 + b) as f64), [6, 5])?;
    let held = (&x * 3.0).persist()?;
    let labels: Vec<i64> = (0..12).map(|k| k % 3).collect();
    let y = DArray::<f64>::linspace(0.0, 1.0, 10, true, 3)?;
    Ok(vec![
        ("elementwise with scalars", (((&x + 1.0) * 2.0 - &x) / 3.0).abs().sqrt().graph()?),
        ("nan and inf scalars", (&x * f64::NAN + f64::INFINITY).maximum(-0.0).graph()?),
        ("casts and comparisons", where_(&x.greater(0.0), x.cast::<f32>().cast::<f64>(), &m).graph()?),
        ("integer ops", ((&i % 7i64) * 3i64 - 2i64).sum_axis(1).graph()?),
        ("reductions", x.var_with(&darray::ReduceOpts::axis(0).keepdims(true), 1.0).graph()?),
        ("argmax", x.argmax_axis(1).graph()?),
        ("mean of views", (&x.t() + &m.t()).mean_axis(0).graph()?),
        ("rechunk of held chunks", held.rechunk([4, 10]).graph()?),
        ("concatenate and stack", concatenate(&[x.clone(), m.clone()], 0).sum().graph()?),
        ("stack", stack(&[x.clone(), held.clone()], 1).graph()?),
        ("take", x.take(&[3, 1, 11, 0], 0).graph()?),
        ("reshape", m.reshape([10, 12]).graph()?),
        ("tensordot", tensordot(&x, &m.t(), &[1], &[0]).graph()?),
        ("groupby", x.groupby(0, &labels).mean().graph()?),
        ("linspace broadcast", (&x + &y).graph()?),
        ("tsqr and svd (dense steps, parts)", {
            let (u, s, vt) = linalg::svd(&x);
            (&(&u * &s).sum() + &vt.sum()).graph()?
        }),
        ("lu", {
            let sq = &x.slice(&darray::s![..10, ..]).rechunk([4, 4]) + &DArray::<f64>::eye(10, None, 0, 4)?;
            let (p, l, u) = linalg::lu(&sq);
            (&(&p.sum() + &l.sum()) + &linalg::solve(&sq, &u.sum_axis(0)).sum()).graph()?
        }),
        ("quantiles, scans and moving windows (blockwise steps)", {
            let q = x.quantile_with(&[0.1, 0.9], darray::ops::QuantileMethod::Hazen, &darray::ReduceOpts::axis(0));
            (&(&q.sum() + &x.cumsum(0).bfill(1, None).sum()) + &x.rolling(0, 3).center(true).std(1.0).nansum())
                .graph()?
        }),
        ("cholesky and lstsq", {
            let spd = &x.t().dot(&x) + &DArray::<f64>::eye(10, None, 0, 4)?;
            (&linalg::cholesky(&spd).sum() + &linalg::lstsq(&x, &m.sum_axis(1)).x.sum()).graph()?
        }),
    ])
}

#[test]
fn built_in_graphs_round_trip() -> darray::Result<()> {
    for (name, g) in programs()? {
        check(name, g);
    }
    Ok(())
}

#[test]
fn user_code_does_not_encode() -> darray::Result<()> {
    let x = DArray::<f64>::ones([4], [2])?;
    let cases = [
        ("mapv", x.mapv(|v| v + 1.0).graph()?),
        ("from_fn", DArray::<f64>::from_fn([4], [2], |i| i[0] as f64)?.graph()?),
        ("map_blocks", x.map_blocks(|b, _| b).graph()?),
    ];
    for (name, g) in cases {
        match g.to_spec() {
            Err(Error::NotEncodable(m)) => assert!(m.contains("user code") || m.contains("cannot"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn corrupt_specs_are_errors() -> darray::Result<()> {
    let x = DArray::<f64>::ones([6], [2])?;
    let g = (&x + 1.0).sum().graph()?;
    let spec = g.to_spec()?;
    let mut value: ciborium::Value = ciborium::Value::serialized(&spec).expect("to a value");
    // Point the last task's first dependency at itself.
    fn tasks(v: &mut ciborium::Value) -> &mut Vec<ciborium::Value> {
        let ciborium::Value::Map(m) = v else { panic!("a map") };
        let (_, t) = m.iter_mut().find(|(k, _)| k.as_text() == Some("tasks")).expect("tasks");
        let ciborium::Value::Array(a) = t else { panic!("an array") };
        a
    }
    let n = tasks(&mut value).len();
    {
        let last = tasks(&mut value).last_mut().expect("a task");
        let ciborium::Value::Map(m) = last else { panic!("a map") };
        let (_, deps) = m.iter_mut().find(|(k, _)| k.as_text() == Some("deps")).expect("deps");
        *deps = ciborium::Value::Array(vec![ciborium::Value::Integer((n as u64 - 1).into())]);
    }
    let bad: GraphSpec = value.deserialized().expect("still a spec");
    assert!(matches!(TaskGraph::from_spec(&bad), Err(Error::Decode(_))));
    Ok(())
}
