//! Statistical and property tests of the priors and the logit transform (fixed seeds).

use rand::{RngExt, SeedableRng};
use sbi_core::{Prior, SeedRng, stats::ks_test};
use sbi_prior::{BoxUniform, Error, IndependentPrior, LogitTransform, Marginal};

fn notebook_box() -> BoxUniform {
    BoxUniform::new(vec![40.0, 3.0, -1.0], vec![60.0, 7.0, 1.0]).unwrap()
}

#[test]
fn ks_test_per_dimension_on_10000_box_uniform_samples() {
    let prior = notebook_box();
    let s = prior
        .sample_batch(10_000, &mut SeedRng::seed_from_u64(2026))
        .unwrap();
    for j in 0..prior.dim() {
        let (l, h) = (prior.low()[j], prior.high()[j]);
        let col = s.column(j);
        let ks = ks_test(&col, |x| ((x - l) / (h - l)).clamp(0.0, 1.0)).unwrap();
        assert!(
            ks.p_value > 0.01,
            "dim {j}: D = {}, p = {}",
            ks.statistic,
            ks.p_value
        );
        // The test has power: a box shifted by 5 % of its width is rejected outright.
        let shift = 0.05 * (h - l);
        let wrong = ks_test(&col, |x| ((x - l - shift) / (h - l)).clamp(0.0, 1.0)).unwrap();
        assert!(wrong.p_value < 1e-6, "dim {j}: p = {}", wrong.p_value);
    }
}

#[test]
fn box_samples_stay_inside_and_log_prob_is_flat_inside_and_minus_infinity_outside() {
    let prior = notebook_box();
    let inside = -(20.0f64 * 4.0 * 2.0).ln();
    let mut rng = SeedRng::seed_from_u64(5);
    for _ in 0..20_000 {
        let t = prior.sample(&mut rng);
        assert!(prior.bounds().contains(&t));
        assert!((prior.log_prob(&t).unwrap() - inside).abs() < 1e-12);
    }
    // Random points in a larger box: log_prob is either the constant or −∞, exactly as
    // membership says.
    for _ in 0..20_000 {
        let t: Vec<f64> = (0..3)
            .map(|j| {
                let (l, h) = (prior.low()[j], prior.high()[j]);
                rng.random_range(l - (h - l)..h + (h - l))
            })
            .collect();
        let lp = prior.log_prob(&t).unwrap();
        if prior.bounds().contains(&t) {
            assert!((lp - inside).abs() < 1e-12);
        } else {
            assert_eq!(lp, f64::NEG_INFINITY);
        }
    }
    // The box is closed: its corners are in the support.
    assert!(prior.log_prob(&[40.0, 7.0, -1.0]).unwrap().is_finite());
    assert_eq!(
        prior.log_prob(&[f64::INFINITY, 5.0, 0.0]).unwrap(),
        f64::NEG_INFINITY
    );
    assert_eq!(prior.mean(), vec![50.0, 5.0, 0.0]);
    let var = prior.variance();
    assert!((var[0] - 400.0 / 12.0).abs() < 1e-12);
}

/// Central 4th moment from the first four raw moments.
fn central4(raw: [f64; 4]) -> f64 {
    let [m1, m2, m3, m4] = raw;
    m4 - 4.0 * m1 * m3 + 6.0 * m1 * m1 * m2 - 3.0 * m1.powi(4)
}

