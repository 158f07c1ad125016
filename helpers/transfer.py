"""Transfer learning: teach new classes to a pretrained model by reusing its features (notebooks 06–08, 11).

Class folders → ``ImageSet`` → ``load_pixels`` → ``FeatureExtractor`` → a softmax head → ``export_classifier``.
Checked here: what a folder loader would skip, labels out of the classes' order, the wrong kind of model, a head that
does not fit, learners' options; other bad arguments become one TransferError. Only the Keras parts import TensorFlow.
"""

from __future__ import annotations

import json
import operator
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from helpers import assets, quantize, tflite
from helpers.arguments import finite_array, listed, text_labels, whole_number
from helpers.classify import read_labels
from helpers.errors import TransferError, raises_own_errors, wrap_public_functions
from helpers.images import ImageSource, Normalization, check_crop, check_size, load_image, resize_for_model
from helpers.metrics import softmax
from helpers.model import KINDS, MAX_THREADS, LiteRTModel, default_workers, model_kind
from helpers.system import IMAGE_SUFFIXES, folder_photos, parallel_map, write_files_atomically


@dataclass(frozen=True)
class ImageSet:
    """Labelled images: ``paths[i]`` shows class ``classes[class_ids[i]]``; ``names`` are asset or file names."""

    paths: tuple[Path, ...]
    class_ids: np.ndarray
    classes: tuple[str, ...]
    names: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.paths)

    def counts(self) -> dict[str, int]:
        return {name: int((self.class_ids == i).sum()) for i, name in enumerate(self.classes)}

    @raises_own_errors(TransferError)
    def subset(self, indices: Sequence[int] | np.ndarray) -> ImageSet:
        """The images at ``indices`` (positions or a boolean mask)."""
        chosen = np.asarray(listed(indices))
        idx = np.arange(len(self))[chosen if chosen.size else chosen.astype(np.int64)]
        names = tuple(self.names[i] for i in idx) if self.names else ()
        return ImageSet(tuple(self.paths[i] for i in idx), self.class_ids[idx], self.classes, names)


def _build(items: list[tuple[str, Path, str]], classes: list[str] | None, where: str, problems=()) -> ImageSet:
    """An ImageSet from (class, path, name) triples, classes sorted unless given, or every problem found."""
    found = sorted({cls for cls, _, _ in items})
    order = list(classes) if classes is not None else found
    missing = [c for c in order if c not in found]
    rules = {
        f"No images found in {where}: expected <class>/<image> files ({', '.join(IMAGE_SUFFIXES)}).": not found,
        f"The class list {order} names a class twice.": len(set(order)) != len(order),
        f"No images for class(es) {missing} in {where}; it has {found}.": found and missing,
        f"A classifier needs at least two classes; {where} gives only {order}.": found and len(order) < 2,
    }
    problems = [*problems, *(text for text, bad in rules.items() if bad)]
    if problems:
        raise TransferError(" ".join(problems))
    position = {c: i for i, c in enumerate(order)}
    ids, names, paths = zip(*sorted((position[c], name, path) for c, path, name in items if c in position))
    return ImageSet(paths, np.array(ids, dtype=np.int64), tuple(order), names)


def image_set_from_folder(folder: str | os.PathLike, classes: Sequence[str] | None = None) -> ImageSet:
    """Every image in ``folder/<class>/`` as an example of ``<class>``; ``classes`` (a list) picks and orders them.
    TransferError naming all it would skip, an empty class folder, a class list that repeats or misses a class."""
    classes = None if classes is None else text_labels(classes, "classes", TransferError)
    root, problems, items = Path(folder), [], []
    loose, _notes, class_folders = folder_photos(root) if root.is_dir() else ([], [], [])
    if not root.is_dir():
        problems.append(f"'{root}' is not a folder; give a folder with one sub-folder per class.")
    if loose:
        problems.append(
            f"'{loose[0]}'{f' and {len(loose) - 1} more photos' if len(loose) > 1 else ''} lie directly in "
            f"'{root}', outside every class folder, so they belong to no class. Move each into its class folder."
        )
    for sub in (found for found in class_folders if classes is None or found.name in classes):  # others: not read
        photos, strays, folders = folder_photos(sub)
        if strays:
            problems.append(
                f"'{strays[0]}' is not an image ({', '.join(IMAGE_SUFFIXES)})"
                f"{f' (and {len(strays) - 1} more files)' if len(strays) > 1 else ''}: a class folder holds only "
                f"photos of its class. Move it out of '{sub}', or convert it to JPEG or PNG if it is a photo "
                f"(e.g. HEIC from a phone)."
            )
        if folders:
            problems.append(
                f"'{folders[0]}' is a folder inside the class folder '{sub.name}': its photos would be left out. "
                f"Move them up into '{sub}', or make it a class folder of its own beside '{sub.name}'."
            )
        if not photos:
            problems.append(
                f"The class folder '{sub}' has no images. Add photos of '{sub.name}' to it, or remove the folder "
                f"(or leave the class out with classes=[...])."
            )
        items += [(sub.name, path, f"{sub.name}/{path.name}") for path in photos]
    return _build(items, classes, f"'{root}'", problems)


