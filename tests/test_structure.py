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
    exercise_cells = [
        c for c in cells[exercises:] if c["cell_type"] == "markdown" and _text(c).startswith("**Exercise")
    ]
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
    texts = (
        [_text(c) for c in _cells(path) if c["cell_type"] == "markdown"]
        if path.suffix == ".ipynb"
        else [path.read_text()]
    )
    readme_anchors = {
        "#" + re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in (ROOT / "README.md").read_text().splitlines()
        if line.startswith("#")
    }
    own = nbtools.repository_url() + "/blob/main/"
    for text in texts:
        for target in LINK.findall(text):
            if target.startswith(own):  # an absolute link into this repository must resolve too
                file_part, _, anchor = target.removeprefix(own).partition("#")
                resolved = ROOT / file_part
            elif target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            else:
                file_part, _, anchor = target.partition("#")
                if path.suffix == ".ipynb":
                    assert file_part.endswith(".ipynb"), (
                        f"{path.name} links to {target}: on Colab a relative link only reaches another notebook; "
                        f"link to {own}{file_part} instead"
                    )
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
                f"cell {i} stores a widget's raw text: return a helpers.widgets.DescribedBox"
            )


def test_cleaning_keeps_a_widgets_sentence_and_drops_its_raw_text():
    widget = {
        "output_type": "execute_result",
        "data": {
            "text/plain": ["[Upload button: run this notebook to …]"],
            "application/vnd.jupyter.widget-view+json": {},
        },
    }
    raw = {
        "output_type": "display_data",
        "data": {"text/plain": ["HBox(children=(HTML(value='')…"], "application/vnd.jupyter.widget-view+json": {}},
    }
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


def test_lessons_install_the_helpers_of_their_own_version(notebook):
    """Badges and the Colab install line name one ref: main, or this release's tag v<pyproject version>."""
    cells = _cells(notebook)
    badge_refs = set(re.findall(r"/blob/([^/]+)/notebooks/", _text(cells[0])))
    install = nbtools.install_ref(_text(cells[_heading_index(cells, "## Setup") + 1]))
    assert install is not None, "the Colab setup cell installs the helpers from a named ref (@main or @v<version>)"
    assert badge_refs == {install}, f"badges open {badge_refs} but Colab installs the helpers from {install}"
    assert install in ("main", f"v{nbtools.package_version()}"), "run: python tools/nbtools.py badges --write"


# --------------------------------------------------------------------------- the package's code and its declarations


def _requirements(path: Path) -> dict[str, str]:
    """{distribution name: version specifier} of a requirements file (comments and ``-e .`` left out)."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, spec = re.match(r"([A-Za-z0-9_.\-\[\]]+)\s*(.*)", line).groups()
            found[name.lower()] = spec.replace(" ", "")
    return found


# Not in Binder: test and maintainer tools, and the teachers' tools for hubs and grading
TEST_TOOLS = {"pytest", "nbval", "hypothesis", "playwright", "ruff", "jupyterlab", "jupyterhub", "polib", "nbgrader"}


def test_binder_requirements_follow_requirements():
    """binder/requirements.txt = requirements.txt without the test tools, with TensorFlow's CPU-only build."""
    suite = _requirements(ROOT / "requirements.txt")
    binder = _requirements(ROOT / "binder" / "requirements.txt")
    expected = {name: spec for name, spec in suite.items() if name not in TEST_TOOLS}
    expected["tensorflow-cpu"] = expected.pop("tensorflow")
    assert binder == expected, "binder/requirements.txt must pin what requirements.txt pins (see its header)"
    assert all(spec.startswith("~=") for spec in suite.values()), "every requirement is pinned with ~="


def _helpers_imports() -> dict[str, list[tuple[str, bool]]]:
    """{helpers module: [(imported module, at module level?)]} for every import statement, lazy ones included."""
    import ast

    imports: dict[str, list[tuple[str, bool]]] = {}
    for path in sorted((ROOT / "helpers").glob("*.py")):
        tree = ast.parse(path.read_text())
        top = {id(node) for node in tree.body}
        found = imports.setdefault(path.stem, [])
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(alias.name, id(node) in top) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.append((node.module, id(node) in top))
                if node.module == "helpers":  # from helpers import assets, plots
                    found += [
                        (f"helpers.{alias.name}", id(node) in top)
                        for alias in node.names
                        if (ROOT / "helpers" / f"{alias.name}.py").exists()
                    ]
    return imports


def test_helpers_have_no_import_cycle():
    """No helpers module imports (even lazily, inside a function) one that imports it back."""
    graph = {
        module: {name.split(".")[1] for name, _ in found if name.startswith("helpers.")} - {module}
        for module, found in _helpers_imports().items()
    }
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph.get(module, ())):
            assert state.get(target) != "open", f"import cycle: {' → '.join([*path, target])}"
            if target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


DISTRIBUTIONS = {
    "PIL": "pillow",
    "ai_edge_litert": "ai-edge-litert",
    "ai_edge_quantizer": "ai-edge-quantizer",
    "IPython": "ipython",
}
OPTIONAL = {"tensorflow", "keras"}  # conversion and training only: requirements.txt, imported inside functions


def test_third_party_imports_are_declared_where_they_are_needed():
    """Every package helpers imports is a pyproject dependency; TensorFlow and Keras only lazily, from requirements.txt."""
    import tomllib

    declared = {
        re.match(r"[A-Za-z0-9_.\-]+", spec).group().lower()
        for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    suite = _requirements(ROOT / "requirements.txt")
    for module, found in _helpers_imports().items():
        for name, top_level in found:
            root = name.split(".")[0]
            if root in sys.stdlib_module_names or root in ("helpers", "__future__"):
                continue
            if root in OPTIONAL:
                assert not top_level, f"helpers/{module}.py imports {root} at module level; import it where it is used"
                assert "tensorflow" in suite, "tensorflow (which brings keras) is missing from requirements.txt"
                continue
            distribution = DISTRIBUTIONS.get(root, root).lower()
            assert distribution in declared, f"helpers/{module}.py imports {root}: add {distribution} to pyproject"


def test_ruff_check_and_format_pass():
    """The linter and the formatter (configured in pyproject's [tool.ruff]) find nothing to change in helpers,
    tests, tools and conftest.py: run ``ruff check`` and ``ruff format`` before committing."""
    import importlib.util
    import subprocess

    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed: pip install -r requirements.txt")
    paths = ["helpers", "tests", "tools", "conftest.py"]
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--no-cache", *paths],
            check=False,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"ruff {' '.join(command)}: " + result.stdout + result.stderr
