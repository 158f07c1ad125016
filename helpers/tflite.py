"""One module for ``.tflite`` files: read their graph, tensors and metadata; write metadata, a head, two models joined.

A ``.tflite`` file is a flatbuffer (``TFL3``) that may carry TFLite metadata (a flatbuffer ``M001`` in the buffer
``TFLITE_METADATA``) and, appended, a zip of embedded files such as ``labels.txt``, read and written with the schema
code LiteRT and the mediapipe wheel ship (TFLite Support's writers need protobuf < 4).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import importlib.util
import io
import os
import struct
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np

from helpers.arguments import finite_array, label_lines, real_number, text_labels
from helpers.errors import LabelError, MetadataError, ModelError, QuantizationError, raises_own_errors
from helpers.system import write_bytes_atomically

METADATA_NAME = b"TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
_METADATA_SCHEMA_FILE = ("tasks", "metadata", "metadata_schema_py_generated.py")
_WEIGHTED = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")  # input 1: weights, 2: bias
_DAMAGED = (struct.error, IndexError, KeyError, ValueError, TypeError, AttributeError, zipfile.BadZipFile)
_NEEDS = {  # what a model without metadata cannot say, and how to pass it by hand
    "labels": (
        "its labels (a labels file on an output)",
        "pass the labels by hand, e.g. labels=helpers.assets.read_labels('labels/imagenet_labels.txt') (one line "
        + "per model output)",
    ),
    "normalization": (
        "its input normalization (NormalizationOptions: mean and std)",
        "pass the normalization by hand: mean=127.5, std=127.5 maps pixels 0…255 to −1…1 (MobileNet); mean=0, "
        + "std=255 maps them to 0…1",
    ),
}


def is_tflite(data: bytes) -> bool:
    """True when ``data`` starts like a TensorFlow Lite flatbuffer ('TFL3' at byte 4)."""
    return len(data) >= 8 and data[4:8] == b"TFL3"


def schema() -> ModuleType:
    """LiteRT's generated Python code for the TFLite model schema (``ModelT``, ``TensorT``, ``BuiltinOperator``...)."""
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


@functools.cache
def metadata_schema() -> ModuleType:
    """The TFLite metadata schema's code, from the mediapipe wheel (not importing it); MetadataError if absent."""
    spec = importlib.util.find_spec("mediapipe")
    path = Path(spec.origin).parent.joinpath(*_METADATA_SCHEMA_FILE) if spec and spec.origin else None
    if path is None or not path.is_file():
        raise MetadataError(
            "Reading or writing TFLite metadata needs the schema file that the mediapipe package ships "
            f'({"/".join(_METADATA_SCHEMA_FILE)}), and it was not found. Install it: pip install "mediapipe~=1.2.2".'
        )
    module_spec = importlib.util.spec_from_file_location("helpers._metadata_schema", path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_spec.name] = module
    module_spec.loader.exec_module(module)
    return module


def enum_names(enum_class: type) -> dict[int, str]:
    """A generated schema enum as {value: NAME}."""
    return {value: key for key, value in vars(enum_class).items() if not key.startswith("_")}


def text(value: bytes | str | None) -> str:
    """A flatbuffer string (bytes or None) as str."""
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value or "")


def _vector(values: Any) -> list:  # a flatbuffer vector is None when empty
    return [] if values is None else list(values)


def _table(kind: type, **fields: object) -> Any:
    """An object-API table (``TensorT``, ``TensorMetadataT``...) with ``fields`` set."""
    table = kind()
    for name, value in fields.items():
        setattr(table, name, value)
    return table


def pack(table: Any, identifier: bytes = b"TFL3") -> bytes:
    """An object-API table as a root flatbuffer: a ``ModelT`` as a .tflite file (without a zip part), or metadata."""
    import flatbuffers

    size = 1024 + sum(len(b.data) for b in _vector(getattr(table, "buffers", None)) if b.data is not None)
    builder = flatbuffers.Builder(size)
    builder.Finish(table.Pack(builder), file_identifier=identifier)
    return bytes(builder.Output())


