"""Benchmark: the Classifier helper against raw LiteRT calls, in one process.

    CLASSROOM_ASSET_MIRROR=../shared/assets python tools/bench_classifier.py

Prints the ratio of medians (helper / raw) for
  1. inference only: Classifier.run(tensor) vs set_tensor + invoke + get_tensor + dequantize;
  2. a prediction on a ready array (model-sized uint8 pixels): Classifier.predict(pixels) vs the raw calls;
  3. a whole prediction from a decoded PIL image: Classifier.predict(image) vs resize + asarray + raw calls.
Ratios near 1.0 mean the helper adds no measurable cost. Runs alternate between the two sides so
background load on this noisy machine affects both alike.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from PIL import Image

from helpers import assets
from helpers.classify import Classifier, dequantize

MODEL = "models/mobilenet_v2_1.0_224_quant.tflite"
REPEATS = 60


def _time(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compare(name: str, helper, raw) -> None:
    """Alternate helper and raw calls; print both medians and their ratio."""
    for _ in range(5):  # warm-up
        helper()
        raw()
    helper_times, raw_times = [], []
    for _ in range(REPEATS):
        helper_times.append(_time(helper))
        raw_times.append(_time(raw))
    h, r = statistics.median(helper_times), statistics.median(raw_times)
    print(f"{name:38s} helper {h * 1e3:7.2f} ms   raw {r * 1e3:7.2f} ms   ratio {h / r:5.2f}")


def bench_threads(image: Image.Image, threads: int | None) -> None:
    """Both comparisons for one thread setting."""
    classifier = Classifier(assets.fetch(MODEL), num_threads=threads)
    interpreter = classifier.interpreter
    inp, out = classifier.input_details, classifier.output_details
    scale, zero_point = out["quantization"]
    tensor = classifier.preprocess(image)

    def raw_run(tensor=tensor):
        interpreter.set_tensor(inp["index"], tensor)
        interpreter.invoke()
        return dequantize(interpreter.get_tensor(out["index"]), scale, zero_point)

    def raw_predict():
        pixels = np.asarray(image.resize((224, 224), Image.Resampling.BILINEAR), dtype=np.uint8)[np.newaxis]
        return raw_run(pixels)

    label = f"{classifier.num_threads} thread(s)"
    compare(f"inference only, {label}", lambda: classifier.run(tensor), raw_run)
    ready = np.asarray(image.resize((224, 224), Image.Resampling.BILINEAR), dtype=np.uint8)
    compare(
        f"ready array → probabilities, {label}", lambda: classifier.predict(ready), lambda: raw_run(ready[np.newaxis])
    )
    compare(f"photo → probabilities, {label}", lambda: classifier.predict(image), raw_predict)


def main() -> None:
    """Run both comparisons on MobileNet V2 with one thread and with all cores."""
    image = Image.open(assets.fetch("images/cat.bmp")).convert("RGB")
    for threads in (1, None):
        bench_threads(image, threads)


if __name__ == "__main__":
    main()
