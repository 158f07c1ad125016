"""Why did the model say that? Occlusion and gradient maps, and the checks that keep them honest.

Introduced in notebook 10, which first writes an occlusion map out by hand.

* ``occlusion`` works for any ``.tflite`` image classifier (float32, uint8 or
  int8 input) and for a Keras model: it covers one patch of the model's input
  at a time with a flat colour and records how much the chosen class's score
  drops. The grid has one cell per ``stride`` pixels; each cell's patch is the
  ``patch`` × ``patch`` square centred on it (moved inside the image at the
  edges). Several single-threaded interpreter copies, one per core, share the
  covered images; each copy is a plain ``set_tensor``/``invoke``/``get_tensor``.
* ``grad_cam`` is Grad-CAM (Selvaraju et al., 2017) for a Keras model: the
  gradient of the class's logit with respect to a convolutional layer's output,
  averaged per channel, weights that layer's feature maps. TensorFlow is
  imported inside the functions that need it, never by importing this module.
* ``edge_map`` ignores the model altogether (image gradient magnitude): a map
  that *looks* like an explanation and must fail the sanity checks.
* Sanity checks: ``randomize_top_layers`` is the cascading model parameter
  randomization test of Adebayo et al., 2018 ("Sanity checks for saliency
  maps"; their other test, data randomization, retrains on shuffled labels and
  is not here): a map must change when the model's top layers are
  re-initialized at random (compare with ``rank_correlation``). The map of
  another class must differ (Grad-CAM is meant to be class-discriminative,
  Selvaraju et al., 2017). ``deletion_curve`` is the deletion metric (Samek et
  al., 2017, "region perturbation"; Petsiuk et al., 2018, "RISE"): removing the
  cells a map ranks first must lower the score faster than removing them in
  ``random_order``.

Every map is an ``Explanation``: a grid of importances (higher = more evidence
for the class) that knows which input pixels each cell covers.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from helpers.arguments import finite_array, is_whole, real_number, text_labels, whole_number
from helpers.classify import Classifier
from helpers.errors import ExplanationError, HelpersError
from helpers.images import ImageSource, check_size, load_image, resize_for_model

GRAY = 128  # the default fill: mid-grey, which MobileNet's (pixel − 127.5) / 127.5 maps to about 0
REGIONS = (("top-left", "top", "top-right"), ("left", "centre", "right"), ("bottom-left", "bottom", "bottom-right"))
Box = tuple[int, int, int, int]  # (left, top, right, bottom) in model-input pixels, right/bottom exclusive


class Scorer(Protocol):
    """Anything that scores batches of model-sized uint8 images: a TFLite or Keras model, wrapped."""

    input_size: tuple[int, int]
    labels: list[str]
    name: str

    def scores(self, pixels: np.ndarray, progress: str | None = None) -> np.ndarray:
        """(N, H, W, 3) uint8 pixels → (N, classes) scores.

        Raises what the implementation raises (see ``TFLiteScorer.scores`` and ``KerasScorer.scores``).
        """
        ...


# --------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class Explanation:
    """An importance per grid cell for one class: higher means more evidence for it.

    Raises nothing when built (a dataclass, not checked; ``occlusion``, ``grad_cam`` and ``edge_map`` make it).
    """

    values: np.ndarray  # (rows, cols)
    row_edges: np.ndarray  # rows + 1 pixel positions: cell i covers rows row_edges[i] … row_edges[i + 1] - 1
    col_edges: np.ndarray
    target: int  # the class's index in the model's outputs
    label: str
    method: str  # "occlusion", "grad-cam", "edges"
    score: float  # the model's score for the class on the whole image (nan for a model-free map)
    settings: dict[str, Any] = field(default_factory=dict)

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

    def peak(self) -> tuple[int, int]:
        """The (row, col) of the most important cell (the first one if several tie)."""
        row, col = np.unravel_index(int(np.argmax(self.values)), self.shape)
        return int(row), int(col)

    def region(self) -> str:
        """Where the peak lies in words: "top-left", "centre", … (the image cut in thirds each way)."""
        row, col = self.peak()
        centre_y = (self.row_edges[row] + self.row_edges[row + 1]) / 2
        centre_x = (self.col_edges[col] + self.col_edges[col + 1]) / 2
        width, height = self.input_size
        return REGIONS[min(2, int(3 * centre_y / height))][min(2, int(3 * centre_x / width))]

    def share_in_box(self, box: Box) -> float:
        """The fraction of the map's positive importance that lies inside ``box`` (pixels); NaN if none is positive.

        Raises ExplanationError for a box that is not four whole pixel positions (left, top, right, bottom)
        inside the map's input.
        """
        left, top, right, bottom = _check_box(box, self.input_size)
        positive = np.clip(self.pixels(), 0, None)
        total = float(positive.sum())
        return float(positive[top:bottom, left:right].sum()) / total if total > 0 else float("nan")

    def describe(self) -> str:
        """One sentence for alt text: method, class, grid and where the peak lies."""
        rows, cols = self.shape
        return (
            f"{self.method} map for '{self.label}', {rows}×{cols} cells, strongest evidence in the "
            f"{self.region()} of the image"
        )


def box_area(box: Box, input_size: tuple[int, int]) -> float:
    """The fraction of the model input that ``box`` covers.

    Raises ExplanationError for a box that is not four whole pixel positions inside ``input_size``
    (a fractional corner is refused, not truncated), ImageError for a bad ``input_size``.
    """
    width, height = check_size(input_size, "input_size")
    left, top, right, bottom = _check_box(box, (width, height))
    return (right - left) * (bottom - top) / (width * height)


def _check_box(box: Box, input_size: tuple[int, int]) -> Box:
    width, height = input_size
    try:
        items = list(box) if not isinstance(box, (str, bytes)) else []
        values = [float(v) for v in items]
    except (TypeError, ValueError) as exc:
        raise ExplanationError(f"box: expected (left, top, right, bottom) in pixels; got {box!r}.") from exc
    if len(values) != 4 or any(isinstance(v, (bool, np.bool_)) for v in items):
        raise ExplanationError(f"box: expected (left, top, right, bottom) in pixels; got {box!r}.")
    if not all(math.isfinite(v) and v == round(v) for v in values):
        # Refused, not rounded: a corner such as 10.9 may be a fraction of the input or a computed position,
        # and whether it should move in or out is the caller's choice, not a guess made here.
        raise ExplanationError(
            f"box: expected (left, top, right, bottom) in whole pixels of the {width}×{height} model input; got "
            f"{box!r}. Round the corners yourself (for fractions of the input, multiply by its width and height)."
        )
    left, top, right, bottom = (int(v) for v in values)
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise ExplanationError(
            f"box: {box!r} is not inside the {width}×{height} model input. Give (left, top, right, bottom) "
            f"with 0 ≤ left < right ≤ {width} and 0 ≤ top < bottom ≤ {height}."
        )
    return left, top, right, bottom


# --------------------------------------------------------------------------- models as scorers


class TFLiteScorer:
    """Scores images with a .tflite classifier on several single-threaded interpreter copies at once.

    Raises nothing when built: ``classifier`` (a Classifier) and ``workers`` are not checked here (``scorer``
    builds the Classifier; ``workers`` is checked by ``scores``).
    """

    def __init__(self, classifier: Classifier, workers: int | None = None) -> None:
        if not isinstance(classifier, Classifier):
            raise ExplanationError(
                f"classifier: expected a helpers.classify.Classifier; got {type(classifier).__name__} "
                f"(explain.scorer(model) wraps a path or a Keras model too)."
            )
        self.classifier = classifier
        self.input_size = classifier.input_size
        self.labels = list(classifier.labels)
        self.name = classifier.model_path.name
        self.crop = classifier.crop
        self.workers = workers

    def scores(self, pixels: np.ndarray, progress: str | None = None) -> np.ndarray:
        """(N, H, W, 3) uint8 pixels → (N, classes) probabilities, on single-threaded copies of the model at once.

        Raises ModelError for pixels of another shape or dtype, OptionError for a bad ``workers`` (see
        ``Classifier.run_batch``).
        """
        return self.classifier.run_batch(pixels, self.workers, progress, leave=False)


class KerasScorer:
    """Scores images with a Keras model that takes (pixel − 127.5) / 127.5, in small batches (memory stays low).

    Raises ExplanationError for a model without a fixed-size (None, H, W, 3) input or one score per class
    (None, classes) out, a ``batch_size`` that is not a whole number ≥ 1, or ``labels`` not one per output.
    """

    def __init__(self, model: Any, labels: Sequence[str] | None = None, batch_size: int = 4) -> None:
        if not (hasattr(model, "input_shape") and hasattr(model, "output_shape") and callable(model)):
            raise ExplanationError(
                f"model: expected a Keras model; got {type(model).__name__}. Gradient maps need the Keras model "
                f"(a .tflite file has no gradients): for a Classifier use occlusion instead."
            )
        shape = tuple(model.input_shape)
        if len(shape) != 4 or shape[-1] != 3 or shape[1] is None or shape[2] is None:
            raise ExplanationError(
                f"model: the Keras model takes inputs of shape {shape}; an image classifier with a fixed "
                f"size, such as (None, 224, 224, 3), is needed. Build it with input_shape=(224, 224, 3)."
            )
        outputs = int(model.output_shape[-1])
        if len(model.output_shape) != 2 or outputs < 2:
            raise ExplanationError(
                f"model: the Keras model's output has shape {model.output_shape}, not one score per class "
                f"(None, classes). Explain a classifier."
            )
        batch_size = whole_number(batch_size, "batch_size", ExplanationError, minimum=1)
        self.model = model
        self.input_size = int(shape[2]), int(shape[1])
        self.labels = list(labels) if labels is not None else [str(i) for i in range(outputs)]
        if len(self.labels) != outputs:
            raise ExplanationError(
                f"labels: {len(self.labels)} labels for the model's {outputs} outputs; "
                f"pass the model's own label list (1,000 ImageNet labels: drop 'background')."
            )
        self.name = model.name
        self.batch_size = batch_size

    def scores(self, pixels: np.ndarray, progress: str | None = None) -> np.ndarray:
        """(N, H, W, 3) uint8 pixels → (N, classes) model outputs.

        Raises nothing of its own: ``pixels`` is not checked, and Keras's errors pass through.
        """
        from tqdm.auto import tqdm

        parts = []
        with tqdm(total=len(pixels), desc=progress, unit="img", leave=False, disable=progress is None) as bar:
            for start in range(0, len(pixels), self.batch_size):
                batch = (pixels[start : start + self.batch_size].astype(np.float32) - 127.5) / 127.5
                parts.append(np.asarray(self.model(batch, training=False), dtype=np.float32))
                bar.update(len(batch))
        return np.concatenate(parts) if parts else np.zeros((0, len(self.labels)), np.float32)


def scorer(model: Any, labels: Sequence[str] | None = None, workers: int | None = None) -> Scorer:
    """Wrap a Classifier, a .tflite path or a Keras model so it can score batches of images.

    Raises ExplanationError for anything else, for ``labels`` given with a model that has its own (a Classifier
    or a scorer), and for a path that is not a usable .tflite classifier (the Classifier's own error is its
    cause); a Keras model raises what ``KerasScorer`` raises.
    """
    if labels is not None and isinstance(model, (TFLiteScorer, KerasScorer, Classifier)):
        raise ExplanationError(
            f"labels: this {type(model).__name__} has its labels already; give labels only with a .tflite path or a "
            f"Keras model (or build the Classifier with the labels you want)."
        )
    if isinstance(model, (TFLiteScorer, KerasScorer)):
        return model
    if isinstance(model, Classifier):
        classifier = model
    elif isinstance(model, (str, os.PathLike)):
        try:
            classifier = Classifier(model, labels)
        except HelpersError as exc:
            raise ExplanationError(f"model: {exc} Explanations need a .tflite image classifier.") from exc
    elif hasattr(model, "input_shape") and hasattr(model, "output_shape"):
        return KerasScorer(model, labels)
    else:
        raise ExplanationError(
            f"model: expected a Classifier, a .tflite path or a Keras model; got {type(model).__name__}."
        )
    return TFLiteScorer(classifier, workers)


# --------------------------------------------------------------------------- inputs and arguments


def model_pixels(image: ImageSource, input_size: tuple[int, int], crop: str | float = "center") -> np.ndarray:
    """The (H, W, 3) uint8 pixels a model of ``input_size`` (w, h) sees: central square, then resize.

    Raises ImageError for an image it cannot read, a bad ``input_size`` or ``crop``.
    """
    input_size = check_size(input_size, "input_size")
    return np.asarray(resize_for_model(load_image(image), input_size, crop), dtype=np.uint8)


def class_index(target: int | str, labels: Sequence[str]) -> int:
    """The output index of ``target``: an index (checked) or a label (exact, or its first name).

    Raises ExplanationError for a bool, an index outside ``labels``, a label that is not among them (with
    close matches), or a ``target`` that is neither an int nor a str.
    """
    labels = text_labels(labels, "labels", ExplanationError)
    count = len(labels)
    if isinstance(target, (bool, np.bool_)):
        raise ExplanationError(f"target: expected a class index or a label; got {target!r}.")
    if isinstance(target, (int, np.integer)):
        if not 0 <= int(target) < count:
            raise ExplanationError(
                f"target: class index {int(target)} is outside this model's {count} outputs (0 … {count - 1}). "
                f"Pick an index of its labels, e.g. labels.index('daisy'), or pass the label itself."
            )
        return int(target)
    if isinstance(target, str):
        wanted = target.strip().lower()
        found = [i for i, label in enumerate(labels) if wanted in (label.lower(), label.split(",")[0].strip().lower())]
        if len(found) == 1:
            return found[0]
        if found:  # ImageNet has two "crane" outputs (the bird and the machine) and two "maillot"
            raise ExplanationError(
                f"target: {target!r} names {len(found)} outputs ({', '.join(str(i) for i in found)}); "
                f"give the index of the one you mean."
            )
        close = difflib.get_close_matches(target, labels, n=3)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ExplanationError(f"target: {target!r} is not one of this model's {count} labels.{hint}")
    raise ExplanationError(f"target: expected a class index (int) or a label (str); got {type(target).__name__}.")


def _check_grid_settings(patch: int, stride: int, input_size: tuple[int, int]) -> None:
    width, height = input_size
    side = min(width, height)
    for name, value in (("patch", patch), ("stride", stride)):
        if not is_whole(value):
            raise ExplanationError(f"{name}: expected a whole number of pixels; got {value!r}.")
    if stride < 1:
        raise ExplanationError(
            f"stride: {stride} pixels would never move the patch; use a positive stride, e.g. stride = patch // 2 "
            f"(overlapping patches) or stride = patch (side by side)."
        )
    if stride > side:
        raise ExplanationError(
            f"stride: {stride} pixels is more than the {width}×{height} input's side; use at most {side}."
        )
    if patch < 1:
        raise ExplanationError(f"patch: the patch side must be at least 1 pixel; got {patch}.")
    if patch > side:
        raise ExplanationError(
            f"patch: a {patch}-pixel patch is larger than the model's {width}×{height} input. Use a patch of at "
            f"most {side} pixels; a sixth to a quarter of the side ({side // 6}–{side // 4}) is typical."
        )


def _fill_colour(fill: int | Sequence[int]) -> np.ndarray:
    try:
        colour = np.broadcast_to(np.asarray(fill), (3,)) if np.ndim(fill) == 0 else np.asarray(fill)
    except (TypeError, ValueError):  # a ragged list
        colour = np.asarray([])
    if (
        colour.dtype.kind not in "iuf"
        or colour.shape != (3,)
        or not np.all((colour >= 0) & (colour <= 255))
        or not np.all(colour == np.round(colour))
    ):
        raise ExplanationError(
            f"fill: expected a grey level 0–255 or an (R, G, B) triple of them; got {fill!r}. "
            f"128 (mid-grey) is close to 0 after MobileNet's normalization."
        )
    return colour.astype(np.uint8)


def _grid_edges(size: int, stride: int) -> np.ndarray:
    """Cell boundaries along one side: one cell per ``stride`` pixels (the last one may be shorter)."""
    return np.array([*range(0, size, stride), size])


def _patch_start(start: int, stop: int, patch: int, size: int) -> int:
    """Where a ``patch`` centred on the cell [start, stop) begins, moved inside [0, size)."""
    return int(min(max(math.floor((start + stop - patch) / 2), 0), size - patch))


# --------------------------------------------------------------------------- occlusion


def _occluded_images(pixels: np.ndarray, patch: int, stride: int, colour: np.ndarray) -> np.ndarray:
    """Every copy of ``pixels`` (H, W, 3) with one grid cell's patch covered by ``colour``: (rows × cols, H, W, 3)."""
    height, width = pixels.shape[:2]
    rows, cols = _grid_edges(height, stride), _grid_edges(width, stride)
    out = np.repeat(pixels[np.newaxis], (len(rows) - 1) * (len(cols) - 1), axis=0)
    k = 0
    for i in range(len(rows) - 1):
        top = _patch_start(rows[i], rows[i + 1], patch, height)
        for j in range(len(cols) - 1):
            left = _patch_start(cols[j], cols[j + 1], patch, width)
            out[k, top : top + patch, left : left + patch] = colour
            k += 1
    return out


