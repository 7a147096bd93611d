//! [`FeatureSet`] as [`SummaryStatistics`] of a [`Trace`]: one sweep over the samples, or a
//! stream while a simulator makes them (one trace, or structure-of-arrays lanes), both by the
//! same code; and the spikes of a trace.

use sbi_core::{SampleStream, SummaryStatistics, Trace, TraceLayout};

use crate::error::{Error, Result};
use crate::features::{Feature, FeatureSet, Spike};
use crate::lanes::LaneStream;
use crate::stream::FeatureStream;

impl FeatureSet {
    /// The spikes of `trace`, in time order.
    ///
    /// ```
    /// use hh_stats::FeatureSet;
    /// use sbi_core::Trace;
    /// // Rest at 50 mV, one 100 mV excursion.
    /// let mut v = vec![50.0; 100];
    /// v[40..45].copy_from_slice(&[80.0, 150.0, 140.0, 90.0, 60.0]);
    /// let spikes = FeatureSet::all().spikes(&Trace::new(0.1, 0.0, v)?)?;
    /// assert_eq!(spikes.len(), 1);
    /// assert_eq!(spikes[0].peak_mv, 150.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// An empty or non-finite trace.
    pub fn spikes(&self, trace: &Trace) -> Result<Vec<Spike>> {
        Self::check(trace)?;
        // The spike features alone: a stream that needs no stimulus window.
        let set = Self {
            features: vec![Feature::SpikeCount],
            ..self.clone()
        };
        let mut s = FeatureStream::new(&set, trace.layout(), Some(trace.values()))?;
        FeatureStream::push(&mut s, trace.values());
        let rest = s.finished_rest()?;
        Ok(s.take_spikes(rest))
    }
}

impl SummaryStatistics<Trace> for FeatureSet {
    type Error = Error;

    fn dim(&self) -> usize {
        self.features().len()
    }

    fn names(&self) -> Vec<String> {
        self.features()
            .iter()
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// Computes every feature in one sweep over the samples, with the code that computes them
    /// while a simulator streams ([`SummaryStatistics::stream`]), so the two agree to the bit.
    fn summarize_into(&self, trace: &Trace, out: &mut [f64]) -> Result<()> {
        sbi_core::check_dim(self.dim(), out.len())?;
        Self::check(trace)?;
        let mut s = FeatureStream::new(self, trace.layout(), Some(trace.values()))?;
        FeatureStream::push(&mut s, trace.values());
        FeatureStream::finish(&mut s, out).map(|_| ())
    }

    /// Every feature streams but [`Feature::ApHalfWidth`], which needs the samples around each
    /// peak, for 1, 2, 4, 8 or 16 lanes ([`FeatureStream`] for one, vectorised over time; a
    /// structure-of-arrays stream over the lanes otherwise). A rest-relative threshold
    /// ([`Threshold::AboveRest`](crate::Threshold::AboveRest)) is known only at the stimulus onset; a trace with a sample
    /// above it before then (a spike before the stimulus), or a non-finite sample in a lane,
    /// ends with [`StreamEnd::NeedsTrace`](sbi_core::StreamEnd::NeedsTrace).
    fn stream(
        &self,
        layout: &TraceLayout,
        lanes: usize,
    ) -> Option<Box<dyn SampleStream<Error> + '_>> {
        if self.features().contains(&Feature::ApHalfWidth) {
            return None;
        }
        match lanes {
            1 => Some(Box::new(FeatureStream::new(self, *layout, None).ok()?)),
            2 => Some(Box::new(LaneStream::<2>::new(self, *layout).ok()?)),
            4 => Some(Box::new(LaneStream::<4>::new(self, *layout).ok()?)),
            8 => Some(Box::new(LaneStream::<8>::new(self, *layout).ok()?)),
            16 => Some(Box::new(LaneStream::<16>::new(self, *layout).ok()?)),
            _ => None,
        }
    }
}
