"""Shared fixtures: tiny TFLite models and generated images made by the tests themselves.

No mirror and no network are needed for the unit tests.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _convert(model, representative=None, io_type=None) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if representative is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = io_type
        converter.inference_output_type = io_type
    with contextlib.redirect_stdout(io.StringIO()):
        return converter.convert()


@pytest.fixture(scope="session")
def to_tflite():
    """The converter the fixtures use: a Keras model → .tflite bytes (full-integer with a representative set)."""
    return _convert


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    """A 32×32 RGB → 3-class softmax model as float32, uint8 and int8 TFLite, plus a non-image model."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(4, 3, activation="relu"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(20):
            yield [rng.uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)]

    folder = tmp_path_factory.mktemp("models")
    paths = {
        "float": _convert(model),
        "uint8": _convert(model, representative, tf.uint8),
        "int8": _convert(model, representative, tf.int8),
    }
    dense = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3, activation="softmax")])
    paths["not_image"] = _convert(dense)
    out = {}
    for name, data in paths.items():
        out[name] = folder / f"tiny_{name}.tflite"
        out[name].write_bytes(data)
    out["keras"] = model
    return out


@pytest.fixture
def photo_like() -> np.ndarray:
    """A smooth 48×64 RGB gradient image as a uint8 array."""
    y, x = np.mgrid[0:48, 0:64]
    return np.stack([x * 4, y * 5, (x + y) * 2], axis=-1).clip(0, 255).astype(np.uint8)


# ------------------------------------------------------------------ assets: a fake registry and a local server


def make_asset(name: str, data: bytes, url: str = "http://127.0.0.1:9/none"):
    """A registry entry for ``data`` (sha256 and size computed), served from ``url``."""
    import hashlib

    from helpers.assets import Asset

    return Asset(name, hashlib.sha256(data).hexdigest(), len(data), url, "test")