def _builtin(code: Any) -> int:
    """An operator code's builtin operator: files from before 2020 set only the 8-bit deprecated field."""
    return max(int(code.builtinCode), int(code.deprecatedBuiltinCode))


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a .tflite model: type and shape, quantization, the bytes stored for it, its role and layer."""

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    nbytes: int  # bytes stored in the file (weights, biases); 0 for activations, computed at run time
    role: str = "activation"  # input, output, weights, bias, constant or activation
    layer: str = ""  # weights and bias: the output name of the operator that uses them (it carries the layer name)

    @property
    def quantized(self) -> bool:
        """True when the tensor holds integer codes with a scale and a zero point."""
        return any(s > 0 for s in self.scales)

    @property
    def constant(self) -> bool:
        """True for tensors stored in the file (weights, biases), False for activations."""
        return self.nbytes > 0

    def summary(self) -> dict[str, object]:
        """The tensor as one table row (scale and zero point as ranges if per channel)."""
        scale = zero_point = "–"
        if len(self.scales) > 1:  # one scale per channel
            scale = f"{len(self.scales)} scales, {min(self.scales):.3g} … {max(self.scales):.3g}"
            points = sorted(set(self.zero_points))
            zero_point = str(points[0]) if len(points) == 1 else f"{points[0]} … {points[-1]}"
        elif self.quantized:
            scale, zero_point = f"{self.scales[0]:.4g}", str(self.zero_points[0])
        name = _short_name(self.layer if self.layer and "/" not in self.name else self.name)  # not "arith.constant40"
        values = (
            self.role,
            name,
            "×".join(map(str, self.shape)) or "scalar",
            self.dtype,
            scale,
            zero_point,
            self.nbytes,
        )
        return dict(zip(("role", "name", "shape", "dtype", "scale", "zero point", "stored bytes"), values, strict=True))


def _short_name(name: str, width: int = 40) -> str:
    """A tensor name without the model prefix and fused-op suffixes ("model_1/conv1_1/convolution;…" → "conv1_1/…")."""
    first = name.split(";")[0]
    parts = first.split("/")
    if len(parts) > 2:
        first = "/".join(parts[1:])
    return first if len(first) <= width else first[: width - 1] + "…"


def _match(info: TensorInfo, fragment: str) -> int | None:
    """How well ``fragment`` names ``info`` (0 best), or None: its own name first, then its layer's."""
    if info.name == fragment:
        return 0
    for rank, name in ((1, info.name), (3, info.layer)):
        if fragment in name.split(";")[0]:
            return rank
        if fragment in name:
            return rank + 1
    return None


def find_tensor(infos: Sequence[TensorInfo], fragment: str, role: str | None = None) -> TensorInfo:
    """The one tensor that ``fragment`` (e.g. a layer name) best names, optionally of one ``role`` (notebook 05): an
    exact name, then its first part (before ";"), any part, then the same for a weight's or bias's layer (converters
    name many constants ``arith.constant40``); on a tie weights win over a bias, a quantized tensor over its float
    copy (``…_dequant``). QuantizationError when no tensor, or several, match."""
    ranked = []
    for info in infos if isinstance(fragment, str) and fragment else ():
        rank = _match(info, fragment)
        if rank is not None and role in (None, info.role):
            ranked.append(((rank, info.role != "weights", not info.quantized), info))
    top = min((key for key, _ in ranked), default=None)
    best = [info for key, info in ranked if key == top]
    if len(best) != 1:
        names = sorted({_short_name(n) for t in infos for n in (t.name, t.layer) if n})
        close = ", ".join(difflib.get_close_matches(str(fragment), names, n=3, cutoff=0.3))
        several = "; ".join(f"{t.index} {t.name[:80]!r}" for t in best[:4])
        raise QuantizationError(
            f"{len(best)} tensors{f' of role {role}' if role else ''} match {fragment!r} equally well ({several}): "
            f"give more of the name."
            if best
            else f"No{f' {role}' if role else ''} tensor name contains {fragment!r}, nor does the output name of an "
            f"operator using it.{f' Close names: {close}.' if close else ''} Name it with a non-empty str; the "
            f"roles are input, output, weights, bias, constant, activation."
        )
    return best[0]


