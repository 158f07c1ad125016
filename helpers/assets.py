"""Fetch the suite's external files (models, labels, photos) by name.

Introduced in notebook 01 (every notebook fetches its models and photos by name).
Every file is listed in the registry ``data/assets.tsv`` with its sha256, size,
pinned URL and license. ``fetch(name)`` looks in this order and uses a file only
once its sha256 matches:

1. the cache folder (``CLASSROOM_CACHE_DIR``, an absolute path; default: a user
   cache folder outside the repository), then the per-session folder;
2. a mirror folder laid out like the registry (``CLASSROOM_ASSET_MIRROR``), for
   classrooms and machines without internet;
3. the pinned URL. ``fetch_many``/``prefetch`` get the large photo groups as one
   pinned archive per source repository (``data/archives.tsv``), extract only the
   registered files, and download anything missing or damaged one file at a time.

Files enter a folder through ``helpers.files.atomic_writer``: a damaged copy is
replaced by a rename, never deleted first, so a path ``fetch`` returned never
disappears, even with many processes repairing the same file. A read-only cache,
or a folder where a file should be, is read through, not written: the mirror's
copy or a per-session folder is used instead, with one warning. Downloads stop
as soon as they exceed the registry's size, honour ``Retry-After`` and back off
longer on HTTP 429/503 within a time budget. (pooch 1.9 is not used: it
cannot cap a download's size, honour ``Retry-After`` or read through a read-only
cache, and a classroom needs all three; ``requests`` does the HTTP.)

Command line (exit status 0 ok, 1 files could not be fetched, 2 bad name or file)::

    python -m helpers.assets prefetch [GROUP ...]   # models labels images flowers imagenet-samples
    python -m helpers.assets fetch NAME [NAME ...]  # print the local path of each file
    python -m helpers.assets verify                  # re-hash (and repair) the cache
    python -m helpers.assets registry MANIFEST.tsv   # regenerate data/assets.tsv
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import email.utils
import errno
import hashlib
import importlib.resources
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
import urllib.parse
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePath
from typing import BinaryIO

from helpers.arguments import is_real, label_lines, true_or_false, whole_number
from helpers.errors import AssetError
from helpers.system import atomic_writer, parallel_map, remove_stale_parts, scratch_file

CACHE_ENV = "CLASSROOM_CACHE_DIR"
MIRROR_ENV = "CLASSROOM_ASSET_MIRROR"
OFFLINE_ENV = "CLASSROOM_OFFLINE"
PREFETCH_COMMAND = "python -m helpers.assets prefetch"
REGISTRY_COLUMNS = ("name", "sha256", "bytes", "url", "license")
ARCHIVE_COLUMNS = ("url", "prefix", "max_bytes", "note")
GROUPS = ("models", "labels", "images", "flowers", "imagenet-samples")

# Network settings: (connect, read) timeouts in seconds; attempts and backoff for dropped
# connections and server errors; for HTTP 429/503 the longest single wait, the attempts per
# file and the total time a burst of rate limiting may last before giving up.
TIMEOUT = (5.0, 30.0)
RETRIES = 3
BACKOFF = 0.5
RATE_LIMIT_WAIT = 60.0
RATE_LIMIT_RETRIES = 8
RATE_LIMIT_BUDGET = 300.0
ARCHIVE_MIN_FILES = 20  # fewer missing files than this from one source: per-file downloads are cheaper
_sleep, _clock = time.sleep, time.monotonic  # tests make waiting instant


@dataclass(frozen=True)
class Asset:
    """One row of the registry."""

    name: str
    sha256: str
    bytes: int
    url: str
    license: str

    @property
    def group(self) -> str:
        """The top-level folder of the name (models, images, ...)."""
        return self.name.split("/", 1)[0]


@dataclass(frozen=True)
class Archive:
    """One pinned archive (a zip of a commit) that holds the files whose URLs start with ``prefix``."""

    url: str
    prefix: str
    max_bytes: int
    note: str


# --------------------------------------------------------------------------- registry


def registry_path() -> Path:
    """Where the registry file lives: data/assets.tsv, installed as ``helpers.data``."""
    return data_file("assets.tsv")


def data_file(filename: str) -> Path:
    """A file of the repository's data/ folder (installed as the package ``helpers.data``).

    Raises AssetError for a name that is not a plain relative name inside data/ (no '..', no absolute path).
    """
    try:
        check_name(filename)
    except AssetError as exc:
        raise AssetError(f"data_file takes the name of a file inside data/, like 'assets.tsv': {exc}") from None
    try:
        return Path(str(importlib.resources.files("helpers.data") / filename))
    except ModuleNotFoundError:  # a source checkout that was not pip-installed
        return Path(__file__).resolve().parent.parent / "data" / filename


def check_name(name: object) -> str:
    """``name`` if it is a safe registry name (relative, ``/``-separated, no ``..``); AssetError otherwise.

    Raises AssetError for a path object, a non-string, or an empty, absolute, backslashed or ``..`` name.
    """
    if isinstance(name, PurePath):
        raise AssetError(
            f"fetch() takes a registry name as a string, like 'images/cat.bmp', not a path ({name}). "
            "A file of your own needs no fetch: pass its path to the function that reads it."
        )
    if not isinstance(name, str):
        raise AssetError(f"An asset name must be a string like 'images/cat.bmp'; got {type(name).__name__} {name!r}.")
    problem = (
        "it is empty"
        if not name.strip()
        else "it contains a backslash (use '/')"
        if "\\" in name
        else "it is an absolute path"
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name)
        else "it contains a control character"
        if any(ord(c) < 32 for c in name)
        else "it has an empty, '.' or '..' part"
        if any(p in ("", ".", "..") for p in name.split("/"))
        else None
    )
    if problem:
        raise AssetError(f"{name!r} is not a valid asset name: {problem}. Names look like 'images/cat.bmp'.")
    return name


def _rows(path: Path, columns: tuple[str, ...]):
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as exc:
        raise AssetError(f"Cannot read {path}: {exc.strerror or exc}. Check the file name.") from None
    except UnicodeDecodeError:
        raise AssetError(f"{path} is not UTF-8 text; expected a TSV with the columns {columns}.") from None
    if not rows or len(rows[0]) < len(columns):
        raise AssetError(f"{path} has no header row; expected the columns {columns}.")
    for line_no, row in enumerate(rows[1:], start=2):
        if row:
            if len(row) < len(columns):
                raise AssetError(f"{path}:{line_no} has {len(row)} columns; expected {len(columns)} {columns}.")
            yield line_no, row


def read_registry_file(path: Path) -> dict[str, Asset]:
    """Parse a registry or manifest TSV (name/path, sha256, bytes, url, license); every name is checked.

    Raises AssetError for a path that is not a readable UTF-8 TSV file with those columns.
    """
    _check_path(path, "path")
    entries: dict[str, Asset] = {}
    for line_no, row in _rows(Path(path), REGISTRY_COLUMNS):
        name, sha, size, url, license_ = row[:5]
        if len(sha) != 64 or not size.isdigit():
            raise AssetError(f"{path}:{line_no}: bad sha256 or byte count for {name!r}.")
        try:
            check_name(name)
        except AssetError as exc:
            raise AssetError(f"{path}:{line_no}: {exc}") from None
        entries[name] = Asset(name, sha.lower(), int(size), url, license_)
    return entries


@lru_cache(maxsize=1)
def registry() -> dict[str, Asset]:
    """All registered assets, keyed by name.

    Raises AssetError when data/assets.tsv cannot be read or has a bad row (see ``read_registry_file``).
    """
    return read_registry_file(registry_path())


@lru_cache(maxsize=1)
def archives() -> list[Archive]:
    """The pinned archives of data/archives.tsv that large groups are fetched from.

    Raises AssetError when data/archives.tsv cannot be read, has too few columns or a max_bytes that is not a number.
    """
    path = data_file("archives.tsv")
    found = []
    for line, row in _rows(path, ARCHIVE_COLUMNS) if path.exists() else ():
        if not row[2].isdigit():
            raise AssetError(f"{path}, line {line}: max_bytes must be a whole number of bytes; got {row[2]!r}.")
        found.append(Archive(row[0], row[1], int(row[2]), row[3]))
    return found


def write_registry(manifest: Path, out: Path) -> int:
    """Regenerate a registry file from a mirror's MANIFEST.tsv; returns the row count.

    Raises AssetError for a manifest that cannot be read, or an ``out`` that is a folder, not a file path.
    """
    _check_path(out, "out")
    if Path(out).is_dir():
        raise AssetError(f"out '{out}' is a folder; give the path of the registry file to write, e.g. data/assets.tsv.")
    entries = read_registry_file(manifest)
    lines = ["\t".join(REGISTRY_COLUMNS)]
    lines += [
        f"{a.name}\t{a.sha256}\t{a.bytes}\t{a.url}\t{a.license}" for a in sorted(entries.values(), key=lambda a: a.name)
    ]
    with atomic_writer(Path(out)) as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    return len(entries)


def _check_path(path: object, name: str) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise AssetError(f"{name} is a file path (str or pathlib.Path); got {type(path).__name__} {path!r}.")


def _check_workers(workers: object) -> int:
    return whole_number(workers, "workers", AssetError, minimum=1, maximum=64)


def lookup(name: str) -> Asset:
    """The registry entry for ``name``, or an AssetError that suggests close names.

    Raises AssetError for a name that is not valid (see ``check_name``) or not registered, or an unreadable registry.
    """
    entries = registry()
    if check_name(name) in entries:
        return entries[name]
    close = difflib.get_close_matches(name, list(entries), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise AssetError(f"{name!r} is not in the asset registry ({registry_path()}).{hint}")


def names(group: str | None = None) -> list[str]:
    """Registered names, optionally only those of one group (e.g. ``"models"``).

    Raises AssetError for a group not in GROUPS, or an unreadable registry.
    """
    if group is not None and group not in GROUPS:
        raise AssetError(f"Unknown asset group {group!r}; choose one of {', '.join(GROUPS)}.")
    return sorted(n for n, a in registry().items() if group is None or a.group == group)


# --------------------------------------------------------------------------- locations


def cache_dir() -> Path:
    """The cache folder: ``$CLASSROOM_CACHE_DIR`` (must be absolute) or a per-user cache folder.

    Raises AssetError when ``$CLASSROOM_CACHE_DIR`` is a relative path.
    """
    env = os.environ.get(CACHE_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_absolute():
            raise AssetError(
                f"{CACHE_ENV}={env!r} is a relative path: each notebook's kernel starts in its own folder, so it "
                f"would mean a different cache per notebook. Set it to an absolute path, e.g. "
                f"{CACHE_ENV}={Path(env).absolute()}"
            )
        return path
    import platformdirs

    return Path(platformdirs.user_cache_dir("edge-image-classroom", appauthor=False))


@lru_cache(maxsize=8)
def _absolute(path: str) -> Path:
    return Path(path).expanduser().absolute()


def mirror_dir() -> Path | None:
    """The mirror folder from ``$CLASSROOM_ASSET_MIRROR`` (a relative path is resolved once), or None."""
    env = os.environ.get(MIRROR_ENV)
    return _absolute(env) if env else None


def _session_dir() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"edge-image-classroom-{user}"


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks.

    Raises OSError if it cannot be read.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Files already hashed by fetch() in this process, keyed by what a rewrite changes (size, mtime,
# ctime, inode); verify() never uses it.
_verified: dict[tuple, str] = {}
_warned: set[str] = set()
_swept: set[Path] = set()
_lock = threading.Lock()


def _stat_key(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (
        (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
        if stat.S_ISREG(info.st_mode)
        else None
    )


def _matches(path: Path, asset: Asset, *, memo: bool = True) -> bool:
    key = _stat_key(path)
    if key is None or key[1] != asset.bytes:
        return False
    if not memo or key not in _verified:
        try:
            _verified[key] = sha256_of(path)
        except (OSError, AssetError):  # unreadable or gone meanwhile: as good as absent
            return False
    return _verified[key] == asset.sha256


def _warn_once(key: str, message: str) -> None:
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, stacklevel=4)


# --------------------------------------------------------------------------- writing


class _Unwritable(Exception):
    """A folder that cannot take the file (read-only, not a folder, a folder in the file's place)."""


class _TooBig(Exception):
    """More bytes arrived than the registry (or archive table) allows."""


class _Sink:
    """A write-only file that hashes what it is given and refuses more than ``limit`` bytes."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self.handle, self.limit = handle, limit
        self.reset()

    def reset(self) -> None:
        """Start again from an empty file (before a retry)."""
        self.handle.seek(0)
        self.handle.truncate()
        self.size, self.head, self.digest = 0, b"", hashlib.sha256()

    def write(self, data: bytes) -> None:
        """Append ``data``; raise _TooBig past the limit."""
        self.size += len(data)
        if len(self.head) < 64:
            self.head += data[: 64 - len(self.head)]
        if self.size > self.limit:
            raise _TooBig(self.size)
        self.digest.update(data)
        self.handle.write(data)

    def describe(self) -> str:
        """What arrived, in a few words (an HTML page is named as such)."""
        size = f"more than {self.limit} bytes, stopped there" if self.size > self.limit else f"{self.size} bytes"
        if self.head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            return f"{size} of HTML (an error or login page, not the file)"
        return size


def _unwritable_reason(target: Path) -> str | None:
    try:
        if target.is_dir():
            try:
                target.rmdir()  # an empty folder in the file's place: safe to remove
            except OSError:
                return f"{target} is a folder, where the file should be (remove that folder)"
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{target.parent} cannot be created ({exc.strerror or exc})"
    if not os.access(target.parent, os.W_OK):
        return f"{target.parent} is read-only"
    return None


def _store(asset: Asset, fill: Callable[[_Sink], None], folders: tuple[Path, ...] | None = None) -> Path:
    """Write ``asset`` through ``fill`` into the first folder that takes it; check sha256 before the rename."""
    folders = folders or (cache_dir(), _session_dir())
    problems = []
    for folder in folders:
        target = folder / asset.name
        problem = _unwritable_reason(target)
        if problem is None:
            if target.parent not in _swept:  # leftovers of killed downloads: once per folder and process
                _swept.add(target.parent)
                remove_stale_parts(target.parent, recursive=False)
            try:
                with atomic_writer(target, durable=False) as handle:  # hash-checked on every read anyway
                    sink = _Sink(handle, asset.bytes)
                    try:
                        fill(sink)
                    except _TooBig:
                        pass  # reported as a mismatch below
                    if sink.size != asset.bytes or sink.digest.hexdigest() != asset.sha256:
                        raise AssetError(
                            f"{asset.name}: what {asset.url} sent does not match the registry's sha256 (got "
                            f"{sink.describe()}; expected {asset.bytes} bytes). Nothing was kept. The server may be "
                            f"sending an error or login page: try again later, or set {MIRROR_ENV} to a folder that "
                            "holds the file."
                        )
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise AssetError(
                        f"The disk holding {folder} is full while saving {asset.name} ({asset.bytes / 1e6:.1f} MB). "
                        f"Nothing partial was kept. Free some space, or set {CACHE_ENV} to a folder on another disk."
                    ) from None
                problem = f"{target} cannot be written ({exc.strerror or exc})"
            else:
                key = _stat_key(target)
                if key is not None:
                    _verified[key] = asset.sha256  # just checked while writing: no second read
                if folder != folders[0]:
                    _warn_once(
                        f"session:{folders[0]}",
                        f"The cache folder {folders[0]} cannot be written to "
                        f"({'; '.join(problems)}): {asset.name} and any other file to repair or download "
                        f"is kept in {folder} for this session only. Set {CACHE_ENV} to a writable folder "
                        "to keep downloads.",
                    )
                return target
        problems.append(problem)
    raise _Unwritable("; ".join(problems))


def _copier(source: BinaryIO) -> Callable[[_Sink], None]:
    return lambda sink: shutil.copyfileobj(source, sink, 1 << 20)


# --------------------------------------------------------------------------- download


class _Retry(Exception):
    """A transient failure: ``reason``, a server-requested ``wait`` (seconds) and whether it was a rate limit."""

    def __init__(self, reason: str, wait: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.wait, self.rate_limited = reason, wait, rate_limited


class _Refused(Exception):
    """The server says the file is not there (4xx other than 429): retrying will not help."""


def retry_after_seconds(value: str | float | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (a number of seconds or an HTTP date); None if absent or bad.

    A number (int or float ≥ 0) is taken as seconds already.
    """
    if is_real(value):
        return float(value) if 0 <= value < float("inf") else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# Rate limiting is shared by every thread: a 429 pauses them all until ``_pause_until``;
# ``_limited_since`` is when the current run of 429/503 answers began (None after a success).
_pause_until = 0.0
_limited_since: float | None = None
_gave_up_at = -float("inf")  # when a transfer last gave up on rate limiting: others fail fast for a while


def _short_reason(exc: Exception) -> str:
    """A one-line reason for a failed transfer (not the whole urllib3 chain)."""
    import requests

    text = str(exc)
    if isinstance(exc, requests.Timeout) or "timed out" in text:
        return "the server did not answer in time"
    if "Name or service not known" in text or "NameResolution" in text or "getaddrinfo" in text:
        return "no internet (the host name could not be resolved)"
    if "Connection refused" in text:
        return "the connection was refused"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in text:
        return "the connection dropped in the middle of the file"
    return f"{type(exc).__name__}: {text[:200]}"


def _get(url: str, sink: _Sink, progress: bool, label: str) -> None:
    """One attempt: stream ``url`` into ``sink`` (raises _Retry, _Refused or _TooBig)."""
    global _limited_since
    import requests
    from tqdm.auto import tqdm

    wait = _pause_until - _clock()
    if wait > 0:
        _sleep(wait)
    try:
        with requests.get(url, stream=True, timeout=TIMEOUT) as response:
            status = response.status_code
            reason = f"the server answered HTTP {status} {response.reason}"
            if status in (429, 503):
                raise _Retry(reason, retry_after_seconds(response.headers.get("Retry-After")), rate_limited=True)
            if status >= 500:
                raise _Retry(reason)
            if status >= 400:
                raise _Refused(reason)
            _limited_since = None
            declared = response.headers.get("Content-Length", "")
            total = int(declared) if declared.isdigit() else None
            with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress, leave=False) as bar:
                for chunk in response.iter_content(1 << 16):
                    sink.write(chunk)
                    bar.update(len(chunk))
    except requests.RequestException as exc:
        raise _Retry(_short_reason(exc)) from None


