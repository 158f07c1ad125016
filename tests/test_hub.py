"""A class on a real JupyterHub: two learners log in at once, pull the lessons with the class link (nbgitpuller)
and run a lesson in JupyterLab from an asset cache shared read-only. The short version of tools/hub_rehearsal.py.

Needs jupyterhub and nbgitpuller (requirements.txt), configurable-http-proxy (npm) and Chromium; skipped with the
reason when one is missing, unless CLASSROOM_REQUIRE_BROWSER=1 (CI sets it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import hub_rehearsal  # a maintainer script, not a package

pytestmark = pytest.mark.assets


def _missing() -> str | None:
    for module in ("jupyterhub", "nbgitpuller", "playwright"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed (pip install -r requirements.txt)"
    if shutil.which("configurable-http-proxy") is None:
        return "configurable-http-proxy is not installed (npm install -g configurable-http-proxy)"
    if not Path(hub_rehearsal.CHROMIUM).exists():
        return f"no Chromium at {hub_rehearsal.CHROMIUM} (apt-get install chromium)"
    return None


def test_class_link_names_repository_branch_and_notebook():
    link = hub_rehearsal.class_link("https://hub.school.example/", "https://github.com/o/r", "v1.0",
                                    "notebooks/01_inference.ipynb")  # fmt: skip
    assert link == (
        "https://hub.school.example/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fo%2Fr&branch=v1.0"
        "&targetpath=image-classification&urlpath=lab%2Ftree%2Fimage-classification%2Fnotebooks%2F01_inference.ipynb"
    )


def test_two_learners_run_a_lesson_on_a_hub_from_a_read_only_cache(tmp_path):
    reason = _missing()
    if reason:
        if os.environ.get("CLASSROOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CLASSROOM_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    # The class link pulls what is committed: a bare copy of this repository with its HEAD as branch "class".
    repo = tmp_path / "lessons.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(ROOT), str(repo)], check=True)
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], check=True, capture_output=True, text=True)
    subprocess.run(["git", f"--git-dir={repo}", "update-ref", "refs/heads/class", head.stdout.strip()], check=True)
    cache = Path(os.environ["CLASSROOM_CACHE_DIR"]) if "CLASSROOM_CACHE_DIR" in os.environ else None
    results, memory, how = hub_rehearsal.rehearse(
        2, ["notebooks/02_softmax.ipynb"], f"file://{repo}", "class", cache, timeout_s=600
    )
    for result in results:
        assert not result.errors, result.errors
        assert "notebooks/02_softmax.ipynb" in result.seconds, "the lesson did not run"
        peak = memory.peaks.get(result.name, 0)
        assert 0 < peak < 10**9, f"{result.name}: {peak / 2**30:.2f} GiB"
    if os.geteuid() == 0:
        assert how == "a read-only bind mount"
