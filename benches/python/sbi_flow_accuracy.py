"""Accuracy of Python sbi's estimators (MDN, NSF, MAF) on the two-moons and crescent tasks of
sbi-npe's flow tests (`crates/sbi-npe/tests/flows.rs`); the figures are in docs/npe.md.

    python3 -m venv /tmp/sbienv && /tmp/sbienv/bin/pip install sbi==0.27.0 scipy
    /tmp/sbienv/bin/python benches/python/sbi_flow_accuracy.py [N] [MODELS]

For each task it trains NPE with sbi's defaults on N simulations (default 10,000) for each
model (default mdn,nsf,maf), draws 2,000 posterior samples at three observations simulated
from fixed theta, and prints sbi's C2ST (`sbi.utils.metrics.c2st`, the SBI benchmark's
definition) against 2,000 samples of the reference posterior, computed by quadrature on a
grid as the Rust tests do (the crescent: sbi_core::testing::Crescent's defaults,
sigma_1 = 1, sigma_2 = 0.03, bend 1.5).
"""
import math
import sys

import numpy as np
import torch
from sbi.inference import NPE
from sbi.utils import BoxUniform
from sbi.utils.metrics import c2st

torch.set_num_threads(1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
MODELS = sys.argv[2].split(",") if len(sys.argv) > 2 else ["mdn", "nsf", "maf"]
S = 1 / math.sqrt(2)


def moons_sim(theta):
    n = theta.shape[0]
    a = (torch.rand(n) - 0.5) * math.pi
    r = 0.1 + 0.01 * torch.randn(n)
    return torch.stack([r * torch.cos(a) + 0.25 - (theta[:, 0] + theta[:, 1]).abs() * S,
                        r * torch.sin(a) + (theta[:, 1] - theta[:, 0]) * S], 1)


def moons_loglik(x, t0, t1):
    u0 = x[0] + np.abs(t0 + t1) * S - 0.25
    u1 = x[1] - (t1 - t0) * S
    rho = np.hypot(u0, u1)
    out = -0.5 * ((rho - 0.1) / 0.01) ** 2 - np.log(np.maximum(rho, 1e-300))
    return np.where(u0 > 0, out, -np.inf)


def crescent_sim(theta):
    e = torch.randn(theta.shape[0], 2)
    return torch.stack([theta[:, 0] + 1.0 * e[:, 0],
                        theta[:, 1] + 1.5 * (theta[:, 0] ** 2 - 1) + 0.03 * e[:, 1]], 1)


def crescent_loglik(x, t0, t1):
    return -0.5 * (((x[0] - t0) / 1.0) ** 2 + ((x[1] - t1 - 1.5 * (t0 ** 2 - 1)) / 0.03) ** 2)


def grid_sample(loglik, x, low, high, cells, n, rng):
    c = (high - low) / cells
    centres = low + (np.arange(cells) + 0.5) * c
    t0, t1 = np.meshgrid(centres, centres, indexing="ij")
    lp = loglik(x, t0, t1).ravel()
    p = np.exp(lp - lp.max())
    p /= p.sum()
    k = rng.choice(len(p), size=n, p=p)
    i, j = k // cells, k % cells
    return np.stack([low + (i + rng.random(n)) * c, low + (j + rng.random(n)) * c], 1)


tasks = [("two moons", moons_sim, moons_loglik, -1.0, 1.0, 1500,
          [[0.3, 0.2], [-0.4, 0.5], [0.0, -0.6]]),
         ("crescent", crescent_sim, crescent_loglik, -3.0, 3.0, 2000,
          [[0.3, 0.2], [-0.8, 0.5], [1.2, -0.6]])]
for name, sim, loglik, low, high, cells, truths in tasks:
    prior = BoxUniform(low=low * torch.ones(2), high=high * torch.ones(2))
    torch.manual_seed(1)
    theta = prior.sample((N,))
    x = sim(theta)
    torch.manual_seed(2)
    xos = sim(torch.tensor(truths))
    rng = np.random.default_rng(7)
    refs = [grid_sample(loglik, xo.numpy(), low, high, cells, 2000, rng) for xo in xos]
    for model in MODELS:
        torch.manual_seed(3)
        inference = NPE(prior=prior, density_estimator=model, show_progress_bars=False)
        inference.append_simulations(theta, x).train()
        posterior = inference.build_posterior()
        scores = []
        for xo, ref in zip(xos, refs):
            s = posterior.sample((2000,), x=xo, show_progress_bars=False)
            scores.append(c2st(torch.tensor(ref, dtype=torch.float32), s).item())
        print(f"{name} {model} N={N}: C2ST {' '.join(f'{v:.3f}' for v in scores)} "
              f"(mean {np.mean(scores):.3f}), {inference._summary['epochs_trained'][-1]} epochs",
              flush=True)