def _download(url: str, sink: _Sink, *, progress: bool, label: str, unavailable: Callable[[str], str]) -> None:
    """Stream ``url`` into ``sink``, retrying dropped connections and waiting out rate limits."""
    global _pause_until, _limited_since, _gave_up_at
    failures = limited = 0
    while True:
        if _clock() - _gave_up_at < RATE_LIMIT_WAIT:  # another transfer just gave up: don't ask again yet
            raise AssetError(_rate_limited_message(url, "another download from it was just refused", None))
        sink.reset()
        try:
            return _get(url, sink, progress, label)
        except _Refused as exc:
            raise AssetError(unavailable(f"{exc} (after {failures + limited + 1} attempt(s))")) from None
        except _Retry as exc:
            now = _clock()
            if exc.rate_limited:
                limited += 1
                with _lock:
                    _limited_since = _limited_since or now
                    since = _limited_since
                wait = exc.wait if exc.wait is not None else BACKOFF * 4 * 2 ** (limited - 1)
                wait = min(wait, RATE_LIMIT_WAIT)
                if limited > RATE_LIMIT_RETRIES or now + wait - since > RATE_LIMIT_BUDGET:
                    with _lock:
                        _gave_up_at, _limited_since = now, None
                    raise AssetError(_rate_limited_message(url, exc.reason, now - since)) from None
                with _lock:
                    _pause_until = max(_pause_until, now + wait)
            else:
                failures += 1
                if failures >= RETRIES:
                    raise AssetError(unavailable(f"{exc.reason} (after {failures + limited} attempt(s))")) from None
                wait = BACKOFF * 2 ** (failures - 1)
            _sleep(wait)


