"""Gonçalves et al. (2020)'s benchmark in Python sbi, on the same simulations as hh-sbi, side by
side (docs/goncalves.md has the figures). Not run in CI: it needs torch.

    cargo run --release --example goncalves -- --save-dataset /tmp/g.npz --out-dir /tmp/gout
    python3 -m venv /tmp/sbienv && /tmp/sbienv/bin/pip install sbi==0.27.0
    /tmp/sbienv/bin/python benches/python/goncalves_sbi.py /tmp/g.npz /tmp/gout [MODELS] [K] [SEEDS]

It reads the simulations hh-sbi trained on (the .npz: theta, x, failed) and hh-sbi's run
(posterior_samples.csv and summary.json in its output folder: the observation, the training
batch size), then for each model (default maf,nsf):

- trains sbi's NPE on the same (theta, x) with sbi's defaults but hh-sbi's batch size and
  learning rate, twice
  (training seeds 1 and 2), and draws as many posterior samples at the same observation;
- prints both posteriors' means and stds beside hh-sbi's, training and sampling times, and
  sbi's C2ST (`sbi.utils.metrics.c2st`) between hh-sbi's samples and sbi's (seed 1), and
  between sbi's two seeds (the floor: the same method's training noise);
- with K > 0 (default 200), calibration of sbi's posterior (the first seed of SEEDS, default
  1,2) as hh-sbi measures its
  own: K held-out pairs, theta from the prior and x from the published simulator and
  features below, 1,000 posterior samples each, each parameter's coverage of its central
  90 % interval;
- times the published simulator (the sbi tutorial's `HHsimulator`, a numpy loop, with
  Gonçalves et al.'s 8 parameters and noise) on 20 draws from the prior, and the published
  features (`calculate_summary_statistics`) on their traces, and extrapolates to the run's
  number of simulations.

torch and numpy run on one thread (torch.set_num_threads(1)); hh-sbi trains on one core too.
"""
import json
import os
import sys
import time

import numpy as np
import torch
from sbi.inference import NPE
from sbi.utils import BoxUniform
from sbi.utils.metrics import c2st

torch.set_num_threads(1)
NPZ, OUT = sys.argv[1], sys.argv[2]
MODELS = sys.argv[3].split(",") if len(sys.argv) > 3 else ["maf", "nsf"]
K = int(sys.argv[4]) if len(sys.argv) > 4 else 200
SEEDS = [int(v) for v in sys.argv[5].split(",")] if len(sys.argv) > 5 else [1, 2]
LOW = [0.5, 1e-4, 1e-4, 1e-4, 50.0, 40.0, 1e-4, 35.0]
HIGH = [80.0, 15.0, 0.6, 0.6, 3000.0, 90.0, 0.15, 100.0]
NAMES = ["g_na", "g_k", "g_leak", "g_m", "tau_max", "-v_t", "noise_sigma", "-e_leak"]