@pytest.fixture
def asset_registry(tmp_path, monkeypatch) -> dict:
    """An isolated cache and session folder, no mirror, fast retries, and a registry the test fills in."""
    from helpers import assets

    entries: dict = {}
    monkeypatch.setattr(assets, "registry", lambda: entries)
    monkeypatch.setenv(assets.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(assets.MIRROR_ENV, raising=False)
    monkeypatch.delenv(assets.OFFLINE_ENV, raising=False)
    monkeypatch.setattr(assets, "_BACKOFF", 0.01)
    monkeypatch.setattr(assets, "_TIMEOUT", (1.0, 0.5))
    monkeypatch.setattr(assets, "_session_dir", lambda: tmp_path / "session")
    return entries


class _Server:
    """What the ``asset_server`` fixture yields: its base URL, its routes and a hit count per path."""

    def __init__(self, url: str, routes: dict, hits: dict) -> None:
        self.url, self.routes, self.hits = url, routes, hits

    def serve(self, registry: dict, name: str, behaviour: str, data: bytes) -> None:
        """Register ``name`` with the sha256 of ``data`` and serve it at /name with ``behaviour``."""
        self.routes["/" + name] = (behaviour, data)
        registry[name] = make_asset(name, data, f"{self.url}/{name}")


@pytest.fixture
def asset_server():
    """A local HTTP server on 127.0.0.1 that misbehaves on request.

    ``routes[path] = (behaviour, body)``; behaviours: ok, drop (half the body, then the connection
    closes), flaky (drops twice, then ok), html (an error page with status 200), slow (1.5 s before the
    body), trickle (4 kB every 10 ms). Unknown paths get 404.
    """
    import http.server
    import socket
    import threading
    import time

    routes: dict[str, tuple[str, bytes]] = {}
    hits: dict[str, int] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            behaviour, body = routes.get(self.path, ("missing", b""))
            hits[self.path] = hits.get(self.path, 0) + 1
            if behaviour == "missing":
                self.send_error(404)
                return
            if behaviour == "flaky" and hits[self.path] <= 2:
                behaviour = "drop"
            if behaviour == "html":
                body = b"<!DOCTYPE html><html><body>Too many requests</body></html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if behaviour == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if behaviour == "slow":
                time.sleep(1.5)
            if behaviour == "trickle":
                for start in range(0, len(body), 4096):
                    self.wfile.write(body[start : start + 4096])
                    time.sleep(0.01)
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield _Server(f"http://127.0.0.1:{httpd.server_address[1]}", routes, hits)
    httpd.shutdown()


# ------------------------------------------------------------------ TFLite metadata written by the tests


def _attach_metadata(
    model_bytes: bytes,
    *,
    labels: list[str] | None = None,
    mean=None,
    std=None,
    label_file: str = "labels.txt",
    zip_labels: bool = True,
    output_names: list[str] | None = None,
    box_outputs: int | None = None,
    labels_output: int = 0,
) -> bytes:
    """``model_bytes`` with a TFLITE_METADATA entry (schema M001) and, if ``labels``, a labels file in a zip part.

    Written with the generated schema code and the flatbuffers package, the way the metadata writers
    do it: the metadata buffer is added to the model's buffers, the zip is appended after the model.
    ``box_outputs`` marks that output as bounding boxes (left, top, right, bottom at 1, 0, 3, 2; ratios);
    the labels file goes on output ``labels_output`` (as value labels when there are boxes).
    """
    import zipfile

    import flatbuffers
    from ai_edge_litert import schema_py_generated as tflite_schema

    from helpers.tflite import metadata_schema

    md = metadata_schema()
    model = tflite_schema.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    image = md.TensorMetadataT()
    image.name = b"image"
    image.content = md.ContentT()
    image.content.contentPropertiesType = md.ContentProperties.ImageProperties
    image.content.contentProperties = md.ImagePropertiesT()
    image.content.contentProperties.colorSpace = md.ColorSpaceType.RGB
    if mean is not None:
        unit = md.ProcessUnitT()
        unit.optionsType = md.ProcessUnitOptions.NormalizationOptions
        unit.options = md.NormalizationOptionsT()
        unit.options.mean, unit.options.std = list(np.ravel(mean)), list(np.ravel(std))
        image.processUnits = [unit]
    count = len(model.subgraphs[0].outputs)
    names = output_names or ["probability"] + [f"output {i}" for i in range(1, count)]
    outputs = []
    for i, name in enumerate(names):
        tensor = md.TensorMetadataT()
        tensor.name = name.encode()
        if labels is not None and i == labels_output:
            file = md.AssociatedFileT()
            file.name = label_file.encode()
            file.type = (
                md.AssociatedFileType.TENSOR_VALUE_LABELS
                if box_outputs is not None
                else md.AssociatedFileType.TENSOR_AXIS_LABELS
            )
            tensor.associatedFiles = [file]
        if box_outputs is not None and i == box_outputs:
            tensor.content = md.ContentT()
            tensor.content.contentPropertiesType = md.ContentProperties.BoundingBoxProperties
            props = md.BoundingBoxPropertiesT()
            props.index, props.type, props.coordinateType = [1, 0, 3, 2], md.BoundingBoxType.BOUNDARIES, 0
            tensor.content.contentProperties = props
        outputs.append(tensor)
    graph = md.SubGraphMetadataT()
    graph.inputTensorMetadata, graph.outputTensorMetadata = [image], outputs
    meta = md.ModelMetadataT()
    meta.name, meta.version, meta.subgraphMetadata = b"test model", b"v1", [graph]
    builder = flatbuffers.Builder(1024)
    builder.Finish(meta.Pack(builder), file_identifier=b"M001")
    buffer = tflite_schema.BufferT()
    buffer.data = np.frombuffer(bytes(builder.Output()), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = tflite_schema.MetadataT()
    entry.name, entry.buffer = b"TFLITE_METADATA", len(model.buffers) - 1
    model.metadata = [*(model.metadata or []), entry]
    builder = flatbuffers.Builder(len(model_bytes) + 4096)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    data = bytes(builder.Output())
    if labels is not None and zip_labels:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as handle:
            handle.writestr(label_file, "\n".join(labels) + "\n")
        data += archive.getvalue()
    return data


@pytest.fixture(scope="session")
def attach_metadata():
    """The function that adds TFLite metadata (and a zip of labels) to a model's bytes; see _attach_metadata."""
    return _attach_metadata


@pytest.fixture(scope="session")
def metadata_models(tiny_models, tmp_path_factory) -> dict[str, Path]:
    """The tiny float and uint8 classifiers with metadata: labels cat/dog/bird, normalization mean 0, std 255."""
    folder = tmp_path_factory.mktemp("metadata_models")
    labels = ["cat", "dog", "bird"]
    variants = {
        "float": (tiny_models["float"], {"labels": labels, "mean": 0.0, "std": 255.0}),
        "uint8": (tiny_models["uint8"], {"labels": labels, "mean": 0.0, "std": 255.0}),
        "no_labels": (tiny_models["float"], {"mean": 0.0, "std": 255.0}),
        "no_normalization": (tiny_models["float"], {"labels": labels}),
        "missing_zip": (tiny_models["float"], {"labels": labels, "mean": 0.0, "std": 255.0, "zip_labels": False}),
        "four_labels": (tiny_models["float"], {"labels": [*labels, "fish"], "mean": 0.0, "std": 255.0}),
    }
    out = {}
    for name, (path, options) in variants.items():
        out[name] = folder / f"tiny_{name}_metadata.tflite"
        out[name].write_bytes(_attach_metadata(path.read_bytes(), **options))
    return out


def _constant_detector() -> bytes:
    """A 32×32 float "detector" whose four outputs are constants (3 boxes), in the order the converter picks."""
    import keras

    image = keras.Input((32, 32, 3))
    pooled = keras.layers.GlobalAveragePooling2D()(image)

    def constant(values: list[float], name: str):
        return keras.layers.Dense(
            len(values), kernel_initializer="zeros", name=name, bias_initializer=keras.initializers.Constant(values)
        )(pooled)

    # [top, left, bottom, right] as fractions, like an SSD.
    boxes = keras.layers.Reshape((3, 4))(constant([0.25, 0.1, 0.75, 0.5, 0.0, 0.5, 0.5, 1.0, 0.6, 0.6, 0.9, 0.9], "b"))
    classes = constant([1, 0, 2], "c")
    scores = constant([0.6, 0.9, 0.3], "s")
    count = keras.layers.Lambda(lambda t: t[:, 0])(constant([3], "n"))
    return _convert(keras.Model(image, [boxes, classes, scores, count]))


def _colour_segmenter() -> bytes:
    """A 16×16 float segmenter: class 0 scores the green channel, class 1 red, class 2 blue (a 1×1 convolution)."""
    import keras

    kernel = np.zeros((1, 1, 3, 3), dtype=np.float32)
    kernel[0, 0, 1, 0] = kernel[0, 0, 0, 1] = kernel[0, 0, 2, 2] = 1.0
    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Conv2D(3, 1, use_bias=False)])
    model.layers[0].set_weights([kernel])
    return _convert(model)


