"""The live camera in a notebook (lesson 11): an anywidget (browser half in camera_widget.js) over helpers.camera.

The browser asks for the camera only when Start is pressed and sends one model-sized frame at a time; the kernel
classifies it and sends the top-3 back. Frames exist only in the browser tab and the kernel's memory. What arrives
from the browser is checked here; a bad message gets an error reply, never a traceback.
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Mapping
from pathlib import Path

import anywidget
import ipywidgets as ipw
import numpy as np
import traitlets

from helpers.camera import BUDGET_MS, FrameLog, FramePipeline, FrameTiming, decode_frame, scale_for_model
from helpers.errors import CameraError, HelpersError, wrap_public_functions
from helpers.images import load_image

HERE = Path(__file__).parent


def _class_name(label: str) -> str:
    if not str(label).strip():
        raise CameraError("Give the class a name before adding a photo of it.")
    return str(label).strip()


def _number(content: Mapping, key: str) -> float:
    value = float(content.get(key, 0.0))
    if not (math.isfinite(value) and value >= 0):
        raise CameraError(f"The browser sent {key}={value!r}; expected milliseconds ≥ 0.")
    return value


class CameraWidget(anywidget.AnyWidget):
    """Webcam → model → top-3 beside the video, with fps and the five stages against the 33 ms budget; CameraError
    for a model that is not an image classifier or a bad ``k``."""

    _esm = HERE / "camera_widget.js"
    _css = HERE / "camera_widget.css"
    input_width = traitlets.Int(224).tag(sync=True)
    input_height = traitlets.Int(224).tag(sync=True)
    budget_ms = traitlets.Float(BUDGET_MS).tag(sync=True)
    model_name = traitlets.Unicode("").tag(sync=True)
    status = traitlets.Unicode("idle").tag(sync=True)  # written by the browser: idle, running, denied, …
    message = traitlets.Unicode("").tag(sync=True)  # written by the browser: what the learner sees
    samples_taken = traitlets.Int(0)  # kernel only: grows with each training photo kept

    def __init__(self, model, name: str = "", k: int = 3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.k, self.samples = k, {}
        self._capture_label: str | None = None
        self._clock = time.perf_counter()
        self._pending: dict[tuple[str, int], dict] = {}  # answered frames waiting for the browser's timings
        self.set_model(model, name)
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        return "[Live camera widget: run this notebook and press Start camera to classify what it sees]"

    def set_model(self, model, name: str = "") -> None:
        """Classify the next frames with ``model``; clears the timings."""
        self.pipeline = FramePipeline(model, self.k)
        self.timings = FrameLog()
        self._pending.clear()
        self.input_width, self.input_height = self.pipeline.input_size
        self.model_name = name or getattr(getattr(model, "model_path", None), "name", type(model).__name__)

    def _keep(self, label: str, pixels: np.ndarray) -> None:  # a training photo, in memory only
        self.samples.setdefault(label, []).append(pixels)
        self.samples_taken += 1

    def stop(self) -> None:
        """Ask the browser to stop the camera, as the Stop button does."""
        self.send({"type": "stop"})

    def _handle_frame(self, content: Mapping, buffers: list) -> dict:
        """The reply to one frame message from the browser: an answer or an error (never raises)."""
        received = time.perf_counter()
        view, frame_id = str(content.get("view", "")), content.get("id")
        try:
            if content.get("type") != "frame" or not isinstance(frame_id, int):
                raise CameraError(f"Not a frame message: {dict(content)!r:.120}")
            previous = content.get("previous")  # its record is completed with the times the browser measured
            pending = self._pending.pop((view, previous.get("id")), None) if isinstance(previous, Mapping) else None
            if pending is not None:
                times = {key: _number(previous, key) for key in ("transfer_ms", "display_ms")}
                self.timings.add(FrameTiming(**times, **pending))
            data, encoding = buffers[0] if buffers else b"", str(content.get("encoding", "rgba"))
            pixels = decode_frame(data, content.get("width"), content.get("height"), encoding)
            stages = {"capture_ms": _number(content, "capture_ms")}
            pairs, stages["preprocess_ms"], stages["invoke_ms"] = self.pipeline.classify(pixels)
            skipped = int(_number(content, "skipped"))
        except (HelpersError, TypeError, ValueError) as exc:
            return {"type": "error", "view": view, "id": frame_id, "message": str(exc)}
        captured, self._capture_label = self._capture_label, None
        if captured is not None:
            self._keep(captured, pixels)
        done_s = time.perf_counter() - self._clock
        self._pending[(view, frame_id)] = dict(
            frame=frame_id, dropped_before=skipped, done_s=done_s, top=tuple(pairs), **stages
        )
        while len(self._pending) > 8:  # answers whose browser never reported back (view closed): forget them
            self._pending.pop(next(iter(self._pending)))
        top = [[label.split(",")[0].strip(), round(float(prob), 4)] for label, prob in pairs]
        kernel_ms = (time.perf_counter() - received) * 1000
        reply = {"type": "result", "view": view, "id": frame_id, "captured": captured, "top": top}
        return {**reply, **stages, "kernel_ms": kernel_ms}

    def _on_message(self, _widget, content, buffers) -> None:
        if isinstance(content, Mapping) and content.get("type") == "frame":
            self.send(self._handle_frame(content, buffers))


def model_menu(camera: CameraWidget, models: Mapping[str, object], value: str | None = None):
    """A drop-down that switches the camera's model."""
    names = list(models)
    menu = ipw.Dropdown(options=names, value=value or names[0], description="model")
    menu.layout.width = "24em"
    menu.observe(lambda change: camera.set_model(models[change["new"]], change["new"]), names="value")
    camera.set_model(models[menu.value], menu.value)
    return menu


