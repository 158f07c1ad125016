"""Run a .tflite image classifier with LiteRT and read its answer.

Notebook 01 writes these steps out by hand (``Interpreter``, ``set_tensor``,
``invoke``, ``get_tensor``, dequantize); this module packages them for the later
notebooks. It uses ``ai_edge_litert`` (the successor of ``tf.lite.Interpreter``)
and never imports TensorFlow.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from helpers.errors import LabelError, ModelError, OptionError
from helpers.images import MEAN, STD, ImageSource, Normalization, Region, to_input
from helpers.metadata import ModelMetadata, metadata_or_none, read_metadata
from helpers.quiet import native_stderr

BACKGROUND = "background"


def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``real = scale * (q - zero_point)``; float tensors (scale 0) pass through as float32."""
    if scale == 0:
        return np.asarray(values, dtype=np.float32)
    return (np.asarray(values, dtype=np.float32) - zero_point) * np.float32(scale)


def is_tflite(data: bytes) -> bool:
    """True when ``data`` starts like a TensorFlow Lite flatbuffer ('TFL3' at byte 4)."""
    return len(data) >= 8 and data[4:8] == b"TFL3"


def ranked(probs: np.ndarray, k: int) -> np.ndarray:
    """The indices of the ``k`` largest values, largest first; ties go to the lower index."""
    return np.argsort(-np.asarray(probs).ravel(), kind="stable")[:k]


def top_k(probs: np.ndarray, labels: Sequence[str], k: int = 5) -> list[tuple[str, float]]:
    """The ``k`` most probable (label, probability) pairs, most probable first."""
    probs = np.asarray(probs).ravel()
    if len(labels) != probs.size:
        raise LabelError(f"{len(labels)} labels for {probs.size} probabilities; they must match one to one.")
    order = ranked(probs, k)
    return [(labels[i], float(probs[i])) for i in order]


def align_labels(labels: Sequence[str], num_outputs: int, source: str = "the labels") -> list[str]:
    """Match a label list to a model's output size, adding or dropping ImageNet's "background"."""
    labels = list(labels)
    if len(labels) == num_outputs:
        return labels
    if len(labels) == num_outputs + 1 and labels[0].lower() == BACKGROUND:
        return labels[1:]
    if num_outputs == 1001 and len(labels) == 1000:  # ImageNet labels without the extra first class
        return [BACKGROUND, *labels]
    raise LabelError(
        f"{source} has {len(labels)} labels but the model has {num_outputs} outputs. "
        f"Use the label file that belongs to this model (ImageNet models with 1001 outputs "
        f"need imagenet_labels.txt, whose first line is 'background')."
    )


def load_interpreter(model_path: str | os.PathLike, num_threads: int | None = None) -> Interpreter:
    """A ready (allocated) LiteRT interpreter, or a ModelError saying what is wrong with the file."""
    path = Path(model_path)
    if not path.is_file():
        raise ModelError(f"No model file at '{path}'. Fetch models by name with helpers.assets.fetch(...).")
    if path.stat().st_size == 0:
        raise ModelError(f"'{path}' is empty (0 bytes): the download did not finish; fetch it again.")
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not is_tflite(head):
        raise ModelError(
            f"'{path}' is not a TensorFlow Lite model (a .tflite file has 'TFL3' at byte 4; "
            f"this one starts with {head!r}). Is it an HTML page, a .h5/.pb file or a zip? "
            f"Download the .tflite file itself."
        )
    try:
        with native_stderr():  # LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." is not an error
            interpreter = Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"LiteRT cannot load '{path}': {exc}. The file may be truncated; fetch it again.") from exc
    return interpreter


_top_k = top_k  # Classifier.classify's argument is also called top_k


def open_task_model(
    model_path: str | os.PathLike,
    kind_problem: Callable[[str, list[dict]], str | None],
    labels: Sequence[str] | None = None,
    num_threads: int | None = None,
) -> tuple[Interpreter, list[dict], ModelMetadata | None, list[str]]:
    """Load a detector or segmenter: (interpreter, output details, metadata or None, labels given or from metadata).

    ``kind_problem(name, outputs)`` says why the model is the wrong kind (a ModelError), or None.
    """
    interpreter = load_interpreter(model_path, num_threads)
    outputs = interpreter.get_output_details()
    problem = kind_problem(Path(model_path).name, outputs)
    if problem:
        raise ModelError(problem)
    metadata = metadata_or_none(model_path)
    if labels is None:
        labels = (metadata or read_metadata(model_path, "labels")).labels()
    return interpreter, outputs, metadata, list(labels)