@pytest.fixture(scope="session")
def task_models(tmp_path_factory) -> dict[str, Path]:
    """Tiny detector and segmenter, with and without metadata (labels; the detector's outputs named)."""
    from ai_edge_litert.interpreter import Interpreter

    folder = tmp_path_factory.mktemp("task_models")
    detector = _constant_detector()
    interpreter = Interpreter(model_content=detector)
    # The converter orders the outputs its own way: name them from their shapes and values.
    shapes = [tuple(d["shape"]) for d in interpreter.get_output_details()]
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], np.zeros((1, 32, 32, 3), np.float32))
    interpreter.invoke()
    values = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
    names = []
    for shape, value in zip(shapes, values):
        if len(shape) == 3:
            names.append("locations")
        elif len(shape) == 1:
            names.append("number of detections")
        else:
            names.append("classes" if np.allclose(value, np.round(value)) else "scores")
    segmenter = _colour_segmenter()
    models = {
        "detector": _attach_metadata(
            detector,
            labels=["person", "cat", "dog"],
            label_file="labelmap.txt",
            output_names=names,
            box_outputs=names.index("locations"),
            labels_output=names.index("classes"),
            mean=0.0,
            std=255.0,
        ),
        "detector_no_metadata": detector,
        "segmenter": _attach_metadata(segmenter, labels=["green", "red", "blue"], mean=127.5, std=127.5),
        "segmenter_no_metadata": segmenter,
    }
    out = {}
    for name, data in models.items():
        out[name] = folder / f"tiny_{name}.tflite"
        out[name].write_bytes(data)
    return out


