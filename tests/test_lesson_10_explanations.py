"""Lesson 10 (explanations): the Grad-CAM logit, and what the lesson's prose says about its real maps.

The lesson shows its numbers; the tolerances that keep its sentences true live here. Tests marked ``assets`` use
the mirrored models and photos (CLASSROOM_ASSET_MIRROR).
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import ExplanationError, explain


# --------------------------------------------------------------------------- Grad-CAM differentiates the logit


def _colour_network(ending: str):
    """The red/blue network of tests/conftest.py with 3 feature channels, its softmax placed as ``ending`` says."""
    import keras

    inputs = keras.Input((32, 32, 3))
    features = keras.layers.Conv2D(3, 1, activation="relu", name="features")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    if ending == "dense softmax":
        outputs = keras.layers.Dense(2, activation="softmax", name="classes")(pooled)
    else:
        logits = keras.layers.Dense(2, name="classes")(pooled)
        outputs = {
            "activation layer": lambda: keras.layers.Activation("softmax")(logits),
            "softmax layer": lambda: keras.layers.Softmax()(logits),
            "logits": lambda: logits,
        }[ending]()
    model = keras.Model(inputs, outputs)
    detectors = np.array([[2.0, -1.0, 0.5], [-1.0, -1.0, 0.5], [-1.0, 2.0, 0.5]], np.float32).reshape(1, 1, 3, 3)
    model.get_layer("features").set_weights([detectors, np.zeros(3, np.float32)])
    kernel = np.array([[8.0, -8.0], [-8.0, 8.0], [3.0, 1.0]], np.float32)
    model.get_layer("classes").set_weights([kernel, np.array([0.5, -0.5], np.float32)])
    return model


@pytest.fixture
def squares() -> np.ndarray:
    image = np.full((32, 32, 3), 128, np.uint8)
    image[2:12, 2:12] = (255, 0, 0)
    image[20:30, 20:30] = (0, 0, 255)
    image[2:12, 20:30] = (200, 200, 200)
    return image


def _by_hand(model, image: np.ndarray, index: int) -> np.ndarray:
    """Grad-CAM written out: the logit is the Dense layer's kernel applied to the pooled features, plus its bias."""
    import tensorflow as tf

    kernel, bias = model.get_layer("classes").get_weights()
    features_model = tf.keras.Model(model.inputs, model.get_layer("features").output)
    x = tf.constant(((image.astype(np.float32) - 127.5) / 127.5)[None])
    with tf.GradientTape() as tape:
        features = features_model(x)
        logit = (tf.reduce_mean(features, axis=(1, 2)) @ kernel + bias)[:, index]
    weights = tf.reduce_mean(tape.gradient(logit, features)[0], axis=(0, 1))
    return tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1)).numpy()


@pytest.mark.parametrize("ending", ["dense softmax", "activation layer", "softmax layer", "logits"])
@pytest.mark.parametrize("index", [0, 1])
def test_grad_cam_uses_the_score_before_the_softmax(squares, ending, index):
    # Selvaraju et al. (2017) differentiate y^c, the class score before the softmax. With Dense(n, activation=
    # "softmax") the layer's input is the pooled features, not the logits: Grad-CAM read a feature channel instead.
    model = _colour_network(ending)
    result = explain.grad_cam(model, squares, index, layer="features")
    np.testing.assert_allclose(result.values, _by_hand(model, squares, index), rtol=1e-5, atol=1e-6)
    probs = np.asarray(model((squares[None].astype(np.float32) - 127.5) / 127.5))[0]
    if ending != "logits":
        assert result.score == pytest.approx(float(probs[index]), abs=1e-6)


def test_the_same_network_gives_the_same_map_wherever_its_softmax_is(squares):
    maps = [explain.grad_cam(_colour_network(e), squares, 0, layer="features").values
            for e in ("dense softmax", "activation layer", "softmax layer")]
    np.testing.assert_allclose(maps[0], maps[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps[0], maps[2], rtol=1e-5, atol=1e-6)


def test_probabilities_from_a_softmax_it_cannot_undo_are_refused(squares):
    import keras

    model = _colour_network("logits")
    hidden = keras.Model(model.inputs, keras.layers.Lambda(lambda z: keras.ops.softmax(z))(model.output))
    with pytest.raises(ExplanationError, match="before the softmax"):
        explain.grad_cam(hidden, squares, 0, layer="features")


def test_grad_cam_leaves_the_model_alone(squares):
    model = _colour_network("dense softmax")
    before = [w.copy() for w in model.get_weights()]
    explain.grad_cam(model, squares, 0, layer="features")
    assert model.layers[-1].get_config()["activation"] == "softmax"
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
