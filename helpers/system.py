"""The package's chores: files written whole, a thread pool, a ticking bar, quiet native code, LiteRT's kernels.

Every writer goes through ``atomic_writer``, so a reader sees the old file or the new one, never a partial one, even
with many processes; the ``.part`` name carries the writer's host and pid, so ``remove_stale_parts`` spares a live
writer's file. LiteRT and TensorFlow print start-up lines that Jupyter shows as a pink block, like an error.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import secrets
import socket
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import IO, Any, BinaryIO, TypeVar

from helpers.errors import ModelError

T = TypeVar("T")
R = TypeVar("R")

# --------------------------------------------------------------------------- files

PART_SUFFIX = ".part"
# A .part file untouched this long is abandoned even when its writer cannot be checked (another machine sharing
# the folder): a live download writes every few seconds or times out.
STALE_PART_SECONDS = 15 * 60
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
IGNORED_FILES = ("thumbs.db", "desktop.ini")


def _part_prefix(target: Path) -> str:
    return f".{target.name}@{socket.gethostname()}@{os.getpid()}@"


@contextlib.contextmanager
def atomic_writer(path: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file that replaces ``path`` (fsync unless not ``durable``, then rename) if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_part_prefix(path), suffix=PART_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)  # gone after the rename; the partial file after a failure


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through ``atomic_writer``; an OSError passes through with ``path`` unchanged."""
    with atomic_writer(path) as out:
        out.write(data)


@contextlib.contextmanager
def scratch_file(folder: Path, name: str) -> Iterator[BinaryIO]:
    """Yield a temporary binary file in ``folder`` (named like a ``.part`` of ``name``), deleted afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=_part_prefix(folder / name), suffix=PART_SUFFIX) as handle:
        yield handle  # type: ignore[misc]


def _writer_is_gone(part: Path) -> bool:
    """True when the ``.part`` file's writer (host@pid in its name) is a dead process on this host."""
    fields = part.name[: -len(PART_SUFFIX)].rsplit("@", 3)
    pid = fields[2] if len(fields) == 4 and fields[1] == socket.gethostname() else ""
    if not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        pass
    return False


def remove_stale_parts(folder: Path, *, recursive: bool = True) -> list[Path]:
    """Delete the ``.part`` files of killed writers (dead process on this host, or untouched for 15 min)."""
    if not folder.is_dir():
        return []
    removed, now = [], time.time()
    for part in folder.rglob("*" + PART_SUFFIX) if recursive else folder.glob("*" + PART_SUFFIX):
        try:
            if (_writer_is_gone(part) or now - part.stat().st_mtime > STALE_PART_SECONDS) and part.is_file():
                part.unlink()
                removed.append(part)
        except OSError:  # gone already, or a read-only folder: nothing to clean here
            continue
    return removed


def _write_temporary(path: Path, data: bytes, suffix: str = PART_SUFFIX) -> Path:
    """``data`` written in full, and flushed to disk, to a new ``.part`` file beside ``path``; its path."""
    temporary = path.parent / f"{_part_prefix(path)}{secrets.token_hex(6)}{suffix}"
    write_bytes_atomically(temporary, data)
    return temporary


def write_files_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files as one change (a model and its labels, notebook 06): all new, or all as they were.
    Each is written in full beside its target (a full disk fails there) before any is renamed into place."""
    temporaries: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    undo: list[Path] = []  # files replaced while a later rename may still fail
    try:
        for path, data in files.items():
            temporaries[path] = _write_temporary(path, data)
        for path in filter(Path.exists, files):
            backups[path] = _write_temporary(path, path.read_bytes(), ".old")
        for path in files:
            os.replace(temporaries[path], path)
            undo.append(path)
        undo.clear()  # every file is in place
    finally:
        for path in undo:  # a rename failed: the files already replaced get their old content back
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        for leftover in [*temporaries.values(), *backups.values()]:
            leftover.unlink(missing_ok=True)


def folder_photos(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """A folder's image files, other files and sub-folders (each sorted), without hidden entries and IGNORED_FILES."""
    photos, others, folders = [], [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.lower() in IGNORED_FILES:
            continue
        (folders if path.is_dir() else photos if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)
    return photos, others, folders


# --------------------------------------------------------------------------- threads and progress


def parallel_map(
    function: Callable[..., R],
    items: Iterable[T],
    *,
    workers: int = 8,
    worker_state: Callable[[], Any] | None = None,
    progress: Mapping[str, Any] | None = None,
    weight: Callable[[T], int] | None = None,
) -> list[R]:
    """``[function(item) for item in items]`` on ``workers`` threads (1: the calling thread), in input order; with
    ``worker_state``, ``function(state, item)`` with one state per thread. The first error cancels the rest."""
    from tqdm.auto import tqdm

    items = list(items)
    workers = max(1, min(int(workers), len(items)))
    weights = [1 if weight is None else weight(item) for item in items]
    local = threading.local()

    def run(item: T) -> R:
        if worker_state is None:
            return function(item)
        if not hasattr(local, "state"):
            local.state = worker_state()
        return function(local.state, item)

    with tqdm(total=sum(weights), disable=progress is None, **{"leave": False, **(progress or {})}) as bar:
        if workers == 1:
            results = []
            for item, amount in zip(items, weights, strict=True):
                results.append(run(item))
                bar.update(amount)
            return results
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, item): amount for item, amount in zip(items, weights, strict=True)}
            try:
                for future in as_completed(futures):  # in the calling thread
                    bar.update(futures[future])
                    future.result()  # the first error raises here
            finally:
                for future in futures:
                    future.cancel()
            return [future.result() for future in futures]


