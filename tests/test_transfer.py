"""helpers.transfer on self-made images and the tiny TFLite models; plus notebook 06's plots and self-checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from helpers import HelpersError, checks, plots, transfer
from helpers.classify import Classifier
from helpers.errors import ImageError, LabelError, ModelError, PlotError
from helpers.images import load_image, resize_for_model
from helpers.transfer import FeatureExtractor, TransferError

matplotlib.use("Agg")

CLASSES = ["rabbit", "hamster", "dog"]


def _clusters(per_class: int = 20, dim: int = 8, classes: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Positive feature vectors in well-separated clusters (like ReLU features), with their class ids."""
    rng = np.random.default_rng(seed)
    centres = np.eye(classes, dim) * 4 + 1
    ids = np.repeat(np.arange(classes), per_class)
    return (centres[ids] + rng.uniform(0, 0.5, (len(ids), dim))).astype(np.float32), ids


@pytest.fixture
def class_folders(tmp_path, photo_like) -> Path:
    """tmp/<class>/<n>.png for three classes: 3, 2 and 2 images, plus the hidden files operating systems add."""
    counts = {"rabbit": 3, "hamster": 2, "dog": 2}
    for c, (name, count) in enumerate(counts.items()):
        (tmp_path / name).mkdir()
        for i in range(count):
            Image.fromarray(np.roll(photo_like, 7 * i + 20 * c, axis=1)).save(tmp_path / name / f"{i}.png")
    (tmp_path / "dog" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (tmp_path / "dog" / "Thumbs.db").write_bytes(b"\xd0\xcf")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    return tmp_path


# --------------------------------------------------------------------------- datasets


def test_image_set_from_folder_reads_class_folders(class_folders):
    images = transfer.image_set_from_folder(class_folders)
    assert images.classes == ("dog", "hamster", "rabbit")  # sorted; hidden files and folders skipped
    assert images.counts() == {"dog": 2, "hamster": 2, "rabbit": 3}
    assert len(images) == 7 and images.class_ids.tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert all(p.suffix == ".png" for p in images.paths)
    assert images.names[0] == "dog/0.png"


def test_image_set_keeps_the_class_order_given_and_subsets(class_folders):
    images = transfer.image_set_from_folder(class_folders, classes=["rabbit", "dog"])
    assert images.classes == ("rabbit", "dog") and images.counts() == {"rabbit": 3, "dog": 2}
    part = images.subset([0, 4])
    assert part.class_ids.tolist() == [0, 1] and part.paths == (images.paths[0], images.paths[4])
    assert part.names == (images.names[0], images.names[4])


@pytest.mark.parametrize(
    ("classes", "message"),
    [(["rabbit", "cat"], "No images for class"), (["dog", "dog"], "twice"), (["dog"], "at least two classes")],
)
def test_image_set_rejects_bad_class_lists(class_folders, classes, message):
    with pytest.raises(TransferError, match=message):
        transfer.image_set_from_folder(class_folders, classes=classes)


def test_image_set_from_folder_errors(tmp_path):
    with pytest.raises(TransferError, match="is not a folder"):
        transfer.image_set_from_folder(tmp_path / "missing")
    with pytest.raises(TransferError, match="No images found"):
        transfer.image_set_from_folder(tmp_path)


def test_a_class_folder_without_images_is_named_with_the_fix(class_folders):
    (class_folders / "empty").mkdir()
    (class_folders / "empty" / ".DS_Store").write_bytes(b"x")
    with pytest.raises(TransferError, match=r"class folder '.*empty' has no images.*Add photos.*or remove the folder"):
        transfer.image_set_from_folder(class_folders)
    images = transfer.image_set_from_folder(class_folders, classes=["dog", "rabbit"])  # left out: not read
    assert images.counts() == {"dog": 2, "rabbit": 3}


@pytest.mark.parametrize("stray", ["notes.txt", "IMG_0001.HEIC", "labels.csv"])
def test_a_file_that_is_not_an_image_is_named_with_the_fix(class_folders, stray):
    (class_folders / "hamster" / stray).write_bytes(b"not an image")
    with pytest.raises(TransferError, match=rf"'.*hamster.{stray}' is not an image.*Move it out of"):
        transfer.image_set_from_folder(class_folders)


def test_a_broken_file_with_an_image_name_fails_when_decoded(class_folders):
    (class_folders / "rabbit" / "9.jpg").write_text("<html>Too many requests</html>")
    images = transfer.image_set_from_folder(class_folders)
    with pytest.raises(ImageError, match=r"rabbit.9\.jpg"):  # the class folder and the file
        transfer.load_pixels(images.paths, size=(32, 32), progress=False)


def test_image_set_from_assets_reads_the_registry(monkeypatch):
    monkeypatch.setattr(transfer.assets, "fetch_many", lambda names, progress=True: [Path(n) for n in names])
    images = transfer.image_set_from_assets("flowers/train/", progress=False)
    assert images.classes == ("daisy", "dandelion", "roses", "sunflowers", "tulips")
    assert images.counts() == dict.fromkeys(images.classes, 100) and all(n.endswith(".jpg") for n in images.names)
    with pytest.raises(TransferError, match="No images found in the assets under 'flowers/nowhere/'"):
        transfer.image_set_from_assets("flowers/nowhere", progress=False)


def test_image_set_from_assets_fetches_and_labels(monkeypatch, tmp_path):
    fetched = []

    def fake_fetch_many(names, progress=True):
        fetched.extend(names)
        return [tmp_path / name.replace("/", "_") for name in names]

    monkeypatch.setattr(transfer.assets, "fetch_many", fake_fetch_many)
    images = transfer.image_set_from_assets("flowers/val", classes=["tulips", "roses"], progress=False)
    assert images.classes == ("tulips", "roses") and images.counts() == {"tulips": 30, "roses": 30}
    assert len(fetched) == 60 and images.names[0].startswith("flowers/val/tulips/")
    assert images.paths[0] == tmp_path / images.names[0].replace("/", "_")


# --------------------------------------------------------------------------- pixels and features


def test_load_pixels_decodes_and_resizes_like_the_classifier(class_folders):
    images = transfer.image_set_from_folder(class_folders)
    pixels = transfer.load_pixels(images.paths, size=(32, 24), progress=False)
    assert pixels.shape == (7, 24, 32, 3) and pixels.dtype == np.uint8
    expected = np.asarray(resize_for_model(load_image(images.paths[3]), (32, 24)))
    np.testing.assert_array_equal(pixels[3], expected)
    np.testing.assert_array_equal(transfer.load_pixels(images.paths, size=(32, 24), workers=1, progress=False), pixels)


def test_load_pixels_errors(tmp_path):
    with pytest.raises(TransferError, match="not empty"):
        transfer.load_pixels([], progress=False)
    with pytest.raises(TransferError, match="workers"):
        transfer.load_pixels([tmp_path / "x.png"], workers=0, progress=False)
    (tmp_path / "bad.png").write_text("<html>not an image</html>")
    with pytest.raises(ImageError):
        transfer.load_pixels([tmp_path / "bad.png"], progress=False)


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_extractor_output_is_the_dequantized_output_tensor(tiny_models, photo_like, kind):
    extractor = FeatureExtractor(tiny_models[kind], num_threads=1)
    assert extractor.dim == 3 and extractor.input_size == (32, 32)
    assert "→ 3 features" in repr(extractor)
    pixels = transfer.load_pixels([photo_like], size=(32, 32), progress=False)
    features = extractor.extract(pixels[0])
    assert features.dtype == np.float32 and features.shape == (3,)
    np.testing.assert_array_equal(
        features, Classifier(tiny_models[kind]).run(Classifier(tiny_models[kind]).preprocess(photo_like))
    )


def test_extract_batch_is_the_same_for_any_worker_count(tiny_models, photo_like):
    extractor = FeatureExtractor(tiny_models["uint8"])
    batch = np.stack([np.roll(photo_like[:32, :32], shift, axis=0) for shift in range(5)])
    one = extractor.extract_batch(batch, workers=1, progress=False)
    two = extractor.extract_batch(batch, workers=2, progress=False)
    many = extractor.extract_batch(batch, workers=8, progress=False)
    np.testing.assert_array_equal(one, two)
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(one[4], extractor.extract(batch[4]))


def test_extractor_rejects_bad_pixels_and_models(tiny_models, photo_like):
    extractor = FeatureExtractor(tiny_models["uint8"])
    with pytest.raises(TransferError, match="Expected uint8 pixels of shape"):
        extractor.extract(photo_like)  # 48 × 64, not 32 × 32
    with pytest.raises(TransferError, match="float32"):
        extractor.extract(photo_like[:32, :32].astype(np.float32))
    assert extractor.extract_batch(np.zeros((0, 32, 32, 3), np.uint8)).shape == (0, 3)  # nothing in, nothing out
    with pytest.raises(TransferError, match="workers"):
        extractor.extract_batch(photo_like[None, :32, :32], workers=0)
    with pytest.raises(TransferError, match="needs one image"):
        FeatureExtractor(tiny_models["not_image"])


def test_feature_extraction_does_not_import_tensorflow(tiny_models, photo_like):
    code = (
        "import sys, numpy as np\n"
        "from helpers import transfer\n"
        f"e = transfer.FeatureExtractor({str(tiny_models['uint8'])!r})\n"
        "e.extract_batch(np.zeros((2, 32, 32, 3), np.uint8), progress=False)\n"
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --------------------------------------------------------------------------- heads


def test_train_head_learns_separable_clusters_deterministically():
    features, ids = _clusters()
    head = transfer.train_head(features, ids, learning_rate=0.05, steps=100, validation=(features, ids))
    assert head.num_classes == 3 and head.weights.shape == (8, 3)
    assert head.history["loss"][0] == pytest.approx(np.log(3), abs=1e-6)  # zero weights: equal guesses
    assert head.history["loss"][-1] < head.history["loss"][0] / 4
    assert np.all(np.diff(head.history["loss"]) <= 1e-6)
    assert len(head.history["val_accuracy"]) == 100 and head.history["val_accuracy"][-1] == 1.0
    assert (head.predict(features) == ids).all()
    probs = head.predict_proba(features)
    np.testing.assert_allclose(probs.sum(axis=1), 1, atol=1e-6)
    again = transfer.train_head(features, ids, learning_rate=0.05, steps=100)
    np.testing.assert_array_equal(again.weights, head.weights)
    assert "val_accuracy" not in again.history


def test_train_head_without_decay_is_plain_gradient_descent():
    features, ids = _clusters(per_class=5)
    head = transfer.train_head(features, ids, learning_rate=0.1, steps=1, l2=0.0)
    one_hot = np.eye(3)[ids]
    gradient = (np.full((15, 3), 1 / 3) - one_hot) / 15  # first step: all probabilities 1/3
    np.testing.assert_allclose(head.weights, -0.1 * features.T @ gradient, atol=1e-6)
    np.testing.assert_allclose(head.bias, -0.1 * gradient.sum(axis=0), atol=1e-7)


@pytest.mark.parametrize(
    ("features", "ids", "message"),
    [
        (np.ones((4,)), [0, 1, 0, 1], r"\(images, dim\) matrix"),
        (np.ones((4, 2)), [0, 1, 0], "one class index per feature row"),
        (np.ones((4, 2)), [0.0, 1.0, 0.0, 1.0], "integer class indices"),
        (np.ones((4, 2)), [0, 1, 0, -1], "Class indices must be in"),
        (np.full((4, 2), np.nan), [0, 1, 0, 1], "NaN or infinite"),
    ],
)
def test_train_head_rejects_bad_inputs(features, ids, message):
    with pytest.raises(TransferError, match=message):
        transfer.train_head(features, np.asarray(ids))


def test_train_head_rejects_bad_settings_and_class_counts():
    features, ids = _clusters(per_class=2)
    with pytest.raises(TransferError, match="finite learning_rate > 0"):
        transfer.train_head(features, ids, learning_rate=0)
    with pytest.raises(TransferError, match="Class indices must be in 0…1"):
        transfer.train_head(features, ids, num_classes=2)
    with pytest.raises(TransferError, match="validation features"):
        transfer.train_head(features, ids, validation=(np.ones(3), ids))


def test_head_rejects_features_of_another_extractor():
    features, ids = _clusters()
    head = transfer.train_head(features, ids, steps=2)
    with pytest.raises(TransferError, match="takes 8-d features; got 5-d"):
        head.predict(np.ones((2, 5)))


def test_l2_normalize_and_imprint():
    features, ids = _clusters()
    unit = transfer.l2_normalize(features)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1, atol=1e-6)
    weights = transfer.imprint(features, ids)
    assert weights.shape == (3, 8)
    expected = unit[ids == 1].mean(axis=0)
    np.testing.assert_allclose(weights[1], expected / np.linalg.norm(expected), atol=1e-6)
    assert (np.argmax(unit @ weights.T, axis=1) == ids).all()
    one_each = transfer.sample_per_class(ids, 1, seed=4)
    assert (np.argmax(unit @ transfer.imprint(features[one_each], ids[one_each]).T, axis=1) == ids).all()


def test_imprint_and_normalize_errors():
    with pytest.raises(TransferError, match="all zeros"):
        transfer.l2_normalize(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(TransferError, match=r"Class\(es\) \[2\] have no example"):
        transfer.imprint(np.eye(2), np.array([0, 1]), num_classes=3)


def test_sample_per_class_is_balanced_and_reproducible():
    ids = np.repeat(np.arange(3), [5, 6, 7])
    chosen = transfer.sample_per_class(ids, 4, seed=1)
    assert np.bincount(ids[chosen]).tolist() == [4, 4, 4] and len(set(chosen)) == 12
    np.testing.assert_array_equal(chosen, transfer.sample_per_class(ids, 4, seed=1))
    assert not np.array_equal(chosen, transfer.sample_per_class(ids, 4, seed=2))
    with pytest.raises(TransferError, match="larger sample than population"):
        transfer.sample_per_class(ids, 6)  # class 0 has only 5 examples
    assert len(transfer.sample_per_class(ids, 0)) == 0  # none of each


def test_accuracy_by_size_runs_every_draw():
    features, ids = _clusters(per_class=10)
    calls = []

    def fit(train_features, train_ids):
        calls.append(len(train_ids))
        weights = transfer.imprint(train_features, train_ids, 3)
        return lambda new: np.argmax(transfer.l2_normalize(new) @ weights.T, axis=1)

    results = transfer.accuracy_by_size(features, ids, features, ids, [1, 3, 10], fit, repeats=4)
    assert results.shape == (3, 4) and ((results >= 0) & (results <= 1)).all()
    assert calls == [3] * 4 + [9] * 4 + [30]  # the full set is drawn once
    assert (results[2] == results[2, 0]).all() and results[2, 0] == 1.0


def test_confusion_matrix_counts_and_errors():
    matrix = transfer.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert matrix.sum() == 6
    with pytest.raises(TransferError, match="same shape"):
        transfer.confusion_matrix([0, 1], [0], 2)
    with pytest.raises(TransferError, match="invalid entry"):
        transfer.confusion_matrix([0, 2], [0, 1], 2)  # 2 is not a class of 2
    with pytest.raises(TransferError, match="invalid entry"):
        transfer.confusion_matrix([0, -1], [0, 1], 2)


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("kind", ["uint8", "int8", "float"])
def test_exported_model_is_extractor_plus_head(tiny_models, photo_like, tmp_path, kind):
    extractor = FeatureExtractor(tiny_models[kind])
    batch = np.stack([np.roll(photo_like[:32, :32], 5 * i, axis=1) for i in range(6)])
    features = extractor.extract_batch(batch, progress=False)
    head = transfer.train_head(features, np.array([0, 1, 0, 1, 0, 1]), num_classes=2, learning_rate=1.0, steps=20)
    exported = transfer.export_classifier(tiny_models[kind], head, ["yes", "no"], tmp_path / "out", name="tiny")
    assert exported.model_path.name == "tiny.tflite" and exported.labels == ["yes", "no"]
    extra = exported.size_bytes - tiny_models[kind].stat().st_size
    assert 4 * 2 * (3 + 1) <= extra < 2000
    assert sorted(p.name for p in exported.model_path.parent.iterdir()) == ["tiny.tflite", "tiny_labels.txt"]
    classifier = Classifier(exported.model_path, exported.labels)
    assert classifier.describe()["output"]["dtype"] == "float32" and classifier.num_outputs == 2
    probs = np.stack([classifier.run(classifier.preprocess(image)) for image in batch])
    np.testing.assert_allclose(probs, head.predict_proba(features), atol=1e-6)
    assert classifier.classify(batch[0], top_k=1)[0][0] in ("yes", "no")


def test_export_replaces_an_existing_model(tiny_models, tmp_path):
    features, ids = np.eye(3, dtype=np.float32), np.array([0, 1, 2])
    first = transfer.train_head(features, ids, steps=1)
    transfer.export_classifier(tiny_models["uint8"], first, CLASSES, tmp_path)
    second = transfer.train_head(features, ids, steps=50, learning_rate=1.0)
    exported = transfer.export_classifier(tiny_models["uint8"], second, ["a", "b", "c"], tmp_path)
    assert exported.labels == ["a", "b", "c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classifier.tflite", "classifier_labels.txt"]


def test_export_errors(tiny_models, tmp_path):
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    with pytest.raises(TransferError, match="2 labels for a head with 3 classes"):
        transfer.export_classifier(tiny_models["uint8"], head, ["a", "b"], tmp_path)
    with pytest.raises(LabelError, match="non-empty single-line"):
        transfer.export_classifier(tiny_models["uint8"], head, ["a", "", "c"], tmp_path)
    with pytest.raises(TransferError, match="without folders"):
        transfer.export_classifier(tiny_models["uint8"], head, CLASSES, tmp_path, name="sub/model")
    with pytest.raises(TransferError, match="No extractor model"):
        transfer.export_classifier(tmp_path / "missing.tflite", head, CLASSES, tmp_path)
    wide = transfer.train_head(np.eye(4, dtype=np.float32), np.array([0, 1, 2, 0]), steps=1)
    with pytest.raises(TransferError, match="head takes 4-d features; got 3-d"):
        transfer.export_classifier(tiny_models["uint8"], wide, CLASSES, tmp_path)
    (tmp_path / "page.html").write_text("<html></html>")
    with pytest.raises(ModelError, match="not a TensorFlow Lite model"):
        transfer.export_classifier(tmp_path / "page.html", head, CLASSES, tmp_path / "out")
    assert not list(tmp_path.glob("*.tflite")), "a failed export leaves no model behind"
    assert issubclass(TransferError, HelpersError)


# --------------------------------------------------------------------------- notebook 06 plots


def test_training_curve_draws_loss_and_accuracy():
    ax = plots.training_curve({"loss": [1.0, 0.5, 0.25], "val_accuracy": [0.5, 0.8, 0.9]}, title="t")
    assert ax.get_title() == "t" and ax.get_xlabel() == "gradient-descent step"
    assert len(ax.figure.axes) == 2 and ax.get_legend() is not None
    assert len(plots.training_curve({"loss": [1.0]}).figure.axes) == 1
    with pytest.raises(PlotError, match="loss"):
        plots.training_curve({"val_accuracy": [0.5]})


def test_confusion_heatmap_labels_every_cell():
    ax = plots.confusion_heatmap(np.array([[3, 1], [0, 4]]), ["cat", "dog"])
    assert [t.get_text() for t in ax.texts] == ["3", "1", "0", "4"]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    with pytest.raises(PlotError, match="got 2 classes, 3 matrix rows, 3 matrix columns"):
        plots.confusion_heatmap(np.ones((3, 3)), ["cat", "dog"])


def test_accuracy_by_size_chart():
    results = np.array([[0.4, 0.5], [0.7, 0.8], [0.9, 0.9]])
    ax = plots.accuracy_by_size_chart([1, 5, 25], {"head": results}, chance=0.2)
    assert ax.get_xscale() == "log" and [line.get_label() for line in ax.get_lines()] == ["head", "chance (0.20)"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [0.45, 0.75, 0.9])


# --------------------------------------------------------------------------- notebook 06 self-checks


def test_check_imprinted_accuracy(capsys):
    features, ids = _clusters(per_class=10, seed=3)
    noisy = features + np.random.default_rng(0).normal(0, 2.0, features.shape).astype(np.float32)
    chosen = transfer.sample_per_class(ids, 1, seed=3)
    weights = transfer.imprint(noisy[chosen], ids[chosen], 3)
    right = float((np.argmax(transfer.l2_normalize(noisy) @ weights.T, axis=1) == ids).mean())
    assert checks.check_imprinted_accuracy(right, noisy, ids, noisy, ids, per_class=1, seed=3)
    assert "✓" in capsys.readouterr().out
    if right > 0.01:
        assert checks.check_imprinted_accuracy(right * 100, noisy, ids, noisy, ids, per_class=1, seed=3)  # a percentage
        capsys.readouterr()
    assert not checks.check_imprinted_accuracy(-1.0, noisy, ids, noisy, ids, per_class=1, seed=3)
    assert "sample_per_class" in capsys.readouterr().out
    assert not checks.check_imprinted_accuracy("half", noisy, ids, noisy, ids)
    assert "number between 0 and 1" in capsys.readouterr().out


def test_check_head_bytes(capsys):
    assert checks.check_head_bytes(20_500, dim=1024, classes=5)
    assert not checks.check_head_bytes(20_480, dim=1024, classes=5)
    assert "bias" in capsys.readouterr().out.splitlines()[-1]
    assert not checks.check_head_bytes(5_125, dim=1024, classes=5)
    assert "4 bytes" in capsys.readouterr().out.splitlines()[-1]
    assert not checks.check_head_bytes(1, dim=1024, classes=5)


# --------------------------------------------------------------------------- augmentation, Keras heads, int8 heads


def test_augment_pixels_is_reproducible_and_stays_inside_the_photo(monkeypatch):
    rng = np.random.default_rng(0)
    pixels = rng.integers(40, 255, (2, 24, 24, 3), dtype=np.uint8)  # no black anywhere
    out = transfer.augment_pixels(pixels, copies=3, seed=5)
    assert out.shape == (6, 24, 24, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out, transfer.augment_pixels(pixels, copies=3, seed=5))
    assert not np.array_equal(out, transfer.augment_pixels(pixels, copies=3, seed=6))
    assert not np.array_equal(out[0], out[1])
    assert out[:, 1:-1, 1:-1].min() >= 30, "no empty corners: every pixel comes from inside the photo"
    ramp = np.tile(np.arange(24, dtype=np.uint8)[None, :, None] * 10, (24, 1, 3))[None]
    monkeypatch.setattr(transfer, "_MAX_ANGLE", 0.0)  # no turn and no zoom: only the mirror image is left
    monkeypatch.setattr(transfer, "_MIN_ZOOM", 1.0)
    mirrored = transfer.augment_pixels(ramp, copies=8, seed=1)
    directions = {bool(np.sign(np.diff(image[12, :, 0].astype(int))).mean() > 0) for image in mirrored}
    assert directions == {True, False}, "half flipped, half not"
    for image in mirrored:  # each copy is the photo itself or its mirror image
        flipped = np.sign(np.diff(image[12, :, 0].astype(int))).mean() < 0
        np.testing.assert_allclose(image.astype(int), (ramp[0, :, ::-1] if flipped else ramp[0]).astype(int), atol=1)


def test_augment_pixels_rejects_bad_settings():
    with pytest.raises(TransferError, match="copies ≥ 1"):
        transfer.augment_pixels(np.zeros((1, 8, 8, 3), np.uint8), copies=0)
    with pytest.raises(TransferError, match="batch of uint8 images"):
        transfer.augment_pixels(np.zeros((8, 8, 3), np.uint8))


def test_head_from_keras_is_the_dense_layer():
    import keras

    features, ids = _clusters()
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((8,)), keras.layers.Dropout(0.2), keras.layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
    model.fit(features, ids, epochs=5, verbose=0)
    head = transfer.head_from_keras(model)
    np.testing.assert_allclose(head.predict_proba(features), model.predict(features, verbose=0), atol=1e-5)
    assert len(head.history["loss"]) == 5
    relu = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="relu")])
    with pytest.raises(TransferError, match="activation='softmax'"):
        transfer.head_from_keras(relu)
    deep = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4), keras.layers.Dense(3, activation="softmax")])
    with pytest.raises(TransferError, match="2 Dense layers"):
        transfer.head_from_keras(deep)
    with pytest.raises(TransferError, match="head_from_keras cannot use its arguments.*model=SoftmaxHead"):
        transfer.head_from_keras(head)
    single = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="softmax")])
    with pytest.raises(TransferError, match="two or more units"):
        transfer.head_from_keras(single)  # one class: softmax says 1.0 for every photo


