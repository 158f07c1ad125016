"""Lesson 09 (from model to app): what the notebook's text says about its outputs, within tolerances that hold on every
CPU (the detector is quantized: its scores can move a few steps of 1/256 between CPUs, so boxes are matched by
overlap, not by exact numbers), and the lesson's self-checks: every right form accepted, known mistakes named.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from helpers import assets, checks
from helpers.classify import Classifier
from helpers.detection import detect
from helpers.images import load_image, resize_for_model
from helpers.segmentation import segment
from helpers.tflite import read_metadata

# ----------------------------------------------------------------------------- the real models (mirror or internet)

# The four animals of cats_and_dogs.jpg, measured by eye on the photo: (x, y, width, height) in pixels.
ANIMALS = {
    "left cat": (50, 390, 390, 210),
    "poodle": (390, 210, 290, 390),
    "corgi": (610, 150, 420, 450),
    "right cat": (870, 400, 215, 200),
}


@pytest.fixture(scope="module")
def metadata_classifier() -> Classifier:
    return Classifier(assets.fetch("models/mobilenet_v1_0.25_224_metadata.tflite"))


@pytest.fixture(scope="module")
def detections():
    return detect(
        assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite"),
        assets.fetch("images/cats_and_dogs.jpg"),
        score_threshold=0.4,
    )


@pytest.mark.assets
def test_the_zip_labels_are_the_imagenet_labels_first_names():
    path = assets.fetch("models/mobilenet_v1_0.25_224_metadata.tflite")
    zip_labels = zipfile.ZipFile(path).read("labels.txt").decode("utf-8").splitlines()
    labels = assets.read_labels("labels/imagenet_labels.txt")
    assert [label.split(",")[0] for label in labels] == zip_labels
    assert read_metadata(path).normalization() == ((127.5,), (127.5,))


@pytest.mark.assets
def test_mediapipe_agrees_with_classifier_on_the_same_pixels(metadata_classifier):
    from helpers.environment import import_mediapipe

    mp = import_mediapipe()
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.ImageClassifierOptions(
        base_options=BaseOptions(model_asset_path=str(metadata_classifier.model_path)), max_results=3
    )
    with vision.ImageClassifier.create_from_options(options) as mp_classifier:
        for name in ["cat.bmp", "parrot.jpg", "burger_crop.jpg", "sparrow.png"]:
            photo = load_image(assets.fetch(f"images/{name}"))
            same = np.asarray(resize_for_model(photo, metadata_classifier.input_size))
            ours = metadata_classifier.classify(photo, top_k=3)
            result = mp_classifier.classify(mp.Image(image_format=mp.ImageFormat.SRGB, data=same))
            theirs = [(c.category_name, c.score) for c in result.classifications[0].categories]
            assert [label for label, _ in ours] == [label for label, _ in theirs], name
            assert np.allclose([p for _, p in ours], [p for _, p in theirs], atol=1e-4), name
            # On the whole photo the top label is the same for these four, the score not always.
            whole = mp_classifier.classify(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.asarray(photo)))
            assert whole.classifications[0].categories[0].category_name == ours[0][0], name
    # "MediaPipe squashes the whole photo": on the whole photo it names what Classifier(crop="none") names.
    squash = Classifier(metadata_classifier.model_path, crop="none")
    with vision.ImageClassifier.create_from_options(options) as mp_classifier:
        for name in ["cat.bmp", "sparrow.png", "cats_and_dogs.jpg"]:
            photo = load_image(assets.fetch(f"images/{name}"))
            whole = mp_classifier.classify(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.asarray(photo)))
            assert whole.classifications[0].categories[0].category_name == squash.classify(photo, 1)[0].label, name


@pytest.mark.assets
def test_detector_covers_each_animal_and_calls_the_corgi_a_cat(detections):
    assert 5 <= len(detections) <= 7
    best = {name: max(detections, key=lambda d, box=box: iou(box, d.box)) for name, box in ANIMALS.items()}
    assert all(iou(ANIMALS[name], d.box) >= 0.5 for name, d in best.items()), best
    assert best["left cat"].label == "cat" and best["poodle"].label == "dog" and best["corgi"].label == "cat"
    assert max(d.score for d in detections) == best["left cat"].score


@pytest.mark.assets
def test_a_higher_threshold_loses_right_boxes_too(detections):
    # Exercise 3's solution: at 0.5 the three strongest boxes are cats (two on the left cat, one on the corgi); the dog
    # box spanning the left cat and the poodle sits at the line (0.49 with the default kernels, 0.50 with the
    # reference ones); the poodle's own box and the right cat's are lost.
    kept = sorted((d for d in detections if d.score >= 0.5), key=lambda d: -d.score)
    assert len(kept) in (3, 4) and all(d.label == "cat" for d in kept[:3])
    assert len(kept) == 3 or (kept[3].label == "dog" and abs(kept[3].score - 0.5) < 0.02)
    for lost in ("poodle", "right cat"):
        assert max(iou(ANIMALS[lost], d.box) for d in kept) < 0.5


@pytest.mark.assets
def test_segmentation_shares_as_printed():
    segmentation = segment(
        assets.fetch("models/deeplabv3_257.tflite"), assets.fetch("images/segmentation_input_rotation0.jpg")
    )
    shares = segmentation.shares()
    assert {k: f"{v:.0%}" for k, v in shares.items()} == {"background": "38%", "person": "33%", "horse": "29%"}
    person = int((segmentation.mask == segmentation.labels.index("person")).sum())
    assert abs(person - 22121) <= 50  # exercise 2's answer on the CPU the notebook was run on
    assert checks.check_class_pixels(person, segmentation.mask, segmentation.labels, "person")


@pytest.mark.assets
def test_detector_labels_file_counts():
    path = assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite")
    lines = zipfile.ZipFile(path).read("labelmap.txt").decode("utf-8").splitlines()
    assert len(lines) == 90 and lines.count("???") == 10
    for answer in (80, "80", 80.0, np.int64(80)):
        assert checks.check_class_count(answer, path)


@pytest.mark.assets
def test_class_count_names_the_known_mistakes(capsys):
    path = assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite")
    assert not checks.check_class_count(90, path)
    assert "placeholders too" in capsys.readouterr().out
    assert not checks.check_class_count(10, path)
    assert "count the others" in capsys.readouterr().out


# ----------------------------------------------------------------------------- self-checks without the models


@pytest.mark.parametrize("answer", [-0.6, "-0.6", " -0.60 ", -0.595, -0.6000001, np.float32(-0.6), "-60%", [-0.6]])
def test_normalized_pixel_accepts_every_right_form(answer, capsys):
    assert checks.check_normalized_pixel(answer, 51, 127.5, 127.5)
    assert capsys.readouterr().out.startswith("✓")


def iou(a, b) -> float:
    """Intersection over union of two (x, y, width, height) boxes."""
    overlap_w = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    overlap_h = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = overlap_w * overlap_h
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def test_normalized_pixel_accepts_the_stated_precision_only():
    assert checks.check_normalized_pixel(-0.604, 51, 127.5, 127.5)
    assert not checks.check_normalized_pixel(-0.61, 51, 127.5, 127.5)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (0.4, "Subtract the mean"),
        (0.2, "Not pixel / 255"),
        (0.6, "Check the sign"),
        (-9753.75, "do not multiply"),
        ("minus point six", "as a number"),
    ],
)
def test_normalized_pixel_names_known_mistakes(answer, hint, capsys):
    assert not checks.check_normalized_pixel(answer, 51, 127.5, 127.5)
    assert hint in capsys.readouterr().out


def test_normalized_pixel_hints_get_more_specific(capsys):
    outputs = []
    for _ in range(3):
        checks.check_normalized_pixel(1.0, 51, 127.5, 127.5)
        outputs.append(capsys.readouterr().out)
    assert "Hint 1 of 3" in outputs[0] and "Hint 2 of 3" in outputs[1] and "(51 − 127.5) / 127.5" in outputs[2]


def test_class_pixels_forms_and_mistakes(capsys):
    mask = np.array([[0, 1, 1], [2, 1, 0]], dtype=np.uint8)
    labels = ["background", "person", "horse"]
    for answer in (3, "3", 3.0, np.int64(3), "3.0"):
        assert checks.check_class_pixels(answer, mask, labels, "person")
    capsys.readouterr()
    for answer, hint in ((0.5, "share"), (6, "every pixel"), (2, "another class")):
        assert not checks.check_class_pixels(answer, mask, labels, "person")
        assert hint in capsys.readouterr().out
    with pytest.raises(checks.CheckError, match="not one of"):
        checks.check_class_pixels(3, mask, labels, "dog")


def test_class_count_refuses_a_file_without_a_zip(tmp_path):
    plain = tmp_path / "plain.tflite"
    plain.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(32))
    with pytest.raises(checks.CheckError, match="zip"):
        checks.check_class_count(80, plain)
