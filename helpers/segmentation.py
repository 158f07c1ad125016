"""Semantic segmentation with a .tflite model: a class for every pixel of the photo (notebook 09).

A DeepLab-style model outputs one score per class for each pixel of its small, square input; to answer at the
photo's own size, the scores are resized back (bilinear, so boundaries stay smooth) and the best class is taken.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from helpers.classify import model_labels
from helpers.errors import LabelError, OptionError
from helpers.images import ImageSource, Normalization, load_image
from helpers.model import LiteRTModel

_BAND_VALUES = 1 << 22  # floats per band of output rows while resizing scores (16 MB)


@dataclass(frozen=True)
class Segmentation:
    """``mask``: an (H, W) array of class indices at the photo's size; ``labels[i]`` names class i."""

    mask: np.ndarray
    labels: list[str]

    def shares(self) -> dict[str, float]:
        """The fraction of pixels of each class present, largest first."""
        counts = np.bincount(self.mask.ravel(), minlength=len(self.labels))
        order = np.argsort(-counts, kind="stable")
        return {self.labels[i]: counts[i] / self.mask.size for i in order if counts[i] > 0}

    def describe(self) -> str:
        """The classes present and their share of the pixels, for alt text."""
        return ", ".join(f"{label} {share:.0%}" for label, share in self.shares().items())


class _Segmenter(LiteRTModel):
    kind = "segmenter"


def _source_positions(size_out: int, size_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each output position: the two input positions around its centre and the weight of the second."""
    centres = (np.arange(size_out) + 0.5) * (size_in / size_out) - 0.5
    centres = np.clip(centres, 0, size_in - 1)
    low = np.floor(centres).astype(int)
    high = np.minimum(low + 1, size_in - 1)
    return low, high, (centres - low).astype(np.float32)


def _upsample_argmax(scores: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (h, w, classes) scores bilinearly to ``size`` = (width, height) and take the best class per pixel, in
    bands of rows (a 12-megapixel photo never needs all its scores in memory)."""
    scores = np.asarray(scores, dtype=np.float32)
    if not np.isfinite(scores).all():
        raise OptionError(
            "The model's scores hold NaN or infinite values: the best class of such a pixel is undefined."
        )
    in_h, in_w, classes = scores.shape
    width, height = size
    x_low, x_high, x_weight = _source_positions(width, in_w)
    y_low, y_high, y_weight = _source_positions(height, in_h)
    # Along x once for every input row: (in_h, width, classes).
    rows = scores[:, x_low] * (1 - x_weight)[None, :, None] + scores[:, x_high] * x_weight[None, :, None]
    dtype = np.uint8 if classes <= 256 else np.int32
    mask = np.empty((height, width), dtype=dtype)
    band = max(1, _BAND_VALUES // max(1, width * classes))
    for start in range(0, height, band):
        stop = min(height, start + band)
        w = y_weight[start:stop, None, None]
        block = rows[y_low[start:stop]] * (1 - w) + rows[y_high[start:stop]] * w
        mask[start:stop] = np.argmax(block, axis=-1)
    return mask


def segment(
    model_path: str | os.PathLike,
    image: ImageSource,
    labels: Sequence[str] | None = None,
    mean: Normalization | None = None,
    std: Normalization | None = None,
    num_threads: int | None = None,
) -> Segmentation:
    """A class for every pixel of ``image`` (resized whole to the model's input): Segmentation(mask (H, W) at the
    photo's size, labels); labels and normalization from the metadata unless given. ModelError for another kind of
    model, OptionError for bad options, MetadataError for no labels anywhere, LabelError for not one per class."""
    model = _Segmenter(model_path, num_threads, mean=mean, std=std)
    labels = model_labels(model, labels)
    classes = int(model.output_details["shape"][-1])
    if len(labels) != classes:
        raise LabelError(
            f"{len(labels)} labels for the {classes} classes of '{model.model_path.name}'; pass one label per class."
        )
    photo = load_image(image)
    scores = model.invoke(model.preprocess(photo, crop="none"))[0][0]
    return Segmentation(_upsample_argmax(scores, photo.size), labels)
