"""Fetch the suite's external files (models, labels, photos) by name.

Every file is listed in the registry ``data/assets.tsv`` with its sha256, size,
pinned URL and license. ``fetch(name)`` looks in three places, in order:

1. the cache directory (``CLASSROOM_CACHE_DIR``, default: a user cache folder
   outside the repository);
2. a mirror folder laid out like the registry (``CLASSROOM_ASSET_MIRROR``), for
   classrooms and machines without internet;
3. the pinned URL, downloaded with a progress bar.

A file is used only once its sha256 matches. Files enter the cache through a
temporary file that is renamed into place after the check, so an interrupted or
corrupt transfer never leaves a partial file behind.

Command line::

    python -m helpers.assets prefetch [GROUP ...]   # models labels images flowers imagenet-samples
    python -m helpers.assets verify                  # check (and repair) the cache
    python -m helpers.assets registry MANIFEST.tsv   # regenerate data/assets.tsv
"""

from __future__ import annotations

import argparse
import csv
import difflib
import errno
import hashlib
import importlib.resources
import os
import shutil
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Self

from helpers.errors import AssetError

CACHE_ENV = "CLASSROOM_CACHE_DIR"
MIRROR_ENV = "CLASSROOM_ASSET_MIRROR"
OFFLINE_ENV = "CLASSROOM_OFFLINE"
PREFETCH_COMMAND = "python -m helpers.assets prefetch"
REGISTRY_COLUMNS = ("name", "sha256", "bytes", "url", "license")
GROUPS = ("models", "labels", "images", "flowers", "imagenet-samples")

# Network settings: (connect, read) timeouts in seconds and retry backoff.
TIMEOUT = (5.0, 30.0)
RETRIES = 3
BACKOFF = 0.5


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


# --------------------------------------------------------------------------- registry


def registry_path() -> Path:
    """Where the registry file lives: data/assets.tsv, installed as ``helpers.data``."""
    return data_file("assets.tsv")


def data_file(filename: str) -> Path:
    """A file of the repository's data/ folder (installed as the package ``helpers.data``)."""
    try:
        return Path(str(importlib.resources.files("helpers.data") / filename))
    except ModuleNotFoundError:  # a source checkout that was not pip-installed
        return Path(__file__).resolve().parent.parent / "data" / filename


def read_registry_file(path: Path) -> dict[str, Asset]:
    """Parse a registry or manifest TSV (name/path, sha256, bytes, url, license)."""
    entries: dict[str, Asset] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(rows, None)
        if header is None or len(header) < 5:
            raise AssetError(f"{path} has no header row; expected the columns {REGISTRY_COLUMNS}.")
        for line_no, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) < 5:
                raise AssetError(f"{path}:{line_no} has {len(row)} columns; expected 5 {REGISTRY_COLUMNS}.")
            name, sha, size, url, license_ = row[:5]
            if len(sha) != 64 or not size.isdigit():
                raise AssetError(f"{path}:{line_no}: bad sha256 or byte count for {name!r}.")
            entries[name] = Asset(name, sha.lower(), int(size), url, license_)
    return entries


@lru_cache(maxsize=1)
def registry() -> dict[str, Asset]:
    """All registered assets, keyed by name."""
    return read_registry_file(registry_path())


def write_registry(manifest: Path, out: Path) -> int:
    """Regenerate a registry file from a mirror's MANIFEST.tsv; returns the row count."""
    entries = read_registry_file(manifest)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writerow(REGISTRY_COLUMNS)
        for asset in sorted(entries.values(), key=lambda a: a.name):
            writer.writerow([asset.name, asset.sha256, asset.bytes, asset.url, asset.license])
    os.replace(tmp, out)
    return len(entries)


def lookup(name: str) -> Asset:
    """The registry entry for ``name``, or an AssetError that suggests close names."""
    entries = registry()
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, list(entries), n=3)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise AssetError(f"{name!r} is not in the asset registry ({registry_path()}).{hint}")


def names(group: str | None = None) -> list[str]:
    """Registered names, optionally only those of one group (e.g. ``"models"``)."""
    if group is not None and group not in GROUPS:
        raise AssetError(f"Unknown asset group {group!r}; choose one of {', '.join(GROUPS)}.")
    return sorted(n for n, a in registry().items() if group is None or a.group == group)


# --------------------------------------------------------------------------- locations


