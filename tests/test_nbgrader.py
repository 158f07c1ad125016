"""The nbgrader course (tools/nbgrader_course.py), graded by nbgrader for real.

Lesson 02 (about 5 s to run) becomes an assignment; three learners hand in the worked solutions, the release as
handed out, and one exercise of three done; ``nbgrader autograde`` must give full marks, zero and one third, and the
feedback a learner gets must quote the hint of each failed self-check. The unit tests below need no assets.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import checks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nbgrader_course  # a maintainer script, not a package
from nbgrader_course import CourseError


def _answer_cells(nb: dict) -> dict[str, dict]:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"] if "nbgrader" in c["metadata"]}


def _text(cell: dict) -> str:
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


# --- graded(): the self-checks as autograder tests -----------------------------------------------------------------


def test_graded_passes_a_right_answer_and_prints_the_verdict_once(capsys):
    logits = np.log([0.31, 0.35, 0.34]) - np.log(0.34)
    verdict = checks.graded(checks.check_logits_for_table, logits, [0.31, 0.35, 0.34], zero_index=2)
    assert verdict
    assert capsys.readouterr().out.count("✓") == 1


def test_graded_raises_the_hint_and_leaves_the_ladder_as_it_was(capsys):
    first = checks.check_logits_for_table(np.zeros(3), [0.31, 0.35, 0.34], 2)  # a learner's first wrong try
    assert "Hint 1 of 3" in first.message
    with pytest.raises(AssertionError) as raised:
        checks.graded(checks.check_logits_for_table, np.zeros(3), [0.31, 0.35, 0.34], 2)
    assert str(raised.value).startswith("✗ Not yet. softmax of your logits is [0.333, 0.333, 0.333]")
    assert "✗" not in capsys.readouterr().out.replace(first.message, "")  # shown once: as the error, not printed
    second = checks.check_logits_for_table(np.zeros(3), [0.31, 0.35, 0.34], 2)
    assert "Hint 2 of 3" in second.message  # the graded run was not counted as a try


def test_graded_refuses_what_is_not_a_self_check():
    with pytest.raises(checks.CheckError, match="check_\\* functions"):
        checks.graded(lambda: True)
    with pytest.raises(checks.CheckError):
        checks.graded(checks.at_precision, 0.5, 0.5, 2)


# --- mapping lessons to assignments ---------------------------------------------------------------------------------


def test_lesson_02_maps_each_self_check_to_a_read_only_test_cell():
    nb = nbgrader_course.source_notebook(ROOT / "notebooks/02_softmax.ipynb", ROOT / "solutions/02_softmax.ipynb")
    cells = _answer_cells(nb)
    assert sorted(cells) == sorted(
        ["exercise-1-answer", "exercise-1-check_softmax_prediction", "exercise-2-answer",
         "exercise-2-check_logits_for_table", "exercise-3-answer", "exercise-3-check_temperature_for_top"]
    )  # fmt: skip
    test = cells["exercise-2-check_logits_for_table"]
    assert test["metadata"]["nbgrader"] == {"grade": True, "grade_id": "exercise-2-check_logits_for_table",
                                            "locked": True, "points": 1, "schema_version": 3, "solution": False}  # fmt: skip
    assert _text(test).endswith("graded(check_logits_for_table, my_logits, [0.31, 0.35, 0.34], zero_index=2)")
    answer = _text(cells["exercise-2-answer"])
    # The lesson's placeholder (with its comment), the worked solution between the markers, then the lesson's check.
    assert answer.startswith("my_logits = np.array([0.0, 0.0, 0.0])  # replace with your logits")
    assert "### BEGIN SOLUTION\ntable = np.array([0.31, 0.35, 0.34])\nmy_logits = np.log(table)" in answer
    assert answer.endswith("### END SOLUTION\ncheck_logits_for_table(my_logits, [0.31, 0.35, 0.34], zero_index=2)")
    assert "assert" not in answer  # the solution's own asserts are not the learner's


def _notebook(path: Path, *sources: str) -> None:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": s}
             for s in sources]  # fmt: skip
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def test_a_lesson_with_an_answer_typed_into_the_check_call_is_refused(tmp_path):
    # check_top_label("your answer", ...): a read-only test cell would keep "your answer", so no autograded cell
    # could read the learner's label.
    _notebook(tmp_path / "lesson.ipynb", "from helpers.checks import check_top_label",
              "probs = None\ncheck_top_label(\"your answer\", probs, labels)")  # fmt: skip
    _notebook(tmp_path / "solution.ipynb", 'probs = 1\nassert check_top_label("cat", probs, labels)')
    with pytest.raises(CourseError, match=r"check_top_label is given the answer 'your answer'"):
        nbgrader_course.exercises(tmp_path / "lesson.ipynb", tmp_path / "solution.ipynb")


def test_a_solution_using_a_name_the_lesson_never_defines_is_refused(tmp_path):
    _notebook(tmp_path / "lesson.ipynb", "from helpers.checks import check_number", "x = None\ncheck_number(x, 2)")
    _notebook(tmp_path / "solution.ipynb", "x = secret_helper()\nassert check_number(x, 2)")
    with pytest.raises(CourseError, match="uses secret_helper, which lesson.ipynb does not define"):
        nbgrader_course.exercises(tmp_path / "lesson.ipynb", tmp_path / "solution.ipynb")


def test_an_exercise_without_a_worked_solution_is_refused(tmp_path):
    _notebook(tmp_path / "lesson.ipynb", "from helpers.checks import check_number", "x = None\ncheck_number(x, 2)")
    _notebook(tmp_path / "solution.ipynb", "x = 2\nprint(x)")
    with pytest.raises(CourseError, match="0 solution cells of solution.ipynb assert check_number"):
        nbgrader_course.exercises(tmp_path / "lesson.ipynb", tmp_path / "solution.ipynb")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=root, check=True,
                   capture_output=True)  # fmt: skip


def test_a_release_from_a_dirty_tree_is_refused_naming_the_files(tmp_path):
    root = tmp_path / "repo"
    for folder in ("notebooks", "solutions"):
        (root / folder).mkdir(parents=True)
        shutil.copy(ROOT / folder / "02_softmax.ipynb", root / folder)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "lessons")
    with (root / "solutions/02_softmax.ipynb").open("a") as handle:
        handle.write("\n")
    with pytest.raises(
        CourseError, match=r"differ from the last commit[^$]*solutions/02_softmax.ipynb[^$]*--allow-dirty"
    ):
        nbgrader_course.build(tmp_path / "course", ["02"], root=root, release=False)
    assert not (tmp_path / "course").exists()
    names = nbgrader_course.build(tmp_path / "course", ["02"], root=root, allow_dirty=True, release=False)
    assert names == ["02_softmax"]
    config = (tmp_path / "course/nbgrader_config.py").read_text()
    assert "with --allow-dirty; these differed from it: solutions/02_softmax.ipynb" in config
    # A rebuild keeps a source notebook whose points the teacher changed, unless told to replace it.
    assert nbgrader_course.build(tmp_path / "course", ["02"], root=root, allow_dirty=True, release=False)
    source = tmp_path / "course/source/02_softmax/02_softmax.ipynb"
    source.write_text(source.read_text().replace('"points": 1', '"points": 2'))
    with pytest.raises(CourseError, match="source/02_softmax/02_softmax.ipynb in .* differ.*--force"):
        nbgrader_course.build(tmp_path / "course", ["02"], root=root, allow_dirty=True, release=False)
    assert '"points": 2' in source.read_text()
    nbgrader_course.build(tmp_path / "course", ["02"], root=root, allow_dirty=True, release=False, force=True)
    assert '"points": 2' not in source.read_text()


def test_a_copy_without_git_is_refused_unless_allowed(tmp_path):
    (tmp_path / "repo/notebooks").mkdir(parents=True)
    with pytest.raises(CourseError, match="not a git checkout"):
        nbgrader_course.build(tmp_path / "course", ["02"], root=tmp_path / "repo", release=False)


# --- nbgrader for real ----------------------------------------------------------------------------------------------


def _feedback_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text()))


@pytest.mark.assets
def test_nbgrader_gives_full_marks_zero_and_a_part_and_feedback_names_what_to_fix(tmp_path):
    from nbgrader.api import Gradebook

    course = tmp_path / "course"
    assert nbgrader_course.build(course, ["02"], allow_dirty=True) == ["02_softmax"]  # generate_assignment too
    name = "02_softmax"
    release = json.loads((course / "release" / name / f"{name}.ipynb").read_text())
    released = _answer_cells(release)
    for grade_id, cell in released.items():
        assert "BEGIN SOLUTION" not in _text(cell) and "0.91 / (0.14" not in _text(cell), grade_id
    assert _text(released["exercise-1-answer"]).startswith("my_prediction = None  # your prediction")

    # Three learners: the worked solutions, the release untouched, and exercise 1 of 3 done (0.85, typed as a
    # learner would; the self-check accepts it at 2 decimal places).
    half = json.loads(json.dumps(release))
    cell = _answer_cells(half)["exercise-1-answer"]
    cell["source"] = _text(cell).replace("my_prediction = None", "my_prediction = 0.85", 1)
    submissions = {"solved": (course / "source" / name / f"{name}.ipynb").read_text(),
                   "empty": json.dumps(release), "half": json.dumps(half)}  # fmt: skip
    for student, text in submissions.items():
        folder = course / "submitted" / student / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(text)
    nbgrader_course.nbgrader(course, "autograde", name)
    nbgrader_course.nbgrader(course, "generate_feedback", name)

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {s: gradebook.find_submission(name, s).score for s in submissions}
        maximum = gradebook.find_assignment(name).max_score
    assert maximum == 3
    assert scores == {"solved": 3, "empty": 0, "half": 1}
    # --verify's check: the worked solutions, autograded as a pseudo-learner who is removed afterwards.
    assert nbgrader_course.verify(course, [name]) == {name: (3, 3, [])}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        assert sorted(s.id for s in gradebook.students) == ["empty", "half", "solved"]

    # The feedback quotes each failed check's own words: what the learner handed in and what to look at.
    empty = _feedback_text(course / "feedback" / "empty" / name / f"{name}.html")
    assert "Score: 0.0 / 3.0" in empty
    for message in (
        checks.check_softmax_prediction(None, np.log([0.07, 0.02, 0.91]), np.log([0.14, 0.02, 0.91]), index=2,
                                        what="dog's new probability").message,
        checks.check_logits_for_table(np.zeros(3), [0.31, 0.35, 0.34], zero_index=2).message,
        checks.check_temperature_for_top(1.0, np.log([0.07, 0.02, 0.91]), target=0.5).message,
    ):  # fmt: skip
        diagnosis = message.split(" Hint ")[0]  # the ladder's rung depends on the tries before it
        assert f"AssertionError: {diagnosis} Hint" in empty, diagnosis
    half_feedback = _feedback_text(course / "feedback" / "half" / name / f"{name}.html")
    assert "Score: 1.0 / 3.0" in half_feedback
    assert "✓ dog's new probability = 0.85" in half_feedback
    assert "AssertionError: ✗ Not yet. Give dog's new probability" not in half_feedback
    solved = _feedback_text(course / "feedback" / "solved" / name / f"{name}.html")
    assert "Score: 3.0 / 3.0" in solved and "AssertionError" not in solved
