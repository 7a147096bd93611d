//! Stimuli, noise and the simulation protocol.

use sbi_core::TimeWindow;

use crate::error::{Error, Result, check_param};
use crate::params::State;
use sbi_core::invalid;

/// The most integration steps one protocol may ask for: 10⁸ (an 800 MB trace; 1000 s at the
/// notebook's dt = 0.01 ms). A longer run is a typo or needs streaming, not one trace.
pub const MAX_STEPS: usize = 100_000_000;

/// A rectangular current pulse on `[start_ms, end_ms)`.
///
/// Step *i* (which advances the state from `t = i·dt` to `(i + 1)·dt`) carries the pulse when
/// `start_ms ≤ i·dt < end_ms`, with times compared at 10⁻⁹·dt tolerance, so the notebook's
/// 70–130 ms pulse at dt = 0.01 ms is on steps 7000..=12999, exactly as in pyHH.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Pulse {
    /// Onset, ms.
    pub start_ms: f64,
    /// Offset (exclusive), ms.
    pub end_ms: f64,
    /// Amplitude: µA/cm² (or µA with a membrane area set).
    pub amplitude: f64,
}

impl Pulse {
    /// A pulse; validated when the protocol is.
    pub fn new(start_ms: f64, end_ms: f64, amplitude: f64) -> Self {
        Self {
            start_ms,
            end_ms,
            amplitude,
        }
    }

    fn validate(&self) -> Result<()> {
        check_param("pulse.start_ms", self.start_ms, false)?;
        check_param("pulse.end_ms", self.end_ms, false)?;
        check_param("pulse.amplitude", self.amplitude, false)?;
        if self.start_ms >= self.end_ms {
            return Err(invalid(
                "pulse.start_ms",
                self.start_ms,
                "pulse must start before it ends",
            ));
        }
        Ok(())
    }

    /// The half-open range of step indices carrying the pulse at time step `dt`.
    pub fn steps(&self, dt_ms: f64, num_steps: usize) -> std::ops::Range<usize> {
        let idx = |t: f64| {
            let x = (t / dt_ms - 1e-9).ceil();
            if x <= 0.0 {
                0
            } else {
                (x as usize).min(num_steps)
            }
        };
        let a = idx(self.start_ms);
        a..idx(self.end_ms).max(a)
    }
}

/// The injected current.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Stimulus {
    /// A sum of rectangular pulses (none: no stimulus).
    Pulses(Vec<Pulse>),
    /// One value per integration step (step *i* uses sample *i*).
    Waveform(Vec<f64>),
}

impl Default for Stimulus {
    fn default() -> Self {
        Stimulus::Pulses(Vec::new())
    }
}

impl Stimulus {
    /// One pulse.
    pub fn pulse(start_ms: f64, end_ms: f64, amplitude: f64) -> Self {
        Stimulus::Pulses(vec![Pulse::new(start_ms, end_ms, amplitude)])
    }
}

/// Where the state starts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum InitialState {
    /// At the model's initial potential `v0` (a parameter: 0, i.e. rest, for the classic
    /// model, as pyHH's reference runs; −70 mV for Pospischil's) with every gate at its steady
    /// state there.
    #[default]
    Rest,
    /// An explicit rest-relative state of the classic model.
    Given(State),
}

/// What to simulate: time step, duration, stimulus, optional noise and initial state.
///
/// Noise is a white-noise current of strength `noise_sigma` in µA/cm²·√ms (µA·√ms with a
/// membrane area): on each step the current `noise_sigma·ξ/√dt`, ξ ~ N(0, 1), is added to the
/// stimulus, so the potential's random increment has standard deviation
/// `noise_sigma·√dt / c_m` whatever dt (Euler–Maruyama for the Euler schemes).
///
/// ```
/// use hh_model::Protocol;
/// let p = Protocol::notebook(5.0);
/// assert_eq!(p.num_steps, 20_000);
/// assert_eq!(p.stimulus_window().unwrap().start_ms, 70.0);
/// assert!(p.validate().is_ok());
/// assert!(Protocol::new(-0.1, 10).validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Protocol {
    /// Time step, ms.
    pub dt_ms: f64,
    /// Number of integration steps (= samples in the output trace, one more with
    /// [`Protocol::record_initial`]).
    pub num_steps: usize,
    /// The injected current.
    pub stimulus: Stimulus,
    /// White-noise strength, µA/cm²·√ms; 0 for a deterministic run.
    pub noise_sigma: f64,
    /// The initial state.
    pub initial: InitialState,
    /// Whether the trace starts with the initial state (t = 0) before the sample after each
    /// step (`num_steps + 1` samples, as the published Pospischil simulator returns them), or
    /// holds the samples after each step only (`num_steps`, as pyHH returns them).
    #[cfg_attr(feature = "serde", serde(default))]
    pub record_initial: bool,
}

