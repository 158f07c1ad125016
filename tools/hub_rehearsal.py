"""Rehearse a class on a real JupyterHub, and measure the memory a hub admin must plan for.

    python tools/hub_rehearsal.py --learners 4 notebooks/08_fine_tuning.ipynb notebooks/05_quantization.ipynb

What happens, as in a school: a JupyterHub on localhost (dummy log-in, one local process per learner), the
asset cache prefetched once and shared read-only by every learner (a read-only bind mount when run as root, as an
admin would mount a shared volume; otherwise the mirror folder alone), N learners who log in at the same time in
headless Chromium, click the class link (nbgitpuller pulls this repository into their home), and Run All on each
given notebook in JupyterLab, one after the other, shutting each kernel down when it is done.
While they work, every process of each learner is sampled twice a second; memory is the proportional set size
(PSS: shared library pages split between the processes that map them), so per-learner figures add up.

Prints one line per learner (peak memory, time per notebook, errors) and the peak of the whole hub (learners'
processes together, and the hub and its proxy). Exits 1 if a learner's notebook failed.

Needs: jupyterhub and nbgitpuller (pip), configurable-http-proxy (npm install -g configurable-http-proxy), Debian's
chromium and Playwright's Python client, the helpers installed in this Python (pip install -r requirements.txt),
and CLASSROOM_ASSET_MIRROR (or internet) for the prefetch.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import nbtools

CHROMIUM = os.environ.get("CLASSROOM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"  # git-ignored
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]  # fmt: skip
PASSWORD = "rehearsal"
GIB = 2**30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def class_link(hub: str, repo: str, branch: str, notebook: str, target: str = "image-classification") -> str:
    """The nbgitpuller link for ``repo`` at ``branch`` (tools/nbtools.py makes the links teachers hand out)."""
    return nbtools.class_link(hub, branch, notebook, repo=repo, target=target)


# --------------------------------------------------------------------------- memory


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _owner(pid: int) -> str | None:
    """The JupyterHub user a process works for (its JUPYTERHUB_USER), "hub" for the hub and proxy, or None."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"JUPYTERHUB_USER="):
            return item.split(b"=", 1)[1].decode()
    if b"jupyterhub" in command and b"singleuser" not in command or b"configurable-http-proxy" in command:
        return "hub"
    return None


@dataclass
class MemoryLog:
    """Peak PSS per owner (a learner, or "hub") and of all learners together, sampled by a thread."""

    peaks: dict[str, int] = field(default_factory=dict)
    learners_peak: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        totals: dict[str, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                owner = _owner(int(entry.name))
                if owner:
                    totals[owner] = totals.get(owner, 0) + _pss_kib(int(entry.name)) * 1024
        for owner, total in totals.items():
            self.peaks[owner] = max(self.peaks.get(owner, 0), total)
        self.learners_peak = max(self.learners_peak, sum(v for k, v in totals.items() if k != "hub"))
        self.samples += 1

    def run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def stop(self) -> None:
        self._stop.set()


# --------------------------------------------------------------------------- the hub


def shared_cache(work: Path, cache: Path | None = None) -> tuple[Path, str]:
    """Prefetch every asset once into ``cache`` (default: a new folder) and share it read-only.

    Returns the folder the learners use and how it is shared.
    """
    cache = cache or work / "shared-cache"
    env = {**os.environ, "CLASSROOM_CACHE_DIR": str(cache)}
    subprocess.run([sys.executable, "-m", "helpers.assets", "prefetch"], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    if os.geteuid() == 0:
        mounted = work / "shared-cache-ro"
        mounted.mkdir()
        subprocess.run(["mount", "--bind", str(cache), str(mounted)], check=True)
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mounted)], check=True)
        return mounted, "a read-only bind mount"
    return cache, "a folder (not read-only: run as root for a read-only mount)"


