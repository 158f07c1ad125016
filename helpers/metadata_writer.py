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
from its wheel (``mediapipe.tasks.cc`` is missing). The metadata is built with
the object API of the schema code MediaPipe ships (``ModelMetadataT``,
``TensorMetadataT``, ...) and the model is rewritten with LiteRT's (``ModelT``),
both through ``helpers.tflite``. Only image classifiers are handled.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.arguments import is_real, listed
from helpers.errors import LabelError, MetadataError, ModelError
from helpers.system import write_bytes_atomically
from helpers.tflite import METADATA_NAME, TFLiteFile, metadata_schema, pack, pack_model, schema

FILE_IDENTIFIER = b"M001"
MIN_PARSER_VERSION = "1.0.0"  # every field written here exists since metadata version 1.0.0


@dataclass(frozen=True)
class ImageClassifierInfo:
    """What the metadata says about an image classifier (all of it computed or given, never guessed).

    Raises nothing (a dataclass; nothing is checked when it is built).
    """

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


def _table(kind: type, **fields: object) -> object:
    """An object-API table of the metadata schema with ``fields`` set (the others keep the schema's defaults)."""
    table = kind()
    for name, value in fields.items():
        setattr(table, name, value)
    return table


def build_metadata(info: ImageClassifierInfo) -> bytes:
    """The ModelMetadata flatbuffer (identifier ``M001``) of an image classifier described by ``info``.

    Raises MetadataError when the schema file mediapipe ships is missing (see ``helpers.tflite.metadata_schema``).
    """
    md = metadata_schema()
    image = _table(
        md.ImagePropertiesT,
        colorSpace=md.ColorSpaceType.RGB,
        defaultSize=_table(md.ImageSizeT, width=info.width, height=info.height),
    )
    normalization = _table(
        md.ProcessUnitT,
        optionsType=md.ProcessUnitOptions.NormalizationOptions,
        options=_table(md.NormalizationOptionsT, mean=[info.mean], std=[info.std]),
    )
    image_input = _table(
        md.TensorMetadataT,
        name=info.input_name,
        description=f"RGB image, {info.width}×{info.height}; the network sees (pixel − {info.mean:g}) / {info.std:g}.",
        content=_table(
            md.ContentT, contentPropertiesType=md.ContentProperties.ImageProperties, contentProperties=image
        ),
        processUnits=[normalization],
        stats=_table(md.StatsT, min=[(0 - info.mean) / info.std], max=[(255 - info.mean) / info.std]),
    )
    labels = _table(
        md.AssociatedFileT,
        name=info.labels_file,
        description="One label per output, in order.",
        type=md.AssociatedFileType.TENSOR_AXIS_LABELS,
    )
    probabilities = _table(
        md.TensorMetadataT,
        name=info.output_name,
        description=f"Probabilities of the {len(info.labels)} labels.",
        content=_table(
            md.ContentT,
            contentPropertiesType=md.ContentProperties.FeatureProperties,
            contentProperties=md.FeaturePropertiesT(),
        ),
        stats=_table(md.StatsT, min=[0.0], max=[1.0]),
        associatedFiles=[labels],
    )
    graph = _table(md.SubGraphMetadataT, inputTensorMetadata=[image_input], outputTensorMetadata=[probabilities])
    meta = _table(
        md.ModelMetadataT,
        name=info.name,
        description=info.description,
        version=info.version,
        subgraphMetadata=[graph],
        minParserVersion=MIN_PARSER_VERSION,
    )
    if info.author:
        meta.author = info.author
    if info.license:
        meta.license = info.license
    return pack(meta, FILE_IDENTIFIER)


# --------------------------------------------------------------------------- into the model file