impl Protocol {
    /// `num_steps` steps of `dt_ms`, no stimulus, no noise, starting at rest.
    pub fn new(dt_ms: f64, num_steps: usize) -> Self {
        Self {
            dt_ms,
            num_steps,
            stimulus: Stimulus::default(),
            noise_sigma: 0.0,
            initial: InitialState::Rest,
            record_initial: false,
        }
    }

    /// The original notebook's protocol: 200 ms at dt = 0.01 ms (20,000 steps), a pulse of
    /// `amplitude` µA/cm² from 70 to 130 ms, no noise, starting at rest.
    pub fn notebook(amplitude: f64) -> Self {
        Self::new(0.01, 20_000).with_stimulus(Stimulus::pulse(70.0, 130.0, amplitude))
    }

    /// The published protocol of Gonçalves et al. (2020) and the sbi package's
    /// Hodgkin–Huxley tutorial: 120 ms at dt = 0.01 ms, recorded from t = 0 (12,001 samples,
    /// the first the initial state), a step of 5·10⁻⁴ µA into a soma of area π·(70 µm)²
    /// (3.248 µA/cm²) on steps round(10/dt)..round(110/dt), no noise. Start the Pospischil
    /// model at its `v0` = −70 mV ([`InitialState::Rest`]).
    ///
    /// ```
    /// use hh_model::{Protocol, Stimulus};
    /// let p = Protocol::goncalves();
    /// assert_eq!((p.num_steps, p.record_initial), (12_000, true));
    /// let Stimulus::Pulses(ps) = &p.stimulus else { unreachable!() };
    /// assert_eq!(ps[0].steps(0.01, 12_000), 1000..11_000);
    /// assert!((ps[0].amplitude - 3.248).abs() < 1e-3);
    /// ```
    pub fn goncalves() -> Self {
        let area = std::f64::consts::PI * (70e-4f64).powi(2);
        let mut p =
            Self::new(0.01, 12_000).with_stimulus(Stimulus::pulse(10.0, 110.0, 5e-4 / area));
        p.record_initial = true;
        p
    }

    /// Records the initial state as the trace's first sample (see
    /// [`Protocol::record_initial`]).
    pub fn with_initial_sample(mut self, record: bool) -> Self {
        self.record_initial = record;
        self
    }

    /// Sets the stimulus.
    pub fn with_stimulus(mut self, stimulus: Stimulus) -> Self {
        self.stimulus = stimulus;
        self
    }

    /// Sets the noise strength (µA/cm²·√ms).
    pub fn with_noise_sigma(mut self, sigma: f64) -> Self {
        self.noise_sigma = sigma;
        self
    }

    /// Sets the initial state.
    pub fn with_initial(mut self, initial: InitialState) -> Self {
        self.initial = initial;
        self
    }

    /// Duration, ms.
    pub fn duration_ms(&self) -> f64 {
        self.num_steps as f64 * self.dt_ms
    }

    /// Checks dt, step count (at most [`MAX_STEPS`]), stimulus, noise and initial state.
    ///
    /// # Errors
    /// [`sbi_core::Error::InvalidParameter`] or [`Error::WaveformLength`].
    pub fn validate(&self) -> Result<()> {
        check_param("dt_ms", self.dt_ms, true)?;
        if self.num_steps == 0 || self.num_steps > MAX_STEPS {
            return Err(invalid(
                "num_steps",
                self.num_steps as f64,
                "must be between 1 and 100,000,000 (an 800 MB trace)",
            ));
        }
        match &self.stimulus {
            Stimulus::Pulses(ps) => ps.iter().try_for_each(Pulse::validate)?,
            Stimulus::Waveform(w) => {
                if w.len() != self.num_steps {
                    return Err(Error::WaveformLength {
                        expected: self.num_steps,
                        found: w.len(),
                    });
                }
                if let Some(i) = w.iter().position(|x| !x.is_finite()) {
                    return Err(invalid("waveform", w[i], "samples must be finite"));
                }
            }
        }
        check_param("noise_sigma", self.noise_sigma, false)?;
        if self.noise_sigma < 0.0 {
            return Err(invalid(
                "noise_sigma",
                self.noise_sigma,
                "must be non-negative",
            ));
        }
        if let InitialState::Given(s) = &self.initial {
            s.validate()?;
        }
        Ok(())
    }

    /// The stimulus window, as trace metadata: from the first pulse's onset to the last
    /// pulse's offset, or the span of a waveform's non-zero samples; `None` without stimulus.
    pub fn stimulus_window(&self) -> Option<TimeWindow> {
        let (a, b) = match &self.stimulus {
            Stimulus::Pulses(ps) => (
                ps.iter().map(|p| p.start_ms).reduce(f64::min)?,
                ps.iter().map(|p| p.end_ms).reduce(f64::max)?,
            ),
            Stimulus::Waveform(w) => {
                let first = w.iter().position(|x| *x != 0.0)?;
                let last = w.iter().rposition(|x| *x != 0.0)?;
                (first as f64 * self.dt_ms, (last + 1) as f64 * self.dt_ms)
            }
        };
        TimeWindow::new(a, b).ok()
    }
}
