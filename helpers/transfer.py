"""Transfer learning: teach new classes to a pretrained model by reusing its features.

Introduced in notebook 06, where each step is first written out by hand:

* ``image_set_from_assets`` / ``image_set_from_folder`` read a *class-folder*
  dataset (``<root>/<class>/<image>``) into an ``ImageSet``;
* ``load_pixels`` decodes every image once, resized for the model;
* ``FeatureExtractor`` runs an embedding model (a classifier without its last
  layer) with LiteRT and turns each image into a feature vector;
* ``train_head`` fits a softmax layer on those vectors by gradient descent, and
  ``imprint`` builds one from a few examples without any training;
* ``head_from_keras`` takes the same kind of head out of a trained Keras model,
  and ``augment_pixels`` makes randomly altered copies of training photos;
* ``export_classifier`` appends the trained head to the extractor (float32 or
  int8), giving one ``.tflite`` classifier with TFLite metadata (labels and
  input normalization inside, see ``helpers.metadata_writer``) plus a labels
  file, which ``helpers.classify.Classifier`` and MediaPipe's ImageClassifier run
  like any other model;
* ``convert_in_subprocess`` (notebook 08) exports and quantizes a fine-tuned Keras
  model in a child process, so that the converter's memory leaves with it.

Everything here runs on NumPy and LiteRT; TensorFlow is imported only by
``head_from_keras`` and ``convert_in_subprocess`` (the exported model is assembled by
``helpers.tflite``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import assets
from helpers.arguments import finite_array, listed, real_number, text_labels, whole_number
from helpers.errors import TransferError
from helpers.images import ImageSource, Normalization, check_crop, check_size, load_image, resize_for_model
from helpers.metrics import softmax
from helpers.model import KINDS, MAX_THREADS, LiteRTModel, default_workers, model_kind
from helpers.system import IMAGE_SUFFIXES, folder_photos, parallel_map, write_files_atomically

# --------------------------------------------------------------------------- datasets


@dataclass(frozen=True)
class ImageSet:
    """Labelled images: ``paths[i]`` shows class ``classes[class_ids[i]]``; ``names`` are asset or file names.

    Raises nothing when built (a dataclass; the readers check the files and classes).
    """

    paths: tuple[Path, ...]
    class_ids: np.ndarray
    classes: tuple[str, ...]
    names: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.paths)

    def counts(self) -> dict[str, int]:
        """How many images each class has. Raises nothing."""
        return {name: int((self.class_ids == i).sum()) for i, name in enumerate(self.classes)}

    def subset(self, indices: Sequence[int] | np.ndarray) -> ImageSet:
        """The images at ``indices`` (same classes); a boolean mask with one entry per image picks where it is True.

        Raises a TransferError for indices that are not whole numbers, indices out of
        range and a mask of another length.
        """
        idx = _positions(indices, len(self))
        names = tuple(self.names[i] for i in idx) if self.names else ()
        return ImageSet(tuple(self.paths[i] for i in idx), self.class_ids[idx], self.classes, names)


def _positions(indices: object, count: int) -> np.ndarray:
    """``indices`` (positions, negative from the end, or a boolean mask of ``count``) as int64 positions."""
    if isinstance(indices, (str, bytes)) or not isinstance(indices, (Iterable, np.ndarray)):
        raise TransferError(f"indices is a list of positions or a boolean mask; got {type(indices).__name__}.")
    array = np.asarray(listed(indices))
    if array.dtype == bool:
        if array.shape != (count,):
            raise TransferError(
                f"A boolean mask picks images where it is True, so it has one entry per image ({count}); "
                f"got shape {array.shape}."
            )
        return np.flatnonzero(array)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    return finite_array(
        array,
        f"indices (positions in a set of {count} images)",
        TransferError,
        ndim=1,
        integer=True,
        minimum=-count,
        maximum=count - 1,
    ).astype(np.int64)


def _class_names(classes: object) -> list[str] | None:
    """``classes`` (None or a list of class-folder names) as a list of str."""
    if classes is None:
        return None
    if isinstance(classes, (str, bytes)):
        raise TransferError(
            f"classes is a list of class-folder names, e.g. [{classes!r}, ...]; got the single str {classes!r}."
        )
    return text_labels(classes, "classes", TransferError)


def _build(items: list[tuple[str, Path, str]], classes: Sequence[str] | None, where: str) -> ImageSet:
    """An ImageSet from (class, path, name) triples, classes sorted unless given."""
    found = sorted({cls for cls, _, _ in items})
    if not found:
        raise TransferError(
            f"No images found in {where}: expected <class>/<image> files ({', '.join(IMAGE_SUFFIXES)})."
        )
    order = list(classes) if classes is not None else found
    if len(set(order)) != len(order):
        raise TransferError(f"The class list {order} names a class twice.")
    missing = [c for c in order if c not in found]
    if missing:
        raise TransferError(f"No images for class(es) {missing} in {where}; it has {found}.")
    if len(order) < 2:
        raise TransferError(f"A classifier needs at least two classes; {where} gives only {order}.")
    position = {c: i for i, c in enumerate(order)}
    kept = sorted((position[c], name, path) for c, path, name in items if c in position)
    return ImageSet(
        paths=tuple(p for _, _, p in kept),
        class_ids=np.array([i for i, _, _ in kept], dtype=np.int64),
        classes=tuple(order),
        names=tuple(n for _, n, _ in kept),
    )


def image_set_from_folder(folder: str | os.PathLike, classes: Sequence[str] | None = None) -> ImageSet:
    """A class-folder dataset on disk: every image in ``folder/<class>/`` is an example of ``<class>``.

    Raises a TransferError naming the folder or file for a class folder without
    images and for a file that is not an image (by its extension) among the
    photos; hidden files (``.DS_Store``) and ``Thumbs.db`` are skipped. Classes
    left out of ``classes`` are not read at all. Raises a TransferError too when
    ``folder`` is not a path or ``classes`` is not a list of folder names.
    """
    if not isinstance(folder, (str, os.PathLike)):
        raise TransferError(f"folder is the path of a folder with one sub-folder per class; got {folder!r}.")
    classes = _class_names(classes)
    root = Path(folder)
    if not root.is_dir():
        raise TransferError(f"'{root}' is not a folder; give a folder with one sub-folder per class.")
    wanted = None if classes is None else set(classes)
    items: list[tuple[str, Path, str]] = []
    loose, _other_files, class_folders = folder_photos(root)
    if loose:
        raise TransferError(
            f"'{loose[0]}'{f' and {len(loose) - 1} more photos' if len(loose) > 1 else ''} lie directly in "
            f"'{root}', outside every class folder, so they belong to no class. Move each into its class folder."
        )
    for sub in class_folders:
        if wanted is not None and sub.name not in wanted:
            continue
        photos, strays, folders = folder_photos(sub)
        if strays:
            raise TransferError(
                f"'{strays[0]}' is not an image ({', '.join(IMAGE_SUFFIXES)})"
                f"{f' (and {len(strays) - 1} more files)' if len(strays) > 1 else ''}: a class "
                f"folder holds only photos of its class. Move it out of '{sub}', or convert it "
                f"to JPEG or PNG if it is a photo (e.g. HEIC from a phone)."
            )
        if folders:
            raise TransferError(
                f"'{folders[0]}' is a folder inside the class folder '{sub.name}': its photos would be left out. "
                f"Move them up into '{sub}', or make it a class folder of its own beside '{sub.name}'."
            )
        if not photos:
            raise TransferError(
                f"The class folder '{sub}' has no images. Add photos of '{sub.name}' to it, "
                f"or remove the folder (or leave the class out with classes=[...])."
            )
        items += [(sub.name, path, f"{sub.name}/{path.name}") for path in photos]
    return _build(items, classes, f"'{root}'")


def class_folder_assets(prefix: str) -> dict[str, list[str]]:
    """Registered asset names under ``prefix/<class>/``, grouped by class (e.g. ``"flowers/train"``).

    Raises a TransferError when ``prefix`` is not a str or nothing is registered under it.
    """
    _check_prefix(prefix)
    prefix = prefix.rstrip("/") + "/"
    groups: dict[str, list[str]] = {}
    for name in assets.names():
        rest = name[len(prefix) :] if name.startswith(prefix) else ""
        if "/" in rest and rest.lower().endswith(IMAGE_SUFFIXES):
            groups.setdefault(rest.split("/", 1)[0], []).append(name)
    if not groups:
        raise TransferError(f"No registered images under '{prefix}<class>/'. Check the prefix, e.g. 'flowers/train'.")
    return {cls: sorted(found) for cls, found in sorted(groups.items())}


def _check_prefix(prefix: object) -> None:
    if not isinstance(prefix, str) or not prefix.strip("/"):
        raise TransferError(f"prefix is an asset folder such as 'flowers/train'; got {prefix!r}.")


def image_set_from_assets(prefix: str, classes: Sequence[str] | None = None, *, progress: bool = True) -> ImageSet:
    """Fetch the class-folder dataset registered under ``prefix`` (e.g. ``"flowers/train"``) as an ImageSet.

    Raises a TransferError when ``prefix`` is not an asset folder or ``classes`` is not a list of class names.
    """
    _check_prefix(prefix)
    classes = _class_names(classes)
    groups = class_folder_assets(prefix)
    names = [name for cls in (classes or groups) for name in groups.get(cls, [])]
    paths = assets.fetch_many(names, progress=progress) if names else []
    by_name = dict(zip(names, paths))
    items = [(cls, by_name[name], name) for cls, found in groups.items() for name in found if name in by_name]
    return _build(items, classes, f"the assets under '{prefix}'")


# --------------------------------------------------------------------------- pixels and features


def _decode(source: ImageSource, size: tuple[int, int], crop: str) -> np.ndarray:
    return np.asarray(resize_for_model(load_image(source), size, crop), dtype=np.uint8)


def load_pixels(
    images: Sequence[ImageSource],
    size: tuple[int, int] = (224, 224),
    *,
    crop: str | float = "center",
    workers: int | None = None,
    progress: bool = True,
) -> np.ndarray:
    """Decode each image once and resize it to ``size`` = (width, height): a (n, H, W, 3) uint8 array.

    ``images`` is any list, tuple or iterable of image sources (paths, bytes, PIL images).
    Raises a TransferError when ``images`` is a single path or empty, or ``workers`` is
    not a whole number ≥ 1, and an ImageError for a bad ``size`` or ``crop``.
    """
    if isinstance(images, (str, bytes, os.PathLike)):
        raise TransferError(
            f"images is a list of image paths; got one {type(images).__name__} ({str(images)[:60]!r}). For a "
            f"folder of class folders use image_set_from_folder(folder).paths; for one image pass [path]."
        )
    if not isinstance(images, (Iterable, np.ndarray)):
        raise TransferError(f"images is a list of image paths; got {type(images).__name__}.")
    images = listed(images)
    if len(images) == 0:
        raise TransferError("No images given: pass a non-empty list of paths (e.g. an ImageSet's .paths).")
    workers = default_workers() if workers is None else workers
    workers = whole_number(workers, "workers (a number of threads)", TransferError, minimum=1)
    width, height = check_size(size)
    check_crop(crop)
    out = np.empty((len(images), height, width, 3), dtype=np.uint8)  # filled in place: no second copy in memory

    def decode_into(index: int) -> None:
        out[index] = _decode(images[index], size, crop)

    bar = {"desc": "decoding", "unit": "img", "leave": True} if progress else None
    parallel_map(decode_into, range(len(images)), workers=workers, progress=bar)
    return out


def augment_pixels(
    pixels: np.ndarray,
    copies: int = 1,
    *,
    seed: int = 0,
    max_angle: float = 10.0,
    min_zoom: float = 0.8,
    flip: bool = True,
) -> np.ndarray:
    """``copies`` randomly altered versions of each (H, W, 3) uint8 image: (n × copies, H, W, 3), image by image.

    Each version is a mirror image half of the time (``flip``), turned by up to
    ``max_angle`` degrees and zoomed in on a random square covering
    ``min_zoom``…1 of the largest square that stays inside the rotated photo (so
    no empty corners appear); bilinear resampling with PIL. Reproducible with
    ``seed``. Rows ``i * copies … i * copies + copies − 1`` come from image ``i``.
    Introduced in notebook 06. Raises a TransferError for pixels that are not such a
    batch, ``copies`` or ``seed`` that are not whole numbers, angles or zooms out of range.
    """
    from PIL import Image

    array = np.asarray(pixels)
    if array.ndim != 4 or array.shape[-1] != 3 or array.dtype != np.uint8 or len(array) == 0:
        raise TransferError(f"Expected a batch of uint8 images (n, H, W, 3); got {array.dtype} {array.shape}.")
    copies = whole_number(copies, "copies (altered versions per image)", TransferError, minimum=1)
    seed = whole_number(seed, "seed", TransferError, minimum=0)
    max_angle = real_number(max_angle, "max_angle", TransferError)
    min_zoom = real_number(min_zoom, "min_zoom", TransferError)
    if not isinstance(flip, (bool, np.bool_)):
        raise TransferError(f"flip is True or False; got {flip!r}.")
    if not (0 <= max_angle < 45 and 0 < min_zoom <= 1):
        raise TransferError(f"Need 0 ≤ max_angle < 45 degrees and 0 < min_zoom ≤ 1; got {max_angle}, {min_zoom}.")
    rng = np.random.default_rng(seed)
    height, width = array.shape[1:3]
    out = np.empty((len(array) * copies, height, width, 3), dtype=np.uint8)
    for i, image in enumerate(array):
        source = Image.fromarray(image)
        for c in range(copies):
            angle = np.deg2rad(rng.uniform(-max_angle, max_angle))
            cos, sin = np.cos(angle), np.sin(angle)
            side = rng.uniform(min_zoom, 1.0) / (abs(cos) + abs(sin))  # fraction of the photo, inside the turn
            reach = (1 - side * (abs(cos) + abs(sin))) / 2  # how far the centre may move and stay inside
            cx = width * (0.5 + rng.uniform(-reach, reach))
            cy = height * (0.5 + rng.uniform(-reach, reach))
            mirror = flip and rng.random() < 0.5
            # Output pixel (x, y) samples the source at centre + R(angle) · scale · (x − w/2, y − h/2).
            sx, sy = side * (-1 if mirror else 1), side
            a, b = cos * sx, -sin * sy
            d, e = sin * sx, cos * sy
            coefficients = (a, b, cx - a * width / 2 - b * height / 2, d, e, cy - d * width / 2 - e * height / 2)
            turned = source.transform(
                (width, height), Image.Transform.AFFINE, coefficients, resample=Image.Resampling.BILINEAR
            )
            out[i * copies + c] = np.asarray(turned)
    return out


class FeatureExtractor(LiteRTModel):
    """An embedding model run with LiteRT: an image's pixels in, its feature vector (float32) out.

    Introduced in notebook 06, where one image goes through ``set_tensor`` → ``invoke`` → ``get_tensor`` by hand.
    ``FeatureExtractor(model_path, num_threads=None, *, mean=None, std=None)``: ``mean``/``std`` say how a
    float32 input wants its pixels, (pixel − mean) / std (default: the model's metadata, else MobileNet's
    127.5/127.5); give the same to ``export_classifier``. Raises TransferError for a file that is not a
    single-output model, OptionError for mean/std.
    """

    error = TransferError

    def kind_problem(self, name: str, outputs: list[dict]) -> str | None:
        """Why a model with these outputs is not a feature extractor (one output): None if it is one.

        Raises nothing (it returns the problem).
        """
        if len(outputs) != 1:
            return f"'{name}' has {len(outputs)} outputs; a feature extractor has one."
        found, in_words = model_kind(outputs)
        if found == "segmenter":  # a map per pixel, not one vector per image
            return (
                f"'{name}' gives {in_words}: a segmentation model, not a feature extractor (one vector per image). "
                f"Use {KINDS[found][1]}, or an embedding model such as the MobileNet feature extractor."
            )
        return None

    @property
    def dim(self) -> int:
        """The length of a feature vector. Raises nothing."""
        return int(np.prod(self.output_details["shape"][1:]))

    def extract(self, pixels: np.ndarray) -> np.ndarray:
        """The feature vector (dequantized, float32) of one image given as (H, W, 3) or (1, H, W, 3) uint8 pixels.

        Raises TransferError for pixels of another shape or dtype (see ``LiteRTModel.prepare``).
        """
        return self.run(self.prepare(pixels))

    def extract_batch(self, pixels: np.ndarray, *, workers: int | None = None, progress: bool = True) -> np.ndarray:
        """Feature vectors of a (n, H, W, 3) uint8 batch: (n, dim) float32; ``workers`` single-threaded copies.

        ``workers`` defaults to ``helpers.model.default_workers()``. Raises TransferError for another shape
        or a ``workers`` that is not a whole number ≥ 1.
        """
        array = np.asarray(pixels)
        if array.ndim != 4 or len(array) == 0:
            raise TransferError(f"Expected a batch of images (n, H, W, 3); got shape {array.shape}.")
        workers = default_workers() if workers is None else workers
        workers = whole_number(workers, "workers (a number of threads)", TransferError, minimum=1, maximum=MAX_THREADS)
        return self.run_batch(array, workers, "features" if progress else None)

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        return f"FeatureExtractor('{self.model_path.name}', {width}×{height} {dtype} → {self.dim} features)"


# --------------------------------------------------------------------------- heads


def _features(features, what: str = "features") -> np.ndarray:
    if isinstance(features, (str, bytes)) or not isinstance(features, (Iterable, np.ndarray)):
        raise TransferError(f"The {what} must be a (images, dim) matrix of numbers; got {type(features).__name__}.")
    array = finite_array(features, f"The {what}", TransferError).astype(np.float32, copy=False)
    if array.ndim != 2 or array.shape[0] == 0 or array.shape[1] == 0:
        raise TransferError(f"The {what} must be a (images, dim) matrix; got shape {array.shape}.")
    if not np.isfinite(array).all():
        raise TransferError(f"The {what} contain NaN or infinite values; extract them again.")
    return array


def _class_ids(class_ids, rows: int, num_classes: int | None, what: str = "class_ids") -> tuple[np.ndarray, int]:
    if isinstance(class_ids, (str, bytes)) or class_ids is None:
        raise TransferError(f"{what} is a list of class indices (0, 1, …), one per feature row; got {class_ids!r}.")
    array = np.asarray(
        list(class_ids) if isinstance(class_ids, Iterable) and not hasattr(class_ids, "__len__") else class_ids
    )
    if array.ndim != 1 or array.size != rows:
        raise TransferError(f"Give one class index per feature row ({rows}); got {what} of shape {array.shape}.")
    if not np.issubdtype(array.dtype, np.integer):
        raise TransferError(f"{what} must be integer class indices (0, 1, …); got {array.dtype}.")
    if num_classes is None:
        count = int(array.max()) + 1
    else:
        count = whole_number(num_classes, "num_classes", TransferError, minimum=2)
    if array.min() < 0 or array.max() >= count:
        allowed = f"0…{count - 1}" if count >= 1 else "0, 1, …"
        raise TransferError(f"Class indices must be in {allowed}; got {array.min()}…{array.max()} in {what}.")
    return array.astype(np.int64), count


def _every_class_seen(y: np.ndarray, count: int, purpose: str) -> None:
    """Refuse fewer than two classes, and classes in 0…count − 1 that have no example in ``y``."""
    if count < 2:
        raise TransferError(
            f"A classifier needs at least two classes, but the class ids hold only class 0 ({purpose} would "
            f"answer class 0 for everything); give examples of two or more classes."
        )
    empty = [c for c in range(count) if not (y == c).any()]
    if empty:
        raise TransferError(
            f"Class(es) {empty} have no example; {purpose} needs at least one image per class. Give examples "
            f"of every class in 0…{count - 1}, or number the classes without gaps (e.g. with np.unique(ids, "
            f"return_inverse=True))."
        )


@dataclass
class SoftmaxHead:
    """A dense layer + softmax on top of a frozen feature extractor: ``probs = softmax(features @ weights + bias)``.

    Raises a TransferError when ``weights`` is not a finite (dim, classes) matrix with
    two or more classes, or ``bias`` is not one finite number per class.
    """

    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray  # (classes,)
    history: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.weights = finite_array(self.weights, "weights (dim, classes)", TransferError, ndim=2)
        self.bias = finite_array(self.bias, "bias (classes,)", TransferError, ndim=1)
        if self.weights.shape[1] < 2 or self.bias.shape != (self.weights.shape[1],):
            raise TransferError(
                f"A head has weights (dim, classes) and bias (classes,) for two or more classes; got weights "
                f"{self.weights.shape} and bias {self.bias.shape}."
            )

    @property
    def num_classes(self) -> int:
        """How many classes the head tells apart. Raises nothing."""
        return int(self.weights.shape[1])

    def logits(self, features) -> np.ndarray:
        """Scores (images, classes) of a feature matrix.

        Raises TransferError for features that are not a finite (images, dim) matrix with this head's dim.
        """
        array = _features(features)
        if array.shape[1] != self.weights.shape[0]:
            raise TransferError(
                f"The head takes {self.weights.shape[0]}-d features; got {array.shape[1]}-d. "
                f"Use the same extractor for training and prediction."
            )
        return array @ self.weights + self.bias

    def predict_proba(self, features) -> np.ndarray:
        """Probabilities (images, classes); each row sums to 1. Raises TransferError as ``logits`` does."""
        return softmax(self.logits(features), axis=-1)

    def predict(self, features) -> np.ndarray:
        """The most probable class index of each row. Raises TransferError as ``logits`` does."""
        return np.argmax(self.logits(features), axis=1)


class HeadClassifier:
    """A feature extractor and a trained head run together like a ``Classifier``, before any export.

    It has what ``helpers.camera.FramePipeline`` needs (``input_details``,
    ``labels``, ``run``), so a freshly trained head can be watched live.
    Introduced in notebook 09. Raises a TransferError when the extractor, head and
    labels do not fit together, and a LabelError when ``labels`` is not a list of str.
    """

    def __init__(self, extractor: FeatureExtractor, head: SoftmaxHead, labels: Sequence[str]) -> None:
        if not isinstance(extractor, FeatureExtractor) or not isinstance(head, SoftmaxHead):
            raise TransferError(
                f"HeadClassifier takes a FeatureExtractor and a SoftmaxHead (from train_head or head_from_keras); "
                f"got {type(extractor).__name__} and {type(head).__name__}."
            )
        labels = text_labels(labels)
        if len(labels) != head.num_classes:
            raise TransferError(f"{len(labels)} labels for a head with {head.num_classes} classes; give one per class.")
        if head.weights.shape[0] != extractor.dim:
            raise TransferError(
                f"The head takes {head.weights.shape[0]}-d features but the extractor gives "
                f"{extractor.dim}-d; train the head on this extractor's features."
            )
        self.extractor, self.head, self.labels = extractor, head, labels
        self.input_details = extractor.input_details

    @property
    def input_size(self) -> tuple[int, int]:
        """The extractor's input (width, height) in pixels. Raises nothing."""
        return self.extractor.input_size

    def prepare(self, pixels: np.ndarray) -> np.ndarray:
        """Model-sized uint8 pixels → the extractor's input tensor.

        Raises TransferError for pixels of another shape or dtype (see ``FeatureExtractor.extract``).
        """
        return self.extractor.prepare(pixels)

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Probabilities (one per label) for one prepared input tensor.

        Raises TransferError for a tensor of the wrong shape or dtype (see ``LiteRTModel.invoke``).
        """
        return self.head.predict_proba(self.extractor.run(tensor)[np.newaxis])[0]

    def __repr__(self) -> str:
        return f"HeadClassifier({self.extractor!r} → {self.labels})"


def head_from_keras(model) -> SoftmaxHead:
    """The softmax head inside a trained Keras model (its last Dense layer, softmax): the same numbers, for export.

    Dropout layers do nothing at prediction time, so a ``Sequential`` of
    Dropout and a softmax Dense is exactly ``softmax(features @ W + b)``.
    Introduced in notebook 06.
    Raises TransferError for a ``model`` that is not a Keras model, is not one Dense layer (plus Dropout), or whose
    Dense layer has no bias or no softmax, and as ``SoftmaxHead`` does (fewer than two classes).
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TransferError(f"Expected a Keras model; got {type(model).__name__}.")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    others = [
        layer.name
        for layer in model.layers
        if not isinstance(layer, (keras.layers.Dense, keras.layers.Dropout, keras.layers.InputLayer))
    ]
    if len(dense) != 1 or others:
        raise TransferError(
            f"A softmax head is one Dense layer (plus Dropout); this model has {len(dense)} Dense "
            f"layers{f' and also {others}' if others else ''}. Export other models with the "
            f"Keras export (helpers.quantize.convert)."
        )
    activation = getattr(dense[0].activation, "__name__", str(dense[0].activation))
    if activation != "softmax" or not dense[0].use_bias:
        raise TransferError(f"The Dense layer must use a bias and activation='softmax'; it has {activation!r}.")
    weights, bias = (np.asarray(w, dtype=np.float32) for w in dense[0].get_weights())
    return SoftmaxHead(
        weights,
        bias,
        {
            key: list(map(float, values))
            for key, values in getattr(getattr(model, "history", None), "history", {}).items()
        },
    )


