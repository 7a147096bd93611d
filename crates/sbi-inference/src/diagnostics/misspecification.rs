//! Is the model wrong for this observation? Two outlier tests of one observed x against the
//! simulations the posterior was trained on, as sbi's `diagnostics/misspecification.py` runs
//! them — a density of x ([`XDensity`]: any [`DensityEstimator`] fitted unconditionally on the
//! simulated x) and a kernel two-sample test ([`MmdTest`]) — and their joint [`Verdict`]
//! ([`Misspecification`]), with the features that lie furthest out.
//!
//! Both tests rank the observation among held-out simulations that neither test was fitted
//! on, so under the model (the observation simulated from the prior) it is exchangeable with
//! them and the p-value `(1 + #{held-out at least as extreme}) / (1 + #held-out)` is exact:
//! P(p ≤ α) ≤ α for every α.

use rand::seq::SliceRandom;
use rayon::prelude::*;
use sbi_core::{
    Bounds, DensityEstimator, Posterior, Progress, RowMatrix, TrainingData, item_rng, streams,
};

use crate::dataset::Dataset;
use crate::diagnostics::placement::{FeaturePlacement, furthest_out, place_observation};
use crate::error::{Error, Result};

/// At most this many simulations are held out to rank an observation among, and at most this
/// many form the MMD test's reference set (sbi's `max_samples`).
pub const MAX_REFERENCE: usize = 1000;

/// The fewest successful simulations the tests accept: a fifth (at least 20) are held out.
pub const MIN_SIMULATIONS: usize = 100;

/// p-values below this say the observation lies outside what the model produces.
pub const OUTSIDE_LEVEL: f64 = 0.01;

/// p-values below this (and not below [`OUTSIDE_LEVEL`]) make the observation doubtful.
pub const DOUBTFUL_LEVEL: f64 = 0.05;

/// The outcome of one outlier test of an observation against held-out simulations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierTest {
    /// The test's statistic at the observation (the density's ln p(x), or the MMD²).
    pub statistic: f64,
    /// `(1 + k) / (1 + n)`: k of the n held-out simulations are at least as extreme as the
    /// observation (a lower log-density, a larger MMD²).
    pub p_value: f64,
    /// n, the held-out simulations the observation was ranked among.
    pub reference: usize,
}

/// Which simulations fit the tests and which are held out to rank observations among: the
/// successful rows of the dataset, shuffled by `seed`.
struct Split {
    fit: Vec<usize>,
    held: Vec<usize>,
}

impl Split {
    fn new(dataset: &Dataset, seed: u64) -> Result<Self> {
        let x = dataset.x();
        let mut rows: Vec<usize> = (0..x.nrows())
            .filter(|&i| x.row(i).iter().all(|v| v.is_finite()))
            .collect();
        if rows.len() < MIN_SIMULATIONS {
            return Err(Error::Empty {
                what: format!(
                    "the misspecification tests need at least {MIN_SIMULATIONS} successful \
                     simulations; the dataset has {}",
                    rows.len()
                ),
            });
        }
        rows.shuffle(&mut streams::MISSPECIFICATION_SPLIT.rng(seed));
        let held = (rows.len() / 5).min(MAX_REFERENCE);
        let fit = rows.split_off(held);
        Ok(Self { fit, held: rows })
    }
}

