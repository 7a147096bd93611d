//! The pipeline as a new user meets it: a simulator written here (not from sbi-core's testing
//! module), a multivariate normal prior, the public identity summary, and two density
//! estimators — the MDN and a second one written here — through the same calls.

use std::sync::atomic::{AtomicUsize, Ordering};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use sbi_core::{
    DensityEstimator, Fitted, Identity, Posterior, Progress, RowMatrix, SeedRng, Simulator,
    SummaryStatistics, TrainingData, check_dim,
};
use sbi_inference::{Dataset, FAIL_FAST_AFTER, FailureStage, Npe, Problem};
use sbi_npe::{MdnEstimator, TrainConfig};
use sbi_prior::MultivariateNormal;

/// A user's model: x = (θ₀ + θ₁, θ₀ − θ₁) + N(0, 0.3²) per component; refuses θ₀ > 2.5 (say,
/// an unstable region of a real model).
struct SumDiff;

#[derive(Debug, thiserror::Error)]
enum SumDiffError {
    #[error("θ₀ = {0} is beyond the model's range")]
    OutOfRange(f64),
    #[error(transparent)]
    Core(#[from] sbi_core::Error),
}

impl Simulator for SumDiff {
    type Output = Vec<f64>;
    type Error = SumDiffError;
    fn theta_dim(&self) -> usize {
        2
    }
    fn simulate<R: Rng + ?Sized>(&self, t: &[f64], rng: &mut R) -> Result<Vec<f64>, Self::Error> {
        check_dim(2, t.len())?;
        if t[0] > 2.5 {
            return Err(SumDiffError::OutOfRange(t[0]));
        }
        let mut e = || -> f64 { 0.3 * Distribution::<f64>::sample(&StandardNormal, rng) };
        Ok(vec![t[0] + t[1] + e(), t[0] - t[1] + e()])
    }
}

fn prior() -> MultivariateNormal {
    // Correlated prior: sd 1 and 0.8, correlation 0.5.
    MultivariateNormal::new(vec![0.5, -0.5], vec![1.0, 0.4, 0.4, 0.64]).unwrap()
}

/// The exact posterior of SumDiff under the Gaussian prior (ignoring the refused region,
/// which holds 6.7 % of the prior and little of these posteriors): x = Aθ + ε, A = [[1, 1],
/// [1, −1]], ε ~ N(0, 0.09·I); posterior precision Σ₀⁻¹ + AᵀA/0.09.
fn exact_mean(x: &[f64]) -> [f64; 2] {
    let s0 = nalgebra::Matrix2::new(1.0, 0.4, 0.4, 0.64);
    let a = nalgebra::Matrix2::new(1.0, 1.0, 1.0, -1.0);
    let p = s0.try_inverse().unwrap() + a.transpose() * a / 0.09;
    let m = p.try_inverse().unwrap()
        * (s0.try_inverse().unwrap() * nalgebra::Vector2::new(0.5, -0.5)
            + a.transpose() * nalgebra::Vector2::new(x[0], x[1]) / 0.09);
    [m[0], m[1]]
}

/// A second estimator, trivially different from the MDN: θ | x ~ N(B·[x, 1], Σ) by least
/// squares (exact for linear-Gaussian models).
struct LinearRegression;

/// Its posterior.
struct RegressionPosterior {
    /// (dx + 1) × d coefficients, row-major.
    coef: Vec<f64>,
    /// Lower Cholesky factor of the residual covariance, row-major.
    chol: Vec<f64>,
    d: usize,
    dx: usize,
}

impl RegressionPosterior {
    fn mean(&self, x: &[f64]) -> Vec<f64> {
        (0..self.d)
            .map(|j| {
                (0..self.dx)
                    .map(|i| x[i] * self.coef[i * self.d + j])
                    .sum::<f64>()
                    + self.coef[self.dx * self.d + j]
            })
            .collect()
    }
}

impl Posterior for RegressionPosterior {
    type Error = sbi_core::Error;
    fn theta_dim(&self) -> usize {
        self.d
    }
    fn x_dim(&self) -> usize {
        self.dx
    }
    fn sample<R: Rng + ?Sized>(
        &self,
        x: &[f64],
        n: usize,
        rng: &mut R,
    ) -> sbi_core::Result<RowMatrix> {
        check_dim(self.dx, x.len())?;
        sbi_core::check_finite(x)?;
        let m = self.mean(x);
        let d = self.d;
        let mut out = RowMatrix::zeros(n, d)?;
        for r in 0..n {
            let z: Vec<f64> = (0..d).map(|_| StandardNormal.sample(rng)).collect();
            for (i, (o, mi)) in out.row_mut(r).iter_mut().zip(&m).enumerate() {
                *o = mi + (0..=i).map(|j| self.chol[i * d + j] * z[j]).sum::<f64>();
            }
        }
        Ok(out)
    }
    fn log_prob(&self, theta: &[f64], x: &[f64]) -> sbi_core::Result<f64> {
        check_dim(self.d, theta.len())?;
        check_dim(self.dx, x.len())?;
        let d = self.d;
        let l = nalgebra::DMatrix::from_row_slice(d, d, &self.chol);
        let m = self.mean(x);
        let delta = nalgebra::DVector::from_iterator(d, theta.iter().zip(&m).map(|(t, m)| t - m));
        let y = l.solve_lower_triangular(&delta).unwrap();
        let log_det: f64 = (0..d).map(|i| self.chol[i * d + i].ln()).sum();
        Ok(-0.5 * y.norm_squared() - log_det - 0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln())
    }
}

impl DensityEstimator for LinearRegression {
    type Posterior = RegressionPosterior;
    type Error = sbi_core::Error;
    fn fit(
        &self,
        data: &TrainingData,
        _seed: u64,
        progress: &mut dyn Progress,
    ) -> sbi_core::Result<Fitted<RegressionPosterior>> {
        let (theta, x) = (data.theta(), data.x());
        let (n, d, dx) = (theta.nrows(), theta.ncols(), x.ncols());
        let design =
            nalgebra::DMatrix::from_fn(n, dx + 1, |r, c| if c < dx { x.get(r, c) } else { 1.0 });
        let target = nalgebra::DMatrix::from_fn(n, d, |r, c| theta.get(r, c));
        let coef = (design.transpose() * &design)
            .try_inverse()
            .ok_or(sbi_core::Error::Empty {
                what: "a full-rank design",
            })?
            * design.transpose()
            * &target;
        let resid = &target - &design * &coef;
        let cov = resid.transpose() * &resid / (n - dx - 1) as f64;
        let chol = cov
            .cholesky()
            .ok_or(sbi_core::Error::Empty {
                what: "a positive residual covariance",
            })?
            .l();
        progress.finish("least squares");
        Ok(Fitted::without_report(RegressionPosterior {
            coef: (0..(dx + 1) * d).map(|k| coef[(k / d, k % d)]).collect(),
            chol: (0..d * d).map(|k| chol[(k / d, k % d)]).collect(),
            d,
            dx,
        }))
    }
}

#[test]
fn a_users_simulator_trains_two_estimators_through_the_same_calls() {
    let prior = prior();
    let summary = Identity::new(2);
    let npe = || {
        Npe::new(
            Problem::new(&prior, &SumDiff, &summary)
                .num_simulations(3000)
                .seed(5),
        )
    };
    let mdn = MdnEstimator::new().with_train(TrainConfig::new().with_max_epochs(200));
    let a = npe().train(&mdn).unwrap();
    let b = npe().train(&LinearRegression).unwrap();
    // The same simulations for both; the refused θ are recorded with their cause.
    assert_eq!(a.dataset, b.dataset);
    let kinds = a.dataset.failure_kinds();
    assert_eq!(kinds.len(), 1);
    assert_eq!(kinds[0].stage, FailureStage::Simulator);
    assert!(kinds[0].first_message.contains("beyond the model's range"));
    // P(θ₀ > 2.5) = 1 − Φ(2) = 2.3 %: 68 of 3000 expected, sd 8.
    assert!((40..100).contains(&kinds[0].count), "{}", kinds[0].count);
    for f in a.dataset.failures() {
        assert!(a.dataset.theta().row(f.index)[0] > 2.5);
        assert!(a.dataset.x().row(f.index).iter().all(|v| v.is_nan()));
    }
    // Both posteriors, through the same trait calls, centre on the exact posterior mean
    // (posterior sd ≈ 0.2: 2,000 samples give a standard error of 0.005).
    let x = [0.7, 0.1];
    let want = exact_mean(&x);
    let sa = a
        .posterior
        .sample(&x, 2000, &mut SeedRng::seed_from_u64(1))
        .unwrap();
    let sb = b
        .posterior
        .sample(&x, 2000, &mut SeedRng::seed_from_u64(1))
        .unwrap();
    for (name, s) in [("mdn", &sa), ("regression", &sb)] {
        let m = s.column_means();
        for j in 0..2 {
            assert!((m[j] - want[j]).abs() < 0.05, "{name}: {m:?} vs {want:?}");
        }
    }
    let la = a.posterior.log_prob(&want, &x).unwrap();
    let lb = b.posterior.log_prob(&want, &x).unwrap();
    // Peak density of a 2-D Gaussian with sds ≈ 0.2, 0.2: ln(1/(2π·0.04)) ≈ 1.38.
    assert!((la - lb).abs() < 0.3, "{la} vs {lb}");
    // Ensembles work for any estimator too.
    let ens = npe()
        .train_ensemble(&LinearRegression, 2)
        .unwrap()
        .posterior;
    assert_eq!(ens.num_members(), 2);
    assert!(ens.log_prob(&want, &x).unwrap().is_finite());
}

#[test]
fn batched_sampling_keeps_each_observations_result() {
    let prior = prior();
    let run = Npe::new(Problem::new(&prior, &SumDiff, &Identity::new(2)).num_simulations(500))
        .train(&LinearRegression)
        .unwrap();
    let xs = RowMatrix::from_rows(&[[0.0, 0.0], [f64::NAN, 0.0], [1.0, 0.5]]).unwrap();
    let results = run.posterior.sample_batch(&xs, 10, 3);
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[2].is_ok());
    assert!(results[1].is_err());
    // Each observation's draws do not depend on the others.
    let alone = run
        .posterior
        .sample_batch(&RowMatrix::from_rows(&[[0.0, 0.0]]).unwrap(), 10, 3);
    assert_eq!(alone[0].as_ref().unwrap(), results[0].as_ref().unwrap());
}

