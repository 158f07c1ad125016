"""Thin ipywidgets wrappers over pure functions (each function is usable without widgets)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping

import numpy as np

from helpers.arguments import is_real, listed, real_number, text_labels, whole_number
from helpers.classify import Classifier, check_max_results
from helpers.errors import HelpersError, ImageError, LabelError, OptionError
from helpers.images import load_image


def upload_report(classifier: Classifier, data: bytes, top_k: int = 5) -> tuple[object, list[tuple[str, float]], str]:
    """(thumbnail, top-k pairs without labels tied at probability 0, a note on the hidden ties) for uploaded bytes.

    ``data`` is the photo's bytes (the upload's ``.data``); a path to a photo file is read too.
    Raises ImageError for anything else (None, a number) or bytes that are not an image.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        image = load_image(bytes(data))
    elif isinstance(data, (str, os.PathLike)):
        image = load_image(data)
    else:
        raise ImageError(
            f"data is the uploaded photo's bytes (the upload's .data), or a path to a photo file; got "
            f"{type(data).__name__} {data!r}."
        )
    pairs = classifier.classify(image, top_k=top_k)
    shown = [pair for pair in pairs if pair[1] > 0] or pairs[:1]
    hidden = len(pairs) - len(shown)
    note = (
        f"{hidden} more label{'s tie' if hidden > 1 else ' ties'} at probability 0 and {'are' if hidden > 1 else 'is'} not listed."
        if hidden
        else ""
    )
    thumbnail = image.copy()
    thumbnail.thumbnail((224, 224))
    return thumbnail, shown, note


def described_box(children, text: str):
    """A VBox whose plain-text view (what GitHub shows before the notebook is run) is the sentence ``text``.

    Raises nothing of its own: ``children`` and ``text`` are not checked (ipywidgets refuses children that are
    not widgets with its own TraitError).
    """
    return _described_box_class()(children, text)


_BOX_CLASSES: list = []


def _described_box_class():
    if not _BOX_CLASSES:
        import ipywidgets as widgets

        class DescribedBox(widgets.VBox):
            """A VBox that reads as a sentence in plain text (ipywidgets cuts plain text at 110 characters)."""

            def __init__(self, children, text: str) -> None:
                super().__init__(list(children))
                self.text = text

            def __repr__(self) -> str:
                return self.text

        _BOX_CLASSES.append(DescribedBox)
    return _BOX_CLASSES[0]


def upload_and_classify(classifier: Classifier, top_k: int = 5):
    """An upload button; each photo is shown with its top-k table (large photos shrunk in the browser, errors in words).

    Raises OptionError at once for a ``classifier`` that is not a Classifier or a ``top_k`` that is not a whole
    number ≥ 1; what ``upload_report`` raises for a photo (ImageError) is shown beside the button.
    """
    if not isinstance(classifier, Classifier):
        raise OptionError(f"classifier is a helpers.classify.Classifier; got {type(classifier).__name__}.")
    check_max_results(top_k, "top_k")
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.plots import probability_table
    from helpers.upload_widget import PhotoUpload

    upload = PhotoUpload(description="Upload a photo")
    output = widgets.Output()

    def on_photo(photo) -> str:
        output.clear_output()
        thumbnail, pairs, note = upload_report(classifier, photo.data, top_k)  # ImageError: shown by the button
        with output:
            display(thumbnail)
            display(probability_table(pairs))
            if note:
                print(note)
        return f"{photo.describe()} Its top {len(pairs)} are below."

    upload.on_photo(on_photo)
    return described_box([upload, output], "[Upload button: run this notebook to classify a photo of your own]")


def shown_value(widget):
    """A widget's value as its readout shows it (a log slider at 316.228 reads "316.2": that is what is used)."""
    value = widget.value
    readout = getattr(widget, "readout_format", None)
    if readout and isinstance(value, float):
        return float(format(value, readout))
    return value


def run_on_change(widget, function: Callable[[object], None]):
    """Call ``function(value)`` now and whenever the widget's value changes; return an Output widget."""
    import ipywidgets as widgets

    output = widgets.Output()

    def refresh(_change=None) -> None:
        output.clear_output(wait=True)
        with output:
            function(widget.value)

    widget.observe(refresh, names="value")
    refresh()
    return output


# --------------------------------------------------------------------------- notebooks 02 and 03


def temperature_summary(logits, labels, temperature: float) -> str:
    """One line: the softmax probabilities of ``logits`` at ``temperature``, and the top label.

    Raises MetricsError for a bad temperature or logits, OptionError for logits that are not one list,
    and LabelError unless there is exactly one label per logit.
    """
    probs, labels = _probabilities(logits, labels, temperature)
    parts = " | ".join(f"{label} {prob:.3f}" for label, prob in zip(labels, probs))
    return f"T = {temperature:.2f}: {parts}  (top: {labels[int(probs.argmax())]})"


