"""Self-checks for the notebooks' exercises: each says what is right or what to look at.

Every check computes the expected answer itself (from the formula, the label
file or the model), prints a verdict with a hint, and returns True or False.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _verdict(ok: bool, good: str, hint: str) -> bool:
    print(("✅ " + good) if ok else ("❌ Not yet. " + hint))
    return ok


def check_label_index(labels: Sequence[str], answer: int, label: str) -> bool:
    """Exercise 01.1: the output index of ``label`` in a 1001-entry ImageNet label list."""
    expected = next((i for i, name in enumerate(labels) if name.split(",")[0].strip() == label), None)
    if expected is None:
        raise ValueError(f"{label!r} is not a label in this list.")
    if answer == expected - 1:
        return _verdict(False, "", "You are off by one: index 0 of this model's output is 'background'.")
    return _verdict(answer == expected, f"Output {expected} is '{labels[expected]}'.",
                    f"labels[{answer}] is '{labels[answer] if 0 <= answer < len(labels) else 'out of range'}'. "
                    f"Search the list, e.g. with labels.index(...) or a loop.")


def check_dequantize(answer: float, q: int, scale: float, zero_point: int) -> bool:
    """Exercise 01.2: real = scale × (q − zero_point)."""
    expected = scale * (q - zero_point)
    if np.isclose(answer, scale * q) and zero_point != 0:
        return _verdict(False, "", "Subtract the zero point before multiplying by the scale.")
    if np.isclose(answer, q / 255):
        return _verdict(False, "", "The scale is not 1/255 here: use the tensor's own quantization parameters.")
    return _verdict(bool(np.isclose(answer, expected, atol=1e-6)), f"{scale} × ({q} − {zero_point}) = {expected:.6f}.",
                    f"You gave {answer}; apply real = scale × (q − zero_point) with this tensor's parameters.")


def check_top_label(answer: str, probs: np.ndarray, labels: Sequence[str]) -> bool:
    """Exercise 01.3: the most probable label of a probability vector (full label text or first name)."""
    best = labels[int(np.argmax(probs))]
    ok = answer.strip().lower() in (best.lower(), best.split(",")[0].strip().lower())
    return _verdict(ok, f"The top label is '{best}' ({float(np.max(probs)):.3f}).",
                    f"'{answer}' is not the most probable label. Use np.argmax on the probabilities, then labels[...].")


# --------------------------------------------------------------------------- notebook 02


def check_softmax(softmax_function) -> bool:
    """Exercise 02.1: your softmax gives probabilities that sum to 1, match the formula and survive big logits."""
    from helpers.metrics import softmax

    cases = [np.log([0.07, 0.02, 0.91]), np.array([2.0, -1.0, 0.5, 0.0]), np.array([1000.0, 1001.0, 1002.0])]
    for logits in cases:
        try:
            with np.errstate(all="ignore"):
                got = np.asarray(softmax_function(logits.copy()), dtype=np.float64)
        except Exception as exc:  # noqa: BLE001 — the learner's code may fail in any way: report it as a hint
            return _verdict(False, "", f"Your function raised {type(exc).__name__}: {exc} (on logits {logits}).")
        expected = softmax(logits)
        if got.shape != expected.shape:
            return _verdict(False, "", f"Return one probability per logit: expected shape {expected.shape}, "
                                       f"got {got.shape}.")
        if not np.isfinite(got).all():
            return _verdict(False, "", f"On logits {logits} you get {got}: np.exp overflows. Subtract the largest "
                                       f"logit before calling np.exp (it does not change the result).")
        if not np.isclose(got.sum(), 1.0, atol=1e-6):
            return _verdict(False, "", f"Your probabilities sum to {got.sum():.4f}, not 1: divide each exponential "
                                       f"by the sum of all of them.")
        if not np.allclose(got, expected, atol=1e-6):
            return _verdict(False, "", f"On logits {np.round(logits, 3)} you get {np.round(got, 4)}, expected "
                                       f"{np.round(expected, 4)}: compute np.exp(z) / np.exp(z).sum().")
    return _verdict(True, "Sums to 1, matches exp(z) / Σ exp(z), and stays finite on logits near 1000.", "")


def check_logits_for_table(logits, table: Sequence[float]) -> bool:
    """Exercise 02.2: logits whose softmax reproduces a probability table (to 0.005)."""
    from helpers.metrics import softmax

    logits = np.asarray(logits, dtype=np.float64)
    table = np.asarray(table, dtype=np.float64)
    if logits.shape != table.shape:
        return _verdict(False, "", f"Give one logit per label: {table.size} expected, got shape {logits.shape}.")
    if not np.isfinite(logits).all():
        return _verdict(False, "", "Your logits contain NaN or infinity; np.log of a probability is always finite.")
    got = softmax(logits)
    ok = bool(np.allclose(got, table, atol=0.005))
    return _verdict(ok, f"softmax gives {np.round(got, 2).tolist()}: the table. Any constant added to all the "
                        f"logits would work too.",
                    f"softmax of your logits is {np.round(got, 3).tolist()}, not {table.tolist()}. Try the logarithm "
                    f"of each probability (np.log): exp undoes it.")


def _temperature_for_top(logits: np.ndarray, target: float) -> float:
    from helpers.metrics import softmax

    low, high = 1e-3, 1e3  # the top probability falls as T grows: bisect on a log scale
    for _ in range(200):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if softmax(logits, middle).max() > target else (low, middle)
    return float(np.sqrt(low * high))


def check_temperature_for_top(temperature: float, logits, target: float = 0.5) -> bool:
    """Exercise 02.3: the temperature at which the top probability is ``target`` (to 0.005)."""
    from helpers.metrics import softmax

    logits = np.asarray(logits, dtype=np.float64)
    if not 1 / logits.size < target < 1:
        raise ValueError(f"target must be between 1/{logits.size} and 1; got {target}.")
    expected = _temperature_for_top(logits, target)
    if not (isinstance(temperature, (int, float, np.number)) and np.isfinite(temperature) and temperature > 0):
        return _verdict(False, "", f"The temperature must be a positive number; got {temperature!r}.")
    top = float(softmax(logits, float(temperature)).max())
    direction = "raise T (flatter)" if top > target else "lower T (sharper)"
    return _verdict(abs(top - target) <= 0.005, f"At T = {temperature:.3g} the top probability is {top:.3f} "
                                                f"(exact answer: T = {expected:.3f}).",
                    f"At T = {temperature:.3g} the top probability is {top:.3f}, not {target}: {direction}. "
                    f"Try a few values, or bisect between a T that is too low and one that is too high.")


# --------------------------------------------------------------------------- notebook 03


def check_margin(answer: float, probs) -> bool:
    """Exercise 03.1a: top-1 minus top-2 probability."""
    from helpers.metrics import margin

    probs = np.asarray(probs, dtype=np.float64)
    expected = margin(probs)
    ordered = np.sort(probs)[::-1]
    if np.isclose(answer, ordered[0] - ordered[-1], atol=1e-4) and probs.size > 2:
        return _verdict(False, "", "That is top-1 minus the *smallest* probability; the margin uses the second largest.")
    return _verdict(bool(np.isclose(answer, expected, atol=1e-4)), f"Margin {expected:.4f}.",
                    f"You gave {answer}; sort the probabilities (np.sort) and subtract the second largest from "
                    f"the largest.")


def check_entropy(answer: float, probs) -> bool:
    """Exercise 03.1b: entropy normalized to [0, 1] (divided by the log of the number of labels)."""
    from helpers.metrics import entropy

    probs = np.asarray(probs, dtype=np.float64)
    expected = entropy(probs)
    raw = entropy(probs, normalized=False)
    if np.isclose(answer, raw, atol=1e-4) and not np.isclose(raw, expected, atol=1e-4):
        return _verdict(False, "", f"{answer:.4f} is the entropy in nats; divide by np.log({probs.size}) to "
                                   f"normalize it.")
    if np.isclose(answer, -expected, atol=1e-4) and expected > 0:
        return _verdict(False, "", "Entropy is −Σ p·log p: you lost the minus sign.")
    return _verdict(bool(np.isclose(answer, expected, atol=1e-4)), f"Normalized entropy {expected:.4f}.",
                    f"You gave {answer}; compute −Σ p·log(p) over the labels with p > 0, then divide by "
                    f"log({probs.size}).")


def check_threshold_for_accuracy(threshold: float, confidence, correct, target: float) -> bool:
    """Exercise 03.2: a threshold whose kept answers are ≥ ``target`` accurate while keeping as many as possible."""
    from helpers.metrics import coverage_and_accuracy, threshold_for_accuracy

    best = threshold_for_accuracy(confidence, correct, target)
    if best is None:
        raise ValueError(f"No threshold reaches an accuracy of {target}: choose a lower target.")
    best_coverage, _ = coverage_and_accuracy(confidence, correct, best)
    coverage, accuracy = coverage_and_accuracy(confidence, correct, threshold)
    if coverage == 0:
        return _verdict(False, "", f"Threshold {threshold:.3g} keeps no answer at all; lower it.")
    if accuracy < target:
        return _verdict(False, "", f"At {threshold:.3g} the kept answers are {accuracy:.2%} right, below "
                                   f"{target:.0%}: raise the threshold.")
    ok = coverage >= best_coverage - 0.01
    return _verdict(ok, f"Threshold {threshold:.3g} keeps {coverage:.1%} of the images, {accuracy:.1%} of them right "
                        f"(lowest such threshold: {best:.3f}).",
                    f"At {threshold:.3g} the answers are right often enough ({accuracy:.1%}) but only {coverage:.1%} "
                    f"are kept; a lower threshold still reaches {target:.0%}. Lower it step by step.")


def _top_k_accuracy_range(probs, truth, k: int) -> tuple[float, float]:
    """Top-k accuracy when ties at the k-th place count against the true class, and when they count for it."""
    probs = np.asarray(probs)
    true_probs = probs[np.arange(len(truth)), truth][:, None]
    ahead = (probs > true_probs).sum(axis=1)
    tied = (probs == true_probs).sum(axis=1) - 1  # other labels with exactly the true label's probability
    return float(np.mean(ahead + tied < k)), float(np.mean(ahead < k))


def check_top_k_accuracy(answer: float, probs, truth, k: int) -> bool:
    """Exercise 03.3: the fraction of images whose true class is among the k most probable.

    Quantized outputs have ties; any answer between breaking every tie against the
    true class and breaking every tie for it is accepted.
    """
    from helpers.metrics import top_k_accuracy

    low, high = _top_k_accuracy_range(probs, truth, k)
    ok = low - 1e-4 <= answer <= high + 1e-4
    if not ok and k > 1 and np.isclose(answer, top_k_accuracy(probs, truth, 1), atol=1e-4):
        return _verdict(False, "", f"That is the top-1 accuracy; count an image as right when its true class is "
                                   f"anywhere among the {k} most probable.")
    if 1 < answer <= 100 and low - 1e-4 <= answer / 100 <= high + 1e-4:
        return _verdict(False, "", "Give a fraction between 0 and 1, not a percentage.")
    ties = (f" Ties at place {k} make anything from {low:.3f} to {high:.3f} correct, depending on how "
            f"they are broken.") if high > low else ""
    return _verdict(ok, f"Top-{k} accuracy {answer:.3f}.{ties}",
                    f"You gave {answer}; for each image, take the {k} largest probabilities (np.argsort) and check "
                    f"whether the true index is among them; then average.")


# --------------------------------------------------------------------------- notebook 04


def check_input_bytes(answer: int, input_details: dict) -> bool:
    """Exercise 04.1: the bytes of one input tensor = height × width × 3 channels × bytes per channel."""
    shape = [int(d) for d in input_details["shape"]]
    itemsize = np.dtype(input_details["dtype"]).itemsize
    expected = int(np.prod(shape)) * itemsize
    pixels = int(np.prod(shape[1:3]))
    if answer == pixels * itemsize:
        return _verdict(False, "", "Each pixel has 3 channels (red, green, blue): multiply by 3.")
    if itemsize == 1 and answer == expected * 4:
        return _verdict(False, "", "This model is quantized: 1 byte per channel, not 4.")
    if itemsize == 4 and answer == expected // 4:
        return _verdict(False, "", "This is a float model: 4 bytes per channel (float32), not 1.")
    return _verdict(answer == expected,
                    f"{' × '.join(map(str, shape[1:]))} × {itemsize} byte{'s' if itemsize > 1 else ''} = "
                    f"{expected:,} bytes.",
                    f"You gave {answer:,}. Read the shape and dtype in the model's input details: "
                    f"height × width × channels × bytes per channel.")


def check_sample_size(answer: int, accuracy: float = 0.7, half_width: float = 0.01, confidence: float = 0.95) -> bool:
    """Exercise 04.2: the smallest number of images whose Wilson interval is at most ± ``half_width`` wide."""
    from statistics import NormalDist

    from helpers.metrics import wilson_interval

    def width(n: int) -> float:
        low, high = wilson_interval(round(accuracy * n), n, confidence)
        return (high - low) / 2

    if answer < 1:
        return _verdict(False, "", "The answer is a number of images: at least 1.")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    estimate = int(np.ceil(z * z * accuracy * (1 - accuracy) / half_width**2))
    ok = width(answer) <= half_width * 1.01 and answer <= estimate * 1.1
    return _verdict(ok, f"About {estimate:,} images: the interval shrinks like 1/√n, so ten times narrower needs a "
                        f"hundred times more images (ImageNet's validation set has 50,000).",
                    f"With {answer:,} images the interval is ± {width(answer) * 100:.2f} points. "
                    + ("Too wide: use more images. " if width(answer) > half_width * 1.01 else "Narrow enough, but "
                       "fewer images would do. ")
                    + "Solve z·√(p(1−p)/n) = half-width for n, with z = 1.96.")


def check_best_model(answer: str, rows, max_latency_ms: float, max_size_mb: float, min_accuracy: float,
                     latency: str, accuracy: str, size: str = "size_mb", name: str = "model") -> bool:
    """Exercise 04.3: the most accurate model within three limits (bench.best_model computes the answer)."""
    from helpers.bench import best_model

    best = best_model(rows, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size)
    expected = "none" if best is None else str(best[name])
    chosen = next((row for row in rows if str(row[name]).lower() == answer.strip().lower()), None)
    if answer.strip().lower() == expected.lower():
        return _verdict(True, f"{expected} is the most accurate model within the limits.", "")
    if chosen is None:
        names = ", ".join(str(row[name]) for row in rows)
        return _verdict(False, "", f"'{answer}' is not one of the models ({names}), or 'none'.")
    broken = [f"its {what} is {chosen[key]}" for what, key, bad in (
        ("latency", latency, lambda v: v > max_latency_ms), ("size", size, lambda v: v > max_size_mb),
        ("accuracy", accuracy, lambda v: v < min_accuracy)) if chosen[key] is None or bad(float(chosen[key]))]
    if broken:
        return _verdict(False, "", f"{answer} breaks a limit: {'; '.join(broken)}.")
    return _verdict(False, "", f"{answer} fits, but another model that fits is more accurate. Filter by all three "
                               f"limits first, then take the highest '{accuracy}'.")


def check_pareto_front(answer, names, latency_ms, accuracy) -> bool:
    """Exercise 04.4: the set of models that no other model beats on both latency and accuracy."""
    from helpers.bench import pareto_front

    expected = {n for n, on in zip(names, pareto_front(latency_ms, accuracy), strict=True) if on}
    given = {str(a) for a in answer}
    unknown = given - set(names)
    if unknown:
        return _verdict(False, "", f"Not model names: {sorted(unknown)}. Use the names in the table.")
    dominated = sorted(given - expected)
    missing = sorted(expected - given)
    hint = []
    if dominated:
        hint.append(f"{dominated[0]} is beaten on both counts by another model (find one faster *and* more accurate)")
    if missing:
        hint.append(f"{missing[0]} is missing: no model is both faster and more accurate than it")
    return _verdict(given == expected, f"The front is {', '.join(n for n in names if n in expected)}.",
                    "; ".join(hint) + ".")


# --------------------------------------------------------------------------- notebook 05


def check_quantized_value(answer: int, real: float, scale: float, zero_point: int, dtype: str = "int8") -> bool:
    """Exercise 05.1: the code of one real value, q = clip(round(real / scale) + zero_point)."""
    from helpers.quantize import quantize

    expected = int(quantize(real, scale, zero_point, dtype))
    info = np.iinfo(np.dtype(dtype))
    unclipped = int(np.round(real / scale) + zero_point)
    if answer == expected:
        sign = "+" if zero_point >= 0 else "−"
        return _verdict(True, f"round({real} / {scale:.6g}) {sign} {abs(zero_point)} = {expected}"
                        + (f" (clipped to the {dtype} range)" if unclipped != expected else "") + ".", "")
    if answer == unclipped and unclipped != expected:
        return _verdict(False, "", f"{unclipped} does not fit in {dtype} ({info.min} … {info.max}): clip it to the "
                                   f"nearest code the type can hold.")
    if answer == int(np.round(real / scale)) and zero_point != 0:
        return _verdict(False, "", "Add the zero point after dividing by the scale.")
    if answer == int(np.round(real * scale + zero_point)):
        return _verdict(False, "", "Divide the real value by the scale (quantizing is the inverse of "
                                   "real = scale × (q − zero_point)).")
    return _verdict(False, "", f"You gave {answer}. Solve real = scale × (q − zero_point) for q, round to the nearest "
                               f"integer, and clip to {info.min} … {info.max}.")


def check_dequantized_weights(answer, q, scales, zero_points, axis: int = 0) -> bool:
    """Exercise 05.2: per-channel dequantization, each channel along ``axis`` with its own scale and zero point."""
    q = np.asarray(q)
    shape = [1] * q.ndim
    shape[axis] = -1
    scale = np.asarray(scales, dtype=np.float64).reshape(shape)
    zero = np.asarray(zero_points, dtype=np.float64).reshape(shape)
    expected = scale * (q.astype(np.float64) - zero)
    answer = np.asarray(answer, dtype=np.float64)
    if answer.shape != expected.shape:
        return _verdict(False, "", f"The result must have the weights' shape {expected.shape}; yours is "
                                   f"{answer.shape}. Reshape the scales so they line up with axis {axis}.")
    if np.allclose(answer, expected, rtol=1e-5, atol=1e-7):
        return _verdict(True, f"{expected.size:,} weights, {scale.size} channels, each with its own scale "
                              f"(from {scale.min():.3g} to {scale.max():.3g}).", "")
    if np.allclose(answer, float(np.ravel(scales)[0]) * (q - float(np.ravel(zero_points)[0])), rtol=1e-5):
        return _verdict(False, "", f"You used one scale for every channel; each of the {scale.size} channels has its "
                                   f"own. Reshape the scales to line up with axis {axis}, e.g. "
                                   f"scales.reshape(-1, 1, 1, 1) for axis 0.")
    return _verdict(False, "", "Not equal to scale × (q − zero_point) channel by channel. Check that the scales line "
                               f"up with axis {axis} of the weights, and that q is converted to float first.")


def check_model_sizes(float32_mb: float, int8_mb: float, parameters: int) -> bool:
    """Exercise 05.3: predicted float32 and int8 file sizes (MB) from a parameter count, within 10 %."""
    expected_float, expected_int8 = parameters * 4 / 1e6, parameters / 1e6
    if np.isclose(float32_mb, expected_int8, rtol=0.1) and np.isclose(int8_mb, expected_float, rtol=0.1):
        return _verdict(False, "", "The two are swapped: float32 takes 4 bytes per weight, int8 one.")
    if np.isclose(float32_mb, expected_float * 8, rtol=0.1) or np.isclose(int8_mb, expected_int8 * 8, rtol=0.1):
        return _verdict(False, "", "That counts bits; a file size is in bytes (8 bits each).")
    if np.isclose(float32_mb, expected_float * 1e6, rtol=0.1) or np.isclose(int8_mb, expected_int8 * 1e6, rtol=0.1):
        return _verdict(False, "", "That is in bytes; divide by 1,000,000 for megabytes.")
    ok = bool(np.isclose(float32_mb, expected_float, rtol=0.1) and np.isclose(int8_mb, expected_int8, rtol=0.1))
    return _verdict(ok, f"About {expected_float:.1f} MB as float32 and {expected_int8:.1f} MB as int8: the weights "
                        f"are nearly the whole file, plus a little for the graph and the scales.",
                    f"You gave {float32_mb} MB and {int8_mb} MB. Multiply the parameter count by the bytes per "
                    f"weight (float32: 4, int8: 1) and divide by 1,000,000.")


# --------------------------------------------------------------------------- notebook 06


def check_imprinted_accuracy(answer: float, train_features, train_class_ids, val_features, val_class_ids,
                             per_class: int = 1, seed: int = 0) -> bool:
    """Exercise 06.1: validation accuracy of weights imprinted from ``sample_per_class(..., per_class, seed)``."""
    from helpers.transfer import imprint, l2_normalize, sample_per_class, train_head

    train_y, val_y = np.asarray(train_class_ids), np.asarray(val_class_ids)
    train_x = np.asarray(train_features)

    def imprinted(indices) -> float:
        weights = imprint(train_x[indices], train_y[indices], int(train_y.max()) + 1)
        return float((np.argmax(l2_normalize(val_features) @ weights.T, axis=1) == val_y).mean())

    chosen = sample_per_class(train_y, per_class, seed)
    expected = imprinted(chosen)
    if not (isinstance(answer, (int, float, np.number)) and np.isfinite(answer)):
        return _verdict(False, "", f"Give the accuracy as a number between 0 and 1; got {answer!r}.")
    if np.isclose(answer, expected, atol=1e-4):
        return _verdict(True, f"Accuracy {expected:.3f} from {len(chosen)} training photos "
                              f"({per_class} per class).", "")
    if np.isclose(answer, expected * 100, atol=0.01):
        return _verdict(False, "", "Give a fraction between 0 and 1, not a percentage.")
    if np.isclose(answer, imprinted(np.arange(len(train_y))), atol=1e-4):
        return _verdict(False, "", f"That uses every training photo; imprint only the {len(chosen)} chosen by "
                                   f"sample_per_class(train.class_ids, {per_class}, seed={seed}).")
    head = train_head(train_x[chosen], train_y[chosen], int(train_y.max()) + 1)
    if np.isclose(answer, float((head.predict(val_features) == val_y).mean()), atol=1e-4):
        return _verdict(False, "", "That is the trained softmax head's accuracy; use transfer.imprint instead.")
    return _verdict(False, "", f"You gave {answer}. Take the indices from sample_per_class(train.class_ids, "
                               f"{per_class}, seed={seed}), imprint their features, predict with "
                               f"np.argmax(l2_normalize(val_features) @ weights.T, axis=1), and average the hits.")


def check_most_confused(answer: tuple[str, str], matrix, classes: Sequence[str]) -> bool:
    """Exercise 06.2: the (true class, predicted class) pair with the most mistakes in a confusion matrix."""
    counts = np.asarray(matrix)
    if counts.shape != (len(classes), len(classes)):
        raise ValueError(f"Expected a {len(classes)}×{len(classes)} matrix; got shape {counts.shape}.")
    mistakes = counts * (1 - np.eye(len(classes), dtype=counts.dtype))
    most = int(mistakes.max())
    if most == 0:
        raise ValueError("This confusion matrix has no mistakes at all.")
    pairs = [(classes[t], classes[p]) for t, p in zip(*np.nonzero(mistakes == most))]
    if not (isinstance(answer, (tuple, list)) and len(answer) == 2):
        return _verdict(False, "", "Answer with a pair of class names: (true class, predicted class).")
    given = (str(answer[0]).strip(), str(answer[1]).strip())
    if given in pairs:
        return _verdict(True, f"{most} {given[0]} photos were taken for {given[1]}: the largest number off the "
                              f"diagonal.", "")
    if given[::-1] in pairs:
        return _verdict(False, "", "Swap them: rows are the true class and columns the predicted class.")
    if given[0] == given[1]:
        return _verdict(False, "", "The diagonal counts the right answers; look at the cells off the diagonal.")
    return _verdict(False, "", f"Look for the largest number off the diagonal (it is {most}); its row is the "
                               f"true class, its column the predicted one.")


def check_head_bytes(answer: int, dim: int, classes: int) -> bool:
    """Exercise 06.3: bytes a float32 softmax head adds to a model: 4 × classes × (dim + 1)."""
    expected = 4 * classes * (dim + 1)
    if answer == 4 * classes * dim:
        return _verdict(False, "", "You forgot the bias: one more number per class.")
    if answer == classes * (dim + 1):
        return _verdict(False, "", "That is the number of parameters; each float32 takes 4 bytes.")
    return _verdict(answer == expected, f"{classes} × ({dim} + 1) parameters × 4 bytes = {expected:,} bytes, "
                                        f"about {expected / 1e3:.1f} kB.",
                    f"You gave {answer}. Count the weights (one per feature and class) and the biases (one per "
                    f"class), then multiply by 4 bytes per float32.")


def check_int8_head_bytes(answer: int, dim: int, classes: int) -> bool:
    """Exercise 06.4: bytes of an int8 head: one byte per weight, a 4-byte int32 bias per class."""
    expected = classes * dim + 4 * classes
    if answer == classes * (dim + 1):
        return _verdict(False, "", "The bias stays 32-bit (int32, 4 bytes): only the weights shrink to one byte.")
    if answer == 4 * classes * (dim + 1):
        return _verdict(False, "", "That is the float32 head; int8 weights take one byte each.")
    return _verdict(answer == expected, f"{classes} × {dim} weights × 1 byte + {classes} biases × 4 bytes = "
                                        f"{expected:,} bytes, a quarter of the float32 head.",
                    f"You gave {answer}. Count one byte per weight (classes × dim) and four per int32 bias.")


# --------------------------------------------------------------------------- notebook 07


def check_trainable_parameters(answer: int, model) -> bool:
    """Exercise 07.1: how many of a Keras model's parameters training may change (its trainable weights)."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError("Pass the Keras model whose trainable parameters you counted.")
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    everything = int(sum(np.prod(w.shape) for w in model.weights))
    try:
        given = int(np.asarray(answer).item())
    except (TypeError, ValueError):
        return _verdict(False, "", f"Give a whole number of parameters; got {answer!r}.")
    if given == trainable:
        return _verdict(True, f"{trainable:,} of the model's {everything:,} parameters are trainable.", "")
    if given == everything:
        return _verdict(False, "", "That counts every parameter; count only model.trainable_weights (frozen layers "
                                   "and BatchNorm's moving averages do not change).")
    return _verdict(False, "", f"You gave {given:,}. Add up the sizes of model.trainable_weights "
                               f"(np.prod(w.shape) for each).")


