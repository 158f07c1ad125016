"""End to end in a real browser: JupyterLab on localhost, the notebooks run in headless Chromium.

Needs Debian's chromium (/usr/bin/chromium) and Playwright's Python client (no browser download).
Skipped with a reason when either is missing, unless CLASSROOM_REQUIRE_BROWSER=1 (CI sets it).
Every notebook (01–11) is run in JupyterLab; each widget is used as a learner would (uploads
of a photo over 10 MB and of bad files included); screenshots go to artifacts/ (git-ignored).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from hub_rehearsal import CHROMIUM, CHROMIUM_ARGS, ERROR, wait_for_run_all

ARTIFACTS = ROOT / "artifacts"

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
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension"  # every cell in the DOM, to be measured
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    startup = home / "ipython" / "profile_default" / "startup"  # every kernel measures the photo grids it shows
    startup.mkdir(parents=True)
    tests = str(ROOT / "tests")
    (startup / "00-photo-grids.py").write_text(
        f"import sys\nsys.path.insert(0, {tests!r})\nimport figure_text\nsys.path.remove({tests!r})\n"
        "figure_text.record_photo_grids()\n"
    )
    # As a learner starts Jupyter: without the TF_CPP_MIN_LOG_LEVEL that the unit tests' conftest sets, and
    # without PYTEST_CURRENT_TEST (with it, ipykernel stops forwarding what native code writes to file
    # descriptor 2), so TensorFlow's start-up lines reach the page unless the notebook itself hides them.
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTEST_CURRENT_TEST")},
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={ROOT}",
        "--LabApp.news_url=",
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
    server.terminate()  # it shuts its kernels down first: give it time on a busy machine, then insist
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=20)
    log.close()


# --------------------------------------------------------------------------- every notebook, every widget

STDERR = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
DEAD_WIDGET = ["Error displaying widget", "Loading widget...", "Model not found", "Failed to load model class"]


def _notebook(number: str) -> str:
    return next((ROOT / "notebooks").glob(f"{number}_*.ipynb")).relative_to(ROOT).as_posix()


def _run_in_new_cell(page, code: str) -> str:
    """Type ``code`` into a new cell at the end of the notebook, run it, and return its output text."""
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    cell = page.locator(".jp-Notebook .jp-CodeCell").nth(-2)  # Shift+Enter added one more empty cell
    page.wait_for_function(
        "(cell) => /^\\[\\d+\\]:$/.test(cell.querySelector('.jp-InputPrompt').textContent.trim())",
        arg=cell.element_handle(),
        timeout=60_000,
    )
    return cell.locator(".jp-OutputArea").inner_text()


def _shut_down_kernels(base: str, token: str) -> None:
    """Shut down every kernel of the test server (each notebook's kernel holds models in memory)."""
    sessions = json.load(urllib.request.urlopen(f"{base}/api/sessions?token={token}", timeout=10))
    for session in sessions:
        request = urllib.request.Request(f"{base}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30)


@pytest.fixture(scope="module")
def photo_files(tmp_path_factory) -> dict[str, Path]:
    """A phone-sized photo over 10 MB (6000 × 4000 noise, made now, never committed), a cat, and two bad files."""
    import numpy as np
    from PIL import Image

    from helpers import assets

    folder = tmp_path_factory.mktemp("uploads")
    noise = np.random.default_rng(0).integers(0, 256, (4000, 6000, 3), dtype=np.uint8)
    large = folder / "phone_photo.jpg"
    Image.fromarray(noise).save(large, quality=92)
    assert large.stat().st_size > 10_000_000, "the large photo must be over 10 MB"
    cat = folder / "cat.jpg"
    Image.open(assets.fetch("images/cat.bmp")).convert("RGB").save(cat, quality=95)
    not_image = folder / "notes.txt"
    not_image.write_text("these are notes, not a photo\n")
    broken = folder / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 40)  # a JPEG header, then nonsense
    return {"large": large, "cat": cat, "not_image": not_image, "broken": broken}


def _upload(page, widget, path: Path, expected_status: str, timeout: int = 120_000) -> str:
    from playwright.sync_api import expect

    widget.locator("input[type=file]").set_input_files(str(path))
    expect(widget).to_have_attribute("data-status", expected_status, timeout=timeout)
    return widget.locator(".pu-message").inner_text()


def _exercise_01(page, files) -> None:
    from playwright.sync_api import expect

    expect(page.locator(".jp-OutputArea .jp-RenderedMarkdown table").first).to_contain_text("Egyptian cat")
    widget = page.locator(".photo-upload").first
    widget.scroll_into_view_if_needed()
    expect(widget).to_contain_text("Upload a photo")
    words = _upload(page, widget, files["not_image"], "refused")
    assert "is not an image" in words, words
    page.screenshot(path=str(ARTIFACTS / "browser-01_upload-refused.png"))
    words = _upload(page, widget, files["broken"], "refused")
    assert "could not be opened as a photo" in words, words
    words = _upload(page, widget, files["large"], "done", timeout=180_000)  # over 10 MB: shrunk, sent, classified
    assert "6000 × 4000 px" in words and "shrunk in your browser to 2048 × 1365 px" in words, words
    result = page.locator(".photo-upload").first.locator("xpath=../..").locator(".jp-RenderedMarkdown table")
    expect(result.first).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "browser-01_upload-large-photo.png"))
    words = _upload(page, widget, files["cat"], "done")  # the widget still works after all that
    expect(page.locator(".photo-upload").first.locator("xpath=../..")).to_contain_text("cat")
    expect(widget.locator(".pu-count")).to_have_text("2 photos received")


