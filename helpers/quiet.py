"""Hide the start-up chatter that native code (LiteRT, TensorFlow) prints straight to the process's stderr.

Introduced in notebook 01. Jupyter shows whatever reaches file descriptor 2 as a
pink block that looks like an error, although lines such as "INFO: Created
TensorFlow Lite XNNPACK delegate for CPU." only say which kernels run. Around a
noisy call, ``native_stderr()`` sends descriptor 2 to a temporary file, then
passes on every line that is not known chatter (``NOISE``), so real errors still show;
``hide_start_up_lines()`` does the same around every later cell of a notebook.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from typing import IO

# Lines printed by native code that only describe the set-up; each pattern matches one whole line.
NOISE = [
    re.compile(pattern)
    for pattern in (
        r"INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.",
        r"INFO: Initialized TensorFlow Lite runtime\.",
        r"WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR",
        r".*Unable to register cu(DNN|FFT|BLAS) factory.*",
        r".*Could not find cuda drivers on your machine, GPU will not be used\.",
        r".*failed call to cuInit.*",
        r".*computation placer already registered.*",
        r".*This TensorFlow binary is optimized to use available CPU instructions.*",
        r".*To enable the following instructions: .* in other operations, rebuild TensorFlow.*",
        r".*oneDNN custom operations are on\..*",
        r".*TF-TRT Warning: Could not find TensorRT.*",
        r".*cuda_executor\.cc.*|.*cuda_blas\.cc.*|.*cuda_fft\.cc.*|.*cuda_dnn\.cc.*|.*cuda_diagnostics\.cc.*",
        r".*Ignored (output_format|drop_control_dependency)\.",
        r".*Using new converter: If you encounter a problem please file a bug\..*",
        r".*Estimated count of arithmetic ops: .*",
        r".*fully_quantize: 0, inference_type: .*",
        r".*Created device /job:localhost/replica:0/task:0/device:CPU:0.*",
        r"WARNING: Logging before InitGoogle\(\) is written to STDERR",
        r".*inference_feedback_manager\.cc:\d+\] Feedback manager requires a model with a single signature inference\..*",
        r"\s*",
    )
]


def is_noise(line: str) -> bool:
    """Whether ``line`` is known start-up chatter (see ``NOISE``), not a message a learner needs."""
    return any(pattern.fullmatch(line.rstrip("\n")) for pattern in NOISE)


@contextlib.contextmanager
def _descriptors_to_file(fds: tuple[int, ...]) -> Iterator[IO[bytes]]:
    """Send each open descriptor of ``fds`` to one temporary file inside the block; yield that file.

    Python's own buffers are flushed first, so nothing written before the block lands in the file;
    a closed descriptor (no console) is left alone. Each descriptor is restored even when the block fails.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved: dict[int, int] = {}
        try:
            for fd in fds:
                with contextlib.suppress(OSError):
                    saved[fd] = os.dup(fd)
                    os.dup2(sink.fileno(), fd)
            yield sink
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


_STATE = threading.Lock()
_active = 0  # captures open now, in any thread; only the outermost one redirects file descriptor 2


@contextlib.contextmanager
def native_stderr() -> Iterator[None]:
    """Capture what native code writes to file descriptor 2 inside the block; re-print all but ``NOISE``.

    File descriptor 2 is shared by every thread, and a notebook cell may already be inside a capture
    (``hide_start_up_lines``) while worker threads create models: only the outermost capture redirects
    it, and a block opened meanwhile, in any thread, simply runs inside that capture (never waits for it).
    Raises nothing of its own; an error of the block passes through after the captured lines are re-printed.
    """
    global _active
    with _STATE:
        outermost = _active == 0
        _active += 1
    try:
        if not outermost:
            yield
            return
        with _descriptors_to_file((2,)) as sink:
            try:
                yield
            finally:
                sink.seek(0)
                lines = sink.read().decode("utf-8", "replace").splitlines(keepends=True)
                kept = "".join(line for line in lines if not is_noise(line))
        if kept:  # written once descriptor 2 is back, even when the block failed (finally above)
            sys.stderr.write(kept)
    finally:
        with _STATE:
            _active -= 1


@contextlib.contextmanager
def converter_output() -> Iterator[None]:
    """Silence what TensorFlow's converter and the AI Edge Quantizer print (stdout, stderr, C++ log lines, warnings).

    Introduced in notebook 05 (as ``quantize.quiet``). If the block fails, the last lines of the
    captured text are attached to the exception as a note, so nothing useful is lost.
    Raises nothing of its own; an error of the block passes through with that note.
    """
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    python_out = io.StringIO()  # Python-level stdout and stderr (print, tqdm's progress bars)
    try:
        with _descriptors_to_file((1, 2)) as sink:
            try:
                with (
                    contextlib.redirect_stdout(python_out),
                    contextlib.redirect_stderr(python_out),
                    warnings.catch_warnings(),
                ):
                    warnings.simplefilter("ignore")
                    yield
            except Exception as exc:
                sink.flush()
                sink.seek(0)
                text = python_out.getvalue() + sink.read().decode("utf-8", "replace")
                tail = "\n".join(text.strip().splitlines()[-15:])
                if tail:
                    exc.add_note("TensorFlow's output before the error (last lines):\n" + tail)
                raise
    finally:
        logger.setLevel(level)


def hide_start_up_lines(shell=None) -> bool:
    """From here on, filter ``NOISE`` out of what native code prints in each notebook cell (False outside IPython).

    Call it at the top of a notebook's import cell, before TensorFlow or MediaPipe load: the rest of
    that cell and every later cell run inside ``native_stderr()``. Lines that are not known chatter
    still appear, at the end of their cell. Calling it again changes nothing.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_classroom_quiet", False):
        return True
    open_blocks: list = []

    def before(*_args) -> None:
        block = native_stderr()
        block.__enter__()
        open_blocks.append(block)

    def after(*_args) -> None:
        while open_blocks:
            open_blocks.pop().__exit__(None, None, None)

    shell.events.register("pre_run_cell", before)
    shell.events.register("post_run_cell", after)
    shell._classroom_quiet = True
    before()  # the rest of the calling cell: its post_run_cell closes this block
    return True
