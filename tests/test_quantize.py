"""helpers.quantize on self-made data: the arithmetic, Keras export and every quantizer recipe, the cache, inspection."""

from __future__ import annotations

import hashlib
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import HelpersError, ModelError, PlotError, quantize, tflite
from helpers.quantize import QuantizationError

# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def dense_model():
    """An 8×8 RGB → 4-class model with enough weights (a 1024 × 32 dense layer) for sizes to show."""
    import keras

    keras.utils.set_random_seed(1)
    return keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.Conv2D(16, 3, padding="same", activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(4, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def samples():
    """Twenty calibration inputs in [-1, 1], as MobileNet-style preprocessing gives."""
    return np.random.default_rng(0).uniform(-1, 1, (20, 8, 8, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A private cache folder for the converted models of this module."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLASSROOM_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def converted(dense_model, samples, cache):
    """The dense model exported (float32) and quantized with every recipe."""
    paths = {"float32": quantize.export(dense_model)}
    for recipe in quantize.RECIPES:
        static = recipe in quantize.STATIC
        paths[recipe] = quantize.quantize_model(
            paths["float32"], recipe, samples if static else None, input_range=(-1, 1) if static else None
        )
    return paths


def _run(path, x):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path))
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    if inp["dtype"] != np.float32:
        scale, zero_point = inp["quantization"]
        x = quantize.quantize(x, scale, zero_point, np.dtype(inp["dtype"]).name)
    interpreter.set_tensor(inp["index"], x)
    interpreter.invoke()
    scale, zero_point = out["quantization"]
    return quantize.dequantize(interpreter.get_tensor(out["index"]), scale, zero_point)


# --------------------------------------------------------------------------- arithmetic


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=1, max_size=30), st.sampled_from(["int8", "uint8", "int16"]))
def test_round_trip_error_is_at_most_half_a_step(values, dtype):
    values = np.array(values)
    scale, zero_point = quantize.quantization_params(values.min(), values.max(), dtype)
    codes = quantize.quantize(values, scale, zero_point, dtype)
    assert codes.dtype == np.dtype(dtype)
    restored = quantize.dequantize(codes, scale, zero_point)
    assert np.all(np.abs(restored - values) <= scale / 2 + 4e-7 * (np.abs(values) + 1))  # dequantize gives float32


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16"])
def test_a_range_whose_step_would_underflow_still_round_trips(dtype):
    values = np.array([5e-324])  # the smallest float: (high − low) / 255 is 0.0 in float64
    scale, zero_point = quantize.quantization_params(values.min(), values.max(), dtype)
    assert scale > 0
    restored = quantize.dequantize(quantize.quantize(values, scale, zero_point, dtype), scale, zero_point)
    assert np.all(np.abs(restored - values) <= scale / 2)


def test_zero_is_exact_and_the_range_ends_use_the_end_codes():
    scale, zero_point = quantize.quantization_params(-0.92, 1.4, "int8")
    assert scale == pytest.approx(2.32 / 255)
    codes = quantize.quantize([-0.92, 0.0, 1.4], scale, zero_point, "int8")
    assert codes.tolist() == [-128, zero_point, 127]
    assert quantize.dequantize(codes[1:2], scale, zero_point)[0] == 0.0


def test_values_outside_the_range_are_clipped():
    codes = quantize.quantize([-1000.0, 1000.0], 0.01, 0, "int8")
    assert codes.tolist() == [-128, 127]
    assert quantize.quantize([1000.0], 0.01, 0, "uint8").tolist() == [255]


def test_a_range_without_zero_is_widened_to_include_it():
    scale, zero_point = quantize.quantization_params(2.0, 4.0, "uint8")
    assert zero_point == 0 and scale == pytest.approx(4.0 / 255)
    scale, zero_point = quantize.quantization_params(-4.0, -2.0, "uint8")
    assert zero_point == 255 and scale == pytest.approx(4.0 / 255)


def test_symmetric_params_keep_zero_point_zero():
    scale, zero_point = quantize.quantization_params(-0.5, 1.27, "int8", symmetric=True)
    assert zero_point == 0 and scale == pytest.approx(0.01)
    assert quantize.quantize([1.27, -1.27], scale, zero_point).tolist() == [127, -127]


