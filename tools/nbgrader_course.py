"""Turn lessons and their solutions into an nbgrader course, and release it.

    python tools/nbgrader_course.py COURSE_DIR                 # every lesson whose exercises can be autograded
    python tools/nbgrader_course.py COURSE_DIR --lessons 02 03 # some lessons
    python tools/nbgrader_course.py COURSE_DIR --lessons 02 --allow-dirty --no-release
    python tools/nbgrader_course.py COURSE_DIR --verify         # then autograde the worked solutions: full marks?

For each lesson NN it writes COURSE_DIR/source/NN_name/NN_name.ipynb: the lesson as learners know it, in which every
exercise cell becomes an autograded answer cell (the worked solution from solutions/NN_name.ipynb between
``### BEGIN SOLUTION`` and ``### END SOLUTION``, after the lesson's placeholder lines) followed by one read-only test
cell per self-check it calls, worth one point: ``graded(check_x, ...)`` with the lesson's own arguments, which raises
AssertionError with the check's hint when the answer is wrong. Then ``nbgrader generate_assignment`` (run in
COURSE_DIR) writes release/NN_name/, the notebooks to hand out: the solutions removed, so each answer cell reads as the
lesson's does.

Refused, with the reason: a tree whose lessons, solutions or helpers differ from the last commit (``--allow-dirty``
builds anyway and says so), and a lesson with an exercise that cannot be mapped to autograded cells (an answer typed
into the check call itself, a check the solutions do not call, a solution that uses a name the lesson never defines
and the solutions do not import). A source notebook already in COURSE_DIR that differs from the one built (points a
teacher changed) is kept unless ``--force``.
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRACKED = ("notebooks", "solutions", "helpers")  # what a course is built from
CELL_TIMEOUT = 300  # seconds per cell when autograding: 5× the longest lesson's whole run alone on 2 cores (54 s)
POINTS = 1  # per self-check


class CourseError(Exception):
    """A lesson or a tree that cannot be turned into a course as asked; the message names the fix."""


@dataclass
class Exercise:
    cell: int  # index of the lesson's exercise cell
    number: int  # 1, 2, ... in the order of the lesson
    answer: str  # the answer cell's source, solution region included
    tests: list[tuple[str, str]]  # (check name, test cell source)


def _code(source: str) -> ast.Module:
    """Parse a code cell, IPython lines (``%pip``, ``!ls``) blanked."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    return ast.parse("\n".join(lines))


def _bound(tree: ast.AST) -> set[str]:
    """Every name a piece of code binds: assignments, loop and with targets, defs, imports, parameters."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def _check_calls(tree: ast.Module) -> list[ast.Call]:
    """The top-level self-check calls of a lesson's exercise cell: ``check_x(...)`` as a statement."""
    return [
        node.value
        for node in tree.body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id.startswith("check_")
    ]


def _asserted_checks(statement: ast.stmt) -> set[str]:
    """The self-checks an ``assert`` statement of a solution calls (none for other statements)."""
    if not isinstance(statement, ast.Assert):
        return set()
    return {
        node.func.id
        for node in ast.walk(statement.test)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("check_")
    }


def _arguments(call: ast.Call) -> list[ast.expr]:
    return list(call.args) + [k.value for k in call.keywords]


def _typed_in_call(call: ast.Call, solution: list[ast.stmt]) -> str:
    """A literal in the lesson's check call that the worked solution's cell holds nowhere: the learner's answer typed
    into the call (``check_top_label("your answer", ...)``), which a read-only test cell would keep; "" if none.
    """
    known = {(type(n.value), n.value) for s in solution for n in ast.walk(s) if isinstance(n, ast.Constant)}
    for argument in _arguments(call):
        if isinstance(argument, ast.Constant) and (type(argument.value), argument.value) not in known:
            return repr(argument.value)
    return ""


