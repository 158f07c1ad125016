"""Self-checks for the notebooks' exercises: each says what is right or what to look at.

Every check works in the same order, so that no hint can shadow a right answer:

1. read the answer in any form a learner may type it (int, float, NumPy scalar,
   float32, 0-d array, a numeric string such as ``"0.78"``, ``"200/256"`` or ``"78%"``);
2. compute the expected answer itself (from the formula, the label file or the model)
   and decide whether the answer is right — every correct answer passes here;
3. only for a wrong answer, walk a table of known mistakes and explain the first that fits.

A check prints its verdict (✓ or ✗, marks every font has) and returns a ``Verdict``:
true or false like a bool, and shown as nothing in a notebook, so the verdict is printed once.
A wrong answer gets a printed hint (one more specific on each wrong try where the exercise has a ladder), never
an error; a check raises CheckError only when the question itself cannot be asked.
"""

from __future__ import annotations

import numbers
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from helpers.arguments import is_whole, whole_number
from helpers.errors import CheckError, wrap_public_functions


class Verdict:
    """A check's result: truthy when right; displays as nothing (the check already printed why)."""

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
    """Forget the wrong tries of one check (by its function name), or of all checks."""
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
        # thousands separators as learners type them: 104,837 · 104_837 · 104 837 (thin spaces too) · 104'837
        text = "".join(answer.split()).replace(",", "").replace("_", "").replace("'", "")
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


def _names(label: str) -> list[str]:
    """A label's full text and each of its comma-separated names, lower case."""
    return [label.strip().lower()] + [part.strip().lower() for part in label.split(",") if part.strip()]


def check_label_index(labels: Sequence[str], answer, label: str) -> Verdict:
    """Exercise 01.1: the output index of ``label`` in a 1001-entry ImageNet label list.

    Raises CheckError when the question cannot be asked (``label`` not in ``labels``, arguments of the wrong type).
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


def check_dequantize(answer, q: int, scale: float, zero_point: int, *, decimals: int | None = None) -> Verdict:
    """Exercise 01.2: real = scale × (q − zero_point).

    With ``decimals`` (the precision the exercise asks for) every answer that rounds like the exact value at that
    many places is right, in any form (0.78, "0.781", "78%", and 78 for a value between 0 and 1); without it the
    exact value is wanted. Raises CheckError when the question cannot be asked (``q``, ``scale`` or ``zero_point``
    not numbers).
    """
    expected = float(scale) * (int(q) - int(zero_point))
    value = _number(answer)

    def near(other: float | None, target: float) -> bool:
        if decimals is None:
            return _close(other, target)
        return at_precision(other, target, decimals) or (
            0 <= target <= 1 and other is not None and abs(other) > 1 and at_precision(other / 100, target, decimals)
        )

    shown = (
        f"{expected:.6f}"
        if decimals is None
        else f"{expected:.6f}, {expected:.{decimals}f} to {decimals} decimal places"
    )
    ladder = (
        ()
        if decimals is None
        else (
            "Look up the output's (scale, zero_point) pair in its details.",
            f"Compute scale × ({q} − zero_point) with those two numbers.",
            f"That is {scale} × ({q} − {zero_point}); round it to {decimals} decimal places.",
        )
    )
    return _judge(
        near(value, expected),
        f"{scale} × ({q} − {zero_point}) = {shown}.",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: zero_point != 0 and near(value, scale * q),
                "Subtract the zero point before multiplying by the scale.",
            ),
            (
                lambda: near(value, q / 255),
                "The scale is not 1/255 here: use the tensor's own quantization parameters.",
            ),
            (lambda: near(value, (q - zero_point) / scale), "Multiply by the scale; do not divide by it."),
            (lambda: value == q, "That is the byte itself: dequantize it with the formula."),
        ],
        f"You gave {answer}; apply real = scale × (q − zero_point) with this tensor's parameters.",
        ladder=ladder,
    )


def check_top_label(answer, probs, labels: Sequence[str]) -> Verdict:
    """Exercise 01.3: the most probable label of a probability vector (any of its names, or its index).

    Raises CheckError when the question cannot be asked (not one probability per label, arguments of the wrong
    type).
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


# --------------------------------------------------------------------------- notebook 09 (from model to app)


def check_normalized_pixel(answer, pixel: float, mean: float, std: float, *, decimals: int = 2) -> Verdict:
    """Exercise 09.1a: the number a float model gets for one pixel value, (pixel − mean) / std, at ``decimals`` places.

    Raises CheckError when the question cannot be asked (arguments that are not numbers).
    """
    pixel, mean, std = float(pixel), float(mean), float(std)
    return check_number(
        answer,
        (pixel - mean) / std,
        decimals=decimals,
        what=f"({pixel:g} − {mean:g}) / {std:g}",
        mistakes=[
            (lambda v: at_precision(v, pixel / std, decimals), "Subtract the mean before dividing by the std."),
            (
                lambda v: at_precision(v, pixel / 255, decimals),
                "Not pixel / 255: use the mean and std the metadata states.",
            ),
            (lambda v: at_precision(v, (pixel - mean) * std, decimals), "Divide by the std; do not multiply by it."),
            (
                lambda v: at_precision(-v, (pixel - mean) / std, decimals),
                "Check the sign: is the pixel above or below the mean?",
            ),
        ],
        ladder=(
            "The metadata gives a mean and a std for the input: read them in metadata.normalization().",
            "The model gets (pixel − mean) / std.",
            f"Compute ({pixel:g} − {mean:g}) / {std:g} and round it to {decimals} decimal places.",
        ),
        key="check_normalized_pixel",
    )


def check_class_count(answer, model_path, placeholder: str = "???") -> Verdict:
    """Exercise 09.1b: how many real classes the labels file in a model's zip names (lines neither empty nor ``placeholder``).

    Raises CheckError when the question cannot be asked (a model file whose zip does not hold exactly one .txt
    file).
    """
    import zipfile

    try:
        with zipfile.ZipFile(model_path) as archive:
            texts = [name for name in archive.namelist() if name.endswith(".txt")]
            if len(texts) != 1:
                raise CheckError(f"{model_path} holds {len(texts)} .txt files in its zip; this check needs one.")
            lines = [line.strip() for line in archive.read(texts[0]).decode("utf-8").splitlines()]
    except (OSError, zipfile.BadZipFile) as error:
        raise CheckError(f"{model_path} is not a model file with a zip of labels: {error}") from None
    real = sum(1 for line in lines if line and line != placeholder)
    return check_number(
        answer,
        real,
        decimals=0,
        what=f"the number of real classes in {texts[0]}",
        mistakes=[
            (lambda v: v == len(lines), f"That counts every line, the '{placeholder}' placeholders too."),
            (lambda v: v == len(lines) - real, f"That is the number of '{placeholder}' lines; count the others."),
        ],
        ladder=(
            "List the zip's files with zipfile.ZipFile(detector_path).namelist(), then read the labels file.",
            f"Split it into lines with .decode('utf-8').splitlines(); some lines are '{placeholder}'. Leave those out.",
            f"Count the lines that are not '{placeholder}', e.g. sum(line != '{placeholder}' for line in lines).",
        ),
        key="check_class_count",
    )


