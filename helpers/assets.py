"""Fetch the suite's external files (models, labels, photos) by name (notebook 01).

``data/assets.tsv`` lists each file's sha256, size, pinned URL and license. ``fetch(name)`` uses a file only once
its sha256 matches, from: the cache folder (``CLASSROOM_CACHE_DIR``, absolute), then a per-session folder; a mirror
folder laid out like the registry (``CLASSROOM_ASSET_MIRROR``), for classrooms without internet; the pinned URL
(``fetch_many`` gets large photo groups as one pinned archive per source, ``data/archives.tsv``). A damaged copy is
replaced by a rename, never deleted first, so a returned path never disappears, even with many processes repairing
it. A read-only cache is read through (the mirror's copy or the session folder, with one warning). Downloads stop
past the registry's size, retry dropped connections and wait out HTTP 429/503 (``Retry-After``) within a budget;
pooch 1.9 could do none of these three, so ``requests`` does the HTTP.

Command line: ``python -m helpers.assets prefetch|fetch|verify|registry`` (``--help`` says more).
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
from functools import lru_cache, partial
from pathlib import Path, PurePath
from stat import S_ISREG
from typing import BinaryIO, NamedTuple

from helpers.arguments import label_lines
from helpers.errors import AssetError
from helpers.system import atomic_writer, parallel_map, remove_stale_parts, scratch_file, write_bytes_atomically

CACHE_ENV = "CLASSROOM_CACHE_DIR"
MIRROR_ENV = "CLASSROOM_ASSET_MIRROR"
OFFLINE_ENV = "CLASSROOM_OFFLINE"
PREFETCH_COMMAND = "python -m helpers.assets prefetch"
_COLUMNS = ("name", "sha256", "bytes", "url", "license")
_GROUPS = ("models", "labels", "images", "flowers", "imagenet-samples")

# Network settings: (connect, read) timeouts in seconds; attempts and backoff for dropped connections and server
# errors; for HTTP 429/503 the longest single wait, the attempts per file and the time a burst of rate limiting
# may last before giving up.
_TIMEOUT = (5.0, 30.0)
_RETRIES = 3
_BACKOFF = 0.5
_RATE_LIMIT_WAIT = 60.0
_RATE_LIMIT_RETRIES = 8
_RATE_LIMIT_BUDGET = 300.0
_ARCHIVE_MIN_FILES = 20  # fewer missing files than this from one source: per-file downloads are cheaper
_sleep, _clock = time.sleep, time.monotonic  # tests make waiting instant


@dataclass(frozen=True)
class Asset:
    """One row of the registry; the top-level folder of its name is its group (models, images, ...)."""

    name: str
    sha256: str
    bytes: int
    url: str
    license: str


@dataclass(frozen=True)
class Archive:
    """A pinned archive (a zip of a commit) holding the files whose URLs start with ``prefix``."""

    url: str
    prefix: str
    max_bytes: int


# --------------------------------------------------------------------------- registry


_NAME_RULES = {
    "it is empty": lambda name: not name.strip(),
    "it contains a backslash (use '/')": lambda name: "\\" in name,
    "it is an absolute path": lambda name: name.startswith("/") or re.match(r"^[A-Za-z]:", name),
    "it contains a control character": lambda name: any(ord(c) < 32 for c in name),
    "it has an empty, '.' or '..' part": lambda name: any(p in ("", ".", "..") for p in name.split("/")),
}


def _name_problem(name: object) -> str | None:
    if isinstance(name, PurePath):
        return (
            f"{name!r} is not a valid asset name: fetch() takes a registry name as a string, like 'images/cat.bmp', "
            "not a path. A file of your own needs no fetch: pass its path to the function that reads it."
        )
    if not isinstance(name, str):
        return (
            f"{name!r} is not a valid asset name: it must be a string like 'images/cat.bmp', not {type(name).__name__}."
        )
    problem = next((why for why, bad in _NAME_RULES.items() if bad(name)), None)
    return problem and f"{name!r} is not a valid asset name: {problem}. Names look like 'images/cat.bmp'."


def data_file(filename: str) -> Path:
    """A file of the repository's data/ folder (installed as the package ``helpers.data``)."""
    try:
        return Path(str(importlib.resources.files("helpers.data") / filename))
    except ModuleNotFoundError:  # a source checkout that was not pip-installed
        return Path(__file__).resolve().parent.parent / "data" / filename


