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