def _rate_limited_message(url: str, reason: str, waited: float | None) -> str:
    waited_note = "" if waited is None else f"; still refused after {waited:.0f} s of waiting"
    return (
        f"The server is limiting downloads from this network ({reason}{waited_note}): {url}.\n"
        "A class behind one internet connection shares GitHub's limit. Fix it once for everyone:\n"
        f"  - one person runs `{PREFETCH_COMMAND}` (one archive per photo group: 43 requests for everything) and "
        f"shares the cache folder ({cache_dir()}) read-only;\n"
        f"  - everyone sets {MIRROR_ENV} to that shared folder: files are then read from it, with no network.\n"
        "Or wait a few minutes and run the same command again: files already fetched are kept."
    )


def _unavailable_message(asset: Asset, why: str) -> str:
    mirror = mirror_dir()
    mirror_note = f"{MIRROR_ENV} is {mirror}, which has no valid copy" if mirror else f"{MIRROR_ENV} is not set"
    return (
        f"Cannot get {asset.name}: {why}.\n"
        f"  URL: {asset.url}\n"
        f"  ({mirror_note}.)\n"
        f"Fix it either way:\n"
        f"  - point {MIRROR_ENV} at a folder that holds the files (for example a teacher's copy);\n"
        f"  - or, on a machine with internet, run `{PREFETCH_COMMAND}` once to fill the cache "
        f"({cache_dir()})."
    )


