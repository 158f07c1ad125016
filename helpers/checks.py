"""Self-checks for the notebooks' exercises: each computes its exercise's numbers and asks ``helpers.exercises``.
A wrong answer gets a printed hint, never an error; a question that cannot be asked raises CheckError."""

from __future__ import annotations

import contextlib
import io
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from statistics import NormalDist

import numpy as np

from helpers.arguments import whole_number
from helpers.bench import best_model, pareto_front
from helpers.camera import dropped_per_second
from helpers.errors import CheckError, wrap_public_functions
from helpers.exercises import (
    _NUMBER,
    EXERCISES,
    Verdict,
    _ask,
    _integer,
    _number,
    _places,
    _verdict,
    _wrong_tries,
    at_precision,
)
from helpers.explain import model_pixels, rank_correlation
from helpers.metrics import coverage_and_accuracy, entropy, margin, softmax, threshold_for_accuracy, wilson_interval
from helpers.quantize import quantize
from helpers.transfer import confusion_matrix, imprint, l2_normalize, sample_per_class, train_head


def _megabytes(answer) -> float | None:
    """A size in MB as a number, also when typed with its unit ("17 MB", "4.2MB")."""
    return _number(answer.strip().lower().removesuffix("mb") if isinstance(answer, str) else answer)


def _array(answer) -> np.ndarray | None:
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _names(label: str) -> list[str]:
    """A label's full text and each of its comma-separated names, lower case."""
    return [label.strip().lower()] + [part.strip().lower() for part in label.split(",") if part.strip()]


def check_number(
    answer,
    expected: float,
    *,
    decimals: int,
    what: str,
    percent: bool = False,
    mistakes: Iterable[tuple[Callable[[float], bool], str]] = (),
    ladder: Sequence[str] = (),
) -> Verdict:
    """A number at ``decimals`` places in any form (with ``percent=True`` a share typed as 78 counts for 0.78 too);
    ``mistakes`` take the read value: ``[(lambda v: ..., "hint"), ...]``; ``ladder`` holds plain hint texts."""
    mistakes = list(mistakes)

    def plain(text: str) -> str:  # the caller's texts are shown as they are, braces too
        return text.replace("{", "{{").replace("}", "}}")

    rows = {f"mistake {i}": plain(hint) for i, (_, hint) in enumerate(mistakes)}
    numbers = {"what": what, "expected": expected} | {f"mistake {i}": fits for i, (fits, _) in enumerate(mistakes)}
    asked = replace(_NUMBER, ladder=tuple(map(plain, ladder)), mistakes=rows, decimals=decimals, percent=percent)
    return _ask(answer, expected, numbers, asked, f"check_number:{what}")


def check_label_index(labels: Sequence[str], answer, label: str) -> Verdict:
    """Exercise 01.1: the output index of ``label`` in a 1001-entry ImageNet label list (any index bearing it)."""
    wanted = label.strip().lower()
    expected = [i for i, name in enumerate(labels) if wanted in _names(name)]
    if not expected:
        raise CheckError(f"{label!r} is not a label in this list; ask for one of its labels.")
    index = _integer(answer)
    shown = labels[index] if index is not None and 0 <= index < len(labels) else "out of range"
    off_by_one = index is not None and index + 1 in expected
    return _ask(answer, lambda i: i in expected, locals())


def check_dequantize(answer, q: int, scale: float, zero_point: int, *, decimals: int) -> Verdict:
    """Exercise 01.2: real = scale × (q − zero_point), at ``decimals`` places (a share also in %)."""
    expected = float(scale) * (int(q) - int(zero_point))
    shown = f"{expected:.6f}, {expected:.{decimals}f} to {decimals} decimal places"
    unshifted, by_255, divided, byte = scale * q if zero_point != 0 else None, q / 255, (q - zero_point) / scale, q
    return _ask(answer, expected, locals())


