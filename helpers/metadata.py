"""Read what a .tflite file says about itself: its TFLite metadata and embedded files.

A model file with metadata is two things at once (introduced in notebook 01):

* a **flatbuffer** (the model), whose list of named metadata buffers holds one
  called ``TFLITE_METADATA``: a second flatbuffer (schema "M001") describing the
  model — its name, licence, each input's normalization (mean and std), each
  output's meaning and which embedded file holds its labels;
* a **zip archive**: the embedded files (``labels.txt``, ``labelmap.txt``) are
  appended after the model, so ``zipfile.ZipFile(model_path).namelist()`` lists them.

The file is read by ``helpers.tflite.TFLiteFile`` (the metadata buffer, the zip
part); this module decodes what the metadata means, with the schema code MediaPipe
ships (``helpers.tflite.metadata_schema``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from helpers.arguments import label_lines, whole_number
from helpers.errors import MetadataError
from helpers.tflite import METADATA_NAME, TFLiteFile, metadata_schema, open_model
from helpers.tflite import enum_names as _enum_names
from helpers.tflite import text as _text

__all__ = [
    "METADATA_NAME",
    "AssociatedFile",
    "ModelMetadata",
    "TensorMetadata",
    "embedded_files",
    "has_metadata",
    "labels_from_metadata",
    "metadata_or_none",
    "metadata_schema",
    "normalization_from_metadata",
    "read_embedded_file",
    "read_metadata",
]
LABEL_FILE_TYPES = ("TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS")

HOW_TO_PASS_LABELS = (
    "pass the labels by hand, e.g. labels=helpers.assets.read_labels('labels/imagenet_labels.txt') "
    "(one line per model output)"
)
HOW_TO_PASS_NORMALIZATION = (
    "pass the normalization by hand: mean=127.5, std=127.5 maps pixels 0…255 to −1…1 "
    "(MobileNet); mean=0, std=255 maps them to 0…1"
)


@dataclass(frozen=True)
class AssociatedFile:
    """A file embedded in the model's zip and named by the metadata (e.g. a labels file).

    Raises nothing (a dataclass).
    """

    name: str
    kind: str  # TENSOR_AXIS_LABELS (one label per output), TENSOR_VALUE_LABELS (label per class value), ...
    description: str = ""
    locale: str = ""


@dataclass(frozen=True)
class TensorMetadata:
    """What the metadata says about one input or output tensor. Raises nothing (a dataclass)."""

    name: str
    description: str = ""
    content: str = "unknown"  # "image", "feature", "bounding box", "unknown"
    color_space: str = ""  # for images: RGB or GRAYSCALE
    mean: tuple[float, ...] | None = None  # normalization: real = (pixel - mean) / std
    std: tuple[float, ...] | None = None
    value_range: tuple[float, float] | None = None  # the tensor's documented (min, max)
    files: tuple[AssociatedFile, ...] = ()
    box_order: tuple[int, ...] | None = None  # bounding boxes: where left, top, right, bottom sit among the 4 values
    box_type: str = ""  # BOUNDARIES (left, top, right, bottom), UPPER_LEFT, CENTER
    box_coordinates: str = ""  # RATIO (0…1 of the input size) or PIXEL

    @property
    def label_file(self) -> AssociatedFile | None:
        """The tensor's labels file (the one without a locale first), or None. Raises nothing."""
        files = [f for f in self.files if f.kind in LABEL_FILE_TYPES]
        files.sort(key=lambda f: f.locale != "")
        return files[0] if files else None