def photo_collector(camera: CameraWidget, classes: tuple[str, ...] = ("class 1", "class 2")):
    """Teachable Machine's first step: per class, capture photos from the running camera or upload some."""
    from helpers.widgets import DescribedBox, PhotoUpload

    rows, counts = [], ipw.HTML()

    def refresh(_change=None) -> None:
        taken = ", ".join(f"<b>{label}</b> {len(photos)}" for label, photos in camera.samples.items())
        counts.value = f"Photos so far: {taken or 'none'}"

    for default in classes:
        name = ipw.Text(value=default, description="class", layout=ipw.Layout(width="16em"))
        # sized to its label: the default width, or shrinking in the row, would cut it
        shoot = ipw.Button(
            description="Capture from camera", icon="camera", layout={"width": "auto", "flex": "0 0 auto"}
        )
        hint = "Or upload photos of this class (large ones are shrunk in your browser first)."
        upload = PhotoUpload(multiple=True, description="Upload photos", hint=hint)
        note = ipw.HTML()

        def on_shoot(_button, name=name, note=note) -> None:
            note.value = "" if camera.status == "running" else "Start the camera first (or upload photos)."
            try:
                if camera.status == "running":
                    camera._capture_label = _class_name(name.value)  # the next frame is kept
            except HelpersError as exc:  # an empty class name: said beside the button, as uploads are
                note.value = f"<span style='color:#b45309'>{html.escape(str(exc))}</span>"

        def on_photo(photo, name=name) -> str:
            pixels = scale_for_model(load_image(photo.data), camera.pipeline.input_size)  # an ImageError is shown
            camera._keep(_class_name(name.value), pixels)
            return f"{photo.name}: added to {name.value.strip()!r}."

        shoot.on_click(on_shoot)
        upload.on_photo(on_photo)
        rows.append(ipw.HBox([name, shoot, upload, note]))
    camera.observe(refresh, names="samples_taken")
    refresh()
    return DescribedBox([*rows, counts], "[Photo collector: run this notebook to capture or upload photos per class]")


wrap_public_functions(globals(), CameraError)
