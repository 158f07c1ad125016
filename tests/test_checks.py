"""Self-checks are right first: every correct answer passes, in every form a learner may type it.

Property-based (hypothesis) over random and degenerate inputs — ties, zeros, one-hot rows,
multiples of 1/256, rows summing to less than 1 — then typical wrong answers must fail.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import checks
from helpers.metrics import entropy, margin

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def forms(value: float) -> list:
    """The forms a learner may give one number in: Python, NumPy scalars, 0-d and 1-element arrays, text."""
    result = [
        float(value),
        np.float64(value),
        np.float32(value),
        np.array(value),
        np.array([value]),
        repr(float(value)),
    ]
    if float(value).is_integer():
        result += [int(value), np.int64(int(value)), np.uint8(int(value)) if 0 <= value <= 255 else int(value)]
    return result


def uint8_probs(draw_counts: list[int]) -> np.ndarray:
    """A quantized output: each probability a multiple of 1/256, summing to at most 255/256 or so."""
    return np.asarray(draw_counts, dtype=np.float64) / 256


quantized_rows = st.lists(st.integers(0, 255), min_size=2, max_size=40).filter(lambda c: sum(c) > 0).map(uint8_probs)
float_rows = st.lists(st.floats(0, 1, allow_nan=False), min_size=2, max_size=40).filter(lambda p: sum(p) > 1e-3)
degenerate_rows = st.sampled_from(
    [
        np.array([0.8, 0.1, 0.1]),  # ties below the top
        np.array([255 / 256] + [0.0] * 1000),  # a confident uint8 model
        np.array([0.5, 0.5, 0.0]),  # a tie at the top: margin 0
        np.array([1.0, 0.0]),  # one-hot
        np.full(10, 25 / 256),  # uniform, sums to less than 1
    ]
)
rows = st.one_of(quantized_rows, float_rows.map(np.asarray), degenerate_rows)


def passes(check, *args) -> bool:
    return bool(check(*args))


# ----------------------------------------------------------------- notebook 01


@SETTINGS
@given(
    q=st.integers(0, 255), zero_point=st.integers(0, 255), scale=st.sampled_from([1 / 256, 1 / 255, 1 / 128, 0.0235])
)
def test_dequantize_accepts_the_exact_answer_in_every_form(q, zero_point, scale, capsys):
    exact = scale * (q - zero_point)
    for answer in forms(exact) + [np.float32(scale) * (np.float32(q) - np.float32(zero_point))]:
        assert checks.check_dequantize(answer, q, scale, zero_point, decimals=4), answer
    assert "✓" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "q", "scale", "zero_point"),
    [
        (0.0, 0, 1 / 256, 0),
        (200 / 255, 200, 1 / 255, 0),
        ("200/256", 200, 1 / 256, 0),
        ("78.125%", 200, 1 / 256, 0),
    ],
)
def test_dequantize_cases_from_the_trust_issue(answer, q, scale, zero_point):
    assert checks.check_dequantize(answer, q, scale, zero_point, decimals=2)


def test_dequantize_explains_wrong_answers(capsys):
    assert not checks.check_dequantize(200 * 0.0235, 200, 0.0235, 10, decimals=2)
    assert "zero point" in capsys.readouterr().out
    assert not checks.check_dequantize(200 / 255, 200, 1 / 256, 0, decimals=3)  # 0.784 and 0.781 differ at 3 places
    assert "1/255" in capsys.readouterr().out
    assert not checks.check_dequantize("seventy", 200, 1 / 256, 0, decimals=2)
    assert "Give a number" in capsys.readouterr().out


LABELS = ["background", "tench, Tinca tinca", "Egyptian cat", "crane", "crane", "tabby, tabby cat"]


def test_label_index_accepts_any_index_of_the_label_in_any_form():
    for answer in forms(2):
        assert checks.check_label_index(LABELS, answer, "Egyptian cat")
    assert checks.check_label_index(LABELS, 3, "crane") and checks.check_label_index(LABELS, 4, "crane")
    assert checks.check_label_index(LABELS, 1, "tench")


def test_label_index_explains_wrong_answers(capsys):
    assert not checks.check_label_index(LABELS, 1, "Egyptian cat")
    assert "off by one" in capsys.readouterr().out
    assert not checks.check_label_index(LABELS, 2.5, "Egyptian cat")
    assert "whole number" in capsys.readouterr().out
    with pytest.raises(checks.CheckError, match="not a label"):
        checks.check_label_index(LABELS, 1, "unicorn")


@SETTINGS
@given(probs=quantized_rows)
def test_top_label_accepts_every_label_tied_at_the_top(probs):
    labels = [f"label {i}, alias {i}" for i in range(probs.size)]
    for index in np.flatnonzero(probs == probs.max()):
        assert checks.check_top_label(labels[index], probs, labels)
        assert checks.check_top_label(f"  ALIAS {index} ", probs, labels)
        assert checks.check_top_label(np.int64(index), probs, labels)


def test_top_label_refuses_a_label_below_the_top(capsys):
    probs = np.array([0.1, 0.7, 0.2])
    assert not checks.check_top_label("c", probs, ["a", "b", "c"])
    assert not checks.check_top_label("b", np.zeros(3), ["a", "b", "c"])
    assert "run the model" in capsys.readouterr().out


# ----------------------------------------------------------------- notebook 03


@SETTINGS
@given(probs=rows)
def test_margin_accepts_the_exact_answer_in_every_form(probs):
    for answer in forms(float(margin(probs))):
        assert checks.check_margin(answer, probs), (answer, probs)


@pytest.mark.parametrize(
    ("answer", "probs"), [(0.7, [0.8, 0.1, 0.1]), (255 / 256, [255 / 256] + [0] * 1000), (0, [0.5, 0.5, 0.0])]
)
def test_margin_cases_from_the_trust_issue(answer, probs):
    assert checks.check_margin(answer, probs)


def test_margin_explains_top_minus_smallest(capsys):
    assert not checks.check_margin(0.7, [0.8, 0.15, 0.1])
    assert "smallest" in capsys.readouterr().out


@SETTINGS
@given(probs=rows)
def test_entropy_accepts_both_readings_of_a_row_that_does_not_sum_to_one(probs):
    with np.errstate(divide="ignore", invalid="ignore"):
        as_hint_says = -np.where(probs > 0, probs * np.log(probs), 0).sum() / np.log(probs.size)
    for exact in (float(entropy(probs)), float(as_hint_says)):
        for answer in forms(exact):
            assert checks.check_entropy(answer, probs), (answer, probs)


def test_entropy_explains_nats_and_sign(capsys):
    probs = np.array([0.5, 0.25, 0.25, 0.0])
    assert not checks.check_entropy(float(entropy(probs, normalized=False)), probs)
    assert "nats" in capsys.readouterr().out
    assert not checks.check_entropy(-float(entropy(probs)), probs)
    assert "minus sign" in capsys.readouterr().out


# ----------------------------------------------------------------- notebooks 02, 04, 05, 06


@SETTINGS
@given(channels=st.sampled_from([1, 3]), side=st.integers(1, 300), dtype=st.sampled_from(["uint8", "int8", "float32"]))
def test_input_bytes_accepts_the_exact_answer_in_every_form(channels, side, dtype):
    details = {"shape": np.array([1, side, side, 3]), "dtype": np.dtype(dtype)}
    exact = side * side * 3 * np.dtype(dtype).itemsize
    for answer in forms(exact) + [f"{exact:,}"]:
        assert checks.check_input_bytes(answer, details)


@SETTINGS
@given(
    real=st.floats(-3, 3, allow_nan=False),
    scale=st.sampled_from([0.02, 0.5, 1 / 128, 0.1]),
    zero_point=st.integers(-20, 20),
)
def test_quantized_value_accepts_either_rounding_of_halves(real, scale, zero_point):
    from helpers.quantize import quantize

    exact = int(quantize(real, scale, zero_point, "int8"))
    for answer in forms(exact):
        assert checks.check_quantized_value(answer, real, scale, zero_point)
    half_up = int(np.clip(np.floor(real / scale + 0.5) + zero_point, -128, 127))
    assert checks.check_quantized_value(half_up, real, scale, zero_point)


def test_quantized_value_refuses_unclipped_codes(capsys):
    assert not checks.check_quantized_value(200, 2.0, 0.01, 0)
    assert "does not fit" in capsys.readouterr().out


@SETTINGS
@given(dim=st.integers(1, 2048), classes=st.integers(1, 100))
def test_head_bytes_accepts_the_exact_answer_in_every_form(dim, classes):
    for answer in forms(4 * classes * (dim + 1)):
        assert checks.check_head_bytes(answer, dim, classes)
    assert not checks.check_head_bytes(4 * classes * dim, dim, classes)


@SETTINGS
@given(parameters=st.integers(10_000, 10_000_000))
def test_model_sizes_accept_the_exact_mb_in_any_form(parameters):
    assert checks.check_model_sizes(parameters * 4 / 1e6, parameters / 1e6, parameters)
    assert checks.check_model_sizes(np.float32(parameters * 4 / 1e6), str(parameters / 1e6), parameters)
    assert checks.check_model_sizes(round(parameters * 4 / 1e6, 1), f"{parameters / 1e6:.1f} MB", parameters)
    if parameters > 200_000:  # below that, the two round alike at one decimal
        assert not checks.check_model_sizes(parameters / 1e6, parameters * 4 / 1e6, parameters)


def test_temperature_accepts_numpy_and_text_forms():
    logits = np.log([0.07, 0.02, 0.91])
    exact = checks._temperature_for_top(logits, 0.5)
    for answer in forms(exact):
        assert checks.check_temperature_for_top(answer, logits, 0.5)
    assert not checks.check_temperature_for_top(-1, logits, 0.5)


def most_confused(answer, matrix, classes) -> bool:
    """check_imprinted_confusion on features whose imprinted head's confusion matrix is ``matrix``."""
    size = len(classes)
    truth, guess = zip(*[(t, p) for (t, p), n in np.ndenumerate(np.asarray(matrix)) for _ in range(n)], strict=True)
    one_hot = np.eye(size)  # one training photo per class: the imprinted weights are the identity
    return checks.check_imprinted_confusion(
        answer, one_hot, np.arange(size), one_hot[list(guess)], np.array(truth), classes
    )