def check_wilson_interval(answer, hits: int, total: int) -> bool:
    """Exercise 07.2: the 95 % Wilson interval (low, high) of ``hits`` right out of ``total``."""
    from helpers.metrics import wilson_interval

    low, high = wilson_interval(int(hits), int(total))
    try:
        given = np.asarray(answer, dtype=float).ravel()
    except (TypeError, ValueError):
        return _verdict(False, "", f"Give the interval as two numbers (low, high); got {answer!r}.")
    if given.size != 2:
        return _verdict(False, "", "Give the interval as two numbers: (low, high).")
    if np.allclose(given, [low, high], atol=2e-3):
        return _verdict(True, f"{hits}/{total} = {hits / total:.3f}, 95 % interval {low:.3f}–{high:.3f}.", "")
    if np.allclose(given, [low * 100, high * 100], atol=0.2):
        return _verdict(False, "", "Give fractions between 0 and 1, not percentages.")
    p = hits / total
    wald = 1.96 * np.sqrt(p * (1 - p) / total)
    if np.allclose(given, [p - wald, p + wald], atol=2e-3):
        return _verdict(False, "", "That is the simple p ± 1.96·√(p(1−p)/n) interval; use the Wilson interval "
                                   "(helpers.metrics.wilson_interval), which stays inside 0…1 and is better near 1.")
    return _verdict(False, "", f"You gave {tuple(given)}. Use wilson_interval(hits, total) with the test counts.")
