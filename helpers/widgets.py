"""Thin ipywidgets wrappers over pure functions (each function is usable without widgets)."""

from __future__ import annotations

from collections.abc import Callable

from helpers.classify import Classifier
from helpers.errors import HelpersError
from helpers.images import load_image


def classify_upload(classifier: Classifier, data: bytes, top_k: int = 5) -> list[tuple[str, float]]:
    """Classify the bytes of an uploaded file (raises ImageError for non-images)."""
    return classifier.classify(load_image(bytes(data)), top_k=top_k)


def upload_and_classify(classifier: Classifier, top_k: int = 5):
    """An upload button; each uploaded photo is shown with its top-k table (errors shown in words)."""
    import ipywidgets as widgets
    from IPython.display import display

    from helpers.plots import probability_table

    upload = widgets.FileUpload(accept="image/*", multiple=False, description="Upload a photo")
    output = widgets.Output()

    def on_upload(change: dict) -> None:
        output.clear_output()
        with output:
            for item in change["new"]:
                try:
                    image = load_image(bytes(item["content"]))
                    pairs = classifier.classify(image, top_k=top_k)
                except HelpersError as exc:
                    print(f"Could not classify {item['name']}: {exc}")
                    continue
                thumbnail = image.copy()
                thumbnail.thumbnail((224, 224))
                display(thumbnail)
                display(probability_table(pairs))

    upload.observe(on_upload, names="value")
    return widgets.VBox([upload, output])


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
