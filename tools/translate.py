"""Translations of the lessons, the README and the teacher's guide, built from one English source.

    python tools/translate.py update --lang zh-CN 01_inference README   # create or refresh catalogs from English
    python tools/translate.py update                 # refresh every existing catalog after an English change
    python tools/translate.py status                 # per catalog: entries translated, missing, stale (fuzzy)
    python tools/translate.py todo --lang ko 02_softmax   # the entries still to translate, as text
    python tools/translate.py build                  # write notebooks/<lang>/, README.<lang>.md, the guides
    python tools/translate.py build --check          # exit 1 if a committed translation differs from a fresh build

English is the only source. A catalog is a gettext file, translations/<lang>/<name>.po:
- for a lesson (notebooks/<name>.ipynb) one entry per markdown cell: msgctxt = the cell's id, msgid = the
  English text of the cell, msgstr = its translation;
- for README and teachers_guide one entry per block of the Markdown file (blocks are separated by blank
  lines; fenced code is copied as it is and has no entry).
`update` keeps what is translated; an entry whose English changed gets the new English as msgid, the old one
as its previous msgid and the "fuzzy" flag, so the build shows that cell in English with a note that it is not
yet translated, until a translator updates the msgstr and removes the flag. Code cells, cell ids, tags and
stored outputs are copied byte for byte from the English notebook; only catalogs that exist are built.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import polib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nbtools import BADGE_END, BADGE_START, ROOT, badge_row, repository_url

LANGUAGES = {"zh-CN": "简体中文", "ko": "한국어", "pt-BR": "Português (Brasil)"}
UNTRANSLATED = {
    "zh-CN": "*（本段尚未翻译，下面显示英文原文。）*",
    "ko": "*(이 부분은 아직 번역되지 않아 영어 원문을 보여 줍니다.)*",
    "pt-BR": "*(Este trecho ainda não foi traduzido; abaixo está o original em inglês.)*",
}
DOCS = {"README": "README.md", "teachers_guide": "solutions/teachers_guide.md"}
SWITCHER_START, SWITCHER_END = "<!-- languages -->", "<!-- /languages -->"
CATALOGS = ROOT / "translations"
FENCE = re.compile(r"^\s*(```|~~~)")


def lessons() -> list[str]:
    return sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def source_path(name: str) -> Path:
    return ROOT / DOCS[name] if name in DOCS else ROOT / "notebooks" / f"{name}.ipynb"


def output_path(name: str, lang: str) -> Path:
    if name in DOCS:
        english = Path(DOCS[name])
        return ROOT / english.with_name(f"{english.stem}.{lang}{english.suffix}")
    return ROOT / "notebooks" / lang / f"{name}.ipynb"


def catalog_path(name: str, lang: str) -> Path:
    return CATALOGS / lang / f"{name}.po"


# ---------------------------------------------------------------- English units: (context, text, translatable)


def _cells(name: str) -> dict:
    return json.loads(source_path(name).read_text())


def markdown_blocks(text: str) -> list[tuple[str, bool]]:
    """Split Markdown into blocks at blank lines; fenced code stays one block and is not translatable."""
    blocks: list[tuple[str, bool]] = []
    current: list[str] = []
    in_fence = False

    def flush(translatable: bool = True) -> None:
        if current:
            blocks.append(("\n".join(current), translatable))
            current.clear()

    for line in text.split("\n"):
        if FENCE.match(line):
            if not in_fence:
                flush()
                in_fence = True
                current.append(line)
            else:
                current.append(line)
                in_fence = False
                flush(translatable=False)
            continue
        if in_fence or line.strip():
            current.append(line)
        else:
            flush()
            blocks.append(("", False))
    flush(translatable=not in_fence)
    return blocks


def _is_switcher(block: str) -> bool:
    return block.startswith(SWITCHER_START)


def has_words(text: str) -> bool:
    """Whether a text has anything to translate (badges, links' targets, code and rules alone do not)."""
    text = re.sub(re.escape(BADGE_START) + r".*?" + re.escape(BADGE_END), "", text, flags=re.DOTALL)
    text = re.sub(r"\]\([^)]*\)|`[^`]*`|\$[^$]*\$|<!--.*?-->|https?://\S+", "", text, flags=re.DOTALL)
    return re.search(r"[^\W\d_]", text) is not None


def units(name: str) -> list[tuple[str, str]]:
    """The translatable English units of a source: (context, text)."""
    if name in DOCS:
        seen, out = set(), []
        for block, translatable in markdown_blocks(source_path(name).read_text()):
            if translatable and block not in seen and not _is_switcher(block) and has_words(block):
                seen.add(block)
                out.append(("", block))
        return out
    cells = [(c["id"], "".join(c["source"])) for c in _cells(name)["cells"] if c["cell_type"] == "markdown"]
    return [(cell_id, text) for cell_id, text in cells if has_words(text)]


# ---------------------------------------------------------------- catalogs


def update(name: str, lang: str) -> tuple[int, int, int]:
    """Create or refresh one catalog from the English source; returns (added, now stale, removed)."""
    path = catalog_path(name, lang)
    old = polib.pofile(str(path)) if path.exists() else None
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "edge-image-classroom",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    by_context = {(e.msgctxt or ""): e for e in old} if old is not None and name not in DOCS else {}
    by_text = {e.msgid: e for e in old} if old is not None else {}
    current = units(name)
    matches = [by_text.get(text) if name in DOCS else by_context.get(context) for context, text in current]
    used = {id(e) for e in matches if e is not None}
    if name in DOCS and old is not None:  # a changed paragraph: its old entry is the most similar one left over
        for i, (_context, text) in enumerate(current):
            left = [e for e in old if id(e) not in used and e.msgstr]
            if matches[i] is None and left:
                best = max(left, key=lambda e: difflib.SequenceMatcher(None, e.msgid, text).ratio())
                if difflib.SequenceMatcher(None, best.msgid, text).ratio() >= 0.6:
                    matches[i] = best
                    used.add(id(best))
    added = stale = 0
    for (context, text), previous in zip(current, matches, strict=True):
        entry = polib.POEntry(msgctxt=context or None, msgid=text, msgstr="")
        if previous is not None:
            entry.msgstr = previous.msgstr
            entry.flags = list(previous.flags)
            entry.previous_msgid = previous.previous_msgid
            entry.tcomment = previous.tcomment
            if previous.msgid.split() != text.split() and previous.msgstr:  # rewrapped lines are not a change
                entry.flags = sorted(set(entry.flags) | {"fuzzy"})
                entry.previous_msgid = previous.msgid
                stale += 1
        else:
            added += 1
        po.append(entry)
    removed = 0 if old is None else sum(1 for e in old if id(e) not in used)
    path.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(path))
    return added, stale, removed


