"""Notebook 02 (softmax outputs): the tolerances behind its text, and its exercises' self-checks.

The notebook shows the uint8 model's outputs in cells nbval does not compare (LiteRT's integer kernels round a
little differently on different CPUs); the figures its text relies on are asserted here, within tolerances.
"""

import numpy as np
import pytest

from helpers import checks
from helpers.metrics import softmax

TABLE = np.array([0.07, 0.02, 0.91])  # the overview's example output: rabbit, hamster, dog
AMBIGUOUS = np.array([0.31, 0.35, 0.34])
LOGITS = np.log(TABLE)
DOUBLED_RABBIT = LOGITS + np.log([2, 1, 1])


def _quant_classifier():
    from helpers import assets
    from helpers.classify import Classifier

    labels = assets.read_labels("labels/imagenet_labels.txt")
    return Classifier(assets.fetch("models/mobilenet_v1_0.25_224_quant.tflite"), labels), labels


# --------------------------------------------------------------------------- the text's numbers


def test_the_numbers_the_text_derives_from_the_overview():
    assert np.log(0.91 / 0.07) == pytest.approx(2.565, abs=1e-3)  # "2.56 ahead", e^2.56 = 13
    assert np.log(np.finfo(np.float32).max) == pytest.approx(88.72, abs=0.01)
    assert np.log(np.finfo(np.float64).max) == pytest.approx(709.78, abs=0.01)
    assert np.ptp(np.log(AMBIGUOUS)) < 0.15
    assert np.ptp(LOGITS) > 3.5
    for t in np.geomspace(0.01, 100, 200):  # "dog stays on top" at every temperature
        assert softmax(LOGITS, t).argmax() == 2
    # a sigmoid is a two-label softmax
    z = np.linspace(-6, 6, 25)
    assert np.allclose([softmax([zi, 0.0])[0] for zi in z], 1 / (1 + np.exp(-z)))


@pytest.mark.assets
def test_uint8_sums_as_the_text_says():
    """Sums of the uint8 outputs within ±0.08 of 1.00 (cat), 0.76 (noise) and 0.55 (grey): far less on flat outputs."""
    from helpers import assets

    quant, _ = _quant_classifier()
    noise = np.random.default_rng(0).integers(0, 256, size=(224, 224, 3), dtype=np.uint8)
    grey = np.full((224, 224, 3), 128, dtype=np.uint8)
    sums = {
        name: quant.predict(image).sum()
        for name, image in [("cat", assets.fetch("images/cat.bmp")), ("noise", noise), ("grey", grey)]
    }
    for name, expected in {"cat": 1.00, "noise": 0.76, "grey": 0.55}.items():
        assert abs(sums[name] - expected) <= 0.08, (name, sums[name])
    assert sums["grey"] < sums["noise"] < sums["cat"] <= 1


