"""Run a .tflite image classifier with LiteRT and read its answer.

Notebook 01 writes these steps out by hand (``Interpreter``, ``set_tensor``,
``invoke``, ``get_tensor``, dequantize); ``Classifier`` packages them for the
later notebooks on top of ``helpers.model.LiteRTModel``. It never imports TensorFlow.

* Labels: given (a list, or the path of a label file), else the model's
  metadata, else output numbers; their text is cleaned once (``clean_labels``).
* ImageNet's "background": a model with 1,001 outputs has it at output 0
  (``class_offset`` 1); ``background=True/False`` overrides. It is never
  guessed from the labels' text.
* The output must be a score per label: a softmax (probabilities) or the
  logits before one (``run`` then applies the softmax, and ``output_kind`` says
  so). A model whose output is pooled features is refused with a pointer to
  ``helpers.transfer.FeatureExtractor``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from helpers.arguments import clean_labels, finite_array, label_lines, text_labels
from helpers.errors import LabelError, MetricsError, ModelError, OptionError
from helpers.images import ImageSource, Normalization, Region, check_crop
from helpers.model import LiteRTModel, dequantize, is_tflite, load_interpreter  # noqa: F401  (re-exported)

BACKGROUND = "background"
_PASS_THROUGH = {"RESHAPE", "SQUEEZE", "QUANTIZE", "DEQUANTIZE", "CAST"}
_PROBABILITIES = {"SOFTMAX", "LOGISTIC"}
_LOGITS = {"FULLY_CONNECTED", "CONV_2D", "ADD", "BATCH_MATMUL"}


class Prediction(NamedTuple):
    """One answer: a label and its probability. Unpacks as ``(label, probability)``."""

    label: str
    probability: float


def check_max_results(max_results: int | None, name: str = "max_results") -> int | None:
    """``max_results`` as a positive int (None means all), or an OptionError.

    Raises OptionError for anything else (a float, a bool, 0 or less).
    """
    if max_results is None:
        return None
    if isinstance(max_results, bool) or not isinstance(max_results, (int, np.integer)) or max_results < 1:
        raise OptionError(f"{name} must be a whole number ≥ 1, or None for all; got {max_results!r}.")
    return int(max_results)


def ranked(probs: np.ndarray, k: int | None = None) -> np.ndarray:
    """The indices of the ``k`` largest values (None: all), largest first; ties go to the lower index.

    Raises MetricsError for ``probs`` that are not finite numbers (NaN has no rank), OptionError for ``k``.
    """
    k = check_max_results(k, "k")
    return np.argsort(-finite_array(probs, "probs", MetricsError).ravel(), kind="stable")[:k]


def top_k(probs: np.ndarray, labels: Sequence[str], k: int | None = 5) -> list[Prediction]:
    """The ``k`` most probable (label, probability) pairs, most probable first (None: all).

    Raises MetricsError for ``probs`` with NaN or non-numbers, LabelError for ``labels`` that are not as many
    strings as there are probabilities, OptionError for ``k``.
    """
    k = check_max_results(k, "k")
    probs = finite_array(probs, "probs", MetricsError).ravel()
    labels = text_labels(labels)
    if len(labels) != probs.size:
        raise LabelError(f"{len(labels)} labels for {probs.size} probabilities; they must match one to one.")
    return [Prediction(labels[i], float(probs[i])) for i in ranked(probs, k)]


def read_labels(path: str | os.PathLike) -> list[str]:
    """The labels of a text file, one per line (UTF-8, with or without BOM; LF, CRLF or CR line endings).

    Raises LabelError when ``path`` is not a path to a readable UTF-8 file, e.g. the file's text itself.
    """
    if isinstance(path, str) and ("\n" in path or "\r" in path):
        raise LabelError(
            f"This string holds several lines ({path[:40]!r}...): the text of a label file, not its path. "
            f"Pass the path, or the labels as a list: text.splitlines()."
        )
    file = Path(path) if isinstance(path, (str, os.PathLike)) else None
    try:
        found = file is not None and file.is_file()
    except OSError as exc:  # e.g. a name too long for the file system
        raise LabelError(
            f"'{str(path)[:60]}...' cannot be a label file's path ({exc.strerror}). Pass the path of a label file "
            f"(one label per line) or the labels as a list."
        ) from None
    if not found:
        raise LabelError(
            f"No label file at '{file}': pass a list of labels, or the path of a label file "
            f"(registered ones: helpers.assets.fetch('labels/…'))."
        )
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelError(f"'{file}' is not UTF-8 text ({exc}); save the label file as UTF-8.") from None
    return label_lines(text)


def labels_from(labels: Sequence[str] | str | os.PathLike) -> list[str]:
    """Labels given as a list (any iterable of strings) or as a label file's path, cleaned (``clean_labels``).

    Raises LabelError for anything else (see read_labels and clean_labels).
    """
    return read_labels(labels) if isinstance(labels, (str, os.PathLike)) else clean_labels(labels)


def model_labels(model: LiteRTModel, labels: Sequence[str] | str | os.PathLike | None = None) -> list[str]:
    """``labels`` given (a list or a file), else the labels in the model's metadata (a MetadataError if none).

    Raises LabelError for labels that are not strings or a label file (see labels_from).
    """
    if labels is not None:
        return labels_from(labels)
    from helpers.tflite import read_metadata

    return clean_labels((model.metadata or read_metadata(model.model_path, "labels")).labels())


def align_labels(labels: Sequence[str], num_outputs: int, source: str = "the labels", offset: int = 0) -> list[str]:
    """Match a label list to a model's outputs: add "background" when the model has it (``offset`` 1) and the list not.

    Raises LabelError when the counts do not match (``num_outputs`` and ``offset``, 0 or 1, come from the model).
    """
    labels = labels_from(labels)
    if len(labels) == num_outputs:
        return labels
    if offset and len(labels) == num_outputs - 1:
        return [BACKGROUND, *labels]
    if len(labels) == num_outputs + 1 and labels[0].lower() == BACKGROUND:  # ImageNet's list for a 1000-output model
        return labels[1:]
    if len(labels) == num_outputs - 1:  # which output has no label? Never guessed: every label would shift if wrong
        raise LabelError(
            f"{source} has {len(labels)} labels for {num_outputs} outputs: one output has no label. If output 0 is "
            f"ImageNet's 'background' (the 1,001-output models), pass background=True or use a label file whose "
            f"first line is 'background'; otherwise use the label file that belongs to this model."
        )
    raise LabelError(
        f"{source} has {len(labels)} labels but the model has {num_outputs} outputs. "
        f"Use the label file that belongs to this model (ImageNet models with 1001 outputs "
        f"need imagenet_labels.txt, whose first line is 'background')."
    )


def _output_op(interpreter, output_index: int, model_path: str | os.PathLike | None) -> tuple[str, dict | None, str]:
    """(kind, the op that computes the output or None, its fused activation such as "NONE" or "RELU").

    The kind is "probabilities" (a softmax or sigmoid), "logits" (a dense/1×1 conv layer without a fused activation)
    or "features" (anything else), read through reshapes and (de)quantization.
    """
    try:
        ops = interpreter._get_ops_details()
    except AttributeError:  # a LiteRT without the op listing: trust the caller
        return "probabilities", None, "NONE"
    producer = {index: op for op in ops if op["op_name"] != "DELEGATE" for index in op["outputs"]}  # not XNNPACK's
    op = producer.get(output_index)
    while op is not None and op["op_name"] in _PASS_THROUGH:
        op = producer.get(op["inputs"][0])
    name = op["op_name"] if op else ""
    if name in _PROBABILITIES:
        return "probabilities", op, "NONE"
    activation = _fused_activation(model_path, op["index"]) if name in _LOGITS and model_path is not None else "NONE"
    return ("logits" if name in _LOGITS and activation == "NONE" else "features"), op, activation


def _graph(model_path: str | os.PathLike):
    """The main graph of a .tflite file, read lazily (nothing is copied)."""
    from helpers.tflite import schema

    return schema().Model.GetRootAs(Path(model_path).read_bytes(), 0).Subgraphs(0)


def _fused_activation(model_path: str | os.PathLike, op_index: int) -> str:
    """The activation (NONE, RELU, RELU6, TANH, ...) fused into a FULLY_CONNECTED, CONV_2D or ADD operator."""
    from helpers.tflite import enum_names, schema

    graph, s = _graph(model_path), schema()
    operator = graph.Operators(int(op_index))
    table = operator.BuiltinOptions()
    for options in (s.FullyConnectedOptions, s.Conv2DOptions, s.AddOptions):
        if table is not None and operator.BuiltinOptionsType() == getattr(s.BuiltinOptions, options.__name__):
            fields = options()
            fields.Init(table.Bytes, table.Pos)
            return enum_names(s.ActivationFunctionType)[fields.FusedActivationFunction()]
    return "NONE"


def _softmax_problem(model_path: str | os.PathLike, op: dict | None, num_outputs: int) -> str | None:
    """Why a softmax output is not one distribution over all ``num_outputs`` (None if it is, or not a softmax)."""
    if op is None or op["op_name"] != "SOFTMAX":
        return None
    shape = [int(d) for d in _graph(model_path).Tensors(int(op["outputs"][0])).ShapeAsNumpy()]
    if not shape or shape[-1] == num_outputs:
        return None
    groups = num_outputs // max(1, shape[-1])
    return (
        f"'{Path(model_path).name}' is not a classifier: its softmax makes {groups} separate distributions of "
        f"{shape[-1]} values each (softmax output shape {tuple(shape)}, flattened to {num_outputs} outputs), not "
        f"one distribution over {num_outputs} labels, so its 'probabilities' would sum to {groups}. A model with "
        f"scores per position is a segmentation model (helpers.segmentation.segment); for image features use "
        f"helpers.transfer.FeatureExtractor(model_path)."
    )


def check_score_threshold(score_threshold: float | None) -> float | None:
    """``score_threshold`` as a float in [0, 1] (None stays None), or an OptionError.

    Raises OptionError for anything else (text, a bool, NaN, a number outside [0, 1]).
    """
    if score_threshold is None:
        return None
    if isinstance(score_threshold, bool) or not isinstance(score_threshold, (int, float, np.integer, np.floating)):
        raise OptionError(f"score_threshold must be a number between 0 and 1; got {score_threshold!r}.")
    value = float(score_threshold)
    if not 0.0 <= value <= 1.0:
        raise OptionError(
            f"score_threshold must be between 0 and 1 (scores are probabilities); got {value:g}. "
            f"For 'at least 50 %' write 0.5."
        )
    return value


def label_indices(wanted: Sequence[str], labels: Sequence[str], option: str) -> set[int]:
    """The indices of ``wanted`` labels, or a LabelError naming each unknown one (with close matches).

    Raises LabelError for a label not in ``labels``, OptionError when ``wanted`` is a single string or not a list.
    """
    import difflib

    if isinstance(wanted, str) or not isinstance(wanted, Iterable):
        raise OptionError(f"{option} takes a list of labels, such as [{wanted!r}]; got {wanted!r}.")
    positions: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    found: set[int] = set()
    for label in wanted:
        if label not in positions:
            close = difflib.get_close_matches(str(label), list(positions), n=3)
            hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
            raise LabelError(f"{option} names {label!r}, which is not one of the model's labels.{hint}")
        found.update(positions[label])
    return found


class Classifier(LiteRTModel):
    """A LiteRT image classifier: an image in, probabilities per label out.

    Introduced in notebook 01, where each step is first written out by hand.
    ``labels`` is a list or a label file's path; ``background`` overrides whether
    output 0 is ImageNet's "background" (default: when the model has 1,001 outputs).
    Raises ModelError for a model that is not a classifier (features, a softmax over part of its output,
    a dynamic input), LabelError for labels that do not fit, OptionError for the other options.
    """

    kind = "classifier"

    def __init__(
        self,
        model_path: str | os.PathLike,
        labels: Sequence[str] | str | os.PathLike | None = None,
        num_threads: int | None = None,
        crop: str | float = "center",
        mean: Normalization | None = None,
        std: Normalization | None = None,
        *,
        background: bool | None = None,
    ) -> None:
        super().__init__(model_path, num_threads, mean=mean, std=std)
        self.crop = check_crop(crop)
        self.num_outputs = int(np.prod(self.output_details["shape"][1:]))
        self.output_kind, op, activation = _output_op(self.interpreter, self.output_details["index"], self.model_path)
        if self.output_kind == "features":
            fused = (
                f" (its last {op['op_name']} layer ends in a fused {activation}: clipped features, not logits)"
                if activation != "NONE"
                else ""
            )
            raise ModelError(
                f"'{self.model_path.name}' looks like a feature extractor, not a classifier: its "
                f"{self.num_outputs} outputs are pooled image features, not a score per label{fused}. Use "
                f"helpers.transfer.FeatureExtractor(model_path) and train a head on its features (notebook 06)."
            )
        problem = _softmax_problem(self.model_path, op, self.num_outputs)
        if problem:
            raise ModelError(problem)
        if background is not None and not isinstance(background, bool):
            raise OptionError(
                f"background is True, False or None (None: output 0 is 'background' when the model "
                f"has 1001 outputs); got {background!r}."
            )
        #: 1 when output 0 is ImageNet's "background" (from the model's 1001 outputs, or ``background=True``).
        self.class_offset = int(self.num_outputs == 1001 if background is None else background)
        self.labels, self.labels_source = self._choose_labels(labels, background)

    def _choose_labels(self, labels, background: bool | None = None) -> tuple[list[str], str]:
        """Labels given by the caller win (a list or a file); then the metadata's labels file; then output numbers.

        A given list one label short gets "background" first only when ``background=True`` was said, not guessed.
        """
        offset = int(background is True)
        if isinstance(labels, (str, os.PathLike)):
            return align_labels(labels, self.num_outputs, f"'{labels}'", offset), "given"
        if labels is not None:
            return align_labels(labels, self.num_outputs, "the label list", offset), "given"
        file = next((t.label_file for t in (self.metadata.outputs if self.metadata else ()) if t.label_file), None)
        if file is not None:
            source = f"{file.name} in the model's metadata"
            return align_labels(self.metadata.labels(), self.num_outputs, source, self.class_offset), source
        return [str(i) for i in range(self.num_outputs)], "output numbers (no labels given, none in the model)"

    def preprocess(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` (see helpers.images.to_input), with this model's crop.

        Raises what ``helpers.images.to_input`` raises: ImageError for an unreadable image, OptionError for a bad
        ``region``.
        """
        return super().preprocess(image, self.crop, region)

    def _run(self, tensor: np.ndarray) -> np.ndarray:
        """Probabilities for one prepared input tensor (dequantized; the softmax of logits). ``run`` checks the tensor."""
        scores = super()._run(tensor)
        if self.output_kind == "logits":
            from helpers.metrics import softmax

            return softmax(scores).astype(np.float32)
        return scores

    def predict(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """Probabilities (one per label, dequantized) for one image, or for ``region`` = (x, y, w, h) of it.

        Raises what ``preprocess`` and ``run`` raise (ImageError, OptionError for ``region``, ModelError, MetricsError).
        """
        return self._run(self.preprocess(image, region))

    def classify(
        self,
        image: ImageSource,
        top_k: int | None = 5,
        *,
        score_threshold: float | None = None,
        allow_labels: Sequence[str] | None = None,
        deny_labels: Sequence[str] | None = None,
        region: Region | None = None,
    ) -> list[Prediction]:
        """The ``top_k`` most probable Prediction(label, probability) pairs for one image, after the options below.

        The options do what MediaPipe's ImageClassifierOptions do (notebook 01): ``top_k`` is its
        max_results (None: all); ``score_threshold`` drops scores below it; ``allow_labels`` keeps only
        those labels, ``deny_labels`` drops them (give one or the other); ``region`` = (x, y, width, height)
        in pixels classifies that part of the photo (its region of interest).
        Raises OptionError for a bad ``top_k``, ``score_threshold`` or ``region``, both label lists, or a label list
        that is a single string; LabelError for a label the model does not have; and what ``predict`` raises (ImageError
        for an unreadable image).
        """
        top_k = check_max_results(top_k, "top_k")
        threshold = check_score_threshold(score_threshold)
        if allow_labels is not None and deny_labels is not None:
            raise OptionError("Give allow_labels or deny_labels, not both (MediaPipe also refuses both).")
        probs = self.predict(image, region)
        keep = np.ones(probs.size, dtype=bool)
        if allow_labels is not None:
            keep[:] = False
            keep[list(label_indices(allow_labels, self.labels, "allow_labels"))] = True
        if deny_labels is not None:
            keep[list(label_indices(deny_labels, self.labels, "deny_labels"))] = False
        if threshold is not None:
            keep &= probs >= threshold
        order = [i for i in np.argsort(-probs, kind="stable") if keep[i]]
        return [Prediction(self.labels[i], float(probs[i])) for i in order[:top_k]]

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        kind = ", logits → softmax" if self.output_kind == "logits" else ""
        return f"Classifier('{self.model_path.name}', {width}×{height} {dtype}, {self.num_outputs} outputs{kind})"
