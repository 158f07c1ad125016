"""Self-checks for the notebooks' exercises: each says what is right or what to look at.

Every check works in the same order, so that no hint can shadow a right answer:

1. read the answer in any form a learner may type it (int, float, NumPy scalar,
   float32, 0-d array, a numeric string such as ``"0.78"``, ``"200/256"`` or ``"78%"``);
2. compute the expected answer itself (from the formula, the label file or the model)
   and decide whether the answer is right — every correct answer passes here;
3. only for a wrong answer, walk a table of known mistakes and explain the first that fits.

A check prints its verdict (✓ or ✗, marks every font has) and returns a ``Verdict``:
true or false like a bool, and shown as nothing in a notebook, so the verdict is printed once.
"""

from __future__ import annotations

import numbers
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from helpers.arguments import is_whole, whole_number
from helpers.errors import CheckError, ExpectationError, wrap_public_functions


class Verdict:
    """A check's result: truthy when right; displays as nothing (the check already printed why). Raises nothing."""

    __slots__ = ("message", "ok")

    def __init__(self, ok: bool, message: str) -> None:
        self.ok, self.message = bool(ok), message

    def __bool__(self) -> Verdict:
        return self.ok

    def __eq__(self, other: object) -> Verdict:
        if isinstance(other, Verdict):
            return self.ok == other.ok
        if isinstance(other, (bool, np.bool_)):
            return self.ok == bool(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok}, message={self.message!r})"

    def _ipython_display_(self) -> None:
        """Nothing more to show: the verdict was printed when the check ran."""


def _verdict(ok: bool, good: str, hint: str) -> Verdict:
    message = ("✓ " + good) if ok else ("✗ Not yet. " + hint)
    print(message)
    return Verdict(ok, message)


Mistakes = Iterable[tuple[Callable[[], bool], str | Callable[[], str]]]

# Wrong tries per exercise since its last right answer: each wrong try shows one more rung of the exercise's hint
# ladder, from a nudge to nearly the answer. Explicit and keyed by the check's name; reset_tries() clears it.
_wrong_tries: dict[str, int] = {}


def reset_tries(key: str | None = None) -> None:
    """Forget the wrong tries of one check (by its function name), or of all checks. Raises nothing."""
    if key is None:
        _wrong_tries.clear()
    else:
        _wrong_tries.pop(key, None)


def _judge(
    ok: bool, good: str, mistakes: Mistakes, fallback: str, *, ladder: Sequence[str] = (), key: str | None = None
) -> Verdict:
    """Right answers first; then the first known mistake that fits explains a wrong one.

    ``ladder`` holds hints from vague to specific: the n-th wrong try in a row adds the n-th (the last one repeats).
    ``key`` names the exercise for counting tries (default: the calling check's function name).
    """
    key = key or sys._getframe(1).f_code.co_name
    if ok:
        _wrong_tries.pop(key, None)
        return _verdict(True, good, "")
    tries = _wrong_tries[key] = _wrong_tries.get(key, 0) + 1
    hint = fallback
    for fits, text in mistakes:
        if fits():
            hint = text() if callable(text) else text
            break
    if ladder:
        rung = min(tries, len(ladder))
        hint = f"{hint} Hint {rung} of {len(ladder)}: {ladder[rung - 1]}"
    return _verdict(False, "", hint)


def at_precision(value: float | None, expected: float, decimals: int) -> bool:
    """True when ``value`` rounds like ``expected`` at ``decimals`` places, i.e. is within half a unit of the last place.

    So 0.78, 0.781 and 0.7813 all count for 0.78125 at two decimals. Raises nothing.
    """
    if value is None or not np.isfinite(value):
        return False
    return abs(value - expected) <= 0.5 * 10.0 ** (-decimals) * (1 + 1e-9) + 1e-12


def check_number(
    answer,
    expected: float,
    *,
    decimals: int,
    what: str,
    percent: bool = False,
    mistakes: Mistakes = (),
    ladder: Sequence[str] = (),
    key: str | None = None,
) -> Verdict:
    """A number asked for at a stated precision (``decimals`` places): any form a learner may type it is accepted.

    Accepted: int, float, NumPy scalar or 0-d array, a one-element list, strings such as "0.78", "25/32" or "78%".
    With ``percent=True`` (for a share between 0 and 1) the same share typed as a percentage number (78 or 78.1)
    counts too. ``mistakes`` take the parsed value: ``[(lambda v: ..., "hint"), ...]``.
    Raises nothing for a wrong answer: it prints why.
    """
    value = _number(answer)
    ok = at_precision(value, expected, decimals) or (
        percent and value is not None and abs(value) > 1 and at_precision(value / 100, expected, decimals)
    )
    places = f"{decimals} decimal place{'s' if decimals != 1 else ''}" if decimals > 0 else "a whole number"
    shown = f"{expected:.{max(decimals, 0)}f}"
    return _judge(
        ok,
        f"{what} = {shown} (to {places}).",
        [(lambda: value is None, _not_a_number(answer, f"{what} as a number"))]
        + [(lambda fits=fits: value is not None and fits(value), hint) for fits, hint in mistakes],
        f"{answer!r} is not {what} to {places}.",
        ladder=ladder,
        key=key or f"check_number:{what}",
    )


def _number(answer) -> float | None:
    """The answer as a finite float, in any form a learner may give a number; None when it is not one."""
    value = _raw_number(answer)
    return value if value is not None and np.isfinite(value) else None


def _raw_number(answer) -> float | None:
    if isinstance(answer, (list, tuple)) and len(answer) == 1:
        return _raw_number(answer[0])
    if isinstance(answer, (bool, np.bool_)):
        return None
    if isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("_", "")
        try:
            if text.endswith("%"):
                return float(text[:-1]) / 100
            if text.count("/") == 1:
                top, bottom = text.split("/")
                return float(top) / float(bottom)
            return float(text)
        except (ValueError, ZeroDivisionError):
            return None
    if isinstance(answer, (numbers.Number, np.generic)):
        value = complex(answer) if isinstance(answer, (complex, np.complexfloating)) else None
        if value is not None:
            return float(value.real) if value.imag == 0 else None
        try:
            return float(answer)
        except (TypeError, ValueError):
            return None
    if isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype.kind in "iuf":
        return float(answer.reshape(-1)[0])
    return None


