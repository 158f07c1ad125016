"""helpers.environment: version report and importing mediapipe without TensorFlow."""

from __future__ import annotations

import subprocess
import sys

from helpers import environment


def test_missing_mediapipe_names_what_needs_it():
    found = dict.fromkeys(environment.MINIMUM, "99.0")
    found["mediapipe"] = None
    assert environment.problems(found) == [
        "mediapipe is not installed (notebook 01 and helpers.metadata need it): pip install 'mediapipe>=1.2'"]


def test_import_mediapipe_skips_tensorflow_and_leaves_it_importable():
    code = ("import sys; from helpers.environment import import_mediapipe; mp = import_mediapipe(); "
            "from mediapipe.tasks.python import vision; "
            "print('tensorflow' in sys.modules, sys.modules.get('tensorflow', 0) is None, hasattr(vision, "
            "'ImageClassifier')); import importlib.util; print(importlib.util.find_spec('tensorflow') is not None)")
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False", "True", "True"]
