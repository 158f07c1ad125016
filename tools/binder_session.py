"""Measure a Binder session's memory: a Jupyter server plus one kernel per notebook, opened in turn.

Binder (mybinder.org) gives a whole session at most 2 GB. This runs every notebook in its own kernel,
in order, the way a learner clicks through them, and samples the memory the container would be charged
for: the proportional set size (PSS, shared libraries counted once overall) of the server and every live
kernel, summed. Two scenarios:

* default (``--keep 0``): the learner shuts each kernel down at the end of its notebook, as every notebook asks;
* ``--keep 1``: the learner never does, and Binder's idle culling (binder/jupyter_server_config.py: 15 minutes
  without running anything) removes a kernel while the next notebook runs — with a notebook taking 30 to 45
  minutes in class, at most the previous kernel is still alive beside the current one;
* ``--keep 99``: no culling at all, every kernel stays alive.

Usage: python tools/binder_session.py [--keep N] [notebooks ...]   (default: notebooks/*.ipynb)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pss_bytes(pid: int) -> int:
    """Proportional set size of one process and all its descendants (0 for a process that is gone)."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pids.extend(int(child) for child in children)
    return total


class Sampler(threading.Thread):
    """Samples the summed PSS of a set of processes every ``interval`` seconds; keeps the peak."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pids: set[int] = set()
        self.interval, self.peak, self.running = interval, 0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, sum(pss_bytes(pid) for pid in list(self.pids)))
            time.sleep(self.interval)


def main() -> None:
    import nbformat
    from jupyter_client import KernelManager
    from nbclient import NotebookClient

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=int, default=0, help="finished kernels left alive (oldest shut first)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

    import socket

    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyter",
            "lab",
            "--no-browser",
            f"--port={port}",
            "--ServerApp.token=measure",
            "--allow-root",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = Sampler()
    sampler.pids.add(server.pid)
    sampler.start()
    kernels = []
    try:
        deadline = time.monotonic() + 120
        while True:  # wait until the server answers on its port
            if server.poll() is not None:
                raise SystemExit("the Jupyter server exited at start-up")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the Jupyter server did not answer within 120 s") from None
                time.sleep(1)
        print(f"JupyterLab server: {pss_bytes(server.pid) / 2**30:.2f} GiB", flush=True)
        for path in notebooks:
            km = KernelManager(kernel_name="python3")
            km.start_kernel(cwd=str(path.parent))
            sampler.pids.add(km.provisioner.pid)
            nb = nbformat.read(path, as_version=4)
            start = time.perf_counter()
            NotebookClient(nb, km=km, timeout=600, resources={"metadata": {"path": str(path.parent)}}).execute()
            alone = pss_bytes(km.provisioner.pid)
            print(
                f"{path.name}: {time.perf_counter() - start:.0f} s, kernel at its end {alone / 2**30:.2f} GiB, "
                f"session peak so far {sampler.peak / 2**30:.2f} GiB",
                flush=True,
            )
            kernels.append(km)
            while len(kernels) > args.keep:
                oldest = kernels.pop(0)
                sampler.pids.discard(oldest.provisioner.pid)
                oldest.shutdown_kernel(now=True)
        time.sleep(1)
        print(
            f"whole session peak ({args.keep} finished kernel(s) kept alive): "
            f"{sampler.peak / 2**30:.2f} GiB; the server alone now {pss_bytes(server.pid) / 2**30:.2f} GiB"
        )
    finally:
        sampler.running = False
        for km in kernels:
            km.shutdown_kernel(now=True)
        server.terminate()


if __name__ == "__main__":
    main()
