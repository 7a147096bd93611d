//! eFEL's spike detection and the indices it derives from it (its integer features
//! `peak_indices`, `min_AHP_indices`, `AP_begin_indices`, `AP_end_indices`,
//! `AP_rise_indices`, `AP_fall_indices`), computed as eFEL 5.7.34 computes them on the
//! interpolated trace — including its pairing of the i-th begin with the i-th peak.
//!
//! Each is `Ok` with at least one index or `Err` with eFEL's reason: eFEL fails every
//! feature that needs an empty one.

use super::settings::EfelSettings;

/// A value or why eFEL has none.
pub(crate) type Found<T> = std::result::Result<T, &'static str>;

/// The indices of `found`, borrowed, or its reason.
pub(crate) fn indices(found: &Found<Vec<usize>>) -> Found<&[usize]> {
    found.as_deref().map_err(|e| *e)
}

/// `Ok(v)` if `v` has an element, otherwise `Err(why)`.
pub(crate) fn nonempty<T>(v: Vec<T>, why: &'static str) -> Found<Vec<T>> {
    if v.is_empty() { Err(why) } else { Ok(v) }
}

/// The index of the first time at or after `x` (`t.len()` if none), eFEL's `find_if(t ≥ x)`
/// (by bisection: the grid increases).
pub(crate) fn first_at(t: &[f64], x: f64) -> usize {
    t.partition_point(|&s| s < x)
}

/// eFEL's dV/dt: the central difference of `v` over that of `t` (one-sided at the ends).
pub(crate) fn dvdt(t: &[f64], v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let diff = |x: &[f64], i: usize| match i {
        0 => x[1] - x[0],
        i if i == n - 1 => x[n - 1] - x[n - 2],
        i => (x[i + 1] - x[i - 1]) / 2.0,
    };
    (0..n).map(|i| diff(v, i) / diff(t, i)).collect()
}

/// The index of the first local minimum of `s` — the lowest value once two later values are
/// no lower — or of the lowest value (eFEL's `first_min_element`); 0 for an empty slice.
fn first_min(s: &[f64]) -> usize {
    let mut lowest = 0;
    let mut since = 0;
    for k in 1..s.len() {
        if s[k] < s[lowest] {
            lowest = k;
            since = 0;
        } else {
            since += 1;
            if since == 2 {
                return lowest;
            }
        }
    }
    lowest
}

/// The index of the first smallest element of `s` (0 for an empty slice).
fn argmin(s: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, x) in s.enumerate() {
        if x < best.1 || i == 0 {
            best = (i, x);
        }
    }
    best.0
}

/// The spikes of one interpolated trace, as eFEL's integer features.
pub(crate) struct SpikeIndices {
    /// `peak_indices`: the maximum between each upward and the next downward crossing of
    /// `Threshold`.
    pub peaks: Found<Vec<usize>>,
    /// `min_AHP_indices`: the first minimum after each peak.
    pub min_ahp: Found<Vec<usize>>,
    /// `AP_begin_indices`.
    pub begin: Found<Vec<usize>>,
    /// `AP_end_indices`.
    pub end: Found<Vec<usize>>,
    /// `AP_rise_indices`: half height on the rise.
    pub rise: Found<Vec<usize>>,
    /// `AP_fall_indices`: half height on the fall.
    pub fall: Found<Vec<usize>>,
}

impl SpikeIndices {
    /// Every index of the trace `(t, v)` with the stimulus `[start, end]`.
    pub fn new(t: &[f64], v: &[f64], start: f64, end: f64, s: &EfelSettings) -> Self {
        let peaks = peak_indices(t, v, start, end, s);
        let Ok(p) = &peaks else {
            let why = peaks.as_ref().err().copied().unwrap_or("no spike");
            return Self {
                peaks,
                min_ahp: Err(why),
                begin: Err(why),
                end: Err(why),
                rise: Err(why),
                fall: Err(why),
            };
        };
        let min_ahp = min_ahp_indices(t, v, p, end, s.strict_stiminterval);
        let slope = dvdt(t, v);
        let ahp = min_ahp.as_deref().unwrap_or(&[]);
        let begin = begin_indices(t, &slope, start, p, ahp, s);
        let end_i = end_indices(t, &slope, start, p, s.down_derivative_threshold);
        let rise = indices(&begin).and_then(|b| rise_indices(v, b, p));
        let fall = match (&begin, &end_i) {
            (Ok(b), Ok(e)) => Ok(fall_indices(v, b, e, p)),
            (Err(e), _) | (_, Err(e)) => Err(*e),
        };
        Self {
            peaks,
            min_ahp,
            begin,
            end: end_i,
            rise,
            fall,
        }
    }
}

