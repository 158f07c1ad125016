"""End to end in a real browser: JupyterLab on localhost, notebook 01 run in headless Chromium.

Needs Debian's chromium (/usr/bin/chromium) and Playwright's Python client (no browser download).
Skipped with a reason when either is missing, unless CLASSROOM_REQUIRE_BROWSER=1 (CI sets it).
The screenshot is saved to artifacts/browser-01_inference.png.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CLASSROOM_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]

pytestmark = pytest.mark.assets


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python client is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    """A JupyterLab server on a free localhost port, rooted at the repository."""
    reason = _missing()
    if reason:
        if os.environ.get("CLASSROOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CLASSROOM_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    home = tmp_path_factory.mktemp("jupyter")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=",
        "--ServerApp.allow_root=True",
    ]
    log = open(home / "server.log", "wb")  # noqa: SIM115  (kept open for the server's lifetime)
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.terminate()
        pytest.fail("JupyterLab did not start within 60 s:\n" + (home / "server.log").read_text()[-2000:])
    yield base, token
    server.terminate()
    server.wait(timeout=20)
    log.close()


def test_notebook_01_runs_in_jupyterlab_with_a_widget_and_a_top_5_table(jupyterlab):
    from playwright.sync_api import expect, sync_playwright

    base, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/notebooks/01_inference.ipynb?token={token}", timeout=60_000)
            page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
            expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=60_000)
            no_news = page.get_by_role("button", name="No", exact=True)  # JupyterLab's news prompt, if shown
            if no_news.count():
                no_news.first.click()
            # Clear the stored outputs, so what we check below was produced in this browser session.
            page.get_by_role("menuitem", name="Edit").click()
            page.get_by_role("menuitem", name="Clear Outputs of All Cells").click()
            expect(page.locator(".jp-RenderedMarkdown table")).to_have_count(0)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()

            table = page.locator(".jp-OutputArea .jp-RenderedMarkdown table").first
            expect(table).to_contain_text("Egyptian cat", timeout=120_000)
            upload = page.locator(".widget-upload").first
            expect(upload).to_be_visible(timeout=60_000)
            expect(upload).to_contain_text("Upload a photo")
            expect(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                                " :text('Traceback')")).to_have_count(0)
            table.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser-01_inference.png"))
            upload.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser-01_inference-widget.png"))
        finally:
            browser.close()
    assert (ARTIFACTS / "browser-01_inference.png").stat().st_size > 10_000
    shutil.copy(ARTIFACTS / "browser-01_inference.png", ARTIFACTS / "browser-latest.png")