def _rows(path: Path, columns: int):
    """(line number, row) of a TSV file with a header."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except (OSError, TypeError, UnicodeDecodeError) as exc:
        raise AssetError(f"Cannot read {path} as a UTF-8 TSV file ({exc}). Check the file name.") from None
    for line_no, row in enumerate(rows or [[]], start=1):
        if (row or line_no == 1) and len(row) < columns:
            raise AssetError(f"{path}:{line_no} has {len(row)} columns; expected {columns}.")
        if row and line_no > 1:
            yield line_no, row


def _read_registry(path: Path) -> dict[str, Asset]:
    entries: dict[str, Asset] = {}
    for line_no, (name, sha, size, url, license_, *_) in _rows(path, len(_COLUMNS)):
        bad_numbers = len(sha) != 64 or not size.isdigit()
        problem = _name_problem(name) or (f"bad sha256 or byte count for {name!r}." if bad_numbers else None)
        if problem:
            raise AssetError(f"{path}:{line_no}: {problem}")
        entries[name] = Asset(name, sha.lower(), int(size), url, license_)
    return entries


@lru_cache(maxsize=1)
def registry() -> dict[str, Asset]:
    """All registered assets, keyed by name (read once from data/assets.tsv)."""
    return _read_registry(data_file("assets.tsv"))


@lru_cache(maxsize=1)
def archives() -> list[Archive]:
    """The pinned archives of data/archives.tsv that large groups are fetched from."""
    return [Archive(url, prefix, int(size)) for _, (url, prefix, size, *_) in _rows(data_file("archives.tsv"), 4)]


def _write_registry(manifest: Path, out: Path) -> int:
    """Write a registry file from a mirror's MANIFEST.tsv; the row count."""
    entries = sorted(_read_registry(manifest).values(), key=lambda a: a.name)
    lines = ["\t".join(_COLUMNS), *(f"{a.name}\t{a.sha256}\t{a.bytes}\t{a.url}\t{a.license}" for a in entries)]
    write_bytes_atomically(Path(out), ("\n".join(lines) + "\n").encode("utf-8"))
    return len(entries)


def lookup(name: str) -> Asset:
    """The registry entry for ``name``; AssetError for an invalid or unregistered name (suggesting close ones)."""
    problem, entries = _name_problem(name), registry()
    if problem:
        raise AssetError(problem)
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, list(entries), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise AssetError(f"{name!r} is not in the asset registry ({data_file('assets.tsv')}).{hint}")


def names(group: str | None = None) -> list[str]:
    """Registered names, optionally of one group (e.g. ``"models"``); AssetError for an unknown group."""
    if group is not None and group not in _GROUPS:
        raise AssetError(f"Unknown asset group {group!r}; choose one of {', '.join(_GROUPS)}.")
    return sorted(n for n in registry() if group is None or n.startswith(f"{group}/"))


# --------------------------------------------------------------------------- folders and hashes


def cache_dir() -> Path:
    """The cache folder: ``$CLASSROOM_CACHE_DIR`` or a per-user cache folder; AssetError for a relative path."""
    env = os.environ.get(CACHE_ENV)
    if not env:
        import platformdirs

        return Path(platformdirs.user_cache_dir("edge-image-classroom", appauthor=False))
    if not Path(env).expanduser().is_absolute():
        raise AssetError(
            f"{CACHE_ENV}={env!r} is a relative path: each notebook's kernel starts in its own folder, so it would "
            f"mean a different cache per notebook. Set it to an absolute path, e.g. {CACHE_ENV}={Path(env).absolute()}"
        )
    return Path(env).expanduser()