/// Mean and (population) standard deviation of column `j` of `x` over `rows`.
fn column_stats(x: &RowMatrix, rows: &[usize], j: usize) -> (f64, f64) {
    let n = rows.len() as f64;
    let mean = rows.iter().map(|&i| x.get(i, j) / n).sum::<f64>();
    let var = rows
        .iter()
        .map(|&i| (x.get(i, j) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean, var.sqrt())
}

fn check_observation(dataset: &Dataset, x_o: &[f64]) -> Result<()> {
    sbi_core::check_dim(dataset.x().ncols(), x_o.len())?;
    if let Some(index) = x_o.iter().position(|v| !v.is_finite()) {
        return Err(sbi_core::Error::NonFinite { index }.into());
    }
    Ok(())
}

/// The p-value of `statistic` among `sorted` held-out statistics, extreme meaning larger when
/// `upper` and smaller otherwise.
fn rank_p_value(sorted: &[f64], statistic: f64, upper: bool) -> f64 {
    let as_extreme = if upper {
        sorted.len() - sorted.partition_point(|v| *v < statistic)
    } else {
        sorted.partition_point(|v| *v <= statistic)
    };
    (1 + as_extreme) as f64 / (1 + sorted.len()) as f64
}

/// A density of the simulated x, fitted by any [`DensityEstimator`] (sbi-npe's flows or MDN)
/// with x as its "θ" and a constant context, on four fifths of the successful simulations;
/// the rest are held out and scored, and an observation's p-value is the fraction of them
/// with a log-density at most its own (sbi's `calc_misspecification_logprob`).
///
/// Every x — fitted, held out or observed — is first blurred by Gaussian noise of
/// [`DENSITY_JITTER`] times each feature's standard deviation (seeded): features with point
/// masses (a spike count, a fill value where a feature is undefined, a constant) otherwise
/// let a density collapse onto them and grow without bound, training for ever and scoring
/// anything off the masses as an outlier. The same blur for the observation keeps it
/// exchangeable with the held-out simulations, so the p-value stays exact.
///
/// ```
/// # use sbi_core::{Bounds, DensityEstimator, Error, Fitted, Posterior, Progress, RowMatrix, TrainingData};
/// # use rand::Rng;
/// # /// A Gaussian with the data's mean and unit variance, whatever the context.
/// # struct Normal(Vec<f64>);
/// # impl Posterior for Normal {
/// #     type Error = Error;
/// #     fn theta_dim(&self) -> usize { self.0.len() }
/// #     fn x_dim(&self) -> usize { 1 }
/// #     fn sample<R: Rng + ?Sized>(&self, _: &[f64], n: usize, _: &mut R) -> Result<RowMatrix, Error> { RowMatrix::zeros(n, self.0.len()) }
/// #     fn log_prob(&self, t: &[f64], _: &[f64]) -> Result<f64, Error> {
/// #         Ok(-0.5 * t.iter().zip(&self.0).map(|(a, m)| (a - m).powi(2)).sum::<f64>())
/// #     }
/// # }
/// # struct Fit;
/// # impl DensityEstimator for Fit {
/// #     type Posterior = Normal; type Error = Error;
/// #     fn fit(&self, d: &TrainingData, _: u64, _: &mut dyn Progress) -> Result<Fitted<Normal>, Error> {
/// #         Ok(Fitted::without_report(Normal(d.theta().column_means())))
/// #     }
/// # }
/// use sbi_inference::{Dataset, XDensity};
/// // x = θ + noise for θ on a grid: the simulations fill roughly [−1, 11].
/// let theta = RowMatrix::from_rows(&(0..500).map(|i| [(i % 11) as f64]).collect::<Vec<_>>())?;
/// let x = RowMatrix::from_rows(&(0..500).map(|i| [(i % 11) as f64 + ((i * 7919) % 13) as f64 / 13.0 - 0.5]).collect::<Vec<_>>())?;
/// let data = Dataset::new(theta, x, vec!["v".into()])?;
/// let density = XDensity::fit(&Fit, &data, 1, &mut ())?;
/// assert!(density.test(&[5.0])?.p_value > 0.5);
/// assert!(density.test(&[40.0])?.p_value < 0.01);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct XDensity<P> {
    density: P,
    held: Vec<f64>,
    /// The blur's standard deviation per feature.
    blur: Vec<f64>,
    seed: u64,
}

/// The blur of [`XDensity`], in standard deviations of each feature.
pub const DENSITY_JITTER: f64 = 0.05;

/// `row` blurred by independent N(0, blurⱼ²) noise from `rng`.
fn blurred<R: rand::Rng + ?Sized>(row: &[f64], blur: &[f64], rng: &mut R) -> Vec<f64> {
    use rand_distr::{Distribution, StandardNormal};
    row.iter()
        .zip(blur)
        .map(|(v, b)| {
            let e: f64 = StandardNormal.sample(rng);
            v + b * e
        })
        .collect()
}

