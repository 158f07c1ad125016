"""Numbers computed from a classifier's output: probabilities (notebook 02), confidence and accuracy (notebook 03)."""

from __future__ import annotations

import math
import operator
from statistics import NormalDist
from typing import NamedTuple

import numpy as np

from helpers.errors import MetricsError, wrap_public_functions


def _floats(values, what: str) -> np.ndarray:
    """``values`` as a non-empty float array of finite numbers; MetricsError for NaN, infinity or nothing."""
    array = np.asarray(values) + 0.0  # float32 stays, other numbers become float64; text or None fails here
    if array.size == 0 or not np.isfinite(array).all():
        raise MetricsError(f"{what} must be a non-empty array of numbers without NaN or infinite values.")
    return array


def _probabilities(probs) -> np.ndarray:
    array = _floats(probs, "The probabilities")
    # float rounding may put a probability a few ulps above 1; dequantized uint8 outputs stay at or below 1
    if array.min() < 0 or array.max() > 1 + max(1e-6, 4 * float(np.finfo(array.dtype).eps)):
        wrong = "negative" if array.min() < 0 else "above 1"
        raise MetricsError(
            f"The probabilities must lie in 0…1; these run {array.min():.3g}…{array.max():.3g} ({wrong}): did you "
            f"pass logits or features? Apply softmax first."
        )
    return array


def _scalar(result: np.ndarray) -> np.ndarray | float:
    return float(result) if np.ndim(result) == 0 else result


# --------------------------------------------------------------------------- scores → probabilities


def softmax(logits, temperature: float = 1.0) -> np.ndarray:
    """Probabilities ``exp(z / T) / sum(exp(z / T))`` (per row), computed stably; MetricsError for an unusable T."""
    z = _floats(logits, "The logits")
    axis = range(z.ndim)[-1]  # the labels' axis; a single number has none: IndexError
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # a T that underflows the dtype
        z = z / np.asarray(temperature, dtype=z.dtype)
    if not (0 < temperature < math.inf and np.isfinite(z).all()):
        raise MetricsError(
            f"The temperature must be a positive finite number, not too small for these logits (z / T must not "
            f"overflow {z.dtype}); got {temperature!r}. T = 1 is the plain softmax, T < 1 sharpens, T > 1 flattens."
        )
    exp = np.exp(z - z.max(axis=axis, keepdims=True))
    return exp / exp.sum(axis=axis, keepdims=True)


def sigmoid(logits) -> np.ndarray | float:
    """``1 / (1 + exp(-z))`` for each score on its own (multi-label outputs); never overflows. Raises nothing more."""
    z = _floats(logits, "The logits")
    e = np.exp(-np.abs(z))  # at most 1: no overflow for large |z|
    return _scalar(np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype))


# --------------------------------------------------------------------------- how sure is one answer


def top1(probs) -> np.ndarray | float:
    """The largest probability (per row of a batch). Raises MetricsError for values that are not probabilities."""
    return _scalar(_probabilities(probs).max(axis=-1))


def margin(probs) -> np.ndarray | float:
    """Top-1 minus top-2 probability (per row): near 0 when two labels are neck and neck. Raises as ``top1``."""
    top_two = -np.partition(-_probabilities(probs), 1, axis=-1)[..., :2]
    return _scalar(top_two[..., 0] - top_two[..., 1])


def entropy(probs, normalized: bool = True) -> np.ndarray | float:
    """Shannon entropy per row (divided by its sum); ``normalized``: over log(K), 0 = one label … 1 = spread evenly."""
    array = _probabilities(probs)
    classes = array.shape[-1]
    unit = {True: math.log(classes) if classes > 1 else math.inf, False: 1.0}[normalized]  # True or False only
    total = array.sum(axis=-1, keepdims=True)
    if (total <= 0).any():  # not "certain" (entropy 0): there is no distribution at all
        raise MetricsError("A row of probabilities is all zeros: there is no distribution to measure.")
    p = array / total
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return _scalar(np.maximum(-terms.sum(axis=-1), 0.0) / unit)  # -0.0 and tiny negative rounding → 0


# --------------------------------------------------------------------------- accuracy


