"""helpers.tflite: one reader for .tflite files; tensors found through the graph (TF 2.20's names); exports as a pair."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import numpy as np
import pytest

from helpers import assets, quantize, system, tflite, transfer
from helpers.errors import LabelError, MetadataError, ModelError, QuantizationError

# --------------------------------------------------------------------------- the real MobileNet from its .h5 weights


@pytest.fixture(scope="module")
def mobilenet(tmp_path_factory):
    """MobileNet v1 0.25 with the pretrained Keras weights (the .h5 of notebook 05), converted to float32 and int8."""
    import keras

    weights = assets.fetch("models/mobilenet_v1_0.25_224_keras.h5")
    model = keras.applications.MobileNet(input_shape=(224, 224, 3), alpha=0.25, weights=None)
    model.load_weights(weights)
    samples = np.random.default_rng(0).uniform(-1, 1, (4, 224, 224, 3)).astype(np.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CLASSROOM_CACHE_DIR", str(tmp_path_factory.mktemp("converted")))
        paths = {
            "float32": quantize.export(model),
            "int8": quantize.convert(model, "static_wi8_ai8", samples, input_range=(-1, 1)),
        }
    return model, paths


def test_pretrained_weights_are_found_by_their_layer_name(mobilenet):
    model, paths = mobilenet
    kernel, bias = model.get_layer("conv_preds").get_weights()  # (1, 1, 256, 1000), (1000,)
    stored = tflite.TFLiteFile(paths["float32"]).constant("conv_preds_1/convolution")
    np.testing.assert_array_equal(stored, kernel.transpose(3, 0, 1, 2))  # TFLite stores (out, h, w, in)
    tensors = tflite.TFLiteFile(paths["float32"]).tensors()
    np.testing.assert_array_equal(
        tflite.TFLiteFile(paths["float32"]).constant(tflite.find_tensor(tensors, "conv_preds_1/convolution", "bias")),
        bias,
    )
    int8 = tflite.TFLiteFile(paths["int8"]).tensors()
    conv1 = tflite.find_tensor(int8, "conv1_1/convolution", "weights")
    assert conv1.shape == (8, 3, 3, 3) and conv1.dtype == "int8" and len(conv1.scales) > 1
    assert "conv1_1/convolution" in conv1.layer
    pw13 = tflite.find_tensor(int8, "conv_pw_13_1/convolution", "weights")
    assert pw13.shape == (256, 1, 1, 256)
    assert tflite.TFLiteFile(paths["int8"]).constant(pw13).dtype == np.int8
    assert tflite.find_tensor(int8, "conv1_relu_1/Relu6", "bias").shape == (8,)
    assert tflite.find_tensor(int8, "conv1_relu_1/Relu6", "activation").shape == (1, 112, 112, 8)


def _renamed_constants(path, folder):
    """The model at ``path`` with every weight and bias renamed as TensorFlow ≤ 2.20 does: arith.constant<i>."""
    file = tflite.TFLiteFile(path)
    model = file.model_object()
    for info in file.tensors():
        if info.role in ("weights", "bias"):
            model.subgraphs[0].tensors[info.index].name = f"arith.constant{info.index}".encode()
    out = folder / f"renamed_{path.name}"
    out.write_bytes(tflite.pack(model))
    return out


def test_lookups_do_not_depend_on_the_constants_own_names(mobilenet, tmp_path):
    """Notebook 05's lookups on TF 2.20's names (issue 11): the same tensors, found through their operators."""
    _, paths = mobilenet
    lookups = [
        ("conv_preds_1/convolution", None),
        ("conv1_1/convolution", "weights"),
        ("conv_pw_13_1/convolution", "weights"),
        ("conv1_relu_1/Relu6", "bias"),
    ]
    for mode, path in paths.items():
        renamed = _renamed_constants(path, tmp_path)
        before, after = tflite.TFLiteFile(path).tensors(), tflite.TFLiteFile(renamed).tensors()
        assert not any("conv" in t.name for t in after if t.role == "weights")
        for text, role in lookups:
            constants = [t for t in before if t.constant], [t for t in after if t.constant]
            found = [tflite.find_tensor(infos, text, role) for infos in constants]
            assert found[0].index == found[1].index, (mode, text)
            np.testing.assert_array_equal(
                tflite.TFLiteFile(path).constant(found[0]), tflite.TFLiteFile(renamed).constant(found[1])
            )
        assert after[found[1].index].summary()["name"].startswith("conv1_relu_1/Relu6")  # the layer, not arith…


# --------------------------------------------------------------------------- the reader on small files


def test_find_tensor_prefers_names_then_layers_and_weights_before_bias():
    def info(index, name, role, layer=""):
        return tflite.TensorInfo(index, name, (1,), "float32", (), (), 4, role, layer)

    tensors = [
        info(0, "arith.constant1", "bias", "m/dense/BiasAdd;m/dense/MatMul"),
        info(1, "arith.constant2", "weights", "m/dense/BiasAdd;m/dense/MatMul"),
        info(2, "m/dense/MatMul", "constant"),
    ]
    assert tflite.find_tensor(tensors, "m/dense/MatMul").index == 2  # an exact own name wins
    assert tflite.find_tensor(tensors[:2], "dense/MatMul").index == 1  # through the layer: weights first
    assert tflite.find_tensor(tensors, "dense/BiasAdd", "bias").index == 0
    copy = tflite.TensorInfo(3, "m/dense/MatMul;m/out_dequant", (1,), "float32", (), (), 0, "activation")
    quantized = tflite.TensorInfo(4, "m/dense/MatMul;m/out", (1,), "int8", (0.5,), (0,), 0, "activation")
    assert tflite.find_tensor([copy, quantized], "dense/MatMul") == quantized  # not its dequantized copy
    with pytest.raises(QuantizationError, match=r"2 tensors of role bias match 'dense'.*give more of the name"):
        tflite.find_tensor([tensors[0], replace(tensors[0], index=5)], "dense", "bias")  # never the first guessed
    with pytest.raises(QuantizationError, match="No weights tensor name contains 'nothing'"):
        tflite.find_tensor(tensors, "nothing", "weights")
    with pytest.raises(QuantizationError, match="No tensor name contains 3.*non-empty str"):
        tflite.find_tensor(tensors, 3)
    with pytest.raises(QuantizationError, match="No tensor name contains ''"):  # "" is in every name: refused
        tflite.find_tensor(tensors, "")


def test_the_file_is_read_once_and_checked(tiny_models, metadata_models, tmp_path):
    file = tflite.TFLiteFile(tiny_models["uint8"])
    assert file.tensors() is file.tensors() and file.model is file.model  # parsed once, then shared
    assert file.model_object() is not file.model  # writers get their own copy
    assert file.operator_counts() == tflite.TFLiteFile(tiny_models["uint8"]).operator_counts()
    assert sum(file.stored_bytes().values()) == sum(t.nbytes for t in file.tensors())
    assert file.metadata() is None
    with_meta = tflite.TFLiteFile(metadata_models["float"])
    assert with_meta.metadata().name == "test model" and with_meta.metadata().labels() == ["cat", "dog", "bird"]
    meta = with_meta.metadata()
    assert meta.files == ("labels.txt",)
    elsewhere = replace(meta.outputs[0], files=(tflite.AssociatedFile("x.txt", "TENSOR_AXIS_LABELS"),))
    with pytest.raises(MetadataError, match="damaged or truncated: its embedded file 'x.txt'.*no item named 'x.txt'"):
        replace(meta, outputs=(elsewhere,)).labels()  # a labels file the zip part lacks
    with pytest.raises(ModelError, match="No model file"):
        tflite.TFLiteFile(tmp_path / "missing.tflite")
    with pytest.raises(ModelError, match="These bytes are not a TensorFlow Lite model"):
        tflite.TFLiteFile(b"<html>not a model</html>")
    with pytest.raises(ModelError, match="No model file at '42': give a .tflite file's path or its bytes"):
        tflite.TFLiteFile(42)
    damaged = tmp_path / "damaged.tflite"
    damaged.write_bytes(tiny_models["float"].read_bytes()[:8] + b"\xff" * 64)
    with pytest.raises(ModelError, match="damaged"):
        tflite.TFLiteFile(damaged).tensors()
    with pytest.raises(QuantizationError, match="constant cannot use its arguments.*tensor=float"):
        file.constant(1.5)
    assert not hasattr(quantize, "inspect_tensors") and not hasattr(quantize, "TensorInfo")  # one way: TFLiteFile


def test_pack_round_trips(tiny_models):
    data = tiny_models["int8"].read_bytes()
    again = tflite.pack(tflite.TFLiteFile(data).model_object())
    assert [t.summary() for t in tflite.TFLiteFile(again).tensors()] == [
        t.summary() for t in tflite.TFLiteFile(data).tensors()
    ]


# --------------------------------------------------------------------------- exports: labels and the pair


@pytest.mark.parametrize("label", ["a\rb", "a\u2028b", "a\x85b", "a\x1cb", "a\u2029b", "a\x0bb", " padded", "", "a\nb"])
def test_labels_that_would_not_read_back_are_refused(tiny_models, tmp_path, label):
    assert len(f"x\n{label}\ny".splitlines()) != 3 or label != label.strip() or not label
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    with pytest.raises(LabelError, match="single-line names"):
        transfer.export_classifier(tiny_models["uint8"], head, ["x", label, "y"], tmp_path)
    with pytest.raises(LabelError, match="single-line names"):
        tflite.add_metadata(tiny_models["uint8"].read_bytes(), ["x", label, "y"], name="m")
    assert not list(tmp_path.iterdir())


def test_labels_of_the_wrong_type_are_refused(tiny_models, tmp_path):
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    with pytest.raises(LabelError, match="read_labels"):
        transfer.export_classifier(tiny_models["uint8"], head, "labels.txt", tmp_path)
    with pytest.raises(LabelError, match=r"strings only; got 1 \(int\)"):
        transfer.export_classifier(tiny_models["uint8"], head, ["a", 1, "c"], tmp_path)
    with pytest.raises(transfer.TransferError, match="SoftmaxHead"):
        transfer.export_classifier(tiny_models["uint8"], "head", ["a", "b", "c"], tmp_path)


def _pair(exported):
    return exported.model_path.read_bytes(), exported.labels_path.read_bytes()


@pytest.mark.parametrize("failing", ["write labels", "write model", "replace labels", "replace model"])
def test_a_failed_export_leaves_the_old_pair(tiny_models, tmp_path, monkeypatch, failing):
    features, ids = np.eye(3, dtype=np.float32), np.array([0, 1, 2])
    old = transfer.export_classifier(
        tiny_models["uint8"], transfer.train_head(features, ids, steps=1), ["a", "b", "c"], tmp_path
    )
    before = _pair(old)
    action, which = failing.split()
    target = old.labels_path if which == "labels" else old.model_path
    real_write, real_replace = system._write_temporary, system.os.replace

    def write(path, data, suffix=".part"):
        if action == "write" and path == target:
            raise OSError(28, "No space left on device")
        return real_write(path, data, suffix)

    def replace(source, destination):
        if action == "replace" and destination == target:
            raise OSError(28, "No space left on device")
        return real_replace(source, destination)

    monkeypatch.setattr(system, "_write_temporary", write)
    monkeypatch.setattr(system.os, "replace", replace)
    new_head = transfer.train_head(features, ids, steps=30, learning_rate=1.0)
    with pytest.raises(transfer.TransferError, match="No space left on device.*nothing was changed"):
        transfer.export_classifier(tiny_models["uint8"], new_head, ["x", "y", "z"], tmp_path)
    assert _pair(old) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classifier.tflite", "classifier_labels.txt"]  # no leftovers
    monkeypatch.undo()
    new = transfer.export_classifier(tiny_models["uint8"], new_head, ["x", "y", "z"], tmp_path)
    assert new.labels == ["x", "y", "z"] and _pair(new) != before
    assert zipfile.ZipFile(io.BytesIO(new.model_path.read_bytes())).read("labels.txt") == b"x\ny\nz\n"


def test_a_failed_first_export_leaves_nothing(tiny_models, tmp_path, monkeypatch):
    real_replace = system.os.replace
    calls = []

    def replace(source, destination):
        calls.append(destination)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return real_replace(source, destination)

    monkeypatch.setattr(system.os, "replace", replace)
    head = transfer.train_head(np.eye(3, dtype=np.float32), np.array([0, 1, 2]), steps=1)
    with pytest.raises(transfer.TransferError, match="Input/output error"):
        transfer.export_classifier(tiny_models["uint8"], head, ["a", "b", "c"], tmp_path)
    assert list(tmp_path.iterdir()) == []
