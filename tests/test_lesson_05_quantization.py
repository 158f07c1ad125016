"""Lesson 05 (quantization): the figures its prose quotes, within the tolerance CPUs allow, and its self-checks.

The lesson shows its measurements; the trust lives here. Tests marked ``assets`` use the real models and photos
(the mirror); the others run anywhere.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import checks, quantize, tflite
from helpers.errors import CheckError

# ----------------------------------------------------------------- section 2: the arithmetic by hand

VALUES = np.array([-0.92, -0.5, -0.013, 0.0, 0.25, 0.731, 1.4], dtype=np.float32)


def test_the_hand_arithmetic_of_section_2_is_the_helpers():
    low, high = min(VALUES.min(), 0.0), max(VALUES.max(), 0.0)
    scale = (high - low) / 255
    zero_point = int(np.round(-128 - low / scale))
    q = np.clip(np.round(VALUES / scale) + zero_point, -128, 127).astype(np.int8)
    helper_scale, helper_zero_point = quantize.quantization_params(low, high, "int8")
    assert np.isclose(helper_scale, scale) and helper_zero_point == zero_point == -27
    assert np.array_equal(quantize.quantize(VALUES, helper_scale, helper_zero_point, "int8"), q)
    restored = scale * (q.astype(np.float32) - zero_point)
    assert np.abs(restored - VALUES).max() <= scale / 2 + 1e-7  # "within half a step"
    assert restored[VALUES == 0.0][0] == 0.0  # "0.0 comes back exactly"


def test_the_wider_range_of_exercise_3_keeps_every_error_within_its_half_step():
    low = min(VALUES.min(), 0.0)
    scale, zero_point = quantize.quantization_params(low, 3.0, "int8")
    errors = quantize.dequantize(quantize.quantize(VALUES, scale, zero_point, "int8"), scale, zero_point) - VALUES
    assert np.abs(errors).max() <= scale / 2 + 1e-7
    assert np.isclose(scale, (3.0 - low) / 255)


# ----------------------------------------------------------------- the exercises' self-checks

RELU6_SCALE, RELU6_ZERO = 6 / 255, -128


@pytest.mark.parametrize(
    "answer", [-107, -107.0, "-107", " -107 ", np.int8(-107), np.int64(-107), np.array(-107), [-107]]
)
def test_exercise_1_accepts_the_code_in_every_form(answer, capsys):
    assert checks.check_quantized_value(answer, 0.5, RELU6_SCALE, RELU6_ZERO, "int8")
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (21, "Add the zero point"),  # forgot the zero point
        (-128, "Divide the real value by the scale"),  # multiplied: round(0.5 × 0.0235) − 128
        ("abc", "a whole number"),
    ],
)
def test_exercise_1_names_known_mistakes(answer, hint, capsys):
    assert not checks.check_quantized_value(answer, 0.5, RELU6_SCALE, RELU6_ZERO, "int8")
    assert hint in capsys.readouterr().out


def test_exercise_1_hints_get_more_specific(capsys):
    outputs = []
    for _ in range(3):
        checks.check_quantized_value(0, 0.5, RELU6_SCALE, RELU6_ZERO, "int8")
        outputs.append(capsys.readouterr().out)
    assert "Hint 1 of 3" in outputs[0] and "Hint 2 of 3" in outputs[1] and "Hint 3 of 3" in outputs[2]
    assert "round(0.5 / scale) + zero_point" in outputs[2]


@pytest.mark.parametrize(
    ("float32_mb", "int8_mb"),
    [
        (16.96, 4.24),
        (17, 4.2),
        (17.0, 4.2),
        ("17.0", "4.2"),
        ("16.96 MB", "4.24MB"),
        (np.float32(16.96), np.float64(4.24)),
        (4_240_000 * 4 / 1e6, 4_240_000 / 1e6),
        ("16.96", 4.24),
    ],
)
def test_exercise_2_accepts_the_sizes_to_one_decimal_in_every_form(float32_mb, int8_mb, capsys):
    assert checks.check_model_sizes(float32_mb, int8_mb, parameters=4_240_000)
    assert "17.0 MB as float32 and 4.2 MB as int8" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("float32_mb", "int8_mb", "hint"),
    [
        (4.24, 16.96, "swapped"),
        (4_240_000 * 4 / 2**20, 4_240_000 / 2**20, "MiB"),
        (135.68, 33.92, "bits"),
        (16_960_000, 4_240_000, "in bytes"),
        (16.96, 16.96, "One of the two is right (float32)"),
        (16.9, 4.2, "rather than cut digits off"),  # truncated, not rounded
        (16.96, 4.3, "weights alone"),  # the overview's file size
        ("seventeen", 4.2, "numbers of megabytes"),
    ],
)
def test_exercise_2_names_known_mistakes(float32_mb, int8_mb, hint, capsys):
    assert not checks.check_model_sizes(float32_mb, int8_mb, parameters=4_240_000)
    assert hint in capsys.readouterr().out


def test_exercise_2_refuses_a_parameter_count_that_is_not_one():
    with pytest.raises(CheckError):
        checks.check_model_sizes(1, 1, parameters="many")


LOW = float(min(VALUES.min(), 0.0))


@pytest.mark.parametrize("answer", [0.0077, "0.0077", 0.00769, 0.007686, np.float32(0.0077), "7.7e-3", [0.0077]])
def test_exercise_3_accepts_half_a_step_in_every_form(answer, capsys):
    assert checks.check_half_step(answer, LOW, 3.0, previous_high=1.4)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize(
    ("answer", "hint"),
    [(0.0154, "whole step"), (0.0045, "old range"), (0.0076, "4 decimal places"), ("abc", "as a number")],
)
def test_exercise_3_names_known_mistakes(answer, hint, capsys):
    assert not checks.check_half_step(answer, LOW, 3.0, previous_high=1.4)
    assert hint in capsys.readouterr().out


def test_exercise_3_refuses_an_empty_range():
    with pytest.raises(CheckError):
        checks.check_half_step(0.1, 1.0, 1.0)


def _conv1_like():
    rng = np.random.default_rng(5)
    codes = rng.integers(-127, 128, size=(8, 3, 3, 3)).astype(np.int8)
    scales = np.geomspace(4e-8, 0.3, 8)
    return codes, scales, np.zeros(8, dtype=np.int64)


def test_exercise_4_accepts_per_channel_dequantization_in_float32_float64_and_lists(capsys):
    codes, scales, zeros = _conv1_like()
    exact = scales.reshape(-1, 1, 1, 1) * (codes.astype(np.float64) - zeros.reshape(-1, 1, 1, 1))
    for answer in (exact, exact.astype(np.float32), exact.tolist()):
        assert checks.check_dequantized_weights(answer, codes, scales.tolist(), zeros.tolist(), axis=0)
    assert capsys.readouterr().out.startswith("✓")


def test_exercise_4_names_known_mistakes(capsys):
    codes, scales, zeros = _conv1_like()
    assert not checks.check_dequantized_weights(np.zeros(codes.shape), codes, scales, zeros, axis=0)
    assert "all zeros" in capsys.readouterr().out
    assert not checks.check_dequantized_weights(scales[0] * codes.astype(np.float64), codes, scales, zeros, axis=0)
    assert "one scale for every channel" in capsys.readouterr().out
    assert not checks.check_dequantized_weights(np.ones((8, 3)), codes, scales, zeros, axis=0)
    assert "shape" in capsys.readouterr().out
    with pytest.raises(CheckError):
        checks.check_dequantized_weights(np.ones(codes.shape), codes, scales, zeros, axis=4)


# ----------------------------------------------------------------- the real models (need the mirror)


@pytest.fixture(scope="module")
def lesson():
    """The lesson's Keras MobileNet 0.25/224, exported and quantized as the lesson does, and the 1,000 sample photos."""
    keras = pytest.importorskip("keras")
    from ai_edge_quantizer import quantizer, recipe

    from helpers import assets
    from helpers.images import load_image, resize_for_model

    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, weights=None)
    model.load_weights(assets.fetch("models/mobilenet_v1_0.25_224_keras.h5"))
    sample_paths = assets.fetch_group("imagenet-samples", progress=False)
    photos = np.stack([np.asarray(resize_for_model(load_image(path), (224, 224))) for path in sample_paths[::10]])
    calibration = keras.applications.mobilenet.preprocess_input(photos.astype(np.float32))
    float32_path = quantize.export(model)
    paths = {"float32": float32_path}
    for name in ("float16", "weight_only_wi8_afp32", "dynamic_wi8_afp32", "dynamic_wi4_afp32"):
        paths[name] = quantize.quantize_model(float32_path, name)
    # the quantizer's own calibration (a moving average of each photo's range), as the lesson writes it out
    from ai_edge_litert.interpreter import Interpreter

    input_name = Interpreter(str(float32_path)).get_signature_list()["serving_default"]["inputs"][0]
    static_quantizer = quantizer.Quantizer(str(float32_path), recipe.static_wi8_ai8())
    with quantize.quiet():
        ranges = static_quantizer.calibrate({"serving_default": [{input_name: p[np.newaxis]} for p in calibration]})
        moving = static_quantizer.quantize(ranges, enable_progress_report=False).quantized_model
    paths["static_wi8_ai8 (moving average)"] = quantize.save_model(moving, "test-lesson-05-moving")
    paths["static_wi8_ai8"] = quantize.quantize_model(float32_path, "static_wi8_ai8", calibration, input_range=(-1, 1))
    paths["published float"] = assets.fetch("models/mobilenet_v1_0.25_224.tflite")
    paths["published uint8 (QAT)"] = assets.fetch("models/mobilenet_v1_0.25_224_quant.tflite")
    return {"paths": paths, "samples": sample_paths}