def occlusion(
    model: Any,
    image: ImageSource,
    target: int | str,
    *,
    patch: int = 32,
    stride: int = 16,
    fill: int | Sequence[int] = GRAY,
    labels: Sequence[str] | None = None,
    progress: bool = False,
) -> Explanation:
    """Occlusion sensitivity: how much the score of ``target`` drops when each cell's patch is covered.

    ``model`` is a Classifier, a .tflite path or a Keras model (see ``scorer``);
    ``patch`` (side, pixels), ``stride`` (cell size, pixels) and ``fill`` (grey
    level or RGB, in pixel units 0–255) are recorded in the result's settings.
    Raises ExplanationError for a target the model does not have, or a bad patch, stride or fill.
    """
    model = scorer(model, labels)
    index = class_index(target, model.labels)
    _check_grid_settings(patch, stride, model.input_size)
    colour = _fill_colour(fill)
    pixels = model_pixels(image, model.input_size, getattr(model, "crop", "center"))
    covered = _occluded_images(pixels, patch, stride, colour)
    scores = model.scores(np.concatenate([pixels[np.newaxis], covered]), "occlusion" if progress else None)
    base = float(scores[0, index])
    rows, cols = _grid_edges(pixels.shape[0], stride), _grid_edges(pixels.shape[1], stride)
    drops = base - scores[1:, index].reshape(len(rows) - 1, len(cols) - 1)
    return Explanation(
        drops.astype(np.float32),
        rows,
        cols,
        index,
        model.labels[index],
        "occlusion",
        base,
        {"patch": patch, "stride": stride, "fill": tuple(int(c) for c in colour), "model": model.name},
    )