# ------------------------------------------------------------------ explanations: models whose evidence is known


@pytest.fixture(scope="session")
def quadrant_models(tmp_path_factory) -> dict:
    """Tiny classifiers whose evidence sits in known places, as Keras models and float/uint8/int8 TFLite.

    "quadrant": 32×32 RGB → 2 classes; class 0's logit is 4 × the mean brightness (in [-1, 1]) of the
    top-left 16×16 quadrant, class 1's of the bottom-right one (average pooling, then a dense layer with
    set weights). "colour": class 0 counts red pixels, class 1 blue ones, through a named 1×1
    convolution ("features") that Grad-CAM can read. "segmenter": a per-pixel output, not a classifier.
    """
    import keras
    import tensorflow as tf

    quadrant = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.AveragePooling2D(16),
            keras.layers.Flatten(),
            keras.layers.Dense(2, name="classes"),
            keras.layers.Activation("softmax"),
        ]
    )
    weights = np.zeros((12, 2), np.float32)  # flattened (2, 2, 3): cell (0, 0) is top-left, (1, 1) bottom-right
    weights[0:3, 0] = 4 / 3
    weights[9:12, 1] = 4 / 3
    quadrant.get_layer("classes").set_weights([weights, np.zeros(2, np.float32)])

    colour = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(2, 1, activation="relu", name="features"),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, name="classes"),
            keras.layers.Activation("softmax"),
        ]
    )
    detectors = np.array([[2.0, -1.0], [-1.0, -1.0], [-1.0, 2.0]], np.float32).reshape(1, 1, 3, 2)  # red, blue
    colour.get_layer("features").set_weights([detectors, np.zeros(2, np.float32)])
    colour.get_layer("classes").set_weights([np.array([[8.0, -8.0], [-8.0, 8.0]], np.float32), np.zeros(2, np.float32)])

    segmenter = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(3, 1, activation="softmax")])
    rng = np.random.default_rng(0)

    def representative():  # flat black, grey or white quadrants: the logits reach their extremes, ±4
        for _ in range(40):
            quadrants = rng.choice(np.array([-1.0, 0.0, 1.0], np.float32), (1, 2, 2, 1)).repeat(3, axis=-1)
            yield [np.repeat(np.repeat(quadrants, 16, axis=1), 16, axis=2)]

    folder = tmp_path_factory.mktemp("explain_models")
    files = {
        "float": _convert(quadrant),
        "uint8": _convert(quadrant, representative, tf.uint8),
        "int8": _convert(quadrant, representative, tf.int8),
        "segmenter": _convert(segmenter),
    }
    out: dict = {"keras": quadrant, "colour": colour}
    for name, data in files.items():
        out[name] = folder / f"quadrant_{name}.tflite"
        out[name].write_bytes(data)
    return out


@pytest.fixture
def two_squares() -> np.ndarray:
    """A 32×32 image: a white top-left quadrant, a light-grey bottom-right one, black elsewhere."""
    image = np.zeros((32, 32, 3), np.uint8)
    image[:16, :16] = 255
    image[16:, 16:] = 200
    return image


@pytest.fixture(autouse=True)
def _fresh_hint_ladders():
    """Every test starts with no wrong tries counted, so a self-check's hint ladder never carries over between tests."""
    from helpers.exercises import _wrong_tries

    _wrong_tries.clear()
    yield
    _wrong_tries.clear()
