"""Thin ipywidgets wrappers over the package's functions (notebooks 01–04, 10, 11), and the upload button.

The upload button (an anywidget, browser half in upload_widget.js) shrinks photos larger than ``max_side`` pixels in
the browser and sends them as JPEG: a 13 MB phone photo reaches the kernel as about 1 MB (one kernel message cannot
carry more than about 10 MB). Files the browser cannot open, or that are not images, are refused with the reason.

Checked here: each message from the browser, one label per logit and the classifier given to the upload button.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import anywidget
import ipywidgets as ipw
import numpy as np
import traitlets
from IPython.display import display

from helpers.arguments import listed, text_labels, whole_number
from helpers.classify import Classifier
from helpers.errors import HelpersError, ImageError, LabelError, OptionError, wrap_public_functions
from helpers.images import load_image

HERE = Path(__file__).parent


class DescribedBox(ipw.VBox):
    """A VBox whose plain-text view (what GitHub shows before the notebook is run) is the sentence ``text``."""

    def __init__(self, children, text: str) -> None:
        super().__init__(list(children))
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _slider(description: str, value: float, low: float, high: float, step: float, log: bool = False, **layout):
    kind, extra = (ipw.FloatLogSlider, {"base": 10}) if log else (ipw.FloatSlider, {})
    options = {"readout_format": ".2f", "style": {"description_width": "7em"}, "layout": ipw.Layout(width="32em")}
    options.update(layout)
    return kind(
        value=value, min=low, max=high, step=step, description=description, continuous_update=False, **extra, **options
    )


def _shown(widget):
    """A widget's value as its readout shows it (a log slider at 316.228 reads "316.2": that is what is used)."""
    value, readout = widget.value, getattr(widget, "readout_format", None)
    return float(format(value, readout)) if readout and isinstance(value, float) else value


def _redraw(controls, function: Callable[[], None]) -> ipw.Output:
    """An Output that ``function()`` draws in, now and whenever one of the ``controls`` changes its value."""
    output = ipw.Output()

    def refresh(_change=None) -> None:
        output.clear_output(wait=True)
        with output:
            function()

    for control in controls:
        control.observe(refresh, names="value")
    refresh()
    return output


# --------------------------------------------------------------------------- notebooks 01 and 11 (your own photos)


@dataclass(frozen=True)
class UploadedPhoto:
    """One photo as the kernel received it: the bytes sent, and what the learner's file was."""

    name: str
    data: bytes
    original_size: tuple[int, int]
    original_bytes: int
    size: tuple[int, int]
    shrunk: bool

    def describe(self) -> str:
        """One sentence: the file's size, and the size it was shrunk to in the browser, if it was."""
        width, height = self.original_size
        what = f"{self.name}: {width} × {height} px, {self.original_bytes / 1e6:.1f} MB"
        if not self.shrunk:
            return f"{what}."
        return (
            f"{what}, shrunk in your browser to {self.size[0]} × {self.size[1]} px "
            f"({len(self.data) / 1e6:.1f} MB JPEG) before it was sent."
        )


def _whole(content: Mapping, key: str) -> int:
    value = content.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != int(value):
        raise ImageError(f"The browser sent {key}={value!r}; expected a whole number ≥ 0.")
    return int(value)


def _read_photo(content: Mapping, buffers: list) -> UploadedPhoto:
    data = bytes(buffers[0]) if buffers else b""
    if len(data) != _whole(content, "bytes") or not data:
        raise ImageError(
            f"The photo arrived incomplete ({len(data)} of {content.get('bytes')} bytes); choose the file again."
        )
    return UploadedPhoto(
        name=str(content.get("name", "photo")),
        data=data,
        original_size=(_whole(content, "original_width"), _whole(content, "original_height")),
        original_bytes=_whole(content, "original_bytes"),
        size=(_whole(content, "width"), _whole(content, "height")),
        shrunk=bool(content.get("shrunk", False)),
    )


