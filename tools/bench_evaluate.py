"""Benchmark helpers.evaluate against the plain loop a learner would write, in the same process.

    python tools/bench_evaluate.py [--images 1000] [--rounds 2] [--models v2 all]

The reference is ``for path in paths: classifier.predict(path)`` followed by a
stable top-5 sort. Each round runs the reference and every variant in turn (the machine
may be shared: the best round of each is reported, wall and CPU time), checks that
both give the same predictions, and prints images per second and the speed-up
ratio. ``--draft`` also measures JPEG draft-mode decoding (decoder scales by
1/2, 1/4 or 1/8), which the helpers do not use because it changes pixels.
Needs the assets (CLASSROOM_ASSET_MIRROR or a filled cache).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from helpers import assets
from helpers.classify import Classifier
from helpers.evaluate import evaluate_many, imagenet_classes

MODELS = {
    "v1_025_128": "mobilenet_v1_0.25_128_quant.tflite",
    "v1_025_224": "mobilenet_v1_0.25_224_quant.tflite",
    "v1_05_160": "mobilenet_v1_0.5_160_quant.tflite",
    "v1_075_192": "mobilenet_v1_0.75_192_quant.tflite",
    "v1_025_224_float": "mobilenet_v1_0.25_224.tflite",
    "v2": "mobilenet_v2_1.0_224_quant.tflite",
    "v2_tf2_ptq": "tf2_mobilenet_v2_1.0_224_ptq.tflite",
}


def reference(classifiers: dict[str, Classifier], paths: list) -> dict[str, np.ndarray]:
    """The plain loop: every model decodes every image itself, one after the other."""
    out = {}
    for name, classifier in classifiers.items():
        rows = [np.argsort(-classifier.predict(p), kind="stable")[:5] - classifier.class_offset for p in paths]
        out[name] = np.array(rows)
    return out


def timed(function) -> tuple[float, float, object]:
    """Wall seconds, process CPU seconds and the result of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def interleaved(rounds: int, variants: dict) -> dict[str, tuple[float, float, object]]:
    """Run every variant once per round, in turn; keep each one's best wall and CPU time."""
    best: dict[str, list] = {name: [float("inf"), float("inf"), None] for name in variants}
    for _ in range(rounds):
        for name, function in variants.items():
            wall, cpu, result = timed(function)
            entry = best[name]
            entry[0], entry[1], entry[2] = min(entry[0], wall), min(entry[1], cpu), result
    return {name: tuple(entry) for name, entry in best.items()}


def draft_decode(paths: list, size: int) -> float:
    """Seconds to decode ``paths`` with JPEG draft mode for a ``size``-pixel input (decode + resize)."""
    from PIL import Image

    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as image:
            image.draft("RGB", (size, size))
            image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
    return time.perf_counter() - start


def exact_decode(paths: list, size: int) -> float:
    """Seconds to decode ``paths`` the helpers' way (load_image + resize_for_model)."""
    from helpers.images import load_image, resize_for_model

    start = time.perf_counter()
    for path in paths:
        resize_for_model(load_image(path), (size, size))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="how many ImageNet samples (default 1000)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds of each variant (best is kept)")
    parser.add_argument("--models", nargs="+", default=["v2", "all"], help=f"'all' or names from {list(MODELS)}")
    parser.add_argument("--workers", type=int, nargs="+", default=[2], help="decode threads to try (default 2)")
    parser.add_argument("--draft", action="store_true", help="also time JPEG draft-mode decoding")
    args = parser.parse_args()

    paths = assets.fetch_group("imagenet-samples", progress=False)
    classes = imagenet_classes(paths)[: args.images]
    paths = paths[: args.images]
    labels = assets.read_labels("labels/imagenet_labels.txt")
    print(f"{len(paths)} images, {os.cpu_count()} cores; best of {args.rounds} rounds; the machine may be shared.")

    for choice in args.models:
        names = list(MODELS) if choice == "all" else [choice]
        classifiers = {n: Classifier(assets.fetch(f"models/{MODELS[n]}"), labels) for n in names}
        variants = {"reference loop": lambda c=classifiers: reference(c, paths)}
        for workers in args.workers:

            def fast(c=classifiers, w=workers):
                return evaluate_many(c, paths, classes, workers=w, progress=False)

            variants[f"helpers, workers={workers}"] = fast
        timings = interleaved(args.rounds, variants)
        ref_wall, ref_cpu, ref = timings.pop("reference loop")
        count = len(paths) * len(names)
        print(f"\n[{choice}] {len(names)} model(s) x {len(paths)} images")
        print(f"  {'reference loop':22s} {ref_wall:6.2f} s wall {ref_cpu:6.2f} s CPU  {count / ref_wall:6.0f} images/s")
        for variant, (wall, cpu, results) in timings.items():
            same = all(np.array_equal(results[n].predictions, ref[n]) for n in names)
            print(
                f"  {variant:22s} {wall:6.2f} s wall {cpu:6.2f} s CPU  {count / wall:6.0f} images/s  "
                f"speed-up x{ref_wall / wall:.2f}  identical predictions: {same}"
            )
        for name in names:
            result = results[name]
            print(f"    {name:18s} top-1 {result.accuracy(1):.3f}  top-5 {result.accuracy(5):.3f}")

    if args.draft:
        print("\nDecoding only (no model), exact policy vs JPEG draft mode:")
        for size in (128, 160, 192, 224):
            exact = exact_decode(paths, size)
            draft = draft_decode(paths, size)
            print(f"  {size}px  exact {exact:5.2f} s   draft {draft:5.2f} s   ratio ×{exact / draft:.2f}")


if __name__ == "__main__":
    main()
