"""End to end in a real browser: JupyterLab on localhost, notebook 01 run in headless Chromium.

Needs Debian's chromium (/usr/bin/chromium) and Playwright's Python client (no browser download).
Skipped with a reason when either is missing, unless CLASSROOM_REQUIRE_BROWSER=1 (CI sets it).
The screenshot is saved to artifacts/browser-01_inference.png.
"""

from __future__ import annotations

import contextlib
import json
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
    # The tests clear and re-run notebooks in the browser; autosave would write that into the repository.
    settings = home / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"autosave": false}')
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
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
            page.goto(f"{base}/lab/tree/notebooks/01_inference.ipynb?reset&token={token}", timeout=60_000)
            page.locator(".jp-Notebook:visible").first.wait_for(timeout=60_000)  # ?reset: a fresh workspace
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


# --------------------------------------------------------------------------- notebook 09: the live camera

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PROBE = ROOT / "artifacts" / "camera_probe.ipynb"  # artifacts/ is git-ignored


def _y4m_clip(image_name: str, path: Path, size: tuple[int, int] = (640, 480), frames: int = 2) -> Path:
    """A Y4M video (Chromium's fake-camera format) showing one mirrored photo, BT.601 full-range 4:2:0."""
    import numpy as np

    from helpers import assets
    from helpers.images import load_image

    rgb = np.asarray(load_image(assets.fetch(image_name)).resize(size), dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    planes = [0.299 * r + 0.587 * g + 0.114 * b, 128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
              128 + 0.5 * r - 0.418688 * g - 0.081312 * b]
    planes[1:] = [p.reshape(size[1] // 2, 2, size[0] // 2, 2).mean(axis=(1, 3)) for p in planes[1:]]
    frame = b"".join(np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in planes)
    path.write_bytes(f"YUV4MPEG2 W{size[0]} H{size[1]} F30:1 Ip A1:1 C420jpeg\n".encode() + (b"FRAME\n" + frame) * frames)
    return path


def _open_and_run_all(page, base: str, token: str, notebook: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/lab/tree/{notebook}?reset&token={token}", timeout=60_000)
    page.locator(".jp-Notebook:visible").first.wait_for(timeout=60_000)  # ?reset: a fresh workspace
    expect(page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']")).to_have_count(1, timeout=60_000)
    page.wait_for_timeout(1000)
    for name in ("Select Kernel", "No"):  # a kernel dialog or JupyterLab's news prompt, if shown
        button = page.get_by_role("button", name=name, exact=True)
        if button.count():
            button.first.click()
    page.get_by_role("menuitem", name="Edit").click()
    page.get_by_role("menuitem", name="Clear Outputs of All Cells").click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


@contextlib.contextmanager
def _camera_page(playwright, args: list[str], jupyterlab, notebook: str, idle_timeout: int = 120_000):
    """Chromium with ``args``, ``notebook`` run in JupyterLab, until its camera widget is idle: yields (page, widget)."""
    from playwright.sync_api import expect

    base, token = jupyterlab
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        _open_and_run_all(page, base, token, notebook)
        widget = page.locator(".camera-widget").first
        expect(widget).to_have_attribute("data-status", "idle", timeout=idle_timeout)
        yield page, widget
    finally:
        browser.close()


def _tracks(page) -> list[str]:
    return page.evaluate("window.__stream ? window.__stream.getTracks().map(t => t.readyState) : []")


def _keep_stream(page) -> None:
    page.evaluate("window.__stream = document.querySelector('.camera-widget video').srcObject")


@pytest.fixture(scope="module")
def cat_camera(tmp_path_factory) -> list[str]:
    """Chromium flags for a fake camera that shows the cat photo."""
    clip = _y4m_clip("images/cat.bmp", tmp_path_factory.mktemp("camera") / "cat.y4m")
    return [*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={clip}"]


def test_notebook_09_live_camera_classifies_frames_and_stop_releases_the_camera(jupyterlab, cat_camera):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    notebook = "notebooks/09_live_camera.ipynb"
    with sync_playwright() as playwright, _camera_page(playwright, cat_camera, jupyterlab, notebook, 240_000) as (
        page, widget
    ):
        widget.locator(".cw-start").click()
        # Frames reach the kernel once Run All has finished; its answers come back as the top-3.
        expect(widget.locator(".cw-top li")).to_have_count(3, timeout=240_000)
        expect(widget.locator(".cw-top")).to_contain_text("cat", timeout=30_000)
        expect(widget.locator(".cw-stages")).to_contain_text("invoke", timeout=30_000)
        page.wait_for_timeout(2000)
        assert float(widget.get_attribute("data-fps")) > 0
        assert widget.get_attribute("data-status") == "running"
        expect(widget.locator(".cw-fps")).to_contain_text("fps")
        expect(page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
                            " :text('Traceback')")).to_have_count(0)
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-09_live_camera.png"))
        _keep_stream(page)
        assert _tracks(page) == ["live"]
        widget.locator(".cw-stop").click()
        expect(widget).to_have_attribute("data-status", "stopped")
        assert _tracks(page) == ["ended"], "Stop must release the camera"
    assert (ARTIFACTS / "browser-09_live_camera.png").stat().st_size > 10_000


def _probe_notebook() -> str:
    import nbformat

    PROBE.parent.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook(metadata=json.loads((ROOT / "notebooks/01_inference.ipynb").read_text())["metadata"])
    notebook.cells = [nbformat.v4.new_code_cell(
        "from helpers import assets\nfrom helpers.camera_widget import CameraWidget\nfrom helpers.classify import Classifier\n"
        "model = Classifier(assets.fetch('models/mobilenet_v1_0.25_128_quant.tflite'), "
        "assets.read_labels('labels/imagenet_labels.txt'))\nlive = CameraWidget(model, name='V1 0.25/128 uint8')\nlive")]
    nbformat.write(notebook, PROBE)
    return PROBE.relative_to(ROOT).as_posix()


def test_camera_widget_says_what_went_wrong_and_lets_go_of_the_camera(jupyterlab, cat_camera):
    from playwright.sync_api import expect, sync_playwright

    probe = _probe_notebook()
    cases = {  # Chromium flags → the status and words the widget must show after Start
        "denied": ([*CHROMIUM_ARGS, *FAKE_CAMERA[:1]], "permission was denied"),  # no fake UI: the prompt is refused
        "no-camera": ([*CHROMIUM_ARGS, FAKE_CAMERA[1]], "No camera was found"),  # permission, but no device
    }
    with sync_playwright() as playwright:
        for status, (args, words) in cases.items():
            with _camera_page(playwright, args, jupyterlab, probe) as (page, widget):
                widget.locator(".cw-start").click()
                expect(widget).to_have_attribute("data-status", status, timeout=30_000)
                expect(widget.locator(".cw-message")).to_contain_text(words)
                expect(widget.locator(".cw-message")).to_contain_text("recorded clip")
                expect(widget.locator(".cw-start")).to_be_enabled()
                page.screenshot(path=str(ARTIFACTS / f"browser-09_camera-{status}.png"))

        with _camera_page(playwright, cat_camera, jupyterlab, probe) as (page, widget):
            widget.locator(".cw-start").click()
            expect(widget.locator(".cw-top li")).to_have_count(3, timeout=60_000)

            _keep_stream(page)  # the camera stops mid-stream (unplugged): the track's "ended" event
            page.evaluate("window.__stream.getVideoTracks()[0].dispatchEvent(new Event('ended'))")
            expect(widget).to_have_attribute("data-status", "ended")
            expect(widget.locator(".cw-message")).to_contain_text("stopped sending video")
            assert _tracks(page) == ["ended"]

            widget.locator(".cw-start").click()  # start again, then the tab goes to the background
            expect(widget).to_have_attribute("data-status", "running", timeout=30_000)
            page.evaluate("Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                          "document.dispatchEvent(new Event('visibilitychange'))")
            expect(widget).to_have_attribute("data-status", "paused")
            expect(widget.locator(".cw-message")).to_contain_text("background")
            page.evaluate("Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
                          "document.dispatchEvent(new Event('visibilitychange'))")
            expect(widget).to_have_attribute("data-status", "running")
            expect(widget.locator(".cw-message")).to_have_text("")

            _keep_stream(page)  # closing the widget from Python must release the camera
            page.locator(".jp-Cell .jp-InputArea-editor").first.click()
            page.keyboard.press("Escape")
            page.keyboard.press("b")  # a new cell below
            page.keyboard.press("Enter")
            page.keyboard.type("live.close()")
            page.keyboard.press("Shift+Enter")
            page.wait_for_function("window.__stream.getTracks().every(t => t.readyState === 'ended')", timeout=30_000)

            page.locator(".jp-Cell .jp-InputArea-editor").first.click()  # a new camera widget, started
            page.keyboard.press("Shift+Enter")
            widget = page.locator(".camera-widget").first
            expect(widget).to_have_attribute("data-status", "idle", timeout=60_000)
            widget.locator(".cw-start").click()
            expect(widget).to_have_attribute("data-status", "running", timeout=30_000)
            _keep_stream(page)  # a kernel restart takes the widget's connection: the camera must be released
            assert _tracks(page) == ["live"]
            page.get_by_role("menuitem", name="Kernel", exact=True).click()
            page.get_by_role("menuitem", name="Restart Kernel…").click()
            page.locator(".jp-Dialog button.jp-mod-accept").click()  # "Restart"
            page.wait_for_function("window.__stream.getTracks().every(t => t.readyState === 'ended')", timeout=30_000)
            expect(widget).to_have_attribute("data-status", "closed")
            expect(widget.locator(".cw-message")).to_contain_text("kernel restarted")
            page.screenshot(path=str(ARTIFACTS / "browser-09_camera-after-restart.png"))
