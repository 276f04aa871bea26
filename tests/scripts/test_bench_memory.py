"""The benchmarks' peak memory: a child process's memory counts while it runs beside the measured one, and
a process's own peak leaves out what its parent held when it was started."""

from __future__ import annotations

import subprocess
import sys

from scripts.bench_memory import TreePeak

HOLD_300_MB = ("import time; b = bytearray(300 * 1024 * 1024); "
               "b[::4096] = b'x' * len(b[::4096]); time.sleep(0.3)")  # touched, so resident


def test_a_child_running_beside_the_step_counts_towards_its_peak():
    with TreePeak() as memory:
        subprocess.run([sys.executable, "-c", HOLD_300_MB], check=True)
    assert memory.peak_mb > 300


def test_a_child_started_by_a_large_parent_reports_its_own_peak_alone():
    held = bytearray(400 * 1024 * 1024)
    held[::4096] = b"x" * len(held[::4096])
    code = "from scripts.bench_memory import own_peak_mb; print(own_peak_mb())"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert float(out) < 200  # an interpreter alone, not the 400 MB held here
    del held