impl<P: Posterior> XDensity<P> {
    /// Fits `estimator` on the dataset's successful simulations (split by `seed`; training
    /// seeded by `seed` too) and scores the held-out ones.
    ///
    /// # Errors
    /// Fewer than [`MIN_SIMULATIONS`] successful simulations; the estimator's or the
    /// density's own errors; a held-out log-density that is NaN.
    pub fn fit<E>(
        estimator: &E,
        dataset: &Dataset,
        seed: u64,
        progress: &mut dyn Progress,
    ) -> Result<Self>
    where
        E: DensityEstimator<Posterior = P>,
    {
        let split = Split::new(dataset, seed)?;
        let x = dataset.x();
        let dim = x.ncols();
        let blur: Vec<f64> = (0..dim)
            .map(|j| {
                let (mean, std) = column_stats(x, &split.fit, j);
                let s = DENSITY_JITTER * std;
                // A constant feature: blur at the scale of its value (or 1), so it stays a
                // density, not a point.
                if s > 0.0 && s.is_finite() {
                    s
                } else {
                    DENSITY_JITTER * (1.0 + mean.abs())
                }
            })
            .collect();
        let blur_seed = streams::MISSPECIFICATION_SPLIT.seed(seed);
        let take = |rows: &[usize]| -> Result<RowMatrix> {
            let mut m = RowMatrix::zeros(0, dim)?;
            for &i in rows {
                m.push_row(&blurred(
                    x.row(i),
                    &blur,
                    &mut item_rng(blur_seed, i as u64),
                ))?;
            }
            Ok(m)
        };
        let fit = take(&split.fit)?;
        let context = RowMatrix::zeros(fit.nrows(), 1)?;
        let data = TrainingData::new(fit, context, Bounds::unbounded(dim))?;
        let density = estimator
            .fit(&data, seed, progress)
            .map_err(Error::estimator)?
            .posterior;
        let mut held = density
            .log_prob_batch(&take(&split.held)?, &[0.0])
            .map_err(Error::posterior)?;
        if held.iter().any(|v| v.is_nan()) {
            return Err(Error::Posterior(
                "the density of x gave a NaN log-density to a held-out simulation".into(),
            ));
        }
        held.sort_by(f64::total_cmp);
        Ok(Self {
            density,
            held,
            blur,
            seed,
        })
    }

    /// ln p(x) under the fitted density (of blurred x: `x` as given, not blurred).
    ///
    /// # Errors
    /// x of the wrong width or not finite; the density's own errors.
    pub fn log_prob(&self, x: &[f64]) -> Result<f64> {
        sbi_core::check_dim(self.blur.len(), x.len())?;
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        self.density.log_prob(x, &[0.0]).map_err(Error::posterior)
    }

    /// The observation's log-density, blurred as the held-out simulations were (by a draw
    /// seeded by the fit's seed: the same observation always gets the same blur), ranked
    /// among theirs (low is extreme).
    ///
    /// # Errors
    /// As [`XDensity::log_prob`].
    pub fn test(&self, x_o: &[f64]) -> Result<OutlierTest> {
        sbi_core::check_dim(self.blur.len(), x_o.len())?;
        let mut rng = streams::MISSPECIFICATION_SPLIT.rng(self.seed ^ 0x6f62_7365);
        let statistic = self.log_prob(&blurred(x_o, &self.blur, &mut rng))?;
        Ok(OutlierTest {
            statistic,
            p_value: rank_p_value(&self.held, statistic, false),
            reference: self.held.len(),
        })
    }

    /// The fitted density (its θ is x; its context one constant 0).
    pub fn density(&self) -> &P {
        &self.density
    }
}

/// The maximum-mean-discrepancy two-sample test of sbi's `calc_misspecification_mmd` (x
/// space), for one observation: features z-scored by the simulations' mean and standard
/// deviation, a Gaussian kernel k(a, b) = exp(−|a − b|² / 2h²) with h the median distance
/// between reference simulations times Scott's factor m^(−1/(d+4)) (m reference points, d
/// features; sbi takes the median alone), fixed once so observed and held-out statistics
/// are the same function, and the biased MMD² between {x} and a reference set R of up to
/// [`MAX_REFERENCE`] simulations: 1 + mean k(R, R) − 2 mean k(x, R). The held-out
/// simulations' MMD² against R form the null distribution (sbi draws its null from random
/// subsets of the simulations; holding them out of R makes the p-value exact).
///
/// With one observation the statistic is a kernel density estimate of x in disguise: it
/// grows as x moves away from every simulation, whatever the features' units.
#[derive(Debug, Clone, PartialEq)]
pub struct MmdTest {
    mean: Vec<f64>,
    std: Vec<f64>,
    reference: RowMatrix,
    bandwidth: f64,
    self_term: f64,
    held: Vec<f64>,
}

