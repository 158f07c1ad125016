"""Why did the model say that? Occlusion and gradient maps, and the checks that keep them honest (notebook 10).

``occlusion`` covers one patch of the input at a time and records how much the class's score drops; ``grad_cam`` is
Grad-CAM (Selvaraju et al., 2017) for a Keras model; ``edge_map`` ignores the model and must fail the checks:
``randomize_top_layers`` (the cascading randomization of Adebayo et al., 2018, "Sanity checks for saliency maps")
after which a map must change (``rank_correlation``: NaN for a constant map, which shows nothing), and
``deletion_curve`` (Samek et al., 2017; Petsiuk et al., 2018), which must fall faster than a ``random_order``.

Every map is an ``Explanation``. Checked here: the kind of model, the label↔output mapping, the class asked for,
boxes and occlusion settings. TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import difflib
import functools
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.arguments import finite_array, is_whole, whole_number
from helpers.classify import Classifier, align_labels
from helpers.errors import ExplanationError, HelpersError, wrap_public_functions
from helpers.images import ImageSource, check_size, load_image, resize_for_model

GRAY = 128  # the default fill: mid-grey, which MobileNet's (pixel − 127.5) / 127.5 maps to about 0
REGIONS = (("top-left", "top", "top-right"), ("left", "centre", "right"), ("bottom-left", "bottom", "bottom-right"))
Box = tuple[int, int, int, int]  # (left, top, right, bottom) in model-input pixels, right/bottom exclusive


# -- the map
@dataclass(frozen=True)
class Explanation:
    """An importance per grid cell for one class (higher: more evidence for it); made by the map functions."""

    values: np.ndarray  # (rows, cols)
    row_edges: np.ndarray  # rows + 1 pixel positions: cell i covers rows row_edges[i] … row_edges[i + 1] - 1
    col_edges: np.ndarray
    target: int  # the class's index in the model's outputs (-1: a model-free map)
    label: str
    method: str  # "occlusion", "grad-cam", "edges"
    score: float  # the model's score for the class on the whole image (nan for a model-free map)

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols) of the grid."""
        return self.values.shape

    @property
    def input_size(self) -> tuple[int, int]:
        """The (width, height) in pixels of the model input the map covers."""
        return int(self.col_edges[-1]), int(self.row_edges[-1])

    def pixels(self) -> np.ndarray:
        """The map at input resolution (H, W): each pixel takes its cell's value."""
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.row_edges))
        cols = np.repeat(np.arange(self.shape[1]), np.diff(self.col_edges))
        return self.values[np.ix_(rows, cols)]

    def peak(self) -> tuple[float, float]:
        """The (x, y) input position of the most important cell's centre (the first cell if several tie)."""
        row, col = np.unravel_index(int(np.argmax(self.values)), self.shape)
        return (self.col_edges[col] + self.col_edges[col + 1]) / 2, (self.row_edges[row] + self.row_edges[row + 1]) / 2

    def region(self) -> str:
        """Where the peak lies in words: "top-left", "centre", … (the image cut in thirds each way)."""
        x, y = self.peak()
        width, height = self.input_size
        return REGIONS[min(2, int(3 * y / height))][min(2, int(3 * x / width))]

    def share_in_box(self, box: Box) -> float:
        """The share of the map's positive importance inside ``box`` (NaN if none); ExplanationError for a bad box."""
        left, top, right, bottom = _check_box(box, self.input_size)
        positive = np.clip(self.pixels(), 0, None)
        total = float(positive.sum())
        return float(positive[top:bottom, left:right].sum()) / total if total > 0 else float("nan")

    def describe(self) -> str:
        """One sentence for alt text: method, class, grid and where the peak lies."""
        rows, cols = self.shape
        where = f"strongest evidence in the {self.region()} of the image"
        return f"{self.method} map for '{self.label}', {rows}×{cols} cells, {where}"


def box_area(box: Box, input_size: tuple[int, int]) -> float:
    """The fraction of the model input that ``box`` covers; ExplanationError for a box not inside ``input_size``."""
    width, height = check_size(input_size, "input_size")
    left, top, right, bottom = _check_box(box, (width, height))
    return (right - left) * (bottom - top) / (width * height)


