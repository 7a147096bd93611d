//! [`MdnEnsemble`]: an equal-weight mixture of independently trained posteriors (as sbi's
//! `NeuralPosteriorEnsemble`).

use std::path::Path;

use rand::{Rng, RngExt};
use sbi_core::{Bounds, RowMatrix, check_dim, check_finite};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::host::{Mixture, log_sum_exp};
use crate::posterior::{MdnPosterior, read_checked, write_checked};

const FORMAT: &str = "hh-sbi/mdn-ensemble";
const VERSION: u32 = 1;

/// An ensemble of M posteriors trained on the same data with different seeds, combined with
/// equal weights: p(θ | x) = (1/M) Σₘ qₘ(θ | x), each qₘ restricted to the prior's support.
///
/// Networks trained with different seeds (initialisation, validation split, minibatch order)
/// err differently; their average cancels that part of the error. On the linear-Gaussian toy
/// with 5,000 simulations, five members cut the RMS error of the posterior mean from 0.047 to
/// 0.035 (24 seeds, docs/npe.md), at five times the training cost. Build one with
/// [`MdnEstimator::fit_ensemble`](crate::MdnEstimator::fit_ensemble) or [`MdnEnsemble::new`].
///
/// * [`sample`](sbi_core::Posterior::sample): each draw picks a member uniformly at random and
///   samples it (with its leakage rejection); an ensemble of one samples exactly as its member.
/// * [`log_prob`](sbi_core::Posterior::log_prob): ln((1/M) Σₘ qₘ(θ | x)), each qₘ
///   leakage-corrected, so the ensemble density is normalised on the support.
/// * [`MdnEnsemble::map`]: the mode of that density.
/// * [`MdnEnsemble::save`] / [`MdnEnsemble::load`]: bit-identical samples after a round trip.
#[derive(Debug, Clone, PartialEq)]
pub struct MdnEnsemble {
    members: Vec<MdnPosterior>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    format: String,
    version: u32,
    members: Vec<serde_json::Value>,
}

impl MdnEnsemble {
    /// An ensemble of `members`, which must share θ and x dimensions and the support.
    ///
    /// # Errors
    /// [`Error::IncompatibleMembers`] for no member or members that do not fit together.
    pub fn new(members: Vec<MdnPosterior>) -> Result<Self> {
        let Some(first) = members.first() else {
            return Err(Error::IncompatibleMembers(
                "an ensemble needs at least one member".into(),
            ));
        };
        for (i, m) in members.iter().enumerate().skip(1) {
            if m.theta_dim() != first.theta_dim() || m.x_dim() != first.x_dim() {
                return Err(Error::IncompatibleMembers(format!(
                    "member {i} maps x of dimension {} to θ of dimension {}, member 0 {} to {}",
                    m.x_dim(),
                    m.theta_dim(),
                    first.x_dim(),
                    first.theta_dim()
                )));
            }
            if m.support() != first.support() {
                return Err(Error::IncompatibleMembers(format!(
                    "member {i} has another support than member 0"
                )));
            }
        }
        Ok(Self { members })
    }

    /// The members.
    pub fn members(&self) -> &[MdnPosterior] {
        &self.members
    }

    /// Number of members M.
    pub fn num_members(&self) -> usize {
        self.members.len()
    }

    /// Dimension of θ.
    pub fn theta_dim(&self) -> usize {
        self.members[0].theta_dim()
    }

    /// Dimension of x.
    pub fn x_dim(&self) -> usize {
        self.members[0].x_dim()
    }

    /// The support samples are restricted to (the prior's bounds).
    pub fn support(&self) -> &Bounds {
        self.members[0].support()
    }

    /// The ensemble density at `x` as one Gaussian mixture in raw θ units: member m's
    /// components with weights wₘₖ / (M · P(support | x, m)), so that inside the support its
    /// density equals the ensemble's.
    fn combined(&self, x: &[f64]) -> Result<Mixture> {
        let d = self.theta_dim();
        let ln_m = (self.members.len() as f64).ln();
        let (mut log_weights, mut means, mut precisions) = (Vec::new(), Vec::new(), Vec::new());
        for member in &self.members {
            let mix = member.mixture(x)?;
            let shift = -member.acceptance_rate(x, &mix)?.ln() - ln_m;
            let z = member.theta_zscore();
            for c in 0..mix.k {
                log_weights.push(mix.log_weights[c] + shift);
                for i in 0..d {
                    means.push(z.mean[i] + z.std[i] * mix.means[c * d + i]);
                }
                for i in 0..d {
                    for j in 0..d {
                        precisions
                            .push(mix.precisions[c * d * d + i * d + j] / (z.std[i] * z.std[j]));
                    }
                }
            }
        }
        Mixture::from_parts(d, log_weights, means, precisions)
    }