impl MmdTest {
    /// Builds the test from the dataset's successful simulations, split by `seed` as
    /// [`XDensity::fit`] splits them.
    ///
    /// # Errors
    /// Fewer than [`MIN_SIMULATIONS`] successful simulations.
    pub fn new(dataset: &Dataset, seed: u64) -> Result<Self> {
        let split = Split::new(dataset, seed)?;
        let x = dataset.x();
        let d = x.ncols();
        let (mean, std): (Vec<f64>, Vec<f64>) = (0..d)
            .map(|j| {
                let (m, s) = column_stats(x, &split.fit, j);
                // A constant feature keeps its values: z-scored by 1.
                let s = if s > 1e-14 * (1.0 + m.abs()) && s.is_finite() {
                    s
                } else {
                    1.0
                };
                (m, s)
            })
            .unzip();
        let z = |row: &[f64]| -> Vec<f64> {
            row.iter()
                .zip(mean.iter().zip(&std))
                .map(|(v, (m, s))| (v - m) / s)
                .collect()
        };
        let reference_rows: Vec<Vec<f64>> = split
            .fit
            .iter()
            .take(MAX_REFERENCE)
            .map(|&i| z(x.row(i)))
            .collect();
        let reference = RowMatrix::from_rows(&reference_rows)?;
        let m = reference.nrows();
        let mut distances: Vec<f64> = (0..m)
            .into_par_iter()
            .flat_map_iter(|a| {
                let reference = &reference;
                (a + 1..m).map(move |b| squared_distance(reference.row(a), reference.row(b)))
            })
            .collect();
        let mid = distances.len() / 2;
        let (_, median, _) = distances.select_nth_unstable_by(mid, f64::total_cmp);
        // The median heuristic narrowed by Scott's factor m^(−1/(d+4)): with one observation
        // the statistic is a kernel density estimate, and the median distance alone smooths
        // it so much that one feature 4 standard deviations out still scored as typical.
        // All reference points equal (every feature constant): any bandwidth will do.
        let scott = (m as f64).powf(-1.0 / (d as f64 + 4.0));
        let bandwidth = if *median > 0.0 {
            median.sqrt() * scott
        } else {
            1.0
        };
        let mut test = Self {
            mean: mean.clone(),
            std: std.clone(),
            reference,
            bandwidth,
            self_term: 0.0,
            held: Vec::new(),
        };
        test.self_term = (0..m)
            .into_par_iter()
            .map(|a| test.mean_kernel(test.reference.row(a)))
            .sum::<f64>()
            / m as f64;
        let mut held: Vec<f64> = split
            .held
            .par_iter()
            .map(|&i| test.mmd2_standardised(&z(x.row(i))))
            .collect();
        held.sort_by(f64::total_cmp);
        test.held = held;
        Ok(test)
    }

    /// mean over R of k(z, r).
    fn mean_kernel(&self, z: &[f64]) -> f64 {
        let scale = 0.5 / (self.bandwidth * self.bandwidth);
        self.reference
            .rows()
            .map(|r| (-squared_distance(z, r) * scale).exp())
            .sum::<f64>()
            / self.reference.nrows() as f64
    }

    fn mmd2_standardised(&self, z: &[f64]) -> f64 {
        1.0 + self.self_term - 2.0 * self.mean_kernel(z)
    }

    /// The biased MMD² between {x} and the reference set.
    ///
    /// # Errors
    /// x of the wrong width or not finite.
    pub fn mmd2(&self, x: &[f64]) -> Result<f64> {
        sbi_core::check_dim(self.mean.len(), x.len())?;
        if let Some(index) = x.iter().position(|v| !v.is_finite()) {
            return Err(sbi_core::Error::NonFinite { index }.into());
        }
        let z: Vec<f64> = x
            .iter()
            .zip(self.mean.iter().zip(&self.std))
            .map(|(v, (m, s))| (v - m) / s)
            .collect();
        Ok(self.mmd2_standardised(&z))
    }

    /// The observation's MMD² ranked among the held-out simulations' (high is extreme).
    ///
    /// # Errors
    /// As [`MmdTest::mmd2`].
    pub fn test(&self, x_o: &[f64]) -> Result<OutlierTest> {
        let statistic = self.mmd2(x_o)?;
        Ok(OutlierTest {
            statistic,
            p_value: rank_p_value(&self.held, statistic, true),
            reference: self.held.len(),
        })
    }

    /// The kernel's bandwidth h, in standardised units.
    pub fn bandwidth(&self) -> f64 {
        self.bandwidth
    }
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(p, q)| (p - q).powi(2)).sum()
}

/// The fewest simulations whose held-out fifth lets `tests` Bonferroni-combined p-values fall
/// below [`OUTSIDE_LEVEL`].
fn simulations_for(tests: f64) -> usize {
    let held = (tests / OUTSIDE_LEVEL).ceil() as usize;
    5 * held
}

/// What the misspecification tests say about an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The p-value is at least [`DOUBTFUL_LEVEL`]: the model, under its prior, produces
    /// observations like this one.
    Consistent,
    /// The p-value lies in [[`OUTSIDE_LEVEL`], [`DOUBTFUL_LEVEL`]): rare under the model;
    /// check the features named.
    Doubtful,
    /// The p-value is below [`OUTSIDE_LEVEL`]: the model does not produce observations like
    /// this.
    Outside,
}