@pytest.mark.assets
def test_uint8_output_is_the_softmax_rounded_to_the_nearest_step():
    """'each rounded to the nearest step': q = round(256 · softmax(dequantized logits)), at most 255, ±1 step."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from helpers import assets
    from helpers.images import to_input

    interpreter = Interpreter(
        model_path=str(assets.fetch("models/mobilenet_v1_0.25_224_quant.tflite")),
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interpreter.allocate_tensors()
    details = {d["name"]: d for d in interpreter.get_tensor_details()}
    squeeze = details["MobilenetV1/Logits/SpatialSqueeze"]
    input_details, output_details = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    assert output_details["quantization"] == (1 / 256, 0)
    grey = np.full((224, 224, 3), 128, dtype=np.uint8)
    for image in (assets.fetch("images/cat.bmp"), grey):
        interpreter.set_tensor(input_details["index"], to_input(image, input_details))
        interpreter.invoke()
        scale, zero_point = squeeze["quantization"]
        logits = (interpreter.get_tensor(squeeze["index"])[0].astype(np.float64) - zero_point) * scale
        q = interpreter.get_tensor(output_details["index"])[0].astype(int)
        expected = np.clip(np.round(softmax(logits) * 256), 0, 255)
        assert np.abs(q - expected).max() <= 1
        assert q.max() <= 255


@pytest.mark.assets
def test_the_float_models_softmax_is_ours():
    """Section 4: softmax of the logits tensor equals the model's output (to 1e-6); Egyptian cat on top."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from helpers import assets
    from helpers.images import to_input

    interpreter = Interpreter(
        model_path=str(assets.fetch("models/mobilenet_v1_0.25_224.tflite")),
        experimental_preserve_all_tensors=True,
        experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    interpreter.allocate_tensors()
    index = {d["name"]: d["index"] for d in interpreter.get_tensor_details()}
    input_details = interpreter.get_input_details()[0]
    interpreter.set_tensor(input_details["index"], to_input(assets.fetch("images/cat.bmp"), input_details))
    interpreter.invoke()
    probs = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    logits = interpreter.get_tensor(index["MobilenetV1/Logits/SpatialSqueeze"])[0]
    assert np.allclose(softmax(logits), probs, rtol=0, atol=1e-6)
    labels = assets.read_labels("labels/imagenet_labels.txt")
    assert labels[int(np.argmax(probs))].startswith("Egyptian cat")
    ops = [op["op_name"] for op in interpreter._get_ops_details()]
    assert ops[-1] == "SOFTMAX"  # "its last operation is a softmax"


# --------------------------------------------------------------------------- exercise 1: predict, then run


@pytest.mark.parametrize("answer", [0.85, 0.8505, "0.85", "85%", 85, 85.0, np.float32(0.85), [0.85], "91/107"])
def test_exercise_1_accepts_every_form_of_the_right_prediction(answer, capsys):
    assert checks.check_softmax_prediction(answer, LOGITS, DOUBLED_RABBIT, index=2, what="dog's new probability")
    assert capsys.readouterr().out.startswith("✓")


def test_exercise_1_names_the_unchanged_mistake_and_climbs_its_ladder(capsys):
    outputs = []
    for _ in range(3):
        assert not checks.check_softmax_prediction(0.91, LOGITS, DOUBLED_RABBIT, index=2, what="dog")
        outputs.append(capsys.readouterr().out)
    assert all("before the change" in out for out in outputs)
    assert "Hint 1 of 3" in outputs[0] and "Hint 2 of 3" in outputs[1] and "Hint 3 of 3" in outputs[2]
    assert not checks.check_softmax_prediction(None, LOGITS, DOUBLED_RABBIT, index=2, what="dog")
    assert "as a number" in capsys.readouterr().out
    assert not checks.check_softmax_prediction(0.84, LOGITS, DOUBLED_RABBIT, index=2, what="dog")


# --------------------------------------------------------------------------- exercise 2: logits with dog's at 0


@pytest.mark.parametrize(
    "answer",
    [
        np.log(AMBIGUOUS) - np.log(0.34),
        (np.log(AMBIGUOUS) - np.log(0.34)).round(2),
        [-0.09, 0.03, 0],
        (-0.0924, 0.029, 0.0),
        np.array([-0.09, 0.03, 0], dtype=np.float32),
    ],
)
def test_exercise_2_accepts_logits_right_to_two_decimals(answer):
    assert checks.check_logits_for_table(answer, AMBIGUOUS, zero_index=2)


def test_exercise_2_explains_each_mistake(capsys):
    assert not checks.check_logits_for_table(np.log(AMBIGUOUS), AMBIGUOUS, zero_index=2)
    assert "not 0" in capsys.readouterr().out
    assert checks.check_logits_for_table(np.log(AMBIGUOUS) - np.log(AMBIGUOUS[0]), AMBIGUOUS, zero_index=0)
    capsys.readouterr()
    assert not checks.check_logits_for_table([0.0, 0.0], AMBIGUOUS, zero_index=2)
    assert "one logit per label" in capsys.readouterr().out
    assert not checks.check_logits_for_table(["a", "b", "c"], AMBIGUOUS, zero_index=2)
    assert not checks.check_logits_for_table([0.0, np.inf, 0.0], AMBIGUOUS, zero_index=2)
    assert "NaN or infinity" in capsys.readouterr().out
    with pytest.raises(checks.CheckError):
        checks.check_logits_for_table([0.0, 0.0, 0.0], AMBIGUOUS, zero_index=3)


# --------------------------------------------------------------------------- exercise 3: a temperature


def test_exercise_3_accepts_every_temperature_right_at_two_decimals():
    accepted = [t for t in np.arange(4.0, 5.2, 0.01) if abs(softmax(LOGITS, t).max() - 0.5) <= 0.005]
    assert min(accepted) == pytest.approx(4.42, abs=0.01) and max(accepted) == pytest.approx(4.67, abs=0.01)
    for answer in [4.54, "4.54", 4.5, np.float32(4.6), "4.45", [4.542]]:
        assert checks.check_temperature_for_top(answer, LOGITS, target=0.5), answer


def test_exercise_3_points_the_way_and_gets_more_specific(capsys):
    for _ in range(3):
        assert not checks.check_temperature_for_top(1.0, LOGITS, target=0.5)
    out = capsys.readouterr().out
    assert "raise T" in out and "Hint 3 of 3: The answer lies between 4.5 and 5" in out
    assert not checks.check_temperature_for_top(10, LOGITS, target=0.5)
    assert "lower T" in capsys.readouterr().out
    assert not checks.check_temperature_for_top(-2, LOGITS, target=0.5)
    assert "positive" in capsys.readouterr().out