def published_simulator(theta, seed):
    """The sbi tutorial's HHsimulator (Gonçalves et al.'s code) with all 8 parameters."""
    g_na, g_k, g_leak, g_m, tau_max, neg_vt, sigma, neg_el = theta
    vt, e_leak = -neg_vt, -neg_el
    dt, duration, t_on = 0.01, 120.0, 10.0
    t = np.arange(0, duration + dt, dt)
    area = np.pi * ((70.0 * 1e-4) ** 2)
    i_inj = np.zeros_like(t)
    i_inj[int(np.round(t_on / dt)) : int(np.round((duration - t_on) / dt))] = 5e-4 / area
    c, e_na, e_k = 1.0, 53.0, -107.0
    rng = np.random.RandomState(seed=seed)

    def efun(z):
        if np.abs(z) < 1e-4:
            return 1 - z / 2
        return z / (np.exp(z) - 1)

    def alpha_m(x):
        v1 = x - vt - 13.0
        return 0.32 * efun(-0.25 * v1) / 0.25

    def beta_m(x):
        v1 = x - vt - 40
        return 0.28 * efun(0.2 * v1) / 0.2

    def alpha_h(x):
        v1 = x - vt - 17.0
        return 0.128 * np.exp(-v1 / 18.0)

    def beta_h(x):
        v1 = x - vt - 40.0
        return 4.0 / (1 + np.exp(-0.2 * v1))

    def alpha_n(x):
        v1 = x - vt - 15.0
        return 0.032 * efun(-0.2 * v1) / 0.2

    def beta_n(x):
        v1 = x - vt - 10.0
        return 0.5 * np.exp(-v1 / 40)

    def tau_n(x):
        return 1 / (alpha_n(x) + beta_n(x))

    def n_inf(x):
        return alpha_n(x) / (alpha_n(x) + beta_n(x))

    def tau_m(x):
        return 1 / (alpha_m(x) + beta_m(x))

    def m_inf(x):
        return alpha_m(x) / (alpha_m(x) + beta_m(x))

    def tau_h(x):
        return 1 / (alpha_h(x) + beta_h(x))

    def h_inf(x):
        return alpha_h(x) / (alpha_h(x) + beta_h(x))

    def p_inf(x):
        v1 = x + 35.0
        return 1.0 / (1.0 + np.exp(-0.1 * v1))

    def tau_p(x):
        v1 = x + 35.0
        return tau_max / (3.3 * np.exp(0.05 * v1) + np.exp(-0.05 * v1))

    v = np.zeros_like(t)
    n, m, h, p = (np.zeros_like(t) for _ in range(4))
    v[0] = -70.0
    n[0], m[0], h[0], p[0] = n_inf(v[0]), m_inf(v[0]), h_inf(v[0]), p_inf(v[0])
    for i in range(1, t.shape[0]):
        tau_v_inv = ((m[i - 1] ** 3) * g_na * h[i - 1] + (n[i - 1] ** 4) * g_k + g_leak
                     + g_m * p[i - 1]) / c
        v_inf = ((m[i - 1] ** 3) * g_na * h[i - 1] * e_na + (n[i - 1] ** 4) * g_k * e_k
                 + g_leak * e_leak + g_m * p[i - 1] * e_k + i_inj[i - 1]
                 + sigma * rng.randn() / (dt ** 0.5)) / (tau_v_inv * c)
        v[i] = v_inf + (v[i - 1] - v_inf) * np.exp(-dt * tau_v_inv)
        n[i] = n_inf(v[i]) + (n[i - 1] - n_inf(v[i])) * np.exp(-dt / tau_n(v[i]))
        m[i] = m_inf(v[i]) + (m[i - 1] - m_inf(v[i])) * np.exp(-dt / tau_m(v[i]))
        h[i] = h_inf(v[i]) + (h[i - 1] - h_inf(v[i])) * np.exp(-dt / tau_h(v[i]))
        p[i] = p_inf(v[i]) + (p[i - 1] - p_inf(v[i])) * np.exp(-dt / tau_p(v[i]))
    return t, v


def published_features(t, v):
    """calculate_summary_statistics (n_mom 4, n_summary 7), t_on 10, t_off 110, dt 0.01."""
    t_on, t_off, dt = 10.0, 110.0, 0.01
    x = np.array(v)
    w = np.array(v)
    w[np.where(w < -10)] = -10
    w[np.where(np.diff(w) < 0)] = -10
    spike_times = np.array(t)[np.where(np.diff(w) < 0)]
    st = spike_times[(spike_times > t_on) & (spike_times < t_off)]
    if st.shape[0] > 0:
        st = st[np.append(1, np.diff(st)) > 0.5]
    stim = x[(t > t_on) & (t < t_off)]
    m = stim.mean()
    sd = stim.std()
    return np.array([st.shape[0], x[t < t_on].mean(),
                     x[int(0.9 * t_on / dt) : int(t_on / dt)].std(), m,
                     np.mean((stim - m) ** 2), np.mean((stim - m) ** 3) / sd ** 3,
                     np.mean((stim - m) ** 4) / sd ** 4])


def held_out(k):
    """k (theta, x) pairs: theta from the prior, x from the published simulator."""
    rng = np.random.default_rng(1)
    thetas = rng.uniform(LOW, HIGH, size=(k, 8))
    xs = np.array([published_features(*published_simulator(th, 10_000 + i))
                   for i, th in enumerate(thetas)])
    ok = np.isfinite(xs).all(1)
    return thetas[ok], xs[ok]