def _check_box(box: Box, input_size: tuple[int, int]) -> Box:
    """``box`` as whole pixels inside the input (a corner such as 10.9 is refused: rounding is the caller's choice)."""
    width, height = input_size
    try:  # a bool is no corner: it becomes NaN, which is refused
        items = [] if isinstance(box, (str, bytes)) else [np.nan if isinstance(v, (bool, np.bool_)) else v for v in box]
        corners = np.array(items, dtype=float)
    except (TypeError, ValueError):
        corners = np.array([])
    whole = corners.shape == (4,) and bool(np.isfinite(corners).all() and (corners == np.round(corners)).all())
    left, top, right, bottom = corners.astype(int) if whole else (0, 0, 0, 0)
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise ExplanationError(
            f"box: expected (left, top, right, bottom) in whole pixels inside the {width}×{height} model input, "
            f"0 ≤ left < right ≤ {width} and 0 ≤ top < bottom ≤ {height}; got {box!r}. Round corners yourself "
            f"(for fractions of the input, multiply by its width and height)."
        )
    return int(left), int(top), int(right), int(bottom)


# -- models as scorers
@dataclass(frozen=True)
class Scorer:
    """A model that scores batches of model-sized uint8 images, (N, H, W, 3) → (N, classes); made by ``scorer``."""

    input_size: tuple[int, int]  # (width, height)
    labels: list[str]
    scores: Callable[[np.ndarray], np.ndarray]
    crop: str | float = "center"
    workers: int | None = None  # interpreter copies at once (a .tflite model; None: one per core)


def scorer(model: Any, labels: Sequence[str] | None = None, workers: int | None = None) -> Scorer:
    """Wrap a Classifier, a .tflite path or a Keras model (outputs in ``labels``' order) to score images; an
    ExplanationError for ``labels`` with a model that has its own, or another kind of model."""
    if labels is not None and isinstance(model, (Scorer, Classifier)):
        raise ExplanationError(
            f"labels: this {type(model).__name__} has its labels already; give labels only with a .tflite path or a "
            f"Keras model (or build the Classifier with the labels you want)."
        )
    if isinstance(model, Scorer):
        return model
    if isinstance(model, (str, os.PathLike)):
        try:
            model = Classifier(model, labels)
        except HelpersError as exc:
            raise ExplanationError(f"model: {exc} Explanations need a .tflite image classifier.") from exc
    if isinstance(model, Classifier):
        scores = functools.partial(model.run_batch, workers=workers)
        return Scorer(model.input_size, list(model.labels), scores, model.crop, workers)
    return _keras_scorer(model, labels)


def _keras_scorer(model: Any, labels: Sequence[str] | None, gradients: bool = False) -> Scorer:
    """A Scorer for a Keras image classifier that takes (pixel − 127.5) / 127.5, scoring 4 images at a time."""
    shape, out = getattr(model, "input_shape", None), getattr(model, "output_shape", None)
    image_in = shape is not None and len(shape) == 4 and shape[-1] == 3 and None not in shape[1:3]
    if not (callable(model) and image_in and out is not None and len(out) == 2 and (out[-1] or 0) >= 2):
        got = type(model).__name__ if shape is None else f"a model taking {shape} and giving {out}"
        need = "Grad-CAM needs" if gradients else "Explanations need a Classifier, a .tflite path or"
        raise ExplanationError(
            f"model: {need} a Keras image classifier, (None, H, W, 3) in and (None, classes) out (build it with "
            f"input_shape=(224, 224, 3)); got {got}."
            + (" A .tflite file has no gradients: for a Classifier use occlusion instead." if gradients else "")
        )
    labels = [str(i) for i in range(out[-1])] if labels is None else align_labels(labels, out[-1], "labels")
    return Scorer((int(shape[2]), int(shape[1])), labels, functools.partial(_keras_scores, model))


def _keras_scores(model: Any, pixels: np.ndarray, batch: int = 4) -> np.ndarray:
    """(N, H, W, 3) uint8 pixels → (N, classes) Keras outputs, in small batches (memory stays low)."""
    parts = []
    for start in range(0, len(pixels), batch):
        inputs = (pixels[start : start + batch].astype(np.float32) - 127.5) / 127.5
        parts.append(np.asarray(model(inputs, training=False), dtype=np.float32))
    return np.concatenate(parts)


# -- inputs and arguments
def model_pixels(image: ImageSource, input_size: tuple[int, int], crop: str | float = "center") -> np.ndarray:
    """The (H, W, 3) uint8 pixels a model of ``input_size`` (w, h) sees: central square, then resize."""
    input_size = check_size(input_size, "input_size")
    return np.asarray(resize_for_model(load_image(image), input_size, crop), dtype=np.uint8)