@dataclass
class Status:
    translated: int
    missing: list[str]
    stale: list[str]


def status(name: str, lang: str) -> Status:
    po = polib.pofile(str(catalog_path(name, lang)))
    current = dict(units(name)) if name not in DOCS else {t: t for _c, t in units(name)}
    entries = {(e.msgctxt or e.msgid) if name not in DOCS else e.msgid: e for e in po}
    missing, stale, translated = [], [], 0
    for key, text in current.items():
        entry = entries.get(key)
        if entry is None or not entry.msgstr:
            missing.append(key)
        elif entry.fuzzy or entry.msgid != text:
            stale.append(key)
        else:
            translated += 1
    return Status(translated, missing, stale)


def existing() -> list[tuple[str, str]]:
    """(name, lang) of every catalog present."""
    return sorted((p.stem, p.parent.name) for p in CATALOGS.glob("*/*.po") if p.parent.name in LANGUAGES)


# ---------------------------------------------------------------- building


def localize(text: str, name: str, lang: str) -> str:
    """Point badges and links at the language's own files (at the English lesson where none is translated yet)."""
    if BADGE_START in text and name in (*lessons(), "README"):
        target = f"notebooks/{lang}/{name if name != 'README' else '01_inference'}.ipynb"
        pattern = re.compile(re.escape(BADGE_START) + r".*?" + re.escape(BADGE_END), re.DOTALL)
        text = pattern.sub(lambda _m: badge_row(target), text)
    repo = re.escape(repository_url())
    text = re.sub(rf"({repo}/blob/[^/\s)]+/)README\.md", rf"\1README.{lang}.md", text)
    text = re.sub(rf"({repo}/blob/[^/\s)]+/solutions/)teachers_guide\.md", rf"\1teachers_guide.{lang}.md", text)
    translated = {n for n, code in existing() if code == lang}

    def lesson(prefix: str, english_prefix: str):
        def swap(match: re.Match) -> str:
            stem = match.group(1)
            return f"]({prefix if stem in translated else english_prefix}{stem}.ipynb"

        return swap

    stem = r"(\d\d_[a-z_]+)\.ipynb"
    if name == "README":
        text = re.sub(r"\]\(notebooks/" + stem, lesson(f"notebooks/{lang}/", "notebooks/"), text)
        text = re.sub(r"\]\(solutions/teachers_guide\.md", rf"](solutions/teachers_guide.{lang}.md", text)
    elif name == "teachers_guide":
        text = re.sub(r"\]\(\.\./notebooks/" + stem, lesson(f"../notebooks/{lang}/", "../notebooks/"), text)
        text = text.replace("](../README.md", f"](../README.{lang}.md")
    else:
        text = re.sub(r"\]\((?!https?:|#|/)(?!\d\d_[a-z_]+\.ipynb)([^)\s]+)", r"](../\1", text)
        text = re.sub(r"\]\(" + stem, lesson("", "../"), text)
    return text


