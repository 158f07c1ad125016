"""Measure a classifier's top-1 and top-5 accuracy on a set of labelled images, quickly.

Introduced in notebook 04. ``evaluate`` streams images through a
``Classifier`` and records, for each image, whether the true class is the
model's first answer (a top-1 hit) or among its five best (a top-5 hit).

Preprocessing is exactly ``Classifier.preprocess`` (helpers.images: load,
take the central square and resize it, quantize), so the hits are the ones you would get one
photo at a time. Speed comes from three things that do not change a pixel:

* two worker threads each take the next image, decode it and run their own
  single-threaded copy of the model on it: PIL and LiteRT both release
  Python's lock while they work, so both cores stay busy, and decoding never
  stalls a multi-threaded ``invoke`` waiting for its other half;
* ``evaluate_many`` decodes each image once and resizes it once per input
  size, then feeds every model that takes that size;
* per model and image, only the quantization, ``invoke`` and a stable sort run.

ImageNet samples are named ``<wnid>_<name>.JPEG``. Their class index is the
position of the wnid in data/imagenet_wnids.txt, the 1,000 ImageNet wnids in
class order (0 … 999), whichever subset of the samples is evaluated; a model
with 1,001 outputs puts ImageNet's "background" at output 0, so its output
index is the class index + ``Classifier.class_offset``.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from helpers.arguments import is_whole, text_labels, true_or_false
from helpers.classify import Classifier, ranked
from helpers.errors import EvaluationError
from helpers.images import load_image, resize_for_model
from helpers.metrics import wilson_interval
from helpers.model import MAX_THREADS, default_workers
from helpers.system import IMAGE_SUFFIXES, folder_photos, parallel_map

NOTE_SUFFIXES = (".txt", ".md", ".csv", ".tsv", ".json")  # notes beside the photos (a README): never photos
WNID = re.compile(r"^(n\d{8})_")


# --------------------------------------------------------------------------- images and classes


def image_paths(images: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The image files of a folder (sorted by name), or the given paths as ``Path`` objects.

    Introduced in notebook 04. Raises EvaluationError for a path that is not a folder, a folder
    without images, a folder with sub-folders or files that are neither images nor notes (they would be
    skipped without a word), or a list holding something other than paths.
    """
    if isinstance(images, (str, os.PathLike)):
        folder = Path(images)
        if not folder.is_dir():
            raise EvaluationError(f"'{folder}' is not a folder; pass a folder of images or a list of paths.")
        paths, others, folders = folder_photos(folder)
        skipped = [*folders, *(p for p in others if p.suffix.lower() not in NOTE_SUFFIXES)]
        if skipped:
            raise EvaluationError(
                f"'{folder}' holds {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} that {'is' if len(skipped) == 1 else 'are'} not an "
                f"image file ({', '.join(IMAGE_SUFFIXES)}), e.g. '{skipped[0].name}'"
                f"{' (a folder)' if skipped[0].is_dir() else ''}: they would be left out without a word. Move them "
                f"out, or pass the list of image paths you mean."
            )
        if not paths:
            raise EvaluationError(f"'{folder}' holds no image files ({', '.join(IMAGE_SUFFIXES)}).")
        return paths
    try:
        return [Path(p) for p in images]
    except TypeError:
        raise EvaluationError(
            f"images is a folder or a list of image paths; got {type(images).__name__} holding something else."
        ) from None


