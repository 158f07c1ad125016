"""Writing files so that a reader never sees a partial one, and mapping work over a thread pool.

Every writer in the package goes through ``atomic_writer``: the bytes go to a temporary
``.part`` file beside the target, which is flushed to disk and renamed over the target only
when complete. A reader therefore sees the old file or the new one, never a half-written or
missing one, even with many processes writing the same path. The ``.part`` name carries the
writer's host and process id, so ``remove_stale_parts`` can clean up after killed processes
without touching a file another live process is still writing.

Used by the helpers that write files (the asset cache, converted models, exports); notebooks do
not call it directly.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

T = TypeVar("T")
R = TypeVar("R")

PART_SUFFIX = ".part"
# A .part file untouched for this long is abandoned even if its writer's id cannot be checked
# (another machine sharing the folder): a live download writes every few seconds or times out.
STALE_PART_SECONDS = 15 * 60


def _part_prefix(target: Path) -> str:
    return f".{target.name}@{socket.gethostname()}@{os.getpid()}@"


@contextlib.contextmanager
def atomic_writer(path: Path, *, durable: bool = True) -> Iterator[BinaryIO]:
    """Yield a binary file beside ``path`` that replaces ``path`` (fsync, then rename) only if the block succeeds.

    ``durable=False`` skips the fsync: for files checked on every read (the asset cache), where a copy
    damaged by a power cut is detected and replaced anyway.
    Raises no package error: an OSError (full disk, read-only folder) or an error of the block passes through, and
    ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_part_prefix(path), suffix=PART_SUFFIX)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through ``atomic_writer`` (a reader never sees a partial file).

    Raises no package error; an OSError from the file system passes through (``path`` unchanged).
    """
    with atomic_writer(path) as out:
        out.write(data)


@contextlib.contextmanager
def scratch_file(folder: Path, name: str) -> Iterator[BinaryIO]:
    """Yield a temporary binary file in ``folder`` (named like a ``.part`` of ``name``), deleted afterwards.

    Raises no package error; an OSError from the file system passes through.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, prefix=_part_prefix(folder / name), suffix=PART_SUFFIX) as handle:
        yield handle  # type: ignore[misc]


def _writer_is_gone(part: Path) -> bool:
    """True when the ``.part`` file's writer (host@pid in its name) is a dead process on this host."""
    fields = part.name[: -len(PART_SUFFIX)].rsplit("@", 3)
    if len(fields) != 4 or fields[1] != socket.gethostname() or not fields[2].isdigit():
        return False
    pid = int(fields[2])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def remove_stale_parts(folder: Path, *, pattern: str = "*" + PART_SUFFIX, recursive: bool = True) -> list[Path]:
    """Delete ``.part`` files left by killed writers (dead process on this host, or untouched for 15 min).

    Raises nothing: a file it cannot remove is skipped.
    """
    if not folder.is_dir():
        return []
    removed = []
    now = time.time()
    for part in folder.rglob(pattern) if recursive else folder.glob(pattern):
        try:
            stale = _writer_is_gone(part) or now - part.stat().st_mtime > STALE_PART_SECONDS
            if stale and part.is_file():
                part.unlink()
                removed.append(part)
        except OSError:  # gone already, or a read-only folder: nothing to clean here
            continue
    return removed