class PhotoUpload(anywidget.AnyWidget):
    """An upload button that shrinks large photos in the browser and says under it why a file was refused."""

    _esm = HERE / "upload_widget.js"
    _css = HERE / "upload_widget.css"
    description = traitlets.Unicode("Upload a photo").tag(sync=True)
    hint = traitlets.Unicode("Choose a photo (JPEG, PNG, …); large ones are shrunk in your browser first.").tag(
        sync=True
    )
    accept = traitlets.Unicode("image/*").tag(sync=True)
    multiple = traitlets.Bool(False).tag(sync=True)
    max_side = traitlets.Int(2048).tag(sync=True)  # px on the long side, as sent to the kernel
    max_bytes = traitlets.Int(8_000_000).tag(sync=True)  # below the kernel connection's ~10 MB per message
    received = traitlets.Int(0).tag(sync=True)  # photos that reached the kernel
    status = traitlets.Unicode("idle").tag(sync=True)  # written by the browser: idle, sending, done, refused, closed
    message = traitlets.Unicode("").tag(sync=True)  # written by the browser: what the learner sees

    def __init__(self, on_photo: Callable[[UploadedPhoto], str | None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._callbacks: list[Callable[[UploadedPhoto], str | None]] = [on_photo] if on_photo else []
        self.on_msg(self._on_message)

    def __repr__(self) -> str:
        return f"[{self.description} button: run the notebook to choose a photo from your computer]"

    def on_photo(self, callback: Callable[[UploadedPhoto], str | None]) -> None:
        """Call ``callback(photo)`` for each photo received; what it returns (or raises) is shown under the button."""
        self._callbacks.append(callback)

    def _handle_photo(self, content: Mapping, buffers: list) -> dict:
        """The reply to one photo message from the browser (never raises): received, or why not."""
        reply = {"type": "error", "view": content.get("view"), "id": content.get("id")}
        name = content.get("name", "The photo")
        try:
            photo = _read_photo(content, buffers)
            notes = [note for note in (callback(photo) for callback in self._callbacks) if note]
        except HelpersError as exc:
            return {**reply, "message": f"{name}: {exc}"}
        except Exception as exc:  # noqa: BLE001  (a bug in a callback must not leave the button waiting forever)
            return {**reply, "message": f"{name} could not be handled ({type(exc).__name__}: {exc})."}
        self.received += 1
        return {**reply, "type": "received", "message": " ".join(notes) or f"{photo.describe()} Received."}

    def _on_message(self, _widget, content, buffers) -> None:
        if isinstance(content, Mapping) and content.get("type") == "photo":
            self.send(self._handle_photo(content, buffers))


def upload_and_classify(classifier: Classifier, top_k: int = 5) -> DescribedBox:
    """An upload button; each photo is shown with its top-k table, without the labels tied at probability 0.
    OptionError for a ``classifier`` that is not a Classifier or a ``top_k`` that is not a whole number ≥ 1."""
    from helpers.plots import probability_table

    if not isinstance(classifier, Classifier):
        raise OptionError(f"classifier is a helpers.classify.Classifier; got {type(classifier).__name__}.")
    whole_number(top_k, "top_k", OptionError, minimum=1)
    upload = PhotoUpload(description="Upload a photo")
    output = ipw.Output()

    def on_photo(photo) -> str:
        output.clear_output()
        image = load_image(photo.data)  # an ImageError is shown under the button
        pairs = classifier.classify(image, top_k=top_k)
        shown = [pair for pair in pairs if pair[1] > 0] or pairs[:1]
        hidden = len(pairs) - len(shown)
        image.thumbnail((224, 224))
        with output:
            display(image, probability_table(shown))
            if hidden:
                print(
                    f"{hidden} more label{'s tie' if hidden > 1 else ' ties'} at probability 0 and "
                    f"{'are' if hidden > 1 else 'is'} not listed."
                )
        return f"{photo.describe()} Its top {len(shown)} are below."

    upload.on_photo(on_photo)
    return DescribedBox([upload, output], "[Upload button: run this notebook to classify a photo of your own]")


# --------------------------------------------------------------------------- notebooks 02 and 03


def _show_temperature(logits, names: list[str], temperature: float) -> None:
    """Print the softmax of ``logits`` at ``temperature`` with the top label, and draw it."""
    from helpers import plots
    from helpers.metrics import softmax

    probs = softmax(logits, temperature)
    parts = " | ".join(f"{label} {prob:.3f}" for label, prob in zip(names, probs))
    print(f"T = {temperature:.2f}: {parts}  (top: {names[int(probs.argmax())]})")
    ax = plots.probability_bars(names, probs, title=f"Softmax at temperature {temperature:.2f}")
    shares = ", ".join(f"{label} {prob:.2f}" for label, prob in zip(names, probs))
    plots.show(ax.figure, alt=f"Bar chart of the probabilities at temperature {temperature:.2f}: {shares}.")


def temperature_slider(logits, labels, value: float = 1.0) -> DescribedBox:
    """A log-scale temperature slider (0.1 to 10, ``value`` moved inside) that redraws the softmax of ``logits`` as it
    moves. LabelError unless there is exactly one label per logit."""
    logits, labels = listed(logits), text_labels(labels, "labels", LabelError)
    if np.shape(logits) != (len(labels),):
        raise LabelError(
            f"{len(labels)} labels for {np.size(logits)} logits; give one list of logits and exactly one label per "
            f"logit, in the same order."
        )
    slider = _slider("temperature", value, -1, 1, 0.05, log=True)
    return DescribedBox(
        [slider, _redraw([slider], lambda: _show_temperature(logits, labels, _shown(slider)))],
        "[Temperature slider (0.1 to 10): run this notebook to move it and redraw the chart]",
    )


def _show_threshold(confidence, correct, threshold: float, label: str | None = None) -> None:
    """Print what ``threshold`` keeps and how much of it is right, and draw it on the risk–coverage curve."""
    from helpers import plots
    from helpers.metrics import coverage_and_accuracy, risk_coverage

    curve = risk_coverage(confidence, correct)
    coverage, accuracy = coverage_and_accuracy(confidence, correct, threshold)
    kept = round(coverage * len(confidence))
    right = f"{accuracy:.1%} of them right" if kept else "nothing to score"
    print(f"threshold {threshold:.2f}: answers {kept} of {len(confidence)} ({coverage:.1%}), {right}")
    chosen = (coverage, accuracy) if coverage > 0 else None
    ax = plots.risk_coverage_curve(curve.coverage, curve.accuracy, label=label, chosen=chosen)
    where = f"; the point at threshold {threshold:.2f} keeps {coverage:.0%}" if chosen else ""
    plots.show(
        ax.figure,
        alt=f"Risk–coverage curve: the accuracy of the answers kept is {curve.accuracy[0]:.0%} "
        f"for the most confident answer alone and {curve.accuracy[-1]:.0%} when every image is answered{where}.",
    )


def threshold_explorer(confidence, correct, value: float = 0.5, label: str | None = None) -> DescribedBox:
    """A slider over the confidence threshold (0 to 1, ``value`` moved inside) showing what it keeps on the
    risk–coverage curve; bad confidences are shown under it (a MetricsError outside a notebook)."""
    confidence = listed(confidence)  # a generator is read once, here
    slider = _slider("threshold", value, 0.0, 1.0, 0.05)
    return DescribedBox(
        [slider, _redraw([slider], lambda: _show_threshold(confidence, correct, _shown(slider), label))],
        "[Threshold slider (0 to 1): run this notebook to move it and redraw the curve]",
    )


# --------------------------------------------------------------------------- notebook 04 (model tradeoffs)


def _choice_report(
    rows,
    max_latency_ms: float,
    max_size_mb: float,
    min_accuracy: float,
    latency: str = "latency_ms",
    accuracy: str = "top1",
    size: str = "size_mb",
    name: str = "model",
) -> str:
    """In words: which model is best within the limits (``bench.best_model`` checks them), and which others fit."""
    from helpers.bench import best_model

    rows = list(rows)  # read twice below: a generator would be empty the second time

    def fits(candidates):
        return best_model(candidates, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size)

    best, limits = fits(rows), f"≤ {max_latency_ms:g} ms, ≤ {max_size_mb:g} MB, ≥ {min_accuracy:g} % top-1"
    if best is None:
        return f"No model meets all three limits ({limits}). Relax one of them."
    fitting = [row[name] for row in rows if row is not best and fits([row]) is not None]
    others = f"\nAlso within the limits: {', '.join(fitting)}." if fitting else "\nNo other model fits."
    return (
        f"Best within {limits}: {best[name]} — {float(best[accuracy]):.1f} % top-1, "
        f"{float(best[latency]):.1f} ms, {float(best[size]):.1f} MB.{others}"
    )


def model_picker(
    rows, latency_columns: dict[str, str], accuracy_columns: dict[str, str], size: str = "size_mb", name: str = "model"
) -> DescribedBox:
    """Sliders for the three limits and menus ({menu text: column name}) for the figures to trust; shows the best
    model live (bad rows or columns: shown under the controls, a BenchmarkError outside a notebook)."""
    wide = {"style": {"description_width": "11em"}, "layout": ipw.Layout(width="34em")}
    controls = {
        "max_latency_ms": _slider("max latency (ms)", 33, -0.5, 2.5, 0.05, log=True, readout_format=".1f", **wide),
        "max_size_mb": _slider("max file size (MB)", 5.0, 0.25, 5.0, 0.05, **wide),
        "min_accuracy": _slider("min top-1 (%)", 0.0, 0.0, 90.0, 0.5, readout_format=".1f", **wide),
        "latency": ipw.Dropdown(options=list(latency_columns.items()), description="latency figures", **wide),
        "accuracy": ipw.Dropdown(options=list(accuracy_columns.items()), description="accuracy figures", **wide),
    }

    def report() -> None:
        print(_choice_report(rows, size=size, name=name, **{key: _shown(w) for key, w in controls.items()}))

    return DescribedBox(
        [*controls.values(), _redraw(controls.values(), report)],
        "[Model picker: run this notebook to set the three limits and see the best model]",
    )


# --------------------------------------------------------------------------- notebook 10 (explanations)


def explanation_explorer(classifier: Classifier, photos: dict, credits: dict | None = None):
    """Menus for a photo (of ``photos``), one of its top-5 classes, the patch size and opacity; the occlusion map."""
    from helpers import explain, plots

    cache, style = {}, {"description_width": "7em"}
    photo = ipw.Dropdown(options=list(photos.keys()), description="photo", style=style)
    target = ipw.Dropdown(description="class", style=style)
    patch = ipw.Dropdown(options=[16, 32, 48, 64], value=32, description="patch (px)", style=style)
    alpha = _slider("map opacity", 0.5, 0.0, 1.0, 0.05, style=style, layout=ipw.Layout())
    output = ipw.Output()
    refilling = []  # non-empty while the class menu is refilled, so that it does not redraw halfway

    def classes(_change=None) -> None:
        probs = classifier.predict(photos[photo.value])
        order = np.argsort(-probs, kind="stable")[:5]
        refilling.append(True)
        try:
            target.options = [(f"{plots.short_label(classifier.labels[i])} ({probs[i]:.2f})", int(i)) for i in order]
            target.value = int(order[0])
        finally:
            refilling.clear()

    def refresh(_change=None) -> None:
        if refilling or target.value is None:
            return
        output.clear_output(wait=True)
        name, index, size = photo.value, target.value, patch.value
        with output:
            try:
                if (name, index, size) not in cache:  # no progress bar: a closed bar left in an Output breaks it
                    cache[name, index, size] = explain.occlusion(
                        classifier, photos[name], index, patch=size, stride=size // 2
                    )
                result = cache[name, index, size]
                pixels = explain.model_pixels(photos[name], classifier.input_size, classifier.crop)
                title = f"'{plots.short_label(result.label)}' ({result.score:.2f}), patch {size}"
                credit = (credits or {}).get(name, "")
                ax = plots.explanation_overlay(pixels, result, alpha=alpha.value, title=title, credit=credit)
                plots.show(ax.figure, alt=f"Photo with an {result.describe()}.")
            except HelpersError as exc:  # a class the model cannot explain, ...
                print(f"Could not explain this choice: {exc}")

    photo.observe(lambda _change: (classes(), refresh()), names="value")
    for control in (target, patch, alpha):
        control.observe(refresh, names="value")
    classes()
    refresh()
    return DescribedBox(
        [photo, target, patch, alpha, output],
        "[Explanation explorer: run this notebook to pick a photo, a class and a patch size]",
    )


wrap_public_functions(globals(), OptionError)
