//! Rate functions α(v), β(v) of the classic HH gates (rest-relative v, mV; rates in 1/ms):
//! the kinetics of [`crate::channels::classic`], all six at one potential.
//!
//! | gate | α(v) | β(v) |
//! |---|---|---|
//! | m | 0.1·(25 − v) / (exp((25 − v)/10) − 1) | 4·exp(−v/18) |
//! | h | 0.07·exp(−v/20) | 1 / (exp((30 − v)/10) + 1) |
//! | n | 0.01·(10 − v) / (exp((10 − v)/10) − 1) | 0.125·exp(−v/80) |
//!
//! αm and αn have removable 0/0 points (v = 25 and v = 10 mV); they are evaluated through
//! `u / (eᵘ − 1)`, which switches to its Taylor series for |u| < 10⁻⁴, so the value there is the
//! limit (αm(25) = 1, αn(10) = 0.1). All exponentials but exp(−v/18) are powers of
//! exp(−v/80): two `exp` calls per evaluation instead of six, and no branch.

use crate::channel::{Channel, Gate};
use crate::channels::classic::{ClassicK, ClassicNa};
use crate::real::Libm;

/// The six rates at one potential.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Rates {
    /// αm, 1/ms.
    pub alpha_m: f64,
    /// βm, 1/ms.
    pub beta_m: f64,
    /// αh, 1/ms.
    pub alpha_h: f64,
    /// βh, 1/ms.
    pub beta_h: f64,
    /// αn, 1/ms.
    pub alpha_n: f64,
    /// βn, 1/ms.
    pub beta_n: f64,
}

impl Rates {
    /// The rates at rest-relative potential `v` (mV), multiplied by the temperature factor
    /// `phi` (1 at 6.3 °C).
    ///
    /// ```
    /// let r = hh_model::Rates::at(0.0, 1.0);
    /// assert!((r.beta_m - 4.0).abs() < 1e-12);
    /// // The removable singularity of αm at v = 25 mV is its limit, 1/ms:
    /// assert!((hh_model::Rates::at(25.0, 1.0).alpha_m - 1.0).abs() < 1e-12);
    /// ```
    #[inline(always)]
    pub fn at(v: f64, phi: f64) -> Self {
        let rates = |g: Gate<f64>| match g {
            Gate::Rates { alpha, beta } => (alpha, beta),
            Gate::Relax { inf, tau } => (inf / tau, (1.0 - inf) / tau),
        };
        let mut na = [Gate::Rates {
            alpha: 0.0,
            beta: 0.0,
        }; 2];
        let mut k = [na[0]];
        ClassicNa.kinetics::<f64, Libm>(v, &[0.0, 0.0, phi], &mut na);
        ClassicK.kinetics::<f64, Libm>(v, &[0.0, 0.0, phi], &mut k);
        let ((alpha_m, beta_m), (alpha_h, beta_h), (alpha_n, beta_n)) =
            (rates(na[0]), rates(na[1]), rates(k[0]));
        Self {
            alpha_m,
            beta_m,
            alpha_h,
            beta_h,
            alpha_n,
            beta_n,
        }
    }

    /// Steady-state gate values (m∞, h∞, n∞) = α/(α + β).
    pub fn steady_state(&self) -> (f64, f64, f64) {
        (
            self.alpha_m / (self.alpha_m + self.beta_m),
            self.alpha_h / (self.alpha_h + self.beta_h),
            self.alpha_n / (self.alpha_n + self.beta_n),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// The textbook formulas, six `exp` calls, no care at the singular points.
    fn naive(v: f64) -> [f64; 6] {
        [
            0.1 * (25.0 - v) / (((25.0 - v) / 10.0).exp() - 1.0),
            4.0 * (-v / 18.0).exp(),
            0.07 * (-v / 20.0).exp(),
            1.0 / (((30.0 - v) / 10.0).exp() + 1.0),
            0.01 * (10.0 - v) / (((10.0 - v) / 10.0).exp() - 1.0),
            0.125 * (-v / 80.0).exp(),
        ]
    }

    #[test]
    fn shared_exponentials_match_textbook_formulas() {
        let mut v = -100.0;
        while v <= 150.0 {
            let r = Rates::at(v, 1.0);
            let n = naive(v);
            let got = [
                r.alpha_m, r.beta_m, r.alpha_h, r.beta_h, r.alpha_n, r.beta_n,
            ];
            for (g, w) in got.iter().zip(n) {
                assert_relative_eq!(*g, w, max_relative = 1e-12);
            }
            v += 0.37;
        }
    }

    #[test]
    fn removable_singularities_are_continuous() {
        for (v0, limit) in [(25.0, 1.0), (10.0, 0.1)] {
            let pick = |r: Rates| if v0 == 25.0 { r.alpha_m } else { r.alpha_n };
            assert_relative_eq!(pick(Rates::at(v0, 1.0)), limit, max_relative = 1e-12);
            for dv in [1e-9, 1e-6, 1e-4 * 10.0 * 0.999, 1e-4 * 10.0 * 1.001, 1e-2] {
                let lo = pick(Rates::at(v0 - dv, 1.0));
                let hi = pick(Rates::at(v0 + dv, 1.0));
                // The function is smooth with slope ≈ +limit/20 per mV near the point.
                assert!((lo - limit).abs() < dv * limit * 0.06 + 1e-13, "{v0} {dv}");
                assert!((hi - limit).abs() < dv * limit * 0.06 + 1e-13, "{v0} {dv}");
                assert!(lo < hi, "increasing in v");
            }
        }
    }

    #[test]
    fn phi_scales_every_rate() {
        let a = Rates::at(-7.0, 1.0);
        let b = Rates::at(-7.0, 3.0);
        assert_relative_eq!(b.alpha_m, 3.0 * a.alpha_m);
        assert_relative_eq!(b.beta_h, 3.0 * a.beta_h);
        assert_relative_eq!(b.beta_n, 3.0 * a.beta_n);
        // Steady states do not depend on phi.
        let (m1, h1, n1) = a.steady_state();
        let (m3, h3, n3) = b.steady_state();
        assert_relative_eq!(m1, m3, max_relative = 1e-14);
        assert_relative_eq!(h1, h3, max_relative = 1e-14);
        assert_relative_eq!(n1, n3, max_relative = 1e-14);
    }
}
