"""Object detection with a .tflite SSD model: which objects, how many, and where (notebook 09).

An SSD model's post-processing (``TFLite_Detection_PostProcess``) returns at most N boxes as four outputs: box
corners as fractions of the input (in the order the metadata states), class numbers, scores, and how many of the N
rows are filled. This module maps them back to the original photo.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from helpers.classify import check_max_results, check_score_threshold, model_labels
from helpers.errors import LabelError, MetadataError, ModelError, OptionError
from helpers.images import ImageSource, Normalization, load_image
from helpers.model import LiteRTModel
from helpers.tflite import ModelMetadata

# The usual SSD layout: [top, left, bottom, right]; the metadata's index gives where left, top, right, bottom sit.
DEFAULT_BOX_ORDER = (1, 0, 3, 2)
_ROLE_NAMES = {  # metadata names (and TF tensor-name suffixes) of the four outputs
    "boxes": ("location", "locations", "detection_boxes", "boxes"),
    "classes": ("category", "categories", "classes", "detection_classes"),
    "scores": ("score", "scores", "detection_scores"),
    "count": ("number of detections", "num_detections", "count"),
}
_POSTPROCESS_SUFFIXES = {"boxes": "", "classes": ":1", "scores": ":2", "count": ":3"}


class Detection(NamedTuple):
    """One detected object: its label, score (0…1) and box (x, y, width, height) in the original photo's pixels."""

    label: str
    score: float
    box: tuple[int, int, int, int]


def _output_roles(outputs: list[dict], metadata: ModelMetadata | None, name: str) -> dict[str, int]:
    """Which output (index into ``outputs``) holds boxes, classes, scores and the count."""
    roles: dict[str, int] = {}
    if metadata is not None and len(metadata.outputs) == len(outputs):
        for i, tensor in enumerate(metadata.outputs):
            for role, names in _ROLE_NAMES.items():
                if tensor.name.lower() in names or (role == "boxes" and tensor.content == "bounding box"):
                    roles.setdefault(role, i)
    if len(roles) < 4:  # TFLite_Detection_PostProcess names its outputs '', ':1', ':2', ':3'
        prefix = "TFLite_Detection_PostProcess"
        post = {
            str(d["name"]).removeprefix(prefix): i for i, d in enumerate(outputs) if str(d["name"]).startswith(prefix)
        }
        roles = {role: post[suffix] for role, suffix in _POSTPROCESS_SUFFIXES.items() if suffix in post}
    if len(roles) < 4:
        raise ModelError(
            f"Cannot tell which of the 4 outputs of '{name}' are boxes, classes, scores and count: neither its "
            f"metadata nor its tensor names say. Use an SSD model with metadata (models/ssd_mobilenet_v1_coco_quant"
            f".tflite)."
        )
    return roles


class _Detector(LiteRTModel):
    kind = "detector"


def _boxes_to_pixels(corners: np.ndarray, image_size: tuple[int, int], order: Sequence[int], pixel_size=None) -> list:
    """Box corners (fractions of the input, or its pixels when ``pixel_size`` = its (w, h); in ``order``) → (x, y,
    width, height) in pixels of ``image_size``, clipped to the edges."""
    width, height = image_size
    if sorted(order) != [0, 1, 2, 3]:
        raise OptionError(
            f"The metadata's box order says where left, top, right and bottom sit: a permutation of (0, 1, 2, 3), "
            f"each once; got {order!r}. Fix the model's metadata or use a model whose metadata is valid."
        )
    scale = np.ones(4) if pixel_size is None else np.array(pixel_size * 2)
    fractions = np.asarray(corners, dtype=np.float64).reshape(-1, 4)[:, list(order)] / scale  # left, top, right, bottom
    if not np.isfinite(fractions).all() or (fractions.size and (fractions.min() < -0.5 or fractions.max() > 1.5)):
        # Small overshoots (a box a little past the edge) are clipped; values like 150 are pixels, not fractions.
        raise OptionError(
            f"corners must be finite fractions of the input (0 to 1); got values from {fractions.min():g} to "
            f"{fractions.max():g}: NaN or infinite, or they look like pixels"
            + ("" if pixel_size is None else f" of an input larger than pixel_size={pixel_size}")
            + ". For corners in input pixels, pass pixel_size=(input width, input height)."
        )
    x0, y0, x1, y1 = (np.round(np.clip(fractions[:, i], 0, 1) * (width, height)[i % 2]).astype(int) for i in range(4))
    return [(int(a), int(b), int(max(c - a, 0)), int(max(d - b, 0))) for a, b, c, d in zip(x0, y0, x1, y1)]


def _metadata_label_count(model: LiteRTModel) -> int | None:
    """How many labels the model's own metadata lists (its class count), or None when it lists none."""
    try:
        return None if model.metadata is None else len(model_labels(model, None))
    except MetadataError:  # metadata without a labels file: nothing to compare with
        return None


def detect(
    model_path: str | os.PathLike,
    image: ImageSource,
    max_results: int | None = None,
    score_threshold: float = 0.5,
    labels: Sequence[str] | None = None,
    num_threads: int | None = None,
    mean: Normalization | None = None,
    std: Normalization | None = None,
) -> list[Detection]:
    """Detected objects in ``image`` (resized whole to the model's input), best first: Detection(label, score, box=(x,
    y, width, height)) in its pixels; labels and normalization from the metadata unless given. OptionError for bad
    options; LabelError for labels whose number differs from the metadata's label map or that miss a found class."""
    max_results, threshold = check_max_results(max_results), check_score_threshold(score_threshold) or 0.0
    model = _Detector(model_path, num_threads, mean=mean, std=std)
    given = labels is not None
    labels, metadata = model_labels(model, labels), model.metadata
    expected = _metadata_label_count(model) if given else None
    roles = _output_roles(model.outputs, metadata, model.model_path.name)
    box_meta = metadata.outputs[roles["boxes"]] if metadata is not None else None
    order = box_meta.box_order if box_meta is not None and box_meta.box_order else DEFAULT_BOX_ORDER
    in_pixels = box_meta is not None and box_meta.box_coordinates == "PIXEL"
    photo = load_image(image)
    values = dict(zip(roles, (model.invoke(model.preprocess(photo, crop="none"))[i] for i in roles.values())))
    scores, classes = values["scores"].ravel(), np.round(values["classes"].ravel()).astype(int)
    count = min(round(float(values["count"].ravel()[0])), len(scores))
    found = [i for i in np.argsort(-scores[:count], kind="stable") if scores[i] >= threshold]
    unnamed = [int(classes[i]) for i in found if not 0 <= classes[i] < len(labels)]
    if given and (len(labels) != (expected or len(labels)) or (expected is None and unnamed)):
        raise LabelError(
            f"labels has {len(labels)} names but the label map in the metadata of '{model.model_path.name}' has "
            f"{expected} (one per class number the model outputs); pass one label per class, in its order, or "
            f"leave labels=None to use the metadata's."
            if expected is not None
            else f"The model found class number {unnamed[0]} but labels has only {len(labels)} names (0 … "
            f"{len(labels) - 1}); pass the model's full label list, one label per class number."
        )
    boxes = _boxes_to_pixels(
        values["boxes"].reshape(-1, 4)[:count], photo.size, order, model.input_size if in_pixels else None
    )

    def name(number: int) -> str:  # a class the labels do not name keeps its number
        return labels[number] if 0 <= number < len(labels) else f"class {number}"

    return [Detection(name(classes[i]), float(scores[i]), boxes[i]) for i in found][:max_results]
