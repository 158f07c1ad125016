"""Run a .tflite image classifier with LiteRT and read its answer.

Notebook 01 writes these steps out by hand (``Interpreter``, ``set_tensor``,
``invoke``, ``get_tensor``, dequantize); this module packages them for the later
notebooks. It uses ``ai_edge_litert`` (the successor of ``tf.lite.Interpreter``)
and never imports TensorFlow.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from helpers.errors import LabelError, ModelError
from helpers.images import ImageSource, to_input

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
        interpreter = Interpreter(model_path=str(path), num_threads=num_threads or os.cpu_count())
        interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"LiteRT cannot load '{path}': {exc}. The file may be truncated; fetch it again.") from exc
    return interpreter


_top_k = top_k  # Classifier.classify's argument is also called top_k


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
    ) -> None:
        self.model_path = Path(model_path)
        self.num_threads = num_threads or os.cpu_count() or 1
        self.crop = crop
        self.interpreter = load_interpreter(model_path, self.num_threads)
        inputs = self.interpreter.get_input_details()
        outputs = self.interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ModelError(
                f"'{self.model_path.name}' has {len(inputs)} inputs and {len(outputs)} outputs; "
                f"an image classifier has one of each."
            )
        self.input_details, self.output_details = inputs[0], outputs[0]
        shape = tuple(int(d) for d in self.input_details["shape"])
        dtype = np.dtype(self.input_details["dtype"])
        if len(shape) != 4 or shape[-1] != 3 or dtype not in (np.float32, np.uint8, np.int8):
            raise ModelError(
                f"'{self.model_path.name}' takes a {dtype} tensor of shape {shape}; this classifier needs "
                f"an image input (1, H, W, 3) of float32, uint8 or int8."
            )
        self.num_outputs = int(np.prod(self.output_details["shape"][1:]))
        self.labels = (
            align_labels(labels, self.num_outputs, "the label list")
            if labels is not None
            else [str(i) for i in range(self.num_outputs)]
        )

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

    def preprocess(self, image: ImageSource) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` (see helpers.images.to_input)."""
        return to_input(image, self.input_details, crop=self.crop)

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Invoke the model on one prepared input tensor; return the dequantized output row."""
        self.interpreter.set_tensor(self.input_details["index"], tensor)
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.output_details["index"])
        scale, zero_point = self.output_details["quantization"]
        return dequantize(raw, float(scale), int(zero_point)).reshape(-1)

    def predict(self, image: ImageSource) -> np.ndarray:
        """Probabilities (one per label, dequantized) for one image."""
        return self.run(self.preprocess(image))

    def predict_batch(self, images: Sequence[ImageSource]) -> np.ndarray:
        """Probabilities for several images, shape (len(images), num_labels)."""
        if len(images) == 0:
            return np.zeros((0, self.num_outputs), dtype=np.float32)
        return np.stack([self.predict(image) for image in images])

    def classify(self, image: ImageSource, top_k: int = 5) -> list[tuple[str, float]]:
        """The ``top_k`` most probable (label, probability) pairs for one image."""
        return _top_k(self.predict(image), self.labels, top_k)

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        return f"Classifier('{self.model_path.name}', {width}×{height} {dtype}, {self.num_outputs} outputs)"