def train_head(
    features,
    class_ids,
    num_classes: int | None = None,
    *,
    learning_rate: float = 0.01,
    steps: int = 200,
    l2: float = 0.01,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> SoftmaxHead:
    """Fit a softmax layer by full-batch gradient descent from zero weights (deterministic; no random numbers).

    ``history`` records the training loss (cross-entropy) at every step, and the
    accuracy on ``validation`` = (features, class_ids) when given.
    Introduced in notebook 06. Raises a TransferError for fewer than two classes, a
    class with no example, settings that are not whole or finite numbers in range, a
    ``validation`` that is not a (features, class_ids) pair, and training that diverges.
    """
    x = _features(features)
    y, count = _class_ids(class_ids, x.shape[0], num_classes)
    _every_class_seen(y, count, "training a head")
    learning_rate = real_number(learning_rate, "learning_rate", TransferError, positive=True)
    steps = whole_number(steps, "steps", TransferError, minimum=1)
    l2 = real_number(l2, "l2", TransferError, minimum=0)
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TransferError(
                "validation is a (features, class_ids) pair, e.g. validation=(val_features, val.class_ids); "
                f"got {type(validation).__name__}"
                f"{f' of length {len(validation)}' if isinstance(validation, (tuple, list)) else ''}."
            )
        val_x = _features(validation[0], "validation features")
        val_y, _ = _class_ids(validation[1], val_x.shape[0], count, "the validation class_ids")
    one_hot = np.eye(count, dtype=np.float32)[y]
    weights = np.zeros((x.shape[1], count), dtype=np.float32)
    bias = np.zeros(count, dtype=np.float32)
    rate, decay, n = np.float32(learning_rate), np.float32(l2), np.float32(len(y))
    history: dict[str, list[float]] = {"loss": [], **({"val_accuracy": []} if validation is not None else {})}
    for step in range(steps):
        logits = x @ weights + bias
        if not np.isfinite(logits).all():
            raise TransferError(
                f"Training diverged at step {step + 1}: the logits are no longer finite. Use a smaller "
                f"learning_rate (got {learning_rate:g}) or smaller features."
            )
        probs = softmax(logits, axis=-1)
        history["loss"].append(float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean()))
        gradient = (probs - one_hot) / n
        weights -= rate * (x.T @ gradient + decay * weights)
        bias -= rate * gradient.sum(axis=0)
        if validation is not None:
            history["val_accuracy"].append(float((np.argmax(val_x @ weights + bias, axis=1) == val_y).mean()))
    return SoftmaxHead(weights, bias, history)


