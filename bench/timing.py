"""Timing that survives a noisy, shared machine: variants run round-robin, a
collection before each timed call, and ratios taken within each round."""

from __future__ import annotations

import gc
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable


def load() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages."""
    return [round(value, 2) for value in os.getloadavg()]


def interleaved(variants: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each variant: one warm-up call each, then `repeats`
    rounds that call every variant once, in turn, after a gc.collect()."""
    for action in variants.values():
        action()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, action in variants.items():
            gc.collect()
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return times


def spread(values: list[float]) -> dict[str, float]:
    """Median, min, max and interquartile range."""
    ordered = sorted(values)
    quartiles = statistics.quantiles(ordered, n=4) if len(ordered) > 1 else ordered * 3
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "q1": quartiles[0],
        "q3": quartiles[2],
    }


def ratio(times: dict[str, list[float]], top: str, bottom: str) -> dict[str, float]:
    """top ÷ bottom within each round (both ran side by side), then its spread."""
    return spread([a / b for a, b in zip(times[top], times[bottom], strict=True)])


def peak_memory(action: Callable[[], object]) -> int:
    """Bytes allocated at the peak of one call, over what was held before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        action()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
