"""The translated lessons and documents: built from English and their catalogs, nothing lost, nothing stale.

No kernel runs here: a translated notebook carries the English notebook's code and outputs byte for byte.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import nbformat
import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import translate

CATALOGS = translate.existing()
NOTEBOOK_CATALOGS = [(n, lang) for n, lang in CATALOGS if n not in translate.DOCS]
ids = [f"{lang}/{name}" for name, lang in CATALOGS]
nb_ids = [f"{lang}/{name}" for name, lang in NOTEBOOK_CATALOGS]

URL = re.compile(r"\]\(([^)\s]+)\)|(https?://[^\s)\]>\"']+)")
CODE = re.compile(r"``.+?``|`[^`\n]+`")
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$", re.DOTALL)
NUMBER = re.compile(r"\d+(?:[.,\u202f\u2009 ']\d{1,3}(?!\d))*(?:[.,]\d+)?")


def protected(text: str) -> tuple[list[str], list[str], list[str], Counter]:
    """Inline code, math and URLs of a Markdown text, and the numbers of its prose (separators dropped)."""
    code = CODE.findall(text)
    math = MATH.findall(text)
    urls = [a or b for a, b in URL.findall(text)]
    prose = re.sub(
        re.escape(translate.BADGE_START) + r".*?" + re.escape(translate.BADGE_END), " ", text, flags=re.DOTALL
    )
    prose = MATH.sub(" ", CODE.sub(" ", prose))
    prose = re.sub(r"\]\([^)]*\)|https?://\S+|<!--.*?-->|<[^>]+>", " ", prose, flags=re.DOTALL)
    numbers = Counter(re.sub(r"\D", "", n) for n in NUMBER.findall(prose))
    return code, math, urls, numbers


def entries(name: str, lang: str) -> list[polib.POEntry]:
    return list(polib.pofile(str(translate.catalog_path(name, lang))))


@pytest.mark.parametrize(("name", "lang"), CATALOGS, ids=ids)
def test_catalog_is_valid_and_complete(name, lang):
    po = polib.pofile(str(translate.catalog_path(name, lang)))
    assert po.metadata.get("Language") == lang
    keys = [(e.msgctxt, e.msgid) for e in po]
    assert len(keys) == len(set(keys)), "an entry appears twice"
    status = translate.status(name, lang)
    assert not status.missing, (
        f"{len(status.missing)} entries of translations/{lang}/{name}.po have no translation; "
        f"see: python tools/translate.py todo --lang {lang} {name}"
    )
    assert not status.stale, (
        f"the English of {len(status.stale)} entries changed since they were translated (fuzzy); update their "
        f"msgstr and remove the fuzzy flag (python tools/translate.py todo --lang {lang} {name})"
    )
    known = {key for key, _text in translate.units(name)} if name not in translate.DOCS else None
    if known is not None:
        unknown = [e.msgctxt for e in po if e.msgctxt not in known]
        assert not unknown, f"entries for cells the English notebook no longer has: {unknown}; run update"


@pytest.mark.parametrize(("name", "lang"), CATALOGS, ids=ids)
def test_committed_translation_equals_a_fresh_build(name, lang):
    path = translate.output_path(name, lang)
    assert path.exists(), f"{path.relative_to(ROOT)} is missing; run python tools/translate.py build"
    assert path.read_text() == translate.build_one(name, lang), "run python tools/translate.py build"


@pytest.mark.parametrize(("name", "lang"), CATALOGS, ids=ids)
def test_translation_keeps_numbers_code_urls_and_math(name, lang):
    problems = []
    for entry in entries(name, lang):
        if not entry.msgstr:
            continue
        english = translate.localize(entry.msgid, name, lang)
        theirs = translate.localize(entry.msgstr, name, lang)
        e_code, e_math, e_urls, e_numbers = protected(english)
        t_code, t_math, t_urls, t_numbers = protected(theirs)
        where = entry.msgctxt or entry.msgid[:60]
        for kind, want, have in (("inline code", e_code, t_code), ("math", e_math, t_math), ("URL", e_urls, t_urls)):
            lost = [item for item in want if item not in have]
            if lost:
                problems.append(f"{where}: {kind} missing: {lost}")
        lost_numbers = sorted(set(e_numbers) - set(t_numbers))
        if lost_numbers:
            problems.append(f"{where}: numbers missing: {lost_numbers}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "lang"), NOTEBOOK_CATALOGS, ids=nb_ids)
def test_translated_notebook_has_the_english_code_ids_tags_and_outputs(name, lang):
    english = json.loads(translate.source_path(name).read_text())
    translated = json.loads(translate.output_path(name, lang).read_text())
    nbformat.validate(nbformat.reads(json.dumps(translated), as_version=4))
    assert [c["id"] for c in translated["cells"]] == [c["id"] for c in english["cells"]]
    for ours, theirs in zip(english["cells"], translated["cells"], strict=True):
        assert theirs["cell_type"] == ours["cell_type"]
        assert theirs["metadata"] == ours["metadata"], f"cell {ours['id']}: metadata (tags) differ"
        if ours["cell_type"] == "code":
            assert theirs["source"] == ours["source"], f"cell {ours['id']}: code differs"
            assert theirs["outputs"] == ours["outputs"], f"cell {ours['id']}: outputs differ"
            assert theirs.get("execution_count") == ours.get("execution_count")


@pytest.mark.parametrize(("name", "lang"), NOTEBOOK_CATALOGS, ids=nb_ids)
def test_translated_notebook_links_to_its_own_language(name, lang):
    text = translate.output_path(name, lang).read_text()
    assert f"notebooks/{lang}/{name}.ipynb" in text  # Colab badge
    assert f"notebooks%2F{lang}%2F{name}.ipynb" in text  # Binder badge
    # the suite's own README (a repository root's README, which localize rewrites); other projects' stay as they are
    assert not re.search(r"/blob/[^/\s)]+/README\.md", text)


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A copy of one lesson and the README in a temporary root, with empty catalogs."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "solutions").mkdir()
    lesson = ROOT / "notebooks" / "02_softmax.ipynb"
    (tmp_path / "notebooks" / lesson.name).write_text(lesson.read_text())
    (tmp_path / "README.md").write_text(
        "<!-- languages -->\nx\n<!-- /languages -->\n\n# Title\n\nSee [lesson 2](notebooks/02_softmax.ipynb) "
        "and `code` at 1,000 photos.\n\n```bash\npytest  # a comment\n```\n"
    )
    monkeypatch.setattr(translate, "ROOT", tmp_path)
    monkeypatch.setattr(translate, "CATALOGS", tmp_path / "translations")
    return tmp_path


def _translate_all(name: str, lang: str, mark: str = "译") -> None:
    path = translate.catalog_path(name, lang)
    po = polib.pofile(str(path))
    for entry in po:
        entry.msgstr = f"{mark} {entry.msgid}"
    po.save(str(path))


def test_a_changed_english_cell_is_shown_in_english_until_its_entry_is_updated(sandbox):
    assert translate.update("02_softmax", "zh-CN")[0] > 0
    _translate_all("02_softmax", "zh-CN")
    built = json.loads(translate.build_one("02_softmax", "zh-CN"))
    markdown = [c for c in built["cells"] if c["cell_type"] == "markdown" and translate.has_words("".join(c["source"]))]
    assert all("".join(c["source"]).startswith("译 ") for c in markdown)
    # The English of one cell changes: update marks it fuzzy, the build shows the new English with the note.
    path = sandbox / "notebooks" / "02_softmax.ipynb"
    nb = json.loads(path.read_text())
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown" and c["id"] == markdown[3]["id"])
    cell["source"] = ["A new English paragraph."]
    path.write_text(json.dumps(nb))
    added, stale, removed = translate.update("02_softmax", "zh-CN")
    assert (added, stale, removed) == (0, 1, 0)
    status = translate.status("02_softmax", "zh-CN")
    assert status.stale == [cell["id"]] and not status.missing
    built = json.loads(translate.build_one("02_softmax", "zh-CN"))
    shown = "".join(next(c for c in built["cells"] if c["id"] == cell["id"])["source"])
    assert shown == translate.UNTRANSLATED["zh-CN"] + "\n\nA new English paragraph."
    entry = next(e for e in polib.pofile(str(translate.catalog_path("02_softmax", "zh-CN"))) if e.fuzzy)
    assert entry.previous_msgid and entry.previous_msgid != entry.msgid  # the translator sees what changed


def test_documents_are_translated_by_block_and_keep_code_and_switcher(sandbox):
    translate.update("README", "pt-BR")
    msgids = [e.msgid for e in polib.pofile(str(translate.catalog_path("README", "pt-BR")))]
    assert msgids == ["# Title", "See [lesson 2](notebooks/02_softmax.ipynb) and `code` at 1,000 photos."]
    _translate_all("README", "pt-BR", mark="PT")
    text = translate.build_one("README", "pt-BR")
    assert "**Português (Brasil)**" in text and "[English](README.md)" in text
    assert "PT See [lesson 2](notebooks/02_softmax.ipynb)" in text  # lesson 2 not yet translated: the English one
    translate.update("02_softmax", "pt-BR")
    assert "PT See [lesson 2](notebooks/pt-BR/02_softmax.ipynb)" in translate.build_one("README", "pt-BR")
    assert "```bash\npytest  # a comment\n```" in text


def test_the_number_check_reads_separators_of_either_convention():
    assert protected("1,000 photos at 86.6 %")[3] == protected("1.000 fotos com 86,6 %")[3]
    assert protected("`x = 3` at $p=0.5$ and [link](https://a.example/7)")[3] == Counter()


@pytest.mark.parametrize(("name", "lang"), CATALOGS, ids=ids)
def test_relative_links_of_a_translation_resolve(name, lang):
    """A link to a lesson not yet translated points at the English one; every relative link lands on a file."""
    path = translate.output_path(name, lang)
    if path.suffix == ".ipynb":
        cells = json.loads(path.read_text())["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    else:
        text = path.read_text()
    targets = {t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text)}
    broken = [
        t for t in sorted(targets) if t and not re.match(r"https?:|mailto:", t) and not (path.parent / t).exists()
    ]
    assert not broken, f"{path.relative_to(ROOT)}: links to missing files: {broken}"
