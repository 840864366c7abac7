//! The pairwise tree reduction of many delayed values: each level adds
//! neighbours, so the graph is log2(n) deep and each level runs in parallel.
//!
//! ```text
//! cargo run --release --example tree_sum [-- N] [--graph tree.svg]
//! ```

use darray::delayed::Delayed;
use darray::{delayed, Result};

fn add(a: &u64, b: &u64) -> u64 {
    a + b
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let graph = args.iter().position(|a| a == "--graph").and_then(|i| args.get(i + 1));

    let mut level: Vec<Delayed<u64>> = (1..=n).map(Delayed::value).collect();
    while level.len() > 1 {
        level = level
            .chunks(2)
            .map(|pair| match pair {
                [a, b] => delayed!(add(a, b)),
                [a] => a.clone(),
                _ => unreachable!("chunks of two"),
            })
            .collect();
    }
    let total = level.pop().expect("at least one value");
    let g = total.graph()?;
    let sum = total.compute()?;
    println!("sum of 1..={n} = {sum} (expected {}); {} tasks, depth {}", n * (n + 1) / 2, g.len(), g.depth());
    assert_eq!(sum, n * (n + 1) / 2);
    if let Some(path) = graph {
        g.visualize(path)?;
        println!("graph picture: {path}");
    }
    Ok(())
}