@pytest.mark.assets
def test_the_int8_tensors_are_as_section_5_reads_them(lesson):
    int8_path, float32_path = lesson["paths"]["static_wi8_ai8"], lesson["paths"]["float32"]
    tensors = tflite.TFLiteFile(int8_path).tensors()
    model_input = next(t for t in tensors if t.role == "input")
    assert model_input.dtype == "int8" and np.isclose(model_input.scales[0], 2 / 255, rtol=1e-5)
    assert model_input.zero_points[0] == -1
    output = next(t for t in tensors if t.role == "output")
    assert output.dtype == "int8" and np.isclose(output.scales[0], 1 / 256) and output.zero_points[0] == -128
    relu = tflite.find_tensor(tensors, "conv1_relu_1/Relu6", "activation")
    assert np.isclose(relu.scales[0], 6 / 255, rtol=1e-3) and relu.zero_points[0] == -128
    # the bias rule: bias scale = input scale × weight scale, channel by channel
    weights = tflite.find_tensor(tensors, "conv1_1/convolution", "weights")
    bias = tflite.find_tensor(tensors, "conv1_relu_1/Relu6", "bias")
    assert np.allclose(bias.scales, model_input.scales[0] * np.array(weights.scales), rtol=1e-5)
    assert np.isclose(max(weights.scales), 0.293, atol=5e-4)
    # symmetric per-channel weights: each channel's scale is its largest |weight| / 127, error ≤ half a step
    info = tflite.find_tensor(tensors, "conv_pw_13_1/convolution", "weights")
    codes = tflite.TFLiteFile(int8_path).constant(info)
    scales = np.array(info.scales).reshape(-1, 1, 1, 1)
    original = tflite.TFLiteFile(float32_path).constant("conv_pw_13_1/convolution")
    assert np.allclose(scales.ravel(), np.abs(original).reshape(len(scales), -1).max(axis=1) / 127)
    assert np.abs((scales * codes.astype(np.float32) - original) / scales).max() <= 0.5 + 1e-4
    ops = tflite.TFLiteFile(int8_path).operator_counts()
    assert "QUANTIZE" not in ops and ops["DEQUANTIZE"] == 1  # "its one DEQUANTIZE feeds SHAPE"