def test_an_all_zero_range_still_has_a_scale():
    assert quantize.quantization_params(0.0, 0.0, "int8") == (1.0, 0)
    assert quantize.quantization_params(0.0, 0.0, "int8", symmetric=True) == (1.0, 0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"scale": 0.0}, "scale must be a number > 0"),
        ({"scale": -0.1}, "scale must be a number > 0"),
        ({"scale": float("nan")}, "scale must be a finite number > 0"),
        ({"zero_point": 300}, "zero_point must be a whole number from -128 to 127"),
        ({"dtype": "float32"}, "stored as"),
        ({"dtype": "int64"}, "stored as"),
        ({"dtype": "no such type"}, "quantize cannot use its arguments.*not understood"),
        ({"values": [1.0, float("nan")]}, "NaN"),
        ({"zero_point": 2.7}, "zero_point must be a whole number"),
        ({"zero_point": float("nan")}, "zero_point must be a whole number"),
        ({"zero_point": True}, "zero_point must be a whole number"),
        ({"zero_point": "0"}, "zero_point must be a whole number"),
        ({"scale": "abc"}, "scale must be a number > 0"),
        ({"scale": None}, "scale must be a number > 0"),
        ({"scale": True}, "scale must be a number > 0"),
        ({"values": ["a"]}, "values must hold numbers"),
        ({"values": ["1.5"]}, "values must hold numbers"),
        ({"values": None}, "values must hold numbers"),
        ({"values": [[1.0], [1.0, 2.0]]}, "regular array"),
    ],
)
def test_quantize_rejects_bad_input(kwargs, message):
    arguments = {"values": [0.5], "scale": 0.1, "zero_point": 0, "dtype": "int8"} | kwargs
    with pytest.raises(QuantizationError, match=message):
        quantize.quantize(**arguments)


def test_quantize_accepts_a_whole_zero_point_given_as_a_float():
    assert quantize.quantize([0.5], 0.1, 2.0).tolist() == quantize.quantize([0.5], 0.1, 2).tolist() == [7]
    assert quantize.quantize([0.5], 0.1, np.int32(2), "uint8").tolist() == [7]


@pytest.mark.parametrize(
    "args, message",
    [
        ((-1e308, 1e308), "high − low .* must be a finite number"),
        (("0", 1.0), "low must be a number"),
        ((None, 1.0), "low must be a number"),
        ((0.0, True), "high must be a number"),
        (([0, 1], 2.0), "low must be a number; got \\[0, 1\\]"),
        ((-1.0, 1.0, "int8", "yes"), "symmetric must be True or False"),
    ],
)
def test_quantization_params_refuse_non_numbers_and_an_infinite_scale(args, message):
    with pytest.raises(QuantizationError, match=message):
        quantize.quantization_params(*args)


@pytest.mark.parametrize(
    "args, message",
    [
        ((1.0, -1.0), "low must not be above high"),
        ((float("-inf"), 1.0), "finite"),
        ((-1.0, float("nan")), "finite"),
        ((-1.0, 1.0, "uint8", True), "Symmetric codes are stored as int8, int16; got uint8"),
        ((-1.0, 1.0, "float16"), "stored as"),
    ],
)
def test_quantization_params_reject_bad_ranges(args, message):
    with pytest.raises(QuantizationError, match=message):
        quantize.quantization_params(*args)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: quantize.save_model(b"1234TFL3", name=5), "save_model cannot use its arguments.*name=int"),
        (lambda: quantize.export("model.h5"), r"export cannot use its arguments \(model=str"),
    ],
)
def test_other_public_functions_refuse_the_wrong_kind_of_argument(call, message):
    with pytest.raises(QuantizationError, match=message):
        call()
    with pytest.raises(ModelError, match="No model file at '5'"):  # the .tflite reader checks every model file
        quantize.quantize_model(5, "dynamic_wi8_afp32")


def test_errors_are_helpers_errors():
    assert issubclass(QuantizationError, HelpersError)


# --------------------------------------------------------------------------- export and recipes


