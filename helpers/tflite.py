"""One reader and one writer for ``.tflite`` files: tensors, operators, metadata, embedded files, new layers.

A ``.tflite`` file is a flatbuffer (schema ``TFL3``, read with the generated
code LiteRT ships as ``ai_edge_litert.schema_py_generated``) that may carry
TFLite metadata (a second flatbuffer, schema ``M001``, in a buffer named
``TFLITE_METADATA``) and, appended after it, a zip archive of embedded files
such as ``labels.txt``. ``TFLiteFile`` reads a file once and serves every view:

* inspection (introduced in notebook 05): ``tensors()`` gives each tensor's
  type, shape, quantization, stored bytes and role; ``find_tensor`` looks a
  tensor up by a layer's name *through the graph* (the operator whose output
  carries the layer name → its weight and bias inputs), because converters
  name many constants ``arith.constant40`` or ``tfl.pseudo_qconst3``;
* the metadata flatbuffer and the embedded files (notebook 01; the metadata's
  meaning is decoded by ``helpers.metadata``);
* writing (notebook 06): ``TFLiteFile.model_object()`` gives a mutable copy in
  the schema's object API (``ModelT``), ``pack_model`` turns it back into bytes,
  and ``append_head`` adds a softmax classifier after a feature extractor.

Only NumPy, flatbuffers and LiteRT's schema code are needed: no TensorFlow.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import os
import struct
import sys
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from helpers.errors import MetadataError, ModelError, QuantizationError

FILE_IDENTIFIER = b"TFL3"
METADATA_NAME = b"TFLITE_METADATA"
ROLES = ("input", "output", "weights", "bias", "constant", "activation")
WEIGHTED_OPERATORS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV")
_METADATA_SCHEMA_FILE = ("tasks", "metadata", "metadata_schema_py_generated.py")


def is_tflite(data: bytes) -> bool:
    """True when ``data`` starts like a TensorFlow Lite flatbuffer ('TFL3' at byte 4). Introduced in notebook 01.

    Raises nothing.
    """
    return len(data) >= 8 and data[4:8] == FILE_IDENTIFIER


def schema() -> ModuleType:
    """LiteRT's generated Python code for the TFLite model schema (``ModelT``, ``TensorT``, ``BuiltinOperator``, ...).

    Raises nothing of its own.
    """
    from ai_edge_litert import schema_py_generated

    return schema_py_generated


@functools.cache
def metadata_schema() -> ModuleType:
    """MediaPipe's generated Python code for the TFLite metadata schema, loaded without importing mediapipe.

    That one file needs only the ``flatbuffers`` package; importing the
    ``mediapipe`` package would also import TensorFlow when it is installed
    (seconds and hundreds of MB), which inference code must not pay for.
    Raises MetadataError when the mediapipe package (which ships that file) is not installed.
    """
    spec = importlib.util.find_spec("mediapipe")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    path = Path(locations[0]).joinpath(*_METADATA_SCHEMA_FILE) if locations else None
    if path is None or not path.is_file():
        raise MetadataError(
            "Reading or writing TFLite metadata needs the schema file that the mediapipe package ships "
            f'({"/".join(_METADATA_SCHEMA_FILE)}), and it was not found. Install it: pip install "mediapipe~=1.2.2".'
        )
    name = "helpers._metadata_schema"
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def enum_names(enum_class: type) -> dict[int, str]:
    """A generated schema enum as {value: NAME}. Raises nothing."""
    return {value: key for key, value in vars(enum_class).items() if not key.startswith("_")}


def text(value: bytes | str | None) -> str:
    """A flatbuffer string (bytes or None) as str. Raises nothing."""
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def pack(table: Any, identifier: bytes, size: int = 1024) -> bytes:
    """Serialize an object-API table (``ModelT``, ``ModelMetadataT``) as a root flatbuffer with ``identifier``.

    Raises nothing of its own.
    """
    import flatbuffers

    builder = flatbuffers.Builder(size)
    builder.Finish(table.Pack(builder), file_identifier=identifier)
    return bytes(builder.Output())


def pack_model(model: Any) -> bytes:
    """The bytes of a ``ModelT`` (see ``TFLiteFile.model_object``): a .tflite file without any zip part.

    Raises nothing of its own.
    """
    return pack(model, FILE_IDENTIFIER, 1024 + sum(len(b.data) for b in model.buffers or [] if b.data is not None))


# --------------------------------------------------------------------------- tensors


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of a .tflite model: its type and shape, quantization, and the bytes stored for it.

    Raises nothing (a dataclass, built by ``TFLiteFile.tensors``).
    """

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    scales: tuple[float, ...]
    zero_points: tuple[int, ...]
    quantized_dimension: int
    nbytes: int  # bytes stored in the file (weights, biases); 0 for activations, computed at run time
    role: str = "activation"  # input, output, weights, bias, constant or activation
    layer: str = ""  # weights and bias: the output name of the operator that uses them (it carries the layer name)

    @property
    def quantized(self) -> bool:
        """True when the tensor holds integer codes with a scale and a zero point. Raises nothing."""
        return len(self.scales) > 0 and any(s > 0 for s in self.scales)

    @property
    def per_channel(self) -> bool:
        """True when each channel (along ``quantized_dimension``) has its own scale. Raises nothing."""
        return len(self.scales) > 1

    @property
    def constant(self) -> bool:
        """True for tensors stored in the file (weights, biases), False for activations. Raises nothing."""
        return self.nbytes > 0

    def summary(self) -> dict[str, object]:
        """The tensor as one table row: name, shape, dtype, scale and zero point (ranges if per channel).

        Raises nothing.
        """
        if not self.quantized:
            scale, zero_point = "–", "–"
        elif self.per_channel:
            scale = f"{len(self.scales)} scales, {min(self.scales):.3g} … {max(self.scales):.3g}"
            points = sorted(set(self.zero_points))
            zero_point = str(points[0]) if len(points) == 1 else f"{points[0]} … {points[-1]}"
        else:
            scale, zero_point = f"{self.scales[0]:.4g}", str(self.zero_points[0])
        name = short_name(self.layer if self.layer and "/" not in self.name else self.name)  # not "arith.constant40"
        return {
            "role": self.role,
            "name": name,
            "shape": "×".join(map(str, self.shape)) or "scalar",
            "dtype": self.dtype,
            "scale": scale,
            "zero point": zero_point,
            "stored bytes": self.nbytes,
        }