# --------------------------------------------------------------------------- fetch


def _local(asset: Asset) -> Path | None:
    """The asset from the cache, the session folder or the mirror (copied into the cache if it can be)."""
    for folder in (cache_dir(), _session_dir()):
        if _matches(folder / asset.name, asset):
            return folder / asset.name
    mirror = mirror_dir()
    if mirror is None:
        return None
    source = mirror / asset.name
    if not _matches(source, asset):
        if source.exists():
            _warn_once(f"mirror:{source}", f"{source} does not match the registry's sha256; ignoring it.")
        return None
    try:
        with open(source, "rb") as handle:
            return _store(asset, _copier(handle), folders=(cache_dir(),))
    except _Unwritable as exc:
        _warn_once(
            f"mirror-direct:{cache_dir()}",
            f"The cache folder {cache_dir()} cannot be written to ({exc}): "
            f"files are read straight from the mirror {mirror} instead. Set {CACHE_ENV} to a writable "
            "folder to keep copies.",
        )
        return source


def fetch(name: str, *, progress: bool = True) -> Path:
    """Return a local path to the verified asset ``name`` (cache → mirror → download).

    Raises AssetError for a bad or unknown name, a progress that is not True/False, or a file that
    cannot be had (the message names the fix).
    """
    true_or_false(progress, "progress", AssetError)
    asset = lookup(name)
    found = _local(asset)
    if found is not None:
        return found
    if os.environ.get(OFFLINE_ENV) == "1":
        raise AssetError(_unavailable_message(asset, f"{OFFLINE_ENV}=1 forbids downloads"))

    def fill(sink: _Sink) -> None:
        _download(
            asset.url,
            sink,
            progress=progress,
            label=asset.name.rsplit("/", 1)[-1],
            unavailable=lambda why: _unavailable_message(asset, why),
        )

    try:
        return _store(asset, fill)
    except _Unwritable as exc:
        raise AssetError(f"Cannot save {asset.name}: {exc}. Set {CACHE_ENV} to a writable folder.") from None


