"""Check helpers.bench against a raw LiteRT ``invoke()`` loop, in the same process.

    python tools/bench_latency.py [--repeats 50] [--rounds 3]

For each model and thread count, the raw loop (an interpreter, one input, a
``time.perf_counter`` pair around each ``invoke``) and ``measure_latency`` run
in turn, several rounds; the script prints both medians (best round) and their
ratio. A ratio near 1.00 means the helper adds no overhead and measures the
same thing; the machine may be shared, so expect a few percent of noise.
Needs the assets (CLASSROOM_ASSET_MIRROR or a filled cache).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ai_edge_litert.interpreter import Interpreter

from helpers import assets
from helpers.bench import measure_latency

MODELS = ["mobilenet_v1_0.25_128_quant.tflite", "mobilenet_v1_0.25_224.tflite", "mobilenet_v2_1.0_224_quant.tflite"]


def raw_median(model_path: str, num_threads: int, warmup: int, repeats: int) -> float:
    """The median of ``repeats`` timed ``invoke`` calls with nothing but LiteRT."""
    interpreter = Interpreter(model_path=model_path, num_threads=num_threads)
    interpreter.allocate_tensors()
    details = interpreter.get_input_details()[0]
    interpreter.set_tensor(details["index"], np.zeros(details["shape"], dtype=details["dtype"]))
    for _ in range(warmup):
        interpreter.invoke()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        interpreter.invoke()
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} cores; median of {args.repeats} calls, best of {args.rounds} rounds; "
        f"the machine may be shared."
    )
    print(f"{'model':38s} {'threads':>7s} {'raw ms':>8s} {'helper ms':>9s} {'ratio':>6s}")
    for model in MODELS:
        path = str(assets.fetch(f"models/{model}"))
        for threads in sorted({1, os.cpu_count() or 1}):
            raw, helper = [], []
            for _ in range(args.rounds):
                raw.append(raw_median(path, threads, args.warmup, args.repeats))
                helper.append(measure_latency(path, threads, args.warmup, args.repeats).median_ms)
            print(f"{model:38s} {threads:7d} {min(raw):8.2f} {min(helper):9.2f} {min(helper) / min(raw):6.2f}")


if __name__ == "__main__":
    main()
