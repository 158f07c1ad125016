"""Shared fixtures: tiny TFLite models and generated images made by the tests themselves.

No mirror and no network are needed for the unit tests.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _convert(model, representative=None, io_type=None) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = io_type
        converter.inference_output_type = io_type
    with contextlib.redirect_stdout(io.StringIO()):
        return converter.convert()


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """A 32×32 RGB → 3-class softmax model as float32, uint8 and int8 TFLite, plus a non-image model."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(20):
            yield [rng.uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)]

    folder = tmp_path_factory.mktemp("models")
    paths = {
        "float": _convert(model),
        "uint8": _convert(model, representative, tf.uint8),
        "int8": _convert(model, representative, tf.int8),
    }
    dense = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3, activation="softmax")])
    paths["not_image"] = _convert(dense)
    out = {}
    for name, data in paths.items():
        out[name] = folder / f"tiny_{name}.tflite"
        out[name].write_bytes(data)
    out["keras"] = model
    return out


@pytest.fixture
def photo_like() -> np.ndarray:
    """A smooth 48×64 RGB gradient image as a uint8 array."""
    y, x = np.mgrid[0:48, 0:64]
    return np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).clip(0, 255).astype(np.uint8)