def _probabilities(logits, labels, temperature: float) -> tuple[np.ndarray, list[str]]:
    """softmax(logits, temperature), once each logit has its own label (a LabelError otherwise)."""
    from helpers.metrics import softmax

    probs = softmax(logits, temperature)
    if probs.ndim != 1:
        raise OptionError(f"logits is one list of numbers, one per label; got shape {probs.shape}.")
    names = text_labels(labels, "labels", LabelError)
    if len(names) != len(probs):
        raise LabelError(
            f"{len(names)} labels for {len(probs)} logits; give exactly one label per logit, in the same order."
        )
    return probs, names


def show_temperature(logits, labels, temperature: float) -> None:
    """Print ``temperature_summary`` and draw the probabilities as bars (errors as temperature_summary).

    Raises what temperature_summary raises: MetricsError for a bad temperature or logits, OptionError for logits
    that are not one list, LabelError unless there is exactly one label per logit.
    """
    from helpers import plots
    from helpers.metrics import softmax

    logits = listed(logits)
    labels = listed(labels)
    print(temperature_summary(logits, labels, temperature))
    probs = softmax(logits, temperature)
    ax = plots.probability_bars(labels, probs, title=f"Softmax at temperature {temperature:.2f}")
    plots.show(
        ax.figure,
        alt=f"Bar chart of the probabilities at temperature {temperature:.2f}: "
        + ", ".join(f"{label} {prob:.2f}" for label, prob in zip(labels, probs))
        + ".",
    )


def temperature_slider(logits, labels, value: float = 1.0):
    """A log-scale temperature slider (0.1 to 10) that redraws the softmax of ``logits`` as it moves.

    Raises what ``show_temperature`` raises for bad ``logits`` or ``labels`` (MetricsError, OptionError,
    LabelError) when it first draws, outside a notebook; in a notebook the error is shown under the slider.
    A ``value`` outside 0.1 … 10 is moved to the nearest end (ipywidgets' own TraitError for a non-number).
    """
    import ipywidgets as widgets

    slider = widgets.FloatLogSlider(
        value=value,
        base=10,
        min=-1,
        max=1,
        step=0.05,
        description="temperature",
        continuous_update=False,
        readout_format=".2f",
        style={"description_width": "7em"},
        layout=widgets.Layout(width="32em"),
    )
    return described_box(
        [slider, run_on_change(slider, lambda t: show_temperature(logits, labels, shown_value(slider)))],
        "[Temperature slider (0.1 to 10): run this notebook to move it and redraw the chart]",
    )


def threshold_summary(confidence, correct, threshold: float) -> str:
    """One line: how many answers a confidence threshold keeps, and how many of those are right.

    Raises OptionError for a ``threshold`` that is not a number from 0 to 1, MetricsError for bad confidences.
    """
    from helpers.metrics import coverage_and_accuracy

    threshold = _threshold(threshold)
    confidence = listed(confidence)
    coverage, accuracy = coverage_and_accuracy(confidence, correct, threshold)
    kept = round(coverage * len(confidence))
    right = f"{accuracy:.1%} of them right" if kept else "nothing to score"
    return f"threshold {threshold:.2f}: answers {kept} of {len(confidence)} ({coverage:.1%}), {right}"


def _threshold(threshold: float) -> float:
    return real_number(threshold, "threshold", OptionError, minimum=0, maximum=1)


def show_threshold(confidence, correct, threshold: float, label: str | None = None) -> None:
    """Print ``threshold_summary`` and draw the risk–coverage curve with the threshold's point marked.

    Raises the errors of threshold_summary.
    """
    from helpers import plots
    from helpers.metrics import coverage_and_accuracy, risk_coverage

    print(threshold_summary(confidence, correct, threshold))
    curve = risk_coverage(confidence, correct)
    coverage, accuracy = coverage_and_accuracy(confidence, correct, threshold)
    chosen = (coverage, accuracy) if coverage > 0 else None
    ax = plots.risk_coverage_curve(curve.coverage, curve.accuracy, label=label, chosen=chosen)
    where = f"; the point at threshold {threshold:.2f} keeps {coverage:.0%}" if chosen else ""
    plots.show(
        ax.figure,
        alt=f"Risk–coverage curve: the accuracy of the answers kept is {curve.accuracy[0]:.0%} "
        f"for the most confident answer alone and {curve.accuracy[-1]:.0%} when every image is answered{where}.",
    )


