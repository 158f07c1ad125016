"""Report the versions in use and say what to do when one is too old (the setup cells); keep memory low."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

# Package → the oldest version the notebooks are checked with (pyproject's floors; .ci/run's floors job installs
# exactly these, ci/requirements-floors.txt). TensorFlow 2.16's converter aborts with Keras 3.
MINIMUM = {
    "ai-edge-litert": "2.3",
    "numpy": "1.26",
    "pillow": "10.0",
    "matplotlib": "3.8",
    "ipywidgets": "7.7",
    "requests": "2.31",
    "tensorflow": "2.17",
    "mediapipe": "1.2",
}
_NEEDED_BY = {"tensorflow": "notebooks 05, 06 and 07", "mediapipe": "notebook 01 and helpers.tflite"}
_MODULE = {"ai-edge-litert": "ai_edge_litert", "pillow": "PIL"}  # distribution → the module a kernel imports
# glibc's malloc settings (mallopt(3); <malloc.h>'s M_ARENA_MAX, M_MMAP_THRESHOLD and M_TRIM_THRESHOLD) and the
# environment variables that set the same things when a process starts.
_HEAP_SETTINGS = {-8: 2, -3: 1 << 20, -1: 4 << 20}
_HEAP_VARIABLES = ("MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")


def _tuple(version: str) -> tuple[int, ...]:
    return tuple(int("".join(c for c in part if c.isdigit()) or 0) for part in version.lstrip("v").split(".")[:3])


def _loaded() -> dict[str, str]:
    """Versions of the suite's packages this process has already imported (what it really runs)."""
    modules = {name: sys.modules.get(_MODULE.get(name, name)) for name in MINIMUM}
    versions = {name: getattr(module, "__version__", None) for name, module in modules.items()}
    return {name: version.lstrip("v") for name, version in versions.items() if isinstance(version, str)}


def _versions() -> dict[str, str | None]:
    """The version each package runs with: the loaded one where imported, else the installed one (None: missing)."""
    installed = {}
    for name in MINIMUM:
        try:
            installed[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed[name] = None
    return installed | _loaded()


def _problems(found: dict[str, str | None]) -> list[str]:
    """One message per package that is missing or older than MINIMUM, naming the fix."""
    messages = []
    for name, minimum in MINIMUM.items():
        have = found.get(name)
        if have is None:
            needed_by = _NEEDED_BY.get(name, "every notebook")
            messages.append(f"{name} is not installed ({needed_by} need it): pip install '{name}>={minimum}'")
        elif _tuple(have) < _tuple(minimum):
            messages.append(f"{name} {have} is older than {minimum}: pip install -U '{name}>={minimum}'")
    return messages


def _distributions() -> dict[str, str]:
    return {dist.metadata["Name"].lower(): dist.version for dist in metadata.distributions() if dist.metadata["Name"]}


def _stale(before: dict[str, str | None] | None) -> list[str]:
    """Imported packages whose installed version differs from the loaded ``__version__`` or from ``before``."""
    now = _distributions()
    distributions = metadata.packages_distributions().items()
    imported = {name.lower() for module, names in distributions if module in sys.modules for name in names}
    old = {name: version for name, version in (before or {}).items() if version} | _loaded()  # what runs wins
    return [
        f"{name} {old[name]} → {now[name]}"
        for name in sorted(imported)
        if name in old and name in now and _tuple(old[name]) != _tuple(now[name])
    ]


def report(before: dict[str, str | None] | None = None) -> None:
    """Print Python's and each package's version in use, any problem with its fix, and whether to restart: only
    when a ``pip install`` replaced a package this kernel has loaded (``before``: {name: version} before it)."""
    found = _versions()
    print(f"Python {sys.version.split()[0]}; " + ", ".join(f"{k} {v or 'missing'}" for k, v in found.items()))
    for message in _problems(found):
        print("⚠", message)
    changed = _stale(before)
    if changed:
        print(
            "⚠ Restart needed: pip replaced " + ", ".join(changed) + " while this kernel had it loaded. "
            "Restart the kernel (Colab: Runtime → Restart session), then run the notebook from the top."
        )
    else:
        print("Ready: no restart needed.")


def import_mediapipe():
    """Import and return ``mediapipe`` without the TensorFlow import (seconds and hundreds of MB) that its
    ``tasks/python/core/optional_dependencies.py`` tries only for its API docs; TensorFlow stays importable."""
    import importlib

    if "mediapipe" in sys.modules or "tensorflow" in sys.modules:
        return importlib.import_module("mediapipe")
    sys.modules["tensorflow"] = None  # makes `import tensorflow` raise ModuleNotFoundError, just for now
    try:
        return importlib.import_module("mediapipe")
    finally:
        if sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]


def _glibc():
    """glibc's functions (ctypes), or None where this process does not run on glibc."""
    import ctypes

    return ctypes.CDLL("libc.so.6") if platform.libc_ver()[0] == "glibc" else None


def frugal_heap() -> bool:
    """Make glibc's malloc (unless you set ``_HEAP_VARIABLES``) hold less freed memory; True when it did. glibc gives
    each busy thread its own heap (up to 8 per core) and keeps freed blocks of up to 32 MB, so TensorFlow's threads
    leave a kernel holding 100-200 MB it no longer uses (notebook 07's peak: 1,206 → 1,013 MiB)."""
    libc = None if any(name in os.environ for name in _HEAP_VARIABLES) else _glibc()
    return libc is not None and all(libc.mallopt(option, value) == 1 for option, value in _HEAP_SETTINGS.items())


def frugal_tensorflow() -> bool:
    """Ask TensorFlow, if not imported yet and unless you set ``TF_ENABLE_ONEDNN_OPTS``, to leave out oneDNN's
    caches and scratch memory per thread (the fine-tuning lesson's peak: 1,065 → 983 MB); True when asked."""
    if "tensorflow" in sys.modules or "TF_ENABLE_ONEDNN_OPTS" in os.environ:
        return False
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    return True


def release_memory() -> None:
    """Give back what finished models hold (Keras's graph state, garbage, heap pages); ``del`` your own first."""
    import gc

    keras = sys.modules.get("keras")
    if keras is not None:
        keras.backend.clear_session()
    gc.collect()
    libc = _glibc()
    if libc is not None:  # elsewhere the memory is still free for this process to reuse
        libc.malloc_trim(0)
