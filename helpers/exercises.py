"""The lessons' exercises as data, and the engine ``_ask`` that asks them for the self-checks of ``helpers.checks``:
read the answer in any form a learner may type it; compare it with every right answer at the stated precision; only
for a wrong answer (so that no hint can shadow a right one), explain the first known mistake that fits, then add the
next rung of the hint ladder (a right answer starts it again)."""

from __future__ import annotations

import numbers
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from helpers.errors import CheckError, wrap_public_functions


@dataclass(frozen=True)
class Verdict:
    """A check's result: truthy when right; displays as nothing (the check already printed why)."""

    ok: bool
    message: str

    def __bool__(self) -> bool:
        return self.ok

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
    if isinstance(answer, np.ndarray) and answer.size == 1:
        return _number(answer.reshape(-1)[0])
    value = None
    if isinstance(answer, str):
        # thousands separators as learners type them: 104,837 · 104_837 · 104 837 (thin spaces too) · 104'837
        text = "".join(answer.split()).replace(",", "").replace("_", "").replace("'", "")
        top, _, bottom = text.removesuffix("%").partition("/")  # 0.78 · 78% · 200/256
        try:
            value = float(top) / float(bottom or 1) / (100 if text.endswith("%") else 1)
        except (ValueError, ZeroDivisionError):
            return None
    elif isinstance(answer, (numbers.Number, np.generic)) and not isinstance(answer, (bool, np.bool_)):
        try:
            number = complex(answer)
        except (TypeError, ValueError):
            return None
        value = number.real if number.imag == 0 else None
    return value if value is not None and np.isfinite(value) else None


def _integer(answer) -> int | None:
    """The answer as a whole number (104837, "104,837", 104837.0, a NumPy integer); None when it is not one."""
    value = _number(answer)
    return round(value) if value is not None and value == round(value) else None


def _interval(answer) -> list[float] | None:
    """Two ends in any order and usual form ("0.74, 0.93", "74% – 93%", "74 to 93", an array), as fractions."""
    if isinstance(answer, str):
        answer = [p for p in re.split(r"\s*(?:,|;|–|—|\bto\b|\s-\s|\s+)\s*", answer.strip().strip("()[]")) if p]
    if isinstance(answer, np.ndarray):
        answer = answer.ravel().tolist()
    values = [_number(part) for part in answer] if isinstance(answer, (list, tuple)) and len(answer) == 2 else [None]
    if None in values:
        return None
    low, high = sorted(values)
    return [low / 100, high / 100] if 1 < high <= 100 and low >= 0 else [low, high]


def _places(decimals: int | None) -> str:
    return "a whole number" if not decimals else f"{decimals} decimal place{'s' if decimals != 1 else ''}"


def at_precision(value: float | None, expected: float, decimals: int) -> bool:
    """True when ``value`` is within half a unit of the last of ``decimals`` places of ``expected`` (0.781 ~ 0.78125)."""
    if value is None or not np.isfinite(value):
        return False
    return abs(value - expected) <= 0.5 * 10.0 ** (-decimals) * (1 + 1e-9) + 1e-12


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


def _exercise(
    good: str, wrong: str, *ladder: str, read=_number, decimals=None, percent=False, asks="a number", **mistakes
) -> Exercise:
    """One row of the table; each known mistake is a keyword argument (its hint) named by a value its check computes:
    what the mistake gives (or a tuple of such), compared at the exercise's precision; a bool; or a function of it."""
    return Exercise(good, wrong, ladder, mistakes, read, decimals, percent, asks)


# An exercise asking for one number (``what`` it is, its ``expected`` value), as check_number asks it.
_NUMBER = _exercise(
    "{what} = {expected:.{dp}f} (to {places}).", "{answer!r} is not {what} to {places}.", asks="{what} as a number"
)


def _numeric(*ladder: str, decimals=None, percent=False, **mistakes) -> Exercise:
    """One row of the table asking for one number, with the verdicts of ``check_number``."""
    return replace(_NUMBER, ladder=ladder, mistakes=mistakes, decimals=decimals, percent=percent)


# Wrong tries per exercise since its last right answer, keyed by the check's name.
_wrong_tries: dict[str, int] = {}