def parallel_map(
    function: Callable[..., R],
    items: Iterable[T],
    *,
    workers: int = 8,
    worker_state: Callable[[], Any] | None = None,
    progress: Mapping[str, Any] | None = None,
    weight: Callable[[T], int] | None = None,
) -> list[R]:
    """``[function(item) for item in items]`` on ``workers`` threads, results in input order.

    Introduced in notebook 01 (files fetched in parallel); every parallel loop of the package runs on it.
    ``worker_state``: called once in each worker thread (a model clone, an open archive, ...); ``function``
    then gets ``(state, item)``. ``progress``: the keyword arguments of a tqdm bar (``desc``, ``unit``, ...;
    None: no bar), whose total is the items' summed ``weight`` (default 1 each); it is updated from the
    calling thread only, as a notebook's widgets need. ``workers=1`` runs in the calling thread. The first
    error cancels the items not started and is raised once the running ones finish.
    """
    items = list(items)
    if not items:
        return []
    workers = max(1, min(int(workers), len(items)))
    weights = [1 if weight is None else weight(item) for item in items]
    local = threading.local()

    def run(item: T) -> R:
        if worker_state is None:
            return function(item)
        if not hasattr(local, "state"):
            local.state = worker_state()
        return function(local.state, item)

    from tqdm.auto import tqdm

    options = {"leave": False, **(progress or {})}
    with tqdm(total=sum(weights), disable=progress is None, **options) as bar:
        if workers == 1:
            results = []
            for item, amount in zip(items, weights, strict=True):
                results.append(run(item))
                bar.update(amount)
            return results
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = {pool.submit(run, item): amount for item, amount in zip(items, weights, strict=True)}
            pending = set(futures)
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.1, return_when=FIRST_EXCEPTION)
                    bar.update(sum(futures[f] for f in done))
                    failed = next((f for f in done if f.exception() is not None), None)
                    if failed is not None:
                        raise failed.exception()
            finally:
                for future in pending:
                    future.cancel()
            return [future.result() for future in futures]


def _write_temporary(path: Path, data: bytes, suffix: str = PART_SUFFIX) -> Path:
    """``data`` written in full to a new ``.part`` file beside ``path`` and flushed to disk; its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=_part_prefix(path), suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_files_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files as one change: afterwards all are new, or (after an error) all are as they were.

    Every file is first written in full under a ``.part`` name beside it and flushed to disk (a full
    disk fails here, before anything is replaced); only then are they renamed into place. If a rename
    fails, the files already replaced get their old content back (kept as hard links, or copies where
    links are not possible). Only a power cut between two renames could leave a mixed pair.
    Introduced in notebook 06 (a model and its labels file).
    Raises no package error; an OSError from the file system passes through after the rollback.
    """
    paths = [Path(p) for p in files]
    temporaries: dict[Path, Path] = {}
    backups: dict[Path, Path] = {}
    replaced: list[Path] = []
    try:
        for path, data in zip(paths, files.values(), strict=True):
            temporaries[path] = _write_temporary(path, data)
        for path in paths:
            if path.exists():
                backup = path.parent / f".{path.name}.{secrets.token_hex(8)}.old"  # a new name: link needs one
                try:
                    os.link(path, backup)
                except FileExistsError:
                    raise  # not ours: never copied over, nor removed below
                except OSError:  # no hard links here (some network or FAT folders): a copy, to a new file only
                    with open(path, "rb") as source, open(backup, "xb") as copy:
                        backups[path] = backup  # ours from here: removed below even if the copy fails
                        shutil.copyfileobj(source, copy)
                backups[path] = backup
        for path in paths:
            os.replace(temporaries[path], path)
            replaced.append(path)
    except BaseException:
        for path in replaced:
            if path in backups:
                os.replace(backups.pop(path), path)
            else:
                path.unlink(missing_ok=True)
        raise
    finally:
        for leftover in [*temporaries.values(), *backups.values()]:
            leftover.unlink(missing_ok=True)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")
IGNORED_FILES = ("thumbs.db", "desktop.ini")


def folder_photos(folder: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """A folder's image files, other files and sub-folders (each sorted by name), without what systems add.

    Hidden entries (``.DS_Store``, ``.ipynb_checkpoints``), ``Thumbs.db`` and ``desktop.ini`` are left out: they are
    never photos. The loaders refuse a folder with other files or sub-folders rather than leave photos out without
    a word. Raises nothing of its own (OSError if the folder cannot be listed).
    """
    photos, others, folders = [], [], []
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name.lower() in IGNORED_FILES:
            continue
        if path.is_dir():
            folders.append(path)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            photos.append(path)
        else:
            others.append(path)
    return photos, others, folders