def l2_normalize(features) -> np.ndarray:
    """Each row divided by its length, so that dot products are cosine similarities.

    Raises TransferError for features that are not a finite (images, dim) matrix, or a row that is all zeros.
    """
    array = _features(features)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if (norms == 0).any():
        raise TransferError("A feature vector is all zeros and has no direction; drop that image.")
    return array / norms


def imprint(features, class_ids, num_classes: int | None = None) -> np.ndarray:
    """Weight imprinting: each class's weight is the normalized mean of its normalized embeddings (classes, dim).

    Classify with ``np.argmax(l2_normalize(f) @ weights.T)``: the class whose
    mean direction is closest. No training; one example per class is enough.
    Introduced in notebook 06. Raises a TransferError for fewer than two classes, a
    class with no example, or a ``num_classes`` that is not a whole number.
    """
    x = l2_normalize(features)
    y, count = _class_ids(class_ids, x.shape[0], num_classes)
    _every_class_seen(y, count, "imprinting")
    means = np.stack([x[y == c].mean(axis=0) for c in range(count)])
    return l2_normalize(means)


def sample_per_class(class_ids, per_class: int, seed: int = 0) -> np.ndarray:
    """Indices of ``per_class`` randomly chosen examples of every class (sorted; reproducible with ``seed``).

    Raises a TransferError when ``class_ids`` are not whole numbers, ``per_class`` or
    ``seed`` is not a whole number, or a class has fewer than ``per_class`` examples.
    """
    y = finite_array(class_ids, "class_ids", TransferError, ndim=1, integer=True)
    per_class = whole_number(per_class, "per_class", TransferError, minimum=1)
    seed = whole_number(seed, "seed", TransferError, minimum=0)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        if members.size < per_class:
            raise TransferError(f"Class {c} has only {members.size} examples; cannot take {per_class}.")
        chosen.append(rng.choice(members, per_class, replace=False))
    return np.sort(np.concatenate(chosen))


