"""numpy's time to load the dataset bench's archive (10^6 rows, 10^6 recorded failures).

The anchor of `cargo bench -p hh-sbi-benches --bench dataset`: writes the same arrays the
bench saves (theta, x all NaN, failed, failure_index/stage/message) with numpy.savez_compressed
and reports the median of 10 full loads (every array read).

    python benches/python/npz_time.py
"""
import os
import statistics
import tempfile
import time

import numpy as np

n = 1_000_000
arrays = {
    "theta": np.arange(2 * n, dtype=np.float64).reshape(n, 2),
    "x": np.full((n, 3), np.nan),
    "failed": np.ones(n, dtype=bool),
    "x_names": np.array(["x0", "x1", "x2"]),
    "failure_index": np.arange(n, dtype=np.int64),
    "failure_stage": np.array(["simulator"] * n),
    "failure_message": np.array([f"diverged at t = {i % 200} ms" for i in range(n)]),
    "setting_names": np.array([""])[:0],
    "setting_values": np.array([""])[:0],
}
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "d.npz")
    np.savez_compressed(path, **arrays)
    times = []
    for _ in range(10):
        t = time.process_time()
        with np.load(path) as f:
            loaded = {k: f[k] for k in f.files}
        times.append(time.process_time() - t)
    assert loaded["failure_message"][7] == "diverged at t = 7 ms"
    print(f"numpy {np.__version__}: load {statistics.median(times):.3f} s CPU (median of 10), "
          f"{os.path.getsize(path) / 1e6:.1f} MB")