/// eFEL's `peak_indices`: strict upward crossings of `Threshold` paired with the following
/// downward ones (a trace that starts above drops its first downward one; upward crossings
/// without a downward one are dropped), and the first maximum between each pair.
fn peak_indices(t: &[f64], v: &[f64], start: f64, end: f64, s: &EfelSettings) -> Found<Vec<usize>> {
    let thr = s.threshold;
    let (mut up, mut down) = (Vec::new(), Vec::new());
    for i in 1..v.len() {
        if v[i] > thr && v[i - 1] < thr {
            up.push(i);
        } else if v[i] < thr && v[i - 1] > thr {
            down.push(i);
        }
    }
    if down.is_empty() {
        return Err("voltage never crosses Threshold downward");
    }
    if up.is_empty() {
        return Err("voltage never goes above Threshold");
    }
    let before = down.iter().take_while(|&&d| d < up[0]).count();
    down.drain(..before);
    up.truncate(down.len());
    let mut peaks = Vec::with_capacity(up.len());
    for (&u, &d) in up.iter().zip(&down) {
        let mut best: Option<(usize, f64)> = None;
        for (j, &x) in v.iter().enumerate().take(d + 1).skip(u) {
            if best.is_none_or(|(_, b)| b < x) {
                best = Some((j, x));
            }
        }
        if let Some((j, _)) = best
            && (!s.strict_stiminterval || (t[j] >= start && t[j] <= end))
        {
            peaks.push(j);
        }
    }
    nonempty(peaks, "no spike")
}

/// eFEL's `min_AHP_indices`: the first minimum between each peak and the next (the last up
/// to the trace's end, or the stimulus end under `strict_stiminterval`); a minimum at the
/// last sample of that range is dropped.
fn min_ahp_indices(
    t: &[f64],
    v: &[f64],
    peaks: &[usize],
    end: f64,
    strict: bool,
) -> Found<Vec<usize>> {
    let last = if strict { first_at(t, end) } else { t.len() };
    let mut bounds = peaks.to_vec();
    bounds.push(last);
    let mut out = Vec::with_capacity(peaks.len());
    for w in bounds.windows(2) {
        let (a, b) = (w[0], w[1].max(w[0]));
        let i = a + first_min(&v[a..b.min(v.len())]);
        if i + 1 != last && i < v.len() {
            out.push(i);
        }
    }
    nonempty(out, "no minimum after the spikes (min_AHP_indices)")
}

/// eFEL's `AP_begin_indices`: for each peak after the stimulus onset, searching back from
/// the peak towards the previous minimum, the sample after the last one whose dV/dt is at
/// most `DerivativeThreshold`, such that the `DerivativeWindow` samples from it are all
/// above it; a peak with no such sample has no begin.
fn begin_indices(
    t: &[f64],
    dvdt: &[f64],
    start: f64,
    peaks: &[usize],
    ahp: &[usize],
    s: &EfelSettings,
) -> Found<Vec<usize>> {
    let (n, width, thr) = (dvdt.len(), s.derivative_window, s.derivative_threshold);
    if width > n {
        return Err("DerivativeWindow is longer than the trace");
    }
    let sb = first_at(t, start);
    let mut minima = vec![sb.saturating_sub(if sb > 1 { 2 } else { 1 })];
    minima.extend(ahp.iter().copied().filter(|&a| a > sb));
    let peaks: Vec<usize> = peaks.iter().copied().filter(|&p| p > sb).collect();
    if minima.len() < peaks.len() {
        return Err("more peaks than min_AHP in AP_begin_indices");
    }
    let mut out = Vec::with_capacity(peaks.len());
    'spike: for (&peak, &lo) in peaks.iter().zip(&minima) {
        let mut newbegin = peak;
        loop {
            let mut begin = if newbegin > lo {
                (lo..newbegin)
                    .rev()
                    .find(|&k| dvdt[k] <= thr)
                    .map_or(lo, |k| k + 1)
            } else {
                lo
            };
            begin = begin.min(n - width);
            if begin <= lo {
                continue 'spike;
            }
            newbegin = begin - 1;
            if dvdt[begin..begin + width].iter().all(|&d| d >= thr) {
                out.push(begin);
                continue 'spike;
            }
        }
    }
    nonempty(out, "no spike begin found (AP_begin_indices)")
}