#[test]
fn product_prior_moments_match_their_analytic_values() {
    let (mu, sigma) = (1.0, 0.3);
    let marginals = vec![
        Marginal::Uniform {
            low: -2.0,
            high: 6.0,
        },
        Marginal::Normal {
            mean: 3.0,
            std: 0.5,
        },
        Marginal::LogNormal { mu, sigma },
    ];
    let prior = IndependentPrior::new(marginals.clone()).unwrap();
    let n = 100_000;
    let s = prior
        .sample_batch(n, &mut SeedRng::seed_from_u64(11))
        .unwrap();
    let mean = s.column_means();
    let cov = s.covariance().unwrap();
    let lognormal_raw = |k: f64| (k * mu + 0.5 * k * k * sigma * sigma).exp();
    let mu4 = [
        8.0f64.powi(4) / 80.0,
        3.0 * 0.5f64.powi(4),
        central4([1.0, 2.0, 3.0, 4.0].map(lognormal_raw)),
    ];
    for (j, m) in marginals.iter().enumerate() {
        let (true_mean, true_var) = (m.mean(), m.variance());
        // 5 standard errors: of the mean σ/√n, of the variance √((μ₄ − σ⁴)/n).
        let se_mean = (true_var / n as f64).sqrt();
        assert!(
            (mean[j] - true_mean).abs() < 5.0 * se_mean,
            "dim {j} mean {}",
            mean[j]
        );
        let se_var = ((mu4[j] - true_var * true_var) / n as f64).sqrt();
        assert!(
            (cov.get(j, j) - true_var).abs() < 5.0 * se_var,
            "dim {j} var {} vs {true_var}",
            cov.get(j, j)
        );
        // Independence: correlations with the other dimensions are ≈ 0 (5/√n).
        for k in 0..j {
            let corr = cov.get(j, k) / (cov.get(j, j) * cov.get(k, k)).sqrt();
            assert!(
                corr.abs() < 5.0 / (n as f64).sqrt(),
                "corr({j},{k}) = {corr}"
            );
        }
    }
    // Means/variances reported by the prior agree with the marginals'.
    assert_eq!(prior.mean()[2], marginals[2].mean());
    // Log-density of the product is the sum of the marginals'.
    let t = [1.0, 3.2, 2.5];
    let lp = prior.log_prob(&t).unwrap();
    let sum: f64 = marginals.iter().zip(t).map(|(m, x)| m.log_prob(x)).sum();
    assert!((lp - sum).abs() < 1e-12);
    // Normal log-density at its mean: −ln(σ√(2π)).
    let n1 = Marginal::Normal {
        mean: 3.0,
        std: 0.5,
    };
    assert!((n1.log_prob(3.0) + (0.5 * (2.0 * std::f64::consts::PI).sqrt()).ln()).abs() < 1e-12);
    // Log-normal support.
    assert_eq!(marginals[2].log_prob(0.0), f64::NEG_INFINITY);
    assert_eq!(prior.bounds().low[2], 0.0);
}

#[test]
fn product_prior_ks_per_dimension() {
    let m = [
        Marginal::Normal {
            mean: -1.0,
            std: 2.0,
        },
        Marginal::LogNormal {
            mu: 0.5,
            sigma: 0.4,
        },
    ];
    let prior = IndependentPrior::new(m.to_vec()).unwrap();
    let s = prior
        .sample_batch(10_000, &mut SeedRng::seed_from_u64(3))
        .unwrap();
    let phi = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let normal = ks_test(&s.column(0), |x| phi((x + 1.0) / 2.0)).unwrap();
    let lognormal = ks_test(&s.column(1), |x| {
        if x <= 0.0 {
            0.0
        } else {
            phi((x.ln() - 0.5) / 0.4)
        }
    })
    .unwrap();
    assert!(
        normal.p_value > 0.01 && lognormal.p_value > 0.01,
        "{normal:?} {lognormal:?}"
    );
}

#[test]
fn logit_transform_round_trips_and_has_the_right_jacobian() {
    let t = LogitTransform::for_box(&notebook_box());
    let mut rng = SeedRng::seed_from_u64(8);
    let prior = notebook_box();
    for _ in 0..1000 {
        let theta = prior.sample(&mut rng);
        if !theta.iter().zip(prior.low()).all(|(a, b)| a > b) {
            continue; // a draw exactly on the lower bound has no logit
        }
        let z = t.forward(&theta).unwrap();
        let back = t.inverse(&z).unwrap();
        for (a, b) in theta.iter().zip(&back) {
            assert!((a - b).abs() < 1e-9 * (1.0 + a.abs()));
        }
        // Diagonal Jacobian: compare with central differences per dimension.
        let h = 1e-5;
        let mut fd = 0.0;
        for j in 0..3 {
            let mut zp = z.clone();
            let mut zm = z.clone();
            zp[j] += h;
            zm[j] -= h;
            let d = (t.inverse(&zp).unwrap()[j] - t.inverse(&zm).unwrap()[j]) / (2.0 * h);
            fd += d.ln();
        }
        let lj = t.log_abs_det_jacobian(&z).unwrap();
        assert!((lj - fd).abs() < 1e-6, "{lj} vs {fd}");
    }
    // Change of variables: the pushed-forward uniform density integrates to 1 over z.
    let t1 = LogitTransform::new(vec![3.0], vec![7.0]).unwrap();
    let p = BoxUniform::new(vec![3.0], vec![7.0]).unwrap();
    let dz = 1e-3;
    let total: f64 = (-40_000..40_000)
        .map(|k| {
            let z = [(k as f64 + 0.5) * dz];
            let theta = t1.inverse(&z).unwrap();
            (p.log_prob(&theta).unwrap() + t1.log_abs_det_jacobian(&z).unwrap()).exp() * dz
        })
        .sum();
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    // Extreme z stays finite and maps onto the bounds.
    assert!(t1.log_abs_det_jacobian(&[800.0]).unwrap().is_finite());
    assert_eq!(t1.inverse(&[f64::INFINITY]).unwrap(), vec![7.0]);
    assert_eq!(t1.inverse(&[f64::NEG_INFINITY]).unwrap(), vec![3.0]);
}

