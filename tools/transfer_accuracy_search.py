"""Search for a better frozen-extractor route on flowers/val, then score the one chosen on flowers/test once.

    python tools/transfer_accuracy_search.py extract   # features of train/val/test (+ mirror images), ~5 min
    python tools/transfer_accuracy_search.py search    # heads on flowers/val only
    python tools/transfer_accuracy_search.py test      # the configuration chosen on val, scored on test once

Maintainer tool behind the accuracy figures quoted in notebook 07, section 6. Only
mirrored models: the MobileNet V1 1.0 embedding extractor, and the MobileNet V2
1.0 uint8 ImageNet classifier cut after its average pooling (1,280 features).
Variants: head settings, L2-normalised features, mirror-image and 4 augmented
copies per training photo, mirror-image averaging at prediction, the whole photo
instead of the central square, V2 features and V1+V2 concatenated. Features are
cached as .npy files in <cache>/transfer-search.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from helpers import assets, transfer
from helpers.metrics import wilson_interval

SETS = ("train", "val", "test")
HEAD_SETTINGS = [(0.01, 200, 0.01), (0.03, 500, 0.01), (0.1, 500, 0.001), (0.1, 1000, 0.01)]


def folder() -> Path:
    """Where the cached features live."""
    path = assets.cache_dir() / "transfer-search"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load(name: str) -> np.ndarray:
    """One cached array."""
    return np.load(folder() / f"{name}.npy")


def cut_after_pooling(model_name: str, tensor_name: str) -> Path:
    """A copy of a classifier whose output is the named tensor (its pooled features)."""
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(assets.fetch(model_name).read_bytes()))
    graph = model.subgraphs[0]
    graph.outputs = [[t.name.decode() for t in graph.tensors].index(tensor_name)]
    model.signatureDefs = []
    path = folder() / (Path(model_name).stem + "_features.tflite")
    path.write_bytes(bytes(flatbuffer_utils.convert_object_to_bytearray(model)))
    return path


def extract() -> None:
    """Features of every photo (central square and whole photo, each also mirrored) for V1 and V2."""
    models = {
        "v1": assets.fetch("models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite"),
        "v2": cut_after_pooling("models/mobilenet_v2_1.0_224_quant.tflite", "MobilenetV2/Logits/AvgPool"),
    }
    for split in SETS:
        images = transfer.image_set_from_assets(f"flowers/{split}", progress=False)
        np.save(folder() / f"y_{split}.npy", images.class_ids)
        for crop in ("center", "none"):
            pixels = transfer.load_pixels(images.paths, crop=crop)
            for key, path in models.items():
                extractor = transfer.FeatureExtractor(path)
                np.save(folder() / f"{key}_{crop}_{split}.npy", extractor.extract_batch(pixels))
                np.save(folder() / f"{key}_{crop}_flip_{split}.npy", extractor.extract_batch(pixels[:, :, ::-1].copy()))
            if split == "train" and crop == "center":
                altered = transfer.augment_pixels(pixels, copies=4, seed=0)
                np.save(folder() / "v1_aug4_train.npy", transfer.FeatureExtractor(models["v1"]).extract_batch(altered))


def _scaled_unit(x: np.ndarray) -> np.ndarray:
    return transfer.l2_normalize(x) * 10


def search() -> None:
    """Validation hits (of 150) of every variant, plain and with mirror-image averaging."""
    y_train, y_val = load("y_train"), load("y_val")

    def report(label: str, head: transfer.SoftmaxHead, views: list[np.ndarray]) -> None:
        averaged = np.mean([head.predict_proba(v) for v in views], axis=0)
        print(
            f"{label:45s} val {(head.predict(views[0]) == y_val).sum():3d}/150, "
            f"mirror-averaged {(averaged.argmax(1) == y_val).sum():3d}/150",
            flush=True,
        )

    for key in ("v1", "v2", "v1+v2"):
        for scale in ("raw", "unit"):
            if key == "v1+v2" and scale == "raw":
                continue

            def get(split: str, key: str = key, scale: str = scale) -> np.ndarray:
                if key == "v1+v2":
                    return np.hstack(
                        [_scaled_unit(load(f"v1_center_{split}")), _scaled_unit(load(f"v2_center_{split}"))]
                    )
                x = load(f"{key}_center_{split}")
                return _scaled_unit(x) if scale == "unit" else x

            train, flipped, views = get("train"), get("flip_train"), [get("val"), get("flip_val")]
            for rate, steps, l2 in HEAD_SETTINGS:
                tag = f"{key} {scale} lr {rate} steps {steps} l2 {l2}"
                report(tag, transfer.train_head(train, y_train, learning_rate=rate, steps=steps, l2=l2), views)
                both = transfer.train_head(
                    np.vstack([train, flipped]), np.concatenate([y_train] * 2), learning_rate=rate, steps=steps, l2=l2
                )
                report(tag + " +mirror", both, views)
    train, views = load("v1_center_train"), [load("v1_center_val"), load("v1_center_flip_val")]
    augmented = transfer.train_head(
        np.vstack([train, load("v1_aug4_train")]), np.concatenate([y_train, np.repeat(y_train, 4)])
    )
    report("v1 +4 augmented copies", augmented, views)
    whole = transfer.train_head(load("v1_none_train"), y_train)
    report("v1 whole photo", whole, [load("v1_none_val"), load("v1_none_flip_val")])


def test() -> None:
    """The configuration chosen on val (V1, + mirror images, mirror-averaged), scored on flowers/test once."""
    y_train, y_test = load("y_train"), load("y_test")
    head = transfer.train_head(
        np.vstack([load("v1_center_train"), load("v1_center_flip_train")]),
        np.concatenate([y_train] * 2),
        learning_rate=0.01,
        steps=200,
        l2=0.01,
    )
    probs = (head.predict_proba(load("v1_center_test")) + head.predict_proba(load("v1_center_flip_test"))) / 2
    hits = int((probs.argmax(1) == y_test).sum())
    low, high = wilson_interval(hits, len(y_test))
    print(f"chosen route on test: {hits}/{len(y_test)} = {hits / len(y_test):.3f} (95 % interval {low:.3f}–{high:.3f})")


if __name__ == "__main__":
    {"extract": extract, "search": search, "test": test}[sys.argv[1]]()