def _class_index(target: int | str, labels: list[str]) -> int:
    """The output index of ``target``: an index, or a label (the whole label or its first name, in any case)."""
    if isinstance(target, str):
        wanted = target.strip().lower()
        found = [i for i, label in enumerate(labels) if wanted in (label.lower(), label.split(",")[0].strip().lower())]
        if len(found) > 1:  # ImageNet has two "crane" outputs (the bird and the machine) and two "maillot"
            shown = ", ".join(str(i) for i in found)
            raise ExplanationError(f"target: {target!r} names {len(found)} outputs ({shown}); give the index you mean.")
    else:
        found = [int(target)] if is_whole(target) and 0 <= target < len(labels) else []
    if found:
        return found[0]
    close = difflib.get_close_matches(str(target), labels, n=3) if isinstance(target, str) else []
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ExplanationError(
        f"target: {target!r} is not one of this model's {len(labels)} labels, nor a class index 0 … {len(labels) - 1}. "
        f"Pick an index of its labels, e.g. labels.index('daisy'), or pass the label itself.{hint}"
    )


def _cover(fill: int | Sequence[int], input_size: tuple[int, int], **grid: int) -> np.ndarray:
    """``fill`` as an (R, G, B) uint8 colour, after refusing at once it and any ``grid`` setting that cannot work."""
    width, height = input_size
    side = min(width, height)
    advice = {
        "patch": f"a sixth to a quarter of the side ({side // 6}–{side // 4}) is typical",
        "stride": "a positive stride moves the patch: stride = patch // 2 (overlapping) or stride = patch (side by side)",
    }
    problems = [
        f"{name}: {value!r} does not fit the {width}×{height} input; use a whole number of pixels, at least 1 and at "
        f"most {side}: {advice[name]}."
        for name, value in grid.items()
        if not (is_whole(value) and 1 <= value <= side)
    ]
    try:
        colour = np.broadcast_to(np.asarray(fill), (3,)) if np.ndim(fill) == 0 else np.asarray(fill)
    except (TypeError, ValueError):  # a ragged list
        colour = np.asarray([])
    whole = colour.dtype.kind in "iuf" and colour.shape == (3,) and np.all(colour == np.round(colour))
    if not (whole and np.all((colour >= 0) & (colour <= 255))):
        problems.append(
            f"fill: expected a grey level 0–255 or an (R, G, B) triple of them; got {fill!r}. 128 (mid-grey) is "
            f"close to 0 after MobileNet's normalization."
        )
    if problems:
        raise ExplanationError(" ".join(problems))
    return colour.astype(np.uint8)


def _grid_edges(size: int, stride: int) -> np.ndarray:
    """Cell boundaries along one side: one cell per ``stride`` pixels (the last one may be shorter)."""
    return np.array([*range(0, size, stride), size])


def _patch_start(start: int, stop: int, patch: int, size: int) -> int:
    """Where a ``patch`` centred on the cell [start, stop) begins, moved inside [0, size)."""
    return int(min(max(math.floor((start + stop - patch) / 2), 0), size - patch))


# -- occlusion
def _occluded_images(pixels: np.ndarray, patch: int, stride: int, colour: np.ndarray) -> np.ndarray:
    """Every copy of ``pixels`` (H, W, 3) with one grid cell's patch covered by ``colour``: (rows × cols, H, W, 3)."""
    height, width = pixels.shape[:2]
    rows, cols = _grid_edges(height, stride), _grid_edges(width, stride)
    out = np.repeat(pixels[np.newaxis], (len(rows) - 1) * (len(cols) - 1), axis=0)
    for k, (i, j) in enumerate(np.ndindex(len(rows) - 1, len(cols) - 1)):
        top = _patch_start(rows[i], rows[i + 1], patch, height)
        left = _patch_start(cols[j], cols[j + 1], patch, width)
        out[k, top : top + patch, left : left + patch] = colour
    return out


def occlusion(model, image, target, *, patch=32, stride=16, fill=GRAY, labels=None) -> Explanation:
    """How much the score of ``target`` drops when the ``patch``-pixel square centred on each cell (one per
    ``stride`` pixels) is filled with ``fill``. Raises ExplanationError for a missing target, bad patch/stride/fill."""
    model = scorer(model, labels)
    index = _class_index(target, model.labels)
    colour = _cover(fill, model.input_size, patch=patch, stride=stride)
    pixels = model_pixels(image, model.input_size, model.crop)
    covered = _occluded_images(pixels, patch, stride, colour)
    scores = model.scores(np.concatenate([pixels[np.newaxis], covered]))
    base = float(scores[0, index])
    rows, cols = _grid_edges(pixels.shape[0], stride), _grid_edges(pixels.shape[1], stride)
    drops = base - scores[1:, index].reshape(len(rows) - 1, len(cols) - 1)
    return Explanation(drops.astype(np.float32), rows, cols, index, model.labels[index], "occlusion", base)


