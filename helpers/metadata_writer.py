"""Write TensorFlow Lite metadata into an image classifier: labels and input normalization inside the file.

Introduced in notebook 06. A ``.tflite`` file can carry a second, small
flatbuffer — the *metadata*, defined by ``metadata_schema.fbs`` (file identifier
``M001``) from TFLite Support, the same schema MediaPipe Tasks reads — in one of
its buffers, named ``TFLITE_METADATA`` in the model's ``metadata`` list. It says
what the input is (an RGB image, how pixels are normalized) and what the output
is (probabilities, one per line of an *associated file*). The associated files
themselves (here ``labels.txt``) are appended to the model as a zip archive, so
``zipfile.ZipFile(model_path).namelist()`` lists them: the overview's "labels
file in the model zip".

Why our own writer: TFLite Support's ``metadata_writers`` need protobuf < 4 and
cannot be installed beside TensorFlow 2.21; MediaPipe's writer does not import
from its wheel (``mediapipe.tasks.cc`` is missing). The schema is small, so the
tables this module needs are built directly with the ``flatbuffers`` package
(already installed with LiteRT). Field numbers follow the schema; each table's
comment gives its fields in order. Only image classifiers are handled.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import flatbuffers
import numpy as np

from helpers.classify import is_tflite
from helpers.errors import LabelError, ModelError
from helpers.files import write_bytes_atomically

METADATA_NAME = b"TFLITE_METADATA"
FILE_IDENTIFIER = b"M001"
MIN_PARSER_VERSION = "1.0.0"  # every field written here exists since metadata version 1.0.0

# Enum and union values from metadata_schema.fbs.
COLOR_SPACE_RGB = 1
ASSOCIATED_FILE_TENSOR_AXIS_LABELS = 2
CONTENT_FEATURE_PROPERTIES = 1
CONTENT_IMAGE_PROPERTIES = 2
PROCESS_UNIT_NORMALIZATION = 1


@dataclass(frozen=True)
class ImageClassifierInfo:
    """What the metadata says about an image classifier (all of it computed or given, never guessed)."""

    name: str
    description: str
    labels: tuple[str, ...]
    width: int
    height: int
    mean: float
    std: float
    input_name: str = "image"
    output_name: str = "probability"
    labels_file: str = "labels.txt"
    version: str = "v1"
    author: str = ""
    license: str = ""


# --------------------------------------------------------------------------- the metadata flatbuffer


def _string(builder: flatbuffers.Builder, text: str) -> int:
    return builder.CreateString(text)


def _offsets(builder: flatbuffers.Builder, offsets: Sequence[int]) -> int:
    """A vector of table or string offsets (written last to first, as flatbuffers requires)."""
    builder.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        builder.PrependUOffsetTRelative(offset)
    return builder.EndVector()


def _floats(builder: flatbuffers.Builder, values: Sequence[float]) -> int:
    return builder.CreateNumpyVector(np.asarray(values, dtype=np.float32))


def _table(builder: flatbuffers.Builder, slots: int, fields: Sequence[tuple[str, int, int]]) -> int:
    """A table with ``slots`` fields; ``fields`` = (kind, slot, value), kind 'offset', 'byte' or 'uint'."""
    builder.StartObject(slots)
    for kind, slot, value in fields:
        if kind == "offset":
            builder.PrependUOffsetTRelativeSlot(slot, value, 0)
        elif kind == "byte":
            builder.PrependUint8Slot(slot, value, 0)
        elif kind == "uint":
            builder.PrependUint32Slot(slot, value, 0)
        else:  # pragma: no cover — a programming error
            raise ValueError(kind)
    return builder.EndObject()


def _associated_file(builder: flatbuffers.Builder, name: str, description: str, kind: int) -> int:
    # AssociatedFile: name, description, type, locale, version
    name_at, description_at = _string(builder, name), _string(builder, description)
    return _table(builder, 5, [("offset", 0, name_at), ("offset", 1, description_at), ("byte", 2, kind)])


def _stats(builder: flatbuffers.Builder, low: float, high: float) -> int:
    # Stats: max, min
    max_at, min_at = _floats(builder, [high]), _floats(builder, [low])
    return _table(builder, 2, [("offset", 0, max_at), ("offset", 1, min_at)])


def build_metadata(info: ImageClassifierInfo) -> bytes:
    """The ModelMetadata flatbuffer (identifier ``M001``) of an image classifier described by ``info``."""
    builder = flatbuffers.Builder(1024)
    # Input: ImageSize (width, height) → ImageProperties (color_space, default_size) → Content
    # (content_properties_type, content_properties, range); NormalizationOptions (mean, std) → ProcessUnit
    # (options_type, options); TensorMetadata (name, description, dimension_names, content, process_units,
    # stats, associated_files).
    size_at = _table(builder, 2, [("uint", 0, info.width), ("uint", 1, info.height)])
    image_at = _table(builder, 2, [("byte", 0, COLOR_SPACE_RGB), ("offset", 1, size_at)])
    input_content = _table(builder, 3, [("byte", 0, CONTENT_IMAGE_PROPERTIES), ("offset", 1, image_at)])
    mean_at, std_at = _floats(builder, [info.mean]), _floats(builder, [info.std])
    normalization = _table(builder, 2, [("offset", 0, mean_at), ("offset", 1, std_at)])
    unit = _table(builder, 2, [("byte", 0, PROCESS_UNIT_NORMALIZATION), ("offset", 1, normalization)])
    units = _offsets(builder, [unit])
    input_stats = _stats(builder, (0 - info.mean) / info.std, (255 - info.mean) / info.std)
    input_name = _string(builder, info.input_name)
    input_description = _string(builder, f"RGB image, {info.width}×{info.height}; the network sees "
                                         f"(pixel − {info.mean:g}) / {info.std:g}.")
    input_tensor = _table(builder, 7, [("offset", 0, input_name), ("offset", 1, input_description),
                                       ("offset", 3, input_content), ("offset", 4, units), ("offset", 5, input_stats)])
    # Output: FeatureProperties (no fields) → Content; the labels file, one label per output.
    feature_at = _table(builder, 0, [])
    output_content = _table(builder, 3, [("byte", 0, CONTENT_FEATURE_PROPERTIES), ("offset", 1, feature_at)])
    labels_at = _offsets(builder, [_associated_file(builder, info.labels_file, "One label per output, in order.",
                                                    ASSOCIATED_FILE_TENSOR_AXIS_LABELS)])
    output_stats = _stats(builder, 0.0, 1.0)
    output_name = _string(builder, info.output_name)
    output_description = _string(builder, f"Probabilities of the {len(info.labels)} labels.")
    output_tensor = _table(builder, 7, [("offset", 0, output_name), ("offset", 1, output_description),
                                        ("offset", 3, output_content), ("offset", 5, output_stats),
                                        ("offset", 6, labels_at)])
    # SubGraphMetadata: name, description, input_tensor_metadata, output_tensor_metadata, ...
    inputs_at, outputs_at = _offsets(builder, [input_tensor]), _offsets(builder, [output_tensor])
    subgraph = _table(builder, 10, [("offset", 2, inputs_at), ("offset", 3, outputs_at)])
    # ModelMetadata: name, description, version, subgraph_metadata, author, license, associated_files,
    # min_parser_version
    fields = [("offset", 0, _string(builder, info.name)), ("offset", 1, _string(builder, info.description)),
              ("offset", 2, _string(builder, info.version)), ("offset", 3, _offsets(builder, [subgraph]))]
    if info.author:
        fields.append(("offset", 4, _string(builder, info.author)))
    if info.license:
        fields.append(("offset", 5, _string(builder, info.license)))
    fields.append(("offset", 7, _string(builder, MIN_PARSER_VERSION)))
    root = _table(builder, 8, fields)
    builder.Finish(root, file_identifier=FILE_IDENTIFIER)
    return bytes(builder.Output())


# --------------------------------------------------------------------------- into the model file


def _read_model(model_bytes: bytes):
    from ai_edge_litert.tools import flatbuffer_utils

    if not is_tflite(model_bytes):
        raise ModelError("These bytes are not a TensorFlow Lite model (no 'TFL3' at byte 4).")
    return flatbuffer_utils.read_model_from_bytearray(bytearray(model_bytes))


def _io_details(model) -> tuple[list[int], str, float, int, int]:
    """Input (1, H, W, 3) and its type and quantization, and the number of outputs, of a one-graph classifier."""
    from ai_edge_litert import schema_py_generated as schema

    if len(model.subgraphs) != 1:
        raise ModelError(f"The model has {len(model.subgraphs)} subgraphs; an image classifier has one.")
    graph = model.subgraphs[0]
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise ModelError(f"The model has {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; an image "
                         f"classifier has one of each.")
    tensor_in, tensor_out = graph.tensors[graph.inputs[0]], graph.tensors[graph.outputs[0]]
    shape = [int(d) for d in tensor_in.shape]
    if len(shape) != 4 or shape[0] != 1 or shape[3] != 3:
        raise ModelError(f"The model's input has shape {shape}; an image classifier takes (1, H, W, 3).")
    names = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
    dtype = names.get(tensor_in.type, str(tensor_in.type)).lower()
    scale, zero_point = 0.0, 0
    if tensor_in.quantization is not None and tensor_in.quantization.scale is not None:
        scale, zero_point = float(tensor_in.quantization.scale[0]), int(tensor_in.quantization.zeroPoint[0])
    classes = int(np.prod(tensor_out.shape[1:]))
    return shape, dtype, scale, zero_point, classes


def input_normalization(model_bytes: bytes, normalization: tuple[float, float] | None = None) -> tuple[float, float]:
    """(mean, std) such that the network sees ``(pixel − mean) / std``: read from a quantized input, given for float.

    A uint8/int8 input takes raw pixels, and its quantization *is* the
    normalization: real = scale × (pixel − zero_point), so mean = zero_point
    (+128 for int8) and std = 1 / scale. A float32 file does not say how pixels
    were scaled, so ``normalization`` must be given (MobileNet: (127.5, 127.5)).
    """
    _, dtype, scale, zero_point, _ = _io_details(_read_model(model_bytes))
    if dtype in ("uint8", "int8"):
        if scale <= 0:
            raise ModelError(f"The model's {dtype} input has no quantization scale; it cannot take pixels.")
        computed = (float(zero_point + (128 if dtype == "int8" else 0)), 1.0 / scale)
        if normalization is not None and not np.allclose(normalization, computed, rtol=0.01):
            raise ModelError(f"The {dtype} input's quantization means (pixel − {computed[0]:g}) / {computed[1]:g}; "
                             f"normalization={normalization} contradicts it. Drop normalization= for quantized "
                             f"inputs: the file already says it.")
        return computed
    if dtype != "float32":
        raise ModelError(f"The model's input is {dtype}; an image classifier takes float32, uint8 or int8.")
    if normalization is None:
        raise ModelError("A float32 input does not record how pixels were scaled. Give normalization=(mean, std) "
                         "as used in training: (127.5, 127.5) for MobileNet's [-1, 1], (0, 255) for [0, 1].")
    mean, std = (float(v) for v in normalization)
    if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
        raise ModelError(f"normalization=(mean, std) needs finite numbers and std > 0; got {normalization}.")
    return mean, std


def _check_labels(labels: Sequence[str], classes: int) -> list[str]:
    labels = [str(label) for label in labels]
    if len(labels) != classes:
        raise LabelError(f"{len(labels)} labels for a model with {classes} outputs; give exactly one label per "
                         f"output, in output order (e.g. the class folders' names, sorted as in training).")
    bad = [label for label in labels if not label.strip() or "\n" in label or "\r" in label]
    if bad:
        raise LabelError(f"Labels must be non-empty single-line names; got {bad[:3]}.")
    if len(set(labels)) != len(labels):
        raise LabelError("Two outputs have the same label; each class needs its own name.")
    return labels


def add_metadata(
    model_bytes: bytes, labels: Sequence[str], *, name: str, description: str = "",
    normalization: tuple[float, float] | None = None, author: str = "", license: str = "",
    labels_file: str = "labels.txt",
) -> bytes:
    """The model with image-classifier metadata and its labels file inside (replacing any metadata it had)."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = _read_model(model_bytes)
    shape, _, _, _, classes = _io_details(model)
    labels = _check_labels(labels, classes)
    if not labels_file or Path(labels_file).name != labels_file:
        raise LabelError(f"labels_file is a file name without folders; got {labels_file!r}.")
    mean, std = input_normalization(model_bytes, normalization)
    info = ImageClassifierInfo(name=name, description=description, labels=tuple(labels), width=shape[2],
                               height=shape[1], mean=mean, std=std, labels_file=labels_file, author=author,
                               license=license)
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(build_metadata(info), dtype=np.uint8)
    entries = [m for m in (model.metadata or []) if m.name != METADATA_NAME]
    model.buffers.append(buffer)
    entry = schema.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = [*entries, entry]
    stream = io.BytesIO(bytes(flatbuffer_utils.convert_object_to_bytearray(model)))
    with zipfile.ZipFile(stream, "a", compression=zipfile.ZIP_STORED) as archive:  # appended after the model
        archive.writestr(labels_file, "\n".join(labels) + "\n")
    return stream.getvalue()


def write_with_metadata(
    model_path: str | os.PathLike, labels: Sequence[str], out_path: str | os.PathLike | None = None, **options,
) -> Path:
    """Add metadata (see ``add_metadata``) to the .tflite file at ``model_path``; write it to ``out_path`` (atomically)."""
    source = Path(model_path)
    if not source.is_file():
        raise ModelError(f"No model file at '{source}'.")
    target = Path(out_path) if out_path is not None else source
    options.setdefault("name", source.stem)
    data = add_metadata(source.read_bytes(), labels, **options)
    write_bytes_atomically(target, data)
    return target