def wnid_of(path: str | os.PathLike) -> str:
    """The WordNet id at the start of an ImageNet sample's file name (``n01440764_tench.JPEG``).

    Introduced in notebook 04. Raises EvaluationError for a non-path or a name without a wnid.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise EvaluationError(f"wnid_of takes a file path; got {type(path).__name__}.")
    match = WNID.match(Path(path).name)
    if match is None:
        raise EvaluationError(
            f"'{Path(path).name}' is not named <wnid>_<name> (e.g. n01440764_tench.JPEG), so its class is "
            f"unknown. Pass the classes yourself: evaluate(..., classes=[...])."
        )
    return match.group(1)


@lru_cache(maxsize=1)
def imagenet_wnids() -> tuple[str, ...]:
    """The 1,000 ImageNet wnids in class-index order (data/imagenet_wnids.txt: sorted, n01440764 first)."""
    from helpers.assets import data_file

    return tuple(data_file("imagenet_wnids.txt").read_text(encoding="utf-8").split())


def imagenet_classes(paths: Sequence[str | os.PathLike], wnids: Sequence[str] | None = None) -> np.ndarray:
    """The class index (0 … 999) of each ImageNet sample: its wnid's position in ``wnids`` (default: all 1,000).

    Introduced in notebook 04. Raises EvaluationError when ``paths`` is not a list of paths,
    ``wnids`` is not a list of distinct wnid strings, or a sample's wnid is not in ``wnids``.
    """
    if isinstance(paths, (str, os.PathLike)):
        raise EvaluationError("imagenet_classes takes a list of paths; for a folder use image_paths(folder) first.")
    if not isinstance(paths, Iterable):
        raise EvaluationError(f"imagenet_classes takes a list of paths; got {type(paths).__name__}.")
    reference = imagenet_wnids() if wnids is None else _wnid_list(wnids)
    position = {wnid: i for i, wnid in enumerate(reference)}
    found = [wnid_of(p) for p in paths]
    missing = sorted(set(found) - position.keys())
    if missing:
        raise EvaluationError(
            f"{len(missing)} sample wnids are not in the wnid list, e.g. {missing[0]}: these "
            f"are not ImageNet classes. Pass the classes yourself: evaluate(..., classes=[...])."
        )
    return np.array([position[w] for w in found], dtype=np.int64)


def _wnid_list(wnids: object) -> list[str]:
    """``wnids`` as a list of distinct strings; one string (a single wnid or a file's text) is refused."""
    if isinstance(wnids, (str, bytes)) or hasattr(wnids, "__fspath__"):
        raise EvaluationError(
            f"wnids is a list of wnids in class order, such as ['n01440764', 'n01443537']; got the single "
            f"{type(wnids).__name__} {str(wnids)[:40]!r}. Wrap one wnid in a list: wnids=[{str(wnids)[:12]!r}]."
        )
    reference = text_labels(wnids, "wnids", EvaluationError)
    repeated = sorted(w for w, count in Counter(reference).items() if count > 1)
    if repeated:
        raise EvaluationError(f"wnids must not repeat (each is one class index); {repeated[0]!r} appears twice.")
    return reference


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Evaluation:
    """The answers of one model on a set of images, and the hits they score.

    Raises nothing when built (a dataclass, made by ``evaluate_many``; nothing is checked).
    """

    model: str
    classes: np.ndarray  # true class index of each image
    predictions: np.ndarray  # (images, k) class indices, best first; -1 stands for "background"
    seconds: float = 0.0  # time in the model (set_tensor + invoke + get_tensor), summed over threads
    paths: tuple[Path, ...] = field(default=(), repr=False)

    @property
    def n(self) -> int:
        """How many images were evaluated."""
        return len(self.classes)

    def hits(self, k: int = 1) -> np.ndarray:
        """A boolean per image: is the true class among the model's ``k`` best answers?

        Raises EvaluationError for a k that is not a whole number from 1 to the answers kept.
        """
        if not (is_whole(k) and 1 <= k <= self.predictions.shape[1]):
            raise EvaluationError(f"k must be between 1 and {self.predictions.shape[1]}, a whole number; got {k!r}.")
        return (self.predictions[:, :k] == self.classes[:, None]).any(axis=1)

    @property
    def top1_hits(self) -> np.ndarray:
        """Top-1 hit of each image.

        Raises nothing in practice (EvaluationError from ``hits`` only if no answers were kept).
        """
        return self.hits(1)

    def accuracy(self, k: int = 1) -> float:
        """The fraction of images whose true class is among the ``k`` best answers (EvaluationError for a bad k).

        Raises EvaluationError for a k that is not a whole number from 1 to the answers kept (see ``hits``).
        """
        return float(self.hits(k).mean()) if self.n else float("nan")

    def interval(self, k: int = 1, confidence: float = 0.95) -> tuple[float, float]:
        """The Wilson confidence interval of ``accuracy(k)`` (helpers.metrics.wilson_interval).

        Raises EvaluationError for a bad k, MetricsError for a confidence outside (0, 1).
        """
        return wilson_interval(int(self.hits(k).sum()), self.n, confidence)

    def summary(self) -> dict[str, object]:
        """Top-1 and top-5 accuracy with their 95 % intervals, as fractions (top-k if fewer than 5 answers).

        Raises MetricsError (from ``wilson_interval``) for an Evaluation of 0 images.
        """
        five = min(5, self.predictions.shape[1])
        low1, high1 = self.interval(1)
        low5, high5 = self.interval(five)
        return {
            "model": self.model,
            "images": self.n,
            "top1": self.accuracy(1),
            "top1_low": low1,
            "top1_high": high1,
            "top5": self.accuracy(five),
            "top5_low": low5,
            "top5_high": high5,
        }


# --------------------------------------------------------------------------- the pipeline


def _input_key(classifier: Classifier) -> tuple[int, int, str]:
    width, height = classifier.input_size
    return width, height, classifier.crop


def _resized(path: Path, keys: Sequence[tuple[int, int, str]]) -> dict[tuple[int, int, str], np.ndarray]:
    """Decode one image once and resize it for every input size needed: (1, H, W, 3) uint8 arrays."""
    image = load_image(path)
    return {key: np.asarray(resize_for_model(image, key[:2], key[2]), dtype=np.uint8)[np.newaxis] for key in keys}


def _classify_one(
    path: Path, classifiers: Mapping[str, Classifier], keys: Sequence[tuple[int, int, str]], k: int
) -> dict[str, tuple[np.ndarray, float]]:
    """Every model's ``k`` best classes for one image, and the seconds each model took."""
    pixels = _resized(path, keys)
    out = {}
    for name, classifier in classifiers.items():
        tensor = classifier.prepare(pixels[_input_key(classifier)])
        start = time.perf_counter()
        probs = classifier.run(tensor)
        seconds = time.perf_counter() - start
        out[name] = (ranked(probs, k) - classifier.class_offset, seconds)
    return out


def evaluate_many(
    classifiers: Mapping[str, Classifier],
    images: str | os.PathLike | Iterable[str | os.PathLike],
    classes: Sequence[int] | None = None,
    *,
    k: int = 5,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Evaluation]:
    """Evaluate several classifiers on the same images, decoding each image only once.

    ``classes`` are the true class indices (0-based, without "background");
    by default they come from ImageNet file names (see ``imagenet_classes``).
    With ``workers`` ≥ 1 (default: ``helpers.model.default_workers()``, 2 on two or more CPUs), that
    many threads each decode an image and run their
    own single-threaded copy of every model on it (both cores stay busy, and
    decoding never interrupts a multi-threaded ``invoke``); with 0, everything
    runs in this thread on the classifiers given. The answers are the same.
    Introduced in notebook 04. Raises EvaluationError for classifiers that are not a dict of
    Classifier objects, a k or workers that is not a whole number, a progress that is not True/False,
    or classes that are not one whole class index per image (a 1-D list) within the models' classes.
    """
    if not isinstance(classifiers, Mapping) or not classifiers:
        raise EvaluationError("Pass the classifiers as a non-empty dict, such as {'name': Classifier(...)}.")
    for name, classifier in classifiers.items():
        if not isinstance(classifier, Classifier):
            raise EvaluationError(
                f"'{name}' is a {type(classifier).__name__}, not a helpers.classify.Classifier; "
                f"wrap the model file: Classifier(model_path, labels)."
            )
    if not is_whole(k) or k < 1:
        raise EvaluationError(f"k must be at least 1, a whole number (answers kept per image); got {k!r}.")
    workers = default_workers() if workers is None else workers
    if not (is_whole(workers) and 0 <= workers <= MAX_THREADS):
        raise EvaluationError(f"workers is a number of threads (0 or more, at most {MAX_THREADS}); got {workers!r}.")
    true_or_false(progress, "progress", EvaluationError)
    paths = image_paths(images)
    if not paths:
        raise EvaluationError("No images given: pass a folder or a non-empty list of image paths.")
    truth = imagenet_classes(paths) if classes is None else _class_array(classes)
    if not np.issubdtype(truth.dtype, np.integer):
        raise EvaluationError(
            f"classes are whole class indices (0-based, without 'background'); got {truth.dtype} "
            f"values such as {truth[:1]!r}."
        )
    if len(truth) != len(paths):
        raise EvaluationError(f"{len(truth)} classes for {len(paths)} images; give one class per image.")
    for name, classifier in classifiers.items():
        num_classes = classifier.num_outputs - classifier.class_offset
        if truth.min() < 0 or truth.max() >= num_classes:
            raise EvaluationError(
                f"Class indices run from {truth.min()} to {truth.max()}, but '{name}' has {num_classes} classes "
                f"(0 … {num_classes - 1}). Are these images labelled for this model?"
            )
        if classifier.num_outputs < k:
            raise EvaluationError(f"'{name}' has {classifier.num_outputs} outputs; k = {k} is too many.")

    keys = sorted({_input_key(c) for c in classifiers.values()}, key=str)  # crops may be names or fractions

    def copies() -> Mapping[str, Classifier]:  # each worker thread runs its own single-threaded copies
        return classifiers if workers == 0 else {name: c.clone() for name, c in classifiers.items()}

    label = next(iter(classifiers)) if len(classifiers) == 1 else f"{len(classifiers)} models"
    answers = parallel_map(
        lambda models, path: _classify_one(path, models, keys, k),
        paths,
        workers=max(1, workers),
        worker_state=copies,
        progress={"desc": label, "unit": "img", "leave": True} if progress else None,
    )
    predictions = {name: np.array([a[name][0] for a in answers], dtype=np.int64) for name in classifiers}
    seconds = {name: sum(a[name][1] for a in answers) for name in classifiers}
    return {name: Evaluation(name, truth, predictions[name], seconds[name], tuple(paths)) for name in classifiers}


def _class_array(classes: object) -> np.ndarray:
    """``classes`` as a 1-D array (a generator is read into a list); a table or a single number is refused."""
    array = np.asarray(list(classes) if isinstance(classes, Iterator) else classes)
    if array.ndim != 1:
        raise EvaluationError(
            f"classes is a list of class indices, one per image (1-D); got shape {array.shape}. "
            f"Check which array you passed rather than flattening it."
        )
    return array


def evaluate(
    classifier: Classifier,
    images: str | os.PathLike | Iterable[str | os.PathLike],
    classes: Sequence[int] | None = None,
    *,
    k: int = 5,
    workers: int | None = None,
    progress: bool = True,
    name: str | None = None,
) -> Evaluation:
    """Evaluate one classifier on a folder or list of images; see ``evaluate_many``.

    Introduced in notebook 04. Raises EvaluationError as ``evaluate_many`` does, and for a
    classifier that is not a Classifier (a model path: wrap it in Classifier(path)) or a name that is not text.
    """
    if not isinstance(classifier, Classifier):
        raise EvaluationError(
            f"classifier is a {type(classifier).__name__}, not a helpers.classify.Classifier; "
            f"wrap the model file: evaluate(Classifier(model_path, labels), images)."
        )
    if name is not None and not (isinstance(name, str) and name):
        raise EvaluationError(f"name is the model's name in the results (text); got {name!r}.")
    name = name or classifier.model_path.stem
    return evaluate_many({name: classifier}, images, classes, k=k, workers=workers, progress=progress)[name]