    /// The maximum-a-posteriori θ at `x`: mean-shift iterations on the ensemble density from
    /// every member's components and every member's MAP, keeping the best point inside the
    /// support.
    ///
    /// # Errors
    /// Wrong x dimension, non-finite x, or no candidate inside the support.
    pub fn map(&self, x: &[f64]) -> Result<Vec<f64>> {
        let mix = self.combined(x)?;
        let d = self.theta_dim();
        let mut starts: Vec<Vec<f64>> = (0..mix.k)
            .map(|c| mix.means[c * d..(c + 1) * d].to_vec())
            .collect();
        for member in &self.members {
            starts.push(member.map(x)?);
        }
        let mut best: Option<(f64, Vec<f64>)> = None;
        for start in starts {
            let mode = mix.mode_from(&start, 500);
            for cand in [mode, start] {
                if self.members[0].in_support(&cand) {
                    let v = mix.log_prob(&cand);
                    if best.as_ref().is_none_or(|b| v > b.0) {
                        best = Some((v, cand));
                    }
                }
            }
        }
        best.map(|b| b.1).ok_or(Error::LowAcceptance {
            accepted: 0,
            proposed: 0,
        })
    }

    /// Writes every member (as [`MdnPosterior::save`] would) to one JSON file with a checksum.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn save(&self, path: &Path) -> Result<()> {
        let io = |e: serde_json::Error| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let members = self
            .members
            .iter()
            .map(MdnPosterior::to_payload)
            .collect::<serde_json::Result<Vec<_>>>()
            .map_err(io)?;
        let payload = Payload {
            format: FORMAT.into(),
            version: VERSION,
            members,
        };
        write_checked(path, serde_json::to_value(payload).map_err(io)?)
    }

    /// Reads an ensemble written by [`MdnEnsemble::save`]; it samples bit-identically to the
    /// saved one for the same seed.
    ///
    /// # Errors
    /// [`Error::Io`]; [`Error::InvalidFile`] for a file that is not such an ensemble, is
    /// corrupt (checksum), or holds a member that does not load;
    /// [`Error::IncompatibleMembers`] for members that do not fit together.
    pub fn load(path: &Path) -> Result<Self> {
        let p: Payload = serde_json::from_value(read_checked(path)?)
            .map_err(|e| Error::InvalidFile(format!("not a saved ensemble: {e}")))?;
        if p.format != FORMAT || p.version != VERSION {
            return Err(Error::InvalidFile(format!(
                "format {} v{} is not {FORMAT} v{VERSION}",
                p.format, p.version
            )));
        }
        Self::new(
            p.members
                .into_iter()
                .map(MdnPosterior::from_payload)
                .collect::<Result<_>>()?,
        )
    }
}

impl sbi_core::Posterior for MdnEnsemble {
    type Error = Error;

    fn sample<R: Rng + ?Sized>(&self, x: &[f64], n: usize, rng: &mut R) -> Result<RowMatrix> {
        check_dim(self.x_dim(), x.len())?;
        check_finite(x)?;
        let m = self.members.len();
        if m == 1 {
            // An ensemble of one samples exactly as its member.
            return self.members[0].sample(x, n, rng);
        }
        let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..m)).collect();
        let mut counts = vec![0usize; m];
        for &p in &picks {
            counts[p] += 1;
        }
        let mut draws = Vec::with_capacity(m);
        for (member, &count) in self.members.iter().zip(&counts) {
            draws.push(member.sample(x, count, rng)?);
        }
        let mut out = RowMatrix::zeros(n, self.theta_dim())?;
        let mut next = vec![0usize; m];
        for (i, &p) in picks.iter().enumerate() {
            out.row_mut(i).copy_from_slice(draws[p].row(next[p]));
            next[p] += 1;
        }
        Ok(out)
    }

    fn log_prob(&self, theta: &[f64], x: &[f64]) -> Result<f64> {
        let lps = self
            .members
            .iter()
            .map(|m| sbi_core::Posterior::log_prob(m, theta, x))
            .collect::<Result<Vec<_>>>()?;
        Ok(log_sum_exp(&lps) - (self.members.len() as f64).ln())
    }

    fn log_prob_batch(&self, thetas: &RowMatrix, x: &[f64]) -> Result<Vec<f64>> {
        let per = self
            .members
            .iter()
            .map(|m| sbi_core::Posterior::log_prob_batch(m, thetas, x))
            .collect::<Result<Vec<_>>>()?;
        let ln_m = (self.members.len() as f64).ln();
        Ok((0..thetas.nrows())
            .map(|i| log_sum_exp(&per.iter().map(|v| v[i]).collect::<Vec<_>>()) - ln_m)
            .collect())
    }
}

/// The most networks an ensemble may have (each is a full training run).
pub const MAX_MEMBERS: usize = 1000;

/// Checks an ensemble size: 1 to [`MAX_MEMBERS`].
pub(crate) fn check_num_members(num_members: usize) -> Result<()> {
    if num_members == 0 || num_members > MAX_MEMBERS {
        return Err(crate::error::invalid(
            "num_members",
            num_members as f64,
            "an ensemble needs 1 to 1000 members",
        ));
    }
    Ok(())
}
