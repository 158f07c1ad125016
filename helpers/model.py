"""One LiteRT model: load it, check its image input, prepare pixels, run it and dequantize its outputs (notebook 01).

``LiteRTModel`` is the base of the classifier, feature extractor, detector and segmenter. The file is checked once,
when it is loaded; after that, tensors the package made are trusted.
"""

from __future__ import annotations

import copy
import math
import os
import threading
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from helpers.arguments import is_whole
from helpers.errors import HelpersError, ModelError, OptionError, raises_own_errors
from helpers.images import (
    MEAN,
    STD,
    ImageSource,
    Normalization,
    Region,
    _crop_box,
    _quantize_pixels,
    normalization,
    to_input,
)
from helpers.system import native_stderr, parallel_map
from helpers.tflite import ModelMetadata, TFLiteFile

# The container's CPU quota: cgroup v2's "<quota> <period>" (or "max <period>"), else cgroup v1's quota (-1: none)
# and period, in microseconds.
CPU_QUOTA_FILES = (
    ("/sys/fs/cgroup/cpu.max",),
    ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "/sys/fs/cgroup/cpu/cpu.cfs_period_us"),
)
# The most threads an interpreter may get. LiteRT accepts any count but crashes the process (SIGSEGV) when an
# interpreter with 100,000 threads is freed, and threads beyond the CPUs only add overhead: 64 is more than
# any machine these notebooks run on, and the same on every machine (so no notebook's result depends on it).
MAX_THREADS = 64
_DTYPES = ("float32", "uint8", "int8")  # the input types of an image model


def available_cpus() -> int:
    """How many CPUs this process may use: its affinity mask, capped by the container's CPU quota (at least 1)."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        count = os.cpu_count() or 1
    for files in CPU_QUOTA_FILES:
        try:
            quota, period = " ".join(Path(name).read_text() for name in files).split()[:2]
            if quota not in ("max", "-1") and float(period) > 0:
                count = min(count, math.ceil(float(quota) / float(period)))
        except (OSError, ValueError):  # no such cgroup file (not Linux, no container, the other version), or unreadable
            continue
        break
    return max(1, count)


def default_workers() -> int:
    """Worker threads for a batch of images (notebook 03): 2 (each holds a model copy; Binder gives two CPUs), or 1."""
    return min(2, available_cpus())


def _check_num_threads(num_threads: int | None) -> int:
    """``num_threads`` as an int from 1 to MAX_THREADS (None: ``available_cpus()``); OptionError for anything else."""
    if num_threads is None:
        return available_cpus()
    if not (is_whole(num_threads) and 1 <= num_threads <= MAX_THREADS):
        raise OptionError(
            f"num_threads must be a whole number ≥ 1 and at most {MAX_THREADS} (or None for the {available_cpus()} "
            f"CPUs this process may use); got {num_threads!r}. More threads than CPUs only add overhead, and LiteRT "
            f"crashes the whole process with a huge count."
        )
    return int(num_threads)


@raises_own_errors(ModelError)
def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``real = scale * (q - zero_point)``; float tensors (scale 0) pass through as float32 (text: a ModelError)."""
    return _dequantize(np.asarray(values) + 0, float(scale), float(zero_point))  # + 0: text fails here


def _dequantize(values: np.ndarray, scale: float, zero_point: float) -> np.ndarray:
    """``dequantize`` on a tensor LiteRT returned and its own (float) quantization parameters."""
    if scale == 0:
        return np.asarray(values, dtype=np.float32)
    return (np.asarray(values, dtype=np.float32) - zero_point) * np.float32(scale)


def _open(model_path: str | os.PathLike) -> TFLiteFile:
    """The model file, refused before LiteRT reads it if it is not a file or has a quantization LiteRT cannot take."""
    if not isinstance(model_path, (str, os.PathLike)):
        raise ModelError(
            f"No model file at {str(model_path)[:60]!r}: model_path must be a file path (str or Path) to a .tflite "
            f"file. Fetch models by name with helpers.assets.fetch('models/…'); save bytes with quantize.save_model."
        )
    file = TFLiteFile(model_path)
    file.check_quantization()
    return file


def load_interpreter(model_path: str | os.PathLike, num_threads: int | None = None) -> Interpreter:
    """A ready (allocated) LiteRT interpreter; ModelError for a file LiteRT cannot load or a dynamic input shape."""
    return _interpreter(_open(model_path).path, _check_num_threads(num_threads), ModelError)


