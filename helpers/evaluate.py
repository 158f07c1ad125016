"""Measure classifiers' top-1 and top-5 accuracy on labelled images (notebook 04), preprocessed as
``Classifier.preprocess`` does; worker threads run their own single-threaded model copies (PIL and LiteRT release
Python's lock). An ImageNet sample ``<wnid>_<name>.JPEG`` has its wnid's index in data/imagenet_wnids.txt."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from helpers.arguments import is_whole
from helpers.classify import Classifier, _ranked
from helpers.errors import EvaluationError, wrap_public_functions
from helpers.images import load_image, resize_for_model
from helpers.metrics import wilson_interval
from helpers.model import MAX_THREADS, default_workers
from helpers.system import IMAGE_SUFFIXES, folder_photos, parallel_map

NOTE_SUFFIXES = (".txt", ".md", ".csv", ".tsv", ".json")  # notes beside the photos (a README): never photos
WNID = re.compile(r"^(n\d{8})_")


# --------------------------------------------------------------------------- images and classes


def image_paths(images: str | os.PathLike | Iterable[str | os.PathLike]) -> list[Path]:
    """The image files of a folder (sorted by name), or the given paths as ``Path`` objects; EvaluationError for a
    folder without images or with entries that are neither images nor notes (they would be skipped without a word)."""
    if not isinstance(images, (str, os.PathLike)):
        return [Path(p) for p in images]
    folder = Path(images)
    paths, others, folders = folder_photos(folder) if folder.is_dir() else ([], [], [])
    skipped = [*folders, *(p for p in others if p.suffix.lower() not in NOTE_SUFFIXES)]
    if skipped or not paths:
        one = len(skipped) == 1
        raise EvaluationError(
            f"'{folder}' holds {len(skipped)} entr{'y' if one else 'ies'} that {'is' if one else 'are'} not an image "
            f"file ({', '.join(IMAGE_SUFFIXES)}), e.g. '{skipped[0].name}'{' (a folder)' if skipped[0].is_dir() else ''}"
            f": they would be left out without a word. Move them out, or pass the list of image paths you mean."
            if skipped
            else f"'{folder}' is not a folder with image files ({', '.join(IMAGE_SUFFIXES)}): it holds no image "
            f"files to evaluate. Pass a folder of images or a list of paths."
        )
    return paths


def imagenet_classes(paths: Iterable[str | os.PathLike]) -> np.ndarray:
    """The class index (0 … 999) of each ImageNet sample (paths, or a folder) named ``<wnid>_<name>``."""
    from helpers.assets import data_file

    wnids = data_file("imagenet_wnids.txt").read_text(encoding="utf-8").split()  # the 1,000 in class-index order
    position = {wnid: i for i, wnid in enumerate(wnids)}
    classes = []
    for path in image_paths(paths) if isinstance(paths, (str, os.PathLike)) else paths:
        wnid = WNID.match(Path(path).name)
        if wnid is None or wnid.group(1) not in position:
            raise EvaluationError(
                f"'{Path(path).name}' is not named <wnid>_<name> with an ImageNet wnid (e.g. n01440764_tench.JPEG), "
                f"so its class is unknown. Pass the classes yourself: evaluate_many(..., classes=[...])."
            )
        classes.append(position[wnid.group(1)])
    return np.array(classes, dtype=np.int64)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Evaluation:
    """The answers of one model on a set of images, and the hits they score (made by ``evaluate_many``)."""

    model: str
    classes: np.ndarray  # true class index of each image
    predictions: np.ndarray  # (images, k) class indices, best first; -1 stands for "background"

    def hits(self, k: int = 1) -> np.ndarray:
        """A boolean per image: is the true class among the model's ``k`` best answers (k from 1 to those kept)?"""
        if not (is_whole(k) and 1 <= k <= self.predictions.shape[1]):
            raise EvaluationError(f"k must be between 1 and {self.predictions.shape[1]}, a whole number; got {k!r}.")
        return (self.predictions[:, :k] == self.classes[:, None]).any(axis=1)

    @property
    def top1_hits(self) -> np.ndarray:
        """Top-1 hit of each image."""
        return self.hits(1)

    def accuracy(self, k: int = 1) -> float:
        """The fraction of images whose true class is among the ``k`` best answers (see ``hits``)."""
        return float(self.hits(k).mean()) if len(self.classes) else float("nan")

    def interval(self, k: int = 1) -> tuple[float, float]:
        """The 95 % Wilson confidence interval of ``accuracy(k)`` (helpers.metrics.wilson_interval)."""
        return wilson_interval(int(self.hits(k).sum()), len(self.classes))