# --------------------------------------------------------------------------- archives


def _archive_plan(missing: list[Asset]) -> list[tuple[Archive, list[Asset]]]:
    plan = []
    for archive in archives():
        members = [a for a in missing if a.url.startswith(archive.prefix)]
        if len(members) >= ARCHIVE_MIN_FILES:
            plan.append((archive, members))
    return plan


def _archive_folder() -> Path:
    for folder in (cache_dir(), _session_dir()):
        if _unwritable_reason(folder / ".archives" / "probe") is None:
            return folder / ".archives"
    raise _Unwritable(f"neither {cache_dir()} nor {_session_dir()} can be written")


def fetch_archive(archive: Archive, wanted: list[Asset], *, workers: int = 8, progress: bool = True) -> list[Asset]:
    """Download ``archive`` once and store the ``wanted`` files found in it (each checked); returns those stored.

    Raises AssetError for a damaged or oversized archive (``fetch_many`` checks the other arguments).
    """

    def unavailable(why: str) -> str:
        return f"Cannot get the archive {archive.url}: {why}."

    with scratch_file(_archive_folder(), archive.url.rsplit("/", 1)[-1]) as handle:
        sink = _Sink(handle, archive.max_bytes)
        try:
            _download(
                archive.url,
                sink,
                progress=progress,
                label=f"{archive.url.rsplit('/', 3)[-3]} archive",
                unavailable=unavailable,
            )
        except _TooBig:
            raise AssetError(
                f"The archive {archive.url} is larger than the {archive.max_bytes} bytes data/archives.tsv "
                "allows; the transfer was stopped."
            ) from None
        handle.flush()
        try:
            with zipfile.ZipFile(handle.name) as zf:
                infos = [i for i in zf.infolist() if not i.is_dir()]
        except (zipfile.BadZipFile, EOFError) as exc:
            raise AssetError(f"The archive {archive.url} is damaged or truncated ({exc}).") from None
        tops = {i.filename.split("/", 1)[0] for i in infos}
        strip = len(tops) == 1 and all("/" in i.filename for i in infos)  # GitHub's "REPO-COMMIT/" folder
        members = {(i.filename.split("/", 1)[1] if strip else i.filename): i for i in infos}
        opened: list[zipfile.ZipFile] = []

        def open_archive() -> zipfile.ZipFile | None:  # each worker thread reads through its own handle
            try:
                zf = zipfile.ZipFile(handle.name)
            except (zipfile.BadZipFile, OSError):
                return None
            opened.append(zf)
            return zf

        def extract(zf: zipfile.ZipFile | None, asset: Asset) -> bool:
            info = members.get(urllib.parse.unquote(asset.url[len(archive.prefix) :]))
            if zf is None or info is None or info.file_size != asset.bytes:
                return False
            try:
                with zf.open(info) as source:
                    _store(asset, _copier(source))
                return True
            except (AssetError, _Unwritable, zipfile.BadZipFile, zlib.error, EOFError):
                return False  # the per-file route tries it again

        try:
            bar = {"unit": "file", "desc": "extracting"} if progress else None
            done = parallel_map(extract, wanted, workers=workers, worker_state=open_archive, progress=bar)
            stored = [a for a, ok in zip(wanted, done, strict=True) if ok]
        finally:
            for zf in opened:
                zf.close()
    return stored