# --------------------------------------------------------------------------- gradient maps (TensorFlow)


def keras_mobilenet(weights: str | os.PathLike | None = None) -> Any:
    """Keras's MobileNet V1 0.25/224 with the mirrored ImageNet weights (notebook 05's float model).

    Raises AssetError when ``weights`` is None and the mirrored weights cannot be fetched; Keras's own
    errors for a ``weights`` file it cannot load pass through.
    """
    import keras

    from helpers import assets

    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, weights=None)
    model.load_weights(weights or assets.fetch("models/mobilenet_v1_0.25_224_keras.h5"))
    return model


def _is_softmax(activation: Any) -> bool:
    return getattr(activation, "__name__", "") == "softmax"


def _logits_model(model: Any, layer: str) -> tuple[Any, bool]:
    """A model with two outputs: ``layer``'s activations and the class scores before a final softmax.

    Grad-CAM differentiates the class's score before the softmax (Selvaraju et al., 2017, section 3). The softmax
    may be a layer of its own (``Activation("softmax")``, ``Softmax()``) or built into the last layer
    (``Dense(n, activation="softmax")``): then the same layer without its activation gives the logits.
    Also returns whether a softmax was found (without one, the model's output is taken as the scores).
    """
    import keras

    try:
        features = model.get_layer(layer).output
    except ValueError as exc:
        convs = [lay.name for lay in model.layers if len(lay.output.shape) == 4]
        raise ExplanationError(
            f"layer: the model has no layer {layer!r}; its last 4-D layers are {convs[-3:]}."
        ) from exc
    last = model.layers[-1]
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


