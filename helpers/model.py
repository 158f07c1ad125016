"""One LiteRT model: load it, check its image input, prepare pixels, run it and dequantize its outputs.

Introduced in notebook 01, which writes these steps out by hand. ``LiteRTModel`` is the base of
``helpers.classify.Classifier``, ``helpers.transfer.FeatureExtractor``, detection and segmentation;
it takes one fixed-size image (1, H, W, 3) of float32, uint8 or int8, prepares pixels by one rule
(``choose_normalization``), and by default uses the CPUs this process may use (``available_cpus``:
affinity mask and container quota, not ``os.cpu_count()``). It never imports TensorFlow.
"""

from __future__ import annotations

import copy
import math
import os
import threading
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from helpers.arguments import real_number
from helpers.errors import HelpersError, ModelError, OptionError
from helpers.images import (
    MEAN,
    STD,
    ImageSource,
    Normalization,
    Region,
    _crop_box,
    _quantize_pixels,
    normalization_array,
    to_input,
)
from helpers.system import native_stderr, parallel_map
from helpers.tflite import ModelMetadata, TFLiteFile, is_tflite

CPU_MAX = Path("/sys/fs/cgroup/cpu.max")  # cgroup v2: "<quota> <period>" in microseconds, or "max <period>"
CFS_QUOTA = Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us")  # cgroup v1: the quota (-1: none) ...
CFS_PERIOD = Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us")  # ... per period, in microseconds
# The most threads an interpreter may get. LiteRT accepts any count but crashes the process (SIGSEGV) when an
# interpreter with 100,000 threads is freed, and threads beyond the CPUs only add overhead: 64 is more than
# any machine these notebooks run on, and the same on every machine (so no notebook's result depends on it).
MAX_THREADS = 64


def available_cpus() -> int:
    """How many CPUs this process may use: its affinity mask, capped by the container's CPU quota (at least 1).

    The quota is read from cgroup v2 (``cpu.max``), else cgroup v1 (``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``).
    """
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS and Windows have no affinity call
        count = os.cpu_count() or 1
    for read in (lambda: CPU_MAX.read_text().split()[:2], lambda: (CFS_QUOTA.read_text(), CFS_PERIOD.read_text())):
        try:
            quota, period = read()
        except (OSError, ValueError):  # no such cgroup file (not Linux, not in a container, or the other version)
            continue
        try:
            if quota.strip() not in ("max", "-1") and float(period) > 0:
                count = min(count, math.ceil(float(quota) / float(period)))
        except ValueError:  # an unreadable quota: none assumed
            pass
        break
    return max(1, count)


def default_workers() -> int:
    """Worker threads for a batch of images: 2, or 1 where this process may use a single CPU.

    Introduced in notebook 03. Each worker holds its own single-threaded model copy, so two keep the
    memory low (Binder gives two CPUs), and the answers do not depend on the count.
    """
    return min(2, available_cpus())


def check_num_threads(num_threads: int | None) -> int:
    """``num_threads`` as an int from 1 to MAX_THREADS (None: ``available_cpus()``), or an OptionError.

    Raises OptionError for anything else (a float, a bool, 0, or more than MAX_THREADS).
    """
    if num_threads is None:
        return available_cpus()
    if isinstance(num_threads, bool) or not isinstance(num_threads, (int, np.integer)) or num_threads < 1:
        raise OptionError(
            f"num_threads must be a whole number ≥ 1 (or None for the {available_cpus()} CPUs this "
            f"process may use); got {num_threads!r}."
        )
    if num_threads > MAX_THREADS:
        raise OptionError(
            f"num_threads must be at most {MAX_THREADS}; got {num_threads}. This process may use "
            f"{available_cpus()} CPUs, so more threads only add overhead, and LiteRT crashes the whole process "
            f"with a huge count. Use None for all of them."
        )
    return int(num_threads)


