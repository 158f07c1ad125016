"""Peer checks on the real pretrained models (need the mirror or internet)."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import assets
from helpers.classify import Classifier

pytestmark = pytest.mark.assets


@pytest.fixture(scope="module")
def labels() -> list[str]:
    return assets.read_labels("labels/imagenet_labels.txt")


def test_mobilenet_v1_finds_the_egyptian_cat(labels):
    # The expectation pycoral's own classification test uses for this model and photo.
    classifier = Classifier(assets.fetch("models/mobilenet_v1_0.5_160_quant.tflite"), labels)
    label, prob = classifier.classify(assets.fetch("images/cat.bmp"), top_k=1)[0]
    assert label == "Egyptian cat" and prob > 0.4


@pytest.mark.parametrize(
    "model",
    ["mobilenet_v1_0.25_224.tflite", "mobilenet_v2_1.0_224_quant.tflite", "tf2_mobilenet_v2_1.0_224_ptq.tflite"],
)
def test_float_uint8_and_ptq_models_agree_on_clear_photos(labels, model):
    # Float input ([-1, 1] floats), uint8 input and the TF2 post-training-quantized input all name
    # the obvious subject of two clear photos: a check that preprocessing fits each input type.
    classifier = Classifier(assets.fetch(f"models/{model}"), labels)
    assert classifier.classify(assets.fetch("images/parrot.jpg"), 1)[0][0] == "macaw"
    probs = classifier.predict(assets.fetch("images/burger.jpg"))
    assert labels[int(np.argmax(probs))] == "cheeseburger"


def test_bird_specialist_labels_match(labels):
    birds = assets.read_labels("labels/inat_bird_labels.txt")
    classifier = Classifier(assets.fetch("models/mobilenet_v2_1.0_224_inat_bird_quant.tflite"), birds)
    assert classifier.num_outputs == len(birds) == 965
