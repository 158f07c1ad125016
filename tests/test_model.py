"""helpers.model, the LiteRT base of every model wrapper: inputs it refuses, normalization, threads, clones."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import LabelError, ModelError, OptionError, TransferError
from helpers import model as model_module
from helpers.classify import Classifier
from helpers.model import (
    MAX_THREADS,
    LiteRTModel,
    available_cpus,
    dequantize,
    load_interpreter,
)
from helpers.transfer import FeatureExtractor

LABELS = ["rabbit", "hamster", "dog"]


@pytest.fixture(scope="module")
def odd_models(tmp_path_factory, to_tflite) -> dict:
    """Models a classifier must refuse or handle: features, logits, dynamic size, batch 2, a [0, 1] uint8 input."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(1)
    conv = keras.layers.Conv2D(4, 3, activation="relu")
    features = keras.Sequential([keras.Input((16, 16, 3)), conv, keras.layers.GlobalAveragePooling2D()])
    logits = keras.Sequential(
        [keras.Input((16, 16, 3)), conv, keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(3)]
    )
    dynamic = keras.Sequential(
        [
            keras.Input((None, None, 3)),
            keras.layers.Conv2D(3, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Softmax(),
        ]
    )
    batch_two = keras.Sequential(
        [keras.Input((16, 16, 3), batch_size=2), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
    )
    unit = keras.Sequential(
        [keras.Input((16, 16, 3)), keras.layers.Flatten(), keras.layers.Dense(3, activation="softmax")]
    )  # trained on [0, 1] pixels
    relu_dense = keras.Sequential(  # a dense layer with a fused RELU: clipped features, not logits
        [keras.Input((16, 16, 3)), keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(8, activation="relu")]
    )
    pixels_in = keras.Input((16, 16, 3))
    per_position = keras.layers.Softmax()(keras.layers.Conv2D(3, 1)(keras.layers.AveragePooling2D(4)(pixels_in)))
    spatial_softmax = keras.Model(pixels_in, keras.layers.Reshape((48,))(per_position))  # 16 softmaxes of 3
    rng = np.random.default_rng(0)

    def unit_range():
        for _ in range(20):
            yield [rng.uniform(0, 1, (1, 16, 16, 3)).astype(np.float32)]

    folder = tmp_path_factory.mktemp("odd")
    out = {"unit_keras": unit}
    for name, data in {
        "features": to_tflite(features),
        "logits": to_tflite(logits),
        "dynamic": to_tflite(dynamic),
        "batch_two": to_tflite(batch_two),
        "unit_uint8": to_tflite(unit, unit_range, tf.uint8),
        "relu_dense": to_tflite(relu_dense),
        "spatial_softmax": to_tflite(spatial_softmax),
    }.items():
        out[name] = folder / f"{name}.tflite"
        out[name].write_bytes(data)
    return out


def test_a_feature_extractor_is_not_a_classifier(odd_models):
    with pytest.raises(ModelError, match="looks like a feature extractor.*helpers.transfer.FeatureExtractor"):
        Classifier(odd_models["features"])
    assert FeatureExtractor(odd_models["features"]).dim == 4  # where it belongs


@pytest.mark.assets
def test_the_embedding_extractor_is_refused_as_a_classifier():
    from helpers import assets

    path = assets.fetch("models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite")
    with pytest.raises(ModelError, match="1024 outputs are pooled image features.*FeatureExtractor"):
        Classifier(path)


def test_logits_are_accepted_and_said_so(odd_models, photo_like):
    classifier = Classifier(odd_models["logits"], LABELS)
    assert classifier.output_kind == "logits" and "logits → softmax" in repr(classifier)
    probs = classifier.predict(photo_like)
    assert probs.min() >= 0 and probs.sum() == pytest.approx(1, abs=1e-5)


@pytest.mark.parametrize("kind", ["float", "uint8", "int8"])
def test_softmax_models_give_probabilities(tiny_models, kind):
    assert Classifier(tiny_models[kind]).output_kind == "probabilities"


def test_dynamic_and_batched_inputs_are_refused(odd_models):
    with pytest.raises(ModelError, match=r"dynamic input shape \(-1, -1, -1, 3\).*fixed input"):
        Classifier(odd_models["dynamic"])
    with pytest.raises(ModelError, match=r"batches of 2 images.*batch size 1"):
        Classifier(odd_models["batch_two"])
    with pytest.raises(TransferError, match="batches of 2"):
        FeatureExtractor(odd_models["batch_two"])  # the same checks under every wrapper, with its own error


def test_a_uint8_input_that_wants_0_to_1_gets_it(odd_models, photo_like):
    classifier = Classifier(odd_models["unit_uint8"], LABELS)
    scale, zero_point = classifier.input_details["quantization"]
    assert scale == pytest.approx(1 / 255, rel=0.02) and zero_point == 0
    pixels = photo_like[:16, :16]
    np.testing.assert_array_equal(classifier.prepare(pixels)[0], pixels)  # real = q / 255: all of [0, 1], no clipping
    expected = np.asarray(odd_models["unit_keras"](pixels[None].astype(np.float32) / 255))[0]
    np.testing.assert_allclose(classifier.predict(pixels), expected, atol=0.03)
    with pytest.raises(OptionError, match=r"pixels would be clipped"):
        Classifier(odd_models["unit_uint8"], LABELS, mean=127.5, std=127.5)  # [-1, 1] does not fit [0, 1]


def test_normalization_rule(tiny_models):
    default = Classifier(tiny_models["float"])  # a float32 input without metadata
    assert (default.mean, default.std, default.normalization_source) == (
        127.5,
        127.5,
        "default (MobileNet: 127.5, 127.5)",
    )
    assert (Classifier(tiny_models["uint8"]).mean, Classifier(tiny_models["uint8"]).std) == (
        None,
        None,
    )  # bytes as they are
    assert Classifier(tiny_models["float"], mean=0, std=255).normalization_source == "given"
    with pytest.raises(OptionError, match="both mean and std"):
        Classifier(tiny_models["float"], mean=0)


@pytest.mark.parametrize("bad", [-5, 0, 2.5, True, "2"])
def test_num_threads_must_be_a_positive_whole_number(tiny_models, bad):
    with pytest.raises(OptionError, match="num_threads must be a whole number ≥ 1"):
        Classifier(tiny_models["float"], num_threads=bad)
    with pytest.raises(OptionError, match="num_threads"):
        load_interpreter(tiny_models["float"], bad)


def test_threads_come_from_the_cpus_this_process_may_use(monkeypatch, tmp_path, tiny_models):
    quota = tmp_path / "cpu.max"
    v1_quota, v1_period = tmp_path / "cpu.cfs_quota_us", tmp_path / "cpu.cfs_period_us"
    # no file: the affinity mask alone (nor a cgroup v1 one)
    monkeypatch.setattr(model_module, "CPU_QUOTA_FILES", ((quota,), (v1_quota, v1_period)))
    mask = available_cpus()
    assert 1 <= mask <= (__import__("os").cpu_count() or 1) and LiteRTModel(tiny_models["float"]).num_threads == mask
    quota.write_text("50000 100000\n")  # half a CPU: one thread
    assert available_cpus() == 1
    quota.write_text("max 100000\n")
    assert available_cpus() == mask
    quota.write_text("garbage")
    assert available_cpus() == mask
    monkeypatch.setattr(model_module.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    quota.write_text("250000 100000\n")  # 2.5 CPUs of 4 allowed
    assert available_cpus() == 3
    quota.unlink()  # cgroup v1 instead: quota and period in two files
    v1_quota.write_text("150000\n")
    v1_period.write_text("100000\n")
    assert available_cpus() == 2  # 1.5 CPUs
    v1_quota.write_text("-1\n")  # no quota
    assert available_cpus() == 4


def test_clone_is_a_single_threaded_twin(tiny_models, photo_like):
    classifier = Classifier(tiny_models["uint8"], LABELS, num_threads=2, crop=0.875)
    twin = classifier.clone()
    assert twin.interpreter is not classifier.interpreter and twin.num_threads == 1
    assert (twin.labels, twin.crop, twin.class_offset) == (classifier.labels, classifier.crop, classifier.class_offset)
    np.testing.assert_array_equal(twin.predict(photo_like), classifier.predict(photo_like))


def test_the_base_runs_any_image_model(tiny_models, photo_like):
    model = LiteRTModel(tiny_models["int8"])
    (out,) = model.invoke(model.preprocess(photo_like))
    assert out.shape == (1, 3) and out.dtype == np.float32
    with pytest.raises(ModelError, match=r"Expected uint8 pixels of shape \(32, 32, 3\)"):
        model.prepare(photo_like)
    with pytest.raises(ModelError, match="model_path must be a file path"):
        LiteRTModel(123)


def test_labels_of_the_wrong_length_name_both_counts(tiny_models):
    with pytest.raises(LabelError, match="has 2 labels for 3 outputs"):
        Classifier(tiny_models["float"], ["a", "b"])
    with pytest.raises(LabelError, match="has 4 labels but the model has 3 outputs"):
        Classifier(tiny_models["float"], ["a", "b", "c", "d"])


# ------------------------------------------------------------------ hostile input (issue 10)


def test_a_dense_layer_with_a_fused_relu_is_features_not_logits(odd_models):
    with pytest.raises(ModelError, match=r"feature extractor.*fused RELU.*helpers.transfer.FeatureExtractor"):
        Classifier(odd_models["relu_dense"])
    assert FeatureExtractor(odd_models["relu_dense"]).dim == 8


def test_a_softmax_over_part_of_the_output_is_not_a_classifier(odd_models):
    with pytest.raises(ModelError, match=r"16 separate distributions of 3 values.*FeatureExtractor"):
        Classifier(odd_models["spatial_softmax"])


def test_load_interpreter_refuses_a_dynamic_input_as_every_wrapper_does(odd_models):
    with pytest.raises(ModelError, match=r"dynamic input shape \(-1, -1, -1, 3\).*fixed input"):
        load_interpreter(odd_models["dynamic"])
    with pytest.raises(TransferError, match="dynamic input shape"):
        FeatureExtractor(odd_models["dynamic"])  # the same check, with the wrapper's own error


@pytest.mark.parametrize("bad", [MAX_THREADS + 1, 10**5, np.int64(1000)])
def test_num_threads_has_an_upper_bound(tiny_models, bad):
    with pytest.raises(OptionError, match=f"at most {MAX_THREADS}.*crashes"):
        Classifier(tiny_models["float"], num_threads=bad)
    with pytest.raises(OptionError, match="at most"):
        load_interpreter(tiny_models["float"], bad)
    assert LiteRTModel(tiny_models["float"], MAX_THREADS).num_threads == MAX_THREADS


@pytest.mark.parametrize(
    ("tensor", "got"),
    [
        (np.zeros((1, 32, 32, 3), np.uint8), r"got uint8 \(1, 32, 32, 3\)"),  # pixels for a float input
        (np.zeros((32, 32, 3), np.float32), r"got float32 \(32, 32, 3\)"),
        (np.zeros((1, 64, 64, 3), np.float32), r"got float32 \(1, 64, 64, 3\)"),
        ([[0.0]], "got list"),
    ],
)
def test_run_checks_the_tensor_against_the_input(tiny_models, tensor, got):
    classifier = Classifier(tiny_models["float"], LABELS)
    message = r"tensor must be a float32 array of shape \(1, 32, 32, 3\).*\(it takes 32×32 images\); " + got
    with pytest.raises(ModelError, match=message):
        classifier.run(tensor)
    with pytest.raises(ModelError, match="preprocess"):
        classifier.invoke(tensor)


def test_run_refuses_nan_in_a_float_tensor(tiny_models):
    with pytest.raises(ModelError, match="finite values \\(no NaN\\)"):
        Classifier(tiny_models["float"]).run(np.full((1, 32, 32, 3), np.nan, np.float32))


@pytest.mark.parametrize("pixels", [np.zeros((32, 32, 3), np.uint8), np.zeros((2, 32, 32, 3), np.float32)])
def test_run_batch_checks_its_pixels(tiny_models, pixels):
    with pytest.raises(ModelError, match=r"uint8 pixels of shape \(32, 32, 3\), a batch \(N, ...\)"):
        Classifier(tiny_models["uint8"]).run_batch(pixels, workers=1)


def test_dequantize_trusts_the_models_quantization_and_refuses_text():
    # scale and zero point come from the model's own tensor details: not checked again (NaN stays visible as NaN).
    assert np.isnan(dequantize(np.zeros(3, np.uint8), float("nan"), 0)).all()
    with pytest.raises(ModelError, match=r"dequantize cannot use its arguments \(values=str"):
        dequantize("abc", 0.1, 0)


def test_one_model_shared_by_threads_gives_each_call_its_own_answer(tiny_models):
    """A learner speeding up a loop with a thread pool must not get another photo's answer back."""
    from concurrent.futures import ThreadPoolExecutor

    model = LiteRTModel(tiny_models["float"])
    rng = np.random.default_rng(1)
    tensors = [rng.uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32) for _ in range(64)]
    expected = [model.run(t) for t in tensors]
    for _ in range(5):
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(model.run, tensors))
        for want, have in zip(expected, got):
            np.testing.assert_array_equal(want, have)


def test_predict_and_extract_from_threads_give_each_photo_its_own_answer(tiny_models, odd_models):
    """The fast path (a model-sized uint8 array, no PIL round trip) takes the same lock as run()."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(2)
    photos = [rng.integers(0, 256, (32, 32, 3), dtype=np.uint8) for _ in range(48)]
    classifier = Classifier(tiny_models["uint8"], ["a", "b", "c"])
    extractor = FeatureExtractor(odd_models["features"])
    small = [photo[:16, :16] for photo in photos]  # the extractor takes 16×16 images
    for call, images in ((classifier.predict, photos), (extractor.extract, small)):
        expected = [call(image) for image in images]
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(call, images))
        for want, have in zip(expected, got):
            np.testing.assert_array_equal(want, have)


def test_a_model_sized_array_gives_the_same_tensor_as_the_photo_path(tiny_models):
    """preprocess skips cropping and resizing only where they would copy the pixels unchanged."""
    from PIL import Image

    from helpers.images import to_input

    pixels = np.random.default_rng(3).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    for kind in ("float", "uint8", "int8"):
        model = Classifier(tiny_models[kind], ["a", "b", "c"])
        for crop in ("center", "none", 0.5):
            slow = to_input(Image.fromarray(pixels), model.input_details, crop=crop, mean=model.mean, std=model.std)
            np.testing.assert_array_equal(LiteRTModel.preprocess(model, pixels, crop), slow)


def _with_scale(source, tmp_path, end: str, scale: float):
    """``source`` rewritten by the package's own writer with a quantization scale on its input or output."""
    from helpers.tflite import TFLiteFile, pack

    model = TFLiteFile(source).model_object()
    graph = model.subgraphs[0]
    graph.tensors[(graph.inputs if end == "input" else graph.outputs)[0]].quantization.scale = [scale]
    path = tmp_path / f"scale_{end}_{scale}.tflite"
    path.write_bytes(pack(model))
    return path


@pytest.mark.parametrize(
    ("kind", "end", "scale"),
    [
        ("int8", "output", 0.0),
        ("uint8", "output", np.nan),
        ("uint8", "output", -0.5),
        ("int8", "input", 0.0),
        ("uint8", "input", np.inf),
    ],
)
def test_a_quantization_scale_that_is_zero_or_not_finite_is_refused_before_litert_reads_it(
    tiny_models, tmp_path, kind, end, scale
):
    from helpers.tflite import TFLiteFile

    path = _with_scale(tiny_models[kind], tmp_path, end, scale)
    with pytest.raises(ModelError, match=f"quantized {end} tensor .* whose scale is .*re-export or re-quantize"):
        TFLiteFile(path).check_quantization()  # reads the file only: LiteRT never sees it here


def test_loading_a_model_with_a_zero_scale_is_refused_and_the_process_survives(tiny_models, tmp_path):
    import subprocess
    import sys

    path = _with_scale(tiny_models["int8"], tmp_path, "output", 0.0)
    # In a child process: LiteRT without the check would crash the whole process (SIGSEGV) on this file.
    code = (
        "import sys\nfrom helpers import ModelError, bench\nfrom helpers.classify import Classifier\n"
        "from helpers.model import load_interpreter\n"
        "for load in (Classifier, load_interpreter, bench.measure_latency):\n"
        "    try:\n        load(sys.argv[1])\n    except ModelError as error:\n        print(error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    refusals = done.stdout.strip().splitlines()
    assert len(refusals) == 3 and all("whose scale is [0.0]" in line and "re-quantize" in line for line in refusals)
    assert Classifier(tiny_models["int8"]).interpreter is not None  # the unchanged model still loads
