"""helpers.arguments: every check returns the normal form or raises the caller's error naming the argument."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import arguments
from helpers.errors import LabelError, MetricsError, OptionError


@pytest.mark.parametrize("value", [3, np.int64(3), np.uint8(3)])
def test_whole_number_accepts_every_integer_type(value):
    assert arguments.whole_number(value, "k", minimum=1) == 3
    assert type(arguments.whole_number(value, "k")) is int


@pytest.mark.parametrize("value", [2.5, 3.0, "3", True, None, np.float32(3), [3]])
def test_whole_number_refuses_what_it_would_have_to_guess(value):
    with pytest.raises(OptionError, match=r"^k must be a whole number ≥ 1"):
        arguments.whole_number(value, "k", minimum=1)


def test_whole_number_bounds_are_named():
    with pytest.raises(MetricsError, match=r"top_k must be a whole number from 1 to 1000; got 0"):
        arguments.whole_number(0, "top_k", MetricsError, minimum=1, maximum=1000)


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.int8(1)])
def test_real_number_accepts_numbers(value):
    assert arguments.real_number(value, "threshold", minimum=0, maximum=1) == float(value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.5", None, True, 1.5, -0.1])
def test_real_number_refuses_non_finite_text_bools_and_out_of_range(value):
    with pytest.raises(OptionError, match=r"^threshold must be a (finite )?number from 0 to 1"):
        arguments.real_number(value, "threshold", minimum=0, maximum=1)


def test_real_number_positive():
    with pytest.raises(OptionError, match=r"scale must be a number > 0; got 0"):
        arguments.real_number(0.0, "scale", positive=True)


def test_finite_array_normal_forms():
    assert arguments.finite_array([1, 2], "x", MetricsError).dtype.kind == "i"
    assert arguments.finite_array((v for v in [1.0, 2.0]), "x", MetricsError).tolist() == [1.0, 2.0]
    ids = arguments.finite_array([0.0, 2.0], "ids", MetricsError, integer=True, minimum=0)
    assert ids.dtype == np.int64 and ids.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ("123", {}, "must hold numbers"),
        (None, {}, "must hold numbers"),
        ([[1, 2], [3]], {}, "regular array"),
        ([True, False], {}, "must hold numbers"),
        (["a"], {}, "must hold numbers"),
        ([], {}, "is empty"),
        ([1.0, float("nan")], {}, "NaN or infinite"),
        ([[1.0]], {"ndim": 1}, "must be a 1-D array; got shape"),
        ([0.5, 1.0], {"integer": True}, "whole numbers"),
        ([-1, 0], {"minimum": 0}, "values ≥ 0; got values from -1 to 0"),
    ],
)
def test_finite_array_refusals(values, kwargs, message):
    with pytest.raises(MetricsError, match=message):
        arguments.finite_array(values, "x", MetricsError, **kwargs)


def test_text_labels_accepts_sequences_of_strings():
    assert arguments.text_labels(("a", "b")) == ["a", "b"]
    assert arguments.text_labels(np.array(["a", "b"])) == ["a", "b"]
    assert arguments.text_labels(x for x in "ab") == ["a", "b"]


@pytest.mark.parametrize("values", ["labels.txt", Path("labels.txt"), b"a\nb"])
def test_text_labels_refuses_a_path_or_text_and_says_how_to_read_a_file(values):
    with pytest.raises(LabelError, match=r"read_labels\(path\)"):
        arguments.text_labels(values)


@pytest.mark.parametrize("values", [None, 5, [None, "a"], ["a", 1]])
def test_text_labels_refuses_non_strings(values):
    with pytest.raises(LabelError, match="labels"):
        arguments.text_labels(values)
