"""Quantization arithmetic, and the current LiteRT toolchain: Keras export and the AI Edge Quantizer (notebook 05).

Exports and quantizations are cached in ``<cache>/converted``, keyed by content, recipe and calibration data.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from helpers.arguments import finite_array, is_real, real_number, true_or_false, whole_number
from helpers.errors import QuantizationError, wrap_public_functions
from helpers.model import dequantize  # noqa: F401  (notebook 05 calls quantize.dequantize)
from helpers.system import converter_output as quiet  # notebook 05 calls it quantize.quiet()
from helpers.system import write_bytes_atomically
from helpers.tflite import TFLiteFile, is_tflite, pack

# --------------------------------------------------------------------------- arithmetic


def _codes(dtype: Any, symmetric: bool = False) -> np.iinfo:
    """The range of codes of a type TFLite stores quantized values in (a signed one for symmetric codes)."""
    name, types = np.dtype(dtype).name, ("int8", "int16") if symmetric else ("int8", "uint8", "int16")
    if name not in types:
        raise QuantizationError(
            f"{'Symmetric codes' if symmetric else 'Quantized values'} are stored as {', '.join(types)}; got {name}."
        )
    return np.iinfo(name)


def quantize(values: Any, scale: float, zero_point: int, dtype: Any = "int8") -> np.ndarray:
    """``q = clip(round(real / scale) + zero_point)`` in ``dtype``'s range (int8, uint8, int16). Notebook 05."""
    info = _codes(dtype)
    if isinstance(zero_point, (float, np.floating)) and float(zero_point).is_integer():
        zero_point = int(zero_point)
    zero_point = whole_number(zero_point, "zero_point", QuantizationError, minimum=info.min, maximum=info.max)
    scale = real_number(scale, "scale", QuantizationError, positive=True)  # 0 would mean a float tensor
    real = finite_array(values, "values", QuantizationError).astype(np.float64)
    return np.clip(np.round(real / scale) + zero_point, info.min, info.max).astype(info.dtype)


def quantization_params(low: float, high: float, dtype: Any = "int8", symmetric: bool = False) -> tuple[float, int]:
    """The (scale, zero_point) that map [low, high], widened to include 0 (so 0.0 has an exact code), onto
    ``dtype``'s codes; symmetric codes (int8 weights) keep the zero point at 0 and use −127 … 127. Notebook 05."""
    info = _codes(dtype, true_or_false(symmetric, "symmetric", QuantizationError))
    low = real_number(low, "low", QuantizationError)
    high = real_number(high, "high", QuantizationError)
    real_number(high - low, "high − low (low must not be above high)", QuantizationError, minimum=0)
    low, high = min(low, 0.0), max(high, 0.0)
    tiny = np.finfo(np.float64).tiny  # a range so narrow that its step underflows gets the smallest normal step
    if symmetric:
        return (max(max(-low, high) / info.max, tiny) if high or low else 1.0), 0
    if high == low:  # only zeros: any scale represents them exactly
        return 1.0, int(np.clip(0, info.min, info.max))
    scale = max((high - low) / (info.max - info.min), tiny)
    return float(scale), int(np.clip(np.round(info.min - low / scale), info.min, info.max))


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
CACHE_VERSION = "2"  # bump to invalidate every cached export and quantization


def _digest(model: Any) -> str | None:
    """A SHA-256 of a Keras model's architecture and weights, or None if the architecture cannot be serialized."""
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
    """The folder for converted models: ``<assets cache>/converted``, or a temporary folder if that is read-only."""
    from helpers import assets

    for folder in (assets.cache_dir() / "converted", Path(tempfile.gettempdir()) / "edge-image-classroom-converted"):
        with contextlib.suppress(OSError):  # a read-only place: the next one
            folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    raise QuantizationError("No writable folder for converted models: set CLASSROOM_CACHE_DIR to a writable folder.")


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem) or "model"


def save_model(data: bytes, name: str = "model") -> Path:
    """Write .tflite bytes to the converted-models folder, named by their hash; the path (notebook 05)."""
    if not isinstance(data, (bytes, bytearray)) or not is_tflite(data):
        raise QuantizationError(
            f"Expected the bytes of a TensorFlow Lite model ('TFL3' at byte 4); got a {type(data).__name__} "
            f"starting {data[:8]!r}, not a TensorFlow Lite model."
        )
    path = converted_dir() / f"{_safe(name)}-{hashlib.sha256(data).hexdigest()[:16]}.tflite"
    if not (path.is_file() and path.stat().st_size == len(data)):
        write_bytes_atomically(path, bytes(data))
    return path