def check_top_label(answer, probs, labels: Sequence[str]) -> Verdict:
    """Exercise 01.3: the most probable label of a probability vector (any of its names, or its index; ties count)."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if probs.size != len(labels):
        raise CheckError(f"{probs.size} probabilities for {len(labels)} labels; pass the model's output row.")
    best = np.flatnonzero(probs == probs.max())
    if isinstance(answer, str):
        named = any(answer.strip().lower() in _names(labels[i]) for i in best)
    else:
        named = _integer(answer) in set(best.tolist())
    top, no_output = labels[int(best[0])], probs.max() <= 0
    return _ask(answer, named and not no_output, locals())


def check_softmax_prediction(answer, logits, new_logits, index: int, what: str) -> Verdict:
    """Exercise 02.1 (predict, then run): the probability at ``index`` after the logits change, to 2 decimal places."""
    before, after = softmax(np.asarray(logits, float)), softmax(np.asarray(new_logits, float))
    expected, before = float(after[index]), float(before[index])
    return _ask(answer, expected, locals())


def check_logits_for_table(logits, table: Sequence[float], zero_index: int) -> Verdict:
    """Exercise 02.2: logits whose softmax is ``table`` to 2 decimal places, the one at ``zero_index`` exactly 0."""
    table = np.asarray(table, dtype=np.float64)
    given = _array(logits)
    unshaped = given is None or given.shape != table.shape
    infinite = unshaped or not np.isfinite(given).all()
    probs = None if infinite else softmax(given)
    matches = not infinite and bool(np.allclose(probs, table, rtol=0, atol=0.005 + 1e-12))
    pinned = 0.0 if infinite else given[zero_index]
    unpinned = matches and pinned != 0
    rounded, got = ("", "") if infinite else (np.round(probs, 2).tolist(), np.round(probs, 3).tolist())
    where, size, table = f"logit {zero_index} (counting from 0)", table.size, table.tolist()
    return _ask(logits, matches and pinned == 0, locals())


def _temperature_for_top(logits: np.ndarray, target: float) -> float:
    low, high = 1e-3, 1e3  # the top probability falls as T grows: bisect on a log scale
    for _ in range(200):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if softmax(logits, middle).max() > target else (low, middle)
    return float(np.sqrt(low * high))


def check_temperature_for_top(temperature, logits, target: float = 0.5) -> Verdict:
    """Exercise 02.3: any temperature at which the top probability is ``target`` to 2 decimal places (within 0.005)."""
    logits = np.asarray(logits, dtype=np.float64)
    if not 1 / logits.size < target < 1:
        raise CheckError(f"target must be between 1/{logits.size} and 1; got {target}.")
    expected = _temperature_for_top(logits, target)
    value = _number(temperature)
    unusable = value is None or value <= 0
    top = float("nan") if unusable else float(softmax(logits, value).max())
    direction = "raise T (flatter)" if top > target else "lower T (sharper)"
    low = np.floor(expected * 2) / 2
    high = low + 0.5
    return _ask(temperature, not unusable and abs(top - target) <= 0.005 + 1e-12, locals())


def check_margin(answer, probs) -> Verdict:
    """Exercise 03.2a: top-1 minus top-2 probability, to 3 decimal places (ties at the top give a margin of 0)."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    expected = float(margin(probs))
    smallest = probs.max() - probs.min() if probs.size > 2 else None
    reverse = -expected
    return _ask(answer, expected, locals())


def check_entropy(answer, probs) -> Verdict:
    """Exercise 03.2b: entropy / log(number of labels), to 3 decimals, of the probabilities as given or summing to 1."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if probs.size < 2 or probs.sum() <= 0:
        raise CheckError("The entropy needs at least two probabilities that are not all zero.")
    with np.errstate(divide="ignore", invalid="ignore"):
        as_given = float(-np.where(probs > 0, probs * np.log(probs), 0.0).sum())
    expected, size = float(entropy(probs)), probs.size
    accepted = (expected, as_given / np.log(size))
    nats = (as_given, float(entropy(probs, normalized=False)))
    unsigned = tuple(-a for a in accepted)
    return _ask(answer, accepted, locals())


def check_entropy_prediction(answer, probs) -> Verdict:
    """Exercise 03.1 (predict, then run): normalized entropy after adding a label of probability 0, to 2 decimals."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    before = float(entropy(probs))
    expected = float(entropy(np.append(probs, 0.0)))
    what, size, more = "the normalized entropy", probs.size, probs.size + 1
    higher = lambda v: v > before + 0.005
    return _ask(answer, expected, locals())