def grad_cam(
    model: Any,
    image: ImageSource,
    target: int | str,
    *,
    layer: str = "conv_pw_13_relu",
    labels: Sequence[str] | None = None,
) -> Explanation:
    """Grad-CAM: ``layer``'s feature maps weighted by the mean gradient of the class's logit, ReLU'd.

    The logit is the class's score before the softmax, wherever the model's softmax is (see ``_logits_model``).
    Raises ExplanationError for a model ``KerasScorer`` refuses, a ``target`` the model does not have, a
    ``layer`` it does not have, or outputs that look like probabilities from a softmax it cannot undo;
    ImageError for an image it cannot read.
    """
    import tensorflow as tf

    keras_scorer = KerasScorer(model, labels)
    index = class_index(target, keras_scorer.labels)
    pixels = model_pixels(image, keras_scorer.input_size)
    inputs = tf.constant(((pixels.astype(np.float32) - 127.5) / 127.5)[np.newaxis])
    two_outputs, found_softmax = _logits_model(model, layer)
    with tf.GradientTape() as tape:
        features, logits = two_outputs([inputs], training=False)  # a list, like model.inputs: no Keras warning
        score = logits[:, index]
    gradients = tape.gradient(score, features)[0]
    channel_weights = tf.reduce_mean(gradients, axis=(0, 1))
    cam = tf.nn.relu(tf.reduce_sum(features[0] * channel_weights, axis=-1)).numpy()
    probs = np.asarray(model(inputs, training=False))[0]
    if not found_softmax and probs.min() >= 0 and abs(float(probs.sum()) - 1) < 1e-4:
        raise ExplanationError(
            "model: its outputs sum to 1 like probabilities, but its last layer is no softmax that can be undone "
            "(an Activation('softmax'), a Softmax layer, or a layer with activation='softmax'). Grad-CAM needs the "
            "class scores before the softmax: end the model with a separate softmax layer."
        )
    height, width = pixels.shape[:2]
    rows = np.round(np.linspace(0, height, cam.shape[0] + 1)).astype(int)
    cols = np.round(np.linspace(0, width, cam.shape[1] + 1)).astype(int)
    return Explanation(
        cam.astype(np.float32),
        rows,
        cols,
        index,
        keras_scorer.labels[index],
        "grad-cam",
        float(probs[index]),
        {"layer": layer, "model": model.name},
    )