def check_class_pixels(answer, mask, labels: Sequence[str], label: str) -> Verdict:
    """Exercise 09.2: how many pixels of a segmentation ``mask`` (class indices) belong to ``label``, as a whole number.

    Raises CheckError when the question cannot be asked (``label`` not one of ``labels``).
    """
    mask = np.asarray(mask)
    if label not in labels:
        raise CheckError(f"{label!r} is not one of the segmenter's labels; ask for one of {list(labels)}.")
    index = list(labels).index(label)
    counts = np.bincount(mask.ravel().astype(np.int64), minlength=len(labels))
    expected = int(counts[index])
    return check_number(
        answer,
        expected,
        decimals=0,
        what=f"the number of '{label}' pixels",
        mistakes=[
            (lambda v: 0 < v < 1, "That is a share of the photo; count the pixels instead."),
            (lambda v: v == mask.size, "That is every pixel of the mask; count only those of this class."),
            (
                lambda v: v in {int(c) for i, c in enumerate(counts) if i != index and c},
                "That is the count of another class: compare the mask with this label's index.",
            ),
        ],
        ladder=(
            "The mask holds one class index per pixel; segmentation.labels says which index is which label.",
            f"Find the index of '{label}' with segmentation.labels.index(...).",
            "Compare the mask with that index and sum: (mask == index).sum().",
        ),
        key="check_class_pixels",
    )


# --------------------------------------------------------------------------- notebook 02


def check_logits_for_table(logits, table: Sequence[float], zero_index: int | None = None) -> Verdict:
    """Exercise 02.2: logits whose softmax reproduces a probability table to 2 decimal places (within 0.005).

    With ``zero_index`` the logit at that position must be exactly 0 (any constant may be added to all logits, so
    there is always such a set). Raises CheckError when the question cannot be asked (a table that is not numbers, a
    ``zero_index`` outside it); MetricsError from ``helpers.metrics.softmax`` for an empty one.
    """
    from helpers.metrics import softmax

    table = np.asarray(table, dtype=np.float64)
    try:
        given = np.asarray(logits, dtype=np.float64)
    except (TypeError, ValueError):
        given = None
    shaped = given is not None and given.shape == table.shape
    finite = shaped and bool(np.isfinite(given).all())
    got = softmax(given) if finite else None
    matches = finite and bool(np.allclose(got, table, rtol=0, atol=0.005 + 1e-12))
    zero_ok = zero_index is None or (finite and given[zero_index] == 0)
    where = f"logit {zero_index} (counting from 0)" if zero_index is not None else ""
    ladder = (
        "Section 1 found logits for the confident table: which function undoes np.exp?",
        "np.log(table) is one set of logits; adding the same number to all of them does not change the softmax.",
        "Subtract one log-probability from all of them, e.g. np.log(table) - np.log(table[i]).",
    )
    return _judge(
        matches and zero_ok,
        f"softmax gives {np.round(got, 2).tolist() if finite else ''}: the table."
        + (f" And {where} is 0." if zero_index is not None else " Any constant added to all the logits works too."),
        [
            (
                lambda: given is None or not shaped,
                f"Give one logit per label: {table.size} numbers, in the table's order.",
            ),
            (lambda: not finite, "Your logits contain NaN or infinity; the log of a probability above 0 is finite."),
            (
                lambda: matches and not zero_ok,
                lambda: (
                    f"The softmax is right, but {where} is {given[zero_index]:.4g}, not 0. Which number can you add "
                    f"to all the logits without changing the softmax?"
                ),
            ),
        ],
        f"softmax of your logits is {np.round(got, 3).tolist() if finite else ''}, not {table.tolist()} "
        f"(to 2 decimal places).",
        ladder=ladder,
    )


def _temperature_for_top(logits: np.ndarray, target: float) -> float:
    from helpers.metrics import softmax

    low, high = 1e-3, 1e3  # the top probability falls as T grows: bisect on a log scale
    for _ in range(200):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if softmax(logits, middle).max() > target else (low, middle)
    return float(np.sqrt(low * high))


def check_temperature_for_top(temperature, logits, target: float = 0.5) -> Verdict:
    """Exercise 02.3: a temperature at which the top probability is ``target`` to 2 decimal places (within 0.005).

    Every such temperature is accepted, in any form a number may be typed. Raises CheckError when the question
    cannot be asked (a ``target`` outside (1/n, 1), logits that are not numbers); MetricsError from
    ``helpers.metrics.softmax`` for logits that are not finite.
    """
    from helpers.metrics import softmax

    logits = np.asarray(logits, dtype=np.float64)
    if not 1 / logits.size < target < 1:
        raise CheckError(f"target must be between 1/{logits.size} and 1; got {target}.")
    expected = _temperature_for_top(logits, target)
    value = _number(temperature)
    usable = value is not None and value > 0
    top = float(softmax(logits, value).max()) if usable else float("nan")
    ladder = (
        "The top probability falls steadily as T grows: find one T that is too low and one that is too high.",
        "Try the middle of the two, keep the half where the answer lies, and repeat (bisection).",
        f"The answer lies between {np.floor(expected * 2) / 2:g} and {np.floor(expected * 2) / 2 + 0.5:g}.",
    )
    return _judge(
        usable and abs(top - target) <= 0.005 + 1e-12,
        f"At T = {value:.3g} the top probability is {top:.3f} (exact answer: T = {expected:.3f})." if usable else "",
        [(lambda: not usable, f"The temperature must be a positive number; got {temperature!r}.")],
        f"At T = {value:.3g} the top probability is {top:.3f}, not {target:.2f}: "
        f"{'raise T (flatter)' if top > target else 'lower T (sharper)'}."
        if usable
        else "",
        ladder=ladder,
    )


