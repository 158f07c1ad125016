"""How fast is a model here, and how big is it? Latency and size, measured honestly (notebook 04).

As TensorFlow Lite's benchmark tool does: a fixed number of CPU threads; untimed warm-up calls; then ``invoke``
repeated on one prepared input, each call timed alone; reported as the median and the 90th percentile, not the mean.
"""

from __future__ import annotations

import math
import operator
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.errors import BenchmarkError, wrap_public_functions
from helpers.model import available_cpus, load_interpreter


@dataclass(frozen=True)
class Latency:
    """The timed ``invoke`` calls of one model at one thread count (milliseconds)."""

    model: str
    num_threads: int
    times_ms: np.ndarray = field(repr=False)
    warmup: int = 0

    @property
    def repeats(self) -> int:
        """How many calls were timed."""
        return int(self.times_ms.size)

    @property
    def median_ms(self) -> float:
        """The median time of one ``invoke``: a typical frame."""
        return float(np.median(self.times_ms))

    @property
    def p90_ms(self) -> float:
        """The 90th percentile: 9 calls in 10 were at least this fast."""
        return float(np.percentile(self.times_ms, 90))

    @property
    def fps(self) -> float:
        """Frames per second at the median latency (model only, no camera or preprocessing)."""
        return 1000.0 / self.median_ms


def model_size_mb(model_path: str | os.PathLike) -> float:
    """The model file's size in megabytes (10⁶ bytes, as the hosted-models table counts); BenchmarkError if none."""
    if not Path(model_path).is_file():
        raise BenchmarkError(f"No model file at '{model_path}'. Fetch models by name with helpers.assets.fetch(...).")
    return Path(model_path).stat().st_size / 1e6


def _sample_input(details: dict, seed: int = 0) -> np.ndarray:
    """A seeded random input of the tensor's shape and type (the content does not change a CNN's speed)."""
    rng = np.random.default_rng(seed)
    shape, dtype = tuple(int(d) for d in details["shape"]), np.dtype(details["dtype"])
    if dtype.kind == "f":
        return rng.uniform(-1, 1, shape).astype(dtype)
    return rng.integers(np.iinfo(dtype).min, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)  # ints only


def _check_settings(num_threads: int, warmup: int, repeats: int) -> None:
    if not (operator.index(num_threads) >= 1 and operator.index(warmup) >= 0 and operator.index(repeats) >= 1):
        raise BenchmarkError(
            f"num_threads ≥ 1, warmup ≥ 0 (untimed calls) and repeats ≥ 1 (timed calls) are whole numbers; got "
            f"num_threads={num_threads!r}, warmup={warmup!r}, repeats={repeats!r}. This process may use "
            f"{available_cpus()} CPUs (helpers.model.available_cpus())."
        )


def measure_latency(
    model_path: str | os.PathLike, num_threads: int = 1, warmup: int = 5, repeats: int = 30, name: str | None = None
) -> Latency:
    """Time ``repeats`` single ``invoke`` calls after ``warmup`` untimed ones, on ``num_threads`` threads."""
    _check_settings(num_threads, warmup, repeats)
    interpreter = load_interpreter(model_path, num_threads=num_threads)
    for details in interpreter.get_input_details():
        interpreter.set_tensor(details["index"], _sample_input(details))
    for _ in range(warmup):
        interpreter.invoke()
    times = np.empty(repeats, dtype=np.float64)
    for i in range(repeats):
        start = time.perf_counter_ns()
        interpreter.invoke()
        times[i] = (time.perf_counter_ns() - start) / 1e6
    return Latency(Path(model_path).stem if name is None else str(name), num_threads, times, warmup)


def measure_many(
    models: Mapping[str, str | os.PathLike],
    threads: Iterable[int] = (1,),
    warmup: int = 5,
    repeats: int = 30,
    progress: bool = True,
) -> list[Latency]:
    """``measure_latency`` for every model (a dict name → path) at every thread count; checked before measuring."""
    threads = list(threads)
    if not (isinstance(models, Mapping) and models and threads):
        raise BenchmarkError(
            f"measure_many takes models as a dict name → model path, such as {{'V1 0.25': fetch('models/…')}} (for "
            f"a list of paths: {{Path(p).stem: p for p in paths}}), and threads as a list of thread counts such as "
            f"(1, 2); got {len(models)} models and {len(threads)} thread counts."
        )
    for count in threads:
        _check_settings(count, warmup, repeats)
    for path in models.values():
        model_size_mb(path)  # a missing file stops here, not after the other models were measured
    from tqdm.auto import tqdm

    jobs = [(name, path, count) for name, path in models.items() for count in threads]
    results = []
    with tqdm(total=len(jobs), desc="latency", unit="run", disable=not progress) as bar:
        for name, path, count in jobs:
            bar.set_postfix_str(f"{name}, {count} thread{'s' if count > 1 else ''}")
            results.append(measure_latency(path, count, warmup, repeats, name=name))
            bar.update()
    return results


# --------------------------------------------------------------------------- choosing among models


def pareto_front(latency_ms: Sequence[float], accuracy: Sequence[float]) -> list[bool]:
    """For each model, True if no other model is at least as fast *and* at least as accurate (and better in one)."""
    latencies, accuracies = np.asarray(latency_ms) + 0.0, np.asarray(accuracy) + 0.0  # text or a ragged list fails
    if latencies.ndim != 1 or latencies.shape != accuracies.shape or not np.isfinite([*latencies, *accuracies]).all():
        raise BenchmarkError(
            f"pareto_front takes two flat lists of finite numbers, one latency and one accuracy per model (no NaN: "
            f"drop a model whose value is missing); got shapes {latencies.shape} and {accuracies.shape}."
        )
    points = list(zip(latencies, accuracies, strict=True))
    return [not any(t2 <= t and a2 >= a and (t2 < t or a2 > a) for t2, a2 in points) for t, a in points]


def _number(value: object) -> float | None:
    """A row value as a float, or None when it is missing (None or NaN); text or a list fails (TypeError)."""
    number = None if value is None else float(value + 0.0)
    return None if number is None or math.isnan(number) else number


def best_model(
    rows: Iterable[Mapping[str, object]],
    max_latency_ms: float = math.inf,
    max_size_mb: float = math.inf,
    min_accuracy: float = 0.0,
    latency: str = "latency_ms",
    accuracy: str = "top1",
    size: str = "size_mb",
) -> Mapping[str, object] | None:
    """The most accurate row (a dict) within all three limits (ties: faster, then smaller), or None if none fits; a
    row with a missing value (None or NaN) never qualifies."""
    if math.isnan(max_latency_ms + max_size_mb + min_accuracy):
        raise BenchmarkError(
            f"max_latency_ms, max_size_mb and min_accuracy must be numbers (float('inf') for no limit), not NaN; "
            f"got {max_latency_ms!r}, {max_size_mb!r}, {min_accuracy!r}."
        )
    feasible = []
    for row in rows:
        values = (_number(row[latency]), _number(row[accuracy]), _number(row[size]))
        if None in values:
            continue
        time_ms, acc, mb = values
        if time_ms <= max_latency_ms and mb <= max_size_mb and acc >= min_accuracy:
            feasible.append((-acc, time_ms, mb, len(feasible), row))
    return min(feasible)[-1] if feasible else None


wrap_public_functions(globals(), BenchmarkError)
