"""The upload button and the widgets built on it (helpers.widgets), without a browser: messages in, replies out."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from helpers import widgets
from helpers.classify import Classifier
from helpers.errors import ImageError
from helpers.widgets import PhotoUpload, UploadedPhoto


def _jpeg(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (height, width, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


def _message(data: bytes, **changes) -> tuple[dict, list]:
    content = {
        "type": "photo",
        "view": "v",
        "id": 1,
        "name": "cat.jpg",
        "bytes": len(data),
        "original_bytes": 13_600_000,
        "original_width": 6000,
        "original_height": 4000,
        "width": 40,
        "height": 30,
        "shrunk": True,
    }
    content.update(changes)
    return content, [memoryview(data)]


def test_a_photo_message_becomes_an_uploaded_photo_that_says_what_happened():
    data, seen = _jpeg(), []
    upload = PhotoUpload(on_photo=seen.append)
    upload._handle_photo(*_message(data))
    assert seen == [UploadedPhoto("cat.jpg", data, (6000, 4000), 13_600_000, (40, 30), True)]
    assert seen[0].describe() == (
        f"cat.jpg: 6000 × 4000 px, 13.6 MB, shrunk in your browser to 40 × 30 px "
        f"({len(data) / 1e6:.1f} MB JPEG) before it was sent."
    )
    upload._handle_photo(*_message(data, shrunk=False, original_bytes=len(data), original_width=40, original_height=30))
    assert seen[1].describe() == f"cat.jpg: 40 × 30 px, {len(data) / 1e6:.1f} MB."


@pytest.mark.parametrize(
    ("changes", "buffers", "words"),
    [
        ({}, [], "arrived incomplete \\(0 of"),
        ({"bytes": 5}, None, "arrived incomplete"),
        ({"width": -1}, None, "width=-1"),
        ({"original_bytes": "many"}, None, "original_bytes='many'"),
        ({"height": True}, None, "height=True"),
    ],
)
def test_a_broken_message_is_refused_with_the_reason(changes, buffers, words):
    content, sent = _message(_jpeg(), **changes)
    upload = PhotoUpload(on_photo=lambda photo: pytest.fail("a broken message reached the callback"))
    reply = upload._handle_photo(content, sent if buffers is None else buffers)
    assert reply["type"] == "error" and reply["message"].startswith("cat.jpg: ")
    assert re.search(words, reply["message"]) and upload.received == 0


def test_the_widget_replies_to_every_message_and_counts_what_arrived():
    seen = []
    upload = PhotoUpload(on_photo=lambda photo: seen.append(photo.name) or f"{photo.name} classified.")
    reply = upload._handle_photo(*_message(_jpeg()))
    assert reply == {"type": "received", "view": "v", "id": 1, "message": "cat.jpg classified."}
    assert seen == ["cat.jpg"] and upload.received == 1

    def refuse(photo):
        raise ImageError("not a photo we can read")

    upload.on_photo(refuse)
    reply = upload._handle_photo(*_message(_jpeg()))
    assert reply["type"] == "error" and reply["message"] == "cat.jpg: not a photo we can read"
    assert upload.received == 1

    def broken(photo):
        raise KeyError("bug")

    other = PhotoUpload(on_photo=broken)
    reply = other._handle_photo(*_message(_jpeg()))  # a bug in a callback still gets an answer, not silence
    assert reply["type"] == "error" and "KeyError" in reply["message"]
    assert PhotoUpload()._handle_photo(*_message(_jpeg()))["message"].endswith("Received.")


def test_the_widget_limits_are_below_the_kernel_connections_10_mb():
    upload = PhotoUpload()
    assert upload.max_side == 2048 and upload.max_bytes < 10 * 1024 * 1024
    assert repr(upload).startswith("[Upload a photo button: run the notebook")


def test_upload_and_classify_hides_labels_tied_at_zero(tiny_models, photo_like, capsys):
    upload, _output = widgets.upload_and_classify(Classifier(tiny_models["uint8"], ["a", "b", "c"]), top_k=3).children
    buffer = io.BytesIO()
    Image.fromarray(photo_like).save(buffer, "PNG")
    reply = upload._handle_photo(*_message(buffer.getvalue()))
    shown = int(re.search(r"Its top (\d) are below", reply["message"]).group(1))
    hidden = 3 - shown
    assert (f"{hidden} more label" in capsys.readouterr().out) == (hidden > 0)
    bad = upload._handle_photo(*_message(b"%PDF-1.4 not a photo"))
    assert bad["type"] == "error" and "image" in bad["message"].lower()


def test_upload_and_classify_shows_the_table_and_says_so(tiny_models, photo_like):
    classifier = Classifier(tiny_models["float"], ["a", "b", "c"])
    box = widgets.upload_and_classify(classifier, top_k=2)
    upload, _output = box.children
    assert isinstance(upload, PhotoUpload)
    assert repr(box) == "[Upload button: run this notebook to classify a photo of your own]"
    buffer = io.BytesIO()
    Image.fromarray(photo_like).save(buffer, "JPEG")
    data = buffer.getvalue()
    reply = upload._handle_photo(*_message(data))
    assert reply["type"] == "received" and reply["message"].endswith("below.")
    assert "shrunk in your browser" in reply["message"]
    bad = upload._handle_photo(*_message(b"not a photo at all"))
    assert bad["type"] == "error" and bad["message"].startswith("cat.jpg: ")


def test_described_boxes_read_as_a_sentence_in_plain_text():
    box = widgets.DescribedBox([], "[A sentence: run this notebook to see the widget]")
    assert repr(box) == "[A sentence: run this notebook to see the widget]"
    bundle = box._repr_mimebundle_() if hasattr(box, "_repr_mimebundle_") else {}
    if bundle:  # ipywidgets 8: the plain text GitHub shows
        assert bundle["text/plain"] == repr(box)


def test_photo_collector_adds_uploaded_photos_to_the_named_class(tiny_models, photo_like):
    from helpers.camera_widget import CameraWidget, photo_collector

    camera = CameraWidget(Classifier(tiny_models["float"], ["a", "b", "c"]))
    box = photo_collector(camera, ("mug", "plant"))
    upload = box.children[0].children[2]
    assert isinstance(upload, PhotoUpload) and upload.multiple
    buffer = io.BytesIO()
    Image.fromarray(photo_like).save(buffer, "PNG")
    reply = upload._handle_photo(*_message(buffer.getvalue()))
    assert reply == {"type": "received", "view": "v", "id": 1, "message": "cat.jpg: added to 'mug'."}
    assert {k: len(v) for k, v in camera.samples.items()} == {"mug": 1} and camera.samples_taken == 1
    assert camera.samples["mug"][0].shape == (32, 32, 3)  # scaled to the model's input
    assert "mug</b> 1" in box.children[-1].value
    assert upload._handle_photo(*_message(b"junk"))["type"] == "error"
    assert repr(camera).startswith("[Live camera widget")


def test_photo_collector_says_beside_the_button_why_a_capture_is_refused(tiny_models):
    from helpers.camera_widget import CameraWidget, photo_collector

    camera = CameraWidget(Classifier(tiny_models["float"], ["a", "b", "c"]))
    box = photo_collector(camera, ("mug", "plant"))
    name, shoot, _upload, note = box.children[0].children
    shoot.click()
    assert note.value == "Start the camera first (or upload photos)."
    camera.status = "running"
    name.value = "  "  # an empty class name: refused, and said here, not in the widget's log
    shoot.click()
    assert "class" in note.value.lower() and "color:#b45309" in note.value
    name.value = "mug"
    shoot.click()
    assert note.value == ""
