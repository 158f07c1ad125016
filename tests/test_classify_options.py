"""Classifier with metadata (labels, normalization) and MediaPipe-like options, on tiny self-made models."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import LabelError, OptionError
from helpers.classify import Classifier
from helpers.images import crop_region, load_image, pixels_to_input

LABELS = ["cat", "dog", "bird"]  # what the metadata_models fixture embeds


def test_labels_come_from_metadata_unless_given(metadata_models):
    classifier = Classifier(metadata_models["float"])
    assert classifier.labels == LABELS and "labels.txt" in classifier.labels_source
    given = Classifier(metadata_models["float"], ["rabbit", "hamster", "dog"])
    assert given.labels == ["rabbit", "hamster", "dog"] and given.labels_source == "given"


def test_label_count_mismatches_are_errors(metadata_models):
    with pytest.raises(LabelError, match="labels.txt in the model's metadata has 4 labels but the model has 3"):
        Classifier(metadata_models["four_labels"])
    with pytest.raises(LabelError, match="2 labels for 3 outputs: one output has no label.*background=True"):
        Classifier(metadata_models["float"], ["a", "b"])
    with pytest.raises(LabelError, match="1 labels but the model has 3 outputs"):
        Classifier(metadata_models["float"], ["a"])


def test_background_is_added_to_a_short_list_only_when_asked(tiny_models):
    """One label short: which output lacks it is never guessed (a wrong guess shifts every label by one)."""
    assert Classifier(tiny_models["float"], ["cat", "dog"], background=True).labels == ["background", "cat", "dog"]
    with pytest.raises(LabelError, match="one output has no label"):
        Classifier(tiny_models["float"], ["cat", "dog"])


def test_without_metadata_labels_are_output_numbers(tiny_models):
    classifier = Classifier(tiny_models["float"])
    assert classifier.metadata is None and classifier.labels == ["0", "1", "2"]


def test_float_input_uses_the_metadata_normalization(metadata_models, tiny_models, photo_like):
    pixels = photo_like[:32, :32]
    expected = np.asarray(tiny_models["keras"](pixels[None].astype(np.float32) / 255.0))[0]  # mean 0, std 255
    classifier = Classifier(metadata_models["float"], crop="none")
    assert (classifier.mean, classifier.std, classifier.normalization_source) == (
        (0.0,),
        (255.0,),
        "the model's metadata",
    )
    np.testing.assert_allclose(classifier.predict(pixels), expected, atol=1e-5)
    # Given values win over the metadata; the default is MobileNet's 127.5 / 127.5.
    mobilenet = np.asarray(tiny_models["keras"]((pixels[None].astype(np.float32) - 127.5) / 127.5))[0]
    np.testing.assert_allclose(
        Classifier(metadata_models["float"], mean=127.5, std=127.5).predict(pixels), mobilenet, atol=1e-5
    )
    np.testing.assert_allclose(Classifier(tiny_models["float"]).predict(pixels), mobilenet, atol=1e-5)


def test_quantized_input_keeps_its_own_mapping(metadata_models, tiny_models, photo_like):
    # A uint8 input's scale and zero point say what its bytes mean; metadata normalization is for floats.
    with_metadata = Classifier(metadata_models["uint8"]).predict(photo_like)
    np.testing.assert_array_equal(with_metadata, Classifier(tiny_models["uint8"]).predict(photo_like))


def test_mean_without_std_is_an_error(tiny_models):
    with pytest.raises(OptionError, match="both mean and std"):
        Classifier(tiny_models["float"], mean=127.5)


def test_quantize_pixels_per_channel_normalization():
    pixels = np.array([[[0, 128, 255]]], dtype=np.uint8)
    details = {"shape": np.array([1, 1, 1, 3]), "dtype": np.float32, "quantization": (0.0, 0)}
    out = pixels_to_input(pixels, details, mean=[0, 128, 255], std=[1, 2, 255])
    np.testing.assert_allclose(out, [[[[0.0, 0.0, 0.0]]]])
    np.testing.assert_allclose(pixels_to_input(pixels, details), (pixels[np.newaxis] - 127.5) / 127.5)
    with pytest.raises(OptionError, match=r"std must be one number or one per channel.*each > 0"):
        pixels_to_input(pixels, details, mean=0, std=0)
    with pytest.raises(OptionError, match="one number or one per channel"):
        pixels_to_input(pixels, details, mean=[1, 2], std=1)


@pytest.fixture
def classifier(metadata_models):
    return Classifier(metadata_models["float"])


def test_score_threshold_keeps_scores_at_or_above_it(classifier, photo_like):
    probs = classifier.predict(photo_like)
    middle = float(np.sort(probs)[1])
    kept = classifier.classify(photo_like, top_k=None, score_threshold=middle)
    assert [p for _, p in kept] == sorted((float(p) for p in probs if p >= middle), reverse=True)
    assert len(kept) == 2
    everything = classifier.classify(photo_like, top_k=None, score_threshold=0.0)
    assert len(everything) == 3
    above_max = np.nextafter(probs.max(), np.float32(2))
    assert classifier.classify(photo_like, top_k=None, score_threshold=min(1.0, float(above_max))) == []


@pytest.mark.parametrize("bad", [-0.1, 1.5, 50, "high", float("nan")])
def test_score_threshold_outside_0_1_is_an_error(classifier, photo_like, bad):
    with pytest.raises(OptionError, match="score_threshold must be"):
        classifier.classify(photo_like, score_threshold=bad)


def test_allow_and_deny_lists(classifier, photo_like):
    probs = classifier.predict(photo_like)
    allowed = classifier.classify(photo_like, top_k=None, allow_labels=["bird", "cat"])
    assert {label for label, _ in allowed} == {"bird", "cat"}
    assert allowed[0][1] == pytest.approx(max(probs[0], probs[2]))
    denied = classifier.classify(photo_like, top_k=None, deny_labels=["dog"])
    assert [label for label, _ in denied] == [label for label, _ in allowed]
    assert classifier.classify(photo_like, top_k=1, allow_labels=["dog"]) == [("dog", pytest.approx(probs[1]))]


def test_allow_deny_mistakes_are_errors(classifier, photo_like):
    with pytest.raises(LabelError, match="'bidr', which is not one of the model's labels. Did you mean 'bird'"):
        classifier.classify(photo_like, allow_labels=["bidr"])
    with pytest.raises(LabelError, match="deny_labels names 'fish'"):
        classifier.classify(photo_like, deny_labels=["fish"])
    with pytest.raises(OptionError, match="not both"):
        classifier.classify(photo_like, allow_labels=["cat"], deny_labels=["dog"])
    with pytest.raises(OptionError, match="a list of labels"):
        classifier.classify(photo_like, allow_labels="cat")


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_top_k_must_be_positive(classifier, photo_like, bad):
    with pytest.raises(OptionError, match="top_k must be a whole number"):
        classifier.classify(photo_like, top_k=bad)


def test_top_k_none_returns_every_label(classifier, photo_like):
    assert len(classifier.classify(photo_like, top_k=None)) == 3


def test_region_classifies_that_part(classifier, photo_like):
    region = (10, 4, 40, 30)
    part = photo_like[4:34, 10:50]
    np.testing.assert_array_equal(classifier.predict(photo_like, region=region), classifier.predict(part))
    assert classifier.classify(photo_like, 1, region=region) == classifier.classify(part, 1)


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ((40, 0, 30, 10), "reaches outside the 64×48 image"),
        ((-1, 0, 10, 10), "reaches outside"),
        ((0, 0, 64, 49), "y \\+ height ≤ 48"),
        ((0, 0, 0, 10), "empty"),
        ((1, 2, 3), "four numbers"),
        ("center", "four numbers"),
    ],
)
def test_region_outside_the_image_is_an_error(classifier, photo_like, region, message):
    with pytest.raises(OptionError, match=message):
        classifier.classify(photo_like, region=region)


def test_crop_region_whole_image_and_rounding(photo_like):
    image = load_image(photo_like)
    assert crop_region(image, None) is image
    assert crop_region(image, (0, 0, 64, 48)).size == (64, 48)
    assert crop_region(image, (0.4, 0.4, 10.2, 5.2)).size == (11, 6)  # edges 0.4 → 0, 10.6 → 11, 5.6 → 6
    assert crop_region(image, (5, 5, 1.2, 1.2)).size == (1, 1)  # never empty


def test_options_are_checked_before_the_model_runs(classifier, photo_like, monkeypatch):
    expected = classifier.classify(photo_like, 2, deny_labels=["dog"])
    assert [label for label, _ in expected] == ["cat", "bird"] or [label for label, _ in expected] == ["bird", "cat"]
    monkeypatch.setattr(classifier, "predict", lambda *args: pytest.fail("ran the model before checking the options"))
    for bad in (
        {"top_k": 0},
        {"score_threshold": 2},
        {"allow_labels": "cat"},
        {"allow_labels": ["a"], "deny_labels": []},
    ):
        with pytest.raises(OptionError):
            classifier.classify(photo_like, **bad)