impl Verdict {
    /// The verdict of a p-value.
    pub fn of(p_value: f64) -> Self {
        if p_value < OUTSIDE_LEVEL {
            Self::Outside
        } else if p_value < DOUBTFUL_LEVEL {
            Self::Doubtful
        } else {
            Self::Consistent
        }
    }

    /// Its name in reports and JSON: `consistent`, `doubtful`, `outside`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Consistent => "consistent",
            Self::Doubtful => "doubtful",
            Self::Outside => "outside",
        }
    }

    /// The plain sentence for a report (`what` names the observation: "this recording").
    pub fn sentence(self, what: &str) -> String {
        match self {
            Self::Consistent => format!(
                "{what} lies within what the model produces under the prior: nothing says the \
                 model cannot explain it"
            ),
            Self::Doubtful => format!(
                "{what} is rare among what the model produces under the prior (p < \
                 {DOUBTFUL_LEVEL}): read the posterior with care"
            ),
            Self::Outside => format!(
                "{what} lies outside what the model produces under the prior (p < \
                 {OUTSIDE_LEVEL}): the posterior is not to be trusted"
            ),
        }
    }
}

/// Both tests and the placements of one observation: the answer to "is my model wrong for
/// this data?" ([`Misspecification::verdict`], from the tests' combined p-value).
#[derive(Debug, Clone, PartialEq)]
pub struct Misspecification {
    /// The density-of-x test, when a density was fitted.
    pub density: Option<OutlierTest>,
    /// The MMD test.
    pub mmd: OutlierTest,
    /// Each feature's place among the simulations, furthest out first.
    pub furthest: Vec<FeaturePlacement>,
}

impl Misspecification {
    /// Runs the tests on `x_o` (the density test only when `density` is given).
    ///
    /// # Errors
    /// `x_o` of another width than the dataset's x, or not finite; a density's own errors.
    pub fn check<P: Posterior>(
        dataset: &Dataset,
        mmd: &MmdTest,
        density: Option<&XDensity<P>>,
        x_o: &[f64],
    ) -> Result<Self> {
        check_observation(dataset, x_o)?;
        Ok(Self {
            density: density.map(|d| d.test(x_o)).transpose()?,
            mmd: mmd.test(x_o)?,
            furthest: furthest_out(place_observation(dataset, x_o)?),
        })
    }

    /// The p-value of both tests together: the smaller p-value times the number of tests run
    /// (Bonferroni, at most 1), so the verdict's false-alarm rate stays at most its level
    /// however the two tests are correlated.
    pub fn p_value(&self) -> f64 {
        match self.density {
            Some(d) => (2.0 * d.p_value.min(self.mmd.p_value)).min(1.0),
            None => self.mmd.p_value,
        }
    }

    /// The smallest combined p-value the held-out simulations allow: with n of them, a test's
    /// p-value is at least 1/(n + 1).
    pub fn smallest_p_value(&self) -> f64 {
        let k = if self.density.is_some() { 2.0 } else { 1.0 };
        (k / (self.mmd.reference as f64 + 1.0)).min(1.0)
    }

    /// The verdict of the combined [`Misspecification::p_value`].
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.p_value())
    }

    /// The report: the verdict's sentence, each test's p-value, and (unless consistent) the
    /// three features furthest out with their z-scores.
    pub fn report(&self, what: &str) -> String {
        let mut s = self.verdict().sentence(what);
        s.push_str(&format!(" [MMD test p = {:.3}", self.mmd.p_value));
        if let Some(d) = self.density {
            s.push_str(&format!("; density of x p = {:.3}", d.p_value));
        }
        s.push(']');
        let floor = self.smallest_p_value();
        if floor >= OUTSIDE_LEVEL {
            s.push_str(&format!(
                " (with {} held-out simulations no p-value can fall below {floor:.3}: simulate \
                 at least {} to tell \"outside\")",
                self.mmd.reference,
                simulations_for(self.density.map_or(1.0, |_| 2.0))
            ));
        }
        if self.verdict() != Verdict::Consistent {
            let named: Vec<String> = self
                .furthest
                .iter()
                .take(3)
                .map(|f| {
                    let beyond = if f.outside() {
                        ", beyond every simulation"
                    } else {
                        ""
                    };
                    let z = if f.z.abs() < 1e4 {
                        format!("{:+.1}", f.z)
                    } else {
                        format!("{:+.0e}", f.z)
                    };
                    format!("{} = {:.4} (z = {z}{beyond})", f.name, f.value)
                })
                .collect();
            s.push_str(&format!("; furthest out: {}", named.join(", ")));
        }
        s
    }
}
