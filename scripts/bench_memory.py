"""Peak resident memory as the benchmarks report it (Linux `/proc`).

`ru_maxrss` misleads twice: a process started by vfork (subprocess) or
spawn counts its parent's memory until it execs, and a parent's
RUSAGE_CHILDREN adds peaks that may never have been reached together.
These read the kernel's own figures instead: a process's high-water mark
since its exec, and the memory of a process and its children sampled
together while a step runs.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType

SAMPLE_SECONDS = 0.01


def own_peak_mb() -> float:
    """This process's peak resident memory since it started its program (VmHWM), in MB."""
    return _status_kb(Path("/proc/self/status"), "VmHWM") / 1024


def _status_kb(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:  # the process ended meanwhile
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


class TreePeak:
    """The largest resident memory of this process and its children together, sampled every
    SAMPLE_SECONDS while the `with` block runs (at least this process's own peak)."""

    def __init__(self) -> None:
        self._peak_kb = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="tree-peak", daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            total = sum(_status_kb(Path(f"/proc/{pid}/status"), "VmRSS") for pid in _tree(os.getpid()))
            self._peak_kb = max(self._peak_kb, total)

    def __enter__(self) -> TreePeak:
        self._sampler.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._sampler.join()

    @property
    def peak_mb(self) -> float:
        """The peak seen, in MB (never below this process's own high-water mark)."""
        return max(self._peak_kb / 1024, own_peak_mb())
