"""The self-check engine: answers at the stated precision in every form; hints that get more specific."""

import numpy as np
import pytest

from helpers import checks


@pytest.mark.parametrize(
    "answer",
    [0.78, 0.781, "0.78", " 0.7813 ", "78%", "78.1 %", 78, 78.1, np.float32(0.78125), np.array(0.78), [0.78], "25/32"],
)
def test_every_form_of_a_right_share_is_accepted(answer, capsys):
    assert checks.check_number(answer, 0.78125, decimals=2, what="the share", percent=True)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("answer", [0.77, "0.79", 77, "abc", None, True, float("nan")])
def test_wrong_or_unreadable_answers_are_refused_with_a_printed_reason(answer, capsys):
    assert not checks.check_number(answer, 0.78125, decimals=2, what="the share", percent=True)
    out = capsys.readouterr().out
    assert out.startswith("✗") and "2 decimal places" in out or "as a number" in out


def test_percent_numbers_only_when_asked():
    assert not checks.check_number(78, 0.78125, decimals=2, what="the share")
    assert checks.check_number("78%", 0.78125, decimals=2, what="the share")  # a % sign is unambiguous


def test_whole_numbers():
    assert checks.check_number("9,000", 9000, decimals=0, what="n")
    assert checks.check_number(9000.4, 9000, decimals=0, what="n")
    assert not checks.check_number(9001, 9000, decimals=0, what="n")


def test_known_mistake_is_named_before_the_ladder(capsys):
    ladder = ("Look at the formula.", "Subtract first.", "It is 0.5 × (3 − 1).")
    mistakes = [(lambda v: abs(v - 1.5) < 1e-9, "Subtract the zero point first.")]
    outputs = []
    for _ in range(4):
        checks.check_number(1.5, 1.0, decimals=2, what="x", mistakes=mistakes, ladder=ladder)
        outputs.append(capsys.readouterr().out)
    assert all("Subtract the zero point first." in out for out in outputs)
    assert "Hint 1 of 3: Look at the formula." in outputs[0]
    assert "Hint 2 of 3: Subtract first." in outputs[1]
    assert "Hint 3 of 3" in outputs[2] and "Hint 3 of 3" in outputs[3]
    # a right answer resets the ladder
    assert checks.check_number(1, 1.0, decimals=2, what="x", ladder=ladder)
    checks.check_number(2, 1.0, decimals=2, what="x", ladder=ladder)
    assert "Hint 1 of 3" in capsys.readouterr().out


def test_ladders_are_counted_per_exercise(capsys):
    checks.check_number(2, 1.0, decimals=0, what="a", ladder=("a1", "a2"))
    checks.check_number(2, 1.0, decimals=0, what="b", ladder=("b1", "b2"))
    out = capsys.readouterr().out
    assert "Hint 1 of 2: a1" in out and "Hint 1 of 2: b1" in out


def test_at_precision_is_half_a_unit_of_the_last_place():
    assert checks.at_precision(0.785, 0.78125, 2)
    assert not checks.at_precision(0.7875, 0.78125, 2)
    assert not checks.at_precision(None, 1.0, 2)