@dataclass(frozen=True)
class ModelMetadata:
    """A model's TFLite metadata: description, licence, and one TensorMetadata per input and output.

    Raises nothing when built (a dataclass, made by ``read_metadata``); ``normalization`` and ``labels`` raise
    MetadataError.
    """

    model_path: Path
    name: str
    description: str
    version: str
    author: str
    license: str
    min_parser_version: str
    inputs: tuple[TensorMetadata, ...]
    outputs: tuple[TensorMetadata, ...]
    files: tuple[str, ...] = field(default=())  # what the zip part holds
    file: TFLiteFile | None = field(
        default=None, repr=False, compare=False
    )  # bytes given without a path: their embedded files

    def normalization(self, index: int = 0) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(mean, std) of input ``index``, or a MetadataError naming what is missing and how to pass it by hand.

        Raises MetadataError too for an index that is not a whole number of an input the metadata describes.
        """
        tensor = self._tensor(self.inputs, index, "input")
        if tensor.mean is None or tensor.std is None:
            raise MetadataError(
                f"The metadata of '{self.model_path.name}' has no NormalizationOptions (mean, std) on input "
                f"'{tensor.name}'; {HOW_TO_PASS_NORMALIZATION}."
            )
        return tensor.mean, tensor.std

    def labels(self, index: int | None = None) -> list[str]:
        """The labels of output ``index`` (default: the first output that has a labels file), from the zip part.

        One label per line (LF, CRLF or CR), cleaned like ``helpers.classify.read_labels``: the BOM and
        surrounding spaces go, trailing blank lines go, blank lines inside stay as "" so that no label moves
        to another output. Raises MetadataError for an index that is not a whole number of a described
        output, an output without a labels file, or a labels file that is not UTF-8 text.
        """
        if index is None:
            index = next((i for i, t in enumerate(self.outputs) if t.label_file is not None), 0)
        tensor = self._tensor(self.outputs, index, "output")
        file = tensor.label_file
        if file is None:
            raise MetadataError(
                f"The metadata of '{self.model_path.name}' names no labels file (an associated file of type "
                f"TENSOR_AXIS_LABELS or TENSOR_VALUE_LABELS) on output '{tensor.name}'; {HOW_TO_PASS_LABELS}."
            )
        source = self.file if self.file is not None else TFLiteFile(self.model_path)
        data = source.read_embedded_file(file.name)  # a damaged zip part: MetadataError
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MetadataError(
                f"The embedded labels file '{file.name}' of '{self.model_path.name}' is not UTF-8 text ({exc}); "
                f"{HOW_TO_PASS_LABELS}."
            ) from None
        return label_lines(text)

    def _tensor(self, tensors: tuple[TensorMetadata, ...], index: int, role: str) -> TensorMetadata:
        index = whole_number(index, f"the {role} index", MetadataError, minimum=0)
        if index >= len(tensors):
            raise MetadataError(
                f"The metadata of '{self.model_path.name}' describes {len(tensors)} {role}s; there is no {role} "
                f"{index}."
            )
        return tensors[index]

    def summary(self) -> dict[str, object]:
        """The main facts as a flat dict, for display in a notebook. Raises nothing."""
        facts: dict[str, object] = {
            "name": self.name,
            "version": self.version,
            "author": self.author,
            "license": self.license,
            "embedded files": list(self.files),
        }
        for role, tensors in (("input", self.inputs), ("output", self.outputs)):
            for i, tensor in enumerate(tensors):
                parts = [tensor.content]
                if tensor.mean is not None:
                    parts.append(f"mean {_numbers(tensor.mean)}, std {_numbers(tensor.std)}")
                if tensor.value_range is not None:
                    parts.append(f"range {_numbers(tensor.value_range)}")
                if tensor.label_file is not None:
                    parts.append(f"labels in {tensor.label_file.name}")
                facts[f"{role} {i} '{tensor.name}'"] = "; ".join(parts)
        return facts


def _numbers(values: Sequence[float] | None) -> str:
    if values is None:
        return "—"
    shown = [f"{v:g}" for v in values]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


def has_metadata(model_path: str | os.PathLike) -> bool:
    """True when the model file carries a TFLITE_METADATA entry.

    Raises ModelError for a missing or non-TFLite file, MetadataError for a damaged one.
    """
    return TFLiteFile(model_path).metadata_buffer() is not None


def embedded_files(model_path: str | os.PathLike) -> list[str]:
    """The names of the files in the model's zip part (empty for a model without one).

    Raises ModelError for a missing or non-TFLite file.
    """
    return TFLiteFile(model_path).embedded_files()


def read_embedded_file(model_path: str | os.PathLike, name: str) -> bytes:
    """The bytes of one embedded file, or a MetadataError listing the files there are.

    Raises ModelError for a missing or non-TFLite file.
    """
    return TFLiteFile(model_path).read_embedded_file(name)


def _tensor_metadata(tensor, schema: ModuleType) -> TensorMetadata:
    kinds = _enum_names(schema.AssociatedFileType)
    files = tuple(
        AssociatedFile(_text(f.name), kinds.get(f.type, str(f.type)), _text(f.description), _text(f.locale))
        for f in tensor.associatedFiles or []
    )
    mean = std = None
    for unit in tensor.processUnits or []:
        if unit.optionsType == schema.ProcessUnitOptions.NormalizationOptions and unit.options is not None:
            mean = tuple(float(v) for v in np.ravel(unit.options.mean))
            std = tuple(float(v) for v in np.ravel(unit.options.std))
    value_range = None
    if tensor.stats is not None and tensor.stats.min is not None and tensor.stats.max is not None:
        low, high = np.ravel(tensor.stats.min), np.ravel(tensor.stats.max)
        if low.size and high.size:
            value_range = (float(low.min()), float(high.max()))
    content, color_space, box = "unknown", "", {}
    if tensor.content is not None:
        kind, props = tensor.content.contentPropertiesType, tensor.content.contentProperties
        types = schema.ContentProperties
        if kind == types.ImageProperties:
            content = "image"
            color_space = _enum_names(schema.ColorSpaceType).get(getattr(props, "colorSpace", 0), "")
        elif kind == types.FeatureProperties:
            content = "feature"
        elif kind == types.BoundingBoxProperties:
            content = "bounding box"
            box = {
                "box_order": tuple(int(i) for i in np.ravel(props.index)) if props.index is not None else None,
                "box_type": _enum_names(schema.BoundingBoxType).get(props.type, ""),
                "box_coordinates": _enum_names(schema.CoordinateType).get(props.coordinateType, ""),
            }
    return TensorMetadata(
        _text(tensor.name), _text(tensor.description), content, color_space, mean, std, value_range, files, **box
    )


_NEEDS = {
    "labels": ("its labels (a labels file on an output)", HOW_TO_PASS_LABELS),
    "normalization": ("its input normalization (NormalizationOptions: mean and std)", HOW_TO_PASS_NORMALIZATION),
}


def read_metadata(model_path: str | os.PathLike | TFLiteFile, needed: str | None = None) -> ModelMetadata:
    """Parse a model's TFLite metadata, or raise a MetadataError saying the file has none and what to do.

    ``needed`` ("labels" or "normalization") names what the caller wanted, so the error can say it.
    Introduced in notebook 01. Raises ModelError for a missing or non-TFLite file, MetadataError for
    a damaged or truncated one, and for a ``needed`` other than None, "labels" or "normalization".
    """
    if needed is not None and needed not in _NEEDS:
        raise MetadataError(f"needed is None, 'labels' or 'normalization'; got {needed!r}.")
    file = open_model(model_path)
    path, raw = file.path or Path(file.name), file.metadata_buffer()
    if raw is None:
        wanted = [_NEEDS[needed]] if needed in _NEEDS else list(_NEEDS.values())
        raise MetadataError(
            f"'{path.name}' carries no TFLite metadata (no '{METADATA_NAME.decode()}' entry in the model file), "
            f"so it cannot say {' or '.join(what for what, _ in wanted)}. Use a model file with metadata, or "
            + "; and ".join(how for _, how in wanted)
            + "."
        )
    schema = metadata_schema()
    if not schema.ModelMetadata.ModelMetadataBufferHasIdentifier(raw, 0):
        raise MetadataError(
            f"The TFLITE_METADATA entry of '{path.name}' is not a metadata flatbuffer (its "
            f"identifier is {raw[4:8]!r}, not b'M001'); fetch the model again."
        )
    try:
        meta = schema.ModelMetadataT.InitFromPackedBuf(bytearray(raw), 0)
    except Exception as exc:  # flatbuffers raises assorted errors on a damaged buffer
        raise MetadataError(
            f"The metadata of '{path.name}' is damaged ({type(exc).__name__}); fetch it again."
        ) from exc
    graphs = meta.subgraphMetadata or []
    graph = graphs[0] if graphs else None
    inputs = tuple(_tensor_metadata(t, schema) for t in (graph.inputTensorMetadata or [])) if graph else ()
    outputs = tuple(_tensor_metadata(t, schema) for t in (graph.outputTensorMetadata or [])) if graph else ()
    return ModelMetadata(
        path,
        _text(meta.name),
        _text(meta.description),
        _text(meta.version),
        _text(meta.author),
        _text(meta.license),
        _text(meta.minParserVersion),
        inputs,
        outputs,
        tuple(file.embedded_files()),
        file if file.path is None else None,
    )  # a path is re-read


def metadata_or_none(model_path: str | os.PathLike) -> ModelMetadata | None:
    """The model's metadata, or None when the file has none (other problems still raise).

    Raises as ``read_metadata`` does.
    """
    file = TFLiteFile(model_path)
    return read_metadata(file) if file.metadata_buffer() is not None else None


def labels_from_metadata(model_path: str | os.PathLike, output: int | None = None) -> list[str]:
    """A model's labels from its embedded labels file (MetadataError if there are none); see ModelMetadata.labels.

    Introduced in notebook 01.
    Raises ModelError for a missing or non-TFLite file, MetadataError for a file without metadata (or damaged) and as
    ``ModelMetadata.labels`` does (a bad ``output``, no labels file, labels not UTF-8).
    """
    return read_metadata(model_path, "labels").labels(output)


def normalization_from_metadata(
    model_path: str | os.PathLike, input_index: int = 0
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) of a model's input from its metadata (MetadataError if the metadata does not say).

    Raises MetadataError too for an input_index that is not a whole number.
    """
    return read_metadata(model_path, "normalization").normalization(input_index)