@contextlib.contextmanager
def working(description: str, interval_s: float = 0.5) -> Iterator[None]:
    """A bar whose clock ticks while one long call (a conversion, notebook 05) runs, then shows 1/1 and the time."""
    from tqdm.auto import tqdm

    bar = tqdm(total=1, desc=description, bar_format="{desc}: {elapsed} {bar} {n_fmt}/{total_fmt}")
    done = threading.Event()

    def tick() -> None:
        while not done.wait(interval_s):
            with contextlib.suppress(Exception):  # a closed display must not kill the block
                bar.refresh()

    clock = threading.Thread(target=tick, daemon=True)
    clock.start()
    try:
        yield
        bar.update(1)
    finally:
        done.set()
        clock.join()
        bar.close()


# --------------------------------------------------------------------------- quiet native code

# Lines native code prints that only describe the set-up; each pattern matches one whole line.
_NOISE = [
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
_STATE = threading.Lock()
_active = 0  # captures open now, in any thread; only the outermost one redirects file descriptor 2


@contextlib.contextmanager
def _descriptors_to_file(fds: tuple[int, ...]) -> Iterator[IO[bytes]]:
    """Send each open descriptor of ``fds`` to one temporary file inside the block (restored after); yield it."""
    for stream in (sys.stdout, sys.stderr):  # what Python wrote before the block stays out of the file
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.flush()
    with tempfile.TemporaryFile(mode="w+b") as sink:
        saved: dict[int, int] = {}
        try:
            for fd in fds:
                with contextlib.suppress(OSError):  # a closed descriptor (no console) is left alone
                    saved[fd] = os.dup(fd)
                    os.dup2(sink.fileno(), fd)
            yield sink
        finally:
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


@contextlib.contextmanager
def native_stderr() -> Iterator[None]:
    """Capture what native code writes to file descriptor 2 inside the block; re-print all but ``_NOISE``.
    Descriptor 2 is shared by every thread: only the outermost capture redirects it; inner ones never wait."""
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
                kept = "".join(line for line in lines if not any(p.fullmatch(line.rstrip("\n")) for p in _NOISE))
        if kept:  # written once descriptor 2 is back, even when the block failed
            sys.stderr.write(kept)
    finally:
        with _STATE:
            _active -= 1


@contextlib.contextmanager
def converter_output() -> Iterator[None]:
    """Silence TensorFlow's converter and the AI Edge Quantizer; a failure gets the output's last lines as a note."""
    logger = logging.getLogger("tensorflow")
    level, python_out = logger.level, io.StringIO()  # Python-level stdout and stderr (print, tqdm's bars)
    with (
        _descriptors_to_file((1, 2)) as sink,
        contextlib.redirect_stdout(python_out),
        contextlib.redirect_stderr(python_out),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        logger.setLevel(logging.ERROR)
        try:
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
    """Run the rest of this cell and every later one inside ``native_stderr()``; False outside IPython."""
    if shell is None:
        from IPython import get_ipython

        shell = get_ipython()
    if shell is None:
        return False
    if getattr(shell, "_classroom_quiet", False):
        return True
    blocks = contextlib.ExitStack()
    shell.events.register("pre_run_cell", lambda *_: blocks.enter_context(native_stderr()))
    shell.events.register("post_run_cell", lambda *_: blocks.close())
    shell._classroom_quiet = True
    blocks.enter_context(native_stderr())  # the rest of the calling cell: its post_run_cell closes this block
    return True


# --------------------------------------------------------------------------- LiteRT's kernels

KERNELS_ENV = "CLASSROOM_LITERT_KERNELS"


def use_kernel_choice() -> bool:
    """Make every LiteRT Interpreter use the portable reference kernels if ``CLASSROOM_LITERT_KERNELS=reference`` (the
    default kernels differ slightly between CPUs); True when it did. ModelError for a value not known."""
    value = os.environ.get(KERNELS_ENV, "").strip().lower() or "default"
    if value not in ("default", "reference"):
        raise ModelError(
            f"{KERNELS_ENV}={os.environ[KERNELS_ENV]!r} is not one of ('default', 'reference'): unset it, or set it "
            "to 'reference'."
        )
    if value == "default":
        return False
    from ai_edge_litert import interpreter as litert

    init = litert.Interpreter.__init__
    if not getattr(init, "_classroom_reference", False):

        @functools.wraps(init)
        def reference_init(self, *args, **kwargs):
            kwargs.setdefault("experimental_op_resolver_type", litert.OpResolverType.BUILTIN_REF)
            init(self, *args, **kwargs)

        reference_init._classroom_reference = True
        litert.Interpreter.__init__ = reference_init
    return True