@pytest.mark.parametrize("kind", ["uint8", "int8", "float"])
def test_int8_head_is_close_to_the_float_head(tiny_models, photo_like, tmp_path, kind):
    extractor = FeatureExtractor(tiny_models[kind])
    batch = np.stack([np.roll(photo_like[:32, :32], 3 * i, axis=i % 2) for i in range(12)])
    features = extractor.extract_batch(batch, progress=False)
    ids = np.arange(12) % 2
    head = transfer.train_head(features, ids, num_classes=2, learning_rate=1.0, steps=50)
    exported = transfer.export_classifier(
        tiny_models[kind], head, ["yes", "no"], tmp_path, name="tiny8", dtype="int8", calibration=features
    )
    classifier = Classifier(exported.model_path, exported.labels)
    assert classifier.describe()["output"]["dtype"] == "float32"
    probs = np.stack([classifier.run(classifier.preprocess(image)) for image in batch])
    np.testing.assert_allclose(probs, head.predict_proba(features), atol=0.05)
    np.testing.assert_allclose(probs * 256, np.round(probs * 256), atol=1e-3)  # steps of 1/256
    from helpers.tflite import TFLiteFile

    ops = TFLiteFile(exported.model_path).operator_counts()
    assert ops.get("FULLY_CONNECTED", 0) >= 1 and ops.get("SOFTMAX", 0) >= 1
    with pytest.raises(TransferError, match="calibration=train_features"):
        transfer.export_classifier(tiny_models[kind], head, ["yes", "no"], tmp_path, dtype="int8")
    with pytest.raises(TransferError, match="dtype must be one of"):
        transfer.export_classifier(tiny_models[kind], head, ["yes", "no"], tmp_path, dtype="int4")