class TFLiteFile:
    """A .tflite file read once (a path or its bytes): graph, tensors, metadata (notebook 04); else ModelError."""

    def __init__(self, source: str | os.PathLike | bytes | bytearray) -> None:
        if isinstance(source, (bytes, bytearray)):
            self.path, self.data, self.name = None, bytes(source), "the model"
        else:
            self.path = Path(source) if isinstance(source, (str, os.PathLike)) else None
            if self.path is None or not self.path.is_file():
                how = "" if self.path else ": give a .tflite file's path or its bytes"
                raise ModelError(
                    f"No model file at '{source}'{how}. Fetch models by name with helpers.assets.fetch(...), or "
                    f"export one with helpers.quantize.convert(...)."
                )
            self.data, self.name = self.path.read_bytes(), self.path.name
        if not is_tflite(self.data):
            where = "These bytes are" if self.path is None else f"'{self.path}' is"
            raise ModelError(
                f"{where} empty (0 bytes): the download did not finish; fetch it again."
                if not self.data
                else f"{where} not a TensorFlow Lite model (a .tflite file has 'TFL3' at byte 4; this one starts with "
                f"{self.data[:8]!r}). Is it an HTML page, a .h5/.keras/.pb file or a zip? Download the .tflite file "
                f"itself, or convert the Keras model first."
            )

    @contextlib.contextmanager
    def _reading(self, part: str, error: type[ModelError] = ModelError) -> Iterator[None]:
        """The errors flatbuffers and zipfile raise on a damaged ``part`` of the file, as one ``error``."""
        try:
            yield
        except _DAMAGED as exc:
            raise error(
                f"'{self.name}' is damaged or truncated: its {part} cannot be read ({type(exc).__name__}: {exc}). "
                f"Fetch or convert it again."
            ) from exc

    def model_object(self) -> Any:
        """A fresh, mutable ``ModelT`` of the file, to change and ``pack``; empty buffers all become buffer 0."""
        with self._reading("graph"):
            model = schema().ModelT.InitFromPackedBuf(bytearray(self.data), 0)
            kept, moved = [schema().BufferT()], []  # buffer 0 stays the empty one; every empty buffer becomes it
            for buffer in model.buffers or []:
                if (buffer.data is None or not len(buffer.data)) and (buffer.offset or 0) > 1 and buffer.size:
                    buffer.data = np.frombuffer(self.data, np.uint8, int(buffer.size), int(buffer.offset)).copy()
                    buffer.offset = buffer.size = 0
                moved.append(len(kept) if buffer.data is not None and len(buffer.data) else 0)
                kept += [buffer] if moved[-1] else []
            model.buffers, graphs = kept, list(model.subgraphs)
            graphs[0].inputs  # noqa: B018 — a file without a graph is damaged too
        for entry in [t for g in graphs for t in g.tensors or []] + _vector(model.metadata):
            entry.buffer = moved[entry.buffer] if 0 <= entry.buffer < len(moved) else 0
        for graph in graphs:
            graph.inputs, graph.outputs = ([int(i) for i in _vector(ends)] for ends in (graph.inputs, graph.outputs))
        return model

    @functools.cached_property
    def model(self) -> Any:
        """The parsed graph (``ModelT``) the reading methods share: do not change it (use ``model_object``)."""
        return self.model_object()

    @functools.cached_property
    def _root(self) -> Any:
        """The file's ``Model`` read lazily (nothing copied): for the few fields read when a model is loaded."""
        with self._reading("graph"):
            return schema().Model.GetRootAs(self.data, 0)

    def check_quantization(self) -> None:
        """Raise ModelError for a uint8/int8 input or output whose scale is 0 or not finite (read lazily)."""
        with self._reading("graph"):
            graph, integers = self._root.Subgraphs(0), (schema().TensorType.UINT8, schema().TensorType.INT8)
            ends = [("input", graph.Inputs(i)) for i in range(graph.InputsLength())]
            for role, index in ends + [("output", graph.Outputs(i)) for i in range(graph.OutputsLength())]:
                tensor = graph.Tensors(int(index))
                quantization = tensor.Quantization()
                scales = quantization.ScaleAsNumpy() if quantization and quantization.ScaleLength() else np.ones(1)
                if tensor.Type() in integers and not (np.isfinite(scales) & (scales > 0)).all():
                    raise ModelError(
                        f"'{self.name}' has a quantized {role} tensor '{text(tensor.Name())}' whose scale is "
                        f"{scales.tolist()}: a quantization scale must be a finite number above 0 (LiteRT does not "
                        f"check it, and an int8 model with a scale of 0 crashes the whole process). The file was "
                        f"exported or quantized wrongly: re-export or re-quantize the model."
                    )

    @property
    def graph(self) -> Any:
        """The main graph (subgraph 0)."""
        return self.model.subgraphs[0]

    def operator_names(self) -> list[str]:
        """The operator code table as names (CONV_2D, QUANTIZE, ... or a custom operator's name)."""
        names = enum_names(schema().BuiltinOperator)
        codes = _vector(self.model.operatorCodes)
        return [text(c.customCode) if c.customCode else names.get(_builtin(c), f"OP{_builtin(c)}") for c in codes]

    def operator_counts(self) -> dict[str, int]:
        """How many times each operator appears in the main graph, most frequent first. Introduced in notebook 05."""
        codes = self.operator_names()
        return dict(Counter(codes[op.opcodeIndex] for op in self.graph.operators or []).most_common())

    def _buffer(self, index: int) -> bytes:
        buffers = self.model.buffers or []
        data = buffers[index].data if 0 <= index < len(buffers) else None
        return b"" if data is None else np.asarray(data, dtype=np.uint8).tobytes()

    def tensors(self) -> tuple[TensorInfo, ...]:
        """Every tensor of the main graph as a TensorInfo (notebook 05)."""
        return self._tensors

    @functools.cached_property
    def _tensors(self) -> tuple[TensorInfo, ...]:
        graph, codes, roles, layers = self.graph, self.operator_names(), {}, {}
        for op in graph.operators or []:
            inputs, outputs = [int(i) for i in _vector(op.inputs)], _vector(op.outputs)
            if codes[op.opcodeIndex] in _WEIGHTED and outputs:
                for position, role in ((1, "weights"), (2, "bias")):
                    if len(inputs) > position and inputs[position] >= 0:
                        roles[inputs[position]], layers[inputs[position]] = role, text(graph.tensors[outputs[0]].name)
        for role, indices in (("input", graph.inputs), ("output", graph.outputs)):
            roles.update((int(index), role) for index in indices)
        types = {value: name.lower() for value, name in enum_names(schema().TensorType).items()}
        infos = []
        for i, tensor in enumerate(graph.tensors or []):
            q, nbytes = tensor.quantization, len(self._buffer(tensor.buffer))
            scales = tuple(float(s) for s in _vector(q.scale if q else None))
            points = tuple(int(z) for z in _vector(q.zeroPoint if q else None)) or (0,) * len(scales)
            shape, dtype = tuple(int(d) for d in _vector(tensor.shape)), types.get(tensor.type, f"type{tensor.type}")
            role, layer = roles.get(i, "constant" if nbytes else "activation"), layers.get(i, "")
            infos.append(TensorInfo(i, text(tensor.name), shape, dtype, scales, points, nbytes, role, layer))
        return tuple(infos)

    @raises_own_errors(QuantizationError)
    def constant(self, tensor: int | str | TensorInfo) -> np.ndarray:
        """The values stored for a constant tensor (by index, name, layer name or TensorInfo); notebook 05."""
        infos = self.tensors()
        if isinstance(tensor, str):
            tensor = find_tensor([t for t in infos if t.constant], tensor)
        info = infos[tensor.index if isinstance(tensor, TensorInfo) else tensor]
        if not info.constant or info.dtype not in np.sctypeDict:
            why = "is an activation: it has no stored values; it is computed when the model runs. Pick a weight or bias"
            raise QuantizationError(
                f"Tensor {info.index} ({info.name!r}) "
                + (f"{why} tensor." if not info.constant else f"is stored as {info.dtype}, which NumPy cannot read.")
            )
        raw = self._buffer(self.graph.tensors[info.index].buffer)
        return np.frombuffer(raw, dtype=np.dtype(info.dtype)).reshape(info.shape).copy()

    def stored_bytes(self) -> dict[str, int]:
        """Bytes stored for constant tensors, per dtype (largest first): where a model's size goes. Notebook 05."""
        return dict(sum((Counter({t.dtype: t.nbytes}) for t in self.tensors() if t.constant), Counter()).most_common())

    # ----------------------------------------------------------------------- metadata and embedded files

    def fused_activation(self, op_index: int) -> str:
        """The activation (NONE, RELU, RELU6, TANH, ...) fused into a FULLY_CONNECTED, CONV_2D or ADD operator."""
        s, operator = schema(), self._root.Subgraphs(0).Operators(int(op_index))
        table = operator.BuiltinOptions()
        for options in (s.FullyConnectedOptions, s.Conv2DOptions, s.AddOptions):
            if table is not None and operator.BuiltinOptionsType() == getattr(s.BuiltinOptions, options.__name__):
                fields = options()
                fields.Init(table.Bytes, table.Pos)
                return enum_names(s.ActivationFunctionType)[fields.FusedActivationFunction()]
        return "NONE"

    def _metadata_buffer(self) -> bytes | None:
        with self._reading("model part", MetadataError):
            root = self._root
            for entry in (root.Metadata(i) for i in range(root.MetadataLength())):
                if entry.Name() == METADATA_NAME:
                    buffer = root.Buffers(entry.Buffer())
                    if buffer.DataLength():
                        return buffer.DataAsNumpy().tobytes()
                    offset, size = int(buffer.Offset()), int(buffer.Size())
                    return self.data[offset : offset + size] if offset > 1 and size > 0 else b""
        return None

    def metadata(self) -> ModelMetadata | None:
        """The file's TFLite metadata, or None when it has none. Raises MetadataError for damaged metadata."""
        raw = self._metadata_buffer()  # read without parsing the graph
        if raw is None:
            return None
        md = metadata_schema()
        with self._reading("metadata (an M001 metadata flatbuffer)", MetadataError):
            meta = md.ModelMetadataT.InitFromPackedBuf(bytearray(raw), 0) if raw[4:8] == METADATA_IDENTIFIER else None
            graph = _vector(meta.subgraphMetadata)[:1]  # another kind of buffer (None) fails here, as damaged
            tensors = [tuple(_tensor_metadata(t, md) for g in graph for t in _vector(getattr(g, f))) for f in _IO]
        about = [text(getattr(meta, f)) for f in ("name", "version", "author", "license")]
        return ModelMetadata(self.path or Path(self.name), *about, *tensors, tuple(self._embedded()), self)

    def _embedded(self, name: str | None = None) -> list[str] | bytes:
        """The names of the files in the zip part (none without one), or the bytes of the file ``name``."""
        if name is None and not zipfile.is_zipfile(io.BytesIO(self.data)):
            return []
        with (
            self._reading(f"embedded file '{name}'" if name else "embedded files", MetadataError),
            zipfile.ZipFile(io.BytesIO(self.data)) as zip,
        ):
            return zip.namelist() if name is None else zip.read(name)