def short_name(name: str, width: int = 40) -> str:
    """A tensor name without the model prefix and fused-op suffixes ("model_1/conv1_1/convolution;…" → "conv1_1/convolution").

    Raises nothing.
    """
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
    """The tensor that ``fragment`` (e.g. a layer name) best names, optionally of one ``role``. Introduced in notebook 05.

    An exact name wins; then a name whose first part (before any ";" of fused
    operations) contains ``fragment``; then any name containing it. Weights and
    biases are also found *through the graph*: by the output name of the operator
    that uses them, which keeps the layer's name when the constant's own name does
    not (TensorFlow ≤ 2.20 names many ``arith.constant40``); there a layer's
    weights come before its bias (pass ``role="bias"`` for the bias). Raises a
    QuantizationError listing close names when nothing matches.
    """
    if not isinstance(fragment, str) or not fragment:
        raise QuantizationError(f"Name the tensor with a non-empty str, e.g. 'conv1_1/convolution'; got {fragment!r}.")
    if role is not None and role not in ROLES:
        raise QuantizationError(f"Unknown role {role!r}; choose one of {', '.join(ROLES)}.")
    ranked = []
    for info in infos:
        rank = _match(info, fragment)
        if rank is not None and (role is None or info.role == role):
            ranked.append((rank, info.role != "weights", info.index, info))
    if not ranked:
        import difflib

        names = {short_name(n) for t in infos for n in (t.name, t.layer) if n}
        close = difflib.get_close_matches(fragment, sorted(names), n=3, cutoff=0.3)
        hint = f" Close names: {', '.join(close)}." if close else ""
        kind = f" {role}" if role else ""
        raise QuantizationError(
            f"No{kind} tensor name contains {fragment!r}, nor does the output name of an operator using it.{hint}"
        )
    return min(ranked, key=lambda entry: entry[:3])[3]