def test_exported_model_carries_metadata_unless_asked_not_to(tiny_models, tmp_path):
    import io
    import zipfile

    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=5, learning_rate=1.0)
    with_meta = transfer.export_classifier(tiny_models["float"], head, CLASSES, tmp_path, name="with")
    without = transfer.export_classifier(tiny_models["float"], head, CLASSES, tmp_path, name="without", metadata=False)
    assert zipfile.ZipFile(with_meta.model_path).read("labels.txt").decode().split() == CLASSES
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(without.model_path.read_bytes()))
    with pytest.raises(TransferError, match="give one label per class, in the order of training"):
        transfer.export_classifier(tiny_models["float"], head, CLASSES[:2], tmp_path)


def test_history_curves_draws_training_and_validation():
    history = {
        "loss": [1.0, 0.5, 0.4],
        "val_loss": [1.1, 0.7, 0.8],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.4, 0.7, 0.7],
    }
    axes = plots.history_curves(history, best=2)
    assert [len(ax.get_lines()) for ax in axes] == [3, 3]
    assert axes[0].get_xlabel() == "epoch" and axes[1].get_ylabel() == "accuracy"
    with pytest.raises(PlotError, match="validation_data"):
        plots.history_curves({"loss": [1.0]})
    matplotlib.pyplot.close("all")