def accuracy_by_size(
    train_features,
    train_class_ids,
    val_features,
    val_class_ids,
    sizes: Sequence[int],
    fit: Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]],
    repeats: int = 10,
) -> np.ndarray:
    """Validation accuracy of ``fit`` trained on ``n`` images per class, for each n in ``sizes`` (sizes, repeats).

    ``fit(features, class_ids)`` returns a ``predict(features) -> class indices``
    function. Draw ``r`` of size ``n`` uses seed ``1000 * n + r``; a size that
    uses every training image is run once and repeated in its row. Raises a
    TransferError for features and class ids that do not fit together, ``sizes`` or
    ``repeats`` that are not whole numbers ≥ 1, a ``fit`` that is not a function, and
    a ``predict`` that does not return one class index per validation row.
    """
    train_features, val_features = np.asarray(listed(train_features)), listed(val_features)  # generators: read once
    train_rows = _features(train_features, "training features").shape[0]
    val_rows = _features(val_features, "validation features").shape[0]
    train_y, count = _class_ids(train_class_ids, train_rows, None, "train_class_ids")
    _every_class_seen(train_y, count, "each draw")
    val_y, _ = _class_ids(val_class_ids, val_rows, count, "val_class_ids")
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Iterable, np.ndarray)):
        raise TransferError(f"sizes is a list of images-per-class counts such as [1, 5, 10]; got {sizes!r}.")
    sizes = [whole_number(n, "each size (images per class)", TransferError, minimum=1) for n in sizes]
    if not sizes:
        raise TransferError("sizes is empty; give at least one number of images per class, such as [1, 5, 10].")
    repeats = whole_number(repeats, "repeats", TransferError, minimum=1)
    if not callable(fit):
        raise TransferError(
            f"fit is a function fit(features, class_ids) that returns predict(features) -> class indices; "
            f"got {type(fit).__name__}."
        )
    smallest = min(np.bincount(train_y))
    results = np.empty((len(sizes), repeats))
    for row, n in enumerate(sizes):
        draws = 1 if n >= smallest else repeats
        for r in range(draws):
            idx = sample_per_class(train_y, n, seed=1000 * n + r)
            predict = fit(train_features[idx], train_y[idx])
            if not callable(predict):
                raise TransferError(
                    f"fit must return a function predict(features) -> class indices; it returned "
                    f"{type(predict).__name__}."
                )
            predicted = np.asarray(predict(val_features))
            if predicted.shape != val_y.shape:
                raise TransferError(
                    f"predict(val_features) must return one class index per validation row, shape "
                    f"{val_y.shape}; got shape {predicted.shape} (probabilities? take np.argmax(..., axis=1))."
                )
            results[row, r] = float((predicted == val_y).mean())
        results[row, draws:] = results[row, 0]
    return results