def test_each_recipe_stores_its_weights_in_its_type(converted):
    stored = {name: tflite.TFLiteFile(path).stored_bytes() for name, path in converted.items()}
    assert set(stored["float32"]) <= {"float32", "int32"}
    largest = {name: max(kinds, key=kinds.get) for name, kinds in stored.items()}
    assert largest["float16"] == "float16"
    for recipe in ("weight_only_wi8_afp32", "dynamic_wi8_afp32", "static_wi8_ai8", "static_wi8_ai16"):
        assert largest[recipe] == "int8", recipe
    for recipe in ("weight_only_wi4_afp32", "dynamic_wi4_afp32"):
        assert largest[recipe] == "int4", recipe
    assert "float32" not in stored["static_wi8_ai8"]
    sizes = {name: path.stat().st_size for name, path in converted.items()}
    assert sizes["dynamic_wi4_afp32"] < sizes["dynamic_wi8_afp32"] < sizes["float16"] < sizes["float32"]
    assert sizes["static_wi8_ai8"] < 0.4 * sizes["float32"]  # about a quarter, plus the graph and the scales


def test_input_and_output_types(converted):
    def edges(path):
        tensors = tflite.TFLiteFile(path).tensors()
        return ([t.dtype for t in tensors if t.role == "input"], [t.dtype for t in tensors if t.role == "output"])

    for name in [*quantize.RECIPES, "float32"]:
        if name != "static_wi8_ai8":
            assert edges(converted[name]) == (["float32"], ["float32"]), name
    assert edges(converted["static_wi8_ai8"]) == (["int8"], ["int8"])


def test_the_static_input_takes_the_declared_range_not_a_measured_one(converted):
    for name in ("static_wi8_ai8",):  # static_wi8_ai16 keeps a float32 input
        source = next(t for t in tflite.TFLiteFile(converted[name]).tensors() if t.role == "input")
        assert source.scales[0] == pytest.approx(2 / 255, rel=1e-5), name  # −1 … 1 over 255 steps
        assert source.zero_points[0] in (-1, 0)


def test_full_ranges_cover_the_moving_average_ranges(converted, samples):
    from ai_edge_quantizer import quantizer, recipe

    def scales(path):
        return {
            t.name: t.scales[0] for t in tflite.TFLiteFile(path).tensors() if t.role == "activation" and t.quantized
        }

    key, input_name, _, _ = quantize._signature(converted["float32"].read_bytes())
    worker = quantizer.Quantizer(str(converted["float32"]), recipe.static_wi8_ai8())  # its own moving average
    with quantize.quiet():
        ranges = worker.calibrate({key: [{input_name: sample[np.newaxis]} for sample in samples]})
        moving_bytes = bytes(worker.quantize(ranges, enable_progress_report=False).quantized_model)
    full, moving = scales(converted["static_wi8_ai8"]), scales(quantize.save_model(moving_bytes, "moving"))
    shared = set(full) & set(moving)
    assert shared
    assert all(full[name] >= moving[name] * (1 - 1e-6) for name in shared)
    assert any(full[name] > moving[name] * 1.01 for name in shared), "twenty inputs' extremes exceed their average"


def test_quantized_models_compute_what_keras_computes(dense_model, samples, converted):
    x = samples[:1]
    expected = np.asarray(dense_model(x, training=False))
    np.testing.assert_allclose(_run(converted["float32"], x), expected, atol=1e-5)
    for name in ("float16", "weight_only_wi8_afp32", "dynamic_wi8_afp32"):
        np.testing.assert_allclose(_run(converted[name], x), expected, atol=0.02, err_msg=name)
    for name in ("static_wi8_ai8", "static_wi8_ai16"):
        np.testing.assert_allclose(_run(converted[name], x), expected, atol=0.05, err_msg=name)
    for name in ("weight_only_wi4_afp32", "dynamic_wi4_afp32"):
        np.testing.assert_allclose(_run(converted[name], x), expected, atol=0.15, err_msg=name)