# -- gradient maps (TensorFlow)
def keras_mobilenet(weights: str | os.PathLike | None = None) -> Any:
    """Keras's MobileNet V1 0.25/224 with the mirrored ImageNet weights (notebook 05's float model)."""
    import keras

    from helpers import assets

    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, weights=None)
    model.load_weights(weights or assets.fetch("models/mobilenet_v1_0.25_224_keras.h5"))
    return model


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "softmax"


def _logits_model(model: Any, layer: str) -> tuple[Any, bool]:
    """A model giving ``layer``'s activations and the class scores before a final softmax (Grad-CAM differentiates
    those: Selvaraju et al., 2017, section 3), and whether a softmax layer or activation was found."""
    import keras

    features, last = model.get_layer(layer).output, model.layers[-1]
    if isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and _is_softmax(last.activation)
    ):
        return keras.Model(model.inputs, [features, last.input]), True
    if _is_softmax(getattr(last, "activation", None)):
        # e.g. Dense(n, activation="softmax"): its input is NOT the logits; the same layer, linear, computes them
        linear = type(last).from_config({**last.get_config(), "activation": "linear", "name": f"{last.name}_logits"})
        logits = linear(last.input)
        linear.set_weights(last.get_weights())
        return keras.Model(model.inputs, [features, logits]), True
    return keras.Model(model.inputs, [features, model.output]), False


def grad_cam(model, image: ImageSource, target: int | str, *, layer="conv_pw_13_relu", labels=None) -> Explanation:
    """Grad-CAM: ``layer``'s feature maps weighted by the mean gradient of the class's score before the softmax.
    Raises ExplanationError for a model that is no Keras classifier, a target it lacks, or a softmax it cannot undo."""
    import tensorflow as tf

    keras_scorer = _keras_scorer(model, labels, gradients=True)
    index = _class_index(target, keras_scorer.labels)
    pixels = model_pixels(image, keras_scorer.input_size)
    inputs = tf.constant(((pixels.astype(np.float32) - 127.5) / 127.5)[np.newaxis])
    two_outputs, found_softmax = _logits_model(model, layer)
    with tf.GradientTape() as tape:
        features, logits = two_outputs([inputs], training=False)  # a list, like model.inputs: no Keras warning
        score = logits[:, index]
    channel_weights = tf.reduce_mean(tape.gradient(score, features)[0], axis=(0, 1))
    cam = tf.nn.relu(tf.reduce_sum(features[0] * channel_weights, axis=-1)).numpy()
    probs = np.asarray(model(inputs, training=False))[0]
    if not found_softmax and probs.min() >= 0 and abs(float(probs.sum()) - 1) < 1e-4:
        raise ExplanationError(
            "model: its outputs sum to 1 like probabilities, but its last layer is no softmax that can be undone "
            "(an Activation('softmax'), a Softmax layer, or a layer with activation='softmax'). Grad-CAM needs the "
            "class scores before the softmax: end the model with a separate softmax layer."
        )
    rows, cols = (np.round(np.linspace(0, n, cells + 1)).astype(int) for n, cells in zip(pixels.shape, cam.shape))
    label = keras_scorer.labels[index]
    return Explanation(cam.astype(np.float32), rows, cols, index, label, "grad-cam", float(probs[index]))


def randomize_top_layers(model: Any, count: int, seed: int = 0) -> Any:
    """A copy of a Keras model whose top ``count`` weighted layers get zero biases and He-uniform kernels (Adebayo et
    al., 2018). Raises ExplanationError for a ``count`` that is not 0 … the layers with weights."""
    import keras

    def weighted(network: Any) -> list:
        return [layer for layer in network.layers if hasattr(layer, "kernel") or hasattr(layer, "depthwise_kernel")]

    count = whole_number(count, "count", ExplanationError, minimum=0, maximum=len(weighted(model)))
    rng = np.random.default_rng(whole_number(seed, "seed", ExplanationError, minimum=0))
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())

    def he_uniform(weight: np.ndarray) -> np.ndarray:  # activations keep their size
        limit = math.sqrt(6.0 / max(1, int(np.prod(weight.shape[:-1]))))
        return rng.uniform(-limit, limit, weight.shape).astype(weight.dtype)

    for layer in weighted(copy)[len(weighted(copy)) - count :]:
        layer.set_weights([np.zeros_like(w) if w.ndim == 1 else he_uniform(w) for w in layer.get_weights()])
    return copy


