"""Convert a Keras model to TensorFlow Lite four ways, and look inside the result.

Introduced in notebook 05, which first writes the quantization arithmetic
``real = scale × (q − zero_point)`` and the int8 conversion out by hand
(``converter.optimizations``, ``representative_dataset``,
``target_spec.supported_ops``, ``inference_input_type``). The four recipes
(``MODES``):

* ``float32``: no optimization; every weight keeps its 4 bytes;
* ``dynamic``: dynamic-range quantization; weights are stored as int8 (1 byte),
  activations stay float and are quantized on the fly inside some operators;
* ``float16``: weights are stored as float16 (2 bytes) and turned back into
  float32 when the model is loaded;
* ``int8``: full-integer quantization; weights *and* activations are int8, the
  activations' ranges measured on a representative dataset (calibration). The
  model's input and output are uint8 (raw pixels in, bytes out), int8, or float32.

``convert`` caches its result in ``<cache>/converted`` (the assets cache folder,
outside the repository), keyed by a hash of the model's architecture and weights,
the recipe and the calibration data. Files are written to a temporary name and
renamed into place, so a crash never leaves half a model behind.

Only the conversion functions import TensorFlow (lazily: it takes seconds). The
inspection of ``.tflite`` files (``inspect_tensors``, ``find_tensor``,
``read_constant``, ``stored_bytes``, ``operator_counts``) lives in
``helpers.tflite`` and is re-exported here, as notebook 05 uses it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.arguments import is_real, true_or_false, whole_number
from helpers.classify import dequantize
from helpers.errors import QuantizationError
from helpers.files import write_bytes_atomically
from helpers.quiet import converter_output as quiet  # notebook 05 calls it quantize.quiet()
from helpers.tflite import (
    ROLES,
    TensorInfo,
    find_tensor,
    inspect_tensors,
    is_tflite,
    operator_counts,
    read_constant,
    short_name,
    stored_bytes,
)

__all__ = [
    "IO_TYPES",
    "MODES",
    "ROLES",
    "QuantizationError",
    "TensorInfo",
    "convert",
    "converted_dir",
    "converter_flags",
    "dequantize",
    "find_tensor",
    "inspect_tensors",
    "io_bytes",
    "make_converter",
    "model_digest",
    "operator_counts",
    "quantization_params",
    "quantize",
    "quiet",
    "read_constant",
    "representative_dataset",
    "save_model",
    "short_name",
    "stored_bytes",
]

MODES = ("float32", "dynamic", "float16", "int8")
IO_TYPES = ("uint8", "int8", "float32")
INTEGER_TYPES = ("int8", "uint8", "int16")
CACHE_VERSION = "1"  # bump to invalidate every cached conversion


# --------------------------------------------------------------------------- arithmetic


def _integer_type(dtype: Any) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise QuantizationError(f"{dtype!r} is not a numpy type; use one of {INTEGER_TYPES}.") from exc
    if dtype.name not in INTEGER_TYPES:
        raise QuantizationError(f"Quantized values are stored as {', '.join(INTEGER_TYPES)}; got {dtype.name}.")
    return dtype


def _numbers(values: Any, name: str) -> np.ndarray:
    """``values`` as a NumPy array of numbers (ints or floats); strings, bools, None and ragged lists are refused."""
    if values is None or isinstance(values, (str, bytes)):
        raise QuantizationError(f"{name} must be an array or list of numbers; got {type(values).__name__}.")
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise QuantizationError(
            f"{name} must form a regular array of numbers (every row the same length): {exc}."
        ) from None
    if array.dtype.kind not in "iuf":
        raise QuantizationError(f"{name} must hold numbers; got an array of {array.dtype}.")
    return array


def _zero_point(zero_point: Any) -> int:
    """The zero point as an int: a whole number (an integral float such as 128.0 too); 2.7 is refused, not truncated."""
    if isinstance(zero_point, (float, np.floating)) and np.isfinite(zero_point) and zero_point == round(zero_point):
        return int(zero_point)
    return whole_number(zero_point, "zero_point", QuantizationError)


def _check_scale(scale: Any, zero_point: int, dtype: np.dtype) -> None:
    if not is_real(scale) or not np.isfinite(scale) or scale <= 0:
        raise QuantizationError(
            f"The scale must be a positive number; got {scale!r}. (A scale of 0 means the tensor "
            f"is not quantized: it holds floats.)"
        )
    info = np.iinfo(dtype)
    if not info.min <= zero_point <= info.max:
        raise QuantizationError(
            f"The zero point {zero_point} is outside the {dtype.name} range "
            f"[{info.min}, {info.max}]: it must be a value the type can hold."
        )


def quantize(values: Any, scale: float, zero_point: int, dtype: Any = "int8") -> np.ndarray:
    """``q = clip(round(real / scale) + zero_point)`` in ``dtype``'s range. Introduced in notebook 05.

    Raises QuantizationError for values that are not finite numbers, a scale that is not a positive
    number, a zero point that is not a whole number in the type's range, or a type other than int8/uint8/int16.
    """
    dtype = _integer_type(dtype)
    zero_point = _zero_point(zero_point)
    _check_scale(scale, zero_point, dtype)
    real = _numbers(values, "values").astype(np.float64)
    if not np.isfinite(real).all():
        raise QuantizationError("The values contain NaN or infinity, which have no quantized code.")
    info = np.iinfo(dtype)
    return np.clip(np.round(real / scale) + zero_point, info.min, info.max).astype(dtype)


def quantization_params(low: float, high: float, dtype: Any = "int8", symmetric: bool = False) -> tuple[float, int]:
    """The (scale, zero_point) that map the range [low, high] onto ``dtype``'s codes.

    The range is first widened to include 0, so that 0.0 (padding, ReLU's output)
    has an exact code. Asymmetric (the default, used for activations) spreads the
    range over every code; symmetric (used for int8 weights) keeps the zero point
    at 0 and uses the codes −127 … 127.
    Introduced in notebook 05. Raises QuantizationError for a low or high that is not one finite number
    (for an array, pass its min() and max()), low above high, a range too wide for a finite scale,
    a non-bool ``symmetric``, or a type other than int8/uint8/int16.
    """
    dtype = _integer_type(dtype)
    for name, value in (("low", low), ("high", high)):
        if np.ndim(value) != 0:
            raise QuantizationError(
                f"{name} is one number; got shape {np.shape(value)}. Pass values.min() / values.max()."
            )
        if not is_real(value):
            raise QuantizationError(f"{name} must be a number; got {value!r} ({type(value).__name__}).")
    if not (np.isfinite(low) and np.isfinite(high)):
        raise QuantizationError(f"The range must be finite; got [{low}, {high}].")
    true_or_false(symmetric, "symmetric", QuantizationError)
    if low > high:
        raise QuantizationError(f"low ({low}) is above high ({high}); pass the smallest value first.")
    low, high = min(float(low), 0.0), max(float(high), 0.0)
    info = np.iinfo(dtype)
    if symmetric:
        if info.min == 0:
            raise QuantizationError(f"Symmetric quantization needs a signed type such as int8; got {dtype.name}.")
        largest = max(abs(low), abs(high))
        return (_finite_scale(largest / info.max, low, high) if largest > 0 else 1.0), 0
    if high == low:  # only zeros: any scale represents them exactly
        return 1.0, int(np.clip(0, info.min, info.max))
    scale = _finite_scale((high - low) / (info.max - info.min), low, high)
    zero_point = int(np.clip(np.round(info.min - low / scale), info.min, info.max))
    return float(scale), zero_point


def _finite_scale(scale: float, low: float, high: float) -> float:
    if not (np.isfinite(scale) and scale > 0):
        raise QuantizationError(
            f"The range [{low:g}, {high:g}] gives the scale {scale}, which is not a positive finite number; "
            f"quantize a narrower range."
        )
    return scale


def io_bytes(shape: Sequence[int], dtype: Any) -> int:
    """The bytes a tensor of ``shape`` and ``dtype`` takes: number of elements × bytes per element.

    Introduced in notebook 05. Raises QuantizationError for a shape that is not a sequence of whole
    numbers ≥ 0, or a dtype that is not a numeric numpy type.
    """
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (Sequence, np.ndarray)):
        raise QuantizationError(
            f"shape is a sequence of whole numbers such as (1, 224, 224, 3); got {type(shape).__name__} {shape!r}."
        )
    shape = tuple(whole_number(d, "each size in shape", QuantizationError) for d in shape)
    if any(d < 0 for d in shape):
        raise QuantizationError(f"A tensor shape has no negative sizes; got {shape}.")
    try:
        kind = None if dtype is None else np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        raise QuantizationError(f"{dtype!r} is not a numpy type (e.g. 'uint8', 'float32').") from exc
    if kind is None or kind.kind not in "biuf":
        raise QuantizationError(f"{dtype!r} is not a numeric numpy type (e.g. 'uint8', 'float32').")
    itemsize = kind.itemsize
    return int(np.prod(shape, dtype=np.int64)) * itemsize


# --------------------------------------------------------------------------- conversion


def _check_mode(mode: str, io_type: str | None) -> str:
    if mode not in MODES:
        raise QuantizationError(f"Unknown conversion mode {mode!r}; choose one of {', '.join(MODES)}.")
    if io_type is None:
        return "uint8" if mode == "int8" else "float32"
    if io_type not in IO_TYPES:
        raise QuantizationError(f"io_type must be one of {', '.join(IO_TYPES)}; got {io_type!r}.")
    if mode != "int8" and io_type != "float32":
        raise QuantizationError(
            f"Only a full-integer ('int8') model can take {io_type} input and output; "
            f"a {mode} model keeps float32 at its edges. Use mode='int8' or io_type=None."
        )
    return io_type


def _check_model(model: Any) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise QuantizationError(
            f"Expected a Keras model (keras.Model); got {type(model).__name__}. Build or load "
            f"the model with Keras first, e.g. keras.applications.MobileNet(...)."
        )


def _check_samples(model: Any, mode: str, samples: Any) -> np.ndarray | None:
    if mode != "int8":
        if samples is not None:
            raise QuantizationError(
                f"Only full-integer ('int8') conversion is calibrated on samples; a {mode} "
                f"model measures nothing in advance. Drop samples=, or use mode='int8'."
            )
        return None
    if samples is None:
        raise QuantizationError(
            "Full-integer ('int8') conversion needs samples: a representative dataset of "
            "typical inputs (about 100 preprocessed images), from which the converter measures "
            "each activation's range."
        )
    samples = _numbers(samples, "samples").astype(np.float32, copy=False)
    expected = tuple(model.inputs[0].shape[1:])
    if samples.ndim != len(expected) + 1 or len(samples) == 0:
        raise QuantizationError(
            f"samples must be a non-empty batch of inputs, shape (N, {', '.join(map(str, expected))}); "
            f"got shape {samples.shape}."
        )
    for got, want in zip(samples.shape[1:], expected, strict=True):
        if want is not None and got != want:
            raise QuantizationError(
                f"The model takes inputs of shape {expected}; samples have shape "
                f"{samples.shape[1:]}. Resize them to the model's input size."
            )
    if not np.isfinite(samples).all():
        raise QuantizationError("samples contain NaN or infinity; check the preprocessing.")
    return samples


def representative_dataset(samples: np.ndarray) -> Callable[[], Iterator[list[np.ndarray]]]:
    """A generator function for ``converter.representative_dataset``: one ``[sample[None]]`` at a time.

    Introduced in notebook 05. Raises QuantizationError for samples that are not a non-empty batch of numbers.
    """
    samples = _numbers(samples, "samples").astype(np.float32, copy=False)
    if samples.ndim < 2 or len(samples) == 0:
        raise QuantizationError(f"samples must be a non-empty batch (N, ...); got shape {samples.shape}.")

    def generate() -> Iterator[list[np.ndarray]]:
        for sample in samples:
            yield [sample[np.newaxis]]

    return generate


def make_converter(model: Any, mode: str, samples: Any = None, io_type: str | None = None) -> Any:
    """A ``tf.lite.TFLiteConverter`` for ``model`` set up with one recipe (see ``MODES``); not yet run.

    Introduced in notebook 05. Raises QuantizationError for an unknown mode or io_type, a model that
    is not a Keras model, or samples that do not fit the mode and the model's input.
    """
    io_type = _check_mode(mode, io_type)
    _check_model(model)
    samples = _check_samples(model, mode, samples)
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode == "float32":
        return converter
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if mode == "int8":
        converter.representative_dataset = representative_dataset(samples)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if io_type != "float32":
            converter.inference_input_type = getattr(tf, io_type)
            converter.inference_output_type = getattr(tf, io_type)
    return converter


def converter_flags(converter: Any) -> dict[str, str]:
    """The settings of a converter that differ from a plain float32 conversion, as readable text.

    Introduced in notebook 05. Raises QuantizationError for anything but a TFLiteConverter.
    """
    needed = ("optimizations", "representative_dataset", "target_spec", "inference_input_type")
    if not all(hasattr(converter, attribute) for attribute in needed):
        raise QuantizationError(
            f"converter_flags takes a tf.lite.TFLiteConverter (from make_converter); got {type(converter).__name__}."
        )
    flags: dict[str, str] = {}

    def names(values: Any) -> str:
        return "[" + ", ".join(getattr(v, "name", str(v)) for v in values) + "]"

    if converter.optimizations:
        flags["optimizations"] = names(converter.optimizations)
    if converter.representative_dataset is not None:
        flags["representative_dataset"] = "set (calibration inputs)"
    if converter.target_spec.supported_types:
        flags["target_spec.supported_types"] = names(converter.target_spec.supported_types)
    ops = {getattr(op, "name", str(op)) for op in converter.target_spec.supported_ops}
    if ops != {"TFLITE_BUILTINS"}:
        flags["target_spec.supported_ops"] = names(sorted(ops))
    for attribute in ("inference_input_type", "inference_output_type"):
        value = getattr(converter, attribute)
        name = getattr(value, "name", str(value))
        if name != "float32":
            flags[attribute] = name
    return flags


def model_digest(model: Any) -> str | None:
    """A SHA-256 of the model's architecture and weights, or None if the architecture cannot be serialized.

    Introduced in notebook 05. Raises QuantizationError for anything but a Keras model.
    """
    _check_model(model)
    digest = hashlib.sha256()
    try:
        digest.update(model.to_json().encode())
    except Exception:  # noqa: BLE001 — a subclassed model has no JSON: then it is not cached
        return None
    for weights in model.get_weights():
        weights = np.ascontiguousarray(weights)
        digest.update(f"{weights.shape}{weights.dtype.str}".encode())
        digest.update(weights.tobytes())
    return digest.hexdigest()


def converted_dir() -> Path:
    """The folder for converted models: ``<assets cache>/converted``, or a temporary folder if that is read-only.

    Raises QuantizationError when neither folder can be written, AssetError for a relative ``$CLASSROOM_CACHE_DIR``.
    """
    from helpers import assets

    for folder in (assets.cache_dir() / "converted", Path(tempfile.gettempdir()) / "edge-image-classroom-converted"):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(folder, os.W_OK):
            return folder
    raise QuantizationError("No writable folder for converted models: set CLASSROOM_CACHE_DIR to a writable folder.")


def save_model(data: bytes, name: str = "model") -> Path:
    """Write .tflite bytes to the converted-models folder, named by their hash (atomically); return the path.

    Introduced in notebook 05. Raises QuantizationError for data that is not .tflite bytes or a name that is not text.
    """
    _check_name(name)
    if not isinstance(data, (bytes, bytearray)):
        raise QuantizationError(f"Expected the bytes returned by converter.convert(); got {type(data).__name__}.")
    if not is_tflite(bytes(data)):
        raise QuantizationError("These bytes are not a TensorFlow Lite model (no 'TFL3' marker at byte 4).")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "model"
    path = converted_dir() / f"{safe}-{hashlib.sha256(data).hexdigest()[:16]}.tflite"
    if not (path.is_file() and path.stat().st_size == len(data)):
        write_bytes_atomically(path, bytes(data))
    return path


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise QuantizationError(f"name is text used in the file name, such as 'mobilenet'; got {name!r}.")


def convert(
    model: Any,
    mode: str,
    samples: Any = None,
    io_type: str | None = None,
    *,
    name: str | None = None,
    cache: bool = True,
) -> Path:
    """Convert ``model`` with one recipe (see ``MODES``) and return the .tflite file's path; cached by content.

    Introduced in notebook 05. Raises QuantizationError as ``make_converter`` does, and for a name
    that is not text or a cache that is not True/False.
    """
    if name is not None:
        _check_name(name)
    true_or_false(cache, "cache", QuantizationError)
    io_type = _check_mode(mode, io_type)
    _check_model(model)
    checked = _check_samples(model, mode, samples)
    import tensorflow as tf

    stem = f"{name or model.name}-{mode}" + (f"-{io_type}" if mode == "int8" else "")
    weights = model_digest(model) if cache else None
    path = None
    if weights is not None:
        key = hashlib.sha256(f"{CACHE_VERSION}|{tf.__version__}|{mode}|{io_type}|{weights}".encode())
        if checked is not None:
            key.update(f"{checked.shape}".encode())
            key.update(np.ascontiguousarray(checked).tobytes())
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
        path = converted_dir() / f"{safe}-{key.hexdigest()[:16]}.tflite"
        if path.is_file():
            with open(path, "rb") as handle:
                if is_tflite(handle.read(8)):
                    return path
    converter = make_converter(model, mode, checked, io_type)
    with quiet():
        data = converter.convert()
    if path is None:
        return save_model(data, stem)
    write_bytes_atomically(path, data)
    return path