@lru_cache(maxsize=8)
def _absolute(path: str) -> Path:
    return Path(path).expanduser().absolute()


def _mirror_dir() -> Path | None:
    """The mirror folder (a relative path is resolved once), or None."""
    env = os.environ.get(MIRROR_ENV)
    return _absolute(env) if env else None


def _session_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"edge-image-classroom-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


# Files fetch() has hashed in this process, keyed by what a rewrite changes (size, mtime, ctime, inode); verify()
# never uses it.
_verified: dict[tuple, str] = {}
_warned: set[str] = set()
_swept: set[Path] = set()
_lock = threading.Lock()


def _stat_key(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino) if S_ISREG(info.st_mode) else None


def _matches(path: Path, asset: Asset, *, memo: bool = True) -> bool:
    key = _stat_key(path)
    if key is None or key[1] != asset.bytes:
        return False
    if not memo or key not in _verified:
        try:
            with open(path, "rb") as handle:
                _verified[key] = hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:  # unreadable or gone meanwhile: as good as absent
            return False
    return _verified[key] == asset.sha256


def _warn_once(key: str, message: str) -> None:
    with _lock:
        if key in _warned:
            return
        _warned.add(key)
    warnings.warn(message, stacklevel=4)


# --------------------------------------------------------------------------- writing


class _Sink:
    """A write-only file that hashes what it is given and keeps at most ``limit`` bytes (``full`` past it)."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        self.handle, self.limit = handle, limit
        self.reset()

    def reset(self) -> None:
        self.handle.seek(0)
        self.handle.truncate()
        self.size, self.head, self.digest = 0, b"", hashlib.sha256()

    @property
    def full(self) -> bool:
        return self.size > self.limit

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.head += data[: max(0, 64 - len(self.head))]
        if not self.full:
            self.digest.update(data)
            self.handle.write(data)

    def describe(self) -> str:
        """What arrived, in a few words (an HTML page is named as such)."""
        size = f"more than {self.limit} bytes, stopped there" if self.full else f"{self.size} bytes"
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
    return None if os.access(target.parent, os.W_OK) else f"{target.parent} is read-only"


def _store(asset: Asset, fill: Callable[[_Sink], None], folders: tuple[Path, ...] | None = None) -> Path:
    """Write ``asset`` through ``fill`` into the first folder that takes it, checking sha256 before the rename."""
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
                    fill(sink)
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
                        f"The cache folder {folders[0]} cannot be written to ({'; '.join(problems)}): {asset.name} "
                        f"and any other file to repair or download is kept in {folder} for this session only. Set "
                        f"{CACHE_ENV} to a writable folder to keep downloads.",
                    )
                return target
        problems.append(problem)
    raise AssetError(f"Cannot save {asset.name}: {'; '.join(problems)}. Set {CACHE_ENV} to a writable folder.")


# --------------------------------------------------------------------------- download


class _Failure(NamedTuple):
    """A failed attempt: retried unless the server said the file is not there (HTTP 4xx but 429)."""

    reason: str
    retry: bool = True
    wait: float | None = None
    rate_limited: bool = False


def _retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date); None when absent or unreadable."""
    if not value or value.strip().isdigit():
        return float(value) if value else None
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return None if when.tzinfo is None else max(0.0, when.timestamp() - (time.time() if now is None else now))


# Rate limiting is shared by every thread: a 429 pauses them all until ``_pause_until``; ``_limited_since`` is when
# the current run of 429/503 answers began (None after a success); after a transfer gives up (``_gave_up_at``),
# others fail fast for a while.
_pause_until = 0.0
_limited_since: float | None = None
_gave_up_at = -float("inf")
_REASONS = {
    "the server did not answer in time": ("timed out", "Timeout"),
    "no internet (the host name could not be resolved)": ("Name or service not known", "NameResolution", "getaddrinfo"),
    "the connection was refused": ("Connection refused",),
    "the connection dropped in the middle of the file": ("ChunkedEncodingError", "IncompleteRead"),
}


