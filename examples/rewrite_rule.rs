//! An optimizer rule of one's own: algebraic identities that remove work.
//!
//! `x * 1`, `x - 0` and `-(-x)` compute `x` exactly (for floats too: NaN,
//! infinities and negative zero come out as they went in), so a rule may
//! replace them by `x`. The rule sees one expression node at a time, its
//! inputs already rewritten; the driver applies it bottom-up until nothing
//! changes, then the built-in rules plan the rest.
//!
//! `cargo run --example rewrite_rule`

use darray::ops::{BinaryOp, ElemOp, Scalar, UnaryOp};
use darray::optimize::{Expr, Rule};
use darray::{Config, DArray};
use std::sync::Arc;

/// Removes operations that give back their input unchanged.
struct Identities;

impl Identities {
    /// True for the scalar `k` of the node's own type (integers and floats).
    fn is(s: &Scalar, k: f64) -> bool {
        s.to_f64() == k && Scalar::from_f64(s.dtype(), k) == *s
    }
}

impl Rule for Identities {
    fn name(&self) -> &str {
        "identities"
    }

    fn rewrite(&self, e: &Expr) -> darray::Result<Option<Expr>> {
        let Some(op) = e.elementwise_op() else { return Ok(None) };
        let inputs = e.inputs();
        let keep_input = match op {
            ElemOp::ScalarRight { op: BinaryOp::Mul, scalar } | ElemOp::ScalarLeft { op: BinaryOp::Mul, scalar } => {
                Self::is(scalar, 1.0)
            }
            ElemOp::ScalarRight { op: BinaryOp::Sub, scalar } => Self::is(scalar, 0.0),
            ElemOp::Unary(UnaryOp::Neg) => {
                // -(-x): the input of the inner negation.
                let inner = &inputs[0];
                if inner.elementwise_op() == Some(&ElemOp::Unary(UnaryOp::Neg)) {
                    return Ok(Some(inner.inputs()[0].clone()));
                }
                false
            }
            _ => false,
        };
        // Only where the result is the input itself: same type, shape and chunks.
        let x = &inputs[0];
        Ok((keep_input && x.dtype() == e.dtype() && x.shape() == e.shape() && x.chunks() == e.chunks())
            .then(|| x.clone()))
    }
}

fn main() -> darray::Result<()> {
    let x = DArray::<f64>::random_normal([2000, 2000], [500, 500], 0.0, 1.0, 42)?;
    let y = -(-((&x * 1.0 - 0.0) * 2.0));

    let plain = Config::default();
    let simplified = Config::default().rule(Arc::new(Identities));
    let ops = |cfg: &Config| -> darray::Result<Vec<String>> {
        let g = y.graph_with(cfg)?;
        let first = g.tasks().next().map(|t| t.ops).unwrap_or_default();
        Ok(first)
    };
    println!("fused steps per chunk, built-in rules only: {:?}", ops(&plain)?);
    println!("fused steps per chunk, with `identities`:   {:?}", ops(&simplified)?);

    let (a, _) = y.compute_with(&plain)?;
    let (b, _) = y.compute_with(&simplified)?;
    assert_eq!(a, b, "a rewrite rule must not change the answer");
    assert!(ops(&simplified)?.len() < ops(&plain)?.len());
    println!("same values, {} fewer steps per element", ops(&plain)?.len() - ops(&simplified)?.len());
    Ok(())
}
