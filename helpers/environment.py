"""Report the versions in use and say what to do when one is too old (used by the setup cells)."""

from __future__ import annotations

import sys
from importlib import metadata

# Package → the oldest version the notebooks were checked with.
MINIMUM = {"ai-edge-litert": "1.2", "numpy": "1.26", "pillow": "10.0", "matplotlib": "3.8", "ipywidgets": "8.0",
           "pooch": "1.8", "tensorflow": "2.16", "mediapipe": "1.2"}
NEEDED_BY = {"tensorflow": "notebooks 05 and 06", "mediapipe": "notebook 01 and helpers.metadata"}


def _tuple(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def versions() -> dict[str, str | None]:
    """Installed versions of the suite's packages (None when missing), without importing them."""
    found: dict[str, str | None] = {}
    for name in MINIMUM:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def problems(found: dict[str, str | None] | None = None) -> list[str]:
    """One message per package that is missing or older than MINIMUM, naming the fix."""
    found = versions() if found is None else found
    messages = []
    for name, minimum in MINIMUM.items():
        have = found.get(name)
        if have is None:
            needed_by = NEEDED_BY.get(name, "every notebook")
            messages.append(f"{name} is not installed ({needed_by} need it): pip install '{name}>={minimum}'")
        elif _tuple(have) < _tuple(minimum):
            messages.append(f"{name} {have} is older than {minimum}: pip install -U '{name}>={minimum}'")
    return messages


def report() -> None:
    """Print Python's and each package's version, then any problem with its fix."""
    found = versions()
    print(f"Python {sys.version.split()[0]}; " + ", ".join(f"{k} {v or 'missing'}" for k, v in found.items()))
    for message in problems(found):
        print("⚠", message)


def import_mediapipe():
    """Import and return ``mediapipe`` without the TensorFlow import it makes only to build its API docs.

    mediapipe's ``tasks/python/core/optional_dependencies.py`` tries ``import tensorflow`` and
    carries on without it; where TensorFlow is installed that costs seconds and hundreds of MB
    that an inference notebook does not need. TensorFlow stays importable afterwards.
    Introduced in notebook 01.
    """
    import importlib

    if "mediapipe" in sys.modules or "tensorflow" in sys.modules:
        return importlib.import_module("mediapipe")
    sys.modules["tensorflow"] = None  # makes `import tensorflow` raise ModuleNotFoundError, just for now
    try:
        return importlib.import_module("mediapipe")
    finally:
        if sys.modules.get("tensorflow", 0) is None:
            del sys.modules["tensorflow"]
