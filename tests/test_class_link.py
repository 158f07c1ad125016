"""What a learner's second click on the class link does: nbgitpuller pulls the teacher's new commits and keeps
everything the learner wrote. Run on local repositories with nbgitpuller itself (no hub, no network)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nbtools  # a maintainer script, not a package

pull = pytest.importorskip("nbgitpuller.pull", reason="nbgitpuller is not installed (pip install -r requirements.txt)")


def _git(*args: str, cwd: Path) -> str:
    env_args = ["-c", "user.name=Teacher", "-c", "user.email=teacher@school.example", "-c", "init.defaultBranch=main"]
    return subprocess.run(["git", *env_args, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _notebook(text: str) -> str:
    return json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": [text]}], "metadata": {},
                       "nbformat": 4, "nbformat_minor": 5}, indent=1)  # fmt: skip


def _pull(url: str, branch: str, folder: Path) -> None:
    for _line in pull.GitPuller(url, str(folder), branch=branch, depth=0).pull():
        pass


@pytest.fixture
def teacher(tmp_path) -> Path:
    work = tmp_path / "teacher"
    work.mkdir()
    _git("init", "-q", cwd=work)
    (work / "notebooks").mkdir()
    (work / "notebooks" / "01_inference.ipynb").write_text(_notebook("lesson 1, first version"))
    (work / "notebooks" / "02_softmax.ipynb").write_text(_notebook("lesson 2, first version"))
    _git("add", "-A", cwd=work)
    _git("commit", "-q", "-m", "lessons", cwd=work)
    _git("branch", "class-2026", cwd=work)
    return work


def test_a_second_click_pulls_new_lessons_and_keeps_the_learners_work(teacher, tmp_path):
    home = tmp_path / "learner" / "image-classification"
    _pull(f"file://{teacher}", "class-2026", home)
    assert "first version" in (home / "notebooks" / "01_inference.ipynb").read_text()

    # The learner works in lesson 1 (JupyterLab saves it) and keeps notes of their own.
    (home / "notebooks" / "01_inference.ipynb").write_text(_notebook("lesson 1 with MY ANSWERS"))
    (home / "notebooks" / "my_notes.txt").write_text("my notes")
    # Meanwhile the teacher fixes both lessons and adds a third.
    _git("checkout", "-q", "class-2026", cwd=teacher)
    (teacher / "notebooks" / "01_inference.ipynb").write_text(_notebook("lesson 1, fixed"))
    (teacher / "notebooks" / "02_softmax.ipynb").write_text(_notebook("lesson 2, fixed"))
    (teacher / "notebooks" / "03_ambiguous_results.ipynb").write_text(_notebook("lesson 3"))
    _git("add", "-A", cwd=teacher)
    _git("commit", "-q", "-m", "fixes", cwd=teacher)

    _pull(f"file://{teacher}", "class-2026", home)  # the second click
    assert "MY ANSWERS" in (home / "notebooks" / "01_inference.ipynb").read_text(), "the learner's work is kept"
    assert (home / "notebooks" / "my_notes.txt").read_text() == "my notes"
    assert "lesson 2, fixed" in (home / "notebooks" / "02_softmax.ipynb").read_text(), "untouched files update"
    assert (home / "notebooks" / "03_ambiguous_results.ipynb").exists(), "new lessons arrive"


def test_a_learner_who_deleted_a_lesson_gets_it_back(teacher, tmp_path):
    home = tmp_path / "learner" / "image-classification"
    _pull(f"file://{teacher}", "class-2026", home)
    (home / "notebooks" / "02_softmax.ipynb").unlink()
    _pull(f"file://{teacher}", "class-2026", home)
    assert "first version" in (home / "notebooks" / "02_softmax.ipynb").read_text()


def test_links_name_what_the_class_pulls():
    link = nbtools.class_link("https://hub.school.example/", "class-2026", "notebooks/04_model_tradeoffs.ipynb")
    assert link.startswith("https://hub.school.example/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com")
    assert "branch=class-2026" in link and "urlpath=lab%2Ftree%2Fimage-classification%2Fnotebooks%2F04" in link
    binder = nbtools.binder_link("v1", "class-2026")
    assert binder.startswith(f"https://mybinder.org/v2/gh/{nbtools.repository_url().split('github.com/')[1]}/v1?")
    assert "git-pull%3Frepo%3D" in binder and "branch%3Dclass-2026" in binder