def _caught(function: Callable[[Asset], Path | None]) -> Callable[[Asset], Path | AssetError | None]:
    def run(asset: Asset) -> Path | AssetError | None:
        try:
            return function(asset)
        except AssetError as exc:
            return exc

    return run


def fetch_many(names_: list[str], *, workers: int = 8, progress: bool = True) -> list[Path]:
    """Fetch several assets (local copies first, then archives, then per-file downloads); paths in input order.

    Raises AssetError listing the files that could not be fetched (the others are kept), and for
    names_ that is not a list of names, workers that is not a whole number from 1 to 64, or a non-bool progress.
    """

    if isinstance(names_, str | PurePath):
        raise AssetError(
            f"fetch_many() takes a list of names, like ['images/cat.bmp']; got one name {names_!r}: "
            "use fetch() for a single file."
        )
    if not isinstance(names_, Iterable):
        raise AssetError(f"fetch_many() takes a list of names, like ['images/cat.bmp']; got {names_!r}.")
    _check_workers(workers)
    true_or_false(progress, "progress", AssetError)
    assets = [lookup(n) for n in names_]
    paths: list[Path | AssetError | None] = parallel_map(_caught(_local), assets, workers=workers)
    need = missing = [a for a, p in zip(assets, paths, strict=True) if p is None]
    if missing and os.environ.get(OFFLINE_ENV) != "1":
        for archive, members in _archive_plan(missing):
            # Take the source's other registered files too, so the next group from it needs no second download.
            asked = {a.name for a in members}
            others = [a for a in registry().values() if a.url.startswith(archive.prefix) and a.name not in asked]
            others = [a for a in others if not any(_matches(f / a.name, a) for f in (cache_dir(), _session_dir()))]
            try:
                got = {a.name for a in fetch_archive(archive, members + others, workers=workers, progress=progress)}
            except (AssetError, _Unwritable) as exc:
                got = set()
                warnings.warn(
                    f"{str(exc).splitlines()[0]} Fetching its {len(members)} files one at a time instead.", stacklevel=2
                )
            missing = [a for a in missing if a.name not in got]
            if not asked <= got:
                print(
                    f"{len(asked - got)} of {len(members)} files were not usable in {archive.url}; "
                    "fetching them one at a time.",
                    file=sys.stderr,
                )

    left = {a.name for a in missing}  # the rest of ``need`` is in the cache now (from an archive)
    results = parallel_map(
        _caught(lambda a: fetch(a.name, progress=False)),
        need,
        workers=workers,
        progress={"unit": "B", "unit_scale": True, "desc": "downloading", "leave": True}
        if progress and missing
        else None,
        weight=lambda a: a.bytes if a.name in left else 0,
    )
    fetched = dict(zip([a.name for a in need], results, strict=True))
    paths = [fetched.get(a.name, p) for a, p in zip(assets, paths, strict=True)]
    errors = [p for p in paths if isinstance(p, AssetError)]
    if errors:
        first = [str(e).splitlines()[0] for e in errors[:10]]
        limited = next((str(e) for e in errors if "limiting downloads" in str(e)), "")
        raise AssetError(
            f"{len(errors)} of {len(assets)} files could not be fetched (the others are cached; "
            f"run the same command again to resume):\n  " + "\n  ".join(first) + ("\n" + limited if limited else "")
        )
    return [p for p in paths if isinstance(p, Path)]