def coverage(posterior, thetas, xs, level=0.9):
    inside = np.zeros(thetas.shape[1])
    for th, x in zip(thetas, xs):
        s = posterior.sample((1000,), x=torch.tensor(x, dtype=torch.float32),
                             show_progress_bars=False).numpy()
        lo, hi = np.quantile(s, [(1 - level) / 2, (1 + level) / 2], axis=0)
        inside += (lo <= th) & (th <= hi)
    return inside / len(thetas)


def main():
    data = np.load(NPZ)
    keep = ~data["failed"]
    theta = torch.tensor(data["theta"][keep], dtype=torch.float32)
    x = torch.tensor(data["x"][keep], dtype=torch.float32)
    with open(os.path.join(OUT, "summary.json")) as f:
        run = json.load(f)
    ours = np.loadtxt(os.path.join(OUT, "posterior_samples.csv"), delimiter=",", skiprows=1)
    x_obs = torch.tensor(run["x_obs"], dtype=torch.float32)
    n_samples = ours.shape[0]
    batch = run["batch_size"]
    lr = run["learning_rate"]
    print(f"{theta.shape[0]} simulations from {NPZ}; hh-sbi: {run['estimator']}, "
          f"{n_samples} samples, batch {batch}, learning rate {lr}, train {run['seconds']['train']:.1f} s, "
          f"whole run {run['seconds']['total']:.1f} s")
    print("hh-sbi mean " + " ".join(f"{v:.4g}" for v in ours.mean(0)))
    print("hh-sbi std  " + " ".join(f"{v:.4g}" for v in ours.std(0)))
    prior = BoxUniform(low=torch.tensor(LOW), high=torch.tensor(HIGH))
    pairs = held_out(K) if K > 0 else None
    for model in MODELS:
        samples = []
        for seed in SEEDS:
            torch.manual_seed(seed)
            inference = NPE(prior=prior, density_estimator=model, show_progress_bars=False)
            start = time.process_time()
            inference.append_simulations(theta, x).train(training_batch_size=batch, learning_rate=lr)
            train_s = time.process_time() - start
            posterior = inference.build_posterior()
            start = time.process_time()
            s = posterior.sample((n_samples,), x=x_obs, show_progress_bars=False)
            sample_s = time.process_time() - start
            samples.append(s)
            if seed == SEEDS[0] and K > 0:
                start = time.process_time()
                cov = coverage(posterior, *pairs)
                print(f"sbi {model} seed 1: coverage of the 90 % intervals over {len(pairs[0])} "
                      f"held-out pairs: " + " ".join(f"{c:.3f}" for c in cov)
                      + f" ({time.process_time() - start:.0f} s CPU)", flush=True)
            epochs = inference._summary["epochs_trained"][-1]
            print(f"sbi {model} seed {seed}: trained {epochs} epochs in {train_s:.1f} s CPU, "
                  f"{n_samples} samples in {sample_s:.1f} s CPU", flush=True)
            print(f"  mean " + " ".join(f"{v:.4g}" for v in s.mean(0).tolist()))
            print(f"  std  " + " ".join(f"{v:.4g}" for v in s.std(0).tolist()))
        ours_t = torch.tensor(ours, dtype=torch.float32)
        versus = c2st(ours_t, samples[0]).item()
        if len(samples) < 2:
            print(f"C2ST({model}): hh-sbi vs sbi {versus:.3f}", flush=True)
            continue
        floor = c2st(samples[1], samples[0]).item()
        print(f"C2ST({model}): hh-sbi vs sbi {versus:.3f}; sbi seed {SEEDS[0]} vs seed "
              f"{SEEDS[1]} {floor:.3f} (difference {versus - floor:+.3f})", flush=True)
    rng = np.random.default_rng(0)
    draws = rng.uniform(LOW, HIGH, size=(20, 8))
    start = time.process_time()
    traces = [published_simulator(th, seed) for seed, th in enumerate(draws)]
    sim_s = (time.process_time() - start) / len(draws)
    start = time.process_time()
    for t, v in traces:
        published_features(t, v)
    feat_s = (time.process_time() - start) / len(draws)
    n = theta.shape[0]
    print(f"published simulator (numpy loop): {sim_s * 1e3:.0f} ms per simulation, features "
          f"{feat_s * 1e3:.2f} ms; {n} simulations: {n * (sim_s + feat_s) / 3600:.1f} h on one "
          f"core (hh-sbi: {run['seconds']['simulate']:.1f} s on two)")


if __name__ == "__main__":
    main()
