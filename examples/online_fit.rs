//! An online fit over an array's blocks with `to_delayed`: stochastic
//! gradient descent for a linear model `y = X w`, walking the row blocks
//! in order and carrying the weights from one block to the next (each
//! step a delayed call; the blocks are computed in the same graph, each
//! when its step needs it).
//!
//!     cargo run --release --example online_fit

use darray::delayed::Delayed;
use darray::{concatenate, delayed, DArray};
use ndarray::{s, Array1, ArrayD, Axis};

/// Passes of gradient descent over one block of rows `[x_0 .. x_{k-1}, y]`.
fn sgd(w: &Array1<f64>, block: &ArrayD<f64>) -> Array1<f64> {
    let b = block.view().into_dimensionality::<ndarray::Ix2>().expect("a 2-d block");
    let k = b.ncols() - 1;
    let (x, y) = (b.slice(s![.., ..k]), b.column(k));
    let mut w = w.clone();
    for _ in 0..20 {
        let residual = &x.dot(&w) - &y;
        let grad = x.t().dot(&residual) / b.nrows() as f64;
        w = &w - &(grad * 0.5);
    }
    w
}

fn main() -> darray::Result<()> {
    let (n, k) = (200_000, 3);
    let truth = [1.5, -2.0, 0.5];
    // Features in [-1, 1) from the index; the target without noise.
    let x = DArray::<f64>::from_fn([n, k], [20_000, k], |i| (((i[0] * 7 + i[1] * 13) % 97) as f64) / 48.5 - 1.0)?;
    let cols: Vec<DArray<f64>> =
        (0..k).map(|j| x.slice(&[darray::Sel::all(), darray::Sel::index(j as isize)])).collect();
    let y = cols.iter().zip(truth).fold(DArray::<f64>::zeros([n], [20_000])?, |acc, (c, t)| &acc + &(c * t));
    // One block per row block: features and target side by side.
    let data = concatenate(&[x, y.expand_dims(1)], 1).rechunk([20_000, k + 1]);
    let blocks = data.to_delayed()?;
    let mut w = Delayed::value(Array1::<f64>::zeros(k));
    for b in blocks.index_axis(Axis(1), 0).iter() {
        w = delayed!(sgd(&w, b));
    }
    let fitted = w.compute()?;
    println!("blocks walked: {}", blocks.len());
    println!("true weights:   {truth:?}");
    println!("fitted weights: {:?}", fitted.to_vec());
    let err = fitted.iter().zip(truth).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    println!("largest error:  {err:.2e}");
    Ok(())
}