def _io_details(file: TFLiteFile) -> tuple[tuple[int, ...], str, float, int, int]:
    """Input (1, H, W, 3) and its type and quantization, and the number of outputs, of a one-graph classifier."""
    if len(file.model.subgraphs) != 1:
        raise ModelError(f"The model has {len(file.model.subgraphs)} subgraphs; an image classifier has one.")
    graph, tensors = file.graph, file.tensors()
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise ModelError(
            f"The model has {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; an image "
            f"classifier has one of each."
        )
    image, scores = tensors[graph.inputs[0]], tensors[graph.outputs[0]]
    if len(image.shape) != 4 or image.shape[0] != 1 or image.shape[3] != 3:
        raise ModelError(f"The model's input has shape {list(image.shape)}; an image classifier takes (1, H, W, 3).")
    scale, zero_point = (image.scales[0], image.zero_points[0]) if image.quantized else (0.0, 0)
    return image.shape, image.dtype, scale, zero_point, int(np.prod(scores.shape[1:]))


def input_normalization(model_bytes: bytes, normalization: tuple[float, float] | None = None) -> tuple[float, float]:
    """(mean, std) such that the network sees ``(pixel − mean) / std``: read from a quantized input, given for float.

    A uint8/int8 input takes raw pixels, and its quantization *is* the
    normalization: real = scale × (pixel − zero_point), so mean = zero_point
    (+128 for int8) and std = 1 / scale. A float32 file does not say how pixels
    were scaled, so ``normalization`` must be given (MobileNet: (127.5, 127.5)).
    Raises ModelError for bytes that are not a one-graph image classifier (one (1, H, W, 3) input, one output), a
    quantized input without a scale, a ``normalization`` that contradicts it, a float32 input without one, or one that
    is not finite with std > 0.
    """
    _, dtype, scale, zero_point, _ = _io_details(TFLiteFile(model_bytes))
    if normalization is not None:
        values = [] if isinstance(normalization, (str, bytes)) else listed(normalization)
        if not (isinstance(values, (list, tuple, np.ndarray)) and len(values) == 2 and all(map(is_real, values))):
            raise ModelError(
                f"normalization is (mean, std), two numbers such as (127.5, 127.5); got {normalization!r}."
            )
        mean, std = float(values[0]), float(values[1])
        if not (np.isfinite(mean) and np.isfinite(std) and std > 0):
            raise ModelError(f"normalization=(mean, std) needs finite numbers and std > 0; got {normalization}.")
        normalization = (mean, std)
    if dtype in ("uint8", "int8"):
        if scale <= 0:
            raise ModelError(f"The model's {dtype} input has no quantization scale; it cannot take pixels.")
        computed = (float(zero_point + (128 if dtype == "int8" else 0)), 1.0 / scale)
        if normalization is not None and not np.allclose(normalization, computed, rtol=0.01):
            raise ModelError(
                f"The {dtype} input's quantization means (pixel − {computed[0]:g}) / {computed[1]:g}; "
                f"normalization={normalization} contradicts it. Drop normalization= for quantized "
                f"inputs: the file already says it."
            )
        return computed
    if dtype != "float32":
        raise ModelError(f"The model's input is {dtype}; an image classifier takes float32, uint8 or int8.")
    if normalization is None:
        raise ModelError(
            "A float32 input does not record how pixels were scaled. Give normalization=(mean, std) "
            "as used in training: (127.5, 127.5) for MobileNet's [-1, 1], (0, 255) for [0, 1]."
        )
    return normalization