def _interpreter(path: Path, threads: int, error: type[HelpersError]) -> Interpreter:
    """load_interpreter on a checked file and thread count, raising ``error`` (the wrapper's own) for a dynamic input."""
    try:
        with native_stderr():  # LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." is not an error
            interpreter = Interpreter(model_path=str(path), num_threads=threads)
            for details in interpreter.get_input_details():  # the one check for dynamic inputs, for every wrapper
                signature = tuple(int(d) for d in details["shape_signature"])
                if min(signature[1:], default=1) < 0:
                    raise error(
                        f"'{path.name}' has a dynamic input shape {signature} (-1 = set at run time); this suite "
                        f"runs models with a fixed image size. Convert it with a fixed input, e.g. (1, 224, 224, 3)."
                    )
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        raise ModelError(
            f"LiteRT cannot load '{path}': {exc}. The file may be truncated (fetch it again), or use operations "
            f"this LiteRT version lacks."
        ) from exc
    return interpreter


def _choose_normalization(
    mean: Normalization | None, std: Normalization | None, metadata: ModelMetadata | None, input_details: dict
) -> tuple[Normalization | None, Normalization | None, str]:
    """(mean, std, where they came from): the caller's, else a float32 input's metadata's, else MobileNet's; (None,
    None) for a uint8/int8 input, which takes the pixel bytes as they are."""
    dtype = np.dtype(input_details["dtype"])
    if normalization(mean, std, dtype, tuple(map(float, input_details["quantization"]))) is not None:
        return mean, std, "given"
    if dtype != np.float32:
        return None, None, f"the {dtype.name} input's quantization (pixels go in as bytes)"
    inputs = metadata.inputs if metadata else ()
    if inputs and inputs[0].mean is not None and inputs[0].std is not None:
        return inputs[0].mean, inputs[0].std, "the model's metadata"
    return MEAN, STD, "default (MobileNet: 127.5, 127.5)"


KINDS = {  # what a model is, by its outputs: (its name, what to run it with)
    "classifier": ("an image classifier", "helpers.classify.Classifier(model_path, labels)"),
    "detector": ("an object detector", "helpers.detection.detect(model_path, image)"),
    "segmenter": ("a segmentation model", "helpers.segmentation.segment(model_path, image)"),
}


def model_kind(outputs: list[dict]) -> tuple[str | None, str]:
    """(a key of KINDS or None, what the outputs are in words), judged by the output tensors' shapes."""
    shapes = [_shape(details) for details in outputs]
    if len(shapes) == 4 and any(len(shape) == 3 and shape[-1] == 4 for shape in shapes):
        return "detector", "4 outputs: boxes, classes, scores and their count"
    if len(shapes) == 1 and len(shapes[0]) == 4 and shapes[0][1] * shapes[0][2] > 1 and shapes[0][3] > 1:
        height, width, classes = shapes[0][1:]
        return "segmenter", f"{height}×{width}×{classes} scores, a set of {classes} for every pixel"
    if len(shapes) == 1 and int(np.prod(shapes[0][1:])) > 1:
        return "classifier", f"one output of {int(np.prod(shapes[0][1:]))} scores for the whole image"
    return None, f"{len(shapes)} output(s) of shape {', '.join(map(str, shapes))}"


def _shape(details: dict) -> tuple[int, ...]:
    return tuple(int(d) for d in details["shape"])


