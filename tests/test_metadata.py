"""helpers.tflite reading TFLite metadata and embedded files, on tiny models with metadata the tests write."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest

from helpers import MetadataError, ModelError, assets
from helpers.tflite import TFLiteFile, read_metadata


def embedded_files(path):
    return list(read_metadata(path).files)


def labels_from_metadata(path):
    return read_metadata(path, "labels").labels()


def has_metadata(path):
    return TFLiteFile(path).metadata() is not None


def test_a_model_with_metadata_is_also_a_zip(metadata_models):
    path = metadata_models["float"]
    assert zipfile.ZipFile(path).namelist() == ["labels.txt"] == embedded_files(path)
    assert zipfile.ZipFile(path).read("labels.txt") == b"cat\ndog\nbird\n"
    assert path.read_bytes()[4:8] == b"TFL3"  # and still a flatbuffer


def test_reads_labels_normalization_and_description(metadata_models):
    meta = read_metadata(metadata_models["float"])
    assert meta.name == "test model" and meta.version == "v1"
    assert meta.labels() == ["cat", "dog", "bird"] == labels_from_metadata(metadata_models["float"])
    assert (
        meta.normalization()
        == ((0.0,), (255.0,))
        == read_metadata(metadata_models["float"], "normalization").normalization()
    )
    assert meta.inputs[0].content == "image"
    assert meta.outputs[0].label_file.kind == "TENSOR_AXIS_LABELS"
    summary = meta.summary()
    assert summary["embedded files"] == ["labels.txt"]
    assert "mean 0, std 255" in summary["input 0 'image'"]


def test_model_without_metadata(tiny_models):
    path = tiny_models["float"]
    assert not has_metadata(path) and TFLiteFile(path).metadata() is None
    with pytest.raises(MetadataError, match=r"no TFLite metadata.*its labels.*labels=helpers.assets.read_labels"):
        labels_from_metadata(path)
    with pytest.raises(MetadataError, match=r"no TFLite metadata.*NormalizationOptions.*mean=127.5, std=127.5"):
        read_metadata(path, "normalization")
    with pytest.raises(MetadataError, match="labels.*normalization"):
        read_metadata(path)


def test_metadata_missing_a_field_names_it(metadata_models):
    with pytest.raises(MetadataError, match="no labels file .*TENSOR_AXIS_LABELS.*output 'probability'.*labels="):
        read_metadata(metadata_models["no_labels"]).labels()
    with pytest.raises(MetadataError, match="no NormalizationOptions .* input 'image'.*mean=127.5"):
        read_metadata(metadata_models["no_normalization"]).normalization()
    with pytest.raises(MetadataError, match="its embedded file 'labels.txt' cannot be read .*BadZipFile"):
        read_metadata(metadata_models["missing_zip"]).labels()


def test_not_a_model_and_damaged_metadata(tmp_path, metadata_models):
    text = tmp_path / "labels.tflite"
    text.write_text("cat\ndog\n")
    with pytest.raises(ModelError, match="not a TensorFlow Lite model"):
        read_metadata(text)
    with pytest.raises(ModelError, match="No model file"):
        read_metadata(tmp_path / "missing.tflite")
    data = bytearray(metadata_models["float"].read_bytes())
    at = data.find(b"M001")
    assert at > 0
    data[at : at + 4] = b"XXXX"
    damaged = tmp_path / "damaged.tflite"
    damaged.write_bytes(bytes(data))
    with pytest.raises(MetadataError, match="'damaged.tflite' is damaged or truncated: its metadata .*M001"):
        read_metadata(damaged)


def test_reading_metadata_imports_neither_tensorflow_nor_mediapipe(metadata_models):
    code = (
        f"import sys; from helpers.tflite import read_metadata; "
        f"assert read_metadata(r'{metadata_models['float']}').labels() == ['cat', 'dog', 'bird']; "
        f"print(sorted(m for m in ('tensorflow', 'mediapipe', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.assets
def test_the_mirrored_models_metadata():
    v1 = read_metadata(assets.fetch("models/mobilenet_v1_0.25_224_metadata.tflite"))
    assert v1.normalization() == ((127.5,), (127.5,))
    labels = v1.labels()
    # The same 1,001 classes as labels/imagenet_labels.txt, named by their first synonym only.
    assert [full.split(",")[0] for full in assets.read_labels("labels/imagenet_labels.txt")] == labels
    ssd = read_metadata(assets.fetch("models/ssd_mobilenet_v1_coco_quant.tflite"))
    assert [t.name for t in ssd.outputs] == ["locations", "classes", "scores", "number of detections"]
    assert ssd.outputs[0].box_order == (1, 0, 3, 2) and ssd.outputs[0].box_coordinates == "RATIO"
    assert ssd.labels()[:2] == ["person", "bicycle"] and ssd.files == ("labelmap.txt",)
    deeplab = read_metadata(assets.fetch("models/deeplabv3_257.tflite"))
    assert len(deeplab.labels()) == 21 and deeplab.labels()[0] == "background"
    flowers = read_metadata(assets.fetch("models/automl_flowers_quant.tflite"))
    assert flowers.labels() == ["daisy", "dandelion", "roses", "sunflowers", "tulips"]


def _with_labels_text(attach_metadata, model_path, tmp_path, text: bytes):
    """The tiny model with metadata naming labels.txt, whose embedded labels.txt holds exactly ``text``."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("labels.txt", text)
    data = attach_metadata(model_path.read_bytes(), labels=["x"], zip_labels=False) + archive.getvalue()
    path = tmp_path / "labelled.tflite"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"\xef\xbb\xbfcat\r\ndog\r\nbird\r\n", ["cat", "dog", "bird"]),  # BOM and CRLF
        (b"cat\rdog\rbird", ["cat", "dog", "bird"]),  # old Mac line ends
        (b"cat\n\nbird\n\n\n", ["cat", "", "bird"]),  # a blank inside stays: no label moves
        (b"\ncat\ndog\n", ["", "cat", "dog"]),
        ("cat\u2028x\ndog\nbird\n".encode(), ["cat\u2028x", "dog", "bird"]),  # only LF, CRLF and CR split
    ],
)
def test_embedded_labels_are_cleaned_like_a_label_file(attach_metadata, tiny_models, tmp_path, text, expected):
    from helpers.classify import read_labels

    path = _with_labels_text(attach_metadata, tiny_models["float"], tmp_path, text)
    assert labels_from_metadata(path) == expected
    (tmp_path / "labels.txt").write_bytes(text)
    assert read_labels(tmp_path / "labels.txt") == expected  # one normalisation for both sources