def _cached(path: Path) -> bool:  # a cache file damaged outside this package is made again
    return path.is_file() and is_tflite(path.read_bytes()[:8])


def export(model: Any, *, name: str | None = None) -> Path:
    """``model.export(path, format="litert")``: a Keras model's float32 .tflite file, with the signature the AI Edge
    Quantizer needs; cached (notebook 05)."""
    import keras

    digest = _digest(model)
    stem = _safe(f"{name or model.name}-float32")
    key = hashlib.sha256(f"{CACHE_VERSION}|{keras.__version__}|{digest}".encode()).hexdigest()[:16]
    path = converted_dir() / f"{stem}-{key}.tflite"
    if digest is not None and _cached(path):
        return path
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        target = Path(folder) / "model.tflite"
        try:
            with quiet():
                model.export(str(target), format="litert", verbose=False)
            data = target.read_bytes()
        except Exception as exc:  # Keras and TensorFlow raise many kinds; each becomes one message
            raise QuantizationError(
                f"Keras could not export '{model.name}' to LiteRT ({type(exc).__name__}: {str(exc).strip()[:300]}). "
                f"Export works for built-in Keras layers and a fixed input shape (no input shape yet? build the "
                f"model with keras.Input(shape=(224, 224, 3)) or call it once on a batch); replace or remove "
                f"custom layers, or give them a get_config()."
            ) from exc
    if digest is None:
        return save_model(data, stem)
    write_bytes_atomically(path, data)
    return path


def _upgraded(data: bytes) -> bytes:
    """The file with each operator code also in the 32-bit field (files from before 2020 fill only the 8-bit one, and
    the quantizer reads the 32-bit one: ADDs with no weights to quantize)."""
    model = TFLiteFile(data).model_object()
    old = [code for code in model.operatorCodes or [] if code.deprecatedBuiltinCode > code.builtinCode]
    for code in old:
        code.builtinCode = code.deprecatedBuiltinCode
    return pack(model) if old else data


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
    ((input_name, details),) = interpreter.get_signature_runner(key).get_input_details().items()  # one input
    return key, input_name, details["name"], tuple(int(d) for d in details["shape"])


def _calibration(calibration: Any, shape: tuple[int, ...], input_range: Any) -> tuple[np.ndarray, float, float]:
    """The calibration batch as float32, checked against the input's shape and the declared input range."""
    expected, problems, low, high = tuple(shape[1:]), [], 0.0, 0.0
    samples = None if calibration is None else finite_array(calibration, "calibration", QuantizationError)
    if samples is None or samples.shape[1:] != expected or samples.ndim != len(expected) + 1:
        problems.append(
            f"A static recipe needs calibration inputs: about 100 typical inputs, preprocessed exactly as for "
            f"inference, in a batch of shape (N, {', '.join(map(str, expected))}); got "
            f"{'none' if samples is None else f'shape {samples.shape}'}. Resize the photos to the model's input "
            f"size and stack them."
        )
    if not (
        isinstance(input_range, (Sequence, np.ndarray))
        and len(input_range) == 2
        and all(is_real(v) and np.isfinite(v) for v in input_range)
        and input_range[0] < input_range[1]
    ):
        problems.append(
            f"input_range is (low, high), the range the model's input takes after preprocessing, e.g. (-1, 1) "
            f"for keras.applications.mobilenet.preprocess_input; got {input_range!r}."
        )
    elif not problems:
        low, high = float(input_range[0]), float(input_range[1])
        width, found_low, found_high = high - low, float(samples.min()), float(samples.max())
        if found_low < low - 1e-3 * width or found_high > high + 1e-3 * width or found_high - found_low < 0.5 * width:
            problems.append(
                f"The calibration values span {found_low:g} … {found_high:g}, but the model takes {low:g} … "
                f"{high:g}: preprocess the calibration photos exactly as for inference (e.g. 0 … 255 pixels → "
                f"keras.applications.mobilenet.preprocess_input for −1 … 1)."
            )
    if problems:
        raise QuantizationError(" ".join(problems))
    return samples.astype(np.float32, copy=False), low, high