def check_softmax_prediction(answer, logits, new_logits, index: int, what: str) -> Verdict:
    """Exercise 02.1 (predict, then run): the probability at ``index`` after the logits change, to 2 decimal places.

    Accepted in any form a share may be typed (0.85, "85%", 85). Known mistakes: the old probability, unchanged.
    Raises CheckError only when the question cannot be asked (logits of different lengths, ``index`` outside them).
    """
    from helpers.metrics import softmax

    before, after = softmax(np.asarray(logits, float)), softmax(np.asarray(new_logits, float))
    if before.shape != after.shape or not 0 <= index < after.size:
        raise CheckError("Give two sets of logits of the same length and an index inside them.")
    expected = float(after[index])
    return check_number(
        answer,
        expected,
        decimals=2,
        what=what,
        percent=True,
        mistakes=[
            (
                lambda v: at_precision(v, float(before[index]), 2),
                (
                    "That is the probability before the change. Its own logit did not move, but every probability "
                    "is divided by the sum of all the exponentials, and that sum changed."
                ),
            )
        ],
        ladder=(
            "Write the e^z of each label before the change: they are proportional to the old probabilities.",
            "Change the one that changed (adding log 2 to a logit doubles its e^z), then add all of them up again.",
            "The new probability is its e^z divided by the new sum.",
        ),
        key="check_softmax_prediction",
    )


# --------------------------------------------------------------------------- notebook 03


def check_margin(answer, probs) -> Verdict:
    """Exercise 03.2a: top-1 minus top-2 probability, to 3 decimal places (ties at the top give a margin of 0).

    Raises CheckError when the question cannot be asked (arguments of the wrong type); MetricsError from
    ``helpers.metrics.margin`` for ``probs`` that are not probabilities (or fewer than 2).
    """
    from helpers.metrics import margin

    probs = np.asarray(probs, dtype=np.float64).ravel()
    expected = float(margin(probs))
    value = _number(answer)
    ordered = np.sort(probs)[::-1]
    return _judge(
        at_precision(value, expected, 3),
        f"Margin {expected:.3f}.",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: probs.size > 2 and at_precision(value, ordered[0] - ordered[-1], 3),
                "That is top-1 minus the *smallest* probability; the margin uses the second largest.",
            ),
            (
                lambda: at_precision(value, -expected, 3),
                "Subtract the second largest from the largest, not the other way round.",
            ),
        ],
        f"{answer!r} is not the margin to 3 decimal places.",
        ladder=(
            "The margin is the largest probability minus the second largest.",
            "np.sort(probs) sorts from smallest to largest: the last two are the ones you need.",
            "ordered = np.sort(probs); then ordered[-1] - ordered[-2].",
        ),
    )


def check_entropy(answer, probs) -> Verdict:
    """Exercise 03.2b: entropy normalized to [0, 1] (divided by the log of the number of labels), to 3 decimal places.

    A quantized output sums to a little less than 1; both −Σ p·log p / log n on the probabilities as they are and on
    the probabilities divided by their sum are accepted. Raises CheckError when the question cannot be asked (fewer
    than two probabilities, all zero); MetricsError from ``helpers.metrics.entropy`` for values that are not
    probabilities.
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
        any(at_precision(value, a, 3) for a in accepted),
        f"Normalized entropy {expected:.3f}." if value is not None else "",
        [
            (lambda: value is None, _not_a_number(answer)),
            (
                lambda: (
                    at_precision(value, as_given, 3) or at_precision(value, float(entropy(probs, normalized=False)), 3)
                ),
                lambda: f"{value:.4f} is the entropy in nats; divide by np.log({probs.size}) to normalize it.",
            ),
            (
                lambda: any(at_precision(value, -a, 3) for a in accepted),
                "Entropy is −Σ p·log p: you lost the minus sign.",
            ),
        ],
        f"{answer!r} is not the normalized entropy to 3 decimal places.",
        ladder=(
            "Entropy is −Σ p·log(p) over the labels, divided by the log of the number of labels.",
            "Leave out the labels with p = 0 (their term counts as 0): p = probs[probs > 0].",
            f"-(p * np.log(p)).sum() / np.log({probs.size})",
        ),
    )


def check_entropy_prediction(answer, probs, extra_labels: int = 1) -> Verdict:
    """Exercise 03.1 (predict, then run): normalized entropy after adding labels of probability 0, to 2 decimal places.

    A label with p = 0 adds nothing to −Σ p·log p, but the normalizer log K grows. Raises CheckError only when the
    question cannot be asked (``extra_labels`` not a whole number ≥ 1); MetricsError from ``helpers.metrics.entropy``.
    """
    from helpers.metrics import entropy

    extra = whole_number(extra_labels, "extra_labels", CheckError, minimum=1)
    probs = np.asarray(probs, dtype=np.float64).ravel()
    before = float(entropy(probs))
    expected = float(entropy(np.concatenate([probs, np.zeros(extra)])))
    return check_number(
        answer,
        expected,
        decimals=2,
        what="the normalized entropy",
        mistakes=[
            (
                lambda v: at_precision(v, before, 2),
                "A label with probability 0 adds nothing to −Σ p·log p, true, but look at what you divide by.",
            ),
            (
                lambda v: v > before + 0.005,
                "More labels, but none of them holds any probability: the distribution is no more spread out.",
            ),
        ],
        ladder=(
            "Normalized entropy = (−Σ p·log p) / log K, where K is the number of labels.",
            f"The sum on top does not change; K goes from {probs.size} to {probs.size + extra}.",
            f"Multiply the old value by log({probs.size}) / log({probs.size + extra}).",
        ),
        key="check_entropy_prediction",
    )


def check_threshold_for_accuracy(threshold, confidence, correct, target: float) -> Verdict:
    """Exercise 03.3: the lowest threshold whose kept answers are at least ``target`` accurate, to 2 decimal places.

    Accepted: any threshold within 0.005 of the lowest one (what it is to 2 decimal places), and any threshold that
    reaches ``target`` while keeping at most 1 point fewer answers than the lowest one does (so a value read off the
    slider, which moves in steps of 0.05, counts when it is good enough). Raises CheckError when the question cannot
    be asked (no threshold reaches ``target``); MetricsError from ``helpers.metrics`` for confidences and flags that
    do not pair up or a bad ``target``.
    """
    from helpers.metrics import coverage_and_accuracy, threshold_for_accuracy

    best = threshold_for_accuracy(confidence, correct, target)
    if best is None:
        raise CheckError(f"No threshold reaches an accuracy of {target}: choose a lower target.")
    best_coverage, _ = coverage_and_accuracy(confidence, correct, best)
    value = _number(threshold)
    if value is None:
        coverage, accuracy = 0.0, float("nan")
    else:
        coverage, accuracy = coverage_and_accuracy(confidence, correct, value)
    reaches = coverage > 0 and accuracy >= target
    ok = at_precision(value, best, 2) or (reaches and coverage >= best_coverage - 0.01 - 1e-9)
    return _judge(
        ok,
        f"Threshold {value:.2f} keeps {coverage:.1%} of the images, {accuracy:.1%} of them right "
        f"(the lowest such threshold: {best:.3f})."
        if value is not None
        else "",
        [
            (lambda: value is None, _not_a_number(threshold, "a threshold (a number between 0 and 1)")),
            (lambda: coverage == 0, lambda: f"Threshold {value:.3g} keeps no answer at all; lower it."),
            (
                lambda: accuracy < target,
                lambda: (
                    f"At {value:.3g} the kept answers are {accuracy:.1%} right, below {target:.0%}: raise the threshold."
                ),
            ),
        ],
        f"At {value:.3g} the kept answers are right often enough ({accuracy:.1%}), but only {coverage:.1%} of the "
        f"images are answered: a lower threshold still reaches {target:.0%} and answers more. Lower it."
        if value is not None
        else "",
        ladder=(
            "coverage_and_accuracy(confidence, correct, t) gives the share answered and their accuracy at t.",
            "Try t = 0.50, 0.51, 0.52, … in a loop and print the accuracy of each.",
            "The answer lies between 0.55 and 0.65."
            if 0.55 <= best <= 0.65
            else f"The answer lies between {np.floor(best * 10) / 10:.1f} and {np.floor(best * 10) / 10 + 0.1:.1f}.",
        ),
    )


# --------------------------------------------------------------------------- notebook 04


def check_input_bytes(answer, input_details: dict) -> Verdict:
    """Exercise 04.1: the bytes of one input tensor = height × width × 3 channels × bytes per channel.

    Raises CheckError when the question cannot be asked (``input_details`` whose shape or dtype cannot be read).
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


