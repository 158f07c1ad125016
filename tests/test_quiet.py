"""helpers.quiet and helpers.progress: native start-up chatter hidden, real messages kept; a ticking bar."""

from __future__ import annotations

import os
import time

import pytest

from helpers import progress, quiet


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
def test_start_up_chatter_is_noise(line):
    assert quiet.is_noise(line)


@pytest.mark.parametrize(
    "line",
    [
        "ERROR: Didn't find op for builtin opcode 'CONV_2D' version '9'",
        "RuntimeError: tensor 3 is not allocated",
        "Traceback (most recent call last):",
    ],
)
def test_errors_are_not_noise(line):
    assert not quiet.is_noise(line)


def test_native_stderr_drops_the_noise_and_passes_on_the_rest(capfd):
    with quiet.native_stderr():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\nERROR: a real problem\n")
    assert capfd.readouterr().err == "ERROR: a real problem\n"
    with pytest.raises(ValueError), quiet.native_stderr():  # restored even when the block fails
        raise ValueError("boom")
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"


def test_loading_a_model_prints_nothing(tiny_models, capfd):
    from helpers.classify import load_interpreter

    load_interpreter(tiny_models["float"])
    assert "XNNPACK" not in capfd.readouterr().err


def test_working_shows_a_bar_that_ends_at_one_of_one(capsys):
    with progress.working("converting", interval_s=0.05):
        time.sleep(0.2)
    err = capsys.readouterr().err
    assert "converting" in err and "1/1" in err
    with pytest.raises(RuntimeError), progress.working("failing", interval_s=0.05):
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
    assert quiet.hide_start_up_lines(shell) is True
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
    assert quiet.hide_start_up_lines(shell) is True  # a second call adds no second pair of hooks
    assert len(shell.events.callbacks["pre_run_cell"]) == 1


def test_hide_start_up_lines_outside_a_notebook_does_nothing():
    assert quiet.hide_start_up_lines() is False  # plain pytest: no IPython shell


def test_a_capture_open_in_one_thread_never_blocks_another():
    import threading

    from helpers.quiet import native_stderr

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
