"""helpers.classify on tiny self-made models; bad models and labels get clear errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import HelpersError, LabelError, MetricsError, ModelError, OptionError
from helpers.classify import (
    Classifier,
    Prediction,
    align_labels,
    clean_labels,
    dequantize,
    load_interpreter,
    ranked,
    top_k,
)

LABELS = ["rabbit", "hamster", "dog"]


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_predict_returns_probabilities(tiny_models, photo_like, kind):
    classifier = Classifier(tiny_models[kind], LABELS, num_threads=1)
    probs = classifier.predict(photo_like)
    assert probs.shape == (3,) and probs.dtype == np.float32
    assert np.all(probs >= 0) and abs(probs.sum() - 1) < 0.02  # quantized steps of 1/256
    assert classifier.input_size == (32, 32)


def test_quantized_models_agree_with_the_float_model(tiny_models, photo_like):
    reference = tiny_models["keras"](((photo_like[None].astype(np.float32) - 127.5) / 127.5)[:, :32, :32])
    float_probs = Classifier(tiny_models["float"], LABELS).predict(photo_like[:32, :32])
    np.testing.assert_allclose(float_probs, np.asarray(reference)[0], atol=1e-5)
    for kind in ("uint8", "int8"):
        quant = Classifier(tiny_models[kind], LABELS).predict(photo_like[:32, :32])
        np.testing.assert_allclose(quant, float_probs, atol=0.03)


def test_classify_sorts_and_names(tiny_models, photo_like):
    classifier = Classifier(tiny_models["float"], LABELS)
    probs = classifier.predict(photo_like)
    result = classifier.classify(photo_like, top_k=2)
    assert [label for label, _ in result] == [LABELS[i] for i in np.argsort(-probs)[:2]]
    assert result[0][1] == pytest.approx(probs.max())


def test_describe_shows_tensor_details(tiny_models):
    info = Classifier(tiny_models["uint8"]).describe()
    assert info["input"]["shape"] == (1, 32, 32, 3) and info["input"]["dtype"] == "uint8"
    assert info["output"]["scale"] == pytest.approx(1 / 256) and info["output"]["zero_point"] == 0
    assert "32×32 uint8, 3 outputs" in repr(Classifier(tiny_models["uint8"]))


def test_labels_default_to_indices(tiny_models):
    assert Classifier(tiny_models["float"]).labels == ["0", "1", "2"]


def test_background_label_alignment():
    assert align_labels(["background", "a", "b"], 2) == ["a", "b"]  # ImageNet's list for a 1000-output model
    thousand = [f"class {i}" for i in range(1000)]
    assert align_labels(thousand, 1001, offset=1) == ["background", *thousand]
    with pytest.raises(LabelError):
        align_labels(thousand, 1001)  # the model says there is no background: no guessing
    with pytest.raises(LabelError):
        align_labels(["a", "b"], 3)
    assert align_labels(["a", "b", "c"], 3) == ["a", "b", "c"]


def test_class_offset_comes_from_the_model_not_the_labels(tiny_models):
    # A learner's own class called "background" does not shift anything: 3 outputs, no ImageNet background.
    assert Classifier(tiny_models["float"], ["background", "a", "b"]).class_offset == 0
    assert Classifier(tiny_models["float"], LABELS).class_offset == 0
    assert Classifier(tiny_models["float"], LABELS, background=True).class_offset == 1  # the explicit override
    with pytest.raises(OptionError, match="background is True, False or None"):
        Classifier(tiny_models["float"], LABELS, background="yes")


@pytest.mark.parametrize("variant", ["readlines", "bom", "crlf", "cr", "spaces"])
def test_label_text_is_cleaned_once(tiny_models, tmp_path, variant):
    text = {
        "readlines": "rabbit\nhamster\ndog\n\n",
        "bom": "\ufeffrabbit\nhamster\ndog",
        "crlf": "rabbit\r\nhamster\r\ndog\r\n",
        "cr": "rabbit\rhamster\rdog",
        "spaces": " rabbit \nhamster\t\ndog",
    }[variant]
    path = tmp_path / "labels.txt"
    path.write_bytes(text.encode("utf-8"))
    assert Classifier(tiny_models["float"], path).labels == LABELS  # a path is accepted …
    assert Classifier(tiny_models["float"], str(path)).labels == LABELS
    with open(path, encoding="utf-8", newline="") as handle:  # … and so are lines read by hand
        assert Classifier(tiny_models["float"], handle.readlines()).labels == LABELS


def test_labels_that_are_neither_a_list_nor_a_file(tiny_models):
    with pytest.raises(LabelError, match="No label file at 'labels.txt'"):
        Classifier(tiny_models["float"], "labels.txt")
    with pytest.raises(LabelError, match="list of strings|in the order of the model"):
        Classifier(tiny_models["float"], {"a": 1})


def test_results_are_named_and_still_unpack(tiny_models, photo_like):
    result = Classifier(tiny_models["float"], LABELS).classify(photo_like, top_k=1)[0]
    label, probability = result
    assert isinstance(result, Prediction) and (result.label, result.probability) == (label, probability)
    assert top_k(np.array([0.2, 0.5, 0.3]), ["a", "b", "c"], k=1)[0].label == "b"


@pytest.mark.parametrize("bad", [-1, 0, 2.5, True, "3"])
def test_top_k_function_needs_a_positive_whole_number(bad):  # Classifier.classify: test_classify_options
    with pytest.raises(OptionError, match="k must be a whole number"):
        top_k(np.array([0.2, 0.5, 0.3]), ["a", "b", "c"], k=bad)


def test_dequantize_formula():
    np.testing.assert_allclose(dequantize(np.array([0, 128, 255], np.uint8), 1 / 256, 0), [0, 0.5, 255 / 256])
    np.testing.assert_allclose(dequantize(np.array([-128, 127], np.int8), 1 / 256, -128), [0, 255 / 256])
    assert dequantize(np.array([0.25], np.float32), 0.0, 0).dtype == np.float32


def test_top_k_is_stable_and_checks_lengths():
    assert top_k(np.array([0.2, 0.5, 0.3]), ["a", "b", "c"], k=2) == [("b", 0.5), ("c", 0.3)]
    with pytest.raises(LabelError, match="2 labels for 3 probabilities"):
        top_k(np.array([0.2, 0.5, 0.3]), ["a", "b"])


# ------------------------------------------------------------------ bad input


def test_labels_that_do_not_match(tiny_models):
    with pytest.raises(LabelError, match="has 5 labels but the model has 3 outputs.*imagenet_labels.txt"):
        Classifier(tiny_models["float"], ["a", "b", "c", "d", "e"])


def test_missing_model(tmp_path):
    with pytest.raises(ModelError, match="No model file at .*missing.tflite.*assets.fetch"):
        Classifier(tmp_path / "missing.tflite")


def test_empty_model(tmp_path):
    path = tmp_path / "empty.tflite"
    path.write_bytes(b"")
    with pytest.raises(ModelError, match="empty.tflite' is empty"):
        Classifier(path)


@pytest.mark.parametrize("content", [b"<!DOCTYPE html><html>404</html>", b"\x89HDF\r\n\x1a\n" + bytes(100)])
def test_file_that_is_not_a_model(tmp_path, content):
    path = tmp_path / "model.tflite"
    path.write_bytes(content)
    with pytest.raises(ModelError, match="model.tflite' is not a TensorFlow Lite model.*HTML page"):
        Classifier(path)


def test_truncated_model(tmp_path, tiny_models):
    data = tiny_models["float"].read_bytes()
    path = tmp_path / "cut.tflite"
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelError, match="cut.tflite"):
        load_interpreter(path)


def test_model_without_image_input(tiny_models):
    with pytest.raises(ModelError, match="needs an image input"):
        Classifier(tiny_models["not_image"])


def test_errors_share_the_base_class():
    assert issubclass(ModelError, HelpersError) and issubclass(LabelError, HelpersError)


def test_inference_modules_do_not_import_tensorflow():
    code = "import sys, helpers, helpers.assets, helpers.images, helpers.classify; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# ------------------------------------------------------------------ hostile input (issue 10)


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([None, None, None], "labels must hold strings only; got None"),
        ([1, 2, 3], "labels must hold strings only; got 1"),
        ({"a": 1, "b": 2, "c": 3}, "does not say which label is which output"),
        ({"a", "b", "c"}, "does not say which label is which output"),
        ("rabbit\nhamster\ndog\n", r"several lines.*the text of a label file, not its path.*splitlines"),
        ("x" * 5000, "cannot be a label file's path"),
    ],
)
def test_labels_are_strings_in_output_order(tiny_models, labels, message):
    with pytest.raises(LabelError, match=message):
        Classifier(tiny_models["float"], labels)


def test_labels_may_come_from_any_iterable_of_strings(tiny_models, tmp_path):
    assert Classifier(tiny_models["float"], (label for label in LABELS)).labels == LABELS
    assert Classifier(tiny_models["float"], np.array(LABELS)).labels == LABELS
    file = tmp_path / "labels.txt"
    file.write_bytes("\ufeffrabbit\r\n\r\ndog\r\n\r\n".encode())
    assert Classifier(tiny_models["float"], file).labels == ["rabbit", "", "dog"]  # a path still works; a gap stays
    assert clean_labels(iter(["\ufeffa ", "", "b", ""])) == ["a", "", "b"]


@pytest.mark.parametrize(
    ("probs", "labels", "error", "message"),
    [
        ([0.2, float("nan"), 0.8], ["a", "b", "c"], MetricsError, "probs holds NaN"),
        ([0.2, float("inf"), 0.8], ["a", "b", "c"], MetricsError, "probs holds NaN or infinite"),
        (np.ones(3) / 3, None, LabelError, "labels is a list of label strings; got None"),
        (np.ones(3) / 3, "abc", LabelError, "labels is a list of label strings"),
        (np.ones(3) / 3, [1, 2, 3], LabelError, "must hold strings only"),
    ],
)
def test_top_k_refuses_nan_and_labels_that_are_not_strings(probs, labels, error, message):
    with pytest.raises(error, match=message):
        top_k(probs, labels)


def test_top_k_takes_a_generator_of_labels_and_ranked_refuses_nan():
    assert top_k([0.2, 0.5, 0.3], (x for x in "abc"), k=1) == [("b", 0.5)]
    with pytest.raises(MetricsError, match="probs holds NaN"):
        ranked([0.1, float("nan")])
