"""Self-checks for the notebooks' exercises: each says what is right or what to look at.

Every exercise is data, an ``Exercise`` in ``EXERCISES``: how its answer is read, the precision it is asked at, its
verdicts, a table of known mistakes with their hints, and a ladder of hints from a nudge to nearly the answer. A
check function only computes the exercise's numbers from the learner's inputs (the right answers, and the value
each known mistake gives); one engine, ``_ask``, then works in the same order for every exercise, so that no hint
can shadow a right answer:

1. read the answer in any form a learner may type it (int, float, NumPy scalar or array, a numeric string such as
   ``"0.78"``, ``"200/256"``, ``"78%"`` or ``"104,837"``);
2. compare it with every right answer at the stated precision — every correct answer passes here;
3. only for a wrong answer, explain the first known mistake that fits, then add the next rung of the ladder (each
   wrong try in a row shows one more; a right answer starts the ladder again).

A check prints its verdict (✓ or ✗, marks every font has) and returns a ``Verdict``: true or false like a bool, and
shown as nothing in a notebook, so the verdict is printed once. A wrong answer gets a hint, never an error. Every
check raises CheckError when the question itself cannot be asked (arguments of the wrong kind, a label that is not
in the list, ...), and lets the errors of the helpers it computes with pass (MetricsError, TransferError, ...).
"""

from __future__ import annotations

import numbers
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from helpers.arguments import is_whole, whole_number
from helpers.bench import best_model, pareto_front
from helpers.camera import dropped_per_second
from helpers.errors import CheckError, wrap_public_functions
from helpers.explain import model_pixels, rank_correlation
from helpers.metrics import coverage_and_accuracy, entropy, margin, softmax, threshold_for_accuracy, wilson_interval
from helpers.quantize import quantize
from helpers.transfer import confusion_matrix, imprint, l2_normalize, sample_per_class, train_head


@dataclass(frozen=True, eq=False)
class Verdict:
    """A check's result: truthy when right; displays as nothing (the check already printed why)."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

    def __eq__(self, other: object) -> bool:
        return self.ok == bool(other) if isinstance(other, (Verdict, bool, np.bool_)) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.ok)

    def _ipython_display_(self) -> None:
        """Nothing more to show: the verdict was printed when the check ran."""


def _verdict(ok: bool, text: str) -> Verdict:
    message = ("✓ " if ok else "✗ Not yet. ") + text
    print(message)
    return Verdict(bool(ok), message)


# ----------------------------------------------------------------------------------- reading an answer


def _number(answer) -> float | None:
    """The answer as a finite float, in any form a learner may give a number; None when it is not one."""
    if isinstance(answer, (list, tuple)) and len(answer) == 1:
        return _number(answer[0])
    value = None
    if isinstance(answer, str):
        # thousands separators as learners type them: 104,837 · 104_837 · 104 837 (thin spaces too) · 104'837
        text = "".join(answer.split()).replace(",", "").replace("_", "").replace("'", "")
        try:
            if text.endswith("%"):
                value = float(text[:-1]) / 100
            elif text.count("/") == 1:
                top, bottom = text.split("/")
                value = float(top) / float(bottom)
            else:
                value = float(text)
        except (ValueError, ZeroDivisionError):
            return None
    elif isinstance(answer, (complex, np.complexfloating)):
        value = float(answer.real) if answer.imag == 0 else None
    elif isinstance(answer, (numbers.Number, np.generic)) and not isinstance(answer, (bool, np.bool_)):
        try:
            value = float(answer)
        except (TypeError, ValueError):
            return None
    elif isinstance(answer, np.ndarray) and answer.size == 1 and answer.dtype.kind in "iuf":
        value = float(answer.reshape(-1)[0])
    return value if value is not None and np.isfinite(value) else None


def _integer(answer) -> int | None:
    """The answer as a whole number (104837, "104,837", 104837.0, a NumPy integer); None when it is not one."""
    value = _number(answer)
    return round(value) if value is not None and value == round(value) else None


def _megabytes(answer) -> float | None:
    """A size in MB as a number, also when typed with its unit ("17 MB", "4.2MB")."""
    if isinstance(answer, str) and answer.strip().lower().endswith("mb"):
        answer = answer.strip()[:-2]
    return _number(answer)


def _pair(answer) -> tuple[float, float] | None:
    """Two numbers (low, high) in any usual form: a tuple, list or array; "0.74, 0.93"; "74% – 93%"; "74 to 93"."""
    if isinstance(answer, str):
        answer = [p for p in re.split(r"\s*(?:,|;|–|—|\bto\b|\s-\s|\s+)\s*", answer.strip().strip("()[]")) if p]
    if isinstance(answer, np.ndarray):
        answer = answer.ravel().tolist()
    if not isinstance(answer, (list, tuple)) or len(answer) != 2:
        return None
    values = [_number(part) for part in answer]
    return None if None in values else (values[0], values[1])


def _array(answer) -> np.ndarray | None:
    """The answer as a float array; None when it cannot be one."""
    try:
        return np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _names(label: str) -> list[str]:
    """A label's full text and each of its comma-separated names, lower case."""
    return [label.strip().lower()] + [part.strip().lower() for part in label.split(",") if part.strip()]


def _places(decimals: int | None) -> str:
    return "a whole number" if not decimals else f"{decimals} decimal place{'s' if decimals != 1 else ''}"


def at_precision(value: float | None, expected: float, decimals: int) -> bool:
    """True when ``value`` rounds like ``expected`` at ``decimals`` places, i.e. within half a unit of the last place.

    So 0.78, 0.781 and 0.7813 all count for 0.78125 at two decimals.
    """
    if value is None or not np.isfinite(value):
        return False
    return abs(value - expected) <= 0.5 * 10.0 ** (-decimals) * (1 + 1e-9) + 1e-12


def _close(value: float | None, expected: float) -> bool:
    return value is not None and bool(np.isclose(value, expected, rtol=1e-5, atol=1e-6))


# ----------------------------------------------------------------------------------- the engine


@dataclass(frozen=True)
class Exercise:
    """One exercise as data; its texts are templates filled from the values its check computes (``str.format``)."""

    good: str  # the ✓ verdict
    wrong: str  # the ✗ verdict when no known mistake fits
    ladder: tuple[str, ...]  # hints from vague to specific: the n-th wrong try in a row adds the n-th
    mistakes: Mapping[str, str]  # in order: the first that fits a wrong answer explains it
    read: Callable[[object], object] | None = _number  # the answer as the check compares it; None: as it was given
    decimals: int | None = None  # precision; None: exact (a whole number equal, a float within 1e-5)
    percent: bool = False  # a share may also be typed as a percentage number (78 for 0.78)
    asks: str | None = "a number"  # what an answer that cannot be read is asked to be (None: the check reads it)