def check_sample_size(
    answer, accuracy: float = 0.7, half_width: float = 0.01, confidence: float = 0.95, slack: float = 0.25
) -> Verdict:
    """Exercise 04.5: a number of images whose 95 % interval is at most ± ``half_width``, without many to spare.

    Right: any whole number from the smallest n that is enough (by the normal approximation z·√(p(1−p)/n) or by the
    Wilson interval of notebook 03, whichever allows fewer) up to ``slack`` (a quarter) more than the normal
    approximation's n, so a rounded-up estimate counts (9,000 and 10,000 for the default question, whose exact
    answer is 8,068). Each wrong try adds a more specific hint. Raises CheckError when the question cannot be asked
    (arguments that are not numbers, a confidence outside (0, 1)).
    """
    from statistics import NormalDist

    if not (0 < accuracy < 1 and 0 < half_width < 1 and 0 < confidence < 1 and slack >= 0):
        raise CheckError("accuracy, half_width and confidence lie between 0 and 1, and slack is at least 0.")
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = accuracy

    def normal(n: float) -> float:
        return z * np.sqrt(p * (1 - p) / n)

    def wilson(n: float) -> float:
        return z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))

    smallest = int(np.ceil(z * z * p * (1 - p) / half_width**2))
    fewest = smallest
    while fewest > 1 and wilson(fewest - 1) <= half_width:
        fewest -= 1
    most = int(np.floor(smallest * (1 + slack)))
    n = _integer(answer)
    ok = n is not None and fewest <= n <= most
    points = f"{100 * half_width:g} point{'s' if half_width != 0.01 else ''}"
    return _judge(
        ok,
        f"{n:,} images give ± {100 * normal(n):.2f} points; n = z²·p(1−p)/h², rounded up, is {smallest:,}. Ten times narrower needs a hundred times more images: "
        f"ImageNet's validation set has 50,000."
        if ok
        else "",
        [
            (lambda: n is None, _not_a_number(answer, "a whole number of images")),
            (lambda: n < 1, "The answer is a number of images: at least 1."),
            (
                lambda: n < fewest,
                lambda: (
                    f"With {n:,} images the interval is ± {100 * normal(n):.3f} points: still wider than ± {points}."
                ),
            ),
        ],
        f"{n if n is None else f'{n:,}'} images would do, but that is more than a quarter above the fewest that "
        f"give ± {points}: find those, then round up.",
        ladder=(
            "The half-width shrinks like 1/√n: to make it k times narrower you need k² times the images.",
            (
                f"With 1,000 images the half-width is z·√(p(1−p)/n) = {100 * normal(1000):.2f} points "
                f"(p = {p:g}, z = {z:.2f}). How many times narrower is ± {points}?"
            ),
            f"Solve z·√(p(1−p)/n) = {half_width:g} for n: n = z²·p(1−p)/{half_width:g}², then round up.",
        ),
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

    Any model within the limits that ties with the best accuracy is right; "none" when no model fits. Raises
    CheckError when the question cannot be asked (arguments of the wrong type); BenchmarkError from
    ``helpers.bench.best_model`` for rows, keys or limits it cannot use.
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

    Raises CheckError when the question cannot be asked (``names`` not one per model); BenchmarkError from
    ``helpers.bench.pareto_front`` for latencies and accuracies it cannot use.
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

    Rounding half away from zero and half to even are both accepted where they differ. Raises CheckError when the
    question cannot be asked (a ``dtype`` that is not an integer type); QuantizationError from
    ``helpers.quantize.quantize`` for a bad ``real``, ``scale`` or ``zero_point``, or an integer type other than
    int8, uint8 or int16.
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
        ladder=(
            f"First divide: {real} / scale is how many steps {real} lies above the zero point's code.",
            "Then add the zero point (mind its sign) and round to the nearest integer.",
            (
                f"q = round({real} / scale) + zero_point with this tensor's scale and zero point, clipped to "
                f"{info.min} … {info.max}."
            ),
        ),
    )


def check_dequantized_weights(answer, q, scales, zero_points, axis: int = 0) -> Verdict:
    """Exercise 05.2: per-channel dequantization, each channel along ``axis`` with its own scale and zero point.

    Raises CheckError when the question cannot be asked (scales or zero points that do not fit ``q`` along
    ``axis``).
    """
    q = np.asarray(q)
    if not 0 <= axis < q.ndim:
        raise CheckError(f"axis {axis} does not exist in codes of shape {q.shape}.")
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
                lambda: same_shape and not np.any(given),
                "Your array is still all zeros: replace it with the dequantized weights.",
            ),
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
        ladder=(
            "Every code q becomes scale × (q − zero_point), with the scale and zero point of its own channel.",
            (
                f"Reshape the scales and zero points so they line up with axis {axis}: "
                f"np.array(scales).reshape({', '.join('-1' if i == axis else '1' for i in range(q.ndim))})."
            ),
            (
                "Convert the codes first, q.astype(np.float32), then subtract the reshaped zero points and multiply "
                "by the reshaped scales."
            ),
        ),
    )