# --------------------------------------------------------------------------- the file


class TFLiteFile:
    """A .tflite file read once: its bytes, its parsed graph, tensors, operators, metadata and embedded files.

    ``source`` is a path or the file's bytes. Raises a ModelError if there is no
    such file or it is not a TensorFlow Lite model; a damaged graph raises when
    first parsed. Introduced in notebook 05.
    """

    def __init__(self, source: str | os.PathLike | bytes | bytearray) -> None:
        if isinstance(source, (bytes, bytearray)):
            self.path, self.data = None, bytes(source)
            where = "These bytes are"
        elif isinstance(source, (str, os.PathLike)):
            self.path = Path(source)
            if not self.path.is_file():
                raise ModelError(
                    f"No model file at '{self.path}'. Fetch models by name with helpers.assets.fetch(...), "
                    f"or export one with helpers.quantize.convert(...)."
                )
            self.data = self.path.read_bytes()
            where = f"'{self.path}' is"
        else:
            raise ModelError(f"Give a model as a path (str or pathlib.Path) or its bytes; got {type(source).__name__}.")
        if not is_tflite(self.data):
            raise ModelError(
                f"{where} not a TensorFlow Lite model (a .tflite file has 'TFL3' at byte 4; this one "
                f"starts with {self.data[:8]!r}). Is it a .h5/.keras file? Convert it first."
            )
        self.name = self.path.name if self.path is not None else "the model"

    def _damaged(self, exc: Exception) -> ModelError:
        return ModelError(
            f"'{self.name}' is damaged and cannot be parsed ({type(exc).__name__}); fetch or convert it again."
        )

    def model_object(self) -> Any:
        """A fresh, mutable ``ModelT`` of the file, to change and ``pack_model``.

        Buffers stored by offset are read in, and empty buffers (converters leave
        one per activation) all become buffer 0, as LiteRT's own flatbuffer tools do.
        Raises ModelError for a file that is damaged (cannot be parsed) or contains no graph.
        """
        try:
            model = schema().ModelT.InitFromPackedBuf(bytearray(self.data), 0)
        except Exception as exc:  # flatbuffers raises assorted errors on a damaged file
            raise self._damaged(exc) from exc
        if not model.subgraphs:
            raise ModelError(f"'{self.name}' contains no graph.")
        kept, moved = [schema().BufferT()], []  # buffer 0 stays the empty one; every empty buffer becomes it
        for buffer in model.buffers or []:
            if (buffer.data is None or not len(buffer.data)) and (buffer.offset or 0) > 1 and buffer.size:
                buffer.data = np.frombuffer(self.data, np.uint8, int(buffer.size), int(buffer.offset)).copy()
                buffer.offset = buffer.size = 0
            moved.append(len(kept) if buffer.data is not None and len(buffer.data) else 0)
            kept += [buffer] if moved[-1] else []
        model.buffers = kept
        for tensor in (t for graph in model.subgraphs for t in graph.tensors or []):
            tensor.buffer = moved[tensor.buffer] if 0 <= tensor.buffer < len(moved) else 0
        for entry in model.metadata or []:
            entry.buffer = moved[entry.buffer] if 0 <= entry.buffer < len(moved) else 0
        for graph in model.subgraphs:
            graph.inputs = [] if graph.inputs is None else [int(i) for i in graph.inputs]
            graph.outputs = [] if graph.outputs is None else [int(i) for i in graph.outputs]
        return model

    @functools.cached_property
    def model(self) -> Any:
        """The parsed graph (``ModelT``), shared by the reading methods: do not change it (use ``model_object``).

        Raises what ``model_object`` raises (ModelError for a damaged file).
        """
        return self.model_object()

    @property
    def graph(self) -> Any:
        """The main graph (subgraph 0). Raises what ``model_object`` raises (ModelError for a damaged file)."""
        return self.model.subgraphs[0]

    def operator_names(self) -> list[str]:
        """The operator code table as names (CONV_2D, QUANTIZE, ... or a custom operator's name).

        Raises ModelError for a damaged file (see ``model_object``).
        """
        names = enum_names(schema().BuiltinOperator)
        codes = []
        for code in self.model.operatorCodes or []:
            builtin = max(int(code.builtinCode), int(code.deprecatedBuiltinCode))
            codes.append(text(code.customCode) if code.customCode else names.get(builtin, f"OP{builtin}"))
        return codes

    def operator_counts(self) -> dict[str, int]:
        """How many times each operator appears in the main graph, most frequent first.

        Raises ModelError for a damaged file (see ``model_object``).
        """
        codes = self.operator_names()
        return dict(Counter(codes[op.opcodeIndex] for op in self.graph.operators or []).most_common())

    def _buffer(self, index: int) -> bytes:
        buffers = self.model.buffers or []
        data = buffers[index].data if 0 <= index < len(buffers) else None
        return b"" if data is None else np.asarray(data, dtype=np.uint8).tobytes()

    def _roles(self) -> tuple[dict[int, str], dict[int, str]]:
        """Each tensor's role, and for weights and biases the name of the operator output that uses them."""
        graph, codes = self.graph, self.operator_names()
        roles: dict[int, str] = {}
        layers: dict[int, str] = {}
        for op in graph.operators or []:
            inputs = [int(i) for i in (op.inputs if op.inputs is not None else ())]
            if codes[op.opcodeIndex] not in WEIGHTED_OPERATORS or op.outputs is None or not len(op.outputs):
                continue
            output = text(graph.tensors[int(op.outputs[0])].name)
            for position, role in ((1, "weights"), (2, "bias")):
                if len(inputs) > position and inputs[position] >= 0:
                    roles[inputs[position]], layers[inputs[position]] = role, output
        for role, indices in (("input", graph.inputs), ("output", graph.outputs)):
            for index in indices:
                roles[int(index)] = role
        return roles, layers

    def tensors(self) -> tuple[TensorInfo, ...]:
        """Every tensor of the main graph: name, shape, dtype, scale(s), zero point(s), stored bytes, role, layer.

        Raises ModelError for a damaged file (see ``model_object``).
        """
        return self._tensors

    @functools.cached_property
    def _tensors(self) -> tuple[TensorInfo, ...]:
        types = {value: name.lower() for value, name in enum_names(schema().TensorType).items()}
        roles, layers = self._roles()
        infos = []
        for index, tensor in enumerate(self.graph.tensors or []):
            q = tensor.quantization
            scales = tuple(float(s) for s in (q.scale if q is not None and q.scale is not None else ()))
            points = tuple(int(z) for z in (q.zeroPoint if q is not None and q.zeroPoint is not None else ()))
            nbytes = len(self._buffer(tensor.buffer))
            infos.append(
                TensorInfo(
                    index=index,
                    name=text(tensor.name),
                    shape=tuple(int(d) for d in (tensor.shape if tensor.shape is not None else ())),
                    dtype=types.get(tensor.type, f"type{tensor.type}"),
                    scales=scales,
                    zero_points=points or (0,) * len(scales),
                    quantized_dimension=int(q.quantizedDimension) if q is not None else 0,
                    nbytes=nbytes,
                    role=roles.get(index, "constant" if nbytes else "activation"),
                    layer=layers.get(index, ""),
                )
            )
        return tuple(infos)

    def constant(self, tensor: int | str | TensorInfo) -> np.ndarray:
        """The values stored in the file for a constant tensor (weights, biases), in its own dtype and shape.

        Raises QuantizationError for a ``tensor`` that is not an index, name or TensorInfo, an index out of range, a
        name no tensor matches (see ``find_tensor``), an activation or a dtype NumPy cannot read; ModelError for a
        damaged file.
        """
        infos = self.tensors()
        if isinstance(tensor, TensorInfo):
            index = tensor.index
        elif isinstance(tensor, str):
            index = find_tensor([t for t in infos if t.constant], tensor).index
        elif isinstance(tensor, (int, np.integer)) and not isinstance(tensor, bool):
            index = int(tensor)
        else:
            raise QuantizationError(
                f"Name the tensor by index (int), name (str) or TensorInfo; got {type(tensor).__name__}."
            )
        if not 0 <= index < len(infos):
            raise QuantizationError(f"Tensor index {index} is out of range: the model has {len(infos)} tensors.")
        info = infos[index]
        if not info.constant:
            raise QuantizationError(
                f"Tensor {index} ({info.name!r}) is an activation: it has no stored values; it "
                f"is computed when the model runs. Pick a weight or bias tensor."
            )
        try:
            dtype = np.dtype(info.dtype)
        except TypeError as exc:
            raise QuantizationError(
                f"Tensor {index} ({info.name!r}) is stored as {info.dtype}, which numpy cannot read."
            ) from exc
        raw = self._buffer(self.graph.tensors[index].buffer)
        return np.frombuffer(raw, dtype=dtype).reshape(info.shape).copy()

    def stored_bytes(self) -> dict[str, int]:
        """Bytes stored for constant tensors, per dtype (largest first): where a model's size goes.

        Raises ModelError for a damaged file (see ``model_object``).
        """
        totals: Counter[str] = Counter()
        for info in self.tensors():
            if info.constant:
                totals[info.dtype] += info.nbytes
        return dict(totals.most_common())

    # ----------------------------------------------------------------------- metadata and embedded files

    def metadata_buffer(self) -> bytes | None:
        """The raw TFLITE_METADATA flatbuffer, or None when the file has none (read without parsing the graph).

        Raises MetadataError for a damaged or truncated file.
        """
        model_schema = schema()
        try:
            root = model_schema.Model.GetRootAs(self.data, 0)
            for i in range(root.MetadataLength()):
                entry = root.Metadata(i)
                if entry.Name() != METADATA_NAME:
                    continue
                buffer = root.Buffers(entry.Buffer())
                if buffer.DataLength():
                    return buffer.DataAsNumpy().tobytes()
                offset, size = int(buffer.Offset()), int(buffer.Size())
                return self.data[offset : offset + size] if offset > 1 and size > 0 else b""
        except (
            struct.error,
            IndexError,
            ValueError,
            TypeError,
            AttributeError,
        ) as exc:  # flatbuffers on a damaged file
            raise MetadataError(
                f"'{self.name}' is damaged or truncated: its model part points past the end of the file "
                f"({len(self.data)} bytes). Fetch or convert it again."
            ) from exc
        return None

    def embedded_files(self) -> list[str]:
        """The names of the files in the model's zip part (empty for a model without one).

        Raises MetadataError for a damaged zip part.
        """
        stream = io.BytesIO(self.data)
        if not zipfile.is_zipfile(stream):
            return []
        with self._zip() as archive:
            return archive.namelist()

    @contextlib.contextmanager
    def _zip(self) -> Iterator[zipfile.ZipFile]:
        """The zip part, open; a damaged one (zipfile.BadZipFile, while opening or reading) is a MetadataError."""
        try:
            with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
                yield archive
        except zipfile.BadZipFile as exc:
            raise MetadataError(
                f"The embedded files of '{self.name}' are damaged ({exc}); fetch the model again."
            ) from exc

    def read_embedded_file(self, name: str) -> bytes:
        """The bytes of one embedded file, or a MetadataError listing the files there are.

        Raises MetadataError when there is no file ``name`` or the zip part is damaged.
        """
        names = self.embedded_files()
        if name not in names:
            raise MetadataError(
                f"'{self.name}' has no embedded file '{name}' (its zip part holds "
                f"{names or 'nothing'}); the metadata and the files do not match. Fetch the model "
                f"again, or pass the labels by hand, e.g. "
                f"labels=helpers.assets.read_labels('labels/imagenet_labels.txt')."
            )
        with self._zip() as archive:
            return archive.read(name)


