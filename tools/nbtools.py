"""Maintainer tools for the notebooks: badges from pyproject's URL, and output cleaning.

    python tools/nbtools.py badges --write     # rewrite every notebook's badge row and Colab install line (main)
    python tools/nbtools.py badges --write --ref release   # the same for a release: v<pyproject version>
    python tools/nbtools.py badges --check     # exit 1 if a badge or install line is out of date
    python tools/nbtools.py class-link --hub https://hub.school.example --ref release   # a class's nbgitpuller link
    python tools/nbtools.py class-link --binder v0.2.0 --ref v0.2.0     # Binder: image from one ref, lessons pulled
    python tools/nbtools.py clean notebooks/*.ipynb solutions/*.ipynb
    python tools/nbtools.py run notebooks/01_inference.ipynb   # execute in a fresh kernel, then clean

Cleaning keeps the outputs nbval compares, and removes what must not be committed:
outputs of cells tagged "photo" (they embed a photo's pixels), stderr streams (log
lines that differ from run to run), widget state and, in cells whose output nbval
ignores, widget placeholders; and execution timing metadata.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BADGE_START = "<!-- badges -->"
BADGE_END = "<!-- /badges -->"


def package_version() -> str:
    """The helpers' version, which is the lessons' version: pyproject's [project] version."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def resolve_ref(ref: str) -> str:
    """``"release"`` → ``v<version>``; any other ref (``main``, a tag, a commit) as it is."""
    return f"v{package_version()}" if ref == "release" else ref


INSTALL = re.compile(r'"git\+(https://github\.com/[^"@\s]+?)(?:@([^"\s]+))?"')  # the repository, its ref


def install_ref(source: str) -> str | None:
    """The ref the Colab setup cell installs the helpers from (None without such a line)."""
    match = INSTALL.search(source)
    return match.group(2) if match else None


def _install_text(text: str, ref: str) -> str:
    repo = repository_url()
    return INSTALL.sub(lambda m: f'"git+{repo}@{ref}"' if m.group(1).rstrip("/") == repo else m.group(0), text)


def repository_url() -> str:
    """The public repository URL: the one place it is kept is pyproject's [project.urls]."""
    with open(ROOT / "pyproject.toml", "rb") as handle:
        return tomllib.load(handle)["project"]["urls"]["Repository"].rstrip("/")


def badge_row(notebook: str, branch: str = "main") -> str:
    """Markdown for the Colab and Binder badges of one notebook (path relative to the repo root)."""
    slug = repository_url().removeprefix("https://github.com/")
    colab = f"https://colab.research.google.com/github/{slug}/blob/{branch}/{notebook}"
    binder = f"https://mybinder.org/v2/gh/{slug}/{branch}?labpath={notebook.replace('/', '%2F')}"
    return (
        f"{BADGE_START}\n"
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder})\n"
        f"{BADGE_END}"
    )


def _badge_cell_text(text: str, notebook: str, ref: str = "main") -> str:
    pattern = re.compile(re.escape(BADGE_START) + r".*?" + re.escape(BADGE_END), re.DOTALL)
    return pattern.sub(lambda _m: badge_row(notebook, ref), text)


def badges(write: bool, ref: str = "main") -> int:
    """Rewrite (or check) every notebook's badge row and helpers install line, and the README's badges, for ``ref``.

    The lessons and the helpers they install on Colab always come from the same ref, so a class that opens a
    release's notebooks gets that release's helpers.
    """
    ref = resolve_ref(ref)
    stale = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb")):
        rel = path.relative_to(ROOT).as_posix()
        nb = json.loads(path.read_text())
        changed = False
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            new = source
            if cell["cell_type"] == "markdown" and BADGE_START in source:
                new = _badge_cell_text(source, rel, ref)
            elif cell["cell_type"] == "code" and "%pip install" in source:
                new = _install_text(source, ref)
            if new != source:
                changed = True
                cell["source"] = new.splitlines(keepends=True)
        if changed:
            stale.append(rel)
            if write:
                path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = _badge_cell_text(text, "notebooks/01_inference.ipynb", ref)  # the README launches notebook 01
    if new != text:
        stale.append("README.md")
        if write:
            readme.write_text(new)
    for name in stale:
        print(("rewrote " if write else "stale badges: ") + name)
    return 0 if write or not stale else 1


def _is_widget(output: dict) -> bool:
    """A widget's display (or, once cleaned, what is left of it: a display with only plain text)."""
    data = output.get("data", {})
    if "application/vnd.jupyter.widget-view+json" in data:
        return True
    text = "".join(data.get("text/plain", ""))
    if set(data) != {"text/plain"}:
        return False
    return output.get("output_type") == "display_data" or re.match(r"[HV]Box\(children=", text) is not None


def _is_sentence(output: dict) -> bool:
    """A widget's plain text written for readers: "[Upload button: run this notebook to …]"."""
    text = "".join(output.get("data", {}).get("text/plain", "")).strip()
    return text.startswith("[") and text.endswith("]") and "run this notebook" in text