def fetch_group(group: str, *, progress: bool = True) -> list[Path]:
    """Fetch every asset of one group (sorted by name) and return their paths.

    Raises AssetError for an unknown group or files that cannot be fetched.
    """
    return fetch_many(names(group), progress=progress)


def read_labels(name: str) -> list[str]:
    """The labels of a registered label file, one per line, cleaned as ``helpers.classify.read_labels`` does.

    Lines end in LF, CRLF or CR; the BOM and surrounding spaces go; trailing blank lines go and blank
    lines inside stay as "" (so that no label moves to another output). Raises AssetError for a bad or
    unknown name, or a file that is not UTF-8 text.
    """
    path = fetch(name)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssetError(f"{name!r} is not a UTF-8 label file ({exc}); read_labels takes a text file.") from None
    return label_lines(text)


@lru_cache(maxsize=1)
def _credits() -> dict[str, str]:
    return {row[0]: row[1] for _, row in _rows(data_file("credits.tsv"), ("name", "credit"))}


def photo_credit(name: str) -> str:
    """The credit line to print under a registered photo (photographer or source, license).

    Raises AssetError for a bad or unknown name.
    """
    asset = lookup(name)
    if name in _credits():
        return _credits()[name]
    if asset.group == "flowers":
        # flowers/LICENSE.txt lists "<class>/<file> CC-BY by <photographer> - <url>".
        key = "/".join(name.split("/")[-2:])
        for line in read_labels("flowers/LICENSE.txt"):
            if line.startswith(key + " "):
                return (
                    "Photo: "
                    + line[len(key) + 1 :].replace("CC-BY by", "").replace(" - ", ", ").strip()
                    + " — CC BY 2.0"
                )
    return f"Source: {asset.url} — {asset.license}"


def availability() -> str | None:
    """None if assets can be fetched here; otherwise the reason they cannot.

    Raises AssetError for a relative ``$CLASSROOM_CACHE_DIR`` or an unreadable registry; no network is an answer, not an
    error.
    """
    mirror = mirror_dir()
    if mirror is not None and (mirror / "MANIFEST.tsv").exists():
        return None
    cache = cache_dir()
    if all((cache / a.name).exists() for a in registry().values()):
        return None  # prefetched earlier: everything is in the cache
    if os.environ.get(OFFLINE_ENV) != "1":
        import requests

        try:
            requests.head("https://github.com", timeout=3)
            return None
        except requests.RequestException:
            pass
    return (
        f"no asset mirror ({MIRROR_ENV} unset or without MANIFEST.tsv) and no internet; "
        f"set {MIRROR_ENV}=path/to/assets or run `{PREFETCH_COMMAND}` where there is internet"
    )


