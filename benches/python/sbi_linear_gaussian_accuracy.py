"""Accuracy of Python sbi's NPE with its MDN on the linear-Gaussian toy of sbi-npe's tests.

The Rust counterpart is `crates/sbi-npe/tests/toy.rs`; the figures are in docs/npe.md.

    python3 -m venv /tmp/sbienv && /tmp/sbienv/bin/pip install sbi==0.27.0 scipy
    /tmp/sbienv/bin/python benches/python/sbi_linear_gaussian_accuracy.py [N] [DATA_SETS]

For each of DATA_SETS independent training sets of N simulations (θ ~ BoxUniform([-3,-3],
[3,3]), x = θ + N(0, 0.5²I)) it trains NPE(density_estimator="mdn") with sbi's defaults, draws
10,000 posterior samples at four interior observations and prints the error of their mean
against the exact posterior mean (= x there, to 0.002), per data set, and the RMS over all.
It also prints the mean error along x₁ ∈ [-2.5, 2.5] (x₂ = 0.3) against the truncated-normal
mean, averaged over the data sets: the MDN's systematic error.
"""
import sys

import numpy as np
import torch
from scipy.stats import truncnorm
from sbi.inference import NPE
from sbi.utils import BoxUniform

torch.set_num_threads(1)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
DATA_SETS = int(sys.argv[2]) if len(sys.argv) > 2 else 16
SIGMA = 0.5
prior = BoxUniform(low=-3 * torch.ones(2), high=3 * torch.ones(2))
observations = [[0.0, 0.0], [1.0, -1.5], [-1.2, 0.5], [0.5, 1.5]]
grid = [-2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5]

all_errors, worst, grid_bias = [], [], np.zeros(len(grid))
for ds in range(DATA_SETS):
    torch.manual_seed(100 + ds)
    theta = prior.sample((N,))
    x = theta + SIGMA * torch.randn_like(theta)
    inference = NPE(prior=prior, density_estimator="mdn", show_progress_bars=False)
    inference.append_simulations(theta, x).train()
    posterior = inference.build_posterior()
    errors = []
    for o in observations:
        s = posterior.sample((10000,), x=torch.tensor(o), show_progress_bars=False)
        errors += list((s.mean(0) - torch.tensor(o)).numpy())
    for i, g in enumerate(grid):
        s = posterior.sample((10000,), x=torch.tensor([g, 0.3]), show_progress_bars=False)
        a, b = (-3 - g) / SIGMA, (3 - g) / SIGMA
        exact = truncnorm.mean(a, b, loc=g, scale=SIGMA)
        grid_bias[i] += (s.mean(0)[0].item() - exact) / DATA_SETS
    errors = np.array(errors)
    all_errors += list(errors)
    worst.append(np.abs(errors).max())
    print(f"data set {ds}: RMS {np.sqrt((errors ** 2).mean()):.4f}, "
          f"worst {np.abs(errors).max():.4f}, errors {np.round(errors, 3)}", flush=True)

all_errors = np.array(all_errors)
print(f"N {N}: RMS {np.sqrt((all_errors ** 2).mean()):.4f}; "
      f"data sets with all 8 coordinates within 0.05: {sum(w < 0.05 for w in worst)}/{DATA_SETS}")
print("mean error along x1:", " ".join(f"{g}:{b:+.3f}" for g, b in zip(grid, grid_bias)))
