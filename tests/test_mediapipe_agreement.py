"""Our Classifier, detect and segment against MediaPipe Tasks (the Task Library's successor) on the same inputs.

Both are given the same already-resized pixels, so the comparison is about reading the model (metadata,
normalization, output layout, ranking), not about two resizing algorithms: MediaPipe squashes the whole
photo with its own bilinear resize, we take the central square with PIL's.

MediaPipe always runs LiteRT's default (CPU-specific) kernels, so here our side does too, even in a run
with CLASSROOM_LITERT_KERNELS=reference (helpers.system): reference and default kernels differ by several
1/256 steps on uint8 models, which would hide what these tests compare.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import MetadataError, ModelError, assets
from helpers.classify import Classifier
from helpers.detection import detect
from helpers.images import load_image, resize_for_model
from helpers.segmentation import segment

mp = pytest.importorskip("mediapipe")
from mediapipe.tasks import python as mp_tasks
from mediapipe.tasks.python import vision

STEP = 1 / 256  # one quantization step of a uint8 probability


@pytest.fixture(autouse=True)
def _default_kernels(monkeypatch):
    """Undo helpers.system's switch to the reference kernels for these tests (MediaPipe cannot switch)."""
    from ai_edge_litert.interpreter import Interpreter

    if getattr(Interpreter.__init__, "_classroom_reference", False):
        monkeypatch.setattr(Interpreter, "__init__", Interpreter.__init__.__wrapped__)


def mp_image(pixels) -> mp.Image:
    return mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8)))


def mp_classify(model_path, pixels, max_results: int = 3):
    options = vision.ImageClassifierOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path)), max_results=max_results
    )
    with vision.ImageClassifier.create_from_options(options) as classifier:
        return classifier.classify(mp_image(pixels)).classifications[0].categories


def assert_same_top(ours: np.ndarray, theirs, tolerance: float, k: int = 3) -> None:
    """Rank by rank the scores agree within ``tolerance``; each of MediaPipe's categories has that score with us.

    Classes tied at the same score may come in a different order (MediaPipe's sort is not stable).
    """
    our_scores = np.sort(ours)[::-1][:k]
    assert len(theirs) == k
    for rank, category in enumerate(theirs):
        assert category.score == pytest.approx(our_scores[rank], abs=tolerance)
        assert ours[category.index] == pytest.approx(category.score, abs=tolerance)


def test_mediapipe_reads_the_metadata_our_tests_write(metadata_models, photo_like):
    # Our tiny float model with metadata (labels cat/dog/bird, mean 0, std 255): MediaPipe takes the same
    # normalization and labels from it and computes the same probabilities.
    pixels = photo_like[:32, :32]
    ours = Classifier(metadata_models["float"]).predict(pixels)
    theirs = mp_classify(metadata_models["float"], pixels, max_results=3)
    assert {c.category_name for c in theirs} == {"cat", "dog", "bird"}
    for category in theirs:
        assert ours[category.index] == pytest.approx(category.score, abs=1e-5)


PHOTOS = [
    "cat.bmp",
    "parrot.jpg",
    "owl.jpg",
    "hot_dog.jpg",
    "burger_crop.jpg",
    "cats_and_dogs.jpg",
    "grace_hopper.bmp",
    "sunflower.bmp",
]
CLASSIFIERS = [
    "mobilenet_v1_0.25_224_quant.tflite",
    "mobilenet_v2_1.0_224_quant.tflite",
    "tf2_mobilenet_v2_1.0_224_ptq.tflite",
    "automl_flowers_quant.tflite",
    "mobilenet_v1_0.25_224_metadata.tflite",
]


@pytest.mark.assets
@pytest.mark.parametrize("model", CLASSIFIERS)
def test_same_top_3_as_mediapipe_image_classifier(model):
    model_path = assets.fetch(f"models/{model}")
    classifier = Classifier(model_path)
    quantized = np.dtype(classifier.output_details["dtype"]) != np.float32
    tolerance = STEP if quantized else 1e-4  # one 1/256 step on uint8 outputs; float summation order otherwise
    for photo in PHOTOS:
        pixels = resize_for_model(load_image(assets.fetch(f"images/{photo}")), classifier.input_size)
        ours = classifier.predict(pixels)
        assert_same_top(ours, mp_classify(model_path, np.asarray(pixels)), tolerance)