def check_half_step(answer, low: float, high: float, previous_high: float | None = None, decimals: int = 4) -> Verdict:
    """Exercise 05.3: the largest rounding error in int8 over [low, high], half a step of (high − low) / 255.

    Right when it rounds like the exact bound at ``decimals`` places, in any number form. Raises CheckError when the
    question cannot be asked (``high`` not above ``low``).
    """
    if not float(high) > float(low):
        raise CheckError(f"high ({high}) must be above low ({low}).")
    step = (float(high) - float(low)) / 255
    mistakes = [
        (lambda v: at_precision(v, step, decimals), "That is a whole step; rounding goes to the nearest code."),
        (lambda v: at_precision(v, step / 2 * 255 / 256, decimals), "There are 255 steps between 256 codes."),
    ]
    if previous_high is not None:
        old_half = (float(previous_high) - float(low)) / 255 / 2
        mistakes.append(
            (
                lambda v: at_precision(v, old_half, decimals),
                "That is the old range's bound: the step grows with the range.",
            )
        )
    return check_number(
        answer,
        step / 2,
        decimals=decimals,
        what="the largest rounding error",
        mistakes=mistakes,
        ladder=(
            "Rounding moves a value to the nearest code: at most half a step.",
            "One step is (high − low) / 255, with the new high.",
            f"Half of ({high} − ({float(low):.2f})) / 255, to {decimals} decimal places.",
        ),
        key="check_half_step",
    )


def _megabytes(answer) -> float | None:
    """A size in MB as a number, also when typed with its unit ("17 MB", "4.2MB")."""
    if isinstance(answer, str) and answer.strip().lower().endswith("mb"):
        answer = answer.strip()[:-2]
    return _number(answer)


def check_model_sizes(float32_mb, int8_mb, parameters: int, decimals: int = 1) -> Verdict:
    """Exercise 05.2: the weights' size in MB (10⁶ bytes) as float32 and as int8, from a parameter count.

    Right when both round like the exact sizes at ``decimals`` places (so 17, 17.0 and 16.96 all count for 16.96 at
    one decimal); any number form is accepted, also a string with its unit ("17 MB"). Raises CheckError when the
    question cannot be asked (a ``parameters`` that is not a positive number).
    """
    count = _number(parameters)
    if count is None or count <= 0:
        raise CheckError(f"parameters must be a positive number; got {parameters!r}.")
    expected_float, expected_int8 = count * 4 / 1e6, count / 1e6
    f32, i8 = _megabytes(float32_mb), _megabytes(int8_mb)

    def near(value, target) -> bool:
        return at_precision(value, target, decimals)

    def either(factor: float) -> bool:
        return near(f32, expected_float * factor) or near(i8, expected_int8 * factor)

    places = f"{decimals} decimal place{'s' if decimals != 1 else ''}"
    return _judge(
        near(f32, expected_float) and near(i8, expected_int8),
        f"{expected_float:.{decimals}f} MB as float32 and {expected_int8:.{decimals}f} MB as int8 (to {places}): "
        f"the weights are nearly the whole file, plus a little for the graph and the scales.",
        [
            (lambda: f32 is None or i8 is None, "Give both sizes as numbers of megabytes."),
            (
                lambda: near(f32, expected_int8) and near(i8, expected_float),
                "The two are swapped: float32 takes 4 bytes per weight, int8 one.",
            ),
            (lambda: either(8), "That counts bits; a file size is in bytes (8 bits each)."),
            (lambda: either(1e6), "That is in bytes; divide by 1,000,000 for megabytes."),
            (lambda: either(1e6 / 2**20), "That is in MiB (2²⁰ bytes); the question asks for MB, 10⁶ bytes."),
            (
                lambda: any(
                    v is not None and not near(v, t) and abs(v - t) < 10.0**-decimals
                    for v, t in ((f32, expected_float), (i8, expected_int8))
                ),
                f"Close, but not at {places}: count the weights alone and round rather than cut digits off.",
            ),
            (
                lambda: near(f32, expected_float) != near(i8, expected_int8),
                lambda: (
                    f"One of the two is right ({'float32' if near(f32, expected_float) else 'int8'}); "
                    f"redo the other one."
                ),
            ),
        ],
        f"You gave {float32_mb} MB and {int8_mb} MB; give both to {places}.",
        ladder=(
            "Each parameter is stored once; count its bytes.",
            "float32 takes 4 bytes per parameter, int8 takes 1.",
            f"{count:,.0f} × 4 bytes and {count:,.0f} × 1 byte, each divided by 1,000,000, rounded to {places}.",
        ),
    )


# --------------------------------------------------------------------------- notebook 06


def check_imprinted_accuracy(
    answer, train_features, train_class_ids, val_features, val_class_ids, per_class: int = 1, seed: int = 0
) -> Verdict:
    """Exercise 06.2: validation accuracy of weights imprinted from ``sample_per_class(..., per_class, seed)``.

    Asked to 2 decimal places: a fraction (0.51, "0.507", "76/150") or the same as a percentage (51, "50.7%").
    Raises CheckError when the question cannot be asked (arguments of the wrong type or shape); TransferError from
    ``helpers.transfer`` for features and class ids it cannot use.
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
    share = value / 100 if value is not None and abs(value) > 1 else value
    return _judge(
        at_precision(share, expected, 2),
        f"Accuracy {expected:.2f} ({round(expected * len(val_y))} of {len(val_y)}) from {len(chosen)} training photos "
        f"({per_class} per class).",
        [
            (lambda: share is None, f"Give the accuracy as a number between 0 and 1; got {answer!r}."),
            (
                lambda: at_precision(share, imprinted(np.arange(len(train_y))), 2),
                (
                    f"That uses every training photo; imprint only the {len(chosen)} chosen by "
                    f"sample_per_class(train.class_ids, {per_class}, seed={seed})."
                ),
            ),
            (
                lambda: at_precision(share, head_accuracy(), 2),
                "That is the trained softmax head's accuracy; use transfer.imprint instead.",
            ),
        ],
        f"You gave {answer!r}, not the accuracy to 2 decimal places.",
        ladder=(
            f"Take the indices: chosen = transfer.sample_per_class(train.class_ids, {per_class}, seed={seed}).",
            (
                "Imprint from those photos only: weights = transfer.imprint(train_features[chosen], "
                "train.class_ids[chosen])."
            ),
            (
                "Predict with np.argmax(transfer.l2_normalize(val_features) @ weights.T, axis=1), compare with "
                "val.class_ids and take the mean of the hits."
            ),
        ),
    )


def check_imprinted_confusion(
    answer, train_features, train_class_ids, val_features, val_class_ids, classes: Sequence[str]
) -> Verdict:
    """Exercise 06.3: the most frequent mistake (true class, predicted class) of a head imprinted from every photo.

    Any pair tied for the most mistakes is right; class names or indices both count. The check computes the
    imprinted head's confusion matrix itself. Raises CheckError only when the question cannot be asked.
    """
    from helpers.transfer import confusion_matrix, imprint, l2_normalize

    train_y, val_y = np.asarray(train_class_ids), np.asarray(val_class_ids)
    weights = imprint(np.asarray(train_features), train_y, len(classes))
    predicted = np.argmax(l2_normalize(val_features) @ weights.T, axis=1)
    matrix = confusion_matrix(val_y, predicted, len(classes))
    return check_most_confused(
        answer,
        matrix,
        classes,
        ladder=(
            "Predict with the imprinted weights: np.argmax(transfer.l2_normalize(val_features) @ weights.T, axis=1).",
            (
                "Count with transfer.confusion_matrix(val.class_ids, predictions, len(val.classes)); rows are the true "
                "class, columns the answer."
            ),
            (
                "Set the diagonal to zero (matrix * (1 - np.eye(5, dtype=int))), then np.unravel_index(np.argmax(...), "
                "matrix.shape) gives (row, column)."
            ),
        ),
        key="check_imprinted_confusion",
    )


def check_most_confused(
    answer, matrix, classes: Sequence[str], *, ladder: Sequence[str] = (), key: str | None = None
) -> Verdict:
    """The (true class, predicted class) pair with the most mistakes in a confusion matrix (exercise 06.3 uses it).

    Any pair tied for the most mistakes is right; class names or their indices are both accepted. Raises CheckError
    when the question cannot be asked (a matrix that is not classes × classes, or one without mistakes).
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
        ladder=ladder,
        key=key or "check_most_confused",
    )


