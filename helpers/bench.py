"""How fast is a model here, and how big is it? Latency and size, measured honestly.

Introduced in notebook 04, which first writes the timing loop out by hand.
A latency measurement follows the recipe of TensorFlow Lite's benchmark tool:

* build the interpreter with a fixed number of CPU threads;
* **warm up**: the first few ``invoke`` calls are slower (memory is touched
  for the first time, caches are cold, XNNPACK packs its weights), so they are
  run but not timed;
* **repeat** ``invoke`` on one prepared input and time each call alone;
* report the **median** (a typical frame) and the **90th percentile** (the
  slow frames a real-time app must also survive), not the mean, which one
  hiccup from another program can drag up.

Only ``invoke`` is timed: not loading the model, not preparing the image.
This module never imports TensorFlow.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers.arguments import is_real, is_whole, true_or_false
from helpers.errors import BenchmarkError
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
        """The median time of one ``invoke``: a typical frame.

        Raises what ``percentile`` raises (BenchmarkError) for timings that are empty, negative or not finite.
        """
        return percentile(self.times_ms, 50)

    @property
    def p90_ms(self) -> float:
        """The 90th percentile: 9 calls in 10 were at least this fast.

        Raises what ``percentile`` raises (BenchmarkError) for timings that are empty, negative or not finite.
        """
        return percentile(self.times_ms, 90)

    @property
    def mean_ms(self) -> float:
        """The mean time (sensitive to the occasional slow call)."""
        return float(np.mean(self.times_ms))

    @property
    def min_ms(self) -> float:
        """The fastest call."""
        return float(np.min(self.times_ms))

    @property
    def fps(self) -> float:
        """Frames per second at the median latency (model only, no camera or preprocessing).

        Raises what ``median_ms`` raises (BenchmarkError).
        """
        return 1000.0 / self.median_ms

    def summary(self) -> dict[str, object]:
        """The figures as a dict (one table row). Raises what ``median_ms`` and ``p90_ms`` raise (BenchmarkError)."""
        return {
            "model": self.model,
            "threads": self.num_threads,
            "repeats": self.repeats,
            "median_ms": self.median_ms,
            "p90_ms": self.p90_ms,
            "mean_ms": self.mean_ms,
            "min_ms": self.min_ms,
        }


def _floats(values: object, what: str) -> np.ndarray:
    """``values`` as a flat float64 array of numbers, or a BenchmarkError naming ``what`` they should be.

    Strings, bools and None are refused (not converted: '5' is not a timing); a single number or a table too.
    """
    try:
        array = np.asarray(values)
    except (TypeError, ValueError):
        raise BenchmarkError(f"The {what} must be numbers; got {values!r}.") from None
    if array.dtype.kind not in "iuf" or array.ndim != 1:
        raise BenchmarkError(f"The {what} must be numbers (a flat list); got {_shown(values)}.")
    return array.astype(np.float64).ravel()


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _finite(values: np.ndarray, what: str) -> np.ndarray:
    if not np.isfinite(values).all():
        raise BenchmarkError(f"The {what} hold NaN or infinite values; measure again or drop those entries.")
    return values


def percentile(times: Sequence[float] | np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0–100) of some timings, interpolating linearly between samples.

    Introduced in notebook 04. Raises BenchmarkError for timings that are not finite numbers ≥ 0
    (NaN, strings) or a q that is not a number from 0 to 100.
    """
    values = _floats(times, "timings")
    if values.size == 0:
        raise BenchmarkError("No timings given: measure at least one call.")
    if (_finite(values, "timings") < 0).any():
        raise BenchmarkError(f"Timings cannot be negative; the smallest is {values.min():g}.")
    if not is_real(q) or not 0 <= q <= 100:
        raise BenchmarkError(f"A percentile is between 0 and 100; got {q!r}.")
    return float(np.percentile(values, q))