def _ask(answer, right, numbers: dict, data: Exercise | None = None, key: str | None = None) -> Verdict:
    """Read ``answer``, compare it with ``right`` (values, a function of the read answer, or a bool), print the verdict
    and the hint a wrong answer earns; ``numbers``, the check's ``locals()``, fill the texts and name the mistakes."""
    key = key or sys._getframe(1).f_code.co_name
    data = data or EXERCISES[key]
    decimals = numbers.get("decimals", data.decimals)
    value = answer if data.read is None else data.read(answer)

    def near(target) -> bool:
        if target is None or value is None:
            return False
        if isinstance(target, (tuple, list, set)):
            return any(near(t) for t in target)
        if decimals is None:
            return value == target if isinstance(value, int) else bool(np.isclose(value, target, rtol=1e-5, atol=1e-6))
        return at_precision(value, target, decimals) or (
            data.percent and abs(value) > 1 and abs(target) <= 1 and at_precision(value / 100, target, decimals)
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
        return _verdict(True, data.good.format(**texts))
    tries = _wrong_tries[key] = _wrong_tries.get(key, 0) + 1
    if value is None and data.read is not None and data.asks is not None:
        hint = "Give " + data.asks + "; got {answer!r} ({kind})."
    else:
        hint = next((text for name, text in data.mistakes.items() if fits(numbers[name])), data.wrong)
    hint = hint.format(**texts)
    if data.ladder:
        rung = min(tries, len(data.ladder))
        hint += f" Hint {rung} of {len(data.ladder)}: " + data.ladder[rung - 1].format(**texts)
    return _verdict(False, hint)


# The exercises, each named by its check in helpers.checks (the fields: see Exercise).
EXERCISES: dict[str, Exercise] = {
    "check_label_index": _exercise(
        "Output {value} is '{shown}'.",
        "labels[{value}] is '{shown}'. Search the list, e.g. with labels.index(...) or a loop.",
        read=_integer,
        asks="a whole number (an index)",
        off_by_one="You are off by one: index 0 of this model's output is 'background'.",
    ),
    "check_dequantize": _exercise(
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
    ),
    "check_top_label": _exercise(
        "The top label is '{top}'.",
        "'{answer}' is not the most probable label. Use np.argmax on the probabilities, then labels[...].",
        read=None,
        no_output="The probabilities are all zero: run the model on the photo first (section 4).",
    ),
    "check_softmax_prediction": _numeric(
        "Write the e^z of each label before the change: they are proportional to the old probabilities.",
        "Change the one that changed (adding log 2 to a logit doubles its e^z), then add all of them up again.",
        "The new probability is its e^z divided by the new sum.",
        decimals=2,
        percent=True,
        before="That is the probability before the change. Its own logit did not move, but every probability is divided by the sum of all the exponentials, and that sum changed.",
    ),
    "check_logits_for_table": _exercise(
        "softmax gives {rounded}: the table. And {where} is 0.",
        "softmax of your logits is {got}, not {table} (to 2 decimal places).",
        "Section 1 found logits for the confident table: which function undoes np.exp?",
        "np.log(table) is one set of logits; adding the same number to all of them does not change the softmax.",
        "Subtract one log-probability from all of them, e.g. np.log(table) - np.log(table[i]).",
        read=None,
        unshaped="Give one logit per label: {size} numbers, in the table's order.",
        infinite="Your logits contain NaN or infinity; the log of a probability above 0 is finite.",
        unpinned="The softmax is right, but {where} is {pinned:.4g}, not 0. Which number can you add to all the logits without changing the softmax?",
    ),
    "check_temperature_for_top": _exercise(
        "At T = {value:.3g} the top probability is {top:.3f} (exact answer: T = {expected:.3f}).",
        "At T = {value:.3g} the top probability is {top:.3f}, not {target:.2f}: {direction}.",
        "The top probability falls steadily as T grows: find one T that is too low and one that is too high.",
        "Try the middle of the two, keep the half where the answer lies, and repeat (bisection).",
        "The answer lies between {low:g} and {high:g}.",
        asks=None,
        unusable="The temperature must be a positive number; got {answer!r}.",
    ),
    "check_margin": _exercise(
        "Margin {expected:.3f}.",
        "{answer!r} is not the margin to 3 decimal places.",
        "The margin is the largest probability minus the second largest.",
        "np.sort(probs) sorts from smallest to largest: the last two are the ones you need.",
        "ordered = np.sort(probs); then ordered[-1] - ordered[-2].",
        decimals=3,
        smallest="That is top-1 minus the *smallest* probability; the margin uses the second largest.",
        reverse="Subtract the second largest from the largest, not the other way round.",
    ),
    "check_entropy": _exercise(
        "Normalized entropy {expected:.3f}.",
        "{answer!r} is not the normalized entropy to 3 decimal places.",
        "Entropy is −Σ p·log(p) over the labels, divided by the log of the number of labels.",
        "Leave out the labels with p = 0 (their term counts as 0): p = probs[probs > 0].",
        "-(p * np.log(p)).sum() / np.log({size})",
        decimals=3,
        nats="{value:.4f} is the entropy in nats; divide by np.log({size}) to normalize it.",
        unsigned="Entropy is −Σ p·log p: you lost the minus sign.",
    ),
    "check_entropy_prediction": _numeric(
        "Normalized entropy = (−Σ p·log p) / log K, where K is the number of labels.",
        "The sum on top does not change; K goes from {size} to {more}.",
        "Multiply the old value by log({size}) / log({more}).",
        decimals=2,
        before="A label with probability 0 adds nothing to −Σ p·log p, true, but look at what you divide by.",
        higher="More labels, but none of them holds any probability: the distribution is no more spread out.",
    ),
    "check_threshold_for_accuracy": _exercise(
        "Threshold {value:.2f} keeps {coverage:.1%} of the images, {accuracy:.1%} of them right (the lowest such threshold: {best:.3f}).",
        "At {value:.3g} the kept answers are right often enough ({accuracy:.1%}), but only {coverage:.1%} of the images are answered: a lower threshold still reaches {target:.0%} and answers more. Lower it.",
        "coverage_and_accuracy(confidence, correct, t) gives the share answered and their accuracy at t.",
        "Try t = 0.50, 0.51, 0.52, … in a loop and print the accuracy of each.",
        "The answer lies between {low} and {high}.",
        asks="a threshold (a number between 0 and 1)",
        none_kept="Threshold {value:.3g} keeps no answer at all; lower it.",
        too_low="At {value:.3g} the kept answers are {accuracy:.1%} right, below {target:.0%}: raise the threshold.",
    ),
    "check_input_bytes": _exercise(
        "{dims} × {itemsize} byte{s} = {expected:,} bytes.",
        "You gave {answer}. Read the shape and dtype in the model's input details: height × width × channels × bytes per channel.",
        read=_integer,
        asks="a whole number of bytes",
        one_channel="Each pixel has 3 channels (red, green, blue): multiply by 3.",
        as_float="This model is quantized: 1 byte per channel, not 4.",
        as_bytes="This is a float model: 4 bytes per channel (float32), not 1.",
    ),
    "check_sample_size": _exercise(
        "{value:,} images give ± {half:.2f} points; n = z²·p(1−p)/h², rounded up, is {smallest:,}. Ten times narrower needs a hundred times more images: ImageNet's validation set has 50,000.",
        "{value:,} images would do, but that is more than a quarter above the fewest that give ± {points}: find those, then round up.",
        "The half-width shrinks like 1/√n: to make it k times narrower you need k² times the images.",
        "With 1,000 images the half-width is z·√(p(1−p)/n) = {thousand:.2f} points (p = {p:g}, z = {z:.2f}). How many times narrower is ± {points}?",
        "Solve z·√(p(1−p)/n) = {half_width:g} for n: n = z²·p(1−p)/{half_width:g}², then round up.",
        read=_integer,
        asks="a whole number of images",
        none="The answer is a number of images: at least 1.",
        too_few="With {value:,} images the interval is ± {half:.3f} points: still wider than ± {points}.",
    ),
    "check_best_model": _exercise(
        "{answer} is the most accurate model within the limits.",
        "{answer} fits, but another model that fits is more accurate. Filter by all three limits first, then take the highest '{accuracy}'.",
        read=None,
        said_none="At least one model meets all three limits: filter the table by each of them.",
        unknown="'{answer}' is not one of the models ({models}), or 'none'.",
        breaks="{answer} breaks a limit: {broken}.",
    ),
    "check_pareto_front": _exercise(
        "The front is {front}.",
        "{gaps}.",
        read=None,
        not_names="Not model names: {unknown}. Use the names in the table.",
    ),
    "check_quantized_value": _exercise(
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
    ),
    "check_dequantized_weights": _exercise(
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
    ),
    "check_half_step": _numeric(
        "Rounding moves a value to the nearest code: at most half a step.",
        "One step is (high − low) / 255, with the new high.",
        "Half of ({high} − ({low:.2f})) / 255, to {decimals} decimal places.",
        step="That is a whole step; rounding goes to the nearest code.",
        codes="There are 255 steps between 256 codes.",
        old_range="That is the old range's bound: the step grows with the range.",
    ),
    "check_model_sizes": _exercise(
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
    ),
    "check_imprinted_accuracy": _exercise(
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
    ),
    "check_imprinted_confusion": _exercise(
        "{most} {true} photos were taken for {predicted}: the largest number off the diagonal.",
        "Look for the largest number off the diagonal (it is {most}); its row is the true class, its column the predicted one.",
        "Predict with the imprinted weights: np.argmax(transfer.l2_normalize(val_features) @ weights.T, axis=1).",
        "Count with transfer.confusion_matrix(val.class_ids, predictions, len(val.classes)); rows are the true class, columns the answer.",
        "Set the diagonal to zero (matrix * (1 - np.eye(5, dtype=int))), then np.unravel_index(np.argmax(...), matrix.shape) gives (row, column).",
        read=None,
        unpaired="Answer with a pair of class names: (true class, predicted class).",
        swapped="Swap them: rows are the true class and columns the predicted class.",
        diagonal="The diagonal counts the right answers; look at the cells off the diagonal.",
    ),
    "check_head_bytes": _exercise(
        "{classes} × ({dim} + 1) parameters × 4 bytes = {expected:,} bytes, about {kilobytes:.1f} kB.",
        "You gave {answer!r}, not the number of bytes.",
        "Count the numbers first: one weight per feature and class, one bias per class.",
        "Weights: {dim} × {classes}; biases: {classes}. Each float32 takes 4 bytes.",
        "4 × ({dim} × {classes} + {classes}).",
        read=_integer,
        asks="a whole number of bytes",
        no_bias="You forgot the bias: one more number per class.",
        parameters="That is the number of parameters; each float32 takes 4 bytes.",
    ),
    "check_int8_head_bytes": _exercise(
        "{classes} × {dim} weights × 1 byte + {classes} biases × 4 bytes = {expected:,} bytes, a quarter of the float32 head.",
        "You gave {answer!r}, not the number of bytes.",
        "The weights and the biases are stored differently: count them separately.",
        "{dim} × {classes} int8 weights take one byte each; the {classes} biases stay int32.",
        "{dim} × {classes} × 1 + {classes} × 4.",
        read=_integer,
        asks="a whole number of bytes",
        byte_bias="The bias stays 32-bit (int32, 4 bytes): only the weights shrink to one byte.",
        float_head="That is the float32 head; int8 weights take one byte each.",
    ),
    "check_noisy_accuracy": _numeric(
        "Think of the right answers first: which of them still count as right after the flips?",
        "A right answer still counts when its label was kept: {accuracy:.3f} × (1 − {flipped:g}).",
        "Add the rare lucky case: a wrong answer whose label was flipped to exactly that answer, (1 − {accuracy:.3f}) × {flipped:g} / {others}.",
        decimals=3,
        percent=True,
        unchanged="Flipping labels changes the score: a right answer whose label was flipped now counts as wrong.",
        kept_only="Nearly: you counted the right answers whose label was kept. Add the lucky wrong answers whose label was flipped to exactly that answer.",
        subtracted="Not every flipped photo was a right answer: only a share {accuracy:.2f} of them was.",
    ),
    "check_photos_for_standard_error": _numeric(
        "Start from the standard error's formula, se = √(p(1 − p)/n), and solve it for n.",
        "n = p(1 − p) / se², with p and se as shares (0.9 and 0.01).",
        "{accuracy:g} × {rest:g} / {standard_error:g}².",
        decimals=0,
        unsquared="Solve for n: square both sides of se = √(p(1 − p)/n) first.",
        interval="That is for a 95 % interval of ± {points:g} point, which reaches about 2 standard errors to each side; the question asks for one standard error.",
        se_once="Square the standard error too: n = p(1 − p) / se², and se² = {variance:g}.",
    ),
    "check_trainable_parameters": _exercise(
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
    ),
    "check_wilson_interval": _exercise(
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
    ),
    "check_occlusion_drop": _numeric(
        "The drop is the class's probability on the whole view minus its probability with the box covered.",
        "Copy the model's view (explain.model_pixels), then set covered[top:bottom, left:right] = {fill}.",
        "Run classifier.predict on both views, take element [target] of each, and subtract: whole − covered.",
        decimals=2,
        percent=True,
        reverse="Your sign is reversed: the drop is (whole image) − (covered).",
        one_of_two="That is one of the two probabilities; subtract the covered one from the whole image's.",
        transposed="You covered the box with x and y exchanged: NumPy indexes rows (top:bottom) first, then columns.",
    ),
    "check_rank_correlation": _exercise(
        "Spearman's ρ = {expected:.2f}.",
        "{answer!r} is not Spearman's ρ of these maps to 2 decimal places.",
        "Spearman's ρ is Pearson's correlation of the two maps' ranks, not of their values.",
        "A cell's rank is its place in sorted order: np.argsort(np.argsort(values.ravel())) gives every rank.",
        "np.corrcoef(ranks_a, ranks_b)[0, 1], with both maps ranked the same way.",
        decimals=2,
        asks="one number between −1 and 1",
        pearson="That is Pearson's correlation of the values; correlate their ranks instead.",
        reverse="The sign is reversed: rank both maps the same way (smallest value first in both).",
    ),
    "check_normalized_pixel": _numeric(
        "The metadata gives a mean and a std for the input: read them in metadata.normalization().",
        "The model gets (pixel − mean) / std.",
        "Compute ({pixel:g} − {mean:g}) / {std:g} and round it to {decimals} decimal places.",
        unshifted="Subtract the mean before dividing by the std.",
        by_255="Not pixel / 255: use the mean and std the metadata states.",
        multiplied="Divide by the std; do not multiply by it.",
        sign="Check the sign: is the pixel above or below the mean?",
    ),
    "check_class_count": _numeric(
        "List the zip's files with zipfile.ZipFile(detector_path).namelist(), then read the labels file.",
        "Split it into lines with .decode('utf-8').splitlines(); some lines are '{placeholder}'. Leave those out.",
        "Count the lines that are not '{placeholder}', e.g. sum(line != '{placeholder}' for line in lines).",
        decimals=0,
        every_line="That counts every line, the '{placeholder}' placeholders too.",
        placeholders="That is the number of '{placeholder}' lines; count the others.",
    ),
    "check_class_pixels": _numeric(
        "The mask holds one class index per pixel; segmentation.labels says which index is which label.",
        "Find the index of '{label}' with segmentation.labels.index(...).",
        "Compare the mask with that index and sum: (mask == index).sum().",
        decimals=0,
        share="That is a share of the photo; count the pixels instead.",
        every_pixel="That is every pixel of the mask; count only those of this class.",
        other_class="That is the count of another class: compare the mask with this label's index.",
    ),
    "check_models_within_budget": _exercise(
        "{count} of {models} models finish a frame within {budget_ms:.1f} ms {where}: {kept}.",
        "Compare each model's median frame time (all five stages) with {budget_ms:.1f} ms.",
        "{over} of your names are over the budget and {missing} that fit are missing.",
        "For each model, multiply frame_ms by {slowdown:g} and keep it if the result is at most {budget_ms:.1f} ms.",
        "In code: [name for name, ms in frame_ms.items() if {slowdown:g} * ms <= {budget_ms:.1f}]",
        read=None,
        here="Those fit on this computer; on the slower device every frame takes {slowdown:g} times as long.",
        invoke_only="That counts invoke() alone; a frame also needs capture, transfer, preprocess and display. Use the median time of the whole frame (frame_ms).",
        reverse="Reversed: those are the models that do NOT finish a frame within the budget.",
    ),
    "check_dropped_frames": _exercise(
        "The model answers {answered:.{decimals}f} times a second, so {expected:.{decimals}f} of the camera's {camera_fps:g} frames per second are never classified (and none waits in a queue).",
        "You gave {value:g}: not the frames dropped per second to {places}.",
        "The model finishes one frame every {process_ms:g} ms. How many does it finish in one second (1000 ms)?",
        "It answers 1000 / {process_ms:g} frames a second; the camera delivers {camera_fps:g}. The rest are dropped.",
        "{camera_fps:g} − 1000 / {process_ms:g}, to {places}; camera.simulate({process_ms:g}, seconds=10) agrees.",
        asks="one number of frames per second, to {places}",
        classified="That is how many frames are classified each second; how many of the camera's frames are left over?",
        queued="A queue would drop nothing (and fall further behind); newest-frame-wins skips the frames that arrive while the model is busy.",
        close="Close: give it to {places} (round only at the end).",
    ),
    "check_frame_bytes": _exercise(
        "{width} × {height} pixels × 4 bytes = {expected:,} bytes per frame ({share:.0%} of a 224 × 224 frame).",
        "{answer!r} is not the number of bytes of one {width} × {height} RGBA frame.",
        "The frame is scaled to {width} × {height} before it is sent.",
        "{width} × {height} = {pixels:,} pixels; how many bytes does one RGBA pixel take?",
        "{width} × {height} × 4.",
        asks="a whole number of bytes",
        rgb="That is RGB; the browser's canvas gives four bytes a pixel: red, green, blue and alpha (RGBA).",
        pixels="That counts pixels; each pixel takes several bytes.",
        unscaled="That is the 224 × 224 frame; the frame is scaled to this model's input size first.",
        kilobytes="Give bytes, not kilobytes.",
    ),
}

wrap_public_functions(globals(), CheckError)  # at_precision, as the checks