def test_most_confused_accepts_every_tied_pair_and_indices():
    matrix = np.array([[5, 2, 0], [0, 6, 2], [1, 0, 7]])
    classes = ["daisy", "rose", "tulip"]
    assert most_confused(("daisy", "rose"), matrix, classes)
    assert most_confused(["rose", "tulip"], matrix, classes)
    assert most_confused((np.int64(0), 1), matrix, classes)
    assert not most_confused(("rose", "daisy"), matrix, classes)


def test_most_confused_names_swaps_the_diagonal_and_single_names(capsys):
    matrix = np.array([[9, 0, 1], [0, 8, 2], [3, 0, 7]])
    assert most_confused(("c", "a"), matrix, ["a", "b", "c"])
    assert not most_confused(("a", "c"), matrix, ["a", "b", "c"])
    assert "Swap them" in capsys.readouterr().out.splitlines()[-1]
    assert not most_confused(("a", "a"), matrix, ["a", "b", "c"])
    assert "diagonal" in capsys.readouterr().out
    assert not most_confused("c", matrix, ["a", "b", "c"])
    assert not most_confused(("b", "c"), matrix, ["a", "b", "c"])
    with pytest.raises(checks.CheckError, match="no mistakes"):
        most_confused(("a", "b"), np.eye(3, dtype=int), ["a", "b", "c"])


