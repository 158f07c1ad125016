"""helpers.segmentation on a tiny colour segmenter the tests make: masks at the photo's size, shares, errors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import LabelError, MetadataError, ModelError, OptionError, segmentation
from helpers.segmentation import Segmentation, segment


@pytest.fixture
def painted() -> tuple[np.ndarray, np.ndarray]:
    """A 48×64 photo: a green band on top, red on the left, blue on the right; and its true class per pixel."""
    image = np.zeros((48, 64, 3), dtype=np.uint8)
    truth = np.zeros((48, 64), dtype=np.uint8)
    image[:, :40] = (255, 0, 0)
    truth[:, :40] = 1
    image[:, 40:] = (0, 0, 255)
    truth[:, 40:] = 2
    image[:12] = (0, 255, 0)
    truth[:12] = 0
    return image, truth


def test_mask_is_at_the_photos_size(task_models, painted):
    image, truth = painted
    result = segment(task_models["segmenter"], image)
    assert result.mask.shape == (48, 64) and result.labels == ["green", "red", "blue"]
    assert (result.mask == truth).mean() > 0.95  # only pixels near the colour edges may differ
    # Away from the edges (2 input pixels = 8 photo pixels) every pixel is right.
    assert (result.mask[20:, :32] == 1).all() and (result.mask[20:, 48:] == 2).all() and (result.mask[:8] == 0).all()


def test_shares_of_pixels(task_models, painted):
    image, truth = painted
    result = segment(task_models["segmenter"], image)
    shares = result.shares()
    assert list(shares) == ["red", "blue", "green"]  # largest first
    assert sum(shares.values()) == pytest.approx(1.0)
    assert shares["red"] == pytest.approx((truth == 1).mean(), abs=0.03)
    assert result.describe().startswith("red ")


def test_labels_and_normalization_by_hand(task_models, painted):
    image, _ = painted
    with pytest.raises(MetadataError, match="no TFLite metadata.*its labels.*labels="):
        segment(task_models["segmenter_no_metadata"], image)
    by_hand = segment(task_models["segmenter_no_metadata"], image, labels=["g", "r", "b"], mean=127.5, std=127.5)
    np.testing.assert_array_equal(by_hand.mask, segment(task_models["segmenter"], image).mask)
    with pytest.raises(LabelError, match="2 labels for the 3 classes"):
        segment(task_models["segmenter"], image, labels=["g", "r"])


def test_wrong_kind_of_model(tiny_models, task_models, painted):
    image, _ = painted
    with pytest.raises(ModelError, match="image classifier.*Classifier"):
        segment(tiny_models["float"], image)
    with pytest.raises(ModelError, match="object detector.*detect"):
        segment(task_models["detector"], image)


def test_upsample_argmax_matches_a_direct_computation(monkeypatch):
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(5, 7, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        segmentation._upsample_argmax(scores, (7, 5)), scores.argmax(-1)
    )  # same size: plain argmax
    # Twice the size: each output pixel mixes its neighbours with weights 3/4 and 1/4 (half-pixel centres).
    big = segmentation._upsample_argmax(scores, (14, 10))
    ys = np.clip((np.arange(10) + 0.5) / 2 - 0.5, 0, 4)
    xs = np.clip((np.arange(14) + 0.5) / 2 - 0.5, 0, 6)
    rows = np.stack([np.stack([np.interp(xs, np.arange(7), scores[r, :, c]) for c in range(4)], -1) for r in range(5)])
    full = np.stack(
        [np.stack([np.interp(ys, np.arange(5), rows[:, x, c]) for c in range(4)], -1) for x in range(14)], axis=1
    )
    np.testing.assert_array_equal(big, full.argmax(-1))
    monkeypatch.setattr(segmentation, "_BAND_VALUES", 16)  # one row per band: the same answer
    np.testing.assert_array_equal(segmentation._upsample_argmax(scores, (14, 10)), big)


def test_shares_of_an_empty_class_are_left_out():
    result = Segmentation(np.array([[0, 0], [2, 2]], dtype=np.uint8), ["a", "b", "c"])
    assert result.shares() == {"a": 0.5, "c": 0.5}


# --------------------------------------------------------------------------- hostile arguments (issue 10)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_scores_that_are_not_finite_are_refused(bad):
    scores = np.zeros((2, 2, 3))
    scores[0, 0, 1] = bad
    with pytest.raises(OptionError, match="scores hold NaN or infinite"):
        segmentation._upsample_argmax(scores, (4, 4))