def test_operators_show_the_recipe(converted):
    assert "DEQUANTIZE" in tflite.TFLiteFile(converted["float16"]).operator_counts()
    assert "DEQUANTIZE" in tflite.TFLiteFile(converted["weight_only_wi8_afp32"]).operator_counts()
    assert "DEQUANTIZE" not in tflite.TFLiteFile(converted["dynamic_wi8_afp32"]).operator_counts()
    assert "QUANTIZE" not in tflite.TFLiteFile(converted["float32"]).operator_counts()
    assert tflite.TFLiteFile(converted["float32"]).operator_counts()["FULLY_CONNECTED"] == 2
    edges = tflite.TFLiteFile(converted["static_wi8_ai16"]).operator_counts()
    inside = tflite.TFLiteFile(converted["static_wi8_ai8"]).operator_counts()
    assert "QUANTIZE" not in inside and edges["QUANTIZE"] == 1  # float32 → int16 at the input
    assert edges["DEQUANTIZE"] == inside["DEQUANTIZE"] + 1  # int16 → float32 at the output


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"recipe": "int8"}, "Unknown recipe 'int8'. The recipes are: float16, weight_only_wi8_afp32"),
        ({"recipe": "static_wi8_ai8"}, "needs calibration inputs.*got none"),
        ({"recipe": "dynamic_wi8_afp32", "calibration": "SAMPLES"}, "measures nothing in advance"),
        ({"recipe": "static_wi8_ai8", "calibration": np.zeros((5, 16, 16, 3))}, "Resize the photos"),
        ({"recipe": "static_wi8_ai8", "calibration": np.zeros((8, 8, 3))}, r"shape \(N, 8, 8, 3\)"),
        ({"recipe": "static_wi8_ai8", "calibration": np.zeros((0, 8, 8, 3))}, "calibration is empty"),
        ({"recipe": "static_wi8_ai8", "calibration": np.full((2, 8, 8, 3), np.nan)}, "NaN"),
        ({"recipe": "static_wi8_ai8", "calibration": "SAMPLES", "input_range": None}, "input_range is"),
        ({"recipe": "static_wi8_ai8", "calibration": "SAMPLES", "input_range": (1, -1)}, "input_range is"),
        ({"recipe": "static_wi8_ai8", "calibration": "PIXELS"}, "preprocess the calibration photos"),
        ({"recipe": "static_wi8_ai8", "calibration": "HALF"}, "span 0"),
    ],
)
def test_quantize_model_rejects_impossible_settings(converted, samples, kwargs, message):
    arguments = {"calibration": None, "input_range": (-1, 1)} | kwargs
    arguments["calibration"] = {
        "SAMPLES": samples,
        "PIXELS": (samples + 1) * 127.5,  # 0 … 255 where the model takes −1 … 1
        "HALF": (samples + 1) / 2,  # 0 … 1: inside −1 … 1, but only half of it
    }.get(arguments["calibration"] if isinstance(arguments["calibration"], str) else "", arguments["calibration"])
    if arguments["recipe"] not in quantize.STATIC and kwargs.get("calibration") is None:
        arguments["input_range"] = None
    with pytest.raises(QuantizationError, match=message):
        quantize.quantize_model(converted["float32"], **arguments)


def test_quantize_model_refuses_files_that_are_not_float_models(converted, tmp_path):
    with pytest.raises(QuantizationError, match="already quantized"):
        quantize.quantize_model(converted["dynamic_wi8_afp32"], "static_wi8_ai8")
    with pytest.raises(ModelError, match="No model file"):
        quantize.quantize_model(tmp_path / "missing.tflite", "dynamic_wi8_afp32")
    (tmp_path / "page.tflite").write_bytes(b"<!DOCTYPE html><html>")
    with pytest.raises(ModelError, match="not a TensorFlow Lite model"):
        quantize.quantize_model(tmp_path / "page.tflite", "dynamic_wi8_afp32")