def _file(source: str | os.PathLike | bytes | TFLiteFile) -> TFLiteFile:
    return source if isinstance(source, TFLiteFile) else TFLiteFile(source)


# --------------------------------------------------------------------------- reading metadata

_IO = ("inputTensorMetadata", "outputTensorMetadata")


@dataclass(frozen=True)
class AssociatedFile:
    """A file embedded in the model's zip and named by the metadata (e.g. a labels file)."""

    name: str
    kind: str  # TENSOR_AXIS_LABELS (one label per output), TENSOR_VALUE_LABELS (label per class value), ...
    locale: str = ""


@dataclass(frozen=True)
class TensorMetadata:
    """What the metadata says about one input or output tensor."""

    name: str
    content: str = "unknown"  # "image", "feature", "bounding box", "unknown"
    mean: tuple[float, ...] | None = None  # normalization: real = (pixel - mean) / std
    std: tuple[float, ...] | None = None
    value_range: tuple[float, float] | None = None  # the tensor's documented (min, max)
    files: tuple[AssociatedFile, ...] = ()
    box_order: tuple[int, ...] | None = None  # bounding boxes: where left, top, right, bottom sit among the 4 values
    box_coordinates: str = ""  # RATIO (0…1 of the input size) or PIXEL

    @property
    def label_file(self) -> AssociatedFile | None:
        """The tensor's labels file (the one without a locale first), or None."""
        files = [f for f in self.files if f.kind in ("TENSOR_AXIS_LABELS", "TENSOR_VALUE_LABELS")]
        return min(files, key=lambda f: f.locale != "", default=None)


