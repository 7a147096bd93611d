//! Importance sampling of a posterior inside its prior, where rejection accepts nothing: a
//! Gaussian "posterior" centred outside a box, whose restriction to the box is a product of
//! truncated normals with known moments.

use rand::{Rng, SeedableRng};
use sbi_core::testing::normal_cdf;
use sbi_core::{Posterior, RowMatrix, SeedRng};
use sbi_inference::{Error, importance_sample};
use sbi_prior::BoxUniform;

/// An independent Gaussian over θ (x is ignored).
struct Gaussian {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl Posterior for Gaussian {
    type Error = sbi_core::Error;
    fn theta_dim(&self) -> usize {
        self.mean.len()
    }
    fn x_dim(&self) -> usize {
        1
    }
    fn sample<R: Rng + ?Sized>(
        &self,
        _: &[f64],
        n: usize,
        _: &mut R,
    ) -> Result<RowMatrix, sbi_core::Error> {
        RowMatrix::zeros(n, self.mean.len())
    }
    fn log_prob(&self, t: &[f64], _: &[f64]) -> Result<f64, sbi_core::Error> {
        Ok(t.iter()
            .zip(&self.mean)
            .zip(&self.std)
            .map(|((t, m), s)| -0.5 * ((t - m) / s).powi(2) - s.ln())
            .sum())
    }
}

fn phi(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// Mean and standard deviation of N(m, s²) truncated to [a, b].
fn truncated(m: f64, s: f64, a: f64, b: f64) -> (f64, f64) {
    let (al, be) = ((a - m) / s, (b - m) / s);
    let z = normal_cdf(be) - normal_cdf(al);
    let r = (phi(al) - phi(be)) / z;
    let var = s * s * (1.0 + (al * phi(al) - be * phi(be)) / z - r * r);
    (m + s * r, var.sqrt())
}

fn column_moments(m: &RowMatrix, j: usize) -> (f64, f64) {
    let n = m.nrows() as f64;
    let mean = m.rows().map(|r| r[j]).sum::<f64>() / n;
    let var = m.rows().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

#[test]
fn the_restricted_posterior_has_the_truncated_moments() {
    // Dimension 0: N(1.8, 0.2²) on [0, 1], mass Φ(−4) = 3·10⁻⁵ inside — rejection from the
    // posterior would accept nothing. Dimension 1: N(0.5, 0.1²), all inside.
    let post = Gaussian {
        mean: vec![1.8, 0.5],
        std: vec![0.2, 0.1],
    };
    let prior = BoxUniform::new(vec![0.0; 2], vec![1.0; 2]).unwrap();
    let n = 2000;
    let s = importance_sample(&post, &prior, &[0.0], n, &mut SeedRng::seed_from_u64(3)).unwrap();
    assert_eq!(s.samples.nrows(), n);
    assert!(s.samples.as_slice().iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(
        s.effective_sample_size > 200.0,
        "{}",
        s.effective_sample_size
    );
    for (j, (m, sd, a, b)) in [(1.8, 0.2, 0.0, 1.0), (0.5, 0.1, 0.0, 1.0)]
        .into_iter()
        .enumerate()
    {
        let (exact_mean, exact_std) = truncated(m, sd, a, b);
        let (mean, std) = column_moments(&s.samples, j);
        // Standard error of a mean of resampled weighted draws: the weights' own
        // (ESS draws) plus the resampling's (n draws). 5 of them.
        let se = exact_std * (1.0 / s.effective_sample_size + 1.0 / n as f64).sqrt();
        assert!(
            (mean - exact_mean).abs() < 5.0 * se,
            "θ{j}: mean {mean} vs exact {exact_mean} (SE {se})"
        );
        // The std's relative standard error is about 1/√(2·ESS) ≤ 5 %: within 20 %.
        assert!(
            (std / exact_std - 1.0).abs() < 0.2,
            "θ{j}: std {std} vs exact {exact_std}"
        );
    }
    // Seeded: the same seed, the same draws.
    let again =
        importance_sample(&post, &prior, &[0.0], n, &mut SeedRng::seed_from_u64(3)).unwrap();
    assert_eq!(again, s);
}

#[test]
fn a_posterior_without_weight_inside_is_an_error_not_repeated_values() {
    // A needle far outside the box: every proposal's weight underflows to the same few.
    let post = Gaussian {
        mean: vec![30.0, 30.0],
        std: vec![1e-3, 1e-3],
    };
    let prior = BoxUniform::new(vec![0.0; 2], vec![1.0; 2]).unwrap();
    let e = importance_sample(&post, &prior, &[0.0], 100, &mut SeedRng::seed_from_u64(0));
    match e {
        Err(Error::ImportanceSampling(msg)) => assert!(msg.contains("effective"), "{msg}"),
        other => panic!("expected an importance-sampling error, got {other:?}"),
    }
    // Bad requests.
    assert!(importance_sample(&post, &prior, &[0.0], 0, &mut SeedRng::seed_from_u64(0)).is_err());
    assert!(
        importance_sample(
            &post,
            &prior,
            &[0.0, 1.0],
            10,
            &mut SeedRng::seed_from_u64(0)
        )
        .is_err()
    );
}
