"""Quantization arithmetic, and the current LiteRT toolchain: Keras export and the AI Edge Quantizer.

Introduced in notebook 05, which first writes ``real = scale × (q − zero_point)`` out by hand. The toolchain:

* ``export(model)``: Keras 3's ``model.export(path, format="litert")``, a float32 ``.tflite`` file with a
  signature (named inputs and outputs);
* ``quantize_model(float_path, recipe, calibration)``: the AI Edge Quantizer (``ai-edge-quantizer``, which
  needs no TensorFlow) rewrites that file with one of its named ``RECIPES``: int8 or int4 weights with
  float32 activations (``weight_only_…`` computes in float, ``dynamic_…`` quantizes activations on the fly),
  float16 weights, or ``static_…`` recipes whose int8/int16 activation ranges are measured on calibration
  inputs;
* ``convert(model, recipe, calibration)`` does both.

Results are cached in ``<cache>/converted`` (the assets cache folder, outside the repository), keyed by the
model's content, the recipe and the calibration data; files are written to a temporary name and renamed into
place, so a crash never leaves half a model behind. ``tf.lite.TFLiteConverter``, which TensorFlow has
deprecated, is used only in notebook 05's comparison section, never here.

The inspection of ``.tflite`` files (``inspect_tensors``, ``find_tensor``, ``read_constant``,
``stored_bytes``, ``operator_counts``) lives in ``helpers.tflite`` and is re-exported here, as notebook 05
uses it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.arguments import is_real, true_or_false, whole_number
from helpers.classify import dequantize
from helpers.errors import QuantizationError
from helpers.system import converter_output as quiet  # notebook 05 calls it quantize.quiet()
from helpers.system import write_bytes_atomically
from helpers.tflite import (
    ROLES,
    TensorInfo,
    TFLiteFile,
    find_tensor,
    inspect_tensors,
    is_tflite,
    operator_counts,
    read_constant,
    short_name,
    stored_bytes,
)

__all__ = [
    "EDGES",
    "RANGES",
    "RECIPES",
    "ROLES",
    "STATIC",
    "QuantizationError",
    "TensorInfo",
    "convert",
    "converted_dir",
    "dequantize",
    "export",
    "find_tensor",
    "inspect_tensors",
    "io_bytes",
    "model_digest",
    "operator_counts",
    "quantization_params",
    "quantize",
    "quantize_model",
    "quiet",
    "read_constant",
    "save_model",
    "short_name",
    "stored_bytes",
    "upgrade_operator_codes",
]

INTEGER_TYPES = ("int8", "uint8", "int16")


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


# --------------------------------------------------------------------------- the LiteRT toolchain

# The AI Edge Quantizer's named recipes a lesson uses: what each stores. Names read
# w(eights) i(nt)N, a(ctivations) fp32 or iN; "dynamic" quantizes activations on the fly.
RECIPES = {
    "float16": "float16 weights (2 bytes), turned back into float32 before each operator",
    "weight_only_wi8_afp32": "int8 weights, turned back into float32 before each operator: float arithmetic",
    "dynamic_wi8_afp32": "int8 weights; float32 activations, quantized to int8 on the fly inside each operator",
    "weight_only_wi4_afp32": "int4 weights (two per byte), turned back into float32 before each operator",
    "dynamic_wi4_afp32": "int4 weights; float32 activations, quantized on the fly inside each operator",
    "static_wi8_ai8": "int8 weights and int8 activations, their ranges measured on calibration inputs",
    "static_wi8_ai16": "int8 weights and int16 activations, their ranges measured on calibration inputs",
}
STATIC = ("static_wi8_ai8", "static_wi8_ai16")
EDGES = ("integer", "float32")
RANGES = ("full", "moving_average")
CACHE_VERSION = "2"  # bump to invalidate every cached export and quantization


def _check_model(model: Any) -> None:
    import keras

    if not isinstance(model, keras.Model):
        raise QuantizationError(
            f"Expected a Keras model (keras.Model); got {type(model).__name__}. Build or load "
            f"the model with Keras first, e.g. keras.applications.MobileNet(...)."
        )


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


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "model"


def save_model(data: bytes, name: str = "model") -> Path:
    """Write .tflite bytes to the converted-models folder, named by their hash (atomically); return the path.

    Introduced in notebook 05. Raises QuantizationError for data that is not .tflite bytes or a name that is not text.
    """
    _check_name(name)
    if not isinstance(data, (bytes, bytearray)):
        raise QuantizationError(f"Expected the bytes of a .tflite model; got {type(data).__name__}.")
    if not is_tflite(bytes(data)):
        raise QuantizationError("These bytes are not a TensorFlow Lite model (no 'TFL3' marker at byte 4).")
    path = converted_dir() / f"{_safe(name)}-{hashlib.sha256(data).hexdigest()[:16]}.tflite"
    if not (path.is_file() and path.stat().st_size == len(data)):
        write_bytes_atomically(path, bytes(data))
    return path


def _check_name(name: Any) -> None:
    if not isinstance(name, str):
        raise QuantizationError(f"name is text used in the file name, such as 'mobilenet'; got {name!r}.")


def _cached(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as handle:
        return is_tflite(handle.read(8))


def export(model: Any, *, name: str | None = None, cache: bool = True) -> Path:
    """``model.export(path, format="litert")``: the float32 .tflite file of a Keras model; cached by content.

    Introduced in notebook 05. Keras writes a file with a signature (named inputs and outputs), which the
    AI Edge Quantizer needs. Raises QuantizationError for anything but a Keras model, a name that is not
    text, and a model Keras cannot export (with Keras's reason and the usual fix).
    """
    if name is not None:
        _check_name(name)
    true_or_false(cache, "cache", QuantizationError)
    _check_model(model)
    if not model.built or not getattr(model, "inputs", None):
        raise QuantizationError(
            f"Keras cannot export '{model.name}': it has no input shape yet. Build it with a fixed input, "
            f"e.g. keras.Input(shape=(224, 224, 3)) in a functional model, or call it once on a batch."
        )
    import keras

    digest = model_digest(model) if cache else None
    stem = _safe(f"{name or model.name}-float32")
    if digest is not None:
        key = hashlib.sha256(f"{CACHE_VERSION}|{keras.__version__}|{digest}".encode()).hexdigest()[:16]
        path = converted_dir() / f"{stem}-{key}.tflite"
        if _cached(path):
            return path
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        target = Path(folder) / "model.tflite"
        try:
            with quiet():
                model.export(str(target), format="litert", verbose=False)
        except Exception as exc:  # Keras and TensorFlow raise many kinds; each becomes one message
            raise QuantizationError(
                f"Keras could not export '{model.name}' to LiteRT ({type(exc).__name__}: {str(exc).strip()[:300]}). "
                f"Export works for models of built-in Keras layers with a fixed input shape; replace or remove "
                f"custom layers, or give them a get_config()."
            ) from exc
        data = target.read_bytes()
    if digest is None:
        return save_model(data, stem)
    write_bytes_atomically(path, data)
    return path


def _model_bytes(float_path: Any) -> bytes:
    if not isinstance(float_path, (str, os.PathLike)):
        raise QuantizationError(f"float_path is the path of a float .tflite file; got {float_path!r}.")
    path = Path(float_path)
    if not path.is_file():
        raise QuantizationError(f"No model file at '{path}'; make one with quantize.export(model).")
    data = path.read_bytes()
    if not is_tflite(data):
        raise QuantizationError(f"'{path.name}' is not a .tflite model (no 'TFL3' marker at byte 4).")
    return data


def upgrade_operator_codes(data: bytes) -> tuple[bytes, int]:
    """A .tflite file's bytes with each operator code also in the current field; and how many were moved.

    Files written before 2020 name their operators only in the 8-bit ``deprecated_builtin_code`` field; in the
    newer 32-bit ``builtin_code`` field they read 0, which is ADD. Tools that read only the new field see
    a graph of ADDs with no weights to quantize. Introduced in notebook 05. Raises ModelError for a damaged file.
    """
    import flatbuffers

    from helpers.tflite import TFLiteFile

    model = TFLiteFile(data).model
    moved = 0
    for code in model.operatorCodes or []:
        if int(code.deprecatedBuiltinCode) > int(code.builtinCode):
            code.builtinCode = int(code.deprecatedBuiltinCode)
            moved += 1
    if not moved:
        return data, 0
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), moved


def _signature(data: bytes) -> tuple[str, str, str, tuple[int, ...]]:
    """(signature key, input name, input tensor's name, input shape) of a model with one signature and one input."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=data)
    signatures = interpreter.get_signature_list()
    if not signatures:
        raise QuantizationError(
            "This file has no signature (named inputs and outputs): the quantizer calibrates through one, "
            "and files written before 2021 have none. Export the model again from Keras with "
            "quantize.export(model), or use a recipe without calibration (dynamic_… or weight_only_…)."
        )
    key = next(iter(signatures))
    inputs = interpreter.get_signature_runner(key).get_input_details()
    if len(inputs) != 1:
        raise QuantizationError(f"The helpers calibrate a model with one input; this one has {len(inputs)}.")
    ((input_name, details),) = inputs.items()
    return key, input_name, details["name"], tuple(int(d) for d in details["shape"])


def _check_recipe(recipe: Any) -> str:
    if recipe not in RECIPES:
        raise QuantizationError(
            f"Unknown recipe {recipe!r}. The recipes are: {', '.join(RECIPES)} (see quantize.RECIPES for what "
            f"each stores)."
        )
    return recipe


def _check_calibration(calibration: Any, shape: tuple[int, ...], input_range: Any) -> tuple[np.ndarray, float, float]:
    """The calibration batch as float32, checked against the input's shape and the declared input range."""
    if calibration is None:
        raise QuantizationError(
            "A static recipe needs calibration inputs: about 100 typical inputs, preprocessed exactly as "
            "for inference, from which the quantizer measures each activation's range."
        )
    samples = _numbers(calibration, "calibration").astype(np.float32, copy=False)
    expected = tuple(shape[1:])
    if samples.ndim != len(expected) + 1 or len(samples) == 0 or tuple(samples.shape[1:]) != expected:
        raise QuantizationError(
            f"calibration must be a batch of inputs of shape (N, {', '.join(map(str, expected))}); got shape "
            f"{samples.shape}. Resize the photos to the model's input size and stack them."
        )
    if not np.isfinite(samples).all():
        raise QuantizationError("calibration contains NaN or infinity; check the preprocessing.")
    if (
        isinstance(input_range, (str, bytes))
        or not isinstance(input_range, (Sequence, np.ndarray))
        or len(input_range) != 2
        or not all(is_real(v) and np.isfinite(v) for v in input_range)
        or not input_range[0] < input_range[1]
    ):
        raise QuantizationError(
            f"input_range is (low, high), the range the model's input takes after preprocessing, e.g. (-1, 1) "
            f"for keras.applications.mobilenet.preprocess_input; got {input_range!r}."
        )
    low, high = float(input_range[0]), float(input_range[1])
    width = high - low
    found_low, found_high = float(samples.min()), float(samples.max())
    if found_low < low - 1e-3 * width or found_high > high + 1e-3 * width or found_high - found_low < 0.5 * width:
        raise QuantizationError(
            f"The calibration values span {found_low:g} … {found_high:g}, but the model takes {low:g} … {high:g}: "
            f"preprocess the calibration photos exactly as for inference (e.g. 0 … 255 pixels → "
            f"keras.applications.mobilenet.preprocess_input for −1 … 1)."
        )
    return samples, low, high


def _recipe_object(recipe: str, edges: str) -> Any:
    from ai_edge_quantizer import qtyping, recipe_manager
    from ai_edge_quantizer import recipe as recipes

    manager = recipe_manager.RecipeManager()
    if recipe == "float16":
        config = qtyping.OpQuantizationConfig(
            weight_tensor_config=qtyping.TensorQuantizationConfig(num_bits=16, dtype=qtyping.TensorDataType.FLOAT),
            compute_precision=qtyping.ComputePrecision.FLOAT,
            explicit_dequantize=True,
        )
        manager.add_quantization_config(
            ".*", qtyping.TFLOperationName.ALL_SUPPORTED, op_config=config, algorithm_key="float_casting"
        )
    else:
        manager.load_quantization_recipe(getattr(recipes, recipe)())
    if recipe in STATIC and edges == "float32":  # keep float32 at the model's input and output
        for edge in (qtyping.TFLOperationName.INPUT, qtyping.TFLOperationName.OUTPUT):
            manager.add_quantization_config(".*", edge, algorithm_key="no_quantize")
    return manager.get_quantization_recipe()


def _calibrate(worker: Any, signature: str, input_name: str, samples: np.ndarray, ranges: str) -> dict:
    """Each tensor's measured {"min", "max"}: over all samples ("full"), or the quantizer's moving average."""
    if ranges == "moving_average":
        return worker.calibrate({signature: [{input_name: sample[np.newaxis]} for sample in samples]})
    total: dict = {}
    for sample in samples:  # one at a time: each call measures one input's range, and we keep the extremes
        for tensor, found in worker.calibrate({signature: [{input_name: sample[np.newaxis]}]}).items():
            if tensor in total and found:
                total[tensor] = {
                    "min": np.minimum(total[tensor]["min"], found["min"]),
                    "max": np.maximum(total[tensor]["max"], found["max"]),
                }
            else:
                total[tensor] = dict(found)
    return total


def quantize_model(
    float_path: str | os.PathLike,
    recipe: str,
    calibration: Any = None,
    *,
    input_range: tuple[float, float] | None = None,
    edges: str | None = None,
    ranges: str = "full",
    name: str | None = None,
) -> Path:
    """Quantize a float .tflite file with one of the AI Edge Quantizer's recipes (``RECIPES``); the new file's path.

    Static recipes need ``calibration`` (a batch of inputs preprocessed as for inference) and ``input_range``
    (what that preprocessing gives, e.g. (-1, 1)): the input's range is set to it, not measured, so the
    int8 input reads pixel bytes exactly as a published uint8 model does. ``edges``: "integer" (the default
    for static_wi8_ai8: int8 in and out) or "float32" (quantize inside, float32 at the edges; the default
    for static_wi8_ai16). ``ranges``: "full" (each activation's range is the lowest to the highest value any
    calibration input gave it, as TensorFlow's converter measures) or "moving_average" (the quantizer's own
    default: an average of each input's range, which clips the rarer large values). A file from an old
    converter has its operator codes moved to the current field first (``upgrade_operator_codes``). Cached by
    content. Introduced in notebook 05.
    Raises QuantizationError for an unknown recipe (listing them), a path that is not a .tflite file, a file
    already quantized, calibration of the wrong shape or range, calibration for a recipe that measures
    nothing, a file without a signature for a static recipe, and a result in which nothing was quantized.
    """
    recipe = _check_recipe(recipe)
    if name is not None:
        _check_name(name)
    if edges is None:
        edges = "integer" if recipe == "static_wi8_ai8" else "float32"
    if edges not in EDGES:
        raise QuantizationError(f"edges is one of {', '.join(EDGES)}; got {edges!r}.")
    if ranges not in RANGES:
        raise QuantizationError(f"ranges is one of {', '.join(RANGES)}; got {ranges!r}.")
    if recipe not in STATIC and (calibration is not None or edges != "float32"):
        raise QuantizationError(
            f"{recipe} measures nothing in advance and keeps float32 at the model's edges: drop calibration= "
            f"and edges=, or choose a static recipe ({', '.join(STATIC)})."
        )
    data = _model_bytes(float_path)
    before = stored_bytes(float_path)
    if any(dtype in before for dtype in ("int8", "uint8", "int4", "float16")):
        raise QuantizationError(
            f"'{Path(float_path).name}' is already quantized (it stores {', '.join(before)}); quantize the "
            f"float32 file, e.g. quantize.export(model)."
        )
    data, _ = upgrade_operator_codes(data)
    key = hashlib.sha256(f"{CACHE_VERSION}|{recipe}|{edges}|{ranges}".encode())
    key.update(data)
    samples = None
    if recipe in STATIC:
        signature, input_name, input_tensor, shape = _signature(data)
        samples, low, high = _check_calibration(calibration, shape, input_range)
        key.update(f"{low!r}|{high!r}|{samples.shape}".encode())
        key.update(np.ascontiguousarray(samples).tobytes())
    stem = _safe(f"{name or Path(float_path).stem.removesuffix('-float32')}-{recipe}")
    path = converted_dir() / f"{stem}-{key.hexdigest()[:16]}.tflite"
    if _cached(path):
        return path
    from ai_edge_quantizer import quantizer

    with quiet():
        worker = quantizer.Quantizer(bytearray(data), _recipe_object(recipe, edges))
        result = None
        if samples is not None:
            result = _calibrate(worker, signature, input_name, samples, ranges)
            result[input_tensor] = {  # the input's range is known, not measured
                "min": np.full_like(result[input_tensor]["min"], low),
                "max": np.full_like(result[input_tensor]["max"], high),
            }
        quantized = bytes(worker.quantize(result, enable_progress_report=False).quantized_model)
    after = stored_bytes(TFLiteFile(quantized))
    if set(after) <= {"float32", "int32", "int64"}:
        raise QuantizationError(
            f"The quantizer changed no weight of '{Path(float_path).name}' with {recipe}: it stores "
            f"{', '.join(after) or 'no constants'} as before. The model has no operator the quantizer supports."
        )
    write_bytes_atomically(path, quantized)
    return path


def convert(
    model: Any,
    recipe: str = "float32",
    calibration: Any = None,
    *,
    input_range: tuple[float, float] | None = None,
    edges: str | None = None,
    ranges: str = "full",
    name: str | None = None,
) -> Path:
    """Export a Keras model (``export``) and, unless ``recipe`` is "float32", quantize it (``quantize_model``).

    Introduced in notebook 05; used by ``helpers.transfer.convert_in_subprocess``. Raises QuantizationError
    as ``export`` and ``quantize_model`` do.
    """
    if recipe != "float32":
        _check_recipe(recipe)
    float_path = export(model, name=name)
    if recipe == "float32":
        return float_path
    return quantize_model(
        float_path, recipe, calibration, input_range=input_range, edges=edges, ranges=ranges, name=name
    )
