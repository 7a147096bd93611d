//! The density-of-x misspecification test with sbi-npe's networks as the density (a flow or
//! an MDN fitted with a constant context), on the linear-Gaussian toy.

use rand::SeedableRng;
use sbi_core::testing::LinearGaussian;
use sbi_core::{Prior, RowMatrix, SeedRng, Simulator};
use sbi_inference::{Dataset, Misspecification, MmdTest, Verdict, XDensity};
use sbi_npe::NeuralEstimator;
use sbi_prior::BoxUniform;

fn pairs(n: usize, seed: u64) -> (RowMatrix, RowMatrix) {
    let prior = BoxUniform::new(vec![-3.0; 2], vec![3.0; 2]).unwrap();
    let theta = prior
        .sample_batch(n, &mut SeedRng::seed_from_u64(seed))
        .unwrap();
    let sim = LinearGaussian::new(2, 0.5).unwrap();
    let x = RowMatrix::from_rows(&sim.simulate_batch(&theta, seed).unwrap()).unwrap();
    (theta, x)
}

/// Each network as the density of x: 100 in-model observations pass (p > 0.05) at least 89
/// times (exact level 0.05: 95 expected, binomial standard error 2.2, 3 of them allowed), and
/// observations beyond every simulation give p < 0.01.
#[test]
fn networks_as_the_density_of_x() {
    let (theta, x) = pairs(2000, 1);
    let data = Dataset::new(theta, x, vec!["x0".into(), "x1".into()]).unwrap();
    let mmd = MmdTest::new(&data, 3).unwrap();
    let (_, observations) = pairs(100, 77);
    for name in ["nsf", "mdn"] {
        let t = std::time::Instant::now();
        let estimator = NeuralEstimator::from_name(name).unwrap();
        let density = XDensity::fit(&estimator, &data, 3, &mut ()).unwrap();
        let fitted = t.elapsed().as_secs_f64();
        let pass = observations
            .rows()
            .filter(|x| density.test(x).unwrap().p_value > 0.05)
            .count();
        // x1 far beyond the simulations; and a point beyond a corner of the simulated box.
        let far = Misspecification::check(&data, &mmd, Some(&density), &[0.0, 9.0]).unwrap();
        let off = density.test(&[-5.5, 5.5]).unwrap();
        println!(
            "{name}: fitted in {fitted:.1} s, {pass} of 100 pass; far p = {:.4}, corner p = {:.4}",
            far.density.unwrap().p_value,
            off.p_value
        );
        assert!(pass >= 89, "{name}: {pass}");
        assert!(far.density.unwrap().p_value < 0.01, "{name}");
        assert_eq!(far.verdict(), Verdict::Outside);
        assert!(off.p_value < 0.01, "{name}: {}", off.p_value);
    }
}
