"""One vocabulary of argument checks, shared by every module of the package.

Introduced in notebook 01 (every helper a notebook calls checks its arguments with these).
Each check returns the argument in its normal form (an ``int``, a ``float``, a NumPy array,
a list of strings) or raises the calling module's own error (a ``HelpersError``) that
names the argument, says what it takes, and shows what it was given. None of them guesses:
a float is not truncated to a whole number, a bool is not a number, a string is not a list
of labels, and NaN or infinity is refused wherever a finite value is needed.
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


def is_whole(value: object) -> bool:
    """Whether ``value`` is a whole number of any integer type (Python or NumPy); a bool is not."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def is_real(value: object) -> bool:
    """Whether ``value`` is a real number of any type (int, float, NumPy scalar); a bool is not."""
    return isinstance(value, (numbers.Real, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def listed(values: object) -> object:
    """``values`` read into a list when it is a one-pass iterator (a generator, ``map``, ...); else as it is.

    For arguments a function uses more than once. Raises nothing.
    """
    if isinstance(values, Iterable) and not isinstance(values, (list, tuple, np.ndarray, range, str, bytes)):
        return list(values)
    return values


def true_or_false(value: object, name: str, error: type[HelpersError] = OptionError) -> bool:
    """``value`` as a ``bool`` when it is True or False (Python or NumPy); raises ``error`` naming ``name`` otherwise."""
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
    """``value`` as an ``int`` within [minimum, maximum]; a float, bool or string is refused, not rounded.

    Raises ``error`` naming ``name`` otherwise.
    """
    bounds = _bounds(minimum, maximum)
    if not is_whole(value):
        raise error(f"{name} must be a whole number{bounds}; got {_shown(value)}.")
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise error(f"{name} must be a whole number{bounds}; got {number}.")
    return number


def real_number(
    value: object,
    name: str,
    error: type[HelpersError] = OptionError,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    positive: bool = False,
) -> float:
    """``value`` as a finite ``float`` within [minimum, maximum] (and > 0 when ``positive``).

    A bool, a string, None, NaN or infinity is refused. Raises ``error`` naming ``name``.
    """
    bounds = " > 0" if positive and minimum is None else _bounds(minimum, maximum)
    if not is_real(value):
        raise error(f"{name} must be a number{bounds}; got {_shown(value)}.")
    number = float(value)
    if not math.isfinite(number):
        raise error(f"{name} must be a finite number{bounds}; got {number}.")
    if (
        (positive and number <= 0)
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    ):
        raise error(f"{name} must be a number{bounds}; got {number:g}.")
    return number


def _bounds(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" ≥ {minimum:g}"
    return f" ≤ {maximum:g}" if maximum is not None else ""


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
    """``values`` as a non-empty NumPy array of finite numbers (whole numbers when ``integer``).

    ``ndim`` fixes the number of axes (an int or a tuple of accepted counts); ``minimum`` and
    ``maximum`` bound every value. Strings, bools, ragged lists, NaN and infinity are refused.
    Raises ``error`` naming ``name``.
    """
    if isinstance(values, (str, bytes)) or values is None:
        raise error(f"{name} must be an array or list of numbers; got {_shown(values)}.")
    try:
        array = np.asarray(listed(values))
    except (TypeError, ValueError) as exc:
        raise error(f"{name} must form a regular array of numbers (every row the same length): {exc}.") from None
    if array.dtype.kind not in "iuf":
        raise error(f"{name} must hold numbers; got an array of {array.dtype} ({_shown(values)}).")
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and array.ndim not in allowed:
        wanted = " or ".join(f"{n}-D" for n in allowed)
        raise error(f"{name} must be a {wanted} array; got shape {array.shape}.")
    if array.size == 0:
        raise error(f"{name} is empty; give at least one value.")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise error(f"{name} holds NaN or infinite values; check the computation that produced them.")
        if integer:
            if not (array == np.round(array)).all():
                raise error(f"{name} must hold whole numbers (indices); got {array.ravel()[:5]}...")
            array = array.astype(np.int64)
    if (minimum is not None and array.min() < minimum) or (maximum is not None and array.max() > maximum):
        raise error(
            f"{name} must hold values{_bounds(minimum, maximum)}; got values from {array.min():g} to {array.max():g}."
        )
    return array


def text_labels(values: object, name: str = "labels", error: type[HelpersError] = LabelError) -> list[str]:
    """``values`` as a list of label strings: a list, tuple, NumPy array or generator of ``str``.

    A single string (a path or a file's text) is refused with the way to read a label file;
    None, numbers and other non-string items are refused too. Raises ``error`` naming ``name``.
    """
    if isinstance(values, (str, bytes)) or hasattr(values, "__fspath__"):
        raise error(
            f"{name} is a list of label strings; got {_shown(values)}. For a label file, pass "
            f"helpers.classify.read_labels(path) (one label per line)."
        )
    if not isinstance(values, Iterable):
        raise error(f"{name} is a list of label strings; got {_shown(values)}.")
    if isinstance(values, (set, frozenset, Mapping)):
        # Order means identity: label i names output i. A set has no order and a dict's keys need not be 0, 1, 2...
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
    """Label text cleaned once: byte-order mark, line endings and surrounding spaces removed, trailing blanks dropped.

    Introduced in notebook 01 (re-exported by ``helpers.classify``). Blank lines inside the list stay (as "") so that no label moves to another output. ``lines`` is any
    iterable of strings (a list, an array, a generator). Raises LabelError for a single string, None or
    items that are not strings, or a dict or set (labels follow the outputs' order, which these do not give).
    """
    cleaned = [line.replace("\ufeff", "").strip() for line in text_labels(lines)]
    while cleaned and not cleaned[-1]:
        cleaned.pop()
    return cleaned


def label_lines(text: str) -> list[str]:
    """A label file's text as its labels, one per line (LF, CRLF or CR), cleaned by ``clean_labels``.

    Introduced in notebook 01 (the ImageNet label file). Every label reader of the package uses it, so a
    BOM, Windows line endings or a blank line never move a label to another output. Raises nothing of
    its own.
    """
    return clean_labels(re.split(r"\r\n|\r|\n", text))