def check_threshold_for_accuracy(threshold, confidence, correct, target: float) -> Verdict:
    """Exercise 03.3: the lowest threshold keeping answers ``target`` accurate (2 decimals; a slider step as good)."""
    best = threshold_for_accuracy(confidence, correct, target)
    if best is None:
        raise CheckError(f"No threshold reaches an accuracy of {target}: choose a lower target.")
    best_coverage, _ = coverage_and_accuracy(confidence, correct, best)
    value = _number(threshold)
    coverage, accuracy = (0.0, float("nan")) if value is None else coverage_and_accuracy(confidence, correct, value)
    none_kept, too_low = coverage == 0, accuracy < target
    enough = coverage > 0 and accuracy >= target and coverage >= best_coverage - 0.01 - 1e-9
    tenth = np.floor(best * 10) / 10
    low, high = ("0.55", "0.65") if 0.55 <= best <= 0.65 else (f"{tenth:.1f}", f"{tenth + 0.1:.1f}")
    return _ask(threshold, at_precision(value, best, 2) or enough, locals())


def check_input_bytes(answer, input_details: dict) -> Verdict:
    """Exercise 04.1: the bytes of one input tensor = height × width × 3 channels × bytes per channel."""
    shape = [int(d) for d in input_details["shape"]]
    itemsize = np.dtype(input_details["dtype"]).itemsize
    expected = int(np.prod(shape)) * itemsize
    dims, s = " × ".join(map(str, shape[1:])), "s" if itemsize > 1 else ""
    one_channel = int(np.prod(shape[1:3])) * itemsize
    as_float, as_bytes = expected * 4 if itemsize == 1 else None, expected // 4 if itemsize == 4 else None
    return _ask(answer, expected, locals())


def check_sample_size(answer, accuracy: float = 0.7, half_width: float = 0.01) -> Verdict:
    """Exercise 04.5: images for a 95 % interval of at most ± ``half_width``: from the fewest that are enough (normal
    approximation or Wilson) to a quarter above the normal n, so a rounded-up 9,000 or 10,000 counts (exact: 8,068)."""
    z, p = NormalDist().inv_cdf(0.975), accuracy

    def normal(n: float) -> float:
        return z * np.sqrt(p * (1 - p) / n)

    def wilson(n: float) -> float:
        return z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))

    smallest = int(np.ceil(z * z * p * (1 - p) / half_width**2))
    fewest = smallest
    while fewest > 1 and wilson(fewest - 1) <= half_width:
        fewest -= 1
    n = _integer(answer)
    none, too_few = n is not None and n < 1, n is not None and n < fewest
    half = 100 * normal(n) if n is not None and n >= 1 else None
    thousand, points = 100 * normal(1000), f"{100 * half_width:g} point{'s' if half_width != 0.01 else ''}"
    return _ask(answer, lambda n: fewest <= n <= smallest * 1.25, locals())


def check_best_model(
    answer, rows, max_latency_ms: float, max_size_mb: float, min_accuracy: float, latency: str, accuracy: str
) -> Verdict:
    """Exercise 04.3: the most accurate model within three limits (or tied with it), or "none" if none fits."""
    best = best_model(rows, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy)
    given = str("none" if answer is None else answer).strip().lower()
    chosen = next((row for row in rows if str(row["model"]).lower() == given), None)
    said_none, unknown, models = given == "none", chosen is None, ", ".join(str(row["model"]) for row in rows)
    limits = (
        (latency, "latency", max_latency_ms, 1),
        ("size_mb", "size", max_size_mb, 1),
        (accuracy, "accuracy", min_accuracy, -1),
    )
    broken = "; ".join(
        f"its {what} is {chosen[key]}"
        for key, what, limit, sign in limits
        if not unknown and (chosen[key] is None or sign * (float(chosen[key]) - limit) > 0)
    )
    breaks = bool(broken)
    tied = best is not None and not (unknown or breaks) and float(chosen[accuracy]) == float(best[accuracy])
    data = EXERCISES["check_best_model"]
    data = data if best else replace(data, good="No model meets all three limits.")
    return _ask(answer, tied or (best is None and said_none), locals(), data, "check_best_model")