def threshold_explorer(confidence, correct, value: float = 0.5, label: str | None = None):
    """A slider over the confidence threshold (0 to 1) showing what it keeps on the risk–coverage curve.

    Raises what ``show_threshold`` raises for bad ``confidence`` or ``correct`` (MetricsError) when it first
    draws, outside a notebook; in a notebook the error is shown under the slider. A ``value`` outside 0 … 1
    is moved to the nearest end (ipywidgets' own TraitError for a non-number).
    """
    import ipywidgets as widgets

    slider = widgets.FloatSlider(
        value=value,
        min=0.0,
        max=1.0,
        step=0.05,
        description="threshold",
        continuous_update=False,
        readout_format=".2f",
        style={"description_width": "7em"},
        layout=widgets.Layout(width="32em"),
    )
    return described_box(
        [slider, run_on_change(slider, lambda t: show_threshold(confidence, correct, shown_value(slider), label))],
        "[Threshold slider (0 to 1): run this notebook to move it and redraw the curve]",
    )


# --------------------------------------------------------------------------- notebook 04 (model tradeoffs)


def choice_report(
    rows,
    max_latency_ms: float,
    max_size_mb: float,
    min_accuracy: float,
    latency: str = "latency_ms",
    accuracy: str = "top1",
    size: str = "size_mb",
    name: str = "model",
) -> str:
    """In words: which model is best within the limits (helpers.bench.best_model), and which others fit.

    Raises OptionError for limits that are not numbers (NaN included; infinity means no limit) or column
    names that are not strings, BenchmarkError for rows that are not dicts with those columns.
    """
    from helpers.bench import best_model

    for option, value in (
        ("max_latency_ms", max_latency_ms),
        ("max_size_mb", max_size_mb),
        ("min_accuracy", min_accuracy),
    ):
        if not is_real(value) or math.isnan(value):
            raise OptionError(f"{option} must be a number (a limit); got {value!r}.")
    for option, value in (("latency", latency), ("accuracy", accuracy), ("size", size), ("name", name)):
        if not isinstance(value, str):
            raise OptionError(f"{option} is the name of a column of the rows, a string; got {value!r}.")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Iterable):
        raise OptionError(f"rows is a list of dicts, one per model; got {type(rows).__name__}.")
    rows = list(rows)  # read twice below: a generator would be empty the second time
    limits = f"≤ {max_latency_ms:g} ms, ≤ {max_size_mb:g} MB, ≥ {min_accuracy:g} % top-1"
    best = best_model(rows, max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size)
    if best is None:
        return f"No model meets all three limits ({limits}). Relax one of them."
    fitting = [
        row[name]
        for row in rows
        if row is not best
        and best_model([row], max_latency_ms, max_size_mb, min_accuracy, latency, accuracy, size) is not None
    ]
    others = f"\nAlso within the limits: {', '.join(fitting)}." if fitting else "\nNo other model fits."
    return (
        f"Best within {limits}: {best[name]} — {float(best[accuracy]):.1f} % top-1, "
        f"{float(best[latency]):.1f} ms, {float(best[size]):.1f} MB.{others}"
    )