def test_a_blank_embedded_label_keeps_every_output_its_name(attach_metadata, tiny_models, tmp_path):
    from helpers.classify import Classifier

    path = _with_labels_text(attach_metadata, tiny_models["float"], tmp_path, b"cat\n\nbird\n")
    assert Classifier(path).labels == ["cat", "", "bird"]


def test_embedded_labels_that_are_not_utf8_are_refused(attach_metadata, tiny_models, tmp_path):
    path = _with_labels_text(attach_metadata, tiny_models["float"], tmp_path, b"caf\xe9\ndog\nbird\n")
    with pytest.raises(MetadataError, match="labels file 'labels.txt' \\(UTF-8 text in the zip part\\) cannot be read"):
        labels_from_metadata(path)


@pytest.mark.parametrize("function", [read_metadata, has_metadata, labels_from_metadata])
def test_a_truncated_model_says_so(metadata_models, tmp_path, function):
    cut = tmp_path / "cut.tflite"
    data = metadata_models["float"].read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(MetadataError, match="damaged or truncated.*Fetch or convert it again"):
        function(cut)


def test_read_metadata_names_what_it_can_be_asked_for(metadata_models):
    with pytest.raises(
        MetadataError, match="read_metadata cannot use its arguments.*'label'.*Literal\\[labels, normalization\\]"
    ):
        read_metadata(metadata_models["float"], "label")


def test_a_damaged_zip_part_is_a_metadata_error_wherever_it_is_read(metadata_models, tmp_path):
    data = bytearray(metadata_models["float"].read_bytes())
    end = data.rfind(b"PK\x05\x06")  # the zip part's end-of-central-directory record
    directory = data.rfind(b"PK\x01\x02")  # its central directory, which the end record points to
    assert end > 0 and directory > 0
    data[directory : directory + 4] = b"XXXX"
    damaged = tmp_path / "damaged.tflite"
    damaged.write_bytes(bytes(data))
    for read in (embedded_files, labels_from_metadata):
        with pytest.raises(MetadataError, match="'damaged.tflite' is damaged or truncated: its embedded files"):
            read(damaged)