def check_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 06.1: bytes a float32 softmax head adds to a model: 4 × classes × (dim + 1).

    Raises CheckError when the question cannot be asked (``dim`` or ``classes`` not numbers).
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
        f"You gave {answer!r}, not the number of bytes.",
        ladder=(
            "Count the numbers first: one weight per feature and class, one bias per class.",
            f"Weights: {dim} × {classes}; biases: {classes}. Each float32 takes 4 bytes.",
            f"4 × ({dim} × {classes} + {classes}).",
        ),
    )


def check_int8_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 07.1 (transfer learning II): bytes of an int8 head: one byte per weight, a 4-byte int32 bias per class.

    Raises CheckError when the question cannot be asked (``dim`` or ``classes`` not numbers).
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
        f"You gave {answer!r}, not the number of bytes.",
        ladder=(
            "The weights and the biases are stored differently: count them separately.",
            f"{dim} × {classes} int8 weights take one byte each; the {classes} biases stay int32.",
            f"{dim} × {classes} × 1 + {classes} × 4.",
        ),
    )


def noisy_accuracy(accuracy: float, flipped: float, classes: int) -> float:
    """Expected measured accuracy when a share ``flipped`` of the labels is changed at random to another class.

    A right answer counts only if its label was kept, (1 − flipped); a wrong answer becomes "right" when its label
    was flipped to exactly that answer, flipped / (classes − 1). Introduced in notebook 07 (transfer learning II).
    """
    return accuracy * (1 - flipped) + (1 - accuracy) * flipped / (classes - 1)


def check_noisy_accuracy(answer, accuracy: float, flipped: float, classes: int = 5) -> Verdict:
    """Exercise 07.2 (transfer learning II): the measured accuracy when a share of the test labels is flipped.

    Asked to 3 decimal places; a percentage counts too. Raises nothing for a wrong answer: it prints why.
    """
    expected = noisy_accuracy(accuracy, flipped, classes)
    return check_number(
        answer,
        expected,
        decimals=3,
        what=f"the measured accuracy with {flipped:.0%} of the labels flipped",
        percent=True,
        mistakes=[
            (
                lambda v: at_precision(v, accuracy, 3),
                "Flipping labels changes the score: a right answer whose label was flipped now counts as wrong.",
            ),
            (
                lambda v: at_precision(v, accuracy * (1 - flipped), 3),
                (
                    "Nearly: you counted the right answers whose label was kept. Add the lucky wrong answers whose "
                    "label was flipped to exactly that answer."
                ),
            ),
            (
                lambda v: at_precision(v, accuracy - flipped, 3),
                f"Not every flipped photo was a right answer: only a share {accuracy:.2f} of them was.",
            ),
        ],
        ladder=(
            "Think of the right answers first: which of them still count as right after the flips?",
            f"A right answer still counts when its label was kept: {accuracy:.3f} × (1 − {flipped:g}).",
            (
                f"Add the rare lucky case: a wrong answer whose label was flipped to exactly that answer, "
                f"(1 − {accuracy:.3f}) × {flipped:g} / {classes - 1}."
            ),
        ),
        key="check_noisy_accuracy",
    )


def check_photos_for_standard_error(answer, accuracy: float = 0.9, standard_error: float = 0.01) -> Verdict:
    """Exercise 07.3 (transfer learning II): test photos needed for a given standard error of an accuracy.

    The standard error of an accuracy p measured on n photos is √(p(1 − p)/n), so n = p(1 − p)/se². Asked as a
    whole number. Raises nothing for a wrong answer: it prints why.
    """
    expected = accuracy * (1 - accuracy) / standard_error**2
    half_width = (1.959964 / standard_error) ** 2 * accuracy * (1 - accuracy)
    return check_number(
        answer,
        round(expected),
        decimals=0,
        what=f"the number of test photos for a standard error of {standard_error * 100:g} point",
        mistakes=[
            (lambda v: abs(v - expected**0.5) < 1, "Solve for n: square both sides of se = √(p(1 − p)/n) first."),
            (
                lambda v: abs(v - half_width) / half_width < 0.02,
                (
                    f"That is for a 95 % interval of ± {standard_error * 100:g} point, which reaches about 2 standard "
                    "errors to each side; the question asks for one standard error."
                ),
            ),
            (
                lambda v: abs(v - expected * standard_error) < 1,
                f"Square the standard error too: n = p(1 − p) / se², and se² = {standard_error**2:g}.",
            ),
        ],
        ladder=(
            "Start from the standard error's formula, se = √(p(1 − p)/n), and solve it for n.",
            "n = p(1 − p) / se², with p and se as shares (0.9 and 0.01).",
            f"{accuracy:g} × {1 - accuracy:g} / {standard_error:g}².",
        ),
        key="check_photos_for_standard_error",
    )


# --------------------------------------------------------------------------- notebook 07


