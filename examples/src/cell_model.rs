//! Which channel model a recording is fitted with: the classic squid axon (the notebook's) or
//! Pospischil et al.'s cortical model (the SBI literature's, Gonçalves et al. 2020), and the
//! simulator of either on a recording's protocol.

use std::str::FromStr;

use hh_model::{HhSimulator, Model, ModelSimulator, Pospischil, Substepped};
use rand::Rng;
use sbi_core::{BatchResults, RowMatrix, Simulator, SummarizedResults, SummaryStatistics, Trace};

/// The channel model a recording is fitted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CellModel {
    /// The 1952 squid axon, rest-relative (`v_rest` sets the resting potential); the
    /// notebook's model and `infer_recording --model classic`.
    #[default]
    Classic,
    /// Pospischil et al. (2008)'s single-compartment cortical model as Gonçalves et al. (2020)
    /// simulate it: sodium, delayed-rectifier potassium, M-current and leak, absolute
    /// potentials (`e_leak` and the conductances set the resting potential).
    Pospischil,
}

/// Gonçalves et al. (2020)'s soma: a cylinder 70 µm long and 70 µm across, π·(70 µm)² =
/// 1.539·10⁻⁴ cm² (`A_soma` in their code), turning their 0.5 nA step into 3.25 µA/cm².
pub const GONCALVES_AREA_CM2: f64 = std::f64::consts::PI * 70e-4 * 70e-4;

impl CellModel {
    /// The model's name on the command line (`classic`, `pospischil`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Pospischil => "pospischil",
        }
    }

    /// The model's parameter names (what θ may set), with `stim_scale` and `noise_sigma`.
    pub fn parameter_names(self) -> Vec<&'static str> {
        let mut names = match self {
            Self::Classic => Model::classic().parameter_names(),
            Self::Pospischil => Model::pospischil().parameter_names(),
        };
        names.extend(["stim_scale", "noise_sigma"]);
        names
    }

    /// The default prior box for a recording, `name:low:high,…`.
    ///
    /// - classic: `g_na` 60–180, `g_k` 12–60 mS/cm², `v_rest` −75…−55 mV (around the squid
    ///   axon's 120 and 36, the resting potential of a mammalian cell);
    /// - Pospischil: Gonçalves et al.'s box where it is physiological — `g_na` 1–80, `g_k`
    ///   0.1–15, `g_m` 10⁻⁴–0.6 mS/cm², `v_t` −90…−40 mV (their −V_T ∈ [40, 90]),
    ///   `e_leak` −100…−35 mV (their −E_leak ∈ [35, 100]) — with `g_leak` 0.005–0.6 mS/cm²
    ///   instead of their 10⁻⁴: with the 1.54·10⁻⁴ cm² soma that is an input resistance of
    ///   11 MΩ to 1.3 GΩ, which covers cortical and hippocampal neurons (pyramidal cells
    ///   ~50–300 MΩ, interneurons to ~500 MΩ), where 10⁻⁴ would mean 65 GΩ; and
    ///   `stim_scale` 0.5–10, a factor on the injected current: the membrane area is not
    ///   known, and effective area = area / `stim_scale` spans 1.5·10⁻⁵–3.1·10⁻⁴ cm² around
    ///   Gonçalves et al.'s soma (a real cell's steps of 100–400 pA through their soma are
    ///   weak drive for the model; with the factor inferred, File_axon_5's posterior puts it
    ///   near 5).
    pub fn default_parameters(self) -> &'static str {
        match self {
            Self::Classic => "g_na:60:180,g_k:12:60,v_rest:-75:-55",
            Self::Pospischil => {
                "g_na:1:80,g_k:0.1:15,g_m:0.0001:0.6,g_leak:0.005:0.6,v_t:-90:-40,e_leak:-100:-35,\
                 stim_scale:0.5:10"
            }
        }
    }
}

impl FromStr for CellModel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "classic" => Ok(Self::Classic),
            "pospischil" => Ok(Self::Pospischil),
            other => Err(format!("unknown model `{other}` (classic or pospischil)")),
        }
    }
}

/// The simulator of a recording under either [`CellModel`], integrated over sub-steps.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordingSimulator {
    /// The classic squid axon.
    Classic(Substepped<HhSimulator>),
    /// Pospischil et al.'s cortical model.
    Pospischil(Substepped<ModelSimulator<Pospischil>>),
}

/// Runs `$body` with `$s` bound to whichever simulator `$self` holds.
macro_rules! each {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            RecordingSimulator::Classic($s) => $body,
            RecordingSimulator::Pospischil($s) => $body,
        }
    };
}

impl Simulator for RecordingSimulator {
    type Output = Trace;
    type Error = hh_model::Error;

    fn theta_dim(&self) -> usize {
        each!(self, s => s.theta_dim())
    }

    fn simulate<R: Rng + ?Sized>(&self, theta: &[f64], rng: &mut R) -> hh_model::Result<Trace> {
        each!(self, s => s.simulate(theta, rng))
    }

    fn simulate_batch_each(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
    ) -> hh_model::Result<BatchResults<Trace, hh_model::Error>> {
        each!(self, s => s.simulate_batch_each(thetas, seed, first_index))
    }

    fn simulate_summarize_each<F>(
        &self,
        thetas: &RowMatrix,
        seed: u64,
        first_index: u64,
        summary: &F,
        out: &mut [f64],
    ) -> hh_model::Result<SummarizedResults<hh_model::Error, F::Error>>
    where
        F: SummaryStatistics<Trace>,
    {
        each!(self, s => s.simulate_summarize_each(thetas, seed, first_index, summary, out))
    }
}