def top_k_accuracy(probs, truth, k: int = 1) -> float:
    """The fraction of rows whose true class is among the ``k`` most probable (ties: the lower index first)."""
    rows, classes = _probabilities(probs).shape
    truth = np.asarray(truth)
    if not (1 <= operator.index(k) <= classes and truth.shape == (rows,) and truth.dtype.kind in "iu") or not (
        0 <= truth.min() and truth.max() < classes
    ):
        raise MetricsError(
            f"top_k_accuracy needs k from 1 to {classes} and one true class per row ({rows}), integer indices in "
            f"0…{classes - 1}; got k={k!r} and {truth.dtype} classes of shape {truth.shape}. For 1001-output models "
            f"add Classifier.class_offset (1) to ImageNet indices."
        )
    order = np.argsort(-np.asarray(probs), axis=1, kind="stable")[:, :k]
    return float((order == truth[:, None]).any(axis=1).mean())


def wilson_interval(successes: int, total: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (inside [0, 1]) for an accuracy of ``successes / total`` (formula: notebook 03)."""
    if not (0 <= operator.index(successes) <= operator.index(total) and total > 0 and 0 < confidence < 1):
        raise MetricsError(
            f"wilson_interval needs whole numbers 0 ≤ successes ≤ total with total > 0, and a confidence "
            f"between 0 and 1 (e.g. 0.95); got successes={successes!r}, total={total!r}, confidence={confidence!r}."
        )
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p, n = successes / total, total
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends: no rounding crumbs
    high = 1.0 if successes == total else min(1.0, centre + half)
    return low, high


# --------------------------------------------------------------------------- abstaining below a threshold


def _confidence_and_correct(confidence, correct, target: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Both as vectors; MetricsError naming every problem with them and with an accuracy ``target``."""
    conf, right = _floats(confidence, "The confidences"), np.asarray(correct)
    problems = []
    if conf.ndim != 1 or right.shape != conf.shape or not np.isin(right, (0, 1)).all():
        problems.append(
            f"Expected two vectors of the same length: one confidence and one True/False (or 1/0) per answer; "
            f"got shapes {conf.shape} and {right.shape}."
        )
    if not 0 < target <= 1:
        problems.append(f"target must be an accuracy between 0 and 1 (e.g. 0.9); got {target!r}.")
    if problems:
        raise MetricsError(" ".join(problems))
    return conf, right.astype(bool)


def coverage_and_accuracy(confidence, correct, threshold: float) -> tuple[float, float]:
    """Keep answers with ``confidence >= threshold``: the fraction kept and their accuracy (NaN if none)."""
    conf, right = _confidence_and_correct(confidence, correct)
    kept = conf >= float(_floats(threshold, "The threshold"))
    return float(kept.mean()), float(right[kept].mean()) if kept.any() else float("nan")


class RiskCoverage(NamedTuple):
    """Each possible threshold (highest first), the fraction of answers it keeps and their accuracy."""

    threshold: np.ndarray
    coverage: np.ndarray
    accuracy: np.ndarray


def risk_coverage(confidence, correct) -> RiskCoverage:
    """Coverage and accuracy of the kept answers at every distinct confidence used as a threshold."""
    conf, right = _confidence_and_correct(confidence, correct)
    order = np.argsort(-conf, kind="stable")
    conf, right = conf[order], right[order]
    kept = np.arange(1, conf.size + 1)
    hits = np.cumsum(right)
    last_of_tie = np.r_[conf[1:] != conf[:-1], True]  # a threshold keeps every answer at that confidence
    return RiskCoverage(conf[last_of_tie], kept[last_of_tie] / conf.size, hits[last_of_tie] / kept[last_of_tie])


def threshold_for_accuracy(confidence, correct, target: float) -> float | None:
    """The lowest threshold whose kept answers are at least ``target`` accurate (None if none is); target in (0, 1]."""
    curve = risk_coverage(*_confidence_and_correct(confidence, correct, target))
    good = np.flatnonzero(curve.accuracy >= target)
    return float(curve.threshold[good[-1]]) if good.size else None


wrap_public_functions(globals(), MetricsError)
