#!/usr/bin/env python3
"""hh-stats' eFEL-compatible features against eFEL itself, side by side.

For every case — simulated traces of the HH models (the `simulate` example), the hh-io
recording fixtures, real recordings from eFEL's and pyABF's test data (see
crates/hh-stats/tests/data/efel/README.md for their sources and licences) and the same traces
with jittered or variable-step time stamps — computes each feature with
`efel.get_feature_values` and with `summarize --efel-values` (hh-stats on the same T and V),
and fails on any difference:

- spike counts exactly equal; every other value within 1e-6 relative (absolute 1e-9 near 0);
- the same number of values per feature, and "no value" (None or empty) on the same side;
- the summary path (`summarize --features efel --json`, which reads the file as a Trace,
  resampling non-uniform times) against eFEL's `get_mean_feature_values`, at the same
  tolerance.

    cargo build --release --example summarize --example simulate
    python3 -m venv /tmp/efelenv && /tmp/efelenv/bin/pip install efel==5.7.34 pyabf numpy
    /tmp/efelenv/bin/python scripts/efel_compare.py [--write-expected]

--write-expected rewrites crates/hh-stats/tests/data/efel/expected.json, eFEL's values on the
committed cases, which `cargo test -p hh-stats --test efel_reference` checks without Python.
"""

import json
import math
import os
import subprocess
import sys
import tempfile

import efel
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "target", "release", "examples")
DATA = os.path.join(ROOT, "crates", "hh-stats", "tests", "data", "efel")
FIXTURES = os.path.join(ROOT, "crates", "hh-io", "tests", "data")
REL, ABS = 1e-6, 1e-9

FEATURES = [
    "Spikecount", "Spikecount_stimint", "mean_frequency", "time_to_first_spike",
    "time_to_last_spike", "inv_first_ISI", "all_ISI_values", "ISI_values", "ISI_CV",
    "adaptation_index2", "AP_amplitude", "peak_voltage", "AP_begin_voltage",
    "AP_duration_half_width", "AP_width", "AP_rise_time", "AP_fall_time", "AHP_depth_abs",
    "AHP_depth", "min_AHP_values", "voltage_base", "steady_state_voltage",
    "steady_state_voltage_stimend", "voltage_deflection", "sag_amplitude", "sag_ratio1",
    "decay_time_constant_after_stim", "ohmic_input_resistance", "minimum_voltage",
    "maximum_voltage",
]
COUNTS = {"Spikecount", "Spikecount_stimint"}
VOLTAGE_MINIMA = {"AHP_depth_abs", "AHP_depth", "min_AHP_values"}


def write_csv(path, t, v):
    with open(path, "w") as f:
        f.write("t_ms,vm_mv\n")
        for a, b in zip(t, v):
            f.write(f"{float(a)!r},{float(b)!r}\n")