def open_model(source: str | os.PathLike | bytes | TFLiteFile) -> TFLiteFile:
    """``source`` as a TFLiteFile (a TFLiteFile is returned as it is).

    Raises what ``TFLiteFile`` raises (ModelError for a missing file or one that is not a TFLite model).
    """
    return source if isinstance(source, TFLiteFile) else TFLiteFile(source)


def inspect_tensors(model: str | os.PathLike | TFLiteFile) -> list[TensorInfo]:
    """Every tensor of a .tflite model's main graph (see ``TFLiteFile.tensors``). Introduced in notebook 05.

    Raises ModelError for a missing, non-TFLite or damaged file.
    """
    return list(open_model(model).tensors())


def read_constant(model: str | os.PathLike | TFLiteFile, tensor: int | str | TensorInfo) -> np.ndarray:
    """The values stored in the file for a constant tensor, found by index, name or layer name.

    Introduced in notebook 05. Raises ModelError for a missing, non-TFLite or damaged file; QuantizationError
    as ``TFLiteFile.constant`` does.
    """
    return open_model(model).constant(tensor)


def stored_bytes(model: str | os.PathLike | TFLiteFile) -> dict[str, int]:
    """Bytes stored in the file for constant tensors, per dtype (largest first). Introduced in notebook 05.

    Raises ModelError for a missing, non-TFLite or damaged file.
    """
    return open_model(model).stored_bytes()