@dataclass(frozen=True)
class ModelMetadata:
    """A model's TFLite metadata: description, licence, and one TensorMetadata per input and output. Notebook 09."""

    model_path: Path
    name: str
    version: str
    author: str
    license: str
    inputs: tuple[TensorMetadata, ...]
    outputs: tuple[TensorMetadata, ...]
    files: tuple[str, ...] = ()  # what the zip part holds
    source: TFLiteFile | None = field(default=None, repr=False, compare=False)  # the file read, for its zip part

    def normalization(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """(mean, std) of the input; a MetadataError names what is missing and how to pass it by hand."""
        tensor = self.inputs[0] if self.inputs else TensorMetadata("(none described)")
        if tensor.mean is None or tensor.std is None:
            raise MetadataError(
                f"The metadata of '{self.model_path.name}' has no NormalizationOptions (mean, std) on input "
                f"'{tensor.name}'; {_NEEDS['normalization'][1]}."
            )
        return tensor.mean, tensor.std

    def labels(self) -> list[str]:
        """The labels of the first output with a labels file, read like a label file; MetadataError if none."""
        file = next((t.label_file for t in self.outputs if t.label_file is not None), None)
        if file is None:
            raise MetadataError(
                f"The metadata of '{self.model_path.name}' names no labels file (an associated file of type "
                f"TENSOR_AXIS_LABELS or TENSOR_VALUE_LABELS) on output {', '.join(repr(t.name) for t in self.outputs)}"
                f"; {_NEEDS['labels'][1]}."
            )
        source = self.source or TFLiteFile(self.model_path)
        with source._reading(f"labels file '{file.name}' (UTF-8 text in the zip part)", MetadataError):
            return label_lines(source._embedded(file.name).decode("utf-8"))

    def summary(self) -> dict[str, object]:
        """The main facts as a flat dict, for display in a notebook."""
        facts: dict[str, object] = {"name": self.name, "version": self.version, "author": self.author}
        facts |= {"license": self.license, "embedded files": list(self.files)}
        for role, tensors in (("input", self.inputs), ("output", self.outputs)):
            for i, tensor in enumerate(tensors):
                parts = [
                    tensor.content,
                    tensor.mean is not None and f"mean {_numbers(tensor.mean)}, std {_numbers(tensor.std)}",
                    tensor.value_range is not None and f"range {_numbers(tensor.value_range)}",
                    tensor.label_file is not None and f"labels in {tensor.label_file.name}",
                ]
                facts[f"{role} {i} '{tensor.name}'"] = "; ".join(part for part in parts if part)
        return facts


def _numbers(values: Sequence[float]) -> str:
    shown = [f"{v:g}" for v in values]
    return shown[0] if len(shown) == 1 else "(" + ", ".join(shown) + ")"


def _tensor_metadata(tensor: Any, md: ModuleType) -> TensorMetadata:
    kinds = enum_names(md.AssociatedFileType)
    files = tuple(
        AssociatedFile(text(f.name), kinds.get(f.type, str(f.type)), text(f.locale))
        for f in _vector(tensor.associatedFiles)
    )
    mean = std = value_range = None
    for unit in _vector(tensor.processUnits):
        if unit.optionsType == md.ProcessUnitOptions.NormalizationOptions and unit.options is not None:
            mean = tuple(float(v) for v in np.ravel(unit.options.mean))
            std = tuple(float(v) for v in np.ravel(unit.options.std))
    low, high = (np.ravel(_vector(getattr(tensor.stats, end, None))) for end in ("min", "max"))
    if low.size and high.size:
        value_range = (float(low.min()), float(high.max()))
    kind, props = (tensor.content.contentPropertiesType, tensor.content.contentProperties) if tensor.content else (0, 0)
    contents = {md.ContentProperties.ImageProperties: "image", md.ContentProperties.FeatureProperties: "feature"}
    content, box = contents.get(kind, "unknown"), {}
    if kind == md.ContentProperties.BoundingBoxProperties:
        content, order = "bounding box", tuple(int(i) for i in _vector(props.index)) or None
        box = {"box_order": order, "box_coordinates": enum_names(md.CoordinateType).get(props.coordinateType, "")}
    return TensorMetadata(text(tensor.name), content, mean, std, value_range, files, **box)


@raises_own_errors(MetadataError)
def read_metadata(
    model: str | os.PathLike | TFLiteFile, needed: Literal["labels", "normalization"] | None = None
) -> ModelMetadata:
    """A model's TFLite metadata (notebook 09); MetadataError for damaged or none, naming what to pass by hand."""
    wanted = [_NEEDS[needed]] if needed is not None else list(_NEEDS.values())
    file = _file(model)
    meta = file.metadata()
    if meta is None:
        raise MetadataError(
            f"'{file.name}' carries no TFLite metadata (no '{METADATA_NAME.decode()}' entry in the model file), "
            f"so it cannot say {' or '.join(what for what, _ in wanted)}. Use a model file with metadata, or "
            + "; and ".join(how for _, how in wanted)
            + "."
        )
    return meta


def _ends(file: TFLiteFile, image: bool = False) -> tuple[TensorInfo, TensorInfo]:
    """The input and the output of a model with one graph, one input and one output (an image when ``image``)."""
    graphs, graph = len(file.model.subgraphs), file.graph
    if graphs != 1 or len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise ModelError(
            f"'{file.name}' has {graphs} graphs, {len(graph.inputs)} inputs and {len(graph.outputs)} outputs; "
            f"models are joined, given a head or labelled here when they have one graph, one input and one output."
        )
    source, result = file.tensors()[graph.inputs[0]], file.tensors()[graph.outputs[0]]
    shape, types = source.shape, ("float32", "uint8", "int8")
    if image and (len(shape) != 4 or (shape[0], shape[3]) != (1, 3) or source.dtype not in types):
        raise ModelError(
            f"The model's input is {source.dtype} of shape {list(source.shape)}; an image classifier takes "
            f"(1, H, W, 3) float32, uint8 or int8 pixels."
        )
    return source, result


def output_quantization(model: str | os.PathLike | bytes | TFLiteFile) -> tuple[str, int, float, int]:
    """(dtype, number of values, scale, zero point) of a one-output model's output (scale 0: float); ModelError else."""
    file = _file(model)
    _, info = _ends(file)
    if info.dtype not in ("float32", "uint8", "int8") or len(info.scales) > 1:
        raise ModelError(
            f"The output of '{file.name}' is {info.dtype}{' quantized per channel' if len(info.scales) > 1 else ''}; "
            f"a head reads float32, uint8 or int8 features with one scale."
        )
    scale, zero_point = (info.scales[0], info.zero_points[0]) if info.quantized else (0.0, 0)
    return info.dtype, int(np.prod(info.shape[1:])), scale, zero_point


@dataclass(frozen=True)
class Int8Head:
    """The integer numbers of an int8 head (from ``helpers.transfer.export_classifier``); scales as TFLite stores them."""

    weights: np.ndarray  # int8 (classes, dim), symmetric: zero point 0
    weight_scale: float
    bias: np.ndarray  # int32 (classes,), scale = feature scale × weight scale
    bias_scale: float
    logit_scale: float
    logit_zero_point: int
    feature_scale: float  # the int8 features the head reads (requantized from the extractor's output if needed)
    feature_zero_point: int


def append_head(extractor: bytes, weights: np.ndarray, bias: np.ndarray, int8: Int8Head | None = None) -> bytes:
    """The extractor's graph, then FULLY_CONNECTED → SOFTMAX (int8: between QUANTIZE and DEQUANTIZE): one model."""
    s, file = schema(), TFLiteFile(extractor)
    dtype, dim, _, _ = output_quantization(file)
    model = file.model_object()
    graph, ops, uint8 = model.subgraphs[0], s.BuiltinOperator, dtype == "uint8"
    w = np.ascontiguousarray(np.asarray(weights, dtype=np.float32).T)  # TFLite stores (classes, dim)
    b = np.ascontiguousarray(np.asarray(bias, dtype=np.float32))
    classes = w.shape[0]

    def tensor(name: str, shape: list[int], data: np.ndarray | None = None, quantization: tuple | None = None) -> int:
        """A new tensor (``data``'s type, else int8 when quantized, else float32) and its buffer; its index."""
        raw = None if data is None else np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
        model.buffers.append(_table(s.BufferT, data=raw))
        kind = getattr(
            s.TensorType, data.dtype.name.upper() if data is not None else "INT8" if quantization else "FLOAT32"
        )
        entry = _table(s.TensorT, name=name.encode(), shape=shape, type=kind, buffer=len(model.buffers) - 1)
        if quantization is not None:
            scale, zero_point = [float(quantization[0])], [int(quantization[1])]
            entry.quantization = _table(s.QuantizationParametersT, scale=scale, zeroPoint=zero_point)
        graph.tensors.append(entry)
        return len(graph.tensors) - 1

    def operator(code: int, inputs: list[int], name: str, options: Any, version: int = 1, *output: Any) -> int:
        """Add operator ``code`` on ``inputs``, writing a new tensor (``name``, then [1, classes] or ``output``)."""
        found = [i for i, c in enumerate(model.operatorCodes) if _builtin(c) == code and not c.customCode]
        if found:
            model.operatorCodes[found[0]].version = max(model.operatorCodes[found[0]].version, version)
        else:
            model.operatorCodes.append(
                _table(s.OperatorCodeT, builtinCode=code, deprecatedBuiltinCode=min(code, 127), version=version)
            )
        result = tensor(name, *(output or ([1, classes],)))
        options_type = getattr(s.BuiltinOptions, type(options).__name__.removesuffix("T"))
        index = found[0] if found else len(model.operatorCodes) - 1
        graph.operators.append(
            _table(s.OperatorT, opcodeIndex=index, inputs=inputs, outputs=[result], builtinOptionsType=options_type)
        )
        graph.operators[-1].builtinOptions = options
        return result

    fully_connected = _table(s.FullyConnectedOptionsT, fusedActivationFunction=s.ActivationFunctionType.NONE)
    softmax = _table(s.SoftmaxOptionsT, beta=1.0)
    source, shape = graph.outputs[0], [int(d) for d in graph.tensors[graph.outputs[0]].shape]
    if int8 is None:
        if dtype != "float32":
            source = operator(ops.DEQUANTIZE, [source], "head/features_float", s.DequantizeOptionsT(), 2 - uint8, shape)
        parameters = [tensor("head/weights", [classes, dim], w), tensor("head/bias", [classes], b)]
        logits = operator(ops.FULLY_CONNECTED, [source, *parameters], "head/logits", fully_connected)
        probabilities = operator(ops.SOFTMAX, [logits], "probabilities", softmax)
    else:
        if dtype != "int8":
            features = (int8.feature_scale, int8.feature_zero_point)
            source = operator(
                ops.QUANTIZE, [source], "head/features_int8", s.QuantizeOptionsT(), 1 + uint8, shape, None, features
            )
        parameters = [
            tensor("head/weights_int8", [classes, dim], np.asarray(int8.weights, np.int8), (int8.weight_scale, 0)),
            tensor("head/bias_int32", [classes], np.asarray(int8.bias, np.int32), (int8.bias_scale, 0)),
        ]
        logit = ([1, classes], None, (int8.logit_scale, int8.logit_zero_point))
        logits = operator(ops.FULLY_CONNECTED, [source, *parameters], "head/logits_int8", fully_connected, 4, *logit)
        probability = ([1, classes], None, (1 / 256, -128))
        codes = operator(ops.SOFTMAX, [logits], "head/probabilities_int8", softmax, 2, *probability)
        probabilities = operator(ops.DEQUANTIZE, [codes], "probabilities", s.DequantizeOptionsT(), 2)
    graph.outputs = [probabilities]
    model.signatureDefs = []  # the extractor's signature (if any) names the old output
    head = "int8" if int8 is not None else "float32"
    model.description = f"Feature extractor + {head} softmax head (helpers.transfer.export_classifier)".encode()
    return pack(model)


@raises_own_errors(ModelError)
def join_models(first: str | os.PathLike | bytes, second: str | os.PathLike | bytes) -> bytes:
    """One model whose graph is ``first`` then ``second`` (notebook 04); ModelError unless each has one graph, input
    and output, and they meet."""
    head_file, tail_file = TFLiteFile(first), TFLiteFile(second)
    meeting = (_ends(head_file)[1], _ends(tail_file)[0])
    described = [(info.shape, info.dtype, info.scales, info.zero_points) for info in meeting]
    if described[0] != described[1]:
        raise ModelError(
            f"'{head_file.name}' ends in {described[0]} (shape, type, scales, zero points) but "
            f"'{tail_file.name}' starts from {described[1]}: the two models do not meet."
        )
    model, tail = head_file.model_object(), tail_file.model_object()
    graph, other, buffer_offset = model.subgraphs[0], tail.subgraphs[0], len(model.buffers)
    model.buffers += tail.buffers[1:]  # buffer 0 is the shared empty one
    codes, mine = [], {(_builtin(c), c.customCode, c.version): i for i, c in enumerate(model.operatorCodes)}
    for code in tail.operatorCodes:
        key = (_builtin(code), code.customCode, code.version)
        if key not in mine:
            mine[key] = len(model.operatorCodes)
            model.operatorCodes.append(code)
        codes.append(mine[key])
    where = {other.inputs[0]: graph.outputs[0]}  # tail tensor index → index in the joined graph
    for index, tensor in enumerate(other.tensors):
        if index not in where:
            tensor.buffer = tensor.buffer + buffer_offset - 1 if tensor.buffer > 0 else 0
            graph.tensors.append(tensor)
            where[index] = len(graph.tensors) - 1
    for op in other.operators:
        op.opcodeIndex = codes[op.opcodeIndex]
        op.inputs = [where[int(i)] if i >= 0 else -1 for i in op.inputs]
        op.outputs = [where[int(i)] for i in op.outputs]
        graph.operators.append(op)
    graph.outputs = [where[int(i)] for i in other.outputs]
    model.signatureDefs = []  # a signature names the old output
    return pack(model)


# --------------------------------------------------------------------------- writing: metadata


@raises_own_errors(ModelError)
def input_normalization(
    model: bytes | TFLiteFile, normalization: tuple[float, float] | None = None
) -> tuple[float, float]:
    """(mean, std) such that the network sees ``(pixel − mean) / std``: a quantized input's own (real = scale ×
    (pixel − zero_point)), else ``normalization``; ModelError if it is missing or contradicts the input."""
    image, _ = _ends(_file(model), image=True)
    computed = None
    if image.dtype != "float32" and image.quantized:
        computed = (float(image.zero_points[0] + (128 if image.dtype == "int8" else 0)), 1.0 / image.scales[0])
    if normalization is not None:
        mean, std = finite_array(normalization, "normalization (mean, std), such as (127.5, 127.5),", ModelError)
        normalization = (float(mean), real_number(std, "normalization (mean, std): the std", ModelError, positive=True))
        if computed is not None and not np.allclose(normalization, computed, rtol=0.01):
            raise ModelError(
                f"The {image.dtype} input's quantization means (pixel − {computed[0]:g}) / {computed[1]:g}; "
                f"normalization={normalization} contradicts it. Drop normalization= for quantized "
                f"inputs: the file already says it."
            )
    if (computed or normalization) is None:
        raise ModelError(
            f"A {image.dtype} input without a quantization does not record how pixels were scaled. Give "
            f"normalization=(mean, std) as used in training: (127.5, 127.5) for MobileNet's [-1, 1], (0, 255) "
            f"for [0, 1]."
        )
    return computed or normalization


def check_labels(labels: Sequence[str], classes: int) -> list[str]:
    """``labels`` as a list of str; LabelError unless there is one per output, distinct, each reading back from a
    labels file as itself."""
    labels = text_labels(labels)
    if len(labels) != classes:
        raise LabelError(
            f"{len(labels)} labels for a model with {classes} outputs; give exactly one label per "
            f"output, in output order (e.g. the class folders' names, sorted as in training)."
        )
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    bad = [label for label in labels if label.splitlines() != [label] or label.strip() != label or label in repeated]
    if bad:
        raise LabelError(
            f"Labels must be distinct non-empty single-line names without spaces around them (never the same "
            f"label for two outputs), or they would read back from the labels file as other labels; got "
            f"{bad[:3]}. Remove line breaks (including \\r, \\x85, \\u2028, \\u2029) and surrounding spaces."
        )
    return labels


def labels_text(labels: Sequence[str]) -> bytes:
    """The labels file's bytes: one label per line, UTF-8, ending with a newline (labels from ``check_labels``)."""
    return ("\n".join(labels) + "\n").encode("utf-8")


@raises_own_errors(ModelError)
def add_metadata(
    model: bytes | TFLiteFile,
    labels: Sequence[str],
    *,
    name: str,
    description: str = "",
    normalization: tuple[float, float] | None = None,
) -> bytes:
    """The model with image-classifier metadata and its ``labels.txt`` inside (replacing any metadata it had)."""
    file = _file(model)
    image, scores = _ends(file, image=True)
    labels = check_labels(labels, int(np.prod(scores.shape[1:])))
    mean, std = input_normalization(file, normalization)
    md, s, (height, width), kinds = metadata_schema(), schema(), image.shape[1:3], metadata_schema().ContentProperties
    size = _table(md.ImageSizeT, width=width, height=height)
    picture = _table(md.ImagePropertiesT, colorSpace=md.ColorSpaceType.RGB, defaultSize=size)
    unit = _table(md.ProcessUnitT, optionsType=md.ProcessUnitOptions.NormalizationOptions)
    unit.options = _table(md.NormalizationOptionsT, mean=[mean], std=[std])
    image_input = _table(md.TensorMetadataT, name="image", processUnits=[unit])
    image_input.description = f"RGB image, {width}×{height}; the network sees (pixel − {mean:g}) / {std:g}."
    image_input.content = _table(md.ContentT, contentPropertiesType=kinds.ImageProperties, contentProperties=picture)
    image_input.stats = _table(md.StatsT, min=[(0 - mean) / std], max=[(255 - mean) / std])
    labels_file = _table(md.AssociatedFileT, name="labels.txt", type=md.AssociatedFileType.TENSOR_AXIS_LABELS)
    labels_file.description = "One label per output, in order."
    probabilities = _table(md.TensorMetadataT, name="probability", associatedFiles=[labels_file])
    probabilities.description = f"Probabilities of the {len(labels)} labels."
    probabilities.content = _table(md.ContentT, contentPropertiesType=kinds.FeatureProperties)
    probabilities.content.contentProperties = md.FeaturePropertiesT()
    probabilities.stats = _table(md.StatsT, min=[0.0], max=[1.0])
    graph = _table(md.SubGraphMetadataT, inputTensorMetadata=[image_input], outputTensorMetadata=[probabilities])
    meta = _table(md.ModelMetadataT, name=name, description=description, version="v1", subgraphMetadata=[graph])
    meta.minParserVersion = "1.0.0"  # every metadata field written here exists since metadata version 1.0.0
    model_object = file.model_object()
    model_object.buffers.append(_table(s.BufferT, data=np.frombuffer(pack(meta, METADATA_IDENTIFIER), np.uint8)))
    entry = _table(s.MetadataT, name=METADATA_NAME, buffer=len(model_object.buffers) - 1)
    model_object.metadata = [*(m for m in _vector(model_object.metadata) if m.name != METADATA_NAME), entry]
    stream = io.BytesIO(pack(model_object))
    with zipfile.ZipFile(stream, "a", compression=zipfile.ZIP_STORED) as archive:  # appended after the model
        archive.writestr("labels.txt", labels_text(labels))
    return stream.getvalue()


@raises_own_errors(ModelError)
def write_with_metadata(
    model_path: str | os.PathLike, labels: Sequence[str], out_path: str | os.PathLike, **options: Any
) -> Path:
    """Add metadata (``add_metadata``: ``name=``, ...) to a .tflite file, saved to ``out_path`` (notebook 08)."""
    write_bytes_atomically(Path(out_path), add_metadata(TFLiteFile(model_path), labels, **options))
    return Path(out_path)
