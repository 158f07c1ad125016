"""Run a .tflite image classifier with LiteRT and read its answer (notebook 01 writes the steps out by hand).

ImageNet's "background" is output 0 of a 1,001-output model (``background=True/False`` overrides), never guessed
from the labels' text.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from helpers.arguments import clean_labels, finite_array, is_real, is_whole, label_lines, text_labels
from helpers.errors import LabelError, MetricsError, OptionError
from helpers.images import ImageSource, Normalization, Region, check_crop
from helpers.model import LiteRTModel, dequantize, load_interpreter  # noqa: F401  (re-exported)

_PASS_THROUGH = {"RESHAPE", "SQUEEZE", "QUANTIZE", "DEQUANTIZE", "CAST"}
_PROBABILITIES = {"SOFTMAX", "LOGISTIC"}
_LOGITS = {"FULLY_CONNECTED", "CONV_2D", "ADD", "BATCH_MATMUL"}


class Prediction(NamedTuple):
    """One answer: a label and its probability. Unpacks as ``(label, probability)``."""

    label: str
    probability: float


def check_max_results(max_results: int | None, name: str = "max_results") -> int | None:
    """``max_results`` as a positive int (None: all). Raises OptionError for a float, a bool, 0 or less."""
    if max_results is not None and not (is_whole(max_results) and max_results >= 1):
        raise OptionError(f"{name} must be a whole number ≥ 1, or None for all; got {max_results!r}.")
    return None if max_results is None else int(max_results)


def check_score_threshold(score_threshold: float | None) -> float | None:
    """``score_threshold`` as a float in [0, 1] (None stays None). Raises OptionError for anything else."""
    if score_threshold is not None and not (is_real(score_threshold) and 0 <= score_threshold <= 1):
        raise OptionError(
            f"score_threshold must be a number between 0 and 1 (scores are probabilities; for 'at least 50 %' "
            f"write 0.5); got {score_threshold!r}."
        )
    return None if score_threshold is None else float(score_threshold)


def _ranked(probs: np.ndarray, k: int | None = None) -> np.ndarray:
    return np.argsort(-probs.ravel(), kind="stable")[:k]


def ranked(probs: np.ndarray, k: int | None = None) -> np.ndarray:
    """The indices of the ``k`` largest values (None: all), largest first; ties go to the lower index."""
    return _ranked(finite_array(probs, "probs", MetricsError), check_max_results(k, "k"))


def top_k(probs: np.ndarray, labels: Sequence[str], k: int | None = 5) -> list[Prediction]:
    """The ``k`` most probable (label, probability) pairs, most probable first (None: all); LabelError else."""
    probs, labels = finite_array(probs, "probs", MetricsError).ravel(), text_labels(labels)
    if len(labels) != probs.size:
        raise LabelError(f"{len(labels)} labels for {probs.size} probabilities; they must match one to one.")
    return [Prediction(labels[i], float(probs[i])) for i in ranked(probs, k)]


def read_labels(path: str | os.PathLike) -> list[str]:
    """The labels of a UTF-8 text file, one per line; LabelError when ``path`` is not a readable file's path."""
    try:
        return label_lines(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, TypeError) as exc:
        problem = {
            FileNotFoundError: f"No label file at '{path}'",
            IsADirectoryError: f"No label file at '{path}' (a folder)",
            UnicodeDecodeError: f"'{path}' is not UTF-8 text ({exc}); save it as UTF-8, or",
        }.get(type(exc), f"{str(path)[:60]!r} cannot be a label file's path ({exc})")
        if "\n" in str(path) or "\r" in str(path):
            problem = f"This string holds several lines ({str(path)[:40]!r}...): the text of a label file, not its path"
        raise LabelError(
            f"{problem}. Pass the path of a label file (one label per line; registered ones: "
            f"helpers.assets.fetch('labels/…')), or the labels as a list (for a file's text: text.splitlines())."
        ) from None


def _labels_from(labels: Sequence[str] | str | os.PathLike) -> list[str]:
    """Labels given as a list (any iterable of strings) or a label file's path, cleaned. Raises LabelError."""
    return read_labels(labels) if isinstance(labels, (str, os.PathLike)) else clean_labels(labels)