def test_check_int8_head_bytes_and_wilson_interval(capsys):
    assert checks.check_int8_head_bytes(5 * 1024 + 20, dim=1024, classes=5)
    assert checks.check_int8_head_bytes(np.int64(5140), dim=1024, classes=5)
    assert not checks.check_int8_head_bytes(5 * 1025, dim=1024, classes=5)
    assert "int32" in capsys.readouterr().out
    from helpers.metrics import wilson_interval

    low, high = wilson_interval(200, 250)
    assert checks.check_wilson_interval((low, high), 200, 250)
    assert checks.check_wilson_interval(np.array([low, high]), np.int64(200), 250)
    assert checks.check_wilson_interval((low * 100, high * 100), 200, 250)  # percentages are right too
    assert not checks.check_wilson_interval(0.8, 200, 250)


def test_check_trainable_parameters(capsys):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(2)])
    model.layers[0].trainable = False
    assert checks.check_trainable_parameters(8, model) and checks.check_trainable_parameters(np.int32(8), model)
    assert not checks.check_trainable_parameters(23, model)
    assert "every parameter" in capsys.readouterr().out


# --------------------------------------------------------------------------- notebook 08: conversion in a child process


def test_convert_in_subprocess_matches_the_in_process_conversion(tmp_path, monkeypatch):
    import keras

    from helpers import quantize

    monkeypatch.setenv("CLASSROOM_CACHE_DIR", str(tmp_path))
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4, 4, 3)),
            keras.layers.Conv2D(2, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    samples = np.random.default_rng(0).uniform(-1, 1, (8, 4, 4, 3)).astype(np.float32)
    recipes = ("float32", "static_wi8_ai8")
    paths = transfer.convert_in_subprocess(model, recipes, samples, input_range=(-1, 1), name="tiny")
    assert set(paths) == set(recipes) and all(path.is_file() for path in paths.values())
    assert paths["float32"].read_bytes() == quantize.convert(model, "float32", name="tiny").read_bytes()
    in_process = quantize.convert(model, "static_wi8_ai8", samples, input_range=(-1, 1), name="tiny")
    assert paths["static_wi8_ai8"] == in_process, "same file: the same cache key"


def test_convert_in_subprocess_errors():
    with pytest.raises(TransferError, match="recipes must be among float32, float16, weight_only_wi8_afp32"):
        transfer.convert_in_subprocess(object(), ("int8",))
    with pytest.raises(TransferError, match="static recipe needs samples"):
        transfer.convert_in_subprocess(object(), ("static_wi8_ai8",))
    with pytest.raises(TransferError, match="and input_range"):
        transfer.convert_in_subprocess(object(), ("static_wi8_ai8",), np.zeros((2, 4, 4, 3)))


# --------------------------------------------------------------------------- hostile input (issue 10)


def test_subset_takes_a_boolean_mask_and_negative_positions(class_folders):
    images = transfer.image_set_from_folder(class_folders)
    roses = images.subset(images.class_ids == 1)  # a mask, not the indices 0 and 1
    assert roses.names == tuple(n for n, c in zip(images.names, images.class_ids) if c == 1)
    assert roses.class_ids.tolist() == [1, 1]
    assert images.subset(list(images.class_ids == 2)).names == images.names[4:]
    assert images.subset([-1]).names == images.names[-1:]
    assert images.subset(i for i in (0, 4)).names == (images.names[0], images.names[4])
    assert len(images.subset([])) == 0


@pytest.mark.parametrize(
    ("indices", "message"),
    [
        ([0.9, 1.7], r"subset cannot use its arguments \(.*indices=list\): arrays used as indices must be of integer"),
        ([99], "index 99 is out of bounds for axis 0 with size 7"),
        ([-8], "index -8 is out of bounds"),
        # NumPy's own words differ between versions; both name the 7 photos and the 3 booleans
        (np.ones(3, dtype=bool), r"indices=ndarray\): .*(7.*boolean.*3|boolean.*7.*3)"),
        ("01", r"indices=str\)"),
        (3, r"indices=int\)"),
        ([[0, 1]], "only integer scalar arrays"),
    ],
)
def test_subset_refuses_what_it_cannot_read_as_positions(class_folders, indices, message):
    with pytest.raises(TransferError, match=message):
        transfer.image_set_from_folder(class_folders).subset(indices)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda root: transfer.image_set_from_folder(None), r"image_set_from_folder cannot use .*folder=NoneType"),
        (lambda root: transfer.image_set_from_folder(root, classes="dog"), "classes is a list of label strings"),
        (lambda root: transfer.image_set_from_folder(root, classes=["dog", 1]), "classes must hold strings only"),
        (lambda root: transfer.image_set_from_folder(root, classes={"dog", "rabbit"}), "classes must be in the order"),
        (lambda root: transfer.image_set_from_assets(None), r"image_set_from_assets cannot use .*prefix=NoneType"),
        (lambda root: transfer.image_set_from_assets("flowers/test", classes="daisy"), "classes is a list of label"),
        (lambda root: transfer.image_set_from_assets(3), r"prefix=int"),
    ],
)
def test_image_sets_refuse_arguments_of_the_wrong_kind(class_folders, call, message):
    with pytest.raises(TransferError, match=message):
        call(class_folders)


