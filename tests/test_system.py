"""helpers.system: files change whole, thread pools keep order, native start-up chatter is hidden, a ticking bar,
and the reference-kernel switch (one variable, every Interpreter, a clear error)."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import pytest

from helpers import ModelError, system

# --------------------------------------------------------------------------- files and threads


def test_a_failed_rename_gives_every_file_its_old_content_back(tmp_path, monkeypatch):
    model, labels = tmp_path / "model.tflite", tmp_path / "labels.txt"
    system.write_files_atomically({model: b"old model", labels: b"old labels"})
    real_replace = system.os.replace

    def replace(source, destination):
        if destination == labels and str(source).endswith(system.PART_SUFFIX):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, destination)

    monkeypatch.setattr(system.os, "replace", replace)
    with pytest.raises(OSError, match="No space left"):
        system.write_files_atomically({model: b"new model", labels: b"new labels"})
    assert (model.read_bytes(), labels.read_bytes()) == (b"old model", b"old labels")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labels.txt", "model.tflite"]  # no .part or .old left


@pytest.mark.parametrize("workers", [1, 3])
def test_parallel_map_keeps_the_order_and_gives_each_thread_its_own_state(workers):
    import threading

    made = []

    def state():
        made.append(threading.get_ident())
        return threading.get_ident()

    results = system.parallel_map(lambda owner, x: (owner, x * x), range(20), workers=workers, worker_state=state)
    assert [x for _, x in results] == [x * x for x in range(20)]
    assert len(made) == len(set(made)) <= workers  # one state per thread, made in that thread
    assert {owner for owner, _ in results} <= set(made)
    assert system.parallel_map(str, [], workers=3) == []


def test_parallel_map_raises_the_first_error_and_starts_nothing_more():
    import time

    started = []

    def work(x):
        started.append(x)
        if x == 0:
            raise ValueError("bad item 0")
        time.sleep(0.02)
        return x

    with pytest.raises(ValueError, match="bad item 0"):
        system.parallel_map(work, range(200), workers=2)
    assert len(started) < 200


def test_parallel_map_progress_counts_the_weights(monkeypatch):
    import tqdm.auto

    seen = {}

    class Bar:
        def __init__(self, total, disable, **options):
            seen.update(total=total, options=options, n=0)

        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def update(self, amount):
            seen["n"] += amount

    monkeypatch.setattr(tqdm.auto, "tqdm", Bar)
    system.parallel_map(str, [1, 2, 3], workers=2, progress={"desc": "bytes", "unit": "B"}, weight=lambda x: 10 * x)
    assert seen == {"total": 60, "options": {"leave": False, "desc": "bytes", "unit": "B"}, "n": 60}


# --------------------------------------------------------------------------- quiet and progress


@pytest.mark.parametrize(
    "line",
    [
        "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
        "E0000 00:00:1732300000.123 1234 cuda_executor.cc:1228] INTERNAL: CUDA error: Failed call to cuInit",
        (
            "2026-11-22 21:00:00.1: I external/local_xla/xla/tsl/cuda/cudart_stub.cc:32] Could not find cuda drivers on "
            "your machine, GPU will not be used."
        ),
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "",
    ],
)
def test_start_up_chatter_is_noise(line, capfd):
    with system.native_stderr():
        os.write(2, line.encode() + b"\n")
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '9'",
        "RuntimeError: tensor 3 is not allocated",
        "Traceback (most recent call last):",
    ],
)
def test_errors_are_not_noise(line, capfd):
    with system.native_stderr():
        os.write(2, line.encode() + b"\n")
    assert capfd.readouterr().err == line + "\n"


def test_native_stderr_drops_the_noise_and_passes_on_the_rest(capfd):
    with system.native_stderr():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nERROR: a real problem\n")
    assert capfd.readouterr().err == "ERROR: a real problem\n"
    with pytest.raises(ValueError), system.native_stderr():  # restored even when the block fails
        raise ValueError("boom")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_loading_a_model_prints_nothing(tiny_models, capfd):
    from helpers.classify import load_interpreter

    load_interpreter(tiny_models["float"])
    assert "XNNPACK" not in capfd.readouterr().err


def test_working_shows_a_bar_that_ends_at_one_of_one(capsys):
    with system.working("converting", interval_s=0.05):
        time.sleep(0.2)
    err = capsys.readouterr().err
    assert "converting" in err and "1/1" in err
    with pytest.raises(RuntimeError), system.working("failing", interval_s=0.05):
        raise RuntimeError("conversion failed")
    assert "0/1" in capsys.readouterr().err


class _Events:
    def __init__(self):
        self.callbacks = {}

    def register(self, name, callback):
        self.callbacks.setdefault(name, []).append(callback)


class _Shell:
    def __init__(self):
        self.events = _Events()


def test_hide_start_up_lines_filters_every_later_cell(capfd):
    shell = _Shell()
    assert system.hide_start_up_lines(shell) is True
    os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\n")  # the rest of the calling cell
    shell.events.callbacks["post_run_cell"][0]()
    assert capfd.readouterr().err == ""
    for _ in range(2):  # two later cells
        shell.events.callbacks["pre_run_cell"][0]()
        os.write(
            2,
            b"W0000 00:00:1.0 1 inference_feedback_manager.cc:121] Feedback manager requires a model with a "
            b"single signature inference. Disabling support for feedback tensors.\nreal trouble\n",
        )
        shell.events.callbacks["post_run_cell"][0]()
        assert capfd.readouterr().err == "real trouble\n"
    assert system.hide_start_up_lines(shell) is True  # a second call adds no second pair of hooks
    assert len(shell.events.callbacks["pre_run_cell"]) == 1


def test_hide_start_up_lines_outside_a_notebook_does_nothing():
    assert system.hide_start_up_lines() is False  # plain pytest: no IPython shell


def test_a_capture_open_in_one_thread_never_blocks_another():
    import threading

    from helpers.system import native_stderr

    finished = []
    with native_stderr():  # as a notebook cell under hide_start_up_lines: open for the whole cell

        def worker():
            with native_stderr():  # a model created in a worker thread meanwhile
                finished.append(True)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert finished == [True] * 4, "a worker waited for the cell's capture to end"


# --------------------------------------------------------------------------- kernels

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
    env = {k: v for k, v in os.environ.items() if k != system.KERNELS_ENV}
    if value is not None:
        env[system.KERNELS_ENV] = value
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
    monkeypatch.setenv(system.KERNELS_ENV, "fast")
    with pytest.raises(ModelError, match=r"CLASSROOM_LITERT_KERNELS='fast'.*'reference'"):
        system.use_kernel_choice()
