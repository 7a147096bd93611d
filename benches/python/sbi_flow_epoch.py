"""One training epoch of Python sbi's flows (NSF, MAF) and its MDN, on one thread.

The Rust counterpart is `cargo bench --bench flows` (benches/flows.rs); the figures are in
docs/performance.md.

    python3 -m venv /tmp/sbienv && /tmp/sbienv/bin/pip install sbi==0.27.0 scipy
    /tmp/sbienv/bin/python benches/python/sbi_flow_epoch.py [EPOCHS]

Data: 10,000 pairs, theta uniform on [-3, 3]^2, x = (theta_1 + e_1, theta_2 + e_2) with
e ~ N(0, 0.5^2) (theta 2-D, x 2-D). An epoch is what sbi's NPE training loop does per epoch
with its defaults: 45 minibatches of 200 over 9,000 training rows (forward, backward, global
gradient-norm clipping at 5, Adam 5e-4), then the validation loss on 1,000 rows. The network
is built by sbi's own `posterior_nn` (z-scoring included), so it is exactly sbi's estimator.
Prints the median epoch time over EPOCHS epochs (default 10), and the time to draw 1,000
samples and to evaluate the log-density of 1,000 theta at one x.

It also times sbi's own training loop (`NPE(...).append_simulations(...).train()`, which adds
its data loaders and bookkeeping): the time of a run of 1 + EPOCHS epochs minus that of a run
of 1 epoch, divided by EPOCHS (early stopping cannot end either run).
"""
import sys
import time

import torch
from sbi.inference import NPE
from sbi.neural_nets import posterior_nn
from sbi.utils import BoxUniform

torch.set_num_threads(1)
torch.manual_seed(0)
EPOCHS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
N = 10_000
theta = 6 * torch.rand(N, 2) - 3
x = theta + 0.5 * torch.randn(N, 2)
perm = torch.randperm(N)
train, val = perm[:9000], perm[9000:]

for model in ["nsf", "maf", "mdn"]:
    net = posterior_nn(model=model)(theta[train], x[train])
    opt = torch.optim.Adam(net.parameters(), lr=5e-4)
    times = []
    for epoch in range(EPOCHS):
        t0 = time.perf_counter()
        net.train()
        order = train[torch.randperm(len(train))]
        for start in range(0, len(order), 200):
            idx = order[start:start + 200]
            opt.zero_grad()
            loss = net.loss(theta[idx], condition=x[idx]).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=5.0)
            opt.step()
        net.eval()
        with torch.no_grad():
            vloss = net.loss(theta[val], condition=x[val]).mean().item()
        times.append(time.perf_counter() - t0)
    times.sort()
    med = times[len(times) // 2]
    xo = torch.tensor([[0.5, -1.0]])
    with torch.no_grad():
        t0 = time.perf_counter()
        for _ in range(5):
            s = net.sample((1000,), condition=xo)
        t_sample = (time.perf_counter() - t0) / 5
        th = s.reshape(1000, 2)
        t0 = time.perf_counter()
        for _ in range(5):
            net.log_prob(th.unsqueeze(1), condition=xo)
        t_lp = (time.perf_counter() - t0) / 5
    print(f"{model}: epoch median {med * 1e3:.1f} ms (min {times[0] * 1e3:.1f}, max "
          f"{times[-1] * 1e3:.1f}, {EPOCHS} epochs, last validation loss {vloss:.3f}); "
          f"1,000 samples {t_sample * 1e3:.2f} ms; log_prob of 1,000 {t_lp * 1e3:.2f} ms",
          flush=True)

prior = BoxUniform(low=-3 * torch.ones(2), high=3 * torch.ones(2))
for model in ["nsf", "maf", "mdn"]:
    runs = {}
    for epochs in [1, 1 + EPOCHS]:
        torch.manual_seed(0)
        inference = NPE(prior=prior, density_estimator=model, show_progress_bars=False)
        inference.append_simulations(theta, x)
        t0 = time.perf_counter()
        inference.train(max_num_epochs=epochs, stop_after_epochs=10_000)
        runs[epochs] = time.perf_counter() - t0
    per = (runs[1 + EPOCHS] - runs[1]) / EPOCHS
    print(f"{model}: sbi's NPE training loop {per * 1e3:.1f} ms per epoch "
          f"(1 epoch {runs[1]:.2f} s, {1 + EPOCHS} epochs {runs[1 + EPOCHS]:.2f} s)", flush=True)