def model_labels(model: LiteRTModel, labels: Sequence[str] | str | os.PathLike | None = None) -> list[str]:
    """``labels`` given (a list or a label file's path), else the labels in the model's metadata; else MetadataError."""
    if labels is not None:
        return _labels_from(labels)
    from helpers.tflite import read_metadata

    return clean_labels((model.metadata or read_metadata(model.model_path, "labels")).labels())


def align_labels(labels: Sequence[str], num_outputs: int, source: str = "the labels", offset: int = 0) -> list[str]:
    """A label list matched to a model's outputs ("background" added for ``offset`` 1); LabelError if it cannot be."""
    labels = _labels_from(labels)
    if len(labels) == num_outputs:
        return labels
    if offset and len(labels) == num_outputs - 1:
        return ["background", *labels]
    if len(labels) == num_outputs + 1 and labels[0].lower() == "background":  # ImageNet's list for a 1000-output model
        return labels[1:]
    # Which output has no label is never guessed: if the guess were wrong, every label would shift by one.
    raise LabelError(
        f"{source} has {len(labels)} labels for {num_outputs} outputs: one output has no label. If output 0 is "
        f"ImageNet's 'background' (the 1,001-output models), pass background=True or use a label file whose "
        f"first line is 'background'; otherwise use the label file that belongs to this model."
        if len(labels) == num_outputs - 1
        else f"{source} has {len(labels)} labels but the model has {num_outputs} outputs. Use the label file that "
        f"belongs to this model (ImageNet models with 1001 outputs need imagenet_labels.txt, whose first line is "
        f"'background')."
    )


def _label_indices(wanted: Iterable[str], labels: Sequence[str], option: str) -> list[int]:
    """The indices of ``wanted`` labels (every output of a repeated label); LabelError for an unknown one."""
    wanted, positions = list(wanted), {}  # a generator is read once
    for i, label in enumerate(labels):
        positions.setdefault(label, []).append(i)
    unknown = [label for label in wanted if not isinstance(label, str) or label not in positions]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), list(positions), n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise LabelError(f"{option} names {unknown[0]!r}, which is not one of the model's labels.{hint}")
    return [i for label in wanted for i in positions[label]]


