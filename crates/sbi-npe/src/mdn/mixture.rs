//! The density the MDN describes ([`Mixture`]): a mixture of full-covariance Gaussians, its
//! log-density and sampling (its mode search is with the MAP, in `posterior::map`).

use nalgebra::DMatrix;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};
use sbi_core::stats::log_sum_exp;

use crate::error::{Error, Result};
use crate::math::{HALF_LN_2PI, softplus};
use crate::zscore::ZScore;

/// Number of entries of an upper-triangular d × d matrix.
pub(crate) fn tri(d: usize) -> usize {
    d * (d + 1) / 2
}

/// A mixture of K full-covariance Gaussians in d dimensions, component k with weight wₖ,
/// mean μₖ and precision Pₖ = AₖᵀAₖ + ε·I (Aₖ upper triangular, positive diagonal).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Mixture {
    pub d: usize,
    pub k: usize,
    pub log_weights: Vec<f64>,
    pub means: Vec<f64>,
    /// Pₖ, d × d row-major, per component.
    pub precisions: Vec<f64>,
    /// Lower Cholesky factor Lₖ of Pₖ (Pₖ = LₖLₖᵀ), row-major, per component.
    pub chol: Vec<f64>,
    /// ln wₖ − (d/2)·ln 2π + ½·ln det Pₖ.
    pub log_norm: Vec<f64>,
}

impl Mixture {
    /// From the network's raw output `[logits (K) | means (K·d) | factors (K·d(d+1)/2)]`;
    /// factor entries run over the upper triangle row by row, diagonal through softplus plus
    /// `min_diag` ([`MdnConfig::min_factor_diagonal`]).
    pub(crate) fn from_raw(
        raw: &[f64],
        d: usize,
        k: usize,
        eps: f64,
        min_diag: f64,
    ) -> Result<Self> {
        let t = tri(d);
        let logits = &raw[..k];
        let max = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let lse = max + logits.iter().map(|l| (l - max).exp()).sum::<f64>().ln();
        let log_weights: Vec<f64> = logits.iter().map(|l| l - lse).collect();
        let means = raw[k..k + k * d].to_vec();
        let mut precisions = Vec::with_capacity(k * d * d);
        for c in 0..k {
            let f = &raw[k + k * d + c * t..k + k * d + (c + 1) * t];
            let mut a = DMatrix::<f64>::zeros(d, d);
            let mut idx = 0;
            for i in 0..d {
                for j in i..d {
                    a[(i, j)] = if i == j {
                        softplus(f[idx]) + min_diag
                    } else {
                        f[idx]
                    };
                    idx += 1;
                }
            }
            let p = a.transpose() * &a + DMatrix::<f64>::identity(d, d) * eps;
            precisions.extend((0..d * d).map(|i| p[(i / d, i % d)]));
        }
        Self::from_parts(d, log_weights, means, precisions)
    }

    /// From explicit parts: per-component log-weights (not necessarily normalised), means
    /// (K·d) and precisions (K·d·d, row-major, symmetric positive definite).
    pub(crate) fn from_parts(
        d: usize,
        log_weights: Vec<f64>,
        means: Vec<f64>,
        precisions: Vec<f64>,
    ) -> Result<Self> {
        let k = log_weights.len();
        let mut chol = vec![0.0; k * d * d];
        let mut log_norm = Vec::with_capacity(k);
        for c in 0..k {
            let p = DMatrix::from_row_slice(d, d, &precisions[c * d * d..(c + 1) * d * d]);
            let l = p
                .cholesky()
                .ok_or(Error::NotPositiveDefinite { component: c })?
                .l();
            for i in 0..d {
                for j in 0..d {
                    chol[c * d * d + i * d + j] = l[(i, j)];
                }
            }
            let log_det: f64 = 2.0 * (0..d).map(|i| l[(i, i)].ln()).sum::<f64>();
            log_norm.push(log_weights[c] - d as f64 * HALF_LN_2PI + 0.5 * log_det);
        }
        if log_norm.iter().chain(&means).any(|v| !v.is_finite()) {
            return Err(Error::NonFiniteMixture);
        }
        Ok(Self {
            d,
            k,
            log_weights,
            means,
            precisions,
            chol,
            log_norm,
        })
    }

    /// Per-component log-densities (including weights) at `theta`.
    pub(crate) fn component_log_probs(&self, theta: &[f64], out: &mut [f64]) {
        let d = self.d;
        for (c, slot) in out.iter_mut().enumerate().take(self.k) {
            let mu = &self.means[c * d..(c + 1) * d];
            let l = &self.chol[c * d * d..(c + 1) * d * d];
            // δᵀPδ = ‖Lᵀδ‖².
            let mut quad = 0.0;
            for j in 0..d {
                let mut s = 0.0;
                for i in j..d {
                    s += l[i * d + j] * (theta[i] - mu[i]);
                }
                quad += s * s;
            }
            *slot = self.log_norm[c] - 0.5 * quad;
        }
    }