def _cells(path: Path) -> tuple[dict, list[dict]]:
    nb = json.loads(path.read_text())
    return nb, nb["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def exercises(lesson: Path, solution: Path) -> list[Exercise]:
    """Map each exercise cell of ``lesson`` to its worked solution and test cells; CourseError when one cannot be."""
    _nb, cells = _cells(lesson)
    _snb, solution_cells = _cells(solution)
    solved = []  # (checks a solution cell asserts, its statements up to the last of those asserts, without them)
    imports = {}  # name → the solution notebook's import statement for it
    for cell in solution_cells:
        if cell["cell_type"] != "code":
            continue
        source = _text(cell)
        tree = _code(source)
        for statement in tree.body:
            for alias in getattr(statement, "names", []) if isinstance(statement, (ast.Import, ast.ImportFrom)) else []:
                name = alias.asname or alias.name.split(".")[0]
                renamed = f" as {alias.asname}" if alias.asname else ""
                if isinstance(statement, ast.Import):
                    imports[name] = f"import {alias.name}{renamed}"
                else:
                    imports[name] = f"from {'.' * statement.level}{statement.module} import {alias.name}{renamed}"
        asserting = [i for i, s in enumerate(tree.body) if _asserted_checks(s)]
        if asserting:
            checks = set().union(*(_asserted_checks(tree.body[i]) for i in asserting))
            # The worked answer ends with its last self-check; what follows (a simulation, a discussion) is for
            # the teacher and stays in solutions/.
            lines, drop = source.splitlines(), set()
            for i in asserting:
                drop.update(range(tree.body[i].lineno - 1, tree.body[i].end_lineno))
            kept = [line for i, line in enumerate(lines[: tree.body[asserting[-1]].end_lineno]) if i not in drop]
            while kept and not kept[-1].strip():
                kept.pop()
            solved.append((checks, kept, tree.body))
    found, defined, problems = [], set(dir(builtins)), []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        source = _text(cell)
        tree = _code(source)
        calls = _check_calls(tree)
        if not calls:
            defined |= _bound(tree)
            continue
        number = len(found) + 1
        where = f"{lesson.name}, exercise {number} (cell {index})"
        names = [call.func.id for call in calls]
        assigned = _bound(ast.Module(body=[s for s in tree.body if not isinstance(s, ast.Expr)], type_ignores=[]))
        matches = [(kept, body) for checks, kept, body in solved if set(names) <= checks]
        if len(matches) != 1:
            problems.append(
                f"{where}: {len(matches)} solution cells of {solution.name} assert {', '.join(names)}; "
                f"exactly one must, so that its code is the worked answer."
            )
            defined |= _bound(tree)
            continue
        kept, solution_body = matches[0]
        answers = set()
        for call in calls:
            answers |= {a.id for a in _arguments(call) if isinstance(a, ast.Name) and a.id in assigned}
            typed = _typed_in_call(call, solution_body)
            if typed or not answers:
                problems.append(
                    f"{where}: {call.func.id} is given the answer {typed or '(no name the cell assigns)'} in the call "
                    f"itself, so a read-only test cell cannot read the learner's answer. Assign the answer in the "
                    f"cell (my_answer = ...) and pass that name to the check."
                )
        region_tree = _code("\n".join(kept))
        missing = sorted(
            {n.id for n in ast.walk(region_tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
            - defined
            - _bound(region_tree)
            - assigned
        )
        # A name the solutions import (their setup cell) is imported in the answer too; anything else is refused.
        kept = [imports[name] for name in missing if name in imports] + kept
        region = "\n".join(kept)
        missing = [name for name in missing if name not in imports]
        if missing:
            problems.append(
                f"{where}: its solution in {solution.name} uses {', '.join(missing)}, which {lesson.name} does not "
                f"define before this exercise; define it in the solution cell."
            )
        region_tree = _code(region)
        unset = sorted(answers - _bound(region_tree))
        if unset:
            problems.append(
                f"{where}: the check reads {', '.join(unset)}, which the solution in {solution.name} never assigns."
            )
        # The lesson's lines stay as learners know them (comments included): its placeholders, then the solution
        # region (removed in the release), then its self-check calls, which must come last.
        first = min(call.lineno for call in calls)
        after = [s for s in tree.body if s.lineno >= first and not (isinstance(s, ast.Expr) and s.value in calls)]
        if after:
            problems.append(f"{where}: the cell has code after its first self-check; the checks must come last.")
        lines = source.splitlines()
        answer = "\n".join(lines[: first - 1] + ["### BEGIN SOLUTION", region, "### END SOLUTION"] + lines[first - 1 :])
        tests = []
        for call in calls:
            arguments = [ast.get_source_segment(source, a) for a in call.args] + [
                ast.get_source_segment(source, k) for k in call.keywords
            ]
            tests.append(
                (
                    call.func.id,
                    (
                        f"# Autograded ({POINTS} point): exercise {number}'s self-check must pass.\n"
                        f"graded({', '.join([call.func.id] + arguments)})"
                    ),
                )
            )
        found.append(Exercise(index, number, answer, tests))
        defined |= _bound(tree) | _bound(region_tree)
    if problems:
        raise CourseError(
            f"{lesson.name} cannot be made into an autograded assignment:\n  - " + "\n  - ".join(problems)
        )
    if not found:
        raise CourseError(f"{lesson.name} has no self-checked exercise to autograde.")
    return found


def _nbgrader(cell: dict, grade_id: str, *, solution: bool, grade: bool) -> None:
    meta = {"grade": grade, "grade_id": grade_id, "locked": grade and not solution, "schema_version": 3,
            "solution": solution}  # fmt: skip
    if grade:
        meta["points"] = POINTS
    cell["metadata"]["nbgrader"] = meta


def source_notebook(lesson: Path, solution: Path) -> dict:
    """The nbgrader source notebook of one lesson (CourseError when its exercises cannot be mapped)."""
    found = exercises(lesson, solution)
    nb, cells = _cells(lesson)
    by_cell = {exercise.cell: exercise for exercise in found}
    out = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        if index not in by_cell:
            out.append(cell)
            continue
        exercise = by_cell[index]
        cell["source"] = exercise.answer.splitlines(keepends=True)
        _nbgrader(cell, f"exercise-{exercise.number}-answer", solution=True, grade=False)
        out.append(cell)
        for check, test in exercise.tests:
            test_cell = {"cell_type": "code", "execution_count": None, "id": f"exercise-{exercise.number}-{check}",
                         "metadata": {}, "outputs": [], "source": test.splitlines(keepends=True)}  # fmt: skip
            _nbgrader(test_cell, f"exercise-{exercise.number}-{check}", solution=False, grade=True)
            out.append(test_cell)
    # The test cells call helpers.checks.graded: import it with the lesson's other imports (its first import cell).
    for cell in out:
        source = _text(cell)
        if cell["cell_type"] == "code" and "from helpers.checks import" in source:
            cell["source"] = source.rstrip("\n") + "\nfrom helpers.checks import graded  # autograded test cells\n"
            cell["source"] = cell["source"].splitlines(keepends=True)
            break
    else:
        raise CourseError(f"{lesson.name} has no cell importing from helpers.checks to add `graded` to.")
    nb["cells"] = out
    return nb


def dirty_files(root: Path) -> list[str]:
    """Files under notebooks/, solutions/ and helpers/ that differ from the last commit (CourseError without git)."""
    result = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", *TRACKED], cwd=root,
                            capture_output=True, text=True, check=False)  # fmt: skip
    if result.returncode != 0:
        raise CourseError(
            f"{root} is not a git checkout ({result.stderr.strip()}), so it cannot tell whether the lessons are a "
            f"committed version; build from a clone, or pass --allow-dirty."
        )
    return [line[3:] for line in result.stdout.splitlines()]


def commit(root: Path) -> str:
    result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=False)
    return result.stdout.strip() or "unknown"


CONFIG = """\
# nbgrader course built by tools/nbgrader_course.py from commit {commit}{dirty}.
c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = "edge-image-classification"
# The answer cells keep the lesson's placeholder lines; the solution region is removed without a stub.
c.ClearSolutions.code_stub = {{"python": ""}}
# Seconds per cell when autograding: no lesson takes more than about 60 s in all, alone on 2 cores; a grading
# machine running several notebooks at once is slower.
c.Execute.timeout = {timeout}
"""


def build(course: Path, lessons: list[str] | None = None, *, root: Path = ROOT, allow_dirty: bool = False,
          release: bool = True, force: bool = False) -> list[str]:  # fmt: skip
    """Write the course (config and source notebooks) and, with ``release``, run nbgrader generate_assignment.

    Returns the assignment names. CourseError for a dirty tree (unless ``allow_dirty``) or a lesson that cannot be
    mapped; with ``lessons=None`` every lesson is tried and those that cannot be mapped are reported and left out.
    """
    try:
        dirty = dirty_files(root)
    except CourseError:
        if not allow_dirty:
            raise
        dirty = ["(not a git checkout)"]
    if dirty and not allow_dirty:
        raise CourseError(
            "The lessons, solutions or helpers differ from the last commit, so the release would match no version "
            "learners can open:\n  " + "\n  ".join(dirty) + "\nCommit (or stash) them, or pass --allow-dirty."
        )
    paths = sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if lessons:
        chosen = []
        for number in lessons:
            match = [p for p in paths if p.name.startswith(f"{int(number):02d}_")] if number.isdigit() else []
            if len(match) != 1:
                raise CourseError(f"No lesson numbered {number!r}; the lessons are {[p.name[:2] for p in paths]}.")
            chosen += match
        paths = chosen
    notebooks, skipped = {}, []
    for path in paths:
        try:
            notebooks[path.stem] = source_notebook(path, root / "solutions" / path.name)
        except CourseError as error:
            if lessons:
                raise
            skipped.append(str(error))
    if not notebooks:
        raise CourseError("No lesson could be made into an assignment:\n" + "\n".join(skipped))
    texts = {name: json.dumps(nb, indent=1, ensure_ascii=False) + "\n" for name, nb in notebooks.items()}
    changed = [f"source/{name}/{name}.ipynb" for name, text in texts.items()
               if (course / "source" / name / f"{name}.ipynb").exists()
               and (course / "source" / name / f"{name}.ipynb").read_text() != text]  # fmt: skip
    if changed and not force:
        raise CourseError(
            f"{', '.join(changed)} in {course} differ from what the lessons give (points or cells changed there?); "
            f"they are kept. Pass --force to replace them, or build into a new folder."
        )
    course.mkdir(parents=True, exist_ok=True)
    status = f" with --allow-dirty; these differed from it: {', '.join(dirty)}" if dirty else ""
    if dirty:
        print(
            f"warning: built from a tree that differs from commit {commit(root)}: {', '.join(dirty)}", file=sys.stderr
        )
    (course / "nbgrader_config.py").write_text(CONFIG.format(commit=commit(root), dirty=status, timeout=CELL_TIMEOUT))
    for name in notebooks:
        folder = course / "source" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.ipynb").write_text(texts[name])
        print(f"source/{name}/{name}.ipynb")
    for reason in skipped:
        print(f"left out: {reason}", file=sys.stderr)
    if release:
        for name in notebooks:
            nbgrader(course, "generate_assignment", name, "--force")
    return list(notebooks)


VERIFIER = "worked-solutions"  # the pseudo-learner whose submission is the source notebook


def verify(course: Path, names: list[str]) -> dict[str, tuple[float, float, list[str]]]:
    """Autograde each assignment's source notebook (the worked solutions) as a learner's.

    Returns {name: (score, maximum, the test cells that failed)}.

    Every lesson runs once in full. The pseudo-learner is removed from the gradebook and the folders afterwards.
    """
    import shutil

    from nbgrader.api import Gradebook, MissingEntry

    scores = {}
    for name in names:
        folder = course / "submitted" / VERIFIER / name
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(course / "source" / name / f"{name}.ipynb", folder)
        nbgrader(course, "autograde", name, "--student", VERIFIER, "--force")
        with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
            submission = gradebook.find_submission(name, VERIFIER)
            failed = [g.name for nb in submission.notebooks for g in nb.grades if (g.score or 0) < g.max_score]
            scores[name] = (submission.score, gradebook.find_assignment(name).max_score, failed)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        try:
            gradebook.remove_student(VERIFIER)
        except MissingEntry:
            pass
    for folder in ("submitted", "autograded"):
        shutil.rmtree(course / folder / VERIFIER, ignore_errors=True)
    return scores


def nbgrader(course: Path, *args: str) -> None:
    """Run one nbgrader command in the course folder with this Python (CourseError naming it if it fails)."""
    # nbgrader starts `alembic` (its database migrations) by name, and that alembic must import nbgrader: a shim
    # running this Python's alembic goes first on PATH (the one on PATH may belong to another Python). Feedback
    # is written with nbconvert's templates, found in the share/jupyter folder nbconvert installed them in.
    import tempfile
    from importlib import metadata

    templates = [str(metadata.distribution("nbconvert").locate_file(f)).split("/nbconvert/templates/")[0]
                 for f in (metadata.files("nbconvert") or []) if "share/jupyter/nbconvert/templates/" in str(f)][:1]  # fmt: skip
    with tempfile.TemporaryDirectory() as shims:
        env = dict(os.environ)
        env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [env.get("JUPYTER_PATH", ""), *templates]))
        if os.name == "posix":
            shim = Path(shims) / "alembic"
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alembic "$@"\n')
            shim.chmod(0o755)
            env["PATH"] = os.pathsep.join([shims, env.get("PATH", "")])
        command = [sys.executable, "-m", "nbgrader", *args]
        if subprocess.run(command, cwd=course, env=env, check=False).returncode != 0:
            raise CourseError(f"`nbgrader {' '.join(args)}` failed in {course} (its messages are above).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("course", type=Path, help="the course folder to write (nbgrader's course directory)")
    parser.add_argument("--lessons", nargs="+", metavar="NN", help="lesson numbers (default: every lesson that maps)")
    parser.add_argument("--allow-dirty", action="store_true", help="build even if the tree differs from its commit")
    parser.add_argument("--no-release", action="store_true", help="write source/ only; skip generate_assignment")
    parser.add_argument("--force", action="store_true", help="replace source notebooks changed in COURSE_DIR")
    parser.add_argument("--verify", action="store_true",
                        help="autograde the worked solutions (each lesson runs once) and fail unless all get full marks")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        names = build(args.course, args.lessons, allow_dirty=args.allow_dirty, release=not args.no_release,
                      force=args.force)  # fmt: skip
        if args.verify:
            short = {n: s for n, s in verify(args.course, names).items() if s[0] != s[1]}
            for name, (score, maximum, failed) in short.items():
                print(f"error: the worked solutions of {name} get {score:g} of {maximum:g} points; failed: "
                      f"{', '.join(failed)}. Run that exercise's answer cell in source/{name}/{name}.ipynb to see "
                      f"why, and fix solutions/{name}.ipynb.", file=sys.stderr)  # fmt: skip
            if short:
                return 1
            print(f"verified: the worked solutions get full marks in {', '.join(names)}")
    except CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