class Classifier(LiteRTModel):
    """A LiteRT image classifier: an image in, probabilities per label out (notebook 01). ``labels``: a list or a label
    file's path, else the metadata's, else output numbers. ModelError, LabelError or OptionError for what does not fit.
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
        if not (background is None or isinstance(background, (bool, np.bool_))):
            raise OptionError(
                f"background is True, False or None (None: output 0 is 'background' when the model "
                f"has 1001 outputs); got {background!r}."
            )
        #: 1 when output 0 is ImageNet's "background" (from the model's 1001 outputs, or ``background=True``).
        self.class_offset = int(self.num_outputs == 1001 if background is None else background)
        self.labels, self.labels_source = self._choose_labels(labels, background)

    def _graph(self, file) -> str | None:
        """Why this model is no classifier (None: it is one), from the operator computing its output ("probabilities",
        "logits" of a layer without a fused activation, else "features"). Sets ``num_outputs`` and ``output_kind``."""
        self.num_outputs, name = int(np.prod(self.output_details["shape"][1:])), self.model_path.name
        ops = self.interpreter._get_ops_details()
        producer = {index: op for op in ops if op["op_name"] != "DELEGATE" for index in op["outputs"]}  # not XNNPACK's
        op = producer.get(self.output_details["index"])
        while op is not None and op["op_name"] in _PASS_THROUGH:
            op = producer.get(op["inputs"][0])
        kind = op["op_name"] if op else ""
        activation = file.fused_activation(op["index"]) if kind in _LOGITS else "NONE"
        logits = kind in _LOGITS and activation == "NONE"
        self.output_kind = "probabilities" if kind in _PROBABILITIES else "logits" if logits else "features"
        if self.output_kind == "features":
            fused = f" (its last {kind} layer ends in a fused {activation}: clipped features, not logits)"
            return (
                f"'{name}' looks like a feature extractor, not a classifier: its {self.num_outputs} outputs are "
                f"pooled image features, not a score per label{fused if activation != 'NONE' else ''}. Use "
                f"helpers.transfer.FeatureExtractor(model_path) and train a head on its features (notebook 06)."
            )
        if kind != "SOFTMAX":
            return None
        shape = [int(d) for d in self.interpreter._get_tensor_details(op["outputs"][0], 0)["shape"]]
        if not shape or shape[-1] == self.num_outputs:
            return None
        groups = self.num_outputs // max(1, shape[-1])
        return (
            f"'{name}' is not a classifier: its softmax makes {groups} separate distributions of "
            f"{shape[-1]} values each (softmax output shape {tuple(shape)}, flattened to {self.num_outputs} outputs), "
            f"not one distribution over {self.num_outputs} labels, so its 'probabilities' would sum to {groups}. A "
            f"model with scores per position is a segmentation model (helpers.segmentation.segment); for image "
            f"features use helpers.transfer.FeatureExtractor(model_path)."
        )

    def _choose_labels(self, labels, background: bool | None = None) -> tuple[list[str], str]:
        if labels is not None:
            source = f"'{labels}'" if isinstance(labels, (str, os.PathLike)) else "the label list"
            return align_labels(labels, self.num_outputs, source, int(background is True)), "given"
        file = next((t.label_file for t in (self.metadata.outputs if self.metadata else ()) if t.label_file), None)
        if file is not None:
            source = f"{file.name} in the model's metadata"
            return align_labels(self.metadata.labels(), self.num_outputs, source, self.class_offset), source
        return [str(i) for i in range(self.num_outputs)], "output numbers (no labels given, none in the model)"

    def preprocess(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """The (1, H, W, 3) input tensor for ``image`` with this model's crop; raises what ``to_input`` raises."""
        return super().preprocess(image, self.crop, region)

    def _run(self, tensor: np.ndarray) -> np.ndarray:
        """Probabilities for one prepared input tensor (dequantized; the softmax of logits). ``run`` checks the tensor."""
        scores = self._invoke(tensor)[0].reshape(-1)
        if self.output_kind == "logits":
            exp = np.exp(scores - scores.max())
            return (exp / exp.sum()).astype(np.float32)
        return scores

    def predict(self, image: ImageSource, region: Region | None = None) -> np.ndarray:
        """Probabilities (one per label) for one image, or ``region`` = (x, y, w, h) of it; raises as ``preprocess``."""
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
        """The ``top_k`` most probable Prediction(label, probability) pairs for one image, kept as MediaPipe's
        ImageClassifierOptions keep them: ``score_threshold`` drops lower scores, ``allow_labels`` keeps only those
        labels, ``deny_labels`` drops them; ``region`` = (x, y, width, height). OptionError, LabelError else."""
        check_max_results(top_k, "top_k")
        check_score_threshold(score_threshold)
        lists = [x for x in (allow_labels, deny_labels) if x is not None]
        if len(lists) > 1 or any(isinstance(x, str) or not isinstance(x, Iterable) for x in lists):
            raise OptionError(
                f"allow_labels or deny_labels (not both: MediaPipe also refuses both) takes a list of labels, such "
                f"as ['cat']; got allow_labels={allow_labels!r}, deny_labels={deny_labels!r}."
            )
        keep = np.full(self.num_outputs, allow_labels is None)
        keep[_label_indices(allow_labels or (), self.labels, "allow_labels")] = True
        keep[_label_indices(deny_labels or (), self.labels, "deny_labels")] = False
        probs = self.predict(image, region)
        if score_threshold is not None:
            keep &= probs >= score_threshold
        order = [i for i in _ranked(probs) if keep[i]]
        return [Prediction(self.labels[i], float(probs[i])) for i in order[:top_k]]

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        kind = ", logits → softmax" if self.output_kind == "logits" else ""
        return f"Classifier('{self.model_path.name}', {width}×{height} {dtype}, {self.num_outputs} outputs{kind})"