def operator_counts(model: str | os.PathLike | TFLiteFile) -> dict[str, int]:
    """How many times each operator (CONV_2D, QUANTIZE, DEQUANTIZE, ...) appears. Introduced in notebook 05.

    Raises ModelError for a missing, non-TFLite or damaged file.
    """
    return open_model(model).operator_counts()


# --------------------------------------------------------------------------- writing: a classifier head


@dataclass(frozen=True)
class Int8Head:
    """The integer numbers of an int8 head (from ``helpers.transfer.export_classifier``); scales as TFLite stores them.

    Raises nothing (a dataclass; nothing is checked when it is built).
    """

    weights: np.ndarray  # int8 (classes, dim), symmetric: zero point 0
    weight_scale: float
    bias: np.ndarray  # int32 (classes,), scale = feature scale × weight scale
    bias_scale: float
    logit_scale: float
    logit_zero_point: int
    feature_scale: float  # the int8 features the head reads (requantized from the extractor's output if needed)
    feature_zero_point: int


def output_quantization(model: str | os.PathLike | bytes | TFLiteFile) -> tuple[str, int, float, int]:
    """(dtype, number of values, scale, zero point) of a one-output model's output; scale 0 when it is float.

    Raises ModelError for a missing, non-TFLite or damaged file, a model without exactly one graph and one output, or an
    output with per-channel quantization.
    """
    file = model if isinstance(model, TFLiteFile) else TFLiteFile(model)
    graph = file.graph
    if len(file.model.subgraphs) != 1 or len(graph.outputs) != 1:
        raise ModelError(
            f"'{file.name}' must have one graph with one output; it has {len(file.model.subgraphs)} "
            f"graphs and {len(graph.outputs)} outputs."
        )
    info = file.tensors()[graph.outputs[0]]
    if info.quantized and len(info.scales) != 1:
        raise ModelError(f"The output of '{file.name}' has per-channel quantization; a head needs one scale.")
    scale, zero_point = (info.scales[0], info.zero_points[0]) if info.quantized else (0.0, 0)
    return info.dtype, int(np.prod(info.shape[1:])), scale, zero_point


