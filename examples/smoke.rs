use darray::*;
fn main() -> Result<()> {
    let x = DArray::<f64>::ones([20, 20], [5, 5])?;
    let y = ((&x + 1.0) * 2.0 - &x).sum();
    println!("{:?}", y.compute()?);
    let g = y.graph()?;
    println!("{}", g.len());
    let a = DArray::from_fn([6, 4], [4, 3], |i| (i[0] * 10 + i[1]) as f64)?;
    println!("{}", a.compute()?);
    println!("{}", a.mean_axis(0).compute()?);
    println!("{}", (&a - &a.mean_with(&ReduceOpts::axis(0).keepdims(true))).compute()?);
    println!("{}", a.argmax_axis(1).compute()?);
    println!("{}", a.std(0.0).compute()?);
    Ok(())
}