def randomize_top_layers(model: Any, count: int, seed: int = 0) -> Any:
    """A copy of a Keras model whose top ``count`` layers with weights are re-initialized at random.

    The cascading model parameter randomization of Adebayo et al. (2018): count = 1 replaces the
    classifier layer, 2 also the layer below it, and so on. Batch-normalization
    layers keep their statistics; the original model is not changed.
    Raises ExplanationError for a ``count`` or ``seed`` that is not a whole number (count within the layers).
    """
    count = whole_number(count, "count", ExplanationError, minimum=0)
    seed = whole_number(seed, "seed", ExplanationError, minimum=0)
    import keras

    weighted = [layer for layer in model.layers if hasattr(layer, "kernel") or hasattr(layer, "depthwise_kernel")]
    if not 0 <= count <= len(weighted):
        raise ExplanationError(
            f"count: the model has {len(weighted)} layers with weights; choose 0 … "
            f"{len(weighted)} to randomize from the top."
        )
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    rng = np.random.default_rng(seed)
    for layer in [layer for layer in copy.layers if hasattr(layer, "kernel") or hasattr(layer, "depthwise_kernel")][
        len(weighted) - count :
    ]:
        new = []
        for weight in layer.get_weights():
            fan_in = int(np.prod(weight.shape[:-1])) if weight.ndim > 1 else 0
            if weight.ndim == 1:  # a bias
                new.append(np.zeros_like(weight))
            else:  # He-uniform: keeps activations at a usable size through ReLUs
                limit = math.sqrt(6.0 / max(1, fan_in))
                new.append(rng.uniform(-limit, limit, weight.shape).astype(weight.dtype))
        layer.set_weights(new)
    return copy