def test_load_pixels_takes_any_iterable_and_refuses_a_single_path(class_folders):
    paths = transfer.image_set_from_folder(class_folders).paths[:2]
    expected = transfer.load_pixels(paths, size=(8, 8), progress=False)
    np.testing.assert_array_equal(transfer.load_pixels((p for p in paths), size=(8, 8), progress=False), expected)
    with pytest.raises(TransferError, match="images is a list of image paths.*image_set_from_folder"):
        transfer.load_pixels(str(class_folders), progress=False)
    with pytest.raises(TransferError, match=r"load_pixels cannot use its arguments \(images=int"):
        transfer.load_pixels(5, progress=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"size": 224}, ImageError, r"size is \(width, height\)"),
        ({"crop": "middle"}, ImageError, "crop must be one of"),
        ({"workers": "2"}, TransferError, "workers .* must be a whole number ≥ 1"),
        ({"workers": 2.5}, TransferError, "workers .* must be a whole number ≥ 1"),
    ],
)
def test_load_pixels_checks_its_settings_first(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        transfer.load_pixels([tmp_path / "x.png"], progress=False, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"copies": 2.5}, r"augment_pixels cannot use its arguments \(.*copies=float"),
        ({"copies": "2"}, r"copies=str"),
        ({"seed": "x"}, r"seed=str"),
        ({"seed": -1}, r"seed=int\): expected non-negative integer"),
    ],
)
def test_augment_pixels_refuses_settings_of_the_wrong_kind(kwargs, message):
    with pytest.raises(TransferError, match=message):
        transfer.augment_pixels(np.zeros((1, 8, 8, 3), np.uint8), **kwargs)


