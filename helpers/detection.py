"""Object detection with a .tflite SSD model: which objects, how many, and where.

The overview's first "different type of model" (notebook 01, section 8): a
classifier gives one distribution for the whole photo; a detector gives a list
of boxes, each with a label and a score. An SSD model's own post-processing
(``TFLite_Detection_PostProcess``) already returns at most N boxes with four
outputs: box corners as fractions of the input (top, left, bottom, right in the
usual layout, which the metadata states), class numbers, scores, and how many
of the N rows are filled. This module maps them back to the original photo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np

from helpers.arguments import whole_number
from helpers.classify import check_max_results, check_score_threshold, model_labels
from helpers.errors import LabelError, MetadataError, ModelError, OptionError
from helpers.images import ImageSource, Normalization, check_size, load_image
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
        roles = {}
        for i, details in enumerate(outputs):
            tensor_name = str(details["name"])
            for role, suffix in _POSTPROCESS_SUFFIXES.items():
                if (
                    tensor_name.startswith("TFLite_Detection_PostProcess")
                    and tensor_name.endswith(suffix)
                    and (suffix or ":" not in tensor_name)
                ):
                    roles[role] = i
    if len(roles) < 4:
        raise ModelError(
            f"Cannot tell which of the 4 outputs of '{name}' are boxes, classes, scores and count: neither its "
            f"metadata nor its tensor names say. Use an SSD model with metadata (models/ssd_mobilenet_v1_coco_quant"
            f".tflite)."
        )
    return roles


class _Detector(LiteRTModel):
    kind = "detector"


def boxes_to_pixels(
    corners: np.ndarray,
    image_size: tuple[int, int],
    order: Sequence[int] = DEFAULT_BOX_ORDER,
    pixel_size: tuple[int, int] | None = None,
) -> list[tuple[int, int, int, int]]:
    """Box corners (fractions of the input, in ``order``) → (x, y, width, height) in pixels of ``image_size`` (w, h).

    ``order`` says where left, top, right and bottom sit among each box's four numbers (the metadata's
    BoundingBoxProperties.index); ``pixel_size`` = the input's (w, h) if the corners are in input pixels.
    Corners a little past the edge are clipped to it. Raises OptionError for corners that are not finite numbers,
    that lie far outside 0…1 (pixels given as fractions: pass ``pixel_size``), or an ``order`` that is not a permutation
    of 0, 1, 2, 3, and ImageError for an ``image_size`` or ``pixel_size`` that is not two positive whole numbers.
    """
    width, height = check_size(image_size, "image_size")
    order = _check_order(order)
    if pixel_size is not None:
        pixel_size = check_size(pixel_size, "pixel_size")
    try:
        corners = np.asarray(corners, dtype=np.float64).reshape(-1, 4)
    except (TypeError, ValueError):
        raise OptionError(f"corners are numbers, four per box; got {np.shape(corners)}.") from None
    if not np.isfinite(corners).all():
        raise OptionError("corners hold NaN or infinite values; every box needs four finite numbers.")
    left, top, right, bottom = (corners[:, i] for i in order)
    if pixel_size is not None:
        left, right = left / pixel_size[0], right / pixel_size[0]
        top, bottom = top / pixel_size[1], bottom / pixel_size[1]
    fractions = np.concatenate([left, top, right, bottom])
    if fractions.size and (fractions.min() < -0.5 or fractions.max() > 1.5):
        # Small overshoots (a box a little past the edge) are clipped; values like 150 are pixels, not fractions.
        raise OptionError(
            f"corners must be fractions of the input (0 to 1); got values from {fractions.min():g} to "
            f"{fractions.max():g}, which look like pixels"
            + ("" if pixel_size is None else f" of an input larger than pixel_size={pixel_size}")
            + ". For corners in input pixels pass pixel_size=(input width, input height)."
        )
    x0 = np.clip(np.round(np.clip(left, 0, 1) * width), 0, width).astype(int)
    y0 = np.clip(np.round(np.clip(top, 0, 1) * height), 0, height).astype(int)
    x1 = np.clip(np.round(np.clip(right, 0, 1) * width), 0, width).astype(int)
    y1 = np.clip(np.round(np.clip(bottom, 0, 1) * height), 0, height).astype(int)
    return [(int(a), int(b), int(max(c - a, 0)), int(max(d - b, 0))) for a, b, c, d in zip(x0, y0, x1, y1)]


def _check_order(order: Sequence[int]) -> tuple[int, int, int, int]:
    """``order`` as a tuple holding each of 0, 1, 2 and 3 once, or an OptionError."""
    if isinstance(order, (str, bytes)) or not isinstance(order, Iterable):
        raise OptionError(f"order is four positions, a permutation of (0, 1, 2, 3); got {order!r}.")
    positions = tuple(whole_number(i, "each entry of order", OptionError, minimum=0, maximum=3) for i in order)
    if sorted(positions) != [0, 1, 2, 3]:
        raise OptionError(
            f"order says where left, top, right and bottom sit: a permutation of (0, 1, 2, 3), each once; "
            f"got {positions}."
        )
    return positions  # type: ignore[return-value]


def _metadata_label_count(model: LiteRTModel) -> int | None:
    """How many labels the model's own metadata lists (its class count), or None when it lists none."""
    if model.metadata is None:
        return None
    try:
        return len(model_labels(model, None))
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
    """Detected objects in ``image``, best first: Detection(label, score, box=(x, y, width, height)) in its pixels.

    The whole photo is resized to the model's input (no crop, so every part of it can be found); labels
    come from the model's metadata unless given, and so does a float32 input's normalization (else
    MobileNet's 127.5/127.5; ``mean``/``std`` override it, as for every LiteRT model).
    Introduced in notebook 01, section 8. Raises OptionError for a bad max_results, score_threshold or mean/std, and LabelError for given labels whose
    number differs from the metadata's label map (or, without one, that have no name for a detected class).
    """
    max_results = check_max_results(max_results)
    threshold = check_score_threshold(score_threshold)
    model = _Detector(model_path, num_threads, mean=mean, std=std)
    given = labels is not None
    labels, metadata, outputs = model_labels(model, labels), model.metadata, model.outputs
    expected = _metadata_label_count(model) if given else None
    if expected is not None and len(labels) != expected:
        raise LabelError(
            f"labels has {len(labels)} names but the label map in the metadata of '{model.model_path.name}' has "
            f"{expected} (one per class number the model outputs); pass one label per class, in its order, or "
            f"leave labels=None to use the metadata's."
        )
    roles = _output_roles(outputs, metadata, model.model_path.name)
    box_meta = metadata.outputs[roles["boxes"]] if metadata is not None else None
    order = box_meta.box_order if box_meta is not None and box_meta.box_order else DEFAULT_BOX_ORDER
    in_pixels = box_meta is not None and box_meta.box_coordinates == "PIXEL"
    photo = load_image(image)
    values = model.invoke(model.preprocess(photo, crop="none"))

    def output(role: str) -> np.ndarray:
        return values[roles[role]]

    corners, classes, scores = output("boxes").reshape(-1, 4), output("classes").ravel(), output("scores").ravel()
    count = min(round(float(output("count").ravel()[0])), len(scores))
    boxes = boxes_to_pixels(corners[:count], photo.size, order, model.input_size if in_pixels else None)
    found = []
    for i in np.argsort(-scores[:count], kind="stable"):
        score = float(scores[i])
        if threshold is not None and score < threshold:
            continue
        index = round(float(classes[i]))
        if given and expected is None and not 0 <= index < len(labels):
            raise LabelError(
                f"The model found class number {index} but labels has only {len(labels)} names (0 … "
                f"{len(labels) - 1}); pass the model's full label list, one label per class number."
            )
        label = labels[index] if 0 <= index < len(labels) else f"class {index}"
        found.append(Detection(label, score, boxes[i]))
    return found[:max_results]