def start_hub(work: Path, cache: Path, port: int) -> tuple[subprocess.Popen, str]:
    """JupyterHub with a dummy authenticator and local single-user servers from this Python's environment."""
    bin_dir = Path(sys.executable).parent
    singleuser = shutil.which("jupyterhub-singleuser", path=str(bin_dir)) or "jupyterhub-singleuser"
    environment = {
        "CLASSROOM_CACHE_DIR": str(cache),
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        **({"CLASSROOM_ASSET_MIRROR": os.environ["CLASSROOM_ASSET_MIRROR"]} if "CLASSROOM_ASSET_MIRROR" in os.environ
           else {}),
        # where Jupyter looks for its configuration and JupyterLab's files, if the admin set them
        **{k: v for k, v in os.environ.items() if k in ("JUPYTER_CONFIG_PATH", "JUPYTER_PATH", "JUPYTERLAB_DIR")},
    }  # fmt: skip
    config = work / "jupyterhub_config.py"
    config.write_text(
        f"""
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_port = {free_port()}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{free_port()}"
c.ConfigurableHTTPProxy.pid_file = {str(work / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{work / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(work / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(work / "home" / "{username}")!r}
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = ["--ServerApp.allow_root=True", "--LabApp.news_url="]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {environment!r}
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
"""
    )
    (work / "home").mkdir()
    log = open(work / "hub.log", "wb")  # noqa: SIM115  (kept open for the hub's lifetime)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_CURRENT_TEST", "TF_CPP_MIN_LOG_LEVEL")}
    hub = subprocess.Popen([str(bin_dir / "jupyterhub"), "-f", str(config)], cwd=work, env=env, stdout=log,
                           stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/hub/api", timeout=2)
            return hub, base
        except OSError:
            if hub.poll() is not None:
                break
            time.sleep(0.5)
    hub.terminate()
    raise RuntimeError("JupyterHub did not start:\n" + (work / "hub.log").read_text()[-3000:])


# --------------------------------------------------------------------------- a learner


@dataclass
class LearnerResult:
    name: str
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


ERROR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']"


def wait_for_run_all(page, timeout_s: float) -> None:
    """Until every code cell of the open notebook has run (each prompt shows [n]) or one failed (Run All stops there).

    Shared with tests/test_browser.py.
    """
    page.wait_for_function(
        """(selector) => {
          if (document.querySelector(selector)) return true;  // a cell failed: Run All stops there
          const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
          return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p.textContent.trim()));
        }""",
        arg=ERROR,
        timeout=timeout_s * 1000,
        polling=1000,
    )


def _run_all(page) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import expect

    page.locator(".jp-Notebook:visible").first.wait_for(timeout=180_000)
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=180_000)
    page.wait_for_timeout(1000)
    for name in ("Select Kernel", "No"):
        button = page.get_by_role("button", name=name, exact=True)
        if button.count():
            button.first.click()
    started = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
        .some(p => /^\\[(\\*|\\d+)\\]:$/.test(p.textContent.trim()))"""
    for attempt in range(3):  # on a busy hub the first click can come before the kernel is connected
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        try:
            page.wait_for_function(started, timeout=60_000)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


def learner(
    base: str, name: str, link: str, notebooks: list[str], target: str, result: LearnerResult, timeout_s: float = 900
) -> None:
    """Log in, follow the class link, Run All on each notebook, shut its kernel down; errors go to ``result``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = page = None
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/hub/login", timeout=120_000)
            page.fill("#username_input", name)
            page.fill("#password_input", PASSWORD)
            page.click("#login_submit")
            for i, notebook in enumerate(notebooks):
                started = time.monotonic()
                url = link if i == 0 else f"{base}/user/{name}/lab/tree/{target}/{notebook}"
                page.goto(url, timeout=300_000)
                _run_all(page)
                wait_for_run_all(page, timeout_s=timeout_s)
                if page.locator(ERROR).count():
                    result.errors.append(f"{notebook}: {page.locator(ERROR).first.inner_text()[-300:]}")
                result.seconds[notebook] = time.monotonic() - started
                page.get_by_role("menuitem", name="Kernel", exact=True).click()
                page.get_by_role("menuitem", name="Shut Down Kernel", exact=True).click()
                page.wait_for_timeout(1000)
        except Exception as exc:  # noqa: BLE001  (a learner's failure is reported with the others)
            result.errors.append(f"{type(exc).__name__}: {str(exc)[:300]}")
            if page is not None:  # what the learner saw, for the admin
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"hub-{name}-failed.png"))
                result.errors.append(f"screenshot: artifacts/hub-{name}-failed.png")
        finally:
            if browser is not None:
                browser.close()


def rehearse(
    learners: int, notebooks: list[str], repo: str, branch: str, cache: Path | None = None, timeout_s: float = 900
) -> tuple[list[LearnerResult], MemoryLog, str]:
    """Run the rehearsal; returns each learner's result, the memory log and how the cache was shared."""
    work = Path(tempfile.mkdtemp(prefix="hub-rehearsal-"))
    cache, how = shared_cache(work, cache)
    hub, base = start_hub(work, cache, free_port())
    memory = MemoryLog()
    sampler = threading.Thread(target=memory.run, daemon=True)
    sampler.start()
    results = [LearnerResult(f"learner{i + 1}") for i in range(learners)]
    try:
        threads = [
            threading.Thread(
                target=learner,
                args=(
                    base,
                    r.name,
                    class_link(base, repo, branch, notebooks[0]),
                    notebooks,
                    "image-classification",
                    r,
                    timeout_s,
                ),
            )
            for r in results
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        memory.stop()
        sampler.join()
        hub.terminate()
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
        subprocess.run(["pkill", "-f", str(work)], check=False)  # any single-user server left behind
        if os.geteuid() == 0:
            subprocess.run(["umount", str(cache)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    return results, memory, how


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="+", help="paths inside the repository, run in this order")
    parser.add_argument("--learners", type=int, default=4)
    parser.add_argument("--repo", default=f"file://{ROOT}", help="the repository the class link pulls")
    parser.add_argument("--branch", default="main")
    parser.add_argument("--cache", type=Path, help="an asset cache to prefetch into and share (default: a new one)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    started = time.monotonic()
    results, memory, how = rehearse(args.learners, args.notebooks, args.repo, args.branch, args.cache)
    summary = {
        "learners": args.learners,
        "notebooks": args.notebooks,
        "per_learner_peak_gib": {r.name: round(memory.peaks.get(r.name, 0) / GIB, 2) for r in results},
        "learners_together_peak_gib": round(memory.learners_peak / GIB, 2),
        "hub_and_proxy_peak_gib": round(memory.peaks.get("hub", 0) / GIB, 2),
        "seconds": {r.name: {k: round(v) for k, v in r.seconds.items()} for r in results},
        "errors": {r.name: r.errors for r in results if r.errors},
        "samples": memory.samples,
        "cache_shared_as": how,
        "wall_seconds": round(time.monotonic() - started),
    }
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        for r in results:
            times = ", ".join(f"{Path(k).stem} {v:.0f} s" for k, v in r.seconds.items())
            print(f"{r.name}: peak {summary['per_learner_peak_gib'][r.name]} GiB; {times}; "
                  f"{'; '.join(r.errors) or 'no errors'}")  # fmt: skip
        print(f"all learners together: peak {summary['learners_together_peak_gib']} GiB; hub and proxy "
              f"{summary['hub_and_proxy_peak_gib']} GiB; cache shared as {how}; {memory.samples} samples; "
              f"{summary['wall_seconds']} s")  # fmt: skip
    return 1 if summary["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