def check_pareto_front(answer, names, latency_ms, accuracy) -> Verdict:
    """Exercise 04.4: the set of models that no other model beats on both latency and accuracy."""
    expected = {n for n, on in zip(names, pareto_front(latency_ms, accuracy), strict=True) if on}
    items = [answer] if isinstance(answer, str) else list(answer) if isinstance(answer, Iterable) else [answer]
    given = {str(a).strip() for a in items}
    beaten, missing = sorted(given - expected), sorted(expected - given)
    gaps = "; ".join(
        [f"{n} is beaten on both counts by another model (find one faster *and* more accurate)" for n in beaten[:1]]
        + [f"{n} is missing: no model is both faster and more accurate than it" for n in missing[:1]]
    )
    front, unknown = ", ".join(n for n in names if n in expected), sorted(given - set(names))
    not_names = bool(unknown)
    return _ask(answer, given == expected, locals())


def check_quantized_value(answer, real: float, scale: float, zero_point: int, dtype: str = "int8") -> Verdict:
    """Exercise 05.1: the code of one real value, clip(round(real / scale) + zero_point), halves rounded either way."""
    low, high = np.iinfo(np.dtype(dtype)).min, np.iinfo(np.dtype(dtype)).max
    expected = int(quantize(real, scale, zero_point, dtype))
    up = int(np.clip(np.floor(real / scale + 0.5) + zero_point, low, high))
    away = int(np.clip(np.sign(real) * np.floor(abs(real / scale) + 0.5) + zero_point, low, high))
    unclipped = int(np.round(real / scale) + zero_point)
    unshifted = int(np.round(real / scale)) if zero_point != 0 else None
    multiplied = int(np.round(real * scale + zero_point))
    sign, offset = "+" if zero_point >= 0 else "−", abs(zero_point)
    clipped = f" (clipped to the {dtype} range)" if unclipped != expected else ""
    return _ask(answer, lambda q: q in {expected, up, away}, locals())


def check_dequantized_weights(answer, q, scales, zero_points, axis: int = 0) -> Verdict:
    """Exercise 05.2: per-channel dequantization, each channel along ``axis`` with its own scale and zero point."""
    q = np.asarray(q)
    along = ", ".join("-1" if i == axis else "1" for i in range(q.ndim))
    scale = np.asarray(scales, dtype=np.float64).reshape([-1 if i == axis else 1 for i in range(q.ndim)])
    zero = np.asarray(zero_points, dtype=np.float64).reshape(scale.shape)
    expected = scale * (q.astype(np.float64) - zero)
    given = _array(answer)
    unreadable, given_shape = given is None, getattr(given, "shape", None)
    misshaped = given_shape != expected.shape
    zeros = not misshaped and not np.any(given)
    single = float(np.ravel(scales)[0]) * (q - float(np.ravel(zero_points)[0]))
    one_scale = not misshaped and scale.size > 1 and bool(np.allclose(given, single, rtol=1e-5))
    size, channels, smallest, largest, shape = expected.size, scale.size, scale.min(), scale.max(), expected.shape
    return _ask(answer, not misshaped and bool(np.allclose(given, expected, rtol=1e-5, atol=1e-7)), locals())


def check_half_step(answer, low: float, high: float, previous_high: float | None = None, decimals: int = 4) -> Verdict:
    """Exercise 05.3: the largest rounding error in int8 over [low, high], half a step of (high − low) / 255."""
    if not float(high) > float(low):
        raise CheckError(f"high ({high}) must be above low ({low}).")
    low = float(low)
    step = (float(high) - low) / 255
    expected, codes, what = step / 2, step / 2 * 255 / 256, "the largest rounding error"
    old_range = None if previous_high is None else (float(previous_high) - low) / 255 / 2
    return _ask(answer, expected, locals())