def _old_style(data: bytes) -> bytes:
    """The file as a pre-2020 converter wrote it: operator codes only in the 8-bit field, and no signature."""
    import flatbuffers

    from helpers.tflite import TFLiteFile

    model = TFLiteFile(data).model
    for code in model.operatorCodes:
        code.deprecatedBuiltinCode, code.builtinCode = code.builtinCode, 0
    model.signatureDefs = None
    builder = flatbuffers.Builder(len(data) + 1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_an_old_file_is_upgraded_and_quantized_not_copied(converted, samples, tmp_path):
    old = tmp_path / "old_float.tflite"
    old.write_bytes(_old_style(converted["float32"].read_bytes()))
    assert all(code.builtinCode == 0 for code in tflite.TFLiteFile(old).model.operatorCodes)  # ADD in the new field
    assert tflite.TFLiteFile(old).operator_counts() == tflite.TFLiteFile(converted["float32"]).operator_counts()
    path = quantize.quantize_model(old, "dynamic_wi8_afp32")
    assert tflite.TFLiteFile(path).stored_bytes() == tflite.TFLiteFile(converted["dynamic_wi8_afp32"]).stored_bytes()
    assert path.stat().st_size < 0.6 * old.stat().st_size
    with pytest.raises(QuantizationError, match="no signature.*quantize.export"):
        quantize.quantize_model(old, "static_wi8_ai8", samples, input_range=(-1, 1))


def test_a_model_the_quantizer_cannot_change_is_refused(cache):
    import keras

    model = keras.Sequential([keras.Input((4, 4, 3)), keras.layers.Activation("relu")])
    with pytest.raises(QuantizationError, match="changed no weight"):
        quantize.convert(model, "dynamic_wi8_afp32")


def test_export_refuses_a_model_keras_cannot_export(cache, monkeypatch, dense_model):
    import keras

    class Unbuilt(keras.Model):
        def call(self, x):
            return x * 2

    with pytest.raises(QuantizationError, match="no input shape yet"):
        quantize.export(Unbuilt())

    def broken(*args, **kwargs):
        print("converter: something went wrong in layer 3")
        raise RuntimeError("unsupported op")

    monkeypatch.setattr(type(dense_model), "export", broken)
    with pytest.raises(QuantizationError, match="Keras could not export.*unsupported op") as caught:
        quantize.export(keras.models.clone_model(dense_model))  # new weights: not in the cache
    assert any("layer 3" in note for note in getattr(caught.value.__cause__, "__notes__", []))


# --------------------------------------------------------------------------- cache


def test_a_second_export_and_quantization_come_from_the_cache(dense_model, samples, converted, monkeypatch):
    def must_not_run(*args, **kwargs):
        raise AssertionError("converted again instead of using the cache")

    monkeypatch.setattr(type(dense_model), "export", must_not_run)
    monkeypatch.setattr(quantize, "_recipe_object", must_not_run)
    assert quantize.export(dense_model) == converted["float32"]
    assert quantize.convert(dense_model, "float16") == converted["float16"]
    again = quantize.convert(dense_model, "static_wi8_ai8", samples, input_range=(-1, 1))
    assert again == converted["static_wi8_ai8"]


def test_the_cache_key_follows_weights_settings_and_samples(dense_model, samples, converted, cache):
    assert len(set(converted.values())) == len(converted)
    other_samples = quantize.quantize_model(converted["float32"], "static_wi8_ai8", samples[:10], input_range=(-1, 1))
    assert other_samples != converted["static_wi8_ai8"]
    import keras

    changed = keras.models.clone_model(dense_model)
    changed.set_weights([w + 0.01 for w in dense_model.get_weights()])
    assert quantize.export(changed) != converted["float32"]


def test_the_cache_lives_outside_the_repository_and_holds_no_partial_files(converted, cache):
    folder = quantize.converted_dir()
    assert folder == cache / "converted"
    assert all(path.parent == folder for path in converted.values())
    assert not list(folder.glob("*.part"))
    repository = os.path.dirname(os.path.dirname(os.path.abspath(quantize.__file__)))
    assert not str(folder).startswith(repository)


def test_a_damaged_cached_file_is_made_again(converted):
    path = converted["dynamic_wi8_afp32"]
    good = path.read_bytes()
    path.write_bytes(b"<html>not a model</html>")
    try:
        assert quantize.quantize_model(converted["float32"], "dynamic_wi8_afp32") == path
        assert path.read_bytes()[4:8] == b"TFL3"
    finally:
        path.write_bytes(good)


def test_a_failed_write_leaves_nothing_behind(converted, monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSROOM_CACHE_DIR", str(tmp_path))
    data = converted["float32"].read_bytes()

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(quantize.os, "replace", fail)
    with pytest.raises(OSError, match="No space"):
        quantize.save_model(data, "model")
    assert list((tmp_path / "converted").iterdir()) == []


def test_save_model_names_files_by_content(converted, monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSROOM_CACHE_DIR", str(tmp_path))
    data = converted["static_wi8_ai8"].read_bytes()
    first = quantize.save_model(data, "my model/v1")
    assert first == quantize.save_model(data, "my model/v1")
    assert first.name.startswith("my_model_v1-") and first.read_bytes() == data
    with pytest.raises(QuantizationError, match="not a TensorFlow Lite model"):
        quantize.save_model(b"PK\x03\x04 a zip file", "model")
    with pytest.raises(QuantizationError, match="Expected the bytes.*got a str"):
        quantize.save_model("model.tflite", "model")


def test_a_read_only_cache_falls_back_to_a_temporary_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("CLASSROOM_CACHE_DIR", str(tmp_path / "read-only"))
    real_access = os.access
    monkeypatch.setattr(
        quantize.os, "access", lambda path, mode: False if "read-only" in str(path) else real_access(path, mode)
    )
    folder = quantize.converted_dir()
    assert "read-only" not in str(folder) and folder.name == "edge-image-classroom-converted"


def test_a_model_without_json_is_exported_but_not_cached(monkeypatch, dense_model, cache):
    monkeypatch.setattr(type(dense_model), "to_json", lambda self: (_ for _ in ()).throw(NotImplementedError()))
    path = quantize.export(dense_model)
    assert path.is_file() and path.read_bytes()[4:8] == b"TFL3"
    assert path.name.endswith(
        f"-{hashlib.sha256(path.read_bytes()).hexdigest()[:16]}.tflite"
    )  # by its bytes, not cached


# --------------------------------------------------------------------------- quiet


def test_quiet_hides_python_and_native_output(capfd):
    with quantize.quiet():
        print("from python")
        sys.stderr.write("a progress bar on Python's stderr\n")
        os.write(1, b"from C on stdout\n")
        os.write(2, b"from C on stderr\n")
    print("after")
    out, err = capfd.readouterr()
    assert out == "after\n" and err == ""


def test_quiet_attaches_the_output_to_an_error(capfd):
    with pytest.raises(ValueError, match="boom") as caught, quantize.quiet():
        os.write(2, b"the native reason\n")
        raise ValueError("boom")
    assert "the native reason" in "\n".join(caught.value.__notes__)
    sys.stdout.write("still printing\n")
    assert capfd.readouterr().out == "still printing\n"


# --------------------------------------------------------------------------- inspection


def test_inspect_tensors_names_roles_and_quantization(converted):
    tensors = tflite.TFLiteFile(converted["static_wi8_ai8"]).tensors()
    roles = {t.role for t in tensors}
    assert {"input", "output", "weights", "bias", "activation"} <= roles
    source = next(t for t in tensors if t.role == "input")
    assert source.dtype == "int8" and source.quantized and len(source.scales) == 1 and not source.constant
    assert source.scales[0] == pytest.approx(2 / 255, rel=0.01)
    output = next(t for t in tensors if t.role == "output")
    assert output.scales == (pytest.approx(1 / 256),) and output.zero_points == (-128,)
    conv = next(t for t in tensors if t.role == "weights" and len(t.shape) == 4)
    assert conv.dtype == "int8" and len(conv.scales) == 16 and set(conv.zero_points) == {0}
    assert conv.constant and conv.nbytes == 16 * 3 * 3 * 3
    row = conv.summary()
    assert row["role"] == "weights" and row["scale"].startswith("16 scales") and row["zero point"] == "0"
    assert tflite.TFLiteFile(converted["float32"]).tensors()[0].summary()["scale"] == "–"


def test_bias_scale_is_input_scale_times_weight_scale(converted):
    tensors = tflite.TFLiteFile(converted["static_wi8_ai8"]).tensors()
    conv = next(t for t in tensors if t.role == "weights" and len(t.shape) == 4)
    bias = next(t for t in tensors if t.role == "bias" and len(t.scales) == 16)
    quantized_input = next(t for t in tensors if t.dtype == "int8" and t.shape == (1, 8, 8, 3))
    np.testing.assert_allclose(bias.scales, quantized_input.scales[0] * np.array(conv.scales), rtol=1e-5)


def test_read_constant_gives_the_stored_weights(dense_model, converted):
    tensors = tflite.TFLiteFile(converted["float32"]).tensors()
    dense = next(t for t in tensors if t.role == "weights" and t.shape == (4, 32))
    np.testing.assert_allclose(
        tflite.TFLiteFile(converted["float32"]).constant(dense), dense_model.layers[-1].get_weights()[0].T, rtol=1e-6
    )
    assert tflite.TFLiteFile(converted["float32"]).constant(dense.index).shape == (4, 32)


def test_int8_weights_are_within_half_a_step_of_the_float_weights(converted):
    float_tensors = tflite.TFLiteFile(converted["float32"]).tensors()
    int8_tensors = tflite.TFLiteFile(converted["static_wi8_ai8"]).tensors()
    kernel = next(t for t in float_tensors if t.role == "weights" and len(t.shape) == 4)
    codes_info = next(t for t in int8_tensors if t.role == "weights" and len(t.shape) == 4)
    original = tflite.TFLiteFile(converted["float32"]).constant(kernel)
    codes = tflite.TFLiteFile(converted["static_wi8_ai8"]).constant(codes_info)
    scales = np.array(codes_info.scales).reshape(-1, 1, 1, 1)
    assert codes.dtype == np.int8
    assert np.abs(scales * codes - original).max() <= scales.max() / 2 * 1.001
    np.testing.assert_allclose(scales.ravel(), np.abs(original).reshape(16, -1).max(axis=1) / 127, rtol=1e-5)


def test_find_tensor_prefers_the_named_tensor_over_fused_names(converted):
    tensors = tflite.TFLiteFile(converted["float32"]).tensors()
    weights = next(t for t in tensors if t.role == "weights" and len(t.shape) == 4)
    fragment = weights.name.split("/", 1)[-1]
    assert tflite.find_tensor(tensors, fragment) == weights
    assert tflite.find_tensor(tensors, weights.name) == weights
    with pytest.raises(QuantizationError, match="No bias tensor"):
        tflite.find_tensor(tensors, "no such tensor", "bias")
    with pytest.raises(QuantizationError, match="No weight tensor.*the roles are input, output, weights"):
        tflite.find_tensor(tensors, fragment, "weight")


def test_read_constant_rejects_activations_and_bad_indices(converted):
    tensors = tflite.TFLiteFile(converted["static_wi8_ai8"]).tensors()
    activation = next(t for t in tensors if t.role == "activation")
    with pytest.raises(QuantizationError, match="is an activation"):
        tflite.TFLiteFile(converted["static_wi8_ai8"]).constant(activation)
    with pytest.raises(QuantizationError, match="out of range"):
        tflite.TFLiteFile(converted["static_wi8_ai8"]).constant(len(tensors) + 5)
    with pytest.raises(QuantizationError, match="No tensor name contains"):
        tflite.TFLiteFile(converted["static_wi8_ai8"]).constant("no such weights")


def test_a_row_names_the_tensor_without_the_model_prefix_and_fused_parts():
    def shown(name):
        return tflite.TensorInfo(0, name, (1,), "float32", (), (), 0).summary()["name"]

    assert shown("model_1/conv1_1/convolution;model_1/bn/add") == "conv1_1/convolution"
    assert shown("serving_default_input:0") == "serving_default_input:0"
    assert len(shown("m/" + "x" * 80 + "/y")) == 40


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "No model file"),
        (b"", "is empty"),
        (b"<!DOCTYPE html><html>", "not a TensorFlow Lite model"),
        (b"\x1c\x00\x00\x00TFL3" + b"\xff" * 20, "damaged"),
    ],
)
def test_inspection_rejects_files_that_are_not_models(tmp_path, content, message):
    path = tmp_path / "model.tflite"
    if content is not None:
        path.write_bytes(content)
    for method in (tflite.TFLiteFile.tensors, tflite.TFLiteFile.stored_bytes, tflite.TFLiteFile.operator_counts):
        with pytest.raises(ModelError, match=message):
            method(tflite.TFLiteFile(path))


