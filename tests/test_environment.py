"""helpers.environment: version report and importing mediapipe without TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from helpers import environment


def test_missing_mediapipe_names_what_needs_it():
    found = dict.fromkeys(environment.MINIMUM, "99.0")
    found["mediapipe"] = None
    assert environment._problems(found) == [
        "mediapipe is not installed (notebook 01 and helpers.tflite need it): pip install 'mediapipe>=1.2'"
    ]


def test_import_mediapipe_skips_tensorflow_and_leaves_it_importable():
    code = (
        "import sys; from helpers.environment import import_mediapipe; mp = import_mediapipe(); "
        "from mediapipe.tasks.python import vision; "
        "print('tensorflow' in sys.modules, sys.modules.get('tensorflow', 0) is None, hasattr(vision, "
        "'ImageClassifier')); import importlib.util; print(importlib.util.find_spec('tensorflow') is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["False", "False", "True", "True"]


class _FakeModule:
    def __init__(self, version: str) -> None:
        self.__version__ = version


def test_report_uses_the_loaded_version_not_the_installed_one(monkeypatch, capsys):
    installed = environment.metadata.version("requests")
    monkeypatch.setitem(sys.modules, "requests", _FakeModule("v0.0.1"))  # what an old kernel still runs
    environment.report()
    out = capsys.readouterr().out
    assert "requests 0.0.1" in out
    assert f"requests 0.0.1 → {installed}" in out and "Restart needed" in out


def test_restart_only_for_replaced_packages_that_are_loaded(monkeypatch, capsys):
    now = {"numpy": "2.1.3", "pooch": "1.9.0", "mediapipe": "1.2.2"}
    monkeypatch.setattr(environment, "_distributions", lambda: now)
    monkeypatch.setattr(environment, "_loaded", dict)  # only the records below, no __version__
    monkeypatch.setattr(
        environment.metadata,
        "packages_distributions",
        lambda: {"numpy": ["numpy"], "pooch": ["pooch"], "mediapipe": ["mediapipe"]},
    )
    monkeypatch.setitem(sys.modules, "numpy", sys.modules["numpy"])
    monkeypatch.delitem(sys.modules, "pooch", raising=False)
    monkeypatch.delitem(sys.modules, "mediapipe", raising=False)
    # pip upgraded pooch and installed mediapipe, neither imported yet; numpy unchanged: no restart
    assert environment._stale({"numpy": "2.1.3", "pooch": "1.8.0"}) == []
    # pip replaced numpy, which this kernel has loaded: restart
    assert environment._stale({"numpy": "1.26.4", "pooch": "1.8.0"}) == ["numpy 1.26.4 → 2.1.3"]


def test_restart_when_an_imported_package_without_version_was_replaced(monkeypatch):
    module = type(sys)("fake_tqdm")  # a module that has no __version__, as some packages' modules
    monkeypatch.setitem(sys.modules, "tqdm", module)
    now = environment.metadata.version("tqdm")
    assert environment._stale({"tqdm": "4.0.0"}) == [f"tqdm 4.0.0 → {now}"]
    assert environment._stale({"tqdm": now}) == []
    monkeypatch.delitem(sys.modules, "tqdm")
    assert environment._stale({"tqdm": "4.0.0"}) == [], "replaced but never imported: no restart needed"


def test_minimums_match_pyproject_floors():
    import re
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
    floors = {}
    for requirement in project["dependencies"]:
        match = re.match(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement)
        if match:
            floors[match.group(1).lower()] = match.group(2)
    for name, minimum in environment.MINIMUM.items():
        if name in floors:
            assert environment._tuple(floors[name]) == environment._tuple(minimum), name
    floors_file = (Path(__file__).parents[1] / "ci" / "requirements-floors.txt").read_text()
    for name, minimum in environment.MINIMUM.items():  # the floors job installs exactly the minimums
        pinned = re.search(rf"^{re.escape(name)}==([0-9.]+)", floors_file, re.MULTILINE)
        assert pinned, f"{name} is missing from ci/requirements-floors.txt"
        assert environment._tuple(pinned.group(1))[:2] == environment._tuple(minimum)[:2], name


RESIDENT = "int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')"


def test_release_memory_gives_back_freed_heap():
    if not os.path.exists("/proc/self/statm"):
        pytest.skip("resident memory is read from /proc (Linux)")
    code = (
        "import os, numpy as np; from helpers import environment; "
        "blocks = [np.ones(256 * 1024, dtype=np.float64) for _ in range(800)]; "  # 1.6 GB in 2 MB blocks
        f"del blocks; before = {RESIDENT}; environment.release_memory(); print(before, {RESIDENT})"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=300)
    before, after = map(int, out.stdout.split())
    assert before > 0 and after > 0
    assert after <= before


def _resident_after_freeing(env: dict[str, str]) -> tuple[bool, int]:
    """In a new process: whether frugal_heap applied, and the resident MB left after freeing 200 MB."""
    code = (
        "import os, numpy as np; from helpers import environment; applied = environment.frugal_heap(); "
        "warm = np.ones(2 ** 19); del warm; "  # glibc by default raises its mmap threshold to 4 MB here
        "blocks = [np.ones(2 ** 18) for _ in range(100)]; pin = bytearray(300_000); del blocks; "  # 100 x 2 MB, then
        # a block above them that keeps glibc's default from trimming the heap's top
        f"print(applied, {RESIDENT} // 2 ** 20)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=300, env=env)
    applied, resident = out.stdout.split()
    return applied == "True", int(resident)


def test_frugal_heap_gives_large_freed_blocks_back():
    if environment.platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's malloc only (Linux); elsewhere frugal_heap does nothing and says so")
    env = {k: v for k, v in os.environ.items() if k not in environment._HEAP_VARIABLES}
    applied, frugal = _resident_after_freeing(env)
    assert applied
    left_alone, default = _resident_after_freeing(env | {"MALLOC_ARENA_MAX": "8"})  # the user's own setting wins
    assert not left_alone
    assert default - frugal > 150, (default, frugal)  # glibc's default keeps the 200 MB; frugal gives it back


def test_frugal_heap_does_nothing_outside_glibc(monkeypatch):
    monkeypatch.setattr(environment.platform, "libc_ver", lambda: ("", ""))
    assert environment.frugal_heap() is False


def test_frugal_tensorflow_turns_onednn_off_only_before_tensorflow_and_unless_set(monkeypatch):
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    monkeypatch.delitem(sys.modules, "tensorflow", raising=False)
    assert environment.frugal_tensorflow() is True
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")  # the learner's own choice is kept
    assert environment.frugal_tensorflow() is False
    assert os.environ["TF_ENABLE_ONEDNN_OPTS"] == "1"
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS")
    monkeypatch.setitem(sys.modules, "tensorflow", object())  # too late: TensorFlow has read it already
    assert environment.frugal_tensorflow() is False
    assert "TF_ENABLE_ONEDNN_OPTS" not in os.environ


def test_importing_helpers_asks_tensorflow_to_leave_onednn_out():
    code = "import os, helpers; print(os.environ.get('TF_ENABLE_ONEDNN_OPTS'))"
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert out.strip() == "0"