def _attempt(url: str, sink: _Sink, progress: bool, label: str) -> _Failure | None:
    """Stream ``url`` into ``sink`` once (stopping when the sink is full); None when it arrived."""
    global _limited_since
    import requests
    from tqdm.auto import tqdm

    wait = _pause_until - _clock()
    if wait > 0:
        _sleep(wait)
    try:
        with requests.get(url, stream=True, timeout=_TIMEOUT) as response:
            status = response.status_code
            reason = f"the server answered HTTP {status} {response.reason}"
            if status in (429, 503):
                return _Failure(reason, True, _retry_after(response.headers.get("Retry-After")), True)
            if status >= 400:
                return _Failure(reason, retry=status >= 500)
            _limited_since = None
            declared = response.headers.get("Content-Length", "")
            total = int(declared) if declared.isdigit() else None
            with tqdm(total=total, unit="B", unit_scale=True, desc=label, disable=not progress, leave=False) as bar:
                for chunk in response.iter_content(1 << 16):
                    sink.write(chunk)
                    bar.update(len(chunk))
                    if sink.full:
                        break
    except requests.RequestException as exc:
        text = f"{type(exc).__name__}: {exc}"
        return _Failure(next((why for why, keys in _REASONS.items() if any(k in text for k in keys)), text[:200]))
    return None


def _download(url: str, sink: _Sink, *, progress: bool, label: str, unavailable: Callable[[str], str]) -> None:
    """Stream ``url`` into ``sink``, retrying dropped connections and waiting out rate limits."""
    global _pause_until, _limited_since, _gave_up_at
    failures = limited = 0
    reason, waited = "another download from it was just refused", None
    while waited is None and _clock() - _gave_up_at >= _RATE_LIMIT_WAIT:  # a transfer just gave up: don't ask yet
        sink.reset()
        failure = _attempt(url, sink, progress, label)
        now = _clock()
        if failure is None:
            return
        if not failure.rate_limited:
            failures += 1
            if not failure.retry or failures >= _RETRIES:
                raise AssetError(unavailable(f"{failure.reason} (after {failures + limited} attempt(s))"))
            _sleep(_BACKOFF * 2 ** (failures - 1))
            continue
        limited += 1
        with _lock:
            _limited_since = since = _limited_since or now
        wait = min(_RATE_LIMIT_WAIT, failure.wait if failure.wait is not None else _BACKOFF * 4 * 2 ** (limited - 1))
        if limited > _RATE_LIMIT_RETRIES or now + wait - since > _RATE_LIMIT_BUDGET:
            with _lock:
                _gave_up_at, _limited_since = now, None  # ends the loop
            reason, waited = failure.reason, f"; still refused after {now - since:.0f} s of waiting"
            continue
        with _lock:
            _pause_until = max(_pause_until, now + wait)
        _sleep(wait)
    raise AssetError(
        f"The server is limiting downloads from this network ({reason}{waited or ''}): {url}.\n"
        "A class behind one internet connection shares GitHub's limit. Fix it once for everyone:\n"
        f"  - one person runs `{PREFETCH_COMMAND}` (one archive per photo group: 43 requests for everything) and "
        f"shares the cache folder ({cache_dir()}) read-only;\n"
        f"  - everyone sets {MIRROR_ENV} to that shared folder: files are then read from it, with no network.\n"
        "Or wait a few minutes and run the same command again: files already fetched are kept."
    )


def _unavailable_message(asset: Asset, why: str) -> str:
    mirror = _mirror_dir()
    mirror_note = f"{MIRROR_ENV} is {mirror}, which has no valid copy" if mirror else f"{MIRROR_ENV} is not set"
    return (
        f"Cannot get {asset.name}: {why}.\n  URL: {asset.url}\n  ({mirror_note}.)\nFix it either way:\n"
        f"  - point {MIRROR_ENV} at a folder that holds the files (for example a teacher's copy);\n"
        f"  - or, on a machine with internet, run `{PREFETCH_COMMAND}` once to fill the cache ({cache_dir()})."
    )