def image_set_from_assets(prefix: str, classes: Sequence[str] | None = None, *, progress: bool = True) -> ImageSet:
    """The class folders registered under ``prefix`` ("flowers/train", ...), fetched."""
    classes = None if classes is None else text_labels(classes, "classes", TransferError)
    prefix = prefix.rstrip("/") + "/"
    groups: dict[str, list[str]] = {}
    for name in sorted(assets.names()):
        rest = name[len(prefix) :] if name.startswith(prefix) else ""
        if "/" in rest and rest.lower().endswith(IMAGE_SUFFIXES):
            groups.setdefault(rest.split("/", 1)[0], []).append(name)
    names = [name for cls in (classes or sorted(groups)) for name in groups.get(cls, [])]
    by_name = dict(zip(names, assets.fetch_many(names, progress=progress) if names else []))
    items = [(cls, by_name[name], name) for cls, found in groups.items() for name in found if name in by_name]
    return _build(items, classes, f"the assets under '{prefix}'")


def load_pixels(
    images: Sequence[ImageSource], size=(224, 224), *, crop: str | float = "center", workers=None, progress=True
) -> np.ndarray:
    """Each image (path, bytes, PIL image) decoded once and resized to ``size`` = (width, height): (n, H, W, 3) uint8.
    TransferError for a single path or an empty list, ImageError for a bad size, crop or image."""
    images = listed(images)
    if isinstance(images, (str, bytes, os.PathLike)) or len(images) == 0:
        raise TransferError(
            f"images is a list of image paths, not empty (e.g. an ImageSet's .paths); got {str(images)[:60]!r}. "
            f"For one image pass [path]; for a folder of class folders, image_set_from_folder(folder).paths."
        )
    workers = whole_number(
        default_workers() if workers is None else workers, "workers (threads)", TransferError, minimum=1
    )
    width, height = check_size(size)
    check_crop(crop)
    out = np.empty((len(images), height, width, 3), dtype=np.uint8)  # filled in place: no second copy in memory

    def decode_into(index: int) -> None:
        out[index] = np.asarray(resize_for_model(load_image(images[index]), size, crop), dtype=np.uint8)

    bar = {"desc": "decoding", "unit": "img", "leave": True} if progress else None
    parallel_map(decode_into, range(len(images)), workers=workers, progress=bar)
    return out


_MAX_ANGLE, _MIN_ZOOM = 10.0, 0.8  # augment_pixels: turns of up to 10°, zooms onto 80–100 % (as notebook 07 says)