@pytest.mark.assets
def test_a_float_model_without_normalization_metadata():
    # MediaPipe refuses a float model without NormalizationOptions; Classifier uses MobileNet's default
    # and gives what the same model with metadata gives.
    plain = assets.fetch("models/mobilenet_v1_0.25_224.tflite")
    with pytest.raises(Exception, match="NormalizationOptions"):
        mp_classify(plain, np.zeros((224, 224, 3), np.uint8))
    photo = assets.fetch("images/parrot.jpg")
    with_metadata = Classifier(assets.fetch("models/mobilenet_v1_0.25_224_metadata.tflite"))
    np.testing.assert_allclose(Classifier(plain).predict(photo), with_metadata.predict(photo), atol=1e-5)
    with pytest.raises(MetadataError, match="NormalizationOptions"):
        from helpers.tflite import read_metadata

        read_metadata(plain, "normalization").normalization()


@pytest.mark.assets
@pytest.mark.parametrize("photo", ["cats_and_dogs.jpg", "multi_objects.jpg", "pets.jpg"])
def test_same_detections_as_mediapipe_object_detector(photo):
    model_path = assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite")
    pixels = np.asarray(resize_for_model(load_image(assets.fetch(f"images/{photo}")), (300, 300), crop="none"))
    options = vision.ObjectDetectorOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path)), score_threshold=0.3
    )
    with vision.ObjectDetector.create_from_options(options) as detector:
        theirs = detector.detect(mp_image(pixels)).detections
    ours = detect(model_path, pixels, score_threshold=0.3)
    assert len(ours) == len(theirs) > 0
    for mine, their in zip(ours, theirs):
        assert mine.label == their.categories[0].category_name
        assert mine.score == pytest.approx(their.categories[0].score, abs=STEP)
        box = their.bounding_box  # MediaPipe lets a box reach past the image's edge; ours are clipped to it
        left, top = max(box.origin_x, 0), max(box.origin_y, 0)
        right, bottom = min(box.origin_x + box.width, 300), min(box.origin_y + box.height, 300)
        assert np.allclose(mine.box, (left, top, right - left, bottom - top), atol=2)


@pytest.mark.assets
@pytest.mark.parametrize("photo", ["segmentation_input_rotation0.jpg", "cats_and_dogs.jpg", "pets.jpg"])
def test_same_mask_as_mediapipe_image_segmenter(photo):
    # segmentation_input is already 257×257, the model's size; the others are resized (squashed) first.
    model_path = assets.fetch("models/deeplabv3_257.tflite")
    image = resize_for_model(load_image(assets.fetch(f"images/{photo}")), (257, 257), crop="none")
    options = vision.ImageSegmenterOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=str(model_path)),
        output_category_mask=True,
        output_confidence_masks=False,
    )
    with vision.ImageSegmenter.create_from_options(options) as segmenter:
        result = segmenter.segment(mp_image(image))
        their_labels = segmenter.labels
        theirs = result.category_mask.numpy_view().reshape(image.height, image.width)
    ours = segment(model_path, image)
    assert ours.labels == their_labels and ours.mask.shape == theirs.shape
    assert (ours.mask == theirs).mean() >= 0.999


@pytest.mark.assets
def test_real_models_of_the_wrong_kind_are_refused():
    ssd = assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite")
    deeplab = assets.fetch("models/deeplabv3_257.tflite")
    mobilenet = assets.fetch("models/mobilenet_v2_1.0_224_quant.tflite")
    photo = assets.fetch("images/cat.bmp")
    with pytest.raises(ModelError, match="object detector"):
        Classifier(ssd)
    with pytest.raises(ModelError, match="segmentation model"):
        Classifier(deeplab)
    with pytest.raises(ModelError, match="image classifier, not an object detector"):
        detect(mobilenet, photo)
    with pytest.raises(ModelError, match="image classifier"):
        segment(mobilenet, photo)