def read_csv(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
    return data[:, 0], data[:, 1], (data[:, 2] if data.shape[1] > 2 else None)


def simulated(tmp, name, args):
    path = os.path.join(tmp, name + ".csv")
    subprocess.run([os.path.join(EX, "simulate"), *args, "--out", path], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t, v, _ = read_csv(path)
    return t, v


def fixture(name):
    """A hh-io fixture sweep: its times, voltage and the stimulus window from its current."""
    t, v, i = read_csv(os.path.join(FIXTURES, name))
    on = np.flatnonzero(i != 0)
    return t, v, (float(t[on[0]]), float(t[on[-1]] + (t[1] - t[0])))


def efel_text(name):
    data = np.loadtxt(os.path.join(DATA, name))
    if data.ndim == 1:  # voltage only, 10 kHz (eFEL's tests build T this way)
        return np.arange(len(data)) * 0.1, data
    return data[:, 0], data[:, 1]


def abf_sweep(name, sweep):
    import pyabf

    abf = pyabf.ABF(os.path.join(DATA, name))
    abf.setSweep(sweep)
    return abf.sweepX * 1000.0, abf.sweepY.astype(float)


def jittered(t, v):
    """Time stamps written to two decimals (a 0.025 ms step becomes 0.02/0.03)."""
    return np.round(t, 2), v


def cases(tmp):
    """(name, t, v, stim_start, stim_end, settings, stimulus_current, committed)."""
    out = []
    t, v = simulated(tmp, "classic", ["--v-rest", "-65", "--stim", "7"])
    out.append(("classic_notebook", t, v, 70.0, 130.0, {}, None, False))
    t, v = simulated(tmp, "pospischil", ["--model", "pospischil"])
    out.append(("pospischil_goncalves", t, v, 10.0, 110.0, {}, None, False))
    t, v = simulated(tmp, "pospischil_fine", ["--model", "pospischil", "--param", "g_na=45"])
    out.append(("pospischil_goncalves_g_na45_interp_0.025", t, v, 10.0, 110.0,
                {"interp_step": 0.025}, None, False))
    tj, vj = jittered(t, v)
    out.append(("pospischil_jittered_stamps", tj, vj, 10.0, 110.0, {}, None, False))
    t, v = simulated(tmp, "sub", ["--model", "pospischil", "--stim", "-0.5"])
    out.append(("pospischil_hyperpolarising", t, v, 10.0, 110.0, {}, -0.5 * 0.1, False))
    for sweep in (0, 1):
        t, v, (a, b) = fixture(f"cell_sweep{sweep}.csv")
        out.append((f"hhio_cell_sweep{sweep}", t, v, a, b, {}, None, False))
    t, v, (a, b) = fixture("notebook_sweep0.csv")
    out.append(("hhio_notebook_sweep0", t, v, a, b, {}, None, False))
    # Real recordings (committed; their values are in expected.json).
    t, v = efel_text("95810005.txt")
    out.append(("efel_95810005", t, v, 31.2, 431.2, {}, None, True))
    out.append(("efel_95810005_threshold_-30", t, v, 31.2, 431.2,
                {"Threshold": -30.0, "DerivativeWindow": 2, "strict_stiminterval": 1},
                None, True))
    t, v = efel_text("sagtrace_1.txt")
    out.append(("efel_sagtrace_1", t, v, 800.0, 3800.0, {}, -0.1, True))
    for sweep in (0, 1):  # the ramp epoch: samples 312 to 19612 at 20 kHz
        t, v = abf_sweep("17o05027_ic_ramp.abf", sweep)
        out.append((f"pyabf_17o05027_ic_ramp_sweep{sweep}", t, v, 15.6, 980.6, {}, None, True))
    return out


def efel_values(t, v, start, end, settings, current):
    efel.reset()
    for name, value in settings.items():
        efel.set_setting(name, value)
    trace = {"T": t, "V": v, "stim_start": [start], "stim_end": [end]}
    if current is not None:
        trace["stimulus_current"] = [current]
    raw = efel.get_feature_values([trace], FEATURES, raise_warnings=False)[0]
    mean = efel.get_mean_feature_values([trace], FEATURES, raise_warnings=False)[0]
    conv = lambda x: None if x is None or len(x) == 0 else [float(y) for y in x]
    return {k: conv(x) for k, x in raw.items()}, mean


def flags(start, end, settings, current):
    f = ["--stim-window", repr(float(start)), repr(float(end))]
    for name, value in settings.items():
        f += ["--efel-setting", f"{name}={value!r}"]
    if current is not None:
        f += ["--stimulus-current", repr(current)]
    return f


def rust(path, args):
    out = subprocess.run([os.path.join(EX, "summarize"), path, *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"summarize {' '.join(args)}: {out.stderr}")
    return json.loads(out.stdout)


def close(a, b):
    return abs(a - b) <= max(REL * max(abs(a), abs(b)), ABS)


def compare(name, ours, theirs):
    """The differences between two {feature: values or None} maps."""
    bad = []
    for f in FEATURES:
        a = ours.get(f)
        a = None if a is None or len(a) == 0 else a
        b = theirs[f]
        if (a is None) != (b is None):
            bad.append(f"{name}: {f}: hh-stats {a}, eFEL {b}")
        elif a is not None and (len(a) != len(b) or not all(
                (x == y) if f in COUNTS else close(x, y) for x, y in zip(a, b))):
            bad.append(f"{name}: {f}: hh-stats {a[:6]}… ({len(a)}), eFEL {b[:6]}… ({len(b)})")
    return bad


def main():
    write = "--write-expected" in sys.argv
    failures, ties, expected, checked = [], [], {}, 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, t, v, start, end, settings, current, committed in cases(tmp):
            path = os.path.join(tmp, name + ".csv")
            write_csv(path, t, v)
            theirs, mean = efel_values(t, v, start, end, settings, current)
            ours = rust(path, flags(start, end, settings, current) + ["--efel-values"])
            failures += compare(name, ours, theirs)
            # The summary path: one value per feature, through Trace (resampling if needed).
            wanted = [f for f in FEATURES if mean[f] is not None and np.isfinite(mean[f])]
            summary = rust(path, flags(start, end, settings, current)
                           + ["--features", "efel:" + ",".join(wanted), "--json"]) if wanted else {}
            # A recording is quantised by its ADC: where eFEL's first-minimum search meets a
            # plateau of equal samples, the last bit of the times (the file's, or t0 + i*dt
            # rebuilt by Trace) decides which grid point it picks. The summary path may then
            # differ from eFEL by at most one ADC step on a voltage feature, and is reported.
            step = np.min(np.abs(np.diff(v))[np.abs(np.diff(v)) > 0])
            for f in wanted:
                a, b = summary[f], float(mean[f])
                if close(a, b):
                    continue
                if f in VOLTAGE_MINIMA and abs(a - b) <= step * (1 + REL):
                    ties.append(f"{name}: {f} (summary): {a} vs eFEL {b}, within one ADC step {step}")
                else:
                    failures.append(f"{name}: {f} (summary): hh-stats {a}, eFEL {b}")
            defined = sum(theirs[f] is not None for f in FEATURES)
            print(f"{name:45} {len(t):7} samples  {defined:2}/{len(FEATURES)} features defined"
                  f"  spikes {theirs['Spikecount']}")
            checked += 1
            if committed:
                expected[name] = dict(stim=[start, end], settings=settings,
                                      stimulus_current=current, values=theirs)
    if write:
        with open(os.path.join(DATA, "expected.json"), "w") as f:
            json.dump(dict(efel_version=efel.__version__, cases=expected), f, indent=1)
            f.write("\n")
    for line in ties:
        print("TIE", line)
    for line in failures:
        print("MISMATCH", line)
    print(f"{checked} traces, {len(failures)} mismatches (eFEL {efel.__version__})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