def model_size(model_path: str | os.PathLike) -> int:
    """The model file's size on disk, in bytes. Raises BenchmarkError when there is no such file."""
    path = Path(model_path) if isinstance(model_path, (str, os.PathLike)) else None
    if path is None or not path.is_file():
        raise BenchmarkError(f"No model file at '{path}'. Fetch models by name with helpers.assets.fetch(...).")
    return path.stat().st_size


def model_size_mb(model_path: str | os.PathLike) -> float:
    """The model file's size in megabytes (10⁶ bytes, as the hosted-models table counts).

    Introduced in notebook 04. Raises BenchmarkError when there is no such file.
    """
    return model_size(model_path) / 1e6


def _sample_input(details: dict, seed: int = 0) -> np.ndarray:
    """A random input of the tensor's shape and type (the content does not change a CNN's speed)."""
    rng = np.random.default_rng(seed)
    shape = tuple(int(d) for d in details["shape"])
    dtype = np.dtype(details["dtype"])
    if dtype == np.float32:
        return rng.uniform(-1, 1, shape).astype(np.float32)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    raise BenchmarkError(f"Cannot make a test input of type {dtype}; expected float32 or an integer type.")


def _check_settings(num_threads: int, warmup: int, repeats: int) -> None:
    if not is_whole(num_threads) or num_threads < 1:
        raise BenchmarkError(
            f"num_threads must be a whole number ≥ 1; got {num_threads!r}. This process may use "
            f"{available_cpus()} CPUs (helpers.model.available_cpus())."
        )
    if not is_whole(warmup) or warmup < 0:
        raise BenchmarkError(f"warmup is a number of untimed calls (0 or more); got {warmup!r}.")
    if not is_whole(repeats) or repeats < 1:
        raise BenchmarkError(f"repeats is a number of timed calls (1 or more); got {repeats!r}.")


def measure_latency(
    model_path: str | os.PathLike, num_threads: int = 1, warmup: int = 5, repeats: int = 30, name: str | None = None
) -> Latency:
    """Time ``repeats`` single ``invoke`` calls after ``warmup`` untimed ones, on ``num_threads`` threads.

    Introduced in notebook 04. Raises BenchmarkError for counts that are not whole numbers in range or
    a name that is not text; ModelError for a model file LiteRT cannot load.
    """
    _check_settings(num_threads, warmup, repeats)
    if name is not None and not isinstance(name, str):
        raise BenchmarkError(f"name is the model's name in the results (text); got {name!r}.")
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
    return Latency(name or Path(model_path).stem, num_threads, times, warmup)


def measure_many(
    models: Mapping[str, str | os.PathLike],
    threads: Sequence[int] = (1,),
    warmup: int = 5,
    repeats: int = 30,
    progress: bool = True,
) -> list[Latency]:
    """``measure_latency`` for every model at every thread count, with one progress bar.

    Introduced in notebook 04. Raises BenchmarkError, before measuring anything, for models that are
    not a dict name → model path (or name a missing file), threads that are not a list of whole
    numbers ≥ 1, warmup/repeats out of range, or a progress that is not True/False.
    """
    if not isinstance(models, Mapping):
        raise BenchmarkError(
            f"models is a dict name → model path, such as {{'V1 0.25': fetch('models/…')}}; got "
            f"{type(models).__name__}. For a list of paths: {{Path(p).stem: p for p in paths}}."
        )
    if not models:
        raise BenchmarkError("No models given: pass a dict such as {'name': model_path}.")
    for name, path in models.items():
        if not isinstance(name, str):
            raise BenchmarkError(f"The names in models are text; got {name!r}.")
        model_size(path)  # a missing file stops here, not after the other models were measured
    if isinstance(threads, (int, np.integer)):
        raise BenchmarkError(f"threads is a list of thread counts, such as (1, {threads}); got {threads}.")
    if isinstance(threads, (str, bytes)) or not isinstance(threads, Iterable):
        raise BenchmarkError(f"threads is a list of thread counts, such as (1, 2); got {threads!r}.")
    threads = list(threads)
    true_or_false(progress, "progress", BenchmarkError)
    if not threads:
        raise BenchmarkError("No thread counts given: pass e.g. threads=(1, helpers.model.available_cpus()).")
    for count in threads:
        _check_settings(count, warmup, repeats)
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


