"""Lesson 01 (inference): what the notebook's text says about its outputs, within the tolerances that hold on every
CPU (LiteRT's kernels differ a little between CPUs: a quantized probability can move a few steps of 1/256, and the
portable reference kernels up to 18 steps, so ±0.08; pictures split between several labels move more, so ±0.15);
and the lesson's self-checks: every right form accepted, known mistakes named.
"""

from __future__ import annotations

import numpy as np
import pytest
from ai_edge_litert.interpreter import Interpreter

from helpers import assets, checks
from helpers.classify import Classifier
from helpers.images import load_image, resize_for_model

MODEL = "models/mobilenet_v2_1.0_224_quant.tflite"


# ----------------------------------------------------------------------------- the real model (mirror or internet)


@pytest.fixture(scope="module")
def labels() -> list[str]:
    return assets.read_labels("labels/imagenet_labels.txt")


@pytest.fixture(scope="module")
def classifier(labels) -> Classifier:
    return Classifier(assets.fetch(MODEL), labels)


def _top(classifier: Classifier, name: str, k: int = 5) -> list[tuple[str, float]]:
    return [(label, float(prob)) for label, prob in classifier.classify(assets.fetch(f"images/{name}"), top_k=k)]


def _by_hand(labels, name: str) -> np.ndarray:
    """Sections 3–4 of the lesson: central square, bilinear resize, set_tensor, invoke, get_tensor, dequantize."""
    interpreter = Interpreter(model_path=str(assets.fetch(MODEL)))
    interpreter.allocate_tensors()
    input_details, output_details = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    height, width = input_details["shape"][1:3]
    image = load_image(assets.fetch(f"images/{name}"))
    interpreter.set_tensor(input_details["index"], np.asarray(resize_for_model(image, (width, height)))[np.newaxis])
    interpreter.invoke()
    scale, zero_point = output_details["quantization"]
    return scale * (interpreter.get_tensor(output_details["index"])[0].astype(np.float32) - zero_point)


@pytest.mark.assets
def test_model_file_and_labels_as_the_text_says(labels):
    size = assets.fetch(MODEL).stat().st_size
    assert f"{size / 1e6:.1f}" == "3.6" and f"{size / 2**20:.1f}" == "3.4"  # the hosted models table's 3.4 is MiB
    assert len(labels) == 1001 and labels[0] == "background"


@pytest.mark.assets
def test_cat_by_hand_matches_the_text_and_the_classifier(labels, classifier):
    probs = _by_hand(labels, "cat.bmp")
    assert labels[int(np.argmax(probs))] == "Egyptian cat"
    assert abs(probs.max() - 0.85) <= 0.08 and abs(probs.sum() - 0.97) <= 0.08
    assert np.array_equal(classifier.predict(assets.fetch("images/cat.bmp")), probs)  # the notebook prints True
    top = _top(classifier, "cat.bmp")
    assert top[1][0].startswith("tabby") and abs(top[1][1] - 0.08) <= 0.08


@pytest.mark.assets
@pytest.mark.parametrize(
    ("name", "label", "prob"),
    [
        ("parrot.jpg", "macaw", 1.00),
        ("owl.jpg", "ruffed grouse", 0.41),
        ("hot_dog.jpg", "hotdog", 0.98),
        ("sunflower.bmp", "daisy", 0.99),
        ("dragonfly.bmp", "dragonfly", 0.96),
        ("grace_hopper.bmp", "military uniform", 0.70),
    ],
)
def test_more_photos_top_answers(classifier, name, label, prob):
    top_label, top_prob = _top(classifier, name, 3)[0]
    assert top_label.split(",")[0] == label and abs(top_prob - prob) <= 0.08


@pytest.mark.assets
def test_owl_runner_up_is_kite(classifier):
    assert _top(classifier, "owl.jpg", 2)[1][0].startswith("kite")


@pytest.mark.assets
def test_busy_pictures_split_their_probability(classifier):
    pets = _top(classifier, "cats_and_dogs.jpg")
    assert pets[0][0].startswith("Pembroke") and abs(pets[0][1] - 0.43) <= 0.15  # 0.43 on x86, 0.34 on ARM
    assert not any("cat" in label.split(",")[0].lower() for label, _ in pets)  # the crop hides both cats
    collage = _top(classifier, "multi_objects.jpg")
    assert collage[0][0] == "toyshop" and abs(collage[0][1] - 0.12) <= 0.15


@pytest.mark.assets
def test_the_whole_picture_brings_a_cat_back(labels):
    whole = Classifier(assets.fetch(MODEL), labels, crop="none")
    top = [(label, float(prob)) for label, prob in whole.classify(assets.fetch("images/cats_and_dogs.jpg"), top_k=5)]
    assert top[0][0] == "Siberian husky" and abs(top[0][1] - 0.42) <= 0.08
    assert "Egyptian cat" in [label for label, _ in top]


@pytest.mark.assets
def test_exercise_answers_hold(labels, classifier):
    # Exercise 2: bird.bmp by hand is a chickadee (0.996 here: far from any tie).
    assert checks.check_top_label("chickadee", _by_hand(labels, "bird.bmp"), labels)
    # Exercise 3 (its solution): the crop changes the kite photo's top label.
    kite = assets.fetch("images/kite_and_cold.jpg")
    centre = classifier.classify(kite, top_k=1)[0].label
    whole = Classifier(assets.fetch(MODEL), labels, crop="none").classify(kite, top_k=1)[0].label
    assert centre == "volleyball" and whole.startswith("seashore")


# ----------------------------------------------------------------------------- exercise 1 (b): its self-check

SCALE, ZERO_POINT = 1 / 256, 0


@pytest.mark.parametrize(
    "answer",
    [
        0.78125,
        0.78,
        0.781,
        0.7813,
        "0.78",
        " 0.781 ",
        "78%",
        "78.1 %",
        "78.125%",
        78,
        78.1,
        "200/256",
        np.float32(0.78125),
        np.float64(0.78),
        np.array(0.78),
        [0.78],
        SCALE * (200 - ZERO_POINT),
    ],
)
def test_dequantize_at_two_decimals_accepts_every_right_form(answer, capsys):
    assert checks.check_dequantize(answer, 200, SCALE, ZERO_POINT, decimals=2)
    out = capsys.readouterr().out
    assert out.startswith("✓") and "2 decimal places" in out


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (200, "byte itself"),
        (51200, "do not divide"),
        ("seventy", "Give a number"),
        (0.79, "apply real = scale"),
        (0.0, "apply real = scale"),
    ],
)
def test_dequantize_at_two_decimals_names_known_mistakes(answer, hint, capsys):
    assert not checks.check_dequantize(answer, 200, SCALE, ZERO_POINT, decimals=2)
    assert hint in capsys.readouterr().out


def test_dequantize_zero_point_mistake_at_two_decimals(capsys):
    assert not checks.check_dequantize(200 * 0.0235, 200, 0.0235, 10, decimals=2)
    assert "zero point" in capsys.readouterr().out


def test_dequantize_hints_get_more_specific(capsys):
    outputs = []
    for _ in range(3):
        checks.check_dequantize(0.5, 200, SCALE, ZERO_POINT, decimals=2)
        outputs.append(capsys.readouterr().out)
    assert "Hint 1 of 3" in outputs[0] and "Hint 2 of 3" in outputs[1]
    assert "Hint 3 of 3" in outputs[2] and "round it to 2 decimal places" in outputs[2]
