"""Wrong argument types and values across the model/input modules: always a HelpersError naming the argument.

Never a raw TypeError, ValueError, KeyError or IndexError from deep inside NumPy, PIL or LiteRT.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from helpers import HelpersError, bench, detection, evaluate, explain, images, segmentation
from helpers.classify import Classifier, align_labels, read_labels, top_k
from helpers.model import load_interpreter

PIXELS = np.zeros((8, 8, 3), np.uint8)
FLOAT_INPUT = {"shape": np.array([1, 8, 8, 3]), "dtype": np.float32, "quantization": (0.0, 0)}
SMALL = Image.new("RGB", (4, 4))

CASES = {
    "load_image(None)": lambda c: images.load_image(None),
    "load_image(a number)": lambda c: images.load_image(5),
    "load_image(object array)": lambda c: images.load_image(np.array([[None]])),
    "load_image(complex array)": lambda c: images.load_image(np.zeros((2, 2), complex)),
    "resize_for_model(size='224')": lambda c: images.resize_for_model(SMALL, "224"),
    "resize_for_model(size=(-1, 5))": lambda c: images.resize_for_model(SMALL, (-1, 5)),
    "resize_for_model(size=(2.5, 5))": lambda c: images.resize_for_model(SMALL, (2.5, 5)),
    "crop_region(region='abc')": lambda c: images.crop_region(SMALL, "abc"),
    "pixels_to_input(mean='a')": lambda c: images.pixels_to_input(PIXELS, FLOAT_INPUT, mean="a", std=1),
    "Classifier(crop='middle')": lambda c: Classifier(c.model_path, crop="middle"),
    "Classifier(crop=2.0)": lambda c: Classifier(c.model_path, crop=2.0),
    "Classifier(None)": lambda c: Classifier(None),
    "Classifier(labels=numbers)": lambda c: Classifier(c.model_path, [1, 2, 3]),
    "Classifier(labels=a set)": lambda c: Classifier(c.model_path, {"a", "b", "c"}),
    "classify(allow_labels=5)": lambda c: c.classify(PIXELS, allow_labels=5),
    "classify(deny_labels=[5])": lambda c: c.classify(PIXELS, deny_labels=[5]),
    "classify(region=3 numbers)": lambda c: c.classify(PIXELS, region=(1, 2, 3)),
    "classify(score_threshold='0.5')": lambda c: c.classify(PIXELS, score_threshold="0.5"),
    "top_k(probs='abc')": lambda c: top_k("abc", ["a", "b", "c"]),
    "read_labels(5)": lambda c: read_labels(5),
    "read_labels(a folder)": lambda c: read_labels("/"),
    "align_labels(None)": lambda c: align_labels(None, 3),
    "prepare(a list)": lambda c: c.prepare([[1]]),
    "clone(num_threads='x')": lambda c: c.clone("x"),
    "run_batch(wrong size)": lambda c: c.run_batch(np.zeros((2, 5, 5, 3), np.uint8)),
    "load_interpreter(num_threads='3')": lambda c: load_interpreter(c.model_path, "3"),
    "evaluate_many(classes=['a'])": lambda c: evaluate.evaluate_many({"m": c}, ["x.jpg"], classes=["a"]),
    "evaluate_many(images=5)": lambda c: evaluate.evaluate_many({"m": c}, 5),
    "evaluate_many(k=2.5)": lambda c: evaluate.evaluate_many({"m": c}, ["x.jpg"], classes=[0], k=2.5),
    "evaluate(a path model)": lambda c: evaluate.evaluate_many({"m": c.model_path}, ["x.jpg"], classes=[0]),
    "Evaluation.hits(2.5)": lambda c: evaluate.Evaluation("m", np.array([0]), np.array([[0]])).hits(2.5),
    "imagenet_classes([5])": lambda c: evaluate.imagenet_classes([5]),
    "imagenet_classes(a string)": lambda c: evaluate.imagenet_classes("n01440764_x.jpg"),
    "detect(None)": lambda c: detection.detect(None, PIXELS),
    "detect(max_results=2.5)": lambda c: detection.detect(c.model_path, PIXELS, max_results=2.5),
    "segment(mean only)": lambda c: segmentation.segment(c.model_path, PIXELS, mean=1),
    "measure_latency(num_threads=2.5)": lambda c: bench.measure_latency(c.model_path, 2.5),
    "measure_latency(warmup='5')": lambda c: bench.measure_latency(c.model_path, 1, "5"),
    "measure_many(threads=2)": lambda c: bench.measure_many({"a": c.model_path}, threads=2),
    "model_size_mb(None)": lambda c: bench.model_size_mb(None),
    "pareto_front(['a'])": lambda c: bench.pareto_front(["a"], [1]),
    "best_model(a text value)": lambda c: bench.best_model([{"latency_ms": "x", "top1": 1, "size_mb": 1}]),
    "best_model(rows of numbers)": lambda c: bench.best_model([5]),
    "occlusion(patch='a')": lambda c: explain.occlusion(c, PIXELS, 0, patch="a"),
    "occlusion(target=1.5)": lambda c: explain.occlusion(c, PIXELS, 1.5),
    "scorer(workers='2')": lambda c: explain.occlusion(explain.scorer(c, workers="2"), PIXELS, 0, patch=16, stride=16),
    "rank_correlation(3 vs 4)": lambda c: explain.rank_correlation(np.zeros(3), np.zeros(4)),
}


@pytest.fixture(scope="module")
def classifier(tiny_models) -> Classifier:
    return Classifier(tiny_models["float"], ["rabbit", "hamster", "dog"])


@pytest.mark.parametrize("call", CASES.values(), ids=CASES.keys())
def test_bad_arguments_raise_the_packages_own_errors(classifier, call):
    with pytest.raises(HelpersError) as info:
        call(classifier)
    assert len(str(info.value)) > 20  # a sentence, not a bare value


def test_iterables_of_images_and_label_values_are_accepted(classifier):
    assert Classifier(classifier.model_path, (x for x in "abc")).labels == ["a", "b", "c"]
    assert Classifier(classifier.model_path, np.array(["a", "b", "c"])).labels == ["a", "b", "c"]