def cache_dir() -> Path:
    """The cache folder: ``$CLASSROOM_CACHE_DIR`` or a per-user cache folder."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("edge-image-classroom", appauthor=False))


def mirror_dir() -> Path | None:
    """The mirror folder from ``$CLASSROOM_ASSET_MIRROR``, or None when unset."""
    env = os.environ.get(MIRROR_ENV)
    return Path(env).expanduser() if env else None


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Files already checked in this process, keyed by (path, size, mtime): a cached file
# is hashed once per process, not on every fetch.
_verified: dict[tuple[str, int, int], str] = {}


def _matches(path: Path, asset: Asset) -> bool:
    try:
        stat = path.stat()
    except OSError:
        return False
    if stat.st_size != asset.bytes:
        return False
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _verified:
        _verified[key] = sha256_of(path)
    return _verified[key] == asset.sha256


def _describe_bytes(path: Path) -> str:
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return f"{size} bytes of HTML (an error or login page, not the file)"
    return f"{size} bytes"


class _AtomicFile:
    """A temporary file beside ``target`` that replaces it only on ``commit()``; removed otherwise."""

    def __init__(self, target: Path, asset: Asset) -> None:
        self.target, self.asset = target, asset
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        self.path = Path(name)
        self.handle = os.fdopen(fd, "wb")

    def commit(self) -> None:
        """Check the sha256, then rename into place (atomic on one file system)."""
        self.handle.close()
        if sha256_of(self.path) != self.asset.sha256:
            raise _Mismatch(_describe_bytes(self.path))
        os.replace(self.path, self.target)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.handle.close()  # flushing may itself hit a full disk
        except OSError as close_error:
            exc = exc or close_error
        finally:
            self.path.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise AssetError(
                f"The disk holding {self.target.parent} is full while saving {self.asset.name} "
                f"({self.asset.bytes / 1e6:.1f} MB). Nothing partial was kept. Free some space, or set "
                f"{CACHE_ENV} to a folder on another disk."
            ) from exc
        if exc is not None and exc_type is None:
            raise exc


class _Mismatch(Exception):
    """The bytes received are not the registered file."""


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    return True


def _cache_target(asset: Asset) -> Path:
    """The cache path for ``asset``; a per-session temporary folder (with a warning) if the cache is read-only."""
    target = cache_dir() / asset.name
    if _writable(target.parent):
        return target
    fallback = _session_dir() / asset.name
    warnings.warn(
        f"The cache folder {cache_dir()} cannot be written to (read-only or shared home folder?); "
        f"{asset.name} is kept in {fallback.parent} for this session only. Set {CACHE_ENV} to a "
        f"writable folder to keep downloads.",
        stacklevel=3,
    )
    return fallback


def _session_dir() -> Path:
    user = os.getuid() if hasattr(os, "getuid") else "user"
    return Path(tempfile.gettempdir()) / f"edge-image-classroom-{user}"


# --------------------------------------------------------------------------- download

def _short_reason(exc: Exception) -> str:
    """A one-line reason for a failed transfer (not the whole urllib3 chain)."""
    import requests

    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"the server answered HTTP {exc.response.status_code} {exc.response.reason}"
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


def _download(asset: Asset, target: Path, progress: bool) -> None:
    """Download ``asset`` to ``target`` atomically, retrying transient faults with backoff."""
    import pooch
    import requests

    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=TIMEOUT)
    reason = "no attempt was made"
    for attempt in range(RETRIES):
        if attempt:
            time.sleep(BACKOFF * 2 ** (attempt - 1))
        try:
            with _AtomicFile(target, asset) as part:
                downloader(asset.url, part.handle, None)
                part.commit()
            return
        except _Mismatch as exc:
            raise AssetError(
                f"{asset.name}: the download from {asset.url} does not match the registry's sha256 "
                f"(got {exc}, expected {asset.bytes} bytes). Nothing was kept. The server may be sending "
                f"an error or login page: try again later, or set {MIRROR_ENV} to a folder that holds the file."
            ) from None
        except requests.HTTPError as exc:
            reason = _short_reason(exc)
            status = exc.response.status_code if exc.response is not None else 0
            if 400 <= status < 500 and status != 429:
                break  # the file is not there: retrying will not help
        except requests.RequestException as exc:
            reason = _short_reason(exc)
    raise AssetError(_unavailable_message(asset, f"{reason} (after {attempt + 1} attempt(s))"))


def _unavailable_message(asset: Asset, why: str) -> str:
    mirror = mirror_dir()
    mirror_note = (
        f"{MIRROR_ENV} is {mirror}, which has no valid copy" if mirror else f"{MIRROR_ENV} is not set"
    )
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


def fetch(name: str, *, progress: bool = True) -> Path:
    """Return a local path to the verified asset ``name`` (cache → mirror → download)."""
    asset = lookup(name)
    for candidate in (cache_dir() / asset.name, _session_dir() / asset.name):
        if _matches(candidate, asset):
            return candidate
        if candidate.is_file():  # wrong size or hash: a damaged copy, repair it
            candidate.unlink(missing_ok=True)

    mirror = mirror_dir()
    if mirror is not None:
        source = mirror / asset.name
        if _matches(source, asset):
            target = _cache_target(asset)
            with _AtomicFile(target, asset) as part, open(source, "rb") as src:
                shutil.copyfileobj(src, part.handle, 1 << 20)
                part.commit()
            return target
        if source.exists():
            warnings.warn(f"{source} does not match the registry's sha256; ignoring it.", stacklevel=2)

    if os.environ.get(OFFLINE_ENV) == "1":
        raise AssetError(_unavailable_message(asset, f"{OFFLINE_ENV}=1 forbids downloads"))
    target = _cache_target(asset)
    _download(asset, target, progress)
    return target


def fetch_many(names_: list[str], *, workers: int = 8, progress: bool = True) -> list[Path]:
    """Fetch several assets in parallel under one progress bar; paths in input order."""
    from tqdm.auto import tqdm

    assets = [lookup(n) for n in names_]
    paths: list[Path | None] = [None] * len(assets)
    errors: list[str] = []
    total = sum(a.bytes for a in assets)
    # A bar only when something will really be downloaded (not for cache or mirror copies).
    mirror = mirror_dir()
    local = [(cache_dir() / a.name).exists() or (mirror is not None and (mirror / a.name).exists()) for a in assets]
    show = progress and not all(local)
    with (
        tqdm(total=total, unit="B", unit_scale=True, desc="downloading", disable=not show) as bar,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):
        futures = {pool.submit(fetch, a.name, progress=False): i for i, a in enumerate(assets)}
        for future in as_completed(futures):
            i = futures[future]
            try:
                paths[i] = future.result()
            except AssetError as exc:
                errors.append(str(exc).splitlines()[0])
            bar.update(assets[i].bytes)
    if errors:
        raise AssetError(
            f"{len(errors)} of {len(assets)} files could not be fetched (the others are cached; "
            f"run the same command again to resume):\n  " + "\n  ".join(errors[:10])
        )
    return [p for p in paths if p is not None]


def fetch_group(group: str, *, progress: bool = True) -> list[Path]:
    """Fetch every asset of one group (sorted by name) and return their paths."""
    return fetch_many(names(group), progress=progress)


def read_labels(name: str) -> list[str]:
    """The lines of a registered label file, stripped, without empty lines."""
    text = fetch(name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=1)
def _credits() -> dict[str, str]:
    with open(data_file("credits.tsv"), encoding="utf-8") as handle:
        rows = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(rows)
        return {row[0]: row[1] for row in rows if len(row) >= 2}


def photo_credit(name: str) -> str:
    """The credit line to print under a registered photo (photographer or source, license)."""
    asset = lookup(name)
    if name in _credits():
        return _credits()[name]
    if asset.group == "flowers":
        # flowers/LICENSE.txt lists "<class>/<file> CC-BY by <photographer> - <url>".
        key = "/".join(name.split("/")[-2:])
        for line in read_labels("flowers/LICENSE.txt"):
            if line.startswith(key + " "):
                return "Photo: " + line[len(key) + 1 :].replace("CC-BY by", "").replace(" - ", ", ").strip() + " — CC BY 2.0"
    return f"Source: {asset.url} — {asset.license}"


def availability() -> str | None:
    """None if assets can be fetched here; otherwise the reason they cannot."""
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
    """Check every cached file; with ``repair``, delete and re-fetch corrupt ones."""
    report: dict[str, list[str]] = {"ok": [], "missing": [], "corrupt": [], "repaired": [], "failed": []}
    for asset in registry().values():
        path = cache_dir() / asset.name
        if not path.exists():
            report["missing"].append(asset.name)
        elif _matches(path, asset):
            report["ok"].append(asset.name)
        else:
            report["corrupt"].append(asset.name)
            if repair:
                path.unlink(missing_ok=True)
                try:
                    fetch(asset.name, progress=progress)
                    report["repaired"].append(asset.name)
                except AssetError as exc:
                    report["failed"].append(f"{asset.name}: {str(exc).splitlines()[0]}")
    return report


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (prefetch, verify, registry)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.assets", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pre = sub.add_parser("prefetch", help="download (or copy from the mirror) into the cache")
    pre.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(GROUPS)} (default: all)")
    ver = sub.add_parser("verify", help="check the cache against the registry")
    ver.add_argument("--no-repair", action="store_true", help="only report, do not re-fetch")
    reg = sub.add_parser("registry", help="regenerate the registry from a MANIFEST.tsv")
    reg.add_argument("manifest", type=Path)
    reg.add_argument("-o", "--out", type=Path, default=None)
    args = parser.parse_args(argv)

    try:
        if args.command == "prefetch":
            wanted = [n for g in (args.groups or GROUPS) for n in names(g)]
            fetch_many(wanted)
            print(f"{len(wanted)} files ready in {cache_dir()}")
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
            count = write_registry(args.manifest, out)
            print(f"wrote {count} entries to {out}")
    except AssetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