def dequantize(values: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    """``real = scale * (q - zero_point)``; float tensors (scale 0) pass through as float32.

    Raises ModelError for values that are not numbers, or a scale or zero point that is not a finite number.
    """
    scale = real_number(scale, "scale", ModelError, minimum=0)
    zero_point = real_number(zero_point, "zero_point", ModelError)
    if np.asarray(values).dtype.kind not in "biuf":
        raise ModelError(f"values must be a tensor of numbers; got {type(values).__name__} ({values!r:.60}).")
    return _dequantize(values, scale, zero_point)


def _dequantize(values: np.ndarray, scale: float, zero_point: float) -> np.ndarray:
    """``dequantize`` on a tensor LiteRT returned and its own (float) quantization parameters."""
    if scale == 0:
        return np.asarray(values, dtype=np.float32)
    return (np.asarray(values, dtype=np.float32) - zero_point) * np.float32(scale)


def model_file(model_path: str | os.PathLike) -> Path:
    """``model_path`` as a Path to an existing, non-empty .tflite file, or a ModelError saying what is wrong.

    Raises ModelError for a path that is not a str or Path, a missing or empty file, or one that is not a TFLite model.
    """
    if not isinstance(model_path, (str, os.PathLike)):
        raise ModelError(
            f"model_path must be a file path (str or Path); got {type(model_path).__name__}. "
            f"Fetch models by name with helpers.assets.fetch('models/…')."
        )
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
    return path


def load_interpreter(model_path: str | os.PathLike, num_threads: int | None = None) -> Interpreter:
    """A ready (allocated) LiteRT interpreter, or a ModelError saying what is wrong with the file.

    Raises ModelError also for a model with a dynamic input shape (-1 other than the batch axis), which
    LiteRT would allocate as 1×1 pixels; OptionError for ``num_threads`` (see check_num_threads).
    """
    return _interpreter(model_file(model_path), check_num_threads(num_threads), ModelError)


def _interpreter(path: Path, threads: int, error: type[HelpersError]) -> Interpreter:
    """load_interpreter on a checked file and thread count, raising ``error`` (the wrapper's own) for a dynamic input."""
    try:
        with native_stderr():  # LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." is not an error
            interpreter = Interpreter(model_path=str(path), num_threads=threads)
    except (ValueError, RuntimeError) as exc:
        raise ModelError(f"LiteRT cannot read '{path}': {exc}. The file may be truncated; fetch it again.") from exc
    try:
        with native_stderr():
            interpreter.allocate_tensors()
    except (ValueError, RuntimeError) as exc:
        _check_fixed_size(path.name, interpreter.get_input_details(), error)
        raise ModelError(
            f"LiteRT read '{path}' but cannot prepare its tensors: {exc}. The model may use "
            f"operations this LiteRT version lacks, or need inputs of a size set at run time."
        ) from exc
    _check_fixed_size(path.name, interpreter.get_input_details(), error)
    return interpreter


def _check_fixed_size(name: str, inputs: list[dict], error: type[HelpersError]) -> None:
    """The one check for dynamic input shapes (-1 other than the batch axis), for every way a model is loaded."""
    for details in inputs:
        signature = _shape(details, "shape_signature")
        if any(d < 0 for d in signature[1:]):
            raise error(_dynamic(name, signature))


def choose_normalization(
    mean: Normalization | None, std: Normalization | None, metadata: ModelMetadata | None, input_details: dict
) -> tuple[Normalization | None, Normalization | None, str]:
    """(mean, std, where they came from) for pixels → this input; (None, None) means "the bytes as they are".

    The caller's mean/std win. Otherwise a float32 input takes its metadata's, else MobileNet's
    127.5/127.5; a uint8/int8 input takes the pixel bytes, whose meaning its quantization states.
    A given mean/std for a quantized input must map 0…255 into the range the input can hold.
    Raises OptionError for only one of mean/std, a mean/std that is not 1 or 3 finite numbers (std > 0), or one that
    would clip pixels at a quantized input.
    """
    if (mean is None) != (std is None):
        raise OptionError("Give both mean and std (pixels become (pixel - mean) / std), or neither.")
    dtype = np.dtype(input_details["dtype"])
    if mean is not None:
        mean_array, std_array = normalization_array(mean, "mean"), normalization_array(std, "std")
        if dtype != np.float32:
            scale, zero_point = (float(v) for v in input_details["quantization"])
            info = np.iinfo(dtype)
            low, high = scale * (info.min - zero_point), scale * (info.max - zero_point)
            reals = np.concatenate([(0 - mean_array) / std_array, (255 - mean_array) / std_array])
            if reals.min() < low - scale or reals.max() > high + scale:
                raise OptionError(
                    f"mean={mean!r}, std={std!r} map pixels 0…255 to {reals.min():.3g}…{reals.max():.3g}, but this "
                    f"{dtype.name} input holds only {low:.3g}…{high:.3g} (scale {scale:.3g}, zero point "
                    f"{zero_point:g}): pixels would be clipped. Leave mean/std out: a quantized input takes the "
                    f"pixel bytes as they are."
                )
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


def _shape(details: dict, key: str = "shape") -> tuple[int, ...]:
    return tuple(int(d) for d in details.get(key, details["shape"]))


def _dynamic(name: str, signature: tuple[int, ...]) -> str:
    return (
        f"'{name}' has a dynamic input shape {signature} (-1 = set at run time); this suite runs models with a "
        f"fixed image size. Convert it with a fixed input, e.g. (1, 224, 224, 3)."
    )


class LiteRTModel:
    """A .tflite model with one image input: load, validate, prepare pixels, run, dequantize.

    Introduced in notebook 01; the base of Classifier, FeatureExtractor, detection and segmentation.
    Raises ModelError for a missing, empty, non-TFLite or unloadable file; the class's ``error`` (ModelError here,
    TransferError for a FeatureExtractor) for a dynamic input shape, a model of the wrong kind or without one image
    input (1, H, W, 3); OptionError for ``num_threads`` or ``mean``/``std`` (see ``choose_normalization``);
    MetadataError for damaged metadata.
    """

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
        self.model_path = model_file(model_path)
        self.num_threads = check_num_threads(num_threads)
        self.interpreter = _interpreter(self.model_path, self.num_threads, self.error)
        # One interpreter holds one input and one output at a time: calls from several threads take turns
        # (without this, a thread could read another photo's answer). For parallel work use clone() per thread.
        self._lock = threading.Lock()
        inputs = self.interpreter.get_input_details()
        #: Every output tensor's details (name, index, shape, dtype, quantization).
        self.outputs: list[dict] = self.interpreter.get_output_details()
        problem = self.kind_problem(self.model_path.name, self.outputs)
        if problem:
            raise self.error(problem)
        self.input_details = self._image_input(inputs)
        self.output_details = self.outputs[0]
        #: The model's TFLite metadata (helpers.tflite), or None for a file without it.
        self.metadata: ModelMetadata | None = TFLiteFile(self.model_path).metadata()
        self.mean, self.std, self.normalization_source = choose_normalization(
            mean, std, self.metadata, self.input_details
        )
        # Read once, trusted on every call: the input's index, size and quantization, each output's index and
        # (scale, zero point), the normalization as arrays.
        self._input_index = self.input_details["index"]
        self._pixels_shape = (*_shape(self.input_details)[1:3], 3)
        self._quantization = (np.dtype(self.input_details["dtype"]), *map(float, self.input_details["quantization"]))
        self._normalization = (
            None
            if self.mean is None
            else (normalization_array(self.mean, "mean"), normalization_array(self.std, "std"))
        )
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

    def _image_input(self, inputs: list[dict]) -> dict:
        name = self.model_path.name
        if len(inputs) != 1:
            raise self.error(f"'{name}' has {len(inputs)} inputs; an image model has one (the image).")
        details = inputs[0]
        shape = _shape(details)
        dtype = np.dtype(details["dtype"])
        if len(shape) != 4 or shape[-1] != 3 or dtype not in (np.float32, np.uint8, np.int8):
            raise self.error(
                f"'{name}' takes a {dtype.name} tensor of shape {shape}: this needs an image input, "
                f"it needs one image (1, height, width, 3) of float32, uint8 or int8."
            )
        if shape[0] != 1:
            raise self.error(
                f"'{name}' takes batches of {shape[0]} images {shape}; these helpers feed one image at "
                f"a time. Convert the model with batch size 1 (or None)."
            )
        return details

    @property
    def input_size(self) -> tuple[int, int]:
        """The model's input (width, height) in pixels."""
        _, height, width, _ = _shape(self.input_details)
        return width, height

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Already-resized (H, W, 3) or (1, H, W, 3) uint8 pixels → this model's input tensor (its normalization).

        Raises the wrapper's error (ModelError for a Classifier) for pixels of another shape or dtype.
        """
        array = np.asarray(pixels)
        if array.ndim == 3:
            array = array[np.newaxis]
        width, height = self.input_size
        if array.shape != (1, height, width, 3) or array.dtype != np.uint8:
            raise self.error(
                f"Expected uint8 pixels of shape ({height}, {width}, 3) for '{self.model_path.name}'; "
                f"got {array.dtype} {array.shape}. Resize with helpers.images.resize_for_model first."
            )
        return self._tensor(array)

    def _tensor(self, pixels: np.ndarray) -> np.ndarray:
        """(1, H, W, 3) uint8 pixels of this input's size → the input tensor, by ``quantize_pixels``' rule."""
        return _quantize_pixels(pixels, *self._quantization, self._normalization)

    def preprocess(self, image: ImageSource, crop: str | float = "center", region: Region | None = None) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` (see helpers.images.to_input), with this model's normalization.

        Raises what ``helpers.images.to_input`` raises: ImageError for an unreadable image or a bad ``crop``,
        OptionError for a bad ``region``.
        """
        height, width, _ = self._pixels_shape
        if (
            region is None
            and isinstance(image, np.ndarray)
            and image.dtype == np.uint8
            and image.shape == self._pixels_shape
            and _crop_box((width, height), crop) in (None, (0, 0, width, height))
        ):  # already this input's pixels: cropping and resizing would copy them unchanged
            return self._tensor(image[np.newaxis])
        return to_input(image, self.input_details, crop=crop, mean=self.mean, std=self.std, region=region)

    def invoke(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run the model on one prepared input tensor; every output, dequantized (float32, its own shape).

        Raises the wrapper's error (ModelError for a Classifier) when ``tensor`` is not an array of the input's
        exact shape and dtype (with finite values): make it with ``preprocess`` or ``prepare``.
        """
        self._check_tensor(tensor)
        return self._invoke(tensor)

    def _invoke(self, tensor: np.ndarray) -> list[np.ndarray]:
        """``invoke`` on a tensor the package made (``preprocess``, ``prepare``)."""
        with self._lock:
            self.interpreter.set_tensor(self._input_index, tensor)
            self.interpreter.invoke()
            raw = [self.interpreter.get_tensor(index) for index, _, _ in self._dequantization]
        return [_dequantize(values, scale, zero) for values, (_, scale, zero) in zip(raw, self._dequantization)]

    def _check_tensor(self, tensor: object) -> None:
        shape, dtype = _shape(self.input_details), np.dtype(self.input_details["dtype"])
        got = f"{tensor.dtype} {tensor.shape}" if isinstance(tensor, np.ndarray) else type(tensor).__name__
        if not isinstance(tensor, np.ndarray) or tensor.shape != shape or tensor.dtype != dtype:
            raise self.error(
                f"tensor must be a {dtype.name} array of shape {shape} for '{self.model_path.name}' (it takes "
                f"{shape[2]}×{shape[1]} images); got {got}. Make it with preprocess(image), or prepare(pixels) "
                f"for uint8 pixels resized with helpers.images.resize_for_model."
            )
        if dtype.kind == "f" and not np.isfinite(tensor).all():
            raise self.error("tensor holds NaN or infinite values; make it with preprocess(image) or prepare(pixels).")

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Run the model on one prepared input tensor; the first output, dequantized, as one row.

        Raises the wrapper's error for a tensor of the wrong shape or dtype (see ``invoke``).
        """
        self._check_tensor(tensor)
        return self._run(tensor)

    def _run(self, tensor: np.ndarray) -> np.ndarray:
        """``run`` on a tensor the package made."""
        return self._invoke(tensor)[0].reshape(-1)

    def clone(self, num_threads: int = 1) -> LiteRTModel:
        """The same model and settings on its own interpreter (single-threaded by default): one per worker thread.

        Raises OptionError for ``num_threads``; ModelError if the file can no longer be loaded.
        """
        twin = copy.copy(self)
        twin.num_threads = check_num_threads(num_threads)
        twin.interpreter = _interpreter(self.model_path, twin.num_threads, self.error)
        twin._lock = threading.Lock()
        twin._clones = []
        return twin

    def run_batch(
        self, pixels: np.ndarray, workers: int | None = None, progress: str | None = None, leave: bool = True
    ) -> np.ndarray:
        """``run`` for each of (N, H, W, 3) model-sized uint8 images: (N, outputs), on ``workers`` clones at once.

        Each worker thread owns a single-threaded clone (kept for the next call), so the answers do not
        depend on ``workers`` (default: ``available_cpus()``). ``progress`` names a progress bar (None: none).
        Raises the wrapper's error for pixels of another shape or dtype, OptionError for ``workers``.
        """
        array = np.asarray(pixels)
        width, height = self.input_size
        if array.ndim != 4 or array.shape[1:] != (height, width, 3) or array.dtype != np.uint8:
            raise self.error(
                f"pixels must be uint8 images of shape (N, {height}, {width}, 3) for '{self.model_path.name}'; "
                f"got {array.dtype} {array.shape}. Resize each with helpers.images.resize_for_model first."
            )
        count = len(array)
        out = np.empty((count, int(np.prod(self.output_details["shape"][1:]))), dtype=np.float32)
        stock = self.__dict__.setdefault("_clones", [])  # single-threaded clones, kept for the next call
        taken: list[LiteRTModel] = []

        def take_clone() -> LiteRTModel:
            clone = stock.pop() if stock else self.clone()
            taken.append(clone)
            return clone

        def work(clone: LiteRTModel, i: int) -> None:
            out[i] = clone._run(clone._tensor(array[i : i + 1]))

        try:
            bar = None if progress is None else {"desc": progress, "unit": "img", "leave": leave}
            parallel_map(work, range(count), workers=check_num_threads(workers), worker_state=take_clone, progress=bar)
        finally:
            stock.extend(taken)
        return out

    def describe(self) -> dict[str, object]:
        """The input and output tensors' shape, type and quantization, for display."""

        def info(details: dict) -> dict[str, object]:
            scale, zero_point = details["quantization"]
            return {
                "shape": _shape(details),
                "dtype": np.dtype(details["dtype"]).name,
                "scale": float(scale),
                "zero_point": int(zero_point),
            }

        return {"model": self.model_path.name, "input": info(self.input_details), "output": info(self.output_details)}