_X = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
_Y = np.array([0, 0, 1, 1, 2, 2])


@pytest.mark.parametrize("fit", [transfer.train_head, transfer.imprint])
@pytest.mark.parametrize(
    ("ids", "kwargs", "message"),
    [
        ([0] * 6, {}, "at least two classes"),
        ([0, 0, 1, 1, 5, 5], {}, r"Class\(es\) \[2, 3, 4\] have no example.*without gaps"),
        (_Y, {"num_classes": 3.7}, r"cannot use its arguments \(.*num_classes=float"),
        (_Y, {"num_classes": "3"}, r"num_classes=str"),
        (_Y, {"num_classes": 4}, r"Class\(es\) \[3\] have no example"),
        ("001122", {}, r"class_ids must be integer class indices .* got <U6 of shape \(\)"),
    ],
)
def test_heads_refuse_fewer_than_two_classes_and_unseen_classes(fit, ids, kwargs, message):
    with pytest.raises(TransferError, match=message):
        fit(_X, ids, **kwargs)


def test_heads_take_class_ids_from_a_generator():
    np.testing.assert_array_equal(transfer.imprint(_X, (int(c) for c in _Y)), transfer.imprint(_X, _Y))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 2.5}, r"train_head cannot use its arguments \(.*steps=float"),
        ({"steps": "10"}, r"steps=str"),
        ({"learning_rate": float("inf")}, "finite learning_rate > 0.*got learning_rate=inf"),
        ({"learning_rate": "0.1"}, r"learning_rate=str"),
        ({"l2": float("nan")}, "l2 ≥ 0.*l2=nan"),
        ({"l2": -1}, "l2 ≥ 0.*l2=-1"),
        ({"validation": (_X,)}, r"validation=tuple\): not enough values to unpack \(expected 2, got 1\)"),
        ({"validation": _X}, r"validation=ndarray\): too many values to unpack"),
        ({"validation": (_X, _Y[:5])}, r"one class index per feature row \(6 in the validation features\); .*\(5,\)"),
        ({"learning_rate": 1e30}, r"Training diverged at step \d.*smaller learning_rate"),
    ],
)
def test_train_head_checks_its_settings(kwargs, message):
    with pytest.raises(TransferError, match=message):
        transfer.train_head(_X * 1e3, _Y, steps=kwargs.pop("steps", 3), **kwargs)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((_Y, "1"), r"sample_per_class cannot use its arguments \(.*per_class=str"),
        ((_Y, 2.5), r"per_class=float"),
        ((_Y, 1, "x"), r"seed=str"),
        ((_Y.astype(float) + 0.5, 1), r"Cannot cast array data from dtype\('float64'\)"),
        (("001122", 1), r"class_ids=str"),
    ],
)
def test_sample_per_class_checks_its_arguments(args, message):
    with pytest.raises(TransferError, match=message):
        transfer.sample_per_class(*args)


