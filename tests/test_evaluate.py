"""helpers.evaluate on tiny self-made models and generated images: hits, classes, threads, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import HelpersError, ImageError
from helpers.assets import data_file
from helpers.classify import Classifier
from helpers.evaluate import (
    Evaluation,
    EvaluationError,
    evaluate_many,
    image_paths,
    imagenet_classes,
)

LABELS = ["rabbit", "hamster", "dog"]
WNIDS = ["n01484850", "n01440764", "n01443537"]  # ImageNet classes 2, 0 and 1 (data/imagenet_wnids.txt)


@pytest.fixture
def sample_folder(tmp_path):
    """Twelve generated photos named like ImageNet samples (4 per wnid), in JPEG, PNG and BMP."""
    rng = np.random.default_rng(1)
    folder = tmp_path / "samples"
    folder.mkdir()
    # Colours the tiny models rank differently (yellow and orange: class 0 first; cyan and violet: class 1).
    colours = [(255, 255, 0), (0, 255, 255), (255, 128, 0), (128, 128, 255)]
    for i in range(12):
        size = (40 + 7 * i, 30 + 5 * (i % 4))  # different sizes and aspect ratios
        noise = rng.integers(-20, 21, (size[1], size[0], 3))
        pixels = np.clip(np.array(colours[i % 4]) + noise, 0, 255).astype(np.uint8)
        suffix = [".JPEG", ".png", ".bmp"][i % 3]
        Image.fromarray(pixels).save(folder / f"{WNIDS[i % 3]}_thing{i}{suffix}")
    (folder / "README.txt").write_text("not an image")
    return folder


def evaluate(classifier, images, classes=None, **options) -> Evaluation:
    """One classifier through evaluate_many, named after its model file."""
    name = Path(str(getattr(classifier, "model_path", classifier))).stem
    return evaluate_many({name: classifier}, images, classes, **options)[name]


def _reference(classifier: Classifier, paths, k: int) -> np.ndarray:
    """One photo at a time with Classifier.predict: what evaluate must reproduce exactly."""
    return np.array([np.argsort(-classifier.predict(p), kind="stable")[:k] for p in paths]) - classifier.class_offset


# --------------------------------------------------------------------------- classes from file names


def test_wnid_and_class_index_from_file_names(sample_folder):
    paths = image_paths(sample_folder)
    assert len(paths) == 12 and paths == sorted(paths)  # README.txt is skipped
    classes = imagenet_classes(paths)
    assert [int(c) for c in classes] == [sorted(WNIDS).index(p.name[:9]) for p in paths]


def test_a_subset_is_indexed_by_the_full_wnid_list(sample_folder):
    subset = [p for p in image_paths(sample_folder) if p.name.startswith("n01484850")]
    assert set(imagenet_classes(subset)) == {2}  # class 2 of all 1,000, not class 0 of the subset's own wnids
    wnids = data_file("imagenet_wnids.txt").read_text(encoding="utf-8").split()
    assert len(wnids) == 1000 and wnids == sorted(wnids) and wnids[:3] == sorted(WNIDS)
    with pytest.raises(EvaluationError, match="with an ImageNet wnid"):
        imagenet_classes(["n00000001_made_up.jpg"])


@pytest.mark.assets
def test_a_subset_of_the_imagenet_samples_keeps_its_accuracy():
    from helpers import assets

    labels = assets.read_labels("labels/imagenet_labels.txt")
    classifier = Classifier(assets.fetch("models/mobilenet_v2_1.0_224_quant.tflite"), labels)
    names = assets.names("imagenet-samples")[::50]  # 20 of the 1,000, spread over the classes
    result = evaluate(classifier, assets.fetch_many(names, progress=False), progress=False)
    assert result.accuracy(1) >= 0.6  # the published top-1 is 0.71; numbered within the subset it was 0.05


@pytest.mark.parametrize("name", ["tench.JPEG", "n0144076_tench.JPEG", "x01440764_tench.JPEG", "n01440764.JPEG"])
def test_names_without_a_wnid_are_refused(name):
    with pytest.raises(EvaluationError, match="<wnid>_<name>"):
        imagenet_classes([name])


def test_image_paths_from_folders_and_lists(tmp_path, sample_folder):
    assert image_paths([str(p) for p in image_paths(sample_folder)][:2]) == image_paths(sample_folder)[:2]
    with pytest.raises(EvaluationError, match="not a folder"):
        image_paths(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EvaluationError, match="no image files"):
        image_paths(tmp_path / "empty")


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
@pytest.mark.parametrize("workers", [0, 1, 2])
def test_evaluate_matches_one_photo_at_a_time(tiny_models, sample_folder, kind, workers):
    classifier = Classifier(tiny_models[kind], LABELS)
    paths = image_paths(sample_folder)
    result = evaluate(classifier, sample_folder, k=3, workers=workers, progress=False)
    reference = _reference(classifier, paths, 3)
    assert len({tuple(row) for row in reference}) > 1  # the images get different answers: a real check
    np.testing.assert_array_equal(result.predictions, reference)
    assert len(result.classes) == 12 and result.model == f"tiny_{kind}"


def test_hits_and_accuracy_follow_the_predictions(tiny_models, sample_folder):
    classifier = Classifier(tiny_models["uint8"], LABELS)
    paths = image_paths(sample_folder)
    reference = _reference(classifier, paths, 3)
    right = evaluate(classifier, paths, classes=reference[:, 0], k=3, progress=False)
    assert right.accuracy(1) == 1.0 and right.top1_hits.all()
    wrong = evaluate(classifier, paths, classes=reference[:, 2], k=3, progress=False)
    assert wrong.accuracy(1) == 0.0 and wrong.accuracy(2) == 0.0 and wrong.accuracy(3) == 1.0
    mixed = evaluate(
        classifier, paths, classes=np.where(np.arange(12) < 3, reference[:, 0], reference[:, 1]), k=3, progress=False
    )
    assert mixed.accuracy(1) == 0.25 and mixed.accuracy(2) == 1.0
    low, high = mixed.interval(1)
    assert low < 0.25 < high
    assert len(mixed.classes) == 12 and mixed.interval(1) == (low, high)
    with pytest.raises(EvaluationError, match="k must be between 1 and 3"):
        mixed.hits(4)


def test_evaluate_many_decodes_once_for_models_of_every_size(tiny_models, sample_folder, monkeypatch):
    import helpers.evaluate as module

    calls = []
    original = module.load_image
    monkeypatch.setattr(module, "load_image", lambda path: calls.append(path) or original(path))
    models = {kind: Classifier(tiny_models[kind], LABELS) for kind in ("float", "uint8", "int8")}
    models["squash"] = Classifier(tiny_models["uint8"], LABELS, crop="none")  # other input policies
    models["fraction"] = Classifier(tiny_models["uint8"], LABELS, crop=0.875)  # (a number among names)
    results = evaluate_many(models, sample_folder, k=2, progress=False)
    assert len(calls) == 12  # one decode per image, whatever the number of models
    paths = image_paths(sample_folder)
    for name, classifier in models.items():
        assert isinstance(results[name], Evaluation)
        np.testing.assert_array_equal(results[name].predictions, _reference(classifier, paths, 2))


def test_background_outputs_are_shifted(tiny_models, sample_folder):
    classifier = Classifier(tiny_models["float"], ["background", "cat", "dog"], background=True)
    assert classifier.class_offset == 1  # set explicitly: a 3-output model has no ImageNet background
    result = evaluate(classifier, sample_folder, classes=np.zeros(12, dtype=int), k=3, progress=False)
    assert set(np.unique(result.predictions)) <= {-1, 0, 1}  # -1 is "background"
    np.testing.assert_array_equal(result.predictions, _reference(classifier, image_paths(sample_folder), 3))


def test_a_class_called_background_shifts_nothing(tiny_models, sample_folder):
    plain = Classifier(tiny_models["float"], ["background", "cat", "dog"])  # a learner's own class names
    result = evaluate(plain, sample_folder, classes=np.zeros(12, dtype=int), k=3, progress=False)
    assert set(np.unique(result.predictions)) == {0, 1, 2}


def test_evaluate_shows_a_progress_bar(tiny_models, sample_folder, capsys):
    evaluate(Classifier(tiny_models["float"], LABELS), sample_folder, k=1, progress=True)
    assert "12/12" in capsys.readouterr().err


# --------------------------------------------------------------------------- bad input


def test_bad_evaluation_requests(tiny_models, sample_folder):
    classifier = Classifier(tiny_models["float"], LABELS)
    paths = image_paths(sample_folder)
    with pytest.raises(EvaluationError, match="non-empty dict"):
        evaluate_many({}, paths, progress=False)
    with pytest.raises(EvaluationError, match="0 classes for 0 images"):
        evaluate(classifier, [], progress=False)
    with pytest.raises(EvaluationError, match="k must be at least 1"):
        evaluate(classifier, paths, k=0, progress=False)
    with pytest.raises(EvaluationError, match="workers"):
        evaluate(classifier, paths, k=1, workers=-1, progress=False)
    with pytest.raises(EvaluationError, match="3 outputs; k = 5"):
        evaluate(classifier, paths, progress=False)
    with pytest.raises(EvaluationError, match="11 classes for 12 images"):
        evaluate(classifier, paths, classes=[0] * 11, k=1, progress=False)
    with pytest.raises(EvaluationError, match="has 3 classes"):
        evaluate(classifier, paths, classes=[3] * 12, k=1, progress=False)
    with pytest.raises(EvaluationError, match="has 3 classes"):
        evaluate(classifier, paths, classes=[-1] * 12, k=1, progress=False)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda c, p: evaluate(str(c.model_path), p), "not a helpers.classify.Classifier; wrap the model file"),
        (lambda c, p: evaluate(c, p, classes=np.zeros((3, 4), int), k=1), r"1-D\).*shape \(3, 4\)"),
        (lambda c, p: evaluate(c, p[:1], classes=0, k=1), r"1-D\).*shape \(\)"),
        (lambda c, p: evaluate(c, p, k=1, workers=10**5), "workers is a number of threads"),
    ],
)
def test_evaluate_refuses_a_model_path_a_table_of_classes_and_odd_options(tiny_models, sample_folder, call, match):
    with pytest.raises(EvaluationError, match=match):
        call(Classifier(tiny_models["float"], LABELS), image_paths(sample_folder))


def test_classes_may_come_from_a_generator(tiny_models, sample_folder):
    classifier = Classifier(tiny_models["float"], LABELS)
    paths = image_paths(sample_folder)
    listed = evaluate(classifier, paths, classes=[0] * 12, k=1, workers=0, progress=False)
    generated = evaluate(classifier, paths, classes=(0 for _ in paths), k=1, workers=0, progress=False)
    np.testing.assert_array_equal(generated.classes, listed.classes)


@pytest.mark.parametrize("k", [2.5, "1", True, 0, 4, None])
def test_hits_needs_a_whole_k_within_the_answers_kept(k):
    with pytest.raises(EvaluationError, match="k must be between 1 and 3, a whole number"):
        Evaluation("m", np.array([0, 1]), np.array([[0, 1, 2], [2, 1, 0]])).hits(k)


def test_imagenet_classes_takes_any_iterable_of_paths_but_not_a_number():
    assert list(imagenet_classes(iter(["n01440764_a.jpg", "n01443537_b.jpg"]))) == [0, 1]
    with pytest.raises(EvaluationError, match=r"imagenet_classes cannot use its arguments \(paths=int"):
        imagenet_classes(5)


def test_files_without_wnids_need_classes(tiny_models, tmp_path, photo_like):
    Image.fromarray(photo_like).save(tmp_path / "holiday.png")
    classifier = Classifier(tiny_models["float"], LABELS)
    with pytest.raises(EvaluationError, match="Pass the classes yourself"):
        evaluate(classifier, tmp_path, k=1, progress=False)
    assert len(evaluate(classifier, tmp_path, classes=[1], k=1, progress=False).classes) == 1


@pytest.mark.parametrize("workers", [0, 2])
def test_a_broken_image_stops_with_its_name(tiny_models, sample_folder, workers):
    broken = sample_folder / "n01443537_broken.JPEG"
    broken.write_bytes(b"\xff\xd8\xff\xe0 truncated")
    with pytest.raises(ImageError, match="n01443537_broken") as info:
        evaluate(Classifier(tiny_models["float"], LABELS), sample_folder, k=1, workers=workers, progress=False)
    assert isinstance(info.value, HelpersError)


def test_evaluation_error_is_a_helpers_error():
    assert issubclass(EvaluationError, HelpersError)


def test_every_independent_problem_is_named_in_one_error(tiny_models, sample_folder):
    classifier = Classifier(tiny_models["float"], LABELS)
    with pytest.raises(EvaluationError) as raised:
        evaluate_many({"m": str(classifier.model_path)}, image_paths(sample_folder), classes=[0] * 11, k=0)
    message = str(raised.value)
    assert "not a helpers.classify.Classifier" in message and "k must be at least 1" in message
    assert "11 classes for 12 images" in message