def edge_map(
    image: ImageSource, input_size: tuple[int, int] = (224, 224), cells: int = 14, label: str = "(any class)"
) -> Explanation:
    """A map that ignores the model: the image's gradient magnitude (edges), averaged per cell.

    Raises ExplanationError for ``cells`` that is not a whole number from 1 to the input's shorter side.
    """
    side = min(check_size(input_size, "input_size"))
    cells = whole_number(cells, "cells", ExplanationError, minimum=1, maximum=side)
    pixels = model_pixels(image, input_size).astype(np.float32).mean(axis=-1)
    dy, dx = np.gradient(pixels)
    magnitude = np.hypot(dx, dy)
    height, width = magnitude.shape
    rows = np.round(np.linspace(0, height, cells + 1)).astype(int)
    cols = np.round(np.linspace(0, width, cells + 1)).astype(int)
    values = _pool_cells(magnitude, rows, cols)
    return Explanation(values, rows, cols, -1, label, "edges", float("nan"), {"cells": cells})


def _pool_cells(values: np.ndarray, row_edges: np.ndarray, col_edges: np.ndarray) -> np.ndarray:
    """The mean of a (H, W) array over each cell of a grid given by its edges (rising from 0 to H and W)."""
    sums = np.add.reduceat(np.add.reduceat(values, row_edges[:-1], axis=0), col_edges[:-1], axis=1)
    return (sums / np.outer(np.diff(row_edges), np.diff(col_edges))).astype(np.float32)