def append_head(extractor: bytes, weights: np.ndarray, bias: np.ndarray, int8: Int8Head | None = None) -> bytes:
    """The extractor's graph followed by FULLY_CONNECTED → SOFTMAX, as one model's bytes. Introduced in notebook 06.

    float32 (``int8=None``): ``weights`` (dim, classes) and ``bias`` in float32,
    after a DEQUANTIZE if the features are integers. int8: QUANTIZE the features
    to ``int8.feature_*`` (unless they already are), FULLY_CONNECTED and SOFTMAX
    on int8, and a last DEQUANTIZE to float32 probabilities (steps of 1/256).
    The output is called ``probabilities``; signatures, which named the old
    output, are dropped.
    Raises ModelError for an ``extractor`` that is not a TFLite model (or is damaged), has not one output, or has an
    output other than float32, uint8 or int8, and for ``weights`` and ``bias`` that do not fit its features.
    """
    s = schema()
    file = TFLiteFile(extractor)
    dtype, dim, _, _ = output_quantization(file)
    model = file.model_object()
    graph = model.subgraphs[0]
    w = np.ascontiguousarray(np.asarray(weights, dtype=np.float32).T)  # TFLite stores (classes, dim)
    b = np.ascontiguousarray(np.asarray(bias, dtype=np.float32))
    if w.ndim != 2 or w.shape[1] != dim or b.shape != (w.shape[0],):
        raise ModelError(
            f"The head's weights {np.shape(weights)} and bias {np.shape(bias)} do not fit the "
            f"extractor's {dim} features: expected ({dim}, classes) and (classes,)."
        )
    if dtype not in ("float32", "uint8", "int8"):
        raise ModelError(f"The extractor's output is {dtype}; a head reads float32, uint8 or int8 features.")
    classes, types, ops, kinds = w.shape[0], s.TensorType, s.BuiltinOperator, s.BuiltinOptions
    features = graph.tensors[graph.outputs[0]]

    def tensor(
        name: str,
        shape: list[int],
        data: np.ndarray | None = None,
        kind: int = types.FLOAT32,
        quantization: tuple[float, int] | None = None,
    ) -> int:
        buffer = s.BufferT()
        if data is not None:
            buffer.data = np.frombuffer(np.ascontiguousarray(data).tobytes(), dtype=np.uint8)
        model.buffers.append(buffer)
        entry = s.TensorT()
        entry.name, entry.shape, entry.type, entry.buffer = name.encode(), shape, kind, len(model.buffers) - 1
        if quantization is not None:
            entry.quantization = s.QuantizationParametersT()
            entry.quantization.scale, entry.quantization.zeroPoint = [float(quantization[0])], [int(quantization[1])]
        graph.tensors.append(entry)
        return len(graph.tensors) - 1

    def operator(code: int, inputs: list[int], output: int, options_type: int, options: Any, version: int = 1) -> None:
        for index, existing in enumerate(model.operatorCodes):
            if max(existing.builtinCode, existing.deprecatedBuiltinCode) == code and not existing.customCode:
                existing.version = max(existing.version, version)
                break
        else:
            entry = s.OperatorCodeT()
            entry.builtinCode, entry.deprecatedBuiltinCode, entry.version = code, min(code, 127), version
            model.operatorCodes.append(entry)
            index = len(model.operatorCodes) - 1
        op = s.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = index, inputs, [output]
        op.builtinOptionsType, op.builtinOptions = options_type, options
        graph.operators.append(op)

    fully_connected = s.FullyConnectedOptionsT()
    fully_connected.fusedActivationFunction = s.ActivationFunctionType.NONE
    softmax = s.SoftmaxOptionsT()
    softmax.beta = 1.0
    source, shape = graph.outputs[0], [int(d) for d in features.shape]
    if int8 is None:
        if dtype != "float32":
            dequantized = tensor("head/features_float", shape)
            operator(
                ops.DEQUANTIZE,
                [source],
                dequantized,
                kinds.DequantizeOptions,
                s.DequantizeOptionsT(),
                1 if dtype == "uint8" else 2,
            )
            source = dequantized
        parameters = [tensor("head/weights", [classes, dim], w), tensor("head/bias", [classes], b)]
        logits = tensor("head/logits", [1, classes])
        operator(ops.FULLY_CONNECTED, [source, *parameters], logits, kinds.FullyConnectedOptions, fully_connected)
        probabilities = tensor("probabilities", [1, classes])
        operator(ops.SOFTMAX, [logits], probabilities, kinds.SoftmaxOptions, softmax)
    else:
        if dtype != "int8":
            quantized = tensor(
                "head/features_int8", shape, kind=types.INT8, quantization=(int8.feature_scale, int8.feature_zero_point)
            )
            operator(
                ops.QUANTIZE,
                [source],
                quantized,
                kinds.QuantizeOptions,
                s.QuantizeOptionsT(),
                2 if dtype == "uint8" else 1,
            )
            source = quantized
        parameters = [
            tensor(
                "head/weights_int8",
                [classes, dim],
                np.asarray(int8.weights, np.int8),
                types.INT8,
                (int8.weight_scale, 0),
            ),
            tensor("head/bias_int32", [classes], np.asarray(int8.bias, np.int32), types.INT32, (int8.bias_scale, 0)),
        ]
        logits = tensor(
            "head/logits_int8", [1, classes], kind=types.INT8, quantization=(int8.logit_scale, int8.logit_zero_point)
        )
        operator(ops.FULLY_CONNECTED, [source, *parameters], logits, kinds.FullyConnectedOptions, fully_connected, 4)
        codes = tensor("head/probabilities_int8", [1, classes], kind=types.INT8, quantization=(1 / 256, -128))
        operator(ops.SOFTMAX, [logits], codes, kinds.SoftmaxOptions, softmax, 2)
        probabilities = tensor("probabilities", [1, classes])
        operator(ops.DEQUANTIZE, [codes], probabilities, kinds.DequantizeOptions, s.DequantizeOptionsT(), 2)
    graph.outputs = [probabilities]
    model.signatureDefs = []  # the extractor's signature (if any) names the old output
    head = "int8" if int8 is not None else "float32"
    model.description = f"Feature extractor + {head} softmax head (helpers.transfer.export_classifier)".encode()
    return pack_model(model)


