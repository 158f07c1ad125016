"""Benchmark helpers.explain.occlusion against plain invoke() calls, in the same process.

    python tools/bench_explain.py [--model mobilenet_v2_1.0_224_quant.tflite] [--stride 16] [--patch 32] [--rounds 3]

An occlusion map on an N × N grid costs N² + 1 inferences (every covered image,
plus the whole one). The reference is the same number of plain calls
``interpreter.invoke()`` on one interpreter using every core (the default a
learner gets), on an input set once. Each round times the reference, then
``occlusion`` (covering patches, quantizing, interpreter copies, reading the
scores); the machine may be shared, so the best round of each is reported with
their ratio (target ≤ 1.2) and the occlusion's own time (target ≤ 3 s for
MobileNet V2 1.0/224 uint8 on a 14 × 14 grid on 2 cores).
Needs the assets (CLASSROOM_ASSET_MIRROR or a filled cache).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from helpers import assets, explain
from helpers.classify import Classifier, load_interpreter


def plain_invokes(model_path, count: int) -> float:
    """Seconds for ``count`` invoke() calls on one all-core interpreter (the input set once, not timed)."""
    interpreter = load_interpreter(model_path)
    details = interpreter.get_input_details()[0]
    classifier = Classifier(model_path)
    interpreter.set_tensor(details["index"], classifier.preprocess(assets.fetch("images/owl.jpg")))
    interpreter.invoke()  # warm-up
    start = time.perf_counter()
    for _ in range(count):
        interpreter.invoke()
    return time.perf_counter() - start


def main() -> None:
    """Parse the arguments, run the rounds and print the result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mobilenet_v2_1.0_224_quant.tflite")
    parser.add_argument("--stride", type=int, default=16)
    parser.add_argument("--patch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    labels = assets.read_labels("labels/imagenet_labels.txt")
    model_path = assets.fetch(f"models/{args.model}")
    photo = assets.fetch("images/owl.jpg")
    classifier = Classifier(model_path, labels)
    target = classifier.classify(photo, 1)[0][0]
    scorer = explain.scorer(classifier)
    explain.occlusion(scorer, photo, target, patch=args.patch, stride=args.stride)  # warm-up: loads the copies
    best_plain = best_occlusion = float("inf")
    for _ in range(args.rounds):
        start = time.perf_counter()
        result = explain.occlusion(scorer, photo, target, patch=args.patch, stride=args.stride)
        best_occlusion = min(best_occlusion, time.perf_counter() - start)
        inferences = result.values.size + 1
        best_plain = min(best_plain, plain_invokes(model_path, inferences))
    cold_start = time.perf_counter()
    explain.occlusion(classifier, photo, target, patch=args.patch, stride=args.stride)
    cold = time.perf_counter() - cold_start
    rows, cols = result.shape
    print(
        f"{args.model}: {rows}×{cols} grid, patch {args.patch}, stride {args.stride}: {inferences} inferences; "
        f"{os.cpu_count()} CPUs, {scorer.workers} interpreter copies; best of {args.rounds} rounds"
    )
    print(
        f"plain invoke() × {inferences} (one interpreter, all cores): {best_plain:.2f} s "
        f"({best_plain / inferences * 1000:.1f} ms each)"
    )
    print(f"occlusion (warm copies):                      {best_occlusion:.2f} s")
    print(f"occlusion from a Classifier (copies loaded):   {cold:.2f} s")
    print(f"ratio occlusion / plain invoke(): {best_occlusion / best_plain:.2f} (target ≤ 1.2)")


if __name__ == "__main__":
    main()