def check_model_sizes(float32_mb, int8_mb, parameters: int, decimals: int = 1) -> Verdict:
    """Exercise 05.2: the weights' size in MB (10⁶ bytes) as float32 and as int8, at ``decimals`` places."""
    count = float(parameters)
    wide, narrow = count * 4 / 1e6, count / 1e6
    sizes = (_megabytes(float32_mb), wide), (_megabytes(int8_mb), narrow)
    right = [at_precision(given, target, decimals) for given, target in sizes]

    def scaled(factor: float) -> bool:
        return any(at_precision(given, target * factor, decimals) for given, target in sizes)

    unreadable = any(given is None for given, _ in sizes)
    swapped = at_precision(sizes[0][0], narrow, decimals) and at_precision(sizes[1][0], wide, decimals)
    bits, in_bytes, mebibytes = scaled(8), scaled(1e6), scaled(1e6 / 2**20)
    close = not unreadable and any(
        not ok and abs(g - t) < 10.0**-decimals for ok, (g, t) in zip(right, sizes, strict=True)
    )
    one_right, which = right[0] != right[1], "float32" if right[0] else "int8"
    return _ask((float32_mb, int8_mb), all(right), locals())


def check_imprinted_accuracy(
    answer, train_features, train_class_ids, val_features, val_class_ids, per_class: int = 1, seed: int = 0
) -> Verdict:
    """Exercise 06.2: validation accuracy of weights imprinted from ``sample_per_class``, to 2 decimal places."""
    train_y, val_y, train_x = np.asarray(train_class_ids), np.asarray(val_class_ids), np.asarray(train_features)
    classes = int(train_y.max()) + 1

    def imprinted(indices) -> float:
        weights = imprint(train_x[indices], train_y[indices], classes)
        return float((np.argmax(l2_normalize(val_features) @ weights.T, axis=1) == val_y).mean())

    def head() -> float:
        return float((train_head(train_x[indices], train_y[indices], classes).predict(val_features) == val_y).mean())

    indices = sample_per_class(train_y, per_class, seed)
    expected = imprinted(indices)
    hits, total, chosen = round(expected * len(val_y)), len(val_y), len(indices)
    every_photo = imprinted(np.arange(len(train_y)))
    trained_head = lambda v: at_precision(v / 100 if abs(v) > 1 else v, head(), 2)  # trained only if asked
    return _ask(answer, expected, locals())


def check_imprinted_confusion(
    answer, train_features, train_class_ids, val_features, val_class_ids, classes: Sequence[str]
) -> Verdict:
    """Exercise 06.3: the most frequent mistake (true class, predicted class) of a head imprinted from every photo,
    as names (any case) or indices; any pair tied for the most counts."""
    size = len(classes)
    weights = imprint(np.asarray(train_features), np.asarray(train_class_ids), size)
    predicted = np.argmax(l2_normalize(val_features) @ weights.T, axis=1)
    mistakes = confusion_matrix(np.asarray(val_class_ids), predicted, size) * (1 - np.eye(size, dtype=int))
    if not (most := int(mistakes.max())):
        raise CheckError("This head makes no mistakes on these photos: there is no pair to ask about.")
    pairs = {(classes[t], classes[p]) for t, p in zip(*np.nonzero(mistakes == most), strict=True)}
    by_lower = {str(name).strip().lower(): name for name in classes}

    def name(item) -> str:
        index = None if isinstance(item, str) else _integer(item)
        if index is not None and 0 <= index < len(classes):
            return classes[index]
        return by_lower.get(str(item).strip().lower(), str(item).strip())

    unpaired = not (isinstance(answer, (tuple, list, np.ndarray)) and len(answer) == 2)
    true, predicted = (None, None) if unpaired else (name(answer[0]), name(answer[1]))
    swapped, diagonal = (predicted, true) in pairs, true == predicted
    return _ask(answer, (true, predicted) in pairs, locals())