def clean(path: Path) -> None:
    """Strip photo outputs, stderr streams, widget state and timing metadata from one notebook."""
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["metadata"].pop("execution", None)
        if "photo" in cell["metadata"].get("tags", []):
            cell["outputs"] = []
            continue
        ignored = "nbval-ignore-output" in cell["metadata"].get("tags", [])
        cell["outputs"] = [
            out
            for out in cell["outputs"]
            if not (out.get("output_type") == "stream" and out.get("name") == "stderr")
            # A widget's stored text (a progress bar frozen at 0 %, "VBox(children=…)") only confuses
            # readers on GitHub; where nbval ignores the output anyway, drop it. Widgets whose plain
            # text is a sentence in brackets (helpers.widgets.DescribedBox) keep it: GitHub shows it.
            and not (ignored and _is_widget(out) and not _is_sentence(out))
        ]
        for out in cell["outputs"]:
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                data.pop("application/vnd.jupyter.widget-view+json")
    nb["metadata"].pop("widgets", None)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def run(path: Path, timeout: int = 300, attempts: int = 2) -> None:
    """Execute a notebook in place in a fresh kernel (from its own folder, as nbval does), then clean it.

    A cell that sends no reply within ``timeout`` seconds fails the attempt (seen on a heavily loaded
    machine: the kernel idle, nbconvert still waiting); the notebook is then run once more from scratch.
    """
    import subprocess

    command = [
        sys.executable,
        "-m",
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--inplace",
        f"--ExecutePreprocessor.timeout={timeout}",
        str(path),
    ]
    for attempt in range(attempts):
        if subprocess.run(command, check=False).returncode == 0:
            clean(path)
            return
        print(f"{path}: attempt {attempt + 1} of {attempts} failed", file=sys.stderr)
    raise SystemExit(f"{path} failed {attempts} times; run it in JupyterLab to see which cell.")


def class_link(hub: str, ref: str = "main", notebook: str = "notebooks/01_inference.ipynb", *, repo: str = "",
               target: str = "image-classification") -> str:  # fmt: skip
    """The nbgitpuller link a teacher hands out on a JupyterHub: log in, pull the lessons at ``ref`` into ~/target.

    Each learner's first click clones the repository; later clicks pull new commits and merge them, and where a
    learner changed a file the learner's version is kept (nbgitpuller's rule).
    """
    from urllib.parse import urlencode

    query = urlencode({"repo": repo or repository_url(), "branch": resolve_ref(ref), "targetpath": target,
                       "urlpath": f"lab/tree/{target}/{notebook}"})  # fmt: skip
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def binder_link(environment_ref: str, ref: str = "main", notebook: str = "notebooks/01_inference.ipynb") -> str:
    """A Binder link whose image is built from ``environment_ref`` and whose lessons are pulled from ``ref``.

    The image (packages, the helpers and every asset) is rebuilt only when ``environment_ref`` changes; a new
    commit on ``ref`` is pulled into the running session instead. The helpers a kernel imports are the
    image's: pull the same version of the lessons as the image's (a release tag for both) for a class.
    """
    from urllib.parse import quote, urlencode

    slug = repository_url().removeprefix("https://github.com/")
    target = "lessons"
    inner = urlencode({"repo": repository_url(), "branch": resolve_ref(ref), "targetpath": target,
                       "urlpath": f"lab/tree/{target}/{notebook}"})  # fmt: skip
    return f"https://mybinder.org/v2/gh/{slug}/{resolve_ref(environment_ref)}?urlpath={quote('git-pull?' + inner)}"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("badges")
    b.add_argument("--write", action="store_true")
    b.add_argument("--check", action="store_true")
    b.add_argument("--ref", default="main", help='a branch, tag or commit; "release" for v<pyproject version>')
    link = sub.add_parser("class-link", help="the link a teacher hands out (JupyterHub, or Binder with --binder)")
    link.add_argument("--hub", help="the hub's address, e.g. https://hub.school.example")
    link.add_argument("--binder", metavar="ENV_REF", help="a Binder link whose image is built from ENV_REF")
    link.add_argument("--ref", default="main", help='what the learners pull; "release" for v<pyproject version>')
    link.add_argument("--notebook", default="notebooks/01_inference.ipynb")
    c = sub.add_parser("clean")
    c.add_argument("paths", nargs="+", type=Path)
    r = sub.add_parser("run")
    r.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    if args.command == "badges":
        return badges(write=args.write, ref=args.ref)
    if args.command == "class-link":
        if bool(args.hub) == bool(args.binder):
            parser.error("class-link needs --hub URL or --binder ENV_REF (one of them)")
        print(class_link(args.hub, args.ref, args.notebook) if args.hub else
              binder_link(args.binder, args.ref, args.notebook))  # fmt: skip
        return 0
    for path in args.paths:
        run(path) if args.command == "run" else clean(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
