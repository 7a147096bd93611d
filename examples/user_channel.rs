//! Bring your own channel: an A-type potassium current defined here, outside hh-model, through
//! the public [`Channel`] trait, added to Pospischil's model and run through every path —
//! the SIMD batch simulator with streamed features, the scalar reference, θ by name.
//!
//! ```text
//! cargo run --release --example user_channel -- [--g-a 0,1,2,3,5] [--json]
//! ```

use hh_model::channels::{Leak, pospischil};
use hh_model::{Channel, Exp, Gate, Model, ModelSimulator, ParameterSpec, Protocol, Real, Scheme};
use hh_sbi_examples::cli::{self, CliError, parse_value};
use hh_stats::{Feature, FeatureSet};
use rand::SeedableRng;
use sbi_core::{RowMatrix, SeedRng, Simulator, SummaryStatistics};

const USAGE: &str = "\
usage: user_channel [--g-a <mS/cm², comma-separated>] [--json]

Adds an A-type potassium current (Huguenard & McCormick 1992) to Pospischil's model under the
published protocol (Gonçalves et al. 2020), sweeps its conductance g_a and prints, per value,
the spike count and first-spike latency from the SIMD batch path and from the scalar path.
Default --g-a 0,1,2,3,5. With no spike, the latency is
the censoring time: from the step's onset to the end of the trace (110 ms).";

/// The transient (A-type) potassium current of thalamic relay neurons, Huguenard & McCormick
/// (1992, J. Neurophysiol. 68:1373), at their reference temperature: I = g_a·m⁴h·(V − e_k),
///
/// * m∞ = 1/(1 + exp(−(V + 60)/8.5)), τm = 0.37 + 1/(exp((V + 35.8)/19.7) + exp(−(V + 79.7)/12.7)) ms;
/// * h∞ = 1/(1 + exp((V + 78)/6)), τh = 1/(exp((V + 46)/5) + exp(−(V + 238)/37.5)) ms below
///   −63 mV, 19 ms above.
///
/// `e_k` is the name Pospischil's potassium channels use, with their default: one parameter.
#[derive(Debug, Clone, Copy)]
struct ATypeK;

impl Channel for ATypeK {
    const GATES: usize = 2;
    const PARAMS: usize = 2;

    fn name(&self) -> &'static str {
        "ka"
    }

    fn parameters(&self) -> Vec<ParameterSpec> {
        vec![
            ParameterSpec::conductance("g_a", 0.0, "maximal A-type conductance"),
            ParameterSpec::potential("e_k", -107.0, "potassium reversal potential"),
        ]
    }

    fn gates(&self) -> Vec<&'static str> {
        vec!["m", "h"]
    }

    fn kinetics<T: Real, E: Exp<T>>(&self, v: T, _p: &[T], out: &mut [Gate<T>]) {
        let (c, one) = (T::c, T::c(1.0));
        let slow_h = one / (E::exp((v + c(46.0)) / c(5.0)) + E::exp(-(v + c(238.0)) / c(37.5)));
        out[0] = Gate::Relax {
            inf: one / (one + E::exp(-(v + c(60.0)) / c(8.5))),
            tau: c(0.37)
                + one / (E::exp((v + c(35.8)) / c(19.7)) + E::exp(-(v + c(79.7)) / c(12.7))),
        };
        out[1] = Gate::Relax {
            inf: one / (one + E::exp((v + c(78.0)) / c(6.0))),
            // A select, not a branch: the batch kernel keeps its SIMD lanes.
            tau: if v < c(-63.0) { slow_h } else { c(19.0) },
        };
    }

    fn conductance<T: Real, E: Exp<T>>(&self, p: &[T], x: &[T], _v: T) -> T {
        let m2 = x[0] * x[0];
        p[0] * m2 * m2 * x[1]
    }

    fn reversal<T: Real>(&self, p: &[T]) -> T {
        p[1]
    }
}

/// The command line: the `--g-a` values and `--json`.
fn parse_args() -> Result<(Vec<f64>, bool), CliError> {
    let (mut g_a, mut json) = (vec![0.0, 1.0, 2.0, 3.0, 5.0], false);
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        use lexopt::prelude::*;
        match arg {
            Long("g-a") => {
                let s = parser.value()?.to_string_lossy().into_owned();
                g_a = s
                    .split(',')
                    .map(|v| parse_value::<f64>("--g-a", v.into()))
                    .collect::<Result<_, _>>()?;
            }
            Long("json") => json = true,
            Short('h') | Long("help") => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(arg.unexpected().into()),
        }
    }
    Ok((g_a, json))
}

fn main() {
    cli::run(USAGE, parse_args, |(g_a, json)| {
        let channels = (
            pospischil::Na,
            pospischil::Kd,
            pospischil::M,
            Leak::pospischil(),
            ATypeK,
        );
        let model = Model::new("pospischil+ka", channels)?.with_default("v0", -70.0)?;
        let sim = ModelSimulator::for_model(
            model,
            Protocol::goncalves(),
            Scheme::ExpStaggered,
            &["g_a"],
        )?;
        let features = FeatureSet::new(&[Feature::SpikeCount, Feature::FirstSpikeLatency])?;
        let thetas = RowMatrix::from_rows(&g_a.iter().map(|g| [*g]).collect::<Vec<_>>())?;
        // The batch path: SIMD lanes, the features streamed while traces are made.
        let mut batch = vec![0.0; thetas.nrows() * features.dim()];
        for r in sim.simulate_summarize_each(&thetas, 0, 0, &features, &mut batch)? {
            r.map_err(|e| CliError(e.to_string()))?;
        }
        let mut rows = Vec::new();
        for (i, g) in g_a.iter().enumerate() {
            // The scalar reference path, one trace with the C library's exp.
            let trace = sim.simulate(&[*g], &mut SeedRng::seed_from_u64(0))?;
            let scalar = features.summarize(&trace)?;
            let lanes = &batch[i * 2..i * 2 + 2];
            rows.push(serde_json::json!({"g_a": g, "spike_count": lanes[0],
                "first_spike_latency_ms": lanes[1], "scalar": scalar}));
            if !json {
                println!(
                    "g_a {g:5.1} mS/cm²: {} spikes, first after {:6.2} ms (scalar path: {} spikes, {:6.2} ms)",
                    lanes[0], lanes[1], scalar[0], scalar[1]
                );
            }
        }
        if json {
            println!(
                "{}",
                serde_json::json!({ "parameters": sim.model().parameter_names(), "sweep": rows })
            );
        }
        Ok(())
    });
}