def check_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 06.1: bytes a float32 softmax head adds to a model: 4 × classes × (dim + 1)."""
    expected, no_bias, parameters = 4 * classes * (dim + 1), 4 * classes * dim, classes * (dim + 1)
    kilobytes = expected / 1e3
    return _ask(answer, expected, locals())


def check_int8_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 07.1: bytes of an int8 head: one byte per weight, a 4-byte int32 bias per class."""
    expected, byte_bias, float_head = classes * dim + 4 * classes, classes * (dim + 1), 4 * classes * (dim + 1)
    return _ask(answer, expected, locals())


def check_noisy_accuracy(answer, accuracy: float, flipped: float, classes: int = 5) -> Verdict:
    """Exercise 07.2: the measured accuracy when a share of the test labels is flipped, to 3 decimal places."""
    # a right answer counts if its label was kept; a wrong one is "right" if flipped to exactly that answer
    expected = accuracy * (1 - flipped) + (1 - accuracy) * flipped / (classes - 1)
    what = f"the measured accuracy with {flipped:.0%} of the labels flipped"
    unchanged, kept_only, subtracted, others = accuracy, accuracy * (1 - flipped), accuracy - flipped, classes - 1
    return _ask(answer, expected, locals())


def check_photos_for_standard_error(answer, accuracy: float = 0.9, standard_error: float = 0.01) -> Verdict:
    """Exercise 07.3: test photos needed for a standard error of an accuracy, n = p(1 − p)/se², a whole number."""
    exact = accuracy * (1 - accuracy) / standard_error**2
    half_width = (1.959964 / standard_error) ** 2 * accuracy * (1 - accuracy)
    expected, points, variance, rest = round(exact), standard_error * 100, standard_error**2, 1 - accuracy
    what = f"the number of test photos for a standard error of {points:g} point"
    unsquared = lambda v: abs(v - exact**0.5) < 1
    interval = lambda v: abs(v - half_width) / half_width < 0.02
    se_once = lambda v: abs(v - exact * standard_error) < 1
    return _ask(answer, expected, locals())


def check_trainable_parameters(answer, model) -> Verdict:
    """Exercise 08.1: how many of a Keras model's parameters training may change (its trainable weights), exactly."""
    import keras  # anything but a Keras model fails at model.trainable_weights: a CheckError naming it

    def size(weights) -> int:
        return int(sum(int(np.prod(w.shape)) for w in weights))

    def layers(model) -> list:  # every layer, looking inside nested models
        return [
            inner for layer in model.layers for inner in (layers(layer) if isinstance(layer, keras.Model) else [layer])
        ]

    expected, everything = size(model.trainable_weights), size(model.weights)
    # the BatchNorm layers that train: their scale and shift change, their stored averages do not
    norms = [layer for layer in layers(model) if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable]
    learned = size(w for layer in norms for w in layer.trainable_weights)
    stored = size(w for layer in norms for w in layer.non_trainable_weights)
    dense = size(w for layer in layers(model) if isinstance(layer, keras.layers.Dense) for w in layer.weights)
    stored_bn, learned_bn = (expected + stored) if stored else None, (expected - learned) if learned else None
    no_head, head_only = (expected - dense) if dense else None, dense or None
    return _ask(answer, expected, locals())


def check_wilson_interval(answer, hits: int, total: int, decimals: int = 3) -> Verdict:
    """Exercise 08.2: the 95 % Wilson interval of ``hits`` out of ``total``, each end at ``decimals`` places."""
    hits, total = operator.index(hits), operator.index(total)  # counts of photos; a float is named by the wrapper
    (low, high), p = wilson_interval(hits, total), hits / total
    half = 1.96 * np.sqrt(p * (1 - p) / total)

    def matches(ends, lo: float, hi: float) -> bool:
        return at_precision(ends[0], lo, decimals) and at_precision(ends[1], hi, decimals)

    wald = lambda ends: matches(ends, p - half, p + half)
    ninety = lambda ends: matches(ends, *wilson_interval(hits, total, 0.90))
    close = lambda ends: abs(ends[0] - low) < 0.02 and abs(ends[1] - high) < 0.02
    return _ask(answer, lambda ends: matches(ends, low, high), locals())