# --------------------------------------------------------------------------- fetch


def _local(asset: Asset) -> Path | None:
    """The asset from the cache, the session folder or the mirror (copied into the cache if it can be)."""
    for folder in (cache_dir(), _session_dir()):
        if _matches(folder / asset.name, asset):
            return folder / asset.name
    mirror = _mirror_dir()
    source = mirror / asset.name if mirror is not None else None
    if source is None or not _matches(source, asset):
        if source is not None and source.exists():
            _warn_once(f"mirror:{source}", f"{source} does not match the registry's sha256; ignoring it.")
        return None
    try:
        with open(source, "rb") as handle:
            return _store(asset, partial(shutil.copyfileobj, handle), folders=(cache_dir(),))
    except AssetError as exc:
        _warn_once(
            f"mirror-direct:{cache_dir()}",
            f"The cache folder {cache_dir()} cannot be written to, so files are read straight from the mirror "
            f"{mirror} instead. {exc}",
        )
        return source


def fetch(name: str, *, progress: bool = True) -> Path:
    """A local path to the verified asset ``name`` (cache → mirror → download); AssetError naming the fix."""
    asset = lookup(name)
    found = _local(asset)
    if found is not None:
        return found
    if os.environ.get(OFFLINE_ENV) == "1":
        raise AssetError(_unavailable_message(asset, f"{OFFLINE_ENV}=1 forbids downloads"))

    label, unavailable = asset.name.rsplit("/", 1)[-1], lambda why: _unavailable_message(asset, why)
    return _store(
        asset, lambda sink: _download(asset.url, sink, progress=progress, label=label, unavailable=unavailable)
    )


def _fetch_archive(archive: Archive, wanted: list[Asset], *, progress: bool) -> tuple[set[str], str]:
    """Store the ``wanted`` files of ``archive``, each checked: the names stored, and why not ("" when it could)."""
    writable = [f for f in (cache_dir(), _session_dir()) if _unwritable_reason(f / ".archives" / "x") is None]
    with scratch_file((writable or [_session_dir()])[0] / ".archives", archive.url.rsplit("/", 1)[-1]) as handle:
        sink, problem = _Sink(handle, archive.max_bytes), ""
        try:
            label = f"{archive.url.rsplit('/', 3)[-3]} archive"
            _download(archive.url, sink, progress=progress, label=label, unavailable=lambda why: why)
            if sink.full:
                problem = f"it is larger than the {archive.max_bytes} bytes data/archives.tsv allows; stopped there"
            else:
                handle.flush()
                archive_file = zipfile.ZipFile(handle.name)
        except AssetError as exc:
            problem = str(exc).splitlines()[0].rstrip(".")
        except (zipfile.BadZipFile, EOFError) as exc:
            problem = f"it is damaged or truncated ({exc})"
        if problem:
            return set(), problem
        with archive_file:  # one thread extracts: 901 photos took under a second, no faster on 8 threads
            infos = [i for i in archive_file.infolist() if not i.is_dir()]
            strip = len({i.filename.split("/", 1)[0] for i in infos}) == 1 and all("/" in i.filename for i in infos)
            members = {(i.filename.split("/", 1)[1] if strip else i.filename): i for i in infos}  # "REPO-COMMIT/"

            def extract(asset: Asset) -> bool:
                info = members.get(urllib.parse.unquote(asset.url[len(archive.prefix) :]))
                if info is None or info.file_size != asset.bytes:
                    return False
                try:
                    with archive_file.open(info) as source:
                        _store(asset, partial(shutil.copyfileobj, source))
                    return True
                except (AssetError, zipfile.BadZipFile, zlib.error, EOFError):
                    return False  # the per-file route tries it again

            bar = {"unit": "file", "desc": "extracting"} if progress else None
            done = parallel_map(extract, wanted, workers=1, progress=bar)
    return {a.name for a, ok in zip(wanted, done, strict=True) if ok}, ""