def confusion_matrix(truth, predicted, num_classes: int) -> np.ndarray:
    """Counts (classes, classes): row = true class, column = predicted class.

    Raises a TransferError when ``truth`` and ``predicted`` are not vectors of class
    indices (whole numbers in 0…num_classes − 1) of the same length, or
    ``num_classes`` is not a whole number ≥ 1.
    """
    num_classes = whole_number(num_classes, "num_classes", TransferError, minimum=1)
    t, p = np.asarray(truth), np.asarray(predicted)
    if t.shape != p.shape or t.ndim != 1:
        raise TransferError(f"truth and predicted must be vectors of the same length; got {t.shape} and {p.shape}.")
    if t.size:
        t = finite_array(t, "truth (class indices)", TransferError, integer=True)
        p = finite_array(p, "predicted (class indices)", TransferError, integer=True)
    else:
        t = p = np.zeros(0, dtype=np.int64)
    if t.size and (min(t.min(), p.min()) < 0 or max(t.max(), p.max()) >= num_classes):
        raise TransferError(f"Class indices must be in 0…{num_classes - 1}.")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (t, p), 1)
    return matrix


_CHILD_CONVERT = """
import json, sys
from pathlib import Path

import keras
import numpy as np

from helpers import quantize

folder, name, recipes = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
input_range = tuple(json.loads(sys.argv[4])) if sys.argv[4] != "null" else None
model = keras.models.load_model(folder / "model.keras", compile=False)
samples = np.load(folder / "samples.npy") if (folder / "samples.npy").is_file() else None
paths = {}
for recipe in recipes:
    static = recipe in quantize.STATIC
    paths[recipe] = str(quantize.convert(model, recipe, samples if static else None,
                                         input_range=input_range if static else None, name=name))
print("@@PATHS" + json.dumps(paths))
"""


