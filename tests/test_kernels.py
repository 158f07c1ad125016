"""The reference-kernel switch (helpers.kernels): one variable, every Interpreter, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import ModelError, kernels

SCRIPT = """
import sys, numpy as np
import helpers  # applies CLASSROOM_LITERT_KERNELS
from ai_edge_litert.interpreter import Interpreter, OpResolverType
path = sys.argv[1]
def run(**options):
    interpreter = Interpreter(model_path=path, **options)
    interpreter.allocate_tensors()
    details = interpreter.get_input_details()[0]
    pixels = np.random.default_rng(1).uniform(-1, 1, details["shape"]).astype(np.float32)
    interpreter.set_tensor(details["index"], pixels)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
patched = getattr(Interpreter.__init__, "_classroom_reference", False)
same = np.array_equal(run(), run(experimental_op_resolver_type=OpResolverType.BUILTIN_REF))
print(patched, same)
"""


def _run(model: str, value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != kernels.ENV}
    if value is not None:
        env[kernels.ENV] = value
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, model], env=env, capture_output=True, text=True, check=True, timeout=120
    ).stdout.split()


def test_reference_kernels_apply_to_interpreters_made_by_hand(tiny_models):
    assert _run(str(tiny_models["float"]), "reference") == ["True", "True"]
    assert _run(str(tiny_models["float"]), " Reference ") == ["True", "True"]


def test_default_kernels_leave_litert_alone(tiny_models):
    assert _run(str(tiny_models["float"]), None)[0] == "False"
    assert _run(str(tiny_models["float"]), "default")[0] == "False"


def test_an_unknown_choice_names_the_variable_and_the_fix(monkeypatch):
    monkeypatch.setenv(kernels.ENV, "fast")
    with pytest.raises(ModelError, match=r"CLASSROOM_LITERT_KERNELS='fast'.*'reference'"):
        kernels.requested()
