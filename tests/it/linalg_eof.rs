//! EOF analysis of a real file (`../shared/data/air_temperature.nc`): the
//! explained-variance fractions, EOF patterns and principal components of
//! `linalg::eof` against a dense SVD (faer, one block) of the same
//! sqrt(cos(latitude))-weighted anomalies, made here with plain loops over
//! the values the file holds.

use darray::io::hdf5::File;
use darray::{linalg, DArray};
use ndarray::{Array2, ArrayD, Ix3};

const PATH: &str = "../shared/data/air_temperature.nc";

#[test]
fn eof_matches_a_dense_svd_of_the_weighted_anomalies() {
    let file = File::open(PATH).expect("the shared air temperature file");
    let x: DArray<f64> = file.array_decoded("air").unwrap();
    let lat = file.array_decoded::<f64>("lat").unwrap().compute().unwrap();
    let w = lat.mapv(|l| l.to_radians().cos().sqrt()).into_shape_with_order(vec![lat.len(), 1]).unwrap();
    let k = 4;
    let e = linalg::eof(&x, Some(&DArray::from_array(w.clone(), 5).unwrap()), k);
    let fraction = e.variance_fraction.compute().unwrap();
    let eofs = e.eofs.compute().unwrap().into_dimensionality::<Ix3>().unwrap();
    let pcs = e.pcs.compute().unwrap().into_dimensionality::<ndarray::Ix2>().unwrap();

    // The oracle: anomalies and weights by loops, one dense SVD.
    let v: ArrayD<f64> = x.compute().unwrap();
    let (t, ny, nx) = (v.shape()[0], v.shape()[1], v.shape()[2]);
    let p = ny * nx;
    let mut a = Array2::<f64>::zeros((t, p));
    for j in 0..ny {
        for i in 0..nx {
            let mean: f64 = (0..t).map(|s| v[[s, j, i]]).sum::<f64>() / t as f64;
            for s in 0..t {
                a[[s, j * nx + i]] = (v[[s, j, i]] - mean) * w[[j, 0]];
            }
        }
    }
    let m = faer::Mat::<f64>::from_fn(t, p, |r, c| a[[r, c]]);
    let svd = m.thin_svd().unwrap();
    let s: Vec<f64> = (0..t.min(p)).map(|i| svd.S()[i]).collect();
    let total: f64 = s.iter().map(|x| x * x).sum();
    for mode in 0..k {
        let want = s[mode] * s[mode] / total;
        assert!((fraction[[mode]] - want).abs() < 1e-10, "mode {mode}: {} vs {want}", fraction[[mode]]);
        // Patterns equal up to sign; the principal components with them.
        let sign = (0..p).map(|c| eofs[[mode, c / nx, c % nx]] * svd.V()[(c, mode)]).sum::<f64>().signum();
        for c in 0..p {
            let (got, want) = (eofs[[mode, c / nx, c % nx]], sign * svd.V()[(c, mode)]);
            assert!((got - want).abs() < 1e-8, "mode {mode} point {c}: {got} vs {want}");
        }
        for r in 0..t {
            let want = sign * svd.U()[(r, mode)] * s[mode];
            assert!((pcs[[r, mode]] - want).abs() < 1e-6 * s[mode], "pc {mode} at {r}");
        }
    }
    // Leading modes explain decreasing fractions, all of them below 1.
    assert!(fraction.iter().zip(fraction.iter().skip(1)).all(|(a, b)| a >= b));
    assert!(fraction.sum() < 1.0);
}

#[test]
fn eof_rejects_bad_requests_at_compute() {
    let x = DArray::<f64>::ones([5, 2, 2], 2).unwrap();
    assert!(matches!(linalg::eof(&x, None, 0).pcs.compute(), Err(darray::Error::Invalid(_))));
    assert!(matches!(linalg::eof(&x, None, 5).eofs.compute(), Err(darray::Error::Invalid(_))));
    let v = DArray::<f64>::ones([5], 2).unwrap();
    assert!(matches!(linalg::eof(&v, None, 1).eofs.compute(), Err(darray::Error::Shape(_))));
}