def convert_in_subprocess(
    model,
    recipes: Sequence[str] = ("float32", "static_wi8_ai8"),
    samples: np.ndarray | None = None,
    *,
    input_range: tuple[float, float] | None = None,
    name: str = "model",
    timeout: float = 600,
) -> dict[str, Path]:
    """Export and quantize a Keras model (``helpers.quantize.convert``) in a child process: {recipe: .tflite path}.

    Keras's export runs TensorFlow's converter, which needs a few hundred MB of memory on top of
    TensorFlow's own; in a child process that memory is returned to the system when it exits, so
    the notebook's kernel stays small. The model is saved to a temporary ``.keras`` file and loaded
    again there (same weights, so the same cached file as an in-process ``convert``); ``samples``
    calibrate the static recipes, whose inputs take ``input_range`` (e.g. (-1, 1)).
    Introduced in notebook 08. Raises a TransferError for a model without ``save``, unknown
    ``recipes`` (or one str), samples that are not finite numbers, a ``name`` that is not a str,
    a ``timeout`` that is not a positive number, and a failed conversion.
    """
    import json
    import subprocess
    import sys
    import tempfile

    from helpers.quantize import RECIPES, STATIC

    if isinstance(recipes, (str, bytes)) or not isinstance(recipes, Iterable):
        raise TransferError(
            f"recipes is a list, e.g. ('float32', 'static_wi8_ai8') or ('dynamic_wi8_afp32',); got {recipes!r}."
        )
    if not isinstance(name, str) or not name:
        raise TransferError(f"name is a non-empty str (the model's name in the cache); got {name!r}.")
    timeout = real_number(timeout, "timeout (seconds)", TransferError, positive=True)
    if samples is not None:
        samples = finite_array(samples, "samples", TransferError)
    wanted = list(recipes)
    unknown = [recipe for recipe in wanted if recipe != "float32" and recipe not in RECIPES]
    if not wanted or unknown:
        raise TransferError(f"recipes must be among float32, {', '.join(RECIPES)}; got {wanted}.")
    static = any(recipe in STATIC for recipe in wanted)
    if static and (samples is None or input_range is None):
        raise TransferError(
            "A static recipe needs samples (about 100 inputs preprocessed exactly as the model's) and "
            "input_range, the range that preprocessing gives, e.g. (-1, 1)."
        )
    if not hasattr(model, "save"):
        raise TransferError(f"model is a Keras model (it is saved and converted); got {type(model).__name__}.")
    with tempfile.TemporaryDirectory(prefix="convert-") as folder:
        model.save(Path(folder) / "model.keras")
        if samples is not None and static:
            np.save(Path(folder) / "samples.npy", np.asarray(samples, dtype=np.float32))
        try:
            result = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _CHILD_CONVERT,
                    folder,
                    name,
                    ",".join(wanted),
                    json.dumps(None if input_range is None else [float(v) for v in input_range]),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise TransferError(
                f"Converting '{name}' took more than {timeout:.0f} s in the child process; "
                f"give a larger timeout= on a slow machine."
            ) from error
    found = [line for line in result.stdout.splitlines() if line.startswith("@@PATHS")]
    if result.returncode != 0 or not found:
        last = "\n".join(result.stderr.strip().splitlines()[-5:])
        raise TransferError(
            f"Converting '{name}' in a child process failed (exit code {result.returncode}):\n{last}\n"
            f"Run helpers.quantize.convert(model, recipe, samples, input_range=...) in the notebook to see the "
            f"full error."
        )
    return {mode: Path(path) for mode, path in json.loads(found[-1][len("@@PATHS") :]).items()}