def switcher(lang: str | None) -> str:
    links = []
    for code, label in [("en", "English"), *LANGUAGES.items()]:
        target = "README.md" if code == "en" else f"README.{code}.md"
        links.append(f"**{label}**" if code == (lang or "en") else f"[{label}]({target})")
    return f"{SWITCHER_START}\n{' · '.join(links)}\n{SWITCHER_END}"


def _translated(entry: polib.POEntry | None, english: str, lang: str) -> str:
    if entry is not None and entry.msgstr and not entry.fuzzy and entry.msgid == english:
        return entry.msgstr
    return f"{UNTRANSLATED[lang]}\n\n{english}"


def build_notebook(name: str, lang: str) -> str:
    nb = _cells(name)
    entries = {e.msgctxt: e for e in polib.pofile(str(catalog_path(name, lang)))}
    out = copy.deepcopy(nb)
    for cell in out["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        english = "".join(cell["source"])
        if not has_words(english):
            text = localize(english, name, lang)
        else:
            text = localize(_translated(entries.get(cell["id"]), english, lang), name, lang)
        cell["source"] = text.splitlines(keepends=True)
    return json.dumps(out, indent=1, ensure_ascii=False) + "\n"


def build_doc(name: str, lang: str) -> str:
    entries = {e.msgid: e for e in polib.pofile(str(catalog_path(name, lang)))}
    parts = []
    for block, translatable in markdown_blocks(source_path(name).read_text()):
        if _is_switcher(block):
            parts.append(switcher(lang))
        elif translatable and has_words(block):
            parts.append(localize(_translated(entries.get(block), block, lang), name, lang))
        else:
            parts.append(localize(block, name, lang) if block.strip() else block)
    return "\n".join(parts)


def build_one(name: str, lang: str) -> str:
    return build_doc(name, lang) if name in DOCS else build_notebook(name, lang)


def build(check: bool = False) -> int:
    differ = []
    for name, lang in existing():
        text, path = build_one(name, lang), output_path(name, lang)
        if not path.exists() or path.read_text() != text:
            differ.append(path.relative_to(ROOT).as_posix())
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    for rel in differ:
        print(("stale translation: " if check else "wrote ") + rel)
    if check and differ:
        print("run: python tools/translate.py build", file=sys.stderr)
    return 1 if check and differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("update", help="create or refresh catalogs from the English source")
    up.add_argument("--lang", choices=sorted(LANGUAGES))
    up.add_argument("names", nargs="*", help="lesson file stems (01_inference), README, teachers_guide")
    sub.add_parser("status", help="translated, missing and stale entries per catalog")
    todo = sub.add_parser("todo", help="print the entries of one catalog that still need a translator")
    todo.add_argument("--lang", choices=sorted(LANGUAGES), required=True)
    todo.add_argument("name")
    bd = sub.add_parser("build", help="write the translated notebooks and Markdown files")
    bd.add_argument("--check", action="store_true", help="exit 1 if a committed file differs from a fresh build")
    args = parser.parse_args(argv)
    known = set(lessons()) | set(DOCS)
    if args.command == "update":
        for name in args.names:
            if name not in known:
                parser.error(f"{name!r} is neither a lesson nor one of {sorted(DOCS)}; lessons: {lessons()}")
        if args.names and not args.lang:
            parser.error("creating catalogs needs --lang")
        pairs = [(n, args.lang) for n in args.names] or [p for p in existing() if not args.lang or p[1] == args.lang]
        for name, lang in pairs:
            if name not in known:
                print(f"translations/{lang}/{name}.po has no English source any more: delete it", file=sys.stderr)
                return 1
            added, stale, removed = update(name, lang)
            print(f"{lang}/{name}: {added} new, {stale} changed in English (fuzzy), {removed} removed")
        return 0
    if args.command == "status":
        for name, lang in existing():
            s = status(name, lang)
            print(f"{lang:6} {name:28} {s.translated:4} translated {len(s.missing):4} missing {len(s.stale):4} stale")
        return 0
    if args.command == "todo":
        po = polib.pofile(str(catalog_path(args.name, args.lang)))
        for entry in po:
            if not entry.msgstr or entry.fuzzy:
                print(f"--- {entry.msgctxt or '(block)'}{' (fuzzy)' if entry.fuzzy else ''}\n{entry.msgid}\n")
        return 0
    return build(check=args.check)


if __name__ == "__main__":
    sys.exit(main())