/// eFEL's `AP_end_indices`: after each peak after the stimulus onset, the first sample from
/// the steepest fall (before the next peak) whose dV/dt is at least
/// `DownDerivativeThreshold`.
fn end_indices(
    t: &[f64],
    dvdt: &[f64],
    start: f64,
    peaks: &[usize],
    thr: f64,
) -> Found<Vec<usize>> {
    let n = dvdt.len();
    let sb = first_at(t, start);
    let mut bounds: Vec<usize> = peaks.iter().copied().filter(|&p| p > sb).collect();
    bounds.push(n - 1);
    let mut out = Vec::with_capacity(bounds.len());
    for w in bounds.windows(2) {
        let (a, b) = (w[0] + 1, w[1]);
        if a >= b || b >= n {
            continue;
        }
        let steepest = a + argmin(dvdt[a..b].iter().copied());
        if let Some(k) = (steepest..b).find(|&k| dvdt[k] >= thr) {
            out.push(k);
        }
    }
    nonempty(out, "no spike end found (AP_end_indices)")
}

/// The first index in `range` where `v` is closest to `level`.
fn closest(v: &[f64], range: std::ops::Range<usize>, level: f64) -> usize {
    range.start + argmin(v[range].iter().map(|x| (x - level).abs()))
}

/// eFEL's `AP_rise_indices`: between the i-th begin and the i-th peak, the sample closest
/// to half their height; a peak before its begin fails the whole feature.
fn rise_indices(v: &[f64], begin: &[usize], peaks: &[usize]) -> Found<Vec<usize>> {
    let mut out = Vec::with_capacity(begin.len().min(peaks.len()));
    for (&b, &p) in begin.iter().zip(peaks) {
        if p < b {
            return Err("peak and begin indices out of order (a spike before the stimulus)");
        }
        out.push(closest(v, b..p, (v[p] + v[b]) / 2.0));
    }
    nonempty(out, "no spike")
}

/// eFEL's `AP_fall_indices`: between the i-th peak and the i-th end, the sample closest to
/// half the height of the i-th begin and peak; 0 where the pair is out of order.
fn fall_indices(v: &[f64], begin: &[usize], end: &[usize], peaks: &[usize]) -> Vec<usize> {
    let mut out = vec![0; begin.len().min(peaks.len())];
    for (i, slot) in out.iter_mut().enumerate() {
        let (b, p) = (begin[i], peaks[i]);
        let Some(&e) = end.get(i) else { continue };
        if p > e || e >= v.len() {
            continue;
        }
        *slot = closest(v, p..e, (v[p] + v[b]) / 2.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_min_stops_at_the_first_local_minimum() {
        assert_eq!(first_min(&[5.0, 3.0, 4.0, 4.0, 1.0]), 1);
        assert_eq!(first_min(&[5.0, 3.0, 4.0, 2.0, 3.0, 3.0]), 3);
        assert_eq!(first_min(&[5.0, 4.0, 3.0]), 2);
        assert_eq!(first_min(&[]), 0);
    }

    #[test]
    fn peaks_pair_crossings_as_efel_does() {
        let s = EfelSettings::default();
        let t: Vec<f64> = (0..12).map(f64::from).collect();
        // Starts above threshold (its first downward crossing is dropped), two spikes, and
        // an upward crossing with no downward one at the end (dropped).
        let v = [
            0.0, -50.0, 10.0, 20.0, -50.0, -50.0, 5.0, -50.0, -60.0, 0.0, 10.0, 20.0,
        ];
        assert_eq!(peak_indices(&t, &v, 0.0, 20.0, &s).unwrap(), vec![3, 6]);
        assert!(peak_indices(&t, &[-70.0; 12], 0.0, 20.0, &s).is_err());
    }
}