#[test]
fn bad_input_is_an_error() {
    assert_eq!(
        BoxUniform::new(vec![0.0, 0.0], vec![1.0]),
        Err(Error::LengthMismatch { low: 2, high: 1 })
    );
    assert!(matches!(
        BoxUniform::new(vec![0.0, 2.0], vec![1.0, 2.0]),
        Err(Error::InvertedBounds { index: 1, .. })
    ));
    assert!(BoxUniform::new(vec![1.0], vec![0.0]).is_err());
    assert_eq!(BoxUniform::new(vec![], vec![]), Err(Error::Empty));
    assert_eq!(
        BoxUniform::new(vec![f64::NAN], vec![1.0]),
        Err(Error::NonFinite { index: 0 })
    );
    assert!(BoxUniform::new(vec![0.0], vec![f64::INFINITY]).is_err());
    let prior = notebook_box();
    assert!(matches!(
        prior.log_prob(&[50.0, 5.0]),
        Err(Error::Core(sbi_core::Error::DimensionMismatch {
            expected: 3,
            found: 2
        }))
    ));
    assert_eq!(
        prior.log_prob(&[50.0, f64::NAN, 0.0]),
        Err(Error::NonFinite { index: 1 })
    );
    let wrong_width = sbi_core::RowMatrix::zeros(2, 2).unwrap();
    assert!(prior.log_prob_batch(&wrong_width).is_err());
    assert!(IndependentPrior::new(vec![]).is_err());
    assert!(matches!(
        IndependentPrior::new(vec![Marginal::Normal {
            mean: 0.0,
            std: 0.0
        }]),
        Err(Error::InvalidScale { index: 0, .. })
    ));
    assert!(
        IndependentPrior::new(vec![Marginal::LogNormal {
            mu: f64::NAN,
            sigma: 1.0
        }])
        .is_err()
    );
    assert!(
        IndependentPrior::new(vec![Marginal::Uniform {
            low: 2.0,
            high: 2.0
        }])
        .is_err()
    );
    let t = LogitTransform::new(vec![0.0], vec![1.0]).unwrap();
    assert!(matches!(
        t.forward(&[1.0]),
        Err(Error::OutsideSupport { .. })
    ));
    assert!(t.forward(&[0.5, 0.5]).is_err());
    assert!(t.inverse(&[f64::NAN]).is_err());
    assert!(LogitTransform::new(vec![1.0], vec![1.0]).is_err());
}

#[test]
fn priors_whose_draws_would_overflow_are_errors() {
    // Their draws were ±∞ (the width, or exp of a draw, overflows f64).
    assert!(matches!(
        BoxUniform::new(vec![-1e308], vec![1e308]),
        Err(sbi_prior::Error::Overflow { index: 0, .. })
    ));
    for m in [
        Marginal::Uniform {
            low: -f64::MAX,
            high: f64::MAX,
        },
        Marginal::Normal {
            mean: 1e308,
            std: 1e307,
        },
        Marginal::LogNormal {
            mu: 710.0,
            sigma: 1.0,
        },
        Marginal::LogNormal {
            mu: -750.0,
            sigma: 1.0,
        },
        Marginal::LogNormal {
            mu: 0.0,
            sigma: 20.0,
        },
    ] {
        assert!(
            matches!(
                IndependentPrior::new(vec![m]),
                Err(sbi_prior::Error::Overflow { .. })
            ),
            "{m:?}"
        );
    }
    assert!(
        IndependentPrior::new(vec![Marginal::LogNormal {
            mu: 600.0,
            sigma: 1.0
        }])
        .is_ok()
    );
    assert!(BoxUniform::new(vec![-1e307], vec![1e307]).is_ok());
}