# --------------------------------------------------------------------------- writing: two models in a row


def join_models(first: str | os.PathLike | bytes, second: str | os.PathLike | bytes) -> bytes:
    """One model whose graph is ``first`` then ``second``: first's output tensor becomes second's input.

    Introduced in notebook 04 (an embedding extractor and its classification head make the full classifier).
    The two must meet exactly: first's one output and second's one input have the same shape, type and
    quantization, so the same bytes would pass from one interpreter to the other. Raises ModelError for a file
    that is not a TFLite model or is damaged, a model without exactly one graph, or outputs and inputs that
    do not meet.
    """
    head_file, tail_file = TFLiteFile(first), TFLiteFile(second)
    model, tail = head_file.model_object(), tail_file.model_object()
    for file, parsed in ((head_file, model), (tail_file, tail)):
        if len(parsed.subgraphs) != 1:
            raise ModelError(f"'{file.name}' has {len(parsed.subgraphs)} graphs; only one-graph models can be joined.")
    graph, other = model.subgraphs[0], tail.subgraphs[0]
    if len(graph.outputs) != 1 or len(other.inputs) != 1:
        raise ModelError(
            f"'{head_file.name}' must have one output and '{tail_file.name}' one input; they have "
            f"{len(graph.outputs)} and {len(other.inputs)}."
        )
    meeting = (head_file.tensors()[graph.outputs[0]], tail_file.tensors()[other.inputs[0]])
    described = [(info.shape, info.dtype, info.scales, info.zero_points) for info in meeting]
    if described[0] != described[1]:
        raise ModelError(
            f"'{head_file.name}' ends in {described[0]} (shape, type, scales, zero points) but "
            f"'{tail_file.name}' starts from {described[1]}: the two models do not meet."
        )
    buffer_offset = len(model.buffers)
    model.buffers += tail.buffers[1:]  # buffer 0 is the shared empty one
    codes = []
    for code in tail.operatorCodes:
        key = (max(code.builtinCode, code.deprecatedBuiltinCode), code.customCode, code.version)
        found = [
            i
            for i, mine in enumerate(model.operatorCodes)
            if (max(mine.builtinCode, mine.deprecatedBuiltinCode), mine.customCode, mine.version) == key
        ]
        if not found:
            model.operatorCodes.append(code)
        codes.append(found[0] if found else len(model.operatorCodes) - 1)
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
    return pack_model(model)