def augment_pixels(pixels: np.ndarray, copies: int = 1, *, seed=0) -> np.ndarray:
    """``copies`` randomly altered versions of each (H, W, 3) uint8 image, image by image: (n × copies, H, W, 3), each
    mirrored half of the time, turned by up to 10 degrees and zoomed onto a random square covering 80–100 % of the
    largest square inside the turned photo (no empty corners). TransferError for another batch or copies < 1."""
    from PIL import Image

    array = np.asarray(pixels)
    batch = array.ndim == 4 and array.shape[-1] == 3 and array.dtype == np.uint8 and len(array) > 0
    rules = {
        f"a batch of uint8 images (n, H, W, 3) (got {array.dtype} {array.shape})": not batch,
        f"copies ≥ 1 (got {copies})": copies < 1,
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise TransferError(f"augment_pixels needs {'; '.join(problems)}.")
    rng = np.random.default_rng(seed)
    height, width = array.shape[1:3]
    out = np.empty((len(array) * copies, height, width, 3), dtype=np.uint8)
    affine, bilinear = Image.Transform.AFFINE, Image.Resampling.BILINEAR
    for i, image in enumerate(array):
        source = Image.fromarray(image)
        for c in range(copies):
            angle = np.deg2rad(rng.uniform(-_MAX_ANGLE, _MAX_ANGLE))
            cos, sin = np.cos(angle), np.sin(angle)
            side = rng.uniform(_MIN_ZOOM, 1.0) / (abs(cos) + abs(sin))  # fraction of the photo, inside the turn
            reach = (1 - side * (abs(cos) + abs(sin))) / 2  # how far the centre may move and stay inside
            cx = width * (0.5 + rng.uniform(-reach, reach))
            cy = height * (0.5 + rng.uniform(-reach, reach))
            mirror = rng.random() < 0.5
            # Output pixel (x, y) samples the source at centre + R(angle) · scale · (x − w/2, y − h/2).
            sx, sy = side * (-1 if mirror else 1), side
            a, b = cos * sx, -sin * sy
            d, e = sin * sx, cos * sy
            coefficients = (a, b, cx - a * width / 2 - b * height / 2, d, e, cy - d * width / 2 - e * height / 2)
            out[i * copies + c] = np.asarray(source.transform((width, height), affine, coefficients, resample=bilinear))
    return out


class FeatureExtractor(LiteRTModel):
    """An embedding model run with LiteRT: an image's pixels in, its feature vector (float32) out (notebook 06).
    ``mean``/``std`` as for a Classifier; TransferError for a model that is not one image in, one vector out."""

    error = TransferError

    def kind_problem(self, name: str, outputs: list[dict]) -> str | None:
        """Why a model with these outputs is not a feature extractor (one vector per image), or None."""
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
        return int(np.prod(self.output_details["shape"][1:]))

    def extract(self, pixels: np.ndarray) -> np.ndarray:
        """The feature vector (float32) of one image's (H, W, 3) uint8 pixels."""
        return self.run(self.prepare(pixels))

    def extract_batch(self, pixels: np.ndarray, *, workers: int | None = None, progress: bool = True) -> np.ndarray:
        """Feature vectors (n, dim) of (n, H, W, 3) uint8 pixels, on ``workers`` copies of the model."""
        workers = default_workers() if workers is None else workers
        workers = whole_number(workers, "workers (a number of threads)", TransferError, minimum=1, maximum=MAX_THREADS)
        return self.run_batch(pixels, workers, "features" if progress else None)

    def __repr__(self) -> str:
        width, height = self.input_size
        dtype = np.dtype(self.input_details["dtype"]).name
        return f"FeatureExtractor('{self.model_path.name}', {width}×{height} {dtype} → {self.dim} features)"


def _examples(features, class_ids=None, num_classes=None, *, what="features", ids="class_ids", every=True, unit=False):
    """``features`` as a float32 (images, dim) matrix, ``class_ids`` as class indices, the number of classes."""
    x = np.asarray(listed(features), dtype=np.float32)
    problems, y, count = [], None, 0
    if x.ndim != 2 or not x.size or not np.isfinite(x).all():
        finite = " (they hold NaN or infinite values: extract again)" if x.ndim == 2 and x.size else ""
        problems.append(f"The {what} must be a (images, dim) matrix of finite numbers{finite}; got shape {x.shape}.")
    elif unit and not np.linalg.norm(x, axis=1).all():
        problems.append(f"A vector of the {what} is all zeros and has no direction; drop that image.")
    if class_ids is not None:
        y, rows = np.asarray(listed(class_ids)), x.shape[0] if x.ndim else None
        if y.shape != (rows,) or y.dtype.kind not in "iu":
            problems.append(
                f"{ids} must be integer class indices (0, 1, …), one class index per feature row ({rows} in the "
                f"{what}); got {y.dtype} of shape {y.shape}."
            )
        else:
            count = int(y.max()) + 1 if num_classes is None else operator.index(num_classes)
            empty = [c for c in range(count) if not (y == c).any()]
            if y.min() < 0 or y.max() >= count:
                allowed = f"0…{count - 1}" if count > 0 else "0, 1, …"
                problems.append(f"Class indices must be in {allowed}; got {y.min()}…{y.max()} in {ids}.")
            elif count < 2:
                problems.append("A classifier needs at least two classes, but the class ids hold only class 0.")
            elif every and empty:
                problems.append(
                    f"Class(es) {empty} have no example; a head needs at least one image per class. Give examples "
                    f"of every class in 0…{count - 1}, or number the classes without gaps (np.unique(ids, "
                    f"return_inverse=True))."
                )
    if problems:
        raise TransferError(" ".join(problems))
    return x, y, count


def _check_fit(head: SoftmaxHead, dim: int | None = None, labels: list[str] | None = None) -> list[str] | None:
    """``labels``, after refusing a head that does not take ``dim`` features or has not one class per label."""
    rules = {
        f"The head takes {head.weights.shape[0]}-d features; got {dim}-d. Use one extractor throughout.": dim
        not in (None, head.weights.shape[0]),
        f"{len(labels or ())} labels for a head with {head.num_classes} classes; give one label per class, in the "
        f"order of training (a list such as train.classes).": labels is not None and len(labels) != head.num_classes,
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise TransferError(" ".join(problems))
    return labels


@dataclass
class SoftmaxHead:
    """A dense layer + softmax on a frozen extractor's features: ``probs = softmax(features @ weights + bias)``."""

    weights: np.ndarray  # (dim, classes)
    bias: np.ndarray  # (classes,)
    history: dict[str, list[float]] = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return int(self.weights.shape[1])

    @raises_own_errors(TransferError)
    def logits(self, features) -> np.ndarray:
        """Scores (images, classes) for features that are a finite (images, dim) matrix."""
        x = _examples(features)[0]
        _check_fit(self, x.shape[1])
        return x @ self.weights + self.bias

    def predict_proba(self, features) -> np.ndarray:
        """Probabilities (images, classes); each row sums to 1."""
        return softmax(self.logits(features))

    def predict(self, features) -> np.ndarray:
        """The most probable class index of each row."""
        return np.argmax(self.logits(features), axis=1)


class HeadClassifier:
    """A feature extractor and a trained head run together like a ``Classifier`` (notebook 11); TransferError if
    extractor, head and labels do not fit together, LabelError for labels not str."""

    @raises_own_errors(TransferError)
    def __init__(self, extractor: FeatureExtractor, head: SoftmaxHead, labels: Sequence[str]) -> None:
        self.labels = _check_fit(head, extractor.dim, text_labels(labels))
        self.extractor, self.head, self.input_details = extractor, head, extractor.input_details
        self.prepare = extractor.prepare  # model-sized uint8 pixels → the extractor's input tensor

    def run(self, tensor: np.ndarray) -> np.ndarray:
        """Probabilities (one per label) for one prepared input tensor."""
        return self.head.predict_proba(self.extractor.run(tensor)[np.newaxis])[0]


def head_from_keras(model) -> SoftmaxHead:
    """The softmax head of a trained Keras model (notebook 07); TransferError unless it is one softmax Dense layer."""
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    kinds = (keras.layers.Dense, keras.layers.Dropout, keras.layers.InputLayer)
    others = [layer.name for layer in model.layers if not isinstance(layer, kinds)]
    one = dense[0] if len(dense) == 1 else None
    activation = getattr(one.activation, "__name__", str(one.activation)) if one else None
    weights = [np.asarray(w, dtype=np.float32) for w in one.get_weights()] if one else []
    finite = all(np.isfinite(w).all() for w in weights)
    if not one or others or activation != "softmax" or not one.use_bias or one.units < 2 or not finite:
        raise TransferError(
            f"A softmax head is one Dense layer with a bias, activation='softmax', two or more units and finite "
            f"weights (plus Dropout); this model has {len(dense)} Dense layers{f' and also {others}' if others else ''}"
            f"{f' (activation {activation!r})' if activation else ''}"
            f"{'' if finite else ' with NaN or infinite weights: training diverged, train again with a smaller rate'}."
            f" Export other models with the Keras export (helpers.quantize.convert)."
        )
    history = getattr(getattr(model, "history", None), "history", {})
    return SoftmaxHead(*weights, {key: list(map(float, values)) for key, values in history.items()})


def train_head(
    features, class_ids, num_classes: int | None = None, *, learning_rate=0.01, steps=200, l2=0.01, validation=None
) -> SoftmaxHead:
    """Fit a softmax layer by full-batch gradient descent from zero weights; ``history`` records the loss per step
    and the accuracy on ``validation`` = (features, class_ids). TransferError for bad data or settings, divergence."""
    x, y, count = _examples(features, class_ids, num_classes)
    if not (learning_rate > 0 and np.isfinite(learning_rate) and operator.index(steps) >= 1 and l2 >= 0):
        raise TransferError(
            f"train_head needs a finite learning_rate > 0, whole steps ≥ 1 and l2 ≥ 0; got learning_rate="
            f"{learning_rate!r}, steps={steps!r}, l2={l2!r}."
        )
    if validation is not None:
        val_features, val_ids = validation
        val_x, val_y, _ = _examples(val_features, val_ids, count, what="validation features", every=False)
    one_hot = np.eye(count, dtype=np.float32)[y]
    weights, bias = np.zeros((x.shape[1], count), dtype=np.float32), np.zeros(count, dtype=np.float32)
    rate, decay, n = np.float32(learning_rate), np.float32(l2), np.float32(len(y))
    history: dict[str, list[float]] = {"loss": [], **({"val_accuracy": []} if validation is not None else {})}
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported below, not warned about
        for step in range(steps):
            logits = x @ weights + bias
            if not np.isfinite(logits).all():
                raise TransferError(
                    f"Training diverged at step {step + 1} (the logits are no longer finite): use a smaller "
                    f"learning_rate than {learning_rate:g}."
                )
            probs = softmax(logits)
            history["loss"].append(float(-np.log(np.maximum(probs[np.arange(len(y)), y], 1e-12)).mean()))
            gradient = (probs - one_hot) / n
            weights -= rate * (x.T @ gradient + decay * weights)
            bias -= rate * gradient.sum(axis=0)
            if validation is not None:
                history["val_accuracy"].append(float((np.argmax(val_x @ weights + bias, axis=1) == val_y).mean()))
    return SoftmaxHead(weights, bias, history)


def l2_normalize(features) -> np.ndarray:
    """Each row divided by its length (so dot products are cosines); TransferError for a zero row."""
    x = _examples(features, unit=True)[0]
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def imprint(features, class_ids, num_classes: int | None = None) -> np.ndarray:
    """Weight imprinting: each class's normalized mean of normalized features."""
    x, y, count = _examples(l2_normalize(features), class_ids, num_classes)
    return l2_normalize(np.stack([x[y == c].mean(axis=0) for c in range(count)]))


def sample_per_class(class_ids, per_class: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of ``per_class`` random examples per class (reproducible)."""
    y, rng = np.asarray(listed(class_ids)), np.random.default_rng(seed)
    chosen = [rng.choice(np.flatnonzero(y == c), per_class, replace=False) for c in np.flatnonzero(np.bincount(y))]
    return np.sort(np.concatenate(chosen))


def accuracy_by_size(
    train_features, train_class_ids, val_features, val_class_ids, sizes: Sequence[int], fit: Callable, repeats=10
) -> np.ndarray:
    """Validation accuracy (sizes, repeats) of ``fit`` trained on n images per class, draw r with seed 1000 n + r;
    ``fit(features, class_ids)`` returns ``predict(features) -> class indices``; a size taking every image: one draw."""
    train_features, val_features = np.asarray(listed(train_features)), listed(val_features)  # generators: read once
    _, train_y, count = _examples(train_features, train_class_ids, what="training features", ids="train_class_ids")
    _, val_y, _ = _examples(
        val_features, val_class_ids, count, what="validation features", ids="val_class_ids", every=False
    )
    smallest, sizes = np.bincount(train_y).min(), list(sizes)
    results = np.empty((len(sizes), repeats))
    for row, n in enumerate(sizes):
        draws = 1 if n >= smallest else repeats
        for r in range(draws):
            idx = sample_per_class(train_y, n, seed=1000 * n + r)
            predicted = np.asarray(fit(train_features[idx], train_y[idx])(val_features))
            if predicted.shape != val_y.shape:
                raise TransferError(
                    f"predict(val_features) must return one class index per validation row, shape "
                    f"{val_y.shape}; got shape {predicted.shape} (probabilities? take np.argmax(..., axis=1))."
                )
            results[row, r] = float((predicted == val_y).mean())
        results[row, draws:] = results[row, 0]
    return results


def confusion_matrix(truth, predicted, num_classes: int) -> np.ndarray:
    """Counts (classes, classes): row = true class, column = predicted."""
    pairs = [
        np.zeros(0, np.int64) if not np.size(v) else finite_array(v, what, TransferError, integer=True)
        for v, what in ((truth, "truth (class indices)"), (predicted, "predicted (class indices)"))
    ]
    cells = np.ravel_multi_index(np.stack(pairs), (num_classes, num_classes))
    return np.bincount(cells, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def convert_in_subprocess(
    model, recipes=("float32", "static_wi8_ai8"), samples=None, *, input_range=None, name="model", timeout=600.0
) -> dict[str, Path]:
    """Export and quantize a Keras model (``helpers.quantize.convert``) in a child process, whose memory leaves with
    it: {recipe: .tflite path}. TransferError for unknown ``recipes``, missing static settings, a failed conversion."""
    wanted = [] if isinstance(recipes, (str, bytes)) else list(recipes)
    static = any(recipe in quantize.STATIC for recipe in wanted)
    unknown = not wanted or any(r != "float32" and r not in quantize.RECIPES for r in wanted)
    if unknown or (static and (samples is None or input_range is None)):
        raise TransferError(
            f"recipes must be among float32, {', '.join(quantize.RECIPES)}, as a list (got {recipes!r}); a static "
            f"recipe needs samples (about 100 inputs preprocessed exactly as the model's) and input_range, the range "
            f"that preprocessing gives, e.g. (-1, 1)."
        )
    with tempfile.TemporaryDirectory(prefix="convert-") as folder:
        model.save(Path(folder) / "model.keras")
        if static:
            np.save(Path(folder) / "samples.npy", finite_array(samples, "samples", TransferError).astype(np.float32))
        span = json.dumps(None if input_range is None else [float(v) for v in input_range])
        child = "import sys; from helpers.transfer import _convert_child; _convert_child(*sys.argv[1:])"
        try:
            command = [sys.executable, "-c", child, folder, name, ",".join(wanted), span]
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
        except (subprocess.TimeoutExpired, subprocess.CalledProcessError) as error:
            why = (
                f"took more than {timeout:.0f} s; give a larger timeout= on a slow machine"
                if isinstance(error, subprocess.TimeoutExpired)
                else f"failed (exit code {error.returncode}):\n"
                + "\n".join(error.stderr.strip().splitlines()[-5:])
                + "\nRun helpers.quantize.convert(model, recipe, samples, input_range=...) here to see the full error"
            )
            raise TransferError(f"Converting '{name}' in a child process {why}.") from error
    found = [line for line in result.stdout.splitlines() if line.startswith("@@PATHS")]
    return {mode: Path(path) for mode, path in json.loads(found[-1][len("@@PATHS") :]).items()}


def _convert_child(folder: str, name: str, recipes: str, span: str) -> None:
    """Convert the saved model with each recipe and print the paths (the child process)."""
    import keras

    model = keras.models.load_model(Path(folder) / "model.keras", compile=False)
    samples = np.load(Path(folder) / "samples.npy") if (Path(folder) / "samples.npy").is_file() else None
    input_range, paths = json.loads(span), {}
    for recipe in recipes.split(","):
        calibration, span = (samples, tuple(input_range)) if recipe in quantize.STATIC else (None, None)
        paths[recipe] = str(quantize.convert(model, recipe, calibration, input_range=span, name=name))
    print("@@PATHS" + json.dumps(paths))


@dataclass(frozen=True)
class ExportedModel:
    """A classifier written by ``export_classifier``: the .tflite file and its labels file."""

    model_path: Path
    labels_path: Path

    @property
    def labels(self) -> list[str]:
        """The class names, one per model output, read from the labels file."""
        return read_labels(self.labels_path)

    @property
    def size_bytes(self) -> int:
        return self.model_path.stat().st_size


def _with_head(extractor: bytes, head: SoftmaxHead, dtype: str, calibration) -> bytes:
    """The extractor's graph then the head (dense → softmax) by ``tflite.append_head``; int8: features (re)quantized,
    symmetric int8 weights, int32 bias (scale: feature × weight), logits' range from ``calibration``, a DEQUANTIZE."""
    w, b = head.weights.astype(np.float32), head.bias.astype(np.float32)
    if dtype == "float32":
        return tflite.append_head(extractor, w, b, None)
    kind, _, scale, zero_point = tflite.output_quantization(extractor)
    calib = _examples(calibration, what="calibration features")[0]
    _check_fit(head, calib.shape[1])
    if kind == "float32":  # float features: quantize them with their measured range
        scale, zero_point = quantize.quantization_params(float(calib.min()), float(calib.max()), "int8")
    elif kind == "uint8":  # the same real values, codes shifted by 128
        zero_point -= 128
    logits = calib @ w + b
    weight_scale = (float(np.abs(w).max()) or 1.0) / 127  # all-zero weights: any scale stores them exactly
    bias_scale = float(scale) * weight_scale
    q_weights = np.ascontiguousarray(np.clip(np.round(w / weight_scale), -127, 127).astype(np.int8).T)
    q_bias = np.round(b.astype(np.float64) / bias_scale).astype(np.int32)
    logit_scale, logit_zero = quantize.quantization_params(float(logits.min()), float(logits.max()), "int8")
    int8 = tflite.Int8Head(q_weights, weight_scale, q_bias, bias_scale, logit_scale, logit_zero, scale, zero_point)
    return tflite.append_head(extractor, w, b, int8)


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
    """Write ``<name>.tflite`` (extractor + head) and ``<name>_labels.txt`` into ``folder``, atomically as a pair;
    ``metadata`` embeds the labels and ``mean``/``std``; ``dtype="int8"`` needs ``calibration`` features. TransferError
    (nothing written) for labels not one per class, a missing or unfitting extractor, bad options, a failed write;
    LabelError for labels that would not read back from the labels file as themselves."""
    from helpers.tflite import check_labels, labels_text

    labels = check_labels(_check_fit(head, labels=text_labels(labels)), head.num_classes)
    source, out = Path(extractor_path), Path(folder)
    extractor = FeatureExtractor(source, 1, mean=mean, std=std) if source.is_file() else None
    norm = None  # uint8/int8 inputs: their quantization says it, and the metadata writer reads it there
    if extractor is not None and extractor.mean is not None:
        norm = np.ravel(extractor.mean).astype(float), np.ravel(extractor.std).astype(float)
    rules = {
        f"No extractor model at '{source}'; fetch it with helpers.assets.fetch(...).": extractor is None,
        f"name is a file name without folders; got {name!r}.": not name or Path(name).name != name,
        f"dtype must be one of ('float32', 'int8'); got {dtype!r}.": dtype not in ("float32", "int8"),
        "An int8 head needs calibration features: pass calibration=train_features.": dtype == "int8"
        and calibration is None,
        f"metadata is True or False; got {metadata!r}.": metadata not in (True, False),
        "The extractor's input normalization differs per channel, but metadata holds one mean and one std: export "
        "with metadata=False.": metadata and norm and (np.ptp(norm[0]) or np.ptp(norm[1])),
    }
    problems = [text for text, bad in rules.items() if bad]
    if problems:
        raise TransferError(" ".join(problems))
    _check_fit(head, extractor.dim)
    data = _with_head(source.read_bytes(), head, dtype, calibration)
    if metadata:
        from helpers.tflite import add_metadata, input_normalization

        head_text = f"{len(labels)}-class image classifier: {source.name} features + a {dtype} softmax head."
        description = description or head_text
        normalization = input_normalization(data, norm and (norm[0][0], norm[1][0]))
        data = add_metadata(data, labels, name=name, normalization=normalization, description=description)
    model_path, labels_path = out / f"{name}.tflite", out / f"{name}_labels.txt"
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_files_atomically({model_path: data, labels_path: labels_text(labels)})
    except OSError as exc:
        raise TransferError(
            f"Could not write {model_path.name} and {labels_path.name} in '{out}' ({exc.strerror or exc}); "
            f"nothing was changed there. Free some disk space or choose another folder."
        ) from exc
    return ExportedModel(model_path, labels_path)


wrap_public_functions(globals(), TransferError)