def _close(value: float | None, expected: float, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    return value is not None and bool(np.isfinite(value)) and bool(np.isclose(value, expected, rtol=rtol, atol=atol))


def _integer(answer) -> int | None:
    value = _number(answer)
    if value is None or not np.isfinite(value) or value != round(value):
        return None
    return round(value)


def _not_a_number(answer, what: str = "a number") -> str:
    return f"Give {what}; got {answer!r} ({type(answer).__name__})."


def expect_close(
    measured: Mapping[str, float] | float,
    expected: Mapping[str, float] | float,
    tolerance: float,
    what: str,
    tolerance_text: str = "",
) -> None:
    """Check measured numbers against the notebook's text, within a stated tolerance, and say so in a stable sentence.

    LiteRT's kernels differ slightly between CPUs (a uint8 output can move by a few
    steps of 1/256 from an Intel laptop to an ARM Mac), so numbers they produce are
    shown in a cell whose exact output is not compared, then checked here.
    Introduced in notebook 01.
    Raises ExpectationError when a measured value is further than ``tolerance`` from its expected one, CheckError when
    the two sets of names differ or a value is not a number.
    """
    measured_map = dict(measured) if isinstance(measured, Mapping) else {what: measured}
    expected_map = dict(expected) if isinstance(expected, Mapping) else {what: expected}
    if set(measured_map) != set(expected_map):
        raise CheckError(
            f"Measured {sorted(measured_map)} but expected values for {sorted(expected_map)}: "
            f"give one expected value per measured name."
        )
    stated = tolerance_text or f"{tolerance:.4g}"
    far = {
        name: (float(measured_map[name]), float(value))
        for name, value in expected_map.items()
        if not abs(float(measured_map[name]) - float(value)) <= tolerance + 1e-9
    }
    if far:
        listing = "; ".join(f"{name}: {got:.4g} here, {want:.4g} in the text" for name, (got, want) in far.items())
        raise ExpectationError(
            f"{what} differs from the notebook's text by more than ±{stated} ({listing}). Kernels differ "
            f"a little between CPUs, but not this much: check that the files are intact (python -m helpers.assets "
            f"verify) and the package versions printed by the setup cell, then report it to your teacher."
        )
    count = f"all {len(expected_map)} values" if len(expected_map) > 1 else "the value"
    print(f"✓ {what}: {count} within ±{stated} of the text's figures, as on every CPU checked.")


def expect_top(
    measured: Mapping[str, Sequence],
    expected: Mapping[str, tuple[str, float]],
    tolerance: float,
    what: str,
    tolerance_text: str = "",
) -> None:
    """Check each item's top answer — the same label, its probability within ``tolerance`` — and say so stably.

    ``measured`` maps a name (a photo) to its ranked ``(label, probability)`` pairs (or one pair);
    a label matches by its full text or any of its comma-separated names. Introduced in notebook 01.
    Raises ExpectationError for another top label or a probability further than ``tolerance``, CheckError for an
    expected name with no measured result (or a result that is not label/probability pairs).
    """
    wrong = []
    for name, (label, probability) in expected.items():
        got = measured.get(name)
        if got is None:
            raise CheckError(f"No measured result for {name!r}; measured: {sorted(measured)}.")
        got_label, got_probability = got if isinstance(got[0], str) else got[0]
        if label.strip().lower() not in _names(got_label):
            wrong.append(f"{name}: '{got_label}' here, '{label}' in the text")
        elif abs(float(got_probability) - probability) > tolerance + 1e-9:
            wrong.append(f"{name}: {float(got_probability):.3f} here, {probability:.3f} in the text")
    stated = tolerance_text or f"{tolerance:.4g}"
    if wrong:
        raise ExpectationError(
            f"{what} differs from the notebook's text ({'; '.join(wrong)}; tolerance ±{stated}). Kernels differ a "
            f"little between CPUs, but not this much: check that the files are intact (python -m helpers.assets "
            f"verify) and the package versions printed by the setup cell, then report it to your teacher."
        )
    print(
        f"✓ {what}: top answer{'s' if len(expected) > 1 else ''} as in the text, probabilit"
        f"{'ies' if len(expected) > 1 else 'y'} within ±{stated} of its figures, as on every CPU checked."
    )


def _names(label: str) -> list[str]:
    """A label's full text and each of its comma-separated names, lower case."""
    return [label.strip().lower()] + [part.strip().lower() for part in label.split(",") if part.strip()]


def check_label_index(labels: Sequence[str], answer, label: str) -> Verdict:
    """Exercise 01.1: the output index of ``label`` in a 1001-entry ImageNet label list.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``label`` not in ``labels``, arguments of the wrong type).
    """
    wanted = label.strip().lower()
    expected = [i for i, name in enumerate(labels) if wanted in _names(name)]
    if not expected:
        raise CheckError(f"{label!r} is not a label in this list; ask for one of its labels.")
    index = _integer(answer)
    shown = labels[index] if index is not None and 0 <= index < len(labels) else "out of range"
    return _judge(
        index in expected,
        f"Output {index} is '{labels[index] if index in expected else ''}'.",
        [
            (lambda: index is None, _not_a_number(answer, "a whole number (an index)")),
            (
                lambda: index is not None and index + 1 in expected,
                "You are off by one: index 0 of this model's output is 'background'.",
            ),
        ],
        f"labels[{index}] is '{shown}'. Search the list, e.g. with labels.index(...) or a loop.",
    )


def check_dequantize(answer, q: int, scale: float, zero_point: int) -> Verdict:
    """Exercise 01.2: real = scale × (q − zero_point).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``q``, ``scale`` or ``zero_point`` not numbers).
    """
    expected = float(scale) * (int(q) - int(zero_point))
    value = _number(answer)
    return _judge(
        _close(value, expected),
        f"{scale} × ({q} − {zero_point}) = {expected:.6f}.",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: zero_point != 0 and _close(value, scale * q),
                "Subtract the zero point before multiplying by the scale.",
            ),
            (
                lambda: _close(value, q / 255),
                "The scale is not 1/255 here: use the tensor's own quantization parameters.",
            ),
            (lambda: _close(value, (q - zero_point) / scale), "Multiply by the scale; do not divide by it."),
        ],
        f"You gave {answer}; apply real = scale × (q − zero_point) with this tensor's parameters.",
    )


def check_top_label(answer, probs, labels: Sequence[str]) -> Verdict:
    """Exercise 01.3: the most probable label of a probability vector (any of its names, or its index).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (not one probability per label, arguments of the wrong type).
    """
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if probs.size != len(labels):
        raise CheckError(f"{probs.size} probabilities for {len(labels)} labels; pass the model's output row.")
    best = np.flatnonzero(probs == probs.max())  # every label tied at the top is right
    index = _integer(answer) if not isinstance(answer, str) else None
    text = answer.strip().lower() if isinstance(answer, str) else None
    ok = probs.max() > 0 and (
        (index is not None and index in best) or (text is not None and any(text in _names(labels[i]) for i in best))
    )
    top = labels[int(best[0])]
    return _judge(
        ok,
        f"The top label is '{top}'.",
        [
            (lambda: probs.max() <= 0, "The probabilities are all zero: run the model on the photo first (section 4)."),
        ],
        f"'{answer}' is not the most probable label. Use np.argmax on the probabilities, then labels[...].",
    )


# --------------------------------------------------------------------------- notebook 02


def check_softmax(softmax_function) -> Verdict:
    """Exercise 02.1: your softmax gives probabilities that sum to 1, match the formula and survive big logits.

    Like every check, a wrong answer gets a printed hint, not an error; an error inside your function is reported as a
    hint too, so it raises nothing.
    """
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
            return _verdict(
                False, "", f"Return one probability per logit: expected shape {expected.shape}, got {got.shape}."
            )
        if not np.isfinite(got).all():
            return _verdict(
                False,
                "",
                f"On logits {logits} you get {got}: np.exp overflows. Subtract the largest "
                f"logit before calling np.exp (it does not change the result).",
            )
        if not np.isclose(got.sum(), 1.0, atol=1e-6):
            return _verdict(
                False,
                "",
                f"Your probabilities sum to {got.sum():.4f}, not 1: divide each exponential by the sum of all of them.",
            )
        if not np.allclose(got, expected, atol=1e-6):
            return _verdict(
                False,
                "",
                f"On logits {np.round(logits, 3)} you get {np.round(got, 4)}, expected "
                f"{np.round(expected, 4)}: compute np.exp(z) / np.exp(z).sum().",
            )
    return _verdict(True, "Sums to 1, matches exp(z) / Σ exp(z), and stays finite on logits near 1000.", "")


