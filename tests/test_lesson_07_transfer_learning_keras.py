"""Lesson 07 (transfer learning II): the figures its text relies on, within stated tolerances, and its self-checks.

Training rounds differently on other CPUs and the features come from a uint8 model, so the lesson prints its numbers
and these tests hold the tolerances.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import checks, transfer

# The photos the lesson describes by name: wrong for all three models (a rose filed under tulips, a cathedral's
# ceiling filed under roses, botanical drawings, a portrait, a hoverfly).
NAMED = [
    "flowers/test/tulips/16265883604_92be82b973.jpg",
    "flowers/test/roses/17953368844_be3d18cf30_m.jpg",
    "flowers/test/tulips/14487705209_ea723109e1_m.jpg",
    "flowers/test/tulips/14487712670_aebe715525_m.jpg",
    "flowers/test/tulips/14651385476_7ccb20e594_m.jpg",
    "flowers/test/sunflowers/3784815653_5df39aa9c2_m.jpg",
    "flowers/test/daisy/2611119198_9d46b94392.jpg",
]


@pytest.fixture(scope="module")
def lesson(tmp_path_factory):
    """What the lesson builds: features, the NumPy head, its float32 and int8 exports, the test answers."""
    from helpers import assets
    from helpers.classify import Classifier

    sets = {
        name: transfer.image_set_from_assets(f"flowers/{name}", progress=False) for name in ("train", "val", "test")
    }
    extractor_path = assets.fetch("models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite")
    extractor = transfer.FeatureExtractor(extractor_path)
    pixels = {name: transfer.load_pixels(s.paths, progress=False) for name, s in sets.items()}
    features = {name: extractor.extract_batch(p, progress=False) for name, p in pixels.items()}
    head = transfer.train_head(features["train"], sets["train"].class_ids, learning_rate=0.01, steps=200, l2=0.01)
    folder = tmp_path_factory.mktemp("flowers")
    files = {
        "float32": transfer.export_classifier(extractor_path, head, sets["train"].classes, folder, name="flowers"),
        "int8": transfer.export_classifier(
            extractor_path,
            head,
            sets["train"].classes,
            folder,
            name="flowers_int8",
            dtype="int8",
            calibration=features["train"],
        ),
    }
    models = {kind: Classifier(f.model_path, f.labels) for kind, f in files.items()}
    automl = Classifier(assets.fetch("models/automl_flowers_quant.tflite"))
    return {
        "sets": sets,
        "pixels": pixels,
        "features": features,
        "head": head,
        "files": files,
        "models": models,
        "automl": automl,
        "extractor": extractor,
    }


@pytest.mark.assets
def test_keras_head_lands_within_two_points_of_the_numpy_head_and_stops_early(lesson):
    import keras

    train, val = lesson["sets"]["train"], lesson["sets"]["val"]
    features = lesson["features"]
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(1024,)), keras.layers.Dropout(0.2), keras.layers.Dense(5, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    history = model.fit(
        features["train"],
        train.class_ids,
        validation_data=(features["val"], val.class_ids),
        epochs=100,
        batch_size=32,
        callbacks=[stop],
        verbose=0,
    )
    keras_answers = model.predict(features["val"], batch_size=len(val), verbose=0).argmax(axis=1)
    numpy_answers = lesson["head"].predict(features["val"])
    assert len(history.history["loss"]) < 100
    assert abs((keras_answers == val.class_ids).sum() - (numpy_answers == val.class_ids).sum()) <= 0.02 * len(val)
    assert (keras_answers == numpy_answers).mean() >= 0.9


@pytest.mark.assets
def test_exported_files_agree_with_the_head_and_the_int8_head_with_the_float32_one(lesson):
    val = lesson["sets"]["val"]
    float_probs = lesson["models"]["float32"].run_batch(lesson["pixels"]["val"])
    np.testing.assert_allclose(float_probs, lesson["head"].predict_proba(lesson["features"]["val"]), atol=1e-5)
    int8_probs = lesson["models"]["int8"].run_batch(lesson["pixels"]["val"])
    assert (int8_probs.argmax(1) == float_probs.argmax(1)).mean() >= 0.97
    hits = [int((p.argmax(1) == val.class_ids).sum()) for p in (float_probs, int8_probs)]
    assert abs(hits[0] - hits[1]) <= 3


@pytest.mark.assets
def test_augmented_copies_stay_closer_to_their_originals_than_other_photos(lesson):
    train = lesson["sets"]["train"]
    pool = np.concatenate([np.flatnonzero(train.class_ids == c)[:50] for c in range(5)])
    altered = lesson["extractor"].extract_batch(
        transfer.augment_pixels(lesson["pixels"]["train"][pool], copies=1, seed=0), progress=False
    )
    original = lesson["features"]["train"][pool]
    other = lesson["features"]["train"][np.roll(pool.reshape(5, -1), 1, axis=1).ravel()]

    def cosine(a, b):
        return (transfer.l2_normalize(a) * transfer.l2_normalize(b)).sum(axis=1).mean()

    assert cosine(altered, original) > cosine(other, original) + 0.1


@pytest.mark.assets
def test_test_accuracy_standard_error_and_the_photos_every_model_gets_wrong(lesson):
    test = lesson["sets"]["test"]
    answers = lesson["models"]["float32"].run_batch(lesson["pixels"]["test"]).argmax(axis=1)
    accuracy = float((answers == test.class_ids).mean())
    assert abs(accuracy - 0.896) <= 0.02
    assert round(100 * np.sqrt(accuracy * (1 - accuracy) / len(test)), 1) in (1.8, 1.9, 2.0)  # "about two points"
    int8 = lesson["models"]["int8"].run_batch(lesson["pixels"]["test"]).argmax(axis=1)
    assert abs((int8 == test.class_ids).sum() - (answers == test.class_ids).sum()) <= 0.01 * len(test)

    automl = lesson["automl"]
    assert automl.labels == list(test.classes)  # the label↔output mapping the lesson relies on
    imprinted = transfer.imprint(lesson["features"]["train"], lesson["sets"]["train"].class_ids)
    everyone = [
        answers,
        np.argmax(transfer.l2_normalize(lesson["features"]["test"]) @ imprinted.T, axis=1),
        automl.run_batch(lesson["pixels"]["test"]).argmax(axis=1),
    ]
    wrong_for_all = {test.names[i] for i in np.flatnonzero(np.all([a != test.class_ids for a in everyone], axis=0))}
    assert set(NAMED) <= wrong_for_all
    assert 10 <= len(wrong_for_all) <= 16  # "a dozen or so"
    rose = test.names.index(NAMED[0])
    assert all(test.classes[a[rose]] == "roses" for a in everyone)  # "all three models say roses"


# --------------------------------------------------------------------------- the exercises' self-checks


@pytest.mark.parametrize("answer", [5140, "5140", "5,140", 5140.0, np.int32(5140)])
def test_int8_head_bytes_accepts_every_form(answer):
    assert checks.check_int8_head_bytes(answer, dim=1024, classes=5)


def test_int8_head_bytes_names_known_mistakes(capsys):
    assert not checks.check_int8_head_bytes(5125, dim=1024, classes=5)
    assert "stays 32-bit" in capsys.readouterr().out
    assert not checks.check_int8_head_bytes(20500, dim=1024, classes=5)
    out = capsys.readouterr().out
    assert "float32 head" in out and "Hint 2 of 3" in out


def test_noisy_accuracy_formula_matches_a_simulation():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 5, 20000)
    answers = np.where(rng.random(20000) < 0.9, truth, (truth + rng.integers(1, 5, 20000)) % 5)
    flipped = rng.random(20000) < 0.3
    labels = np.where(flipped, (truth + rng.integers(1, 5, 20000)) % 5, truth)
    kept_right, lucky_wrong = 0.9 * (1 - 0.3), (1 - 0.9) * 0.3 / 4  # the check's formula, checked by simulation
    assert abs((answers == labels).mean() - (kept_right + lucky_wrong)) < 0.01
    assert checks.check_noisy_accuracy(kept_right + lucky_wrong, accuracy=0.9, flipped=0.3, classes=5)


@pytest.mark.parametrize("answer", [0.635, "0.635", "63.5%", 63.5, 0.6349, np.float32(0.635)])
def test_noisy_accuracy_accepts_three_decimals_in_every_form(answer):
    assert checks.check_noisy_accuracy(answer, accuracy=0.896, flipped=0.3, classes=5)


def test_noisy_accuracy_names_known_mistakes(capsys):
    assert not checks.check_noisy_accuracy(0.896, accuracy=0.896, flipped=0.3, classes=5)
    assert "changes the score" in capsys.readouterr().out
    assert not checks.check_noisy_accuracy(0.627, accuracy=0.896, flipped=0.3, classes=5)
    out = capsys.readouterr().out
    assert "lucky" in out and "Hint 2 of 3" in out
    assert not checks.check_noisy_accuracy(0.596, accuracy=0.896, flipped=0.3, classes=5)
    assert "Not every flipped photo" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [900, "900", 900.0, "9e2", np.int64(900), 0.9 * 0.1 / 0.01**2])
def test_photos_for_standard_error_accepts_every_form(answer):
    assert checks.check_photos_for_standard_error(answer, accuracy=0.9, standard_error=0.01)


def test_photos_for_standard_error_names_known_mistakes(capsys):
    for answer, hint in [(30, "square both sides"), (9, "Square the standard error"), (3457, "95 % interval")]:
        assert not checks.check_photos_for_standard_error(answer, accuracy=0.9, standard_error=0.01)
        assert hint in capsys.readouterr().out