def test_confusion_matrix_reads_whole_float_indices_and_refuses_the_rest():
    assert transfer.confusion_matrix([0.0, 1.0], [0.0, 0.0], 2).tolist() == [[1, 0], [1, 0]]
    assert transfer.confusion_matrix([], [], 2).tolist() == [[0, 0], [0, 0]]
    with pytest.raises(TransferError, match="truth .* must hold whole numbers"):
        transfer.confusion_matrix([0.5, 1.0], [0, 1], 2)
    with pytest.raises(TransferError, match="predicted .* must hold numbers"):
        transfer.confusion_matrix([0, 1], [True, False], 2)
    with pytest.raises(TransferError, match=r"confusion_matrix cannot use its arguments \(.*num_classes=str"):
        transfer.confusion_matrix([0, 1], [0, 1], "2")


def _fit_nearest(features, ids):
    weights = transfer.imprint(features, ids, 3)
    return lambda new: np.argmax(transfer.l2_normalize(new) @ weights.T, axis=1)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"fit": None},
            r"accuracy_by_size cannot use its arguments \(.*fit=NoneType.*\): 'NoneType' object is not callable",
        ),
        ({"fit": lambda f, c: None}, "'NoneType' object is not callable"),
        ({"fit": lambda f, c: lambda v: np.ones((len(v), 3))}, r"one class index per validation row, shape \(6,\)"),
        ({"train_class_ids": [-1] * 6}, r"Class indices must be in 0, 1, …; got -1…-1 in train_class_ids"),
        ({"train_class_ids": [0, 0, 1, 1, 3, 3]}, r"Class\(es\) \[2\] have no example"),
        ({"val_class_ids": [0, 1, 2, 3, 0, 1]}, r"Class indices must be in 0…2"),
        ({"sizes": [1.5]}, r"per_class=float"),
        ({"sizes": 2}, r"sizes=int.*\): 'int' object is not iterable"),
        ({"repeats": 0}, r"repeats=int\): index 0 is out of bounds"),
        ({"val_features": _X[:, :2].ravel()}, r"validation features must be a \(images, dim\) matrix"),
    ],
)
def test_accuracy_by_size_checks_its_arguments(changes, message):
    args = {"train_features": _X, "train_class_ids": _Y, "val_features": _X, "val_class_ids": _Y}
    args |= {"sizes": [1], "fit": _fit_nearest, "repeats": 2} | changes
    with pytest.raises(TransferError, match=message):
        transfer.accuracy_by_size(**args)


def test_accuracy_by_size_of_no_sizes_is_empty():
    assert transfer.accuracy_by_size(_X, _Y, _X, _Y, [], _fit_nearest, repeats=2).shape == (0, 2)


def test_head_classifier_checks_what_it_is_given(tiny_models):
    head = transfer.SoftmaxHead(np.ones((3, 2), np.float32), np.zeros(2, np.float32))
    extractor = FeatureExtractor(tiny_models["uint8"], num_threads=1)
    with pytest.raises(LabelError, match="labels is a list of label strings"):
        transfer.HeadClassifier(extractor, head, "ab")
    with pytest.raises(LabelError, match="labels must hold strings only"):
        transfer.HeadClassifier(extractor, head, [0, 1])
    with pytest.raises(TransferError, match=r"__init__ cannot use its arguments \(.*head=ndarray.*head: SoftmaxHead"):
        transfer.HeadClassifier(extractor, head.weights, ["a", "b"])
    with pytest.raises(LabelError, match="labels must be in the order"):
        transfer.HeadClassifier(extractor, head, {"a", "b"})
    assert transfer.HeadClassifier(extractor, head, (label for label in ["a", "b"])).labels == ["a", "b"]


