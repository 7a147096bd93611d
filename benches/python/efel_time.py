#!/usr/bin/env python3
"""eFEL's own time for the trace `cargo bench --bench summarize -- efel` measures: the notebook
protocol at -65 mV rest (20,000 samples at 0.01 ms, 4 spikes), all 30 features hh-stats
implements, one `efel.get_feature_values` call (CPU time per call, best of 5 runs of 50).

    cargo run --release --example simulate -- --v-rest -65 --stim 7 --out /tmp/efel_bench.csv
    /tmp/efelenv/bin/python benches/python/efel_time.py /tmp/efel_bench.csv
"""
import os
import sys
import time

import efel
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from efel_compare import FEATURES  # the 30 features hh-stats implements  # noqa: E402

data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
trace = {"T": data[:, 0], "V": data[:, 1], "stim_start": [70.0], "stim_end": [130.0],
         "stimulus_current": [0.07]}
values = efel.get_feature_values([trace], FEATURES, raise_warnings=False)[0]
assert len(values["peak_voltage"]) == 4, values["peak_voltage"]
best = float("inf")
for _ in range(5):
    start = time.process_time()
    for _ in range(50):
        efel.get_feature_values([trace], FEATURES, raise_warnings=False)
    best = min(best, (time.process_time() - start) / 50)
print(f"eFEL {efel.__version__}: {len(data)} samples, 30 features: {best * 1e6:.0f} µs CPU per call")
