#!/usr/bin/env python3
"""Writes hh-io's recording fixtures: the same simulated traces as CSV, ABF 1, ABF 2 and NWB.

Run once from the repository root; its output in crates/hh-io/tests/data is committed:

    cargo build --release -p hh-sbi-examples --example synthesize_recording
    python3 -m venv /tmp/nwbenv && /tmp/nwbenv/bin/pip install pynwb==4.2.0 pyabf==2.3.8
    /tmp/nwbenv/bin/python scripts/make_recording_fixtures.py

The traces come from hh-sbi's own simulator (`synthesize_recording`) at known parameters,
with intrinsic current noise, so tests know the truth. Each is quantised once to the ABF
files' 16-bit grid (2^-7 mV for the potential, 2^-4 pA for the current); every format then
holds exactly the same numbers, so a posterior from any of them is the same.

The ABF writers are our own, from the layouts documented by pyABF (MIT) and read back here
with pyABF as an independent check; the NWB files are written by pynwb.
"""

import datetime
import os
import struct
import subprocess
import sys

import numpy as np

OUT = "crates/hh-io/tests/data"
SYNTH = "target/release/examples/synthesize_recording"
V_RES = 2.0 ** -7  # mV per ADC count
I_RES = 2.0 ** -4  # pA per ADC count
ADC_RANGE = 10.0
ADC_RESOLUTION = 32768

# The two fixtures: the notebook's protocol (hh_posterior --observed) and a 20 kHz cell with
# two sweeps of a step current (infer_recording). Pulses are laid out as pCLAMP lays out an
# epoch table: the first n/64 samples at the holding level, then epoch 0 (0 pA), epoch 1 (the
# step, first level + increment x sweep), then the holding level to the end.
FIXTURES = {
    "notebook": dict(
        dt_ms=0.01, n=20000, pre_epoch=7000 - 20000 // 64, step=6000, levels=[50.0],
        area=1e-5, theta="v_rest=50", noise=1.0, scheme="pyhh-euler", substeps=1, seed=3,
    ),
    "cell": dict(
        dt_ms=0.05, n=3000, pre_epoch=400 - 3000 // 64, step=2000, levels=[300.0, 500.0],
        area=2e-5, theta="g_na=110,g_k=40,v_rest=-68", noise=0.5, scheme="exp-euler",
        substeps=2, seed=11,
    ),
    # One cell, three step sweeps (a hyperpolarising, a near-threshold and a strong step) at
    # the same known parameters: the multi-sweep observation (infer_recording --sweeps).
    "steps3": dict(
        dt_ms=0.05, n=3000, pre_epoch=400 - 3000 // 64, step=2000,
        levels=[-100.0, 150.0, 400.0], area=2e-5, theta="g_na=110,g_k=40,v_rest=-68",
        noise=0.5, scheme="exp-euler", substeps=2, seed=21, formats=["abf2"],
    ),
}


def simulate(f, sweep):
    n, dt = f["n"], f["dt_ms"]
    start = n // 64 + f["pre_epoch"]
    end = start + f["step"]
    path = f"/tmp/hh_fixture_sweep{sweep}.csv"
    subprocess.run(
        [SYNTH, "--dt-ms", repr(dt), "--num-samples", str(n),
         "--pulse", f"{start * dt!r}:{end * dt!r}:{f['levels'][sweep]!r}",
         "--area", repr(f["area"]), "--set", f["theta"], "--noise", repr(f["noise"]),
         "--scheme", f["scheme"], "--substeps", str(f["substeps"]),
         "--seed", str(f["seed"] + sweep), "--out", path],
        check=True,
    )
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    os.remove(path)
    v = np.round(data[:, 1] / V_RES) * V_RES
    i = np.round(data[:, 2] / I_RES) * I_RES
    assert np.all(i[start:end] == f["levels"][sweep]) and np.all(i[:start] == 0) and np.all(i[end:] == 0)
    return v, i


