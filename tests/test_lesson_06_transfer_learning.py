"""Lesson 06 (transfer learning I): the figures its text relies on, within stated tolerances, and its self-checks.

The features come from a uint8 model whose kernels round a little differently on each CPU, so the lesson prints its
numbers and leaves their tolerances to these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import checks, transfer


@pytest.fixture(scope="module")
def flowers():
    """Train and validation features of the flower photos, as the lesson makes them."""
    from helpers import assets

    train = transfer.image_set_from_assets("flowers/train", progress=False)
    val = transfer.image_set_from_assets("flowers/val", progress=False)
    extractor = transfer.FeatureExtractor(assets.fetch("models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"))
    features = extractor.extract_batch(transfer.load_pixels(train.paths + val.paths, progress=False), progress=False)
    return train, val, extractor, features[: len(train)], features[len(train) :]


@pytest.mark.assets
def test_numpy_head_gets_about_nine_in_ten_validation_photos(flowers):
    train, val, _, train_features, val_features = flowers
    head = transfer.train_head(train_features, train.class_ids, learning_rate=0.01, steps=200, l2=0.01)
    assert abs((head.predict(val_features) == val.class_ids).mean() - 0.91) <= 0.03
    imprinted = transfer.imprint(train_features, train.class_ids)
    hits = (np.argmax(transfer.l2_normalize(val_features) @ imprinted.T, axis=1) == val.class_ids).sum()
    assert abs(hits - 129) <= 5  # "imprinted from all 100 photos per class"


@pytest.mark.assets
def test_accuracy_grows_with_training_images_as_the_text_says(flowers):
    train, val, _, train_features, val_features = flowers
    sizes = [1, 10, 100]

    def fit_head(features, class_ids):
        return transfer.train_head(features, class_ids, 5).predict

    def fit_imprint(features, class_ids):
        weights = transfer.imprint(features, class_ids, 5)
        return lambda new: np.argmax(transfer.l2_normalize(new) @ weights.T, axis=1)

    trained = transfer.accuracy_by_size(train_features, train.class_ids, val_features, val.class_ids, sizes, fit_head)
    imprinted = transfer.accuracy_by_size(
        train_features, train.class_ids, val_features, val.class_ids, sizes, fit_imprint
    )
    np.testing.assert_allclose(trained.mean(axis=1), [0.41, 0.79, 0.91], atol=0.04)
    np.testing.assert_allclose(imprinted.mean(axis=1), [0.41, 0.74, 0.86], atol=0.04)
    assert trained.mean(axis=1)[0] > 2 * 0.2 - 0.02  # "about twice chance" with one photo per class


@pytest.mark.assets
def test_imprinting_puts_each_pet_test_photo_in_its_own_class(flowers):
    from helpers import assets

    extractor = flowers[2]
    names = ["cat_train_0", "dog_train_0", "hotdog_train_0", "hotdog_train_1", "cat_test_0", "dog_test_0"]
    names.append("hotdog_test_0")
    paths = [assets.fetch(f"images/imprinting/{name}.bmp") for name in names]
    features = extractor.extract_batch(transfer.load_pixels(paths, progress=False), progress=False)
    weights = transfer.imprint(features[:4], np.array([0, 1, 2, 2]), 3)
    assert list(np.argmax(transfer.l2_normalize(features[4:]) @ weights.T, axis=1)) == [0, 1, 2]


# --------------------------------------------------------------------------- the exercises' self-checks


@pytest.mark.parametrize("answer", [20500, "20500", "20,500", 20500.0, np.int64(20500), [20500]])
def test_head_bytes_accepts_every_form(answer, capsys):
    assert checks.check_head_bytes(answer, dim=1024, classes=5)
    assert capsys.readouterr().out.startswith("✓")


def test_head_bytes_names_known_mistakes_and_climbs_its_ladder(capsys):
    assert not checks.check_head_bytes(4 * 5 * 1024, dim=1024, classes=5)
    assert "forgot the bias" in capsys.readouterr().out
    assert not checks.check_head_bytes(5125, dim=1024, classes=5)
    out = capsys.readouterr().out
    assert "number of parameters" in out and "Hint 2 of 3" in out
    assert not checks.check_head_bytes(1, dim=1024, classes=5)
    assert "Hint 3 of 3: 4 × (1024 × 5 + 5)." in capsys.readouterr().out


def _clusters(seed: int = 3):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(3), 10)
    features = (np.eye(3, 8)[ids] * 4 + 1 + rng.normal(0, 2.0, (30, 8))).astype(np.float32)
    return np.abs(features), ids


def test_imprinted_accuracy_accepts_two_decimals_fractions_and_percentages(capsys):
    features, ids = _clusters()
    chosen = transfer.sample_per_class(ids, 1, seed=3)
    weights = transfer.imprint(features[chosen], ids[chosen], 3)
    right = float((np.argmax(transfer.l2_normalize(features) @ weights.T, axis=1) == ids).mean())
    for answer in (
        right,
        round(right, 2),
        f"{right:.2f}",
        f"{right:.1%}",
        round(right * 100, 1),
        f"{round(right * 30)}/30",
    ):
        assert checks.check_imprinted_accuracy(answer, features, ids, features, ids, per_class=1, seed=3), answer
    assert "✓" in capsys.readouterr().out
    assert not checks.check_imprinted_accuracy(right + 0.02, features, ids, features, ids, per_class=1, seed=3)
    assert "Hint 1 of 3" in capsys.readouterr().out
    assert not checks.check_imprinted_accuracy("half", features, ids, features, ids, per_class=1, seed=3)
    out = capsys.readouterr().out
    assert "number between 0 and 1" in out and "Hint 2 of 3" in out


def test_imprinted_confusion_judges_the_imprinted_heads_own_matrix(capsys):
    features, ids = _clusters(seed=5)
    weights = transfer.imprint(features, ids, 3)
    predicted = np.argmax(transfer.l2_normalize(features) @ weights.T, axis=1)
    matrix = transfer.confusion_matrix(ids, predicted, 3)
    mistakes = matrix * (1 - np.eye(3, dtype=int))
    if mistakes.max() == 0:
        pytest.skip("these clusters leave the imprinted head without mistakes")
    true, guess = np.unravel_index(np.argmax(mistakes), mistakes.shape)
    classes = ["a", "b", "c"]
    assert checks.check_imprinted_confusion((classes[true], classes[guess]), features, ids, features, ids, classes)
    assert checks.check_imprinted_confusion([int(true), int(guess)], features, ids, features, ids, classes)
    capsys.readouterr()
    assert not checks.check_imprinted_confusion(("a", "a"), features, ids, features, ids, classes)
    out = capsys.readouterr().out
    assert "diagonal" in out and "Hint 1 of 3" in out