/// A simulator that always fails: the run stops after the first chunk past
/// [`FAIL_FAST_AFTER`] simulations, with the cause, instead of simulating everything.
#[test]
fn a_systematic_failure_stops_the_run_with_its_cause() {
    struct Broken(AtomicUsize);
    impl Simulator for Broken {
        type Output = Vec<f64>;
        type Error = sbi_core::Error;
        fn theta_dim(&self) -> usize {
            2
        }
        fn simulate<R: Rng + ?Sized>(&self, _: &[f64], _: &mut R) -> sbi_core::Result<Vec<f64>> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Err(sbi_core::Error::Empty {
                what: "the model's input file",
            })
        }
    }
    let sim = Broken(AtomicUsize::new(0));
    let prior = prior();
    let err = Npe::new(Problem::new(&prior, &sim, &Identity::new(2)).num_simulations(100_000))
        .simulate()
        .unwrap_err();
    let calls = sim.0.load(Ordering::Relaxed);
    assert!(calls < 10 * FAIL_FAST_AFTER, "{calls} simulations ran");
    match err {
        sbi_inference::Error::SimulationsFailed {
            failed,
            total,
            first,
        } => {
            assert_eq!(failed, total);
            assert!(first.contains("simulation 0 at θ"), "{first}");
            assert!(
                first.contains("simulator: ") && first.contains("input file"),
                "{first}"
            );
        }
        e => panic!("{e}"),
    }
    // A summary that rejects every output stops the same way, naming the summary.
    struct Picky;
    impl SummaryStatistics<Vec<f64>> for Picky {
        type Error = sbi_core::Error;
        fn dim(&self) -> usize {
            1
        }
        fn names(&self) -> Vec<String> {
            vec!["f".into()]
        }
        fn summarize_into(&self, _: &Vec<f64>, _: &mut [f64]) -> sbi_core::Result<()> {
            Err(sbi_core::Error::Empty { what: "a spike" })
        }
    }
    let err = Npe::new(Problem::new(&prior, &SumDiff, &Picky).num_simulations(10_000))
        .simulate()
        .unwrap_err();
    assert!(err.to_string().contains("summary: "), "{err}");
}

#[test]
fn a_dataset_made_elsewhere_trains_like_a_simulated_one() {
    let prior = prior();
    let identity = Identity::new(2);
    let mut npe = Npe::new(
        Problem::new(&prior, &SumDiff, &identity)
            .num_simulations(800)
            .seed(2),
    );
    let simulated = npe.simulate().unwrap();
    // The same pairs, as someone else's arrays (NaN rows where the simulation failed).
    let elsewhere = Dataset::new(simulated.theta().clone(), simulated.x().clone(), vec![]).unwrap();
    assert_eq!(elsewhere.num_failed(), simulated.num_failed());
    let a = npe.train_on(&simulated, &LinearRegression).unwrap();
    let b = npe.train_on(&elsewhere, &LinearRegression).unwrap();
    assert_eq!(a.posterior.coef, b.posterior.coef);
    // θ of another width is refused.
    let wide = Dataset::new(
        RowMatrix::zeros(10, 3).unwrap(),
        RowMatrix::zeros(10, 2).unwrap(),
        vec![],
    )
    .unwrap();
    assert!(npe.train_on(&wide, &LinearRegression).is_err());
}