# --------------------------------------------------------------------------- the pipeline


def _classify_one(path: Path, classifiers: Mapping[str, Classifier], keys: Sequence[tuple], k: int) -> dict:
    """Every model's ``k`` best classes for one image, decoded once and resized once per input size and crop."""
    image = load_image(path)
    pixels = {key: np.asarray(resize_for_model(image, key[:2], key[2]), dtype=np.uint8)[np.newaxis] for key in keys}
    return {
        name: _ranked(c._run(c._tensor(pixels[(*c.input_size, c.crop)])), k) - c.class_offset
        for name, c in classifiers.items()
    }


def evaluate_many(
    classifiers: Mapping[str, Classifier],
    images: str | os.PathLike | Iterable[str | os.PathLike],
    classes: Sequence[int] | None = None,
    *,
    k: int = 5,
    workers: int | None = None,
    progress: bool = True,
) -> dict[str, Evaluation]:
    """Evaluate several classifiers on the same images, each decoded once; ``classes`` (0-based, no "background")
    default to those of ImageNet file names; ``workers`` threads (0: this one) give the same answers. EvaluationError
    names every problem with the classifiers, k, workers and classes."""
    workers = default_workers() if workers is None else workers
    paths = image_paths(images)
    if classes is None:
        truth = imagenet_classes(paths)
    else:
        truth = np.asarray(list(classes) if isinstance(classes, Iterator) else classes)
    problems = []
    wrong = [f"'{n}' is a {type(c).__name__}" for n, c in classifiers.items() if not isinstance(c, Classifier)]
    if wrong or not classifiers:
        hint = f"; {wrong[0]}, not a helpers.classify.Classifier; wrap the model file" if wrong else ""
        problems.append(
            f"Pass the classifiers as a non-empty dict, such as {{'name': Classifier(model_path, labels)}}{hint}."
        )
    if not (is_whole(k) and k >= 1 and is_whole(workers) and 0 <= workers <= MAX_THREADS):
        problems.append(
            f"k must be at least 1, a whole number (answers kept per image), and workers is a number of threads "
            f"(0 or more, at most {MAX_THREADS}); got k={k!r}, workers={workers!r}."
        )
    if truth.ndim != 1 or truth.dtype.kind not in "iu" or len(truth) != len(paths) or not paths:
        problems.append(
            f"classes is a list of whole class indices (0-based, without 'background'), one per image (1-D), for "
            f"at least one image; got {truth.size} classes for {len(paths)} images ({truth.dtype} values of shape "
            f"{truth.shape})."
        )
    for name, classifier in classifiers.items() if not problems else ():  # each model's range needs the rest right
        num_classes = classifier.num_outputs - classifier.class_offset
        if truth.min() < 0 or truth.max() >= num_classes or classifier.num_outputs < k:
            problems.append(
                f"'{name}' has {num_classes} classes (0 … {num_classes - 1}) and {classifier.num_outputs} outputs; "
                f"k = {k} answers per image and class indices from {truth.min()} to {truth.max()}. Are these images "
                f"labelled for this model?"
            )
    if problems:
        raise EvaluationError(" ".join(problems))

    keys = sorted({(*c.input_size, c.crop) for c in classifiers.values()}, key=str)  # crops: names or fractions

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
    return {name: Evaluation(name, truth, np.array([a[name] for a in answers], np.int64)) for name in classifiers}


wrap_public_functions(globals(), EvaluationError)