def edge_map(image: ImageSource, input_size=(224, 224), cells: int = 14, label: str = "(any class)") -> Explanation:
    """A model-free map: the image's gradient magnitude (edges), averaged per cell; ExplanationError: bad ``cells``."""
    cells = whole_number(cells, "cells", ExplanationError, minimum=1, maximum=min(check_size(input_size, "input_size")))
    pixels = model_pixels(image, input_size).astype(np.float32).mean(axis=-1)
    magnitude = np.hypot(*np.gradient(pixels))
    rows, cols = (np.round(np.linspace(0, n, cells + 1)).astype(int) for n in magnitude.shape)
    sums = np.add.reduceat(np.add.reduceat(magnitude, rows[:-1], axis=0), cols[:-1], axis=1)
    values = (sums / np.outer(np.diff(rows), np.diff(cols))).astype(np.float32)  # the mean over each cell
    return Explanation(values, rows, cols, -1, label, "edges", float("nan"))


# -- sanity checks
def ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value (1 = smallest), ties sharing their average rank; ExplanationError for NaN or infinity."""
    flat = finite_array(values, "values", ExplanationError).astype(np.float64).ravel()
    order = np.argsort(flat, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(flat[order])) + 1]
    stops = np.r_[starts[1:], flat.size]
    out = np.empty_like(flat)
    out[order] = np.repeat((starts + stops + 1) / 2, stops - starts)  # ranks start at 1
    return out


def rank_correlation(a: Explanation | np.ndarray, b: Explanation | np.ndarray) -> float:
    """Spearman's rank correlation of two maps of one grid (NaN: a constant map); ExplanationError for other grids."""
    first = finite_array(a.values if isinstance(a, Explanation) else a, "a", ExplanationError)
    second = finite_array(b.values if isinstance(b, Explanation) else b, "b", ExplanationError)
    if first.shape != second.shape:
        raise ExplanationError(
            f"The maps have different grids, {first.shape} and {second.shape}; compute both "
            f"with the same patch and stride (or cells) before comparing them."
        )
    x, y = ranks(first), ranks(second)
    return float(np.corrcoef(x, y)[0, 1]) if x.std() and y.std() else float("nan")  # a constant map has no order


@dataclass(frozen=True)
class DeletionCurve:
    """The class's score as more and more of the image is covered, in the order a map gives."""

    fraction: np.ndarray  # fraction of cells covered, 0 … 1
    scores: np.ndarray  # the class's score after covering them

    @property
    def area(self) -> float:
        """Area under the curve, scaled by the starting score (lower = the score fell faster)."""
        start = float(self.scores[0])
        curve = self.scores / start if start > 0 else self.scores
        return float(np.sum((curve[1:] + curve[:-1]) / 2 * np.diff(self.fraction)))


def random_order(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A random ranking of a grid's (rows, cols) cells: the importance map of a coin."""
    rows, cols = shape
    return np.random.default_rng(seed).permutation(rows * cols).reshape(rows, cols).astype(np.float32)


def deletion_curve(model, image, explanation, *, order=None, steps=14, fill=GRAY, labels=None) -> DeletionCurve:
    """The class's score as the map's top cells (or ``order``'s) are covered, ``steps`` + 1 points from none to all.
    Raises ExplanationError for a map of no class, an ``order`` of another grid, a model of another input, bad steps."""
    model = scorer(model, labels)
    steps = whole_number(steps, "steps", ExplanationError, minimum=1)
    importance = finite_array(explanation.values if order is None else order, "order", ExplanationError)
    sizes = f"the model's input is {model.input_size}, the map covers {explanation.input_size}"
    rules = {
        "the map belongs to no class (a model-free map): use a class's own map": explanation.target < 0,
        f"order has shape {importance.shape}, the map {explanation.shape}": importance.shape != explanation.shape,
        f"{sizes}: use the model the map was made for": model.input_size != explanation.input_size,
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise ExplanationError(f"explanation: {'; '.join(problems)}.")
    colour = _cover(fill, model.input_size)
    pixels = model_pixels(image, model.input_size, model.crop)
    ranking = np.argsort(-importance.ravel(), kind="stable")
    counts = np.unique(np.round(np.linspace(0, ranking.size, steps + 1)).astype(int))
    images = np.repeat(pixels[np.newaxis], len(counts), axis=0)
    rows, cols = explanation.row_edges, explanation.col_edges
    for k, count in enumerate(counts):
        for cell in ranking[:count]:
            i, j = divmod(int(cell), explanation.shape[1])
            images[k, rows[i] : rows[i + 1], cols[j] : cols[j + 1]] = colour
    return DeletionCurve(counts / ranking.size, model.scores(images)[:, explanation.target].astype(np.float32))


wrap_public_functions(globals(), ExplanationError)  # a raw error from unusable arguments becomes one ExplanationError