def check_logits_for_table(logits, table: Sequence[float]) -> Verdict:
    """Exercise 02.2: logits whose softmax reproduces a probability table (to 0.005).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a table that is not numbers); MetricsError from ``helpers.metrics.softmax`` for an empty one.
    """
    from helpers.metrics import softmax

    logits = np.asarray(logits, dtype=np.float64)
    table = np.asarray(table, dtype=np.float64)
    if logits.shape != table.shape:
        return _verdict(False, "", f"Give one logit per label: {table.size} expected, got shape {logits.shape}.")
    if not np.isfinite(logits).all():
        return _verdict(False, "", "Your logits contain NaN or infinity; np.log of a probability is always finite.")
    got = softmax(logits)
    ok = bool(np.allclose(got, table, atol=0.005))
    return _verdict(
        ok,
        f"softmax gives {np.round(got, 2).tolist()}: the table. Any constant added to all the logits would work too.",
        f"softmax of your logits is {np.round(got, 3).tolist()}, not {table.tolist()}. Try the logarithm "
        f"of each probability (np.log): exp undoes it.",
    )


def _temperature_for_top(logits: np.ndarray, target: float) -> float:
    from helpers.metrics import softmax

    low, high = 1e-3, 1e3  # the top probability falls as T grows: bisect on a log scale
    for _ in range(200):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if softmax(logits, middle).max() > target else (low, middle)
    return float(np.sqrt(low * high))


def check_temperature_for_top(temperature, logits, target: float = 0.5) -> Verdict:
    """Exercise 02.3: the temperature at which the top probability is ``target`` (to 0.005).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a ``target`` outside (1/n, 1), logits that are not numbers); MetricsError from ``helpers.metrics.softmax``
    for logits that are not finite.
    """
    from helpers.metrics import softmax

    logits = np.asarray(logits, dtype=np.float64)
    if not 1 / logits.size < target < 1:
        raise CheckError(f"target must be between 1/{logits.size} and 1; got {target}.")
    expected = _temperature_for_top(logits, target)
    value = _number(temperature)
    usable = value is not None and bool(np.isfinite(value)) and value > 0
    top = float(softmax(logits, value).max()) if usable else float("nan")
    return _judge(
        usable and abs(top - target) <= 0.005,
        f"At T = {value:.3g} the top probability is {top:.3f} (exact answer: T = {expected:.3f})." if usable else "",
        [
            (lambda: not usable, f"The temperature must be a positive number; got {temperature!r}."),
        ],
        f"At T = {value:.3g} the top probability is {top:.3f}, not {target}: "
        f"{'raise T (flatter)' if top > target else 'lower T (sharper)'}. Try a few values, or bisect "
        f"between a T that is too low and one that is too high."
        if usable
        else "",
    )


# --------------------------------------------------------------------------- notebook 03


def check_margin(answer, probs) -> Verdict:
    """Exercise 03.1a: top-1 minus top-2 probability (ties at the top give a margin of 0).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments of the wrong type); MetricsError from ``helpers.metrics.margin`` for ``probs`` that are not
    probabilities (or fewer than 2).
    """
    from helpers.metrics import margin

    probs = np.asarray(probs, dtype=np.float64).ravel()
    expected = float(margin(probs))
    value = _number(answer)
    ordered = np.sort(probs)[::-1]
    return _judge(
        _close(value, expected, atol=1e-4),
        f"Margin {expected:.4f}.",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: probs.size > 2 and _close(value, ordered[0] - ordered[-1], atol=1e-4),
                "That is top-1 minus the *smallest* probability; the margin uses the second largest.",
            ),
            (
                lambda: _close(value, -expected, atol=1e-4),
                ("Subtract the second largest from the largest, not the other way round."),
            ),
        ],
        f"You gave {answer}; sort the probabilities (np.sort) and subtract the second largest from the largest.",
    )


def check_entropy(answer, probs) -> Verdict:
    """Exercise 03.1b: entropy normalized to [0, 1] (divided by the log of the number of labels).

    A quantized output sums to a little less than 1; both −Σ p·log p / log n on the
    probabilities as they are and on the probabilities divided by their sum are accepted.
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (fewer than two probabilities, all zero); MetricsError from ``helpers.metrics.entropy`` for values that are
    not probabilities.
    """
    from helpers.metrics import entropy

    probs = np.asarray(probs, dtype=np.float64).ravel()
    if probs.size < 2 or probs.sum() <= 0:
        raise CheckError("The entropy needs at least two probabilities that are not all zero.")
    with np.errstate(divide="ignore", invalid="ignore"):
        as_given = float(-np.where(probs > 0, probs * np.log(probs), 0.0).sum())
    expected = float(entropy(probs))
    accepted = (expected, as_given / np.log(probs.size))
    value = _number(answer)
    return _judge(
        any(_close(value, a, atol=1e-4) for a in accepted),
        f"Normalized entropy {value:.4f}." if value is not None else "",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: (
                    _close(value, as_given, atol=1e-4)
                    or _close(value, float(entropy(probs, normalized=False)), atol=1e-4)
                ),
                lambda: f"{value:.4f} is the entropy in nats; divide by np.log({probs.size}) to normalize it.",
            ),
            (
                lambda: any(_close(value, -a, atol=1e-4) for a in accepted),
                "Entropy is −Σ p·log p: you lost the minus sign.",
            ),
        ],
        f"You gave {answer}; compute −Σ p·log(p) over the labels with p > 0, then divide by log({probs.size}).",
    )


def check_threshold_for_accuracy(threshold, confidence, correct, target: float) -> Verdict:
    """Exercise 03.2: a threshold whose kept answers are ≥ ``target`` accurate while keeping as many as possible.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (no threshold reaches ``target``); MetricsError from ``helpers.metrics`` for confidences and flags that do
    not pair up or a bad ``target``.
    """
    from helpers.metrics import coverage_and_accuracy, threshold_for_accuracy

    best = threshold_for_accuracy(confidence, correct, target)
    if best is None:
        raise CheckError(f"No threshold reaches an accuracy of {target}: choose a lower target.")
    best_coverage, _ = coverage_and_accuracy(confidence, correct, best)
    value = _number(threshold)
    if value is None or not np.isfinite(value):
        return _verdict(False, "", _not_a_number(threshold, "a threshold (a number)"))
    coverage, accuracy = coverage_and_accuracy(confidence, correct, value)
    ok = coverage > 0 and accuracy >= target and coverage >= best_coverage - 0.01
    return _judge(
        ok,
        f"Threshold {value:.3g} keeps {coverage:.1%} of the images, {accuracy:.1%} of them right "
        f"(lowest such threshold: {best:.3f}).",
        [
            (lambda: coverage == 0, f"Threshold {value:.3g} keeps no answer at all; lower it."),
            (
                lambda: accuracy < target,
                lambda: (
                    f"At {value:.3g} the kept answers are {accuracy:.2%} right, below "
                    f"{target:.0%}: raise the threshold."
                ),
            ),
        ],
        f"At {value:.3g} the answers are right often enough ({accuracy:.1%}) but only {coverage:.1%} are kept; a "
        f"lower threshold still reaches {target:.0%}. Lower it step by step.",
    )


