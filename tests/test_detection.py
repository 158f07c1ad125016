"""helpers.detection on a tiny constant "detector" the tests make; wrong kinds of model get clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import LabelError, MetadataError, ModelError, OptionError
from helpers.classify import Classifier
from helpers.detection import Detection, _boxes_to_pixels, detect

USUAL_ORDER = (1, 0, 3, 2)  # top, left, bottom, right: the usual SSD layout


@pytest.fixture
def wide_image() -> np.ndarray:
    return np.full((100, 200, 3), 90, dtype=np.uint8)


def test_boxes_come_back_in_the_original_pixels(task_models, wide_image):
    found = detect(task_models["detector"], wide_image)
    # Scores 0.9 (person) and 0.6 (cat) pass the default 0.5 threshold; 0.3 (dog) does not.
    assert [(d.label, round(d.score, 4)) for d in found] == [("person", 0.9), ("cat", 0.6)]
    # person: top 0, left 0.5, bottom 0.5, right 1.0 of a 200×100 photo.
    assert found[0].box == (100, 0, 100, 50)
    # cat: top 0.25, left 0.1, bottom 0.75, right 0.5.
    assert found[1].box == (20, 25, 80, 50)
    label, _score, box = found[0]  # a named tuple: it unpacks
    assert isinstance(found[0], Detection) and label == "person" and box == found[0].box


def test_threshold_max_results_and_given_labels(task_models, wide_image):
    everything = detect(task_models["detector"], wide_image, score_threshold=0.0)
    assert [d.label for d in everything] == ["person", "cat", "dog"]
    assert detect(task_models["detector"], wide_image, max_results=1, score_threshold=0.0) == everything[:1]
    renamed = detect(task_models["detector"], wide_image, labels=["a", "b", "c"], score_threshold=0.0)
    assert [d.label for d in renamed] == ["a", "b", "c"]


@pytest.mark.parametrize("bad", [-0.5, 1.01, "0.5x"])
def test_bad_score_threshold(task_models, wide_image, bad):
    with pytest.raises(OptionError, match="score_threshold must be"):
        detect(task_models["detector"], wide_image, score_threshold=bad)


def test_bad_max_results(task_models, wide_image):
    with pytest.raises(OptionError, match="max_results must be a whole number"):
        detect(task_models["detector"], wide_image, max_results=0)


def test_without_metadata_labels_must_be_given(task_models, wide_image):
    with pytest.raises(MetadataError, match="no TFLite metadata.*its labels.*labels="):
        detect(task_models["detector_no_metadata"], wide_image)
    with pytest.raises(ModelError, match="Cannot tell which of the 4 outputs"):
        detect(task_models["detector_no_metadata"], wide_image, labels=["person", "cat", "dog"])


def test_a_classifier_or_segmenter_given_to_detect(tiny_models, task_models, wide_image):
    with pytest.raises(
        ModelError, match="an image classifier, not an object detector: one output of 3 scores.*Classifier"
    ):
        detect(tiny_models["float"], wide_image)
    with pytest.raises(ModelError, match="a segmentation model, not an object detector.*segment"):
        detect(task_models["segmenter"], wide_image)


def test_a_detector_or_segmenter_given_to_classifier(task_models):
    with pytest.raises(ModelError, match="object detector.*helpers.detection.detect"):
        Classifier(task_models["detector"])
    with pytest.raises(
        ModelError, match="segmentation model, not an image classifier: 16×16×3 scores.*helpers.segmentation.segment"
    ):
        Classifier(task_models["segmenter"])


def test_boxes_to_pixels_order_clipping_and_pixel_coordinates():
    # left, top, right, bottom given directly (order 0, 1, 2, 3); corners past the edge are clipped.
    assert _boxes_to_pixels([[-0.1, 0.2, 0.5, 1.3]], (100, 50), (0, 1, 2, 3)) == [(0, 10, 50, 40)]
    # Corners in input pixels (a 300×300 input) on a 600×300 photo.
    assert _boxes_to_pixels([[30, 60, 150, 240]], (600, 300), USUAL_ORDER, (300, 300)) == [(120, 30, 360, 120)]
    assert _boxes_to_pixels([[0.5, 0.5, 0.4, 0.4]], (10, 10), USUAL_ORDER) == [(5, 5, 0, 0)]  # upside down: empty


# --------------------------------------------------------------------------- hostile arguments (issue 10)


def test_given_labels_must_match_the_label_map(task_models, wide_image):
    with pytest.raises(LabelError, match="labels has 2 names but the label map .* has 3"):
        detect(task_models["detector"], wide_image, labels=["cat", "dog"], score_threshold=0.0)


def test_without_a_label_map_a_class_beyond_the_labels_is_refused(task_models, wide_image, monkeypatch):
    import helpers.detection

    monkeypatch.setattr(helpers.detection, "_metadata_label_count", lambda model: None)
    assert [
        d.label for d in detect(task_models["detector"], wide_image, labels=["a", "b", "c"], score_threshold=0)
    ] == [
        "a",
        "b",
        "c",
    ]
    with pytest.raises(LabelError, match="class number 1 but labels has only 1 names"):
        detect(task_models["detector"], wide_image, labels=["a"], score_threshold=0.0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"corners": [[float("nan"), 0, 1, 1]]}, OptionError, "corners must be finite.*NaN or infinite"),
        ({"corners": [[0, 0, float("inf"), 1]]}, OptionError, "corners must be finite.*NaN or infinite"),
        ({"order": (0, 1, 2)}, OptionError, "permutation of"),
        ({"order": (0, 1, 2, 7)}, OptionError, "permutation of"),
        ({"order": (0, 1, 1, 2)}, OptionError, "permutation of"),
    ],
)
def test_boxes_to_pixels_refuses_what_it_cannot_map(kwargs, error, words):
    arguments = {"corners": [[0, 0, 1, 1]], "image_size": (100, 100), "order": USUAL_ORDER} | kwargs
    with pytest.raises(error, match=words):
        _boxes_to_pixels(**arguments)


def test_boxes_to_pixels_accepts_a_list_order_and_no_boxes():
    assert _boxes_to_pixels([[0, 0, 0.5, 1]], (100, 100), [0, 1, 2, 3]) == [(0, 0, 50, 100)]
    assert _boxes_to_pixels(np.zeros((0, 4)), (100, 100), USUAL_ORDER) == []


def test_detect_takes_a_normalization_like_every_litert_model(task_models, wide_image, monkeypatch):
    from helpers import model as model_module

    seen = []
    real = model_module._choose_normalization

    def spy(mean, std, metadata, input_details):
        seen.append((mean, std))
        return real(mean, std, metadata, input_details)

    monkeypatch.setattr(model_module, "_choose_normalization", spy)
    assert [d.label for d in detect(task_models["detector"], wide_image, mean=0.0, std=255.0)] == ["person", "cat"]
    assert seen == [(0.0, 255.0)]
    with pytest.raises(OptionError, match="Give both mean and std"):
        detect(task_models["detector"], wide_image, mean=0.0)


def test_corners_in_pixels_given_as_fractions_are_refused_not_clipped_to_nothing():
    pixels = np.array([[30.0, 40.0, 150.0, 200.0]])  # top, left, bottom, right in a 300×300 input's pixels
    with pytest.raises(OptionError, match="look like pixels.*pixel_size"):
        _boxes_to_pixels(pixels, (600, 600), USUAL_ORDER)
    assert _boxes_to_pixels(pixels, (600, 600), USUAL_ORDER, (300, 300)) == [(80, 60, 320, 240)]
    overshoot = np.array([[-0.02, 0.1, 1.03, 0.5]])
    assert _boxes_to_pixels(overshoot, (100, 100), USUAL_ORDER) == [(10, 0, 40, 100)]  # clipped