def model_picker(
    rows, latency_columns: dict[str, str], accuracy_columns: dict[str, str], size: str = "size_mb", name: str = "model"
):
    """Sliders for the three limits and menus for the figures to trust; shows ``choice_report`` live.

    Raises what ``choice_report`` raises (OptionError for an empty column menu or column names that are not
    strings, BenchmarkError for rows that are not dicts with those columns) when it first draws, outside a
    notebook; in a notebook the error is shown under the controls. Raises OptionError at once when
    ``latency_columns`` or ``accuracy_columns`` is not a non-empty dict {menu text: column name}.
    """
    for what, columns in (("latency_columns", latency_columns), ("accuracy_columns", accuracy_columns)):
        if not isinstance(columns, Mapping) or not columns:
            raise OptionError(
                f"{what} is a non-empty dict {{menu text: column name}}, such as {{'measured': 'latency_ms'}}; "
                f"got {columns!r}."
            )
    import ipywidgets as widgets

    style = {"description_width": "11em"}
    layout = widgets.Layout(width="34em")
    controls = {
        "max_latency_ms": widgets.FloatLogSlider(
            value=33,
            base=10,
            min=-0.5,
            max=2.5,
            step=0.05,
            description="max latency (ms)",
            readout_format=".1f",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "max_size_mb": widgets.FloatSlider(
            value=5.0,
            min=0.25,
            max=5.0,
            step=0.05,
            description="max file size (MB)",
            readout_format=".2f",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "min_accuracy": widgets.FloatSlider(
            value=0.0,
            min=0.0,
            max=90.0,
            step=0.5,
            description="min top-1 (%)",
            readout_format=".1f",
            continuous_update=False,
            style=style,
            layout=layout,
        ),
        "latency": widgets.Dropdown(
            options=list(latency_columns.items()), description="latency figures", style=style, layout=layout
        ),
        "accuracy": widgets.Dropdown(
            options=list(accuracy_columns.items()), description="accuracy figures", style=style, layout=layout
        ),
    }
    output = widgets.Output()

    def refresh(_change=None) -> None:
        output.clear_output(wait=True)
        with output:
            print(choice_report(rows, size=size, name=name, **{key: shown_value(w) for key, w in controls.items()}))

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    return described_box(
        [*controls.values(), output], "[Model picker: run this notebook to set the three limits and see the best model]"
    )


# --------------------------------------------------------------------------- notebook 10 (explanations)


def show_explanation(
    classifier: Classifier,
    photo,
    target: int | str,
    patch: int = 32,
    alpha: float = 0.5,
    credit: str = "",
    cache: dict | None = None,
) -> None:
    """Draw the occlusion map of ``target`` over the model's view of ``photo`` (maps kept in ``cache``).

    ``patch`` and ``alpha`` come from the explorer's sliders (the stride is half the patch). Raises ExplanationError
    for a target the model does not have.
    """
    from helpers import explain, plots

    key = (str(photo), target, patch)
    if cache is not None and key in cache:
        result = cache[key]
    else:
        # No progress bar: a bar is a widget of its own, closed when done, and an Output widget that still lists
        # a closed widget shows "Error displaying widget: model not found" wherever it is drawn again.
        result = explain.occlusion(classifier, photo, target, patch=patch, stride=patch // 2)
        if cache is not None:
            cache[key] = result
    pixels = explain.model_pixels(photo, classifier.input_size, classifier.crop)
    ax = plots.explanation_overlay(
        pixels,
        result,
        alpha=alpha,
        title=f"'{plots.short_label(result.label)}' ({result.score:.2f}), patch {patch}",
        credit=credit,
    )
    plots.show(ax.figure, alt=f"Photo with an {result.describe()}.")


def explanation_explorer(classifier: Classifier, photos: dict, credits: dict | None = None, top: int = 5):
    """Pick a photo, one of its top classes, the patch size and the overlay's opacity; see the occlusion map.

    Raises OptionError unless ``photos`` is a non-empty dict name → photo and ``top`` a whole number ≥ 1.
    """
    import ipywidgets as widgets

    if not isinstance(photos, dict) or not photos:
        raise OptionError(f"photos is a dict name → photo (path or image) with at least one entry; got {photos!r}.")
    top = whole_number(top, "top", OptionError, minimum=1)
    from helpers.plots import short_label

    cache: dict = {}
    style = {"description_width": "7em"}
    photo = widgets.Dropdown(options=list(photos), description="photo", style=style)
    target = widgets.Dropdown(description="class", style=style)
    patch = widgets.Dropdown(options=[16, 32, 48, 64], value=32, description="patch (px)", style=style)
    alpha = widgets.FloatSlider(
        value=0.5, min=0.0, max=1.0, step=0.05, description="map opacity", style=style, continuous_update=False
    )
    output = widgets.Output()

    refilling = []  # non-empty while the class menu is refilled, so that it does not redraw halfway

    def classes(_change=None) -> None:
        probs = classifier.predict(photos[photo.value])
        order = np.argsort(-probs, kind="stable")[:top]
        refilling.append(True)
        try:
            target.options = [(f"{short_label(classifier.labels[i])} ({probs[i]:.2f})", int(i)) for i in order]
            target.value = int(order[0])
        finally:
            refilling.clear()

    def refresh(_change=None) -> None:
        if refilling or target.value is None:
            return
        output.clear_output(wait=True)
        with output:
            try:
                show_explanation(
                    classifier,
                    photos[photo.value],
                    target.value,
                    patch.value,
                    alpha.value,
                    (credits or {}).get(photo.value, ""),
                    cache,
                )
            except HelpersError as exc:
                print(f"Could not explain this choice: {exc}")

    def new_photo(_change=None) -> None:
        classes()
        refresh()

    photo.observe(new_photo, names="value")
    for control in (target, patch, alpha):
        control.observe(refresh, names="value")
    classes()
    refresh()
    return described_box(
        [photo, target, patch, alpha, output],
        "[Explanation explorer: run this notebook to pick a photo, a class and a patch size]",
    )