# --------------------------------------------------------------------------- sanity checks


def ranks(values: np.ndarray) -> np.ndarray:
    """The rank of each value (1 = smallest), ties sharing their average rank.

    Raises ExplanationError for values that are not finite numbers (NaN has no rank).
    """
    flat = finite_array(values, "values", ExplanationError).astype(np.float64).ravel()
    order = np.argsort(flat, kind="stable")
    sorted_values = flat[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_values)) + 1]
    stops = np.r_[starts[1:], flat.size]
    average = (starts + stops + 1) / 2  # ranks start at 1
    out = np.empty_like(flat)
    out[order] = np.repeat(average, stops - starts)
    return out


def rank_correlation(a: Explanation | np.ndarray, b: Explanation | np.ndarray) -> float:
    """Spearman's rank correlation between two maps of the same grid (1 = same order of cells).

    Raises ExplanationError for maps of different grids or holding NaN or infinite values.
    """
    first = finite_array(a.values if isinstance(a, Explanation) else a, "a", ExplanationError)
    second = finite_array(b.values if isinstance(b, Explanation) else b, "b", ExplanationError)
    if first.shape != second.shape:
        raise ExplanationError(
            f"The maps have different grids, {first.shape} and {second.shape}; compute both "
            f"with the same patch and stride (or cells) before comparing them."
        )
    x, y = ranks(first), ranks(second)
    if x.std() == 0 or y.std() == 0:
        return float("nan")  # a constant map has no order to compare
    return float(np.corrcoef(x, y)[0, 1])


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
    """A random ranking of a grid's cells: the importance map of a coin.

    Raises ExplanationError unless ``shape`` is two whole numbers ≥ 1 and ``seed`` a whole number ≥ 0.
    """
    if isinstance(shape, (str, bytes)) or not isinstance(shape, Sequence) or len(shape) != 2:
        raise ExplanationError(f"shape: expected (rows, cols) of the map's grid; got {shape!r}.")
    shape = tuple(whole_number(n, "shape", ExplanationError, minimum=1) for n in shape)
    seed = whole_number(seed, "seed", ExplanationError, minimum=0)
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)


def deletion_curve(
    model: Any,
    image: ImageSource,
    explanation: Explanation,
    *,
    order: np.ndarray | None = None,
    steps: int = 14,
    fill: int | Sequence[int] = GRAY,
    labels: Sequence[str] | None = None,
) -> DeletionCurve:
    """Cover the cells the map ranks highest first (or in ``order``) and record the class's score.

    ``steps`` + 1 points from nothing covered to everything covered; ``order`` is
    any array of the map's grid shape (e.g. ``random_order``) used instead of the map.
    Raises ExplanationError for a map of no class, a ``steps`` that is not a whole number ≥ 1, an ``order``
    of another shape or holding NaN, or a model of another input size.
    """
    model = scorer(model, labels)
    if not isinstance(explanation, Explanation):
        raise ExplanationError(
            f"explanation: expected an Explanation (from occlusion or grad_cam); got {type(explanation).__name__}."
        )
    if explanation.target < 0:
        raise ExplanationError(
            "explanation: this map belongs to no class (a model-free map); pass target maps "
            "made with occlusion or grad_cam, or draw the curve with the class's own map."
        )
    if not is_whole(steps) or steps < 1:
        raise ExplanationError(f"steps: expected a positive whole number of steps; got {steps!r}.")
    importance = explanation.values if order is None else np.asarray(order)
    if importance.shape != explanation.shape:
        raise ExplanationError(f"order: shape {importance.shape} does not match the map's grid {explanation.shape}.")
    importance = finite_array(importance, "order" if order is not None else "explanation.values", ExplanationError)
    if model.input_size != explanation.input_size:
        raise ExplanationError(
            f"model: its input is {model.input_size}, the map covers {explanation.input_size}; "
            f"use the model the map was made for."
        )
    colour = _fill_colour(fill)
    pixels = model_pixels(image, model.input_size, getattr(model, "crop", "center"))
    ranking = np.argsort(-importance.ravel(), kind="stable")
    cells = ranking.size
    counts = np.unique(np.round(np.linspace(0, cells, steps + 1)).astype(int))
    images = np.repeat(pixels[np.newaxis], len(counts), axis=0)
    rows, cols = explanation.row_edges, explanation.col_edges
    for k, count in enumerate(counts):
        for cell in ranking[:count]:
            i, j = divmod(int(cell), explanation.shape[1])
            images[k, rows[i] : rows[i + 1], cols[j] : cols[j + 1]] = colour
    scores = model.scores(images)[:, explanation.target]
    return DeletionCurve(counts / cells, scores.astype(np.float32))