# --------------------------------------------------------------------------- export


@dataclass(frozen=True)
class ExportedModel:
    """A classifier written by ``export_classifier``: the .tflite file and its labels file.

    Raises nothing when built (a dataclass).
    """

    model_path: Path
    labels_path: Path

    @property
    def labels(self) -> list[str]:
        """The class names, one per model output.

        Raises LabelError (``helpers.classify.read_labels``) when the labels file is gone or not UTF-8 text.
        """
        from helpers.classify import read_labels

        return read_labels(self.labels_path)

    @property
    def size_bytes(self) -> int:
        """The model file's size in bytes. Raises no package error; an OSError when the model file is gone."""
        return self.model_path.stat().st_size


HEAD_DTYPES = ("float32", "int8")


def quantize_head(weights: np.ndarray, bias: np.ndarray, input_scale: float, logit_range: tuple[float, float]) -> dict:
    """int8 numbers of a head: symmetric per-tensor weights, int32 bias, the logits' (scale, zero point).

    ``weights`` is (dim, classes); the bias scale is ``input_scale × weight_scale``
    (so the integer sum needs no rescaling), and the logits' int8 range covers
    ``logit_range`` as measured on calibration features. Introduced in notebook 06.
    Raises a TransferError for weights or bias that do not form a finite head, an
    ``input_scale`` that is not a positive number, or a ``logit_range`` that is not (low, high).
    """
    from helpers.quantize import quantization_params

    w = finite_array(weights, "weights (dim, classes)", TransferError, ndim=2).astype(np.float32)
    b = finite_array(bias, "bias (classes,)", TransferError, ndim=1)
    if b.shape != (w.shape[1],):
        raise TransferError(f"bias has one number per class ({w.shape[1]}); got shape {b.shape}.")
    input_scale = real_number(input_scale, "input_scale", TransferError, positive=True)
    low, high = _logit_range(logit_range)
    largest = float(np.abs(w).max())
    if largest == 0 or not np.isfinite(largest):
        raise TransferError("The head's weights are all zero (or not finite): train the head before quantizing it.")
    weight_scale = largest / 127
    bias_scale = input_scale * weight_scale
    logit_scale, logit_zero = quantization_params(low, high, "int8")
    return {
        "weights": np.clip(np.round(w / weight_scale), -127, 127).astype(np.int8),
        "weight_scale": weight_scale,
        "bias": np.round(b.astype(np.float64) / bias_scale).astype(np.int32),
        "bias_scale": bias_scale,
        "logit_scale": logit_scale,
        "logit_zero_point": logit_zero,
    }


def _logit_range(logit_range: object) -> tuple[float, float]:
    """``logit_range`` as (low, high), two finite numbers with low ≤ high."""
    if (
        isinstance(logit_range, (str, bytes))
        or not isinstance(logit_range, (Sequence, np.ndarray))
        or len(logit_range) != 2
    ):
        raise TransferError(
            f"logit_range is (low, high), the logits' range on calibration features; got {logit_range!r}."
        )
    low = real_number(logit_range[0], "logit_range's low", TransferError)
    high = real_number(logit_range[1], "logit_range's high", TransferError)
    if low > high:
        raise TransferError(f"logit_range is (low, high) with low ≤ high; got ({low:g}, {high:g}).")
    return low, high


def append_head(
    extractor_bytes: bytes,
    weights: np.ndarray,
    bias: np.ndarray,
    *,
    dtype: str = "float32",
    calibration: np.ndarray | None = None,
) -> bytes:
    """A .tflite model: the extractor, then the head (fully connected → softmax), as one graph.

    ``dtype="float32"`` (default): (dequantize →) FULLY_CONNECTED → SOFTMAX in
    float32; it adds ``4 × classes × (dim + 1)`` bytes and computes exactly what
    ``SoftmaxHead.predict_proba`` computes. ``dtype="int8"``: the features are
    (re)quantized to int8, FULLY_CONNECTED and SOFTMAX run on int8 with int8
    weights (a quarter of the bytes), and a last DEQUANTIZE gives float32
    probabilities again (in steps of 1/256). The int8 head needs ``calibration``
    features (e.g. the training features) to measure the logits' range. The graph
    is written by ``helpers.tflite.append_head``. Raises a TransferError for an
    extractor that is not a .tflite model or cannot take a head, and for weights,
    bias or calibration features that are not finite or do not fit its features.
    """
    from helpers import tflite
    from helpers.errors import ModelError

    if dtype not in HEAD_DTYPES:
        raise TransferError(f"dtype must be one of {HEAD_DTYPES}; got {dtype!r}.")
    if not isinstance(extractor_bytes, (bytes, bytearray)) or not tflite.is_tflite(extractor_bytes):
        raise TransferError(
            "The extractor is not a .tflite model (no 'TFL3' at byte 4); pass the bytes of the "
            "extractor's file, e.g. Path(extractor_path).read_bytes()."
        )
    try:
        kind, dim, scale, zero_point = tflite.output_quantization(extractor_bytes)
    except ModelError as exc:
        raise TransferError(f"The extractor cannot take a head: {exc}") from exc
    if kind != "float32" and scale == 0:
        raise TransferError(f"The extractor's {kind} output has no quantization scale, so its codes have no meaning.")
    w = finite_array(weights, "weights (dim, classes)", TransferError).astype(np.float32)
    b = finite_array(bias, "bias (classes,)", TransferError).astype(np.float32)
    if w.ndim != 2 or w.shape[0] != dim or b.shape != (w.shape[1],):
        raise TransferError(
            f"The head's weights {np.shape(weights)} and bias {np.shape(bias)} do not fit the "
            f"extractor's {dim} features: expected ({dim}, classes) and (classes,)."
        )
    int8 = None
    if dtype == "int8":
        if calibration is None:
            raise TransferError(
                "An int8 head needs calibration features (e.g. the training features) to measure "
                "the range of its logits: pass calibration=train_features."
            )
        calib = _features(calibration, "calibration features")
        if calib.shape[1] != dim:
            raise TransferError(f"The calibration features are {calib.shape[1]}-d; the extractor gives {dim}-d.")
        from helpers.quantize import quantization_params

        if kind == "float32":  # float features: quantize them with their measured range
            scale, zero_point = quantization_params(float(calib.min()), float(calib.max()), "int8")
        elif kind == "uint8":  # the same real values, codes shifted by 128
            zero_point -= 128
        logits = calib @ w + b
        q = quantize_head(w, b, scale, (float(logits.min()), float(logits.max())))
        int8 = tflite.Int8Head(
            np.ascontiguousarray(q["weights"].T),
            q["weight_scale"],
            q["bias"],
            q["bias_scale"],
            q["logit_scale"],
            q["logit_zero_point"],
            scale,
            zero_point,
        )
    try:
        return tflite.append_head(bytes(extractor_bytes), w, b, int8)
    except ModelError as exc:
        raise TransferError(f"The head cannot be appended: {exc}") from exc