def _top_k_accuracy_range(probs, truth, k: int) -> tuple[float, float]:
    """Top-k accuracy when ties at the k-th place count against the true class, and when they count for it."""
    probs = np.asarray(probs)
    truth = np.asarray(truth)
    if probs.ndim != 2 or truth.shape != (len(probs),) or truth.dtype.kind not in "iu":
        raise CheckError(
            f"Give one row of probabilities per image and one class index per image; got probabilities "
            f"of shape {probs.shape} and classes of shape {truth.shape} ({truth.dtype})."
        )
    if truth.size and (truth.min() < 0 or truth.max() >= probs.shape[1]):
        raise CheckError(
            f"Class indices run from {truth.min()} to {truth.max()}, but there are {probs.shape[1]} "
            f"probabilities per image: pass the classes these probabilities are for."
        )
    true_probs = probs[np.arange(len(truth)), truth][:, None]
    ahead = (probs > true_probs).sum(axis=1)
    tied = (probs == true_probs).sum(axis=1) - 1  # other labels with exactly the true label's probability
    return float(np.mean(ahead + tied < k)), float(np.mean(ahead < k))


def check_top_k_accuracy(answer, probs, truth, k: int) -> Verdict:
    """Exercise 03.3: the fraction of images whose true class is among the k most probable.

    Quantized outputs have ties; any answer between breaking every tie against the
    true class and breaking every tie for it is accepted.
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments of the wrong type or shape, or a true class index outside the probabilities' columns).
    """
    from helpers.metrics import top_k_accuracy

    k = whole_number(k, "k", CheckError, minimum=1, maximum=np.asarray(probs).shape[-1])
    low, high = _top_k_accuracy_range(probs, truth, k)
    value = _number(answer)
    ok = value is not None and low - 1e-4 <= value <= high + 1e-4
    ties = (
        (f" Ties at place {k} make anything from {low:.3f} to {high:.3f} correct, depending on how they are broken.")
        if high > low
        else ""
    )
    return _judge(
        ok,
        f"Top-{k} accuracy {value:.3f}.{ties}" if ok else "",
        [
            (lambda: value is None, _not_a_number(answer, "a fraction between 0 and 1")),
            (
                lambda: 1 < value <= 100 and low - 1e-4 <= value / 100 <= high + 1e-4,
                "Give a fraction between 0 and 1, not a percentage.",
            ),
            (
                lambda: k > 1 and _close(value, top_k_accuracy(probs, truth, 1), atol=1e-4),
                (
                    f"That is the top-1 accuracy; count an image as right when its true class is anywhere among the {k} "
                    f"most probable."
                ),
            ),
        ],
        f"You gave {answer}; for each image, take the {k} largest probabilities (np.argsort) and check whether the "
        f"true index is among them; then average.",
    )


# --------------------------------------------------------------------------- notebook 04


def check_input_bytes(answer, input_details: dict) -> Verdict:
    """Exercise 04.1: the bytes of one input tensor = height × width × 3 channels × bytes per channel.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``input_details`` whose shape or dtype cannot be read).
    """
    shape = [int(d) for d in input_details["shape"]]
    itemsize = np.dtype(input_details["dtype"]).itemsize
    expected = int(np.prod(shape)) * itemsize
    pixels = int(np.prod(shape[1:3]))
    value = _integer(answer)
    return _judge(
        value == expected,
        f"{' × '.join(map(str, shape[1:]))} × {itemsize} byte{'s' if itemsize > 1 else ''} = {expected:,} bytes.",
        [
            (lambda: value is None, _not_a_number(answer, "a whole number of bytes")),
            (lambda: value == pixels * itemsize, "Each pixel has 3 channels (red, green, blue): multiply by 3."),
            (lambda: itemsize == 1 and value == expected * 4, "This model is quantized: 1 byte per channel, not 4."),
            (
                lambda: itemsize == 4 and value == expected // 4,
                ("This is a float model: 4 bytes per channel (float32), not 1."),
            ),
        ],
        f"You gave {answer}. Read the shape and dtype in the model's input details: height × width × channels × bytes "
        f"per channel.",
    )


def check_sample_size(answer, accuracy: float = 0.7, half_width: float = 0.01, confidence: float = 0.95) -> Verdict:
    """Exercise 04.2: the smallest number of images whose Wilson interval is at most ± ``half_width`` wide.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments that are not numbers, a confidence outside (0, 1)); MetricsError from
    ``helpers.metrics.wilson_interval`` for an accuracy outside 0…1.
    """
    from statistics import NormalDist

    from helpers.metrics import wilson_interval

    def width(n: int) -> float:
        low, high = wilson_interval(round(accuracy * n), n, confidence)
        return (high - low) / 2

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    estimate = int(np.ceil(z * z * accuracy * (1 - accuracy) / half_width**2))
    n = _integer(answer)
    ok = n is not None and n >= 1 and width(n) <= half_width * 1.01 and n <= estimate * 1.1
    return _judge(
        ok,
        f"About {estimate:,} images: the interval shrinks like 1/√n, so ten times narrower needs a "
        f"hundred times more images (ImageNet's validation set has 50,000).",
        [
            (lambda: n is None, _not_a_number(answer, "a whole number of images")),
            (lambda: n < 1, "The answer is a number of images: at least 1."),
            (
                lambda: width(n) > half_width * 1.01,
                lambda: (
                    f"With {n:,} images the interval is ± {width(n) * 100:.2f} "
                    f"points. Too wide: use more images. Solve z·√(p(1−p)/n) = "
                    f"half-width for n, with z = 1.96."
                ),
            ),
        ],
        f"With {n} images the interval is narrow enough, but fewer images would do. Solve z·√(p(1−p)/n) = half-width "
        f"for n, with z = 1.96.",
    )


def check_best_model(
    answer,
    rows,
    max_latency_ms: float,
    max_size_mb: float,
    min_accuracy: float,
    latency: str,
    accuracy: str,
    size: str = "size_mb",
    name: str = "model",
) -> Verdict:
    """Exercise 04.3: the most accurate model within three limits (bench.best_model computes the answer).

    Any model within the limits that ties with the best accuracy is right; "none" when no model fits.
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments of the wrong type); BenchmarkError from ``helpers.bench.best_model`` for rows, keys or limits it
    cannot use.
    """
    from helpers.bench import best_model

    def fits(row) -> list[str]:
        return [
            f"its {what} is {row[key]}"
            for what, key, bad in (
                ("latency", latency, lambda v: v > max_latency_ms),
                ("size", size, lambda v: v > max_size_mb),
                ("accuracy", accuracy, lambda v: v < min_accuracy),
            )
            if row[key] is None or bad(float(row[key]))
        ]

    best = best_model(rows, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size)
    right = (
        set()
        if best is None
        else {str(r[name]).lower() for r in rows if not fits(r) and float(r[accuracy]) == float(best[accuracy])}
    )
    given = str("none" if answer is None else answer).strip().lower()
    chosen = next((row for row in rows if str(row[name]).lower() == given), None)
    ok = given in right or (best is None and given == "none")
    good = (
        "No model meets all three limits."
        if best is None
        else f"{answer} is the most accurate model within the limits."
    )
    return _judge(
        ok,
        good,
        [
            (lambda: given == "none", "At least one model meets all three limits: filter the table by each of them."),
            (
                lambda: chosen is None,
                (f"'{answer}' is not one of the models ({', '.join(str(row[name]) for row in rows)}), or 'none'."),
            ),
            (lambda: bool(fits(chosen)), lambda: f"{answer} breaks a limit: {'; '.join(fits(chosen))}."),
        ],
        f"{answer} fits, but another model that fits is more accurate. Filter by all three limits first, then take "
        f"the highest '{accuracy}'.",
    )