@pytest.mark.assets
def test_the_moving_average_cuts_off_the_largest_logits_only(lesson):
    def ranges(name):
        tensors = tflite.TFLiteFile(lesson["paths"][name]).tensors()
        return {t.name: t.scales[0] for t in tensors if t.role == "activation" and t.quantized}

    moving, full = ranges("static_wi8_ai8 (moving average)"), ranges("static_wi8_ai8")
    relus = [name for name in full if "Relu6" in name and name in moving]
    assert relus and all(np.isclose(full[name], moving[name], rtol=2e-3) for name in relus)  # "reach 6"
    logits = next(name for name in full if "conv_preds_1/BiasAdd" in name)
    assert full[logits] > 1.5 * moving[logits]


@pytest.mark.assets
def test_the_accuracy_figures_the_prose_quotes(lesson):
    from helpers import assets
    from helpers.classify import Classifier
    from helpers.evaluate import evaluate_many

    labels = assets.read_labels("labels/imagenet_labels.txt")
    classifiers = {name: Classifier(path, labels) for name, path in lesson["paths"].items()}
    results = evaluate_many(classifiers, lesson["samples"], progress=False)
    top1 = {name: 100 * r.accuracy(1) for name, r in results.items()}
    # float kernels agree everywhere; integer kernels round a little differently from one CPU to another
    for name, text in {"float32": 57.2, "published float": 55.4, "float16": 57.2}.items():
        assert abs(top1[name] - text) <= 0.15, (name, top1[name])
    for name, text in {
        "static_wi8_ai8": 56.6,
        "static_wi8_ai8 (moving average)": 42.9,
        "published uint8 (QAT)": 52.9,
    }.items():
        assert abs(top1[name] - text) <= 2.0, (name, top1[name])
    assert top1["dynamic_wi4_afp32"] <= 1.0  # "int4 weights ruin this small model"

    def same(name):
        return 100 * (results[name].predictions[:, 0] == results["float32"].predictions[:, 0]).mean()

    # "keep top-1 within a point of float32", "change about one answer in five"
    for name in ("float16", "weight_only_wi8_afp32", "dynamic_wi8_afp32", "static_wi8_ai8"):
        assert abs(top1[name] - top1["float32"]) < 1.0, (name, top1[name])
    for name in ("weight_only_wi8_afp32", "dynamic_wi8_afp32"):
        assert 100 - 100 / 3.5 <= same(name) <= 100 - 100 / 6.5, (name, same(name))
    assert top1["float32"] - top1["static_wi8_ai8 (moving average)"] >= 10  # "loses 14 points"
    # "most changed answers were wrong both times"
    changed = (results["dynamic_wi8_afp32"].predictions[:, 0] != results["float32"].predictions[:, 0]).sum()
    moved_hits = (results["dynamic_wi8_afp32"].top1_hits != results["float32"].top1_hits).sum()
    assert changed - moved_hits > changed / 2
    # the interval the table prints
    low, high = results["static_wi8_ai8"].interval(1)
    assert low < top1["float32"] / 100 < high