def test_best_model_accepts_any_model_tied_for_best():
    rows = [
        {"model": "a", "latency_ms": 5, "size_mb": 1, "top1": 0.7},
        {"model": "b", "latency_ms": 6, "size_mb": 1, "top1": 0.7},
        {"model": "c", "latency_ms": 50, "size_mb": 1, "top1": 0.9},
    ]
    assert checks.check_best_model("a", rows, 10, 5, 0.5, "latency_ms", "top1")
    assert checks.check_best_model(" B ", rows, 10, 5, 0.5, "latency_ms", "top1")
    assert not checks.check_best_model("c", rows, 10, 5, 0.5, "latency_ms", "top1")
    assert checks.check_best_model("none", rows, 1, 5, 0.5, "latency_ms", "top1")


def test_a_verdict_is_truthy_and_displays_nothing(capsys):
    verdict = checks.check_head_bytes(4 * 5 * 1025, 1024, 5)
    assert verdict and verdict.ok is True
    assert verdict._ipython_display_() is None
    assert capsys.readouterr().out.startswith("✓ ")


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: checks.check_dequantize(1.0, "abc", 0.5, 0, decimals=2), "q=str"),
        (lambda: checks.check_wilson_interval((0.1, 0.2), "ten", 100), "hits=str"),
        (lambda: checks.check_top_label("cat", "probs", ["cat"]), "probs=str"),
        (lambda: checks.check_label_index(["a"], 0), "check_label_index(labels: Sequence[str], answer, label: str)"),
    ],
)
def test_bad_question_arguments_raise_a_check_error_naming_them(call, named, capsys):
    with pytest.raises(checks.CheckError, match=re.escape(named)):
        call()
    assert capsys.readouterr().out == ""  # no verdict printed: the question, not the answer, is wrong


def test_wrong_answers_still_get_a_hint_not_an_error(capsys):
    assert not checks.check_dequantize("abc", 3, 0.5, 0, decimals=2)
    assert "✗" in capsys.readouterr().out


def test_most_confused_accepts_an_array_pair_and_class_names_in_any_case():
    matrix = np.array([[5, 2, 0], [0, 6, 2], [1, 0, 7]])
    classes = ["daisy", "rose", "tulip"]
    assert most_confused(np.array([0, 1]), matrix, classes)
    assert most_confused(("Daisy", " ROSE "), matrix, classes)
    assert most_confused(np.array(["Rose", "Tulip"]), matrix, classes)
    assert not most_confused(np.array(["Rose", "Daisy"]), matrix, classes)


def test_models_within_budget_accepts_names_as_dict_keys_in_any_case(capsys):
    frame_ms = {"V1 a": 10.0, "V2": 50.0}
    assert checks.check_models_within_budget({"V1 a": 10.0}.keys(), frame_ms, frame_ms)
    assert checks.check_models_within_budget({" v1 A "}, frame_ms, frame_ms)
    assert not checks.check_models_within_budget(frame_ms.keys(), frame_ms, frame_ms)
    assert "Hint 1 of 3" in capsys.readouterr().out


def test_every_check_has_one_exercise_and_every_exercise_one_check():
    from helpers.exercises import EXERCISES

    named = {name for name in dir(checks) if name.startswith("check_") and name != "check_number"}
    assert named == set(EXERCISES)
