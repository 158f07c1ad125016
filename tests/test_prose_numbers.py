"""Numbers in a lesson's prose are backed: by one of the notebook's own outputs, or by a source the paragraph links.

A number counts when it has a decimal point, a thousands separator or a per-cent sign (small whole numbers such as
"five photos" or "3 × 3" are words, not measurements). Ignored: headings (section numbers), inline code, maths, link
targets, version strings (2.3.0) and model names written with a slash (0.25/224, 1.0/224). A number is backed when
its digits appear in any output of the same notebook (thousands separators and spaces ignored), or when the
paragraph, list item or table it sits in (or a table's caption) links its source, or when it sits in a quotation
in a cell that links where the quotation is from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

NUMBER = re.compile(r"(?<![\w.,/])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+|\d+(?=\s?%))(?![\w/]|\.\d|,\d{3})")
SOURCE = re.compile(r"\]\((?:https?:)?//|<a\s+href=|https?://", re.IGNORECASE)


def _blocks(markdown: str) -> list[str]:
    """Paragraphs, list items and tables of a markdown cell, without headings, code, maths and comments.

    A table is one block together with the paragraph just before it (its caption, which often links the source).
    """
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"CC[ -]BY(-SA|-NC|-ND)*[ -]\d\.\d|Apache-2\.0", "licence", text)
    blocks: list[str] = []
    current: list[str] = []
    in_table = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.startswith("|"):
            if not in_table:
                in_table = True
                if not current and blocks:
                    current = [blocks.pop()]  # the caption paragraph before the table joins it
            current.append(stripped)
            continue
        if in_table:
            blocks.append(" ".join(current))
            current, in_table = [], False
        if not stripped or re.match(r"([-*+>]|\d+\.)\s", stripped):
            if current:
                blocks.append(" ".join(current))
            current = [stripped] if stripped else []
        else:
            current.append(stripped)
    if current:
        blocks.append(" ".join(current))
    return blocks


QUOTE = re.compile(r"^(>|\*?[\"“])")


def _output_text(notebook: dict) -> str:
    parts = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            if "text" in output:
                parts.append("".join(output["text"]))
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/") or kind.endswith("json"):
                    parts.append(
                        value
                        if isinstance(value, str)
                        else json.dumps(value)
                        if not isinstance(value, list)
                        else "".join(value)
                    )
            for value in output.get("metadata", {}).values():
                parts.append(json.dumps(value))
    return _normal("\n".join(parts))


def _normal(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d{3})|[\s\u00a0\u2009\u202f]", "", text)


def unbacked_numbers(notebook: dict) -> list[str]:
    """Each prose number no output supports and no linked source covers, with the start of its paragraph."""
    outputs = _output_text(notebook)
    missing = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        source = "".join(cell["source"])
        for block in _blocks(source):
            if SOURCE.search(block) or (QUOTE.match(block) and SOURCE.search(source)):
                continue  # linked, or a quotation in a cell that links where it is from
            linkless = re.sub(r"\]\([^)]*\)", "]", block)
            for match in NUMBER.finditer(linkless):
                digits = _normal(match.group(1))
                if digits not in outputs:
                    missing.append(f"{match.group(0)!r} in: {block[:90]}…")
    return missing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_prose_number_is_backed_by_an_output_or_a_linked_source(path):
    missing = unbacked_numbers(json.loads(path.read_text()))
    assert not missing, (
        f"{path.name}: numbers in the prose that no output of the notebook shows and no linked source backs — "
        "print them, link their source, or reword:\n" + "\n".join(missing)
    )


def test_the_rule_finds_what_it_should():
    notebook = {
        "cells": [
            {
                "cell_type": "markdown",
                "source": [
                    "## 3.1 A heading\n",
                    "Top-1 is 71.2 % on 1,000 photos (`0.5`).\n\n",
                    "- The paper says 70.6 % ([source](https://arxiv.org/abs/1704.04861)).\n",
                    "- MobileNet V1 0.25/224 in v2.3.0 took 12.5 ms.\n",
                ],
            },
            {
                "cell_type": "code",
                "source": [],
                "outputs": [{"output_type": "stream", "name": "stdout", "text": ["top-1 71.2% of 1000\n"]}],
            },
        ]
    }
    assert [m.split(" in:")[0] for m in unbacked_numbers(notebook)] == ["'12.5'"]
