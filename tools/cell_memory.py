"""Peak memory of a notebook's kernel, cell by cell (maintainer tool, Linux only).

    python tools/cell_memory.py notebooks/07_fine_tuning.ipynb

Runs a copy of the notebook in a fresh kernel with nbclient (the notebook itself is
not changed) and after every code cell reads the kernel's /proc/self/status: its
resident memory now (VmRSS) and its peak so far (VmHWM, what `/usr/bin/time -v`
reports as "Maximum resident set size" for the kernel), plus the peak of the
kernel's finished child processes. Prints one line per cell whose peak grew, so
the cells that hold memory can be found; `/usr/bin/time -v` over
`python tools/nbtools.py run` stays the number reported in the README.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

PROBE = """\
import resource as _resource
_status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print("@@MEM", int(_status["VmRSS"].split()[0]) // 1024, int(_status["VmHWM"].split()[0]) // 1024,
      _resource.getrusage(_resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def main(argv: list[str] | None = None) -> int:
    """Run the notebook with a memory probe after each code cell and print the growth."""
    import nbformat
    from nbclient import NotebookClient

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", type=Path)
    parser.add_argument("--timeout", type=int, default=600)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    probed = copy.deepcopy(nb)
    cells, origin = [], []
    for index, cell in enumerate(nb.cells):
        cells.append(copy.deepcopy(cell))
        origin.append(None)
        if cell.cell_type == "code":
            cells.append(nbformat.v4.new_code_cell(PROBE))
            origin.append(index)
    probed.cells = cells
    started = time.perf_counter()
    NotebookClient(
        probed, timeout=args.timeout, kernel_name="python3", resources={"metadata": {"path": str(args.notebook.parent)}}
    ).execute()
    print(f"{args.notebook}: {time.perf_counter() - started:.0f} s")
    last_peak = 0
    for cell, index in zip(probed.cells, origin):
        if index is None:
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
        if "@@MEM" not in text:
            continue
        rss, peak, children = (int(v) for v in text.split("@@MEM", 1)[1].split()[:3])
        if peak > last_peak + 5 or index == origin[-1]:
            first = "".join(nb.cells[index].source).splitlines()[:1] or [""]
            print(f"cell {index:3d}: now {rss:5d} MB, peak {peak:5d} MB, children {children:5d} MB  | {first[0][:70]}")
        last_peak = max(last_peak, peak)
    return 0


if __name__ == "__main__":
    sys.exit(main())