class LiteRTModel:
    """A .tflite model with one image input: load, validate, prepare pixels, run, dequantize (notebook 01). ModelError
    for a file LiteRT cannot load; the class's ``error`` for the wrong kind of model; OptionError for the options."""

    error: type[HelpersError] = ModelError  # the error a subclass raises when the model is the wrong kind
    kind: str | None = None  # the KINDS key a subclass needs (None: any outputs)

    def __init__(
        self,
        model_path: str | os.PathLike,
        num_threads: int | None = None,
        *,
        mean: Normalization | None = None,
        std: Normalization | None = None,
    ) -> None:
        file = _open(model_path)
        self.model_path = file.path
        self.num_threads = _check_num_threads(num_threads)
        self.interpreter = _interpreter(self.model_path, self.num_threads, self.error)
        # One interpreter holds one input and one output at a time: calls from several threads take turns
        # (without this, a thread could read another photo's answer). For parallel work use clone() per thread.
        self._lock = threading.Lock()
        #: Every output tensor's details (name, index, shape, dtype, quantization).
        self.outputs: list[dict] = self.interpreter.get_output_details()
        inputs = self.interpreter.get_input_details()
        self.input_details, self.output_details = inputs[0], self.outputs[0]
        problem = (
            self.kind_problem(self.model_path.name, self.outputs) or self._input_problem(inputs) or self._graph(file)
        )
        if problem:
            raise self.error(problem)
        #: The model's TFLite metadata (helpers.tflite), or None for a file without it.
        self.metadata: ModelMetadata | None = file.metadata()
        self.mean, self.std, self.normalization_source = _choose_normalization(
            mean, std, self.metadata, self.input_details
        )
        # Read once, trusted on every call.
        self._input_index = self.input_details["index"]
        self._input_shape = _shape(self.input_details)
        self._quantization = (np.dtype(self.input_details["dtype"]), *map(float, self.input_details["quantization"]))
        self._normalization = normalization(self.mean, self.std, self._quantization[0], self._quantization[1:])
        self._dequantization = [(d["index"], *map(float, d["quantization"])) for d in self.outputs]

    def kind_problem(self, name: str, outputs: list[dict]) -> str | None:
        """Why a model with these outputs is not of this wrapper's ``kind`` (None if it is, or any kind will do)."""
        found, outputs_in_words = model_kind(outputs)
        if self.kind is None or found == self.kind:
            return None
        wanted = KINDS[self.kind][0]
        if found is None:
            return f"'{name}' has {outputs_in_words}: not {wanted}."
        return f"'{name}' is {KINDS[found][0]}, not {wanted}: {outputs_in_words}. Use {KINDS[found][1]}."

    def _graph(self, file: TFLiteFile) -> str | None:
        """Why this model's graph does not suit the wrapper (None: it does); a subclass reads what it needs."""
        return None

    def _input_problem(self, inputs: list[dict]) -> str | None:
        """Why these inputs are not one image (1, H, W, 3) of float32, uint8 or int8 (None if they are)."""
        shape, dtype = _shape(inputs[0]), np.dtype(inputs[0]["dtype"])
        if len(inputs) == 1 and len(shape) == 4 and (shape[0], shape[3]) == (1, 3) and dtype.name in _DTYPES:
            return None
        batches = (
            f" It takes batches of {shape[0]} images; these helpers feed one image at a time: convert the model "
            f"with batch size 1 (or None)."
            if len(shape) == 4 and shape[0] > 1
            else ""
        )
        return (
            f"'{self.model_path.name}' has {len(inputs)} input(s), the first a {dtype.name} tensor of shape {shape}: "
            f"this needs an image input: it needs one image (1, height, width, 3) of float32, uint8 or int8.{batches}"
        )

    @property
    def input_size(self) -> tuple[int, int]:
        """The model's input (width, height) in pixels."""
        return self._input_shape[2], self._input_shape[1]

    def _pixels(self, pixels: np.ndarray, batch: bool = False) -> np.ndarray:
        """``pixels`` as (N, H, W, 3) uint8 of this input's size (one (H, W, 3) image gets its batch axis)."""
        array = np.asarray(pixels)
        array = array[np.newaxis] if array.ndim == 3 and not batch else array
        _, height, width, _ = self._input_shape
        if array.dtype != np.uint8 or array.shape[1:] != (height, width, 3) or not (batch or len(array) == 1):
            raise self.error(
                f"Expected uint8 pixels of shape ({height}, {width}, 3){', a batch (N, ...)' if batch else ''} for "
                f"'{self.model_path.name}'; got {array.dtype} {array.shape}. Resize with "
                f"helpers.images.resize_for_model first."
            )
        return array

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Already-resized (H, W, 3) or (1, H, W, 3) uint8 pixels → this model's input tensor."""
        return self._tensor(self._pixels(pixels))

    def _tensor(self, pixels: np.ndarray) -> np.ndarray:
        """(1, H, W, 3) uint8 pixels of this input's size → the input tensor, by ``helpers.images``' rule."""
        return _quantize_pixels(pixels, *self._quantization, self._normalization)

    def preprocess(self, image: ImageSource, crop: str | float = "center", region: Region | None = None) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` with this model's normalization; raises what ``to_input`` raises."""
        _, height, width, _ = self._input_shape
        if (
            region is None
            and isinstance(image, np.ndarray)
            and image.dtype == np.uint8
            and image.shape == self._input_shape[1:]
            and _crop_box((width, height), crop) in (None, (0, 0, width, height))
        ):  # already this input's pixels: cropping and resizing would copy them unchanged
            return self._tensor(image[np.newaxis])
        return to_input(image, self.input_details, crop=crop, mean=self.mean, std=self.std, region=region)

    def _checked(self, tensor: object) -> np.ndarray:
        """``tensor`` if it is an array of the input's shape and dtype with finite values; else the wrapper's error."""
        dtype, shape = self._quantization[0], self._input_shape
        if not (
            isinstance(tensor, np.ndarray)
            and tensor.shape == shape
            and tensor.dtype == dtype
            and (dtype.kind != "f" or np.isfinite(tensor).all())
        ):
            got = f"{tensor.dtype} {tensor.shape}" if isinstance(tensor, np.ndarray) else type(tensor).__name__
            raise self.error(
                f"tensor must be a {dtype.name} array of shape {shape} for '{self.model_path.name}' (it takes "
                f"{shape[2]}×{shape[1]} images); got {got}. It must hold finite values (no NaN): make it with "
                f"preprocess(image), or prepare(pixels) for uint8 pixels resized with helpers.images.resize_for_model."
            )
        return tensor

    def invoke(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run the model on one prepared input tensor (see ``_checked``); every output, dequantized (float32)."""
        return self._invoke(self._checked(tensor))

    def _invoke(self, tensor: np.ndarray) -> list[np.ndarray]:  # on a tensor the package made
        with self._lock:
            self.interpreter.set_tensor(self._input_index, tensor)
            self.interpreter.invoke()
            raw = [self.interpreter.get_tensor(index) for index, _, _ in self._dequantization]
        return [_dequantize(values, scale, zero) for values, (_, scale, zero) in zip(raw, self._dequantization)]

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Run the model on one prepared input tensor; the first output, dequantized, as one row. Raises as ``invoke``."""
        return self._run(self._checked(tensor))

    def _run(self, tensor: np.ndarray) -> np.ndarray:  # on a tensor the package made
        return self._invoke(tensor)[0].reshape(-1)

    def clone(self, num_threads: int = 1) -> LiteRTModel:
        """The same model and settings on its own interpreter (single-threaded by default): one per worker thread."""
        twin = copy.copy(self)
        twin.num_threads = _check_num_threads(num_threads)
        twin.interpreter = _interpreter(self.model_path, twin.num_threads, self.error)
        twin._lock = threading.Lock()
        twin._clones = []
        return twin

    def run_batch(self, pixels: np.ndarray, workers: int | None = None, progress: str | None = None) -> np.ndarray:
        """``run`` for each of (N, H, W, 3) model-sized uint8 images: (N, outputs), on ``workers`` clones at once."""
        array = self._pixels(pixels, batch=True)
        out = np.empty((len(array), int(np.prod(self.output_details["shape"][1:]))), dtype=np.float32)
        stock = self.__dict__.setdefault("_clones", [])  # single-threaded clones, kept for the next call
        taken: list[LiteRTModel] = []

        def take_clone() -> LiteRTModel:
            clone = stock.pop() if stock else self.clone()
            taken.append(clone)
            return clone

        def work(clone: LiteRTModel, i: int) -> None:
            out[i] = clone._run(clone._tensor(array[i : i + 1]))

        try:
            bar = None if progress is None else {"desc": progress, "unit": "img"}
            parallel_map(
                work, range(len(array)), workers=_check_num_threads(workers), worker_state=take_clone, progress=bar
            )
        finally:
            stock.extend(taken)
        return out

    def describe(self) -> dict[str, object]:
        """The input and output tensors' shape, type and quantization, for display."""
        described: dict[str, object] = {"model": self.model_path.name}
        for key, details in (("input", self.input_details), ("output", self.output_details)):
            scale, zero_point = details["quantization"]
            values = (_shape(details), np.dtype(details["dtype"]).name, float(scale), int(zero_point))
            described[key] = dict(zip(("shape", "dtype", "scale", "zero_point"), values, strict=True))
        return described