EXERCISES: dict[str, Exercise] = {}


def exercise(
    good: str, wrong: str, *ladder: str, read=_number, decimals=None, percent=False, asks="a number", **mistakes
):
    """Decorator: the exercise its check asks, registered under the check's name.

    Each known mistake is a keyword argument, its hint, named by a value the check computes (in ``locals()``): a
    value or tuple of values the mistake gives, compared at the exercise's precision; a bool; or a function of the
    read answer. A check that reads its answer itself (names, pairs, several numbers) says ``read=None``.
    """

    def register(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
        EXERCISES[check.__name__] = Exercise(good, wrong, ladder, mistakes, read, decimals, percent, asks)
        return check

    return register


# The verdicts of an exercise asking for one number (``what`` it is, its ``expected`` value), as check_number's.
_NUMBER = {"good": "{what} = {expected:.{dp}f} (to {places}).", "wrong": "{answer!r} is not {what} to {places}."}


def numeric(*ladder: str, decimals=None, percent=False, **mistakes):
    """Decorator: an exercise asking for one number, with the verdicts of ``check_number``."""
    return exercise(
        *_NUMBER.values(), *ladder, decimals=decimals, percent=percent, asks="{what} as a number", **mistakes
    )


# Wrong tries per exercise since its last right answer, keyed by the check's name; reset_tries() clears it.
_wrong_tries: dict[str, int] = {}


def reset_tries(key: str | None = None) -> None:
    """Forget the wrong tries of one check (by its function name), or of all checks."""
    if key is None:
        _wrong_tries.clear()
    else:
        _wrong_tries.pop(key, None)


def _ask(answer, right, numbers: dict, exercise: Exercise | None = None, key: str | None = None) -> Verdict:
    """The engine: read ``answer``, compare it with ``right``, print the verdict and the hint a wrong answer earns.

    ``right``: the right value or values (compared at the exercise's precision), a function of the read answer, or
    a bool the check decided. ``numbers``, the check's ``locals()``, fill the texts and name the mistakes' values.
    """
    key = key or sys._getframe(1).f_code.co_name
    exercise = exercise or EXERCISES[key]
    decimals = numbers.get("decimals", exercise.decimals)
    value = answer if exercise.read is None else exercise.read(answer)

    def near(target) -> bool:
        if target is None or value is None:
            return False
        if isinstance(target, (tuple, list, set)):
            return any(near(t) for t in target)
        if decimals is None:
            return value == target if isinstance(value, int) else _close(value, target)
        return at_precision(value, target, decimals) or (
            exercise.percent and abs(value) > 1 and abs(target) <= 1 and at_precision(value / 100, target, decimals)
        )

    def fits(entry) -> bool:
        if callable(entry):
            return bool(entry(value))
        return bool(entry) if entry is None or isinstance(entry, (bool, np.bool_)) else near(entry)

    ok = value is not None and fits(right) if not isinstance(right, (bool, np.bool_)) else bool(right)
    texts = numbers | {"answer": answer, "value": value, "kind": type(answer).__name__, "decimals": decimals}
    texts |= {"places": _places(decimals), "dp": max(decimals or 0, 0)}
    if ok:
        _wrong_tries.pop(key, None)
        return _verdict(True, exercise.good.format(**texts))
    tries = _wrong_tries[key] = _wrong_tries.get(key, 0) + 1
    if value is None and exercise.read is not None and exercise.asks is not None:
        hint = "Give " + exercise.asks + "; got {answer!r} ({kind})."
    else:
        hint = next((text for name, text in exercise.mistakes.items() if fits(numbers[name])), exercise.wrong)
    hint = hint.format(**texts)
    if exercise.ladder:
        rung = min(tries, len(exercise.ladder))
        hint += f" Hint {rung} of {len(exercise.ladder)}: " + exercise.ladder[rung - 1].format(**texts)
    return _verdict(False, hint)


def check_number(
    answer,
    expected: float,
    *,
    decimals: int,
    what: str,
    percent: bool = False,
    mistakes: Iterable[tuple[Callable[[float], bool], str]] = (),
    ladder: Sequence[str] = (),
    key: str | None = None,
) -> Verdict:
    """A number asked for at a stated precision (``decimals`` places), accepted in any form a learner may type it.

    With ``percent=True`` (for a share between 0 and 1) the same share typed as a percentage number (78) counts too.
    ``mistakes`` take the read value: ``[(lambda v: ..., "hint"), ...]``; ``ladder`` holds plain hint texts.
    """
    mistakes = list(mistakes)

    def plain(text: str) -> str:  # the caller's texts are shown as they are, braces too
        return text.replace("{", "{{").replace("}", "}}")

    rows = {f"mistake {i}": plain(hint) for i, (_, hint) in enumerate(mistakes)}
    numbers = {"what": what, "expected": expected} | {f"mistake {i}": fits for i, (fits, _) in enumerate(mistakes)}
    asked = Exercise(**_NUMBER, ladder=tuple(map(plain, ladder)), mistakes=rows, decimals=decimals, percent=percent)
    return _ask(answer, expected, numbers, replace(asked, asks="{what} as a number"), key or f"check_number:{what}")


@exercise(
    "Output {value} is '{shown}'.",
    "labels[{value}] is '{shown}'. Search the list, e.g. with labels.index(...) or a loop.",
    read=_integer,
    asks="a whole number (an index)",
    off_by_one="You are off by one: index 0 of this model's output is 'background'.",
)
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


@exercise(
    "{scale} × ({q} − {zero_point}) = {shown}.",
    "You gave {answer}; apply real = scale × (q − zero_point) with this tensor's parameters.",
    "Look up the output's (scale, zero_point) pair in its details.",
    "Compute scale × ({q} − zero_point) with those two numbers.",
    "That is {scale} × ({q} − {zero_point}); round it to {decimals} decimal places.",
    percent=True,
    unshifted="Subtract the zero point before multiplying by the scale.",
    by_255="The scale is not 1/255 here: use the tensor's own quantization parameters.",
    divided="Multiply by the scale; do not divide by it.",
    byte="That is the byte itself: dequantize it with the formula.",
)
def check_dequantize(answer, q: int, scale: float, zero_point: int, *, decimals: int | None = None) -> Verdict:
    """Exercise 01.2: real = scale × (q − zero_point), at ``decimals`` places (a share also in %), or exact."""
    expected = float(scale) * (int(q) - int(zero_point))
    shown = f"{expected:.6f}" + ("" if decimals is None else f", {expected:.{decimals}f} to {decimals} decimal places")
    unshifted, by_255, divided, byte = scale * q if zero_point != 0 else None, q / 255, (q - zero_point) / scale, q
    exercise = EXERCISES["check_dequantize"]
    exercise = exercise if decimals is not None else replace(exercise, ladder=())  # exact: no ladder to round
    return _ask(answer, expected, locals(), exercise, "check_dequantize")


@exercise(
    "The top label is '{top}'.",
    "'{answer}' is not the most probable label. Use np.argmax on the probabilities, then labels[...].",
    read=None,
    no_output="The probabilities are all zero: run the model on the photo first (section 4).",
)
def check_top_label(answer, probs, labels: Sequence[str]) -> Verdict:
    """Exercise 01.3: the most probable label of a probability vector (any of its names, or its index; ties count)."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    if probs.size != len(labels):
        raise CheckError(f"{probs.size} probabilities for {len(labels)} labels; pass the model's output row.")
    best = np.flatnonzero(probs == probs.max())
    index = _integer(answer) if not isinstance(answer, str) else None
    text = answer.strip().lower() if isinstance(answer, str) else None
    ok = probs.max() > 0 and (
        (index is not None and index in best) or (text is not None and any(text in _names(labels[i]) for i in best))
    )
    top, no_output = labels[int(best[0])], probs.max() <= 0
    return _ask(answer, bool(ok), locals())


@numeric(
    "Write the e^z of each label before the change: they are proportional to the old probabilities.",
    "Change the one that changed (adding log 2 to a logit doubles its e^z), then add all of them up again.",
    "The new probability is its e^z divided by the new sum.",
    decimals=2,
    percent=True,
    before="That is the probability before the change. Its own logit did not move, but every probability is divided by the sum of all the exponentials, and that sum changed.",
)
def check_softmax_prediction(answer, logits, new_logits, index: int, what: str) -> Verdict:
    """Exercise 02.1 (predict, then run): the probability at ``index`` after the logits change, to 2 decimal places."""
    before, after = softmax(np.asarray(logits, float)), softmax(np.asarray(new_logits, float))
    if before.shape != after.shape or not 0 <= index < after.size:
        raise CheckError("Give two sets of logits of the same length and an index inside them.")
    expected, before = float(after[index]), float(before[index])
    return _ask(answer, expected, locals())


@exercise(
    "softmax gives {rounded}: the table.{tail}",
    "softmax of your logits is {got}, not {table} (to 2 decimal places).",
    "Section 1 found logits for the confident table: which function undoes np.exp?",
    "np.log(table) is one set of logits; adding the same number to all of them does not change the softmax.",
    "Subtract one log-probability from all of them, e.g. np.log(table) - np.log(table[i]).",
    read=None,
    unshaped="Give one logit per label: {size} numbers, in the table's order.",
    infinite="Your logits contain NaN or infinity; the log of a probability above 0 is finite.",
    unpinned="The softmax is right, but {where} is {pinned:.4g}, not 0. Which number can you add to all the logits without changing the softmax?",
)
def check_logits_for_table(logits, table: Sequence[float], zero_index: int | None = None) -> Verdict:
    """Exercise 02.2: logits whose softmax is ``table`` to 2 decimal places, the one at ``zero_index`` exactly 0."""
    table = np.asarray(table, dtype=np.float64)
    given = _array(logits)
    unshaped = given is None or given.shape != table.shape
    infinite = unshaped or not np.isfinite(given).all()
    probs = None if infinite else softmax(given)
    matches = not infinite and bool(np.allclose(probs, table, rtol=0, atol=0.005 + 1e-12))
    pinned = given[zero_index] if not infinite and zero_index is not None else 0.0
    unpinned = matches and pinned != 0
    rounded, got = ("", "") if infinite else (np.round(probs, 2).tolist(), np.round(probs, 3).tolist())
    where, size, table = f"logit {zero_index} (counting from 0)", table.size, table.tolist()
    tail = f" And {where} is 0." if zero_index is not None else " Any constant added to all the logits works too."
    return _ask(logits, matches and pinned == 0, locals())


def _temperature_for_top(logits: np.ndarray, target: float) -> float:
    low, high = 1e-3, 1e3  # the top probability falls as T grows: bisect on a log scale
    for _ in range(200):
        middle = float(np.sqrt(low * high))
        low, high = (middle, high) if softmax(logits, middle).max() > target else (low, middle)
    return float(np.sqrt(low * high))


@exercise(
    "At T = {value:.3g} the top probability is {top:.3f} (exact answer: T = {expected:.3f}).",
    "At T = {value:.3g} the top probability is {top:.3f}, not {target:.2f}: {direction}.",
    "The top probability falls steadily as T grows: find one T that is too low and one that is too high.",
    "Try the middle of the two, keep the half where the answer lies, and repeat (bisection).",
    "The answer lies between {low:g} and {high:g}.",
    asks=None,
    unusable="The temperature must be a positive number; got {answer!r}.",
)
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


@exercise(
    "Margin {expected:.3f}.",
    "{answer!r} is not the margin to 3 decimal places.",
    "The margin is the largest probability minus the second largest.",
    "np.sort(probs) sorts from smallest to largest: the last two are the ones you need.",
    "ordered = np.sort(probs); then ordered[-1] - ordered[-2].",
    decimals=3,
    smallest="That is top-1 minus the *smallest* probability; the margin uses the second largest.",
    reverse="Subtract the second largest from the largest, not the other way round.",
)
def check_margin(answer, probs) -> Verdict:
    """Exercise 03.2a: top-1 minus top-2 probability, to 3 decimal places (ties at the top give a margin of 0)."""
    probs = np.asarray(probs, dtype=np.float64).ravel()
    expected = float(margin(probs))
    smallest = probs.max() - probs.min() if probs.size > 2 else None
    reverse = -expected
    return _ask(answer, expected, locals())


@exercise(
    "Normalized entropy {expected:.3f}.",
    "{answer!r} is not the normalized entropy to 3 decimal places.",
    "Entropy is −Σ p·log(p) over the labels, divided by the log of the number of labels.",
    "Leave out the labels with p = 0 (their term counts as 0): p = probs[probs > 0].",
    "-(p * np.log(p)).sum() / np.log({size})",
    decimals=3,
    nats="{value:.4f} is the entropy in nats; divide by np.log({size}) to normalize it.",
    unsigned="Entropy is −Σ p·log p: you lost the minus sign.",
)
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


@numeric(
    "Normalized entropy = (−Σ p·log p) / log K, where K is the number of labels.",
    "The sum on top does not change; K goes from {size} to {more}.",
    "Multiply the old value by log({size}) / log({more}).",
    decimals=2,
    before="A label with probability 0 adds nothing to −Σ p·log p, true, but look at what you divide by.",
    higher="More labels, but none of them holds any probability: the distribution is no more spread out.",
)
def check_entropy_prediction(answer, probs, extra_labels: int = 1) -> Verdict:
    """Exercise 03.1 (predict, then run): normalized entropy after adding labels of probability 0, to 2 decimals."""
    extra = whole_number(extra_labels, "extra_labels", CheckError, minimum=1)
    probs = np.asarray(probs, dtype=np.float64).ravel()
    before = float(entropy(probs))
    expected = float(entropy(np.concatenate([probs, np.zeros(extra)])))
    what, size, more = "the normalized entropy", probs.size, probs.size + extra
    higher = lambda v: v > before + 0.005
    return _ask(answer, expected, locals())


@exercise(
    "Threshold {value:.2f} keeps {coverage:.1%} of the images, {accuracy:.1%} of them right (the lowest such threshold: {best:.3f}).",
    "At {value:.3g} the kept answers are right often enough ({accuracy:.1%}), but only {coverage:.1%} of the images are answered: a lower threshold still reaches {target:.0%} and answers more. Lower it.",
    "coverage_and_accuracy(confidence, correct, t) gives the share answered and their accuracy at t.",
    "Try t = 0.50, 0.51, 0.52, … in a loop and print the accuracy of each.",
    "The answer lies between {low} and {high}.",
    asks="a threshold (a number between 0 and 1)",
    none_kept="Threshold {value:.3g} keeps no answer at all; lower it.",
    too_low="At {value:.3g} the kept answers are {accuracy:.1%} right, below {target:.0%}: raise the threshold.",
)
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


@exercise(
    "{dims} × {itemsize} byte{s} = {expected:,} bytes.",
    "You gave {answer}. Read the shape and dtype in the model's input details: height × width × channels × bytes per channel.",
    read=_integer,
    asks="a whole number of bytes",
    one_channel="Each pixel has 3 channels (red, green, blue): multiply by 3.",
    as_float="This model is quantized: 1 byte per channel, not 4.",
    as_bytes="This is a float model: 4 bytes per channel (float32), not 1.",
)
def check_input_bytes(answer, input_details: dict) -> Verdict:
    """Exercise 04.1: the bytes of one input tensor = height × width × 3 channels × bytes per channel."""
    shape = [int(d) for d in input_details["shape"]]
    itemsize = np.dtype(input_details["dtype"]).itemsize
    expected = int(np.prod(shape)) * itemsize
    dims, s = " × ".join(map(str, shape[1:])), "s" if itemsize > 1 else ""
    one_channel = int(np.prod(shape[1:3])) * itemsize
    as_float, as_bytes = expected * 4 if itemsize == 1 else None, expected // 4 if itemsize == 4 else None
    return _ask(answer, expected, locals())


@exercise(
    "{value:,} images give ± {half:.2f} points; n = z²·p(1−p)/h², rounded up, is {smallest:,}. Ten times narrower needs a hundred times more images: ImageNet's validation set has 50,000.",
    "{value:,} images would do, but that is more than a quarter above the fewest that give ± {points}: find those, then round up.",
    "The half-width shrinks like 1/√n: to make it k times narrower you need k² times the images.",
    "With 1,000 images the half-width is z·√(p(1−p)/n) = {thousand:.2f} points (p = {p:g}, z = {z:.2f}). How many times narrower is ± {points}?",
    "Solve z·√(p(1−p)/n) = {half_width:g} for n: n = z²·p(1−p)/{half_width:g}², then round up.",
    read=_integer,
    asks="a whole number of images",
    none="The answer is a number of images: at least 1.",
    too_few="With {value:,} images the interval is ± {half:.3f} points: still wider than ± {points}.",
)
def check_sample_size(
    answer, accuracy: float = 0.7, half_width: float = 0.01, confidence: float = 0.95, slack: float = 0.25
) -> Verdict:
    """Exercise 04.5: a number of images whose 95 % interval is at most ± ``half_width``, without many to spare.

    Right: any whole number from the fewest that is enough (by the normal approximation z·√(p(1−p)/n) or by the
    Wilson interval, whichever allows fewer) up to ``slack`` more than the normal approximation's n, so a
    rounded-up estimate counts (9,000 and 10,000 for the default question, whose exact answer is 8,068).
    """
    from statistics import NormalDist

    if not (0 < accuracy < 1 and 0 < half_width < 1 and 0 < confidence < 1 and slack >= 0):
        raise CheckError("accuracy, half_width and confidence lie between 0 and 1, and slack is at least 0.")
    z, p = NormalDist().inv_cdf(0.5 + confidence / 2), accuracy

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
    return _ask(answer, lambda n: fewest <= n <= smallest * (1 + slack), locals())


@exercise(
    "{answer} is the most accurate model within the limits.",
    "{answer} fits, but another model that fits is more accurate. Filter by all three limits first, then take the highest '{accuracy}'.",
    read=None,
    said_none="At least one model meets all three limits: filter the table by each of them.",
    unknown="'{answer}' is not one of the models ({models}), or 'none'.",
    breaks="{answer} breaks a limit: {broken}.",
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
    """Exercise 04.3: the most accurate model within three limits (or tied with it), or "none" if none fits."""
    limits = (
        (latency, "latency", max_latency_ms, 1),
        (size, "size", max_size_mb, 1),
        (accuracy, "accuracy", min_accuracy, -1),
    )

    def broken_limits(row) -> list[str]:
        return [
            f"its {what} is {row[key]}"
            for key, what, limit, sign in limits
            if row[key] is None or sign * (float(row[key]) - limit) > 0
        ]

    best = best_model(rows, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size)
    right = [
        str(r[name]).lower()
        for r in rows
        if best and not broken_limits(r) and float(r[accuracy]) == float(best[accuracy])
    ]
    given = str("none" if answer is None else answer).strip().lower()
    chosen = next((row for row in rows if str(row[name]).lower() == given), None)
    said_none, unknown, models = given == "none", chosen is None, ", ".join(str(row[name]) for row in rows)
    broken = "" if unknown else "; ".join(broken_limits(chosen))
    breaks = bool(broken)
    exercise = EXERCISES["check_best_model"]
    exercise = exercise if best else replace(exercise, good="No model meets all three limits.")
    return _ask(answer, given in right or (best is None and said_none), locals(), exercise, "check_best_model")


@exercise(
    "The front is {front}.",
    "{gaps}.",
    read=None,
    not_names="Not model names: {unknown}. Use the names in the table.",
)
def check_pareto_front(answer, names, latency_ms, accuracy) -> Verdict:
    """Exercise 04.4: the set of models that no other model beats on both latency and accuracy."""
    expected = {n for n, on in zip(names, pareto_front(latency_ms, accuracy), strict=True) if on}
    items = [answer] if isinstance(answer, str) else list(answer) if isinstance(answer, Iterable) else [answer]
    given = {str(a).strip() for a in items}
    dominated, missing = sorted(given - expected), sorted(expected - given)
    gaps = [
        f"{name} is beaten on both counts by another model (find one faster *and* more accurate)"
        for name in dominated[:1]
    ]
    gaps = "; ".join(
        gaps + [f"{name} is missing: no model is both faster and more accurate than it" for name in missing[:1]]
    )
    front, unknown = ", ".join(n for n in names if n in expected), sorted(given - set(names))
    not_names = bool(unknown)
    return _ask(answer, given == expected, locals())


@exercise(
    "round({real} / {scale:.6g}) {sign} {offset} = {value}{clipped}.",
    "You gave {answer}. Solve real = scale × (q − zero_point) for q, round to the nearest integer, and clip to {low} … {high}.",
    "First divide: {real} / scale is how many steps {real} lies above the zero point's code.",
    "Then add the zero point (mind its sign) and round to the nearest integer.",
    "q = round({real} / scale) + zero_point with this tensor's scale and zero point, clipped to {low} … {high}.",
    read=_integer,
    asks="a whole number (a code)",
    unclipped="{unclipped} does not fit in {dtype} ({low} … {high}): clip it to the nearest code the type can hold.",
    unshifted="Add the zero point after dividing by the scale.",
    multiplied="Divide the real value by the scale (quantizing is the inverse of real = scale × (q − zero_point)).",
)
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


@exercise(
    "{size:,} weights, {channels} channels, each with its own scale (from {smallest:.3g} to {largest:.3g}).",
    "Not equal to scale × (q − zero_point) channel by channel. Check that the scales line up with axis {axis} of the weights, and that q is converted to float first.",
    "Every code q becomes scale × (q − zero_point), with the scale and zero point of its own channel.",
    "Reshape the scales and zero points so they line up with axis {axis}: np.array(scales).reshape({along}).",
    "Convert the codes first, q.astype(np.float32), then subtract the reshaped zero points and multiply by the reshaped scales.",
    read=None,
    unreadable="Give an array of numbers; got {answer!r} ({kind}).",
    zeros="Your array is still all zeros: replace it with the dequantized weights.",
    misshaped="The result must have the weights' shape {shape}; yours is {given_shape}. Reshape the scales so they line up with axis {axis}.",
    one_scale="You used one scale for every channel; each of the {channels} channels has its own. Reshape the scales to line up with axis {axis}, e.g. scales.reshape(-1, 1, 1, 1) for axis 0.",
)
def check_dequantized_weights(answer, q, scales, zero_points, axis: int = 0) -> Verdict:
    """Exercise 05.2: per-channel dequantization, each channel along ``axis`` with its own scale and zero point."""
    q = np.asarray(q)
    if not 0 <= axis < q.ndim:
        raise CheckError(f"axis {axis} does not exist in codes of shape {q.shape}.")
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


@numeric(
    "Rounding moves a value to the nearest code: at most half a step.",
    "One step is (high − low) / 255, with the new high.",
    "Half of ({high} − ({low:.2f})) / 255, to {decimals} decimal places.",
    step="That is a whole step; rounding goes to the nearest code.",
    codes="There are 255 steps between 256 codes.",
    old_range="That is the old range's bound: the step grows with the range.",
)
def check_half_step(answer, low: float, high: float, previous_high: float | None = None, decimals: int = 4) -> Verdict:
    """Exercise 05.3: the largest rounding error in int8 over [low, high], half a step of (high − low) / 255."""
    if not float(high) > float(low):
        raise CheckError(f"high ({high}) must be above low ({low}).")
    low = float(low)
    step = (float(high) - low) / 255
    expected, codes, what = step / 2, step / 2 * 255 / 256, "the largest rounding error"
    old_range = None if previous_high is None else (float(previous_high) - low) / 255 / 2
    return _ask(answer, expected, locals())


@exercise(
    "{wide:.{dp}f} MB as float32 and {narrow:.{dp}f} MB as int8 (to {places}): the weights are nearly the whole file, plus a little for the graph and the scales.",
    "You gave {float32_mb} MB and {int8_mb} MB; give both to {places}.",
    "Each parameter is stored once; count its bytes.",
    "float32 takes 4 bytes per parameter, int8 takes 1.",
    "{count:,.0f} × 4 bytes and {count:,.0f} × 1 byte, each divided by 1,000,000, rounded to {places}.",
    read=None,
    unreadable="Give both sizes as numbers of megabytes.",
    swapped="The two are swapped: float32 takes 4 bytes per weight, int8 one.",
    bits="That counts bits; a file size is in bytes (8 bits each).",
    in_bytes="That is in bytes; divide by 1,000,000 for megabytes.",
    mebibytes="That is in MiB (2²⁰ bytes); the question asks for MB, 10⁶ bytes.",
    close="Close, but not at {places}: count the weights alone and round rather than cut digits off.",
    one_right="One of the two is right ({which}); redo the other one.",
)
def check_model_sizes(float32_mb, int8_mb, parameters: int, decimals: int = 1) -> Verdict:
    """Exercise 05.2: the weights' size in MB (10⁶ bytes) as float32 and as int8, at ``decimals`` places."""
    count = _number(parameters)
    if count is None or count <= 0:
        raise CheckError(f"parameters must be a positive number; got {parameters!r}.")
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


@exercise(
    "Accuracy {expected:.2f} ({hits} of {total}) from {chosen} training photos ({per_class} per class).",
    "You gave {answer!r}, not the accuracy to 2 decimal places.",
    "Take the indices: chosen = transfer.sample_per_class(train.class_ids, {per_class}, seed={seed}).",
    "Imprint from those photos only: weights = transfer.imprint(train_features[chosen], train.class_ids[chosen]).",
    "Predict with np.argmax(transfer.l2_normalize(val_features) @ weights.T, axis=1), compare with val.class_ids and take the mean of the hits.",
    decimals=2,
    percent=True,
    asks="the accuracy as a number between 0 and 1",
    every_photo="That uses every training photo; imprint only the {chosen} chosen by sample_per_class(train.class_ids, {per_class}, seed={seed}).",
    trained_head="That is the trained softmax head's accuracy; use transfer.imprint instead.",
)
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

    def as_share(v: float) -> float:
        return v / 100 if abs(v) > 1 else v

    indices = sample_per_class(train_y, per_class, seed)
    expected = imprinted(indices)
    hits, total, chosen = round(expected * len(val_y)), len(val_y), len(indices)
    every_photo = lambda v: at_precision(as_share(v), imprinted(np.arange(len(train_y))), 2)  # computed only if asked
    trained_head = lambda v: at_precision(as_share(v), head(), 2)
    return _ask(answer, expected, locals())


@exercise(
    "{most} {true} photos were taken for {predicted}: the largest number off the diagonal.",
    "Look for the largest number off the diagonal (it is {most}); its row is the true class, its column the predicted one.",
    read=None,
    unpaired="Answer with a pair of class names: (true class, predicted class).",
    swapped="Swap them: rows are the true class and columns the predicted class.",
    diagonal="The diagonal counts the right answers; look at the cells off the diagonal.",
)
def check_most_confused(answer, matrix, classes: Sequence[str]) -> Verdict:
    """The (true, predicted) class pair with the most mistakes in a confusion matrix, as names (any case) or indices."""
    return _most_confused(answer, matrix, classes)


EXERCISES["check_imprinted_confusion"] = replace(
    EXERCISES["check_most_confused"],
    ladder=(
        "Predict with the imprinted weights: np.argmax(transfer.l2_normalize(val_features) @ weights.T, axis=1).",
        "Count with transfer.confusion_matrix(val.class_ids, predictions, len(val.classes)); rows are the true class, columns the answer.",
        "Set the diagonal to zero (matrix * (1 - np.eye(5, dtype=int))), then np.unravel_index(np.argmax(...), matrix.shape) gives (row, column).",
    ),
)


def check_imprinted_confusion(
    answer, train_features, train_class_ids, val_features, val_class_ids, classes: Sequence[str]
) -> Verdict:
    """Exercise 06.3: the most frequent mistake (true class, predicted class) of a head imprinted from every photo."""
    weights = imprint(np.asarray(train_features), np.asarray(train_class_ids), len(classes))
    predicted = np.argmax(l2_normalize(val_features) @ weights.T, axis=1)
    return _most_confused(answer, confusion_matrix(np.asarray(val_class_ids), predicted, len(classes)), classes)


def _most_confused(answer, matrix, classes: Sequence[str]) -> Verdict:
    counts = np.asarray(matrix)
    if counts.shape != (len(classes), len(classes)):
        raise CheckError(f"Expected a {len(classes)}×{len(classes)} matrix; got shape {counts.shape}.")
    mistakes = counts * (1 - np.eye(len(classes), dtype=counts.dtype))
    most = int(mistakes.max())
    if most == 0:
        raise CheckError("This confusion matrix has no mistakes at all: there is no pair to ask about.")
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
    return _ask(answer, (true, predicted) in pairs, locals(), key=sys._getframe(1).f_code.co_name)


@exercise(
    "{classes} × ({dim} + 1) parameters × 4 bytes = {expected:,} bytes, about {kilobytes:.1f} kB.",
    "You gave {answer!r}, not the number of bytes.",
    "Count the numbers first: one weight per feature and class, one bias per class.",
    "Weights: {dim} × {classes}; biases: {classes}. Each float32 takes 4 bytes.",
    "4 × ({dim} × {classes} + {classes}).",
    read=_integer,
    asks="a whole number of bytes",
    no_bias="You forgot the bias: one more number per class.",
    parameters="That is the number of parameters; each float32 takes 4 bytes.",
)
def check_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 06.1: bytes a float32 softmax head adds to a model: 4 × classes × (dim + 1)."""
    expected, no_bias, parameters = 4 * classes * (dim + 1), 4 * classes * dim, classes * (dim + 1)
    kilobytes = expected / 1e3
    return _ask(answer, expected, locals())


@exercise(
    "{classes} × {dim} weights × 1 byte + {classes} biases × 4 bytes = {expected:,} bytes, a quarter of the float32 head.",
    "You gave {answer!r}, not the number of bytes.",
    "The weights and the biases are stored differently: count them separately.",
    "{dim} × {classes} int8 weights take one byte each; the {classes} biases stay int32.",
    "{dim} × {classes} × 1 + {classes} × 4.",
    read=_integer,
    asks="a whole number of bytes",
    byte_bias="The bias stays 32-bit (int32, 4 bytes): only the weights shrink to one byte.",
    float_head="That is the float32 head; int8 weights take one byte each.",
)
def check_int8_head_bytes(answer, dim: int, classes: int) -> Verdict:
    """Exercise 07.1: bytes of an int8 head: one byte per weight, a 4-byte int32 bias per class."""
    expected, byte_bias, float_head = classes * dim + 4 * classes, classes * (dim + 1), 4 * classes * (dim + 1)
    return _ask(answer, expected, locals())


def noisy_accuracy(accuracy: float, flipped: float, classes: int) -> float:
    """Expected measured accuracy when a share ``flipped`` of the labels is changed at random to another class.

    A right answer counts only if its label was kept, (1 − flipped); a wrong answer becomes "right" when its label
    was flipped to exactly that answer, flipped / (classes − 1).
    """
    return accuracy * (1 - flipped) + (1 - accuracy) * flipped / (classes - 1)


@numeric(
    "Think of the right answers first: which of them still count as right after the flips?",
    "A right answer still counts when its label was kept: {accuracy:.3f} × (1 − {flipped:g}).",
    "Add the rare lucky case: a wrong answer whose label was flipped to exactly that answer, (1 − {accuracy:.3f}) × {flipped:g} / {others}.",
    decimals=3,
    percent=True,
    unchanged="Flipping labels changes the score: a right answer whose label was flipped now counts as wrong.",
    kept_only="Nearly: you counted the right answers whose label was kept. Add the lucky wrong answers whose label was flipped to exactly that answer.",
    subtracted="Not every flipped photo was a right answer: only a share {accuracy:.2f} of them was.",
)
def check_noisy_accuracy(answer, accuracy: float, flipped: float, classes: int = 5) -> Verdict:
    """Exercise 07.2: the measured accuracy when a share of the test labels is flipped, to 3 decimal places."""
    expected, what = (
        noisy_accuracy(accuracy, flipped, classes),
        f"the measured accuracy with {flipped:.0%} of the labels flipped",
    )
    unchanged, kept_only, subtracted, others = accuracy, accuracy * (1 - flipped), accuracy - flipped, classes - 1
    return _ask(answer, expected, locals())


@numeric(
    "Start from the standard error's formula, se = √(p(1 − p)/n), and solve it for n.",
    "n = p(1 − p) / se², with p and se as shares (0.9 and 0.01).",
    "{accuracy:g} × {rest:g} / {standard_error:g}².",
    decimals=0,
    unsquared="Solve for n: square both sides of se = √(p(1 − p)/n) first.",
    interval="That is for a 95 % interval of ± {points:g} point, which reaches about 2 standard errors to each side; the question asks for one standard error.",
    se_once="Square the standard error too: n = p(1 − p) / se², and se² = {variance:g}.",
)
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


@exercise(
    "{expected:,} of the model's {everything:,} parameters are trainable.",
    "{answer!r} is not the exact count of trainable parameters.",
    "Add up np.prod(w.shape) over model.trainable_weights.",
    "Per block: a 3 × 3 depthwise kernel (9 per channel), a 1 × 1 pointwise kernel (in × out channels), and a scale and a shift per channel for each BatchNorm; then the head's weights and biases.",
    "sum(int(np.prod(w.shape)) for w in model.trainable_weights) gives it.",
    read=_integer,
    asks="a whole number of parameters",
    everything="That counts every parameter; count only model.trainable_weights (frozen layers and BatchNorm's stored averages do not change).",
    stored_bn="BatchNorm's stored mean and variance are not trained (inference mode keeps them); leave them out.",
    learned_bn="Close: BatchNorm's learned scale and shift (two numbers per channel) train too; add them.",
    no_head="Close: the new head (the Dense layer's weights and biases) trains too; add it.",
    head_only="That is the head alone (phase 1); phase 2 trains the top blocks too.",
)
def check_trainable_parameters(answer, model) -> Verdict:
    """Exercise 08.1: how many of a Keras model's parameters training may change (its trainable weights), exactly."""
    import keras

    if not isinstance(model, keras.Model):
        raise CheckError("Pass the Keras model whose trainable parameters you counted.")

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


def _interval(answer) -> list[float] | None:
    """Two ends in any order and form (see ``_pair``), as fractions: "81.2% – 92.7%" and (81.2, 92.7) count too."""
    pair = _pair(answer)
    if pair is None:
        return None
    low, high = sorted(pair)
    return [low / 100, high / 100] if 1 < high <= 100 and low >= 0 else [low, high]


@exercise(
    "{hits}/{total} = {p:.{decimals}f}, 95 % interval {low:.{decimals}f}–{high:.{decimals}f}.",
    "{answer!r} is not the 95 % Wilson interval of {hits} right out of {total} to {places}.",
    "The two counts are {hits} photos right and {total} photos in all.",
    "With p = hits / total, n = total and z = 1.96: centre = (p + z²/2n) / (1 + z²/n), half-width = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²).",
    "wilson_interval({hits}, {total}) from helpers.metrics returns (low, high).",
    read=_interval,
    asks="the interval as two numbers (low, high)",
    wald="That is the simple p ± 1.96·√(p(1−p)/n) interval; the Wilson interval (notebook 03) is not centred on p and stays inside 0…1.",
    ninety="That is a 90 % interval; the question asks for 95 % (z = 1.96).",
    close="Close: round each end to {places} (or check the counts: {hits} right of {total}).",
)
def check_wilson_interval(answer, hits: int, total: int, decimals: int = 3) -> Verdict:
    """Exercise 08.2: the 95 % Wilson interval of ``hits`` out of ``total``, each end at ``decimals`` places."""
    if not (is_whole(hits) and is_whole(total)):
        raise ValueError("hits and total are counts of photos (whole numbers)")  # named by raises_own_errors
    hits, total = int(hits), int(total)
    (low, high), p = wilson_interval(hits, total), hits / total
    half = 1.96 * np.sqrt(p * (1 - p) / total)

    def matches(ends, lo: float, hi: float) -> bool:
        return at_precision(ends[0], lo, decimals) and at_precision(ends[1], hi, decimals)

    wald = lambda ends: matches(ends, p - half, p + half)
    ninety = lambda ends: matches(ends, *wilson_interval(hits, total, 0.90))
    close = lambda ends: abs(ends[0] - low) < 0.02 and abs(ends[1] - high) < 0.02
    return _ask(answer, lambda ends: matches(ends, low, high), locals())


@numeric(
    "The drop is the class's probability on the whole view minus its probability with the box covered.",
    "Copy the model's view (explain.model_pixels), then set covered[top:bottom, left:right] = {fill}.",
    "Run classifier.predict on both views, take element [target] of each, and subtract: whole − covered.",
    decimals=2,
    percent=True,
    reverse="Your sign is reversed: the drop is (whole image) − (covered).",
    one_of_two="That is one of the two probabilities; subtract the covered one from the whole image's.",
    transposed="You covered the box with x and y exchanged: NumPy indexes rows (top:bottom) first, then columns.",
)
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


@exercise(
    "Spearman's ρ = {expected:.2f}.",
    "{answer!r} is not Spearman's ρ of these maps to 2 decimal places.",
    "Spearman's ρ is Pearson's correlation of the two maps' ranks, not of their values.",
    "A cell's rank is its place in sorted order: np.argsort(np.argsort(values.ravel())) gives every rank.",
    "np.corrcoef(ranks_a, ranks_b)[0, 1], with both maps ranked the same way.",
    decimals=2,
    asks="one number between −1 and 1",
    pearson="That is Pearson's correlation of the values; correlate their ranks instead.",
    reverse="The sign is reversed: rank both maps the same way (smallest value first in both).",
)
def check_rank_correlation(answer, first, second) -> Verdict:
    """Exercise 10.3: Spearman's ρ of two maps to 2 decimals, ties ranked by their average rank or in order."""
    a, b = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    expected = rank_correlation(a, b)

    def ordinal(values: np.ndarray) -> np.ndarray:
        return np.argsort(np.argsort(values.ravel(), kind="stable"), kind="stable")

    in_order = float(np.corrcoef(ordinal(a), ordinal(b))[0, 1])
    pearson, reverse = float(np.corrcoef(a.ravel(), b.ravel())[0, 1]), (-expected, -in_order)
    return _ask(answer, (expected, in_order), locals())


@numeric(
    "The metadata gives a mean and a std for the input: read them in metadata.normalization().",
    "The model gets (pixel − mean) / std.",
    "Compute ({pixel:g} − {mean:g}) / {std:g} and round it to {decimals} decimal places.",
    unshifted="Subtract the mean before dividing by the std.",
    by_255="Not pixel / 255: use the mean and std the metadata states.",
    multiplied="Divide by the std; do not multiply by it.",
    sign="Check the sign: is the pixel above or below the mean?",
)
def check_normalized_pixel(answer, pixel: float, mean: float, std: float, *, decimals: int = 2) -> Verdict:
    """Exercise 09.1a: the number a float model gets for one pixel value, (pixel − mean) / std."""
    pixel, mean, std = float(pixel), float(mean), float(std)
    expected, what = (pixel - mean) / std, f"({pixel:g} − {mean:g}) / {std:g}"
    unshifted, by_255, multiplied, sign = pixel / std, pixel / 255, (pixel - mean) * std, -expected
    return _ask(answer, expected, locals())


@numeric(
    "List the zip's files with zipfile.ZipFile(detector_path).namelist(), then read the labels file.",
    "Split it into lines with .decode('utf-8').splitlines(); some lines are '{placeholder}'. Leave those out.",
    "Count the lines that are not '{placeholder}', e.g. sum(line != '{placeholder}' for line in lines).",
    decimals=0,
    every_line="That counts every line, the '{placeholder}' placeholders too.",
    placeholders="That is the number of '{placeholder}' lines; count the others.",
)
def check_class_count(answer, model_path, placeholder: str = "???") -> Verdict:
    """Exercise 09.1b: how many real classes (lines neither empty nor ``placeholder``) a model's label file names."""
    import zipfile

    try:
        with zipfile.ZipFile(model_path) as archive:
            texts = [name for name in archive.namelist() if name.endswith(".txt")]
            if len(texts) != 1:
                raise CheckError(f"{model_path} holds {len(texts)} .txt files in its zip; this check needs one.")
            lines = [line.strip() for line in archive.read(texts[0]).decode("utf-8").splitlines()]
    except (OSError, zipfile.BadZipFile) as error:
        raise CheckError(f"{model_path} is not a model file with a zip of labels: {error}") from None
    expected = sum(1 for line in lines if line and line != placeholder)
    what, every_line, placeholders = f"the number of real classes in {texts[0]}", len(lines), len(lines) - expected
    return _ask(answer, expected, locals())


@numeric(
    "The mask holds one class index per pixel; segmentation.labels says which index is which label.",
    "Find the index of '{label}' with segmentation.labels.index(...).",
    "Compare the mask with that index and sum: (mask == index).sum().",
    decimals=0,
    share="That is a share of the photo; count the pixels instead.",
    every_pixel="That is every pixel of the mask; count only those of this class.",
    other_class="That is the count of another class: compare the mask with this label's index.",
)
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


@exercise(
    "{count} of {models} models finish a frame within {budget_ms:.1f} ms {where}: {kept}.",
    "Compare each model's median frame time (all five stages) with {budget_ms:.1f} ms.",
    "{over} of your names are over the budget and {missing} that fit are missing.",
    "For each model, multiply frame_ms by {slowdown:g} and keep it if the result is at most {budget_ms:.1f} ms.",
    "In code: [name for name, ms in frame_ms.items() if {slowdown:g} * ms <= {budget_ms:.1f}]",
    read=None,
    here="Those fit on this computer; on the slower device every frame takes {slowdown:g} times as long.",
    invoke_only="That counts invoke() alone; a frame also needs capture, transfer, preprocess and display. Use the median time of the whole frame (frame_ms).",
    reverse="Reversed: those are the models that do NOT finish a frame within the budget.",
)
def check_models_within_budget(
    answer,
    frame_ms: Mapping[str, float],
    invoke_ms: Mapping[str, float] | None = None,
    budget_ms: float = 1000 / 30,
    slowdown: float = 1.0,
) -> Verdict:
    """Exercise 11.3: the models whose median frame, ``slowdown`` times slower, fits ``budget_ms`` (any case)."""
    slowdown = float(slowdown)
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
    invoke_only = invoke_ms is not None and given == fitting(invoke_ms, slowdown)
    reverse = bool(everything - expected) and given == everything - expected
    return _ask(answer, given == expected, locals())


@exercise(
    "The model answers {answered:.{decimals}f} times a second, so {expected:.{decimals}f} of the camera's {camera_fps:g} frames per second are never classified (and none waits in a queue).",
    "You gave {value:g}: not the frames dropped per second to {places}.",
    "The model finishes one frame every {process_ms:g} ms. How many does it finish in one second (1000 ms)?",
    "It answers 1000 / {process_ms:g} frames a second; the camera delivers {camera_fps:g}. The rest are dropped.",
    "{camera_fps:g} − 1000 / {process_ms:g}, to {places}; camera.simulate({process_ms:g}, seconds=10) agrees.",
    asks="one number of frames per second, to {places}",
    classified="That is how many frames are classified each second; how many of the camera's frames are left over?",
    queued="A queue would drop nothing (and fall further behind); newest-frame-wins skips the frames that arrive while the model is busy.",
    close="Close: give it to {places} (round only at the end).",
)
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


@exercise(
    "{width} × {height} pixels × {channels} bytes = {expected:,} bytes per frame ({share:.0%} of a 224 × 224 frame).",
    "{answer!r} is not the number of bytes of one {width} × {height} RGBA frame.",
    "The frame is scaled to {width} × {height} before it is sent.",
    "{width} × {height} = {pixels:,} pixels; how many bytes does one RGBA pixel take?",
    "{width} × {height} × {channels}.",
    asks="a whole number of bytes",
    rgb="That is RGB; the browser's canvas gives four bytes a pixel: red, green, blue and alpha (RGBA).",
    pixels="That counts pixels; each pixel takes several bytes.",
    unscaled="That is the 224 × 224 frame; the frame is scaled to this model's input size first.",
    kilobytes="Give bytes, not kilobytes.",
)
def check_frame_bytes(answer, width: int, height: int, channels: int = 4) -> Verdict:
    """Exercise 11.1: the bytes one ``width`` × ``height`` frame takes as RGBA (``channels`` bytes a pixel)."""
    width, height, channels = (
        whole_number(v, n, CheckError) for v, n in ((width, "width"), (height, "height"), (channels, "channels"))
    )
    if answer is None:  # the exercise's placeholder: not a wrong try
        return _verdict(False, "Replace None with the number of bytes of one frame.")
    expected, pixels = width * height * channels, width * height
    share, rgb = expected / (224 * 224 * channels), pixels * 3
    unscaled = 224 * 224 * channels if pixels != 224 * 224 else None
    kilobytes = lambda v: abs(v * 1000 - expected) < 1 or abs(v * 1024 - expected) < 1
    return _ask(answer, lambda v: v == expected, locals())


wrap_public_functions(globals(), CheckError)  # a raw TypeError, KeyError, ... from bad arguments: a CheckError


# For autograders (tools/nbgrader_course.py writes nbgrader test cells that call this). Kept apart from the
# checks above, which never raise for a wrong answer: here a wrong answer must fail the test cell.
def graded(check: Callable[..., Verdict], *args, **kwargs) -> Verdict:
    """Run a self-check as an autograder test: print its ✓ verdict when right, raise AssertionError when wrong.

    The AssertionError's message is the check's verdict with its hint, so a grader scores the cell 0 and the
    feedback names what to fix. A graded run is not one of the learner's tries: the hint ladder is left as it was.
    Raises CheckError when ``check`` is not one of this module's self-checks.
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
