"""Anchor for `cargo bench --bench misspecification`: the MMD statistic of one observation
against 1,000 reference simulations of 15 features (sbi's `calc_misspecification_mmd` does
this in torch; here numpy, Gaussian kernel, biased MMD² with a fixed bandwidth), and the
local C2ST's classifier (logistic regression on 190 quadratic features of 18 inputs,
4,000 points, Böhning's bound) fitted 101 times. Prints median CPU seconds of each.

    /tmp/efelenv/bin/python benches/python/misspecification_time.py
"""

import time

import numpy as np


def cpu_median(f, repeats):
    times = []
    for _ in range(repeats):
        t = time.process_time()
        f()
        times.append(time.process_time() - t)
    return float(np.median(times))


rng = np.random.default_rng(1)
reference = rng.uniform(-3, 3, (1000, 15)) + 0.5 * rng.standard_normal((1000, 15))
z = (reference - reference.mean(0)) / reference.std(0)
x_o = (np.full(15, 0.5) - reference.mean(0)) / reference.std(0)
h = 1.0
self_term = np.exp(-((z[:, None, :] - z[None, :, :]) ** 2).sum(-1) / (2 * h * h)).mean()


def mmd_one():
    k = np.exp(-((z - x_o) ** 2).sum(-1) / (2 * h * h))
    return 1.0 + self_term - 2.0 * k.mean()


inputs = rng.standard_normal((4000, 18))
iu = np.triu_indices(18)
design = np.hstack(
    [np.ones((4000, 1)), inputs, (inputs[:, :, None] * inputs[:, None, :])[:, iu[0], iu[1]]]
)
labels = (np.arange(4000) >= 2000).astype(float)
bound = 0.25 * design.T @ design + np.diag([1e-12] + [1.0] * (design.shape[1] - 1))
chol = np.linalg.cholesky(bound)


def fit(y):
    w = np.zeros(design.shape[1])
    for _ in range(2000):
        p = 1 / (1 + np.exp(-design @ w))
        g = design.T @ (y - p)
        g[1:] -= w[1:]
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, g))
        w += step
        if np.abs(step).max() < 1e-7 * (1 + np.abs(w).max()):
            break
    return w


def lc2st():
    fit(labels)
    for _ in range(100):
        fit(rng.permutation(labels))


print(f"mmd one observation: {cpu_median(mmd_one, 200) * 1e3:.3f} ms CPU")
print(f"lc2st 101 fits: {cpu_median(lc2st, 3):.2f} s CPU")
