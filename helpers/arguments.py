"""The shared input checks for the boundaries where learners' values arrive (``helpers.errors``): each returns the
value in its normal form or raises the calling module's error naming the argument. None guesses: a float is not
rounded to a whole number, a bool is not a number, a string is not a list of labels, NaN and infinity are refused.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping

import numpy as np

from helpers.errors import HelpersError, LabelError, OptionError


def _shown(value: object) -> str:
    text = repr(value)
    return (text if len(text) <= 60 else text[:57] + "...") + f" ({type(value).__name__})"


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" ≥ {minimum:g}"
    return f" ≤ {maximum:g}" if maximum is not None else ""


def is_whole(value: object) -> bool:
    """Whether ``value`` is a whole number of any integer type (Python or NumPy); a bool is not."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number of any type (int, float, NumPy scalar); a bool is not."""
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def listed(values: object) -> object:
    """``values`` read into a list when it is a one-pass iterator (a generator, ``map``...), else as it is."""
    if isinstance(values, Iterable) and not isinstance(values, (list, tuple, np.ndarray, range, str, bytes)):
        return list(values)
    return values


def true_or_false(value: object, name: str, error: type[HelpersError] = OptionError) -> bool:
    """``value`` as a ``bool`` when it is True or False (Python or NumPy); ``error`` naming ``name`` otherwise."""
    if not isinstance(value, (bool, np.bool_)):
        raise error(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def whole_number(
    value: object,
    name: str,
    error: type[HelpersError] = OptionError,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """``value`` as an ``int`` within [minimum, maximum]; ``error`` naming ``name`` otherwise (floats not rounded)."""
    whole = is_whole(value)
    if not (whole and (minimum is None or value >= minimum) and (maximum is None or value <= maximum)):
        got = int(value) if whole else _shown(value)
        raise error(f"{name} must be a whole number{_bounds(minimum, maximum)}; got {got}.")
    return int(value)


def real_number(
    value: object,
    name: str,
    error: type[HelpersError] = OptionError,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float:
    """``value`` as a finite ``float`` within [minimum, maximum] (> 0 if ``positive``); ``error`` naming ``name``."""
    number = float(value) if is_real(value) else math.nan
    if not (
        math.isfinite(number)
        and (number > 0 or not positive)
        and (minimum is None or number >= minimum)
        and (maximum is None or number <= maximum)
    ):
        kind = "a finite number" if is_real(value) and not math.isfinite(number) else "a number"
        bounds = " > 0" if positive and minimum is None else _bounds(minimum, maximum)
        raise error(f"{name} must be {kind}{bounds}; got {f'{number:g}' if is_real(value) else _shown(value)}.")
    return number


def finite_array(
    values: object,
    name: str,
    error: type[HelpersError],
    *,
    ndim: int | tuple[int, ...] | None = None,
    integer: bool = False,
    minimum: float | None = None,
    maximum: float | None = None,
) -> np.ndarray:
    """``values`` as a non-empty NumPy array of finite numbers (whole numbers when ``integer``), with ``ndim`` axes
    (one count or a tuple of them) and every value within [minimum, maximum]; ``error`` listing every problem."""
    try:
        array = np.asarray(listed(values))
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must form a regular array of numbers (every row the same length): {exc}.") from None
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    dims = " or ".join(f"{n}-D" for n in allowed or ())
    numbers = array.dtype.kind in "iuf" and array.size > 0
    finite = numbers and (array.dtype.kind != "f" or bool(np.isfinite(array).all()))
    low, high = (array.min(), array.max()) if finite else (0, 0)
    outside = (minimum is not None and low < minimum) or (maximum is not None and high > maximum)
    problems = [
        problem
        for bad, problem in (
            (array.dtype.kind not in "iuf", f"must hold numbers; got {_shown(values)}"),
            (allowed and array.ndim not in allowed, f"must be a {dims} array; got shape {array.shape}"),
            (array.size == 0, "is empty; give at least one value"),
            (numbers and not finite, "holds NaN or infinite values; check the computation that produced them"),
            (finite and integer and (array % 1).any(), f"must hold whole numbers (indices); got {array.ravel()[:5]}"),
            (finite and outside, f"must hold values{_bounds(minimum, maximum)}; got values from {low:g} to {high:g}"),
        )
        if bad
    ]
    if problems:  # every problem at once
        raise error(f"{name} {'; it '.join(problems)}.")
    return array.astype(np.int64) if integer and array.dtype.kind == "f" else array


def text_labels(values: object, name: str = "labels", error: type[HelpersError] = LabelError) -> list[str]:
    """``values`` as a list of label strings (from a list, tuple, NumPy array or generator of ``str``); ``error``
    naming ``name`` for a single string or path, an unordered set or dict, or items that are not strings."""
    if isinstance(values, (str, bytes)) or hasattr(values, "__fspath__") or not isinstance(values, Iterable):
        raise error(
            f"{name} is a list of label strings; got {_shown(values)}. For a label file, pass "
            f"helpers.classify.read_labels(path) (one label per line)."
        )
    if isinstance(values, (set, frozenset, Mapping)):
        raise error(
            f"{name} must be in the order of the model's outputs (a list or tuple); got a {type(values).__name__}, "
            f"which does not say which label is which output. Use sorted(...) if that is the order you mean, or "
            f"[mapping[i] for i in range(len(mapping))] for {{output: label}}."
        )
    labels = list(values)
    wrong = [item for item in labels if not isinstance(item, (str, np.str_))]
    if wrong:
        raise error(f"{name} must hold strings only; got {_shown(wrong[0])} among them.")
    return [str(item) for item in labels]


def clean_labels(lines: Iterable[str]) -> list[str]:
    """Labels without BOM, line endings, spaces and trailing blank lines; blank lines inside stay, keeping the order."""
    cleaned = [line.replace("\ufeff", "").strip() for line in text_labels(lines)]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return cleaned


def label_lines(text: str) -> list[str]:
    """A label file's text as its labels, one per line (LF, CRLF or CR), cleaned by ``clean_labels``."""
    return clean_labels(re.split(r"\r\n|\r|\n", text))
