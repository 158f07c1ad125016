"""Structure of the notebooks: one skeleton, badges for their own path, links that resolve, clean outputs."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nbtools  # a maintainer script, not a package

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _text(cell: dict) -> str:
    return "".join(cell["source"])


def _heading_index(cells: list[dict], heading: str) -> int:
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "markdown" and _text(cell).lstrip().startswith(heading):
            return i
    raise AssertionError(f"no markdown cell starts with {heading!r}")


def test_notebooks_are_numbered_from_01_without_gaps():
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


@pytest.fixture(params=NOTEBOOKS, ids=lambda p: p.name)
def notebook(request) -> Path:
    return request.param


def test_title_badges_and_overview(notebook):
    first = _text(_cells(notebook)[0])
    assert first.startswith(f"# {notebook.name[:2]} · "), "the title starts with the notebook's number"
    assert nbtools.badge_row(f"notebooks/{notebook.name}") in first, "badges must point at this notebook"
    assert "**You will learn to**" in first and "**Prerequisites:**" in first
    objectives = [line for line in first.splitlines() if line.startswith("- ")]
    assert 2 <= len(objectives) <= 4, "2–4 learning objectives"


def test_setup_is_the_only_place_that_installs_or_imports(notebook):
    cells = _cells(notebook)
    setup = _heading_index(cells, "## Setup")
    after_setup = next(i for i in range(setup + 1, len(cells)) if cells[i]["cell_type"] == "markdown")
    for i, cell in enumerate(cells):
        if cell["cell_type"] != "code" or setup < i < after_setup:
            continue
        for line in _text(cell).splitlines():
            assert not re.match(r"\s*(import |from \S+ import |%pip|!pip)", line), f"cell {i} imports: {line}"


def test_setup_cell_installs_only_on_colab(notebook):
    cells = _cells(notebook)
    setup_code = _text(cells[_heading_index(cells, "## Setup") + 1])
    assert 'if "google.colab" in sys.modules:' in setup_code
    assert nbtools.repository_url() in setup_code, "Colab installs the helpers from this repository"
    installs = [line for line in setup_code.splitlines() if "%pip" in line]
    assert installs and not any("tensorflow" in line for line in installs), "never reinstall Colab's TensorFlow"


def test_lesson_summary_exercises_and_footer(notebook):
    cells = _cells(notebook)
    setup, summary, exercises = (_heading_index(cells, h) for h in ("## Setup", "## Summary", "## Exercises"))
    assert setup < summary < exercises
    exercise_cells = [c for c in cells[exercises:] if c["cell_type"] == "markdown" and _text(c).startswith("**Exercise")]
    assert 2 <= len(exercise_cells) <= 4
    checks = [c for c in cells[exercises:] if c["cell_type"] == "code" and "check_" in _text(c)]
    assert len(checks) >= 2, "at least two exercises have a self-check"
    footer = _text(cells[-1])
    assert footer.startswith("---") and "README.md#the-notebooks" in footer


def test_footer_links_to_its_neighbours(notebook):
    footer = _text(_cells(notebook)[-1])
    index = NOTEBOOKS.index(notebook)
    if index > 0:
        assert f"({NOTEBOOKS[index - 1].name})" in footer
    number = int(notebook.name[:2])
    if number < len(NOTEBOOKS):  # every notebook but the last names the next one
        assert f"({number + 1:02d}_" in footer, "the footer names the next notebook"


@pytest.mark.parametrize("path", [*NOTEBOOKS, *SOLUTIONS, ROOT / "README.md"], ids=lambda p: p.name)
def test_relative_links_resolve(path):
    texts = [_text(c) for c in _cells(path) if c["cell_type"] == "markdown"] if path.suffix == ".ipynb" else [
        path.read_text()
    ]
    readme_anchors = {
        "#" + re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("#")
    }
    for text in texts:
        for target in LINK.findall(text):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            file_part, _, anchor = target.partition("#")
            resolved = (path.parent / file_part).resolve()
            if resolved.name.endswith(".ipynb") and not resolved.exists():
                number = int(resolved.name[:2])
                assert number > len(NOTEBOOKS), f"{path.name} links to a missing {file_part}"
                continue  # a later notebook that has not landed yet
            assert resolved.exists(), f"{path.name} links to a missing {file_part}"
            if anchor and resolved.name == "README.md":
                assert "#" + anchor in readme_anchors, f"{path.name} links to a missing README anchor #{anchor}"


@pytest.mark.parametrize("path", [*NOTEBOOKS, *SOLUTIONS], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_outputs_are_executed_and_clean(path):
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "code":
            continue
        tags = cell["metadata"].get("tags", [])
        if "photo" in tags:
            assert cell["outputs"] == [], f"cell {i} shows photos: strip its outputs (tools/nbtools.py clean)"
            assert "nbval-ignore-output" in tags
            continue
        assert cell["execution_count"] is not None, f"cell {i} was never executed"
        for output in cell["outputs"]:
            assert not (output["output_type"] == "stream" and output["name"] == "stderr"), f"cell {i} stores stderr"
            assert output["output_type"] != "error", f"cell {i} stores an error"


@pytest.mark.parametrize("path", [*NOTEBOOKS, *SOLUTIONS], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_stored_widget_shows_its_raw_repr(path):
    """What GitHub shows before a notebook is run: a sentence, never `VBox(children=(FileUpload(…`."""
    for i, cell in enumerate(_cells(path)):
        for output in cell.get("outputs", []):
            text = "".join(output.get("data", {}).get("text/plain", ""))
            assert not re.match(r"(H|V)Box\(children=|\w+(Upload|Slider|Dropdown|Widget)\(", text), (
                f"cell {i} stores a widget's raw text: return a helpers.widgets.described_box")


def test_cleaning_keeps_a_widgets_sentence_and_drops_its_raw_text():
    widget = {"output_type": "execute_result", "data": {"text/plain": ["[Upload button: run this notebook to …]"],
                                                         "application/vnd.jupyter.widget-view+json": {}}}
    raw = {"output_type": "display_data", "data": {"text/plain": ["HBox(children=(HTML(value='')…"],
                                                   "application/vnd.jupyter.widget-view+json": {}}}
    assert nbtools._is_widget(widget) and nbtools._is_sentence(widget)
    assert nbtools._is_widget(raw) and not nbtools._is_sentence(raw)


def test_every_notebook_has_a_solution_that_asserts_its_checks():
    assert [p.name for p in SOLUTIONS] == [p.name for p in NOTEBOOKS]
    for path in SOLUTIONS:
        code = "\n".join(_text(c) for c in _cells(path) if c["cell_type"] == "code")
        assert len(re.findall(r"assert check_", code)) >= 2, f"{path.name}: solutions must assert the self-checks"


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme


def test_badges_are_up_to_date():
    assert nbtools.badges(write=False) == 0, "run: python tools/nbtools.py badges --write"