# --------------------------------------------------------------------------- verify


def verify(*, repair: bool = True, progress: bool = True) -> dict[str, list[str]]:
    """Re-hash every cached file (no memo); with ``repair``, replace bad ones; also clean killed downloads' leftovers.

    Raises AssetError for a repair or progress that is not True/False.
    """
    from tqdm.auto import tqdm

    true_or_false(repair, "repair", AssetError)
    true_or_false(progress, "progress", AssetError)

    cache = cache_dir()
    report: dict[str, list[str]] = {
        "ok": [],
        "missing": [],
        "corrupt": [],
        "repaired": [],
        "failed": [],
        "cleaned": [str(p) for p in remove_stale_parts(cache)],
    }
    for asset in tqdm(list(registry().values()), desc="verifying", disable=not progress):
        path = cache / asset.name
        try:
            path.stat()
        except (FileNotFoundError, NotADirectoryError):
            report["missing"].append(asset.name)
            continue
        except OSError:  # there but unreadable: corrupt
            pass
        if _matches(path, asset, memo=False):
            report["ok"].append(asset.name)
            continue
        report["corrupt"].append(asset.name)
        if repair:
            with warnings.catch_warnings(record=True):  # the outcome is reported below, not warned
                warnings.simplefilter("always")
                try:
                    got = fetch(asset.name, progress=False)
                except AssetError as exc:
                    report["failed"].append(f"{asset.name}: {str(exc).splitlines()[0]}")
                    continue
            if got != path:  # a good copy elsewhere (session, mirror): put it in the cache if it takes it
                with contextlib.suppress(_Unwritable, AssetError), open(got, "rb") as handle:
                    got = _store(asset, _copier(handle), folders=(cache,))
            if got == path:
                report["repaired"].append(asset.name)
            else:
                report["failed"].append(
                    f"{asset.name}: {path} could not be replaced (read-only cache or a "
                    f"folder in its place); this session uses {got}. Fix the cache where it "
                    "is writable: run `python -m helpers.assets verify` there."
                )
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (prefetch, fetch, verify, registry); 1 if files fail, 2 for a bad name or file.

    Raises nothing for a bad name, file or download: the AssetError is printed and becomes exit status 1 or 2 (argparse
    exits with status 2 for bad usage).
    """
    parser = argparse.ArgumentParser(prog="python -m helpers.assets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("prefetch", help="download (or copy from the mirror) into the cache")
    pre.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(GROUPS)} (default: all)")
    one = sub.add_parser("fetch", help="fetch files by name and print their local paths")
    one.add_argument("names", nargs="+", metavar="NAME")
    ver = sub.add_parser("verify", help="re-hash the cache against the registry")
    ver.add_argument("--no-repair", action="store_true", help="only report, do not re-fetch")
    reg = sub.add_parser("registry", help="regenerate the registry from a MANIFEST.tsv")
    reg.add_argument("manifest", type=Path)
    reg.add_argument("-o", "--out", type=Path, default=None)
    args = parser.parse_args(argv)

    try:  # bad names, groups, files or settings: one line, exit status 2
        if args.command != "registry":
            cache_dir()
        if args.command == "prefetch":
            wanted = [n for g in (args.groups or GROUPS) for n in names(g)]
        elif args.command == "fetch":
            wanted = [lookup(n).name for n in args.names]
        elif args.command == "registry":
            if args.out is not None and args.out.is_dir():
                raise AssetError(f"-o {args.out} is a folder; give a file path, such as data/assets.tsv.")
            entries = read_registry_file(args.manifest)
    except AssetError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    try:
        if args.command in ("prefetch", "fetch"):
            remove_stale_parts(cache_dir())  # leftovers of killed downloads
            paths = fetch_many(wanted, progress=args.command == "prefetch")
            print(
                f"{len(wanted)} files ready in {cache_dir()}"
                if args.command == "prefetch"
                else "\n".join(map(str, paths))
            )
        elif args.command == "verify":
            report = verify(repair=not args.no_repair)
            for key, items in report.items():
                print(f"{key:9s} {len(items)}")
                if key in ("corrupt", "failed"):
                    for item in items:
                        print(f"  {item}")
            return 1 if report["failed"] or (args.no_repair and report["corrupt"]) else 0
        else:
            out = args.out or registry_path()
            print(f"wrote {write_registry(args.manifest, out)} entries to {out} ({len(entries)} read)")
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # e.g. ``registry -o`` naming a folder or a read-only place
        print(f"error: cannot write {exc.filename or ''}: {exc.strerror or exc}. Choose another path.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