def choose_normalization(mean: Normalization | None, std: Normalization | None, metadata: ModelMetadata | None,
                         dtype: np.dtype) -> tuple[Normalization, Normalization, str]:
    """(mean, std, where they came from): the caller's; else, for float inputs, the metadata's; else 127.5/127.5.

    A uint8/int8 input's scale and zero point already say what its bytes mean, so there the
    metadata's normalization is not applied (as in MediaPipe and the Task Library: pixels go in as bytes).
    """
    if (mean is None) != (std is None):
        raise OptionError("Give both mean and std (pixels become (pixel - mean) / std), or neither.")
    if mean is not None:
        return mean, std, "given"
    inputs = metadata.inputs if metadata else ()
    if np.dtype(dtype) == np.float32 and inputs and inputs[0].mean is not None and inputs[0].std is not None:
        return inputs[0].mean, inputs[0].std, "the model's metadata"
    return MEAN, STD, "default (MobileNet: 127.5, 127.5)"


def model_kind_problem(name: str, outputs: list[dict]) -> str | None:
    """Why a model with these output details is not an image classifier (None if it looks like one)."""
    shapes = [tuple(int(d) for d in o["shape"]) for o in outputs]
    if len(shapes) == 4 and any(len(shape) == 3 and shape[-1] == 4 for shape in shapes):
        return (f"'{name}' is an object detector (4 outputs: boxes, classes, scores, count), not a classifier. "
                f"Use helpers.detection.detect(model_path, image).")
    if len(shapes) != 1:
        return f"'{name}' has {len(shapes)} outputs; an image classifier has one (a score per label)."
    shape = shapes[0]
    if len(shape) == 4 and shape[1] * shape[2] > 1:
        return (f"'{name}' outputs {shape[1]}×{shape[2]}×{shape[3]} scores, one set of {shape[3]} per pixel: a "
                f"segmentation model, not a classifier. Use helpers.segmentation.segment(model_path, image).")
    return None


def check_score_threshold(score_threshold: float | None) -> float | None:
    """``score_threshold`` as a float in [0, 1] (None stays None), or an OptionError."""
    if score_threshold is None:
        return None
    try:
        value = float(score_threshold)
    except (TypeError, ValueError):
        raise OptionError(f"score_threshold must be a number between 0 and 1; got {score_threshold!r}.") from None
    if not 0.0 <= value <= 1.0:
        raise OptionError(f"score_threshold must be between 0 and 1 (scores are probabilities); got {value:g}. "
                          f"For 'at least 50 %' write 0.5.")
    return value


def check_max_results(max_results: int | None, name: str = "max_results") -> int | None:
    """``max_results`` as a positive int (None means all), or an OptionError."""
    if max_results is None:
        return None
    if isinstance(max_results, bool) or not isinstance(max_results, (int, np.integer)) or max_results < 1:
        raise OptionError(f"{name} must be a whole number ≥ 1, or None for all; got {max_results!r}.")
    return int(max_results)