def _slider_moves(page, description: str, expected: str) -> None:
    """Focus the slider labelled ``description``, press → once, and wait for ``expected`` in the output."""
    from playwright.sync_api import expect

    slider = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=description)).first
    slider.scroll_into_view_if_needed()
    label = slider.locator(".widget-label").first
    assert label.evaluate("(e) => e.scrollWidth <= e.clientWidth"), f"the label {description!r} is cut off"
    slider.locator(".noUi-handle, .ui-slider-handle").first.focus()
    page.keyboard.press("ArrowRight")
    readout = slider.locator(".widget-readout").first.inner_text().strip()
    expect(page.locator(".jp-OutputArea").filter(has_text=expected.format(readout=readout)).first).to_be_visible(
        timeout=30_000
    )


def _exercise_02(page, files) -> None:
    _slider_moves(page, "temperature", "T = {readout}:")
    page.screenshot(path=str(ARTIFACTS / "browser-02_temperature-slider.png"))


def _exercise_03(page, files) -> None:
    _slider_moves(page, "threshold", "threshold {readout}: answers")


def _exercise_04(page, files) -> None:
    from playwright.sync_api import expect

    for _ in range(3):  # the log slider's readout is what the report prints (316.2, not 316.228)
        _slider_moves(page, "max latency", "≤ {readout} ms")
    page.screenshot(path=str(ARTIFACTS / "browser-04_model-picker.png"))
    chart = _figure(page, "plots.pareto_chart(")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    chart.screenshot(path=str(ARTIFACTS / "browser-04_pareto-chart.png"))


def _exercise_10(page, files) -> None:
    from playwright.sync_api import expect

    menu = page.locator(".widget-dropdown", has=page.locator(".widget-label", has_text="photo")).first
    menu.scroll_into_view_if_needed()
    figure = _figure(page, "explanation_explorer(")
    before = figure.get_attribute("src")
    menu.locator("select").select_option("parrot.jpg")
    expect(_figure(page, "explanation_explorer(")).not_to_have_attribute("src", before, timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "browser-10_explorer.png"))


def _exercise_11(page, files) -> None:
    from playwright.sync_api import expect

    collector = page.locator(".photo-upload").first
    collector.scroll_into_view_if_needed()
    _upload(page, collector, files["cat"], "done")
    expect(page.locator(".widget-html", has_text="Photos so far").first).to_contain_text("class 1 1")
    words = _upload(page, collector, files["not_image"], "refused")
    assert "is not an image" in words
    page.screenshot(path=str(ARTIFACTS / "browser-11_photo-collector.png"))


EXERCISES = {
    "01": _exercise_01,
    "02": _exercise_02,
    "03": _exercise_03,
    "04": _exercise_04,
    "10": _exercise_10,
    "11": _exercise_11,
}
GRIDS = {
    "01": [("plots.show_photos(photos, names", "browser-01_photo-grid.png")],
    "06": [
        ("for name in examples]", "browser-06_one-per-class.png"),
        ("for path in pet_paths]", "browser-06_imprinting-grid.png"),
    ],
    "07": [("for i in wrong_for_all]", "browser-07_wrong-for-every-model.png")],
    "11": [("for i in shown]", "browser-11_clip-frames.png")],
}


# Buttons and widget labels whose text does not fit their box (the browser ellipsizes it): their texts.
CUT_TEXT = """() => [...document.querySelectorAll('.jp-OutputArea button, .jp-OutputArea .widget-label')]
    .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim())"""


def _figure(page, source: str):
    """The (last) image shown by the code cell whose source contains ``source``.

    JupyterLab 4.6 does not copy a PNG's alt text into the page, so figures are found by their cell.
    """
    return (
        page.locator(".jp-CodeCell", has=page.locator(".jp-InputArea", has_text=source))
        .last.locator(".jp-OutputArea img")
        .last
    )