    /// ln q(θ).
    pub(crate) fn log_prob(&self, theta: &[f64]) -> f64 {
        let mut lp = vec![0.0; self.k];
        self.component_log_probs(theta, &mut lp);
        log_sum_exp(&lp)
    }

    /// One draw into `out`.
    pub(crate) fn sample_into<R: Rng + ?Sized>(&self, rng: &mut R, z: &mut [f64], out: &mut [f64]) {
        let d = self.d;
        let u: f64 = rng.random();
        let mut acc = 0.0;
        let mut c = self.k - 1;
        for (i, lw) in self.log_weights.iter().enumerate() {
            acc += lw.exp();
            if u < acc {
                c = i;
                break;
            }
        }
        for zi in z.iter_mut() {
            *zi = StandardNormal.sample(rng);
        }
        // Solve Lᵀ y = z (upper triangular) by back substitution: y ~ N(0, P⁻¹).
        let l = &self.chol[c * d * d..(c + 1) * d * d];
        for i in (0..d).rev() {
            let mut s = z[i];
            for j in i + 1..d {
                s -= l[j * d + i] * out[j];
            }
            out[i] = s / l[i * d + i];
        }
        for (o, m) in out.iter_mut().zip(&self.means[c * d..(c + 1) * d]) {
            *o += m;
        }
    }

    /// The same density in raw θ units, θ = mean + std·z (component weights shifted by
    /// `log_weight_shift`, e.g. −ln P(support) for a leakage-corrected mixture).
    pub(crate) fn to_raw(&self, z: &ZScore, log_weight_shift: f64) -> Result<Self> {
        let d = self.d;
        let log_weights = self
            .log_weights
            .iter()
            .map(|w| w + log_weight_shift)
            .collect();
        let means = (0..self.k * d)
            .map(|i| z.mean[i % d] + z.std[i % d] * self.means[i])
            .collect();
        let precisions = (0..self.k * d * d)
            .map(|e| {
                let (i, j) = ((e / d) % d, e % d);
                self.precisions[e] / (z.std[i] * z.std[j])
            })
            .collect();
        Self::from_parts(d, log_weights, means, precisions)
    }

    /// The component means, one vector each.
    pub(crate) fn component_means(&self) -> impl Iterator<Item = Vec<f64>> + '_ {
        self.means.chunks(self.d).map(<[f64]>::to_vec)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::SeedableRng;

    /// A 2-D, 2-component mixture with known parameters.
    pub(crate) fn two_component() -> Mixture {
        // logits, means (2×2), factors (2×3): component 0 A = [[sp⁻¹(2), 0.5], [0, sp⁻¹(1)]].
        let inv_sp = |y: f64| (y.exp() - 1.0).ln();
        let raw = [
            0.0,
            (3.0f64).ln(),
            1.0,
            -1.0,
            -2.0,
            0.5,
            inv_sp(2.0),
            0.5,
            inv_sp(1.0),
            inv_sp(0.5),
            -0.3,
            inv_sp(3.0),
        ];
        Mixture::from_raw(&raw, 2, 2, 0.0, 0.0).unwrap()
    }

    #[test]
    fn density_integrates_to_one_and_samples_match_moments() {
        let m = two_component();
        assert!((m.log_weights[1].exp() - 0.75).abs() < 1e-12);
        // Riemann sum over a wide grid.
        let h = 0.02;
        let mut total = 0.0;
        for i in -500..500 {
            for j in -500..500 {
                total += m.log_prob(&[i as f64 * h, j as f64 * h]).exp() * h * h;
            }
        }
        assert!((total - 1.0).abs() < 1e-4, "{total}");
        // Sample mean = Σ wₖ μₖ.
        let mut rng = sbi_core::SeedRng::seed_from_u64(1);
        let (mut z, mut out) = (vec![0.0; 2], vec![0.0; 2]);
        let n = 200_000;
        let mut mean = [0.0; 2];
        for _ in 0..n {
            m.sample_into(&mut rng, &mut z, &mut out);
            mean[0] += out[0] / n as f64;
            mean[1] += out[1] / n as f64;
        }
        let want = [0.25 - 0.75 * 2.0, -0.25 + 0.75 * 0.5];
        assert!(
            (mean[0] - want[0]).abs() < 0.01 && (mean[1] - want[1]).abs() < 0.01,
            "{mean:?}"
        );
    }
}