@dataclass(frozen=True)
class SanityReport:
    """The three checks for one map, with what each measured and whether it passed."""

    randomized_correlation: float  # map of the randomized model vs the map (pass: below max_correlation)
    other_class_correlation: float  # map of another class vs the map (pass: below max_correlation)
    deletion_area: float  # area under the map's deletion curve
    random_deletion_area: float  # mean area for random orders (pass: the map's is smaller)
    max_correlation: float = 0.5
    map_is_constant: bool = False  # a map with one value everywhere shows nothing: every check fails

    @property
    def passed(self) -> dict[str, bool]:
        """Each check's verdict."""

        # A correlation of nan means a map is constant (no order at all). If the map under test is constant it
        # shows nothing and passes nothing; if only the other map is constant, the two certainly differ.
        informative = not self.map_is_constant
        return {
            "differs when the model is randomized": informative
            and not self.randomized_correlation >= self.max_correlation,
            "differs for another class": informative and not self.other_class_correlation >= self.max_correlation,
            "deletion beats random order": informative and bool(self.deletion_area < self.random_deletion_area),
        }


def random_deletion_area(
    model: Any,
    image: ImageSource,
    explanation: Explanation,
    *,
    repeats: int = 5,
    seed: int = 0,
    steps: int = 14,
    fill: int | Sequence[int] = GRAY,
    labels: Sequence[str] | None = None,
) -> float:
    """The mean deletion-curve area over ``repeats`` random orders of the map's cells.

    Raises ExplanationError for a ``repeats`` that is not a whole number ≥ 1 (the mean of none is undefined).
    """
    repeats = whole_number(repeats, "repeats", ExplanationError, minimum=1)
    model = scorer(model, labels)  # once: a .tflite path is not loaded again for each repeat
    return float(
        np.mean(
            [
                deletion_curve(
                    model,
                    image,
                    explanation,
                    order=random_order(explanation.shape, seed + k),
                    steps=steps,
                    fill=fill,
                ).area
                for k in range(repeats)
            ]
        )
    )


def sanity_checks(
    make_map: Callable[[Any, int | str], Explanation],
    model: Any,
    randomized: Any,
    image: ImageSource,
    target: int | str,
    other: int | str,
    *,
    deletion_model: Any | None = None,
    repeats: int = 5,
    steps: int = 14,
    max_correlation: float = 0.5,
) -> SanityReport:
    """Run the three checks on ``make_map(model, target)``: randomized model, other class, deletion curve.

    ``make_map(model, target)`` returns an Explanation (e.g. a lambda around
    ``occlusion`` or ``grad_cam``); ``randomized`` is the same model with its top
    layers re-initialized; the deletion curves run on ``deletion_model`` (default ``model``).
    Raises ExplanationError for a ``max_correlation`` outside -1 … 1 or bad ``repeats``/``steps``.
    """
    if not callable(make_map):
        raise ExplanationError(f"make_map: expected a function (model, target) → Explanation; got {make_map!r}.")
    max_correlation = real_number(max_correlation, "max_correlation", ExplanationError, minimum=-1, maximum=1)
    repeats = whole_number(repeats, "repeats", ExplanationError, minimum=1)
    explanation = make_map(model, target)
    randomized_map = make_map(randomized, target)
    other_map = make_map(model, other)
    judge = scorer(model if deletion_model is None else deletion_model)  # wrapped once for every deletion curve
    return SanityReport(
        rank_correlation(explanation, randomized_map),
        rank_correlation(explanation, other_map),
        deletion_curve(judge, image, explanation, steps=steps).area,
        random_deletion_area(judge, image, explanation, repeats=repeats, steps=steps),
        max_correlation,
        bool(np.ptp(explanation.values) == 0),
    )