def test_export_refuses_a_file_as_folder_and_arguments_of_the_wrong_kind(tiny_models, tmp_path):
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    with pytest.raises(TransferError, match="Could not write classifier.tflite and classifier_labels.txt in '.*taken'"):
        transfer.export_classifier(tiny_models["uint8"], head, CLASSES, a_file)
    with pytest.raises(TransferError, match=r"export_classifier cannot use its arguments \(.*folder=NoneType"):
        transfer.export_classifier(tiny_models["uint8"], head, CLASSES, None)
    with pytest.raises(TransferError, match=r"extractor_path=NoneType"):
        transfer.export_classifier(None, head, CLASSES, tmp_path)
    with pytest.raises(LabelError, match=r"labels is a list of label strings; got None"):
        transfer.export_classifier(tiny_models["uint8"], head, None, tmp_path)
    with pytest.raises(TransferError, match="metadata is True or False"):
        transfer.export_classifier(tiny_models["uint8"], head, CLASSES, tmp_path, metadata="no")
    exported = transfer.export_classifier(tiny_models["uint8"], head, (c for c in CLASSES), tmp_path, metadata=False)
    assert exported.labels == CLASSES


@pytest.mark.parametrize(
    ("calibration", "message"),
    [
        (np.full((4, 3), np.nan), r"calibration features must be a \(images, dim\) matrix .*NaN or infinite"),
        (np.ones((4, 5)), "head takes 3-d features; got 5-d"),
        (np.ones(3), r"calibration features must be a \(images, dim\) matrix"),
        ("ab", r"export_classifier cannot use its arguments \(.*calibration=str"),
    ],
)
def test_int8_export_checks_its_calibration_features(tiny_models, tmp_path, calibration, message):
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    with pytest.raises(TransferError, match=message):
        transfer.export_classifier(tiny_models["uint8"], head, CLASSES, tmp_path, dtype="int8", calibration=calibration)
    assert not list(tmp_path.iterdir())


def test_a_keras_head_that_is_not_finite_is_refused():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
    model.layers[-1].set_weights([np.full((3, 2), np.nan, np.float32), np.zeros(2, np.float32)])
    with pytest.raises(TransferError, match="NaN or infinite weights: training diverged"):
        transfer.head_from_keras(model)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"recipes": "static_wi8_ai8"}, "recipes must be among float32, .*, as a list"),
        ({"timeout": 0}, r"convert_in_subprocess cannot use its arguments \(.*timeout=int\): 'object' object has no"),
        ({"name": None}, r"name=NoneType"),
        ({"samples": np.full((2, 3), np.nan)}, r"samples=ndarray"),
        ({}, r"model=object.*has no attribute 'save'"),
    ],
)
def test_convert_in_subprocess_checks_its_arguments(kwargs, message):
    with pytest.raises(TransferError, match=message):
        transfer.convert_in_subprocess(object(), **({"recipes": ("float32",)} | kwargs))


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ("x", r"cannot use its arguments \(features=str.*\): could not convert string to float"),
        (None, r"The features must be a \(images, dim\) matrix of finite numbers; got shape \(\)"),
        ([[1.0, 2.0], [3.0]], r"features=list.*\): setting an array element with a sequence"),
        ([["a", "b"], ["c", "d"]], r"features=list.*\): could not convert string to float"),
        (np.ones((0, 3)), r"The features must be a \(images, dim\) matrix .*got shape \(0, 3\)"),
    ],
)
def test_features_that_are_not_a_matrix_of_numbers_are_refused(features, message):
    with pytest.raises(TransferError, match=message):
        transfer.train_head(features, [0, 1])
    with pytest.raises(TransferError, match=message):
        transfer.l2_normalize(features)


@pytest.mark.parametrize(
    ("extractor", "given", "written"),
    [
        ("float", {}, (127.5, 127.5)),  # no metadata: MobileNet's default, as FeatureExtractor uses
        ("float with metadata", {}, (0.0, 255.0)),  # the extractor's own metadata, as FeatureExtractor uses
        ("float", {"mean": 0.0, "std": 1.0}, (0.0, 1.0)),  # given: the same as given to FeatureExtractor
    ],
)
def test_export_writes_the_normalization_the_features_were_made_with(
    tiny_models, metadata_models, tmp_path, extractor, given, written
):
    from helpers.tflite import read_metadata

    path = metadata_models["float"] if extractor == "float with metadata" else tiny_models["float"]
    features = transfer.FeatureExtractor(path, 1, **given)
    assert (np.ravel(features.mean)[0], np.ravel(features.std)[0]) == pytest.approx(written)
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    exported = transfer.export_classifier(path, head, ["a", "b", "c"], tmp_path, **given)
    mean, std = read_metadata(exported.model_path, "normalization").normalization()
    assert (mean[0], std[0]) == pytest.approx(written)


def test_a_segmenter_is_not_taken_for_a_feature_extractor(task_models, tmp_path):
    """Its 16×16×3 per-pixel scores would otherwise become 768 "features" per photo."""
    with pytest.raises(TransferError, match="segmentation model, not a feature extractor"):
        transfer.FeatureExtractor(task_models["segmenter"])
    head = transfer.SoftmaxHead(np.ones((768, 2), np.float32), np.zeros(2, np.float32))
    with pytest.raises(TransferError, match="segmentation model, not a feature extractor"):
        transfer.export_classifier(task_models["segmenter"], head, ["a", "b"], tmp_path)  # the same check at export
    assert not list(tmp_path.iterdir())