def check_occlusion_drop(
    answer, classifier, image, target: int, box: tuple[int, int, int, int], fill: int = 128
) -> Verdict:
    """Exercise 10.1: the class's probability on the whole image minus with ``box`` covered, to 2 decimal places."""
    left, top, right, bottom = (int(v) for v in box)
    pixels = model_pixels(image, classifier.input_size, classifier.crop)

    def probability(rows: slice = slice(0, 0), cols: slice = slice(0, 0)) -> float:
        covered = pixels.copy()
        covered[rows, cols] = fill
        return float(classifier.predict(covered)[target])

    before, after = probability(), probability(slice(top, bottom), slice(left, right))
    expected, reverse, one_of_two, what = before - after, after - before, (before, after), "the drop"
    transposed = before - probability(slice(left, right), slice(top, bottom))  # x and y exchanged
    return _ask(answer, expected, locals())


def check_rank_correlation(answer, first, second) -> Verdict:
    """Exercise 10.3: Spearman's ρ of two maps to 2 decimals, ties ranked by their average rank or in order."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    expected = rank_correlation(a, b)

    def ordinal(values: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(values.ravel(), kind="stable"), kind="stable")

    in_order = float(np.corrcoef(ordinal(a), ordinal(b))[0, 1])
    pearson, reverse = float(np.corrcoef(a.ravel(), b.ravel())[0, 1]), (-expected, -in_order)
    return _ask(answer, (expected, in_order), locals())


def check_normalized_pixel(answer, pixel: float, mean: float, std: float, *, decimals: int = 2) -> Verdict:
    """Exercise 09.1a: the number a float model gets for one pixel value, (pixel − mean) / std."""
    pixel, mean, std = float(pixel), float(mean), float(std)
    expected, what = (pixel - mean) / std, f"({pixel:g} − {mean:g}) / {std:g}"
    unshifted, by_255, multiplied, sign = pixel / std, pixel / 255, (pixel - mean) * std, -expected
    return _ask(answer, expected, locals())


def check_class_count(answer, model_path, placeholder: str = "???") -> Verdict:
    """Exercise 09.1b: how many real classes (lines neither empty nor ``placeholder``) a model's label file names."""
    import zipfile

    try:
        with zipfile.ZipFile(model_path) as archive:
            texts = [name for name in archive.namelist() if name.endswith(".txt")]
            lines = archive.read(texts[0]).decode("utf-8").splitlines() if len(texts) == 1 else None
            problem = f"its zip holds {len(texts)} .txt files"
    except (OSError, zipfile.BadZipFile) as error:
        lines, problem = None, str(error)
    if lines is None:
        raise CheckError(f"{model_path} is not a model file whose zip holds one labels (.txt) file: {problem}.")
    lines = [line.strip() for line in lines]
    expected = sum(1 for line in lines if line and line != placeholder)
    what, every_line, placeholders = f"the number of real classes in {texts[0]}", len(lines), len(lines) - expected
    return _ask(answer, expected, locals())


def check_class_pixels(answer, mask, labels: Sequence[str], label: str) -> Verdict:
    """Exercise 09.2: how many pixels of a segmentation ``mask`` (class indices) belong to ``label``."""
    mask = np.asarray(mask)
    if label not in labels:
        raise CheckError(f"{label!r} is not one of the segmenter's labels; ask for one of {list(labels)}.")
    index = list(labels).index(label)
    counts = np.bincount(mask.ravel().astype(np.int64), minlength=len(labels))
    expected, what, every_pixel = int(counts[index]), f"the number of '{label}' pixels", mask.size
    other_class = tuple(int(c) for i, c in enumerate(counts) if i != index and c) or None
    share = lambda v: 0 < v < 1
    return _ask(answer, expected, locals())