def check_pareto_front(answer, names, latency_ms, accuracy) -> Verdict:
    """Exercise 04.4: the set of models that no other model beats on both latency and accuracy.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``names`` not one per model); BenchmarkError from ``helpers.bench.pareto_front`` for latencies and
    accuracies it cannot use.
    """
    from helpers.bench import pareto_front

    expected = {n for n, on in zip(names, pareto_front(latency_ms, accuracy), strict=True) if on}
    items = [answer] if isinstance(answer, str) else list(answer) if isinstance(answer, Iterable) else [answer]
    given = {str(a).strip() for a in items}
    unknown = given - set(names)
    dominated = sorted(given - expected)
    missing = sorted(expected - given)
    hint = []
    if dominated:
        hint.append(f"{dominated[0]} is beaten on both counts by another model (find one faster *and* more accurate)")
    if missing:
        hint.append(f"{missing[0]} is missing: no model is both faster and more accurate than it")
    return _judge(
        given == expected,
        f"The front is {', '.join(n for n in names if n in expected)}.",
        [
            (lambda: bool(unknown), f"Not model names: {sorted(unknown)}. Use the names in the table."),
        ],
        "; ".join(hint) + ".",
    )


# --------------------------------------------------------------------------- notebook 05


def check_quantized_value(answer, real: float, scale: float, zero_point: int, dtype: str = "int8") -> Verdict:
    """Exercise 05.1: the code of one real value, q = clip(round(real / scale) + zero_point).

    Rounding half away from zero and half to even are both accepted where they differ.
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a ``dtype`` that is not an integer type); QuantizationError from ``helpers.quantize.quantize`` for a bad
    ``real``, ``scale`` or ``zero_point``, or an integer type other than int8, uint8 or int16.
    """
    from helpers.quantize import quantize

    info = np.iinfo(np.dtype(dtype))
    expected = int(quantize(real, scale, zero_point, dtype))
    halves = {
        expected,
        int(np.clip(np.floor(real / scale + 0.5) + zero_point, info.min, info.max)),
        int(np.clip(np.sign(real) * np.floor(abs(real / scale) + 0.5) + zero_point, info.min, info.max)),
    }
    unclipped = int(np.round(real / scale) + zero_point)
    value = _integer(answer)
    sign = "+" if zero_point >= 0 else "−"
    return _judge(
        value in halves,
        f"round({real} / {scale:.6g}) {sign} {abs(zero_point)} = {value}"
        + (f" (clipped to the {dtype} range)" if unclipped != expected else "")
        + ".",
        [
            (lambda: value is None, _not_a_number(answer, "a whole number (a code)")),
            (
                lambda: value == unclipped,
                (
                    f"{unclipped} does not fit in {dtype} ({info.min} … {info.max}): clip it to the "
                    f"nearest code the type can hold."
                ),
            ),
            (
                lambda: zero_point != 0 and value == int(np.round(real / scale)),
                ("Add the zero point after dividing by the scale."),
            ),
            (
                lambda: value == int(np.round(real * scale + zero_point)),
                ("Divide the real value by the scale (quantizing is the inverse of real = scale × (q − zero_point))."),
            ),
        ],
        f"You gave {answer}. Solve real = scale × (q − zero_point) for q, round to the nearest integer, and clip to "
        f"{info.min} … {info.max}.",
    )


def check_dequantized_weights(answer, q, scales, zero_points, axis: int = 0) -> Verdict:
    """Exercise 05.2: per-channel dequantization, each channel along ``axis`` with its own scale and zero point.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (scales or zero points that do not fit ``q`` along ``axis``).
    """
    q = np.asarray(q)
    shape = [1] * q.ndim
    shape[axis] = -1
    scale = np.asarray(scales, dtype=np.float64).reshape(shape)
    zero = np.asarray(zero_points, dtype=np.float64).reshape(shape)
    expected = scale * (q.astype(np.float64) - zero)
    try:
        given = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        given = None
    same_shape = given is not None and given.shape == expected.shape
    ok = same_shape and bool(np.allclose(given, expected, rtol=1e-5, atol=1e-7))
    one_scale = float(np.ravel(scales)[0]) * (q - float(np.ravel(zero_points)[0]))
    return _judge(
        ok,
        f"{expected.size:,} weights, {scale.size} channels, each with its own scale (from "
        f"{scale.min():.3g} to {scale.max():.3g}).",
        [
            (lambda: given is None, _not_a_number(answer, "an array of numbers")),
            (
                lambda: not same_shape,
                (
                    f"The result must have the weights' shape {expected.shape}; yours is "
                    f"{getattr(given, 'shape', None)}. Reshape the scales so they line up with axis "
                    f"{axis}."
                ),
            ),
            (
                lambda: scale.size > 1 and bool(np.allclose(given, one_scale, rtol=1e-5)),
                (
                    f"You used one scale for every channel; each of the {scale.size} channels has its own. Reshape the scales "
                    f"to line up with axis {axis}, e.g. scales.reshape(-1, 1, 1, 1) for axis 0."
                ),
            ),
        ],
        f"Not equal to scale × (q − zero_point) channel by channel. Check that the scales line up with axis {axis} of "
        f"the weights, and that q is converted to float first.",
    )


def check_model_sizes(float32_mb, int8_mb, parameters: int) -> Verdict:
    """Exercise 05.3: predicted float32 and int8 file sizes (MB) from a parameter count, within 10 %.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a ``parameters`` that is not a number).
    """
    expected_float, expected_int8 = parameters * 4 / 1e6, parameters / 1e6
    f32, i8 = _number(float32_mb), _number(int8_mb)

    def near(value, target) -> Verdict:
        return value is not None and bool(np.isclose(value, target, rtol=0.1))

    return _judge(
        near(f32, expected_float) and near(i8, expected_int8),
        f"About {expected_float:.1f} MB as float32 and {expected_int8:.1f} MB as int8: the weights are "
        f"nearly the whole file, plus a little for the graph and the scales.",
        [
            (lambda: f32 is None or i8 is None, "Give both sizes as numbers of megabytes."),
            (
                lambda: near(f32, expected_int8) and near(i8, expected_float),
                "The two are swapped: float32 takes 4 bytes per weight, int8 one.",
            ),
            (
                lambda: near(f32, expected_float * 8) or near(i8, expected_int8 * 8),
                "That counts bits; a file size is in bytes (8 bits each).",
            ),
            (
                lambda: near(f32, expected_float * 1e6) or near(i8, expected_int8 * 1e6),
                "That is in bytes; divide by 1,000,000 for megabytes.",
            ),
        ],
        f"You gave {float32_mb} MB and {int8_mb} MB. Multiply the parameter count by the bytes per weight (float32: 4, "
        f"int8: 1) and divide by 1,000,000.",
    )


# --------------------------------------------------------------------------- notebook 06


