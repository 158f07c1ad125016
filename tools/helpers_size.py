"""Size of the helpers package: physical lines, code lines, raise density, public names.

    python tools/helpers_size.py

Code lines: lines holding a token other than a comment, a blank or a docstring. Public names: top-level functions,
classes and assignments without a leading underscore, plus the public methods of public classes.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "helpers"


def _docstring_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def measure(path: Path) -> tuple[int, int, int, list[str]]:
    """Physical lines, code lines, raise statements and public names of one module."""
    text = path.read_text()
    tree = ast.parse(text)
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    code = {
        line
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type not in skip
        for line in range(token.start[0], token.end[0] + 1)
    } - _docstring_lines(tree)
    raises = sum(isinstance(node, ast.Raise) for node in ast.walk(tree))
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            names.append(node.name)
            if isinstance(node, ast.ClassDef):
                names += [
                    f"{node.name}.{item.name}"
                    for item in node.body
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and not item.name.startswith("_")
                ]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [t.id for t in targets if isinstance(t, ast.Name) and not t.id.startswith("_")]
    return len(text.splitlines()), len(code), raises, names


def main() -> None:
    total_lines = total_code = total_raises = total_names = 0
    print(f"{'module':22s} {'lines':>6s} {'code':>6s} {'raise':>6s} {'/100':>5s} {'public':>6s}")
    for path in sorted(PACKAGE.glob("*.py")):
        lines, code, raises, names = measure(path)
        total_lines, total_code, total_raises, total_names = (
            total_lines + lines,
            total_code + code,
            total_raises + raises,
            total_names + len(names),
        )
        print(f"{path.name:22s} {lines:6d} {code:6d} {raises:6d} {100 * raises / max(code, 1):5.1f} {len(names):6d}")
    print(
        f"{'total':22s} {total_lines:6d} {total_code:6d} {total_raises:6d} "
        f"{100 * total_raises / total_code:5.1f} {total_names:6d}"
    )


if __name__ == "__main__":
    main()