def _extractor_normalization(
    source: Path, mean: Normalization | None, std: Normalization | None
) -> tuple[float, float] | None:
    """The (mean, std) a FeatureExtractor feeds this extractor's float32 input (None for a quantized input)."""
    from helpers.metadata import metadata_or_none
    from helpers.model import choose_normalization, load_interpreter

    details = load_interpreter(source, 1).get_input_details()[0]
    mean, std, where = choose_normalization(mean, std, metadata_or_none(source), details)
    if mean is None:
        return None  # uint8/int8: the input's quantization says it, and the metadata writer reads it there
    means, stds = np.ravel(mean).astype(float), np.ravel(std).astype(float)
    if np.ptp(means) or np.ptp(stds):
        raise TransferError(
            f"The extractor's input normalization ({where}) differs per channel (mean {mean}, std {std}); the "
            f"metadata written here holds one mean and one std. Export with metadata=False."
        )
    return float(means[0]), float(stds[0])


def export_classifier(
    extractor_path: str | os.PathLike,
    head: SoftmaxHead,
    labels: Sequence[str],
    folder: str | os.PathLike,
    name: str = "classifier",
    *,
    metadata: bool = True,
    dtype: str = "float32",
    calibration: np.ndarray | None = None,
    description: str = "",
    mean: Normalization | None = None,
    std: Normalization | None = None,
) -> ExportedModel:
    """Write ``<name>.tflite`` (extractor + head) and ``<name>_labels.txt`` into ``folder``, atomically as a pair.

    With ``metadata=True`` (the default) the model also carries TFLite metadata
    (helpers.metadata_writer): the labels file inside it and the input
    normalization, so MediaPipe's ImageClassifier can run it alone. ``dtype``
    and ``calibration`` choose the head's arithmetic (see ``append_head``).
    Both files are written in full under temporary names before either replaces
    an old one, so a failure (a full disk) never leaves new labels beside an old
    model (``helpers.system.write_files_atomically``). Labels are refused
    (LabelError) unless each reads back from the labels file as itself
    (``helpers.metadata_writer.check_labels``). Introduced in notebook 06. Use a
    cache or temporary folder, not the repository. Raises a TransferError too for
    paths that are not paths, a ``folder`` that is a file, and options of the wrong kind, and when the
    files cannot be written (nothing is changed then). The metadata's normalization is the one the
    extractor's features were made with: ``mean``/``std`` as given to ``FeatureExtractor`` (default, as
    there: the extractor's metadata, else MobileNet's 127.5/127.5 for a float32 input).
    """
    from helpers.metadata_writer import check_labels, labels_text

    if not isinstance(head, SoftmaxHead):
        raise TransferError(
            f"head is a trained SoftmaxHead (from train_head, imprint or head_from_keras); got {type(head).__name__}."
        )
    for what, path in (("extractor_path", extractor_path), ("folder", folder)):
        if not isinstance(path, (str, os.PathLike)):
            raise TransferError(f"{what} is a path (str or pathlib.Path); got {path!r}.")
    if Path(folder).exists() and not Path(folder).is_dir():
        raise TransferError(f"folder '{folder}' is a file; give a folder for the model and its labels file.")
    if not isinstance(metadata, (bool, np.bool_)):
        raise TransferError(f"metadata is True or False; got {metadata!r}.")
    if not isinstance(description, str):
        raise TransferError(f"description is a str (empty for the default); got {description!r}.")
    if not isinstance(labels, (Iterable, os.PathLike)):
        raise TransferError(f"labels is a list of class names, one per class of the head; got {labels!r}.")
    if isinstance(labels, (set, frozenset, dict)):
        raise TransferError(
            f"labels must be in the order of training (a list such as train.classes); got a "
            f"{type(labels).__name__}, whose order is not the head's class order."
        )
    labels = listed(labels)
    if not isinstance(labels, (str, bytes, os.PathLike)) and len(labels) != head.num_classes:
        raise TransferError(
            f"{len(labels)} labels for a head with {head.num_classes} classes; give one label per "
            f"class, in the order of training (e.g. train.classes)."
        )
    labels = check_labels(labels, head.num_classes)
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise TransferError(f"name is a file name without folders; got {name!r}.")
    out = Path(folder)
    source = Path(extractor_path)
    if not source.is_file():
        raise TransferError(f"No extractor model at '{source}'; fetch it with helpers.assets.fetch(...).")
    data = append_head(source.read_bytes(), head.weights, head.bias, dtype=dtype, calibration=calibration)
    if metadata:
        from helpers.metadata_writer import add_metadata, input_normalization

        data = add_metadata(
            data,
            labels,
            name=name,
            normalization=input_normalization(data, _extractor_normalization(source, mean, std)),
            description=description
            or f"{len(labels)}-class image classifier: {source.name} features + a {dtype} softmax head.",
        )
    out.mkdir(parents=True, exist_ok=True)
    model_path, labels_path = out / f"{name}.tflite", out / f"{name}_labels.txt"
    try:
        write_files_atomically({model_path: data, labels_path: labels_text(labels)})
    except OSError as exc:
        raise TransferError(
            f"Could not write {model_path.name} and {labels_path.name} in '{out}' ({exc.strerror or exc}); "
            f"nothing was changed there. Free some disk space or choose another folder."
        ) from exc
    return ExportedModel(model_path, labels_path)