def check_labels(labels: Sequence[str], classes: int) -> list[str]:
    """``labels`` as a list of str if there is one per output and each reads back from a labels file unchanged.

    A labels file holds one label per line, and readers split lines with
    ``str.splitlines`` (which also breaks at ``\\r``, ``\\x0b``, ``\\x0c``,
    ``\\x1c``–``\\x1e``, ``\\x85``, ``\\u2028`` and ``\\u2029``) and strip spaces, so a
    label with such a character or with spaces around it is refused (LabelError),
    never written to come back as two labels or another name.
    Raises LabelError for a single string or path, items that are not str, a count other than ``classes``, such a label,
    or a repeated one.
    """
    if isinstance(labels, (str, bytes, os.PathLike)):
        raise LabelError(
            f"labels is a list of class names, one per output; got a {type(labels).__name__}. Read a "
            f"labels file first with helpers.assets.read_labels(path)."
        )
    if isinstance(labels, (set, frozenset, dict)):
        raise MetadataError(
            f"labels must be in the order of the model's outputs (a list); got a {type(labels).__name__}, whose "
            f"order would be written into the file as if it were the outputs' order. Pass a list, e.g. sorted(...)."
        )
    labels = list(labels)
    strays = [label for label in labels if not isinstance(label, str)]
    if strays:
        raise LabelError(f"Each label is a str (a class name); got {type(strays[0]).__name__} {strays[0]!r}.")
    if len(labels) != classes:
        raise LabelError(
            f"{len(labels)} labels for a model with {classes} outputs; give exactly one label per "
            f"output, in output order (e.g. the class folders' names, sorted as in training)."
        )
    bad = [label for label in labels if label.splitlines() != [label] or label.strip() != label]
    if bad:
        raise LabelError(
            f"Labels must be non-empty single-line names without spaces around them, or they would read "
            f"back from the labels file as other labels; got {bad[:3]}. Remove line breaks (including "
            f"\\r, \\x85, \\u2028, \\u2029) and surrounding spaces."
        )
    if len(set(labels)) != len(labels):
        raise LabelError("Two outputs have the same label; each class needs its own name.")
    return labels


def labels_text(labels: Sequence[str]) -> bytes:
    """The labels file's bytes: one label per line, UTF-8, ending with a newline (labels checked by check_labels).

    Raises nothing.
    """
    return ("\n".join(labels) + "\n").encode("utf-8")


def add_metadata(
    model_bytes: bytes,
    labels: Sequence[str],
    *,
    name: str,
    description: str = "",
    normalization: tuple[float, float] | None = None,
    author: str = "",
    license: str = "",
    labels_file: str = "labels.txt",
) -> bytes:
    """The model with image-classifier metadata and its labels file inside (replacing any metadata it had).

    Raises ModelError as ``input_normalization`` does (a model that is not a one-input, one-output image classifier; a
    missing or contradicting ``normalization``), LabelError as ``check_labels`` does and for a ``labels_file`` with
    folders, MetadataError when the schema file mediapipe ships is missing.
    """
    file = TFLiteFile(model_bytes)
    shape, _, _, _, classes = _io_details(file)
    labels = check_labels(labels, classes)
    if not labels_file or Path(labels_file).name != labels_file:
        raise LabelError(f"labels_file is a file name without folders; got {labels_file!r}.")
    mean, std = input_normalization(model_bytes, normalization)
    info = ImageClassifierInfo(
        name=name,
        description=description,
        labels=tuple(labels),
        width=shape[2],
        height=shape[1],
        mean=mean,
        std=std,
        labels_file=labels_file,
        author=author,
        license=license,
    )
    model, s = file.model_object(), schema()
    buffer = s.BufferT()
    buffer.data = np.frombuffer(build_metadata(info), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = s.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = [*(m for m in (model.metadata or []) if m.name != METADATA_NAME), entry]
    stream = io.BytesIO(pack_model(model))
    with zipfile.ZipFile(stream, "a", compression=zipfile.ZIP_STORED) as archive:  # appended after the model
        archive.writestr(labels_file, labels_text(labels))
    return stream.getvalue()


def write_with_metadata(
    model_path: str | os.PathLike,
    labels: Sequence[str],
    out_path: str | os.PathLike | None = None,
    **options,
) -> Path:
    """Add metadata (see ``add_metadata``) to the .tflite file at ``model_path``; write it to ``out_path`` (atomically).

    Raises ModelError when there is no file at ``model_path``, and what ``add_metadata`` raises (ModelError, LabelError,
    MetadataError).
    """
    source = Path(model_path)
    if not source.is_file():
        raise ModelError(f"No model file at '{source}'.")
    target = Path(out_path) if out_path is not None else source
    options.setdefault("name", source.stem)
    data = add_metadata(source.read_bytes(), labels, **options)
    write_bytes_atomically(target, data)
    return target
