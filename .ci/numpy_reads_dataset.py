"""Reads a Dataset saved by hh-sbi (Dataset::save_npz) with numpy, and checks the documented
array names, dtypes and shapes (docs/npe.md).

usage: python3 numpy_reads_dataset.py FILE.npz N D DX
"""
import sys

import numpy as np

path, n, d, dx = sys.argv[1], *map(int, sys.argv[2:5])
data = np.load(path)
expected = {"theta", "x", "failed", "x_names", "failure_index", "failure_stage", "failure_message",
            "setting_names", "setting_values"}
assert set(data.files) == expected, sorted(data.files)
theta, x, failed = data["theta"], data["x"], data["failed"]
assert theta.dtype == np.float64 and theta.shape == (n, d), (theta.dtype, theta.shape)
assert x.dtype == np.float64 and x.shape == (n, dx), (x.dtype, x.shape)
assert failed.dtype == np.bool_ and failed.shape == (n,), (failed.dtype, failed.shape)
names = data["x_names"]
assert names.dtype.kind == "U" and names.shape == (dx,), (names.dtype, names.shape)
index = data["failure_index"]
assert index.dtype == np.int64 and index.ndim == 1
assert data["failure_stage"].shape == index.shape == data["failure_message"].shape
assert np.array_equal(np.flatnonzero(failed), index), "failed rows and failure_index agree"
assert np.isfinite(theta).all(), "θ is finite"
settings = dict(zip(data["setting_names"], data["setting_values"]))
assert data["setting_names"].shape == data["setting_values"].shape, "one value per setting"
print(f"settings: {settings}")
assert np.isfinite(x[~failed]).all() and np.isnan(x[failed]).all(), "NaN rows exactly where failed"
print(f"numpy {np.__version__} read {path}: theta {theta.shape}, x {x.shape}, "
      f"{failed.sum()} failed, features {list(names)}")
