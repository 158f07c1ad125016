"""Numbers computed from a classifier's output: probabilities, confidence, accuracy.

Pure numpy functions (arrays in, arrays or floats out); no model, no TensorFlow.

* ``softmax`` and ``sigmoid`` turn scores (logits) into probabilities —
  introduced in notebook 02, where softmax is first written by hand.
* ``top1``, ``margin`` and ``entropy`` measure how sure one answer is;
  ``coverage_and_accuracy``, ``risk_coverage`` and ``threshold_for_accuracy``
  describe what an "unsure" threshold keeps — introduced in notebook 03.
* ``top_k_hits``, ``top_k_accuracy`` and ``wilson_interval`` score answers
  against the true classes — introduced in notebook 03.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from helpers.arguments import is_real, is_whole, real_number, true_or_false, whole_number
from helpers.errors import MetricsError


def _floats(values, what: str, scalar_ok: bool = False) -> np.ndarray:
    try:
        array = np.asarray(values)
    except ValueError as exc:  # ragged nested lists
        raise MetricsError(f"{what} must form a regular array (every row the same length): {exc}") from exc
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise MetricsError(f"{what} must be numbers; got an array of {array.dtype}.")
    if not np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    if (array.ndim == 0 and not scalar_ok) or array.size == 0:
        raise MetricsError(f"{what} must be a non-empty vector (or a 2-D batch); got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise MetricsError(f"{what} contain NaN or infinite values; check the computation that produced them.")
    return array


def _probabilities(probs, what: str = "The probabilities") -> np.ndarray:
    array = _floats(probs, what)
    if (array < 0).any():
        raise MetricsError(
            f"{what} must not be negative (smallest: {array.min():.3g}); did you pass logits? Apply softmax first."
        )
    # float rounding may put a probability a few ulps above 1; dequantized uint8 outputs stay at or below 1
    if array.max() > 1 + max(1e-6, 4 * float(np.finfo(array.dtype).eps)):
        raise MetricsError(
            f"{what} must not be above 1 (largest: {array.max():.3g}); did you pass logits or features? "
            f"Apply softmax first."
        )
    return array


def _axis(array: np.ndarray, axis) -> int:
    """``axis`` checked against ``array``: a whole number from -ndim to ndim - 1."""
    return whole_number(axis, "axis", MetricsError, minimum=-array.ndim, maximum=array.ndim - 1)


def _scalar(result: np.ndarray) -> np.ndarray | float:
    return float(result) if np.ndim(result) == 0 else result


# --------------------------------------------------------------------------- scores → probabilities


def softmax(logits, temperature: float = 1.0, axis: int = -1) -> np.ndarray:
    """Probabilities ``exp(z / T) / sum(exp(z / T))``, computed stably (the max is subtracted first).

    Introduced in notebook 02. Float32 logits give float32 probabilities.
    Raises MetricsError for a temperature that is not a positive number (or so small that z / T
    overflows), an axis the logits do not have, and logits that are not finite numbers.
    """
    if not (is_real(temperature) and math.isfinite(temperature) and temperature > 0):
        raise MetricsError(
            f"The temperature must be a positive number; got {temperature!r}. "
            f"T = 1 is the plain softmax, T < 1 sharpens, T > 1 flattens."
        )
    z = _floats(logits, "The logits")
    axis = _axis(z, axis)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a T that underflows the dtype
        z = z / np.asarray(temperature, dtype=z.dtype)
    if not np.isfinite(z).all():
        raise MetricsError(
            f"The temperature {temperature!r} is too small for these logits: z / T overflows {z.dtype}. "
            f"Use a larger temperature (e.g. 0.01)."
        )
    exp = np.exp(z - z.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


def sigmoid(logits) -> np.ndarray | float:
    """``1 / (1 + exp(-z))`` for each score on its own (multi-label outputs); never overflows.

    Introduced in notebook 02. Raises MetricsError for logits that are not finite numbers.
    """
    z = _floats(logits, "The logits", scalar_ok=True)
    e = np.exp(-np.abs(z))  # at most 1: no overflow for large |z|
    return _scalar(np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype))


# --------------------------------------------------------------------------- how sure is one answer


def top1(probs, axis: int = -1) -> np.ndarray | float:
    """The largest probability (per row of a batch). Introduced in notebook 03.

    Raises MetricsError for values that are not probabilities (negative, above 1, NaN) or a wrong axis.
    """
    array = _probabilities(probs)
    return _scalar(array.max(axis=_axis(array, axis)))


def margin(probs, axis: int = -1) -> np.ndarray | float:
    """Top-1 minus top-2 probability (per row): near 0 when two labels are neck and neck.

    Introduced in notebook 03. Raises MetricsError for values that are not probabilities
    (negative, above 1, NaN), a wrong axis, or fewer than 2 probabilities per row.
    """
    array = _probabilities(probs)
    axis = _axis(array, axis)
    if array.shape[axis] < 2:
        raise MetricsError(f"A margin needs at least 2 probabilities per row; got {array.shape[axis]}.")
    top_two = -np.partition(-array, 1, axis=axis).take([0, 1], axis=axis)
    return _scalar(top_two.take(0, axis=axis) - top_two.take(1, axis=axis))


def entropy(probs, normalized: bool = True, axis: int = -1) -> np.ndarray | float:
    """Shannon entropy (per row) of probabilities; ``normalized`` divides by log(K) to land in [0, 1].

    0 means all probability on one label, 1 means spread evenly over all K labels.
    Rows are first divided by their sum, so quantized outputs (which sum to a
    little less than 1) are measured as the distribution they stand for.
    Introduced in notebook 03. Raises MetricsError for values that are not probabilities
    (negative, above 1, NaN), a wrong axis, an all-zero row, or a ``normalized`` that is not True/False.
    """
    array = _probabilities(probs)
    axis = _axis(array, axis)
    true_or_false(normalized, "normalized", MetricsError)
    total = array.sum(axis=axis, keepdims=True)
    if (total <= 0).any():
        raise MetricsError("A row of probabilities is all zeros: there is no distribution to measure.")
    p = array / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    result = np.maximum(-terms.sum(axis=axis), 0.0)  # -0.0 and tiny negative rounding → 0
    if normalized:
        classes = array.shape[axis]
        result = result / math.log(classes) if classes > 1 else np.zeros_like(result)
    return _scalar(result)


# --------------------------------------------------------------------------- accuracy


def _truth(truth, rows: int, classes: int) -> np.ndarray:
    array = np.asarray(truth)
    if array.ndim != 1 or array.size != rows:
        raise MetricsError(f"Expected one true class index per row ({rows}); got shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer):
        raise MetricsError(f"True classes must be integer indices into the probability columns; got {array.dtype}.")
    if rows and (array.min() < 0 or array.max() >= classes):
        raise MetricsError(
            f"True class indices must be in 0…{classes - 1}; got {array.min()}…{array.max()}. "
            f"For 1001-output models add Classifier.class_offset (1) to ImageNet indices."
        )
    return array


def top_k_hits(probs, truth, k: int = 1) -> np.ndarray:
    """For each row, whether the true class is among the ``k`` most probable (ties: lower index first).

    Introduced in notebook 03. Raises MetricsError for probabilities that are not a (rows, classes)
    batch, true classes that are not one index per row, or a k that is not a whole number from 1 to classes.
    """
    array = _probabilities(probs)
    if array.ndim != 2:
        raise MetricsError(f"Expected a batch of probabilities of shape (rows, classes); got {array.shape}.")
    if not (is_whole(k) and 1 <= k <= array.shape[1]):
        raise MetricsError(f"k must be an integer from 1 to {array.shape[1]}; got {k!r}.")
    classes = _truth(truth, array.shape[0], array.shape[1])
    order = np.argsort(-array, axis=1, kind="stable")[:, :k]
    return (order == classes[:, None]).any(axis=1)


def top_k_accuracy(probs, truth, k: int = 1) -> float:
    """The fraction of rows whose true class is among the ``k`` most probable. Introduced in notebook 03.

    Raises MetricsError as ``top_k_hits`` does.
    """
    return float(top_k_hits(probs, truth, k).mean())


def wilson_interval(successes: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for an accuracy of ``successes / total`` (stays inside [0, 1]).

    Introduced in notebook 03, which shows the formula as a short function (``wilson``) and says why not the
    simpler p ± 1.96·√(p(1−p)/n). Raises MetricsError for counts that are not whole numbers with
    0 ≤ successes ≤ total, total > 0, or a confidence that is not a number strictly between 0 and 1.
    """
    if not (is_whole(total) and total > 0):
        raise MetricsError(f"total must be a positive whole number of trials; got {total!r}.")
    if not (is_whole(successes) and 0 <= successes <= total):
        raise MetricsError(f"successes must be a whole number from 0 to total ({total}); got {successes!r}.")
    if not (is_real(confidence) and 0 < confidence < 1):
        raise MetricsError(f"confidence must be between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = successes / total, total
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends: no rounding crumbs
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


# --------------------------------------------------------------------------- abstaining below a threshold


def _confidence_and_correct(confidence, correct) -> tuple[np.ndarray, np.ndarray]:
    conf = _floats(confidence, "The confidences")
    right = np.asarray(correct)
    if conf.ndim != 1 or right.shape != conf.shape:
        raise MetricsError(
            f"Expected two vectors of the same length (one confidence and one right/wrong per "
            f"answer); got shapes {conf.shape} and {right.shape}."
        )
    if right.dtype != bool:
        if not np.isin(right, (0, 1)).all():
            raise MetricsError("correct must hold True/False (or 1/0) for each answer.")
        right = right.astype(bool)
    return conf, right


def coverage_and_accuracy(confidence, correct, threshold: float) -> tuple[float, float]:
    """Keep answers with ``confidence >= threshold``: the fraction kept and their accuracy (NaN if none).

    Introduced in notebook 03. Raises MetricsError for confidences and right/wrong flags that are
    not two vectors of the same length, or a threshold that is not a finite number.
    """
    conf, right = _confidence_and_correct(confidence, correct)
    threshold = real_number(threshold, "threshold", MetricsError)
    kept = conf >= threshold
    accuracy = float(right[kept].mean()) if kept.any() else float("nan")
    return float(kept.mean()), accuracy


class RiskCoverage(NamedTuple):
    """Each possible threshold (highest first), the fraction of answers it keeps and their accuracy."""

    threshold: np.ndarray
    coverage: np.ndarray
    accuracy: np.ndarray


def risk_coverage(confidence, correct) -> RiskCoverage:
    """Coverage and accuracy of the kept answers at every distinct confidence used as a threshold.

    Introduced in notebook 03. Raises MetricsError for confidences and right/wrong flags that are
    not two vectors of the same length (finite numbers; True/False or 1/0).
    """
    conf, right = _confidence_and_correct(confidence, correct)
    order = np.argsort(-conf, kind="stable")
    conf, right = conf[order], right[order]
    kept = np.arange(1, conf.size + 1)
    hits = np.cumsum(right)
    last_of_tie = np.r_[conf[1:] != conf[:-1], True]  # a threshold keeps every answer at that confidence
    return RiskCoverage(conf[last_of_tie], kept[last_of_tie] / conf.size, hits[last_of_tie] / kept[last_of_tie])


def threshold_for_accuracy(confidence, correct, target: float) -> float | None:
    """The lowest threshold whose kept answers are at least ``target`` accurate (None if none is).

    Introduced in notebook 03. Raises MetricsError for a target that is not a number in (0, 1],
    and for confidences and flags as ``risk_coverage`` does.
    """
    if not (is_real(target) and 0 < target <= 1):
        raise MetricsError(f"target must be an accuracy between 0 and 1 (e.g. 0.9); got {target!r}.")
    curve = risk_coverage(confidence, correct)
    good = np.flatnonzero(curve.accuracy >= target)
    return float(curve.threshold[good[-1]]) if good.size else None