def write_csv(path, dt, v, i):
    with open(path, "w") as out:
        out.write("t_ms,vm_mv,i_pa\n")
        for k in range(len(v)):
            out.write(f"{k * dt!r},{float(v[k])!r},{float(i[k])!r}\n")


def raw_counts(v, i, channels):
    cols = [np.round(v / V_RES)]
    if channels == 2:
        cols.append(np.round(i / I_RES))
    raw = np.stack(cols, axis=1).astype("<i2")  # interleaved, sample by sample
    return raw.tobytes()


def instrument_scale(res):
    # value = raw * range / (resolution * scale): scale = range / (resolution * res)
    return ADC_RANGE / (ADC_RESOLUTION * res)


def write_abf2(path, f, sweeps, channels):
    """ABF 2.6: protocol, ADC, DAC, epoch-per-DAC, strings and data sections."""
    n, nch, ns = f["n"], channels, len(sweeps)
    strings = [b"hh-sbi", b"synthetic HH step protocol", b"Vm", b"mV", b"Im", b"pA", b"Cmd 0", b"pA"]
    sblock = b"SSCH" + struct.pack("<II", 1, len(strings)) + bytes(28) + b"\x00".join(strings) + b"\x00"
    data = b"".join(raw_counts(v, i, nch) for v, i in sweeps)
    blocks = {"protocol": 1, "adc": 2, "dac": 3, "epoch_per_dac": 4, "epoch": 5, "synch_array": 6, "strings": 7, "data": 8}
    out = bytearray(512 * 8 + len(data))
    struct.pack_into("<4s4BIIII", out, 0, b"ABF2", 0, 0, 6, 2, 512, ns, 20261202, 0)
    struct.pack_into("<HHHH", out, 28, 1, 0, 1, 0)  # file type, int16 data, simultaneous scan
    struct.pack_into("<4B", out, 56, 0, 0, 1, 0)  # creator version
    struct.pack_into("<I", out, 60, 1)  # creator name: string 1
    struct.pack_into("<I", out, 72, 2)  # protocol path: string 2
    sections = {  # name: (index in the section map, entry size, count)
        "protocol": (0, 512, 1), "adc": (1, 128, nch), "dac": (2, 256, 1),
        "epoch_per_dac": (5, 48, 2), "epoch": (3, 32, 2), "synch_array": (15, 8, ns), "strings": (9, len(sblock), 1), "data": (10, 2, len(data) // 2),
    }
    for name, (k, size, count) in sections.items():
        struct.pack_into("<IIq", out, 76 + 16 * k, blocks[name], size, count)
    p = 512 * blocks["protocol"]
    struct.pack_into("<hf", out, p + 0, 5, 1e3 * f["dt_ms"])  # episodic; µs per sample
    struct.pack_into("<iiiii", out, p + 22, n * nch, 0, ns, 1, 1)
    struct.pack_into("<f", out, p + 62, n * f["dt_ms"] / 1e3)  # sweep start to start, s
    struct.pack_into("<ffii", out, p + 110, ADC_RANGE, ADC_RANGE, ADC_RESOLUTION, ADC_RESOLUTION)
    struct.pack_into("<h", out, p + 126, 1)  # experiment type: current clamp
    struct.pack_into("<hh", out, p + 198, 8, 4)  # digitizer ADCs, DACs
    for c, (res, name_i, unit_i) in enumerate([(V_RES, 3, 4), (I_RES, 5, 6)][:nch]):
        a = 512 * blocks["adc"] + 128 * c
        struct.pack_into("<h", out, a + 0, c)
        struct.pack_into("<h", out, a + 26, c)  # sampling sequence
        struct.pack_into("<f", out, a + 28, 1.0)  # programmable gain
        struct.pack_into("<ff", out, a + 32, 1.0, 0.0)  # display
        struct.pack_into("<ffff", out, a + 40, instrument_scale(res), 0.0, 1.0, 0.0)
        struct.pack_into("<ff", out, a + 56, 10000.0, 0.0)  # filters
        struct.pack_into("<ii", out, a + 74, name_i, unit_i)
    d = 512 * blocks["dac"]
    struct.pack_into("<hh", out, d, 0, 0)
    struct.pack_into("<ffff", out, d + 4, 0.0, 1.0, 0.0, 1.0)  # holding 0 pA
    struct.pack_into("<ii", out, d + 24, 7, 8)
    struct.pack_into("<hhh", out, d + 40, 1, 1, 0)  # waveform on, from epochs, hold between sweeps
    levels = f["levels"]
    inc = levels[1] - levels[0] if len(levels) > 1 else 0.0
    e = 512 * blocks["epoch_per_dac"]
    struct.pack_into("<hhhffii", out, e, 0, 0, 1, 0.0, 0.0, f["pre_epoch"], 0)
    struct.pack_into("<hhhffii", out, e + 48, 1, 0, 1, levels[0], inc, f["step"], 0)
    for k in range(ns):  # sweep k: start and length in samples of all channels
        struct.pack_into("<ii", out, 512 * blocks["synch_array"] + 8 * k, k * n * nch, n * nch)
    for k in range(2):  # digital outputs: all off
        struct.pack_into("<hh", out, 512 * blocks["epoch"] + 32 * k, k, 0)
    out[512 * blocks["strings"]: 512 * blocks["strings"] + len(sblock)] = sblock
    out[512 * blocks["data"]:] = data
    open(path, "wb").write(bytes(out))


def write_abf1(path, f, sweeps):
    """ABF 1.83 with the extended 6144-byte header: Vm and Im channels and the epoch table."""
    n, nch, ns = f["n"], 2, len(sweeps)
    data = b"".join(raw_counts(v, i, nch) for v, i in sweeps)
    out = bytearray(6144 + len(data))
    struct.pack_into("<4sfhiHi", out, 0, b"ABF ", 1.83, 5, len(data) // 2, 0, ns)
    struct.pack_into("<ii", out, 20, 20261202, 0)
    struct.pack_into("<i", out, 40, 6144 // 512)
    struct.pack_into("<h", out, 100, 0)  # int16
    struct.pack_into("<hf", out, 120, nch, 1e3 * f["dt_ms"] / nch)  # µs per sample, all channels
    struct.pack_into("<i", out, 138, n * nch)
    struct.pack_into("<f", out, 178, n * f["dt_ms"] / 1e3)
    struct.pack_into("<f", out, 244, ADC_RANGE)
    struct.pack_into("<i", out, 252, ADC_RESOLUTION)
    struct.pack_into("<h", out, 260, 1)
    struct.pack_into("<16s", out, 294, b"hh-sbi")
    for k in range(16):
        struct.pack_into("<h", out, 410 + 2 * k, k if k < nch else -1)
        struct.pack_into("<fffff", out, 730 + 4 * k, 1.0, 0, 0, 0, 0)
        struct.pack_into("<f", out, 730 + 4 * k, 1.0)  # programmable gain
        struct.pack_into("<f", out, 922 + 4 * k, 1.0)  # instrument scale
        struct.pack_into("<f", out, 1050 + 4 * k, 1.0)  # signal gain
    for c, (res, name, unit) in enumerate([(V_RES, b"Vm", b"mV"), (I_RES, b"Im", b"pA")]):
        struct.pack_into("<10s", out, 442 + 10 * c, name.ljust(10))
        struct.pack_into("<8s", out, 602 + 8 * c, unit.ljust(8))
        struct.pack_into("<f", out, 922 + 4 * c, instrument_scale(res))
    for dac in range(4):
        struct.pack_into("<10s", out, 1306 + 10 * dac, f"Cmd {dac}".encode().ljust(10))
        struct.pack_into("<8s", out, 1346 + 8 * dac, b"pA".ljust(8))
    struct.pack_into("<hh", out, 2296, 1, 0)  # waveform enable: DAC 0
    struct.pack_into("<hh", out, 2300, 1, 0)  # waveform source: epochs
    levels = f["levels"]
    inc = levels[1] - levels[0] if len(levels) > 1 else 0.0
    for k, (level, step, dur) in enumerate([(0.0, 0.0, f["pre_epoch"]), (levels[0], inc, f["step"])]):
        struct.pack_into("<h", out, 2308 + 2 * k, 1)  # step
        struct.pack_into("<f", out, 2348 + 4 * k, level)
        struct.pack_into("<f", out, 2428 + 4 * k, step)
        struct.pack_into("<i", out, 2508 + 4 * k, dur)
    out[6144:] = data
    open(path, "wb").write(bytes(out))


def write_nwb(path, f, sweeps):
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.icephys import CurrentClampSeries, CurrentClampStimulusSeries

    nwb = NWBFile(
        session_description="hh-sbi synthetic current clamp at known parameters " + f["theta"],
        identifier="hh-sbi-fixture",
        session_start_time=datetime.datetime(2026, 12, 2, tzinfo=datetime.timezone.utc),
    )
    device = nwb.create_device(name="simulator")
    electrode = nwb.create_icephys_electrode(name="elec0", description="simulated", device=device)
    rate = 1e3 / f["dt_ms"]
    for k, (v, i) in enumerate(sweeps):
        common = dict(electrode=electrode, rate=rate, starting_time=0.0, sweep_number=np.uint64(k), gain=1.0)
        nwb.add_acquisition(CurrentClampSeries(
            name=f"CurrentClampSeries{k:03d}", data=v.astype(np.float32), conversion=1e-3,
            unit="volts", **common))
        nwb.add_stimulus(CurrentClampStimulusSeries(
            name=f"CurrentClampStimulusSeries{k:03d}", data=i.astype(np.float32),
            conversion=1e-12, unit="amperes", **common))
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb)


def check_with_pyabf(path, sweeps, channels):
    import pyabf

    abf = pyabf.ABF(path)
    assert abf.sweepCount == len(sweeps), (path, abf.sweepCount)
    for k, (v, i) in enumerate(sweeps):
        abf.setSweep(k, channel=0)
        assert np.allclose(abf.sweepY, v, atol=1e-4), path
        if channels == 2:
            abf.setSweep(k, channel=1)
            assert np.allclose(abf.sweepY, i, atol=1e-4), path
    assert abs(abf.dataRate - 1e3 / FIX["dt_ms"]) < 1e-3, (path, abf.dataRate)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    # Names on the command line make only those fixtures (default: all).
    for name, FIX in FIXTURES.items():
        if sys.argv[1:] and name not in sys.argv[1:]:
            continue
        formats = FIX.get("formats", ["csv", "abf2", "abf1", "nwb"])
        sweeps = [simulate(FIX, k) for k in range(len(FIX["levels"]))]
        if "csv" in formats:
            for k, (v, i) in enumerate(sweeps):
                write_csv(f"{OUT}/{name}_sweep{k}.csv", FIX["dt_ms"], v, i)
        if "abf2" in formats:
            write_abf2(f"{OUT}/{name}_abf2.abf", FIX, sweeps, channels=1)
            check_with_pyabf(f"{OUT}/{name}_abf2.abf", sweeps, channels=1)
        if "abf1" in formats:
            write_abf1(f"{OUT}/{name}_abf1.abf", FIX, sweeps)
            check_with_pyabf(f"{OUT}/{name}_abf1.abf", sweeps, channels=2)
        if "nwb" in formats:
            write_nwb(f"{OUT}/{name}.nwb", FIX, sweeps)
        print(name, "ok", file=sys.stderr)