def fetch_many(names_: Iterable[str], *, workers: int = 8, progress: bool = True) -> list[Path]:
    """Fetch several assets (cache, archives, one by one), paths in input order; AssetError listing those missing."""
    assets = [lookup(n) for n in names_]
    paths: list[Path | AssetError | None] = parallel_map(_local, assets, workers=workers)
    need = missing = [a for a, p in zip(assets, paths, strict=True) if p is None]
    for archive in archives() if missing and os.environ.get(OFFLINE_ENV) != "1" else ():
        members = [a for a in missing if a.url.startswith(archive.prefix)]
        if len(members) < _ARCHIVE_MIN_FILES:
            continue
        # Take the source's other registered files too, so the next group from it needs no second download.
        asked = {a.name for a in members}
        others = [a for a in registry().values() if a.url.startswith(archive.prefix) and a.name not in asked]
        others = [a for a in others if not any(_matches(f / a.name, a) for f in (cache_dir(), _session_dir()))]
        try:
            got, problem = _fetch_archive(archive, members + others, progress=progress)
        except OSError as exc:  # a full disk or no writable folder for the archive
            got, problem = set(), str(exc)
        if problem:
            message = (
                f"Cannot use the archive {archive.url}: {problem}. Fetching its {len(members)} files one at a time."
            )
            warnings.warn(message, stacklevel=2)
        missing = [a for a in missing if a.name not in got]  # damaged or absent in the archive: one at a time
    left = {a.name for a in missing}  # the rest of ``need`` is in the cache now (from an archive)
    bar = {"unit": "B", "unit_scale": True, "desc": "downloading", "leave": True} if progress and missing else None

    def fetch_one(asset: Asset) -> Path | AssetError:
        try:
            return fetch(asset.name, progress=False)
        except AssetError as exc:
            return exc

    weight = lambda a: a.bytes if a.name in left else 0
    results = parallel_map(fetch_one, need, workers=workers, progress=bar, weight=weight)
    fetched = dict(zip([a.name for a in need], results, strict=True))
    paths = [fetched.get(a.name, p) for a, p in zip(assets, paths, strict=True)]
    errors = [str(p) for p in paths if isinstance(p, AssetError)]
    if errors:
        first_lines = "\n  ".join(e.splitlines()[0] for e in errors[:10])
        limited = next((f"\n{e}" for e in errors if "limiting downloads" in e), "")
        raise AssetError(
            f"{len(errors)} of {len(assets)} files could not be fetched (the others are cached; run the same command "
            f"again to resume):\n  {first_lines}{limited}"
        )
    return paths


def fetch_group(group: str, *, progress: bool = True) -> list[Path]:
    """Fetch every asset of one group (sorted by name); AssetError for an unknown group or files not fetched."""
    return fetch_many(names(group), progress=progress)