def test_inspection_works_on_the_shared_tiny_models(tiny_models):
    for kind in ("float", "uint8", "int8"):
        tensors = tflite.TFLiteFile(tiny_models[kind]).tensors()
        assert [t.dtype for t in tensors if t.role == "input"] == [{"float": "float32"}.get(kind, kind)]
        assert sum(tflite.TFLiteFile(tiny_models[kind]).stored_bytes().values()) > 0


# --------------------------------------------------------------------------- notebook 05's charts and self-checks


def test_size_bars_label_sizes_and_ratios():
    import matplotlib

    matplotlib.use("Agg")
    from helpers import plots

    ax = plots.size_bars(["float32", "int8"], [2_000_000, 500_000], reference=2_000_000)
    labels = [text.get_text() for text in ax.texts]
    assert "2.00 MB  (×1.00)" in labels and "0.50 MB  (×0.25)" in labels
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["int8", "float32"]  # first name on top
    with pytest.raises(PlotError, match="match one to one"):
        plots.size_bars(["a"], [1, 2])


def test_error_histogram_draws_the_bound():
    import matplotlib

    matplotlib.use("Agg")
    from helpers import plots

    ax = plots.error_histogram(np.linspace(-0.5, 0.5, 101), bound=0.5)
    assert sum(patch.get_height() for patch in ax.patches) == 101
    assert sorted(line.get_xdata()[0] for line in ax.get_lines()) == [-0.5, 0.5]
    with pytest.raises(PlotError, match="errors is empty"):
        plots.error_histogram([])


