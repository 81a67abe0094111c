"""What every benchmark shares: timing by medians, the gradient check, the machine and versions."""

from __future__ import annotations

import cProfile
import gc
import io
import math
import os
import platform
import pstats
import re
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, TypeVar

T = TypeVar("T")

# Relative tolerance for gradients against a peer.  The peers sum in the same order where they
# can (micrograd), so most values agree exactly; float64 rounding elsewhere stays far below this.
REL = 1e-9


class Mismatch(AssertionError):
    """A benchmarked result differs from its reference: the benchmark stops, loudly."""


@dataclass
class Timing:
    """Seconds of each run of one contender; ``median`` is what the tables report."""

    runs: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    def cell(self) -> str:
        return f"{seconds(self.median)}" + ("" if len(self.runs) > 1 else " (1 run)")


def timed(fn: Callable[[], T], repeat: int, budget: float = 60.0) -> tuple[Timing, T]:
    """Run ``fn`` ``repeat`` times (fewer if the runs so far took more than ``budget`` seconds).

    Returns the timings and the last run's result, which the caller checks.  A collection runs
    before each run, so no run pays for its predecessor's garbage.
    """
    timing = Timing()
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        timing.runs.append(time.perf_counter() - start)
        if sum(timing.runs) > budget:
            break
    return timing, result


def check_close(what: str, got: Mapping[str, float], want: Mapping[str, float], rel: float = REL) -> None:
    """Every name's value in ``got`` agrees with ``want``; otherwise :class:`Mismatch`."""
    if set(got) != set(want):
        missing = sorted(set(want) - set(got))[:5]
        extra = sorted(set(got) - set(want))[:5]
        raise Mismatch(f"{what}: different names (missing {missing}, extra {extra})")
    for name, value in want.items():
        if not math.isclose(got[name], value, rel_tol=rel, abs_tol=1e-12):
            raise Mismatch(f"{what}: {name} is {got[name]!r}, the reference has {value!r}")


def check_array(what: str, got: Any, want: Any, rel: float = REL, scale: float = 0.0) -> None:
    """Nested lists of floats agree element by element, within ``rel`` of each value or of ``scale``."""
    if isinstance(want, (list, tuple)):
        if not isinstance(got, (list, tuple)) or len(got) != len(want):
            raise Mismatch(f"{what}: shapes differ")
        for k, (g, w) in enumerate(zip(got, want)):
            check_array(f"{what}[{k}]", g, w, rel, scale)
        return
    if not math.isclose(float(got), float(want), rel_tol=rel, abs_tol=max(1e-12, rel * scale)):
        raise Mismatch(f"{what} is {got!r}, the reference has {want!r}")


def run_with_stack(fn: Callable[[], T], stack_mib: int = 1024, recursion: int = 10**7) -> T:
    """Run ``fn`` in a thread with a large stack and a raised recursion limit.

    micrograd's ``backward`` sorts the graph with a recursive depth-first search, one frame
    per node along the longest path: past about 1 000 inputs a neuron exceeds the default
    recursion limit (1 000) and, raised, the main thread's C stack.  Everything in one
    suite runs in the same thread, so every contender sees the same conditions.
    """
    out: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            out.append(fn())
        except BaseException as err:  # re-raised in the caller's thread
            errors.append(err)

    old_limit, old_size = sys.getrecursionlimit(), threading.stack_size()
    sys.setrecursionlimit(recursion)
    threading.stack_size(stack_mib * 1024 * 1024)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_size)
        sys.setrecursionlimit(old_limit)
    if errors:
        raise errors[0]
    return out[0]


def profile_lines(fn: Callable[[], object], top: int = 12) -> list[str]:
    """The hot spots of one call of ``fn``, by own time (cProfile): the header and ``top`` rows."""
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    text = io.StringIO()
    stats = pstats.Stats(prof, stream=text)
    stats.sort_stats("tottime").print_stats(top)
    lines = [line for line in text.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return [_short(line) for line in lines[start : start + top + 1]]


_PROFILE_ROW = re.compile(r"^(\s*(?:\S+\s+){5})(.*)$")  # five numeric columns, then where
_PROFILE_ROOTS = ("symbackprop/", "sympy/", "micrograd/", "json/", "benchmarks/")


def _short(line: str) -> str:
    """A profile line without the machine's directories: ``symbackprop/chain.py:97(build_graph)``,
    and for any other file its name alone (``contextlib.py:141(__exit__)``)."""
    row = _PROFILE_ROW.match(line)
    if row is None or row[2].startswith(("{", "<")):
        return line
    columns, where = row[1], row[2]
    for root in _PROFILE_ROOTS:
        at = where.find(root)
        if at >= 0:
            return columns + where[at:]
    path, colon, rest = where.rpartition(":")
    return columns + (os.path.basename(path) + colon + rest if colon else where)


def seconds(t: float) -> str:
    """A duration for a table: ms below a second."""
    if t < 1:
        return f"{t * 1000:.3g} ms" if t >= 0.001 else f"{t * 1e6:.3g} µs"
    return f"{t:.3g} s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine() -> list[str]:
    """Lines describing the machine and the software, for the top of the results."""
    cores = os.cpu_count()
    lines = [
        f"- CPU: {cpu_model()}, {cores} logical core{'s' if cores != 1 else ''} ({platform.machine()})",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}",
    ]
    dists = ["symbackprop", "sympy", "symengine", "numpy", "micrograd", "torch", "sphinx"]
    found = [f"{d} {v}" for d in dists if (v := version(d)) is not None]
    absent = [d for d in dists if version(d) is None]
    lines.append(
        "- Packages: " + ", ".join(found) + (f" (not installed: {', '.join(absent)})" if absent else "")
    )
    return lines


def unbounded(inputs: int = 0) -> Any:
    """Limits for the benchmarks' large inputs: --max-output raised to what an n-input neuron writes
    (about 11 terms per input; at the default, 50 000, a neuron stops between 3 000 and 4 000
    inputs) and no further -- past a derivation's size in its leaves the closed forms are written
    inlined, which a user at the default limits would not get -- and --max-elements past the
    784-128-128-10 network's batch of 1 024 (3.9 million numbers)."""
    from symbackprop.limits import DEFAULT

    bounds = {"max_elements": 10**9}
    if 20 * inputs > DEFAULT.max_output:
        bounds["max_output"] = 20 * inputs
    return DEFAULT.merge(**bounds)