def check_models_within_budget(answer, frame_ms: Mapping[str, float], invoke_ms, slowdown: float = 1.0) -> Verdict:
    """Exercise 11.3: the models whose median frame, ``slowdown`` times slower, fits a 30 fps frame (any case)."""
    slowdown, budget_ms = float(slowdown), 1000 / 30
    if not np.isfinite(slowdown) or slowdown <= 0:
        raise CheckError(f"slowdown must be a number above 0; got {slowdown!r}.")

    def fitting(times: Mapping[str, float], factor: float) -> set[str]:
        return {name for name, ms in times.items() if factor * float(ms) <= budget_ms}

    if answer is None or not isinstance(answer, Iterable):  # not a wrong try: no answer yet
        return _verdict(
            False, "Give the model names as a list, for example ['V1 0.25/128 uint8'] (an empty list if none keeps up)."
        )
    by_lower = {name.lower(): name for name in frame_ms}
    given = {
        by_lower.get(str(item).strip().lower(), str(item).strip())
        for item in ([answer] if isinstance(answer, str) else answer)
    }
    if unknown := sorted(given - set(frame_ms)):
        return _verdict(
            False, f"{unknown} is not a model of this notebook; use the names of the table ({', '.join(frame_ms)})."
        )
    expected, everything = fitting(frame_ms, slowdown), set(frame_ms)
    count, models, kept = len(expected), len(frame_ms), ", ".join(sorted(expected)) or "none"
    where = "here" if slowdown == 1 else f"on a device {slowdown:g} times slower"
    over, missing = len(given - expected), len(expected - given)
    here = slowdown != 1 and given == fitting(frame_ms, 1.0) and given != expected
    invoke_only = given == fitting(invoke_ms, slowdown)
    reverse = bool(everything - expected) and given == everything - expected
    return _ask(answer, given == expected, locals())


def check_dropped_frames(answer, process_ms: float, camera_fps: float = 30, decimals: int = 1) -> Verdict:
    """Exercise 11.2: frames per second newest-frame-wins drops at ``process_ms`` a frame (or a simulation's count)."""
    expected = dropped_per_second(process_ms, camera_fps)
    if answer is None:  # the exercise's placeholder: not a wrong try
        return _verdict(False, f"Replace None with the frames dropped per second, to {_places(decimals)}.")
    answered = camera_fps - expected
    classified = lambda v: expected > 0 and abs(v - 1000 / process_ms) < 0.5
    queued = lambda v: v == 0 and expected > 0
    close = lambda v: abs(v - expected) < 0.5
    return _ask(answer, lambda v: at_precision(v, expected, decimals) or abs(v - expected) <= 0.1 + 1e-9, locals())


def check_frame_bytes(answer, width: int, height: int) -> Verdict:
    """Exercise 11.1: the bytes one ``width`` × ``height`` frame takes as RGBA (4 bytes a pixel)."""
    width, height = whole_number(width, "width", CheckError), whole_number(height, "height", CheckError)
    if answer is None:  # the exercise's placeholder: not a wrong try
        return _verdict(False, "Replace None with the number of bytes of one frame.")
    expected, pixels = width * height * 4, width * height
    share, rgb = expected / (224 * 224 * 4), pixels * 3
    unscaled = 224 * 224 * 4 if pixels != 224 * 224 else None
    kilobytes = lambda v: abs(v * 1000 - expected) < 1 or abs(v * 1024 - expected) < 1
    return _ask(answer, lambda v: v == expected, locals())


wrap_public_functions(globals(), CheckError)  # a raw TypeError, KeyError, ... from bad arguments: a CheckError


# For autograders (tools/nbgrader_course.py writes nbgrader test cells that call this). Kept apart from the
# checks above, which never raise for a wrong answer: here a wrong answer must fail the test cell.
def graded(check: Callable[..., Verdict], *args, **kwargs) -> Verdict:
    """Run a self-check as an autograder test: print its ✓ verdict, or raise AssertionError with its hint when wrong;
    a graded run is not one of the learner's tries (the hint ladder is left as it was)."""
    if not (callable(check) and getattr(check, "__module__", None) == __name__ and check.__name__.startswith("check_")):
        raise CheckError(f"graded takes one of helpers.checks' check_* functions; got {check!r}.")
    tries = dict(_wrong_tries)
    with contextlib.redirect_stdout(io.StringIO()):  # the verdict is shown once, below or as the error
        verdict = check(*args, **kwargs)
    _wrong_tries.clear()
    _wrong_tries.update(tries)
    if not verdict.ok:
        raise AssertionError(verdict.message)
    print(verdict.message)
    return verdict