def test_check_quantized_value_names_the_mistake(capsys):
    from helpers.checks import check_quantized_value

    scale, zero_point = 6 / 255, -128
    assert check_quantized_value(-107, 0.5, scale, zero_point)
    assert "− 128 = -107" in capsys.readouterr().out
    assert not check_quantized_value(21, 0.5, scale, zero_point)
    assert "zero point" in capsys.readouterr().out
    assert not check_quantized_value(-128, 0.5, scale, zero_point)
    assert "Divide" in capsys.readouterr().out
    assert not check_quantized_value(172, 10.0, scale, zero_point)
    assert "clip" in capsys.readouterr().out


def test_check_dequantized_weights_wants_one_scale_per_channel(capsys):
    from helpers.checks import check_dequantized_weights

    codes = np.arange(-12, 12, dtype=np.int8).reshape(2, 3, 4)
    scales, zero_points = [0.1, 0.2], [0, 0]
    right = np.array(scales).reshape(-1, 1, 1) * codes
    assert check_dequantized_weights(right, codes, scales, zero_points, axis=0)
    assert not check_dequantized_weights(0.1 * codes, codes, scales, zero_points, axis=0)
    assert "one scale for every channel" in capsys.readouterr().out
    assert not check_dequantized_weights(right[0], codes, scales, zero_points, axis=0)
    assert "shape" in capsys.readouterr().out
    assert not check_dequantized_weights(right + 1, codes, scales, zero_points, axis=0)


def test_check_model_sizes_names_the_mistake(capsys):
    from helpers.checks import check_model_sizes

    assert check_model_sizes(16.96, 4.24, 4_240_000) and check_model_sizes(17.0, 4.2, 4_240_000)
    assert not check_model_sizes(16.96, 4.3, 4_240_000)  # the overview's file size, not the weights at one decimal
    assert "weights alone" in capsys.readouterr().out
    assert not check_model_sizes(4.24, 16.96, 4_240_000)
    assert "swapped" in capsys.readouterr().out
    assert not check_model_sizes(16_960_000, 4_240_000, 4_240_000)
    assert "in bytes" in capsys.readouterr().out
    assert not check_model_sizes(135.7, 33.9, 4_240_000)
    assert "bits" in capsys.readouterr().out
    assert not check_model_sizes(8.5, 4.24, 4_240_000)
