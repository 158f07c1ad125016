"""helpers.tflite writing metadata on the tiny models: the metadata flatbuffer, the labels zip, MediaPipe reading both."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from helpers import tflite, transfer
from helpers.classify import Classifier
from helpers.errors import LabelError, ModelError

LABELS = ["rabbit", "hamster", "dog"]


def _read(data: bytes):
    """The ModelMetadataT inside a model, read with MediaPipe's generated schema code (an independent reader)."""
    from ai_edge_litert.tools import flatbuffer_utils
    from mediapipe.tasks.metadata import metadata_schema_py_generated as schema

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(data))
    entries = [m for m in model.metadata if m.name == tflite.METADATA_NAME]
    assert len(entries) == 1
    buffer = bytes(model.buffers[entries[0].buffer].data)
    assert buffer[4:8] == tflite.METADATA_IDENTIFIER
    return schema.ModelMetadataT.InitFromObj(schema.ModelMetadata.GetRootAs(buffer, 0))


@pytest.mark.parametrize(
    ("kind", "mean", "std"), [("uint8", None, None), ("int8", None, None), ("float", 127.5, 127.5)]
)
def test_metadata_describes_the_input_and_carries_the_labels(tiny_models, kind, mean, std):
    data = tiny_models[kind].read_bytes()
    normalization = None if mean is None else (mean, std)
    out = tflite.add_metadata(
        data,
        LABELS,
        name="tiny",
        description="a test",
        normalization=normalization,
    )
    assert zipfile.ZipFile(io.BytesIO(out)).namelist() == ["labels.txt"]
    assert zipfile.ZipFile(io.BytesIO(out)).read("labels.txt").decode().split() == LABELS
    meta, md = _read(out), tflite.metadata_schema()
    assert (meta.name, meta.description, meta.author, meta.license) == (b"tiny", b"a test", None, None)
    assert meta.minParserVersion == b"1.0.0"
    tensor_in = meta.subgraphMetadata[0].inputTensorMetadata[0]
    assert tensor_in.content.contentPropertiesType == md.ContentProperties.ImageProperties
    assert tensor_in.content.contentProperties.colorSpace == md.ColorSpaceType.RGB
    size = tensor_in.content.contentProperties.defaultSize
    assert (size.width, size.height) == (32, 32)
    options = tensor_in.processUnits[0].options
    expected_mean, expected_std = tflite.input_normalization(data, normalization)
    assert options.mean.tolist() == [pytest.approx(expected_mean)] and options.std.tolist() == [
        pytest.approx(expected_std)
    ]
    if kind != "float":  # the quantization is the normalization: real = scale × (q − zero_point)
        details = Classifier(tiny_models[kind]).input_details
        scale, zero = details["quantization"]
        assert expected_std == pytest.approx(1 / scale)
        assert expected_mean == pytest.approx(zero + (128 if kind == "int8" else 0))
    labels_file = meta.subgraphMetadata[0].outputTensorMetadata[0].associatedFiles[0]
    assert labels_file.name == b"labels.txt" and labels_file.type == md.AssociatedFileType.TENSOR_AXIS_LABELS


def test_the_model_still_runs_the_same_with_metadata(tiny_models, photo_like, tmp_path):
    path = tflite.write_with_metadata(tiny_models["uint8"], LABELS, tmp_path / "tiny_meta.tflite", name="tiny")
    before, after = Classifier(tiny_models["uint8"], LABELS), Classifier(path, LABELS)
    np.testing.assert_array_equal(before.predict(photo_like), after.predict(photo_like))
    again = tflite.add_metadata(path.read_bytes(), ["a", "b", "c"], name="again")  # replaces, not adds
    assert _read(again).name == b"again"
    assert zipfile.ZipFile(io.BytesIO(again)).read("labels.txt").decode().split() == ["a", "b", "c"]


def test_mediapipe_classifies_with_the_metadata(tiny_models, photo_like, tmp_path):
    import mediapipe as mp
    from mediapipe.tasks import python as mp_tasks
    from mediapipe.tasks.python import vision

    path = tflite.write_with_metadata(tiny_models["uint8"], LABELS, tmp_path / "tiny_meta.tflite", name="tiny")
    pixels = transfer.load_pixels([photo_like], size=(32, 32), progress=False)[0]
    options = vision.ImageClassifierOptions(
        base_options=mp_tasks.BaseOptions(model_asset_path=str(path)), max_results=3
    )
    with vision.ImageClassifier.create_from_options(options) as classifier:
        result = classifier.classify(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(pixels)))
    scores = {c.category_name: c.score for c in result.classifications[0].categories}
    ours = Classifier(path, LABELS).run(pixels[np.newaxis])
    assert set(scores) == set(LABELS)
    np.testing.assert_allclose([scores[label] for label in LABELS], ours, atol=1 / 256 + 1e-6)


def test_metadata_errors_name_the_fix(tiny_models, tmp_path):
    data = tiny_models["uint8"].read_bytes()
    with pytest.raises(LabelError, match="2 labels for a model with 3 outputs; give exactly one label per output"):
        tflite.add_metadata(data, ["a", "b"], name="x")
    with pytest.raises(LabelError, match="same label"):
        tflite.add_metadata(data, ["a", "b", "a"], name="x")
    with pytest.raises(LabelError, match="single-line"):
        tflite.add_metadata(data, ["a", "b\nc", "d"], name="x")
    with pytest.raises(ModelError, match=r"Give normalization=\(mean, std\)"):
        tflite.add_metadata(tiny_models["float"].read_bytes(), LABELS, name="x")
    with pytest.raises(ModelError, match="contradicts it"):
        tflite.add_metadata(data, LABELS, name="x", normalization=(0.0, 1.0))
    with pytest.raises(ModelError, match=r"normalization \(mean, std\): the std must be a number > 0"):
        tflite.add_metadata(tiny_models["float"].read_bytes(), LABELS, name="x", normalization=(0.0, 0.0))
    with pytest.raises(ModelError, match=r"takes \(1, H, W, 3\)"):
        tflite.add_metadata(tiny_models["not_image"].read_bytes(), LABELS, name="x")
    with pytest.raises(ModelError, match="not a TensorFlow Lite model"):
        tflite.add_metadata(b"<html></html>", LABELS, name="x")
    with pytest.raises(ModelError, match="No model file"):
        tflite.write_with_metadata(tmp_path / "missing.tflite", LABELS, tmp_path / "out.tflite", name="x")


def test_metadata_writer_does_not_import_tensorflow(tiny_models):
    import subprocess
    import sys

    code = (
        "import sys\nfrom helpers import tflite\n"
        f"tflite.add_metadata(open({str(tiny_models['uint8'])!r}, 'rb').read(), ['a','b','c'], name='x')\n"
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@pytest.mark.parametrize("kind", ["float", "uint8"])
@pytest.mark.parametrize("normalization", [(1.0, 2.0, 3.0), "127.5", (127.5, None), (127.5, 0.0)])
def test_a_normalization_that_is_not_two_numbers_is_refused_for_any_input(tiny_models, kind, normalization):
    data = tiny_models[kind].read_bytes()
    with pytest.raises(ModelError, match=r"normalization.*(\(mean, std\)|tuple\[float, float\])"):
        tflite.input_normalization(data, normalization)