def _recipe_object(recipe: str) -> Any:
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
    if recipe == "static_wi8_ai16":  # int16 activations inside, float32 at the model's input and output
        for edge in (qtyping.TFLOperationName.INPUT, qtyping.TFLOperationName.OUTPUT):
            manager.add_quantization_config(".*", edge, algorithm_key="no_quantize")
    return manager.get_quantization_recipe()


def _calibrate(worker: Any, signature: str, input_name: str, samples: np.ndarray) -> dict:
    """Each tensor's {"min", "max"} over all samples (the quantizer alone keeps a moving average of them)."""
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


def _check_recipe(recipe: Any, calibration: Any) -> None:
    """Refuse an unknown recipe, and calibration for a recipe that measures nothing in advance."""
    if recipe not in RECIPES or (calibration is not None and recipe not in STATIC):
        raise QuantizationError(
            f"Unknown recipe {recipe!r}. The recipes are: {', '.join(RECIPES)} (see quantize.RECIPES for what "
            f"each stores)."
            if recipe not in RECIPES
            else f"{recipe} takes no calibration: only the static recipes ({', '.join(STATIC)}) do; a recipe that "
            f"is not static measures nothing in advance."
        )


def quantize_model(
    float_path: str | os.PathLike,
    recipe: str,
    calibration: Any = None,
    *,
    input_range: tuple[float, float] | None = None,
    name: str | None = None,
) -> Path:
    """Quantize a float .tflite file with one of the AI Edge Quantizer's ``RECIPES``; the new file's path (notebook 05).

    Static recipes need ``calibration`` and ``input_range``; each tensor's range runs from its lowest to its highest
    calibration value, as TensorFlow's converter measures."""
    _check_recipe(recipe, calibration)
    file = TFLiteFile(float_path)
    before = file.stored_bytes()
    if any(dtype in before for dtype in ("int8", "uint8", "int4", "float16")):
        raise QuantizationError(
            f"'{file.name}' is already quantized (it stores {', '.join(before)}); quantize the "
            f"float32 file, e.g. quantize.export(model)."
        )
    data = _upgraded(file.data)
    edges = "integer" if recipe == "static_wi8_ai8" else "float32"  # the key as when edges and ranges were
    key = hashlib.sha256(f"{CACHE_VERSION}|{recipe}|{edges}|full".encode())  # options: cached files stay valid
    key.update(data)
    samples = None
    if recipe in STATIC:
        signature, input_name, input_tensor, shape = _signature(data)
        samples, low, high = _calibration(calibration, shape, input_range)
        key.update(f"{low!r}|{high!r}|{samples.shape}".encode())
        key.update(np.ascontiguousarray(samples).tobytes())
    stem = _safe(f"{name or Path(float_path).stem.removesuffix('-float32')}-{recipe}")
    path = converted_dir() / f"{stem}-{key.hexdigest()[:16]}.tflite"
    if _cached(path):
        return path
    from ai_edge_quantizer import quantizer

    with quiet():
        worker = quantizer.Quantizer(bytearray(data), _recipe_object(recipe))
        result = None
        if samples is not None:
            result = _calibrate(worker, signature, input_name, samples)
            result[input_tensor] = {  # the input's range is known, not measured
                "min": np.full_like(result[input_tensor]["min"], low),
                "max": np.full_like(result[input_tensor]["max"], high),
            }
        quantized = bytes(worker.quantize(result, enable_progress_report=False).quantized_model)
    after = TFLiteFile(quantized).stored_bytes()
    if set(after) <= {"float32", "int32", "int64"}:
        raise QuantizationError(
            f"The quantizer changed no weight of '{file.name}' with {recipe}: it stores "
            f"{', '.join(after) or 'no constants'} as before. The model has no operator the quantizer supports."
        )
    write_bytes_atomically(path, quantized)
    return path


def convert(model: Any, recipe: str = "float32", calibration: Any = None, **options: Any) -> Path:
    """Export a Keras model (``export``) and, unless ``recipe`` is "float32", quantize it (``quantize_model``)."""
    if recipe != "float32":
        _check_recipe(recipe, calibration)
    float_path = export(model, name=options.get("name"))
    return float_path if recipe == "float32" else quantize_model(float_path, recipe, calibration, **options)


wrap_public_functions(globals(), QuantizationError)