def check_imprinted_accuracy(
    answer, train_features, train_class_ids, val_features, val_class_ids, per_class: int = 1, seed: int = 0
) -> Verdict:
    """Exercise 06.1: validation accuracy of weights imprinted from ``sample_per_class(..., per_class, seed)``.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments of the wrong type or shape); TransferError from ``helpers.transfer`` for features and class ids
    it cannot use.
    """
    from helpers.transfer import imprint, l2_normalize, sample_per_class, train_head

    train_y, val_y = np.asarray(train_class_ids), np.asarray(val_class_ids)
    train_x = np.asarray(train_features)

    def imprinted(indices) -> float:
        weights = imprint(train_x[indices], train_y[indices], int(train_y.max()) + 1)
        return float((np.argmax(l2_normalize(val_features) @ weights.T, axis=1) == val_y).mean())

    def head_accuracy() -> float:
        head = train_head(train_x[chosen], train_y[chosen], int(train_y.max()) + 1)
        return float((head.predict(val_features) == val_y).mean())

    chosen = sample_per_class(train_y, per_class, seed)
    expected = imprinted(chosen)
    value = _number(answer)
    return _judge(
        _close(value, expected, atol=1e-4),
        f"Accuracy {expected:.3f} from {len(chosen)} training photos ({per_class} per class).",
        [
            (
                lambda: value is None or not np.isfinite(value),
                (f"Give the accuracy as a number between 0 and 1; got {answer!r}."),
            ),
            (lambda: _close(value, expected * 100, atol=0.01), "Give a fraction between 0 and 1, not a percentage."),
            (
                lambda: _close(value, imprinted(np.arange(len(train_y))), atol=1e-4),
                (
                    f"That uses every training photo; imprint only the {len(chosen)} chosen by "
                    f"sample_per_class(train.class_ids, {per_class}, seed={seed})."
                ),
            ),
            (
                lambda: _close(value, head_accuracy(), atol=1e-4),
                "That is the trained softmax head's accuracy; use transfer.imprint instead.",
            ),
        ],
        f"You gave {answer}. Take the indices from sample_per_class(train.class_ids, {per_class}, seed={seed}), imprint "
        f"their features, predict with np.argmax(l2_normalize(val_features) @ weights.T, axis=1), and average the hits.",
    )


def check_most_confused(answer, matrix, classes: Sequence[str]) -> Verdict:
    """Exercise 06.2: the (true class, predicted class) pair with the most mistakes in a confusion matrix.

    Any pair tied for the most mistakes is right; class names or their indices are both accepted.
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a matrix that is not classes × classes, or one without mistakes).
    """
    counts = np.asarray(matrix)
    if counts.shape != (len(classes), len(classes)):
        raise CheckError(f"Expected a {len(classes)}×{len(classes)} matrix; got shape {counts.shape}.")
    mistakes = counts * (1 - np.eye(len(classes), dtype=counts.dtype))
    most = int(mistakes.max())
    if most == 0:
        raise CheckError("This confusion matrix has no mistakes at all: there is no pair to ask about.")
    pairs = {(classes[t], classes[p]) for t, p in zip(*np.nonzero(mistakes == most), strict=True)}

    def name(item) -> str:
        index = None if isinstance(item, str) else _integer(item)
        return classes[index] if index is not None and 0 <= index < len(classes) else str(item).strip()

    pair = isinstance(answer, (tuple, list)) and len(answer) == 2
    given = (name(answer[0]), name(answer[1])) if pair else None
    return _judge(
        given in pairs,
        f"{most} {given[0]} photos were taken for {given[1]}: the largest number off the diagonal." if pair else "",
        [
            (lambda: not pair, "Answer with a pair of class names: (true class, predicted class)."),
            (lambda: given[::-1] in pairs, "Swap them: rows are the true class and columns the predicted class."),
            (
                lambda: given[0] == given[1],
                "The diagonal counts the right answers; look at the cells off the diagonal.",
            ),
        ],
        f"Look for the largest number off the diagonal (it is {most}); its row is the true class, its column the "
        f"predicted one.",
    )


def check_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 06.3: bytes a float32 softmax head adds to a model: 4 × classes × (dim + 1).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``dim`` or ``classes`` not numbers).
    """
    expected = 4 * classes * (dim + 1)
    value = _integer(answer)
    return _judge(
        value == expected,
        f"{classes} × ({dim} + 1) parameters × 4 bytes = {expected:,} bytes, about {expected / 1e3:.1f} kB.",
        [
            (lambda: value is None, _not_a_number(answer, "a whole number of bytes")),
            (lambda: value == 4 * classes * dim, "You forgot the bias: one more number per class."),
            (lambda: value == classes * (dim + 1), "That is the number of parameters; each float32 takes 4 bytes."),
        ],
        f"You gave {answer}. Count the weights (one per feature and class) and the biases (one per class), then "
        f"multiply by 4 bytes per float32.",
    )


def check_int8_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 06.4: bytes of an int8 head: one byte per weight, a 4-byte int32 bias per class.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``dim`` or ``classes`` not numbers).
    """
    expected = classes * dim + 4 * classes
    value = _integer(answer)
    return _judge(
        value == expected,
        f"{classes} × {dim} weights × 1 byte + {classes} biases × 4 bytes = "
        f"{expected:,} bytes, a quarter of the float32 head.",
        [
            (lambda: value is None, _not_a_number(answer, "a whole number of bytes")),
            (
                lambda: value == classes * (dim + 1),
                ("The bias stays 32-bit (int32, 4 bytes): only the weights shrink to one byte."),
            ),
            (lambda: value == 4 * classes * (dim + 1), "That is the float32 head; int8 weights take one byte each."),
        ],
        f"You gave {answer}. Count one byte per weight (classes × dim) and four per int32 bias.",
    )


# --------------------------------------------------------------------------- notebook 07


def _whole_count(answer) -> int | None:
    """A whole number typed in any usual way: 104837, 104837.0, "104,837", "104 837" (thin spaces too), NumPy."""
    if isinstance(answer, str):
        answer = "".join(answer.split()).replace("\u202f", "").replace("'", "")
    return _integer(answer)


