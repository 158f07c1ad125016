"""Writing files so that a reader never sees a partial one, nor a new file beside an old partner."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _write_temporary(path: Path, data: bytes, suffix: str = ".part") -> Path:
    """``data`` written in full to a new temporary file beside ``path`` and flushed to disk; its path."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it into place."""
    temporary = _write_temporary(path, data)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_files_atomically(files: Mapping[Path, bytes]) -> None:
    """Write several files as one change: afterwards all are new, or (after an error) all are as they were.

    Every file is first written in full to a temporary name beside it and flushed
    to disk (where a full disk fails, before anything is replaced); only then are
    they renamed into place. If a rename fails, the files already replaced get
    their old content back (kept as hard links, or copies where links are not
    possible). Only a power cut between two renames could leave a mixed pair.
    Introduced in notebook 06 (a model and its labels file).
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
                backups[path] = Path(tempfile.mktemp(dir=path.parent, prefix=f".{path.name}.", suffix=".old"))
                try:
                    os.link(path, backups[path])
                except OSError:
                    shutil.copyfile(path, backups[path])
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