def read_labels(name: str) -> list[str]:
    """The labels of a registered label file, cleaned as classify.read_labels does; AssetError as fetch or not UTF-8."""
    try:
        return label_lines(fetch(name).read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AssetError(f"{name!r} is not a UTF-8 label file ({exc}); read_labels takes a text file.") from None


@lru_cache(maxsize=1)
def _credits() -> dict[str, str]:
    return {row[0]: row[1] for _, row in _rows(data_file("credits.tsv"), 2)}


def photo_credit(name: str) -> str:
    """The credit line to print under a registered photo (photographer or source, license); AssetError as lookup."""
    asset = lookup(name)
    if name in _credits():
        return _credits()[name]
    if name.startswith("flowers/"):  # flowers/LICENSE.txt lists "<class>/<file> CC-BY by <photographer> - <url>".
        key = "/".join(name.split("/")[-2:]) + " "
        for line in read_labels("flowers/LICENSE.txt"):
            if line.startswith(key):
                return f"Photo: {line[len(key) :].replace('CC-BY by', '').replace(' - ', ', ').strip()} — CC BY 2.0"
    return f"Source: {asset.url} — {asset.license}"


# --------------------------------------------------------------------------- verify and the command line


def verify(*, repair: bool = True, progress: bool = True) -> dict[str, list[str]]:
    """Re-hash every cached file (no memo), with ``repair`` replace bad ones, and clean killed downloads' leftovers."""
    from tqdm.auto import tqdm

    cache = cache_dir()
    report: dict[str, list[str]] = {key: [] for key in ("ok", "missing", "corrupt", "repaired", "failed")}
    report["cleaned"] = [str(p) for p in remove_stale_parts(cache)]
    for asset in tqdm(list(registry().values()), desc="verifying", disable=not progress):
        path = cache / asset.name  # a file there but unreadable is corrupt
        state = "missing" if not os.path.exists(path) else "ok" if _matches(path, asset, memo=False) else "corrupt"
        report[state].append(asset.name)
        if state != "corrupt" or not repair:
            continue
        with warnings.catch_warnings(record=True):  # the outcome is reported below, not warned
            warnings.simplefilter("always")
            try:
                got = fetch(asset.name, progress=False)
            except AssetError as exc:
                report["failed"].append(f"{asset.name}: {str(exc).splitlines()[0]}")
                continue
        if got != path:  # a good copy elsewhere (session, mirror): put it in the cache if it takes it
            with contextlib.suppress(AssetError), open(got, "rb") as handle:
                got = _store(asset, partial(shutil.copyfileobj, handle), folders=(cache,))
        if got == path:
            report["repaired"].append(asset.name)
        else:
            report["failed"].append(
                f"{asset.name}: {path} could not be replaced (read-only cache or a folder in its place); this "
                f"session uses {got}. Fix the cache where it is writable: run `python -m helpers.assets verify` there."
            )
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: 0 ok, 1 when files could not be fetched or repaired, 2 for a bad name or file."""
    parser = argparse.ArgumentParser(prog="python -m helpers.assets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("prefetch", help="download (or copy from the mirror) into the cache")
    pre.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(_GROUPS)} (default: all)")
    get = sub.add_parser("fetch", help="fetch files by name and print their local paths")
    get.add_argument("names", nargs="+", metavar="NAME")
    ver = sub.add_parser("verify", help="re-hash the cache against the registry")
    ver.add_argument("--no-repair", action="store_true", help="only report, do not re-fetch")
    reg = sub.add_parser("registry", help="regenerate the registry from a MANIFEST.tsv")
    reg.add_argument("manifest", type=Path)
    reg.add_argument("-o", "--out", type=Path, default=None)
    args = parser.parse_args(argv)
    try:  # bad names, groups, files or settings: one line, exit status 2
        if args.command == "registry":
            out = args.out or data_file("assets.tsv")
            print(f"wrote {_write_registry(args.manifest, out)} entries to {out}")
            return 0
        cache_dir()
        wanted = [lookup(n).name for n in args.names] if args.command == "fetch" else []
        wanted += [n for g in (args.groups or _GROUPS) for n in names(g)] if args.command == "prefetch" else []
    except AssetError as exc:
        print(f"error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    except OSError as exc:  # ``registry -o`` naming a folder or a read-only place
        where = exc.filename2 or exc.filename or ""
        print(f"error: cannot write {where}: {exc.strerror or exc}. Choose another file path.", file=sys.stderr)
        return 2
    try:
        if args.command == "verify":
            report = verify(repair=not args.no_repair)
            for key, items in report.items():
                print(f"{key:9s} {len(items)}")
                print("".join(f"  {item}\n" for item in items if key in ("corrupt", "failed")), end="")
            return 1 if report["failed"] or (args.no_repair and report["corrupt"]) else 0
        remove_stale_parts(cache_dir())  # leftovers of killed downloads
        paths = fetch_many(wanted, progress=args.command == "prefetch")
        print(
            f"{len(wanted)} files ready in {cache_dir()}" if args.command == "prefetch" else "\n".join(map(str, paths))
        )
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