@pytest.mark.parametrize("number", [f"{n:02d}" for n in range(1, 12)])
def test_notebook_runs_in_jupyterlab_with_live_widgets_readable_grids_and_no_stderr(
    jupyterlab, photo_files, number, cat_camera
):
    from playwright.sync_api import sync_playwright

    base, token = jupyterlab
    ARTIFACTS.mkdir(exist_ok=True)
    notebook = _notebook(number)
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=cat_camera)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            _open_and_run_all(page, base, token, notebook)
            wait_for_run_all(page, timeout_s=600)
            assert page.locator(ERROR).count() == 0, page.locator(ERROR).first.inner_text()[-2000:]
            if number in EXERCISES:
                EXERCISES[number](page, photo_files)
            for source, name in GRIDS.get(number, []):
                grid = _figure(page, source)
                grid.scroll_into_view_if_needed()
                grid.screenshot(path=str(ARTIFACTS / name))
                box = grid.bounding_box()
                assert box["height"] > 200, f"the photo grid is squeezed to {box['height']:.0f} px high"
            report = _run_in_new_cell(page, "import figure_text; print(figure_text.photo_grid_report())")
            assert report.count("grid ") >= len(GRIDS.get(number, [])), f"photo grids not measured: {report}"
            for line in report.strip().splitlines():  # measured from the drawn figures' text boxes
                assert line.startswith("No photo grids") or line.endswith(" 0 overlapping texts"), report
                if line.startswith("grid"):
                    assert int(line.split("photos ")[1].split(" px")[0]) >= 80, report
            cut = page.evaluate(CUT_TEXT)
            assert not cut, f"widget texts cut off: {cut}"
            dead = [words for words in DEAD_WIDGET if page.get_by_text(words).count()]
            assert not dead, f"dead widgets: {dead}"
            stderr = page.locator(STDERR)
            shown = [stderr.nth(i).inner_text()[:300] for i in range(stderr.count())]
            page.locator(".jp-Notebook .jp-Cell").last.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"browser-{number}-end.png"))
            assert not shown, f"stderr blocks in {notebook}: {shown}"
        finally:
            browser.close()
            _shut_down_kernels(base, token)
    print(f"{notebook}: {time.monotonic() - started:.0f} s in the browser")


# --------------------------------------------------------------------------- notebook 11: the live camera

FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PROBE = ROOT / "artifacts" / "camera_probe.ipynb"  # artifacts/ is git-ignored


def _y4m_clip(image_name: str, path: Path, size: tuple[int, int] = (640, 480), frames: int = 2) -> Path:
    """A Y4M video (Chromium's fake-camera format) showing one mirrored photo, BT.601 full-range 4:2:0."""
    import numpy as np

    from helpers import assets
    from helpers.images import load_image

    rgb = np.asarray(load_image(assets.fetch(image_name)).resize(size), dtype=np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    planes = [
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    ]
    planes[1:] = [p.reshape(size[1] // 2, 2, size[0] // 2, 2).mean(axis=(1, 3)) for p in planes[1:]]
    frame = b"".join(np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in planes)
    path.write_bytes(
        f"YUV4MPEG2 W{size[0]} H{size[1]} F30:1 Ip A1:1 C420jpeg\n".encode() + (b"FRAME\n" + frame) * frames
    )
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


def test_notebook_11_live_camera_classifies_frames_and_stop_releases_the_camera(jupyterlab, cat_camera):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    notebook = "notebooks/11_live_camera.ipynb"
    with (
        sync_playwright() as playwright,
        _camera_page(playwright, cat_camera, jupyterlab, notebook, 240_000) as (page, widget),
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
        expect(
            page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] :text('Traceback')")
        ).to_have_count(0)
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "browser-11_live_camera.png"))
        _keep_stream(page)
        assert _tracks(page) == ["live"]
        widget.locator(".cw-stop").click()
        expect(widget).to_have_attribute("data-status", "stopped")
        assert _tracks(page) == ["ended"], "Stop must release the camera"
    assert (ARTIFACTS / "browser-11_live_camera.png").stat().st_size > 10_000


def _probe_notebook() -> str:
    import nbformat

    PROBE.parent.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook(
        metadata=json.loads((ROOT / "notebooks/01_inference.ipynb").read_text())["metadata"]
    )
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from helpers import assets\nfrom helpers.camera_widget import CameraWidget\nfrom helpers.classify import Classifier\n"
            "model = Classifier(assets.fetch('models/mobilenet_v1_0.25_128_quant.tflite'), "
            "assets.read_labels('labels/imagenet_labels.txt'))\nlive = CameraWidget(model, name='V1 0.25/128 uint8')\nlive"
        )
    ]
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
                page.screenshot(path=str(ARTIFACTS / f"browser-11_camera-{status}.png"))

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
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )
            expect(widget).to_have_attribute("data-status", "paused")
            expect(widget.locator(".cw-message")).to_contain_text("background")
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )
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
            page.screenshot(path=str(ARTIFACTS / "browser-11_camera-after-restart.png"))