def check_trainable_parameters(answer, model) -> Verdict:
    """Exercise 08.1: how many of a Keras model's parameters training may change (its trainable weights), exactly.

    Accepted in any usual form of a whole number (104837, "104,837", "104 837", 104837.0, NumPy integers). Raises
    CheckError when the question cannot be asked (``model`` not a Keras model).
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
    value = _integer(answer)
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
    "81.2% – 92.7%"), either end first. Raises CheckError when the question cannot be asked (counts that are not
    numbers); MetricsError from ``helpers.metrics.wilson_interval`` for counts outside 0 ≤ hits ≤ total, total > 0.
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


# --------------------------------------------------------------------------- notebook 10 (explanations)


def check_occlusion_drop(
    answer, classifier, image, target: int, box: tuple[int, int, int, int], fill: int = 128
) -> Verdict:
    """Exercise 10.1: the class's probability on the whole image minus with ``box`` covered by ``fill``, to 2 decimals.

    Accepted in every form ``check_number`` reads (0.59, "0.590", "59%", 59 as a percentage, a NumPy scalar). Raises
    CheckError when the question cannot be asked (a ``box`` that is not four numbers); what
    ``helpers.explain.model_pixels`` and ``classifier.predict`` raise (ImageError for an unreadable image).
    """
    from helpers.explain import model_pixels

    left, top, right, bottom = (int(v) for v in box)
    pixels = model_pixels(image, classifier.input_size, classifier.crop)

    def probability(rows: slice, cols: slice) -> float:
        covered = pixels.copy()
        covered[rows, cols] = fill
        return float(classifier.predict(covered)[target])

    before = float(classifier.predict(pixels)[target])
    after = probability(slice(top, bottom), slice(left, right))
    swapped = before - probability(slice(left, right), slice(top, bottom))  # x and y exchanged
    expected = before - after
    return check_number(
        answer,
        expected,
        decimals=2,
        what="the drop",
        percent=True,
        mistakes=[
            (lambda v: at_precision(-v, expected, 2), "Your sign is reversed: the drop is (whole image) − (covered)."),
            (
                lambda v: at_precision(v, before, 2) or at_precision(v, after, 2),
                "That is one of the two probabilities; subtract the covered one from the whole image's.",
            ),
            (
                lambda v: at_precision(v, swapped, 2),
                "You covered the box with x and y exchanged: NumPy indexes rows (top:bottom) first, then columns.",
            ),
        ],
        ladder=(
            "The drop is the class's probability on the whole view minus its probability with the box covered.",
            f"Copy the model's view (explain.model_pixels), then set covered[top:bottom, left:right] = {fill}.",
            "Run classifier.predict on both views, take element [target] of each, and subtract: whole − covered.",
        ),
        key="check_occlusion_drop",
    )


def check_rank_correlation(answer, first, second) -> Verdict:
    """Exercise 10.3: Spearman's rank correlation of two maps (Pearson's correlation of their ranks), to 2 decimals.

    Tied values may be ranked by their average rank or in order: both answers count. Raises CheckError when the
    question cannot be asked (maps that are not numbers); ExplanationError from ``helpers.explain.rank_correlation``
    for maps of different grids.
    """
    from helpers.explain import rank_correlation

    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    expected = rank_correlation(a, b)

    def ordinal(values: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(values.ravel(), kind="stable"), kind="stable")

    in_order = float(np.corrcoef(ordinal(a), ordinal(b))[0, 1])
    pearson = float(np.corrcoef(a.ravel(), b.ravel())[0, 1])
    value = _number(answer)
    ok = at_precision(value, expected, 2) or at_precision(value, in_order, 2)
    return _judge(
        ok,
        f"Spearman's ρ = {expected:.2f}.",
        [
            (lambda: value is None, _not_a_number(answer, "one number between −1 and 1")),
            (
                lambda: at_precision(value, pearson, 2),
                "That is Pearson's correlation of the values; correlate their ranks instead.",
            ),
            (
                lambda: at_precision(-value, expected, 2) or at_precision(-value, in_order, 2),
                "The sign is reversed: rank both maps the same way (smallest value first in both).",
            ),
        ],
        f"{answer!r} is not Spearman's ρ of these maps to 2 decimal places.",
        ladder=(
            "Spearman's ρ is Pearson's correlation of the two maps' ranks, not of their values.",
            "A cell's rank is its place in sorted order: np.argsort(np.argsort(values.ravel())) gives every rank.",
            "np.corrcoef(ranks_a, ranks_b)[0, 1], with both maps ranked the same way.",
        ),
    )


# --------------------------------------------------------------------------- notebook 09


def check_models_within_budget(
    answer,
    frame_ms: Mapping[str, float],
    invoke_ms: Mapping[str, float] | None = None,
    budget_ms: float = 1000 / 30,
    slowdown: float = 1.0,
) -> Verdict:
    """Exercise 11.3: the models whose median frame (all five stages), ``slowdown`` times slower, fits ``budget_ms``.

    Names are matched without regard to case or surrounding spaces; a list, tuple, set or one string is accepted.
    Like every check, a wrong answer gets a printed hint (one more specific on each wrong try), not an error; raises
    CheckError only when the question cannot be asked (times that are not numbers).
    """
    slowdown = float(slowdown)
    if not np.isfinite(slowdown) or slowdown <= 0:
        raise CheckError(f"slowdown must be a number above 0; got {slowdown!r}.")

    def fitting(times: Mapping[str, float], factor: float) -> set[str]:
        return {name for name, ms in times.items() if factor * float(ms) <= budget_ms}

    expected = fitting(frame_ms, slowdown)
    where = "here" if slowdown == 1 else f"on a device {slowdown:g} times slower"
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
    kept = ", ".join(sorted(expected)) if expected else "none"
    mistakes = [
        (
            lambda: slowdown != 1 and given == fitting(frame_ms, 1.0) and given != expected,
            f"Those fit on this computer; on the slower device every frame takes {slowdown:g} times as long.",
        ),
        (
            lambda: invoke_ms is not None and given == fitting(invoke_ms, slowdown),
            (
                "That counts invoke() alone; a frame also needs capture, transfer, preprocess and display. "
                "Use the median time of the whole frame (frame_ms)."
            ),
        ),
        (
            lambda: bool(set(frame_ms) - expected) and given == set(frame_ms) - expected,
            "Reversed: those are the models that do NOT finish a frame within the budget.",
        ),
    ]
    ladder = (
        f"{len(given - expected)} of your names are over the budget and {len(expected - given)} that fit are missing.",
        f"For each model, multiply frame_ms by {slowdown:g} and keep it if the result is at most {budget_ms:.1f} ms.",
        f"In code: [name for name, ms in frame_ms.items() if {slowdown:g} * ms <= {budget_ms:.1f}]",
    )
    return _judge(
        given == expected,
        f"{len(expected)} of {len(frame_ms)} models finish a frame within {budget_ms:.1f} ms {where}: {kept}.",
        mistakes,
        f"Compare each model's median frame time (all five stages) with {budget_ms:.1f} ms.",
        ladder=ladder,
    )


def check_dropped_frames(answer, process_ms: float, camera_fps: float = 30, decimals: int = 1) -> Verdict:
    """Exercise 11.2: frames per second the newest-frame policy drops when each frame takes ``process_ms``.

    Asked to ``decimals`` places: every form of a number is accepted (7.8, "7.8", 7.78, "70/9", a NumPy scalar), and
    so is a simulation's count within 0.1 of the long-run rate (7.7 from 10 seconds of ``camera.simulate``). Like
    every check, a wrong answer gets a printed hint (one more specific on each wrong try), not an error; raises
    CheckError only when the question cannot be asked (arguments that are not numbers); CameraError from
    ``helpers.camera.dropped_per_second`` for a ``process_ms`` or ``camera_fps`` not above 0.
    """
    from helpers.camera import dropped_per_second

    expected = dropped_per_second(process_ms, camera_fps)
    answered = camera_fps - expected
    value = _number(answer)
    places = f"{decimals} decimal place{'s' if decimals != 1 else ''}"
    if answer is None:  # the exercise's placeholder: not a wrong try
        return _verdict(False, "", f"Replace None with the frames dropped per second, to {places}.")
    # A 10-second simulation counts whole frames, so its rate can be 0.1 off the long-run one: both are accepted.
    ok = at_precision(value, expected, decimals) or (value is not None and abs(value - expected) <= 0.1 + 1e-9)
    mistakes = [
        (lambda: value is None, f"Give one number of frames per second, to {places}; got {answer!r}."),
        (
            lambda: expected > 0 and abs(value - 1000 / process_ms) < 0.5,
            "That is how many frames are classified each second; how many of the camera's frames are left over?",
        ),
        (
            lambda: value == 0 and expected > 0,
            (
                "A queue would drop nothing (and fall further behind); newest-frame-wins skips "
                "the frames that arrive while the model is busy."
            ),
        ),
        (
            lambda: abs(value - expected) < 0.5,
            f"Close: give it to {places} (round only at the end).",
        ),
    ]
    ladder = (
        f"The model finishes one frame every {process_ms:g} ms. How many does it finish in one second (1000 ms)?",
        f"It answers 1000 / {process_ms:g} frames a second; the camera delivers {camera_fps:g}. The rest are dropped.",
        f"{camera_fps:g} − 1000 / {process_ms:g}, to {places}; camera.simulate({process_ms:g}, seconds=10) agrees.",
    )
    return _judge(
        ok,
        f"The model answers {answered:.{decimals}f} times a second, so {expected:.{decimals}f} of the camera's "
        f"{camera_fps:g} frames per second are never classified (and none waits in a queue).",
        mistakes,
        f"You gave {value:g}: not the frames dropped per second to {places}." if value is not None else "",
        ladder=ladder,
    )


def check_frame_bytes(answer, width: int, height: int, channels: int = 4) -> Verdict:
    """Exercise 11.1: the bytes one ``width`` × ``height`` frame takes as RGBA (``channels`` bytes a pixel), exactly.

    Any form of the whole number is accepted (65536, "65,536", 65536.0, "65536", a NumPy integer). Like every check,
    a wrong answer gets a printed hint (one more specific on each wrong try), not an error.
    """
    width, height, channels = (
        whole_number(v, name, CheckError) for v, name in ((width, "width"), (height, "height"), (channels, "channels"))
    )
    expected = width * height * channels
    value = _number(answer)
    pixels = width * height
    if answer is None:  # the exercise's placeholder: not a wrong try
        return _verdict(False, "", "Replace None with the number of bytes of one frame.")
    mistakes = [
        (lambda: value is None, _not_a_number(answer, "a whole number of bytes")),
        (
            lambda: value == pixels * 3,
            "That is RGB; the browser's canvas gives four bytes a pixel: red, green, blue and alpha (RGBA).",
        ),
        (lambda: value == pixels, "That counts pixels; each pixel takes several bytes."),
        (
            lambda: value == 224 * 224 * channels and pixels != 224 * 224,
            "That is the 224 × 224 frame; the frame is scaled to this model's input size first.",
        ),
        (lambda: abs(value * 1000 - expected) < 1 or abs(value * 1024 - expected) < 1, "Give bytes, not kilobytes."),
    ]
    ladder = (
        f"The frame is scaled to {width} × {height} before it is sent.",
        f"{width} × {height} = {pixels:,} pixels; how many bytes does one RGBA pixel take?",
        f"{width} × {height} × {channels}.",
    )
    return _judge(
        value is not None and value == expected,
        f"{width} × {height} pixels × {channels} bytes = {expected:,} bytes per frame "
        f"({expected / (224 * 224 * channels):.0%} of a 224 × 224 frame).",
        mistakes,
        f"{answer!r} is not the number of bytes of one {width} × {height} RGBA frame.",
        ladder=ladder,
    )


wrap_public_functions(
    globals(), CheckError
)  # a raw error from bad arguments (TypeError, KeyError, ...) becomes a CheckError


# For autograders (tools/nbgrader_course.py writes nbgrader test cells that call this). Kept apart from the
# checks above, which never raise for a wrong answer: here a wrong answer must fail the test cell.
def graded(check: Callable[..., Verdict], *args, **kwargs) -> Verdict:
    """Run a self-check as an autograder test: print its ✓ verdict when right, raise AssertionError when wrong.

    The AssertionError's message is the check's verdict with its hint ("✗ Not yet. …"), so a grader scores the cell 0
    and the feedback names what to fix. A graded run is not one of the learner's tries: the hint ladder is left as it
    was. Raises CheckError when ``check`` is not one of this module's self-checks.
    """
    if not (callable(check) and getattr(check, "__module__", None) == __name__ and check.__name__.startswith("check_")):
        raise CheckError(f"graded takes one of helpers.checks' check_* functions; got {check!r}.")
    import contextlib
    import io

    tries = dict(_wrong_tries)
    with contextlib.redirect_stdout(io.StringIO()):  # the verdict is shown once, below or as the error
        verdict = check(*args, **kwargs)
    _wrong_tries.clear()
    _wrong_tries.update(tries)
    if not verdict.ok:
        raise AssertionError(verdict.message)
    print(verdict.message)
    return verdict