def _number(value: object, key: str) -> float | None:
    """A row value as a float, or None when it is missing (None or NaN); a string or a list is refused."""
    if value is None:
        return None
    if not is_real(value):
        raise BenchmarkError(f"A row's {key!r} value must be one number (or None when missing); got {value!r}.")
    number = float(value)
    return None if np.isnan(number) else number


def _limit(value: object, name: str) -> float:
    """A limit of best_model: a number (infinity allowed: no limit), not NaN, not text."""
    if not is_real(value) or np.isnan(value):
        raise BenchmarkError(f"{name} must be a number (float('inf') for no limit); got {value!r}.")
    return float(value)


def pareto_front(latency_ms: Sequence[float], accuracy: Sequence[float]) -> list[bool]:
    """For each model, True if no other model is at least as fast *and* at least as accurate (and better in one).

    Introduced in notebook 04. Raises BenchmarkError for two lists that are not flat lists of finite
    numbers of the same length (a NaN, a missing value, is refused: drop that model first).
    """
    latencies = _finite(_floats(latency_ms, "latencies"), "latencies")
    accuracies = _finite(_floats(accuracy, "accuracies"), "accuracies")
    if latencies.size != accuracies.size:
        raise BenchmarkError(
            f"{latencies.size} latencies for {accuracies.size} accuracies; give one of each per model."
        )
    points = list(zip(latencies, accuracies, strict=True))
    return [not any(t2 <= t and a2 >= a and (t2 < t or a2 > a) for t2, a2 in points) for t, a in points]


def best_model(
    rows: Sequence[Mapping[str, object]],
    max_latency_ms: float = float("inf"),
    max_size_mb: float = float("inf"),
    min_accuracy: float = 0.0,
    latency: str = "latency_ms",
    accuracy: str = "top1",
    size: str = "size_mb",
) -> Mapping[str, object] | None:
    """The most accurate row within all three limits (ties: faster, then smaller), or None if none fits.

    Each row is a dict with at least the ``latency``, ``accuracy`` and ``size``
    keys; a row missing one of them (None or NaN) never qualifies.
    Introduced in notebook 04. Raises BenchmarkError for rows that are not a list of dicts, a row value
    that is not a number, a limit that is not a number (NaN, text), or key names that are not text.
    """
    if isinstance(rows, (Mapping, str, bytes)) or not isinstance(rows, Iterable):
        raise BenchmarkError(
            f"rows is a list of dicts, one per model, such as [{{'{latency}': 12.0, '{accuracy}': 0.7, "
            f"'{size}': 4.3}}]; got {type(rows).__name__}."
        )
    max_latency_ms, max_size_mb = _limit(max_latency_ms, "max_latency_ms"), _limit(max_size_mb, "max_size_mb")
    min_accuracy = _limit(min_accuracy, "min_accuracy")
    for name, key in (("latency", latency), ("accuracy", accuracy), ("size", size)):
        if not isinstance(key, str):
            raise BenchmarkError(f"{name} is the name of a row's key (text); got {key!r}.")
    feasible = []
    for row in rows:
        if not isinstance(row, Mapping):
            raise BenchmarkError(
                f"Each row is a dict such as {{'{latency}': 12.0, '{accuracy}': 0.7, '{size}': 4.3}}; got {row!r}."
            )
        missing = [key for key in (latency, accuracy, size) if key not in row]
        if missing:
            raise BenchmarkError(f"A row has no {missing[0]!r} value; its keys are {sorted(row)}.")
        values = (_number(row[latency], latency), _number(row[accuracy], accuracy), _number(row[size], size))
        if None in values:
            continue
        time_ms, acc, mb = values
        if time_ms <= max_latency_ms and mb <= max_size_mb and acc >= min_accuracy:
            feasible.append((-acc, time_ms, mb, len(feasible), row))
    return min(feasible)[-1] if feasible else None
