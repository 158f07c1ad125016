"""helpers.metrics on hand-made numbers, with property tests for softmax; and the exercise checks built on it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from helpers import CheckError, HelpersError, checks
from helpers.metrics import (
    MetricsError,
    coverage_and_accuracy,
    entropy,
    margin,
    risk_coverage,
    sigmoid,
    softmax,
    threshold_for_accuracy,
    top1,
    top_k_accuracy,
    wilson_interval,
)

SEED_TABLE = np.array([0.07, 0.02, 0.91])  # rabbit, hamster, dog on the overview page
AMBIGUOUS_TABLE = np.array([0.31, 0.35, 0.34])

logit_vectors = arrays(np.float64, st.integers(1, 12), elements=st.floats(-50, 50))
shifts = st.floats(-1000, 1000)


# --------------------------------------------------------------------------- softmax


def test_softmax_of_log_probabilities_gives_the_table_back():
    np.testing.assert_allclose(softmax(np.log(SEED_TABLE)), SEED_TABLE, atol=1e-12)
    np.testing.assert_allclose(softmax(np.log(SEED_TABLE) + 1000), SEED_TABLE, atol=1e-12)


def test_softmax_of_equal_logits_is_uniform():
    np.testing.assert_allclose(softmax([3.0, 3.0, 3.0, 3.0]), [0.25] * 4)


@given(logit_vectors)
def test_softmax_sums_to_one_and_is_in_range(logits):
    probs = softmax(logits)
    assert probs.shape == logits.shape
    assert np.all(probs >= 0) and np.all(probs <= 1)
    assert math.isclose(probs.sum(), 1.0, rel_tol=1e-9)


@given(logit_vectors, shifts)
def test_softmax_is_shift_invariant(logits, shift):
    np.testing.assert_allclose(softmax(logits + shift), softmax(logits), atol=1e-9)


@given(logit_vectors, st.floats(0.05, 20))
def test_temperature_keeps_the_argmax(logits, temperature):
    probs = softmax(logits, temperature)
    # the most probable label stays the most probable (equal logits stay equal)
    assert probs[np.argmax(logits)] == pytest.approx(probs.max(), rel=1e-9)


def test_temperature_sharpens_below_one_and_flattens_above():
    logits = np.log(SEED_TABLE)
    assert softmax(logits, 0.5).max() > softmax(logits).max() > softmax(logits, 2.0).max() > 1 / 3
    np.testing.assert_allclose(softmax(logits, 1e6), [1 / 3] * 3, atol=1e-5)
    assert softmax(logits, 0.01)[2] == pytest.approx(1.0)


def test_softmax_is_stable_where_the_naive_formula_overflows():
    logits = np.array([1000.0, 1001.0, 1002.0])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(logits) / np.exp(logits).sum()
    assert np.isnan(naive).all()
    np.testing.assert_allclose(softmax(logits), softmax([0.0, 1.0, 2.0]))


def test_softmax_keeps_float32_and_works_on_batches():
    batch = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 10.0]], dtype=np.float32)
    probs = softmax(batch)
    assert probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), [1, 1], atol=1e-6)
    assert softmax([1, 2, 3]).dtype == np.float64  # integers become float64


@pytest.mark.parametrize("temperature", [0, -1.0, float("nan"), float("inf"), "hot", None])
def test_softmax_refuses_bad_temperatures(temperature):
    with pytest.raises(MetricsError, match="temperature"):
        softmax([1.0, 2.0], temperature)


@pytest.mark.parametrize("logits", [[], 3.0, [1.0, float("nan")], [float("inf"), 1.0], ["a", "b"], [[1, 2], [3]]])
def test_softmax_refuses_bad_logits(logits):
    with pytest.raises(HelpersError):
        softmax(logits)


# --------------------------------------------------------------------------- sigmoid


def test_sigmoid_values_and_symmetry():
    np.testing.assert_allclose(sigmoid([0.0, math.log(3)]), [0.5, 0.75])
    z = np.linspace(-8, 8, 17)
    np.testing.assert_allclose(sigmoid(z) + sigmoid(-z), 1.0)


def test_sigmoid_never_overflows_and_does_not_sum_to_one():
    with np.errstate(over="raise"):
        probs = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(probs, [0.0, 0.5, 1.0])
    assert sigmoid([2.0, 2.0, 2.0]).sum() > 1


@given(st.floats(-30, 30))
def test_two_class_softmax_is_the_sigmoid_of_the_difference(z):
    assert softmax([z, 0.0])[0] == pytest.approx(sigmoid(z), abs=1e-12)


def test_sigmoid_refuses_nan():
    with pytest.raises(MetricsError, match="NaN"):
        sigmoid([float("nan")])
    with pytest.raises(MetricsError, match="non-empty"):
        sigmoid([])
    assert isinstance(sigmoid(0.0), float)


# --------------------------------------------------------------------------- top-1, margin, entropy


def test_confidence_measures_on_the_overview_tables():
    assert top1(SEED_TABLE) == pytest.approx(0.91)
    assert margin(SEED_TABLE) == pytest.approx(0.84)
    assert margin(AMBIGUOUS_TABLE) == pytest.approx(0.01)
    assert entropy(AMBIGUOUS_TABLE) > 0.99
    assert 0.3 < entropy(SEED_TABLE) < 0.35


def test_entropy_extremes_and_units():
    assert entropy([0.0, 1.0, 0.0]) == 0.0
    assert entropy([0.25] * 4) == pytest.approx(1.0)
    assert entropy([0.25] * 4, normalized=False) == pytest.approx(math.log(4))
    assert entropy([1.0]) == 0.0  # a single label: nothing to be unsure about


def test_entropy_renormalizes_quantized_outputs():
    quantized = np.array([128, 64, 0, 32]) / 256  # sums to 0.875
    assert entropy(quantized) == pytest.approx(entropy(quantized / quantized.sum()))


def test_measures_work_row_by_row_on_batches():
    batch = np.stack([SEED_TABLE, AMBIGUOUS_TABLE])
    np.testing.assert_allclose(top1(batch), [0.91, 0.35])
    np.testing.assert_allclose(margin(batch), [0.84, 0.01], atol=1e-12)
    np.testing.assert_allclose(entropy(batch), [entropy(SEED_TABLE), entropy(AMBIGUOUS_TABLE)])
    assert isinstance(entropy(SEED_TABLE), float) and isinstance(margin(SEED_TABLE), float)


def test_margin_counts_ties_as_zero():
    assert margin([0.4, 0.4, 0.2]) == 0.0


@pytest.mark.parametrize("function", [top1, margin, entropy])
def test_measures_refuse_logits_and_nan(function):
    with pytest.raises(MetricsError, match="negative"):
        function([2.0, -1.0, 0.5])
    with pytest.raises(MetricsError, match="NaN"):
        function([0.5, float("nan")])


@pytest.mark.parametrize("function", [top1, margin, entropy])
@pytest.mark.parametrize("values", [[2.0, 5.0], np.ones((2, 3)) * 300, [0.2, 1.01]])
def test_measures_refuse_values_above_one(function, values):
    with pytest.raises(MetricsError, match="above 1.*did you pass logits"):
        function(values)


@pytest.mark.parametrize("function", [top1, margin, entropy])
def test_measures_accept_dequantized_and_rounded_probabilities(function):
    function(np.arange(256) / 256)  # uint8 steps of 1/256: the largest is 255/256
    function(np.array([1.0, 0.0]))
    function(np.float32([0.2, 0.8]) / np.float32(0.99999994))  # float32 rounding a few ulps above 1


@pytest.mark.parametrize("function", [softmax, top1, margin, entropy])
@pytest.mark.parametrize("axis", [3, -3, 1.0, "0", None])
def test_measures_and_softmax_work_per_row_and_refuse_an_axis(function, axis):  # rows of a batch: the last axis
    with pytest.raises(MetricsError, match="axis"):
        function(np.full((2, 2), 0.5), axis=axis)


def test_a_bool_counts_as_the_whole_number_it_equals():  # Python's own rule: True == 1
    assert top_k_accuracy(PROBS, TRUTH, True) == top_k_accuracy(PROBS, TRUTH, 1)
    assert wilson_interval(True, 10) == wilson_interval(1, 10)
    assert coverage_and_accuracy(CONFIDENCE, CORRECT, True)[0] == coverage_and_accuracy(CONFIDENCE, CORRECT, 1.0)[0]
    assert threshold_for_accuracy(CONFIDENCE, CORRECT, True) == threshold_for_accuracy(CONFIDENCE, CORRECT, 1.0)


@pytest.mark.parametrize(("logits", "temperature"), [([1000, 1001], 1e-320), (np.float32([1, 2]), 1e-40)])
def test_softmax_refuses_a_temperature_so_small_that_z_over_t_overflows(logits, temperature):
    with pytest.raises(MetricsError, match="too small for these logits"):
        softmax(logits, temperature=temperature)


def test_entropy_refuses_a_normalized_that_is_not_a_bool():
    with pytest.raises(MetricsError, match="normalized=str"):
        entropy(SEED_TABLE, normalized="no")


def test_margin_needs_two_labels_and_entropy_a_distribution():
    with pytest.raises(MetricsError, match="margin cannot use"):
        margin([1.0])
    with pytest.raises(MetricsError, match="all zeros"):
        entropy([0.0, 0.0])


# --------------------------------------------------------------------------- accuracy


PROBS = np.array(
    [
        [0.7, 0.2, 0.1],  # true 0: top-1 hit
        [0.5, 0.3, 0.2],  # true 1: top-2 hit
        [0.6, 0.3, 0.1],  # true 2: top-3 only
        [0.2, 0.2, 0.6],  # true 2: top-1 hit
    ]
)
TRUTH = np.array([0, 1, 2, 2])


def test_top_k_accuracy_row_by_row_and_in_all():
    assert [top_k_accuracy(PROBS[i : i + 1], TRUTH[i : i + 1], 1) for i in range(4)] == [1, 0, 0, 1]
    assert top_k_accuracy(PROBS, TRUTH, 1) == 0.5
    assert top_k_accuracy(PROBS, TRUTH, 2) == 0.75
    assert top_k_accuracy(PROBS, TRUTH, 3) == 1.0


def test_top_k_breaks_ties_by_label_order_like_classify():
    tied = np.array([[0.4, 0.4, 0.2]])
    assert top_k_accuracy(tied, np.array([0]), 1) == 1 and top_k_accuracy(tied, np.array([1]), 1) == 0


@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_top_k_accuracy_grows_with_k(seed, k):
    rng = np.random.default_rng(seed)
    probs = softmax(rng.normal(size=(20, 6)))
    truth = rng.integers(0, 6, 20)
    assert top_k_accuracy(probs, truth, k) <= top_k_accuracy(probs, truth, min(k + 1, 6))
    assert top_k_accuracy(probs, truth, 6) == 1.0


@pytest.mark.parametrize(
    ("probs", "truth", "k", "match"),
    [
        (PROBS, TRUTH, 0, "k from 1 to 3"),
        (PROBS, TRUTH, 4, "k from 1 to 3"),
        (PROBS, TRUTH, 1.0, "k=float"),
        (PROBS, TRUTH, "1", "k=str"),
        (PROBS, TRUTH[:3], 1, "one true class"),
        (PROBS, TRUTH.astype(float), 1, "integer"),
        (PROBS, np.array([0, 1, 2, 3]), 1, "class_offset"),
        (PROBS, np.array([0, 1, 2, -1]), 1, "0…2"),
        (PROBS[0], TRUTH[:1], 1, "top_k_accuracy cannot use"),
    ],
)
def test_top_k_refuses_bad_input(probs, truth, k, match):
    with pytest.raises(MetricsError, match=match):
        top_k_accuracy(probs, truth, k)


def test_wilson_interval_known_values():
    low, high = wilson_interval(512, 1000)
    assert (round(low, 4), round(high, 4)) == (0.4810, 0.5429)
    assert wilson_interval(0, 10)[0] == 0.0 and 0.25 < wilson_interval(0, 10)[1] < 0.35
    assert wilson_interval(10, 10)[1] == 1.0 and wilson_interval(10, 10)[0] > 0.65


@given(st.integers(1, 5000), st.data())
def test_wilson_interval_contains_the_estimate_and_narrows_with_confidence(total, data):
    successes = data.draw(st.integers(0, total))
    low, high = wilson_interval(successes, total)
    assert 0 <= low <= successes / total <= high <= 1
    low_90, high_90 = wilson_interval(successes, total, 0.90)
    assert low <= low_90 + 1e-12 and high_90 <= high + 1e-12


@pytest.mark.parametrize(
    ("successes", "total", "confidence"),
    [
        (1, 0, 0.95),
        (-1, 10, 0.95),
        (11, 10, 0.95),
        (0.5, 10, 0.95),
        (5, 10, 0.0),
        (5, 10, 1.0),
        (5, 10.0, 0.95),
        (5, 10, "0.9"),
        (5, 10, None),
        (5, 10, float("nan")),
    ],
)
def test_wilson_interval_refuses_bad_input(successes, total, confidence):
    name = "successes|total" if confidence == 0.95 else "confidence"
    with pytest.raises(MetricsError, match=name):
        wilson_interval(successes, total, confidence)


# --------------------------------------------------------------------------- thresholds


CONFIDENCE = np.array([0.9, 0.8, 0.8, 0.6, 0.4, 0.2])
CORRECT = np.array([True, True, False, True, False, False])


def test_coverage_and_accuracy_keeps_answers_at_or_above_the_threshold():
    assert coverage_and_accuracy(CONFIDENCE, CORRECT, 0.8) == (0.5, pytest.approx(2 / 3))
    assert coverage_and_accuracy(CONFIDENCE, CORRECT, 0.0) == (1.0, 0.5)
    coverage, accuracy = coverage_and_accuracy(CONFIDENCE, CORRECT, 0.95)
    assert coverage == 0.0 and math.isnan(accuracy)
    assert coverage_and_accuracy(CONFIDENCE, CORRECT.astype(int), 0.8)[1] == pytest.approx(2 / 3)


def test_risk_coverage_has_one_point_per_distinct_threshold():
    curve = risk_coverage(CONFIDENCE, CORRECT)
    np.testing.assert_allclose(curve.threshold, [0.9, 0.8, 0.6, 0.4, 0.2])
    np.testing.assert_allclose(curve.coverage, [1 / 6, 3 / 6, 4 / 6, 5 / 6, 1.0])
    np.testing.assert_allclose(curve.accuracy, [1.0, 2 / 3, 3 / 4, 3 / 5, 1 / 2])
    for t, c, a in zip(*curve):
        assert coverage_and_accuracy(CONFIDENCE, CORRECT, t) == (pytest.approx(c), pytest.approx(a))


def test_threshold_for_accuracy_picks_the_lowest_that_reaches_the_target():
    assert threshold_for_accuracy(CONFIDENCE, CORRECT, 0.75) == 0.6
    assert threshold_for_accuracy(CONFIDENCE, CORRECT, 0.5) == 0.2
    # accuracy is not monotonic in the threshold: a lower one can reach the target after a higher one missed it
    assert threshold_for_accuracy(np.array([0.9, 0.8, 0.5]), np.array([False, True, True]), 0.6) == 0.5
    assert threshold_for_accuracy(np.array([0.9]), np.array([False]), 0.9) is None
    with pytest.raises(MetricsError, match="target"):
        threshold_for_accuracy(CONFIDENCE, CORRECT, 90)
    with pytest.raises(MetricsError, match=r"shapes \(.*\)\. target must be an accuracy"):  # both problems at once
        threshold_for_accuracy(CONFIDENCE, CORRECT[:-1], 90)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5", None])
def test_threshold_and_target_must_be_numbers(value):
    with pytest.raises(MetricsError, match="threshold"):
        coverage_and_accuracy(CONFIDENCE, CORRECT, value)
    with pytest.raises(MetricsError, match="target"):
        threshold_for_accuracy(CONFIDENCE, CORRECT, value)


@pytest.mark.parametrize(
    ("confidence", "correct", "match"),
    [
        (CONFIDENCE, CORRECT[:3], "same length"),
        (CONFIDENCE.reshape(2, 3), CORRECT.reshape(2, 3), "same length"),
        (CONFIDENCE, np.array([0, 1, 2, 0, 1, 0]), "True/False"),
        (np.array([0.5, float("nan")]), np.array([True, False]), "NaN"),
    ],
)
def test_threshold_functions_refuse_bad_input(confidence, correct, match):
    with pytest.raises(MetricsError, match=match):
        risk_coverage(confidence, correct)


# --------------------------------------------------------------------------- exercise self-checks (02, 03)


def _stable(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def _naive(z):
    return np.exp(z) / np.exp(z).sum()


def test_check_logits_for_table(capsys):
    table = np.asarray(AMBIGUOUS_TABLE)
    assert checks.check_logits_for_table(np.log(table) - np.log(table[1]), table, zero_index=1)
    assert not checks.check_logits_for_table(table, table, zero_index=1)
    assert "undoes np.exp" in capsys.readouterr().out  # hint 1 of its ladder
    assert not checks.check_logits_for_table([1.0, 2.0], table, zero_index=1)
    assert "one logit per label" in capsys.readouterr().out


def test_check_temperature_for_top(capsys):
    logits = np.log(SEED_TABLE)
    expected = checks._temperature_for_top(logits, 0.5)
    assert softmax(logits, expected).max() == pytest.approx(0.5, abs=1e-9)
    assert checks.check_temperature_for_top(round(expected, 2), logits)
    assert not checks.check_temperature_for_top(1.0, logits)
    assert "raise T" in capsys.readouterr().out
    assert not checks.check_temperature_for_top(0.5, logits)
    assert not checks.check_temperature_for_top(-1, logits)
    with pytest.raises(CheckError, match="target"):
        checks.check_temperature_for_top(1.0, logits, target=0.2)


def test_check_margin_and_entropy(capsys):
    assert checks.check_margin(0.84, SEED_TABLE)
    assert not checks.check_margin(0.89, SEED_TABLE)
    assert "smallest" in capsys.readouterr().out
    assert checks.check_entropy(entropy(SEED_TABLE), SEED_TABLE)
    assert not checks.check_entropy(entropy(SEED_TABLE, normalized=False), SEED_TABLE)
    assert "normalize" in capsys.readouterr().out
    assert not checks.check_entropy(-entropy(SEED_TABLE), SEED_TABLE)
    assert "minus sign" in capsys.readouterr().out


def test_check_threshold_for_accuracy(capsys):
    assert checks.check_threshold_for_accuracy(0.6, CONFIDENCE, CORRECT, 0.75)
    assert not checks.check_threshold_for_accuracy(0.4, CONFIDENCE, CORRECT, 0.75)
    assert "raise the threshold" in capsys.readouterr().out
    assert not checks.check_threshold_for_accuracy(0.9, CONFIDENCE, CORRECT, 0.75)
    assert "Lower it" in capsys.readouterr().out
    assert not checks.check_threshold_for_accuracy(0.95, CONFIDENCE, CORRECT, 0.75)
    with pytest.raises(CheckError, match="lower target"):
        checks.check_threshold_for_accuracy(0.5, np.array([0.9]), np.array([False]), 0.9)