def _detections(detections: Iterable[Detection], function: str) -> list[Detection]:
    """``detections`` as a list of Detection items (a generator is read once), or an OptionError."""
    if isinstance(detections, (str, bytes)) or not isinstance(detections, Iterable):
        raise OptionError(f"{function} takes the list detect(...) returns (Detection items); got {detections!r}.")
    detections = list(detections)
    if not all(isinstance(d, Detection) for d in detections):
        raise OptionError(f"{function} takes the list detect(...) returns (Detection items).")
    return detections


def count_by_label(detections: Sequence[Detection]) -> dict[str, int]:
    """How many detections of each label, most frequent first.

    Raises OptionError unless ``detections`` is the list detect(...) returns (any iterable of Detection items).
    """
    counts: dict[str, int] = {}
    detections = _detections(detections, "count_by_label")
    for detection in detections:
        counts[detection.label] = counts.get(detection.label, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def describe(detections: Sequence[Detection]) -> str:
    """One sentence saying what was found (for alt text and summaries).

    Raises OptionError unless ``detections`` is the list detect(...) returns (None is not "no objects").
    """
    detections = _detections(detections, "describe")
    if not detections:
        return "no objects above the score threshold"
    parts = [f"{n} {label}" for label, n in count_by_label(detections).items()]
    return f"{len(detections)} object{'s' if len(detections) != 1 else ''}: " + ", ".join(parts)