def check_trainable_parameters(answer, model) -> Verdict:
    """Exercise 08.1: how many of a Keras model's parameters training may change (its trainable weights), exactly.

    Accepted in any usual form of a whole number (104837, "104,837", "104 837", 104837.0, NumPy integers).
    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (``model`` not a Keras model).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise CheckError("Pass the Keras model whose trainable parameters you counted.")

    def size(weights) -> int:
        return int(sum(int(np.prod(w.shape)) for w in weights))

    trainable = size(model.trainable_weights)
    everything = size(model.weights)
    batchnorm = [  # the BatchNorm layers that train: their scale and shift change, their stored averages do not
        layer for layer in _all_layers(model) if isinstance(layer, keras.layers.BatchNormalization) and layer.trainable
    ]
    learned_bn = size(w for layer in batchnorm for w in layer.trainable_weights)
    stored_bn = size(w for layer in batchnorm for w in layer.non_trainable_weights)
    dense = size(w for layer in _all_layers(model) if isinstance(layer, keras.layers.Dense) for w in layer.weights)
    value = _whole_count(answer)
    return _judge(
        value == trainable,
        f"{trainable:,} of the model's {everything:,} parameters are trainable.",
        [
            (lambda: value is None, _not_a_number(answer, "a whole number of parameters")),
            (
                lambda: value == everything,
                (
                    "That counts every parameter; count only model.trainable_weights (frozen layers and "
                    "BatchNorm's stored averages do not change)."
                ),
            ),
            (
                lambda: stored_bn and value == trainable + stored_bn,
                "BatchNorm's stored mean and variance are not trained (inference mode keeps them); leave them out.",
            ),
            (
                lambda: learned_bn and value == trainable - learned_bn,
                "Close: BatchNorm's learned scale and shift (two numbers per channel) train too; add them.",
            ),
            (
                lambda: dense and value == trainable - dense,
                "Close: the new head (the Dense layer's weights and biases) trains too; add it.",
            ),
            (lambda: dense and value == dense, "That is the head alone (phase 1); phase 2 trains the top blocks too."),
        ],
        f"{answer!r} is not the exact count of trainable parameters.",
        ladder=(
            "Add up np.prod(w.shape) over model.trainable_weights.",
            (
                "Per block: a 3 × 3 depthwise kernel (9 per channel), a 1 × 1 pointwise kernel (in × out channels), "
                "and a scale and a shift per channel for each BatchNorm; then the head's weights and biases."
            ),
            "sum(int(np.prod(w.shape)) for w in model.trainable_weights) gives it.",
        ),
    )


def _all_layers(model) -> list:
    """Every layer of a Keras model, looking inside nested models."""
    import keras

    found = []
    for layer in model.layers:
        found.extend(_all_layers(layer) if isinstance(layer, keras.Model) else [layer])
    return found


def _interval_pair(answer) -> tuple[float, float] | None:
    """Two numbers (low, high) in any usual form: a tuple, list or array; "0.74, 0.93"; "74% – 93%"; "74 to 93"."""
    if isinstance(answer, str):
        parts = [p for p in re.split(r"\s*(?:,|;|–|—|\bto\b|\s-\s|\s+)\s*", answer.strip().strip("()[]")) if p]
        answer = parts
    if isinstance(answer, np.ndarray):
        answer = answer.ravel().tolist()
    if not isinstance(answer, (list, tuple)) or len(answer) != 2:
        return None
    values = [_number(part) for part in answer]
    if any(value is None for value in values):
        return None
    return float(values[0]), float(values[1])


def check_wilson_interval(answer, hits: int, total: int, decimals: int = 3) -> Verdict:
    """Exercise 08.2: the 95 % Wilson interval (low, high) of ``hits`` right out of ``total``, each end to ``decimals``.

    Accepted: fractions or percentages (0.812 or 81.2 or "81.2%"), as a tuple, list, array or text ("0.812, 0.927",
    "81.2% – 92.7%"), either end first. Like every check, a wrong answer gets a printed hint, not an error; raises
    CheckError only when the question cannot be asked (counts that are not numbers); MetricsError from
    ``helpers.metrics.wilson_interval`` for counts outside 0 ≤ hits ≤ total, total > 0.
    """
    from helpers.metrics import wilson_interval

    if not (is_whole(hits) and is_whole(total)):
        raise ValueError("hits and total are counts of photos (whole numbers)")  # named by raises_own_errors
    hits, total = int(hits), int(total)
    low, high = wilson_interval(hits, total)
    pair = _interval_pair(answer)
    given = None
    if pair is not None:
        given = sorted(pair)
        if given[1] > 1 and given[1] <= 100 and given[0] >= 0:  # percentages
            given = [given[0] / 100, given[1] / 100]

    def matches(lo: float, hi: float) -> bool:
        return given is not None and at_precision(given[0], lo, decimals) and at_precision(given[1], hi, decimals)

    p = hits / total
    wald = 1.96 * np.sqrt(p * (1 - p) / total)
    places = f"{decimals} decimal place{'s' if decimals != 1 else ''}"
    return _judge(
        matches(low, high),
        f"{hits}/{total} = {p:.{decimals}f}, 95 % interval {low:.{decimals}f}–{high:.{decimals}f}.",
        [
            (lambda: given is None, f"Give the interval as two numbers (low, high); got {answer!r}."),
            (
                lambda: matches(p - wald, p + wald),
                (
                    "That is the simple p ± 1.96·√(p(1−p)/n) interval; the Wilson interval (notebook 03) is not "
                    "centred on p and stays inside 0…1."
                ),
            ),
            (
                lambda: matches(*wilson_interval(hits, total, 0.90)),
                "That is a 90 % interval; the question asks for 95 % (z = 1.96).",
            ),
            (
                lambda: given is not None and abs(given[0] - low) < 0.02 and abs(given[1] - high) < 0.02,
                f"Close: round each end to {places} (or check the counts: {hits} right of {total}).",
            ),
        ],
        f"{answer!r} is not the 95 % Wilson interval of {hits} right out of {total} to {places}.",
        ladder=(
            f"The two counts are {hits} photos right and {total} photos in all.",
            (
                "With p = hits / total, n = total and z = 1.96: centre = (p + z²/2n) / (1 + z²/n), half-width = "
                "z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)."
            ),
            f"wilson_interval({hits}, {total}) from helpers.metrics returns (low, high).",
        ),
    )


# --------------------------------------------------------------------------- notebook 08


def check_occlusion_drop(
    answer, classifier, image, target: int, box: tuple[int, int, int, int], fill: int = 128
) -> Verdict:
    """Exercise 08.1: the class's probability on the whole image minus with ``box`` covered by ``fill``.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (a ``box`` that is not four numbers); what ``helpers.explain.model_pixels`` and ``classifier.predict``
    raise (ImageError for an unreadable image).
    """
    from helpers.explain import model_pixels

    pixels = model_pixels(image, classifier.input_size, classifier.crop)
    covered = pixels.copy()
    left, top, right, bottom = box
    covered[top:bottom, left:right] = fill
    before, after = float(classifier.predict(pixels)[target]), float(classifier.predict(covered)[target])
    expected = before - after
    value = _number(answer)
    if value is None:
        return _verdict(False, "", f"Answer with one number (the drop); you gave {answer!r}.")
    if abs(value - expected) <= 1e-4:
        direction = "drops" if expected > 0 else "rises"
        return _verdict(
            True, f"{before:.3f} − {after:.3f} = {expected:+.3f}: covering the box, the probability {direction}.", ""
        )
    if abs(value + expected) <= 1e-4:
        return _verdict(False, "", "Your sign is reversed: the drop is (whole image) − (covered image).")
    if abs(value - before) <= 1e-4 or abs(value - after) <= 1e-4:
        return _verdict(
            False, "", "That is one of the two probabilities; subtract the covered one from the whole image's."
        )
    return _verdict(
        False,
        "",
        f"You gave {value:.4f}. Copy the model's 224×224 input, set rows top:bottom and "
        f"columns left:right to {fill}, run the model on both and subtract.",
    )


def check_peak_cell(answer, values) -> Verdict:
    """Exercise 08.2: the (row, col) of a map's largest value (a flat index is accepted too).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (an empty map, or one that is not numbers).
    """
    values = np.asarray(values)
    best = {tuple(int(i) for i in cell) for cell in np.argwhere(values == values.max())}
    try:
        cell = np.asarray(answer).astype(np.int64).reshape(-1)
    except (TypeError, ValueError):
        return _verdict(False, "", f"Answer with (row, col); you gave {answer!r}.")
    if cell.size == 1 and 0 <= cell[0] < values.size:  # a flat index, as np.argmax returns it
        cell = np.array(np.unravel_index(int(cell[0]), values.shape))
    if cell.size == 2 and tuple(int(i) for i in cell) in best:
        row, col = (int(i) for i in cell)
        return _verdict(True, f"Cell (row {row}, col {col}) holds the largest value, {values.max():.3f}.", "")
    if cell.size == 2 and tuple(int(i) for i in cell[::-1]) in best:
        return _verdict(False, "", "Swap them: rows (y) come first in a numpy array, then columns (x).")
    worst = {tuple(int(i) for i in c) for c in np.argwhere(values == values.min())}
    if cell.size == 2 and tuple(int(i) for i in cell) in worst:
        return _verdict(False, "", "That is the smallest value (the largest rise); look for the largest drop.")
    return _verdict(False, "", "Use np.argmax on the map, then np.unravel_index(..., map.shape) to get (row, col).")


def check_rank_correlation(answer, first, second) -> Verdict:
    """Exercise 08.3: Spearman's rank correlation of two maps (Pearson's correlation of their ranks).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (maps that are not numbers); ExplanationError from ``helpers.explain.rank_correlation`` for maps of
    different grids.
    """
    from helpers.explain import rank_correlation

    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    expected = rank_correlation(a, b)
    value = _number(answer)
    if value is None:
        return _verdict(False, "", f"Answer with one number between −1 and 1; you gave {answer!r}.")
    ordinal = float(
        np.corrcoef(
            np.argsort(np.argsort(a.ravel(), kind="stable"), kind="stable"),
            np.argsort(np.argsort(b.ravel(), kind="stable"), kind="stable"),
        )[0, 1]
    )
    if abs(value - expected) <= 1e-3 or abs(value - ordinal) <= 1e-3:  # tied values ranked in order also count
        return _verdict(True, f"Spearman's ρ = {expected:.2f}.", "")
    pearson = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    if abs(value - pearson) <= 1e-3:
        return _verdict(False, "", "That is Pearson's correlation of the values; correlate their ranks instead.")
    return _verdict(
        False,
        "",
        f"You gave {value:.3f}. Rank each map's values (argsort of argsort), then take "
        f"np.corrcoef of the two rank arrays.",
    )


# --------------------------------------------------------------------------- notebook 09


def check_models_within_budget(
    answer, frame_ms: Mapping[str, float], invoke_ms: Mapping[str, float] | None = None, budget_ms: float = 1000 / 30
) -> Verdict:
    """Exercise 09.1: the models whose median frame (all five stages) fits ``budget_ms``, from your measurement.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (times that are not numbers).
    """
    expected = {name for name, ms in frame_ms.items() if ms <= budget_ms}
    if isinstance(answer, str):
        answer = [answer]
    if answer is None or not isinstance(answer, (list, tuple, set, frozenset, dict)):
        return _verdict(
            False,
            "",
            "Give the model names as a list, for example ['V1 0.25/128 uint8'] (an empty list if none keeps up).",
        )
    by_lower = {name.lower(): name for name in frame_ms}
    given = {by_lower.get(str(item).strip().lower(), str(item).strip()) for item in answer}
    unknown = sorted(given - set(frame_ms))
    if unknown:
        return _verdict(
            False, "", f"{unknown} is not a model of this notebook; use the names of the table ({', '.join(frame_ms)})."
        )
    if given == expected:
        kept = ", ".join(sorted(expected)) if expected else "none"
        return _verdict(
            True,
            f"{len(expected)} of {len(frame_ms)} models finish a frame within {budget_ms:.1f} ms here: {kept}.",
            "",
        )
    if invoke_ms is not None and given == {n for n, ms in invoke_ms.items() if ms <= budget_ms}:
        return _verdict(
            False,
            "",
            "That counts invoke() alone; a frame also needs capture, transfer, preprocess "
            "and display. Use the median time of the whole frame.",
        )
    if given == set(frame_ms) - expected:
        return _verdict(False, "", "Reversed: those are the models that do NOT finish a frame within the budget.")
    return _verdict(
        False,
        "",
        f"Compare each model's median frame time (all five stages) with {budget_ms:.1f} ms; "
        f"{len(given - expected)} of your names are over it, {len(expected - given)} that fit "
        f"are missing.",
    )


_STAGE_WORDS = {
    "inference": "invoke",
    "model": "invoke",
    "invoke()": "invoke",
    "interpreter": "invoke",
    "network": "transfer",
    "sending": "transfer",
    "preprocessing": "preprocess",
    "drawing": "display",
    "camera": "capture",
}


def check_stage_to_optimise(answer: str, stage_ms: Mapping[str, float]) -> Verdict:
    """Exercise 09.2: the stage with the largest median time (stages within 10 % of it count as right too).

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (no stages, or times that are not numbers).
    """
    word = str(answer or "").strip().lower()
    stage = _STAGE_WORDS.get(word, word)
    if stage not in stage_ms:
        return _verdict(False, "", f"Answer with one of the stage names: {', '.join(stage_ms)}.")
    largest = max(stage_ms.values())
    total = sum(stage_ms.values())
    smallest = min(stage_ms, key=stage_ms.get)
    if stage_ms[stage] >= 0.9 * largest:
        return _verdict(
            True,
            f"{stage} takes {stage_ms[stage]:.1f} of {total:.1f} ms ({stage_ms[stage] / total:.0%}): "
            f"halving it saves {stage_ms[stage] / 2:.1f} ms per frame, while removing {smallest} "
            f"altogether would save {stage_ms[smallest]:.1f} ms.",
            "",
        )
    if stage == smallest:
        return _verdict(False, "", "That is the cheapest stage: even removing it would hardly change the frame time.")
    return _verdict(
        False,
        "",
        "Compare the medians of the five stages: the largest share of the frame is where optimising pays most.",
    )


def check_dropped_frames(answer, process_ms: float, camera_fps: float = 30) -> Verdict:
    """Exercise 09.3: frames per second the newest-frame policy drops when each frame takes ``process_ms``.

    Like every check, a wrong answer gets a printed hint, not an error; raises CheckError only when the question cannot
    be asked (arguments that are not numbers); CameraError from ``helpers.camera.dropped_per_second`` for a
    ``process_ms`` or ``camera_fps`` not above 0.
    """
    from helpers.camera import dropped_per_second

    expected = dropped_per_second(process_ms, camera_fps)
    value = _number(answer)
    if value is None or not np.isfinite(value):
        return _verdict(False, "", f"Give one number of frames per second; got {answer!r}.")
    if abs(value - expected) <= 0.5:
        answered = camera_fps - expected
        return _verdict(
            True,
            f"The model answers {answered:.1f} times a second, so {expected:.1f} of the camera's "
            f"{camera_fps:g} frames per second are never classified (and none waits in a queue).",
            "",
        )
    if expected > 0 and abs(value - 1000 / process_ms) <= 0.5:
        return _verdict(
            False,
            "",
            "That is how many frames are classified each second; how many of the camera's frames are left over?",
        )
    if value == 0 and expected > 0:
        return _verdict(
            False,
            "",
            "A queue would drop nothing (and fall further behind); newest-frame-wins skips "
            "the frames that arrive while the model is busy.",
        )
    return _verdict(
        False,
        "",
        f"You gave {value:g}. The model finishes one frame every {process_ms:g} ms; the camera "
        f"delivers {camera_fps:g} per second. Try camera.simulate({process_ms:g}).",
    )


wrap_public_functions(
    globals(), CheckError
)  # a raw error from bad arguments (TypeError, KeyError, ...) becomes a CheckError