def label_indices(wanted: Sequence[str], labels: Sequence[str], option: str) -> set[int]:
    """The indices of ``wanted`` labels, or a LabelError naming each unknown one (with close matches)."""
    import difflib

    if isinstance(wanted, str):
        raise OptionError(f"{option} takes a list of labels, such as [{wanted!r}]; got the string {wanted!r}.")
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    found: set[int] = set()
    for label in wanted:
        if label not in positions:
            close = difflib.get_close_matches(str(label), list(positions), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise LabelError(f"{option} names {label!r}, which is not one of the model's labels.{hint}")
        found.update(positions[label])
    return found


class Classifier:
    """A LiteRT image classifier: an image in, probabilities per label out.

    Introduced in notebook 01, where each step is first written out by hand.
    """

    def __init__(
        self,
        model_path: str | os.PathLike,
        labels: Sequence[str] | None = None,
        num_threads: int | None = None,
        crop: str | float = "center",
        mean: Normalization | None = None,
        std: Normalization | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.num_threads = num_threads or os.cpu_count() or 1
        self.crop = crop
        self.interpreter = load_interpreter(model_path, self.num_threads)
        inputs = self.interpreter.get_input_details()
        outputs = self.interpreter.get_output_details()
        problem = model_kind_problem(self.model_path.name, outputs)
        if problem is None and len(inputs) != 1:
            problem = f"'{self.model_path.name}' has {len(inputs)} inputs; an image classifier has one (the image)."
        if problem:
            raise ModelError(problem)
        self.input_details, self.output_details = inputs[0], outputs[0]
        shape = tuple(int(d) for d in self.input_details["shape"])
        dtype = np.dtype(self.input_details["dtype"])
        if len(shape) != 4 or shape[-1] != 3 or dtype not in (np.float32, np.uint8, np.int8):
            raise ModelError(
                f"'{self.model_path.name}' takes a {dtype} tensor of shape {shape}; this classifier needs "
                f"an image input (1, H, W, 3) of float32, uint8 or int8."
            )
        self.num_outputs = int(np.prod(self.output_details["shape"][1:]))
        #: The model's TFLite metadata (helpers.metadata), or None for a file without it.
        self.metadata: ModelMetadata | None = metadata_or_none(self.model_path)
        self.labels, self.labels_source = self._choose_labels(labels)
        self.mean, self.std, self.normalization_source = self._choose_normalization(mean, std, dtype)

    def _choose_labels(self, labels: Sequence[str] | None) -> tuple[list[str], str]:
        """Labels given by the caller win; then the metadata's labels file; then output numbers."""
        if labels is not None:
            return align_labels(labels, self.num_outputs, "the label list"), "given"
        file = next((t.label_file for t in (self.metadata.outputs if self.metadata else ()) if t.label_file), None)
        if file is not None:
            source = f"{file.name} in the model's metadata"
            return align_labels(self.metadata.labels(), self.num_outputs, source), source
        return [str(i) for i in range(self.num_outputs)], "output numbers (no labels given, none in the model)"

    def _choose_normalization(self, mean: Normalization | None, std: Normalization | None,
                              dtype: np.dtype) -> tuple[Normalization, Normalization, str]:
        return choose_normalization(mean, std, self.metadata, dtype)

    @property
    def input_size(self) -> tuple[int, int]:
        """The model's input (width, height) in pixels."""
        _, height, width, _ = self.input_details["shape"]
        return int(width), int(height)

    @property
    def class_offset(self) -> int:
        """1 when output 0 is ImageNet's "background" (1001-output models), else 0."""
        return 1 if self.labels and self.labels[0].lower() == BACKGROUND else 0

    def describe(self) -> dict[str, object]:
        """The input and output tensors' shape, type and quantization, for display."""

        def info(details: dict) -> dict[str, object]:
            scale, zero_point = details["quantization"]
            return {
                "shape": tuple(int(d) for d in details["shape"]),
                "dtype": np.dtype(details["dtype"]).name,
                "scale": float(scale),
                "zero_point": int(zero_point),
            }

        return {"model": self.model_path.name, "input": info(self.input_details), "output": info(self.output_details)}

    def preprocess(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` (see helpers.images.to_input)."""
        return to_input(image, self.input_details, crop=self.crop, mean=self.mean, std=self.std, region=region)

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Invoke the model on one prepared input tensor; return the dequantized output row."""
        self.interpreter.set_tensor(self.input_details["index"], tensor)
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.output_details["index"])
        scale, zero_point = self.output_details["quantization"]
        return dequantize(raw, float(scale), int(zero_point)).reshape(-1)

    def predict(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """Probabilities (one per label, dequantized) for one image, or for ``region`` = (x, y, w, h) of it."""
        return self.run(self.preprocess(image, region))

    def predict_batch(self, images: Sequence[ImageSource]) -> np.ndarray:
        """Probabilities for several images, shape (len(images), num_labels)."""
        if len(images) == 0:
            return np.zeros((0, self.num_outputs), dtype=np.float32)
        return np.stack([self.predict(image) for image in images])

    def classify(
        self,
        image: ImageSource,
        top_k: int | None = 5,
        *,
        score_threshold: float | None = None,
        allow_labels: Sequence[str] | None = None,
        deny_labels: Sequence[str] | None = None,
        region: Region | None = None,
    ) -> list[tuple[str, float]]:
        """The ``top_k`` most probable (label, probability) pairs for one image, after the options below.

        The options do what MediaPipe's ImageClassifierOptions do (notebook 01): ``top_k`` is its
        max_results (None: all); ``score_threshold`` drops scores below it; ``allow_labels`` keeps only
        those labels, ``deny_labels`` drops them (give one or the other); ``region`` = (x, y, width, height)
        in pixels classifies that part of the photo (its region of interest).
        """
        top_k = check_max_results(top_k, "top_k")
        threshold = check_score_threshold(score_threshold)
        if allow_labels is not None and deny_labels is not None:
            raise OptionError("Give allow_labels or deny_labels, not both (MediaPipe also refuses both).")
        probs = self.predict(image, region)
        if threshold is None and allow_labels is None and deny_labels is None:
            return _top_k(probs, self.labels, probs.size if top_k is None else top_k)
        keep = np.ones(probs.size, dtype=bool)
        if allow_labels is not None:
            keep[:] = False
            keep[list(label_indices(allow_labels, self.labels, "allow_labels"))] = True
        if deny_labels is not None:
            keep[list(label_indices(deny_labels, self.labels, "deny_labels"))] = False
        if threshold is not None:
            keep &= probs >= threshold
        order = [i for i in ranked(probs, probs.size) if keep[i]]
        return [(self.labels[i], float(probs[i])) for i in order[:top_k]]

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        return f"Classifier('{self.model_path.name}', {width}×{height} {dtype}, {self.num_outputs} outputs)"
