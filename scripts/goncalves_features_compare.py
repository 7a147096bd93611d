#!/usr/bin/env python3
"""hh-stats' `goncalves7` features against the published code's definitions, side by side.

The published features are `calculate_summary_statistics` of Gonçalves et al. (2020) as the
sbi package's Hodgkin–Huxley tutorial ships it (`HH_helper_functions.py`; n_mom = 4,
n_summary = 7), transcribed below with numpy only (scipy's `moment` is the mean of the k-th
power of the deviations). For traces of the Pospischil model under the published protocol
(the `simulate` example, with and without noise, at θ* and across the prior) it computes both
and fails on any difference: the spike count exactly equal, every other value within 1e-9
relative (absolute 1e-9 near 0).

    cargo build --release --example simulate --example summarize
    python3 scripts/goncalves_features_compare.py      # numpy only
"""

import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EX = os.path.join(ROOT, "target", "release", "examples")
REL, ABS = 1e-9, 1e-9
T_ON, T_OFF, DT = 10.0, 110.0, 0.01

# (g_na, g_k, g_leak, g_m, tau_max, v_t, noise, e_leak): θ*, then cells across the prior.
CASES = [
    (50.0, 5.0, 0.1, 0.07, 600.0, -60.0, 0.1, -70.0),
    (50.0, 5.0, 0.1, 0.07, 600.0, -60.0, 0.0, -70.0),
    (20.0, 15.0, 0.05, 0.2, 200.0, -55.0, 0.05, -75.0),
    (70.0, 2.0, 0.12, 0.01, 1500.0, -65.0, 0.15, -60.0),
    (5.0, 12.0, 0.14, 0.5, 2500.0, -45.0, 0.1, -40.0),
    (79.0, 0.5, 0.01, 0.001, 100.0, -85.0, 0.01, -99.0),
]


def published(t, v):
    """sbi's calculate_summary_statistics, n_mom 4, n_summary 7 (t_on 10, t_off 110)."""
    t_on, t_off, dt = T_ON, T_OFF, DT
    n_mom = 4
    x = np.array(v)
    w = np.array(v)
    ind = np.where(w < -10)
    w[ind] = -10
    ind = np.where(np.diff(w) < 0)
    w[ind] = -10
    ind = np.where(np.diff(w) < 0)
    spike_times = np.array(t)[ind]
    spike_times_stim = spike_times[(spike_times > t_on) & (spike_times < t_off)]
    if spike_times_stim.shape[0] > 0:
        spike_times_stim = spike_times_stim[np.append(1, np.diff(spike_times_stim)) > 0.5]
    rest_pot = np.mean(x[t < t_on])
    rest_pot_std = np.std(x[int(0.9 * t_on / dt) : int(t_on / dt)])
    stim = x[(t > t_on) & (t < t_off)]
    std_pw = np.power(np.std(stim), np.linspace(3, n_mom, n_mom - 2))
    std_pw = np.concatenate((np.ones(1), std_pw))
    m = np.mean(stim)
    moments = np.array([np.mean((stim - m) ** k) for k in (2, 3, 4)]) / std_pw
    return np.concatenate(
        (np.array([spike_times_stim.shape[0]]), np.array([rest_pot, rest_pot_std, m]), moments)
    )


def ours(path):
    out = subprocess.run(
        [os.path.join(EX, "summarize"), path, "--features", "goncalves7", "--json",
         "--stim-window", str(T_ON), str(T_OFF)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, (g_na, g_k, g_leak, g_m, tau_max, v_t, noise, e_leak) in enumerate(CASES):
            path = os.path.join(tmp, f"case{k}.csv")
            params = dict(g_na=g_na, g_k=g_k, g_leak=g_leak, g_m=g_m, tau_max=tau_max,
                          v_t=v_t, e_leak=e_leak)
            cmd = [os.path.join(EX, "simulate"), "--model", "pospischil", "--noise", str(noise),
                   "--seed", str(k), "--out", path]
            for name, value in params.items():
                cmd += ["--param", f"{name}={value}"]
            subprocess.run(cmd, check=True, capture_output=True)
            data = np.loadtxt(path, delimiter=",", skiprows=1)
            t, v = data[:, 0], data[:, 1]
            want = published(t, v)
            got = ours(path)
            names = list(got)
            for name, w, g in zip(names, want, got.values()):
                if name == "spike_count":
                    ok = w == g
                else:
                    ok = math.isclose(w, g, rel_tol=REL, abs_tol=ABS)
                if not ok:
                    failures += 1
                    print(f"case {k} {name}: published {w!r}, hh-stats {g!r}")
            print(f"case {k} (θ = {params}, noise {noise}): {int(want[0])} spikes, "
                  f"rest {want[1]:.3f} mV, all 7 agree" if failures == 0 else "")
    if failures:
        sys.exit(f"{failures} difference(s)")
    print(f"{len(CASES)} traces: every goncalves7 feature equals the published definition")


if __name__ == "__main__":
    main()
